"""PostgreSQL through psycopg 3 (the `postgres` extra).

Every execute is its own transaction: `BEGIN READ ONLY` (the connection's `read_only` flag, and
`default_transaction_read_only` is set for the session as well), `SET LOCAL statement_timeout`,
the statement, then ROLLBACK, so a failed or timed-out statement leaves the connection usable and
nothing a statement did survives it. With read_only=False the transaction is read-write and
committed.

The statement is sent with the extended query protocol (prepared), which the server refuses for
more than one statement: `SELECT 1; COMMIT; DELETE ...` cannot slip out of the read-only
transaction. With `max_rows`, a SELECT runs through a server-side cursor, so only the rows asked
for cross the wire. A read-only engine refuses COPY (a superuser could write server files with it);
connect as a role without superuser rights to rule out the rest (lo_export, adminpack...).

The session's `work_mem` is raised to WORK_MEM where the server's is lower: with the default 4 MB,
`x NOT IN (SELECT y FROM t)` over a table of a few hundred thousand rows cannot hash the subquery
and scans it again for every row (27 s instead of 0.05 s at 300,000 rows), so such a query would
only time out.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlsynth.engines.base import ConnectedEngine, Result, elapsed_ms, fetch
from sqlsynth.engines.url import short_error, timeout_message
from sqlsynth.errors import EngineError

CONNECT_TIMEOUT_S = 5
_CURSOR_NAME = "sqlsynth_rows"
_FIRST_WORD = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*([A-Za-z]+)", re.S)
_CURSOR_STATEMENTS = {"SELECT", "WITH", "VALUES", "TABLE"}
WORK_MEM = "64MB"  # per sort or hash of this session's queries (see the module docstring)


def first_keyword(sql: str) -> str:
    """The statement's first word, upper-cased, after comments and opening parentheses."""
    m = _FIRST_WORD.match(sql)
    return m.group(1).upper() if m else ""


class PostgresEngine(ConnectedEngine):
    """One psycopg connection; calls are serialised by a lock."""

    name = "postgres"
    dialect = "postgres"
    label = "PostgreSQL"

    def _connect(self) -> Any:
        where = self._url.display
        try:
            import psycopg
        except ImportError:
            raise EngineError(
                "PostgreSQL needs psycopg: pip install 'sqlsynth[postgres]'", where=where
            ) from None
        try:
            conn = psycopg.connect(
                self._url.conninfo or "", connect_timeout=CONNECT_TIMEOUT_S, autocommit=False
            )
        except psycopg.Error as err:
            message = f"cannot connect: {short_error(err, secret=self._url.password)}"
            raise EngineError(message, where=where) from None
        try:
            if self.read_only:
                conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            raise_work_mem = "SELECT pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(%s)"
            if conn.execute(raise_work_mem, (WORK_MEM,)).fetchone()[0]:
                conn.execute(f"SET work_mem = '{WORK_MEM}'")
            conn.commit()  # session settings: a rollback would undo them
            if self.read_only:
                conn.read_only = True  # every transaction starts with BEGIN READ ONLY
        except psycopg.Error as err:
            conn.close()
            raise EngineError(f"cannot set up the session: {short_error(err)}", where=where) from None
        return conn

    def execute(self, sql: str, timeout_s: float | None = 10.0, max_rows: int | None = None) -> Result:
        """Run one statement in its own transaction; errors and timeouts come back in the Result."""
        import psycopg

        with self._lock:
            start = time.perf_counter()
            conn = self._conn
            if conn is None:
                return Result(error="engine is closed")
            if conn.broken:  # the server went away earlier: try once to come back
                try:
                    conn = self._conn = self._connect()
                except EngineError as err:
                    return Result(error=err.message, elapsed_ms=elapsed_ms(start))
            keyword = first_keyword(sql)
            if self.read_only and keyword == "COPY":
                return Result(error="COPY is refused by a read-only engine", elapsed_ms=elapsed_ms(start))
            cur: Any = None
            try:
                ms = 0 if timeout_s is None else max(1, round(timeout_s * 1000))
                conn.execute(f"SET LOCAL statement_timeout = {ms}", prepare=False)
                if max_rows is not None and keyword in _CURSOR_STATEMENTS:
                    cur = conn.cursor(name=_CURSOR_NAME)
                    cur.execute(sql)
                else:
                    cur = conn.cursor()
                    cur.execute(sql, prepare=True)  # extended protocol: one statement only
                columns = [c.name for c in cur.description] if cur.description else []
                rows = fetch(cur, max_rows) if columns else []
                cur.close()
                cur = None
                if self.read_only:
                    conn.rollback()
                else:
                    conn.commit()
                return Result(columns=columns, rows=rows, elapsed_ms=elapsed_ms(start))
            except Exception as err:  # noqa: BLE001 - every failure is a value
                self._abort(cur)
                if isinstance(err, psycopg.errors.QueryCanceled) and "statement timeout" in str(err):
                    return Result(
                        error=timeout_message(timeout_s), timed_out=True, elapsed_ms=elapsed_ms(start)
                    )
                return Result(error=short_error(err, secret=self._url.password), elapsed_ms=elapsed_ms(start))

    def _abort(self, cur: Any) -> None:
        conn = self._conn
        try:
            if cur is not None and not conn.broken:
                cur.close()
        except Exception:  # noqa: BLE001 - the rollback below ends the cursor anyway
            pass
        try:
            if not conn.broken:
                conn.rollback()
        except Exception:  # noqa: BLE001 - a broken connection is reopened by the next execute
            pass
