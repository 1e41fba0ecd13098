"""Tests for generating.import_config: a mapping file's paths are relative to the file, flags replace its
inputs, and the combinations of input and split settings that make no sense are one-line errors.

.venv/bin/python -m pytest tests/test_import_config.py -q
"""

from __future__ import annotations

import shutil

import pytest
from test_importer import BROKEN_CSV, LABELS, MAPPING, SPLIT_CSV, read_jsonl, run, write_csv

from generating.import_config import SetupError, build_config
from generating.importer import build_parser
from ticket_triage.schema import load_schema


def test_mapping_file_train_and_test_keys_are_relative_to_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "cfg"
    folder.mkdir()
    write_csv(folder / "a.csv", [("printer jams", "Hardware")])
    write_csv(folder / "b.csv", [("vpn drops", "Network")])
    (folder / "mapping.yaml").write_text(
        "text: text\nlabels: {category: cat}\ntrain: a.csv\ntest: [b.csv]\nout: out\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert run("--mapping", folder / "mapping.yaml") == 0
    assert [row["id"] for row in read_jsonl(folder / "out" / "train.jsonl")] == ["a-0"]
    assert [row["id"] for row in read_jsonl(folder / "out" / "test.jsonl")] == ["b-0"]
    # flags replace the file's inputs, and its split files with them
    other = write_csv(tmp_path / "c.csv", [("mouse broken", "Hardware"), ("disk full", "Hardware")])
    assert run("--mapping", folder / "mapping.yaml", other, "--test-frac", "0", "--out", tmp_path / "o") == 0
    assert [row["id"] for row in read_jsonl(tmp_path / "o" / "train.jsonl")] == ["c-0", "c-1"]


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        (["INPUT"], "cannot be combined with --train/--val/--test"),
        (["--split-file", "SPLIT"], "carry their own split: drop --split-file"),
        (["--test-frac", "0.3"], "carry their own split: drop --test-frac"),
        (["--val", "TRAIN"], "is given twice (as train and as val)"),
        (["--train", "SAME_STEM"], "have the same name 'a', so their default ids (<name>-<row>) would collide"),
    ],
    ids=["input-and-train", "split-file", "test-frac", "file-in-two-splits", "same-stem"],
)
def test_wrong_split_flag_combinations_are_one_line_errors(tmp_path, capsys, extra, error):
    train = write_csv(tmp_path / "a.csv", [("printer jams", "Hardware")])
    test = write_csv(tmp_path / "b.csv", [("vpn drops", "Network")])
    same_stem = tmp_path / "other"
    same_stem.mkdir()
    write_csv(same_stem / "a.csv", [("mouse broken", "Hardware")])
    names = {"INPUT": test, "SPLIT": SPLIT_CSV, "TRAIN": train, "SAME_STEM": same_stem / "a.csv"}
    extra = [names.get(a, a) for a in extra]
    assert run("--train", train, "--test", test, *LABELS, *extra, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert error in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_mapping_file_cannot_mix_input_with_train_and_test(tmp_path):
    write_csv(tmp_path / "a.csv", [("printer jams", "Hardware")])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("text: text\nlabels: {category: cat}\ninput: a.csv\ntest: a.csv\n", encoding="utf-8")
    with pytest.raises(SetupError, match="either `input:` .* or `train:`/`val:`/`test:`, not both"):
        build_config(build_parser().parse_args(["--mapping", str(mapping), "--out", str(tmp_path / "out")]))
    mapping.write_text("text: text\nlabels: {category: cat}\ntest: a.csv\ntest_frac: 0.2\n", encoding="utf-8")
    with pytest.raises(SetupError, match="carry their own split: drop `test_frac:`"):
        build_config(build_parser().parse_args(["--mapping", str(mapping), "--out", str(tmp_path / "out")]))


def test_mapping_file_paths_are_relative_to_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "cfg"
    folder.mkdir()
    shutil.copy(BROKEN_CSV, folder / "export.csv")
    shutil.copy(SPLIT_CSV, folder / "split.csv")
    (folder / "mapping.yaml").write_text(
        MAPPING.read_text(encoding="utf-8")
        + "input: export.csv\nout: out\nsplit_file: split.csv\ninfer_schema: true\nschema_name: tiny\n"
        + "skip_bad_records: true\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert run("--mapping", folder / "mapping.yaml") == 0
    assert load_schema(folder / "out" / "schema.yaml").name == "tiny"
    assert {row["id"] for row in read_jsonl(folder / "out" / "test.jsonl")} == {"T3", "T5", "T10"}
    # `infer_schema: true` follows --out, it does not write into the file's default folder
    assert run("--mapping", folder / "mapping.yaml", "--out", tmp_path / "elsewhere") == 0
    assert (tmp_path / "elsewhere" / "schema.yaml").is_file()
