"""`triage review` (feedback/review.py, feedback/formats.py): the review queue out as CSV, Label Studio
tasks and Argilla records, the reviewed files back in as corrections, and on to training rows.

The files are checked against the structures the tools document (cited in feedback/formats.py);
`scripts/check_review_formats.py` checks them with the tools' own SDKs, which the tests do not need."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest

from feedback.store import CorrectionStore
from inference.metrics import prediction_rows
from ticket_triage.dataset import read_rows, write_rows
from ticket_triage.result import TriageResult, decide_field
from triage.cli import main as triage

NETWORK = {"category": "Network", "subcategory": "VPN", "assignment_group": "Network Operations"}
ROWS = [
    {"id": "T1", "text": "VPN drops every ten minutes", "label": NETWORK | {"priority": "High"}},
    {"id": "T2", "text": "vpn slow, not sure what it is", "label": NETWORK | {"priority": "Low"}},
    {"id": "T3", "text": "Cannot reach the VPN from the hotel", "label": NETWORK | {"priority": "Medium"}},
]
CONFIDENCE = {"T1": 0.95, "T2": 0.3, "T3": 0.35}  # of the priority; T2 is the most uncertain


def result(schema, priority_confidence: float) -> TriageResult:
    """A result as every backend makes it: each enum field decided by `decide_field`."""
    probabilities = {name: {value: 0.9, "Service Desk": 0.1} for name, value in NETWORK.items()}
    probabilities["category"] = {"Network": 0.9, "Access": 0.1}
    probabilities["subcategory"] = {"VPN": 0.9, "Wi-Fi": 0.1}
    rest = (1 - priority_confidence) / 3
    probabilities["priority"] = {"Low": rest, "Medium": rest, "High": priority_confidence, "Critical": rest}
    probabilities["request_type"] = {"Incident": 0.8, "Service Request": 0.2}
    decisions = {n: decide_field(n, p, schema.get_field(n).review_threshold) for n, p in probabilities.items()}
    reasons = [d.review_reason for d in decisions.values() if d.review_reason]
    return TriageResult(
        ticket={n: d.value for n, d in decisions.items()},
        confidence={n: d.confidence for n, d in decisions.items()},
        alternatives={n: d.alternatives for n, d in decisions.items()},
        status="review" if reasons else "auto",
        reasons=reasons,
        model="fake-adapter",
    )


@pytest.fixture
def files(tmp_path, schema):
    """The tickets (data.jsonl) and the predictions `triage eval --out` writes for them."""
    write_rows(tmp_path / "data.jsonl", ROWS)
    results = [result(schema, CONFIDENCE[r["id"]]) for r in ROWS]
    write_rows(tmp_path / "predictions.jsonl", prediction_rows(schema, ROWS, results))
    return tmp_path


def run(*argv: str) -> int:
    return triage(["review", *map(str, argv)])


def export(files, fmt: str, *extra: str) -> int:
    out = files / ("queue.csv" if fmt == "csv" else fmt)
    return run(
        "export",
        "--predictions",
        files / "predictions.jsonl",
        "--data",
        files / "data.jsonl",
        "--format",
        fmt,
        "--out",
        out,
        *extra,
    )


def test_csv_export_holds_the_review_queue_most_uncertain_first(files, schema):
    assert export(files, "csv") == 0
    raw = (files / "queue.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the file as UTF-8
    rows = list(csv.DictReader((files / "queue.csv").open(encoding="utf-8-sig")))
    assert [r["id"] for r in rows] == ["T2", "T3"]  # T1 was routed automatically
    assert rows[0]["text"] == ROWS[1]["text"] and rows[0]["priority"] == "High"
    assert rows[0]["priority_confidence"] == "0.3" and rows[0]["priority_alternatives"].startswith("High 0.30 | ")
    assert rows[0]["note"] == "priority: low confidence 0.30 < 0.40" and rows[0]["model"] == "fake-adapter"
    assert all(rows[0][f"corrected_{f}"] == "" for f in schema.field_names)
    assert export(files, "csv", "--status", "all") == 0
    assert len(list(csv.DictReader((files / "queue.csv").open(encoding="utf-8-sig")))) == 3


def test_predictions_without_text_need_the_tickets_they_were_made_from(files, capsys):
    assert run("export", "--predictions", files / "predictions.jsonl", "--format", "csv", "--out", files / "q.csv") == 2
    err = capsys.readouterr().err
    assert "carry no ticket text" in err and "pass --data FILE" in err
    # `triage predict` names a result by its row's id, or by the line number of a plain-text line.
    (files / "tickets.txt").write_text("VPN drops\n\nprinter jams\n")
    with open(files / "predict.jsonl", "w") as fh:
        for ident in (1, 3):
            fh.write(json.dumps({"id": ident, **result_dict(files)}) + "\n")
    out = files / "p.csv"
    assert (
        run(
            "export",
            "--predictions",
            files / "predict.jsonl",
            "--data",
            files / "tickets.txt",
            "--format",
            "csv",
            "--out",
            out,
        )
        == 0
    )
    assert [r["text"] for r in csv.DictReader(out.open(encoding="utf-8-sig"))] == ["VPN drops", "printer jams"]


def result_dict(files) -> dict:
    record = json.loads((files / "predictions.jsonl").read_text().splitlines()[1])
    return {k: record[k] for k in ("ticket", "confidence", "alternatives", "status", "reasons", "model")}


def test_label_studio_tasks_follow_the_documented_import_format(files, schema):
    assert export(files, "label-studio") == 0
    tasks = json.loads((files / "label-studio" / "tasks.json").read_text())
    config = ET.fromstring((files / "label-studio" / "label_config.xml").read_text())
    # https://labelstud.io/tags/choices: one <Choices> per enum field, its values as <Choice>s.
    choices = {c.get("name"): [x.get("value") for x in c] for c in config.iter("Choices")}
    assert choices == {f.name: list(f.values) for f in schema.enum_fields}
    assert [t.get("name") for t in config.iter("TextArea")] == [f.name for f in schema.text_fields]
    objects = {t.get("name"): t.get("value") for t in config.iter("Text")}
    assert {c.get("toName") for c in [*config.iter("Choices"), *config.iter("TextArea")]} == {"ticket_text"}
    # https://labelstud.io/guide/predictions: tasks with `data` and `predictions[].result[]`.
    assert [t["data"]["ticket_id"] for t in tasks] == ["T2", "T3"]
    for task in tasks:
        assert set(task) == {"data", "predictions"}
        assert all(task["data"][v[1:]] is not None for v in objects.values())  # every $variable is there
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == "fake-adapter" and 0 <= prediction["score"] <= 1
        for region in prediction["result"]:
            assert set(region) == {"id", "from_name", "to_name", "type", "value"} and region["type"] == "choices"
            assert region["to_name"] == "ticket_text" and region["from_name"] in choices
            assert region["value"]["choices"][0] in choices[region["from_name"]]
    assert tasks[0]["predictions"][0]["score"] == 0.3 and tasks[0]["data"]["original"]["priority"] == "High"


def test_argilla_files_follow_the_documented_record_and_settings_format(files, schema):
    assert export(files, "argilla") == 0
    folder = files / "argilla"
    records = json.loads((folder / "records.json").read_text())
    settings = json.loads((folder / ".argilla" / "settings.json").read_text())
    dataset = json.loads((folder / ".argilla" / "dataset.json").read_text())
    # Settings.serialize(): a label_selection question per enum field, a text question per text field.
    questions = {q["name"]: q for q in settings["questions"]}
    assert list(questions) == schema.field_names
    for f in schema.enum_fields:
        assert questions[f.name]["settings"]["type"] == "label_selection" and questions[f.name]["required"]
        assert [o["value"] for o in questions[f.name]["settings"]["options"]] == list(f.values)
    assert questions["summary"]["settings"]["type"] == "text" and not questions["summary"]["required"]
    fields = {f["name"]: f for f in settings["fields"]}
    assert fields["text"]["required"] and fields["text"]["settings"]["type"] == "text"
    metadata = {m["name"]: m["settings"]["type"] for m in settings["metadata"]}
    assert metadata == {"min_confidence": "float", "model": "terms"}
    assert dataset["name"] and settings["distribution"] == {"strategy": "overlap", "min_submitted": 1}
    # Record.to_dict(): fields, metadata, suggestions {question: {value, score, agent}}, responses.
    assert [r["id"] for r in records] == ["T2", "T3"]
    record = records[0]
    assert set(record) == {"id", "fields", "metadata", "suggestions", "responses", "vectors", "status", "_server_id"}
    assert set(record["fields"]) <= set(fields) and record["fields"]["text"] == ROWS[1]["text"]
    assert record["suggestions"]["priority"] == {"value": "High", "score": 0.3, "agent": "fake-adapter"}
    assert set(record["suggestions"]) <= set(questions) and record["metadata"]["min_confidence"] == 0.3


def fill_csv(path, edits: dict[str, dict[str, str]]) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    for row in rows:
        row.update({f"corrected_{k}": v for k, v in edits.get(row["id"], {}).items()})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_csv_round_trip_to_corrections_and_training_rows(files, schema):
    export(files, "csv")
    # A spreadsheet's "low" is the schema's "Low"; T3's reviewer also wrote the summary the model skipped.
    fill_csv(files / "queue.csv", {"T2": {"priority": " low"}, "T3": {"priority": "Medium", "summary": "VPN fails"}})
    db = files / "c.db"
    assert run("import", "--from", files / "queue.csv", "--format", "csv", "--store", db, "--who", "ana") == 0
    with CorrectionStore(db, schema) as store:
        t2, t3 = store.corrections()
    assert (t2.ticket_id, t2.fields, t2.who, t2.source) == ("T2", {"priority": "Low"}, "ana", "review:csv")
    assert t2.original["priority"] == "High" and t2.model == "fake-adapter" and t2.text is None and t2.text_sha256
    assert run("rows", "--store", db, "--out", files / "rows.jsonl") == 2  # no text kept: no training rows
    assert (
        run("import", "--from", files / "queue.csv", "--format", "csv", "--store", db, "--who", "ana", "--keep-text")
        == 0
    )
    assert run("rows", "--store", db, "--out", files / "rows.jsonl") == 0
    (row,) = read_rows(files / "rows.jsonl", schema)  # T2 has no summary: skipped
    assert row["id"] == "T3" and row["text"] == ROWS[2]["text"]
    assert row["label"] == NETWORK | {"priority": "Medium", "request_type": "Incident", "summary": "VPN fails"}


def test_a_bad_reviewed_row_names_file_row_and_field_and_stores_nothing(files, schema, capsys):
    export(files, "csv")
    fill_csv(files / "queue.csv", {"T2": {"priority": "Low"}, "T3": {"priority": "Urgent"}})
    db = files / "c.db"
    assert run("import", "--from", files / "queue.csv", "--format", "csv", "--store", db, "--who", "ana") == 2
    assert "queue.csv row 2 (id T3): priority: 'Urgent' is not one of" in capsys.readouterr().err
    with CorrectionStore(db, schema) as store:
        assert len(store) == 0


def label_studio_export(files, answers: dict[str, list[dict[str, str]]]) -> list[dict]:
    """What Label Studio's JSON export holds: each task with `annotations[].result` (one per reviewer)."""
    tasks = json.loads((files / "label-studio" / "tasks.json").read_text())
    for n, task in enumerate(tasks, 1):
        task["id"] = n
        task["annotations"] = []
        for answer in answers.get(task["data"]["ticket_id"], []):
            result = json.loads(json.dumps(task["predictions"][0]["result"]))
            for region in result:
                region["value"]["choices"] = [answer.get(region["from_name"], region["value"]["choices"][0])]
            task["annotations"].append({"id": n, "completed_by": 1, "result": result, "was_cancelled": False})
    return tasks


def test_label_studio_round_trip(files, schema, capsys):
    export(files, "label-studio")
    exported = label_studio_export(files, {"T2": [{"priority": "Low"}]})  # T3 not reviewed yet
    (files / "ls.json").write_text(json.dumps(exported))
    db = files / "c.db"
    assert run("import", "--from", files / "ls.json", "--format", "label-studio", "--store", db, "--who", "bo") == 0
    with CorrectionStore(db, schema) as store:
        (c,) = store.corrections()
    assert c.ticket_id == "T2" and c.source == "review:label-studio" and c.changed == {"priority": "Low"}
    assert c.fields == NETWORK | {"priority": "Low", "request_type": "Incident"}  # the whole submitted answer
    # Two reviewers who disagree: resolved in Label Studio, not guessed here.
    exported = label_studio_export(files, {"T2": [{"priority": "Low"}, {"priority": "Medium"}]})
    (files / "ls.json").write_text(json.dumps(exported))
    assert run("import", "--from", files / "ls.json", "--format", "label-studio", "--store", db, "--who", "bo") == 2
    assert "task 1 (id 1): priority: reviewers disagree (Low, Medium)" in capsys.readouterr().err


def test_argilla_round_trip(files, schema):
    export(files, "argilla")
    records = json.loads((files / "argilla" / "records.json").read_text())
    # As `dataset.records.to_json` writes them: responses per question, status "completed" once submitted.
    records[0]["responses"] = {
        "priority": [{"value": "Critical", "user_id": "u-1"}],
        "category": [{"value": "Network", "user_id": "u-1"}],
    }
    records[0]["status"] = "completed"
    records[1]["responses"] = {"priority": [{"value": "Low", "user_id": "u-2"}]}  # a draft: still pending
    (files / "reviewed.json").write_text(json.dumps(records))
    db = files / "c.db"
    assert run("import", "--from", files / "reviewed.json", "--format", "argilla", "--store", db, "--who", "cy") == 0
    with CorrectionStore(db, schema) as store:
        (c,) = store.corrections()
    assert c.ticket_id == "T2" and c.fields == {"priority": "Critical", "category": "Network"}
    assert c.original["priority"] == "High" and c.model == "fake-adapter" and c.source == "review:argilla"
