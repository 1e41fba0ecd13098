"""Reading an ITSM export record by record: CSV, JSONL and Excel .xlsx.

    for record in read_records(Path("export.csv"), config):   # config: an ImportConfig
        record.values   # {column: cell}, or None when the record could not be parsed

`read_records` picks the reader by the file's ending. The CSV reader is strict and says what broke
(another number of fields than the header, a quote that never closes, text after a closing quote,
bytes that are not in the encoding); after a quote that never closes only the line where it opened
is broken, the lines it swallowed are parsed again. Such a record comes back with `values` None and
its reason (`problem`, one of UNPARSEABLE) and lines set: generating/importer.py decides whether it
stops the import or becomes a reject.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generating.import_config import ImportConfig, SetupError

# Python's csv refuses fields over 128 KB by default (real issue bodies reach 200 KB), but without a
# limit a quote that never closes reads the whole rest of a big file into one field, in memory.
MAX_FIELD_CHARS = 2**25
UNPARSEABLE = ("bad_row", "bad_json", "decode_error")  # reject reasons of records the reader could not parse
_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by errors="surrogateescape"


def printable(value: Any) -> Any:
    """Undecodable bytes as \\xNN escapes, so a reject can always be written as UTF-8 JSON."""
    if isinstance(value, str) and _SURROGATE.search(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value


@dataclass
class SourceRecord:
    row: int  # 0-based index among the file's data records (what split files point at)
    line: int  # 1-based line (Excel: sheet row) where the record starts
    raw: Any  # the original record, for the rejects file (of a re-read record: its first line only)
    values: dict[str, Any] | None  # column -> cell; None when the record could not be parsed
    problem: str = ""  # reject reason code (one of UNPARSEABLE) when values is None
    detail: str = ""
    last_line: int = 0  # where the record ends; 0: on its first line
    reread_from: int = 0  # a broken record's later lines were given back to the parser from this line on

    @property
    def lines(self) -> str:
        return line_span(self.line, self.last_line)


def line_span(first: int, last: int) -> str:
    return f"lines {first}-{last}" if last > first else f"line {first}"


def _encoding_name(encoding: str) -> str:
    return "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def _undecodable(text: str, encoding: str) -> str:
    """Which byte of `text` was not `encoding` (kept as a lone surrogate by surrogateescape), or ""."""
    match = _SURROGATE.search(text)
    if not match:
        return ""
    byte = ord(match.group()) - 0xDC00
    return f"byte 0x{byte:02x} at character {match.start() + 1} is not {_encoding_name(encoding)} (wrong --encoding?)"


class _Lines:
    """Physical lines for csv.reader, remembering those of the current record and taking some back."""

    def __init__(self, handle: Any):
        self.handle = handle
        self.number = 0
        self.pending: list[tuple[int, str]] = []  # lines given back, re-read first (stack: last = next)
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pending:
            item = self.pending.pop()
        else:
            self.number += 1
            item = (self.number, next(self.handle))
        self.taken.append(item)
        return item[1]


def _check_header(path: Path, header: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SetupError(f"{path}: column(s) {missing} not found (columns: {header})")
    doubled = [c for c in required if header.count(c) > 1]
    if doubled:
        raise SetupError(f"{path}: column(s) {doubled} appear more than once in the header")


@contextlib.contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    """csv's field size limit is process-wide: set it while one file is read, then put it back."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_problem(error: csv.Error) -> str:
    """csv's message, said in terms of the file."""
    message = str(error)
    if message == "unexpected end of data":
        return "a quoted field never closes: the file ends inside it"
    if message.startswith("field larger than field limit"):
        return f"a field runs over {MAX_FIELD_CHARS:,} characters: most likely a quote that never closes"
    if "expected after" in message:
        return f'text after a closing quote ({message}); a quote inside a quoted field is written ""'
    return f"bad CSV: {message}"


def read_csv(path: Path, required: list[str], delimiter: str, encoding: str) -> Iterator[SourceRecord]:
    """Yield every data record of a CSV file; records it cannot parse come back with `problem` set.

    A quoted field may span many lines. The signs of a record that did not parse: csv's own errors (in
    strict mode nearly every stray quote ends in one: a quote that never closes, text after a closing
    quote, a field over MAX_FIELD_CHARS), a field count other than the header's (a delimiter too many
    or too few), and bytes that are not in `encoding`.
    """
    # An over-long field used to make the reader re-parse the rest of the file from the middle of that
    # record (9,213 "records" from 3,000 rows); the limit is far above any real ticket.
    with (
        _field_size_limit(MAX_FIELD_CHARS),
        open(path, newline="", encoding=encoding, errors="surrogateescape") as handle,
    ):
        lines = _Lines(handle)
        # strict: a quote followed by anything but a delimiter is an error, not silently glued text.
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header: list[str] | None = None
        row = 0
        while True:
            lines.taken = []
            error = ""
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                cells, error = None, _csv_problem(e)
            taken = lines.taken
            if not taken:
                break
            if cells == []:
                continue  # a blank line is not a record
            first, last = taken[0][0], taken[-1][0]
            if header is None:
                if cells is None:
                    raise SetupError(f"{path}, {line_span(first, last)}: cannot read the header row: {error}")
                header = [c.strip() for c in cells]
                _check_header(path, header, required)
                continue
            reread_from = 0
            if cells is None and len(taken) > 1:
                # A quote that never closed (strict csv raises at the next quote or at the end of the file)
                # swallowed the next lines: only the first line is the broken record, the others are
                # parsed again, so the rows after it survive.
                lines.pending.extend(reversed(taken[1:]))
                reread_from = taken[1][0]
                taken = taken[:1]
            elif cells is not None and len(cells) != len(header):
                # Its quotes did close, so its lines belong together (parsed again, the continuation lines
                # of a multi-line text would become records of garbage): the whole record is broken.
                error = f"row has {len(cells)} fields, the header has {len(header)}"
            raw = "".join(text for _, text in taken).rstrip("\r\n")
            if error:
                yield SourceRecord(row, first, raw, None, "bad_row", error, last, reread_from)
            elif bad := next(((c, text) for c, text in zip(header, cells) if _SURROGATE.search(text)), None):
                detail = f"column {bad[0]!r}: {_undecodable(bad[1], encoding)}"
                yield SourceRecord(row, first, raw, None, "decode_error", detail, last)
            else:
                yield SourceRecord(row, first, raw, dict(zip(header, cells)), last_line=last)
            row += 1
        if header is None:
            raise SetupError(f"{path}: empty file, no header row")


def read_jsonl(path: Path, encoding: str) -> Iterator[SourceRecord]:
    """Yield every non-blank line of a JSONL file; lines that are not JSON objects come back broken."""
    with open(path, encoding=encoding, errors="surrogateescape") as handle:
        row = 0
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            raw = text.rstrip("\r\n")
            if undecodable := _undecodable(raw, encoding):
                yield SourceRecord(row, number, raw, None, "decode_error", undecodable)
                row += 1
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                yield SourceRecord(row, number, raw, None, "bad_json", f"not valid JSON: {e.msg} at column {e.colno}")
            else:
                if isinstance(value, dict):
                    yield SourceRecord(row, number, raw, value)
                else:
                    detail = f"expected a JSON object, got {type(value).__name__}"
                    yield SourceRecord(row, number, raw, None, "bad_json", detail)
            row += 1


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores ids and codes as floats: 1234.0 -> "1234"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, required: list[str]) -> Iterator[SourceRecord]:
    """Yield every non-empty row of the first (active) sheet of an Excel workbook."""
    try:
        import openpyxl  # optional: only Excel input needs it
    except ImportError:
        raise SetupError(f"{path}: reading .xlsx needs openpyxl (.venv/bin/pip install openpyxl)") from None
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [cell_text(c).strip() for c in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise SetupError(f"{path}: empty sheet, no header row")
        _check_header(path, header, required)
        row = 0
        for number, cells in enumerate(rows, start=2):
            texts = [cell_text(c) for c in cells]
            if not any(t.strip() for t in texts):
                continue
            yield SourceRecord(row, number, texts, dict(zip(header, texts)))
            row += 1
    finally:
        workbook.close()


def mapped_columns(config: ImportConfig) -> list[str]:
    return list(config.text_columns) + list(config.labels.values()) + ([config.id_column] if config.id_column else [])


def read_records(path: Path, config: ImportConfig) -> Iterator[SourceRecord]:
    required = mapped_columns(config)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SetupError(f"{path}: no such input file")
    if suffix in (".csv", ".tsv", ".txt"):
        delimiter = config.delimiter or ("\t" if suffix == ".tsv" else ",")
        return read_csv(path, required, delimiter, config.encoding)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, config.encoding)
    if suffix == ".xlsx":
        return read_xlsx(path, required)
    raise SetupError(f"{path}: unknown input format {suffix!r} (expected .csv, .tsv, .jsonl or .xlsx)")


def get_column(values: dict[str, Any], column: str) -> Any:
    """A column's cell; for nested JSON a dotted path (`label.category`) walks into objects."""
    if column in values:
        return values[column]
    node: Any = values
    for part in column.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
