"""The Engine protocol: read-only execution with a timeout; errors and timeouts are values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass
class Result:
    """What one execution gave. `error` is None on success; `timed_out` marks a timeout."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    elapsed_ms: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@runtime_checkable
class Engine(Protocol):
    """One open connection to a database, used only to read.

    `name` is the engine kind ("sqlite", "duckdb", "postgres"); `dialect` the sqlglot dialect to
    render SQL in for it.
    """

    name: str
    dialect: str
    url: str

    def execute(self, sql: str, timeout_s: float = 10.0, max_rows: int | None = None) -> Result: ...

    def close(self) -> None: ...
