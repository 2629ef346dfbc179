"""SQLite through the standard library's sqlite3.

Read-only means the file is opened with `mode=ro` (a missing file is an error and is never
created) and an authorizer refuses ATTACH/DETACH, which would otherwise let a statement create or
write another file (`ATTACH 'x.db'`, `VACUUM INTO 'x.db'`). The timeout is a progress handler
that aborts the statement once the deadline passes; it stays installed while rows are fetched,
because SQLite computes rows lazily.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any
from urllib.request import pathname2url

from sqlsynth.engines.base import ConnectedEngine, Result, elapsed_ms, fetch
from sqlsynth.engines.url import short_error, timeout_message
from sqlsynth.errors import EngineError

PROGRESS_STEPS = 10_000  # VM instructions between two deadline checks (well under a millisecond)
_DENIED_READ_ONLY = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}


def _read_only_authorizer(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_DENY if action in _DENIED_READ_ONLY else sqlite3.SQLITE_OK


class SqliteEngine(ConnectedEngine):
    """One sqlite3 connection; usable from any thread (calls are serialised by a lock)."""

    name = "sqlite"
    dialect = "sqlite"
    label = "SQLite"

    def _connect(self) -> sqlite3.Connection:
        where = self._url.display
        path = self._database_file()
        if path is None:
            target, uri = ":memory:", False
        else:
            mode = "ro" if self.read_only else "rwc"
            target, uri = f"file:{pathname2url(str(path.resolve()))}?mode={mode}", True
        try:
            conn = sqlite3.connect(target, uri=uri, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as err:
            raise EngineError(f"cannot open: {short_error(err)}", where=where) from None
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as err:
            conn.close()
            raise EngineError(f"not a SQLite database ({short_error(err)})", where=where) from None
        if self.read_only:
            conn.set_authorizer(_read_only_authorizer)
        return conn

    def execute(self, sql: str, timeout_s: float | None = 10.0, max_rows: int | None = None) -> Result:
        """Run one statement; errors and timeouts come back in the Result, never raised."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return Result(error="engine is closed")
            deadline = None if timeout_s is None else time.monotonic() + timeout_s
            fired = False

            def progress() -> int:
                nonlocal fired
                if deadline is not None and time.monotonic() > deadline:
                    fired = True
                    return 1
                return 0

            start = time.perf_counter()
            cur: sqlite3.Cursor | None = None
            conn.set_progress_handler(progress, PROGRESS_STEPS)
            try:
                cur = conn.execute(sql)  # more than one statement: ProgrammingError
                columns = [d[0] for d in cur.description] if cur.description else []
                rows = fetch(cur, max_rows)
                return Result(columns=columns, rows=rows, elapsed_ms=elapsed_ms(start))
            except Exception as err:  # noqa: BLE001 - every failure is a value
                if fired:
                    return Result(
                        error=timeout_message(timeout_s), timed_out=True, elapsed_ms=elapsed_ms(start)
                    )
                return Result(error=short_error(err), elapsed_ms=elapsed_ms(start))
            finally:
                if cur is not None:
                    cur.close()
                conn.set_progress_handler(None, PROGRESS_STEPS)
                self._end_transaction(conn)

    def _end_transaction(self, conn: sqlite3.Connection) -> None:
        """A statement's own BEGIN must not outlive it: roll back (read-only) or commit."""
        if not conn.in_transaction:
            return
        try:
            if self.read_only:
                conn.rollback()
            else:
                conn.commit()
        except sqlite3.Error:
            conn.rollback()
