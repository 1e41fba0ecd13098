"""The service's limits and switches (`ServiceSettings`, pydantic-settings) and where they come from.

Each setting reads `TRIAGE_<NAME>` from the environment (`TRIAGE_MAX_QUEUE=256`; lists such as
`TRIAGE_API_KEYS` and `TRIAGE_CORS_ORIGINS` comma-separated). Under `triage serve`, a flag given on
the command line wins over the environment, which wins over the default: `settings_from_args` is
the one place the flags are mapped onto the settings.

Webhooks and write-back (docs/integrations.md) have settings of their own: `integrations` (system ->
mapping file; `TRIAGE_INTEGRATIONS=jira=configs/integrations/jira.yaml,zoho=...`), the shared
`webhook_secret` ($TRIAGE_WEBHOOK_SECRET or --webhook-secret-file, never a flag's value), the
`outbox` file and its bound, `write_back` (off: a dry run) and the write-back timeout and retries.
"""

import argparse
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from integrations.mapping import SYSTEMS as WEBHOOK_SYSTEMS
from integrations.outbox import DEFAULT_OUTBOX
from ticket_triage.dataset import DataError

ENV_PREFIX = "TRIAGE_"
API_KEYS_ENV = ENV_PREFIX + "API_KEYS"
WEBHOOK_SECRET_ENV = ENV_PREFIX + "WEBHOOK_SECRET"


class ServiceSettings(BaseSettings):
    """The service's limits and switches; `triage serve` flags map one to one (see `settings_from_args`)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    max_batch_size: int = 16  # tickets decoded together
    batch_window_ms: float = 50.0  # how long a batch waits for company (only when company is likely)
    max_queue: int = 128  # tickets waiting; beyond this, 503 + Retry-After
    max_text_chars: int = 20_000  # per ticket (subject + description); beyond, 413
    max_request_tickets: int = 64  # per request; beyond, 413
    max_body_bytes: int = 8 * 2**20  # per request body; beyond, 413 before the body is read
    body_timeout_s: float = 30.0  # from the request's headers to its body's last byte; beyond, 408
    retry_after_s: int = 2  # what a 503 tells the client to wait
    api_keys: Annotated[frozenset[str], NoDecode] = frozenset()  # empty: no authentication
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()  # empty: no CORS headers at all
    log_tickets: bool = False
    show_paths: bool = False  # server paths in /readyz, /v1/drift and error reasons (else names only)
    drift_window: int = 1000  # recent predictions compared with the reference
    # webhooks and write-back (routes_webhooks.py, integrations/)
    integrations: Annotated[dict[str, str], NoDecode] = {}  # system -> mapping file; empty: no webhooks
    webhook_secret: SecretStr | None = None  # the shared secret every webhook must carry
    outbox: str = DEFAULT_OUTBOX  # SQLite file of the calls owed to the help desks
    outbox_max: int = 10_000  # unsent calls (and tickets being triaged); beyond, webhooks get 503
    write_back: bool = False  # off: a dry run (calls recorded and logged, never sent)
    writeback_timeout_s: float = 10.0  # per request to a help desk
    writeback_attempts: int = 10  # tries per call before it is kept as failed
    writeback_backoff_s: float = 1.0  # first wait after a failure; doubles, with jitter
    writeback_max_backoff_s: float = 300.0
    # corrections (routes_feedback.py, feedback/store.py)
    feedback_store: str | None = None  # SQLite file POST /v1/feedback writes to; None: the route answers 404
    feedback_keep_text: bool = False  # store the ticket text with a correction (else only its SHA-256)

    @field_validator("integrations", mode="before")
    @classmethod
    def _system_files(cls, value: Any) -> Any:
        # From the environment: "jira=configs/integrations/jira.yaml,zoho=..." (as --integration takes them).
        if isinstance(value, str):
            return parse_integrations([part for part in value.split(",") if part.strip()])
        return value

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # From the environment a list is one string: "k1, k2" (as $TRIAGE_API_KEYS always was).
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _possible(self) -> "ServiceSettings":
        for name in (
            "max_batch_size",
            "max_queue",
            "max_text_chars",
            "max_request_tickets",
            "max_body_bytes",
            "drift_window",
            "outbox_max",
            "writeback_attempts",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_window_ms < 0:
            raise ValueError(f"batch_window_ms must not be negative, got {self.batch_window_ms}")
        if self.body_timeout_s <= 0:
            raise ValueError(f"body_timeout_s must be positive, got {self.body_timeout_s}")
        for name in ("writeback_timeout_s", "writeback_backoff_s", "writeback_max_backoff_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if unknown := sorted(set(self.integrations) - set(WEBHOOK_SYSTEMS)):
            raise ValueError(
                f"integrations: unknown system {unknown[0]!r}; the systems are {', '.join(WEBHOOK_SYSTEMS)}"
            )
        if self.integrations and not (self.webhook_secret and self.webhook_secret.get_secret_value()):
            raise ValueError(
                f"webhooks need a shared secret: set ${WEBHOOK_SECRET_ENV} or give --webhook-secret-file FILE"
            )
        if self.max_request_tickets > self.max_queue:
            raise ValueError(
                f"max_request_tickets ({self.max_request_tickets}) must not exceed max_queue "
                f"({self.max_queue}): such a request could never be queued"
            )
        return self


def default(name: str) -> Any:
    """A setting's default, as the flags' help shows it (the environment not read)."""
    return ServiceSettings.model_fields[name].default


def env_name(name: str) -> str:
    return f"${ENV_PREFIX}{name.upper()}"


def read_api_keys(path: str | None) -> frozenset[str]:
    """Keys from $TRIAGE_API_KEYS (comma-separated) and from `path` (one per line, # comments)."""
    keys = {k.strip() for k in os.environ.get(API_KEYS_ENV, "").split(",") if k.strip()}
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise DataError(f"--api-key-file {path}: {e.strerror}") from None
        keys |= {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}
        if not keys:
            raise DataError(f"--api-key-file {path} has no keys")
    return frozenset(keys)


def parse_integrations(entries: list[str]) -> dict[str, str]:
    """`["jira=configs/integrations/jira.yaml", ...]` (as --integration and $TRIAGE_INTEGRATIONS give them)
    -> {system: mapping file}; ValueError names a malformed entry."""
    systems: dict[str, str] = {}
    for entry in entries:
        system, sep, path = entry.strip().partition("=")
        if not sep or not system.strip() or not path.strip():
            raise ValueError(f"integration {entry.strip()!r}: expected SYSTEM=MAPPING_FILE, e.g. jira=jira.yaml")
        systems[system.strip()] = path.strip()
    return systems


def read_webhook_secret(path: str | None) -> str | None:
    """The shared webhook secret from `path` (its first line that is not blank or a # comment), or None
    without a file ($TRIAGE_WEBHOOK_SECRET is read by the settings themselves)."""
    if not path:
        return None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataError(f"--webhook-secret-file {path}: {e.strerror}") from None
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    raise DataError(f"--webhook-secret-file {path} has no secret")


def settings_from_args(args: argparse.Namespace) -> ServiceSettings:
    """The settings `triage serve`'s flags describe: each flag given wins, the rest come from the
    environment or the defaults. ValueError names a bad or impossible limit."""
    given = {
        "max_batch_size": args.batch_size,
        "batch_window_ms": args.batch_window_ms,
        "max_queue": args.max_queue,
        "max_text_chars": args.max_text_chars,
        "max_request_tickets": args.max_request_tickets,
        "max_body_bytes": args.max_body_bytes,
        "body_timeout_s": args.body_timeout,
        "cors_origins": tuple(args.cors_origin) if args.cors_origin else None,
        "log_tickets": args.log_tickets,
        "show_paths": args.show_paths,
        "drift_window": args.drift_window,
        "integrations": parse_integrations(args.integration) if args.integration else None,
        "webhook_secret": read_webhook_secret(args.webhook_secret_file),  # else $TRIAGE_WEBHOOK_SECRET
        "outbox": args.outbox,
        "outbox_max": args.outbox_max,
        "write_back": args.write_back,
        "writeback_timeout_s": args.writeback_timeout,
        "writeback_attempts": args.writeback_attempts,
        "writeback_backoff_s": args.writeback_backoff,
        "feedback_store": args.feedback_store,
        "feedback_keep_text": args.feedback_keep_text,
    }
    api_keys = read_api_keys(args.api_key_file)  # $TRIAGE_API_KEYS plus the file's
    try:
        return ServiceSettings(api_keys=api_keys, **{k: v for k, v in given.items() if v is not None})
    except ValidationError as e:
        raise ValueError(_plain(e)) from None


def _plain(error: ValidationError) -> str:
    """A validation error as one line: `field: problem` (or the problem alone for a cross-field rule)."""
    parts = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"])
        message = e["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
