"""Where populate writes: databases sqlsynth creates (a new SQLite or DuckDB file, a new PostgreSQL
database), and the bulk loaders for each engine.

Every target is checked before any row is generated (`prepare`), so a refusal or an unreachable
server costs nothing; the load itself runs in one transaction per engine, creates the tables
from `render_ddl`, bulk-loads (SQLite executemany with the journal off, DuckDB from Arrow,
PostgreSQL COPY), then creates the indexes. On PostgreSQL the tables are created without foreign
keys and every foreign key is added after the data, so each is validated on the real rows (one join
per constraint, ~3x faster than checking each copied row; cycles need no special order).
If a load fails, whatever sqlsynth created for it (file or database) is removed again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from sqlsynth.engines.url import mask_url, parse_url, short_error
from sqlsynth.errors import EngineError, SqlsynthError
from sqlsynth.populate.generate import Dataset, TableData
from sqlsynth.render import quote
from sqlsynth.schema.ddl_render import (
    add_foreign_key,
    creation_order,
    render_ddl,
    render_indexes,
    split_cycle_edges,
)
from sqlsynth.schema.model import Schema

CHUNK_ROWS = 50_000
Advance = Callable[[str, int], None]


@dataclass
class Target:
    url: str
    engine: str  # sqlite | duckdb | postgres
    path: Path | None = None

    @property
    def display(self) -> str:
        return mask_url(self.url)


def parse_target(url: str | Path) -> Target:
    """sqlite:///file.db, duckdb:///file.duckdb, postgresql://user@host:port/newdb, or a file path
    ending in .sqlite/.sqlite3/.db/.duckdb (the engines' URL conventions)."""
    parsed = parse_url(url)
    if parsed.kind == "postgres":
        if not parsed.database:
            raise SqlsynthError("name the database to create (postgresql://host/newdb)", where=parsed.display)
        return Target(parsed.url, "postgres", None)
    if parsed.in_memory or not parsed.path:
        raise SqlsynthError(
            "populate needs a file to create, not an in-memory database", where=parsed.display
        )
    return Target(parsed.url, parsed.kind, Path(parsed.path))


_REFUSAL = "already contains tables; sqlsynth only populates databases it creates"


# ---------------------------------------------------------------------------------------------
# Load order
# ---------------------------------------------------------------------------------------------


def self_ref_waves(data: Dataset, table: str) -> list[np.ndarray] | None:
    """Row groups such that every row's self-referenced parent is in an earlier group (DuckDB checks
    foreign keys against rows already in the table, not those in the same INSERT)."""
    parents = data.self_parents.get(table)
    if not parents:
        return None
    n = data.tables[table].n
    depth = np.zeros(n, dtype=np.int64)
    for _ in range(n + 1):
        new = np.zeros(n, dtype=np.int64)
        for p in parents:
            has = (p >= 0) & (p != np.arange(n))
            new = np.maximum(new, np.where(has, depth[np.maximum(p, 0)] + 1, 0))
        if np.array_equal(new, depth):
            break
        depth = new
    order = np.argsort(depth, kind="stable")
    bounds = np.flatnonzero(np.diff(depth[order])) + 1
    return np.split(order, bounds)


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


class Writer:
    target: Target

    def prepare(self) -> None:
        """Check the target can be created (refuse existing data); raise before any work is done."""

    def load(self, schema: Schema, data: Dataset, advance: Advance) -> float:
        """Create the tables and load every row; returns the seconds it took."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _undo_on_failure(self, errors: type[BaseException], undo: Callable[[], None]) -> Iterator[None]:
        """On a failure inside the block: `undo()` (drop what this load made); a driver error
        (`errors`) is raised again as an EngineError naming the target."""
        try:
            yield
        except BaseException as err:
            undo()
            if isinstance(err, errors):
                raise EngineError(f"loading failed: {err}", where=self.target.display) from err
            raise

    def _refuse_tables(self, kind: str, count_tables: Callable[[Path], int], errors: type[Exception]) -> bool:
        """For a database file: refuse a folder, a file that is not a `kind` database and one
        that has tables; True if a (table-less) file is already there."""
        path = self.target.path
        assert path is not None
        if path.is_dir():
            raise SqlsynthError("is a folder, not a database file", where=str(path))
        if not path.exists() or path.stat().st_size == 0:
            return False
        try:
            count = count_tables(path)
        except errors as err:
            raise SqlsynthError(
                f"exists and is not an empty {kind} database ({err})", where=self.target.url
            ) from None
        if count:
            raise SqlsynthError(_REFUSAL, where=self.target.url)
        return True


def writer_for(target: Target) -> Writer:
    if target.engine == "sqlite":
        return SqliteWriter(target)
    if target.engine == "duckdb":
        return DuckdbWriter(target)
    return PostgresWriter(target)


class SqliteWriter(Writer):
    def __init__(self, target: Target) -> None:
        self.target = target
        self.existed = False

    def prepare(self) -> None:
        import sqlite3

        def count_tables(path: Path) -> int:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
            finally:
                conn.close()

        self.existed = self._refuse_tables("SQLite", count_tables, sqlite3.DatabaseError)

    def load(self, schema: Schema, data: Dataset, advance: Advance) -> float:
        import sqlite3

        path = self.target.path
        assert path is not None
        start = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        conn = sqlite3.connect(str(path), isolation_level=None)

        def undo() -> None:
            conn.close()
            if created:
                path.unlink(missing_ok=True)

        with self._undo_on_failure(sqlite3.Error, undo):
            # the file is ours (new or empty): no journal, no fsync during the load
            conn.execute("PRAGMA journal_mode=OFF" if not self.existed else "PRAGMA journal_mode=MEMORY")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA foreign_keys=OFF")  # so tables load in any order
            conn.execute("PRAGMA cache_size=-200000")
            conn.execute("BEGIN")
            for stmt in render_ddl(schema, "sqlite"):
                conn.execute(stmt)
            for name, td in data.tables.items():
                sql = _insert_sql(td, "sqlite", "?")
                cols = td.python_columns("sqlite")
                for lo in range(0, td.n, CHUNK_ROWS):
                    hi = min(lo + CHUNK_ROWS, td.n)
                    conn.executemany(sql, zip(*(c[lo:hi] for c in cols), strict=True))
                    advance(name, hi - lo)
            for stmt in render_indexes(schema, "sqlite"):
                conn.execute(stmt)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        return time.perf_counter() - start


class DuckdbWriter(Writer):
    def __init__(self, target: Target) -> None:
        self.target = target

    def prepare(self) -> None:
        import duckdb

        def count_tables(path: Path) -> int:
            conn = duckdb.connect(str(path), read_only=True)
            try:
                return conn.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT internal").fetchone()[0]  # type: ignore[index]
            finally:
                conn.close()

        self._refuse_tables("DuckDB", count_tables, duckdb.Error)

    def load(self, schema: Schema, data: Dataset, advance: Advance) -> float:
        import duckdb

        path = self.target.path
        assert path is not None
        start = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        if created is False and path.stat().st_size == 0:
            path.unlink()  # DuckDB refuses an empty file as a database; it was empty, so ours to make
            created = True
        conn = duckdb.connect(str(path))

        def undo() -> None:
            conn.close()
            if created:
                path.unlink(missing_ok=True)
                Path(f"{path}.wal").unlink(missing_ok=True)

        with self._undo_on_failure(duckdb.Error, undo):
            conn.execute("SET enable_progress_bar = false")
            conn.execute("BEGIN TRANSACTION")
            for stmt in render_ddl(schema, "duckdb"):
                conn.execute(stmt)
            inline, _ = split_cycle_edges(schema)
            inline_self = {fk.source_table for fk in inline if fk.source_table == fk.target_table}
            for name in creation_order(schema, inline):
                td = data.tables[name]
                waves = self_ref_waves(data, name) if name in inline_self else None
                parts = [td] if waves is None else [td.subset(w) for w in waves]
                for part in parts:
                    self._insert(conn, part)
                    advance(name, part.n)
            for stmt in render_indexes(schema, "duckdb"):
                conn.execute(stmt)
            conn.execute("COMMIT")
        conn.execute("CHECKPOINT")
        conn.close()
        return time.perf_counter() - start

    @staticmethod
    def _insert(conn: Any, td: TableData) -> None:
        if td.n == 0:
            return
        view = "__sqlsynth_rows"
        arrow = td.to_arrow()
        cols = ", ".join(quote(c, "duckdb") for c in td.column_names)
        conn.register(view, arrow)
        try:
            conn.execute(f"INSERT INTO {quote(td.name, 'duckdb')} ({cols}) SELECT {cols} FROM {view}")
        finally:
            with contextlib.suppress(Exception):  # keep the INSERT's own error, not the aborted txn's
                conn.unregister(view)


class PostgresWriter(Writer):
    def __init__(self, target: Target) -> None:
        self.target = target
        self._parsed = parse_url(target.url)
        self.dbname = self._parsed.database
        self.exists = False

    def _connect(self, admin: bool = False, **kw: Any) -> Any:
        """A connection to the target database, or (admin) to the server's `postgres` database."""
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the `postgres` extra
            raise SqlsynthError("PostgreSQL needs psycopg: pip install 'sqlsynth[postgres]'") from None
        conninfo = self._parsed.conninfo or ""
        if admin:
            conninfo = urlunsplit(urlsplit(conninfo)._replace(path="/postgres"))
        try:
            return psycopg.connect(conninfo, connect_timeout=10, **kw)
        except psycopg.Error as err:
            msg = short_error(err, secret=self._parsed.password)
            raise EngineError(f"cannot connect to PostgreSQL: {msg}", where=self.target.display) from None

    def prepare(self) -> None:
        with self._connect(admin=True, autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,)).fetchone()
        self.exists = row is not None
        if not self.exists:
            return
        with self._connect(autocommit=True) as conn:
            count = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%%'"
            ).fetchone()[0]
        if count:
            raise SqlsynthError(_REFUSAL, where=self.target.display)

    def load(self, schema: Schema, data: Dataset, advance: Advance) -> float:
        import psycopg

        start = time.perf_counter()
        created = False
        if not self.exists:
            with self._connect(admin=True, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {quote(self.dbname, 'postgres')}")
            created = True
        undo = self._drop if created else (lambda: None)
        with self._undo_on_failure(psycopg.Error, undo), self._connect() as conn:
            with conn.transaction():
                # tables without foreign keys, COPY, then every FK as ALTER TABLE: PostgreSQL
                # validates each constraint with one join over the loaded rows, ~3x faster than
                # firing the FK trigger per copied row (and cycles need no special order)
                for stmt in render_ddl(schema, "postgres", foreign_keys=False):
                    conn.execute(stmt)
                with conn.cursor() as cur:
                    for name in data.tables:
                        self._copy(cur, data.tables[name], advance)
                for fk in schema.foreign_keys:
                    conn.execute(add_foreign_key(fk, "postgres").sql("postgres"))
                for stmt in render_indexes(schema, "postgres"):
                    conn.execute(stmt)
            conn.autocommit = True
            conn.execute("ANALYZE")
        return time.perf_counter() - start

    def _drop(self) -> None:
        try:
            with self._connect(admin=True, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {quote(self.dbname, 'postgres')}")
        except SqlsynthError:  # pragma: no cover - best effort after a failure
            pass

    @staticmethod
    def _copy(cur: Any, td: TableData, advance: Advance) -> None:
        if td.n == 0:
            return
        cols = ", ".join(quote(c, "postgres") for c in td.column_names)
        sql = f"COPY {quote(td.name, 'postgres')} ({cols}) FROM STDIN"
        columns = td.python_columns("postgres")
        with cur.copy(sql) as copy:
            for lo in range(0, td.n, CHUNK_ROWS):
                hi = min(lo + CHUNK_ROWS, td.n)
                for row in zip(*(c[lo:hi] for c in columns), strict=True):
                    copy.write_row(row)
                advance(td.name, hi - lo)


def _insert_sql(td: TableData, dialect: str, mark: str) -> str:
    cols = ", ".join(quote(c, dialect) for c in td.column_names)
    marks = ", ".join([mark] * len(td.column_names))
    return f"INSERT INTO {quote(td.name, dialect)} ({cols}) VALUES ({marks})"
