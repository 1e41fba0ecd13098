"""The JSONL row format, read and written in one place (documented in data/README.md).

    {"id": ..., "text": ..., "label": {field: value, ...}, "instruction": ..., "meta": {"situation": ...}}

Every stage reads rows through `read_rows`, so a bad file gets the same error everywhere: every
problem listed with file, line and field, before any work starts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ticket_triage.prompt import text_problem
from ticket_triage.schema import TicketSchema

MAX_PROBLEMS_SHOWN = 20
_NON_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, whitespace


class DataError(ValueError):
    """A data file cannot be used; the message names file, line and field of every problem."""


def problems_listed(heading: str, problems: list[str]) -> str:
    """`heading:` and the problems, one per indented line: the first MAX_PROBLEMS_SHOWN, then how many
    more. The one shape of every "these rows are bad" message."""
    shown = "\n  ".join(problems[:MAX_PROBLEMS_SHOWN])
    more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    return f"{heading}:\n  {shown}{more}"


def normalise_text(text: str) -> str:
    """Lower-case, punctuation replaced by spaces, whitespace collapsed: equal tickets compare equal.

    How rows are compared: the importer's `meta.situation` hashes it, `triage data stats` finds
    duplicates and leaks between splits with it."""
    # NFKC first, so a decomposed "e" + accent is one letter and not split by the punctuation rule;
    # punctuation becomes a space (not nothing) so "vpn,wifi" and "vpn wifi" agree.
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def jsonl_lines(path: str | Path, stream: IO[bytes] | None = None) -> Iterator[tuple[int, str]]:
    """(line number, text) of every non-blank line of a JSONL file (or of `stream`, named `path`).

    The one JSONL reader of every command. Records end at "\\n" only, as JSONL says: `str.splitlines`
    (and text-mode files) also split at U+2028 or a lone "\\r" inside a JSON string, which exports
    carry raw, so a real import's row 257 was "not JSON". A line that is not UTF-8 is a DataError
    naming the line and byte, not a UnicodeDecodeError from deep inside a loop.
    """
    try:
        fh = stream or open(path, "rb")  # noqa: SIM115 - closed below, or the caller's stream
    except OSError as e:
        raise DataError(f"{path}: cannot read the file ({e.strerror})") from None
    try:
        for line_no, raw in enumerate(fh, 1):  # binary files split at b"\n" only
            try:
                line = raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
            except UnicodeDecodeError as e:
                raise DataError(f"{path}:{line_no}: not UTF-8 text (byte {e.start + 1} of the line)") from None
            if line_no == 1:
                line = line.removeprefix("\ufeff")  # a byte-order mark some editors write
            if line.strip():
                yield line_no, line
    finally:
        if stream is None:
            fh.close()


def read_rows(
    path: str | Path,
    schema: TicketSchema | None = None,
    limit: int | None = None,
    partial_labels: bool = False,
) -> list[dict[str, Any]]:
    """Rows of a JSONL file, each an object with a non-empty string `text` and an object `label`.

    With a `schema`, every label is validated too; `partial_labels` accepts labels that leave some
    fields out (imported exports often label only the category), but never a wrong value.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such data file (make one with `triage generate` or `triage import`)")
    rows, problems = [], []
    for line_no, line in jsonl_lines(path):
        where = f"{path}:{line_no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: a row must be a JSON object")
            continue
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            problems.append(f"{where}: text: missing or empty")
            continue
        if problem := text_problem(row["text"]):
            problems.append(f"{where}: text: {problem}")
            continue
        if not isinstance(row.get("label"), dict):
            problems.append(f"{where}: label: missing or not an object")
            continue
        if schema is not None:
            for err in schema.errors(row["label"], partial=partial_labels):
                problems.append(f"{where}: label.{err}")
        rows.append(row)
        if limit and len(rows) >= limit:
            break
    if problems:
        against = f" for schema {schema.name!r}" if schema is not None else ""
        raise DataError(problems_listed(f"{len(problems)} bad row(s) in {path}{against}", problems))
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows


def write_rows(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """One JSON object per line, UTF-8 kept readable (no \\u escapes), `\\n` endings."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
