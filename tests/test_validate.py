"""The validation filters, one behaviour per line, on real SQLite and DuckDB databases."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlglot

from sqlsynth.dataset import Record
from sqlsynth.engines import open_engine
from sqlsynth.engines.base import Result
from sqlsynth.validate.filters import (
    FILTER_NAMES,
    Candidate,
    Checks,
    Counters,
    Kept,
    ValidateConfig,
    already_kept,
    dedup,
    discriminative,
    engines_agree,
    executes,
    non_empty,
    non_trivial,
    parse_back,
    run_stateful,
    run_stateless,
    template_cap,
    top_rows_variant,
    without_atom,
)

ROWS = [(1, "pen", 2.5, "a"), (2, "ink", 9.0, "b"), (3, "pad", 4.0, None), (4, "cap", 12.0, "a")]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list]:
    root: Path = tmp_path_factory.mktemp("validate")
    ddl = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price DOUBLE, kind TEXT)"
    out = [open_engine(url) for url in files_with_rows(root, ddl, "items", ROWS)]
    yield out
    for e in out:
        e.close()


def files_with_rows(root: Path, ddl: str, table: str, rows: list[tuple]) -> list[str]:
    """URLs of a new SQLite and a new DuckDB file holding `rows` in `table` (made by `ddl`)."""
    insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})"
    with sqlite3.connect(root / "t.db") as conn:
        conn.execute(ddl)
        conn.executemany(insert, rows)
    with duckdb.connect(str(root / "t.duckdb")) as conn:
        conn.execute(ddl)
        conn.executemany(insert, rows)
    return [f"sqlite:///{root / 't.db'}", f"duckdb:///{root / 't.duckdb'}"]


def checks(engines, **config) -> Checks:
    columns = ("id", "name", "price", "kind")
    known = {("items", c): [r[i] for r in ROWS if r[i] is not None] for i, c in enumerate(columns)}
    return Checks(
        engines=engines,
        config=ValidateConfig(**config),
        row_counts={"items": len(ROWS)},
        column_counts={"items": 4},
        values=lambda table, column: known.get((table, column), []),
    )


def cand(sql: str, *, order_matters: bool = False, raw: dict[str, str] | None = None) -> Candidate:
    expr = sqlglot.parse_one(sql, read="sqlite")
    renderings = raw or {d: expr.sql(d) for d in ("sqlite", "duckdb", "postgres", "tsql")}
    return Candidate(expr=expr, order_matters=order_matters, tables=["items"], sql_by_dialect=renderings)


def run(c: Candidate, ch: Checks) -> tuple[str, str] | None:
    return run_stateless(c, ch)


IDLE_BRANCH = ("discriminative", "idle-branch")

# (sql, config, expected (filter, reason) or None)
CASES = [
    ("SELECT name FROM items WHERE price > 5", {}, None),
    ("SELECT name FROM items WHERE price > 100", {}, ("non_empty", "empty")),
    ("SELECT name FROM items WHERE price > 100", {"allow_empty": True}, None),
    ("SELECT kind FROM items WHERE id = 3", {}, ("non_trivial", "all-null")),
    # a count of nothing says nothing about the data: 0 whatever the rows
    ("SELECT COUNT(*) FROM items WHERE price < 3 AND price > 10", {}, ("non_empty", "empty-count")),
    ("SELECT COUNT(*) FROM items WHERE price < 3 AND price > 10", {"allow_empty": True}, None),
    ("SELECT COUNT(kind), MAX(kind) FROM items WHERE id = 3", {}, ("non_empty", "empty-count")),
    ("SELECT COUNT(kind), MAX(price) FROM items WHERE id = 3", {}, None),  # the price is an answer
    ("SELECT COUNT(*) FROM items WHERE price > 10", {}, None),  # 1: a real count
    ("SELECT kind, COUNT(*) FROM items WHERE price > 10 GROUP BY kind", {}, None),
    ("SELECT * FROM items", {}, ("non_trivial", "whole-table")),
    # the answer repeats the question: "the names of items whose name is 'pen'"
    ("SELECT name FROM items WHERE name = 'pen'", {}, ("well_posed", "echo")),
    ("SELECT DISTINCT name FROM items WHERE (name = 'pen') AND price < 100", {}, ("well_posed", "echo")),
    ("SELECT name, price FROM items WHERE name = 'pen'", {}, None),  # the price is an answer
    ("SELECT name FROM items WHERE name = 'pen' OR name = 'cap'", {}, None),  # which of them exist
    ("SELECT COUNT(DISTINCT kind) FROM items WHERE kind = 'a'", {}, ("well_posed", "one-value")),  # 1
    ("SELECT COUNT(DISTINCT kind) FROM items WHERE price < 5", {}, None),
    ("SELECT kind, COUNT(*) FROM items WHERE kind = 'a' GROUP BY kind", {}, ("well_posed", "one-group")),
    ("SELECT kind, COUNT(*) FROM items WHERE price > 3 GROUP BY kind", {}, None),
    # "items whose id is one of the ids of items whose id is 2": the id is 2
    (
        "SELECT name FROM items WHERE id IN (SELECT id FROM items WHERE id = 2)",
        {},
        ("well_posed", "roundabout-subquery"),
    ),
    ("SELECT name FROM items WHERE id IN (SELECT id FROM items WHERE kind = 'a')", {}, None),
    (
        "SELECT name FROM items WHERE id IN (SELECT id FROM items WHERE id > 2)",
        {},
        ("well_posed", "roundabout-subquery"),
    ),
    (
        "SELECT name FROM items WHERE price > (SELECT MAX(price) FROM items WHERE price = 4)",
        {},
        ("well_posed", "one-value"),
    ),
    ("SELECT name FROM items WHERE price > (SELECT MAX(price) FROM items WHERE kind = 'b')", {}, None),
    # a branch of a set operation repeats the question too
    (
        "SELECT name FROM items WHERE name = 'pen' UNION SELECT name FROM items WHERE price > 10",
        {},
        ("well_posed", "echo"),
    ),
    ("SELECT * FROM items", {"allow_whole_table": True}, None),
    ("SELECT name, price FROM items", {}, None),  # every row, but not the whole table
    ("SELECT name FROM items WHERE price > 0", {}, ("discriminative", "idle-predicate")),
    # ordered by what the WHERE pins: the order says nothing
    ("SELECT name FROM items WHERE kind = 'a' ORDER BY kind, name", {}, ("well_posed", "idle-order")),
    ("SELECT name FROM items WHERE kind = 'a' ORDER BY kind, name", {"discriminative": False}, None),
    ("SELECT name FROM items WHERE kind = 'a' ORDER BY price, name", {}, None),
    ("SELECT name FROM items WHERE price > 0", {"discriminative": False}, None),
    ("SELECT name FROM items WHERE price > 3 AND id > 0", {}, ("discriminative", "idle-predicate")),
    ("SELECT name FROM items WHERE price > 3 AND kind = 'a'", {}, None),
    ("SELECT name FROM items WHERE price > 10 OR kind = 'b'", {}, None),
    # the pen is of kind 'a': dropping that says nothing, but asking for kind 'b' finds no pen
    ("SELECT price FROM items WHERE name = 'pen' AND kind = 'a'", {}, None),
    ("SELECT price FROM items WHERE name = 'pen' AND kind <> 'zz'", {}, ("discriminative", "idle-predicate")),
    ("SELECT price FROM items WHERE name = 'pen' AND price < 100", {}, ("discriminative", "idle-predicate")),
    (
        "SELECT price FROM items WHERE name = 'pen' AND NOT kind = 'b'",
        {},
        ("discriminative", "idle-predicate"),
    ),
    # under OR, another kind is no test of this one
    ("SELECT name FROM items WHERE (name = 'pen' OR kind = 'a')", {}, ("discriminative", "idle-predicate")),
    (
        "SELECT kind, COUNT(*) FROM items GROUP BY kind HAVING COUNT(*) >= 0",
        {},
        ("discriminative", "idle-predicate"),
    ),
    ("SELECT kind, COUNT(*) FROM items GROUP BY kind HAVING COUNT(*) > 1", {}, None),
    ("SELECT nosuch FROM items", {}, ("executes", "error:sqlite")),
    ("SELECT name FROM items ORDER BY price DESC LIMIT 2", {}, None),
    # an EXCEPT that takes nothing away: "items of kind a, except those of kind b"
    (
        "SELECT name FROM items WHERE kind = 'a' EXCEPT SELECT name FROM items WHERE kind = 'b'",
        {},
        IDLE_BRANCH,
    ),
    ("SELECT name FROM items WHERE price > 3 EXCEPT SELECT name FROM items WHERE kind = 'b'", {}, None),
    # a UNION may give one branch's answer (the pricey cap is of kind a)
    ("SELECT name FROM items WHERE price > 9 UNION SELECT name FROM items WHERE kind = 'a'", {}, None),
    # "the 3 items of kind a with the highest price": there are two, the LIMIT cuts nothing
    (
        "SELECT name FROM items WHERE kind = 'a' ORDER BY price DESC LIMIT 3",
        {},
        ("discriminative", "idle-limit"),
    ),
    ("SELECT name FROM items WHERE kind = 'a' ORDER BY price DESC LIMIT 3", {"discriminative": False}, None),
    ("SELECT name FROM items WHERE kind = 'a' ORDER BY price DESC LIMIT 2", {}, None),
    ("SELECT name FROM items WHERE price > 100 ORDER BY price LIMIT 3", {"allow_empty": True}, None),
    ("SELECT name FROM items ORDER BY kind LIMIT 1", {}, None),  # NULL first, then one 'a' row
    ("SELECT name FROM items ORDER BY kind LIMIT 2", {}, ("unambiguous_order", "tie")),  # pen and cap tie
    ("SELECT name FROM items ORDER BY kind, name LIMIT 2", {}, None),
    # prices 2.5, 4, 9, 12: OFFSET moves the cut; positional keys name select items
    ("SELECT name FROM items ORDER BY price DESC LIMIT 1 OFFSET 1", {}, None),
    (
        "SELECT name FROM items WHERE kind = 'a' OR kind IS NULL ORDER BY kind LIMIT 1 OFFSET 1",
        {},
        ("unambiguous_order", "tie"),
    ),
    ("SELECT name, price FROM items ORDER BY 2 DESC LIMIT 1", {}, None),
    # kinds sorted: NULL, a, a, b; LIMIT 2 cuts inside the tie of the two 'a' rows
    ("SELECT kind FROM items ORDER BY kind LIMIT 2", {}, None),  # the tied rows show the same value
    ("SELECT name FROM items WHERE kind IS NOT NULL ORDER BY kind LIMIT 1", {}, ("unambiguous_order", "tie")),
    ("SELECT kind FROM items WHERE kind <> 'b' ORDER BY kind DESC LIMIT 1", {}, None),  # ties, same shown row
    ("SELECT kind FROM items WHERE kind = 'a' ORDER BY kind LIMIT 1", {}, ("well_posed", "echo")),
    ("SELECT kind, COUNT(*) AS n FROM items GROUP BY kind ORDER BY n DESC LIMIT 1", {}, None),  # alias key
    # 0.1 + 0.2 and 0.3 tie: an engine that adds in another order can put either first
    (
        "SELECT name FROM items ORDER BY CASE WHEN id = 1 THEN 0.1 + 0.2 WHEN id = 2 THEN 0.3 END DESC "
        "LIMIT 1",
        {},
        ("unambiguous_order", "tie"),
    ),
    (
        "SELECT name FROM items ORDER BY CASE WHEN id = 1 THEN 0.3001 WHEN id = 2 THEN 0.3 END DESC LIMIT 1",
        {},
        None,
    ),
    ("SELECT name, price FROM items", {"max_rows": 4}, ("executes", "too-many-rows")),
    # a subquery used as a value returns one row: SQLite takes the first of two, PostgreSQL refuses
    (
        "SELECT name FROM items WHERE price > (SELECT price FROM items WHERE kind = 'a')",
        {},
        ("scalar_subqueries_one_row", "many-rows-subquery"),
    ),
    ("SELECT name FROM items WHERE price > (SELECT price FROM items WHERE kind = 'b')", {}, None),
    ("SELECT name FROM items WHERE price > (SELECT AVG(price) FROM items WHERE kind = 'a')", {}, None),
    # kind 'a' averages 7.25 exactly here; another engine's arithmetic may put it a hair either side
    (
        "SELECT kind FROM items GROUP BY kind HAVING AVG(price) > 7.25",
        {},
        ("clear_of_float_boundaries", "float-boundary"),
    ),
    ("SELECT kind FROM items GROUP BY kind HAVING AVG(price) > 8", {}, None),
    ("SELECT kind FROM items GROUP BY kind HAVING SUM(id) >= 5", {}, None),  # whole numbers add up exactly
]


@pytest.mark.parametrize(("sql", "config", "expected"), CASES)
def test_filters(engines, sql, config, expected):
    assert run(cand(sql), checks(engines, **config)) == expected


def test_a_rendering_that_does_not_parse_back_is_rejected_by_dialect(engines):
    c = cand("SELECT name FROM items", raw={"sqlite": "SELECT name FROM items", "tsql": "SELECT (( FROM"})
    assert parse_back(c, checks(engines)) == "parse:tsql"


def test_timeout_is_a_reject_reason_and_the_engine_still_works(engines):
    slow = (
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100000000) "
        "SELECT COUNT(*) FROM r"
    )
    c = cand(slow)
    assert executes(c, checks(engines, timeout_s=0.2)) == "timeout:sqlite"
    assert engines[0].execute("SELECT 1").rows == [(1,)]


def test_engines_disagreeing_is_counted_with_an_example(engines):
    # SQLite divides integers as integers, DuckDB as floats: the same text, two answers
    c = cand("SELECT 7 / 2", raw={"sqlite": "SELECT 7 / 2", "duckdb": "SELECT 7 / 2"})
    ch = checks(engines)
    assert executes(c, ch) is None
    assert engines_agree(c, ch) == "disagree:sqlite-duckdb"
    assert c.disagreement["engines"] == ["sqlite", "duckdb"]
    assert "7 / 2" in c.disagreement["sql"]["duckdb"]


def test_order_is_compared_only_when_the_query_fixes_it(engines):
    raw = {
        "sqlite": "SELECT name FROM items ORDER BY id",
        "duckdb": "SELECT name FROM items ORDER BY id DESC",
    }
    ch = checks(engines)
    loose = cand("SELECT name FROM items ORDER BY id", raw=raw)
    executes(loose, ch)
    assert engines_agree(loose, ch) is None
    strict = cand("SELECT name FROM items ORDER BY id", raw=raw, order_matters=True)
    executes(strict, ch)
    assert engines_agree(strict, ch) == "disagree:sqlite-duckdb"


def test_top_rows_variant_selects_the_keys_and_one_more_row():
    variant, k = top_rows_variant(sqlglot.parse_one("SELECT a FROM t ORDER BY b DESC, a LIMIT 3"))
    assert (variant.sql(), k) == ('SELECT a, b AS "__key0", a AS "__key1" FROM t ORDER BY b DESC, a', 3)
    assert top_rows_variant(sqlglot.parse_one("SELECT DISTINCT a FROM t ORDER BY a LIMIT 3")) is None
    assert top_rows_variant(sqlglot.parse_one("SELECT a FROM t ORDER BY a")) is None
    aliased, _ = top_rows_variant(
        sqlglot.parse_one("SELECT a, COUNT(*) AS n FROM t GROUP BY a ORDER BY n LIMIT 1")
    )
    assert 'COUNT(*) AS "__key0"' in aliased.sql()  # PostgreSQL cannot select an output alias again


@pytest.mark.parametrize(
    ("sql", "index", "expected"),
    [
        ("SELECT a FROM t WHERE x = 1", 0, "SELECT a FROM t"),
        ("SELECT a FROM t WHERE x = 1 AND y = 2", 0, "SELECT a FROM t WHERE y = 2"),
        ("SELECT a FROM t WHERE x = 1 AND y = 2", 1, "SELECT a FROM t WHERE x = 1"),
        ("SELECT a FROM t WHERE x = 1 OR NOT y = 2", 1, "SELECT a FROM t WHERE x = 1"),
        ("SELECT a FROM t WHERE (x = 1 OR y = 2) AND z = 3", 2, "SELECT a FROM t WHERE (x = 1 OR y = 2)"),
        (
            "SELECT a, COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1",
            0,
            "SELECT a, COUNT(*) FROM t GROUP BY a",
        ),
        ("SELECT a FROM t WHERE x = 1", 1, None),
    ],
)
def test_without_atom(sql, index, expected):
    got = without_atom(sqlglot.parse_one(sql), index)
    assert (got.sql() if got is not None else None) == expected


def test_discriminative_checks_each_predicate(engines):
    ch = checks(engines)
    c = cand("SELECT name FROM items WHERE kind = 'a' AND price < 100")
    executes(c, ch)
    assert discriminative(c, ch) == "idle-predicate"


def record(rid: str, template: str) -> Record:
    return Record(id=rid, db_id="d", sql="SELECT 1", template=template)


def test_dedup_and_template_cap_remember_what_was_kept():
    kept = Kept()
    config = ValidateConfig(template_cap=2)
    assert run_stateful(record("a", "T1"), kept, config) is None
    assert dedup(record("a", "T1"), kept, config) == "duplicate"
    assert run_stateful(record("a", "T1"), kept, config) == ("dedup", "duplicate")
    assert run_stateful(record("b", "T1"), kept, config) is None
    assert template_cap(record("c", "T1"), kept, config) == "cap"
    assert run_stateful(record("c", "T2"), kept, config) is None
    assert kept.ids == {"a", "b", "c"}


def test_already_kept_turns_away_what_the_stateful_filters_would():
    kept = Kept(cap=2)
    config = ValidateConfig(template_cap=2)
    for rid, template in [("a", "T1"), ("b", "T1"), ("c", "T2")]:
        assert run_stateful(record(rid, template), kept, config) is None
    assert kept.full == {"T1"}
    assert already_kept("a", "T2", kept.ids, kept.full) == "duplicate"
    assert already_kept("d", "T1", kept.ids, kept.full) == "cap"
    assert already_kept("d", "T2", kept.ids, kept.full) is None  # T2 holds one record of two
    assert already_kept("a", "T1", set(), set()) is None  # a worker process without a snapshot


def test_counters_count_what_each_filter_saw():
    counters = Counters()
    counters.record(None, FILTER_NAMES)
    counters.record(("non_empty", "empty"), FILTER_NAMES)
    assert counters.seen["executes"] == 2
    assert counters.seen["non_empty"] == 2
    assert counters.seen.get("non_trivial") == 1
    assert counters.seen.get("parse_back") == 1
    assert counters.rejected == {"non_empty": {"empty": 1}}


def test_the_cheap_checks_on_the_reference_result_come_before_the_other_engines_run(engines):
    # empty on SQLite: rejected before DuckDB is asked (DuckDB would fail on this rendering)
    raw = {"sqlite": "SELECT name FROM items WHERE price > 100", "duckdb": "SELECT nosuch FROM items"}
    c = cand("SELECT name FROM items WHERE price > 100", raw=raw)
    assert run(c, checks(engines)) == ("non_empty", "empty")
    assert list(c.results) == ["sqlite"]
    # a rendering only the second engine cannot run is rejected by engines_agree, naming it
    raw = {"sqlite": "SELECT name FROM items WHERE price > 5", "duckdb": "SELECT nosuch FROM items"}
    c = cand("SELECT name FROM items WHERE price > 5", raw=raw)
    assert run(c, checks(engines)) == ("engines_agree", "error:duckdb")


def test_a_question_its_own_values_answer_is_rejected_before_any_engine_runs(engines):
    # "the names of items whose name is 'pen'": the SQL alone says so, no execution needed
    c = cand("SELECT name FROM items WHERE name = 'pen'")
    assert run(c, checks(engines)) == ("well_posed", "echo")
    assert c.results == {}


def test_parse_back_reads_only_the_renderings_no_engine_ran(engines):
    # the engine that ran a rendering parsed it with the dialect's own parser: sqlglot's is not asked
    c = cand("SELECT 1", raw={"sqlite": "SELECT ((", "tsql": "SELECT 1"})
    c.results["sqlite"] = Result(columns=["1"], rows=[(1,)])
    ch = checks(engines)
    assert parse_back(c, ch) is None
    c.sql_by_dialect["tsql"] = "SELECT (("
    assert parse_back(c, ch) == "parse:tsql"
    c.results.clear()
    assert parse_back(c, ch) == "parse:sqlite"


def test_non_empty_and_non_trivial_use_the_first_engine(engines):
    ch = checks(engines)
    c = cand("SELECT name FROM items WHERE price > 5")
    executes(c, ch)
    assert non_empty(c, ch) is None
    assert non_trivial(c, ch) is None


# -- LIKE and case: SQLite's LIKE ignores the case of ASCII letters, DuckDB's and PostgreSQL's do not
NAMES = ["Anna", "anna", "Ann-Marie", "Bob", "Q[1]?*", "x1y"]


@pytest.fixture(scope="module")
def cased(tmp_path_factory: pytest.TempPathFactory, pg_server) -> Iterator[dict]:
    import psycopg

    root: Path = tmp_path_factory.mktemp("cased")
    ddl = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)"
    rows = list(enumerate(NAMES))
    pg = pg_server.create_database("validate_cased")
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(ddl)
        conn.cursor().executemany("INSERT INTO people VALUES (%s, %s)", rows)
    urls = [*files_with_rows(root, ddl, "people", rows), pg]
    out = dict(zip(("sqlite", "duckdb", "postgres"), map(open_engine, urls), strict=True))
    yield out
    for e in out.values():
        e.close()


CASE = ("same_rows_in_either_case", "case")
# (first engine, WHERE clause, expected verdict of the filters)
CASE_CASES = [
    ("sqlite", "name LIKE '%an%'", CASE),  # Anna, anna, Ann-Marie here; anna alone in PostgreSQL
    ("duckdb", "name LIKE '%an%'", CASE),
    ("postgres", "name LIKE '%an%'", CASE),
    ("sqlite", "name LIKE '%nn%'", None),  # the same three in every engine
    ("duckdb", "name LIKE '%nn%'", None),
    ("postgres", "name LIKE '%nn%'", None),
    ("sqlite", "name NOT LIKE 'A%'", CASE),  # Bob, ... here; anna too in PostgreSQL
    ("postgres", "NOT name LIKE 'A%'", CASE),
    ("sqlite", "name LIKE 'B%'", None),
    ("sqlite", "name ILIKE '%an%'", None),  # ILIKE ignores case everywhere
    # GLOB's own wildcards and brackets in a LIKE pattern are literal characters
    ("sqlite", "name LIKE '%[1]%'", None),
    ("sqlite", "name LIKE '%?*'", None),
    ("sqlite", "name LIKE '%nn%' AND id IN (SELECT id FROM people WHERE name LIKE 'a%')", CASE),
]


@pytest.mark.parametrize(("first", "where", "expected"), CASE_CASES)
def test_a_like_whose_rows_depend_on_case_is_rejected(cased, first, where, expected):
    # one engine: the verdict does not wait for another engine to disagree
    engines = [cased[first]]
    expr = sqlglot.parse_one(f"SELECT id, name FROM people WHERE {where}", read="sqlite")
    c = Candidate(expr=expr, tables=["people"], dialects=["sqlite", "duckdb", "postgres"])
    ch = Checks(engines=engines, config=ValidateConfig(discriminative=False), row_counts={"people": 6})
    assert run_stateless(c, ch) == expected
