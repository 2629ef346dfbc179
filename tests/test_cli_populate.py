"""`sqlsynth populate` and `sqlsynth profile` on real files and servers; bad input exits 2 without a
traceback; after `--also`, SQLite, DuckDB and PostgreSQL answer the same queries identically."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest
from typer.testing import CliRunner, Result

from sqlsynth.cli import app
from sqlsynth.engines import open_engine
from sqlsynth.engines.compare import CompareRules, compare_results
from sqlsynth.populate import Profile, populate
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table

runner = CliRunner()

# questions a generator would ask of the demo model: joins, GROUP BY / HAVING, ORDER BY, NOT EXISTS,
# a self-join, dates, booleans, decimals; (sql, order matters)
DEMO_QUERIES: list[tuple[str, bool]] = [
    (
        "SELECT c.country, COUNT(o.order_id) AS n_orders, SUM(o.total_amount) AS revenue "
        "FROM customers c JOIN orders o ON o.customer_id = c.customer_id "
        "WHERE c.country IS NOT NULL GROUP BY c.country ORDER BY n_orders DESC, c.country",
        True,
    ),
    (
        "SELECT COUNT(*) FROM customers c "
        "WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)",
        False,
    ),
    (
        "SELECT c.customer_id, COUNT(o.order_id) FROM customers c "
        "LEFT JOIN orders o ON o.customer_id = c.customer_id GROUP BY c.customer_id",
        False,
    ),
    (
        "SELECT p.category_id, COUNT(*) AS n, AVG(p.unit_price) FROM products p "
        "GROUP BY p.category_id HAVING COUNT(*) > 1",
        False,
    ),
    (
        "SELECT o.order_id, c.email, ROUND(SUM(oi.quantity * oi.unit_price), 2) AS total "
        "FROM orders o JOIN customers c ON c.customer_id = o.customer_id "
        "JOIN order_items oi ON oi.order_id = o.order_id "
        "GROUP BY o.order_id, c.email ORDER BY total DESC, o.order_id LIMIT 10",
        True,
    ),
    ("SELECT status, MIN(order_date), MAX(order_date), COUNT(*) FROM orders GROUP BY status", False),
    (
        "SELECT e.employee_id, m.last_name FROM employees e "
        "LEFT JOIN employees m ON m.employee_id = e.manager_id ORDER BY e.employee_id",
        True,
    ),
    ("SELECT is_active, COUNT(*) FROM customers GROUP BY is_active", False),
    (
        "SELECT p.product_name, AVG(r.rating), COUNT(*) FROM products p "
        "JOIN reviews r ON r.product_id = p.product_id GROUP BY p.product_name",
        False,
    ),
]


def invoke(*args: str) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(res: Result, *needles: str) -> None:
    """Exit 2, a short message on stderr naming what is wrong, and no traceback anywhere."""
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    assert res.stderr.startswith("error:"), res.stderr
    assert len(res.stderr.strip().splitlines()) <= 2, res.stderr
    for needle in needles:
        assert needle in res.stderr, (needle, res.stderr)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


# ---------------------------------------------------------------------------------------------
# populate
# ---------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_populate_demo_on_three_engines_answers_alike(tmp_path, pg_server):
    lite, duck = tmp_path / "shop.db", tmp_path / "shop.duckdb"
    pg = pg_server.url("cli_demo_three")  # created by populate
    res = invoke(
        "populate", "demo", "--db", f"sqlite:///{lite}", "--also", f"duckdb:///{duck}", "--also", pg,
        "--rows-per-table", "*=60,customers=150,orders=400,order_items=900,reviews=300", "--seed", "7",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = res.stdout
    counts = table_counts(lite)
    assert counts["customers"] == 150 and counts["order_items"] == 900 and counts["taxes"] == 60
    total = sum(counts.values())
    assert f"{total:,} rows in 49 tables, seed 7" in out
    for engine in ("sqlite", "duckdb", "postgres"):
        assert f"│ {engine} " in out  # one summary row per engine, each with the full row count
    assert out.count(f"│ {total:,} │") == 3
    assert "generated" in res.stderr and "postgres done" in res.stderr  # the progress bars

    assert sqlite3.connect(lite).execute("PRAGMA foreign_key_check").fetchall() == []
    engines = {name: open_engine(url) for name, url in (("sqlite", lite), ("duckdb", duck), ("postgres", pg))}
    try:
        for sql, ordered in DEMO_QUERIES:
            results = {name: e.execute(sql, timeout_s=20) for name, e in engines.items()}
            for name, r in results.items():
                assert r.ok and r.rows, (name, sql, r.error)
            for other in ("duckdb", "postgres"):
                cmp = compare_results(results["sqlite"], results[other], CompareRules(order_matters=ordered))
                assert cmp.equal, f"sqlite vs {other}: {cmp.reason}\n{sql}"
    finally:
        for e in engines.values():
            e.close()


def test_rows_per_table_with_default_and_same_seed_same_file_content(tmp_path):
    dumps = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.db"
        res = invoke(
            "populate", "demo", "--db", db, "--rows", "12", "--rows-per-table", "customers=40",
            "--rows-per-table", "Orders=90", "--seed", "4", "--no-progress",
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        assert res.stderr == ""  # --no-progress: nothing on stderr
        counts = table_counts(db)
        assert counts["customers"] == 40 and counts["orders"] == 90 and counts["products"] == 12
        conn = sqlite3.connect(db)
        dumps.append([conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in sorted(counts)])
    assert dumps[0] == dumps[1]


def test_row_counts_accept_k_and_m_suffixes(tmp_path):
    db = tmp_path / "s.db"
    res = invoke("populate", "demo", "--db", f"sqlite:///{db}", "--rows-per-table",
                 "customers=1k,*=1", "--no-progress")  # fmt: skip
    assert res.exit_code == 0, res.output
    counts = table_counts(db)
    assert counts["customers"] == 1000 and counts["orders"] == 1


def test_schema_file_source_with_null_rate_and_skew(tmp_path):
    schema = Schema(
        name="tiny",
        tables=[
            Table(
                name="parent",
                columns=[Column(name="id", type="INT", nullable=False), Column(name="city", type="TEXT")],
                primary_key=["id"],
            ),
            Table(
                name="child",
                columns=[Column(name="id", type="INT", nullable=False), Column(name="parent_id", type="INT")],
                primary_key=["id"],
            ),
        ],
        foreign_keys=[ForeignKey(source_table="child", source_columns=["parent_id"], target_table="parent",
                                 target_columns=["id"])],
    )  # fmt: skip
    src = tmp_path / "tiny.json"
    schema.save(src)
    db = tmp_path / "tiny.duckdb"
    res = invoke("populate", src, "--db", f"duckdb:///{db}", "--rows", "400", "--null-rate", "0",
                 "--skew", "0", "--no-progress")  # fmt: skip
    assert res.exit_code == 0, res.output
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute("SELECT COUNT(*) FROM child WHERE parent_id IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM parent WHERE city IS NULL").fetchone()[0] == 0
    busiest = conn.execute("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM child GROUP BY parent_id)").fetchone()[
        0
    ]
    assert busiest < 10  # skew 0: about one child per parent, never a few parents with most children


def _cycle_schema(tmp_path: Path) -> Path:
    def table(name: str, other: str) -> Table:
        return Table(
            name=name,
            columns=[
                Column(name="id", type="INT", nullable=False),
                Column(name=f"{other}_id", type="INT", nullable=False),
            ],
            primary_key=["id"],
        )

    schema = Schema(
        name="loop",
        tables=[table("dept", "boss"), table("boss", "dept")],
        foreign_keys=[
            ForeignKey(
                source_table="dept", source_columns=["boss_id"], target_table="boss", target_columns=["id"]
            ),
            ForeignKey(
                source_table="boss", source_columns=["dept_id"], target_table="dept", target_columns=["id"]
            ),
        ],
    )
    path = tmp_path / "loop.json"
    schema.save(path)
    return path


def test_not_null_cycle_is_named_and_nothing_is_created(tmp_path):
    db = tmp_path / "loop.db"
    res = invoke("populate", _cycle_schema(tmp_path), "--db", f"sqlite:///{db}", "--no-progress")
    assert_user_error(
        res, "foreign-key cycle boss -> dept -> boss", "boss.dept_id", "dept.boss_id", "NOT NULL"
    )
    assert not db.exists()


def test_existing_non_empty_target_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "mine.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE precious (x INT)")
        conn.execute("INSERT INTO precious VALUES (42)")
    conn.close()
    before = sha(db)
    res = invoke("populate", "demo", "--db", f"sqlite:///{db}", "--rows", "3")
    assert_user_error(res, str(db), "already contains tables")
    assert sha(db) == before


def test_an_also_target_that_is_not_empty_stops_everything_first(tmp_path):
    duck = tmp_path / "mine.duckdb"
    with duckdb.connect(str(duck)) as conn:
        conn.execute("CREATE TABLE precious (x INT)")
    lite = tmp_path / "new.db"
    res = invoke("populate", "demo", "--db", lite, "--also", f"duckdb:///{duck}", "--rows", "3")
    assert_user_error(res, "already contains tables")
    assert not lite.exists()  # checked before anything was generated or written


@pytest.mark.parametrize(
    "db, needles",
    [
        ("mysql://u@localhost/shop", ["unsupported URL scheme 'mysql'"]),
        ("postgresql://bob:s3cret@127.0.0.1:1/newdb", ["cannot connect", "bob:***@127.0.0.1:1"]),
        ("postgresql://127.0.0.1:1", ["name the database to create"]),
        ("sqlite:///:memory:", ["in-memory"]),
        ("shop.txt", ["not a database URL"]),
    ],
    ids=["scheme", "unreachable", "no-dbname", "memory", "not-a-url"],
)
def test_bad_database_urls(db, needles):
    res = invoke("populate", "demo", "--db", db, "--rows", "3")
    assert_user_error(res, *needles)
    assert "s3cret" not in res.output


@pytest.mark.parametrize(
    "args, needles",
    [
        (["--rows-per-table", "custmers=5"], ["--rows-per-table", "no table 'custmers'", "'customers'"]),
        (["--rows-per-table", "orders"], ["'orders' is not TABLE=ROWS"]),
        (["--rows-per-table", "orders=lots"], ["'lots' is not a row count"]),
        (["--rows-per-table", "orders=-5"], ["'-5' is not a row count"]),
        (["--rows-per-table", "=5"], ["'=5' is not TABLE=ROWS"]),
        (["--rows-per-table", "orders=5,ORDERS=6"], ["'orders' is given twice"]),
        (["--rows", "3", "--rows-per-table", "*=4"], ["not both"]),
        (["--rows", "1.5"], ["--rows", "'1.5' is not a row count"]),
        (["--null-rate", "1.5"], ["null_rate must be between 0 and 1"]),
        (["--skew", "-1"], ["skew must not be negative"]),
    ],
    ids=[
        "unknown",
        "no-eq",
        "not-int",
        "negative",
        "no-name",
        "twice",
        "two-defaults",
        "rows",
        "null",
        "skew",
    ],
)
def test_bad_row_counts_and_parameters(tmp_path, args, needles):
    db = tmp_path / "x.db"
    res = invoke("populate", "demo", "--db", db, *args)
    assert_user_error(res, *needles)
    assert not db.exists()


def test_missing_schema_source(tmp_path):
    res = invoke("populate", tmp_path / "nope.xlsx", "--db", tmp_path / "x.db")
    assert_user_error(res, "nope.xlsx", "no such file")


def test_installed_command_exits_2_without_traceback(tmp_path):
    exe = Path(sys.executable).with_name("sqlsynth")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sqlsynth"]
    proc = subprocess.run(
        [*cmd, "populate", "demo", "--db", "oracle://x/y", "--rows", "1"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "unsupported URL scheme 'oracle'" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


# ---------------------------------------------------------------------------------------------
# profile
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.db"
    from sqlsynth.schema.demo import demo_schema

    populate(demo_schema(), f"sqlite:///{db}", rows={"*": 20, "customers": 80}, seed=2, progress=False)
    return db


def test_profile_writes_beside_the_file_and_reads_only(small_demo):
    before = sha(small_demo)
    res = invoke("profile", "--db", f"sqlite:///{small_demo}", "--seed", "3")
    assert res.exit_code == 0, res.output
    out = small_demo.with_name("demo.db.profile.json")
    assert out.exists() and str(out) in res.stdout.replace("\n", "")
    assert "profiled 49 tables" in res.stdout and "customers" in res.stdout
    prof = Profile.load(out)
    assert prof.engine == "sqlite" and prof.seed == 3 and len(prof.tables) == 49
    assert prof.table("customers").rows == 80
    assert prof.column("customers", "email").distinct == 80
    assert set(prof.values("orders", "status")) <= set(
        next(c for c in _demo().table("orders").columns if c.name == "status").possible_values or []
    )
    assert sha(small_demo) == before  # profiling never writes


def _demo() -> Schema:
    from sqlsynth.schema.demo import demo_schema

    return demo_schema()


def test_profile_with_a_given_schema_and_output(tmp_path, small_demo):
    sub = Schema(name="sub", tables=[_demo().table("customers"), _demo().table("orders")])
    src = tmp_path / "sub.json"
    sub.save(src)
    out = tmp_path / "p" / "prof.json"
    out.parent.mkdir()
    res = invoke(
        "profile", "--db", small_demo, "--schema", src, "-o", out, "--sample-size", "5", "--top-k", "2"
    )
    assert res.exit_code == 0, res.output
    prof = json.loads(out.read_text())
    assert set(prof["tables"]) == {"customers", "orders"}
    country = prof["tables"]["customers"]["columns"]["country"]
    assert len(country["sample"]) == 5 and len(country["top_values"]) == 2


def test_profile_of_a_users_duckdb_without_schema_and_errors_per_table(tmp_path):
    db = tmp_path / "own.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("CREATE TABLE sensor (id INTEGER PRIMARY KEY, place VARCHAR, reading DOUBLE)")
        conn.execute("INSERT INTO sensor SELECT i, 'room ' || (i % 3), i / 10 FROM range(30) t(i)")
    res = invoke("profile", "--db", f"duckdb:///{db}")
    assert res.exit_code == 0, res.output
    prof = Profile.load(tmp_path / "own.duckdb.profile.json")
    assert prof.column("sensor", "place").distinct == 3 and prof.table("sensor").rows == 30

    ghost = Schema(name="g", tables=[Table(name="ghost", columns=[Column(name="x", type="INT")])])
    src = tmp_path / "ghost.json"
    ghost.save(src)
    res = invoke("profile", "--db", f"duckdb:///{db}", "--schema", src, "-o", tmp_path / "g.json")
    assert res.exit_code == 0, res.output
    assert "1 could not be profiled" in res.stdout and "ghost" in res.stdout


@pytest.mark.postgres
def test_profile_postgres_default_path_in_working_folder(pg_url, tmp_path, monkeypatch):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO t SELECT i, 'v' || (i % 4) FROM generate_series(1, 25) i")
    monkeypatch.chdir(tmp_path)
    res = invoke("profile", "--db", pg_url)
    assert res.exit_code == 0, res.output
    name = pg_url.rsplit("/", 1)[1]
    prof = Profile.load(tmp_path / f"{name}.profile.json")
    assert prof.engine == "postgres" and prof.column("t", "v").distinct == 4


@pytest.mark.parametrize(
    "db, needles",
    [
        ("mysql://u@h/db", ["unsupported URL scheme 'mysql'"]),
        ("postgresql://bob:s3cret@127.0.0.1:1/shop", ["bob:***@127.0.0.1:1"]),
        ("sqlite:///{tmp}/missing.db", ["missing.db"]),
        ("sqlite:///:memory:", ["in-memory"]),
    ],
    ids=["scheme", "unreachable", "missing", "memory"],
)
def test_profile_bad_databases(tmp_path, db, needles):
    res = invoke("profile", "--db", db.format(tmp=tmp_path))
    assert_user_error(res, *needles)
    assert "s3cret" not in res.output
    assert not (tmp_path / "missing.db").exists()
