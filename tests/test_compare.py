"""Result comparison: one line per rule, the reasons given, and the same queries on SQLite, DuckDB
and PostgreSQL comparing equal."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from sqlsynth.engines import open_engine
from sqlsynth.engines.base import Result
from sqlsynth.engines.compare import (
    CompareRules,
    compare_results,
    hash_value,
    normalize_value,
    result_fingerprint,
    results_equal,
    values_equal,
)

ORDERED = CompareRules(order_matters=True)
PERMUTE = CompareRules(ignore_column_order=True)
EXACT = CompareRules(float_tol=0.0)
UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))


def one(v: object) -> list[tuple]:
    return [(v,)]


# (a rows, b rows, rules, equal?) -- one line per rule
CASES = {
    # numbers: Decimal, float, int and bool are one kind
    "decimal-vs-float": (one(Decimal("1.50")), one(1.5), None, True),
    "int-vs-float": (one(2), one(2.0), None, True),
    "integral-decimal-vs-int": (one(Decimal("7.00")), one(7), None, True),
    "decimal-vs-other-float": (one(Decimal("1.50")), one(1.51), None, False),
    "true-is-1": (one(True), one(1), None, True),
    "false-is-0": (one(False), one(0), None, True),
    "true-is-not-0": (one(True), one(0), None, False),
    "text-is-not-a-number": (one("1"), one(1), None, False),
    # float tolerance: relative and absolute, ints exact
    "float-sum-rounding": (one(0.1 + 0.2), one(0.3), None, True),
    "avg-just-below-int": (one(2.9999999999999996), one(3), None, True),
    "avg-decimal-vs-float": (one(Decimal("2.3333333333333333")), one(7 / 3), None, True),
    "float-off-by-1e-3": (one(1.0), one(1.001), None, False),
    "relative-for-large": (one(1e9 + 0.5), one(1e9 + 0.5001), None, True),
    "absolute-for-tiny": (one(1e-9), one(2e-9), None, True),
    "tolerance-zero": (one(0.1 + 0.2), one(0.3), EXACT, False),
    "big-ints-exact": (one(10_000_000), one(10_000_001), None, False),
    "huge-decimal-vs-float": (one(Decimal("123456789012345678901")), one(1.2345678901234568e20), None, True),
    "nan-equals-nan": (one(float("nan")), one(Decimal("NaN")), None, True),
    "nan-is-not-a-number": (one(float("nan")), one(1.0), None, False),
    "inf": (one(float("inf")), one(float("inf")), None, True),
    "inf-vs-minus-inf": (one(float("inf")), one(float("-inf")), None, False),
    # NULL
    "null-equals-null": (one(None), one(None), None, True),
    "null-is-not-0": (one(None), one(0), None, False),
    "null-is-not-empty-text": (one(None), one(""), None, False),
    # dates and times vs ISO text
    "date-vs-text": (one(dt.date(2024, 1, 2)), one("2024-01-02"), None, True),
    "date-vs-other-text": (one(dt.date(2024, 1, 2)), one("2024-01-03"), None, False),
    "datetime-vs-space-text": (one(dt.datetime(2024, 1, 2, 10)), one("2024-01-02 10:00:00"), None, True),
    "datetime-vs-T-text": (one(dt.datetime(2024, 1, 2, 10)), one("2024-01-02T10:00:00"), None, True),
    "datetime-vs-padded-fraction": (
        one(dt.datetime(2024, 1, 2, 10)),
        one("2024-01-02 10:00:00.000"),
        None,
        True,
    ),
    "datetime-fraction": (
        one(dt.datetime(2024, 1, 2, 10, 0, 0, 500000)),
        one("2024-01-02 10:00:00.5"),
        None,
        True,
    ),
    "datetime-other-second": (one(dt.datetime(2024, 1, 2, 10)), one("2024-01-02 10:00:01"), None, False),
    "midnight-is-not-a-date": (one(dt.datetime(2024, 1, 2)), one(dt.date(2024, 1, 2)), None, False),
    "aware-utc-vs-naive-text": (
        one(dt.datetime(2024, 1, 2, 10, tzinfo=UTC)),
        one("2024-01-02 10:00:00"),
        None,
        True,
    ),
    "aware-plus2-in-utc": (
        one(dt.datetime(2024, 1, 2, 10, tzinfo=PLUS2)),
        one("2024-01-02T08:00:00Z"),
        None,
        True,
    ),
    "time-vs-text": (one(dt.time(10, 30)), one("10:30:00"), None, True),
    "time-vs-other-text": (one(dt.time(10, 30)), one("10:31:00"), None, False),
    "timedelta": (one(dt.timedelta(days=1)), one(dt.timedelta(hours=24)), None, True),
    # other types
    "bytes-vs-memoryview": (one(b"\x00ab"), one(memoryview(b"\x00ab")), None, True),
    "bytes-vs-bytearray": (one(b"ab"), one(bytearray(b"ab")), None, True),
    "bytes-vs-text": (one(b"ab"), one("ab"), None, False),
    "uuid-vs-text": (
        one(uuid.UUID("12345678-1234-5678-1234-567812345678")),
        one("12345678-1234-5678-1234-567812345678"),
        None,
        True,
    ),
    "list-vs-tuple-with-tolerance": (one([1, Decimal("0.5")]), one((1.0, 0.5000000001)), None, True),
    "list-vs-longer-list": (one([1, 2]), one([1, 2, 3]), None, False),
    "dict-key-order": (one({"a": 1, "b": 2}), one({"b": 2, "a": 1}), None, True),
    # multisets and order
    "duplicates-count": ([(1,), (1,), (2,)], [(1,), (2,), (2,)], None, False),
    "duplicates-same": ([(1,), (2,), (2,)], [(2,), (1,), (2,)], None, True),
    "duplicate-vs-single": ([(1,), (1,)], [(1,)], None, False),
    "order-ignored-by-default": ([(1,), (2,)], [(2,), (1,)], None, True),
    "order-matters-when-asked": ([(1,), (2,)], [(2,), (1,)], ORDERED, False),
    "order-same-when-asked": ([(1, "a"), (2, "b")], [(1.0, "a"), (2.0, "b")], ORDERED, True),
    "float-near-ties-sort-apart": (
        [(1.0000001, "b"), (1.0, "a")],
        [(1.0, "b"), (1.0000001, "a")],
        None,
        True,
    ),
    "float-near-ties-need-matching": ([(1.0, 2), (1.0000001, 1)], [(1.0000001, 2), (1.0, 1)], None, True),
    "float-near-ties-but-wrong": ([(1.0, 2), (1.0000001, 1)], [(1.0000001, 2), (1.0, 3)], None, False),
    "mixed-kinds-in-a-column": ([(None,), (1,), ("a",)], [("a",), (None,), (1.0,)], None, True),
    "unhashable-lists-unordered": ([([1, 2],), ([3],)], [([3],), ([1, 2.0],)], None, True),
    "signalling-nan": (one(Decimal("sNaN")), one(Decimal("sNaN")), None, True),
    "same-python-values-other-order-ordered": ([(1,), (1.0,), (2,)], [(1,), (2,), (1,)], ORDERED, False),
    "empty-vs-empty": ([], [], None, True),
    "empty-vs-one": ([], [(1,)], None, False),
    "row-count": ([(1,), (2,)], [(1,), (2,), (3,)], None, False),
    "column-count": ([(1, 2)], [(1, 2, 3)], None, False),
    # column order
    "columns-swapped-default": ([(1, "a"), (2, "b")], [("a", 1), ("b", 2)], None, False),
    "columns-swapped-ignored": ([(1, "a"), (2, "b")], [("a", 1), ("b", 2)], PERMUTE, True),
    "columns-swapped-ignored-ordered": (
        [(1, "a"), (2, "b")],
        [("a", 1), ("b", 2)],
        CompareRules(True, 1e-6, True),
        True,
    ),
    "columns-swapped-wrong-order": (
        [(1, "a"), (2, "b")],
        [("b", 2), ("a", 1)],
        CompareRules(True, 1e-6, True),
        False,
    ),
    # two columns with the same values: only the right pairing of columns gives the rows
    "columns-ambiguous-found": ([(1, 2, "p"), (2, 1, "q")], [("p", 2, 1), ("q", 1, 2)], PERMUTE, True),
    "columns-ambiguous-none": ([(1, 2, "p"), (2, 1, "q")], [("p", 1, 1), ("q", 2, 2)], PERMUTE, False),
    "columns-same-values-rows-differ": ([(1, "x"), (2, "y")], [("y", 1), ("x", 2)], PERMUTE, False),
}


@pytest.mark.parametrize("a, b, rules, equal", list(CASES.values()), ids=list(CASES))
def test_rule(a: list, b: list, rules: CompareRules | None, equal: bool) -> None:
    rules = rules or CompareRules()
    assert results_equal(a, b, rules) is equal
    assert results_equal(b, a, rules) is equal  # symmetric


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("1.50"), 1.5),
        (Decimal("2.00"), 2),
        (2.0, 2),
        (True, 1),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 10, 0, 5), "2024-01-02 10:00:05"),
        ("2024-01-02T10:00:05", "2024-01-02 10:00:05"),
        ("2024-01-02", "2024-01-02"),
        ("hello", "hello"),
        (dt.time(7, 5), "07:05:00"),
        (memoryview(b"ab"), b"ab"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ([1, [2.0, None]], (1, (2, None))),
        (None, None),
    ],
)
def test_normalize_value(value: object, expected: object) -> None:
    got = normalize_value(value)
    assert got == expected and type(got) is type(expected)
    hash(got)


def test_normalized_values_keep_what_matters() -> None:
    assert type(normalize_value(Decimal("2.00"))) is int  # integral values are ints...
    assert type(normalize_value(2.0**60)) is float  # ...unless a double cannot hold them exactly
    assert math.isnan(normalize_value(Decimal("NaN")))
    assert normalize_value(float("nan")) is normalize_value(float("nan"))  # one NaN: rows hash alike
    assert normalize_value("2024-13-45 10:00") == "2024-13-45 10:00"  # not a date: left alone
    assert values_equal(1.0, 1.0 + 1e-7) and not values_equal(1.0, 1.0 + 1e-7, float_tol=1e-9)


@pytest.mark.parametrize(
    "a, b, rules, reason",
    [
        (
            Result(["x"], [(1,), (2,), (3,)]),
            Result(["x"], [(1,), (2,), (3,), (4,)]),
            None,
            "row count 3 vs 4",
        ),
        (Result(["x"], [(1,)]), Result(["x", "y"], [(1, 2)]), None, "column count 1 vs 2"),
        (Result(["x"], []), Result(["x", "y"], []), None, "column count 1 vs 2"),
        (
            Result(["x"], [(1,), (2,), (3,)]),
            Result(["x"], [(1,), (5,), (3,)]),
            ORDERED,
            "values differ at row 2",
        ),
        (
            Result(["x"], [(1,), (1,), (2,)]),
            Result(["x"], [(1,), (2,), (2,)]),
            None,
            "(1,) occurs 2 times in a, 1 in b",
        ),
        (Result(error="no such column: z"), Result(["x"], [(1,)]), None, "a failed: no such column: z"),
        (Result(["x"], [(1,)]), Result(error="timed out after 1 s", timed_out=True), None, "b timed out"),
        (Result(error="boom"), Result(error="boom"), None, "a failed: boom"),
        (Result(["x", "y"], [(1, "a")]), Result(["y", "x"], [("b", 1)]), PERMUTE, "no column permutation"),
    ],
)
def test_compare_results_gives_the_reason(
    a: Result, b: Result, rules: CompareRules | None, reason: str
) -> None:
    cmp = compare_results(a, b, rules or CompareRules())
    assert not cmp.equal and not cmp
    assert reason in (cmp.reason or ""), cmp.reason


def test_compare_results_equal_has_no_reason() -> None:
    a = Result(["n", "avg"], [(1, Decimal("2.50")), (2, None)])
    b = Result(["count", "mean"], [(2, None), (1, 2.5)])  # names and order differ: not compared
    cmp = compare_results(a, b)
    assert cmp.equal and cmp and cmp.reason is None
    assert not compare_results(a, b, ORDERED).equal


def test_column_permutations_are_bounded() -> None:
    """Eight columns holding the same values allow 8! pairings; at most max_permutations are tried."""
    a = [(0,) * 8, (1,) * 8]
    b = [(0, 1) * 4, (1, 0) * 4]  # every column holds {0, 1}, yet no permutation gives a's rows
    rules = CompareRules(ignore_column_order=True, max_permutations=50)
    cmp = compare_results(Result(rows=a), Result(rows=b), rules)
    assert not cmp.equal and "first 50" in (cmp.reason or "")


def test_near_equal_floats_that_sort_apart_pair_up_in_a_large_result() -> None:
    """Two customers' average payment is 3.70875: SQLite's floats give them 3.7087500000000004 and
    3.7087499999999975, which sorts the second first; PostgreSQL's exact numbers tie and sort by id. Past
    the rows a matching may pair one by one (400), the floats rounded to the tolerance order both."""
    rest = [(10.0 + i / 7, 100 + i) for i in range(450)]
    other = [(x * (1 + 1e-13), k) for x, k in rest]  # equal within the tolerance, not exactly
    a = [(math.nextafter(3.70875, 4), 1), (3.7087499999999975, 2), *rest]
    b = [(Decimal("3.70875"), 1), (Decimal("3.70875"), 2), *other]
    assert results_equal(a, b)
    assert not results_equal(a, [(3.70875, 1), (3.70876, 2), *other])


def test_fingerprint() -> None:
    rows = [(1, Decimal("2.50"), "2024-01-02"), (2, None, "x")]
    same = [(2, None, "x"), (1, 2.5000000000001, dt.date(2024, 1, 2))]
    assert result_fingerprint(rows) == result_fingerprint(same)
    assert result_fingerprint(rows, ORDERED) != result_fingerprint(same, ORDERED)
    assert result_fingerprint(rows) != result_fingerprint([(1, 2.51, "2024-01-02"), (2, None, "x")])
    assert hash_value(0.30000000000000004) == hash_value(0.3) == 0.3
    assert hash_value(2.0000000001) == 2 and type(hash_value(2.0000000001)) is int


# ---------------------------------------------------------------------------------------------
# The same queries on three engines
# ---------------------------------------------------------------------------------------------

SALES_DDL = (
    "CREATE TABLE sales (id INTEGER PRIMARY KEY, region VARCHAR(10), amount DECIMAL(10,2), "
    "sold DATE, paid BOOLEAN, ts TIMESTAMP)"
)
SALES = [
    (1, "north", Decimal("1.10"), dt.date(2024, 1, 2), True, dt.datetime(2024, 1, 2, 9, 30)),
    (2, "north", Decimal("2.20"), dt.date(2024, 1, 3), False, dt.datetime(2024, 1, 3, 17, 0)),
    (3, "south", Decimal("3.30"), dt.date(2024, 2, 29), True, dt.datetime(2024, 2, 29, 23, 59, 59)),
    (4, "south", Decimal("0.05"), None, None, None),
    (5, "west", Decimal("10.00"), dt.date(2023, 12, 31), True, dt.datetime(2023, 12, 31, 0, 0)),
    (6, "north", Decimal("0.01"), dt.date(2024, 1, 2), True, dt.datetime(2024, 1, 2, 12, 0, 0, 250000)),
]

# (sql, order matters)
CROSS_ENGINE = [
    ("SELECT region, AVG(amount), SUM(amount), COUNT(*) FROM sales GROUP BY region", False),
    ("SELECT paid, COUNT(*), SUM(amount) FROM sales GROUP BY paid", False),
    ("SELECT sold, paid, amount FROM sales WHERE paid ORDER BY sold, id", True),
    ("SELECT MIN(sold), MAX(sold), AVG(amount) * 3, SUM(amount) / 7 FROM sales", False),
    ("SELECT region, ts FROM sales WHERE ts > '2024-01-02 10:00:00' ORDER BY ts", True),
    ("SELECT id, amount * 1.5, amount > 1 FROM sales WHERE sold IS NULL OR sold >= '2024-01-03'", False),
    ("SELECT region, COUNT(DISTINCT sold) FROM sales GROUP BY region HAVING COUNT(*) > 1", False),
]


@pytest.fixture(scope="module")
def three_engines(tmp_path_factory: pytest.TempPathFactory, pg_server) -> dict:
    folder: Path = tmp_path_factory.mktemp("cross")
    lite = folder / "sales.db"
    with sqlite3.connect(lite) as conn:
        conn.execute(SALES_DDL)
        rows = [
            (i, r, float(a), s and s.isoformat(), None if p is None else int(p), t and t.isoformat(" "))
            for i, r, a, s, p, t in SALES
        ]
        conn.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    duck = folder / "sales.duckdb"
    with duckdb.connect(str(duck)) as conn:
        conn.execute(SALES_DDL)
        conn.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?)", SALES)
    pg = pg_server.create_database("cross_engine_compare")
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(SALES_DDL)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO sales VALUES (%s, %s, %s, %s, %s, %s)", SALES)
    engines = {
        "sqlite": open_engine(f"sqlite:///{lite}"),
        "duckdb": open_engine(f"duckdb:///{duck}"),
        "postgres": open_engine(pg),
    }
    yield engines
    for engine in engines.values():
        engine.close()


@pytest.mark.postgres
@pytest.mark.parametrize("sql, ordered", CROSS_ENGINE)
def test_same_query_compares_equal_on_three_engines(three_engines: dict, sql: str, ordered: bool) -> None:
    rules = CompareRules(order_matters=ordered)
    results = {name: engine.execute(sql) for name, engine in three_engines.items()}
    for name, res in results.items():
        assert res.ok, f"{name}: {res.error}"
        assert res.rows, name
    for other in ("duckdb", "postgres"):
        cmp = compare_results(results["sqlite"], results[other], rules)
        assert cmp.equal, f"sqlite vs {other}: {cmp.reason}\n{results['sqlite'].rows}\n{results[other].rows}"


@pytest.mark.postgres
def test_the_engines_return_different_python_types(three_engines: dict) -> None:
    """What the test above sees through: the same values come back as different types."""
    kinds: dict[str, set[str]] = {}
    for name, engine in three_engines.items():
        rows = [row for sql, _ in CROSS_ENGINE for row in engine.execute(sql).rows]
        kinds[name] = {type(v).__name__ for row in rows for v in row}
    assert {"Decimal", "date", "datetime", "bool"} <= kinds["postgres"]
    assert {"Decimal", "date", "datetime", "bool"} <= kinds["duckdb"]
    assert not {"Decimal", "date", "datetime", "bool"} & kinds["sqlite"]
    assert {"float", "str", "int"} <= kinds["sqlite"]


@pytest.mark.postgres
def test_engines_that_really_disagree_compare_unequal(three_engines: dict) -> None:
    """Integer division: SQLite and PostgreSQL truncate, DuckDB's / gives a double."""
    sql = "SELECT region, SUM(id) / 2 FROM sales GROUP BY region"
    res = {name: engine.execute(sql) for name, engine in three_engines.items()}
    assert compare_results(res["sqlite"], res["postgres"]).equal
    cmp = compare_results(res["sqlite"], res["duckdb"])
    assert not cmp.equal and "rows differ" in (cmp.reason or "")
