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
  malformed JSON 400; wrong types, blank text and unknown fields 422. Each names the field.
- Ticket text is never logged unless --log-tickets is given (tickets carry personal data).
- API keys: bearer tokens from $TRIAGE_API_KEYS (comma-separated) or --api-key-file (one per line).
  Without a key such a service answers 401. /healthz, /readyz, the page and /docs stay open; the
  page has a field for the key. CORS is off unless --cors-origin is given.

One process holds one copy of the model and decodes one batch at a time. Scale out with more
processes or replicas behind a load balancer, each with its own port.
"""

# No `from __future__ import annotations` here: FastAPI reads the route signatures (and pydantic the
# models) built inside create_app at run time, and string annotations there could not be resolved.
import argparse
import asyncio
import hmac
import logging
import os
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

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


@dataclass
class ServiceConfig:
    """The service's limits and switches; `triage serve` flags map one to one."""

    max_batch_size: int = 16  # tickets decoded together
    batch_window_ms: float = 50.0  # how long a batch waits for company (only when company is likely)
    max_queue: int = 128  # tickets waiting; beyond this, 503 + Retry-After
    max_text_chars: int = 20_000  # per ticket (subject + description); beyond, 413
    max_request_tickets: int = 64  # per request; beyond, 413
    max_body_bytes: int = 8 * 2**20  # per request body; beyond, 413 before the body is read
    retry_after_s: int = 2  # what a 503 tells the client to wait
    api_keys: frozenset[str] = frozenset()  # empty: no authentication
    cors_origins: tuple[str, ...] = ()  # empty: no CORS headers at all
    log_tickets: bool = False
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


@dataclass
class _Job:
    text: str
    classification_only: bool
    future: asyncio.Future
    enqueued: float = field(default_factory=time.perf_counter)


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
        name = model.engine.name
        self.model_name = Path(name).name if Path(name).is_dir() else name
        self.model, self.state = model, "ready"
        self.metrics.ready.set(1)
        self.metrics.model_info.labels(model=self.model_name, version=model.version).set(1)
        log.info(
            "model %s (version %s) ready in %.1f s", model.engine.name, model.version, time.perf_counter() - started
        )
        await self._batch_loop()

    # submitting work
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
            raise NotReady(self.error or "model is loading")
        if self._queue.qsize() + len(texts) > self.config.max_queue:
            self.metrics.rejected.labels(reason="queue_full").inc(len(texts))
            raise QueueFull(f"{self._queue.qsize()} tickets are waiting (limit {self.config.max_queue})")
        loop = asyncio.get_running_loop()
        jobs = [_Job(text, classification_only, loop.create_future()) for text in texts]
        for job in jobs:
            self._queue.put_nowait(job)
        self.metrics.queue.set(self._queue.qsize())
        try:
            return list(await asyncio.gather(*(job.future for job in jobs)))
        finally:
            for job in jobs:  # a client that went away: its tickets need not be decoded
                job.future.cancel()

    async def _batch_loop(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        window_s = self.config.batch_window_ms / 1000
        last_batch = 0
        while True:
            jobs = [await self._queue.get()]
            # The collection window: wait for company until the batch is full or the window closes,
            # but only when company is likely: requests are being received right now, or the last
            # batch had several tickets (concurrent clients, whose next requests are on their way).
            # A lone client therefore never waits for the window.
            deadline = loop.time() + window_s
            while len(jobs) < self.config.max_batch_size:
                if not self._queue.empty():
                    jobs.append(self._queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0 or not (self.arriving > 0 or last_batch > 1):
                    break
                try:  # short steps: `arriving` can drop to 0 (a request refused) without a queue event
                    jobs.append(await asyncio.wait_for(self._queue.get(), min(remaining, 0.002)))
                except asyncio.TimeoutError:
                    continue
            last_batch = len(jobs)
            self.metrics.queue.set(self._queue.qsize())
            jobs = [job for job in jobs if not job.future.done()]
            if not jobs:
                continue
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
        base |= {"available": True, "reference": self.model.drift_reference_source}
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
    from inference.predict import OPENAI_PREFIX, load_engine
    from ticket_triage.models import default_model, folder_version, resolve_model

    model = args.model or default_model()
    engine = load_engine(args, model)
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
    ServiceDep = Annotated[Service, Depends(get_service)]

    # -- request and response models, derived from the schema ----------------------------------
    class TicketIn(BaseModel):
        model_config = ConfigDict(extra="forbid")
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
                if any(v is not None for v in single):
                    raise ValueError("give either text/subject/description (one ticket) or tickets (a batch), not both")
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
        ticket: Ticket  # type: ignore[valid-type]
        confidence: dict[str, float] = Field(description="Per enum field: probability of the chosen value.")
        alternatives: dict[str, list[Alternative]] = Field(description="Per enum field: the top options.")
        status: Literal["auto", "review"]
        reasons: list[str] = Field(description="Why the ticket goes to review (empty for auto).")
        model: str
        timing_ms: float = Field(description="This ticket's share of its batch's engine time.")

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
            return await service.triage(texts, classification_only)
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
            400: {"description": "Malformed JSON"},
            401: {"description": "Missing or wrong API key"},
            413: {"description": "Text or batch over the limit"},
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
        return {
            "results": [d.result.to_dict() | {"model": service.model_name} for d in done],
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
        """200 once the model is loaded; 503 with the state and reason otherwise."""
        body = {"status": service.state, "schema": schema.name}
        if service.model:
            body |= {"model": service.model_name, "model_version": service.model.version}
        if service.state != "ready":
            body["reason"] = service.error or "model is loading"
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

    # -- errors: say what and where, never echo the ticket text back ---------------------------------
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
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
        return JSONResponse({"detail": errors, "message": _message(errors)}, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        body: dict[str, Any] = {"detail": exc.detail}
        body["message"] = _message(exc.detail) if isinstance(exc.detail, list) else str(exc.detail)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:8]
        log.error("unhandled error on %s (error id %s)", request.url.path, error_id, exc_info=exc)
        return JSONResponse({"detail": f"internal error; error id {error_id} is in the server log"}, status_code=500)

    app.add_middleware(ObserveRequests, service=service, max_body_bytes=config.max_body_bytes)
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


class ObserveRequests:
    """ASGI middleware: request metrics and a log line per request (no bodies), and the body-size limit.

    The limit is checked on Content-Length before anything is read and counted on chunked bodies as
    they arrive, so a 1 GB upload is refused with 413 instead of filling memory.
    """

    def __init__(self, app: Any, service: Service, max_body_bytes: int):
        self.app, self.service, self.max_body_bytes = app, service, max_body_bytes

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
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            too_big = declared is not None and int(declared) > self.max_body_bytes
        except ValueError:
            too_big = False
        if too_big:
            message = f"request body is {int(declared):,} bytes; the limit is {self.max_body_bytes:,}"
            await _send_json(send, 413, {"detail": [_error(["body"], message, "body_too_large")]})
            return
        received = 0

        async def receive_limited() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        try:
            await self.app(scope, receive_limited, send)
        except BodyTooLarge as e:  # raised outside FastAPI's handlers (FastAPI answers it itself)
            await _send_json(send, 413, {"detail": e.detail})


class BodyTooLarge(HTTPException):
    # An HTTPException: FastAPI turns any other error while reading a body into a 400.
    def __init__(self, limit: int):
        super().__init__(
            413, [_error(["body"], f"request body is over the limit of {limit:,} bytes", "body_too_large")]
        )


async def _send_json(send: Callable, status: int, body: dict[str, Any]) -> None:
    import json

    body["message"] = _message(body["detail"])
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
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
    from inference.predict import add_model_arguments

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
    parser.add_argument(
        "--max-connections",
        type=int,
        default=256,
        help="open connections at most; more are answered 503 at once (default 256: idle half-sent "
        "requests cannot pile up without bound)",
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
        api_keys=read_api_keys(args.api_key_file),
        cors_origins=tuple(args.cors_origin),
        log_tickets=args.log_tickets,
        drift_window=args.drift_window,
    )


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

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # ObserveRequests logs every request by route template; uvicorn's access log would add the raw
        # query string, where a client's mistaken ?api_key=... would be written to the log.
        access_log=False,
        limit_concurrency=args.max_connections,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,  # SIGTERM: in-flight requests get 10 s, not minutes
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
