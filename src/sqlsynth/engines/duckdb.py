"""DuckDB, in-process.

Read-only means `duckdb.connect(path, read_only=True)`, which refuses every change to the
database, plus a statement-type allow-list: DuckDB's read-only mode still lets `COPY ... TO`,
`EXPORT DATABASE`, `ATTACH`, `INSTALL`/`LOAD` and `SET` through, which write files or change the
process. The timeout is a watchdog thread (one per engine) that calls `interrupt()`; the
connection stays usable after an interrupt (checked, and reopened if it is not).

DuckDB shares one database instance per file within a process, and refuses a second connection to
the same file with a different configuration (a read-write one while a read-only one is open, and
the reverse): close one engine before opening the same file in the other mode.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlsynth.engines.base import ConnectedEngine, Result, elapsed_ms, fetch
from sqlsynth.engines.url import EngineURL, short_error, timeout_message
from sqlsynth.errors import EngineError

# Statement types a read-only engine runs (DESCRIBE, SHOW, SUMMARIZE, VALUES, FROM-first are SELECT;
# PIVOT is MULTI).
READ_ONLY_TYPES = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL", "MULTI"})


class DuckDBEngine(ConnectedEngine):
    """One DuckDB connection; calls are serialised by a lock."""

    name = "duckdb"
    dialect = "duckdb"
    label = "DuckDB"

    def __init__(
        self,
        url: str | Path | EngineURL,
        *,
        read_only: bool = True,
        threads: int | None = None,
        optimizer: bool = True,
    ) -> None:
        """`threads` caps DuckDB's worker threads (None: its default, one per core). Validation
        runs many small queries, for which one thread is faster than several; the setting holds
        for every connection of this process to the same file (DuckDB shares the instance).
        optimizer=False plans queries as written (joins in their order, filters after them): on
        tables of a few thousand rows optimizing costs more than it saves (a third of a small
        query's time); the results are the same."""
        self.threads = threads
        self.optimizer = optimizer
        super().__init__(url, read_only=read_only)
        self._watchdog = Watchdog(self._interrupt)

    def set_optimizer(self, enabled: bool) -> None:
        """Turn the query optimizer on or off for the rest of this engine's life (see __init__)."""
        with self._lock:
            self.optimizer = enabled
            if self._conn is not None:
                self._conn.execute("PRAGMA enable_optimizer" if enabled else "PRAGMA disable_optimizer")

    def _interrupt(self) -> None:
        if self._conn is not None:
            self._conn.interrupt()

    def _connect(self) -> Any:
        import duckdb

        where = self._url.display
        path = self._database_file()
        target = ":memory:" if path is None else str(path)
        try:
            conn = duckdb.connect(target, read_only=self.read_only)
            if self.threads is not None:
                conn.execute(f"SET threads = {int(self.threads)}")
            # no progress bar: it would print over ours, and tracking it costs ~3% of small queries
            conn.execute("SET enable_progress_bar = false")
            if not self.optimizer:
                conn.execute("PRAGMA disable_optimizer")
        except duckdb.Error as err:
            raise EngineError(f"cannot open: {short_error(err)}", where=where) from None
        return conn

    def execute(self, sql: str, timeout_s: float | None = 10.0, max_rows: int | None = None) -> Result:
        """Run one statement; errors and timeouts come back in the Result, never raised."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return Result(error="engine is closed")
            start = time.perf_counter()
            try:
                statements = conn.extract_statements(sql)
            except Exception as err:  # noqa: BLE001 - every failure is a value
                return Result(error=short_error(err), elapsed_ms=elapsed_ms(start))
            if len(statements) != 1:
                what = "no statement" if not statements else "more than one statement"
                return Result(error=f"{what}; give exactly one", elapsed_ms=elapsed_ms(start))
            statement = statements[0]
            kind = statement.type.name
            if self.read_only and kind not in READ_ONLY_TYPES:
                refused = f"{kind} statements are refused by a read-only engine"
                return Result(error=refused, elapsed_ms=elapsed_ms(start))

            if timeout_s is not None:
                self._watchdog.arm(max(timeout_s, 0.0))
            try:
                conn.execute(statement)  # the statement parsed above: DuckDB does not parse it again
                columns = [d[0] for d in conn.description] if conn.description else []
                rows = fetch(conn, max_rows) if columns else []
                result = Result(columns=columns, rows=rows)
            except Exception as err:  # noqa: BLE001 - every failure is a value
                text = short_error(err)
                if "'pytz'" in text:  # DuckDB converts TIMESTAMPTZ values with pytz
                    text = "DuckDB needs the pytz package to return TIMESTAMP WITH TIME ZONE values"
                result = Result(error=text)
            finally:
                fired = self._watchdog.disarm()
            if fired and not result.ok:
                result = Result(error=timeout_message(timeout_s), timed_out=True)
                self._check_alive()
            result.elapsed_ms = elapsed_ms(start)
            return result

    def _check_alive(self) -> None:
        """After an interrupt: the connection should still answer; reopen it if it does not."""
        try:
            self._conn.execute("SELECT 1").fetchall()
        except Exception:  # noqa: BLE001 - any failure means: reopen
            with contextlib.suppress(Exception):
                self._conn.close()
            try:
                self._conn = self._connect()
            except EngineError:
                self._conn = None  # later calls answer "engine is closed"

    def close(self) -> None:
        self._watchdog.close()
        super().close()


class Watchdog:
    """One thread per engine that interrupts the running statement at its deadline (starting a
    `threading.Timer` per statement costs about a millisecond, as much as a small query).

    Arming does not wake the thread when it already sleeps until an earlier time: it then finds
    the new deadline when it wakes. So back-to-back statements cost a lock each, not a thread
    switch each (a tenth of a small DuckDB query)."""

    def __init__(self, interrupt: Callable[[], None]) -> None:
        self._interrupt = interrupt
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._wake_at = math.inf  # when the thread wakes by itself (inf: only when notified)
        self._fired = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def arm(self, timeout_s: float) -> None:
        """A statement starts now and may run `timeout_s` seconds."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="duckdb-timeout", daemon=True)
                self._thread.start()
            self._deadline = time.monotonic() + timeout_s
            self._fired = False
            if self._deadline < self._wake_at:
                self._cond.notify()

    def disarm(self) -> bool:
        """The statement ended; True if it was interrupted."""
        with self._cond:
            self._deadline = None
            return self._fired

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if self._deadline is None:
                    self._wake_at = math.inf
                    self._cond.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._wake_at = self._deadline
                    self._cond.wait(left)
                    continue
                self._fired = True
                self._interrupt()
                # again until the statement ends: an interrupt sent before DuckDB started it is lost
                self._deadline = time.monotonic() + 0.05

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
