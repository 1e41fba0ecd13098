"""`triage serve`: the triage API and a small web page (FastAPI + uvicorn).

    triage serve                                             # the shipped adapter on http://127.0.0.1:8000
    triage serve --model outputs/cpu-smollm2/adapter --host 0.0.0.0 --port 8080
    TRIAGE_API_KEYS=k1,k2 triage serve                       # bearer keys required (or --api-key-file FILE)
    TRIAGE_WEBHOOK_SECRET=... triage serve --integration jira=configs/integrations/jira.yaml   # webhooks, dry run

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
    POST /v1/webhooks/SYSTEM   a help desk's new-ticket webhook (with --integration SYSTEM=FILE):
                      answered at once, triaged, the answer written back (docs/integrations.md)

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

Settings: each service flag also reads an environment variable, TRIAGE_ plus the setting's name in
capitals (TRIAGE_MAX_QUEUE=256, TRIAGE_BATCH_WINDOW_MS=20, TRIAGE_MAX_BATCH_SIZE for --batch-size,
TRIAGE_BODY_TIMEOUT_S, TRIAGE_CORS_ORIGINS=a,b, TRIAGE_LOG_TICKETS=1); a flag given wins over it.

One process holds one copy of the model and decodes one batch at a time. Scale out with more
processes or replicas behind a load balancer, each with its own port.
"""

import argparse
import asyncio
import logging
from typing import Any

from inference.drift import DRIFT_REFERENCE_FILE
from inference.service.app import create_app
from inference.service.loading import load_for_service
from inference.service.settings import (
    API_KEYS_ENV,
    WEBHOOK_SECRET_ENV,
    WEBHOOK_SYSTEMS,
    default,
    env_name,
    settings_from_args,
)

log = logging.getLogger("triage.serve")


def build_parser() -> argparse.ArgumentParser:
    from inference.loader import add_model_arguments

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
    add_model_arguments(parser, batch_size=default("max_batch_size"))  # --batch-size: the micro-batch limit
    # Unset service flags stay None: settings_from_args leaves those settings to $TRIAGE_* or their defaults.
    parser.set_defaults(batch_size=None)
    service = parser.add_argument_group(
        "service (each also read from the environment, shown as $TRIAGE_...; a flag given wins)"
    )
    service.add_argument(
        "--batch-window-ms",
        type=float,
        help="how long a waiting ticket waits for others to batch with "
        f"(default {default('batch_window_ms'):g}; {env_name('batch_window_ms')})",
    )
    service.add_argument(
        "--max-queue",
        type=int,
        help=f"tickets waiting before 503 + Retry-After (default {default('max_queue')}; {env_name('max_queue')})",
    )
    service.add_argument(
        "--max-text-chars",
        type=int,
        help=f"per ticket; longer gets 413 (default {default('max_text_chars')}; {env_name('max_text_chars')})",
    )
    service.add_argument(
        "--max-request-tickets",
        type=int,
        help="per request; more gets 413 "
        f"(default {default('max_request_tickets')}; {env_name('max_request_tickets')})",
    )
    service.add_argument(
        "--max-body-bytes",
        type=int,
        help=f"per request body; more gets 413 (default {default('max_body_bytes')}; {env_name('max_body_bytes')})",
    )
    service.add_argument(
        "--body-timeout",
        type=float,
        metavar="S",
        help="a body still incomplete S seconds after its headers gets 408 "
        f"(default {default('body_timeout_s'):g}; {env_name('body_timeout_s')})",
    )
    service.add_argument(
        "--api-key-file", default=None, help=f"bearer keys, one per line (also ${API_KEYS_ENV}, comma-separated)"
    )
    service.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help=f"allow browser calls from ORIGIN (repeatable; default: no CORS; {env_name('cors_origins')}, "
        "comma-separated)",
    )
    service.add_argument(
        "--log-tickets",
        action="store_true",
        default=None,
        help=f"log ticket text (off: tickets carry personal data; {env_name('log_tickets')})",
    )
    service.add_argument(
        "--show-paths",
        action="store_true",
        default=None,
        help="show server paths (model folder, drift reference) in /readyz, /v1/drift and error reasons "
        f"(off: names only, e.g. the folder's last part; {env_name('show_paths')})",
    )
    service.add_argument(
        "--drift-window",
        type=int,
        help="recent predictions compared with the reference "
        f"(default {default('drift_window')}; {env_name('drift_window')})",
    )
    service.add_argument(
        "--drift-reference",
        default=None,
        metavar="FILE",
        help=f"reference predictions JSONL (default: the adapter's {DRIFT_REFERENCE_FILE})",
    )
    service.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    hooks = parser.add_argument_group(
        "webhooks and write-back (docs/integrations.md; each also read from the environment, a flag given wins)"
    )
    hooks.add_argument(
        "--integration",
        action="append",
        metavar="SYSTEM=FILE",
        help="serve POST /v1/webhooks/SYSTEM and write back with the mapping FILE (repeatable; SYSTEM: "
        f"{', '.join(WEBHOOK_SYSTEMS)}; {env_name('integrations')}, comma-separated)",
    )
    hooks.add_argument(
        "--webhook-secret-file",
        metavar="FILE",
        help=f"the shared secret webhooks must carry, on the first line (or ${WEBHOOK_SECRET_ENV})",
    )
    hooks.add_argument(
        "--outbox",
        metavar="FILE",
        help=f"SQLite file of the calls owed to the help desks (default {default('outbox')}; {env_name('outbox')})",
    )
    hooks.add_argument(
        "--outbox-max",
        type=int,
        metavar="N",
        help=f"unsent calls before webhooks get 503 (default {default('outbox_max')}; {env_name('outbox_max')})",
    )
    hooks.add_argument(
        "--write-back",
        action="store_true",
        default=None,
        help=f"send the calls (off: a dry run, calls recorded and logged only; {env_name('write_back')})",
    )
    hooks.add_argument(
        "--writeback-timeout",
        type=float,
        metavar="S",
        help=f"per request to a help desk (default {default('writeback_timeout_s'):g}; "
        f"{env_name('writeback_timeout_s')})",
    )
    hooks.add_argument(
        "--writeback-attempts",
        type=int,
        metavar="N",
        help=f"tries per call before it is kept as failed (default {default('writeback_attempts')}; "
        f"{env_name('writeback_attempts')})",
    )
    hooks.add_argument(
        "--writeback-backoff",
        type=float,
        metavar="S",
        help=f"first wait after a failed try, doubling up to {default('writeback_max_backoff_s'):g} s "
        f"(default {default('writeback_backoff_s'):g}; {env_name('writeback_backoff_s')})",
    )
    corrections = parser.add_argument_group("corrections (POST /v1/feedback; docs/review.md)")
    corrections.add_argument(
        "--feedback-store",
        metavar="FILE",
        help=f"SQLite file the corrections go to (off without it: the route answers 404; {env_name('feedback_store')})",
    )
    corrections.add_argument(
        "--feedback-keep-text",
        action="store_true",
        default=None,
        help="store a correction's ticket text too, for retraining (else only its SHA-256; "
        f"{env_name('feedback_keep_text')})",
    )
    return parser


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
        settings = settings_from_args(args)
    except ValueError as e:
        parser.error(str(e))
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.api_keys and args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s without API keys: anyone who reaches this port can use it", args.host)
    app = create_app(load_schema(args.schema), settings, lambda: load_for_service(args))

    import uvicorn

    uvicorn.run(app, **uvicorn_settings(args))
    return 0
