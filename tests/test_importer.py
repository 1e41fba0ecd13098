"""Tests for generating.importer: mapping, rejects, schema inference and splits.

.venv/bin/python -m pytest tests/test_importer.py -q
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from generating.importer import main, normalise_text, situation_key
from ticket_triage.prompt import DEFAULT_INSTRUCTION
from ticket_triage.schema import load_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN_CSV = FIXTURES / "import_broken.csv"
MAPPING = FIXTURES / "import_mapping.yaml"
SPLIT_CSV = FIXTURES / "import_split.csv"
TICKETS_JSONL = FIXTURES / "import_tickets.jsonl"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REAL = SHARED_DATA / "it_service_tickets"

# What import_broken.csv must give under the default taxonomy: (line, reason) of each reject.
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


def test_broken_csv_rows_go_to_rejects_with_file_line_and_reason(tmp_path, capsys):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, "--out", out) == 0
    rejects = read_jsonl(out / "rejects.jsonl")
    assert {(r["line"], r["reason"]) for r in rejects} == EXPECTED_REJECTS
    for reject in rejects:
        assert reject["file"] == str(BROKEN_CSV)
        assert reject["raw"] and reject["detail"]
    by_line = {r["line"]: r for r in rejects}
    assert by_line[5]["raw"] == "T4,too,many,columns,here"
    assert "expected 4 columns, got 5" in by_line[5]["detail"]
    assert "Teleportation" in by_line[4]["detail"] and "category" in by_line[4]["detail"]
    assert "\\xff" in by_line[12]["raw"]  # undecodable bytes shown, not lost
    assert "13-15" in by_line[13]["detail"]

    rows = imported(out)
    assert {row["id"] for row in rows} == EXPECTED_IDS
    # nothing dropped silently: every record is either imported or rejected
    assert len(rows) + len(rejects) == 13
    summary = capsys.readouterr()
    assert "read 13 records" in summary.out and "imported 5, rejected 8" in summary.out
    assert "bad_row" in summary.out and "3" in summary.out
    assert f"{BROKEN_CSV}:12: decode_error" in summary.err


def test_a_300_kb_field_and_a_line_separator_survive_import_predict_and_eval(tmp_path):
    # Regressions: a field over csv's default 128 KB limit made the importer re-parse the rest of the
    # file from the middle of that record (garbage records, exit 0); U+2028 inside a text, written raw
    # to JSONL, split `triage predict --input`'s records (it used str.splitlines).
    from inference.predict import read_texts
    from ticket_triage.dataset import read_rows

    long_text = "disk full " * 30_000  # 300 KB
    source = tmp_path / "export.csv"
    rows = [
        f'L1,Logs,"{long_text}",Hardware',
        "S1,Separator,first\u2028second,Access",
        *(f"N{i},Printer {i},jams on floor {i},Hardware" for i in range(6)),
    ]
    source.write_text("id,Subject,Description,Topic\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(source, "--mapping", MAPPING, "--out", out) == 0
    assert not (out / "rejects.jsonl").exists() or not read_jsonl(out / "rejects.jsonl")
    by_id = {row["id"]: row for row in imported(out)}
    assert sorted(by_id) == ["L1", "N0", "N1", "N2", "N3", "N4", "N5", "S1"]
    assert by_id["L1"]["text"] == "Logs\n" + long_text.strip()
    assert by_id["S1"]["text"] == "Separator\nfirst\u2028second"
    for path in sorted(out.glob("*.jsonl")):
        if path.name == "rejects.jsonl":
            continue
        texts = read_texts(str(path))  # what `triage predict --input` reads
        assert texts == [row["text"] for row in read_rows(path, load_schema(), partial_labels=True)]  # eval's


def test_text_columns_are_joined_and_value_maps_normalise_labels(tmp_path):
    out = tmp_path / "out"
    # the flag adds a map on top of the file's: "teleportation" (any case) -> Network
    assert run(BROKEN_CSV, "--mapping", MAPPING, "--value-map", "category: TELEPORTATION =Network", "--out", out) == 0
    rows = {row["id"]: row for row in imported(out)}
    assert rows["T1"]["text"] == "Printer jammed\nThe printer on floor 3 jams, every time"
    assert rows["T1"]["label"] == {"category": "Hardware"}  # "Hardware Issue" via the mapping file
    assert rows["T5"]["text"] == "Locked out\nI am locked\nout of my account"  # quoted newline kept
    assert rows["T5"]["label"] == {"category": "Access"}  # "access" -> the schema's spelling
    assert rows["T7"]["label"] == {"category": "Hardware"}  # "  hardware  "
    assert rows["T3"]["label"] == {"category": "Network"}
    assert (5, "invalid_label") not in {(r["line"], r["reason"]) for r in read_jsonl(out / "rejects.jsonl")}


def test_rows_have_the_dataset_format(tmp_path):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, "--out", out) == 0
    schema = load_schema(None)
    for row in imported(out):
        assert list(row) == ["id", "text", "label", "instruction", "meta"]
        assert row["instruction"] == DEFAULT_INSTRUCTION
        assert row["meta"]["source"] == "import"
        assert row["meta"]["file"] == str(BROKEN_CSV)
        assert row["meta"]["situation"] == situation_key(row["text"])
        assert set(row["label"]) <= set(schema.field_names)
    t10 = next(row for row in imported(out) if row["id"] == "T10")
    assert (t10["meta"]["line"], t10["meta"]["row"]) == (14, 11)


def test_situation_groups_texts_that_differ_only_in_case_space_and_punctuation():
    assert normalise_text("Re: VPN   down!!\n") == "re vpn down"
    assert situation_key("Re: VPN   down!!") == situation_key("re vpn, down")
    assert situation_key("VPN down") != situation_key("VPN up")


def test_jsonl_input_with_partial_labels_and_rules(tmp_path):
    out = tmp_path / "out"
    common = [
        TICKETS_JSONL,
        "--text",
        "subject",
        "--text",
        "body",
        "--label",
        "category=labels.cat",
        "--label",
        "subcategory=labels.sub",
        "--test-frac",
        "0",
    ]
    assert run(*common, "--allow-empty-labels", "--out", out) == 0
    rejects = {r["line"]: r for r in read_jsonl(out / "rejects.jsonl")}
    assert {line: r["reason"] for line, r in rejects.items()} == {2: "invalid_label", 3: "bad_json", 5: "bad_json"}
    assert "not allowed when category is 'Network'" in rejects[2]["detail"]  # the cross-field rule
    rows = read_jsonl(out / "train.jsonl")
    assert not (out / "test.jsonl").exists()
    assert [row["label"] for row in rows] == [
        {"category": "Network", "subcategory": "VPN"},
        {"category": "Email & Collaboration"},  # empty subcategory: the field is absent, not invented
        {"category": "Hardware", "subcategory": "Laptop"},
    ]
    assert rows[2]["text"] == "Pantalla rota\nla pantalla del portátil está rota"
    assert "portátil" in (out / "train.jsonl").read_text(encoding="utf-8")  # ensure_ascii=False

    strict = tmp_path / "strict"
    assert run(*common, "--out", strict) == 0
    reasons = {r["line"]: r["reason"] for r in read_jsonl(strict / "rejects.jsonl")}
    assert reasons[6] == "empty_label"


def test_setup_errors_name_the_file_and_column(tmp_path, capsys):
    assert run(BROKEN_CSV, "--text", "Body", "--label", "category=Topic", "--out", tmp_path / "a") == 2
    err = capsys.readouterr().err
    assert str(BROKEN_CSV) in err and "'Body'" in err and "Subject" in err  # lists the real columns
    assert run(BROKEN_CSV, "--text", "Subject", "--label", "topic=Topic", "--out", tmp_path / "b") == 2
    assert "label field 'topic' is not in schema" in capsys.readouterr().err
    assert run(TICKETS_JSONL, "--text", "subject", "--label", "category=labels.kat", "--out", tmp_path / "c") == 2
    assert "labels.kat" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()  # nothing written on a setup error


def test_inferred_schema_loads_and_validates_every_row(tmp_path):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, "--infer-schema", out / "schema.yaml", "--out", out) == 0
    schema = load_schema(out / "schema.yaml")
    assert schema.field_names == ["category"]
    # by frequency: Hardware x4 (T1 via the value map, T7 "hardware", T10, T11), then ties by name;
    # a value keeps the data's spelling ("access" is only ever written so in the export)
    assert schema.get_field("category").values == ("Hardware", "Teleportation", "access")
    rows = imported(out)
    assert {row["id"] for row in rows} == EXPECTED_IDS | {"T3"}
    for row in rows:
        assert schema.errors(row["label"]) == []
    assert "invalid_label" not in {r["reason"] for r in read_jsonl(out / "rejects.jsonl")}


def test_inferred_schema_has_a_summary_text_field_only_when_mapped(tmp_path):
    data = tmp_path / "export.csv"
    long_summary = "Printer on the third floor jams on every duplex job since the driver update " * 2
    data.write_text(
        f"text,cat,sum\nprinter broken,Hardware,{long_summary}\nvpn down,Network,VPN drops\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    argv = [data, "--text", "text", "--label", "category=cat", "--test-frac", "0", "--out", out]
    assert run(*argv, "--label", "summary=sum", "--infer-schema", out / "schema.yaml") == 0
    schema = load_schema(out / "schema.yaml")
    assert [(f.name, f.type) for f in schema.fields] == [("category", "enum"), ("summary", "text")]
    assert schema.get_field("summary").max_length >= len(long_summary.strip())
    assert all(schema.errors(row["label"]) == [] for row in imported(out))
    assert run(*argv, "--infer-schema", out / "schema2.yaml") == 0
    assert load_schema(out / "schema2.yaml").field_names == ["category"]


def test_split_file_assigns_rows_by_index(tmp_path):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, "--split-file", SPLIT_CSV, "--out", out) == 0
    assert {row["id"] for row in read_jsonl(out / "train.jsonl")} == {"T1", "T7"}  # rows 0, 6
    assert {row["id"] for row in read_jsonl(out / "test.jsonl")} == {"T5", "T10"}  # rows 4, 11
    not_in_split = [r for r in read_jsonl(out / "rejects.jsonl") if r["reason"] == "not_in_split"]
    assert [(r["line"], r["row"]) for r in not_in_split] == [(15, 12)]  # T11


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


def test_mapping_file_paths_are_relative_to_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "cfg"
    folder.mkdir()
    shutil.copy(BROKEN_CSV, folder / "export.csv")
    shutil.copy(SPLIT_CSV, folder / "split.csv")
    (folder / "mapping.yaml").write_text(
        MAPPING.read_text(encoding="utf-8")
        + "input: export.csv\nout: out\nsplit_file: split.csv\ninfer_schema: true\nschema_name: tiny\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert run("--mapping", folder / "mapping.yaml") == 0
    assert load_schema(folder / "out" / "schema.yaml").name == "tiny"
    assert {row["id"] for row in read_jsonl(folder / "out" / "test.jsonl")} == {"T3", "T5", "T10"}
    # `infer_schema: true` follows --out, it does not write into the file's default folder
    assert run("--mapping", folder / "mapping.yaml", "--out", tmp_path / "elsewhere") == 0
    assert (tmp_path / "elsewhere" / "schema.yaml").is_file()


def test_xlsx_input(tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="Excel input needs openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Id", "Subject", "Topic"])
    sheet.append([101, "Laptop will not boot", "Hardware Issue"])
    sheet.append([None, None, None])  # an empty row is not a record
    sheet.append([102, None, "Hardware"])
    workbook.save(tmp_path / "export.xlsx")
    out = tmp_path / "out"
    assert (
        run(
            tmp_path / "export.xlsx",
            "--mapping",
            MAPPING,
            "--text",
            "Subject",
            "--id-column",
            "Id",
            "--test-frac",
            "0",
            "--out",
            out,
        )
        == 0
    )
    assert [(r["id"], r["label"], r["meta"]["line"]) for r in read_jsonl(out / "train.jsonl")] == [
        ("101", {"category": "Hardware"}, 2)
    ]
    assert [(r["line"], r["reason"]) for r in read_jsonl(out / "rejects.jsonl")] == [(4, "empty_text")]


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
