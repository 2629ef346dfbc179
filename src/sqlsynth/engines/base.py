"""The Engine protocol: read-only execution with a timeout; errors and timeouts are values."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlsynth.engines.url import EngineURL, parse_url
from sqlsynth.errors import EngineError


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


class ConnectedEngine:
    """What the engines share: the parsed URL (of this engine's kind), the read-only flag and one
    connection, made by the subclass's `_connect`, behind a lock; closing, `with`, repr."""

    name: str
    dialect: str
    label: str  # how the kind is written in messages ("SQLite")

    def __init__(self, url: str | Path | EngineURL, *, read_only: bool = True) -> None:
        self._url = url if isinstance(url, EngineURL) else parse_url(url)
        if self._url.kind != self.name:
            raise EngineError(f"not a {self.label} URL", where=self._url.display)
        self.url = self._url.url
        self.read_only = read_only
        self._lock = threading.Lock()
        self._conn: Any = self._connect()

    def _connect(self) -> Any:
        raise NotImplementedError

    def _database_file(self) -> Path | None:
        """For the file engines: the database file, None for an in-memory database; refuses an
        in-memory database to read, a folder, and (to read) a missing file."""
        where = self._url.display
        if self._url.in_memory:
            if self.read_only:
                raise EngineError("an in-memory database is empty; open it with read_only=False", where=where)
            return None
        path = Path(self._url.path or "")
        if path.is_dir():
            raise EngineError("is a folder, not a database file", where=where)
        if self.read_only and not path.exists():
            raise EngineError("no such file", where=where)
        return path

    @property
    def display(self) -> str:
        return self._url.display

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display!r}, read_only={self.read_only})"


def fetch(cursor: Any, max_rows: int | None) -> list[Any]:
    """All rows, or at most `max_rows` (a DB-API cursor, or a DuckDB connection)."""
    if max_rows is None:
        return cursor.fetchall()
    return cursor.fetchmany(max_rows) if max_rows > 0 else []


def elapsed_ms(start: float) -> float:
    """Milliseconds since `start` (a `time.perf_counter()` reading)."""
    return (time.perf_counter() - start) * 1000.0
