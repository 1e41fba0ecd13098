"""Tests for generating.import_readers: a record the reader cannot parse stops the import naming its file
and lines (or, with --skip-bad-records, is one reject and the records after it survive); the field limit
that keeps an unclosed quote from reading a whole file; Excel input.

.venv/bin/python -m pytest tests/test_import_readers.py -q
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from test_importer import MAPPING, SKIP, imported, read_jsonl, run

from generating import import_readers


@dataclass
class Unparseable:
    """A file with one record that cannot be parsed, and what the import must say about it."""

    name: str
    content: bytes  # starts with a good record whose quoted text spans two lines: not a broken one
    error: str  # after "error: FILE, "
    span: tuple[int, int]  # (line, last_line) of its reject with --skip-bad-records
    kept: set[str]  # the ids imported with --skip-bad-records


UNPARSEABLE = {
    "field-count": Unparseable(
        "fields.csv",
        b'id,text,cat\nA1,"two\nlines",Hardware\nA2,"three\nlines",Hardware,extra\nA3,fine,Access\n',
        "lines 4-5: row has 4 fields, the header has 3",
        (4, 5),  # its quotes closed: both lines are the record, line 5 is not read again as a record
        {"A1", "A3"},
    ),
    "unclosed-quote-at-eof": Unparseable(
        "unclosed.csv",
        b'id,text,cat\nA1,"two\nlines",Hardware\nA2,"never closed,Hardware\nA3,fine,Access\nA4,ok,Access\n',
        "lines 4-6: a quoted field never closes: the file ends inside it",
        (4, 4),  # only the line where the quote opened: the lines it swallowed are read again
        {"A1", "A3", "A4"},
    ),
    "invalid-utf8": Unparseable(
        "latin1.csv",
        b'id,text,cat\nA1,"two\nlines",Hardware\nA2,Caf\xe9 printer,Hardware\nA3,fine,Access\n',
        "line 4: column 'text': byte 0xe9 at character 4 is not UTF-8",
        (4, 4),
        {"A1", "A3"},
    ),
    "jsonl-not-an-object": Unparseable(
        "lines.jsonl",
        b'{"id": "A1", "text": "two\\nlines", "cat": "Hardware"}\n\n'
        b'["A2", "a list"]\n'
        b'{"id": "A3", "text": "x", "cat": "Access"}\n',
        "line 3: expected a JSON object, got list",
        (3, 3),
        {"A1", "A3"},
    ),
}


@pytest.mark.parametrize("case", UNPARSEABLE.values(), ids=UNPARSEABLE.keys())
def test_an_unparseable_record_stops_the_import_naming_file_and_lines(tmp_path, capsys, case):
    source = tmp_path / case.name
    source.write_bytes(case.content)
    argv = [source, "--text", "text", "--label", "category=cat", "--id-column", "id", "--test-frac", "0"]
    assert run(*argv, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert f"error: {source}, {case.error}" in err and "--skip-bad-records" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # stopped before anything was written

    # the same file with the flag: the bad record is a reject, the others are imported
    assert run(*argv, SKIP, "--out", tmp_path / "skipped") == 0
    rejects = read_jsonl(tmp_path / "skipped" / "rejects.jsonl")
    assert [(r["file"], r["line"], r["last_line"]) for r in rejects] == [(str(source), *case.span)]
    assert rejects[0]["reason"] in ("bad_row", "bad_json", "decode_error")
    assert {row["id"] for row in imported(tmp_path / "skipped")} == case.kept


def test_a_quote_that_never_closes_reads_no_more_than_the_field_limit(tmp_path, monkeypatch, capsys):
    # Without a limit the unclosed quote would read the whole rest of a big file into memory first.
    monkeypatch.setattr(import_readers, "MAX_FIELD_CHARS", 200)
    source = tmp_path / "big.csv"
    good = [f"A{i},printer {i} jams on the third floor,Hardware" for i in range(1, 40)]
    source.write_text("\n".join(["id,text,cat", 'A0,"never closed,Hardware', *good]) + "\n", encoding="utf-8")
    argv = [source, "--text", "text", "--label", "category=cat", "--id-column", "id", "--test-frac", "0"]
    assert run(*argv, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert f"{source}, lines 2-" in err and "a field runs over 200 characters" in err
    assert run(*argv, SKIP, "--out", tmp_path / "skipped") == 0
    assert [r["line"] for r in read_jsonl(tmp_path / "skipped" / "rejects.jsonl")] == [2]
    assert len(imported(tmp_path / "skipped")) == len(good)


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
