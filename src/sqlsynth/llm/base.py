"""What every LLM backend returns and offers: `Completion`, `Usage`, messages, sync wrappers."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from sqlsynth.errors import SqlsynthError

if TYPE_CHECKING:
    from sqlsynth.llm.cache import ResponseCache

T = TypeVar("T")
Message = dict[str, str]
MessagesLike = str | Sequence[Mapping[str, str]]


class LLMError(SqlsynthError):
    """A request that failed for good: `status` is the last HTTP status (None for network errors)."""

    def __init__(
        self, message: str, *, status: int | None = None, attempts: int = 1, where: str | None = None
    ):
        self.status = status
        self.attempts = attempts
        super().__init__(message, where=where)


@dataclass(frozen=True)
class Usage:
    """Token counts as the server reports them in `usage`."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens
        )


@dataclass(frozen=True)
class Completion:
    """The choices of one request, in index order."""

    texts: list[str]
    finish_reasons: list[str | None] = field(default_factory=list)
    usage: Usage = Usage()
    model: str = ""
    cached: bool = False

    @property
    def text(self) -> str:
        """The first choice."""
        return self.texts[0] if self.texts else ""


@dataclass
class Stats:
    """Per-client counters: HTTP attempts, retries, cache hits, failed requests, tokens spent."""

    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    failures: int = 0
    usage: Usage = Usage()


def normalise_messages(messages: MessagesLike) -> list[Message]:
    """A string becomes one user message; every message needs a role and string content."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    out: list[Message] = []
    for i, m in enumerate(messages):
        role, content = m.get("role"), m.get("content")
        if role not in ("system", "user", "assistant", "developer", "tool") or not isinstance(content, str):
            raise LLMError(
                f"message {i} needs a role (system/user/assistant) and string content, got {dict(m)!r}"
            )
        out.append({"role": role, "content": content})
    if not out:
        raise LLMError("no messages to send")
    return out


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code; inside a running loop, on a helper thread."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


@runtime_checkable
class LLM(Protocol):
    """The interface both backends share."""

    stats: Stats

    async def achat(self, messages: MessagesLike, **overrides: Any) -> Completion: ...

    async def achat_many(
        self, batch: Sequence[MessagesLike], *, return_exceptions: bool = False, **overrides: Any
    ) -> list[Completion | BaseException]: ...

    def chat(self, messages: MessagesLike, **overrides: Any) -> Completion: ...

    def chat_many(
        self, batch: Sequence[MessagesLike], *, return_exceptions: bool = False, **overrides: Any
    ) -> list[Completion | BaseException]: ...


class ChatBase:
    """Shared plumbing: stats under a lock, `achat_many`, and the sync wrappers."""

    def __init__(self) -> None:
        self.stats = Stats()
        self._stats_lock = threading.Lock()

    @property
    def usage(self) -> Usage:
        """Tokens spent by this client (cache hits spend none)."""
        return self.stats.usage

    def _count(self, **deltas: Any) -> None:
        with self._stats_lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    cache: ResponseCache | None = None

    def request_body(self, messages: MessagesLike, **overrides: Any) -> dict[str, Any]:
        """The request: what the backend gets, and the cache key."""
        raise NotImplementedError

    async def _fetch(self, body: dict[str, Any]) -> dict[str, Any]:
        """A chat-completion body for the request (counting requests in the stats)."""
        raise NotImplementedError

    async def achat(self, messages: MessagesLike, **overrides: Any) -> Completion:
        """One chat completion (n choices); answered from the cache when the same request was made."""
        body = self.request_body(messages, **overrides)
        if self.cache is not None:
            hit = await asyncio.to_thread(self.cache.get, body)
            if hit is not None:
                try:
                    completion = replace(parse_response(hit), cached=True)
                except MalformedResponse:
                    pass  # not ours: ask again and overwrite it
                else:
                    self._count(cache_hits=1)
                    return completion
        data = await self._fetch(body)
        completion = parse_response(data)
        self._count(usage=completion.usage)
        if self.cache is not None:
            await asyncio.to_thread(self.cache.put, body, data)
        return completion

    async def achat_many(
        self, batch: Sequence[MessagesLike], *, return_exceptions: bool = False, **overrides: Any
    ) -> list[Completion | BaseException]:
        """All requests at once (the backend's concurrency limit applies), answers in input order."""
        return list(
            await asyncio.gather(
                *(self.achat(m, **overrides) for m in batch), return_exceptions=return_exceptions
            )
        )

    async def _finish_loop(self) -> None:
        """Release what this backend holds on the current event loop (after a sync call)."""

    def chat(self, messages: MessagesLike, **overrides: Any) -> Completion:
        """Sync `achat`."""

        async def one() -> Completion:
            try:
                return await self.achat(messages, **overrides)
            finally:
                await self._finish_loop()

        return run_sync(one)

    def chat_many(
        self, batch: Sequence[MessagesLike], *, return_exceptions: bool = False, **overrides: Any
    ) -> list[Completion | BaseException]:
        """Sync `achat_many`."""

        async def many() -> list[Completion | BaseException]:
            try:
                return await self.achat_many(batch, return_exceptions=return_exceptions, **overrides)
            finally:
                await self._finish_loop()

        return run_sync(many)


# -- responses -----------------------------------------------------------------------------------
class MalformedResponse(ValueError):
    """A 2xx body that is not a chat completion."""


def parse_response(data: Any) -> Completion:
    """A chat completion body as a `Completion`; `MalformedResponse` when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list) or not data["choices"]:
        raise MalformedResponse(f"no 'choices' list in {snippet(json.dumps(data).encode())}")
    choices = []
    for i, choice in enumerate(data["choices"]):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            raise MalformedResponse(f"choice {i} has no 'message'")
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            raise MalformedResponse(f"choice {i}: content is {type(content).__name__}, not text")
        index = choice.get("index", i)
        choices.append((index if isinstance(index, int) else i, content or "", choice.get("finish_reason")))
    choices.sort(key=lambda c: c[0])
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return Completion(
        texts=[c[1] for c in choices],
        finish_reasons=[c[2] for c in choices],
        usage=Usage(_int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens"))),
        model=str(data.get("model", "")),
    )


def snippet(content: bytes, limit: int = 200) -> str:
    """The start of a body, quoted, for an error message."""
    text = content.decode("utf-8", "replace").strip().replace("\n", " ")
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0
