"""Errors and the strict body reader: the one error body of the service (`error_body`,
`error_response`, `send_error`), its exception handlers, and reading a JSON body strictly and cheaply
(`parse_json_body`, `BadBody`, `StrictJSONRequest`, `StrictJSONRoute`)."""

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

log = logging.getLogger("triage.serve")
MAX_ERRORS_SHOWN = 20  # validation errors listed in one 4xx answer; the rest are counted
# Strict body parsing. A request is 3 levels deep ({"tickets": [{"text": ...}]}) and holds no
# number but a boolean, so these bounds refuse nothing a client needs; what they refuse costs the
# event loop: a million tiny values take ~0.4 s to parse, a 4,000-digit integer is slow to convert.
MAX_JSON_DEPTH = 8
MAX_NUMBER_CHARS = 32
MIN_JSON_TOKENS = 20_000  # strings, commas and brackets outside strings; more scale with tickets
CLIENT_CLOSED = 499  # nginx's status for "the client went away before the answer": never sent, only counted


class ClientGone(Exception):
    """The client disconnected before its answer: nothing is sent, the request counts as 499."""


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
            raise BadBody(400, "duplicate_key", f"key {quoted(key)} appears more than once in one JSON object")
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


def quoted(text: str, limit: int = 40) -> str:
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
            given = f"Content-Type {quoted(content_type)}" if content_type else "no Content-Type"
            raise BadBody(415, "unsupported_media_type", f"{given}; send 'Content-Type: application/json'", where)
        if (charset := _charset(content_type)) not in (None, "utf-8", "utf8"):
            raise BadBody(415, "unsupported_media_type", f"charset {quoted(charset)}; send the body as UTF-8", where)
        try:
            body = await self.body()
        except ClientDisconnect:
            raise ClientGone() from None
        self._parsed = parse_json_body(body, max_tokens)

    async def json(self) -> Any:
        return self._parsed


def json_token_limit(max_request_tickets: int) -> int:
    """The token bound of a body: a request of N tickets needs about 12 tokens a ticket, so the bound
    never refuses a request within the ticket limit."""
    return max(MIN_JSON_TOKENS, 32 * max_request_tickets)


class StrictJSONRoute(APIRoute):
    """The route class of the service: a route with a body reads it with StrictJSONRequest (at most
    `app.state.max_json_tokens` tokens); the model validation after that is FastAPI's own (and the
    OpenAPI schema stays as the models say)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strict_handler(request: Request) -> Response:
            strict = StrictJSONRequest(request.scope, request.receive)
            await strict.read_json(request.app.state.max_json_tokens)
            return await handler(strict)

        return strict_handler


# ---- the one error body -------------------------------------------------------------------------
def field_error(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
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


async def send_error(
    send: Callable, status: int, detail: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> None:
    """An error answer from outside the app (the middleware), with the app's error body."""
    payload = _dump(error_body(detail))
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


# ---- exception handlers: one body everywhere ({"detail", "message"}), say what and where, never echo ticket text
async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    errors = []
    for e in exc.errors():
        loc, msg = list(e.get("loc", ())), e.get("msg", "")
        if e.get("type") == "json_invalid":  # loc is ("body", character offset)
            at = loc[-1] if len(loc) > 1 else "?"
            loc, msg = ["body"], f"not valid JSON at character {at}: {(e.get('ctx') or {}).get('error', msg)}"
        errors.append(field_error(loc, msg, e.get("type", "")))
    kinds = {e["type"] for e in errors}
    status = 400 if "json_invalid" in kinds else 413 if "too_many_tickets" in kinds else 422
    if len(errors) > MAX_ERRORS_SHOWN:  # a client needs the first few to fix its request, not thousands
        more = len(errors) - MAX_ERRORS_SHOWN
        errors = errors[:MAX_ERRORS_SHOWN] + [field_error(["body"], f"... and {more} more errors", "more_errors")]
    return error_response(status, errors)


async def bad_body(request: Request, exc: BadBody) -> Response:
    return error_response(exc.status, [field_error(list(exc.loc), exc.message, exc.kind)])


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail
    path = quoted(request.url.path, 100)
    if exc.status_code == 404 and type(exc) is StarletteHTTPException:
        detail = f"no route {request.method} {path}; the routes are listed at /docs"
    elif exc.status_code == 405 and type(exc) is StarletteHTTPException:
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {path}; use {allowed or 'another method'}"
    return error_response(exc.status_code, detail, headers=exc.headers)


async def client_gone(request: Request, exc: ClientGone) -> Response:
    # Nobody reads this answer; the status is for the request metrics and the log line.
    return Response(status_code=CLIENT_CLOSED)


async def unexpected(request: Request, exc: Exception) -> Response:
    error_id = uuid.uuid4().hex[:8]
    log.error("unhandled error on %s (error id %s)", request.url.path, error_id, exc_info=exc)
    return error_response(500, f"internal error; error id {error_id} is in the server log")
