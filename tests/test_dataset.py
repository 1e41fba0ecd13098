"""The JSONL row format: every problem reported with file, line and field; writing round-trips."""

from __future__ import annotations

import json

import pytest

from ticket_triage.dataset import DataError, read_rows, write_rows

LABEL = {
    "category": "Access",
    "subcategory": "Password Reset",
    "priority": "Medium",
    "assignment_group": "Service Desk",
    "request_type": "Incident",
    "summary": "Password expired",
}


def row(i: int, **label) -> dict:
    return {"id": str(i), "text": f"ticket {i} – ünïcode", "label": {**LABEL, **label}, "meta": {"situation": "s"}}


def test_round_trip_keeps_unicode_readable(tmp_path, schema):
    path = tmp_path / "rows.jsonl"
    write_rows(path, [row(1), row(2)])
    assert "ünïcode" in path.read_text(encoding="utf-8")
    assert read_rows(path, schema) == [row(1), row(2)]
    assert read_rows(path, schema, limit=1) == [row(1)]


def test_every_bad_row_is_reported_with_file_line_and_field(tmp_path, schema):
    path = tmp_path / "rows.jsonl"
    lines = [
        json.dumps(row(1)),
        json.dumps(row(2, subcategory="Laptop")),
        "{not json",
        json.dumps({"id": "x", "text": "", "label": {}}),
        json.dumps({"id": "y", "text": "hi"}),
        "[1, 2]",
        json.dumps({**row(7), "text": "vpn \ud800 down"}),  # a lone surrogate: not Unicode
    ]
    path.write_text("\n".join(lines) + "\n\n")
    with pytest.raises(DataError) as info:
        read_rows(path, schema)
    message = str(info.value)
    assert message.startswith(f"6 bad row(s) in {path} for schema 'itsm-default'")
    assert f"{path}:2: label.subcategory: 'Laptop' is not allowed when category is 'Access'" in message
    assert f"{path}:3: not JSON" in message
    assert f"{path}:4: text: missing or empty" in message
    assert f"{path}:5: label: missing or not an object" in message
    assert f"{path}:6: a row must be a JSON object" in message
    assert f"{path}:7: text: character 4 is '\\ud800'" in message


def test_partial_labels_are_accepted_only_when_asked(tmp_path, schema):
    path = tmp_path / "rows.jsonl"
    write_rows(path, [{"id": "1", "text": "vpn down", "label": {"category": "Network"}}])
    assert read_rows(path, schema, partial_labels=True)[0]["label"] == {"category": "Network"}
    with pytest.raises(DataError, match="label.priority: missing"):
        read_rows(path, schema)
    write_rows(path, [{"id": "1", "text": "vpn down", "label": {"category": "Gaming"}}])
    with pytest.raises(DataError, match="label.category: 'Gaming' is not one of"):
        read_rows(path, schema, partial_labels=True)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="no such data file"):
        read_rows(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DataError, match="no rows"):
        read_rows(tmp_path / "empty.jsonl")
