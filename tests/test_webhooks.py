"""POST /v1/webhooks/{system} (inference/service/routes_webhooks.py) end to end: `triage serve`'s app under
uvicorn with the fake engine of test_service.py, the shipped mapping files, and a fake of each help desk's
API on loopback (tests/itsm_fakes.py). A new ticket's webhook leads to the mapped calls and nothing
more (a `review` ticket to the note and its queue only), a replay to none; 429, 5xx, a timeout, 401, a
bad secret, an instance down for a while and the dry run are each covered at least once. Backoffs are
milliseconds here. Verified against these fakes only, never against a live instance."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import time
from contextlib import contextmanager

import httpx
import pytest
from conftest import REPO_ROOT, serve_in_thread, wait_ready
from itsm_fakes import FakeItsm
from test_service import FakeEngine, fake_result, make_app

from inference.service import ServiceSettings, build_parser, settings_from_args
from integrations import outbox as outbox_cli
from integrations.adf import to_adf
from integrations.inbound import extract_ticket
from integrations.mapping import load_mapping
from integrations.outbox import Outbox
from integrations.payloads import build_calls

SECRET = "webhook-secret-for-tests"
HEADERS = {"X-Triage-Webhook-Secret": SECRET}
SYSTEMS = ("servicenow", "jira", "zoho", "sdp")
IDS = {
    "servicenow": "9d385017c611228701d22104cc95c371",
    "jira": "ITSM-42",
    "zoho": "1892000000143237",
    "sdp": "120000000012345",
}
SURE = "sure: VPN drops every ten minutes since this morning"  # the fake engine answers `auto`
UNSURE = "The printer on floor 3 makes a noise"  # ... and `review`


def mapping_file(system: str) -> str:
    name = "zoho_desk" if system == "zoho" else system
    return str(REPO_ROOT / "configs" / "integrations" / f"{name}.yaml")


def webhook_body(system: str, ticket_id: str, subject: str, description: str):
    """A new-ticket webhook body as each system sends it (see integrations/inbound.py)."""
    if system == "servicenow":
        return {"sys_id": ticket_id, "number": "INC0010042", "table": "incident", "short_description": subject,
                "description": description}  # fmt: skip
    if system == "jira":
        fields = {"summary": subject, "description": to_adf(description)}
        return {"webhookEvent": "jira:issue_created", "issue": {"id": "10019", "key": ticket_id, "fields": fields}}
    if system == "zoho":
        ticket = {"id": ticket_id, "subject": subject, "description": f"<div>{description}</div>"}
        return [{"eventType": "Ticket_Add", "orgId": "55555555", "eventTime": "1589444435000", "payload": ticket}]
    return {"request": {"id": ticket_id, "subject": subject, "description": description}}


def credentials(system: str, monkeypatch) -> dict[str, str]:
    """Set the mapping's credential variables; returns the headers the fake then requires (worked out
    here from the auth scheme, independently of integrations/writeback.py)."""
    connection = _connection(system)
    monkeypatch.setenv(connection.secret_env, f"{system}-token")
    if connection.user_env:
        monkeypatch.setenv(connection.user_env, f"{system}-bot")
    basic = base64.b64encode(f"{system}-bot:{system}-token".encode()).decode()
    auth = {
        "basic": lambda: {"Authorization": f"Basic {basic}"},
        "bearer": lambda: {"Authorization": f"Bearer {system}-token"},
        "zoho-oauthtoken": lambda: {"Authorization": f"Zoho-oauthtoken {system}-token"},
        "sdp-authtoken": lambda: {"authtoken": f"{system}-token"},
    }[connection.auth]()
    return {**connection.extra_headers, **auth}


@functools.cache
def _connection(system: str):
    from ticket_triage.schema import load_schema

    return load_mapping(mapping_file(system), load_schema()).connection


@pytest.fixture
def fakes(monkeypatch):
    """A fake of each help desk, its URL and credentials in the environment the mappings name."""
    servers = {}
    for system in SYSTEMS:
        servers[system] = FakeItsm(system, credentials(system, monkeypatch))
        monkeypatch.setenv(_connection(system).base_url_env, servers[system].url)
    yield servers
    for server in servers.values():
        server.close()


@contextmanager
def webhook_service(schema, tmp_path, systems=SYSTEMS, **settings):
    config = {
        "integrations": {s: mapping_file(s) for s in systems},
        "webhook_secret": SECRET,
        "outbox": str(tmp_path / "outbox.sqlite"),
        "write_back": True,
        "writeback_attempts": 3,
        "writeback_backoff_s": 0.02,
        "writeback_max_backoff_s": 0.05,
        "writeback_timeout_s": 2.0,
    } | settings
    with serve_in_thread(make_app(schema, **config)) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert wait_ready(client)["status"] == "ready"
        yield client


def post(client, system, ticket_id, text, headers=HEADERS):
    subject, _, description = text.partition(": ")
    return client.post(f"/v1/webhooks/{system}", json=webhook_body(system, ticket_id, subject, description),
                       headers=headers)  # fmt: skip


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def expected_calls(schema, system: str, ticket_id: str, text: str):
    """What the mapping says this ticket's triage should write: `build_calls` on the fake engine's answer."""
    body = webhook_body(system, ticket_id, *text.partition(": ")[::2])
    ticket = extract_ticket(system, body)  # as the route reads it
    result = fake_result(schema, ticket.text).to_dict()
    return build_calls(load_mapping(mapping_file(system), schema), result, ticket_id=ticket.ticket_id)


def sent(request) -> tuple[str, str, object]:
    return request["method"], request["path"], request.get("json", request.get("form"))


def lookup(body: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(body, dict) or part not in body:
            return None
        body = body[part]
    return body


def update_fields(system: str, call) -> dict:
    """The fields an update call writes, as a (nested) dict."""
    if system == "jira":
        return call.json.get("fields", {})
    if system == "sdp":
        return json.loads(call.form["input_data"])["request"]
    return call.json


# ---- the path of a ticket ---------------------------------------------------------------------------
@pytest.mark.parametrize("system", SYSTEMS)
def test_a_new_ticket_is_written_once_with_its_mapped_fields_a_review_only_noted_a_replay_not_at_all(
    system, fakes, schema, tmp_path
):
    fake, sure_id, unsure_id = fakes[system], IDS[system], IDS[system][:-1] + "9"
    with webhook_service(schema, tmp_path, systems=(system,)) as client:
        r = post(client, system, sure_id, SURE)
        assert r.status_code == 200, r.text
        assert r.json() == {"system": system, "accepted": [_inbound_id(system, sure_id)], "replayed": []}
        auto = expected_calls(schema, system, sure_id, SURE)
        wait_for(lambda: len(fake.accepted) == len(auto))

        # auto: exactly one update call, carrying every mapped field's value; then the note (ServiceNow: in it)
        assert [sent(r) for r in fake.requests] == [(c.method, c.path, c.json or c.form) for c in auto]
        [update] = [c for c in auto if c.action == "update"]
        mapping = load_mapping(mapping_file(system), schema)
        ticket = fake_result(schema, _text(system, sure_id, SURE)).ticket
        written = update_fields(system, update)
        mapped = {t: v for name, f in mapping.fields.items() if name in ticket and "update" in f.when
                  for t, v in f.writes(ticket[name]).items()}  # fmt: skip
        assert mapped and all(lookup(written, t) == v for t, v in mapped.items() if _table_holds(mapping, t))

        # review: the note (and the status's queue or label), none of the mapped fields
        r = post(client, system, unsure_id, UNSURE)
        review = expected_calls(schema, system, unsure_id, UNSURE)
        wait_for(lambda: len(fake.accepted) == len(auto) + len(review))
        assert [sent(r) for r in fake.requests[len(auto) :]] == [(c.method, c.path, c.json or c.form) for c in review]
        assert {c.status for c in review} == {"review"}
        ticket = fake_result(schema, _text(system, unsure_id, UNSURE)).ticket
        for c in review:
            if c.action == "update":
                queue = mapping.statuses["review"].set
                fields = update_fields(system, c)
                for name, f in mapping.fields.items():
                    for t in f.writes(ticket[name]) if name in ticket else ():
                        assert t in queue or lookup(fields, t) is None, f"review wrote {name} as {t}"

        # a replayed webhook: answered, nothing triaged or written again
        count = len(fake.requests)
        r = post(client, system, sure_id, SURE)
        assert r.status_code == 200 and r.json()["replayed"] == [_inbound_id(system, sure_id)]
        time.sleep(0.1)
        assert len(fake.requests) == count


def _inbound_id(system: str, ticket_id: str) -> str:
    return f"incident/{ticket_id}" if system == "servicenow" else ticket_id


def _text(system: str, ticket_id: str, text: str) -> str:
    return extract_ticket(system, webhook_body(system, ticket_id, *text.partition(": ")[::2])).text


def _table_holds(mapping, target: str) -> bool:
    # ServiceNow drops a field the ticket's table lacks (build_calls does; the incident table holds the mapped ones)
    return mapping.tables is None or target.split(".")[0] in mapping.tables.fields[mapping.tables.update]


def test_a_replay_while_the_first_is_still_being_triaged_is_not_triaged_twice(fakes, schema, tmp_path):
    with webhook_service(schema, tmp_path, systems=("jira",)) as client:
        first, second = post(client, "jira", "ITSM-7", SURE), post(client, "jira", "ITSM-7", SURE)
        assert first.json()["accepted"] == ["ITSM-7"] and second.json()["replayed"] == ["ITSM-7"]
        wait_for(lambda: len(fakes["jira"].accepted) == 2)  # the update and the comment, once
        time.sleep(0.1)
        assert len(fakes["jira"].requests) == 2


def test_zoho_delivers_several_events_in_one_body(fakes, schema, tmp_path):
    with webhook_service(schema, tmp_path, systems=("zoho",)) as client:
        events = webhook_body("zoho", "1001", "sure: one", "a") + webhook_body("zoho", "1002", "sure: two", "b")
        events.append({"eventType": "Ticket_Update", "payload": {"id": "1003"}})
        r = client.post("/v1/webhooks/zoho", json=events, headers=HEADERS)
        assert r.json()["accepted"] == ["1001", "1002"]
        wait_for(lambda: len(fakes["zoho"].accepted) == 4)
        assert {r["path"].split("/")[4] for r in fakes["zoho"].accepted} == {"1001", "1002"}


def test_a_failed_triage_is_logged_and_forgotten_so_a_redelivery_is_triaged(fakes, schema, tmp_path, caplog):
    engine = FakeEngine(schema, fail_on="boom")
    with webhook_service(schema, tmp_path, systems=("jira",), engine=engine) as client:
        assert post(client, "jira", "ITSM-9", "sure: boom").json()["accepted"] == ["ITSM-9"]
        wait_for(lambda: "webhook jira ITSM-9: triage failed" in caplog.text)
        assert fakes["jira"].requests == [] and "boom" not in caplog.text  # no ticket text in the log
        engine.fail_on = None  # fixed; the help desk delivers again
        assert post(client, "jira", "ITSM-9", "sure: boom").json()["accepted"] == ["ITSM-9"]
        wait_for(lambda: len(fakes["jira"].accepted) == 2)


# ---- when the help desk misbehaves ------------------------------------------------------------------
def test_429_is_retried_and_succeeds(fakes, schema, tmp_path):
    fakes["zoho"].script = [(429, {"Retry-After": "0"})]
    with webhook_service(schema, tmp_path, systems=("zoho",), writeback_backoff_s=60, writeback_max_backoff_s=60) as c:
        started = time.monotonic()
        post(c, "zoho", IDS["zoho"], SURE)
        wait_for(lambda: len(fakes["zoho"].accepted) == 2)
        assert [r["answer"] for r in fakes["zoho"].requests] == [429, 200, 200]
        assert time.monotonic() - started < 10  # Retry-After's 0 s, not the minute of backoff


def test_5xx_exhausted_is_kept_as_failed_and_replayed_with_triage_outbox_retry(fakes, schema, tmp_path, caplog):
    fakes["sdp"].script = [(500, {}), (502, {}), (500, {})]
    with webhook_service(schema, tmp_path, systems=("sdp",)) as client:
        post(client, "sdp", IDS["sdp"], SURE)
        outbox = Outbox(tmp_path / "outbox.sqlite")
        wait_for(lambda: outbox.calls("failed"))
        assert [r["answer"] for r in fakes["sdp"].requests] == [500, 502, 500]
        assert [(c["state"], c["http_status"], c["attempts"]) for c in outbox.calls()] == [
            ("failed", 500, 3),
            ("failed", None, 0),  # the note waits behind the update it follows
        ]
        assert outbox_cli.main(["retry", "--outbox", str(outbox.path)]) == 0  # the replay command
        wait_for(lambda: [c["state"] for c in outbox.calls()] == ["sent", "sent"])
        assert len(fakes["sdp"].accepted) == 2
    assert "failed, kept in the outbox" in caplog.text


def test_a_hanging_help_desk_times_out_and_the_call_is_retried(fakes, schema, tmp_path):
    fakes["servicenow"].script = ["hang"]
    with webhook_service(schema, tmp_path, systems=("servicenow",), writeback_timeout_s=0.3) as client:
        post(client, "servicenow", IDS["servicenow"], SURE)
        wait_for(lambda: fakes["servicenow"].accepted)
        assert [r["answer"] for r in fakes["servicenow"].requests] == [0, 200]  # 0: no answer, timed out


def test_401_is_a_clear_error_and_the_call_stays_failed(fakes, schema, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("JIRA_API_TOKEN", "revoked")
    with webhook_service(schema, tmp_path, systems=("jira",)) as client:
        post(client, "jira", IDS["jira"], SURE)
        outbox = Outbox(tmp_path / "outbox.sqlite")
        wait_for(lambda: "refused the credentials; check $JIRA_EMAIL and $JIRA_API_TOKEN" in caplog.text)
        assert [r["answer"] for r in fakes["jira"].requests] == [401]  # not retried
        assert [(c["state"], c["http_status"]) for c in outbox.calls()] == [("failed", 401), ("failed", None)]
        assert "revoked" not in caplog.text


def test_a_help_desk_down_for_a_while_loses_no_update(fakes, schema, tmp_path):
    fake = fakes["zoho"]
    fake.go_down()
    with webhook_service(schema, tmp_path, systems=("zoho",), writeback_attempts=100) as client:
        for ticket_id in ("2001", "2002"):
            assert post(client, "zoho", ticket_id, SURE).status_code == 200  # answered while it is down
        outbox = Outbox(tmp_path / "outbox.sqlite")
        wait_for(lambda: len(outbox.calls()) == 4 and min(c["attempts"] for c in outbox.calls()[::2]) >= 3)
        assert {c["state"] for c in outbox.calls()} == {"pending"}  # "a minute" down: waiting, not lost
        fake.come_back()
        wait_for(lambda: {c["state"] for c in outbox.calls()} == {"sent"})
        assert len(fake.accepted) == 4


def test_write_back_off_is_a_dry_run_that_sends_nothing(fakes, schema, tmp_path, caplog):
    caplog.set_level(logging.INFO, "triage.writeback")
    with webhook_service(schema, tmp_path, systems=("sdp",), write_back=False) as client:
        post(client, "sdp", IDS["sdp"], SURE)
        outbox = Outbox(tmp_path / "outbox.sqlite")
        wait_for(lambda: len(outbox.calls("dry-run")) == 2)
        time.sleep(0.1)
    assert fakes["sdp"].requests == []
    assert f"dry run: sdp {IDS['sdp']} PUT /api/v3/requests/{IDS['sdp']}" in caplog.text


def test_a_dry_run_needs_no_credentials_and_write_back_names_the_missing_ones(schema, tmp_path, monkeypatch):
    from integrations.writeback import WriteBackError

    for name in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    config = {"integrations": {"jira": mapping_file("jira")}, "webhook_secret": SECRET, "outbox": str(tmp_path / "o")}
    make_app(schema, **config)  # a dry run starts without them
    with pytest.raises(WriteBackError, match=r"write-back is on for jira, but \$JIRA_URL \(the instance URL\)"):
        make_app(schema, write_back=True, **config)


# ---- the door ---------------------------------------------------------------------------------------
def test_the_door_bad_secret_401_unknown_system_404_bad_body_400_and_nothing_written(fakes, schema, tmp_path):
    with webhook_service(schema, tmp_path, systems=("jira", "zoho")) as client:
        r = client.post("/v1/webhooks/zendesk", json={}, headers=HEADERS)
        assert r.status_code == 404 and "no integration for 'zendesk' (configured: jira, zoho)" in r.json()["message"]
        assert client.post("/v1/webhooks/sdp", json={}, headers=HEADERS).status_code == 404  # not configured
        r = client.post("/v1/webhooks/jira", json={"webhookEvent": "jira:issue_created", "issue": {}}, headers=HEADERS)
        assert r.status_code == 400 and r.json()["message"] == "jira webhook body: issue.key is missing"
        r = client.post("/v1/webhooks/jira", content=b"{not json", headers=HEADERS)
        assert r.status_code == 400 and "not JSON" in r.json()["message"]
        r = client.post("/v1/webhooks/jira", json={"webhookEvent": "jira:issue_updated"}, headers=HEADERS)
        assert r.status_code == 200 and r.json()["accepted"] == []  # not a new ticket: nothing to do

        for headers in ({}, {"X-Triage-Webhook-Secret": "guess"}, {"X-Hub-Signature": "sha256=00"}):
            r = post(client, "zoho", IDS["zoho"], SURE, headers=headers)
            assert r.status_code == 401 and "X-Triage-Webhook-Secret" in r.json()["message"]
        time.sleep(0.1)
        assert fakes["zoho"].requests == [] and Outbox(tmp_path / "outbox.sqlite").calls() == []
        assert Outbox(tmp_path / "outbox.sqlite").claim("zoho", IDS["zoho"])  # never claimed: not seen

        # Jira admin webhooks sign the body with the secret instead (WebSub: X-Hub-Signature)
        body = json.dumps(webhook_body("jira", "ITSM-5", "sure", "signed")).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        r = client.post("/v1/webhooks/jira", content=body, headers={"X-Hub-Signature": signature})
        assert r.status_code == 200 and r.json()["accepted"] == ["ITSM-5"]
        r = client.post("/v1/webhooks/jira", content=body + b" ", headers={"X-Hub-Signature": signature})
        assert r.status_code == 401  # a body changed after signing


def test_a_full_outbox_refuses_webhooks_with_503_rather_than_dropping(fakes, schema, tmp_path):
    fakes["jira"].go_down()
    with webhook_service(schema, tmp_path, systems=("jira",), outbox_max=2, writeback_attempts=100) as client:
        assert post(client, "jira", "ITSM-1", SURE).status_code == 200
        wait_for(lambda: Outbox(tmp_path / "outbox.sqlite").unsent() == 2)  # its update and comment wait
        r = post(client, "jira", "ITSM-2", SURE)
        assert r.status_code == 503 and r.headers["Retry-After"] and "outbox" in r.json()["message"]
        fakes["jira"].come_back()
        wait_for(lambda: Outbox(tmp_path / "outbox.sqlite").unsent() == 0)
        assert post(client, "jira", "ITSM-2", SURE).status_code == 200  # the help desk's retry gets in


def test_without_integrations_the_route_is_404_and_nothing_else_changes(schema):
    from fastapi.testclient import TestClient

    with TestClient(make_app(schema)) as client:
        r = client.post("/v1/webhooks/jira", json={}, headers=HEADERS)
        assert r.status_code == 404 and "configured: none" in r.json()["message"]


# ---- settings and flags -----------------------------------------------------------------------------
def test_webhook_settings_from_flags_the_environment_and_a_secret_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("# the shared secret\nfrom-a-file\n")
    args = build_parser().parse_args(
        ["--integration", "jira=j.yaml", "--integration", "zoho=z.yaml", "--webhook-secret-file", str(secret),
         "--outbox", "o.sqlite", "--write-back", "--writeback-attempts", "4"]
    )  # fmt: skip
    settings = settings_from_args(args)
    assert settings.integrations == {"jira": "j.yaml", "zoho": "z.yaml"}
    assert settings.webhook_secret.get_secret_value() == "from-a-file" and "from-a-file" not in repr(settings)
    assert (settings.outbox, settings.write_back, settings.writeback_attempts) == ("o.sqlite", True, 4)
    assert settings_from_args(build_parser().parse_args([])).write_back is False  # a dry run unless asked

    monkeypatch.setenv("TRIAGE_INTEGRATIONS", "sdp=s.yaml, servicenow=n.yaml")
    monkeypatch.setenv("TRIAGE_WEBHOOK_SECRET", "from-the-env")
    settings = ServiceSettings()
    assert settings.integrations == {"sdp": "s.yaml", "servicenow": "n.yaml"}
    assert settings.webhook_secret.get_secret_value() == "from-the-env"


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"integrations": {"jira": "j.yaml"}}, "webhooks need a shared secret"),
        ({"integrations": {"zendesk": "z.yaml"}, "webhook_secret": "s"}, "unknown system 'zendesk'"),
        ({"integrations": "jira"}, "expected SYSTEM=MAPPING_FILE"),
        ({"writeback_backoff_s": 0}, "writeback_backoff_s must be positive"),
    ],
)
def test_impossible_webhook_settings_are_refused(config, says, monkeypatch):
    monkeypatch.delenv("TRIAGE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ValueError, match=says):
        ServiceSettings(**config)


def test_a_bad_mapping_file_stops_the_service_with_one_line(schema, tmp_path):
    from integrations.mapping import MappingError

    bad = tmp_path / "jira.yaml"
    bad.write_text("system: jira\n")
    with pytest.raises(MappingError, match=r"jira\.yaml: connection: missing"):
        make_app(schema, integrations={"jira": str(bad)}, webhook_secret=SECRET, outbox=str(tmp_path / "o.sqlite"))
