"""Write-back: the calls in the outbox sent to the help desks with httpx (`WriteBack`, run by `triage serve`).

A drain task takes the due calls out of the outbox (integrations/outbox.py) and sends them:

- Where and how: each system's `Connection` (its mapping file) names the environment variables of
  the instance URL and the credentials (`target_for`); the values are read once, at start, and are
  never logged. Auth: basic (ServiceNow, Jira), bearer, `Zoho-oauthtoken` (Zoho Desk, SDP Cloud),
  `authtoken` (SDP on-premises).
- Retries: 429 and 503 wait what `Retry-After` says (seconds or an HTTP date), else exponential
  backoff with jitter; other 5xx, timeouts and connection errors back off too. After `attempts`
  tries the call is `failed`. A 401 or 403 fails at once with a log line naming the variables to
  check; any other 4xx fails at once (the same request would fail again). Failed calls stay in the
  outbox: `triage outbox retry` puts them back.
- Dry run (write-back off, the default): every call is logged and recorded as `dry-run`, none is sent.
- Every call is logged with system, ticket id, method, path, HTTP status and attempt: never a body,
  never ticket text, never a credential.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import time
from collections.abc import Mapping as EnvMapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from integrations.outbox import Outbox
from ticket_triage.dataset import DataError

log = logging.getLogger("triage.writeback")
MAX_RETRY_AFTER_S = 3600.0  # a Retry-After beyond an hour is taken as an hour (a misconfigured server)


class WriteBackError(DataError):
    """Write-back cannot start: a connection's environment variable is missing or its auth unknown."""


@dataclass(frozen=True)
class Retry:
    """How hard to try a call: attempts in all, the backoff's base and cap, and each request's timeout."""

    attempts: int = 10
    backoff_s: float = 1.0
    max_backoff_s: float = 300.0
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Target:
    """Where one system's calls go: the instance URL and the headers (credentials included; not logged)."""

    system: str
    base_url: str
    headers: dict[str, str] = field(repr=False)
    auth_hint: str = ""  # the variables to check after a 401, e.g. "$JIRA_USER and $JIRA_TOKEN"


def target_for(system: str, connection: Any, env: EnvMapping[str, str] = os.environ) -> Target:
    """The target of a mapping's `Connection`, its values read from `env`; WriteBackError names what is missing."""

    def need(name: str | None, what: str) -> str:
        if not name:
            raise WriteBackError(f"{system}: the mapping's connection names no environment variable for the {what}")
        value = env.get(name, "")
        if not value:
            raise WriteBackError(f"write-back is on for {system}, but ${name} (the {what}) is not set")
        return value

    base_url = need(connection.base_url_env, "instance URL").rstrip("/")
    secret = need(connection.secret_env, "credential")
    hint = f"${connection.secret_env}"
    if connection.auth == "basic":
        user = need(connection.user_env, "user name")
        hint = f"${connection.user_env} and {hint}"
        import base64

        auth = "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
        headers = {"Authorization": auth}
    elif connection.auth == "bearer":
        headers = {"Authorization": f"Bearer {secret}"}
    elif connection.auth == "zoho-oauthtoken":
        headers = {"Authorization": f"Zoho-oauthtoken {secret}"}
    elif connection.auth == "sdp-authtoken":
        headers = {"authtoken": secret}
    else:
        raise WriteBackError(f"{system}: unknown auth {connection.auth!r} in the mapping's connection")
    return Target(system, base_url, {**dict(connection.extra_headers or {}), **headers}, hint)


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delay-seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def backoff_s(attempt: int, retry: Retry, rng: random.Random | None = None) -> float:
    """The wait after failed attempt `attempt` (1, 2, ...): base * 2^(attempt-1), capped, times a jitter
    in [0.5, 1] so that many calls failing together do not come back together."""
    jitter = (rng or random).uniform(0.5, 1.0)
    return min(retry.max_backoff_s, retry.backoff_s * 2 ** (attempt - 1)) * jitter


class WriteBack:
    """The drain task: sends the outbox's due calls (or, in a dry run, records them) until stopped."""

    def __init__(
        self, outbox: Outbox, targets: dict[str, Target], enabled: bool, retry: Retry = Retry(), poll_s: float = 0.5
    ):
        self.outbox, self.targets, self.enabled = outbox, targets, enabled
        self.retry, self.poll_s = retry, poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        # No redirects: a help desk API that redirects a write is misconfigured, and the credentials
        # must not follow a redirect to another host.
        self._client = httpx.AsyncClient(timeout=self.retry.timeout_s, follow_redirects=False)
        self._task = asyncio.create_task(self._run(), name="triage-writeback")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def wake(self) -> None:
        """New calls are queued: drain now rather than at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 -- a bug or a locked file must not end write-back for good
                log.exception("write-back drain failed; trying again in %g s", self.poll_s)
            next_at = self.outbox.next_due()
            wait = self.poll_s if next_at is None else min(self.poll_s, max(0.0, next_at - time.time()))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except asyncio.TimeoutError:
                pass

    async def drain_once(self) -> int:
        """Send (or record) every call due now, in order; returns how many were handled."""
        handled = 0
        while rows := self.outbox.due(time.time()):
            for row in rows:
                await self._handle(row)
                handled += 1
        return handled

    async def _handle(self, row: dict[str, Any]) -> None:
        system, ticket_id, method, path = row["system"], row["ticket_id"], row["method"], row["path"]
        if not self.enabled:
            self.outbox.mark_dry_run(row["id"])
            log.info("write-back dry run: %s %s %s %s not sent (write-back is off)", system, ticket_id, method, path)
            return
        target = self.targets.get(system)
        if target is None:  # the system was switched off while its calls waited
            self.outbox.mark_failed(row["id"], row["attempts"], None, f"no connection for {system} in this service")
            log.error("write-back %s %s %s %s: no connection for %s", system, ticket_id, method, path, system)
            return
        attempt = row["attempts"] + 1
        status, error, wait = await self._send(target, row["call"], attempt)
        if status is not None and 200 <= status < 300:
            self.outbox.mark_sent(row["id"], status, attempt)
            log.info("write-back %s %s %s %s -> %d (attempt %d)", system, ticket_id, method, path, status, attempt)
            return
        shown = status if status is not None else error
        if wait is None or attempt >= self.retry.attempts:
            self.outbox.mark_failed(row["id"], attempt, status, error)
            if status in (401, 403):
                log.error(
                    "write-back %s %s %s %s -> %d (attempt %d): the %s instance refused the credentials; check %s. "
                    "The call is kept as failed: `triage outbox retry` sends it again",
                    *(system, ticket_id, method, path, status, attempt, system, target.auth_hint),
                )
            else:
                log.error(
                    "write-back %s %s %s %s -> %s (attempt %d): failed, kept in the outbox (`triage outbox retry`)",
                    *(system, ticket_id, method, path, shown, attempt),
                )
            return
        self.outbox.schedule_retry(row["id"], attempt, time.time() + wait, status, error)
        log.warning(
            "write-back %s %s %s %s -> %s (attempt %d): retrying in %.1f s",
            *(system, ticket_id, method, path, shown, attempt, wait),
        )

    async def _send(self, target: Target, call: dict[str, Any], attempt: int) -> tuple[int | None, str, float | None]:
        """Attempt `attempt` of a call: (HTTP status or None, error for the outbox, seconds to wait before
        a retry, or None when the call must not be retried)."""
        assert self._client is not None
        try:
            response = await self._client.request(
                call["method"],
                target.base_url + call["path"],
                json=call.get("json"),
                data=call.get("form"),
                headers=target.headers,
            )
        except httpx.TimeoutException as e:
            return None, f"timeout ({type(e).__name__})", backoff_s(attempt, self.retry)
        except httpx.TransportError as e:  # refused, reset, DNS: the instance is down or unreachable
            return None, f"connection error ({type(e).__name__})", backoff_s(attempt, self.retry)
        status = response.status_code
        error = f"HTTP {status} {response.reason_phrase}".strip()  # never the body: it may echo ticket fields
        if 200 <= status < 300:
            return status, "", None
        if status in (429, 503):
            wait = retry_after_s(response.headers.get("Retry-After"))
            return status, error, wait if wait is not None else backoff_s(attempt, self.retry)
        if status >= 500:
            return status, error, backoff_s(attempt, self.retry)
        return status, error, None  # 3xx and 4xx: the same request would get the same answer
