"""A local HTTP server that speaks the OpenAI chat-completions protocol with scripted answers, for
tests and offline tries of the LLM paths.

    with FakeOpenAI(lambda body: ["SELECT 1"]) as server:
        config = LLMConfig(model="fake", base_url=server.url)

`respond(body)` gets the request JSON and returns the texts of the choices, a whole response
body as a dict (sent as it is), an HTTP status code or `(code, message[, headers])` (answered with
an error body and those headers), or raw bytes (sent as a 200 body, e.g. malformed JSON); an
exception becomes HTTP 500. A POST to another path than .../chat/completions gets 404. Every
request body is kept in `server.bodies` and its headers in `server.headers`; `delay` slows each
answer and `max_in_flight` records the most requests served at once.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], Any]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with srv.lock:
            srv.bodies.append(body)
            srv.headers.append(dict(self.headers))
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
        try:
            time.sleep(srv.delay)
            result = srv.respond(body) if self.path.endswith("/chat/completions") else 404
        except Exception as err:  # noqa: BLE001 - a scripted failure becomes an HTTP 500
            result = (500, str(err))
        finally:
            with srv.lock:
                srv.in_flight -= 1
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self._answer(body, result)

    def _answer(self, body: dict[str, Any], result: Any) -> None:
        if isinstance(result, int):
            result = (result, f"scripted {result}")
        if isinstance(result, tuple):
            code, message, *headers = result
            error = json.dumps({"error": {"message": message, "type": "test"}}).encode()
            self._send(code, error, headers[0] if headers else None)
            return
        if isinstance(result, bytes):
            self._send(200, result)
            return
        if isinstance(result, dict):
            self._send(200, json.dumps(result).encode())
            return
        texts = [result] if isinstance(result, str) else list(result)
        choices = [
            {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
            for i, t in enumerate(texts)
        ]
        completion = 5 * len(texts)
        usage = {"prompt_tokens": 10, "completion_tokens": completion, "total_tokens": 10 + completion}
        payload = {"id": "x", "object": "chat.completion", "model": body.get("model", ""), "choices": choices}
        self._send(200, json.dumps({**payload, "usage": usage}).encode())

    def _send(self, code: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, respond: Responder) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.in_flight = self.max_in_flight = 0


class FakeOpenAI:
    """`start()`/`stop()`, or use it as a context manager; `url` ends in /v1."""

    def __init__(self, respond: Responder) -> None:
        self._server = _Server(respond)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    base_url = url

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return self._server.bodies

    @property
    def headers(self) -> list[dict[str, str]]:
        return self._server.headers

    @property
    def max_in_flight(self) -> int:
        return self._server.max_in_flight

    @property
    def delay(self) -> float:
        return self._server.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._server.delay = seconds

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
