"""Execution engines: SQLite, DuckDB and PostgreSQL behind one protocol (`Engine`).

    with open_engine("sqlite:///shop.db") as engine:          # read-only by default
        res = engine.execute("SELECT count(*) FROM orders", timeout_s=5, max_rows=100)
        if res.ok: ...                                          # else res.error, res.timed_out

Errors and timeouts of a statement come back in the `Result`; only opening an engine raises
(EngineError naming the URL, password masked). Result comparison lives in `engines.compare`.
"""

from __future__ import annotations

from pathlib import Path

from sqlsynth.engines.base import Engine, Result
from sqlsynth.engines.duckdb import DuckDBEngine
from sqlsynth.engines.postgres import PostgresEngine
from sqlsynth.engines.sqlite import SqliteEngine
from sqlsynth.engines.url import EngineURL, mask_url, parse_url

ENGINE_DIALECTS = {"sqlite": "sqlite", "duckdb": "duckdb", "postgres": "postgres"}

_CLASSES: dict[str, type[SqliteEngine] | type[DuckDBEngine] | type[PostgresEngine]] = {
    "sqlite": SqliteEngine,
    "duckdb": DuckDBEngine,
    "postgres": PostgresEngine,
}


def open_engine(
    url: str | Path, *, read_only: bool = True, threads: int | None = None, optimizer: bool = True
) -> Engine:
    """Open the database at `url` (sqlite:///f.db, duckdb:///f.duckdb, postgresql://..., or a
    .sqlite/.db/.duckdb file name). Raises EngineError for an unsupported scheme, a missing file or
    an unreachable server.

    read_only=False lets statements write (SQLite creates a missing file); use it only on databases
    sqlsynth created. `threads` caps DuckDB's worker threads and optimizer=False turns its query
    optimizer off (see DuckDBEngine); the other engines ignore both.
    """
    parsed = parse_url(url)
    if parsed.kind == "duckdb":
        return DuckDBEngine(parsed, read_only=read_only, threads=threads, optimizer=optimizer)
    return _CLASSES[parsed.kind](parsed, read_only=read_only)


__all__ = [
    "ENGINE_DIALECTS",
    "DuckDBEngine",
    "Engine",
    "EngineURL",
    "PostgresEngine",
    "Result",
    "SqliteEngine",
    "mask_url",
    "open_engine",
    "parse_url",
]
