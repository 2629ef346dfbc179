"""Exact complexity counts and Spider hardness, one line per behaviour."""

from __future__ import annotations

import pytest
import sqlglot

from sqlsynth.generate.measure import Complexity, SpiderCounts, atoms, measure, spider_counts, spider_hardness
from sqlsynth.generate.spec import ComplexitySpec

# (sql, expected Spider hardness). Queries mostly from Spider's dev set (concert_singer, pets_1,
# car_1...), levels as Spider's evaluation.py assigns them.
HARDNESS = [
    ("SELECT count(*) FROM singer", "easy"),
    ("SELECT count(*) FROM head WHERE age > 56", "easy"),
    ("SELECT DISTINCT country FROM singer WHERE age > 20", "easy"),
    ("SELECT count(*) FROM pets WHERE weight > 10", "easy"),
    ("SELECT count(DISTINCT pettype) FROM pets", "easy"),
    ("SELECT name FROM teacher ORDER BY age ASC", "easy"),
    ("SELECT name, country, age FROM singer ORDER BY age DESC", "medium"),
    ("SELECT avg(age), min(age), max(age) FROM singer WHERE country = 'France'", "medium"),
    ("SELECT count(*) FROM concert WHERE year = 2014 OR year = 2015", "medium"),
    (
        "SELECT T2.concert_name, T2.theme, count(*) FROM singer_in_concert AS T1 JOIN concert AS T2 "
        "ON T1.concert_id = T2.concert_id GROUP BY T2.concert_id",
        "medium",
    ),
    ("SELECT name, capacity FROM stadium ORDER BY average DESC LIMIT 1", "medium"),
    ("SELECT avg(weight), pettype FROM pets GROUP BY pettype", "medium"),
    ("SELECT country, count(*) FROM singer GROUP BY country", "medium"),
    ("SELECT year FROM concert GROUP BY year ORDER BY count(*) DESC LIMIT 1", "hard"),
    ("SELECT song_name FROM singer WHERE age > (SELECT avg(age) FROM singer)", "hard"),
    ("SELECT name FROM stadium WHERE stadium_id NOT IN (SELECT stadium_id FROM concert)", "hard"),
    ("SELECT country FROM singer WHERE age > 40 INTERSECT SELECT country FROM singer WHERE age < 30", "hard"),
    (
        "SELECT name FROM stadium EXCEPT SELECT T2.name FROM concert AS T1 JOIN stadium AS T2 "
        "ON T1.stadium_id = T2.stadium_id WHERE T1.year = 2014",
        "hard",
    ),
    (
        "SELECT T2.name FROM singer_in_concert AS T1 JOIN singer AS T2 ON T1.singer_id = T2.singer_id "
        "JOIN concert AS T3 ON T1.concert_id = T3.concert_id WHERE T3.year = 2014",
        "hard",
    ),
    (
        "SELECT T2.name, T2.capacity FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id "
        "WHERE T1.year >= 2014 GROUP BY T2.stadium_id ORDER BY count(*) DESC LIMIT 1",
        "extra",
    ),
    (
        "SELECT T2.name, T2.location FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id "
        "WHERE T1.Year = 2014 INTERSECT SELECT T2.name, T2.location FROM concert AS T1 JOIN stadium AS T2 "
        "ON T1.stadium_id = T2.stadium_id WHERE T1.Year = 2015",
        "extra",
    ),
    (
        "SELECT T1.countryname FROM countries AS T1 JOIN continents AS T2 ON T1.continent = T2.contid "
        "JOIN car_makers AS T3 ON T1.countryid = T3.country WHERE T2.continent = 'europe' "
        "GROUP BY T1.countryname HAVING count(*) >= 3",
        "extra",
    ),
    (
        "SELECT T1.fname, T1.age FROM student AS T1 JOIN has_pet AS T2 ON T1.stuid = T2.stuid "
        "JOIN pets AS T3 ON T3.petid = T2.petid WHERE T3.pettype = 'dog' AND T1.stuid NOT IN "
        "(SELECT T1.stuid FROM student AS T1 JOIN has_pet AS T2 ON T1.stuid = T2.stuid "
        "JOIN pets AS T3 ON T3.petid = T2.petid WHERE T3.pettype = 'cat')",
        "extra",
    ),
    (
        "SELECT T1.name FROM stadium AS T1 JOIN concert AS T2 ON T1.stadium_id = T2.stadium_id "
        "WHERE T2.year = 2014 INTERSECT SELECT T1.name FROM stadium AS T1 JOIN concert AS T2 "
        "ON T1.stadium_id = T2.stadium_id WHERE T2.year = 2015",
        "extra",
    ),
    (
        "SELECT name FROM employee WHERE city = 'Bristol' AND age > 30 OR age < 20 ORDER BY age LIMIT 1",
        "extra",
    ),
]


@pytest.mark.parametrize(("sql", "level"), HARDNESS, ids=[f"{lv}-{i}" for i, (_, lv) in enumerate(HARDNESS)])
def test_spider_hardness(sql: str, level: str) -> None:
    assert spider_hardness(sql) == level


def test_hardness_table_covers_each_level_five_times() -> None:
    for level in ("easy", "medium", "hard", "extra"):
        assert sum(1 for _, lv in HARDNESS if lv == level) >= 5


# (sql, expected (component1, component2, others)): Spider's counters, including its quirks.
COMPONENTS = [
    # tables in FROM minus one, comma joins too
    ("SELECT a FROM t1, t2, t3", (2, 0, 0)),
    # every OR and every LIKE counts in component1, including those in HAVING and JOIN ON
    ("SELECT a FROM t WHERE a LIKE 'x%' OR b LIKE 'y%' OR c = 1", (1 + 2 + 2, 0, 1)),
    ("SELECT a FROM t JOIN u ON t.id = u.id OR t.k = u.k", (1 + 1, 0, 0)),
    ("SELECT a FROM t GROUP BY a HAVING count(*) > 1 OR max(b) LIKE 'x'", (1 + 1 + 1, 0, 0)),
    # NOT LIKE is a LIKE
    ("SELECT a FROM t WHERE a NOT LIKE 'x%'", (2, 0, 0)),
    # quirk: a negated WHERE predicate counts as an aggregate (count(*) + NOT IN = 2 > 1)
    ("SELECT count(*) FROM t WHERE a NOT IN (1, 2)", (1, 0, 1)),
    ("SELECT count(*) FROM t WHERE a IN (1, 2)", (1, 0, 0)),
    # quirk: IS NOT NULL is not negated for Spider
    ("SELECT count(*) FROM t WHERE a IS NOT NULL", (1, 0, 0)),
    # quirk: HAVING adds its AND/OR connectors to the aggregate count, not its aggregates
    ("SELECT a FROM t GROUP BY a HAVING count(*) > 1", (1, 0, 0)),
    ("SELECT count(*) FROM t GROUP BY a HAVING count(*) > 1 AND sum(b) > 2", (1, 0, 1)),
    # aggregates inside SELECT-item arithmetic do not count; in ORDER BY arithmetic they do
    ("SELECT max(a) - min(a) FROM t", (0, 0, 0)),
    ("SELECT a FROM t ORDER BY max(a) - min(a)", (1, 0, 1)),
    # window aggregates are not aggregates
    ("SELECT sum(a) OVER (PARTITION BY b) FROM t", (0, 0, 0)),
    # each subquery used as a predicate value is nested; BETWEEN can hold two
    ("SELECT a FROM t WHERE a BETWEEN (SELECT min(x) FROM u) AND (SELECT max(x) FROM u)", (1, 2, 0)),
    ("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = t.k)", (1, 1, 0)),
    # a derived table in FROM is one table unit and not nested (Spider)
    ("SELECT count(*) FROM (SELECT * FROM t WHERE a > 1 GROUP BY b HAVING count(*) > 1)", (0, 0, 0)),
    # a chain of set operations is one nested query; only the left-most SELECT is counted
    ("SELECT a FROM t UNION SELECT a FROM u UNION SELECT a FROM v WHERE b = 1 ORDER BY a", (0, 1, 0)),
    # extension: CTEs and scalar subqueries in the SELECT list are nested
    ("WITH c AS (SELECT a FROM t) SELECT a FROM c", (0, 1, 0)),
    ("SELECT a, (SELECT max(b) FROM u) FROM t", (0, 1, 1)),
    # more than one WHERE predicate / SELECT item / GROUP BY column each add one to others
    ("SELECT a, b FROM t WHERE a = 1 AND b = 2 GROUP BY a, b", (2, 0, 3)),
]


@pytest.mark.parametrize(("sql", "expected"), COMPONENTS, ids=[s[:60] for s, _ in COMPONENTS])
def test_spider_components(sql: str, expected: tuple[int, int, int]) -> None:
    assert spider_counts(sql) == SpiderCounts(*expected)


# (sql, field, expected count)
COUNTS = [
    ("SELECT a FROM t", "joins", 0),
    ("SELECT a FROM t JOIN u ON t.id = u.t_id LEFT JOIN v ON v.id = u.v_id", "joins", 2),
    ("SELECT a FROM t, u", "joins", 1),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u JOIN v ON u.id = v.id)", "joins", 1),
    ("SELECT a FROM t JOIN u ON t.id = u.id AND t.k = u.k", "conditions", 0),
    ("SELECT a FROM t WHERE a = 1", "conditions", 1),
    ("SELECT a FROM t WHERE a = 1 AND (b LIKE 'x' OR c IS NULL) AND NOT d BETWEEN 1 AND 2", "conditions", 4),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE c = 1 AND d > 2)", "conditions", 3),
    ("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u)", "conditions", 1),
    ("SELECT a FROM t WHERE flag", "conditions", 1),
    ("SELECT a FROM t GROUP BY a HAVING count(*) > 1", "conditions", 0),
    ("SELECT a FROM t GROUP BY a HAVING count(*) > 1 AND max(b) < 3", "having", 2),
    ("SELECT a FROM t WHERE b > 1 GROUP BY a", "having", 0),
    ("SELECT count(*), sum(a), avg(b), min(c), max(d) FROM t", "aggregates", 5),
    ("SELECT count(DISTINCT a) FROM t", "aggregates", 1),
    ("SELECT group_concat(a) FROM t", "aggregates", 1),
    ("SELECT sum(a) OVER (PARTITION BY b) FROM t", "aggregates", 0),
    ("SELECT a FROM t GROUP BY a HAVING count(*) > (SELECT avg(x) FROM u)", "aggregates", 2),
    ("SELECT a, b FROM t GROUP BY a, b", "group_by", 2),
    ("SELECT a FROM t ORDER BY a, b DESC", "order_by", 2),
    ("SELECT rank() OVER (ORDER BY a) FROM t", "order_by", 0),
    ("SELECT a FROM t ORDER BY a LIMIT 3", "limit", 1),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u ORDER BY b LIMIT 1) LIMIT 5", "limit", 2),
    ("SELECT a FROM t", "limit", 0),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u)", "subqueries", 1),
    ("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = t.k)", "subqueries", 1),
    ("SELECT a, (SELECT max(b) FROM u) FROM t", "subqueries", 1),
    ("SELECT x FROM (SELECT a AS x FROM t) AS s", "subqueries", 1),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE b > (SELECT avg(c) FROM v))", "subqueries", 2),
    ("SELECT a FROM t UNION SELECT b FROM u", "subqueries", 0),
    ("WITH c AS (SELECT a FROM t) SELECT a FROM c", "subqueries", 0),
    ("SELECT a FROM t WHERE a IN (SELECT b FROM u UNION SELECT c FROM v)", "subqueries", 1),
    ("SELECT a FROM t UNION SELECT b FROM u", "set_ops", 1),
    (
        "SELECT a FROM t UNION ALL SELECT b FROM u INTERSECT SELECT c FROM v EXCEPT SELECT d FROM w",
        "set_ops",
        3,
    ),
    ("SELECT a FROM t", "set_ops", 0),
    ("SELECT rank() OVER (ORDER BY a), sum(b) OVER (PARTITION BY c) FROM t", "window", 2),
    ("SELECT sum(a) OVER w FROM t WINDOW w AS (PARTITION BY b)", "window", 1),
    ("WITH c AS (SELECT a FROM t), d AS (SELECT a FROM c) SELECT a FROM d", "cte", 2),
    ("SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END FROM t WHERE CASE b WHEN 1 THEN 1 END = 1", "case", 2),
    ("SELECT DISTINCT a FROM t", "distinct", 1),
    ("SELECT count(DISTINCT a) FROM t", "distinct", 0),
    ("SELECT a FROM t WHERE a LIKE 'x%' OR b NOT LIKE '%y'", "like", 2),
    ("SELECT a FROM t WHERE a = 1 OR b = 2 OR c = 3", "or", 2),
    (
        "SELECT upper(a), cast(b AS TEXT), coalesce(c, 0), count(*) FROM t WHERE a = 1 AND b = 2",
        "functions",
        3,
    ),
]


@pytest.mark.parametrize(("sql", "field", "expected"), COUNTS, ids=[f"{f}-{s[:50]}" for s, f, _ in COUNTS])
def test_measure_counts(sql: str, field: str, expected: int) -> None:
    assert measure(sql).model_dump()[field] == expected


def test_measure_accepts_ast_and_matches_text() -> None:
    sql = "SELECT a, count(*) FROM t JOIN u ON t.id = u.id WHERE a > 1 GROUP BY a ORDER BY 2 DESC LIMIT 3"
    assert measure(sqlglot.parse_one(sql)) == measure(sql)


def test_measure_dialect_tsql_top_is_limit() -> None:
    assert measure("SELECT TOP 3 a FROM t ORDER BY a", dialect="tsql").limit == 1


def test_complexity_round_trips_through_json_with_or_key() -> None:
    c = measure("SELECT a FROM t WHERE a = 1 OR b = 2")
    data = c.model_dump()
    assert data["or"] == 1 and "or_" not in data
    assert Complexity.model_validate_json(c.model_dump_json()) == c
    assert Complexity.model_validate({"or_": 2}).or_ == 2


def test_complexity_keys_fit_the_spec() -> None:
    """The generator feeds measure(...).model_dump() to ComplexitySpec.admits."""
    counts = measure("SELECT DISTINCT a FROM t JOIN u ON t.id = u.id WHERE a = 1").model_dump()
    assert ComplexitySpec(num_joins=1, num_conditions=1, distinct=1).admits(counts) is None
    assert "distinct=1" in (ComplexitySpec(distinct=0).admits(counts) or "")


def test_atoms_marks_negation_like_spider() -> None:
    cond = sqlglot.parse_one("SELECT 1 FROM t WHERE a NOT IN (1) AND b IS NOT NULL AND NOT c = 1").args[
        "where"
    ]
    assert [negated for _, negated in atoms(cond.this)] == [True, False, True]
