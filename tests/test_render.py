"""Rendering one AST per dialect: the truth of what sqlglot writes, and that it parses and runs."""

from __future__ import annotations

import datetime
import decimal
import sqlite3
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from sqlsynth.errors import SqlsynthError
from sqlsynth.render import (
    DIALECTS,
    KEYED_GROUP,
    TEXT_KEY,
    TEXT_KEYS,
    canonical_sql,
    generate,
    parses_back,
    record_keys,
    render,
    render_all,
    template_of,
    unsupported,
)

# -- what each dialect gets: (SQLite input, {dialect: expected rendering}) ----------------------
RENDERINGS: list[tuple[str, dict[str, str]]] = [
    # LIMIT becomes TOP in T-SQL; with OFFSET it becomes OFFSET .. FETCH
    (
        "SELECT a FROM t ORDER BY a DESC LIMIT 5",
        {
            "sqlite": 'SELECT "a" FROM "t" ORDER BY "a" DESC LIMIT 5',
            "tsql": "SELECT TOP 5 [a] FROM [t] ORDER BY [a] DESC",
            "mysql": "SELECT `a` FROM `t` ORDER BY `a` DESC LIMIT 5",
        },
    ),
    (
        "SELECT a FROM t ORDER BY a DESC LIMIT 5 OFFSET 10",
        {"tsql": "SELECT [a] FROM [t] ORDER BY [a] DESC OFFSET 10 ROWS FETCH FIRST 5 ROWS ONLY"},
    ),
    # SQLite sorts NULLs first ascending: made explicit where the default differs
    (
        "SELECT a FROM t ORDER BY a",
        {
            "postgres": 'SELECT "a" FROM "t" ORDER BY "a" NULLS FIRST',
            "duckdb": 'SELECT "a" FROM "t" ORDER BY "a" NULLS FIRST',
            "snowflake": 'SELECT "a" FROM "t" ORDER BY "a" NULLS FIRST',
            "mysql": "SELECT `a` FROM `t` ORDER BY `a`",
            "tsql": "SELECT [a] FROM [t] ORDER BY [a]",
        },
    ),
    (
        "SELECT a FROM t ORDER BY a DESC",
        {
            "postgres": 'SELECT "a" FROM "t" ORDER BY "a" DESC NULLS LAST',
            "duckdb": 'SELECT "a" FROM "t" ORDER BY "a" DESC',
        },
    ),
    # NULLS LAST on an ascending key is emulated with CASE where the dialect has no NULLS LAST
    (
        "SELECT a FROM t ORDER BY a NULLS LAST",
        {
            "sqlite": 'SELECT "a" FROM "t" ORDER BY "a" NULLS LAST',
            "postgres": 'SELECT "a" FROM "t" ORDER BY "a"',
            "mysql": "SELECT `a` FROM `t` ORDER BY CASE WHEN `a` IS NULL THEN 1 ELSE 0 END, `a`",
            "tsql": "SELECT [a] FROM [t] ORDER BY CASE WHEN [a] IS NULL THEN 1 ELSE 0 END, [a]",
        },
    ),
    # string concatenation
    (
        "SELECT a || b FROM t",
        {
            "postgres": 'SELECT "a" || "b" FROM "t"',
            "mysql": "SELECT CONCAT(`a`, `b`) FROM `t`",
            "tsql": "SELECT [a] + [b] FROM [t]",
            "bigquery": "SELECT `a` || `b` FROM `t`",
        },
    ),
    # boolean literals
    (
        "SELECT TRUE, FALSE",
        {"sqlite": "SELECT TRUE, FALSE", "postgres": "SELECT TRUE, FALSE", "tsql": "SELECT 1, 0"},
    ),
    # CAST(... AS TEXT) / INTEGER / REAL spelled per dialect
    (
        "SELECT CAST(a AS TEXT) FROM t",
        {
            "postgres": 'SELECT CAST("a" AS TEXT) FROM "t"',
            "mysql": "SELECT CAST(`a` AS CHAR) FROM `t`",
            "bigquery": "SELECT CAST(`a` AS STRING) FROM `t`",
            "tsql": "SELECT CAST([a] AS VARCHAR(MAX)) FROM [t]",
            "snowflake": 'SELECT CAST("a" AS VARCHAR) FROM "t"',
        },
    ),
    (
        "SELECT CAST(a AS INTEGER) FROM t",
        {
            "postgres": 'SELECT CAST("a" AS INT) FROM "t"',
            "mysql": "SELECT CAST(`a` AS SIGNED) FROM `t`",
            "bigquery": "SELECT CAST(`a` AS INT64) FROM `t`",
        },
    ),
    (
        "SELECT CAST(a AS REAL) FROM t",
        {
            "postgres": 'SELECT CAST("a" AS DOUBLE PRECISION) FROM "t"',
            "bigquery": "SELECT CAST(`a` AS FLOAT64) FROM `t`",
            "tsql": "SELECT CAST([a] AS FLOAT) FROM [t]",
        },
    ),
    # joins: SQLite >= 3.39 has RIGHT and FULL; MySQL has no FULL, emulated with UNION ALL
    (
        "SELECT * FROM t FULL OUTER JOIN u ON t.id = u.id",
        {
            "sqlite": 'SELECT * FROM "t" FULL OUTER JOIN "u" ON "t"."id" = "u"."id"',
            "tsql": "SELECT * FROM [t] FULL OUTER JOIN [u] ON [t].[id] = [u].[id]",
            "mysql": "SELECT * FROM `t` LEFT OUTER JOIN `u` ON `t`.`id` = `u`.`id` UNION ALL "
            "SELECT * FROM `t` RIGHT OUTER JOIN `u` ON `t`.`id` = `u`.`id` "
            "WHERE NOT EXISTS(SELECT 1 FROM `t` WHERE `t`.`id` = `u`.`id`)",
        },
    ),
    (
        "SELECT * FROM t RIGHT JOIN u ON t.id = u.id",
        {"sqlite": 'SELECT * FROM "t" RIGHT JOIN "u" ON "t"."id" = "u"."id"'},
    ),
    # identifiers: reserved words, mixed case, spaces, unicode, embedded quotes
    (
        'SELECT "order", "Mixed Case", "naïve" FROM "group"',
        {
            "sqlite": 'SELECT "order", "Mixed Case", "naïve" FROM "group"',
            "mysql": "SELECT `order`, `Mixed Case`, `naïve` FROM `group`",
            "bigquery": "SELECT `order`, `Mixed Case`, `naïve` FROM `group`",
            "tsql": "SELECT [order], [Mixed Case], [naïve] FROM [group]",
            "snowflake": 'SELECT "order", "Mixed Case", "naïve" FROM "group"',
        },
    ),
    ('SELECT "a""b" FROM t', {"mysql": 'SELECT `a"b` FROM `t`', "tsql": 'SELECT [a"b] FROM [t]'}),
    # string literal with a quote: BigQuery escapes with a backslash
    (
        "SELECT a FROM t WHERE b = 'it''s'",
        {
            "postgres": """SELECT "a" FROM "t" WHERE "b" = 'it''s'""",
            "bigquery": r"SELECT `a` FROM `t` WHERE `b` = 'it\'s'",
        },
    ),
    # date formatting
    (
        "SELECT strftime('%Y-%m', d) FROM t",
        {
            "postgres": """SELECT TO_CHAR(CAST("d" AS TIMESTAMP), 'YYYY-MM') FROM "t\"""",
            "duckdb": """SELECT STRFTIME(CAST("d" AS TIMESTAMP), '%Y-%m') FROM "t\"""",
            "mysql": "SELECT DATE_FORMAT(`d`, '%Y-%m') FROM `t`",
            "bigquery": "SELECT FORMAT_TIMESTAMP('%Y-%m', `d`) FROM `t`",
            "tsql": "SELECT FORMAT(CAST([d] AS DATETIME2), 'yyyy-MM') FROM [t]",
            "snowflake": """SELECT TO_CHAR(CAST("d" AS TIMESTAMP), 'yyyy-mm') FROM "t\"""",
        },
    ),
    # SQLite's DATE() is passed through unchanged to T-SQL, which has no DATE() function
    (
        "SELECT date('2020-01-01')",
        {
            "duckdb": "SELECT CAST('2020-01-01' AS DATE)",
            "postgres": "SELECT DATE('2020-01-01')",
            "tsql": "SELECT DATE('2020-01-01')",
        },
    ),
    # division: sqlglot guards a zero divisor; DuckDB's / on integers is NOT integer division
    (
        "SELECT 7 / 2",
        {"postgres": "SELECT 7 / NULLIF(2, 0)", "duckdb": "SELECT 7 / NULLIF(2, 0)", "mysql": "SELECT 7 / 2"},
    ),
    # function names
    (
        "SELECT count(*) FROM t",
        {"tsql": "SELECT COUNT_BIG(*) FROM [t]", "postgres": 'SELECT COUNT(*) FROM "t"'},
    ),
    (
        "SELECT length(a), substr(a, 1, 2) FROM t",
        {
            "mysql": "SELECT CHAR_LENGTH(`a`), SUBSTRING(`a`, 1, 2) FROM `t`",
            "tsql": "SELECT LEN([a]), SUBSTRING([a], 1, 2) FROM [t]",
            "postgres": 'SELECT LENGTH("a"), SUBSTRING("a" FROM 1 FOR 2) FROM "t"',
        },
    ),
    ("SELECT ifnull(a, 0) FROM t", {"postgres": 'SELECT COALESCE("a", 0) FROM "t"'}),
    (
        "SELECT iif(a > 1, 'x', 'y') FROM t",
        {
            "postgres": """SELECT CASE WHEN "a" > 1 THEN 'x' ELSE 'y' END FROM "t\"""",
            "mysql": "SELECT IF(`a` > 1, 'x', 'y') FROM `t`",
            "tsql": "SELECT IIF([a] > 1, 'x', 'y') FROM [t]",
        },
    ),
    (
        "SELECT group_concat(a, ',') FROM t",
        {
            "postgres": """SELECT STRING_AGG("a", ',') FROM "t\"""",
            "duckdb": """SELECT LISTAGG("a", ',') FROM "t\"""",
            "mysql": "SELECT GROUP_CONCAT(`a` SEPARATOR ',') FROM `t`",
            "tsql": "SELECT STRING_AGG([a], ',') FROM [t]",
        },
    ),
    (
        "SELECT instr(a, 'x') FROM t",
        {
            "postgres": """SELECT POSITION('x' IN "a") FROM "t\"""",
            "mysql": "SELECT LOCATE('x', `a`) FROM `t`",
            "tsql": "SELECT CHARINDEX('x', [a]) FROM [t]",
        },
    ),
    # ROUND on an average gets a DECIMAL cast in PostgreSQL (ROUND(double, int) does not exist)
    ("SELECT round(avg(a), 2) FROM t", {"postgres": 'SELECT ROUND(CAST(AVG("a") AS DECIMAL), 2) FROM "t"'}),
    # IS NOT NULL is written NOT .. IS NULL
    ("SELECT a FROM t WHERE a IS NOT NULL", {"sqlite": 'SELECT "a" FROM "t" WHERE NOT "a" IS NULL'}),
    # BigQuery spells the set operations' DISTINCT
    (
        "SELECT a FROM t UNION SELECT a FROM u EXCEPT SELECT a FROM v",
        {
            "bigquery": "SELECT `a` FROM `t` UNION DISTINCT SELECT `a` FROM `u` "
            "EXCEPT DISTINCT SELECT `a` FROM `v`"
        },
    ),
    # SQLite-only functions and GLOB pass through unchanged (and then fail on the engine)
    ("SELECT a FROM t WHERE a GLOB 'x*'", {"postgres": """SELECT "a" FROM "t" WHERE "a" GLOB 'x*'"""}),
    ("SELECT julianday(d), total(x) FROM t", {"duckdb": 'SELECT JULIANDAY("d"), TOTAL("x") FROM "t"'}),
]


def _cases() -> list[tuple[str, str, str]]:
    return [(sql, d, want) for sql, per in RENDERINGS for d, want in per.items()]


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"), _cases(), ids=[f"{d}:{s[:40]}" for s, d, _ in _cases()]
)
def test_rendering(sql: str, dialect: str, expected: str) -> None:
    assert render(sqlglot.parse_one(sql, read="sqlite"), dialect) == expected


# (PostgreSQL input, {dialect: expected}): what happens to PostgreSQL-only syntax
FROM_POSTGRES: list[tuple[str, dict[str, str]]] = [
    # ILIKE: lowered LIKE on SQLite/MySQL/BigQuery, kept on DuckDB/Snowflake -- and passed through
    # unchanged to T-SQL, which has no ILIKE
    (
        "SELECT a FROM t WHERE a ILIKE 'x%'",
        {
            "sqlite": """SELECT "a" FROM "t" WHERE LOWER("a") LIKE LOWER('x%')""",
            "mysql": "SELECT `a` FROM `t` WHERE LOWER(`a`) LIKE LOWER('x%')",
            "duckdb": """SELECT "a" FROM "t" WHERE "a" ILIKE 'x%'""",
            "tsql": "SELECT [a] FROM [t] WHERE [a] ILIKE 'x%'",
        },
    ),
    # date literal
    (
        "SELECT DATE '2020-01-01'",
        {"sqlite": "SELECT DATE('2020-01-01')", "tsql": "SELECT CAST('2020-01-01' AS DATE)"},
    ),
    ("SELECT a::TEXT FROM t", {"sqlite": 'SELECT CAST("a" AS TEXT) FROM "t"'}),
    (
        "SELECT a FROM t WHERE b = TRUE",
        {"sqlite": 'SELECT "a" FROM "t" WHERE "b" = TRUE', "tsql": "SELECT [a] FROM [t] WHERE [b] = 1"},
    ),
    ("SELECT NOW()", {"sqlite": "SELECT CURRENT_TIMESTAMP", "tsql": "SELECT GETDATE()"}),
]


def _pg_cases() -> list[tuple[str, str, str]]:
    return [(sql, d, want) for sql, per in FROM_POSTGRES for d, want in per.items()]


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"), _pg_cases(), ids=[f"{d}:{s[:40]}" for s, d, _ in _pg_cases()]
)
def test_rendering_from_postgres(sql: str, dialect: str, expected: str) -> None:
    assert render(sqlglot.parse_one(sql, read="postgres"), dialect) == expected


# -- parse checks -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "dialect", "fragment"),
    [
        ("SELECT FROM WHERE", "sqlite", "Expected table name"),
        ("SELECT TOP 3 a FROM t", "sqlite", "Unexpected token"),
        ("SELECT 'abc", "sqlite", "Error tokenizing"),
        ("SELECT `a` FROM t", "postgres", "Unexpected token"),
        ("SELECT 1; SELECT 2", "sqlite", "expected one statement, found 2"),
    ],
)
def test_parses_back_reports_errors(sql: str, dialect: str, fragment: str) -> None:
    error = parses_back(sql, dialect)
    assert error is not None and fragment in error
    assert "\x1b[" not in error  # no terminal colour codes


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        # sqlglot's parsers are lenient: these are not valid in the dialect, yet they parse
        ("SELECT a FROM t LIMIT 5", "tsql"),
        ("SELECT [a] FROM t", "postgres"),  # an ARRAY literal to sqlglot
        ("SELECT a FROM t WHERE a ILIKE 'x'", "tsql"),
    ],
)
def test_parses_back_is_not_a_validity_check(sql: str, dialect: str) -> None:
    assert parses_back(sql, dialect) is None


def test_unsupported_reports_what_sqlglot_drops() -> None:
    sample = sqlglot.parse_one("SELECT a FROM t TABLESAMPLE (10 PERCENT)", read="duckdb")
    assert render(sample, "sqlite") == 'SELECT "a" FROM "t"'
    assert unsupported(sample, "sqlite") == ["TABLESAMPLE unsupported"]
    # ... but not everything it gets wrong
    assert unsupported(sqlglot.parse_one("SELECT a FROM t WHERE a ILIKE 'x'", read="postgres"), "tsql") == []


def test_unknown_dialect_is_a_user_error() -> None:
    with pytest.raises(SqlsynthError, match="unknown SQL dialect 'nosuchsql'"):
        render(sqlglot.parse_one("SELECT 1"), "nosuchsql")


def test_render_all_keeps_order_and_reads_text_as_sqlite() -> None:
    out = render_all("SELECT a FROM t LIMIT 1", ["tsql", "sqlite"])
    assert list(out) == ["tsql", "sqlite"]
    assert out == {"tsql": "SELECT TOP 1 [a] FROM [t]", "sqlite": 'SELECT "a" FROM "t" LIMIT 1'}


@pytest.mark.parametrize(
    "name", ['a"b', "a`b", "a]b", "order", "Mixed Case", "naïve", "日本", "x y", "it's", "select"]
)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_odd_identifiers_survive_every_dialect(name: str, dialect: str) -> None:
    tree = exp.select(exp.column(name, table=f"tbl {name}", quoted=True)).from_(
        exp.Table(this=exp.to_identifier(f"tbl {name}", quoted=True))
    )
    back = sqlglot.parse_one(render(tree, dialect), read=dialect)
    assert [c.name for c in back.find_all(exp.Column)] == [name]
    assert [t.name for t in back.find_all(exp.Table)] == [f"tbl {name}"]


def test_bigquery_reads_a_dot_inside_backticks_as_a_path() -> None:
    tree = exp.select(exp.column("a.b", quoted=True)).from_(
        exp.Table(this=exp.to_identifier("t", quoted=True))
    )
    assert render(tree, "bigquery") == "SELECT `a.b` FROM `t`"
    back = sqlglot.parse_one(render(tree, "bigquery"), read="bigquery")
    assert [c.name for c in back.find_all(exp.Column)] == ["b"]  # not "a.b"
    assert [
        c.name for c in sqlglot.parse_one(render(tree, "postgres"), read="postgres").find_all(exp.Column)
    ] == ["a.b"]


# -- a corpus rendered everywhere, parsed back, and run on SQLite and DuckDB ---------------------
DDL = [
    'CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT NOT NULL, "Stage Name" TEXT, '
    "country TEXT, age INTEGER, joined DATE, is_active BOOLEAN)",
    'CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, concert_name TEXT, "year" INTEGER)',
    "CREATE TABLE singer_in_concert (concert_id INTEGER, singer_id INTEGER)",
    'CREATE TABLE "order" (id INTEGER PRIMARY KEY, "group" TEXT, "Straße" TEXT, amount DOUBLE)',
]
ROWS: dict[str, list[tuple[Any, ...]]] = {
    "singer": [
        (1, "Joe", "J", "France", 52, "2014-03-01", True),
        (2, "Ann", "A", "USA", 29, "2019-12-31", False),
        (3, "Ravi", None, "India", 41, "2020-05-05", True),
        (4, "Mia", "M", "France", 35, "2021-01-15", True),
        (5, "Tom", None, None, None, None, False),
    ],
    "concert": [(1, "Spring", 2014), (2, "Summer", 2015), (3, "Autumn", 2014)],
    "singer_in_concert": [(1, 1), (1, 2), (2, 1), (3, 3)],
    "order": [
        (1, "a", "Hauptstraße", 10.5),
        (2, "a", "Bahnhofstraße", 4.5),
        (3, "b", "Hafen", 7.0),
        (4, None, None, None),
    ],
}
CORPUS = [
    "SELECT count(*) FROM singer",
    "SELECT name, age FROM singer WHERE age > 30 ORDER BY age DESC, name LIMIT 3",
    "SELECT name FROM singer ORDER BY age LIMIT 2 OFFSET 1",
    "SELECT country, count(*) AS n FROM singer GROUP BY country HAVING count(*) > 1 ORDER BY n DESC, country",
    "SELECT T1.name FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.singer_id = T2.singer_id "
    'JOIN concert AS T3 ON T2.concert_id = T3.concert_id WHERE T3."year" = 2014',
    "SELECT s.name FROM singer AS s LEFT JOIN singer_in_concert AS sc ON s.singer_id = sc.singer_id "
    "WHERE sc.singer_id IS NULL",
    "SELECT c.concert_name, s.name FROM singer AS s RIGHT JOIN singer_in_concert AS sc "
    "ON s.singer_id = sc.singer_id RIGHT JOIN concert AS c ON c.concert_id = sc.concert_id",
    "SELECT s.name, sc.concert_id FROM singer AS s FULL OUTER JOIN singer_in_concert AS sc "
    "ON s.singer_id = sc.singer_id",
    "SELECT name FROM singer WHERE singer_id NOT IN (SELECT singer_id FROM singer_in_concert)",
    "SELECT name FROM singer AS s WHERE EXISTS "
    "(SELECT 1 FROM singer_in_concert AS sc WHERE sc.singer_id = s.singer_id)",
    "SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)",
    "SELECT avg(n) FROM (SELECT country, count(*) AS n FROM singer GROUP BY country) AS c",
    "SELECT country FROM singer WHERE age > 40 UNION SELECT country FROM singer WHERE age < 30",
    "SELECT country FROM singer WHERE age > 40 INTERSECT SELECT country FROM singer WHERE age < 40",
    "SELECT country FROM singer EXCEPT SELECT country FROM singer WHERE age > 50",
    "WITH old AS (SELECT * FROM singer WHERE age > 35) SELECT country, count(*) FROM old GROUP BY country",
    "SELECT name, rank() OVER (PARTITION BY country ORDER BY age DESC) AS r FROM singer",
    "SELECT name, CASE WHEN age >= 40 THEN 'senior' WHEN age IS NULL THEN 'unknown' ELSE 'junior' END "
    "FROM singer",
    "SELECT strftime('%Y', joined), count(*) FROM singer WHERE joined IS NOT NULL "
    "GROUP BY strftime('%Y', joined)",
    "SELECT name FROM singer WHERE joined >= '2020-01-01'",
    'SELECT "group", sum(amount) FROM "order" GROUP BY "group"',
    """SELECT "Straße" FROM "order" WHERE "Straße" LIKE 'H%'""",
    'SELECT "Stage Name" FROM singer WHERE "Stage Name" IS NOT NULL',
    "SELECT name FROM singer WHERE age BETWEEN 30 AND 45 AND country IN ('France', 'India')",
    "SELECT DISTINCT country FROM singer WHERE country IS NOT NULL",
    "SELECT count(DISTINCT country) FROM singer",
    "SELECT name || ' (' || country || ')' FROM singer WHERE country IS NOT NULL",
    "SELECT CAST(age AS TEXT) FROM singer WHERE age IS NOT NULL",
    "SELECT coalesce(country, 'none'), ifnull(age, 0) FROM singer",
    "SELECT name FROM singer WHERE is_active = TRUE",
    "SELECT name, length(name), upper(name), substr(name, 1, 2) FROM singer",
    "SELECT max(age) - min(age), sum(age) FROM singer",
]


def _sqlite_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for ddl in DDL:
        conn.execute(ddl)
    for table, rows in ROWS.items():
        conn.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(rows[0]))})', rows)
    return conn


def _duckdb_db() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    for ddl in DDL:
        conn.execute(ddl)
    for table, rows in ROWS.items():
        conn.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(rows[0]))})', rows)
    return conn


def _norm(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, decimal.Decimal)):
        return round(float(value), 6)
    return value


def _rows(cursor_rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(v) for v in row) for row in cursor_rows), key=repr)


@pytest.fixture(scope="module")
def engines() -> dict[str, Any]:
    return {"sqlite": _sqlite_db(), "duckdb": _duckdb_db()}


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("sql", CORPUS, ids=[s[:50] for s in CORPUS])
def test_corpus_parses_back_in_every_dialect(sql: str) -> None:
    tree = sqlglot.parse_one(sql, read="sqlite")
    errors = {d: parses_back(text, d) for d, text in render_all(tree).items()}
    assert {d: e for d, e in errors.items() if e} == {}


@pytest.mark.parametrize("sql", CORPUS, ids=[s[:50] for s in CORPUS])
def test_corpus_runs_alike_on_sqlite_and_duckdb(sql: str, engines: dict[str, Any]) -> None:
    tree = sqlglot.parse_one(sql, read="sqlite")
    on_sqlite = _rows(engines["sqlite"].execute(render(tree, "sqlite")).fetchall())
    on_duckdb = _rows(engines["duckdb"].execute(render(tree, "duckdb")).fetchall())
    assert on_sqlite, "every corpus query returns rows"
    assert on_sqlite == on_duckdb


def test_integer_division_differs_between_sqlite_and_duckdb(engines: dict[str, Any]) -> None:
    """A clean transpile is not an equivalent query (DESIGN.md, Known traps)."""
    tree = sqlglot.parse_one("SELECT age / 2 FROM singer WHERE name = 'Ann'", read="sqlite")
    assert engines["sqlite"].execute(render(tree, "sqlite")).fetchall() == [(14,)]
    assert engines["duckdb"].execute(render(tree, "duckdb")).fetchall() == [(14.5,)]


def test_sqlite_only_functions_fail_on_duckdb(engines: dict[str, Any]) -> None:
    tree = sqlglot.parse_one("SELECT julianday(joined) FROM singer", read="sqlite")
    engines["sqlite"].execute(render(tree, "sqlite")).fetchall()
    with pytest.raises(duckdb.CatalogException, match="julianday"):
        engines["duckdb"].execute(render(tree, "duckdb")).fetchall()


@pytest.mark.postgres
def test_corpus_runs_alike_on_postgres(pg_url: str, engines: dict[str, Any]) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        for ddl in DDL:
            conn.execute(ddl.replace("DOUBLE", "DOUBLE PRECISION"))
        for table, rows in ROWS.items():
            conn.cursor().executemany(
                f'INSERT INTO "{table}" VALUES ({", ".join(["%s"] * len(rows[0]))})', rows
            )
        differ = []
        for sql in CORPUS:
            tree = sqlglot.parse_one(sql, read="sqlite")
            on_sqlite = _rows(engines["sqlite"].execute(render(tree, "sqlite")).fetchall())
            on_pg = _rows(conn.execute(render(tree, "postgres")).fetchall())
            if on_sqlite != on_pg:
                differ.append(sql)
        assert differ == []


# -- canonical form and templates -----------------------------------------------------------
SAME_CANONICAL = [
    # table aliases, qualification, quoting, identifier case, AND order, flipped comparison
    (
        "SELECT T1.name FROM singer AS T1 WHERE T1.age > 20 AND T1.country = 'France'",
        """select NAME from "singer" where country = 'France' and 20 < age""",
    ),
    # unused output alias
    ("SELECT count(*) AS n FROM singer", "SELECT count(*) FROM singer"),
    # = sides, IN list order, join aliases
    (
        "SELECT T1.name FROM singer AS T1 JOIN song AS T2 ON T1.id = T2.singer_id WHERE T2.x IN (3, 1, 2)",
        "SELECT singer.name FROM singer JOIN song ON song.singer_id = singer.id WHERE song.x IN (1, 2, 3)",
    ),
    # nested OR inside AND sorted too
    ("SELECT a FROM t WHERE (x = 1 OR y = 2) AND z = 3", "SELECT a FROM t WHERE z = 3 AND (y = 2 OR x = 1)"),
    # correlated subquery: outer alias replaced, inner alias kept (it would capture the outer name)
    (
        "SELECT T1.a FROM t AS T1 WHERE EXISTS (SELECT 1 FROM t AS T2 WHERE T2.b > T1.b)",
        "SELECT t.a FROM t WHERE EXISTS (SELECT 1 FROM t AS T2 WHERE T2.b > t.b)",
    ),
    # ASC is the default order, spelled out or not
    ("SELECT a FROM t ORDER BY b ASC, c DESC LIMIT 3", "SELECT a FROM t ORDER BY b, c DESC LIMIT 3"),
    # NOT LIKE, however the negation is spelled (sqlglot reads the two into different trees)
    ("SELECT a FROM t WHERE NOT b LIKE 'x%'", "SELECT a FROM t WHERE b NOT LIKE 'x%'"),
    ("SELECT a FROM t WHERE NOT (b LIKE 'x%')", "SELECT a FROM t WHERE b NOT LIKE 'x%'"),
    ("SELECT a FROM t WHERE NOT b NOT LIKE 'x%'", "SELECT a FROM t WHERE b LIKE 'x%'"),
]
DIFFERENT_CANONICAL = [
    ("SELECT a FROM t WHERE b > 1", "SELECT a FROM t WHERE b < 1"),
    ("SELECT a FROM t WHERE b = 'x'", "SELECT a FROM t WHERE b = 'X'"),
    # output alias referenced by ORDER BY is kept; the ordering differs
    ("SELECT a AS n FROM t ORDER BY n", "SELECT a AS n FROM t ORDER BY a DESC"),
    # self-join: which alias a column names matters
    (
        "SELECT x.name FROM emp AS x JOIN emp AS y ON x.boss = y.id",
        "SELECT y.name FROM emp AS x JOIN emp AS y ON x.boss = y.id",
    ),
    # correlated vs. uncorrelated: dropping T1 must not let the inner `t` capture the reference
    (
        "SELECT T1.a FROM t AS T1 WHERE EXISTS (SELECT 1 FROM t WHERE t.b > T1.b)",
        "SELECT T1.a FROM t AS T1 WHERE EXISTS (SELECT 1 FROM t WHERE t.b > t.b)",
    ),
]


@pytest.mark.parametrize(("a", "b"), SAME_CANONICAL)
def test_canonical_sql_equates(a: str, b: str) -> None:
    assert canonical_sql(a) == canonical_sql(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_CANONICAL)
def test_canonical_sql_distinguishes(a: str, b: str) -> None:
    assert canonical_sql(a) != canonical_sql(b)


@pytest.mark.parametrize("sql", CORPUS, ids=[s[:50] for s in CORPUS])
def test_canonical_sql_runs_like_the_original(sql: str, engines: dict[str, Any]) -> None:
    """The canonical form is a key, but alias rewriting must keep it the same query."""
    conn = engines["sqlite"]
    assert _rows(conn.execute(canonical_sql(sql)).fetchall()) == _rows(conn.execute(sql).fetchall())


def test_canonical_sql_keeps_a_dialects_features_when_written_in_it() -> None:
    a = "SELECT s, ARRAY_AGG(c IGNORE NULLS ORDER BY c) FROM t GROUP BY s"
    b = a.replace(" IGNORE NULLS", "")
    assert canonical_sql(a, "bigquery", write="bigquery") != canonical_sql(b, "bigquery", write="bigquery")
    assert "IGNORE NULLS" in canonical_sql(a, "bigquery", write="bigquery")


@pytest.mark.parametrize("sql", CORPUS, ids=[s[:50] for s in CORPUS])
def test_record_keys_are_the_canonical_sql_and_the_template(sql: str) -> None:
    assert record_keys(sql) == (canonical_sql(sql), template_of(sql))


def test_canonical_sql_does_not_touch_the_input_tree() -> None:
    tree = sqlglot.parse_one("SELECT T1.a AS x FROM t AS T1 WHERE b = 1 AND a = 2")
    before = tree.sql()
    canonical_sql(tree)
    template_of(tree)
    assert tree.sql() == before


TEMPLATES = [
    (
        "SELECT T1.name FROM singer AS T1 JOIN song AS T2 ON T1.id = T2.singer_id WHERE T1.age > 30",
        "SELECT col FROM tab JOIN tab ON col = col WHERE col > num",
    ),
    (
        "SELECT name FROM singer WHERE country = 'France' AND 20 < age",
        "SELECT col FROM tab WHERE col = str AND col > num",
    ),
    (
        "SELECT count(*) AS n, x FROM t GROUP BY x ORDER BY n DESC LIMIT 3",
        "SELECT COUNT(*), col FROM tab GROUP BY col ORDER BY col DESC LIMIT num",
    ),
    ("SELECT a FROM t WHERE b IN (1, 2, 3)", "SELECT col FROM tab WHERE col IN (vals)"),
    ("SELECT a FROM t ORDER BY b ASC LIMIT 1", "SELECT col FROM tab ORDER BY col LIMIT num"),
    (
        "SELECT a FROM t WHERE b IN (SELECT c FROM u)",
        "SELECT col FROM tab WHERE col IN (SELECT col FROM tab)",
    ),
    (
        "WITH w AS (SELECT a FROM t) SELECT * FROM w AS x",
        "WITH tab AS (SELECT col FROM tab) SELECT * FROM tab",
    ),
    # parentheses around a column or a value are no structure (Spider writes `distinct(x)`)
    ("SELECT distinct(a) FROM t WHERE (b) = (1)", "SELECT DISTINCT col FROM tab WHERE col = num"),
    ("SELECT count(distinct(a)) FROM t", "SELECT COUNT(DISTINCT col) FROM tab"),
    # ... nor around a whole condition (the walk writes `WHERE (a = 1 OR a = 2)`); within one they are
    ("SELECT a FROM t WHERE (b = 1 OR c = 2)", "SELECT col FROM tab WHERE col = num OR col = num"),
    (
        "SELECT a, COUNT(*) FROM t GROUP BY a HAVING (COUNT(*) > 2)",
        "SELECT col, COUNT(*) FROM tab GROUP BY col HAVING COUNT(*) > num",
    ),
    (
        "SELECT a FROM t WHERE (b = 1 OR c = 2) AND d = 3",
        "SELECT col FROM tab WHERE (col = num OR col = num) AND col = num",
    ),
    ("SELECT a FROM t WHERE NOT (b = 1)", "SELECT col FROM tab WHERE NOT (col = num)"),
    # the form people write (Spider's `first_name NOT LIKE '%M%'`), from the walk's tree too
    ("SELECT a FROM t WHERE NOT b LIKE '%M%'", "SELECT col FROM tab WHERE col NOT LIKE str"),
]


@pytest.mark.parametrize(("sql", "template"), TEMPLATES)
def test_template_of(sql: str, template: str) -> None:
    assert template_of(sql) == template


def test_template_groups_by_structure_only() -> None:
    a = template_of("SELECT name FROM singer WHERE age > 30 LIMIT 5")
    b = template_of("SELECT title FROM song WHERE sales > 1000.5 LIMIT 1")
    c = template_of("SELECT title FROM song WHERE sales < 1000.5 LIMIT 1")
    assert a == b != c


# -- GROUP BY a primary key, showing other columns of its row (render.KEYED_GROUP) --------------
KEYED = (
    "SELECT T1.name, T1.singer_id, count(*) FROM singer AS T1 JOIN singer_in_concert AS T2 "
    "ON T1.singer_id = T2.singer_id GROUP BY T1.singer_id ORDER BY count(*) DESC LIMIT 1"
)


def _keyed() -> exp.Expression:
    tree = sqlglot.parse_one(KEYED, read="sqlite")
    tree.meta[KEYED_GROUP] = True
    return tree


@pytest.mark.parametrize(
    ("dialect", "group_by"),
    [
        ("sqlite", 'GROUP BY "T1"."singer_id" ORDER'),  # as Spider writes it
        ("duckdb", 'GROUP BY "T1"."singer_id", "T1"."name" ORDER'),
        ("postgres", 'GROUP BY "T1"."singer_id", "T1"."name" ORDER'),
        ("mysql", "GROUP BY `T1`.`singer_id`, `T1`.`name` ORDER"),
        ("tsql", "GROUP BY [T1].[singer_id], [T1].[name] ORDER"),
    ],
)
def test_a_keyed_group_shows_its_columns_in_the_group_by_where_the_dialect_needs_them(
    dialect: str, group_by: str
) -> None:
    tree = _keyed()
    assert group_by in render(tree, dialect)
    assert 'GROUP BY "T1"."singer_id" ORDER' in tree.sql(dialect="sqlite", identify=True)  # untouched


def test_an_unmarked_group_by_is_never_widened() -> None:
    assert 'GROUP BY "T1"."singer_id" ORDER' in render(sqlglot.parse_one(KEYED, read="sqlite"), "duckdb")


def test_a_keyed_group_runs_alike_on_sqlite_and_duckdb(engines: dict[str, Any]) -> None:
    tree = _keyed()
    on_sqlite = engines["sqlite"].execute(render(tree, "sqlite")).fetchall()
    assert on_sqlite == [("Joe", 1, 2)]
    assert engines["duckdb"].execute(render(tree, "duckdb")).fetchall() == on_sqlite
    with pytest.raises(duckdb.BinderException, match="GROUP BY"):  # why the widening is needed
        engines["duckdb"].execute(render(tree, "sqlite")).fetchall()


# -- a key declared text on one side and a number on the other (render.TEXT_KEY) ---------------
def _text_keyed(sql: str, node: type[exp.Expression], side: str) -> exp.Expression:
    tree = sqlglot.parse_one(sql, read="sqlite")
    tree.find(node).meta[TEXT_KEY] = side
    tree.meta[TEXT_KEYS] = True
    return tree


JOIN_ON = "SELECT s.name FROM stores AS s JOIN addresses AS a ON s.address_id = a.address_id"
IN_SUB = "SELECT name FROM stores WHERE address_id IN (SELECT address_id FROM addresses)"


@pytest.mark.parametrize(
    ("sql", "node", "side", "dialect", "expected"),
    [
        (JOIN_ON, exp.EQ, "this", "sqlite", 'ON "s"."address_id" = "a"."address_id"'),
        (JOIN_ON, exp.EQ, "this", "duckdb", 'ON "s"."address_id" = "a"."address_id"'),  # casts itself
        (JOIN_ON, exp.EQ, "this", "postgres", 'ON CAST("s"."address_id" AS TEXT) = "a"."address_id"'),
        (JOIN_ON, exp.EQ, "expression", "postgres", 'ON "s"."address_id" = CAST("a"."address_id" AS TEXT)'),
        (JOIN_ON, exp.EQ, "this", "bigquery", "ON CAST(`s`.`address_id` AS STRING) = `a`.`address_id`"),
        (IN_SUB, exp.In, "this", "postgres", 'WHERE CAST("address_id" AS TEXT) IN (SELECT "address_id"'),
        (IN_SUB, exp.In, "query", "postgres", 'IN (SELECT CAST("address_id" AS TEXT) FROM "addresses")'),
        (IN_SUB, exp.In, "query", "sqlite", 'IN (SELECT "address_id" FROM "addresses")'),
    ],
)
def test_a_text_key_is_compared_as_text_where_the_dialect_has_no_number_text_equality(
    sql: str, node: type[exp.Expression], side: str, dialect: str, expected: str
) -> None:
    tree = _text_keyed(sql, node, side)
    assert expected in render(tree, dialect)
    assert "CAST" not in tree.sql()  # the tree itself is left as it is


@pytest.mark.parametrize("dialect", [None, "sqlite", "postgres", "duckdb", "tsql", "bigquery"])
@pytest.mark.parametrize("pretty", [False, True])
def test_generate_writes_what_sql_writes_and_leaves_the_tree_alone(dialect, pretty) -> None:
    # one cached generator per setting, reused across calls: the same text as `Expression.sql`
    sql = (
        "WITH t AS (SELECT a, b FROM x WHERE NOT c IS NULL) SELECT a, COUNT(*) FROM t "
        "WHERE b LIKE '%q%' AND a IN (SELECT a FROM y) GROUP BY a ORDER BY 2 DESC LIMIT 3"
    )
    for _ in range(2):
        tree = sqlglot.parse_one(sql)
        before = repr(tree)
        expected = tree.sql(dialect=dialect, identify=True, pretty=pretty)
        assert generate(tree, dialect, identify=True, pretty=pretty) == expected
        assert repr(tree) == before


def test_each_thread_writes_with_its_own_generators() -> None:
    # a generator keeps state while it writes (quoting is switched off inside some constructs):
    # two threads sharing one could quote each other's identifiers wrongly
    import threading

    from sqlsynth.render import _generator

    mine = _generator("postgres", True, False)
    assert _generator("postgres", True, False) is mine  # reused within a thread
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(_generator("postgres", True, False)))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine
