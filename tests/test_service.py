"""`triage serve` (inference/service/): the API's contract, limits, faults, access, metrics and drift.

Most tests put `FakeEngine` behind the real app, where the fake is the point: its answers are a
function of the ticket text (so a response can be matched to its request), and it can block or fail
on demand (so queueing and failure handling are testable). Slow and vanishing clients are raw sockets
against a real uvicorn server started with `triage serve`'s own settings. The tests at the end run the
real engine on the shipped adapter, and one starts the service the way `triage serve` does with a
broken model path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, serve_in_thread, wait_ready
from fastapi.testclient import TestClient

from inference.drift import write_reference
from inference.service import (
    API_KEYS_ENV,
    LoadedModel,
    ServiceSettings,
    build_parser,
    create_app,
    load_for_service,
    read_api_keys,
    settings_from_args,
)
from ticket_triage.dataset import DataError
from ticket_triage.models import SHIPPED_ADAPTER, folder_version
from ticket_triage.result import TriageResult

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
        ServiceSettings(**config),
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
        body = '{"tickets": [' + ", ".join(["{}"] * 5_000) + "]}"
        r = c.post("/v1/triage", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert r.json()["detail"] == [
            {
                "loc": ["body", "tickets"],
                "field": "tickets",
                "msg": "5000 tickets; at most 8 per request",
                "type": "too_many_tickets",
            }
        ]
        # 100,000 of them are over the JSON token bound: refused from a count of the bytes, unparsed.
        body = '{"tickets": [' + ", ".join(["{}"] * 100_000) + "]}"
        r = c.post("/v1/triage", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["detail"][0]["type"] == "json_too_large"
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


def test_tickets_carry_the_clients_ids_back(client, schema):
    batch = {"tickets": [{"id": "INC-1", "text": "VPN down"}, {"text": "no id"}, {"id": 7, "text": "printer"}]}
    results = client.post("/v1/triage", json=batch | {"classification_only": True}).json()["results"]
    assert [r.get("id") for r in results] == ["INC-1", None, 7]
    assert "id" not in results[1]  # absent, not null
    assert results[2]["ticket"]["category"] == expected_category("printer", schema)
    assert client.post("/v1/triage", json={"id": "one", "text": "VPN"}).json()["results"][0]["id"] == "one"
    for bad, field in (
        ({"id": "x" * 201, "text": "a"}, "id"),
        ({"id": 1.5, "text": "a"}, "id"),
        ({"id": "a", "tickets": [{"text": "b"}]}, "body"),
    ):
        r = client.post("/v1/triage", json=bad)
        assert r.status_code == 422 and any(e["field"].startswith(field) for e in r.json()["detail"]), r.text


# ---- one error body everywhere ---------------------------------------------------------------------------
ERROR_CASES = [
    # (method, path, request keywords, status, what the message must say)
    ("GET", "/no-such-route", {}, 404, 'no route GET "/no-such-route"'),
    ("DELETE", "/v1/triage", {}, 405, "DELETE is not allowed"),
    ("GET", "/v1/triage", {}, 405, "use POST"),
    ("POST", "/v1/triage", {"content": b'{"text": "VPN', "headers": {"content-type": "application/json"}}, 400, "JSON"),
    ("POST", "/v1/triage", {"json": {"text": 42}}, 422, "text: Input should be a valid string"),
    ("POST", "/v1/triage", {"json": {"text": "x" * 2001}}, 413, "2,001 characters"),
    ("POST", "/v1/triage", {"content": b"x" * 5000, "headers": {"content-type": "application/json"}}, 413, "bytes"),
    ("POST", "/v1/triage", {"content": b'{"text": "a"}', "headers": {"content-type": "text/plain"}}, 415, "text/plain"),
    ("POST", "/v1/triage?api_key=s3cret", {"json": {"text": "a"}}, 400, "Authorization: Bearer"),
    ("POST", "/v1/triage", {"json": {"text": "a"}, "headers": {"Authorization": "Bearer wrong"}}, 401, "API key"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "says"),
    ERROR_CASES,
    ids=[f"{m}-{p}-{s}" for m, p, _, s, _ in ERROR_CASES],
)
def test_every_error_answers_the_same_json_body(schema, method, path, kwargs, status, says):
    # Regression: 404, 405 and body-parse failures answered FastAPI's {"detail": "Not Found"} without
    # the `message` every other error has.
    app = make_app(schema, max_text_chars=2000, max_body_bytes=4000, api_keys=frozenset({"k"}))
    headers = {"Authorization": "Bearer k"} | kwargs.pop("headers", {})
    with TestClient(app) as c:
        wait_ready(c)
        r = c.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"detail", "message"} and says in body["message"], body
    assert isinstance(body["detail"], str) or all(set(e) == {"loc", "field", "msg", "type"} for e in body["detail"])
    if status == 405:
        assert r.headers["allow"] == "POST"


def test_the_service_errors_outside_validation_have_the_body_too(schema):
    gate = threading.Event()

    def slow_load():
        gate.wait(30)
        raise RuntimeError("never loads")

    with TestClient(create_app(schema, ServiceSettings(), slow_load)) as c:
        try:
            r = c.post("/v1/triage", json={"text": "a"})
            assert r.status_code == 503 and set(r.json()) == {"detail", "message"} and "loading" in r.json()["message"]
        finally:
            gate.set()
    with TestClient(make_app(schema, engine=FakeEngine(schema, fail_on="boom"))) as c:
        wait_ready(c)
        r = c.post("/v1/triage", json={"text": "boom"})
        assert r.status_code == 500 and set(r.json()) == {"detail", "message"} and "error id" in r.json()["message"]


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_body_that_is_not_declared_json_is_a_415_not_a_422(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/v1/triage", content=b'{"text": "VPN down"}', headers=headers)
    assert r.status_code == 415, r.text
    assert r.json()["detail"][0]["field"] == "header.content-type" and "application/json" in r.json()["message"]
    assert client.post("/classify", data={"ticket": "VPN down"}).status_code == 415  # a form post
    latin = {"content-type": "application/json; charset=latin-1"}
    r = client.post("/v1/triage", content=b'{"text": "a"}', headers=latin)
    assert r.status_code == 415 and "UTF-8" in r.json()["message"]
    for fine in ("application/json", "application/json; charset=UTF-8", "application/vnd.triage+json"):
        r = client.post("/v1/triage", content=b'{"text": "VPN down"}', headers={"content-type": fine})
        assert r.status_code == 200, fine


STRICT_JSON_CASES = [
    # (raw body, status, error type, what the message must say)
    (b'{"text": "first", "text": "second"}', 400, "duplicate_key", 'key "text" appears more than once'),
    (b'{"tickets": [{"text": "a", "subject": "b", "text": "c"}]}', 400, "duplicate_key", 'key "text"'),
    (b'{"text": "a", "x": ' + b"[" * 9 + b"]" * 9 + b"}", 400, "json_too_deep", "deeper than 8 levels"),
    (b"[" * 100_000 + b"]" * 100_000, 413, "json_too_large", "JSON tokens"),
    (b'{"text": "a", "classification_only": ' + b"9" * 5000 + b"}", 400, "number_too_long", "5,000 characters"),
    (b'{"text": "a", "classification_only": 1.' + b"0" * 100 + b"}", 400, "number_too_long", "102 characters"),
    (b'{"text": "a", "classification_only": NaN}', 400, "json_invalid", "NaN is not JSON"),
    (b'{"text": "caf\xe9 down"}', 400, "utf8_invalid", "byte 0xe9 at byte offset 13"),
    (b"\xef\xbb\xbf" + b'{"text": "a"}', 400, "json_invalid", "BOM"),
    (b"", 400, "json_invalid", "the body is empty"),
    (b'{"tickets": [' + b",".join([b'{"text": "t"}'] * 10_000) + b"]}", 413, "json_too_large", "at most 20,000"),
]


@pytest.mark.parametrize(
    ("body", "status", "kind", "says"), STRICT_JSON_CASES, ids=[c[2] + f"-{i}" for i, c in enumerate(STRICT_JSON_CASES)]
)
def test_the_body_is_parsed_strictly(client, body, status, kind, says):
    r = client.post("/v1/triage", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    [error] = r.json()["detail"]
    assert error["type"] == kind and says in error["msg"], error


def test_a_valid_body_passes_the_strict_reader_unchanged(client, schema):
    text = 'caf\u00e9 \\"quoted\\" [not, a, list] {nor: an object} ' + "1234567890" * 5
    body = json.dumps({"tickets": [{"id": i, "text": text} for i in range(5)], "classification_only": True})
    r = client.post("/v1/triage", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    expected = expected_category(json.loads(body)["tickets"][0]["text"], schema)
    assert [res["ticket"]["category"] for res in r.json()["results"]] == [expected] * 5


def test_hostile_bodies_are_refused_from_their_bytes_without_parsing(monkeypatch):
    # Parsing 8 MB of `[[],[],...]` takes ~0.4 s of the event loop; the token count refuses it unparsed.
    from types import SimpleNamespace

    from inference.service import errors as service_module

    def never(*args, **kwargs):
        raise AssertionError("json.loads ran on a body the byte checks should have refused")

    monkeypatch.setattr(service_module, "json", SimpleNamespace(loads=never, JSONDecodeError=json.JSONDecodeError))
    size = 8 * 2**20
    for body in (
        b'{"tickets": [' + b",".join([b"[]"] * (size // 3)) + b"]}",
        b"[" + b",".join([b'"a"'] * (size // 4)) + b"]",
        b'{"x": ' + b"[" * (size // 2) + b"]" * (size // 2) + b"}",
        b'{"text": "a", "x": [[[[[[[[[1]]]]]]]]]}',
    ):
        with pytest.raises(service_module.BadBody) as refused:
            service_module.parse_json_body(body)
        assert refused.value.kind in ("json_too_large", "json_too_deep")


def test_hostile_bodies_are_answered_fast_while_healthz_stays_responsive(schema):
    size = 8 * 2**20 - 64
    bodies = [
        b'{"tickets": [' + b",".join([b"{}"] * (size // 3)) + b"]}",
        b'{"tickets": [' + b",".join([b'"' + b"a" * 60 + b'"'] * (size // 63)) + b"]}",
        b'{"text": "' + b"x" * size + b'"}',
        b'{"text": "a", "classification_only": ' + b"7" * size + b"}",
        b'{"a": 1, ' + b",".join(b'"k%d": 1' % i for i in range(size // 14)) + b', "a": 2}',
    ]
    with serve_in_thread(make_app(schema)) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        health: list[float] = []
        stop = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=url, timeout=10) as p:
                while not stop.is_set():
                    sent = time.perf_counter()
                    assert p.get("/healthz").status_code == 200
                    health.append(time.perf_counter() - sent)
                    time.sleep(0.01)

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            for body in bodies:
                sent = time.perf_counter()
                r = c.post("/v1/triage", content=body, headers={"content-type": "application/json"})
                took = time.perf_counter() - sent
                assert 400 <= r.status_code < 500 and r.json()["message"], r.text[:300]
                assert took < 1.0, f"{r.json()['detail'][0]['type']}: {took:.2f} s"
        finally:
            stop.set()
            prober.join()
        assert health and max(health) < 0.5, f"/healthz took up to {max(health):.2f} s"


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


@pytest.mark.parametrize("query", ["api_key=s3cret-value", "key=s3cret-value", "API_KEY=s3cret-value&x=1", "token="])
def test_an_api_key_in_the_query_string_is_refused_and_never_logged(schema, caplog, query):
    # Keys in URLs end up in proxy, load-balancer and browser logs; the header is the only way in.
    with TestClient(make_app(schema, api_keys=frozenset({"s3cret-value"}))) as c, caplog.at_level(logging.DEBUG):
        wait_ready(c)
        auth = {"Authorization": "Bearer s3cret-value"}  # even with the right header as well
        for method, path in (("POST", "/v1/triage"), ("GET", "/healthz"), ("GET", "/no-such-route")):
            r = c.request(method, f"{path}?{query}", json={"text": "VPN down"}, headers=auth)
            assert r.status_code == 400, r.text
            assert "Authorization: Bearer <key>" in r.json()["message"]
            assert r.json()["detail"][0]["type"] == "key_in_query" and "s3cret-value" not in r.text
        assert c.post("/v1/triage?verbose=1", json={"text": "VPN down"}, headers=auth).status_code == 200
    server_log = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]  # not the client's
    assert server_log and not any("s3cret-value" in line for line in server_log)


def test_api_keys_come_from_the_environment_and_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv(API_KEYS_ENV, " a1 , b2 ,")
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# team keys\nc3\n\n  d4  \n")
    assert read_api_keys(None) == {"a1", "b2"}
    assert read_api_keys(str(keys_file)) == {"a1", "b2", "c3", "d4"}
    with pytest.raises(DataError, match="no-such-file"):
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
        ServiceSettings(max_request_tickets=100, max_queue=10)
    with pytest.raises(ValueError, match="max_batch_size"):
        ServiceSettings(max_batch_size=0)


# ---- faults ----------------------------------------------------------------------------------------
def test_model_that_fails_to_load_keeps_the_process_up_with_the_reason(schema):
    def broken():
        raise FileNotFoundError("adapter folder /srv/models/gone does not exist")

    with TestClient(create_app(schema, ServiceSettings(), broken)) as c:
        body = wait_ready(c)
        # The reason names the folder, not where the server keeps it (--show-paths for that).
        assert body["status"] == "failed" and "adapter folder .../gone does not exist" in body["reason"]
        assert "/srv" not in body["reason"]
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "Retry-After" in ready.headers
        r = c.post("/v1/triage", json={"text": "VPN down"})
        assert r.status_code == 503 and ".../gone" in r.json()["message"] and "/srv" not in r.text
        assert "triage_model_ready 0.0" in c.get("/metrics").text
    with TestClient(create_app(schema, ServiceSettings(show_paths=True), broken)) as c:
        assert "/srv/models/gone" in wait_ready(c)["reason"]


def test_readyz_and_drift_name_models_without_server_paths_unless_asked(schema, tmp_path):
    folder = tmp_path / "adapters" / "itsm-v7"
    folder.mkdir(parents=True)
    engine = FakeEngine(schema)
    engine.name = str(folder)  # a local model folder, as `triage serve --model /abs/path` loads it
    reference = [fake_result(schema, f"r{i}").to_dict() for i in range(5)]

    def load():
        return LoadedModel(engine, "v-test", reference, str(tmp_path / "refs" / "drift_reference.jsonl"))

    for show_paths in (False, True):
        with TestClient(create_app(schema, ServiceSettings(show_paths=show_paths), load)) as c:
            ready = wait_ready(c)
            assert ready["model"] == "itsm-v7" and ready["model_version"] == "v-test"
            answer = c.post("/v1/triage", json={"text": "VPN down"}).json()
            assert answer["model"] == "itsm-v7"
            drift = c.get("/v1/drift").json()
            if show_paths:
                assert ready["model_path"] == str(folder) and drift["reference"].startswith(str(tmp_path))
            else:
                assert str(tmp_path) not in json.dumps(ready) + json.dumps(drift) + json.dumps(answer)
                assert drift["reference"] == ".../drift_reference.jsonl"


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
        first, responses = queued_behind_a_held_engine(c, engine, gate, [{"text": t} for t in texts])
        assert first.status_code == 200
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


def queued_behind_a_held_engine(
    c: httpx.Client, engine: FakeEngine, gate: threading.Event, bodies: list[dict]
) -> tuple[httpx.Response, list[httpx.Response]]:
    """One request holds the gated engine while `bodies` (one ticket each) queue up behind it; then the
    gate opens. The holder's response and the queued ones' in order: the queued tickets were batched
    as the service chose, which is what the caller checks."""
    with ThreadPoolExecutor(len(bodies) + 1) as pool:
        first = pool.submit(c.post, "/v1/triage", json={"text": "holds the engine"})
        _wait_for(lambda: len(engine.calls) == 1)
        pending = [pool.submit(c.post, "/v1/triage", json=body) for body in bodies]
        _wait_for(lambda: f"triage_queue_tickets {float(len(bodies))}" in c.get("/metrics").text)
        gate.set()
        return first.result(), [f.result() for f in pending]


def _wait_for(condition, timeout: float = 10.0) -> None:

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


# ---- clients that vanish, stall or trickle -----------------------------------------------------------
@contextmanager
def serve_like_triage_serve(app, argv: list[str] = ()):
    """`app` under uvicorn with the settings `triage serve ARGV` gives it, on a free loopback port."""
    import socket

    import uvicorn

    from inference.service import cli as service_module

    settings = service_module.uvicorn_settings(build_parser().parse_args(list(argv)))
    for name in ("host", "port", "log_level"):
        settings.pop(name)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **settings))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    _wait_for(lambda: server.started or not thread.is_alive(), timeout=30)
    try:
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _raw(address, data: bytes = b""):
    import socket

    conn = socket.create_connection(address, timeout=10)
    if data:
        conn.sendall(data)
    return conn


def _closed_by_server(conn, within: float) -> bool:
    """True when the server closes `conn` (reading its answer, if any, to the end) within `within` s."""
    conn.settimeout(within)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def _post_head(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def test_serve_flags_set_uvicorns_limits_and_timeouts(monkeypatch):
    # Regression: uvicorn ran with no connection limit (1,500 idle half-requests held open) and its access
    # log wrote raw query strings, where a mistaken ?api_key=... landed; SIGTERM waited ~2 minutes.
    import uvicorn

    from inference.service import cli as service_module

    captured = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    argv = ["--port", "8765", "--max-connections", "100", "--keep-alive-timeout", "3", "--header-timeout", "4"]
    assert service_module.main(argv) == 0
    assert captured["access_log"] is False and captured["limit_concurrency"] == 100
    assert captured["timeout_graceful_shutdown"] == 10 and captured["port"] == 8765
    assert captured["timeout_keep_alive"] == 3 and issubclass(captured["http"], asyncio.Protocol)
    defaults = service_module.uvicorn_settings(build_parser().parse_args([]))
    assert defaults["timeout_keep_alive"] == 5 and defaults["limit_concurrency"] == 256 and "http" in defaults
    assert "http" not in service_module.uvicorn_settings(build_parser().parse_args(["--header-timeout", "0"]))
    assert settings_from_args(build_parser().parse_args(["--body-timeout", "7"])).body_timeout_s == 7
    for bad in (["--header-timeout", "-1"], ["--keep-alive-timeout", "0"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(bad)


def test_serve_batch_size_is_the_services_limit_not_the_engines(monkeypatch):
    """Regression: `triage serve --help` would show the engine's batch default (32) as the limit, while
    the service's own default (16) applies."""
    monkeypatch.delenv("TRIAGE_MAX_BATCH_SIZE", raising=False)
    parser = build_parser()
    assert settings_from_args(parser.parse_args([])).max_batch_size == ServiceSettings().max_batch_size == 16
    assert "decoded together (default 16)" in " ".join(parser.format_help().split())
    assert settings_from_args(parser.parse_args(["--batch-size", "4"])).max_batch_size == 4


def test_a_connection_without_complete_headers_is_closed_after_the_header_timeout(schema):
    # Uvicorn has no such deadline: a connection that sends nothing, or a header byte at a time, was
    # held for ever, and --max-connections of them made every real request a 503.
    with serve_like_triage_serve(make_app(schema), ["--header-timeout", "0.5", "--keep-alive-timeout", "30"]) as addr:
        silent = _raw(addr)
        trickle = _raw(addr, b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        for _ in range(10):  # a byte every 0.15 s: each resets uvicorn's keep-alive timer, not this one
            if trickle.fileno() == -1:
                break
            try:
                trickle.sendall(b"X")
            except OSError:
                break
            time.sleep(0.15)
        assert _closed_by_server(trickle, within=5) and time.monotonic() - started < 3
        assert _closed_by_server(silent, within=5)
        # A request whose headers arrived in time is not cut off by the deadline while it waits ...
        served = _raw(addr, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        served.settimeout(5)
        assert served.recv(65536).startswith(b"HTTP/1.1 200")
        # ... and after its answer the next request's headers are due within the deadline again.
        served.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert _closed_by_server(served, within=5)
        with httpx.Client(base_url=f"http://{addr[0]}:{addr[1]}") as c:
            assert c.get("/healthz").status_code == 200


def test_a_stalled_body_gets_408_and_a_vanished_client_is_not_counted_as_a_400(schema):
    app = make_app(schema, body_timeout_s=0.5)
    with serve_like_triage_serve(app, ["--header-timeout", "0"]) as addr:
        stalled = _raw(addr, _post_head("/v1/triage", 100) + b'{"text": "half')
        stalled.settimeout(5)
        answer = b""
        while chunk := stalled.recv(65536):
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408") and b"connection: close" in head.lower()
        assert "did not arrive within 0.5 s" in json.loads(body)["message"]
        gone = _raw(addr, _post_head("/v1/triage", 100) + b'{"text": "half')
        time.sleep(0.1)
        gone.close()  # half a body, then the client vanished
        with httpx.Client(base_url=f"http://{addr[0]}:{addr[1]}") as c:
            _wait_for(lambda: 'code="499",route="/v1/triage"' in c.get("/metrics").text)
            metrics = c.get("/metrics").text
        assert 'triage_http_requests_total{code="408",route="/v1/triage"} 1.0' in metrics
        assert 'triage_http_requests_total{code="499",route="/v1/triage"} 1.0' in metrics
        assert 'code="400"' not in metrics


def test_a_client_that_disconnects_has_its_queued_tickets_dropped_not_decoded(schema):
    # Regression: a client that gave up (or timed out) still had its queued tickets decoded, and they
    # kept their places in --max-queue while nobody waited for them.
    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate)
    app = make_app(schema, engine=engine, max_batch_size=8, max_queue=4, max_request_tickets=4, batch_window_ms=0)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        host, port = url.removeprefix("http://").split(":")
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(c.post, "/v1/triage", json={"text": "holds the engine"})
            _wait_for(lambda: len(engine.calls) == 1)
            body = json.dumps({"tickets": [{"text": f"abandoned {i}"} for i in range(3)]}).encode()
            leaving = _raw((host, int(port)), _post_head("/v1/triage", len(body)) + body)
            _wait_for(lambda: "triage_queue_tickets 3.0" in c.get("/metrics").text)
            leaving.close()
            _wait_for(lambda: "triage_queue_tickets 0.0" in c.get("/metrics").text)
            # Its places in the queue are free at once: 3 more tickets fit in --max-queue 4.
            after = pool.submit(c.post, "/v1/triage", json={"tickets": [{"text": f"kept {i}"} for i in range(3)]})
            _wait_for(lambda: "triage_queue_tickets 3.0" in c.get("/metrics").text)
            gate.set()
            assert first.result().status_code == 200 and after.result().status_code == 200
        assert engine.calls == [(1, False), (3, False)]  # the abandoned three never reached the engine
        metrics = c.get("/metrics").text
    assert "triage_cancelled_tickets_total 3.0" in metrics
    assert 'triage_tickets_total{status="review"} 4.0' in metrics  # served: the first and the three kept
    assert 'triage_http_requests_total{code="499",route="/v1/triage"} 1.0' in metrics


def test_a_cancelled_request_drops_its_waiting_tickets(schema):
    # The same path without HTTP: a request task cancelled (a server-side timeout, shutdown) while
    # its tickets wait. Tickets already handed to the engine are decoded; the others are dropped.
    from inference.service import Service

    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate)

    async def scenario():
        settings = ServiceSettings(max_batch_size=1, batch_window_ms=0)
        service = Service(schema, settings, lambda: LoadedModel(engine, "v"))
        await service.start()
        try:
            while service.state != "ready":
                await asyncio.sleep(0.01)
            request = asyncio.ensure_future(service.triage(["one", "two", "three"], False))
            while not engine.calls:  # "one" is in the engine, "two" and "three" wait
                await asyncio.sleep(0.01)
            request.cancel()
            await asyncio.wait({request})
            assert service.waiting == 0
            gate.set()
            [done] = await service.triage(["four"], False)
            assert done.result.ticket == fake_result(schema, "four").ticket
            return service.metrics.cancelled._value.get()
        finally:
            gate.set()
            await service.stop()

    assert asyncio.run(scenario()) == 2
    assert engine.calls == [(1, False), (1, False)]  # "one", then "four"


# ---- micro-batching ----------------------------------------------------------------------------------
def test_concurrent_requests_are_micro_batched_and_each_gets_its_own_answer(schema):
    gate = threading.Event()
    engine = FakeEngine(schema, gate=gate)
    app = make_app(schema, engine=engine, max_batch_size=8, batch_window_ms=1000)
    texts = [f"ticket {i}: something about VPN and printers" for i in range(15)]
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        wait_ready(c)
        # While the engine is busy, concurrent requests queue up and become the next batches.
        first, responses = queued_behind_a_held_engine(c, engine, gate, [{"text": t} for t in texts])
        assert first.status_code == 200
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
        bodies = [{"text": f"t{i}", "classification_only": i % 2 == 0} for i in range(4)]
        first, responses = queued_behind_a_held_engine(c, engine, gate, bodies)  # the four form the next batch
        assert first.status_code == 200
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
    with TestClient(create_app(schema, settings_from_args(args), lambda: load_for_service(args))) as c:
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
    with TestClient(create_app(schema, settings_from_args(args), lambda: load_for_service(args))) as c:
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
