"""The service's limits and switches (`ServiceSettings`, pydantic-settings) and where they come from.

Each setting reads `TRIAGE_<NAME>` from the environment (`TRIAGE_MAX_QUEUE=256`; lists such as
`TRIAGE_API_KEYS` and `TRIAGE_CORS_ORIGINS` comma-separated). Under `triage serve`, a flag given on
the command line wins over the environment, which wins over the default: `settings_from_args` is
the one place the flags are mapped onto the settings.
"""

import argparse
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ticket_triage.dataset import DataError

ENV_PREFIX = "TRIAGE_"
API_KEYS_ENV = ENV_PREFIX + "API_KEYS"


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
