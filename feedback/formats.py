"""The files of the review tools, written from the review queue and read back once reviewed.

Three formats, each written for the tool's documented import and read from its documented export:

- **CSV** for a spreadsheet: one row per ticket with the model's suggestion per field, its
  confidence and alternatives, and an empty `corrected_<field>` column per field for the reviewer.
  Written as UTF-8 with a byte-order mark, so Excel shows accents right.
- **Label Studio** (https://labelstud.io/guide/predictions, https://labelstud.io/guide/task_format):
  `tasks.json`, a list of tasks `{"data": {...}, "predictions": [{"model_version", "score",
  "result": [{"from_name", "to_name", "type": "choices", "value": {"choices": [value]}}]}]}`, and
  `label_config.xml`, the labeling interface: one `<Choices>` per enum field
  (https://labelstud.io/tags/choices), one `<TextArea>` per text field. Read back from Label
  Studio's JSON export: each task's `annotations[].result`.
- **Argilla 2.x** (https://docs.argilla.io/latest/reference/argilla/records/records,
  https://docs.argilla.io/latest/reference/argilla/records/suggestions): the folder layout of
  `rg.Dataset.to_disk` / `rg.Dataset.from_disk`: `records.json` (records as `rg.Record.to_dict` writes
  them: `fields`, `metadata`, `suggestions: {question: {"value", "score", "agent"}}`, `responses`),
  `.argilla/settings.json` (`rg.Settings` serialised: a `LabelQuestion` per enum field, a
  `TextQuestion` per text field) and `.argilla/dataset.json`. Read back from
  `dataset.records.to_json(...)` or `dataset.to_disk(...)`: each completed record's `responses`.

`scripts/check_review_formats.py` loads these files with the tools' own SDKs; the tests check the
same structures without them.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback.store import listed
from ticket_triage.dataset import DataError
from ticket_triage.schema import TicketSchema

FORMATS = ("csv", "label-studio", "argilla")
CORRECTED = "corrected_"  # CSV: the reviewer's column for a field
TEXT_TAG = "ticket_text"  # Label Studio: the object tag that shows the ticket (`$text`)


@dataclass
class ReviewItem:
    """One ticket in a review file: what the reviewer sees pre-filled, and why it is there."""

    id: str
    text: str
    suggestion: dict[str, str]  # per field, the pre-filled value (the model's answer; a row's label for noise)
    confidence: dict[str, float] = field(default_factory=dict)  # per enum field: the model's probability of it
    alternatives: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per enum field: the model's top-k
    model: str = ""
    model_version: str = ""
    note: str = ""  # why the ticket is here: the review reasons, or the label-noise finding

    @property
    def min_confidence(self) -> float:
        return min(self.confidence.values(), default=1.0)

    def alternatives_text(self, name: str) -> str:
        return " | ".join(f"{a['value']} {a['probability']:.2f}" for a in self.alternatives.get(name, []))


@dataclass(frozen=True)
class Reviewed:
    """One reviewed ticket read back from a review file."""

    where: str  # file and row/record, for error messages
    ticket_id: str
    fields: dict[str, str]  # what the reviewer set
    original: dict[str, Any] | None  # what was pre-filled
    text: str | None
    model: str = ""
    model_version: str = ""


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise DataError(f"{path}: cannot read the file ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        what = f"not JSON ({e.msg}, line {e.lineno})" if isinstance(e, json.JSONDecodeError) else "not UTF-8"
        raise DataError(f"{path}: {what}") from None


def _check(problems: list[str]) -> None:
    if problems:
        raise DataError(listed(problems, "nothing imported"))


# ---- CSV -------------------------------------------------------------------------------------
def csv_columns(schema: TicketSchema) -> list[str]:
    columns = ["id", "text", "min_confidence", "note", "model", "model_version"]
    for f in schema.fields:
        columns += [f.name, f"{f.name}_confidence", f"{f.name}_alternatives"] if f.type == "enum" else [f.name]
        columns.append(CORRECTED + f.name)
    return columns


def write_csv(items: list[ReviewItem], schema: TicketSchema, path: Path) -> list[Path]:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, csv_columns(schema))
        writer.writeheader()
        for item in items:
            row: dict[str, Any] = {
                "id": item.id,
                "text": item.text,
                "min_confidence": round(item.min_confidence, 4),
                "note": item.note,
                "model": item.model,
                "model_version": item.model_version,
            }
            for f in schema.fields:
                row[f.name] = item.suggestion.get(f.name, "")
                if f.type == "enum":
                    row[f"{f.name}_confidence"] = item.confidence.get(f.name, "")
                    row[f"{f.name}_alternatives"] = item.alternatives_text(f.name)
            writer.writerow(row)
    return [path]


def _canonical(schema: TicketSchema, name: str, value: str) -> str:
    """A typed enum value matched to the schema's spelling, ignoring case and spaces (spreadsheets
    capitalise and pad); any other value is kept as typed, for the schema check to name."""
    if name in schema.field_names and schema.get_field(name).type == "enum":
        folded = {" ".join(v.split()).casefold(): v for v in schema.get_field(name).values}
        return folded.get(" ".join(value.split()).casefold(), value)
    return value


def read_csv(path: Path, schema: TicketSchema) -> list[Reviewed]:
    """Rows with at least one `corrected_<field>` cell filled; empty cells keep the suggestion."""
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as e:
        raise DataError(f"{path}: cannot read the file ({e.strerror})") from None
    reviewed, problems = [], []
    with fh:
        try:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            corrected = [c for c in header if c.startswith(CORRECTED)]
            unknown = [c for c in corrected if c[len(CORRECTED) :] not in schema.field_names]
            if "id" not in header or not corrected or unknown:
                what = f"unknown field column(s) {unknown}" if unknown else "no `id` or `corrected_<field>` columns"
                raise DataError(f"{path}: {what}: was it written by `triage review export --format csv`?")
            for n, row in enumerate(reader, 1):
                where = f"{path} row {n}"
                fields = {
                    c[len(CORRECTED) :]: _canonical(schema, c[len(CORRECTED) :], row[c].strip())
                    for c in corrected
                    if (row.get(c) or "").strip()
                }
                if not fields:
                    continue  # not reviewed
                if not (row.get("id") or "").strip():
                    problems.append(f"{where}: id: missing")
                    continue
                original = {f: row[f] for f in schema.field_names if row.get(f)}
                text = row.get("text") or None
                model, version = row.get("model") or "", row.get("model_version") or ""
                reviewed.append(
                    Reviewed(f"{where} (id {row['id']})", row["id"], fields, original, text, model, version)
                )
        except UnicodeDecodeError:
            raise DataError(f"{path}: not UTF-8 text (save the sheet as CSV UTF-8)") from None
        except csv.Error as e:
            raise DataError(f"{path} line {reader.line_num}: not CSV ({e})") from None
    _check(problems)
    return reviewed


# ---- Label Studio ------------------------------------------------------------------------------
def label_config(schema: TicketSchema) -> str:
    """The labeling interface XML: the ticket, why it is here, the model's alternatives, and one
    `<Choices>` per enum field (https://labelstud.io/tags/choices), one `<TextArea>` per text field."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="Ticket")
    ET.SubElement(view, "Text", name=TEXT_TAG, value="$text")
    ET.SubElement(view, "Header", value="Why it is in the queue, and the model's alternatives")
    ET.SubElement(view, "Text", name="ticket_note", value="$note")
    ET.SubElement(view, "Text", name="ticket_alternatives", value="$alternatives")
    for f in schema.fields:
        ET.SubElement(view, "Header", value=f"{f.name}: {f.description}" if f.description else f.name)
        if f.type == "enum":
            choices = ET.SubElement(
                view, "Choices", name=f.name, toName=TEXT_TAG, choice="single", showInline="true", required="true"
            )
            for value in f.values:
                ET.SubElement(choices, "Choice", value=value)
        else:
            ET.SubElement(view, "TextArea", name=f.name, toName=TEXT_TAG, maxSubmissions="1", editable="true")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def label_studio_task(item: ReviewItem, schema: TicketSchema) -> dict[str, Any]:
    """One task in Label Studio's import format with the model's answer as its prediction."""
    result = []
    for f in schema.fields:
        if f.name not in item.suggestion:
            continue
        value = item.suggestion[f.name]
        kind, payload = ("choices", {"choices": [value]}) if f.type == "enum" else ("textarea", {"text": [value]})
        result.append({"id": f.name, "from_name": f.name, "to_name": TEXT_TAG, "type": kind, "value": payload})
    alternatives = "\n".join(
        f"{f.name}: {item.alternatives_text(f.name)}" for f in schema.enum_fields if f.name in item.alternatives
    )
    data = {
        "text": item.text,
        "ticket_id": item.id,
        "note": item.note,
        "alternatives": alternatives,
        "model": item.model,
        "model_version": item.model_version,
        "min_confidence": round(item.min_confidence, 4),
        "original": item.suggestion,  # read back on import, whichever export options were used
    }
    # `score` sorts the Data Manager: the lowest, the most uncertain ticket, first.
    prediction = {"model_version": item.model or "triage", "score": round(item.min_confidence, 4), "result": result}
    return {"data": data, "predictions": [prediction]}


def write_label_studio(items: list[ReviewItem], schema: TicketSchema, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    tasks, config = out / "tasks.json", out / "label_config.xml"
    tasks.write_text(
        json.dumps([label_studio_task(i, schema) for i in items], ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    config.write_text(label_config(schema), encoding="utf-8")
    return [tasks, config]


def _agreed(values: dict[str, set[str]], where: str, problems: list[str]) -> dict[str, str]:
    """One value per field; reviewers that disagree on a field are a problem to resolve in the tool."""
    out = {}
    for name, seen in values.items():
        if len(seen) > 1:
            problems.append(f"{where}: {name}: reviewers disagree ({', '.join(sorted(seen))}): resolve it in the tool")
        elif seen:
            out[name] = next(iter(seen))
    return out


def read_label_studio(path: Path, schema: TicketSchema) -> list[Reviewed]:
    """Tasks of Label Studio's JSON export with at least one annotation that was not cancelled."""
    tasks = _load_json(path)
    if not isinstance(tasks, list):
        raise DataError(f"{path}: a Label Studio JSON export is a list of tasks")
    reviewed, problems = [], []
    for n, task in enumerate(tasks, 1):
        data = task.get("data") if isinstance(task, dict) else None
        where = f"{path} task {n}" + (f" (id {task['id']})" if isinstance(task, dict) and "id" in task else "")
        if not isinstance(data, dict) or not str(data.get("ticket_id") or "").strip():
            problems.append(f"{where}: data.ticket_id: missing (was the task made by `triage review export`?)")
            continue
        annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        values: dict[str, set[str]] = {}
        for a in annotations:
            for region in a.get("result") or []:
                name, value = region.get("from_name"), region.get("value") or {}
                if name not in schema.field_names:
                    continue  # another control added to the interface
                picked = value.get("choices") or value.get("text") or []
                if isinstance(picked, list) and len(picked) == 1 and isinstance(picked[0], str):
                    values.setdefault(name, set()).add(picked[0].strip())
                else:
                    problems.append(f"{where}: {name}: expected one value, got {picked!r}")
        fields = _agreed(values, where, problems)
        if not fields:
            continue  # not reviewed
        original = data.get("original") if isinstance(data.get("original"), dict) else None
        text = data.get("text") if isinstance(data.get("text"), str) else None
        model, version = str(data.get("model") or ""), str(data.get("model_version") or "")
        reviewed.append(Reviewed(where, str(data["ticket_id"]), fields, original, text, model, version))
    _check(problems)
    return reviewed


# ---- Argilla -----------------------------------------------------------------------------------
ARGILLA_RECORDS = "records.json"
ARGILLA_SETTINGS = ".argilla/settings.json"
ARGILLA_DATASET = ".argilla/dataset.json"


def _argilla_text(name: str, title: str, required: bool) -> dict[str, Any]:
    settings = {"type": "text", "use_markdown": False}
    return {"name": name, "title": title, "required": required, "description": None, "settings": settings}


def argilla_settings(schema: TicketSchema) -> dict[str, Any]:
    """`rg.Settings` as `Settings.serialize()` writes it: the ticket as a text field, a `LabelQuestion`
    per enum field, a `TextQuestion` per text field, metadata to sort and filter by."""
    questions = []
    for f in schema.fields:
        q = {"name": f.name, "title": f.name, "description": f.description or None}
        if f.type == "enum":
            options = [{"value": v, "text": v} for v in f.values]
            settings = {"type": "label_selection", "options": options, "visible_options": None}
            questions.append(q | {"required": True, "settings": settings, "type": "label_selection"})
        else:
            questions.append(
                q | {"required": False, "settings": {"type": "text", "use_markdown": False}, "type": "text"}
            )
    metadata = [
        {"name": "min_confidence", "title": "lowest confidence", "settings": {"type": "float", "min": 0.0, "max": 1.0}},
        {"name": "model", "title": "model", "settings": {"type": "terms", "values": None}},
    ]
    for m in metadata:
        m["settings"]["visible_for_annotators"] = True
        m["visible_for_annotators"] = True
    return {
        "guidelines": f"Correct the model's suggestions for schema {schema.name!r}; most uncertain tickets first.",
        "questions": questions,
        "fields": [
            _argilla_text("text", "Ticket", True),
            _argilla_text("note", "Why it is in the queue", False),
            _argilla_text("alternatives", "The model's alternatives", False),
        ],
        "vectors": [],
        "metadata": metadata,
        "allow_extra_metadata": True,
        "distribution": {"strategy": "overlap", "min_submitted": 1},
        "mapping": None,
    }


def argilla_record(item: ReviewItem, schema: TicketSchema) -> dict[str, Any]:
    """One record as `rg.Record.to_dict()` writes it, the model's answer as suggestions with scores."""
    fields = {"text": item.text}
    alternatives = "\n".join(
        f"{f.name}: {item.alternatives_text(f.name)}" for f in schema.enum_fields if f.name in item.alternatives
    )
    fields |= {k: v for k, v in (("note", item.note), ("alternatives", alternatives)) if v}
    suggestions = {}
    for f in schema.fields:
        if f.name in item.suggestion:
            suggestion = {"value": item.suggestion[f.name], "score": item.confidence.get(f.name), "agent": item.model}
            suggestions[f.name] = suggestion
    metadata = {"min_confidence": round(item.min_confidence, 4), "model": item.model or "triage"}
    if item.model_version:
        metadata["model_version"] = item.model_version  # extra metadata: allowed by the settings
    return {
        "id": item.id,
        "fields": fields,
        "metadata": metadata,
        "suggestions": suggestions,
        "responses": {},
        "vectors": {},
        "status": "pending",
        "_server_id": None,
    }


def write_argilla(items: list[ReviewItem], schema: TicketSchema, out: Path) -> list[Path]:
    """The folder `rg.Dataset.from_disk(out, name=..., workspace=...)` loads into an Argilla server."""
    (out / ".argilla").mkdir(parents=True, exist_ok=True)
    files = [out / ARGILLA_RECORDS, out / ARGILLA_SETTINGS, out / ARGILLA_DATASET]
    settings = argilla_settings(schema)
    dataset = {
        "name": f"triage-review-{schema.name}",
        "status": "draft",
        "guidelines": settings["guidelines"],
        "allow_extra_metadata": True,
        "distribution": settings["distribution"],
    }
    records = [argilla_record(i, schema) for i in items]
    for path, content in zip(files, (records, settings, dataset)):
        path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return files


def read_argilla(path: Path, schema: TicketSchema) -> list[Reviewed]:
    """Completed records of `dataset.records.to_json(FILE)` or of the folder `dataset.to_disk(DIR)` writes."""
    if path.is_dir():
        path = path / ARGILLA_RECORDS
    records = _load_json(path)
    if not isinstance(records, list):
        raise DataError(f"{path}: Argilla's records export is a list of records")
    reviewed, problems = [], []
    for n, record in enumerate(records, 1):
        if not isinstance(record, dict):
            problems.append(f"{path} record {n}: not an object")
            continue
        where = f"{path} record {n}" + (f" (id {record['id']})" if record.get("id") is not None else "")
        if record.get("id") is None or not str(record["id"]).strip():
            problems.append(f"{where}: id: missing (was the record made by `triage review export`?)")
            continue
        # Only submitted work counts: with one submission required, a record is "completed" once submitted;
        # an exported response carries no status of its own, so a draft on a pending record is skipped.
        if record.get("status") != "completed":
            continue
        values: dict[str, set[str]] = {}
        for name, responses in (record.get("responses") or {}).items():
            if name in schema.field_names:
                for r in responses or []:
                    if isinstance(r, dict) and isinstance(r.get("value"), str) and r["value"].strip():
                        values.setdefault(name, set()).add(r["value"].strip())
        fields = _agreed(values, where, problems)
        if not fields:
            continue
        suggestions = record.get("suggestions") or {}
        original = {k: s["value"] for k, s in suggestions.items() if isinstance(s, dict) and "value" in s} or None
        agents = {s.get("agent") for s in suggestions.values() if isinstance(s, dict) and s.get("agent")}
        model = next(iter(agents)) if len(agents) == 1 else ""
        text = (record.get("fields") or {}).get("text")
        version = str((record.get("metadata") or {}).get("model_version") or "")
        reviewed.append(Reviewed(where, str(record["id"]), fields, original, text, model, version))
    _check(problems)
    return reviewed


WRITERS = {"csv": write_csv, "label-studio": write_label_studio, "argilla": write_argilla}
READERS = {"csv": read_csv, "label-studio": read_label_studio, "argilla": read_argilla}
