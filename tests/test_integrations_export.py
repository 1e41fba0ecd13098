"""`triage export` against golden payloads written by hand from each system's API reference
(tests/fixtures/integrations/<system>_{update,create}.json; the references are in each mapping file's
header), and the rules a payload must keep: ServiceNow's impact x urgency, Jira's ADF, review writes only
the note and the queue, a catalog item gets no incident fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.export import main as export_main
from integrations.mapping import load_mapping, parse_mapping
from integrations.payloads import CREATED_ID, build_calls
from ticket_triage.dataset import DataError
from ticket_triage.schema import load_schema
from triage.cli import main as triage_main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "integrations"
RESULTS = FIXTURES / "results.jsonl"
SCHEMA = load_schema()
# system -> (mapping file, the results key holding that system's ticket ids)
SYSTEMS = {
    "servicenow": ("servicenow.yaml", "servicenow_id"),
    "jira": ("jira.yaml", "jira_key"),
    "zoho": ("zoho_desk.yaml", "zoho_id"),
    "sdp": ("sdp.yaml", "sdp_id"),
}


def mapping_path(system: str) -> str:
    return str(ROOT / "configs" / "integrations" / SYSTEMS[system][0])


def mapping(system: str):
    return load_mapping(mapping_path(system), SCHEMA)


def results() -> list[dict]:
    return [json.loads(line) for line in RESULTS.read_text().splitlines()]


def export(tmp_path, system: str, *flags: str) -> list[dict]:
    out = tmp_path / "calls.jsonl"
    assert (
        export_main(["--to", system, "--mapping", mapping_path(system), "--out", str(out), *flags, str(RESULTS)]) == 0
    )
    return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.mark.parametrize("system", SYSTEMS)
def test_update_payloads_match_the_golden_file(tmp_path, system):
    got = export(tmp_path, system, "--id-field", SYSTEMS[system][1])
    assert got == json.loads((FIXTURES / f"{system}_update.json").read_text())


@pytest.mark.parametrize("system", SYSTEMS)
def test_create_payloads_match_the_golden_file(tmp_path, system):
    got = export(tmp_path, system, "--create", "--texts", str(FIXTURES / "tickets.jsonl"))
    assert got == json.loads((FIXTURES / f"{system}_create.json").read_text())


def test_the_triage_command_runs_export_and_skips_error_lines(tmp_path, capsys):
    code = triage_main(
        ["export", "--to", "jira", "--mapping", mapping_path("jira"), "--id-field", "jira_key", str(RESULTS)]
    )
    out, err = capsys.readouterr()
    assert code == 0
    calls = [json.loads(line) for line in out.splitlines()]
    assert [c["ref"] for c in calls] == ["t1", "t1", "t2", "t2", "t3", "t3"]  # input order; t4 was an error row
    assert "6 jira call(s) (3 update, 3 note)" in err and "skipped 1 error line(s)" in err


# ---- ServiceNow: priority is derived from impact x urgency --------------------------------------------------
# The base system's priority lookup rules (see configs/integrations/servicenow.yaml for the references).
SNOW_PRIORITY = {
    ("1 - High", "1 - High"): "1 - Critical", ("1 - High", "2 - Medium"): "2 - High",
    ("1 - High", "3 - Low"): "3 - Moderate", ("2 - Medium", "1 - High"): "2 - High",
    ("2 - Medium", "2 - Medium"): "3 - Moderate", ("2 - Medium", "3 - Low"): "4 - Low",
    ("3 - Low", "1 - High"): "3 - Moderate", ("3 - Low", "2 - Medium"): "4 - Low",
    ("3 - Low", "3 - Low"): "5 - Planning",
}  # fmt: skip


def result(status: str = "auto", **ticket: str) -> dict:
    base = {"category": "Network", "subcategory": "VPN", "priority": "High", "assignment_group": "Network Operations"}
    base |= {"request_type": "Incident", "summary": "VPN drops"} | ticket
    confidence = {name: 0.9 for name in base if name != "summary"}
    return {"ticket": base, "confidence": confidence, "alternatives": {}, "status": status, "reasons": [], "model": ""}


@pytest.mark.parametrize(
    ("priority", "servicenow_priority"),
    [("Critical", "1 - Critical"), ("High", "2 - High"), ("Medium", "3 - Moderate"), ("Low", "4 - Low")],
)
def test_servicenow_writes_impact_and_urgency_that_derive_the_same_priority(priority, servicenow_priority):
    (call,) = build_calls(
        mapping("servicenow"), result(priority=priority), ticket_id="9d385017c611228701d22104cc95c371"
    )
    body = call.json
    assert "priority" not in body  # read-only on the incident form: the instance derives it
    assert SNOW_PRIORITY[(body["impact"], body["urgency"])] == servicenow_priority


def test_servicenow_catalog_item_update_gets_no_incident_fields():
    (call,) = build_calls(mapping("servicenow"), result(), ticket_id="sc_req_item/a1b2c3d4e5f60718293a4b5c6d7e8f90")
    assert call.path.startswith("/api/now/table/sc_req_item/a1b2c3d4e5f60718293a4b5c6d7e8f90?")
    assert set(call.json) == {"impact", "urgency", "assignment_group", "work_notes"}


def test_servicenow_update_of_an_unlisted_table_is_an_error():
    with pytest.raises(DataError, match="table 'problem' is not in"):
        build_calls(mapping("servicenow"), result(), ticket_id="problem/a1b2c3d4e5f60718293a4b5c6d7e8f90")


# ---- Jira: ADF, labels added, the comment internal ---------------------------------------------------------
def test_jira_create_description_is_an_adf_document_and_the_comment_follows_the_create():
    create, comment = build_calls(mapping("jira"), result(), text="VPN drops\n\nsince Monday")
    assert create.json["fields"]["description"] == {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "VPN drops"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "since Monday"}]},
        ],
    }
    assert comment.path == f"/rest/api/3/issue/{CREATED_ID}/comment" and comment.action == "note"
    assert comment.json["body"]["type"] == "doc"


def test_review_writes_only_the_note_and_the_queue():
    for system in SYSTEMS:
        auto = build_calls(mapping(system), result("auto"), ticket_id="1001")
        review = build_calls(mapping(system), result("review"), ticket_id="1001")
        text = json.dumps([c.to_dict() for c in review])
        assert "Network Operations (0.90)" in text  # the note names the prediction ...
        assert len(json.dumps([c.to_dict() for c in auto])) > len(text)  # ... but fewer fields are written
        for call in review:
            if call.action != "note":  # the note carries the prediction; the written fields must not
                body = call.json or json.loads(call.form["input_data"])
                body = {k: v for k, v in body.items() if k != "work_notes"}
                assert "Network Operations" not in json.dumps(body), (system, body)


# ---- inputs that are wrong -------------------------------------------------------------------------------
def test_to_must_match_the_mapping(tmp_path):
    with pytest.raises(DataError, match="the mapping is for 'jira', but --to is 'sdp'"):
        export_main(["--to", "sdp", "--mapping", mapping_path("jira"), str(RESULTS)])


def test_bad_lines_are_named_by_file_and_line(tmp_path):
    bad = tmp_path / "results.jsonl"
    good = results()[0]
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "status": "maybe"}),
        json.dumps({**good, "ticket": {**good["ticket"], "priority": "Urgent"}}),
        json.dumps(good["ticket"]),  # a --ticket-only line
        json.dumps({**good, "jira_key": "IT 1/../x"}),
    ]
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        export_main(["--to", "jira", "--mapping", mapping_path("jira"), "--id-field", "jira_key", str(bad)])
    message = str(info.value)
    assert message.startswith(f"5 bad line(s) in {bad}:")
    assert f"{bad}:2: not JSON" in message
    assert f"{bad}:3: status: must be one of ['auto', 'review'], got 'maybe'" in message
    assert f"{bad}:4: ticket.priority:" in message and "Urgent" in message
    assert f"{bad}:5: not a triage result" in message
    assert f"{bad}:6: ticket id 'IT 1/../x': not an id of jira" in message


def test_a_create_needs_a_text_or_a_summary():
    no_summary = result()
    del no_summary["ticket"]["summary"]
    with pytest.raises(DataError, match="a create needs the ticket's text"):
        build_calls(mapping("zoho"), no_summary)
    (create, _) = build_calls(mapping("zoho"), result())  # the summary stands in for the subject
    assert create.json["subject"] == "VPN drops" and "description" not in create.json


def test_confidence_can_go_to_a_custom_field():
    data = json.loads(json.dumps(mapping_data("zoho_desk.yaml")))
    data["note"]["confidence_to"] = "cf.cf_triage_confidence"
    zoho = parse_mapping(data, SCHEMA, "zoho_desk.yaml")
    low = result()
    low["confidence"]["priority"] = 0.42
    update, _ = build_calls(zoho, low, ticket_id="4000000123001")
    assert update.json["cf"] == {"cf_triage_confidence": 0.42}


def mapping_data(name: str) -> dict:
    import yaml

    return yaml.safe_load((ROOT / "configs" / "integrations" / name).read_text())


def test_triage_prints_a_bad_mapping_as_one_error_line_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "jira.yaml"
    bad.write_text(Path(mapping_path("jira")).read_text().replace("Critical: {name: Highest}", "Critical: Highest"))
    assert triage_main(["export", "--to", "jira", "--mapping", str(bad), str(RESULTS)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith(f"triage export: error: {bad}: fields.priority.values.Critical: must name one record")
