"""Engines: the same small table on SQLite, DuckDB and PostgreSQL; results, errors and timeouts as
values; read-only really read-only; write mode; URLs and refusals."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from sqlsynth.engines import ENGINE_DIALECTS, Engine, open_engine
from sqlsynth.engines.url import mask_url, parse_url, short_error
from sqlsynth.errors import EngineError
from sqlsynth.testing.pgserver import free_port

PEOPLE = [(1, "ann", "2024-01-02", 1.5), (2, "bob", "2023-12-31", 2.25), (3, "cy", "2024-02-29", None)]
DDL = "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20), born DATE, score DECIMAL(6,2))"

# A statement that runs far longer than the 0.5 s timeout used below, per engine.
SLOW = {
    "sqlite": "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) "
    "SELECT count(*) FROM c",
    "duckdb": "SELECT sum(range) FROM range(10000000000)",
    "postgres": "SELECT pg_sleep(5)",
}


@dataclass
class Db:
    """A database holding PEOPLE; `query` reads it through a connection of its own (not an engine)."""

    kind: str
    url: str
    query: Callable[[str], list[tuple]]

    def count(self, table: str = "people") -> int:
        return self.query(f"SELECT count(*) FROM {table}")[0][0]

    def tables(self) -> set[str]:
        if self.kind == "sqlite":
            return {r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('main', 'public')"
        return {r[0] for r in self.query(sql)}


def _sqlite_db(tmp_path: Path) -> Db:
    path = tmp_path / "people.db"
    with sqlite3.connect(path) as conn:
        conn.execute(DDL)
        conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", PEOPLE)
    conn.close()

    def query(sql: str) -> list[tuple]:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    return Db("sqlite", f"sqlite:///{path}", query)


def _duckdb_db(tmp_path: Path) -> Db:
    path = tmp_path / "people.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(DDL)
        conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", PEOPLE)

    def query(sql: str) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    return Db("duckdb", f"duckdb:///{path}", query)


def _postgres_db(url: str) -> Db:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(DDL)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO people VALUES (%s, %s, %s, %s)", PEOPLE)

    def query(sql: str) -> list[tuple]:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    return Db("postgres", url, query)


KINDS = ["sqlite", "duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        return _sqlite_db(tmp_path)
    if request.param == "duckdb":
        return _duckdb_db(tmp_path)
    return _postgres_db(request.getfixturevalue("pg_url"))


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def test_simple_query_gives_columns_and_tuples(db: Db) -> None:
    with open_engine(db.url) as engine:
        assert isinstance(engine, Engine)
        assert engine.name == db.kind and engine.dialect == ENGINE_DIALECTS[db.kind]
        res = engine.execute("SELECT id, name AS who FROM people ORDER BY id")
    assert res.ok and not res.timed_out and res.error is None
    assert res.columns == ["id", "who"]
    assert res.rows == [(1, "ann"), (2, "bob"), (3, "cy")]
    assert all(type(r) is tuple for r in res.rows)
    assert res.elapsed_ms > 0


def test_values_keep_their_engine_types(db: Db) -> None:
    with open_engine(db.url) as engine:
        res = engine.execute("SELECT born, score FROM people WHERE id = 1")
    born, score = res.rows[0]
    if db.kind == "sqlite":  # no date or decimal types: what was stored comes back
        assert (born, score) == ("2024-01-02", 1.5)
    else:
        assert str(born) == "2024-01-02" and score == Decimal("1.50") and isinstance(score, Decimal)


@pytest.mark.parametrize("max_rows, expected", [(2, [(1,), (2,)]), (0, []), (10, [(1,), (2,), (3,)])])
def test_max_rows_caps_the_rows(db: Db, max_rows: int, expected: list) -> None:
    with open_engine(db.url) as engine:
        res = engine.execute("SELECT id FROM people ORDER BY id", max_rows=max_rows)
        assert res.ok and res.columns == ["id"] and res.rows == expected
        assert engine.execute("SELECT count(*) FROM people").rows == [(3,)]  # nothing left pending


def test_max_rows_does_not_compute_the_whole_result(db: Db) -> None:
    """Only the rows asked for are produced: an endless result with max_rows returns at once."""
    endless = {
        "sqlite": "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c",
        "duckdb": "SELECT range AS n FROM range(1000000000000)",
        "postgres": "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c",
    }[db.kind]
    with open_engine(db.url) as engine:
        res = engine.execute(endless, timeout_s=5, max_rows=3)
    assert res.ok, res.error
    first = 0 if db.kind == "duckdb" else 1
    assert res.rows == [(first,), (first + 1,), (first + 2,)]
    assert res.elapsed_ms < 2000


@pytest.mark.parametrize(
    "bad_sql",
    ["SELECT no_such_column FROM people", "SELECT * FROM no_such_table", "SELEC 1", "SELECT 1 +"],
)
def test_error_is_a_value_and_the_next_query_works(db: Db, bad_sql: str) -> None:
    with open_engine(db.url) as engine:
        res = engine.execute(bad_sql)
        assert not res.ok and not res.timed_out
        assert res.error and "\n" not in res.error and len(res.error) <= 300
        assert res.rows == [] and res.columns == []
        after = engine.execute("SELECT count(*) FROM people")
    assert after.ok and after.rows == [(3,)]


def test_timeout_interrupts_a_slow_query_and_the_connection_survives(db: Db) -> None:
    with open_engine(db.url) as engine:
        t0 = time.monotonic()
        res = engine.execute(SLOW[db.kind], timeout_s=0.5)
        wall = time.monotonic() - t0
        assert res.timed_out and not res.ok
        assert "timed out" in (res.error or "")
        assert 0.4 <= wall < 2.0, wall  # stopped near the deadline, not at once nor at the end
        assert 400 <= res.elapsed_ms < 2000
        after = engine.execute("SELECT name FROM people WHERE id = 2", timeout_s=0.5)
        assert after.ok and after.rows == [("bob",)] and not after.timed_out
        again = engine.execute(SLOW[db.kind], timeout_s=0.3)  # a second timeout works as well
        assert again.timed_out


def test_a_short_timeout_after_a_long_one_strikes_on_time(db: Db) -> None:
    # the DuckDB watchdog sleeps until the last deadline it saw: a nearer one must wake it
    with open_engine(db.url) as engine:
        assert engine.execute("SELECT count(*) FROM people", timeout_s=600).ok
        t0 = time.monotonic()
        res = engine.execute(SLOW[db.kind], timeout_s=0.3)
        assert res.timed_out and time.monotonic() - t0 < 2.0


def test_a_fast_query_is_not_marked_timed_out(db: Db) -> None:
    with open_engine(db.url) as engine:
        for _ in range(20):
            res = engine.execute("SELECT count(*) FROM people", timeout_s=0.2)
            assert res.ok and not res.timed_out and res.rows == [(3,)]
        time.sleep(0.3)  # past every timer armed above: none may strike the next statement
        assert engine.execute("SELECT count(*) FROM people", timeout_s=5).rows == [(3,)]


# ---------------------------------------------------------------------------------------------
# Read-only and statements
# ---------------------------------------------------------------------------------------------

WRITES = {
    "delete": "DELETE FROM people",
    "update": "UPDATE people SET name = 'x'",
    "insert": "INSERT INTO people VALUES (9, 'zed', NULL, NULL)",
    "drop": "DROP TABLE people",
    "create": "CREATE TABLE other (x INTEGER)",
}


@pytest.mark.parametrize("write", list(WRITES))
def test_read_only_engine_refuses_writes(db: Db, write: str) -> None:
    with open_engine(db.url) as engine:
        res = engine.execute(WRITES[write])
        assert not res.ok and res.error
        assert engine.execute("SELECT count(*) FROM people").rows == [(3,)]
    assert db.count() == 3
    assert db.query("SELECT name FROM people ORDER BY id") == [("ann",), ("bob",), ("cy",)]
    assert db.tables() == {"people"}


@pytest.mark.parametrize("read_only", [True, False])
@pytest.mark.parametrize(
    "sql",
    ["SELECT 1; DELETE FROM people", "SELECT 1; COMMIT; DELETE FROM people", "SELECT 1; SELECT 2"],
)
def test_only_one_statement_per_execute(db: Db, sql: str, read_only: bool) -> None:
    """Also in write mode: a second statement is never run (on PostgreSQL, `COMMIT; DELETE` would
    otherwise escape the read-only transaction)."""
    with open_engine(db.url, read_only=read_only) as engine:
        res = engine.execute(sql)
        assert not res.ok and res.error
    assert db.count() == 3


@pytest.mark.parametrize("sql", ["SELECT 1;", "SELECT 1 ; -- done", "  /* hi */ SELECT 1"])
def test_one_statement_with_trailing_semicolon_or_comments_runs(db: Db, sql: str) -> None:
    with open_engine(db.url) as engine:
        res = engine.execute(sql)
    assert res.ok, res.error
    assert res.rows == [(1,)]


def test_sqlite_read_only_cannot_create_other_files(tmp_path: Path) -> None:
    """mode=ro covers the database file only; ATTACH and VACUUM INTO would write new ones."""
    db = _sqlite_db(tmp_path)
    with open_engine(db.url) as engine:
        assert not engine.execute(f"ATTACH DATABASE '{tmp_path / 'new.db'}' AS n").ok
        assert not engine.execute(f"VACUUM INTO '{tmp_path / 'copy.db'}'").ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.db"]


def test_duckdb_read_only_cannot_write_files(tmp_path: Path) -> None:
    """DuckDB's read_only still allows COPY TO, EXPORT and ATTACH; the engine refuses them."""
    db = _duckdb_db(tmp_path)
    with open_engine(db.url) as engine:
        for sql in [
            f"COPY people TO '{tmp_path / 'out.csv'}'",
            f"COPY (SELECT 1) TO '{tmp_path / 'one.parquet'}' (FORMAT parquet)",
            f"EXPORT DATABASE '{tmp_path / 'dump'}'",
            f"ATTACH '{tmp_path / 'new.duckdb'}' AS n",
        ]:
            res = engine.execute(sql)
            assert not res.ok and "refused" in (res.error or ""), sql
        assert engine.execute("DESCRIBE people").ok  # SHOW/DESCRIBE/SUMMARIZE are queries
        assert engine.execute("FROM people SELECT count(*)").rows == [(3,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.duckdb"]


def test_duckdb_connection_itself_is_read_only(tmp_path: Path) -> None:
    """Beyond the statement-type check, the DuckDB connection is opened read-only."""
    db = _duckdb_db(tmp_path)
    with open_engine(db.url) as engine, pytest.raises(duckdb.Error, match="read-only"):
        engine._conn.execute("DELETE FROM people")  # type: ignore[attr-defined]
    assert db.count() == 3


def test_duckdb_threads_can_be_capped(tmp_path: Path) -> None:
    """Generation opens DuckDB with one thread (small queries; parallelism comes from workers)."""
    db = _duckdb_db(tmp_path)
    with open_engine(db.url, threads=1) as engine:
        assert engine.execute("SELECT current_setting('threads')").rows == [(1,)]
        assert engine.execute("SELECT count(*) FROM people").rows == [(3,)]


def test_duckdb_optimizer_can_be_turned_off_with_the_same_answers(tmp_path: Path) -> None:
    """On small tables generation plans queries as written: no Top N operator, same rows."""
    db = _duckdb_db(tmp_path)
    sql = "SELECT name FROM people ORDER BY name DESC LIMIT 2"
    with open_engine(db.url, optimizer=False) as plain, open_engine(db.url) as optimized:
        assert "Top N" in optimized.execute(f"EXPLAIN {sql}").rows[0][1]
        assert "Top N" not in plain.execute(f"EXPLAIN {sql}").rows[0][1]
        assert plain.execute(sql).rows == optimized.execute(sql).rows


@pytest.mark.postgres
def test_postgres_every_statement_runs_in_a_read_only_transaction(pg_url: str) -> None:
    db = _postgres_db(pg_url)
    with open_engine(db.url) as engine:
        assert engine.execute("SHOW transaction_read_only").rows == [("on",)]
        # Neither a COMMIT nor a changed session default makes a later statement writable.
        assert engine.execute("COMMIT").ok
        engine.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        assert "read-only" in (engine.execute("DELETE FROM people").error or "")
        assert engine.execute("SHOW transaction_read_only").rows == [("on",)]
        res = engine.execute("COPY people TO '/tmp/sqlsynth_people.csv'")
        assert not res.ok and "refused" in (res.error or "")
    assert not Path("/tmp/sqlsynth_people.csv").exists()
    assert db.count() == 3


@pytest.mark.postgres
def test_postgres_statement_timeout_is_per_statement(pg_url: str) -> None:
    """SET LOCAL: the timeout of one execute does not leak into the next."""
    db = _postgres_db(pg_url)
    with open_engine(db.url) as engine:
        assert engine.execute("SELECT pg_sleep(0.3)", timeout_s=0.1).timed_out
        res = engine.execute("SELECT pg_sleep(0.3)", timeout_s=5)
        assert res.ok and not res.timed_out
        assert engine.execute("SHOW statement_timeout", timeout_s=7).rows == [("7s",)]


@pytest.mark.postgres
@pytest.mark.parametrize("read_only", [True, False])
def test_postgres_hashes_a_not_in_subquery_of_many_rows(pg_url: str, read_only: bool) -> None:
    # with the server's default 4 MB work_mem the subquery's 300,000 rows are scanned again for
    # each outer row (27 s, past the timeout); with the session's WORK_MEM they are hashed once
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE a AS SELECT g AS x FROM generate_series(1, 3000) g")
        conn.execute("CREATE TABLE b AS SELECT g AS y FROM generate_series(1, 300000) g")
        conn.execute("ANALYZE a; ANALYZE b")
        assert conn.execute("SHOW work_mem").fetchone() == ("4MB",)  # the server's default
    sql = "EXPLAIN SELECT COUNT(*) FROM a WHERE NOT x IN (SELECT y FROM b)"
    with open_engine(pg_url, read_only=read_only) as engine:
        assert engine.execute("SHOW work_mem").rows == [("64MB",)]
        plan = "\n".join(row[0] for row in engine.execute(sql).rows)
        assert "hashed SubPlan" in plan, plan
        assert engine.execute("SELECT COUNT(*) FROM a WHERE NOT x IN (SELECT y FROM b)").rows == [(0,)]


@pytest.mark.postgres
def test_postgres_max_rows_on_statements_that_are_not_queries(pg_url: str) -> None:
    db = _postgres_db(pg_url)
    with open_engine(db.url) as engine:
        assert engine.execute("SHOW transaction_read_only", max_rows=5).rows == [("on",)]
        explained = engine.execute("EXPLAIN SELECT * FROM people", max_rows=1)
        assert explained.ok and len(explained.rows) == 1 and explained.columns == ["QUERY PLAN"]
        bad = engine.execute("SELECT nope FROM people", max_rows=1)  # error inside a server cursor
        assert not bad.ok
        assert engine.execute("SELECT id FROM people ORDER BY id", max_rows=1).rows == [(1,)]


@pytest.mark.postgres
def test_postgres_engine_survives_a_lost_connection(pg_url: str) -> None:
    """A server-side disconnect is an error value; the next execute connects again."""
    db = _postgres_db(pg_url)
    with open_engine(db.url) as engine:
        pid = engine.execute("SELECT pg_backend_pid()").rows[0][0]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        lost = engine.execute("SELECT count(*) FROM people")
        assert not lost.ok and lost.error
        back = engine.execute("SELECT count(*), pg_backend_pid() FROM people")
        assert back.ok and back.rows[0][0] == 3 and back.rows[0][1] != pid
        assert engine.execute("SHOW transaction_read_only").rows == [("on",)]  # read-only again


# ---------------------------------------------------------------------------------------------
# Write mode
# ---------------------------------------------------------------------------------------------


def test_write_mode_can_write_and_commits(db: Db) -> None:
    with open_engine(db.url, read_only=False) as engine:
        assert engine.execute("INSERT INTO people VALUES (4, 'dee', NULL, NULL)").ok
        assert engine.execute("UPDATE people SET name = 'ANN' WHERE id = 1").ok
        assert engine.execute("CREATE TABLE other (x INTEGER)").ok
        failed = engine.execute("INSERT INTO people (id, nope) VALUES (5, 1)")
        assert not failed.ok  # a failed statement leaves the engine usable
        assert engine.execute("DELETE FROM people WHERE id = 2").ok
    # seen from another connection: every successful statement was committed
    assert db.query("SELECT id, name FROM people ORDER BY id") == [(1, "ANN"), (3, "cy"), (4, "dee")]
    assert db.tables() == {"people", "other"}


def test_write_mode_creates_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    with open_engine(f"sqlite:///{path}", read_only=False) as engine:
        assert engine.execute("CREATE TABLE t (x INTEGER)").ok
        assert engine.execute("INSERT INTO t VALUES (7)").ok
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(7,)]
    conn.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "duckdb:///:memory:"])
def test_in_memory_databases_only_in_write_mode(url: str) -> None:
    with pytest.raises(EngineError, match="in-memory"):
        open_engine(url)
    with open_engine(url, read_only=False) as engine:
        assert engine.execute("CREATE TABLE t (x INTEGER)").ok
        assert engine.execute("INSERT INTO t VALUES (1), (2)").ok
        assert engine.execute("SELECT sum(x) FROM t").rows == [(3,)]


# ---------------------------------------------------------------------------------------------
# Opening: refusals and URLs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_missing_file_is_an_error_and_is_not_created(tmp_path: Path, scheme: str) -> None:
    path = tmp_path / f"missing.{'db' if scheme == 'sqlite' else 'duckdb'}"
    with pytest.raises(EngineError, match="no such file") as err:
        open_engine(f"{scheme}:///{path}")
    assert err.value.where == f"{scheme}:///{path}"
    assert not path.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scheme, suffix", [("sqlite", "db"), ("duckdb", "duckdb")])
def test_a_file_that_is_not_a_database_is_an_error(tmp_path: Path, scheme: str, suffix: str) -> None:
    path = tmp_path / f"notes.{suffix}"
    path.write_text("just some text, certainly not a database header\n" * 20)
    with pytest.raises(EngineError) as err:
        open_engine(f"{scheme}:///{path}")
    assert "\n" not in err.value.message
    assert path.read_text().startswith("just some text")  # untouched


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="folder"):
        open_engine(f"sqlite:///{tmp_path}")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:hunter2@db.example.com/shop",
        "mssql+pyodbc://sa:hunter2@host/db",
        "shop.xlsx",
        "ftp://x/y",
    ],
)
def test_unsupported_url_is_an_engine_error_with_password_masked(url: str) -> None:
    with pytest.raises(EngineError) as err:
        open_engine(url)
    assert "hunter2" not in str(err.value)
    assert err.value.where is not None and "hunter2" not in err.value.where


def test_unreachable_server_is_a_quick_engine_error() -> None:
    url = f"postgresql://someone:hunter2@127.0.0.1:{free_port()}/shop"
    t0 = time.monotonic()
    with pytest.raises(EngineError, match="cannot connect") as err:
        open_engine(url)
    assert time.monotonic() - t0 < 6  # connect_timeout 5
    assert "hunter2" not in str(err.value)
    assert err.value.where == f"postgresql://someone:***@127.0.0.1:{url.split(':')[3]}"


@pytest.mark.postgres
def test_missing_postgres_database_is_an_engine_error(pg_server) -> None:
    with pytest.raises(EngineError, match="does not exist"):
        open_engine(pg_server.url("no_such_database"))


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgres_url_schemes(pg_url: str, scheme: str) -> None:
    _postgres_db(pg_url)
    url = scheme + pg_url[len("postgresql") :]
    with open_engine(url) as engine:
        assert engine.name == "postgres" and engine.url == url
        assert engine.execute("SELECT count(*) FROM people").rows == [(3,)]


def test_relative_and_bare_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _sqlite_db(tmp_path)
    monkeypatch.chdir(tmp_path)
    for url in [
        "sqlite:///people.db",
        "people.db",
        str(tmp_path / "people.db"),
        f"sqlite:///{tmp_path}/people.db",
    ]:
        with open_engine(url) as engine:
            assert engine.execute("SELECT count(*) FROM people").rows == [(3,)], url


@pytest.mark.parametrize(
    "url, kind, path, conninfo",
    [
        ("sqlite:///rel/x.db", "sqlite", "rel/x.db", None),
        ("sqlite:////abs/x.db", "sqlite", "/abs/x.db", None),
        ("sqlite:///a%20b.db?cache=shared", "sqlite", "a b.db", None),
        ("sqlite://", "sqlite", ":memory:", None),
        ("SQLITE:///x.db", "sqlite", "x.db", None),
        ("duckdb:////abs/x.duckdb", "duckdb", "/abs/x.duckdb", None),
        ("duckdb:///:memory:", "duckdb", ":memory:", None),
        ("data/shop.duckdb", "duckdb", "data/shop.duckdb", None),
        ("shop.sqlite3", "sqlite", "shop.sqlite3", None),
        ("postgresql://u:p@h:5433/db", "postgres", None, "postgresql://u:p@h:5433/db"),
        ("postgres://h/db?sslmode=disable", "postgres", None, "postgresql://h/db?sslmode=disable"),
        ("postgresql+psycopg://u@h/db", "postgres", None, "postgresql://u@h/db"),
    ],
)
def test_parse_url(url: str, kind: str, path: str | None, conninfo: str | None) -> None:
    parsed = parse_url(url)
    assert (parsed.kind, parsed.path, parsed.conninfo) == (kind, path, conninfo)


def test_parse_url_refuses_a_host_in_a_file_url() -> None:
    with pytest.raises(EngineError, match="three slashes"):
        parse_url("sqlite://x.db")


@pytest.mark.parametrize(
    "url, masked",
    [
        ("postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("postgresql://:secret@h/db", "postgresql://:***@h/db"),
        ("postgresql://u:p%40ss@h/db?sslmode=require", "postgresql://u:***@h/db?sslmode=require"),
        ("postgresql://u:secret@h:notaport/db", "postgresql://u:***@h:notaport/db"),
        ("postgresql://u:secret@[bad/db", "postgresql://***@[bad/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_short_error_is_one_short_line_without_the_secret() -> None:
    err = RuntimeError("\n  first line with hunter2 in it\nLINE 1: SELECT ...\n" + "x" * 50)
    assert short_error(err, secret="hunter2") == "first line with *** in it"
    assert len(short_error("y" * 1000)) == 300
    assert short_error(ValueError()) == "ValueError"


# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------


def test_closed_engine_answers_with_an_error_value(db: Db) -> None:
    with open_engine(db.url) as engine:
        assert engine.execute("SELECT 1").ok
    res = engine.execute("SELECT 1")
    assert not res.ok and "closed" in (res.error or "")
    engine.close()  # closing twice is harmless


def test_duckdb_close_releases_the_file(tmp_path: Path) -> None:
    """A read-write connection to the same file is refused while a read-only one is open in this
    process, so close() must really close."""
    db = _duckdb_db(tmp_path)
    with open_engine(db.url) as engine:
        assert engine.execute("SELECT count(*) FROM people").ok
    with open_engine(db.url, read_only=False) as writer:
        assert writer.execute("INSERT INTO people VALUES (4, 'dee', NULL, NULL)").ok
    assert db.count() == 4


def test_sqlite_engine_is_usable_from_threads(tmp_path: Path) -> None:
    db = _sqlite_db(tmp_path)
    results: list = []
    with open_engine(db.url) as engine:

        def work(i: int) -> None:
            results.append(engine.execute(f"SELECT count(*) + {i} FROM people").rows)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [[(3 + i,)] for i in range(8)]


def test_a_timeout_shorter_than_the_start_of_the_statement_still_interrupts(db: Db) -> None:
    # an interrupt sent before the engine has begun the statement must not be lost
    with open_engine(db.url) as engine:
        res = engine.execute(SLOW[db.kind], timeout_s=1e-6)
        assert res.timed_out and not res.ok
        assert engine.execute("SELECT count(*) FROM people", timeout_s=5).rows == [(3,)]
