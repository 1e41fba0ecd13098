"""The OpenAI-compatible backend against a real local HTTP server that speaks /v1/chat/completions.

No network and no torch: a stdlib ThreadingHTTPServer on 127.0.0.1 records every request and answers
from a script (a ticket with logprobs, 429s, 500s, broken answers, a hang).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jsonschema
import pytest

from inference.openai_backend import (
    INVALID,
    NO_LOGPROBS,
    STRICT_ROOT_KEY,
    BackendError,
    OpenAIBackend,
    _token_spans,
    openai_strict_schema,
    response_json_schema,
)
from ticket_triage.prompt import answer_text, build_messages

TICKET = {
    "category": "Network",
    "subcategory": "VPN",
    "priority": "High",
    "assignment_group": "Network Operations",
    "request_type": "Incident",
    "summary": "VPN drops every ten minutes for the sales team.",
}
DEFAULT_LOGPROB = -0.01


def completion(
    content: str,
    logprobs: dict[str, float] | None = None,
    top: dict[str, list[tuple[str, float]]] | None = None,
    with_logprobs: bool = True,
) -> dict[str, Any]:
    """A chat completion whose content is cut into word/space/punctuation tokens.

    `logprobs` sets the logprob of the named tokens (others get DEFAULT_LOGPROB); `top` gives their
    top_logprobs candidates.
    """
    pieces = re.findall(r"\w+|\s+|[^\w\s]", content)
    tokens = [
        {
            "token": piece,
            "logprob": (logprobs or {}).get(piece, DEFAULT_LOGPROB),
            "bytes": list(piece.encode()),
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in (top or {}).get(piece, [])],
        }
        for piece in pieces
    ]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "itsm",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": {"content": tokens} if with_logprobs else None,
                "finish_reason": "stop",
            }
        ],
    }


class FakeServer:
    """Answers POSTs from `script` (first in, first out), then with `default`; records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[Any] = []
        self.default: Any = None
        self.release = threading.Event()  # ends a scripted hang when the test is over
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append({"path": self.path, "headers": headers, "body": body})
                answer = fake.script.pop(0) if fake.script else fake.default
                if callable(answer):
                    answer = answer(body)
                if answer == "hang":
                    fake.release.wait(10)
                    return
                status, headers, payload = answer
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def ok(payload: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    return 200, {}, payload


def error(status: int, message: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    # retry-after-ms keeps the SDK's backoff at 10 ms instead of 0.5 s and more.
    return status, {"retry-after-ms": "10"}, {"error": {"message": message, "type": "error", "code": status}}


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def no_openai_env(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def backend(server: FakeServer, schema, **kwargs: Any) -> OpenAIBackend:
    kwargs.setdefault("max_retries", 2)
    kwargs.setdefault("timeout", 5.0)
    return OpenAIBackend("itsm", schema, base_url=server.url, **kwargs)


# ---- the request -------------------------------------------------------------------------------
def test_request_follows_the_prompt_contract(server, schema):
    server.default = ok(completion(answer_text(schema, TICKET)))
    backend(server, schema).predict("VPN drops every ten minutes")
    (request,) = server.requests
    body = request["body"]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer EMPTY"
    assert body["model"] == "itsm"
    assert body["messages"] == build_messages(schema, "VPN drops every ten minutes")
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema.json_schema()
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "itsm-default"
    assert body["logprobs"] is True and body["top_logprobs"] == 5


def test_base_url_and_api_key_come_from_the_environment(server, schema, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.default = ok(completion(answer_text(schema, TICKET)))
    result = OpenAIBackend("itsm", schema, max_retries=0).predict("VPN drops")
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-test"
    assert result.model == f"openai:itsm@{server.url}"


def test_long_input_is_cut_to_the_character_budget(server, schema):
    server.default = ok(completion(answer_text(schema, TICKET)))
    result = backend(server, schema, max_input_chars=100).predict("x" * 5000)
    assert server.requests[0]["body"]["messages"][1]["content"] == "x" * 100
    assert "input truncated to 100 characters (was 5000)" in result.reasons
    assert result.status == "review"


def test_classification_only_asks_for_enum_fields_only(server, schema):
    classification = {k: v for k, v in TICKET.items() if k != "summary"}
    server.default = ok(completion(json.dumps(classification)))
    result = backend(server, schema).predict("VPN drops", classification_only=True)
    sent = server.requests[0]["body"]["response_format"]["json_schema"]["schema"]
    assert "summary" not in sent["properties"] and "summary" not in sent["required"]
    assert all("summary" not in branch["properties"] for branch in sent["anyOf"])
    assert result.ticket == classification
    assert result.status == "auto", result.reasons


# ---- reading the answer ------------------------------------------------------------------------
def test_valid_ticket_with_logprobs_is_auto_with_token_confidences(server, schema):
    top = {"Network": [("Network", math.log(0.8)), ("Security", math.log(0.15)), ("Soft", math.log(0.03))]}
    server.default = ok(completion(answer_text(schema, TICKET), {"Network": math.log(0.8)}, top))
    result = backend(server, schema).predict("VPN drops every ten minutes")
    assert result.ticket == TICKET
    assert result.status == "auto" and result.reasons == []
    assert set(result.confidence) == {f.name for f in schema.enum_fields}
    # "Network" and its closing quote: 0.8 * exp(-0.01)
    assert result.confidence["category"] == pytest.approx(0.8 * math.exp(DEFAULT_LOGPROB), abs=1e-4)
    # "Network" (the same token text, so 0.8 again), " ", "Operations" and the closing quote
    assert result.confidence["assignment_group"] == pytest.approx(0.8 * math.exp(3 * DEFAULT_LOGPROB), abs=1e-4)
    assert result.alternatives["category"] == [
        {"value": "Network", "probability": round(0.8 * math.exp(DEFAULT_LOGPROB), 4)},
        {"value": "Security", "probability": 0.15},
        {"value": "Software", "probability": 0.03},
    ]
    assert result.model == f"openai:itsm@{server.url}"
    assert result.timing_ms > 0
    json.dumps(result.to_dict())


def test_low_confidence_goes_to_review(server, schema):
    server.default = ok(completion(answer_text(schema, TICKET), {"Incident": math.log(0.3)}))
    result = backend(server, schema, review_threshold=0.5).predict("VPN drops")
    assert result.status == "review"
    assert result.reasons == ["request_type: low confidence 0.30 < 0.50"]


def test_no_logprobs_means_unknown_confidence_and_review(server, schema):
    server.default = ok(completion(answer_text(schema, TICKET), with_logprobs=False))
    result = backend(server, schema).predict("VPN drops")
    assert result.ticket == TICKET
    assert result.confidence == {} and result.alternatives == {}
    assert result.reasons == [NO_LOGPROBS] and result.status == "review"


def test_server_that_rejects_logprobs_is_asked_again_without_them_once(server, schema):
    server.script = [error(400, "logprobs is not supported by this model")]
    server.default = ok(completion(answer_text(schema, TICKET), with_logprobs=False))
    engine = backend(server, schema)
    first = engine.predict("VPN drops")
    engine.predict("VPN drops again")
    assert [("logprobs" in r["body"]) for r in server.requests] == [True, False, False]
    assert first.ticket == TICKET and first.reasons == [NO_LOGPROBS]


def test_invalid_json_is_review_not_a_crash(server, schema):
    server.default = ok(completion('{"category": "Network", "subcat', with_logprobs=False))
    result = backend(server, schema).predict("VPN drops")
    assert result.ticket == {} and result.status == "review"
    assert len(result.reasons) == 1 and result.reasons[0].startswith(f"{INVALID} the answer is not JSON")


def test_broken_cross_field_rule_is_review_naming_the_field(server, schema):
    broken = dict(TICKET, subcategory="Printer")  # a Hardware subcategory under Network
    server.default = ok(completion(answer_text(schema, broken)))
    result = backend(server, schema).predict("VPN drops")
    assert result.status == "review"
    assert result.ticket == broken  # as parsed, for inspection
    assert result.confidence == {}
    (reason,) = result.reasons
    assert reason.startswith(f"{INVALID} subcategory: 'Printer' is not allowed when category is 'Network'")


def test_unknown_value_and_missing_field_are_listed_per_field(server, schema):
    broken = {k: v for k, v in TICKET.items() if k != "priority"}
    broken["category"] = "Networking"
    server.default = ok(completion(json.dumps(broken)))
    result = backend(server, schema).predict("VPN drops")
    assert result.status == "review"
    assert any(r.startswith(f"{INVALID} category: 'Networking' is not one of") for r in result.reasons)
    assert f"{INVALID} priority: missing" in result.reasons


def test_long_summary_is_cut_on_a_word_boundary(server, schema):
    long = dict(TICKET, summary="The VPN client disconnects " + "again and again " * 20)
    server.default = ok(completion(json.dumps(long)))
    result = backend(server, schema).predict("VPN drops")
    summary = result.ticket["summary"]
    assert len(summary) <= 120 and long["summary"].startswith(summary)
    assert long["summary"][len(summary)] == " "  # cut between words
    assert result.reasons == [f"summary: cut to 120 characters (was {len(long['summary'])})"]
    assert schema.errors(result.ticket) == []


def test_batch_keeps_input_order_under_concurrency(server, schema):
    def echo(body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        text = body["messages"][1]["content"]
        time.sleep(0.05 if text.endswith("0") else 0.0)  # the first answers come back last
        return ok(completion(answer_text(schema, dict(TICKET, summary=text))))

    server.default = echo
    texts = [f"ticket number {i}" for i in range(8)]
    results = backend(server, schema, concurrency=4).predict_batch(texts, progress=False)
    assert [r.ticket["summary"] for r in results] == texts
    assert len(server.requests) == 8
    again = backend(server, schema).predict_batch(texts, batch_size=3)  # the engine's keyword works too
    assert [r.ticket["summary"] for r in again] == texts


# ---- failures of the server --------------------------------------------------------------------
def test_429_is_retried_by_the_sdk_then_succeeds(server, schema):
    server.script = [error(429, "slow down"), error(429, "slow down")]
    server.default = ok(completion(answer_text(schema, TICKET)))
    result = backend(server, schema, max_retries=2).predict("VPN drops")
    assert len(server.requests) == 3
    assert result.ticket == TICKET and result.status == "auto"


def test_500_always_raises_a_clear_error_after_the_retries(server, schema):
    server.default = error(500, "the GPU caught fire")
    with pytest.raises(BackendError) as info:
        backend(server, schema, max_retries=2).predict("VPN drops")
    assert len(server.requests) == 3  # max_retries + 1
    message = str(info.value)
    assert server.url in message and "HTTP 500" in message and "3 attempts" in message
    assert "the GPU caught fire" in message


def test_a_500_stops_the_batch_with_the_same_error(server, schema):
    server.default = error(500, "down")
    with pytest.raises(BackendError, match="HTTP 500"):
        backend(server, schema, max_retries=0, concurrency=2).predict_batch(["a", "b", "c"])


def test_400_other_than_logprobs_is_not_retried(server, schema):
    server.default = error(400, "model 'itsm' does not exist")
    with pytest.raises(BackendError, match="HTTP 400.*not retried.*does not exist"):
        backend(server, schema).predict("VPN drops")
    assert len(server.requests) == 1


def test_a_hanging_server_times_out(server, schema):
    server.default = "hang"
    start = time.perf_counter()
    with pytest.raises(BackendError, match="no answer within 0.3 s"):
        backend(server, schema, timeout=0.3, max_retries=0).predict("VPN drops")
    assert time.perf_counter() - start < 5


def test_unreachable_server_names_the_url(schema):
    dead = OpenAIBackend("itsm", schema, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    with pytest.raises(BackendError, match=r"cannot reach http://127\.0\.0\.1:9/v1"):
        dead.predict("VPN drops")


# ---- OpenAI strict mode ------------------------------------------------------------------------
def test_strict_schema_keeps_the_rules_one_level_down(schema):
    strict = openai_strict_schema(response_json_schema(schema))
    text = json.dumps(strict)
    for keyword in ('"$schema"', '"minLength"', '"maxLength"', '"const"'):
        assert keyword not in text
    assert "anyOf" not in strict and strict["required"] == [STRICT_ROOT_KEY]
    assert len(strict["properties"][STRICT_ROOT_KEY]["anyOf"]) == len(schema.get_field("category").values)
    validator = jsonschema.Draft202012Validator(strict)
    assert validator.is_valid({STRICT_ROOT_KEY: TICKET})
    assert not validator.is_valid({STRICT_ROOT_KEY: dict(TICKET, subcategory="Printer")})  # rule kept
    assert not validator.is_valid(TICKET)


def test_strict_mode_unwraps_the_answer(server, schema):
    content = json.dumps({STRICT_ROOT_KEY: TICKET})
    server.default = ok(completion(content))
    result = backend(server, schema, openai_strict=True).predict("VPN drops")
    assert "anyOf" not in server.requests[0]["body"]["response_format"]["json_schema"]["schema"]
    assert result.ticket == TICKET and result.status == "auto", result.reasons
    assert set(result.confidence) == {f.name for f in schema.enum_fields}


def test_strict_mode_is_on_by_default_for_api_openai_com_only(schema):
    assert OpenAIBackend("gpt-4o-mini", schema, base_url="https://api.openai.com/v1").openai_strict
    assert not OpenAIBackend("itsm", schema, base_url="http://localhost:8000/v1").openai_strict


# ---- small parts -------------------------------------------------------------------------------
def test_token_spans_use_bytes_when_a_character_is_split():
    content = '"café"'
    raw = content.encode()
    tokens = [
        {"token": '"caf', "bytes": list(raw[:4])},
        {"token": "\\xc3", "bytes": list(raw[4:5])},
        {"token": '\\xa9"', "bytes": list(raw[5:])},
    ]
    assert _token_spans(content, tokens) == [(0, 4), (4, 5), (4, 6)]
    assert _token_spans(content, [{"token": "nope", "bytes": None}]) == []


def test_a_broken_character_in_the_summary_keeps_the_enum_confidences(server, schema):
    answer = completion(answer_text(schema, dict(TICKET, summary="Café VPN is down.")))
    for token in answer["choices"][0]["logprobs"]["content"]:
        if token["token"] == "Café":  # as a server shows a character split over two tokens
            token.update(token="Caf\ufffd", bytes=None)
    server.default = ok(answer)
    result = backend(server, schema).predict("VPN drops")
    assert set(result.confidence) == {f.name for f in schema.enum_fields}
    assert result.status == "auto", result.reasons


def test_importing_the_module_does_not_import_openai():
    code = "import sys, inference.openai_backend; sys.exit('openai' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---- the CLI ----------------------------------------------------------------------------------
def test_predict_and_eval_take_openai_models_side_by_side(server, schema, tmp_path, capsys):
    """`--model openai:NAME` goes to the server with the shared flags; eval tables it like a local model."""
    from inference.evaluate import main as evaluate
    from inference.predict import main as predict

    server.default = ok(completion(answer_text(schema, TICKET), {"Network": math.log(0.8)}))
    assert (
        predict(
            [
                "--model",
                "openai:itsm",
                "--base-url",
                server.url,
                "--review-threshold",
                "0.99",
                "VPN drops every ten minutes",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["ticket"] == TICKET and result["model"] == f"openai:itsm@{server.url}"
    assert result["status"] == "review"  # 0.8 < 0.99
    assert server.requests[-1]["body"]["model"] == "itsm"

    data = tmp_path / "test.jsonl"
    label = {k: v for k, v in TICKET.items()}
    data.write_text("\n".join(json.dumps({"text": t, "label": label}) for t in ("VPN down", "VPN flaky")) + "\n")
    assert evaluate(["--data", str(data), "--model", "openai:itsm", "--base-url", server.url]) == 0
    table = capsys.readouterr().out
    assert f"openai:itsm@{server.url}" in table and "| category/accuracy | 1 |" in table.replace("1.0", "1")
