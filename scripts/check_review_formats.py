"""Check `triage review export` files against the review tools' own SDKs, offline; prints one JSON line.

The SDKs are not dependencies of the toolkit: install them in a throwaway virtual environment and run
this script with its Python (from the repository root; the toolkit itself needs only PyYAML there):

    python3 -m venv /tmp/fmtcheck && /tmp/fmtcheck/bin/pip install label-studio-sdk argilla pyyaml
    /tmp/fmtcheck/bin/python scripts/check_review_formats.py               # exit 0 when every check passes
    /tmp/fmtcheck/bin/python scripts/check_review_formats.py --out /tmp/review-files   # keep the files

What it checks, on a review queue made from the default schema (every field, every value of a field):

- Label Studio (label-studio-sdk): the labeling config parses and validates (`LabelInterface.validate`:
  the XML schema, unique names, toName targets); every task loads as `TaskValue` and its prediction as
  `PredictionValue`; every prediction passes `LabelInterface.validate_prediction` (from_name/to_name
  exist, type matches the control, the choice is one of the config's); every data variable the
  config reads (`$text`, ...) is in every task. Then an export as Label Studio writes it (the
  predictions turned into annotations, one choice changed) passes `validate_annotation` and is
  read back by `triage review import --format label-studio`.
- Argilla (argilla 2.x): `.argilla/settings.json` loads with `Settings._from_dict` and passes
  `Settings.validate`; `.argilla/dataset.json` loads as `DatasetModel`; every record of
  `records.json` loads with `Record.from_dict` and converts to the server's model inside a dataset
  with those settings (`record.api_model()`: each suggestion's question must exist). Then records
  with `rg.Response`s, exported with `Record.to_dict()` (status set to "completed", as the server
  sets it on submission), are read back by `triage review import --format argilla`.

The Argilla client is built without a server: its connection check is switched off, nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


def review_items(schema: Any) -> list[Any]:
    """One ticket per value of the widest enum field, every field's suggestion valid under the rules."""
    from feedback.formats import ReviewItem

    widest = max(len(f.values) for f in schema.enum_fields)
    items = []
    for i in range(widest):
        chosen: dict[str, str] = {}
        for f in schema.enum_fields:
            allowed = schema.allowed_values(f.name, chosen)
            chosen[f.name] = allowed[i % len(allowed)]
        alternatives = {
            f.name: [{"value": v, "probability": round(0.6 / (k + 1), 4)} for k, v in enumerate(f.values[:3])]
            for f in schema.enum_fields
        }
        confidence = {f.name: round(0.3 + 0.05 * (i % 10), 4) for f in schema.enum_fields}
        for f in schema.text_fields:
            chosen[f.name] = f"summary {i}"
        items.append(
            ReviewItem(f"T-{i}", f"ticket text {i} & <stuff>", chosen, confidence, alternatives, "m", "v1", "why")
        )
    return items


def check_label_studio(schema: Any, items: list[Any], out: Path) -> dict[str, Any]:
    import label_studio_sdk
    from label_studio_sdk.label_interface import LabelInterface
    from label_studio_sdk.label_interface.objects import AnnotationValue, PredictionValue, TaskValue

    from feedback.formats import read_label_studio, write_label_studio

    tasks_file, config_file = write_label_studio(items, schema, out)
    interface = LabelInterface(config_file.read_text(encoding="utf-8"))
    interface.validate()  # raises on an invalid config
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    errors: list[str] = []
    variables = [o.value_name for o in interface.objects if o.value_is_variable]
    exported = []
    for n, task in enumerate(tasks):
        TaskValue(**task)
        errors += [f"task {n}: data has no {v!r}" for v in variables if task["data"].get(v) is None]
        for prediction in task["predictions"]:
            PredictionValue(**prediction)
            errors += [f"task {n}: {e}" for e in interface.validate_prediction(prediction, return_errors=True)]
        # What Label Studio's JSON export holds once a reviewer submitted the pre-filled answer, one choice changed.
        result = json.loads(json.dumps(task["predictions"][0]["result"]))
        first = result[0]
        values = schema.get_field(first["from_name"]).values
        first["value"]["choices"] = [values[(values.index(first["value"]["choices"][0]) + 1) % len(values)]]
        annotation = {"id": n + 1, "completed_by": 1, "result": result, "was_cancelled": False}
        AnnotationValue(**annotation)
        if not interface.validate_annotation(annotation):
            errors.append(f"task {n}: the simulated annotation does not validate")
        exported.append({"id": n + 1, "data": task["data"], "annotations": [annotation], "predictions": []})
    export_file = out / "export.json"
    export_file.write_text(json.dumps(exported), encoding="utf-8")
    reviewed = read_label_studio(export_file, schema)
    return {
        "sdk": label_studio_sdk.__name__ + " " + _version("label-studio-sdk"),
        "config_valid": True,
        "tasks": len(tasks),
        "controls": sorted(c.name for c in interface.controls),
        "errors": errors,
        "reimported": len(reviewed),
    }


def check_argilla(schema: Any, items: list[Any], out: Path) -> dict[str, Any]:
    import argilla as rg
    from argilla._api._client import APIClient
    from argilla._models import DatasetModel

    from feedback.formats import ARGILLA_DATASET, ARGILLA_SETTINGS, read_argilla, write_argilla

    APIClient._validate_connection = lambda self: None  # no server: build the client, never call it
    client = rg.Argilla(api_url="http://127.0.0.1:1", api_key="offline-check")
    records_file, *_ = write_argilla(items, schema, out)
    settings = rg.Settings._from_dict(json.loads((out / ARGILLA_SETTINGS).read_text(encoding="utf-8")))
    settings.validate()
    DatasetModel(**json.loads((out / ARGILLA_DATASET).read_text(encoding="utf-8")))
    dataset = rg.Dataset(name="check", settings=settings, client=client)
    errors: list[str] = []
    labels = {q.name: set(q.labels) for q in settings.questions if isinstance(q, rg.LabelQuestion)}
    reviewed_dicts = []
    user = uuid.uuid4()
    for n, data in enumerate(json.loads(records_file.read_text(encoding="utf-8"))):
        record = rg.Record.from_dict(data)
        record.dataset = dataset
        try:
            record.api_model()  # resolves each suggestion's question in the dataset's settings
        except Exception as e:  # noqa: BLE001 - reported, the check goes on
            errors.append(f"record {n}: {type(e).__name__}: {e}")
        for name, suggestion in data["suggestions"].items():
            if name in labels and suggestion["value"] not in labels[name]:
                errors.append(f"record {n}: suggestion {name}={suggestion['value']!r} is not a label of the question")
        responses = [
            rg.Response(name, s["value"], user_id=user, status="submitted") for name, s in data["suggestions"].items()
        ]
        answered = rg.Record(id=data["id"], fields=data["fields"], suggestions=record.suggestions, responses=responses)
        reviewed_dicts.append(answered.to_dict() | {"status": "completed"})
    export_file = out / "reviewed.json"
    export_file.write_text(json.dumps(reviewed_dicts), encoding="utf-8")
    reviewed = read_argilla(export_file, schema)
    return {
        "sdk": "argilla " + _version("argilla"),
        "settings_valid": True,
        "questions": [q.name for q in settings.questions],
        "records": len(reviewed_dicts),
        "errors": errors,
        "reimported": len(reviewed),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="write the checked files here (default: a temporary folder)")
    args = parser.parse_args(argv)

    from ticket_triage.schema import load_schema

    schema = load_schema()
    items = review_items(schema)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        report = {
            "schema": schema.name,
            "items": len(items),
            "label_studio": check_label_studio(schema, items, out / "label-studio"),
            "argilla": check_argilla(schema, items, out / "argilla"),
        }
    ok = all(not report[k]["errors"] and report[k]["reimported"] == len(items) for k in ("label_studio", "argilla"))
    print(json.dumps(report | {"ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
