"""POST /v1/feedback (inference/service/routes_feedback.py): a correction through the service lands in
the corrections store, checked against the schema, behind the API keys, and becomes a training row."""

from __future__ import annotations

from conftest import wait_ready
from fastapi.testclient import TestClient
from test_service import FakeEngine, fake_result, make_app

from feedback.store import CorrectionStore, to_training_rows


def test_a_correction_round_trips_through_the_service_into_training_rows(schema, tmp_path):
    store = tmp_path / "corrections.db"
    app = make_app(schema, FakeEngine(schema), feedback_store=str(store), feedback_keep_text=True)
    text = "VPN drops every ten minutes since this morning"
    with TestClient(app) as c:
        wait_ready(c)
        answer = c.post("/v1/triage", json={"text": text, "id": "INC-7"}).json()["results"][0]
        right = fake_result(schema, "sure: printer jams on floor 3").ticket  # another, consistent ticket
        fields = {name: right[name] for name in ("category", "subcategory", "assignment_group")}
        r = c.post(
            "/v1/feedback",
            json={"id": "INC-7", "fields": fields, "who": "ana", "original": answer["ticket"], "text": text},
        )
        assert r.status_code == 201, r.text
        assert r.json()["stored"] == 1 and r.json()["changed"] == {
            k: v for k, v in fields.items() if answer["ticket"][k] != v
        }
    with CorrectionStore(store, schema) as kept:
        [correction] = kept.corrections()
    assert (correction.ticket_id, correction.who, correction.source) == ("INC-7", "ana", "api")
    assert correction.model == "fake-engine" and correction.model_version == "v-test"
    rows, skipped = to_training_rows([correction], schema)
    assert not skipped and rows[0]["text"] == text and rows[0]["label"]["category"] == fields["category"]


def test_a_correction_the_schema_refuses_is_a_422_naming_the_field_and_nothing_is_stored(schema, tmp_path):
    store = tmp_path / "corrections.db"
    with TestClient(make_app(schema, feedback_store=str(store))) as c:
        wait_ready(c)
        r = c.post("/v1/feedback", json={"id": "INC-8", "fields": {"priority": "Whenever"}, "who": "ana"})
        assert r.status_code == 422 and "priority" in r.json()["message"], r.text
        r = c.post("/v1/feedback", json={"id": "INC-8", "fields": {"colour": "red"}, "who": "ana"})
        assert r.status_code == 422 and "colour" in r.json()["message"], r.text
    with CorrectionStore(store, schema) as kept:
        assert len(kept) == 0


def test_feedback_is_off_without_a_store_and_behind_the_api_keys(schema, tmp_path):
    body = {"id": "INC-9", "fields": {"priority": "High"}, "who": "ana"}
    with TestClient(make_app(schema)) as c:
        wait_ready(c)
        r = c.post("/v1/feedback", json=body)
        assert r.status_code == 404 and "--feedback-store" in r.json()["message"]
    app = make_app(schema, feedback_store=str(tmp_path / "c.db"), api_keys=frozenset({"k1"}))
    with TestClient(app) as c:
        wait_ready(c)
        assert c.post("/v1/feedback", json=body).status_code == 401
        assert c.post("/v1/feedback", json=body, headers={"Authorization": "Bearer k1"}).status_code == 201
