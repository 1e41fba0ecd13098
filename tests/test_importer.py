"""Tests for generating.importer: the whole import (rejects, splits at random, from a split file, or given
by --train/--test files; setup errors; one round trip through predict and eval). Its rooms have their own
files: test_import_config.py, test_import_readers.py, test_import_rows.py (they share this file's helpers).

.venv/bin/python -m pytest tests/test_importer.py -q
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from generating.importer import main
from ticket_triage.schema import load_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN_CSV = FIXTURES / "import_broken.csv"
MAPPING = FIXTURES / "import_mapping.yaml"
SPLIT_CSV = FIXTURES / "import_split.csv"
TICKETS_JSONL = FIXTURES / "import_tickets.jsonl"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REAL = SHARED_DATA / "it_service_tickets"

# What import_broken.csv must give under the default taxonomy with --skip-bad-records (without it,
# line 5 stops the import): (line, reason) of each reject.
EXPECTED_REJECTS = {
    (3, "empty_text"),  # T2: subject and description empty
    (4, "invalid_label"),  # T3: "Teleportation"
    (5, "bad_row"),  # T4: five columns
    (8, "bad_row"),  # T6: text after a closing quote
    (10, "empty_label"),  # T8: no topic
    (11, "duplicate_id"),  # second T1
    (12, "decode_error"),  # T12: bytes that are not UTF-8
    (13, "bad_row"),  # T9: a quote that never closes (the two rows after it must survive)
}
SKIP = "--skip-bad-records"
EXPECTED_IDS = {"T1", "T5", "T7", "T10", "T11"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def imported(out: Path) -> list[dict]:
    return [
        row
        for name in ("train", "val", "test")
        if (out / f"{name}.jsonl").exists()
        for row in read_jsonl(out / f"{name}.jsonl")
    ]


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


def test_skip_bad_records_rejects_unparseable_records_with_file_lines_and_reason(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, SKIP, "--out", out) == 0
    rejects = read_jsonl(out / "rejects.jsonl")
    assert {(r["line"], r["reason"]) for r in rejects} == EXPECTED_REJECTS
    for reject in rejects:
        assert reject["file"] == str(BROKEN_CSV)
        assert reject["raw"] and reject["detail"]
    by_line = {r["line"]: r for r in rejects}
    assert by_line[5]["raw"] == "T4,too,many,columns,here"
    assert "row has 5 fields, the header has 4" in by_line[5]["detail"]
    assert "Teleportation" in by_line[4]["detail"] and "category" in by_line[4]["detail"]
    assert "\\xff" in by_line[12]["raw"]  # undecodable bytes shown, not lost
    assert "column 'Subject'" in by_line[12]["detail"] and "byte 0xe9" in by_line[12]["detail"]
    # the unclosed quote swallowed lines 13-15: only line 13 is rejected, 14 and 15 are imported
    assert "never closes" in by_line[13]["detail"] and "lines 13-15" in by_line[13]["detail"]
    assert (by_line[13]["line"], by_line[13]["last_line"]) == (13, 13)
    assert by_line[13]["raw"] == 'T9,"unclosed quote starts here,Access'

    rows = imported(out)
    assert {row["id"] for row in rows} == EXPECTED_IDS
    # nothing dropped silently: every record is either imported or rejected
    assert len(rows) + len(rejects) == 13
    summary = capsys.readouterr()
    assert "read 13 records" in summary.out
    assert "imported 5, rejected 8 (4 of them unparseable, --skip-bad-records)" in summary.out
    assert "bad_row" in summary.out and "3" in summary.out
    assert f"{BROKEN_CSV}:12: decode_error" in summary.err


def test_the_triage_cli_exits_2_on_an_unparseable_record(tmp_path, capsys):
    from triage import cli

    assert cli.main(["import", str(BROKEN_CSV), "--mapping", str(MAPPING), "--out", str(tmp_path / "out")]) == 2
    assert f"{BROKEN_CSV}, line 5: row has 5 fields, the header has 4" in capsys.readouterr().err


def test_a_300_kb_field_and_a_line_separator_survive_import_predict_and_eval(tmp_path, capsys):
    # Regressions: a field over csv's default 128 KB limit made the importer re-parse the rest of the
    # file from the middle of that record (garbage records, exit 0); U+2028 inside a text, written raw
    # to JSONL, split `triage predict --input`'s records (it used str.splitlines).
    pytest.importorskip("sklearn", reason="the TF-IDF baseline needs scikit-learn")
    from triage.cli import main as triage

    long_text = "disk full " * 30_000  # 300 KB
    header = "id,Subject,Description,Topic\n"
    train = tmp_path / "train.csv"
    topics = [("printer jams", "Hardware"), ("vpn drops", "Network"), ("password expired", "Access")] * 4
    train.write_text(
        header + "".join(f"R{i},{subject} {i},on floor {i},{topic}\n" for i, (subject, topic) in enumerate(topics)),
        encoding="utf-8",
    )
    test = tmp_path / "test.csv"
    rows = [
        f'L1,Logs,"{long_text}",Hardware',
        "S1,Separator,first\u2028second,Access",
        'M1,Two lines,"vpn drops\nagain",Network',
        *(f"N{i},Printer {i},jams on floor {i},Hardware" for i in range(3)),
    ]
    test.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    data, model = tmp_path / "data", tmp_path / "tfidf"
    # the mapping's test_frac does not apply: the files carry their split
    files = ["--train", str(train), "--test", str(test)]
    assert triage(["import", *files, "--mapping", str(MAPPING), "--out", str(data)]) == 0
    assert read_jsonl(data / "rejects.jsonl") == []
    test_rows = read_jsonl(data / "test.jsonl")
    ids = [row["id"] for row in test_rows]
    assert ids == ["L1", "S1", "M1", "N0", "N1", "N2"]
    by_id = {row["id"]: row for row in test_rows}
    assert by_id["L1"]["text"] == "Logs\n" + long_text.strip()
    assert by_id["S1"]["text"] == "Separator\nfirst\u2028second"
    assert "\u2028" in (data / "test.jsonl").read_text(encoding="utf-8")  # written raw, as JSON allows

    fit = ["baseline", "fit", "--kind", "tfidf", "--train", str(data / "train.jsonl"), "--out", str(model)]
    assert triage(fit) == 0
    predictions = tmp_path / "predictions.jsonl"
    predict = ["predict", "--model", str(model), "--input", str(data / "test.jsonl"), "--output", str(predictions)]
    assert triage([*predict, "--classification-only"]) == 0
    results = [json.loads(line) for line in predictions.read_text(encoding="utf-8").split("\n") if line]
    assert [r["id"] for r in results] == ids
    assert all("error" not in r and r["ticket"]["category"] for r in results)

    capsys.readouterr()
    assert triage(["eval", "--model", str(model), "--data", str(data / "test.jsonl")]) == 0
    assert f"on {len(ids)} rows of {data / 'test.jsonl'}" in capsys.readouterr().err


def test_setup_errors_name_the_file_and_column(tmp_path, capsys):
    assert run(BROKEN_CSV, "--text", "Body", "--label", "category=Topic", "--out", tmp_path / "a") == 2
    err = capsys.readouterr().err
    assert str(BROKEN_CSV) in err and "'Body'" in err and "Subject" in err  # lists the real columns
    assert run(BROKEN_CSV, "--text", "Subject", "--label", "topic=Topic", "--out", tmp_path / "b") == 2
    assert "label field 'topic' is not in schema" in capsys.readouterr().err
    argv = [TICKETS_JSONL, "--text", "subject", "--label", "category=labels.kat", SKIP]
    assert run(*argv, "--out", tmp_path / "c") == 2
    assert "labels.kat" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()  # nothing written on a setup error


def test_split_file_assigns_rows_by_index(tmp_path):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, SKIP, "--split-file", SPLIT_CSV, "--out", out) == 0
    assert {row["id"] for row in read_jsonl(out / "train.jsonl")} == {"T1", "T7"}  # rows 0, 6
    assert {row["id"] for row in read_jsonl(out / "test.jsonl")} == {"T5", "T10"}  # rows 4, 11
    not_in_split = [r for r in read_jsonl(out / "rejects.jsonl") if r["reason"] == "not_in_split"]
    assert [(r["line"], r["row"]) for r in not_in_split] == [(15, 12)]  # T11


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A two-column export (text, cat), no id column: ids are <file stem>-<row>."""
    lines = ["text,cat", *(f"{text},{cat}" for text, cat in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


LABELS = ["--text", "text", "--label", "category=cat"]


def test_train_and_test_files_carry_their_split(tmp_path, capsys):
    train = write_csv(tmp_path / "train.csv", [("printer jams", "Hardware"), ("vpn drops", "Network")])
    extra = write_csv(tmp_path / "more_train.csv", [("mouse broken", "Hardware")])
    test = write_csv(tmp_path / "test.csv", [("password expired", "Access"), ("screen flickers", "Hardware")])
    out = tmp_path / "out"
    out.mkdir()
    (out / "val.jsonl").write_text("{}\n", encoding="utf-8")  # from an earlier run: must not survive
    argv = ["--train", train, "--test", test, "--train", extra, *LABELS, "--infer-schema", out / "schema.yaml"]
    assert run(*argv, "--out", out) == 0

    ids = {name: [row["id"] for row in read_jsonl(out / f"{name}.jsonl")] for name in ("train", "test")}
    assert ids == {"train": ["train-0", "train-1", "more_train-0"], "test": ["test-0", "test-1"]}
    assert not (out / "val.jsonl").exists()
    # the inferred schema has seen the test file's labels too: "Access" is only there
    assert set(load_schema(out / "schema.yaml").get_field("category").values) == {"Hardware", "Network", "Access"}
    summary = capsys.readouterr().out
    assert f"{train} (train), {extra} (train), {test} (test)" in summary
    assert "split (given by the input files): train 3, test 2" in summary
    assert "leak" not in summary


def test_a_text_in_both_train_and_test_files_is_kept_and_reported(tmp_path, capsys):
    train = write_csv(tmp_path / "train.csv", [("VPN drops", "Network"), ("printer jams", "Hardware")])
    test = write_csv(tmp_path / "test.csv", [("vpn drops!", "Network"), ("Vpn  drops", "Network"), ("new", "Access")])
    out = tmp_path / "out"
    assert run("--train", train, "--test", test, *LABELS, "--out", out) == 0
    assert len(read_jsonl(out / "train.jsonl")) == 2 and len(read_jsonl(out / "test.jsonl")) == 3  # nothing dropped
    summary = capsys.readouterr().out
    assert "warning: 1 normalised text(s) are in both train (1 rows) and test (2 rows)" in summary


def write_grouped_export(path: Path) -> None:
    """300 rows, 3 skewed classes, every text written twice with different case and punctuation."""
    classes = ["Network"] * 30 + ["Hardware"] * 90 + ["Access"] * 30
    lines = ["text,cat"]
    for i, cat in enumerate(classes):
        lines.append(f"ticket {i} about {cat.lower()} trouble,{cat}")
        lines.append(f'"Ticket {i}: about {cat.upper()}, trouble!",{cat}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_stratified_grouped_split_is_disjoint_balanced_and_deterministic(tmp_path):
    data = tmp_path / "export.csv"
    write_grouped_export(data)
    argv = [data, "--text", "text", "--label", "category=cat", "--test-frac", "0.2", "--val-frac", "0.1"]
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert run(*argv, "--seed", "3", "--out", first) == 0
    assert run(*argv, "--seed", "3", "--out", again) == 0
    assert run(*argv, "--seed", "4", "--out", other) == 0

    splits = {name: read_jsonl(first / f"{name}.jsonl") for name in ("train", "val", "test")}
    assert sum(len(rows) for rows in splits.values()) == 300
    situations = {name: {row["meta"]["situation"] for row in rows} for name, rows in splits.items()}
    assert not situations["train"] & situations["test"]
    assert not situations["train"] & situations["val"]
    assert not situations["val"] & situations["test"]
    for name, share in (("test", 0.2), ("val", 0.1)):
        counts = Counter(row["label"]["category"] for row in splits[name])
        for cat, total in (("Network", 60), ("Hardware", 180), ("Access", 60)):
            assert abs(counts[cat] / total - share) <= 0.05, (name, cat, counts)

    for name in ("train", "val", "test"):
        assert (first / f"{name}.jsonl").read_bytes() == (again / f"{name}.jsonl").read_bytes()
    assert (first / "test.jsonl").read_bytes() != (other / "test.jsonl").read_bytes()

    # a later run without val removes the old val.jsonl, which would otherwise look like this run's
    assert run(data, "--text", "text", "--label", "category=cat", "--out", first) == 0
    assert not (first / "val.jsonl").exists()


@pytest.mark.skipif(not (REAL / "tickets.csv").is_file(), reason=f"real dataset not found at {REAL}")
def test_real_dataset_import(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    start = time.perf_counter()
    assert (
        run(
            REAL / "tickets.csv",
            "--mapping",
            repo / "configs" / "import" / "it_service_tickets.yaml",
            "--split-file",
            REAL / "split.csv",
            "--infer-schema",
            out / "schema.yaml",
            "--out",
            out,
        )
        == 0
    )
    assert time.perf_counter() - start < 20
    assert sum(1 for _ in open(out / "train.jsonl", encoding="utf-8")) == 38270
    assert sum(1 for _ in open(out / "test.jsonl", encoding="utf-8")) == 9567
    assert (out / "rejects.jsonl").read_text(encoding="utf-8") == ""
    schema = load_schema(out / "schema.yaml")
    assert schema.field_names == ["category"]
    assert set(schema.get_field("category").values) == {
        "Hardware",
        "HR Support",
        "Access",
        "Miscellaneous",
        "Storage",
        "Purchase",
        "Internal Project",
        "Administrative rights",
    }
