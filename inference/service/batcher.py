"""The micro-batcher (`Service`): the model's state once loaded, the queue of waiting tickets, the
collection window, cancellation of tickets whose requests ended, the engine thread and the drift
window. Pure asyncio: no HTTP here (the routes turn its exceptions into answers)."""

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from inference.drift import DRIFT_REFERENCE_FILE, compact_row, drift_report
from inference.service.loading import LoadedModel, public_name, redact_paths
from inference.service.metrics import Metrics
from inference.service.settings import ServiceSettings
from ticket_triage.schema import TicketSchema

log = logging.getLogger("triage.serve")


class NotReady(Exception):
    pass


class QueueFull(Exception):
    pass


class EngineFailed(Exception):
    def __init__(self, error_id: str, kind: str):
        super().__init__(f"triage failed ({kind}); error id {error_id} is in the server log")
        self.error_id = error_id


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


class Service:
    """What the routes share: the model once loaded, the micro-batcher, metrics and the drift window."""

    def __init__(self, schema: TicketSchema, config: ServiceSettings, load: Callable[[], LoadedModel]):
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
        self.model_name = public_name(model.engine.name)
        self.model, self.state = model, "ready"
        self.metrics.ready.set(1)
        self.metrics.model_info.labels(model=self.model_name, version=model.version).set(1)
        log.info(
            "model %s (version %s) ready in %.1f s", model.engine.name, model.version, time.perf_counter() - started
        )
        await self._batch_loop()

    def public(self, text: str) -> str:
        """`text` as clients may see it: absolute server paths cut to their last part, unless --show-paths."""
        return text if self.config.show_paths else redact_paths(text)

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
