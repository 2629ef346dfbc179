"""OpenAI-compatible chat completions over HTTP: concurrency limit, retries with backoff, disk cache.

    client = LLMClient(LLMConfig(model="qwen2.5-7b", base_url="http://localhost:8000/v1"))
    client.chat("Say hi").text                        # sync
    await client.achat_many([[{"role": "user", ...}], ...], n=4)   # async, <= max_concurrency in flight

Retried: connection errors, timeouts, HTTP 408/409/429/5xx and malformed bodies, with exponential
backoff and jitter (a server's Retry-After / retry-after-ms is honoured, capped at backoff_max_s).
Other HTTP errors fail at once. Cache entries are keyed by the whole request body (model, messages,
temperature, n, max_tokens, seed, top_p, stop), so a sampled request with no seed is answered from
the cache the second time too: vary the seed for fresh samples.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from sqlsynth.llm.base import (
    ChatBase,
    LLMError,
    MalformedResponse,
    MessagesLike,
    normalise_messages,
    parse_response,
    snippet,
)
from sqlsynth.llm.cache import ResponseCache
from sqlsynth.llm.config import LLMConfig, SamplingParams

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})


@dataclass
class _Session:
    """What belongs to one event loop: the connection pool and the concurrency limit."""

    http: httpx2.AsyncClient
    limit: asyncio.Semaphore


class LLMClient(ChatBase):
    """Chat completions against `config.base_url`; see the module docstring."""

    def __init__(self, config: LLMConfig, *, cache: ResponseCache | None = None) -> None:
        super().__init__()
        if config.backend != "openai":
            raise LLMError(f"LLMClient speaks HTTP; backend {config.backend!r} needs create_llm()")
        self.config = config
        if cache is None and config.cache_dir is not None:
            cache = ResponseCache(config.cache_dir)
        self.cache = cache
        self.url = f"{config.base_url}/chat/completions"
        self._sessions: dict[asyncio.AbstractEventLoop, _Session] = {}
        self._lock = threading.Lock()
        self._rng = random.Random()

    # -- requests -----------------------------------------------------------------------------

    def request_body(self, messages: MessagesLike, **overrides: Any) -> dict[str, Any]:
        """The JSON body sent (and the cache key): config defaults with per-call overrides."""
        p = SamplingParams(**{**self.config.sampling().model_dump(), **overrides})
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": normalise_messages(messages),
            "temperature": p.temperature,
            "max_tokens": p.max_tokens,
            "n": p.n,
        }
        for name in ("seed", "top_p", "stop"):
            if getattr(p, name) is not None:
                body[name] = getattr(p, name)
        return body

    async def _fetch(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST the body, with retries; the response body, checked to be a chat completion."""
        session = self._session()
        cfg = self.config
        headers = {"Content-Type": "application/json", **cfg.headers}
        key = cfg.api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        attempts = cfg.max_retries + 1
        problem = ""
        status: int | None = None
        for attempt in range(attempts):
            wait: float | None = None
            async with session.limit:
                self._count(requests=1)
                try:
                    resp = await session.http.post(self.url, json=body, headers=headers)
                except httpx2.TimeoutException as err:
                    status, problem = None, f"timed out after {cfg.timeout_s:g} s ({type(err).__name__})"
                except httpx2.TransportError as err:
                    status, problem = None, f"connection failed: {type(err).__name__}: {err}"
                else:
                    status = resp.status_code
                    if 200 <= status < 300:
                        try:
                            return _json_body(resp.content)
                        except MalformedResponse as err:
                            problem = f"malformed response: {err}"
                    else:
                        problem = f"HTTP {status}: {_error_text(resp.content)}"
                        if status not in RETRY_STATUS:
                            break
                        wait = retry_after(resp.headers)
            if attempt + 1 < attempts:
                self._count(retries=1)
                await asyncio.sleep(self._backoff(attempt, wait))
        self._count(failures=1)
        n = attempt + 1
        raise LLMError(
            f"{problem} (after {n} attempt{'s' if n > 1 else ''})", status=status, attempts=n, where=self.url
        )

    def _backoff(self, attempt: int, retry_after_s: float | None) -> float:
        """Retry-After when the server gave one, else base·2^attempt with jitter; capped."""
        cfg = self.config
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), cfg.backoff_max_s)
        ceiling = min(cfg.backoff_max_s, cfg.backoff_base_s * 2**attempt)
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    # -- one connection pool and semaphore per event loop --------------------------------------

    def _session(self) -> _Session:
        loop = asyncio.get_running_loop()
        with self._lock:
            session = self._sessions.get(loop)
            if session is None:
                cfg = self.config
                limits = httpx2.Limits(max_connections=cfg.max_concurrency)
                http = httpx2.AsyncClient(timeout=httpx2.Timeout(cfg.timeout_s), limits=limits)
                session = self._sessions[loop] = _Session(http, asyncio.Semaphore(cfg.max_concurrency))
            return session

    async def _finish_loop(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            session = self._sessions.pop(loop, None)
        if session is not None:
            await session.http.aclose()

    async def aclose(self) -> None:
        """Close the connections of the current event loop."""
        await self._finish_loop()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


# -- parsing --------------------------------------------------------------------------------------


def _json_body(content: bytes) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except ValueError as err:
        raise MalformedResponse(f"not JSON ({err.__class__.__name__}): {snippet(content)}") from None
    parse_response(data)  # validates
    return data


def retry_after(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def _error_text(content: bytes) -> str:
    """The server's error message (`{"error": {"message": ...}}`) or the start of the body."""
    try:
        data = json.loads(content)
    except ValueError:
        return snippet(content)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return snippet(content)
