"""Fakes of the four help desks' REST APIs on loopback, as far as write-back uses them.

`FakeItsm(system, required_headers)` is a real HTTP server in a thread (as tests/test_openai_backend.py
runs its fake OpenAI server): it records every request, answers 401 to one without the required
auth headers, 400/415 to a body of the wrong kind, and otherwise what the system's API answers an
update (ServiceNow 200 with `result`, Jira 204 / 201 for a comment, Zoho Desk 200, ServiceDesk Plus
200 with `response_status`). `script` makes the next answers a given status (with headers, e.g.
Retry-After) or a hang; `go_down()` / `come_back()` close and reopen its port, so a client meets
refused connections in between, as with an instance that is down.

These are fakes written from the public API references, not recordings of live instances.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class FakeItsm:
    def __init__(self, system: str, required_headers: dict[str, str]):
        self.system = system
        self.required = {k.lower(): v for k, v in required_headers.items()}
        self.requests: list[dict[str, Any]] = []  # every request, authorised or not
        self.script: list[Any] = []  # the next answers: (status, headers) or "hang"
        self.release = threading.Event()  # ends scripted hangs
        self.port = 0
        self._open()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """The requests answered 2xx: the writes that reached the help desk."""
        return [r for r in self.requests if 200 <= r["answer"] < 300]

    def go_down(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def come_back(self) -> None:
        self._open()

    def close(self) -> None:
        self.release.set()
        self.go_down()

    def _open(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_PUT(self) -> None:
                fake._handle(self)

            do_PATCH = do_POST = do_PUT

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request: dict[str, Any] = {"method": handler.command, "path": handler.path, "headers": headers}
        answer = self.script.pop(0) if self.script else None
        if answer == "hang":
            request["answer"] = 0  # no answer: the client times out
            self.requests.append(request)
            self.release.wait(10)
            return
        status, extra, payload = self._answer(request, raw) if answer is None else (*answer, {"error": "scripted"})
        request["answer"] = status
        self.requests.append(request)  # complete before it is seen (tests read this list from their thread)
        data = b"" if payload is None else json.dumps(payload).encode()
        handler.send_response(status)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **extra}.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, request: dict[str, Any], raw: bytes) -> tuple[int, dict[str, str], Any]:
        headers = request["headers"]
        if any(headers.get(k) != v for k, v in self.required.items()):
            return 401, {}, {"error": "authentication failed"}
        content_type = headers.get("content-type", "")
        try:
            if self.system == "sdp":  # the v3 API takes a form field input_data holding JSON
                if not content_type.startswith("application/x-www-form-urlencoded"):
                    return 415, {}, {"error": "expected a form body"}
                request["form"] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                request["input_data"] = json.loads(request["form"]["input_data"])
            else:
                if not content_type.startswith("application/json"):
                    return 415, {}, {"error": "expected JSON"}
                request["json"] = json.loads(raw)
        except (KeyError, ValueError):
            return 400, {}, {"error": "malformed body"}
        if self.system == "servicenow":
            return 200, {}, {"result": {"sys_id": request["path"].rsplit("/", 1)[-1]}}
        if self.system == "jira":
            return (201, {}, {"id": "10000"}) if request["method"] == "POST" else (204, {}, None)
        if self.system == "zoho":
            return 200, {}, {"id": request["path"].rsplit("/", 1)[-1]}
        return 200, {}, {"response_status": {"status_code": 2000, "status": "success"}}
