"""Zero-shot triage over any OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp, Ollama).

Same prompt contract (`build_messages`) and same result type (`TriageResult`) as the local engine, so a
hosted model and a fine-tuned adapter can be compared on the same data. Serve the base model with our
adapter on vLLM (see docs/scaling_with_vllm.md) and ask for the adapter by its LoRA module name:

    vllm serve HuggingFaceTB/SmolLM2-135M-Instruct --enable-lora --lora-modules itsm=models/smollm2-135m-itsm

    from inference.openai_backend import OpenAIBackend
    from ticket_triage.schema import load_schema
    backend = OpenAIBackend("itsm", load_schema(), base_url="http://localhost:8000/v1", concurrency=8)
    backend.predict("VPN drops every ten minutes").to_dict()
    backend.predict_batch(texts, progress=True)

What differs from the local engine, honestly:
- The server decodes the whole answer; with `response_format` json_schema a grammar keeps it to the
  schema, but a server that ignores `response_format` can return anything. Such answers do not stop a
  batch: they come back with status "review" and reasons starting with "invalid:" (see INVALID).
- Confidences are token log-probabilities of the value the server wrote (exp of their sum), not a
  softmax over the allowed options like the engine's. They are not calibrated over the options, and
  the alternatives come from the first value token's top_logprobs only (approximate). A server that
  returns no logprobs gives no confidence at all, and every ticket goes to review.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any
from urllib.parse import urlparse

from ticket_triage.prompt import DEFAULT_MAX_INPUT_TOKENS, build_messages, cut_on_word
from ticket_triage.result import TriageResult, decide_field
from ticket_triage.schema import FieldError, TicketSchema

# No tokenizer on this side of the wire: a character budget stands in for the engine's token budget
# (about 4 characters per token for English text).
CHARS_PER_TOKEN = 4
DEFAULT_MAX_INPUT_CHARS = CHARS_PER_TOKEN * DEFAULT_MAX_INPUT_TOKENS
TOP_LOGPROBS = 5
INVALID = "invalid:"  # reasons that start with this mark an answer that broke the schema (count them)
NO_LOGPROBS = "backend returned no logprobs: confidence unknown"
STRICT_ROOT_KEY = "ticket"  # OpenAI strict mode: the rules live one level down, under this key
PLACEHOLDER_API_KEY = "EMPTY"  # local servers ignore the key, but the SDK wants one


class BackendError(RuntimeError):
    """The server could not be reached, or kept failing after the SDK's retries."""


# ---- the request ----------------------------------------------------------------------------
def response_json_schema(
    schema: TicketSchema, classification_only: bool = False, openai_strict: bool = False
) -> dict[str, Any]:
    """The JSON Schema sent as `response_format`: the schema's own, less text fields if asked."""
    out = copy.deepcopy(schema.json_schema())
    if classification_only:
        dropped = {f.name for f in schema.text_fields}
        for obj in [out, *out.get("anyOf", [])]:
            obj["properties"] = {k: v for k, v in obj["properties"].items() if k not in dropped}
            obj["required"] = [n for n in obj["required"] if n not in dropped]
    return openai_strict_schema(out) if openai_strict else out


def openai_strict_schema(json_schema: dict[str, Any]) -> dict[str, Any]:
    """Adapt a ticket JSON Schema to OpenAI's strict Structured Outputs subset, rules kept.

    Why (https://platform.openai.com/docs/guides/structured-outputs, "Supported schemas"): strict mode
    accepts a subset of JSON Schema and answers 400 to the rest. The root "must be an object, and not
    use anyOf", yet the cross-field rules are a root anyOf of complete objects; and minLength,
    maxLength and const are not among the listed keywords. So the anyOf moves under one required key
    (`STRICT_ROOT_KEY`, unwrapped again when parsing), const becomes a one-value enum, and the length
    bounds go (the summary is cut to max_length after decoding instead). vLLM, llama.cpp and Ollama
    get the schema unchanged: their grammars take it as it is, and the adapter was trained on that shape.
    """

    def strip(node: Any) -> Any:
        if isinstance(node, list):
            return [strip(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in ("$schema", "minLength", "maxLength"):
                continue
            if key == "properties":  # field names are keys here, not keywords: keep them all
                out[key] = {name: strip(prop) for name, prop in value.items()}
            elif key == "const":
                out["enum"] = [value]
            else:
                out[key] = strip(value)
        return out

    inner = strip(json_schema)
    if "anyOf" not in inner:
        return inner
    rules = {"anyOf": inner["anyOf"]}  # each branch is a complete object schema
    if "description" in inner:
        rules["description"] = inner["description"]
    return {
        "type": "object",
        "properties": {STRICT_ROOT_KEY: rules},
        "required": [STRICT_ROOT_KEY],
        "additionalProperties": False,
    }


def _schema_name(schema: TicketSchema) -> str:
    # OpenAI: a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.
    return re.sub(r"[^A-Za-z0-9_-]", "_", schema.name)[:64] or "ticket"


# ---- reading the answer ---------------------------------------------------------------------
def _token_spans(content: str, tokens: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Character span of each logprob token in `content`, for as many tokens as spell it.

    Token texts usually add up to the content. A character split over several tokens shows as broken
    text; then the tokens' bytes, when the server sends them, still add up. Failing both, the tokens
    up to the first that does not match are kept: the enum fields come first in the answer, so a
    broken character in the summary does not cost their confidences.
    """
    spans, pos = [], 0
    for t in tokens:
        text = t.get("token") or ""
        if content[pos : pos + len(text)] != text:
            break
        spans.append((pos, pos + len(text)))
        pos += len(text)
    if len(spans) == len(tokens) and pos == len(content):
        return spans
    raw = content.encode("utf-8")
    if all(t.get("bytes") is not None for t in tokens) and b"".join(bytes(t["bytes"]) for t in tokens) == raw:
        spans, pos = [], 0
        for t in tokens:
            end = pos + len(t["bytes"])
            # A token that ends inside a character is counted as covering it.
            spans.append((len(raw[:pos].decode("utf-8", "ignore")), len(raw[:end].decode("utf-8", "replace"))))
            pos = end
    return spans


def _value_span(content: str, name: str) -> tuple[int, int] | None:
    """Character span of field `name`'s string value (quotes excluded) in the raw JSON `content`."""
    key = re.escape(json.dumps(name, ensure_ascii=False))
    match = re.search(key + r'\s*:\s*"((?:[^"\\]|\\.)*)"', content)
    return match.span(1) if match else None


def _alternatives(
    content: str, value_start: int, first: dict[str, Any], first_start: int, options: list[str]
) -> dict[str, float]:
    """Options whose spelling starts with a top_logprobs candidate for the value's first token.

    Best effort: a candidate's probability counts for an option only when exactly one allowed option
    starts with it, and it is the probability of that first token only, so an upper bound.
    """
    before = content[first_start:value_start]  # e.g. the opening quote, when a token holds both
    escaped = {json.dumps(o, ensure_ascii=False)[1:-1]: o for o in options}
    found: dict[str, float] = {}
    for candidate in first.get("top_logprobs") or []:
        text = candidate.get("token") or ""
        if not text.startswith(before) or len(text) == len(before):
            continue
        fragment = text[len(before) :]
        if '"' in fragment:  # the candidate closes the string: it spells a whole value
            matches = [o for e, o in escaped.items() if e == fragment.split('"')[0]]
        else:
            matches = [o for e, o in escaped.items() if e.startswith(fragment)]
        if len(matches) == 1:
            p = math.exp(candidate.get("logprob", -math.inf))
            found[matches[0]] = max(found.get(matches[0], 0.0), p)
    return found


def field_confidences(
    schema: TicketSchema,
    ticket: dict[str, Any],
    content: str,
    tokens: list[dict[str, Any]],
    thresholds: dict[str, float] | None = None,
) -> tuple[dict[str, float], dict[str, list[dict[str, Any]]], list[str]]:
    """Per enum field: exp(sum of the logprobs of the tokens that spell its value), and alternatives;
    reasons for review (a value not found, a confidence under its field's threshold).

    The tokens counted are those that overlap the value's characters or its closing quote (the quote
    tells "Desktop" from "Desktop Support", as in the engine). These are token probabilities under
    the server's decoding, not probabilities over the allowed options: not calibrated like the engine's.
    """
    spans = _token_spans(content, tokens)
    if not spans:
        return {}, {}, ["backend logprobs do not spell the answer: confidence unknown"]
    confidence: dict[str, float] = {}
    alternatives: dict[str, list[dict[str, Any]]] = {}
    reasons: list[str] = []
    for f in schema.enum_fields:
        span = _value_span(content, f.name) if f.name in ticket else None
        covering = [i for i, (s, e) in enumerate(spans) if span and s < span[1] + 1 and e > span[0]]
        if not covering or spans[covering[-1]][1] < span[1] + 1:  # the tokens must reach the closing quote
            reasons.append(f"{f.name}: value not found in the logprobs, confidence unknown")
            continue
        p = math.exp(sum(tokens[i].get("logprob", -math.inf) for i in covering))
        chosen = {k: v for k, v in ticket.items() if k != f.name}
        options = schema.allowed_values(f.name, chosen)
        first = covering[0]
        probs = _alternatives(content, span[0], tokens[first], spans[first][0], options)
        probs[ticket[f.name]] = p  # the chosen value's own probability, over all its tokens
        decision = decide_field(f.name, probs, (thresholds or {}).get(f.name, 0.0), chosen=ticket[f.name])
        confidence[f.name] = decision.confidence
        alternatives[f.name] = decision.alternatives
        if decision.review_reason:
            reasons.append(decision.review_reason)
    return confidence, alternatives, reasons


def _ticket_errors(schema: TicketSchema, ticket: Any, classification_only: bool) -> list[FieldError]:
    if not classification_only:
        return schema.errors(ticket)
    # Text fields were not asked for; every enum field still must be there (partial skips that).
    errors = schema.errors(ticket, partial=True)
    if not isinstance(ticket, dict):
        return errors
    return [FieldError(f.name, "missing") for f in schema.enum_fields if f.name not in ticket] + errors


def parse_completion(
    schema: TicketSchema,
    completion: dict[str, Any],
    classification_only: bool = False,
    review_thresholds: dict[str, float] | None = None,
    wrapped: bool = False,
) -> tuple[dict[str, Any], dict[str, float], dict[str, list[dict[str, Any]]], list[str]]:
    """A chat completion (as a dict) -> (ticket, confidence, alternatives, reasons); never raises.

    An answer that is not JSON or breaks the schema comes back with reasons "invalid: <field>: <why>"
    and the ticket as parsed ({} when it is not a JSON object), so one bad answer never stops a batch.
    """
    choices = completion.get("choices") or []
    if not choices:
        return {}, {}, {}, [f"{INVALID} the response has no choices"]
    choice = choices[0]
    message = choice.get("message") or {}
    content = message.get("content")
    if not isinstance(content, str):
        refusal = message.get("refusal")
        return {}, {}, {}, [f"{INVALID} the response has no content" + (f" (refusal: {refusal})" if refusal else "")]
    reasons = []
    if choice.get("finish_reason") == "length":
        reasons.append(f"{INVALID} the answer was cut at the token limit")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as e:
        return {}, {}, {}, [*reasons, f"{INVALID} the answer is not JSON ({e.msg} at character {e.pos})"]
    if wrapped:
        if not (isinstance(data, dict) and set(data) == {STRICT_ROOT_KEY}):
            return {}, {}, {}, [*reasons, f"{INVALID} the answer is not wrapped in {STRICT_ROOT_KEY!r}"]
        data = data[STRICT_ROOT_KEY]
    ticket = data if isinstance(data, dict) else {}
    if classification_only:
        ticket = {k: v for k, v in ticket.items() if k not in {f.name for f in schema.text_fields}}
    for f in schema.text_fields:
        value = ticket.get(f.name)
        if isinstance(value, str) and len(value) > f.max_length:
            ticket[f.name] = cut_on_word(value, f.max_length)
            reasons.append(f"{f.name}: cut to {f.max_length} characters (was {len(value)})")
    errors = _ticket_errors(schema, ticket if isinstance(data, dict) else data, classification_only)
    if errors:
        return ticket, {}, {}, [*reasons, *(f"{INVALID} {e}" for e in errors)]
    tokens = (choice.get("logprobs") or {}).get("content")
    if not tokens:
        return ticket, {}, {}, [*reasons, NO_LOGPROBS]
    thresholds = review_thresholds or schema.review_thresholds()
    confidence, alternatives, more = field_confidences(schema, ticket, content, tokens, thresholds)
    return ticket, confidence, alternatives, reasons + more


# ---- the backend ----------------------------------------------------------------------------
class OpenAIBackend:
    """`predict()` / `predict_batch()` like `TriageEngine`, over an OpenAI-compatible server.

    The `openai` SDK does the HTTP: it retries 408/409/429/5xx and timeouts `max_retries` times with
    exponential backoff and honours Retry-After; what still fails is raised as `BackendError` naming
    the server. `concurrency` > 1 sends that many requests at once (servers batch concurrent requests).
    `openai_strict` (None: on for api.openai.com and Azure OpenAI) adapts the schema to OpenAI's strict
    subset, see `openai_strict_schema`. `extra_body` is merged into every request (server-specific
    fields, e.g. vLLM's `structured_outputs`).
    """

    def __init__(
        self,
        model: str,
        schema: TicketSchema,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        review_threshold: float | dict[str, float] | None = None,
        logprobs: bool = True,
        concurrency: int = 1,
        max_input_chars: int = DEFAULT_MAX_INPUT_CHARS,
        max_tokens: int | None = None,
        openai_strict: bool | None = None,
        extra_body: dict[str, Any] | None = None,
    ):
        import openai  # here, not at the top: importing this module stays light

        self._openai = openai
        self.client = openai.OpenAI(
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_API_KEY,
            timeout=timeout,
            max_retries=max_retries,
        )
        self.base_url = str(self.client.base_url).rstrip("/")
        self.model = model
        self.schema = schema
        self.timeout = timeout
        self.max_retries = max_retries
        # As in the engine: the schema's per-field thresholds; a number overrides them all.
        self.review_thresholds = schema.review_thresholds(review_threshold)
        self.logprobs = logprobs  # turned off for good when the server rejects it
        self.concurrency = max(1, concurrency)
        self.max_input_chars = max_input_chars
        self.max_tokens = max_tokens
        host = urlparse(self.base_url).hostname or ""
        auto_strict = host == "api.openai.com" or host.endswith(".openai.azure.com")
        self.openai_strict = auto_strict if openai_strict is None else openai_strict
        self.extra_body = dict(extra_body or {})
        self.name = f"openai:{model}@{self.base_url}"

    # ---- one request ------------------------------------------------------------------------
    def _request(self, text: str, classification_only: bool) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": build_messages(self.schema, text),
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": _schema_name(self.schema),
                    "schema": response_json_schema(self.schema, classification_only, self.openai_strict),
                    "strict": True,
                },
            },
        }
        if self.max_tokens:
            request["max_tokens"] = self.max_tokens
        if self.extra_body:
            request["extra_body"] = self.extra_body
        return request

    def _complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request; a 4xx that names logprobs is retried once without them, and remembered."""
        openai = self._openai
        create = self.client.chat.completions.create
        try:
            if not self.logprobs:
                return create(**request).to_dict()
            try:
                return create(**request, logprobs=True, top_logprobs=TOP_LOGPROBS).to_dict()
            except (openai.BadRequestError, openai.UnprocessableEntityError) as e:
                if "logprobs" not in str(e).lower():
                    raise
                self.logprobs = False  # this server will not be asked for them again
                return create(**request).to_dict()
        except openai.APITimeoutError as e:
            raise BackendError(
                f"{self.base_url}: no answer within {self.timeout:g} s ({self._attempts()}, model {self.model!r})"
            ) from e
        except openai.APIConnectionError as e:
            raise BackendError(f"cannot reach {self.base_url} ({self._attempts()}): {e.__cause__ or e}") from e
        except openai.APIStatusError as e:
            retried = e.status_code in (408, 409, 429) or e.status_code >= 500  # what the SDK retries
            attempts = f"gave up after {self._attempts()}" if retried else "not retried"
            raise BackendError(
                f"{self.base_url} answered HTTP {e.status_code} for model {self.model!r} ({attempts}): "
                f"{_error_detail(e)}"
            ) from e

    # ---- public API -------------------------------------------------------------------------
    def predict(self, text: str, classification_only: bool = False) -> TriageResult:
        """Triage one ticket. `classification_only` leaves text fields out of the requested schema."""
        start = time.perf_counter()
        reasons = []
        if len(text) > self.max_input_chars:
            reasons.append(f"input truncated to {self.max_input_chars} characters (was {len(text)})")
            text = text[: self.max_input_chars]
        if not text.strip():
            reasons.append("empty ticket text")
        completion = self._complete(self._request(text, classification_only))
        ticket, confidence, alternatives, more = parse_completion(
            self.schema, completion, classification_only, self.review_thresholds, wrapped=self._wrapped()
        )
        reasons += more
        return TriageResult(
            ticket=ticket,
            confidence=confidence,
            alternatives=alternatives,
            status="review" if reasons else "auto",
            reasons=reasons,
            timing_ms=round((time.perf_counter() - start) * 1000, 1),
            model=self.name,
        )

    def predict_batch(
        self,
        texts: list[str],
        classification_only: bool = False,
        progress: bool = False,
        batch_size: int | None = None,
    ) -> list[TriageResult]:
        """Triage many tickets, `concurrency` requests at a time; results keep the input order.

        `batch_size` (the engine's knob) overrides `concurrency` for this call: the server does the
        batching, the client only decides how many requests are in flight.
        """
        from tqdm.auto import tqdm

        texts = list(texts)
        bar = tqdm(total=len(texts), desc="triage", unit="ticket", disable=not progress)
        pool = ThreadPoolExecutor(max_workers=max(1, batch_size or self.concurrency))
        futures = [pool.submit(self.predict, t, classification_only) for t in texts]
        try:
            for future in as_completed(futures):
                future.result()  # a BackendError stops the batch here, pending requests are dropped
                bar.update()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            bar.close()
        return [f.result() for f in futures]

    def _attempts(self) -> str:
        n = self.max_retries + 1
        return f"{n} attempt" if n == 1 else f"{n} attempts"

    def _wrapped(self) -> bool:
        return self.openai_strict and bool(self.schema.rules)


def _error_detail(e: Any) -> str:
    """The server's own error message when it sent one (OpenAI and vLLM: {"error": {"message": ...}})."""
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return str(message)[:500]
    return str(getattr(e, "message", e))[:500]
