"""`triage serve`: the triage API and a small web page (FastAPI + uvicorn).

    triage serve                                             # the shipped adapter on http://127.0.0.1:8000
    triage serve --model outputs/cpu-smollm2/adapter --host 0.0.0.0 --port 8080
    TRIAGE_API_KEYS=k1,k2 triage serve                       # bearer keys required (or --api-key-file FILE)

    curl -s localhost:8000/v1/triage -H 'content-type: application/json' \\
         -d '{"subject": "VPN down", "description": "drops every ten minutes since 9am"}'

Open http://127.0.0.1:8000/ for the page (paste a ticket, see the JSON ticket, confidence bars and
alternatives) and /docs for the OpenAPI documentation. Routes:

    POST /v1/triage   one ticket ({"text"} or {"subject", "description"}) or {"tickets": [...]};
                      returns results (ticket, confidence, top-k, status, reasons), model version, timing
    GET  /v1/schema   the JSON Schema in force
    GET  /v1/drift    PSI of the recent predictions against the adapter's reference distribution
    GET  /healthz     200 while the process is alive
    GET  /readyz      200 once the model is loaded; 503 with the reason while loading or after a failure
    GET  /metrics     Prometheus: requests, latency, batch sizes, ticket status, labels, drift PSI
    POST /classify    {"ticket": text} -> {"category": ...}                      (simple clients)
    POST /predict     {"subject", "description"} -> category, confidence, top_3,
                      requires_review, model_version                              (simple clients)

How it holds up:
- The model loads once, in a thread the lifespan starts: /healthz answers at once and /readyz says
  503 until the model is ready. If loading fails, the process stays up and /readyz and the triage
  routes answer 503 with the reason.
- Concurrent requests are micro-batched: a waiting ticket opens a short collection window
  (--batch-window-ms, spent only when other requests are on their way), and up to --batch-size
  tickets go through the engine's batched decoding together. Throughput rises with concurrency.
- The queue of waiting tickets is bounded (--max-queue). When it is full, the answer is 503 with
  Retry-After instead of an ever-growing wait. A request that fails gets a 500 with an error id,
  and the worker goes on.
- Limits: text longer than --max-text-chars or a batch of more than --max-request-tickets gets 413;
  a body that is not strict UTF-8 JSON (duplicate keys, deep nesting, huge numbers) 400; a content
  type other than JSON 415; wrong types, blank text and unknown fields 422. Each names the field.
  Every error, 404 and 405 included, has the same body: {"detail": ..., "message": "..."}.
- Slow or vanished clients: request headers must arrive within --header-timeout, the body within
  --body-timeout (else 408); a client that disconnects has its waiting tickets dropped, not decoded.
- Ticket text is never logged unless --log-tickets is given (tickets carry personal data).
- API keys: bearer tokens from $TRIAGE_API_KEYS (comma-separated) or --api-key-file (one per line).
  Without a key such a service answers 401; a key in the query string (?api_key=) gets 400. /healthz,
  /readyz, the page and /docs stay open; the page has a field for the key. CORS is off unless
  --cors-origin is given. Answers name models, not server paths, unless --show-paths is given.

One process holds one copy of the model and decodes one batch at a time. Scale out with more
processes or replicas behind a load balancer, each with its own port.
"""

# No `from __future__ import annotations` here: FastAPI reads the route signatures (and pydantic the
# models) built inside create_app at run time, and string annotations there could not be resolved.
import argparse
import asyncio
import hmac
import json
import logging
import os
import re
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from inference.drift import DRIFT_REFERENCE_FILE, compact_row, drift_report, read_results
from ticket_triage.prompt import join_ticket_text, text_problem
from ticket_triage.schema import TicketSchema

log = logging.getLogger("triage.serve")
PAGE = Path(__file__).with_name("static") / "index.html"
API_KEYS_ENV = "TRIAGE_API_KEYS"
COMPAT_FIELD = "category"  # what /classify and /predict report (the first enum field if a schema lacks it)
TOP_N_COMPAT = 3
BATCHED_ROUTES = ("/v1/triage", "/classify", "/predict")  # the routes whose tickets go through the batcher
MAX_ERRORS_SHOWN = 20  # validation errors listed in one 4xx answer; the rest are counted
# Strict body parsing. A request is 3 levels deep ({"tickets": [{"text": ...}]}) and holds no
# number but a boolean, so these bounds refuse nothing a client needs; what they refuse costs the
# event loop: a million tiny values take ~0.4 s to parse, a 4,000-digit integer is slow to convert.
MAX_JSON_DEPTH = 8
MAX_NUMBER_CHARS = 32
MIN_JSON_TOKENS = 20_000  # strings, commas and brackets outside strings; more scale with tickets
# Query parameters that look like an API key: refused, since URLs end up in proxy and browser logs.
QUERY_KEY_NAMES = frozenset({"api_key", "apikey", "api-key", "key", "access_token", "token"})
CLIENT_CLOSED = 499  # nginx's status for "the client went away before the answer": never sent, only counted


@dataclass
class ServiceConfig:
    """The service's limits and switches; `triage serve` flags map one to one."""

    max_batch_size: int = 16  # tickets decoded together
    batch_window_ms: float = 50.0  # how long a batch waits for company (only when company is likely)
    max_queue: int = 128  # tickets waiting; beyond this, 503 + Retry-After
    max_text_chars: int = 20_000  # per ticket (subject + description); beyond, 413
    max_request_tickets: int = 64  # per request; beyond, 413
    max_body_bytes: int = 8 * 2**20  # per request body; beyond, 413 before the body is read
    body_timeout_s: float = 30.0  # from the request's headers to its body's last byte; beyond, 408
    retry_after_s: int = 2  # what a 503 tells the client to wait
    api_keys: frozenset[str] = frozenset()  # empty: no authentication
    cors_origins: tuple[str, ...] = ()  # empty: no CORS headers at all
    log_tickets: bool = False
    show_paths: bool = False  # server paths in /readyz, /v1/drift and error reasons (else names only)
    drift_window: int = 1000  # recent predictions compared with the reference

    def __post_init__(self) -> None:
        for name in (
            "max_batch_size",
            "max_queue",
            "max_text_chars",
            "max_request_tickets",
            "max_body_bytes",
            "drift_window",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_window_ms < 0:
            raise ValueError(f"batch_window_ms must not be negative, got {self.batch_window_ms}")
        if self.body_timeout_s <= 0:
            raise ValueError(f"body_timeout_s must be positive, got {self.body_timeout_s}")
        if self.max_request_tickets > self.max_queue:
            raise ValueError(
                f"max_request_tickets ({self.max_request_tickets}) must not exceed max_queue "
                f"({self.max_queue}): such a request could never be queued"
            )


@dataclass
class LoadedModel:
    """What loading produces: the engine (TriageEngine, a baseline or OpenAIBackend), its version, and
    the reference predictions drift is measured against (None: no drift)."""

    engine: Any
    version: str
    drift_reference: list[dict[str, Any]] | None = None
    drift_reference_source: str = ""


class NotReady(Exception):
    pass


class QueueFull(Exception):
    pass


class ClientGone(Exception):
    """The client disconnected before its answer: nothing is sent, the request counts as 499."""


@dataclass
class _Job:
    text: str
    classification_only: bool
    future: asyncio.Future  # cancelled when the request ends without waiting for this ticket
    enqueued: float = field(default_factory=time.perf_counter)
    taken: bool = False  # out of the queue, in the batch being collected
    started: bool = False  # handed to the engine: it is decoded whatever happens to its request
    dropped: bool = False  # its request ended without it (see Service._drop)


@dataclass
class _Done:
    result: Any  # TriageResult
    queue_ms: float
    inference_ms: float
    batch_size: int
    batch: int  # which engine batch decoded it (a big request spans several)


# ---- metrics ----------------------------------------------------------------------------------
class Metrics:
    """Prometheus metrics in a registry of this service's own (two apps in one process do not clash)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "triage_http_requests", "HTTP requests by route and status code", ["route", "code"], registry=r
        )
        self.latency = Histogram(
            "triage_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.tickets = Counter("triage_tickets", "Tickets triaged, by status (auto or review)", ["status"], registry=r)
        self.labels = Counter(
            "triage_predicted_labels", "Predicted labels, by enum field and value", ["field", "value"], registry=r
        )
        self.batch_size = Histogram(
            "triage_batch_size",
            "Tickets per engine batch (micro-batching at work)",
            registry=r,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
        )
        self.inference_seconds = Histogram(
            "triage_batch_inference_seconds",
            "Engine wall time per batch",
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
        )
        self.queue = Gauge("triage_queue_tickets", "Tickets waiting for a batch", registry=r)
        self.rejected = Counter("triage_rejected_tickets", "Tickets refused, by reason", ["reason"], registry=r)
        self.failures = Counter("triage_batch_failures", "Engine batches that raised", registry=r)
        self.cancelled = Counter(
            "triage_cancelled_tickets",
            "Queued tickets dropped before decoding: their client disconnected or their request ended",
            registry=r,
        )
        self.ready = Gauge("triage_model_ready", "1 once the model is loaded, else 0", registry=r)
        self.model_info = Gauge("triage_model_info", "The model in service (value 1)", ["model", "version"], registry=r)
        self.drift_psi = Gauge(
            "triage_drift_psi", "PSI of the recent predictions against the reference", ["field", "measure"], registry=r
        )
        self.drift_window = Gauge("triage_drift_window_predictions", "Predictions in the drift window", registry=r)


# ---- the service: model state, micro-batching, drift window --------------------------------------
class Service:
    """What the routes share: the model once loaded, the micro-batcher, metrics and the drift window."""

    def __init__(self, schema: TicketSchema, config: ServiceConfig, load: Callable[[], LoadedModel]):
        self.schema = schema
        self.config = config
        self.metrics = Metrics()
        self.state = "loading"  # -> "ready" or "failed"
        self.error = ""
        self.model: LoadedModel | None = None
        self.model_name = ""  # set when the model is loaded
        self.window: deque[dict[str, Any]] = deque(maxlen=config.drift_window)
        self._load = load
        self._queue: asyncio.Queue[_Job] | None = None
        self._tasks: list[asyncio.Task] = []
        self._batches = 0  # engine batches run so far
        self._dead_in_queue = 0  # cancelled tickets still in the queue (skipped when the batcher reaches them)
        self.arriving = 0  # triage requests received but not yet queued (body still being read or parsed)
        # One thread runs the model: batches never overlap, and the event loop stays free for HTTP.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-engine")

    # lifecycle
    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._tasks.append(asyncio.create_task(self._load_then_serve(), name="triage-load"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _load_then_serve(self) -> None:
        started = time.perf_counter()
        try:
            model = await asyncio.get_running_loop().run_in_executor(self._executor, self._load)
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # noqa: BLE001 -- any failure (even SystemExit from a CLI helper) is a reason
            self.state, self.error = "failed", f"model failed to load: {type(e).__name__}: {e}"
            log.error("%s", self.error)
            return
        # The model as clients see it: a local folder by its name only (no server paths in answers).
        # Set once here, not per response: the name cannot change while the process runs.
        self.model_name = _public_name(model.engine.name)
        self.model, self.state = model, "ready"
        self.metrics.ready.set(1)
        self.metrics.model_info.labels(model=self.model_name, version=model.version).set(1)
        log.info(
            "model %s (version %s) ready in %.1f s", model.engine.name, model.version, time.perf_counter() - started
        )
        await self._batch_loop()

    def public(self, text: str) -> str:
        """`text` as clients may see it: absolute server paths cut to their last part, unless --show-paths."""
        return text if self.config.show_paths else _redact_paths(text)

    # submitting work
    @property
    def waiting(self) -> int:
        """Tickets queued for a batch whose requests still wait for them."""
        return self._queue.qsize() - self._dead_in_queue if self._queue else 0

    def arrived(self, request_state: dict[str, Any]) -> None:
        """This request is no longer on its way to the queue (queued, refused or answered)."""
        if request_state.pop("arriving", False):
            self.arriving -= 1

    async def triage(self, texts: list[str], classification_only: bool) -> list[_Done]:
        """Queue `texts` for the next batches and wait for their results (in order).

        Raises NotReady while the model is loading or after it failed, QueueFull when the waiting
        tickets plus these would exceed `max_queue` (all or nothing: a batch request is never split).
        """
        if self.state != "ready" or self._queue is None:
            raise NotReady(self.public(self.error) or "model is loading")
        if self.waiting + len(texts) > self.config.max_queue:
            self.metrics.rejected.labels(reason="queue_full").inc(len(texts))
            raise QueueFull(f"{self.waiting} tickets are waiting (limit {self.config.max_queue})")
        loop = asyncio.get_running_loop()
        jobs = [_Job(text, classification_only, loop.create_future()) for text in texts]
        for job in jobs:
            self._queue.put_nowait(job)
        self.metrics.queue.set(self.waiting)
        try:
            return list(await asyncio.gather(*(job.future for job in jobs)))
        finally:  # cancelled (the client went away) or one ticket failed: the rest need no decoding
            self._drop(jobs)

    def _drop(self, jobs: list[_Job]) -> None:
        """Cancel the tickets of `jobs` that have no answer; the batcher skips them, so they are never decoded.

        Their futures may be cancelled already (cancelling the request cancels what it awaits), so
        `dropped`, not the future, says which have been accounted for.
        """
        dropped = 0
        for job in jobs:
            if job.future.done() and not job.future.cancelled():  # answered, or failed
                continue
            job.future.cancel()
            job.dropped = True
            if not job.started:  # a ticket already in the engine is decoded anyway
                dropped += 1
            if not job.taken:
                self._dead_in_queue += 1
        if dropped:
            self.metrics.cancelled.inc(dropped)
            self.metrics.queue.set(self.waiting)

    def _take(self, job: _Job) -> _Job | None:
        """`job`, just out of the queue, unless its request has dropped it."""
        job.taken = True
        if job.dropped:
            self._dead_in_queue -= 1
            return None
        return job

    async def _next_job(self) -> _Job:
        while True:
            if (job := self._take(await self._queue.get())) is not None:
                return job

    def _next_job_nowait(self) -> _Job | None:
        while not self._queue.empty():
            if (job := self._take(self._queue.get_nowait())) is not None:
                return job
        return None

    async def _batch_loop(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        window_s = self.config.batch_window_ms / 1000
        last_batch = 0
        while True:
            jobs = [await self._next_job()]
            # The collection window: wait for company until the batch is full or the window closes,
            # but only when company is likely: requests are being received right now, or the last
            # batch had several tickets (concurrent clients, whose next requests are on their way).
            # A lone client therefore never waits for the window.
            deadline = loop.time() + window_s
            while len(jobs) < self.config.max_batch_size:
                if (job := self._next_job_nowait()) is not None:
                    jobs.append(job)
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0 or not (self.arriving > 0 or last_batch > 1):
                    break
                try:  # short steps: `arriving` can drop to 0 (a request refused) without a queue event
                    jobs.append(await asyncio.wait_for(self._next_job(), min(remaining, 0.002)))
                except asyncio.TimeoutError:
                    continue
            last_batch = len(jobs)
            jobs = [job for job in jobs if not job.future.done()]  # clients gone during the window
            self.metrics.queue.set(self.waiting)
            if not jobs:
                continue
            for job in jobs:
                job.started = True
            started = time.perf_counter()
            try:
                outcomes = await loop.run_in_executor(self._executor, self._run_batch, jobs)
            except Exception as e:  # noqa: BLE001 -- a bug outside the engine call must not stop the loop
                error_id = uuid.uuid4().hex[:8]
                log.exception("batch of %d ticket(s) failed (error id %s)", len(jobs), error_id)
                outcomes = [EngineFailed(error_id, type(e).__name__)] * len(jobs)
            for job, outcome in zip(jobs, outcomes):
                if job.future.done():
                    continue
                if isinstance(outcome, BaseException):
                    job.future.set_exception(outcome)
                else:
                    result, inference_ms, size, batch = outcome
                    queue_ms = (started - job.enqueued) * 1000
                    job.future.set_result(_Done(result, round(queue_ms, 1), round(inference_ms, 1), size, batch))

    def _run_batch(self, jobs: list[_Job]) -> list[Any]:
        """In the engine thread: one engine call per mode (full or classification only) in the batch."""
        assert self.model is not None
        outcomes: list[Any] = [None] * len(jobs)
        for mode in (False, True):
            members = [i for i, job in enumerate(jobs) if job.classification_only is mode]
            if members:
                self._run_group(jobs, members, mode, outcomes)
        return outcomes

    def _run_group(self, jobs: list[_Job], members: list[int], mode: bool, outcomes: list[Any]) -> None:
        """One engine call for `members`; if it fails, one call per ticket, so only a guilty ticket fails.

        Without the retry, one ticket the engine could not handle failed every other client's ticket
        that happened to share its batch.
        """
        assert self.model is not None
        started = time.perf_counter()
        try:
            results = self.model.engine.predict_batch(
                [jobs[i].text for i in members], classification_only=mode, batch_size=self.config.max_batch_size
            )
            if len(results) != len(members):
                raise RuntimeError(f"engine returned {len(results)} results for {len(members)} tickets")
        except Exception as e:  # noqa: BLE001 -- one bad batch must not take the worker down
            error_id = uuid.uuid4().hex[:8]
            retry = "; retrying its tickets one at a time" if len(members) > 1 else ""
            log.exception("engine batch of %d ticket(s) failed (error id %s)%s", len(members), error_id, retry)
            self.metrics.failures.inc()
            if retry:
                for i in members:
                    self._run_group(jobs, [i], mode, outcomes)
            else:
                outcomes[members[0]] = EngineFailed(error_id, f"{type(e).__name__}")
            return
        elapsed = time.perf_counter() - started
        self._batches += 1
        self.metrics.batch_size.observe(len(members))
        self.metrics.inference_seconds.observe(elapsed)
        for i, result in zip(members, results):
            outcomes[i] = (result, elapsed * 1000, len(members), self._batches)
            self._record(result)
            if self.config.log_tickets:
                log.info("ticket %r -> %s", jobs[i].text, result.ticket)

    def _record(self, result: Any) -> None:
        self.metrics.tickets.labels(status=result.status).inc()
        for f in self.schema.enum_fields:
            if f.name in result.ticket:
                self.metrics.labels.labels(field=f.name, value=result.ticket[f.name]).inc()
        self.window.append(compact_row(result.to_dict(), self.schema))  # deque.append is thread-safe

    # drift
    def drift(self) -> dict[str, Any]:
        """The drift report of the window against the reference (a JSON-ready dict)."""
        reference = self.model.drift_reference if self.model else None
        window = list(self.window)
        base: dict[str, Any] = {"window": len(window), "window_size": self.config.drift_window}
        if not reference:
            how = (
                f"run `triage calibrate` on the adapter (writes {DRIFT_REFERENCE_FILE}) or start the "
                "service with --drift-reference FILE (any `triage predict --output` file)"
            )
            return base | {"available": False, "reason": f"no reference distribution: {how}"}
        base |= {"available": True, "reference": self.public(self.model.drift_reference_source)}
        if not window:
            return base | {
                "max_psi": None,
                "verdict": "n/a",
                "measures": [],
                "warnings": ["no predictions in the window yet"],
            }
        return base | drift_report(self.schema, reference, window)

    def update_drift_metrics(self) -> None:
        report = self.drift()
        self.metrics.drift_window.set(report["window"])
        for m in report.get("measures", []):
            if m["psi"] is not None:
                self.metrics.drift_psi.labels(field=m["field"], measure=m["measure"]).set(m["psi"])


class EngineFailed(Exception):
    def __init__(self, error_id: str, kind: str):
        super().__init__(f"triage failed ({kind}); error id {error_id} is in the server log")
        self.error_id = error_id


# ---- loading a model for the service ----------------------------------------------------------
def load_for_service(args: argparse.Namespace) -> LoadedModel:
    """Load the model `triage serve` was started with, its version and its drift reference."""
    from inference.baselines import is_baseline
    from inference.loader import OPENAI_PREFIX, load_triager
    from ticket_triage.models import default_model, folder_version, resolve_model

    model = args.model or default_model()
    engine = load_triager(args, model)
    if model.startswith(OPENAI_PREFIX):
        folder: str | None = None
    elif is_baseline(model):
        folder = model
    else:
        resolved = resolve_model(model)
        folder = resolved.adapter or resolved.base
    version = folder_version(folder) if folder else model
    reference_path = args.drift_reference or (Path(folder) / DRIFT_REFERENCE_FILE if folder else None)
    reference, source = None, ""
    if reference_path and (args.drift_reference or Path(reference_path).is_file()):
        reference, source = read_results(reference_path, engine.schema), str(reference_path)
    elif folder:
        log.warning(
            "no %s in %s: /v1/drift and the drift metrics stay empty (run `triage calibrate`)",
            DRIFT_REFERENCE_FILE,
            folder,
        )
    return LoadedModel(engine=engine, version=version, drift_reference=reference, drift_reference_source=source)


def _public_name(name: str) -> str:
    """A model name fit for answers: a local folder or file by its last part, anything else (a hub id,
    openai:NAME) as it is."""
    path = Path(name)
    return path.name if path.is_absolute() or path.exists() else name


# An absolute POSIX path, not part of a URL ("https://host/x") or of a relative path ("a/b").
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"`]+/)*([^\s/'\"`]+)")


def _redact_paths(text: str) -> str:
    """`text` with each absolute path cut to `.../last-part`: which folder, not where the server keeps it."""
    return _ABSOLUTE_PATH.sub(r".../\1", text)


# ---- reading a request body: strictly, and cheaply whatever its shape ---------------------------------
class BadBody(Exception):
    """A body refused before validation; `kind` is the error type clients see, `loc` where it is."""

    def __init__(self, status: int, kind: str, message: str, loc: tuple[str, ...] = ("body",)):
        super().__init__(message)
        self.status, self.kind, self.message, self.loc = status, kind, message, loc


def parse_json_body(body: bytes, max_tokens: int = MIN_JSON_TOKENS) -> Any:
    """The JSON value of a request body, or BadBody saying what is wrong with it.

    Stricter than json.loads: UTF-8 only, no duplicate keys, no NaN/Infinity, at most MAX_JSON_DEPTH
    levels, no number longer than MAX_NUMBER_CHARS, at most `max_tokens` strings, commas and brackets.
    The last two are checked on the bytes, before parsing, with C-speed counts: 8 MB of `[[],[],...]`
    is refused in under 20 ms instead of being parsed in ~400 ms while every other request waits.
    """
    if not body or body.isspace():
        raise BadBody(400, "json_invalid", "the body is empty; send a JSON object")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadBody(
            400, "utf8_invalid", f"the body is not valid UTF-8: byte 0x{body[e.start]:02x} at byte offset {e.start}"
        ) from None
    _check_json_shape(body, max_tokens)
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_bounded_number(int),
            parse_float=_bounded_number(float),
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as e:
        raise BadBody(400, "json_invalid", f"not valid JSON at character {e.pos}: {e.msg}") from None
    except RecursionError:  # deeper than the interpreter's stack; the shape check counts depth too
        raise BadBody(400, "json_too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None


def _check_json_shape(body: bytes, max_tokens: int) -> None:
    """Token count and nesting depth from the bytes outside strings (BadBody if over the limits)."""
    if b"\\" in body:  # an escaped quote or backslash is inside a string: out of the way first
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    strings = body.count(b'"') // 2
    if strings > max_tokens:  # counted before splitting, which costs per piece
        raise _too_many_tokens(strings, max_tokens)
    outside = b"".join(body.split(b'"')[0::2])
    brackets = outside.translate(None, _NOT_BRACKETS)
    tokens = strings + outside.count(b",") + len(brackets)
    if tokens > max_tokens:
        raise _too_many_tokens(tokens, max_tokens)
    depth = 0
    for byte in brackets:  # at most max_tokens of them
        depth += 1 if byte in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise BadBody(400, "json_too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _too_many_tokens(counted: int, limit: int) -> BadBody:
    message = f"the body has {counted:,}+ JSON tokens (strings, commas, brackets); at most {limit:,}"
    return BadBody(413, "json_too_large", message)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a client (or a proxy) may have meant the first.
    obj: dict[str, Any] = {}
    for key, value in pairs:  # a Python loop is cheap here: the shape check bounded the keys
        if key in obj:
            raise BadBody(400, "duplicate_key", f"key {_quoted(key)} appears more than once in one JSON object")
        obj[key] = value
    return obj


def _bounded_number(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(digits: str) -> Any:
        if len(digits) > MAX_NUMBER_CHARS:
            raise BadBody(400, "number_too_long", f"a number of {len(digits):,} characters; at most {MAX_NUMBER_CHARS}")
        return convert(digits)

    return parse


def _no_constant(name: str) -> Any:
    raise BadBody(400, "json_invalid", f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def _quoted(text: str, limit: int = 40) -> str:
    """`text` clipped and JSON-quoted: safe in a message whatever the client sent (lone surrogates too)."""
    return json.dumps(text[:limit] + ("..." if len(text) > limit else ""))


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


class StrictJSONRequest(Request):
    """A request whose JSON body `read_json` parsed (strictly) before FastAPI asks for it."""

    _parsed: Any = None

    async def read_json(self, max_tokens: int) -> None:
        content_type = self.headers.get("content-type", "")
        where = ("header", "content-type")
        if not _is_json(content_type):
            given = f"Content-Type {_quoted(content_type)}" if content_type else "no Content-Type"
            raise BadBody(415, "unsupported_media_type", f"{given}; send 'Content-Type: application/json'", where)
        if (charset := _charset(content_type)) not in (None, "utf-8", "utf8"):
            raise BadBody(415, "unsupported_media_type", f"charset {_quoted(charset)}; send the body as UTF-8", where)
        try:
            body = await self.body()
        except ClientDisconnect:
            raise ClientGone() from None
        self._parsed = parse_json_body(body, max_tokens)

    async def json(self) -> Any:
        return self._parsed


def strict_json_route(max_tokens: int) -> type[APIRoute]:
    """The route class of the app: a route with a body reads it with StrictJSONRequest; the model
    validation after that is FastAPI's own (and the OpenAPI schema stays as the models say)."""

    class StrictJSONRoute(APIRoute):
        def get_route_handler(self) -> Callable:
            handler = super().get_route_handler()
            if self.body_field is None:
                return handler

            async def strict_handler(request: Request) -> Response:
                strict = StrictJSONRequest(request.scope, request.receive)
                await strict.read_json(max_tokens)
                return await handler(strict)

            return strict_handler

    return StrictJSONRoute


async def answer_unless_gone(request: Request, work: Any) -> Any:
    """Await `work` (a coroutine); if the client disconnects first, cancel it and raise ClientGone.

    Uvicorn does not cancel a request whose client left, so without this a client that gave up (or
    timed out) still had its queued tickets decoded, taking the engine from clients still waiting.
    """
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request.receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this request itself is cancelled
        watcher.cancel()
        if not task.done():
            task.cancel()
    if task.done() and not task.cancelled():
        return task.result()
    await asyncio.wait({task})  # its cleanup (dropping the queued tickets) has run when we answer
    raise ClientGone()


async def _disconnected(receive: Callable) -> None:
    # The body has been read: the next message a server sends is the disconnect.
    while (await receive())["type"] != "http.disconnect":
        pass


# ---- the app ----------------------------------------------------------------------------------
def get_service(request: Request) -> "Service":
    """The dependency every route takes; tests override it to put a fake engine behind the API."""
    return request.app.state.service


def create_app(schema: TicketSchema, config: ServiceConfig, load: Callable[[], LoadedModel]) -> FastAPI:
    """The FastAPI app: its request and response models are built from `schema`, its model from `load()`."""
    from contextlib import asynccontextmanager

    service = Service(schema, config, load)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="ticket-triage",
        summary="Raw IT-support text in, a schema-valid JSON ticket out, with per-field confidence.",
        description=f"Schema in force: **{schema.name}** (version {schema.version}); `GET /v1/schema` returns it.",
        version="1",
        lifespan=lifespan,
    )
    app.state.service = service
    # Every route with a body reads it strictly (see parse_json_body); a request of N tickets needs
    # about 12 tokens a ticket, so the token bound never refuses a request within the ticket limit.
    app.router.route_class = strict_json_route(max(MIN_JSON_TOKENS, 32 * config.max_request_tickets))
    ServiceDep = Annotated[Service, Depends(get_service)]
    TicketId = Annotated[
        Annotated[StrictStr, Field(max_length=200)] | StrictInt | None,
        Field(description="Yours, returned with the ticket's result: a string (at most 200 characters) or integer."),
    ]

    # -- request and response models, derived from the schema ----------------------------------
    class TicketIn(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: TicketId = None
        text: StrictStr | None = Field(None, description="The whole ticket. Or give subject and/or description.")
        subject: StrictStr | None = Field(None, description="The ticket's subject line.")
        description: StrictStr | None = Field(None, description="The ticket's body.")

        @model_validator(mode="after")
        def _one_text(self) -> "TicketIn":
            _check_text_fields(self.text, self.subject, self.description)
            return self

    class TriageRequest(BaseModel):
        model_config = ConfigDict(
            extra="forbid",
            json_schema_extra={
                "examples": [
                    {"subject": "VPN down", "description": "VPN drops every ten minutes since this morning"},
                    {
                        "tickets": [{"text": "Printer on floor 3 jams"}, {"text": "Need Visio installed"}],
                        "classification_only": True,
                    },
                ]
            },
        )
        id: TicketId = None
        text: StrictStr | None = Field(None, description="One ticket's whole text.")
        subject: StrictStr | None = Field(None, description="One ticket's subject line.")
        description: StrictStr | None = Field(None, description="One ticket's body.")
        tickets: list[TicketIn] | None = Field(
            None, min_length=1, description=f"A batch (at most {config.max_request_tickets})."
        )
        classification_only: StrictBool = Field(False, description="Skip the free-text fields (faster).")

        @field_validator("tickets", mode="before")
        @classmethod
        def _not_too_many(cls, value: Any) -> Any:
            # Counted before any ticket is validated: 100,000 empty tickets were validated one by one
            # (the event loop blocked ~37 s) and answered with 100,000 errors before the limit was read.
            if isinstance(value, list) and len(value) > config.max_request_tickets:
                raise PydanticCustomError(
                    "too_many_tickets",
                    "{count} tickets; at most {limit} per request",
                    {"count": len(value), "limit": config.max_request_tickets},
                )
            return value

        @model_validator(mode="after")
        def _one_or_many(self) -> "TriageRequest":
            single = (self.text, self.subject, self.description)
            if self.tickets is not None:
                if any(v is not None for v in (*single, self.id)):
                    raise ValueError(
                        "give either id/text/subject/description (one ticket) or tickets (a batch), not both"
                    )
            else:
                _check_text_fields(*single)
            return self

        def texts(self) -> list[tuple[str, str]]:
            """(where, text) of every ticket in the request."""
            if self.tickets is None:
                return [("body", join_ticket_text([self.text, self.subject, self.description]))]
            return [
                (f"tickets[{i}]", join_ticket_text([t.text, t.subject, t.description]))
                for i, t in enumerate(self.tickets)
            ]

        def ids(self) -> list[str | int | None]:
            return [self.id] if self.tickets is None else [t.id for t in self.tickets]

    ticket_fields: dict[str, Any] = {}
    for f in schema.fields:
        if f.type == "enum":
            ticket_fields[f.name] = (Literal[tuple(f.values)], Field(description=f.description))
        else:  # absent when classification_only
            ticket_fields[f.name] = (str | None, Field(None, description=f.description, max_length=f.max_length))
    Ticket = create_model("Ticket", **ticket_fields)

    class Alternative(BaseModel):
        value: str
        probability: float

    class Result(BaseModel):
        id: str | int | None = Field(None, description="The ticket's id, when the request gave one.")
        ticket: Ticket  # type: ignore[valid-type]
        confidence: dict[str, float] = Field(description="Per enum field: probability of the chosen value.")
        alternatives: dict[str, list[Alternative]] = Field(description="Per enum field: the top options.")
        status: Literal["auto", "review"]
        reasons: list[str] = Field(description="Why the ticket goes to review (empty for auto).")
        model: str
        timing_ms: float = Field(
            description="Engine wall time from the start of this ticket's batch to its own answer (no queue time)."
        )

    class Timing(BaseModel):
        queue_ms: float = Field(description="Longest wait of this request's tickets for a batch.")
        inference_ms: float = Field(description="Engine time of the batch(es) that decoded them.")
        total_ms: float = Field(description="Request received to response ready.")
        batch_size: int = Field(description="Largest engine batch this request's tickets were decoded in.")

    class TriageResponse(BaseModel):
        results: list[Result]
        model: str
        model_version: str
        timing: Timing

    class ClassifyRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        ticket: StrictStr = Field(description="The ticket text.")

        @model_validator(mode="after")
        def _not_blank(self) -> "ClassifyRequest":
            _check_text_fields(self.ticket, None, None, name="ticket")
            return self

    class ClassifyResponse(BaseModel):
        category: str

    class PredictRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        subject: StrictStr | None = None
        description: StrictStr | None = None

        @model_validator(mode="after")
        def _not_blank(self) -> "PredictRequest":
            _check_text_fields(None, self.subject, self.description)
            return self

    class Option(BaseModel):
        category: str
        confidence: float

    class PredictResponse(BaseModel):
        category: str
        confidence: float
        top_3: list[Option]
        requires_review: bool
        model_version: str

    # -- access ----------------------------------------------------------------------------------
    bearer = HTTPBearer(auto_error=False, description=f"Only when the service has API keys (${API_KEYS_ENV}).")

    def require_key(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if not config.api_keys:
            return
        given = (credentials.credentials if credentials else "").encode()
        # compare_digest against every key: the time taken says nothing about how close a guess was
        if not any(hmac.compare_digest(given, key.encode()) for key in config.api_keys):
            raise HTTPException(
                401,
                "missing or wrong API key: send the header 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )

    Protected = [Depends(require_key)]

    # -- running tickets through the service -------------------------------------------------------
    def check_sizes(texts: list[tuple[str, str]]) -> None:
        if len(texts) > config.max_request_tickets:
            raise HTTPException(
                413,
                [
                    _error(
                        ["body", "tickets"],
                        f"{len(texts)} tickets; at most {config.max_request_tickets} per request",
                        "too_many_tickets",
                    )
                ],
            )
        too_long = [
            _error(
                where.split("."),
                f"ticket text is {len(text):,} characters; the limit is {config.max_text_chars:,}",
                "too_long",
            )
            for where, text in texts
            if len(text) > config.max_text_chars
        ]
        if too_long:
            raise HTTPException(413, too_long)

    async def run(service: Service, request: Request, texts: list[str], classification_only: bool) -> list[_Done]:
        request.state.tickets = len(texts)
        service.arrived(request.scope["state"])
        try:
            return await answer_unless_gone(request, service.triage(texts, classification_only))
        except NotReady as e:
            raise HTTPException(503, f"not ready: {e}", headers={"Retry-After": str(config.retry_after_s)}) from None
        except QueueFull as e:
            raise HTTPException(
                503, f"busy: {e}; retry later", headers={"Retry-After": str(config.retry_after_s)}
            ) from None
        except EngineFailed as e:
            raise HTTPException(500, str(e)) from None

    def version(service: Service) -> str:
        return service.model.version if service.model else ""

    # -- routes ------------------------------------------------------------------------------------
    # exclude_unset: a classification-only ticket has no summary key at all, rather than "summary": null
    @app.post(
        "/v1/triage",
        response_model=TriageResponse,
        response_model_exclude_unset=True,
        dependencies=Protected,
        tags=["triage"],
        responses={
            400: {"description": "Malformed JSON (or not strict: duplicate keys, deep nesting, huge numbers)"},
            401: {"description": "Missing or wrong API key"},
            408: {"description": "The body did not arrive within --body-timeout"},
            413: {"description": "Body, text or batch over the limit"},
            415: {"description": "Content-Type is not application/json"},
            422: {"description": "Wrong type, blank text or unknown field"},
            503: {"description": "Model not ready, or queue full (see Retry-After)"},
        },
    )
    async def triage(body: TriageRequest, request: Request, service: ServiceDep) -> Any:
        """Triage one ticket or a batch: schema-valid tickets with per-field confidence and alternatives."""
        started = time.perf_counter()
        located = body.texts()
        check_sizes(located)
        done = await run(service, request, [text for _, text in located], body.classification_only)
        results = [d.result.to_dict() | {"model": service.model_name} for d in done]
        for result, ticket_id in zip(results, body.ids()):
            if ticket_id is not None:  # absent, not null, when the client gave none (exclude_unset)
                result["id"] = ticket_id
        return {
            "results": results,
            "model": service.model_name,
            "model_version": version(service),
            "timing": {
                "queue_ms": max(d.queue_ms for d in done),
                "inference_ms": round(sum({d.batch: d.inference_ms for d in done}.values()), 1),
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
                "batch_size": max(d.batch_size for d in done),
            },
        }

    @app.get("/v1/schema", dependencies=Protected, tags=["triage"])
    async def json_schema() -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) every ticket this service returns is valid against."""
        return schema.json_schema()

    @app.get("/v1/drift", dependencies=Protected, tags=["monitoring"])
    async def drift(service: ServiceDep) -> dict[str, Any]:
        """PSI of the recent predictions (a sliding window) against the adapter's reference predictions."""
        return service.drift()

    @app.get("/healthz", tags=["monitoring"])
    async def healthz() -> dict[str, str]:
        """200 while the process is alive, whatever the model's state."""
        return {"status": "alive"}

    @app.get("/readyz", tags=["monitoring"], responses={503: {"description": "Loading, or failed (with reason)"}})
    async def readyz(service: ServiceDep) -> Any:
        """200 once the model is loaded; 503 with the state and reason otherwise. Models by name (a local
        folder by its last part); `--show-paths` adds where the server keeps them."""
        body = {"status": service.state, "schema": schema.name}
        if service.model:
            body |= {"model": service.model_name, "model_version": service.model.version}
            if config.show_paths:
                body |= {
                    "model_path": service.model.engine.name,
                    "drift_reference": service.model.drift_reference_source,
                }
        if service.state != "ready":
            body["reason"] = service.public(service.error) or "model is loading"
            return JSONResponse(body, status_code=503, headers={"Retry-After": str(config.retry_after_s)})
        return body

    @app.get("/metrics", dependencies=Protected, tags=["monitoring"], response_class=Response)
    async def metrics(service: ServiceDep) -> Response:
        """Prometheus text format: requests, latency, batch sizes, ticket status, labels, drift PSI."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        service.update_drift_metrics()
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    compat_field = COMPAT_FIELD if COMPAT_FIELD in {f.name for f in schema.enum_fields} else schema.enum_fields[0].name

    @app.post("/classify", response_model=ClassifyResponse, dependencies=Protected, tags=["simple clients"])
    async def classify(body: ClassifyRequest, request: Request, service: ServiceDep) -> Any:
        """`{"ticket": text}` -> `{"category": ...}`, for clients that want one label."""
        check_sizes([("body.ticket", body.ticket)])
        [done] = await run(service, request, [body.ticket.strip()], classification_only=True)
        return {"category": done.result.ticket[compat_field]}

    @app.post("/predict", response_model=PredictResponse, dependencies=Protected, tags=["simple clients"])
    async def predict(body: PredictRequest, request: Request, service: ServiceDep) -> Any:
        """Subject + description -> category, its confidence, the top 3, whether a person should review."""
        text = join_ticket_text([body.subject, body.description])
        check_sizes([("body", text)])
        [done] = await run(service, request, [text], classification_only=True)
        result = done.result
        return {
            "category": result.ticket[compat_field],
            "confidence": result.confidence.get(compat_field, 1.0),
            "top_3": [
                {"category": a["value"], "confidence": a["probability"]}
                for a in result.alternatives.get(compat_field, [])[:TOP_N_COMPAT]
            ],
            "requires_review": result.status == "review",
            "model_version": version(service),
        }

    page = PAGE.read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return page

    # -- errors: one body everywhere ({"detail", "message"}), say what and where, never echo ticket text
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for e in exc.errors():
            loc, msg = list(e.get("loc", ())), e.get("msg", "")
            if e.get("type") == "json_invalid":  # loc is ("body", character offset)
                at = loc[-1] if len(loc) > 1 else "?"
                loc, msg = ["body"], f"not valid JSON at character {at}: {(e.get('ctx') or {}).get('error', msg)}"
            errors.append(_error(loc, msg, e.get("type", "")))
        kinds = {e["type"] for e in errors}
        status = 400 if "json_invalid" in kinds else 413 if "too_many_tickets" in kinds else 422
        if len(errors) > MAX_ERRORS_SHOWN:  # a client needs the first few to fix its request, not thousands
            more = len(errors) - MAX_ERRORS_SHOWN
            errors = errors[:MAX_ERRORS_SHOWN] + [_error(["body"], f"... and {more} more errors", "more_errors")]
        return error_response(status, errors)

    @app.exception_handler(BadBody)
    async def bad_body(request: Request, exc: BadBody) -> Response:
        return error_response(exc.status, [_error(list(exc.loc), exc.message, exc.kind)])

    # Starlette's class, not FastAPI's subclass: the router's own 404 and 405 come through here too.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        path = _quoted(request.url.path, 100)
        if exc.status_code == 404 and type(exc) is StarletteHTTPException:
            detail = f"no route {request.method} {path}; the routes are listed at /docs"
        elif exc.status_code == 405 and type(exc) is StarletteHTTPException:
            allowed = (exc.headers or {}).get("Allow", "")
            detail = f"{request.method} is not allowed on {path}; use {allowed or 'another method'}"
        return error_response(exc.status_code, detail, headers=exc.headers)

    @app.exception_handler(ClientGone)
    async def client_gone(request: Request, exc: ClientGone) -> Response:
        # Nobody reads this answer; the status is for the request metrics and the log line.
        return Response(status_code=CLIENT_CLOSED)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        error_id = uuid.uuid4().hex[:8]
        log.error("unhandled error on %s (error id %s)", request.url.path, error_id, exc_info=exc)
        return error_response(500, f"internal error; error id {error_id} is in the server log")

    app.add_middleware(
        ObserveRequests,
        service=service,
        max_body_bytes=config.max_body_bytes,
        body_timeout_s=config.body_timeout_s,
    )
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app


def _check_text_fields(text: str | None, subject: str | None, description: str | None, name: str = "text") -> None:
    """The one rule of ticket input: text alone, or subject and/or description; never blank, always Unicode."""
    if text is not None and (subject is not None or description is not None):
        raise ValueError("give either text, or subject and/or description, not both")
    for field_name, value in ((name, text), ("subject", subject), ("description", description)):
        if value is not None and (problem := text_problem(value)):
            raise ValueError(f"{field_name}: {problem}")
    if text is not None:
        if not text.strip():
            raise ValueError(f"{name} is blank")
        return
    if subject is None and description is None:
        raise ValueError("no ticket text: give text, or subject and/or description")
    if not join_ticket_text([subject, description]):
        raise ValueError("subject and description are both blank")


def _error(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    # "input" (the offending value, often the whole ticket) is left out on purpose: it is personal
    # data, and a client already has it.
    return {"loc": loc, "field": _field_path(loc), "msg": msg.removeprefix("Value error, "), "type": kind}


def _field_path(loc: list[Any]) -> str:
    parts = [p for p in loc if p != "body"]
    path = ""
    for p in parts:
        path += f"[{p}]" if isinstance(p, int) else (f".{p}" if path else str(p))
    return path or "body"


def _message(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{e['field']}: {e['msg']}" for e in errors)


def error_body(detail: list[dict[str, Any]] | str) -> dict[str, Any]:
    """The one error body of the service: `detail` (input errors as a list of {loc, field, msg, type},
    anything else as a sentence) and `message`, one line a person can read."""
    return {"detail": detail, "message": _message(detail) if isinstance(detail, list) else str(detail)}


def _dump(body: dict[str, Any]) -> bytes:
    # ASCII-only JSON: a client's key with a lone surrogate in it comes back escaped ("\\ud800") instead
    # of failing to encode (a 500 in place of the 422 it deserves).
    return json.dumps(body, ensure_ascii=True).encode()


def error_response(status: int, detail: list[dict[str, Any]] | str, headers: dict[str, str] | None = None) -> Response:
    return Response(_dump(error_body(detail)), status_code=status, headers=headers, media_type="application/json")


def _key_in_query(scope: dict) -> str | None:
    """The name of a query parameter that looks like an API key, if the request has one."""
    query = scope.get("query_string") or b""
    for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name.strip().lower() in QUERY_KEY_NAMES:
            return name
    return None


class ObserveRequests:
    """ASGI middleware: request metrics and a log line per request (no bodies, no query strings), and
    what must hold before any route runs.

    - No API key in the query string: 400 at once, whatever the path (the key is not logged).
    - The body-size limit, checked on Content-Length before anything is read and counted on chunked
      bodies as they arrive, so a 1 GB upload is refused with 413 instead of filling memory.
    - The body deadline: a body still incomplete `body_timeout_s` after the headers gets 408 and the
      connection is closed, so a client that sends half a request and stalls does not hold it for ever.
    """

    def __init__(self, app: Any, service: Service, max_body_bytes: int, body_timeout_s: float):
        self.app, self.service = app, service
        self.max_body_bytes, self.body_timeout_s = max_body_bytes, body_timeout_s

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_observed(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        # A triage request counts as "arriving" from its first byte until its tickets are queued
        # (`Service.arrived`) or it is answered otherwise; the batcher waits for company while any are.
        state = scope.setdefault("state", {})
        if scope["method"] == "POST" and scope["path"] in BATCHED_ROUTES:
            self.service.arriving += 1
            state["arriving"] = True
        try:
            await self._limited(scope, receive, send_observed)
        finally:  # also when the app raised: the counter and the metrics must not leak
            self.service.arrived(state)
            route = scope.get("route")
            path = getattr(route, "path", None) or "(unmatched)"  # templates, not raw paths: bounded labels
            elapsed = time.perf_counter() - started
            metrics = self.service.metrics
            metrics.requests.labels(route=path, code=str(status["code"])).inc()
            metrics.latency.labels(route=path).observe(elapsed)
            tickets = state.get("tickets")
            log.info(
                "%s %s %d %.1f ms%s",
                scope["method"],
                path,
                status["code"],
                elapsed * 1000,
                f" tickets={tickets}" if tickets else "",
            )

    async def _limited(self, scope: dict, receive: Callable, send: Callable) -> None:
        if (name := _key_in_query(scope)) is not None:
            message = (
                f"an API key in the query string ({_quoted(name)}) is refused: URLs are written to proxy and "
                "browser logs. Send the header 'Authorization: Bearer <key>' instead, and treat this key as exposed"
            )
            await _send_error(send, 400, [_error(["query", name], message, "key_in_query")])
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            too_big = declared is not None and int(declared) > self.max_body_bytes
        except ValueError:
            too_big = False
        if too_big:
            message = f"request body is {int(declared):,} bytes; the limit is {self.max_body_bytes:,}"
            await _send_error(send, 413, [_error(["body"], message, "body_too_large")])
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout_s
        received, body_done = 0, False

        async def receive_limited() -> dict:
            nonlocal received, body_done
            if body_done:  # what is left is waiting for a disconnect, which has no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise BodyTimeout(self.body_timeout_s) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
                body_done = not message.get("more_body", False)
            else:
                body_done = True
            return message

        try:
            await self.app(scope, receive_limited, send)
        except (BodyTooLarge, BodyTimeout) as e:  # raised outside the app's handlers (they answer it themselves)
            await _send_error(send, e.status_code, e.detail, e.headers)


class BodyTooLarge(HTTPException):
    # An HTTPException: FastAPI turns any other error while reading a body into a 400.
    def __init__(self, limit: int):
        message = f"request body is over the limit of {limit:,} bytes"
        super().__init__(413, [_error(["body"], message, "body_too_large")])


class BodyTimeout(HTTPException):
    # The connection is closed after the 408: its client is stalled, so there is nothing to drain.
    # (A 413's connection stays open: uvicorn reads the rest of the body and drops it, and closing
    # at once could reset the connection before the client has read the answer.)
    def __init__(self, seconds: float):
        message = f"the request body did not arrive within {seconds:g} s of its headers"
        super().__init__(408, [_error(["body"], message, "body_timeout")], headers={"Connection": "close"})


async def _send_error(
    send: Callable, status: int, detail: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> None:
    """An error answer from outside the app (the middleware), with the app's error body."""
    payload = _dump(error_body(detail))
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


# ---- the command --------------------------------------------------------------------------------
def read_api_keys(path: str | None) -> frozenset[str]:
    """Keys from $TRIAGE_API_KEYS (comma-separated) and from `path` (one per line, # comments)."""
    keys = {k.strip() for k in os.environ.get(API_KEYS_ENV, "").split(",") if k.strip()}
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise SystemExit(f"error: --api-key-file {path}: {e.strerror}") from None
        keys |= {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}
        if not keys:
            raise SystemExit(f"error: --api-key-file {path} has no keys")
    return frozenset(keys)


def build_parser() -> argparse.ArgumentParser:
    from inference.loader import add_model_arguments

    defaults = ServiceConfig()
    parser = argparse.ArgumentParser(
        prog="triage serve",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1; 0.0.0.0 for all)"
    )
    parser.add_argument("--port", type=int, default=8000, help="default 8000")
    http = parser.add_argument_group("connections (uvicorn)")
    http.add_argument(
        "--max-connections",
        type=int,
        default=256,
        help="open connections at most; a request arriving beyond that is answered 503 at once by uvicorn "
        "(plain text, not the service's JSON body) (default 256)",
    )
    http.add_argument(
        "--keep-alive-timeout",
        type=_positive_int,
        default=5,
        metavar="S",
        help="an idle keep-alive connection is closed after S seconds (default 5)",
    )
    http.add_argument(
        "--header-timeout",
        type=_non_negative_float,
        default=10.0,
        metavar="S",
        help="a connection that has not sent a complete request line and headers S seconds after it opened "
        "(or after its last answer) is closed; uvicorn has no such deadline of its own (default 10; 0: none)",
    )
    add_model_arguments(parser)  # --batch-size is the micro-batch limit
    service = parser.add_argument_group("service")
    service.add_argument(
        "--batch-window-ms",
        type=float,
        default=defaults.batch_window_ms,
        help=f"how long a waiting ticket waits for others to batch with (default {defaults.batch_window_ms:g})",
    )
    service.add_argument(
        "--max-queue",
        type=int,
        default=defaults.max_queue,
        help=f"tickets waiting before 503 + Retry-After (default {defaults.max_queue})",
    )
    service.add_argument(
        "--max-text-chars",
        type=int,
        default=defaults.max_text_chars,
        help=f"per ticket; longer gets 413 (default {defaults.max_text_chars})",
    )
    service.add_argument(
        "--max-request-tickets",
        type=int,
        default=defaults.max_request_tickets,
        help=f"per request; more gets 413 (default {defaults.max_request_tickets})",
    )
    service.add_argument(
        "--max-body-bytes",
        type=int,
        default=defaults.max_body_bytes,
        help=f"per request body; more gets 413 (default {defaults.max_body_bytes})",
    )
    service.add_argument(
        "--body-timeout",
        type=float,
        default=defaults.body_timeout_s,
        metavar="S",
        help=f"a body still incomplete S seconds after its headers gets 408 (default {defaults.body_timeout_s:g})",
    )
    service.add_argument(
        "--api-key-file", default=None, help=f"bearer keys, one per line (also ${API_KEYS_ENV}, comma-separated)"
    )
    service.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from ORIGIN (repeatable; default: no CORS)",
    )
    service.add_argument(
        "--log-tickets", action="store_true", help="log ticket text (off: tickets carry personal data)"
    )
    service.add_argument(
        "--show-paths",
        action="store_true",
        help="show server paths (model folder, drift reference) in /readyz, /v1/drift and error reasons "
        "(off: names only, e.g. the folder's last part)",
    )
    service.add_argument(
        "--drift-window",
        type=int,
        default=defaults.drift_window,
        help=f"recent predictions compared with the reference (default {defaults.drift_window})",
    )
    service.add_argument(
        "--drift-reference",
        default=None,
        metavar="FILE",
        help=f"reference predictions JSONL (default: the adapter's {DRIFT_REFERENCE_FILE})",
    )
    service.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    return parser


def config_from_args(args: argparse.Namespace) -> ServiceConfig:
    """The ServiceConfig the flags describe (ValueError names a bad limit)."""
    return ServiceConfig(
        max_batch_size=args.batch_size,
        batch_window_ms=args.batch_window_ms,
        max_queue=args.max_queue,
        max_text_chars=args.max_text_chars,
        max_request_tickets=args.max_request_tickets,
        max_body_bytes=args.max_body_bytes,
        body_timeout_s=args.body_timeout,
        api_keys=read_api_keys(args.api_key_file),
        cors_origins=tuple(args.cors_origin),
        log_tickets=args.log_tickets,
        show_paths=args.show_paths,
        drift_window=args.drift_window,
    )


def uvicorn_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The uvicorn.Config keywords `triage serve` runs with (tests start a server with the same)."""
    settings: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        # ObserveRequests logs every request by route template; uvicorn's access log would add the raw
        # query string, where a client's mistaken ?api_key=... would be written to the log.
        "access_log": False,
        "limit_concurrency": args.max_connections,
        "timeout_keep_alive": args.keep_alive_timeout,
        "timeout_graceful_shutdown": 10,  # SIGTERM: in-flight requests get 10 s, not minutes
    }
    if args.header_timeout > 0:
        settings["http"] = header_deadline_protocol(args.header_timeout)
    return settings


def header_deadline_protocol(seconds: float) -> type:
    """Uvicorn's h11 protocol plus what uvicorn lacks: a deadline for a request's line and headers.

    Without it a connection that sends nothing, or one header byte a second, is held for ever; with
    --max-connections, 256 of them make uvicorn answer every real request 503. The deadline runs from
    when the connection opens or its last answer went out, and the keep-alive timer does not replace
    it: any byte received resets that one. With it, uvicorn runs h11 even where httptools is installed.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderDeadlineH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._start_header_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._start_header_deadline()

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # a request's headers are in
                self._stop_header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_header_deadline()
            super().connection_lost(exc)

        def _start_header_deadline(self) -> None:
            self._stop_header_deadline()
            if not self.transport.is_closing():
                self._header_timer = self.loop.call_later(seconds, self._headers_too_late)

        def _stop_header_deadline(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_late(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                log.debug("closing a connection without complete request headers after %g s", seconds)
                self.transport.close()

    return HeaderDeadlineH11Protocol


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0:  # also NaN
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    from ticket_triage.schema import load_schema

    try:
        config = config_from_args(args)
    except ValueError as e:
        parser.error(str(e))
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not config.api_keys and args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s without API keys: anyone who reaches this port can use it", args.host)
    app = create_app(load_schema(args.schema), config, lambda: load_for_service(args))

    import uvicorn

    uvicorn.run(app, **uvicorn_settings(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
