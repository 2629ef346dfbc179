"""A local HTTP server that speaks the OpenAI chat-completions protocol with scripted answers, for
tests and offline tries of the LLM paths.

    with FakeOpenAI(lambda body: ["SELECT 1"]) as server:
        config = LLMConfig(model="fake", base_url=server.base_url)

`respond(body)` gets the request JSON and returns the texts of the choices (or raises to answer
500). Every request body is kept in `server.bodies`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], list[str]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.bodies.append(body)
        try:
            texts = self.server.respond(body)
        except Exception as err:  # noqa: BLE001 - a scripted failure becomes an HTTP 500
            self._reply(500, {"error": {"message": str(err), "type": "test"}})
            return
        choices = [
            {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
            for i, t in enumerate(texts)
        ]
        usage = {
            "prompt_tokens": 10,
            "completion_tokens": 5 * len(texts),
            "total_tokens": 10 + 5 * len(texts),
        }
        self._reply(
            200,
            {
                "id": "x",
                "object": "chat.completion",
                "model": body.get("model", ""),
                "choices": choices,
                "usage": usage,
            },
        )

    def _reply(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, respond: Responder) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()


class FakeOpenAI:
    """Start on enter, stop on exit; `base_url` ends in /v1."""

    def __init__(self, respond: Responder) -> None:
        self._server = _Server(respond)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02})
        self._thread.daemon = True

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return self._server.bodies

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
