"""`triage serve` (inference/service.py): the API's contract, limits, faults, access, metrics and drift.

Most tests put `FakeEngine` behind the real app, where the fake is the point: its answers are a
function of the ticket text (so a response can be matched to its request), and it can block or fail
on demand (so queueing and failure handling are testable). The tests at the end run the real engine
on the shipped adapter, and one starts the service the way `triage serve` does with a broken model path.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, serve_in_thread, wait_ready
from fastapi.testclient import TestClient

from inference.drift import write_reference
from inference.engine import TriageResult
from inference.service import (
    API_KEYS_ENV,
    LoadedModel,
    ServiceConfig,
    build_parser,
    config_from_args,
    create_app,
    load_for_service,
    read_api_keys,
)
from ticket_triage.models import SHIPPED_ADAPTER, folder_version

VPN = {"subject": "VPN down", "description": "The VPN drops every ten minutes since this morning."}


class FakeEngine:
    """The engine's interface; answers derive from a CRC of the text. `gate` blocks, `fail_on` raises."""

    def __init__(self, schema, gate: threading.Event | None = None, fail_on: str | None = None):
        self.schema, self.name = schema, "fake-engine"
        self.gate, self.fail_on = gate, fail_on
        self.calls: list[tuple[int, bool]] = []  # (tickets, classification_only) per predict_batch

    def predict_batch(self, texts, classification_only=False, progress=False, batch_size=16):
        self.calls.append((len(texts), classification_only))
        if self.gate is not None:
            assert self.gate.wait(30), "test gate never opened"
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("simulated engine failure")
        return [fake_result(self.schema, t, classification_only) for t in texts]


def fake_result(schema, text: str, classification_only: bool = False) -> TriageResult:
    chosen, confidence, alternatives = {}, {}, {}
    for f in schema.fields:
        if f.type == "text":
            if not classification_only:
                chosen[f.name] = text[: f.max_length].strip() or "x"
            continue
        options = schema.allowed_values(f.name, chosen)
        pick = options[zlib.crc32(text.encode()) % len(options)]
        chosen[f.name] = pick
        confidence[f.name] = 0.9 if "sure" in text else 0.3
        others = [o for o in options if o != pick][:2]
        alternatives[f.name] = [{"value": pick, "probability": confidence[f.name]}] + [
            {"value": o, "probability": round((1 - confidence[f.name]) / max(1, len(others)), 4)} for o in others
        ]
    status = "auto" if "sure" in text else "review"
    reasons = [] if status == "auto" else ["category: low confidence 0.30 < 0.60"]
    return TriageResult(chosen, confidence, alternatives, status, reasons, timing_ms=1.0, model="fake-engine")


def expected_category(text: str, schema) -> str:
    return fake_result(schema, text).ticket["category"]


def make_app(schema, engine=None, reference=None, **config):
    engine = engine or FakeEngine(schema)
    return create_app(
        schema,
        ServiceConfig(**config),
        lambda: LoadedModel(engine, "v-test", reference, "reference.jsonl" if reference else ""),
    )


@pytest.fixture
def client(schema):
    with TestClient(make_app(schema)) as c:
        assert wait_ready(c)["status"] == "ready"
        yield c


# ---- the contract ---------------------------------------------------------------------------------
def test_one_ticket_by_text_or_subject_and_description(client, schema):
    for body, text in (
        ({"text": "Outlook crashes"}, "Outlook crashes"),
        (VPN, VPN["subject"] + "\n" + VPN["description"]),  # joined as the importer joins them
        ({"description": "  only a body  "}, "only a body"),
    ):
        r = client.post("/v1/triage", json=body)
        assert r.status_code == 200, r.text
        out = r.json()
        [result] = out["results"]
        assert result["ticket"] == fake_result(schema, text).ticket
        schema.validate(result["ticket"])
        assert set(result["confidence"]) == {f.name for f in schema.enum_fields}
        assert result["status"] == "review" and result["reasons"]
        assert out["model"] == "fake-engine" and out["model_version"] == "v-test"
        assert set(out["timing"]) == {"queue_ms", "inference_ms", "total_ms", "batch_size"}
        assert out["timing"]["total_ms"] >= out["timing"]["inference_ms"] >= 0


def test_a_batch_comes_back_in_order_and_classification_only_has_no_summary(client, schema):
    texts = [f"sure: ticket number {i} about something" for i in range(10)]
    r = client.post("/v1/triage", json={"tickets": [{"text": t} for t in texts], "classification_only": True})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [res["ticket"]["category"] for res in results] == [expected_category(t, schema) for t in texts]
    assert all("summary" not in res["ticket"] and res["status"] == "auto" for res in results)


def test_schema_route_and_openapi_derive_from_the_schema(client, schema):
    assert client.get("/v1/schema").json() == schema.json_schema()
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["Ticket"]["properties"]["category"]["enum"] == list(
        schema.get_field("category").values
    )
    assert client.get("/docs").status_code == 200


def test_simple_client_routes(client, schema):
    text = "sure: the printer on floor 3 jams"
    assert client.post("/classify", json={"ticket": text}).json() == {"category": expected_category(text, schema)}
    out = client.post("/predict", json={"subject": "sure: the printer", "description": "on floor 3 jams"}).json()
    assert out["category"] == expected_category("sure: the printer\non floor 3 jams", schema)
    assert out["confidence"] == 0.9 and out["requires_review"] is False and out["model_version"] == "v-test"
    assert [o["category"] for o in out["top_3"]][0] == out["category"] and len(out["top_3"]) == 3


def test_page_is_served(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="triage-form"' in r.text and "v1/triage" in r.text


# ---- bad input: each gets its status and names the field --------------------------------------------
BAD_INPUTS = [
    # (route, raw body or JSON, status, field named)
    ("/v1/triage", b'{"text": "VPN', 400, "body"),
    ("/v1/triage", {"text": 42}, 422, "text"),
    ("/v1/triage", {"text": "ok", "classification_only": "yes"}, 422, "classification_only"),
    ("/v1/triage", {"text": "   \n "}, 422, "body"),
    ("/v1/triage", {}, 422, "body"),
    ("/v1/triage", {"subject": " ", "description": ""}, 422, "body"),
    ("/v1/triage", {"text": "a", "subject": "b"}, 422, "body"),
    ("/v1/triage", {"text": "a", "tickets": [{"text": "b"}]}, 422, "body"),
    ("/v1/triage", {"tickets": []}, 422, "tickets"),
    ("/v1/triage", {"tickets": [{"text": "fine"}, {"text": ""}]}, 422, "tickets[1]"),
    ("/v1/triage", {"tickets": [{"text": "fine"}, {"txt": "typo"}]}, 422, "tickets[1].txt"),
    ("/v1/triage", {"text": "ok", "priority": "High"}, 422, "priority"),
    ("/v1/triage", {"text": "x" * 2001}, 413, "body"),
    ("/v1/triage", {"tickets": [{"text": "fine"}, {"description": "x" * 2001}]}, 413, "tickets[1]"),
    ("/v1/triage", {"tickets": [{"text": f"t{i}"} for i in range(9)]}, 413, "tickets"),
    ("/v1/triage", b"[1, 2]", 422, "body"),
    ("/classify", {"ticket": ""}, 422, "body"),
    ("/classify", {"text": "wrong key"}, 422, "ticket"),
    ("/classify", {"ticket": "x" * 2001}, 413, "ticket"),
    ("/predict", {"subject": None, "description": None}, 422, "body"),
    ("/predict", {"subject": 1}, 422, "subject"),
]


@pytest.mark.parametrize(
    ("route", "body", "status", "field"),
    BAD_INPUTS,
    ids=[f"{r}-{s}-{f}-{i}" for i, (r, _, s, f) in enumerate(BAD_INPUTS)],
)
def test_bad_input_gets_a_clear_4xx_naming_the_field(schema, route, body, status, field):
    app = make_app(schema, max_text_chars=2000, max_request_tickets=8, max_queue=8)
    with TestClient(app) as c:
        wait_ready(c)
        if isinstance(body, bytes):
            r = c.post(route, content=body, headers={"content-type": "application/json"})
        else:
            r = c.post(route, json=body)
    assert r.status_code == status, r.text
    out = r.json()
    assert field in [e["field"] for e in out["detail"]], out
    assert out["message"] and all(e["msg"] for e in out["detail"])
    assert "x" * 100 not in r.text  # the ticket text is never echoed back


def test_a_huge_ticket_list_is_refused_by_its_length_before_any_ticket_is_validated(schema):
    # Regression: {"tickets": [{}, ... x100000]} (300 KB) was validated ticket by ticket, blocking the
    # event loop ~37 s, and answered with 100,000 errors (21.8 MB) before the 64-ticket limit was checked.
    with TestClient(make_app(schema, max_request_tickets=8, max_queue=8)) as c:
        wait_ready(c)
        body = '{"tickets": [' + ", ".join(["{}"] * 100_000) + "]}"
        r = c.post("/v1/triage", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert r.json()["detail"] == [
            {
                "loc": ["body", "tickets"],
                "field": "tickets",
                "msg": "100000 tickets; at most 8 per request",
                "type": "too_many_tickets",
            }
        ]
        # Within the limit, a request with many problems lists the first 20 and counts the rest.
        r = c.post("/v1/triage", json={"tickets": [{"txt": "a", "body": "b", "title": "c"}] * 8})
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert len(detail) == 21 and detail[-1]["msg"].startswith("... and ") and "more errors" in detail[-1]["msg"]


def test_body_over_the_byte_limit_is_refused_before_it_is_read(schema):
    with serve_in_thread(make_app(schema, max_body_bytes=1000)) as url, httpx.Client(base_url=url) as c:
        wait_ready(c)
        declared = c.post("/v1/triage", json={"text": "y" * 5000})
        assert declared.status_code == 413 and "limit" in declared.json()["message"]

        def chunks():  # no Content-Length: counted as it arrives
            yield b'{"text": "'
            for _ in range(20):
                yield b"z" * 100
            yield b'"}'

        chunked = c.post("/v1/triage", content=chunks(), headers={"content-type": "application/json"})
        assert chunked.status_code == 413
        assert c.post("/v1/triage", json={"text": "small"}).status_code == 200


# ---- access ----------------------------------------------------------------------------------------
def test_api_keys_are_required_when_configured(schema):
    with TestClient(make_app(schema, api_keys=frozenset({"k-one", "k-two"}))) as c:
        wait_ready(c)
        missing = c.post("/v1/triage", json={"text": "hi"})
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in missing.json()["message"]
        assert c.post("/v1/triage", json={"text": "hi"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics").status_code == 401 and c.get("/v1/schema").status_code == 401
        ok = c.post("/v1/triage", json={"text": "hi"}, headers={"Authorization": "Bearer k-two"})
        assert ok.status_code == 200
        for open_route in ("/healthz", "/readyz", "/", "/docs"):  # probes, the page and docs stay open
            assert c.get(open_route).status_code == 200


def test_api_keys_come_from_the_environment_and_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv(API_KEYS_ENV, " a1 , b2 ,")
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# team keys\nc3\n\n  d4  \n")
    assert read_api_keys(None) == {"a1", "b2"}
    assert read_api_keys(str(keys_file)) == {"a1", "b2", "c3", "d4"}
    with pytest.raises(SystemExit, match="no-such-file"):
        read_api_keys(str(tmp_path / "no-such-file"))


def test_cors_is_off_by_default_and_on_for_named_origins(schema):
    origin = {"Origin": "https://itsm.example.com"}
    with TestClient(make_app(schema)) as c:
        wait_ready(c)
        assert "access-control-allow-origin" not in c.get("/healthz", headers=origin).headers
    with TestClient(make_app(schema, cors_origins=("https://itsm.example.com",))) as c:
        wait_ready(c)
        assert c.get("/healthz", headers=origin).headers["access-control-allow-origin"] == origin["Origin"]
        assert (
            "access-control-allow-origin" not in c.get("/healthz", headers={"Origin": "https://evil.example"}).headers
        )


def test_config_rejects_impossible_limits():
    with pytest.raises(ValueError, match="max_request_tickets"):
        ServiceConfig(max_request_tickets=100, max_queue=10)
    with pytest.raises(ValueError, match="max_batch_size"):
        ServiceConfig(max_batch_size=0)


# ---- faults ----------------------------------------------------------------------------------------
def test_model_that_fails_to_load_keeps_the_process_up_with_the_reason(schema):
    def broken():
        raise FileNotFoundError("adapter folder /models/gone does not exist")

    with TestClient(create_app(schema, ServiceConfig(), broken)) as c:
        body = wait_ready(c)
        assert body["status"] == "failed" and "/models/gone" in body["reason"]
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "Retry-After" in ready.headers
        r = c.post("/v1/triage", json={"text": "VPN down"})
        assert r.status_code == 503 and "/models/gone" in r.json()["message"]
        assert "triage_model_ready 0.0" in c.get("/metrics").text


def test_engine_failure_is_a_500_with_an_error_id_and_the_worker_goes_on(schema, caplog):
    engine = FakeEngine(schema, fail_on="boom")
    with TestClient(make_app(schema, engine=engine)) as c:
        wait_ready(c)
        with caplog.at_level(logging.ERROR, logger="triage.serve"):
            r = c.post("/v1/triage", json={"text": "boom goes the ticket"})
        assert r.status_code == 500 and "error id" in r.json()["message"]
        error_id = r.json()["message"].split("error id ")[1].split()[0]
        assert error_id in caplog.text and "boom goes the ticket" not in caplog.text
        assert c.post("/v1/triage", json={"text": "fine afterwards"}).status_code == 200
        assert "triage_batch_failures_total 1.0" in c.get("/metrics").text


def test_a_ticket_that_fails_the_engine_fails_alone_not_its_batch(schema):
    # Regression: one bad ticket failed every request batched with it (all 7 got 500, one error id).
    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate, fail_on="boom")
    app = make_app(schema, engine=engine, max_batch_size=8, batch_window_ms=1000)
    texts = ["printer jams", "boom goes the ticket", "VPN down", "new laptop please"]
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        with ThreadPoolExecutor(8) as pool:
            first = pool.submit(c.post, "/v1/triage", json={"text": "holds the engine"})
            _wait_for(lambda: len(engine.calls) == 1)
            pending = [pool.submit(c.post, "/v1/triage", json={"text": t}) for t in texts]
            _wait_for(lambda: "triage_queue_tickets 4.0" in c.get("/metrics").text)
            gate.set()
            responses = [f.result() for f in pending]
            assert first.result().status_code == 200
        assert engine.calls[1] == (4, False)  # the four shared one batch, which failed ...
        assert [n for n, _ in engine.calls[2:]] == [1, 1, 1, 1]  # ... and were retried one by one
        assert [r.status_code for r in responses] == [200, 500, 200, 200]
        for text, r in zip(texts, responses):
            if r.status_code == 200:
                assert r.json()["results"][0]["ticket"]["category"] == expected_category(text, schema)


def test_a_ticket_that_is_not_unicode_is_a_422_naming_the_field(client):
    # Regression: a lone surrogate passed validation and raised TypeError in the tokenizer.
    for body, field in (
        (r'{"text": "vpn \ud800 down"}', "text"),  # JSON escapes, as a client sends them
        (r'{"subject": "vpn", "description": "down \udc80"}', "description"),
        (r'{"tickets": [{"text": "ok"}, {"text": "\ud800"}]}', "text"),
    ):
        r = client.post("/v1/triage", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, body
        assert f"{field}: character" in r.text and "surrogate" in r.text


def test_an_engine_that_breaks_its_contract_is_a_500_not_a_hang(schema):
    class ShortEngine(FakeEngine):
        def predict_batch(self, texts, **kwargs):
            results = super().predict_batch(texts, **kwargs)
            return results[:-1] if any("drop" in t for t in texts) else results

    with TestClient(make_app(schema, engine=ShortEngine(schema))) as c:
        wait_ready(c)
        assert c.post("/v1/triage", json={"text": "drop me"}).status_code == 500
        assert c.post("/v1/triage", json={"text": "still served"}).status_code == 200


def test_full_queue_answers_503_with_retry_after_then_recovers(schema):
    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate)
    app = make_app(schema, engine=engine, max_batch_size=1, max_queue=2, max_request_tickets=2, batch_window_ms=0)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        with ThreadPoolExecutor(4) as pool:
            first = pool.submit(c.post, "/v1/triage", json={"text": "in flight"})
            _wait_for(lambda: len(engine.calls) == 1)  # the worker holds it; the queue is empty again
            queued = [pool.submit(c.post, "/v1/triage", json={"text": f"queued {i}"}) for i in range(2)]
            _wait_for(lambda: "triage_queue_tickets 2.0" in c.get("/metrics").text)
            refused = c.post("/v1/triage", json={"text": "one too many"})
            assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
            assert "busy" in refused.json()["message"]
            gate.set()
            assert [f.result().status_code for f in [first, *queued]] == [200, 200, 200]
        assert c.post("/v1/triage", json={"text": "after the rush"}).status_code == 200
        assert 'triage_rejected_tickets_total{reason="queue_full"} 1.0' in c.get("/metrics").text


def _wait_for(condition, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


# ---- micro-batching ----------------------------------------------------------------------------------
def test_concurrent_requests_are_micro_batched_and_each_gets_its_own_answer(schema):
    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate)
    app = make_app(schema, engine=engine, max_batch_size=8, batch_window_ms=1000)
    texts = [f"ticket {i}: something about VPN and printers" for i in range(15)]
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        with ThreadPoolExecutor(16) as pool:
            first = pool.submit(c.post, "/v1/triage", json={"text": "holds the engine"})
            _wait_for(lambda: len(engine.calls) == 1)
            # While the engine is busy, concurrent requests queue up and become the next batches.
            pending = [pool.submit(c.post, "/v1/triage", json={"text": t}) for t in texts]
            _wait_for(lambda: "triage_queue_tickets 15.0" in c.get("/metrics").text)
            gate.set()
            responses = [f.result() for f in pending]
            assert first.result().status_code == 200
        assert [n for n, _ in engine.calls] == [1, 8, 7]  # never more than --batch-size
        for text, r in zip(texts, responses):  # no answer goes to the wrong request
            assert r.status_code == 200
            assert r.json()["results"][0]["ticket"]["category"] == expected_category(text, schema)
        assert sorted(r.json()["timing"]["batch_size"] for r in responses) == [7] * 7 + [8] * 8
        # Under concurrent load (the last batch had company), a new ticket waits up to the window for
        # the next one: two requests 0.3 s apart share one batch.
        with ThreadPoolExecutor(2) as pool:
            a = pool.submit(c.post, "/v1/triage", json={"text": "first of two"})
            threading.Event().wait(0.3)
            b = pool.submit(c.post, "/v1/triage", json={"text": "second of two"})
            assert a.result().status_code == b.result().status_code == 200
        assert engine.calls[-1] == (2, False)
        metrics = c.get("/metrics").text
    assert "triage_batch_size_count 4.0" in metrics and "triage_batch_size_sum 18.0" in metrics


def test_a_lone_client_does_not_wait_for_the_window(schema):
    with TestClient(make_app(schema, batch_window_ms=5000)) as c:
        wait_ready(c)
        for _ in range(3):  # one request at a time: no company is coming, so no 5 s wait
            timing = c.post("/v1/triage", json={"text": "VPN down"}).json()["timing"]
            assert timing["queue_ms"] < 1000 and timing["batch_size"] == 1


def test_full_and_classification_only_tickets_in_one_batch_take_one_engine_call_each(schema):
    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate)
    with serve_in_thread(make_app(schema, engine=engine)) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        with ThreadPoolExecutor(5) as pool:
            first = pool.submit(c.post, "/v1/triage", json={"text": "holds the engine"})
            _wait_for(lambda: len(engine.calls) == 1)
            bodies = [{"text": f"t{i}", "classification_only": i % 2 == 0} for i in range(4)]
            pending = [pool.submit(c.post, "/v1/triage", json=b) for b in bodies]
            _wait_for(lambda: "triage_queue_tickets 4.0" in c.get("/metrics").text)
            gate.set()  # the four waiting tickets form the next batch
            responses = [f.result() for f in pending]
            assert first.result().status_code == 200
    assert sorted(engine.calls[1:]) == [(2, False), (2, True)]
    for body, r in zip(bodies, responses):
        assert ("summary" in r.json()["results"][0]["ticket"]) is not body["classification_only"]


# ---- observability ------------------------------------------------------------------------------------
def test_metrics_count_requests_statuses_labels_and_batches(client, schema):
    client.post("/v1/triage", json={"text": "sure: VPN"})
    client.post("/v1/triage", json={"text": "printer"})
    client.post("/v1/triage", json={"text": ""})
    text = client.get("/metrics").text
    assert 'triage_http_requests_total{code="200",route="/v1/triage"} 2.0' in text
    assert 'triage_http_requests_total{code="422",route="/v1/triage"} 1.0' in text
    assert 'triage_tickets_total{status="auto"} 1.0' in text and 'triage_tickets_total{status="review"} 1.0' in text
    category = expected_category("sure: VPN", schema)
    assert f'triage_predicted_labels_total{{field="category",value="{category}"}}' in text
    assert 'triage_http_request_duration_seconds_bucket{le="0.005",route="/v1/triage"}' in text
    assert 'triage_model_info{model="fake-engine",version="v-test"} 1.0' in text
    assert "triage_model_ready 1.0" in text


def test_ticket_text_is_logged_only_when_the_operator_asks(schema, caplog):
    secret = "my password is hunter2"
    for log_tickets in (False, True):
        caplog.clear()
        with TestClient(make_app(schema, log_tickets=log_tickets)) as c, caplog.at_level(logging.DEBUG):
            wait_ready(c)
            assert c.post("/v1/triage", json={"text": secret}).status_code == 200
            assert c.post("/v1/triage", json={"text": secret, "oops": 1}).status_code == 422
        assert (secret in caplog.text) is log_tickets
        assert "POST /v1/triage 200" in caplog.text  # the request itself is logged either way


def test_drift_compares_the_window_with_the_reference(schema, tmp_path):
    reference_texts = [f"reference ticket {i}" for i in range(120)]
    reference = [fake_result(schema, t).to_dict() for t in reference_texts]
    with TestClient(make_app(schema, reference=reference, drift_window=50)) as c:
        wait_ready(c)
        assert c.get("/v1/drift").json()["measures"] == []  # nothing seen yet
        for i in range(60):  # same traffic: stable
            c.post("/v1/triage", json={"text": reference_texts[i]})
        report = c.get("/v1/drift").json()
        assert report["available"] and report["window"] == 50 and report["n_new"] == 50
        assert {m["field"] for m in report["measures"]} >= {f.name for f in schema.enum_fields}
        # now only one kind of ticket: the category distribution collapses onto one value
        for _ in range(50):
            c.post("/v1/triage", json={"text": "sure: the same ticket again"})
        shifted = c.get("/v1/drift").json()
        assert shifted["verdict"] == "major shift"
        category = next(m for m in shifted["measures"] if m["field"] == "category" and m["measure"] == "labels")
        assert category["psi"] > 0.25
        metrics = c.get("/metrics").text
        assert f'triage_drift_psi{{field="category",measure="labels"}} {category["psi"]}' in metrics
        assert "triage_drift_window_predictions 50.0" in metrics


def test_drift_without_a_reference_says_how_to_get_one(client):
    report = client.get("/v1/drift").json()
    assert report["available"] is False and "triage calibrate" in report["reason"]


# ---- the real thing: `triage serve` flags, the loader, the shipped adapter -------------------------------
def test_service_started_with_a_broken_model_path_is_alive_but_not_ready(schema, tmp_path):
    args = build_parser().parse_args(["--model", str(tmp_path / "no-such-adapter")])
    with TestClient(create_app(schema, config_from_args(args), lambda: load_for_service(args))) as c:
        body = wait_ready(c)
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 503
        assert body["status"] == "failed" and "no-such-adapter" in body["reason"]
        assert c.post("/predict", json={"subject": "VPN"}).status_code == 503


@pytest.fixture(scope="module")
def real_client(tmp_path_factory):
    """The shipped adapter behind the service, as `triage serve` loads it (reference from a temp file)."""
    from ticket_triage.schema import load_schema

    schema = load_schema()
    reference = tmp_path_factory.mktemp("drift") / "reference.jsonl"
    write_reference(reference, [fake_result(schema, f"r{i}", True).to_dict() for i in range(20)], schema)
    args = build_parser().parse_args(["--model", str(SHIPPED_ADAPTER), "--drift-reference", str(reference)])
    with TestClient(create_app(schema, config_from_args(args), lambda: load_for_service(args))) as c:
        assert wait_ready(c)["status"] == "ready"
        yield c


def test_real_engine_triages_one_ticket_and_a_batch(real_client, schema):
    r = real_client.post("/v1/triage", json=VPN)
    assert r.status_code == 200, r.text
    out = r.json()
    [result] = out["results"]
    schema.validate(result["ticket"])  # summary included
    assert out["model_version"] == folder_version(SHIPPED_ADAPTER)
    for name, options in result["alternatives"].items():
        assert options[0]["value"] == result["ticket"][name]
        assert result["confidence"][name] == options[0]["probability"]
    tickets = [
        {"text": "Outlook crashes when I open attachments"},
        {"subject": "New laptop", "description": "for Ana"},
        {"text": "Bitte Passwort zurücksetzen"},
    ]
    batch = real_client.post("/v1/triage", json={"tickets": tickets, "classification_only": True}).json()
    assert len(batch["results"]) == 3
    for res in batch["results"]:
        assert not schema.errors(res["ticket"], partial=True) and "summary" not in res["ticket"]
    assert real_client.get("/v1/drift").json()["n_ref"] == 20


def test_real_engine_behind_the_simple_client_routes(real_client, schema):
    category = real_client.post("/classify", json={"ticket": "printer on floor 3 jams"}).json()["category"]
    assert category in schema.get_field("category").values
    out = real_client.post("/predict", json={"subject": "printer jams", "description": "floor 3"}).json()
    assert out["category"] in schema.get_field("category").values and 0 < out["confidence"] <= 1
    assert abs(sum(o["confidence"] for o in out["top_3"])) <= 1.0001


def test_shipped_adapter_has_a_drift_reference(schema):
    from inference.drift import DRIFT_REFERENCE_FILE, read_results

    rows = read_results(Path(SHIPPED_ADAPTER) / DRIFT_REFERENCE_FILE, schema)
    assert len(rows) >= 100  # enough for PSI to mean something
    assert json.loads((REPO_ROOT / "models" / "smollm2-135m-itsm" / "calibration.json").read_text())["n"] == len(rows)


def test_serve_bounds_connections_and_keeps_query_strings_out_of_the_log(monkeypatch):
    # Regression: uvicorn ran with no connection limit (1,500 idle half-requests held open) and its access
    # log wrote raw query strings, where a mistaken ?api_key=... landed; SIGTERM waited ~2 minutes.
    import uvicorn

    from inference import service as service_module

    captured = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    assert service_module.main(["--port", "8765", "--max-connections", "100"]) == 0
    assert captured["access_log"] is False and captured["limit_concurrency"] == 100
    assert captured["timeout_graceful_shutdown"] == 10 and captured["port"] == 8765
