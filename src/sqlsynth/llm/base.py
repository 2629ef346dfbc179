"""What every LLM backend returns and offers: `Completion`, `Usage`, messages, sync wrappers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlsynth.errors import SqlsynthError

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

    async def achat(self, messages: MessagesLike, **overrides: Any) -> Completion:
        raise NotImplementedError

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
