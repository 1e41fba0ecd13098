"""ASGI middleware (`ObserveRequests`): request metrics and log lines, the refusal of API keys in
query strings, and the body-size and body-deadline limits, all before any route runs."""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException

from inference.service.batcher import Service
from inference.service.errors import field_error, quoted, send_error

log = logging.getLogger("triage.serve")
BATCHED_ROUTES = ("/v1/triage", "/classify", "/predict")  # the routes whose tickets go through the batcher
# Query parameters that look like an API key: refused, since URLs end up in proxy and browser logs.
QUERY_KEY_NAMES = frozenset({"api_key", "apikey", "api-key", "key", "access_token", "token"})


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
                f"an API key in the query string ({quoted(name)}) is refused: URLs are written to proxy and "
                "browser logs. Send the header 'Authorization: Bearer <key>' instead, and treat this key as exposed"
            )
            await send_error(send, 400, [field_error(["query", name], message, "key_in_query")])
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            too_big = declared is not None and int(declared) > self.max_body_bytes
        except ValueError:
            too_big = False
        if too_big:
            message = f"request body is {int(declared):,} bytes; the limit is {self.max_body_bytes:,}"
            await send_error(send, 413, [field_error(["body"], message, "body_too_large")])
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
            await send_error(send, e.status_code, e.detail, e.headers)


class BodyTooLarge(HTTPException):
    # An HTTPException: FastAPI turns any other error while reading a body into a 400.
    def __init__(self, limit: int):
        message = f"request body is over the limit of {limit:,} bytes"
        super().__init__(413, [field_error(["body"], message, "body_too_large")])


class BodyTimeout(HTTPException):
    # The connection is closed after the 408: its client is stalled, so there is nothing to drain.
    # (A 413's connection stays open: uvicorn reads the rest of the body and drops it, and closing
    # at once could reset the connection before the client has read the answer.)
    def __init__(self, seconds: float):
        message = f"the request body did not arrive within {seconds:g} s of its headers"
        super().__init__(408, [field_error(["body"], message, "body_timeout")], headers={"Connection": "close"})
