"""Tests for generating.import_rows: text columns joined, value maps and the schema's spelling applied,
the dataset row format, partial labels checked field by field, and the inferred schema.

.venv/bin/python -m pytest tests/test_import_rows.py -q
"""

from __future__ import annotations

from test_importer import BROKEN_CSV, EXPECTED_IDS, MAPPING, SKIP, TICKETS_JSONL, imported, read_jsonl, run

from generating.import_rows import situation_key
from ticket_triage.dataset import normalise_text
from ticket_triage.prompt import DEFAULT_INSTRUCTION
from ticket_triage.schema import load_schema


def test_text_columns_are_joined_and_value_maps_normalise_labels(tmp_path):
    out = tmp_path / "out"
    # the flag adds a map on top of the file's: "teleportation" (any case) -> Network
    argv = [BROKEN_CSV, "--mapping", MAPPING, SKIP, "--value-map", "category: TELEPORTATION =Network"]
    assert run(*argv, "--out", out) == 0
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
    assert run(BROKEN_CSV, "--mapping", MAPPING, SKIP, "--out", out) == 0
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
        SKIP,
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


def test_inferred_schema_loads_and_validates_every_row(tmp_path):
    out = tmp_path / "out"
    assert run(BROKEN_CSV, "--mapping", MAPPING, SKIP, "--infer-schema", out / "schema.yaml", "--out", out) == 0
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
