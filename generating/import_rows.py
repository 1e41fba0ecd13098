"""From a parsed record to a dataset row, or to the reason it is rejected; and the schema inferred
from the labels seen.

    candidate = extract(record, file, config)    # text columns joined, value maps applied, or a Reject
    row = make_row(candidate, schema)            # enum values in the schema's spelling, or a Reject
    reject = reject_unparseable(record, file, skip)   # a record the reader could not parse
    data, counts = infer_schema(candidates, config)   # --infer-schema; write_schema writes it

A row's `meta.situation` is `situation_key(text)`, a hash of the normalised text, so the splits keep
equal texts on one side. A `Reject` is one line of OUT/rejects.jsonl.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generating.import_config import ImportConfig, SetupError, collapse_space
from generating.import_readers import SourceRecord, cell_text, get_column, line_span, mapped_columns, printable
from ticket_triage.dataset import normalise_text
from ticket_triage.prompt import DEFAULT_INSTRUCTION, join_ticket_text, text_problem
from ticket_triage.schema import TicketSchema

SUMMARY_FIELD = "summary"  # in an inferred schema this field is free text, every other one an enum
MIN_SUMMARY_LENGTH = 120


def situation_key(text: str) -> str:
    """The grouping key of an imported row: rows with the same normalised text share it."""
    return "text-" + hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:16]


@dataclass
class Reject:
    file: str
    line: int
    row: int
    reason: str  # a short code: the summary counts by it
    detail: str
    raw: Any
    last_line: int = 0  # where the rejected record ends; 0: on its first line

    def to_json(self) -> dict[str, Any]:
        raw = [printable(v) for v in self.raw] if isinstance(self.raw, list) else printable(self.raw)
        return {
            "file": self.file,
            "line": self.line,
            "last_line": max(self.line, self.last_line),
            "row": self.row,
            "reason": self.reason,
            "detail": printable(self.detail),
            "raw": raw,
        }


@dataclass
class Candidate:
    """A record with text and raw labels, before the schema check."""

    file: str
    line: int
    row: int
    id: str
    text: str
    label: dict[str, str]  # field -> value after trimming and value maps
    raw: Any


def extract(record: SourceRecord, file: str, config: ImportConfig) -> Candidate | Reject:
    """Text, labels and id of one parsed record, or why it cannot be imported."""

    def reject(reason: str, detail: str) -> Reject:
        return Reject(file, record.line, record.row, reason, detail, record.raw)

    values = record.values or {}
    for column in mapped_columns(config):
        # A JSON source's "\ud800" escape parses, but is not Unicode: no tokenizer takes it, and the
        # row could not even be written as UTF-8.
        cell = get_column(values, column)
        if isinstance(cell, str) and (problem := text_problem(cell)):
            return reject("bad_text", f"column {column!r}: {problem}")

    text = join_ticket_text([cell_text(get_column(values, c)) for c in config.text_columns])
    if not text:
        return reject("empty_text", f"text column(s) {config.text_columns} are empty")

    label: dict[str, str] = {}
    empty = []
    for name, column in config.labels.items():
        value = collapse_space(cell_text(get_column(values, column)))
        value = config.value_maps.get(name, {}).get(value.casefold(), value)
        if value:
            label[name] = value
        else:
            empty.append(f"{name} (column {column!r})")
    if empty and (not config.allow_empty_labels or not label):
        return reject("empty_label", f"empty label: {', '.join(empty)}")

    ident = cell_text(get_column(values, config.id_column)).strip() if config.id_column else ""
    if config.id_column and not ident:
        return reject("empty_id", f"id column {config.id_column!r} is empty")
    return Candidate(file, record.line, record.row, ident or f"{Path(file).stem}-{record.row}", text, label, record.raw)


def enum_spellings(schema: TicketSchema) -> dict[str, dict[str, str]]:
    """Per enum field, casefolded value -> the schema's spelling."""
    return {f.name: {v.casefold(): v for v in f.values} for f in schema.enum_fields}


def make_row(
    candidate: Candidate, schema: TicketSchema, spelling: dict[str, dict[str, str]] | None = None
) -> dict[str, Any] | Reject:
    """The dataset row for a candidate, with enum values in the schema's spelling, or its reject."""
    spelling = spelling if spelling is not None else enum_spellings(schema)
    label = {}
    for name in schema.field_names:  # schema order, as the model writes the answer
        if name in candidate.label:
            value = candidate.label[name]
            label[name] = spelling.get(name, {}).get(value.casefold(), value)
    errors = schema.errors(label, partial=True)
    if errors:
        detail = "; ".join(str(e) for e in errors)
        return Reject(candidate.file, candidate.line, candidate.row, "invalid_label", detail, candidate.raw)
    return {
        "id": candidate.id,
        "text": candidate.text,
        "label": label,
        "instruction": DEFAULT_INSTRUCTION,
        "meta": {
            "situation": situation_key(candidate.text),
            "source": "import",
            "file": candidate.file,
            "line": candidate.line,
            "row": candidate.row,
        },
    }


def reject_unparseable(record: SourceRecord, file: str, skip: bool) -> Reject:
    """The reject of a record the reader could not parse; without --skip-bad-records the import stops."""
    if not skip:
        raise SetupError(
            f"{file}, {record.lines}: {record.detail}. Fix the file, or pass --skip-bad-records to "
            "reject such records (into rejects.jsonl) and import the rest"
        )
    if not record.reread_from:
        return Reject(file, record.line, record.row, record.problem, record.detail, record.raw, record.last_line)
    detail = (
        f"{record.detail}; the record ran over {record.lines}: only line {record.line} is rejected, the "
        f"reader parses {line_span(record.reread_from, record.last_line)} again as records of their own"
    )
    return Reject(file, record.line, record.row, record.problem, detail, record.raw, record.reread_from - 1)


# ---- schema inference -------------------------------------------------------------------------------
def infer_schema(candidates: list[Candidate], config: ImportConfig) -> tuple[dict[str, Any], dict[str, Counter]]:
    """Schema data (for parse_schema / YAML) from the label values seen, and the value counts."""
    out_fields: dict[str, Any] = {}
    counts: dict[str, Counter] = {}
    for name, column in config.labels.items():
        seen = Counter(c.label[name] for c in candidates if name in c.label)
        if not seen:
            raise SetupError(f"cannot infer field {name!r}: column {column!r} has no value in any imported row")
        description = config.descriptions.get(name) or f"Imported from column {column!r}."
        if name == SUMMARY_FIELD:
            longest = max(len(v) for v in seen)
            out_fields[name] = {
                "type": "text",
                "description": description,
                "max_length": max(MIN_SUMMARY_LENGTH, longest),
            }
            continue
        # Values that differ only in case are one class (the row check ignores case too); the most
        # frequent spelling names it.
        groups: dict[str, Counter] = {}
        for value, n in seen.items():
            groups.setdefault(value.casefold(), Counter())[value] += n
        merged = Counter({g.most_common(1)[0][0]: sum(g.values()) for g in groups.values()})
        ordered = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
        out_fields[name] = {"type": "enum", "description": description, "values": [v for v, _ in ordered]}
        counts[name] = Counter(dict(ordered))
    if SUMMARY_FIELD in out_fields:  # free text last, as in the default taxonomy
        out_fields[SUMMARY_FIELD] = out_fields.pop(SUMMARY_FIELD)
    if not counts:
        raise SetupError("cannot infer a schema: map at least one enum label column (`--label FIELD=COL`)")
    name = config.schema_name or f"imported-{config.inputs[0].stem}".replace("_", "-")
    return {"name": name, "version": 1, "fields": out_fields}, counts


def write_schema(path: Path, data: dict[str, Any], counts: dict[str, Counter], source: str) -> None:
    header = [f"# Inferred by generating.importer from {source}: values sorted by frequency.", "# Counts:"]
    for name, counter in counts.items():
        header.append(f"#   {name}: " + ", ".join(f"{v} {n}" for v, n in counter.items()))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header) + "\n" + body, encoding="utf-8")
