"""The rule-based realiser: every query of the corpus gets a question that names its columns,
tables, values, aggregates and order; changing the SQL changes the question; same seed, same words."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from sqlglot import exp, parse_one
from typer.testing import CliRunner

from sqlsynth.nl import realise
from sqlsynth.nl.batch import split_statements
from sqlsynth.nl.lexicon import (
    aside,
    humanise,
    name_part,
    pluralise,
    relative_pronoun,
    row_preposition,
    singularise,
)
from sqlsynth.nl.names import Namer, Noun, noun_from_name
from sqlsynth.nl.realise import parse_query, quoted_strings_as_literals
from sqlsynth.schema.demo import demo_schema
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table

CORPUS = Path(__file__).parent / "data" / "realise_corpus.sql"


# -- schemas ------------------------------------------------------------------------------------------
def _table(name: str, cols: list[tuple[str, str] | tuple[str, str, str]], pk: list[str]) -> Table:
    columns = [Column(name=c[0], type=c[1], display_name=c[2] if len(c) > 2 else None) for c in cols]
    return Table(name=name, columns=columns, primary_key=pk)


def _fk(src: str, col: str, dst: str, dcol: str) -> ForeignKey:
    return ForeignKey(source_table=src, source_columns=[col], target_table=dst, target_columns=[dcol])


def music_schema() -> Schema:
    """A chinook-like Spider schema: plain identifiers, a link table, a self-reference."""
    return Schema(
        name="music",
        tables=[
            _table("artists", [("id", "INTEGER"), ("name", "TEXT")], ["id"]),
            _table("albums", [("id", "INTEGER"), ("title", "TEXT"), ("artist_id", "INTEGER")], ["id"]),
            _table("genres", [("id", "INTEGER"), ("name", "TEXT")], ["id"]),
            _table(
                "tracks",
                [
                    ("id", "INTEGER"),
                    ("name", "TEXT"),
                    ("album_id", "INTEGER"),
                    ("genre_id", "INTEGER"),
                    ("composer", "TEXT"),
                    ("milliseconds", "INTEGER"),
                    ("unit_price", "NUMERIC(10,2)"),
                ],
                ["id"],
            ),
            _table("playlists", [("id", "INTEGER"), ("name", "TEXT")], ["id"]),
            _table(
                "playlist_tracks",
                [("playlist_id", "INTEGER"), ("track_id", "INTEGER")],
                ["playlist_id", "track_id"],
            ),
            _table(
                "employees",
                [
                    ("id", "INTEGER"),
                    ("first_name", "TEXT"),
                    ("last_name", "TEXT"),
                    ("title", "TEXT"),
                    ("reports_to", "INTEGER"),
                    ("hire_date", "DATE"),
                ],
                ["id"],
            ),
            _table(
                "customers",
                [
                    ("id", "INTEGER"),
                    ("first_name", "TEXT"),
                    ("last_name", "TEXT"),
                    ("country", "TEXT"),
                    ("support_rep_id", "INTEGER"),
                ],
                ["id"],
            ),
            _table(
                "invoices",
                [
                    ("id", "INTEGER"),
                    ("customer_id", "INTEGER"),
                    ("invoice_date", "DATE"),
                    ("billing_country", "TEXT"),
                    ("total", "NUMERIC(10,2)"),
                ],
                ["id"],
            ),
        ],
        foreign_keys=[
            _fk("albums", "artist_id", "artists", "id"),
            _fk("tracks", "album_id", "albums", "id"),
            _fk("tracks", "genre_id", "genres", "id"),
            _fk("playlist_tracks", "playlist_id", "playlists", "id"),
            _fk("playlist_tracks", "track_id", "tracks", "id"),
            _fk("employees", "reports_to", "employees", "id"),
            _fk("customers", "support_rep_id", "employees", "id"),
            _fk("invoices", "customer_id", "customers", "id"),
        ],
    )


def college_schema() -> Schema:
    """Spider's college_2 in small: abbreviated identifiers with display names."""
    return Schema(
        name="college",
        tables=[
            _table(
                "department",
                [("dept_name", "TEXT", "department name"), ("building", "TEXT"), ("budget", "NUMERIC(12,2)")],
                ["dept_name"],
            ),
            _table(
                "instructor",
                [
                    ("ID", "TEXT"),
                    ("name", "TEXT"),
                    ("dept_name", "TEXT", "department name"),
                    ("salary", "NUMERIC"),
                ],
                ["ID"],
            ),
            _table(
                "course",
                [
                    ("course_id", "TEXT"),
                    ("title", "TEXT"),
                    ("dept_name", "TEXT", "department name"),
                    ("credits", "INTEGER"),
                ],
                ["course_id"],
            ),
            _table(
                "teaches",
                [("ID", "TEXT"), ("course_id", "TEXT"), ("semester", "TEXT"), ("year", "INTEGER")],
                ["ID", "course_id", "semester", "year"],
            ),
            _table(
                "student",
                [
                    ("ID", "TEXT"),
                    ("name", "TEXT"),
                    ("dept_name", "TEXT", "department name"),
                    ("tot_cred", "INTEGER", "total credits"),
                ],
                ["ID"],
            ),
        ],
        foreign_keys=[
            _fk("instructor", "dept_name", "department", "dept_name"),
            _fk("course", "dept_name", "department", "dept_name"),
            _fk("student", "dept_name", "department", "dept_name"),
            _fk("teaches", "ID", "instructor", "ID"),
            _fk("teaches", "course_id", "course", "course_id"),
        ],
    )


def sales_schema() -> Schema:
    """An ASASQL-like model: cryptic identifiers, Chinese display names (column_name_zh)."""
    return Schema(
        name="sales",
        tables=[
            _table(
                "sales_orders",
                [
                    ("ord_id", "INTEGER", "订单编号"),
                    ("cust_nm", "TEXT", "客户名称"),
                    ("ord_amt", "DECIMAL(12,2)", "订单金额"),
                    ("ord_dt", "DATE", "下单日期"),
                    ("region_cd", "TEXT", "地区"),
                    ("rep_id", "INTEGER", "销售代表编号"),
                ],
                ["ord_id"],
            ),
            _table(
                "sales_reps",
                [("rep_id", "INTEGER"), ("rep_nm", "TEXT", "销售代表姓名"), ("hire_dt", "DATE", "入职日期")],
                ["rep_id"],
            ),
        ],
        foreign_keys=[_fk("sales_orders", "rep_id", "sales_reps", "rep_id")],
    )


@cache
def schemas() -> dict[str, Schema]:
    return {
        "demo": demo_schema(),
        "music": music_schema(),
        "college": college_schema(),
        "sales": sales_schema(),
    }


# -- the corpus ----------------------------------------------------------------------------------------
def load_corpus() -> list[tuple[str, str | None, str]]:
    """(schema name, dialect, sql) for every statement of the corpus file."""
    out: list[tuple[str, str | None, str]] = []
    schema, dialect = "demo", None
    chunk: list[str] = []

    def flush() -> None:
        for sql in split_statements("\n".join(chunk), dialect):
            out.append((schema, dialect, sql))
        chunk.clear()

    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        directive = re.match(r"--\s*@(schema|dialect)\s+(\S+)", line.strip())
        if directive:
            flush()
            if directive.group(1) == "schema":
                schema = directive.group(2)
            else:
                dialect = directive.group(2)
        elif not line.strip().startswith("--"):
            chunk.append(line)
    flush()
    return out


CASES = load_corpus()
IDS = [f"{i:03d}-{s}" for i, (s, _, _) in enumerate(CASES)]


def test_corpus_is_large_and_covers_every_construct() -> None:
    assert len(CASES) >= 200
    text = "\n".join(sql.upper() for _, _, sql in CASES)
    for construct in (
        "JOIN",
        "LEFT JOIN",
        "GROUP BY",
        "HAVING",
        "ORDER BY",
        "LIMIT",
        "DISTINCT",
        "COUNT(DISTINCT",
        "SUM(",
        "AVG(",
        "MIN(",
        "MAX(",
        " LIKE ",
        " IN (",
        "NOT IN",
        "BETWEEN",
        "IS NULL",
        "IS NOT NULL",
        " OR ",
        "NOT (",
        "EXISTS",
        "NOT EXISTS",
        "UNION",
        "UNION ALL",
        "INTERSECT",
        "EXCEPT",
        "WITH ",
        " OVER (",
        "RANK()",
        "CASE",
        "STRFTIME",
        "EXTRACT",
        "UPPER(",
        "LENGTH(",
        "||",
        "SUBSTR",
        "OFFSET",
        "(SELECT AVG",
    ):
        assert construct in text, construct
    assert {s for s, _, _ in CASES} == {"demo", "music", "college", "sales"}


# -- what a question must mention ----------------------------------------------------------------------
AGG_WORDS = {
    "count": (
        "number",
        "how many",
        "count",
        "most",
        "fewest",
        "more than",
        "at least",
        "fewer than",
        "at most",
    ),
    "sum": ("total", "sum"),
    "avg": ("average", "mean"),
    "min": ("lowest", "minimum", "smallest", "earliest", "fewest"),
    "max": ("highest", "maximum", "largest", "latest", "most recent", "most"),
}
DESC_WORDS = (
    "descending",
    "highest",
    "largest",
    "latest",
    "most",
    "reverse",
    "last",
    "to the lowest",
    "to the earliest",
)
ASC_WORDS = (
    "ascending",
    "lowest",
    "smallest",
    "earliest",
    "fewest",
    "alphabetical",
    "first",
    "then by",
    "to the highest",
    "ties broken by",
)
FORMAT_WORDS = {"%Y": "year", "%m": "month", "%Y-%m": "month", "%d": "day"}


def _parse(schema: Schema, dialect: str | None, sql: str) -> exp.Expression:
    tree = parse_query(sql, dialect)
    if (dialect or "sqlite") in ("sqlite", "mysql"):
        tree = quoted_strings_as_literals(tree, schema)
    return tree


def _relational_columns(tree: exp.Expression) -> set[int]:
    """Columns that only relate rows (join keys, correlations, IN-subquery keys): said as relationships."""
    out: set[int] = set()
    for eq in tree.find_all(exp.EQ):
        if isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Column):
            out.update({id(eq.this), id(eq.expression)})
    for node in tree.find_all(exp.In):
        query = node.args.get("query")
        if query is not None:
            out.update(id(c) for c in node.this.find_all(exp.Column))
            inner = query.this if isinstance(query, exp.Subquery) else query
            if isinstance(inner, exp.Select):
                out.update(id(c) for item in inner.expressions for c in item.find_all(exp.Column))
    for join in tree.find_all(exp.Join):
        out.update(id(c) for c in join.find_all(exp.Column))
    for group in tree.find_all(exp.Group):  # GROUP BY a key reads "for each customer"
        out.update(id(c) for c in group.find_all(exp.Column) if re.search(r"(^|_)id$|Id$", c.name, re.I))
        select = group.parent
        if isinstance(select, exp.Select) and select.find_ancestor(exp.CTE, exp.Subquery) is not None:
            keys = {c.name.lower() for c in group.find_all(exp.Column)}  # a summary's key joins it
            out.update(id(c) for c in select.find_all(exp.Column) if c.name.lower() in keys)
    return out


def _column_forms(namer: Namer, schema: Schema, column: str) -> set[str]:
    forms = {humanise(column).lower()}
    for t in schema.tables:
        if t.has_column(column):
            label = namer.column_label(t.name, column).lower()
            forms.add(label)
            noun = namer.entity(t.name).singular.lower()
            if label.startswith(noun + " "):
                forms.add(label[len(noun) + 1 :])
            if label.startswith(("is ", "has ")):
                forms.add(label.split(" ", 1)[1])
            if label.endswith(" id"):  # a key reads as its row: "per user role"
                forms.add(label[:-3])
    return {f for form in forms if form for f in (form, pluralise(form))}


def _table_forms(namer: Namer, schema: Schema, table: str) -> set[str]:
    noun = namer.entity(table)
    forms = {noun.singular.lower(), noun.plural.lower(), humanise(table).lower()}
    for fk in schema.foreign_keys:
        if fk.target_table.lower() == table.lower():
            forms.add(namer.role(fk.source_table, fk.source_columns[0], noun).lower())
    return forms


def _said_as_its_row(col: exp.Column, q: str, namer: Namer, schema: Schema) -> bool:
    """`col = 'x'` on the name of a row (or on a column that refers to such a name) is said as the
    row: "the genre "x"", "the department "x""."""
    eq = col.parent
    value = eq.expression if isinstance(eq, exp.EQ) and eq.this is col else None
    if not (isinstance(value, exp.Literal) and value.is_string):
        return False
    rows = [t.name for t in schema.tables if t.has_column(col.name) and namer.names_rows(t.name, col.name)]
    rows += [
        fk.target_table
        for fk in schema.foreign_keys
        if [c.lower() for c in fk.source_columns] == [col.name.lower()]
        and namer.names_rows(fk.target_table, fk.target_columns[0])
    ]
    said = {f'the {form} "{value.this.lower()}"' for t in rows for form in _table_forms(namer, schema, t)}
    return any(s in q for s in said)


def missing_mentions(question: str, schema: Schema, dialect: str | None, sql: str) -> list[str]:
    """Parts of the SQL that the question does not mention (empty when all are there)."""
    q = question.lower()
    tree = _parse(schema, dialect, sql)
    namer = Namer(schema)
    missing: list[str] = []
    relational = _relational_columns(tree)
    known_columns = {c.name.lower() for t in schema.tables for c in t.columns}
    used_tables: dict[str, bool] = {}
    for table in tree.find_all(exp.Table):
        if namer.table(table.name) is not None:
            used_tables.setdefault(table.name, False)
    for col in tree.find_all(exp.Column):
        if isinstance(col.this, exp.Star) or col.name.lower() not in known_columns:
            continue  # SELECT *, CTE / derived output names (their meaning is checked inside)
        owners = [t.name for t in schema.tables if t.has_column(col.name)]
        if id(col) in relational:
            continue
        if isinstance(col.parent, exp.EQ) and name_part(col.name) and "named " in q:
            continue  # first and last name read as one: "named "Ann Lee"" (the values are checked)
        if _said_as_its_row(col, q, namer, schema):
            continue  # a row said by its name: "tracks in the genre "Rock"" (the value is checked)
        if isinstance(col.parent, exp.Distinct) and isinstance(col.parent.parent, exp.Count):
            # COUNT(DISTINCT fk) counts the rows it refers to: "the number of departments that have ..."
            targets = [fk.target_table for fk in schema.foreign_keys if fk.source_columns == [col.name]]
            if any(form in q for t in targets for form in _table_forms(namer, schema, t)):
                continue
        for owner in owners:
            if owner in used_tables:
                used_tables[owner] = True
        if not any(form in q for form in _column_forms(namer, schema, col.name)):
            missing.append(f"column {col.sql()}")
    for table, has_columns in used_tables.items():
        if has_columns and not any(form in q for form in _table_forms(namer, schema, table)):
            missing.append(f"table {table}")
    for lit in tree.find_all(exp.Literal):
        missing.extend(_literal_missing(lit, q, namer))
    for agg in tree.find_all(exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max):
        kind = type(agg).__name__.lower()
        if not any(w in q for w in AGG_WORDS[kind]):
            missing.append(f"aggregate {agg.sql()}")
    for ordered in tree.find_all(exp.Ordered):
        words = DESC_WORDS if ordered.args.get("desc") else ASC_WORDS
        if not any(w in q for w in words):
            missing.append(f"order {ordered.sql()}")
    return missing


def _literal_missing(lit: exp.Literal, q: str, namer: Namer) -> list[str]:
    parent = lit.parent
    text = str(lit.this)
    if isinstance(parent, exp.Limit) and text == "1":
        return []  # "the product with the highest ..."
    if isinstance(parent, (exp.TimeToStr, exp.StrToTime)):
        word = FORMAT_WORDS.get(text, "formatted")
        return [] if word in q else [f"format {text}"]
    if isinstance(parent, exp.Select) and parent.find_ancestor(exp.Exists) is not None:
        return []  # SELECT 1 inside EXISTS
    if isinstance(parent, (exp.Group, exp.Ordered, exp.Order)):
        return []  # GROUP BY 1 / ORDER BY 2 name a select item
    if isinstance(parent, exp.Substring) and text == "1" and parent.args.get("start") is lit:
        return []  # "the first 3 characters"
    if isinstance(parent, (exp.EQ, exp.NEQ, exp.Is)) and isinstance(parent.this, exp.Column):
        col = parent.this
        if re.match(r"(is|has)_", col.name, re.I) or col.name.lower() in ("auto_renew",):
            return []  # yes/no flags read "that are active"
    if isinstance(parent, (exp.Like, exp.ILike)):
        text = text.strip("%")
    if isinstance(parent, exp.Interval):
        return [] if text.split()[0] in q else [f"interval {text}"]
    if isinstance(parent, exp.Anonymous | exp.TimestampTrunc | exp.DateTrunc) or text == "":
        return []
    if lit.find_ancestor(exp.Window) is not None and not lit.is_string:
        return []
    return [] if text.lower() in q else [f"value {lit.sql()}"]


@pytest.mark.parametrize(("schema_name", "dialect", "sql"), CASES, ids=IDS)
def test_question_mentions_every_part(schema_name: str, dialect: str | None, sql: str) -> None:
    schema = schemas()[schema_name]
    question = realise(sql, schema, dialect=dialect, strict=True)
    assert question[0].isupper() and question[-1] in ".?", question
    assert "  " not in question and " ," not in question and "the the " not in question.lower(), question
    missing = missing_mentions(question, schema, dialect, sql)
    assert not missing, f"{question!r} does not mention {missing}"


# -- perturbations ------------------------------------------------------------------------------------------
FLIP_OP = {
    exp.GT: exp.LT,
    exp.LT: exp.GT,
    exp.GTE: exp.LTE,
    exp.LTE: exp.GTE,
    exp.EQ: exp.NEQ,
    exp.NEQ: exp.EQ,
}
FLIP_AGG = {exp.Sum: exp.Avg, exp.Avg: exp.Sum, exp.Min: exp.Max, exp.Max: exp.Min}


def perturbations(tree: exp.Expression, schema: Schema) -> dict[str, exp.Expression]:
    """One-edit variants of a query: a literal, an operator, a column, an aggregate, the limit, ASC/DESC."""
    out: dict[str, exp.Expression] = {}

    def variant(kind: str, pick, edit) -> None:
        copy = tree.copy()
        nodes = [n for n in copy.walk() if pick(n)]
        if nodes:
            edit(nodes[0])
            if copy.sql() != tree.sql():
                out[kind] = copy

    def is_value(n: exp.Expression) -> bool:
        if not isinstance(n, exp.Literal) or isinstance(n.parent, (exp.Limit, exp.TimeToStr, exp.Offset)):
            return False
        return not (isinstance(n.parent, exp.Select) and n.find_ancestor(exp.Exists) is not None)

    def bump(n: exp.Expression) -> None:
        if n.is_string:
            n.replace(
                exp.Literal.string(str(n.this).replace("%", "") + "zq" + ("%" if "%" in str(n.this) else ""))
            )
        else:
            n.replace(exp.Literal.number(str(float(str(n.this)) * 2 + 1).removesuffix(".0")))

    variant("literal", is_value, bump)
    variant(
        "operator",
        lambda n: (
            type(n) in FLIP_OP
            and not (isinstance(n.this, exp.Column) and isinstance(n.expression, exp.Column))
        ),
        lambda n: n.replace(FLIP_OP[type(n)](this=n.this.copy(), expression=n.expression.copy())),
    )
    variant(
        "aggregate", lambda n: type(n) in FLIP_AGG, lambda n: n.replace(FLIP_AGG[type(n)](this=n.this.copy()))
    )
    variant(
        "limit",
        lambda n: isinstance(n, exp.Limit) and isinstance(n.expression, exp.Literal),
        lambda n: n.set("expression", exp.Literal.number(int(str(n.expression.this)) + 1)),
    )
    variant("order", lambda n: isinstance(n, exp.Ordered), lambda n: n.set("desc", not n.args.get("desc")))
    relational = _relational_columns(tree)
    used = {c.name.lower() for c in tree.find_all(exp.Column)}

    def other_column(n: exp.Expression) -> bool:
        return (
            isinstance(n, exp.Column)
            and n.find_ancestor(exp.Where) is not None
            and _swap(n, schema, used) is not None
        )

    copy = tree.copy()
    cols = [
        c
        for c, orig in zip(copy.find_all(exp.Column), tree.find_all(exp.Column), strict=True)
        if id(orig) not in relational
    ]
    targets = [c for c in cols if other_column(c)]
    if targets:
        target = targets[0]
        target.set("this", exp.to_identifier(_swap(target, schema, used), quoted=target.this.quoted))
        out["column"] = copy
    return out


def _swap(col: exp.Column, schema: Schema, used: set[str]) -> str | None:
    """Another column of the table that owns `col`, of the same type, not used by the query."""
    for t in schema.tables:
        if not t.has_column(col.name):
            continue
        lt = t.column(col.name).logical_type
        for c in t.columns:
            fresh = c.name.lower() not in used and c.logical_type == lt
            unique = all(not other.has_column(c.name) or other is t for other in schema.tables)
            if fresh and unique and not re.search(r"(^|_)id$", c.name, re.I):
                return c.name
        return None
    return None


@pytest.mark.parametrize(("schema_name", "dialect", "sql"), CASES, ids=IDS)
def test_every_edit_of_the_sql_changes_the_question(schema_name: str, dialect: str | None, sql: str) -> None:
    schema = schemas()[schema_name]
    tree = _parse(schema, dialect, sql)
    for kind, changed in perturbations(tree, schema).items():
        for seed in (0, 1):
            before = realise(tree, schema, dialect=dialect, seed=seed, strict=True)
            after = realise(changed, schema, dialect=dialect, seed=seed, strict=True)
            assert before != after, f"{kind} edit not visible: {changed.sql()} -> {after}"


def test_perturbations_cover_every_kind() -> None:
    kinds: Counter[str] = Counter()
    for schema_name, dialect, sql in CASES:
        schema = schemas()[schema_name]
        kinds.update(perturbations(_parse(schema, dialect, sql), schema))
    for kind in ("literal", "operator", "aggregate", "limit", "order", "column"):
        assert kinds[kind] >= 15, kinds


NAMED_EDITS = [
    ("SELECT product_name FROM products WHERE unit_price > 20", "unit_price > 25", ("25",)),
    (
        "SELECT product_name FROM products WHERE unit_price > 20",
        "unit_price < 20",
        ("less", "under", "below"),
    ),
    ("SELECT product_name FROM products WHERE unit_price > 20", "cost_price > 20", ("cost price",)),
    ("SELECT AVG(unit_price) FROM products", "MAX(unit_price)", ("highest", "largest", "maximum")),
    ("SELECT product_name FROM products ORDER BY unit_price DESC LIMIT 5", "LIMIT 3", ("3",)),
    (
        "SELECT product_name FROM products ORDER BY unit_price DESC LIMIT 5",
        "unit_price ASC",
        ("lowest", "smallest"),
    ),
    ("SELECT city FROM customers UNION SELECT city FROM locations", "INTERSECT", ("also", "shared")),
    (
        "SELECT product_name FROM products WHERE product_id IN (SELECT product_id FROM reviews)",
        "NOT IN",
        ("no review",),
    ),
]


@pytest.mark.parametrize(("sql", "edit", "words"), NAMED_EDITS)
def test_named_edits_show_up_in_words(sql: str, edit: str, words: tuple[str, ...]) -> None:
    schema = schemas()["demo"]
    old = {
        "unit_price > 25": "unit_price > 20",
        "unit_price < 20": "unit_price > 20",
        "cost_price > 20": "unit_price > 20",
        "MAX(unit_price)": "AVG(unit_price)",
        "LIMIT 3": "LIMIT 5",
        "unit_price ASC": "unit_price DESC",
        "INTERSECT": "UNION",
        "NOT IN": "IN",
    }[edit]
    changed = sql.replace(old, edit)
    assert changed != sql
    for seed in range(3):
        before, after = realise(sql, schema, seed=seed), realise(changed, schema, seed=seed)
        assert any(w in after.lower() for w in words) and not any(w in before.lower() for w in words), (
            before,
            after,
        )


# -- wording ------------------------------------------------------------------------------------------------
EXPECTED = [
    (
        "SELECT AVG(unit_price) FROM products GROUP BY category_id",
        "average unit price of products for each category",
    ),
    (
        "SELECT category_id, AVG(unit_price) FROM products GROUP BY category_id",
        "unit price of products for each category id",
    ),
    (
        "SELECT product_name FROM products ORDER BY unit_price DESC LIMIT 5",
        "the 5 products with the highest unit price",
    ),
    (
        "SELECT product_name FROM products ORDER BY unit_price DESC",
        "sorted by unit price in descending order",
    ),
    ("SELECT COUNT(*) FROM customers WHERE country = 'France'", 'customers whose country is "France"'),
    (
        "SELECT T1.order_date FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id "
        "WHERE T2.city = 'Paris'",
        'orders whose customer\'s city is "Paris"',
    ),
    (
        "SELECT T1.first_name, COUNT(*) FROM customers AS T1 JOIN orders AS T2 "
        "ON T1.customer_id = T2.customer_id "
        "GROUP BY T1.customer_id",
        "number of their orders for each customer",
    ),
    (
        "SELECT product_name FROM products WHERE unit_price > (SELECT AVG(unit_price) FROM products)",
        "average unit price of all products",
    ),
    # IN the same column of the same table: the rows themselves only for its key
    (
        "SELECT first_name FROM customers WHERE country IN "
        "(SELECT country FROM customers WHERE email LIKE '%x%')",
        'customers whose country is that of one of the customers whose email contains the letter "x"',
    ),
    (
        "SELECT first_name FROM customers WHERE country NOT IN "
        "(SELECT country FROM customers WHERE city = 'Rome')",
        'customers whose country is not that of any customer whose city is "Rome"',
    ),
    (
        "SELECT first_name FROM customers WHERE customer_id IN "
        "(SELECT customer_id FROM customers WHERE city = 'Rome')",
        'customers who are among the customers whose city is "Rome"',
    ),
    # ANY / ALL go through the values of all the rows
    (
        "SELECT product_name FROM products WHERE unit_price < ANY "
        "(SELECT unit_price FROM products WHERE product_name LIKE 'L%')",
        'less than any of the unit prices of the products whose name starts with the letter "L"',
    ),
    # a value of one row: "that of" it, "the same as" it, or the row a foreign key would refer to
    (
        "SELECT product_name FROM products WHERE unit_price > "
        "(SELECT unit_price FROM products WHERE product_name = 'Lamp')",
        'unit price exceeds that of the product whose name is "Lamp"',
    ),
    (
        "SELECT first_name FROM customers WHERE country = "
        "(SELECT country FROM customers WHERE email = 'a@b.c')",
        'country is the same as that of the customer whose email is "a@b.c"',
    ),
    (
        "SELECT order_date FROM orders WHERE customer_id = "
        "(SELECT customer_id FROM customers WHERE email = 'x@y.z')",
        'orders whose customer is the customer whose email is "x@y.z"',
    ),
    (
        "SELECT order_date FROM orders WHERE order_date < (SELECT order_date FROM orders WHERE order_id = 7)",
        "order date is before that of the order whose order id is 7",
    ),
    ("SELECT first_name FROM customers WHERE email LIKE '%@example.com'", 'email ends with "@example.com"'),
    ("SELECT first_name FROM customers WHERE last_name LIKE 'Mc%'", 'last name starts with "Mc"'),
    ("SELECT product_name FROM products WHERE product_name LIKE '%Lamp%'", 'name contains "Lamp"'),
    ("SELECT product_name FROM products WHERE product_name LIKE '%a%'", 'name contains the letter "a"'),
    # views of one measure said once, as people list them
    ("SELECT MIN(unit_price), AVG(unit_price), MAX(unit_price) FROM products", "average and highest unit"),
    # rows two steps away, one "of" a step: not "the order's customers of invoices"
    (
        "SELECT T1.first_name, T1.last_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = "
        "T1.customer_id JOIN invoices AS T3 ON T3.order_id = T2.order_id",
        "the first names and last names of the customers of the orders of invoices",
    ),
    (
        "SELECT T3.invoice_number, T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = "
        "T1.customer_id JOIN invoices AS T3 ON T3.order_id = T2.order_id",
        "and the first name of the customer of its order",
    ),
    # the row's columns in the order of the select list, the key where the query has it
    (
        "SELECT T2.first_name, T2.last_name, T2.customer_id FROM orders AS T1 JOIN customers AS T2 "
        "ON T1.customer_id = T2.customer_id GROUP BY T2.customer_id HAVING COUNT(*) > 2",
        "the first names, last names and customer ids of customers with more than 2 orders",
    ),
    (
        "SELECT T2.customer_id, T2.first_name, COUNT(*) FROM orders AS T1 JOIN customers AS T2 "
        "ON T1.customer_id = T2.customer_id GROUP BY T2.customer_id",
        "the customer id, first name and the number of their orders",
    ),
    (
        "SELECT T2.customer_id, T2.first_name, COUNT(*), MAX(T1.total_amount) FROM orders AS T1 "
        "JOIN customers AS T2 ON T1.customer_id = T2.customer_id GROUP BY T2.customer_id",
        "the customer id and first name, and the number and largest total amount of their orders",
    ),
    ("SELECT first_name FROM customers WHERE NOT last_name LIKE 'M%'", 'does not start with the letter "M"'),
    ("SELECT first_name FROM customers WHERE last_name LIKE '%7'", 'last name ends with "7"'),
    ("SELECT order_id FROM orders WHERE status IN ('shipped', 'delivered')", '"shipped"'),
    ("SELECT order_id FROM orders WHERE shipped_date IS NULL", "shipped date is"),
    (
        "SELECT product_name FROM products WHERE product_id NOT IN (SELECT product_id FROM order_items)",
        "products that have no order item",
    ),
    (
        "SELECT first_name FROM customers AS c WHERE EXISTS (SELECT 1 FROM orders AS o WHERE o.customer_id = "
        "c.customer_id AND o.total_amount > 500)",
        "customers who have an order whose total amount",
    ),
    (
        "SELECT city FROM customers UNION SELECT city FROM locations",
        "cities of customers together with the cities of locations",
    ),
    # the keys against the keys their child rows hold: said through the foreign key
    (
        "SELECT customer_id FROM customers EXCEPT SELECT customer_id FROM orders",
        "customers that have no order",
    ),
    ("SELECT customer_id FROM customers INTERSECT SELECT customer_id FROM orders", "that have an order"),
    ("SELECT city FROM customers EXCEPT SELECT city FROM locations", "excluding the cities of locations"),
    # twins, told apart by their filters alone (or their groups' counts): the items and rows said once
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = T1.customer_id "
        "GROUP BY T1.customer_id HAVING COUNT(*) > 2 UNION SELECT T1.first_name FROM customers AS T1 "
        "JOIN tickets AS T2 ON T2.customer_id = T1.customer_id GROUP BY T1.customer_id HAVING COUNT(*) >= 3",
        "the first names of customers with more than 2 orders or with at least 3 tickets",
    ),
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = T1.customer_id "
        "GROUP BY T1.customer_id HAVING COUNT(*) > 2 INTERSECT SELECT T1.first_name FROM customers AS T1 "
        "JOIN tickets AS T2 ON T2.customer_id = T1.customer_id GROUP BY T1.customer_id HAVING COUNT(*) >= 3",
        "first names shared by customers with more than 2 orders and customers with at least 3 tickets",
    ),
    (
        "SELECT city FROM customers WHERE country = 'x' "
        "EXCEPT SELECT city FROM customers WHERE country = 'y'",
        'the cities of customers whose country is "x", but not those of customers whose country is "y"',
    ),
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = T1.customer_id "
        "WHERE T2.status = 'shipped' INTERSECT SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 "
        "ON T2.customer_id = T1.customer_id WHERE T2.status = 'open'",
        'first names shared by the customers of orders whose status is "shipped" and the customers of orders '
        'whose status is "open"',
    ),
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = T1.customer_id "
        "WHERE T2.status = 'shipped' UNION SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 "
        "ON T2.customer_id = T1.customer_id WHERE T2.status = 'open'",
        'the first names of the customers of orders whose status is "shipped" or whose status is "open"',
    ),
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T2.customer_id = T1.customer_id "
        "WHERE T2.status = 'shipped' UNION ALL SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 "
        "ON T2.customer_id = T1.customer_id WHERE T2.status = 'open'",
        'status is "shipped" and also those of the customers of orders whose status is "open" (keeping',
    ),
    (
        "SELECT product_name, RANK() OVER (PARTITION BY category_id ORDER BY unit_price DESC) FROM products",
        "rank by unit price (highest first)",
    ),
    ("SELECT order_id, SUM(total_amount) OVER (ORDER BY order_date) FROM orders", "running "),
    (
        "SELECT STRFTIME('%Y', order_date), COUNT(*) FROM orders GROUP BY STRFTIME('%Y', order_date)",
        "for each year of the order date",
    ),
    (
        "SELECT product_name, CASE WHEN unit_price > 100 THEN 'premium' ELSE 'standard' END AS band "
        "FROM products",
        'band ("premium" if the unit price',
    ),
    ("SELECT DISTINCT country FROM customers", "distinct countries of customers"),
    ("SELECT COUNT(DISTINCT country) FROM customers", "number of d"),
    (
        "WITH spend AS (SELECT customer_id, SUM(total_amount) AS s FROM orders GROUP BY customer_id) "
        "SELECT T1.first_name,"
        " T2.s FROM customers AS T1 JOIN spend AS T2 ON T1.customer_id = T2.customer_id",
        "of their orders",
    ),
    (
        "SELECT country, COUNT(*) FROM customers GROUP BY country HAVING COUNT(*) > 10",
        "with more than 10 customers",
    ),
    # a HAVING on a count of a key or of distinct values says what is counted, as COUNT(*) does
    (
        "SELECT country FROM customers GROUP BY country HAVING COUNT(customer_id) >= 2",
        "have at least 2 customers",
    ),
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id "
        "GROUP BY T1.customer_id HAVING COUNT(T2.order_id) > 3",
        "first names of customers with more than 3 orders",
    ),
    (
        "SELECT country FROM customers GROUP BY country HAVING COUNT(DISTINCT city) = 1",
        "exactly 1 different city among customers",
    ),
    (
        "SELECT T2.first_name FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id "
        "ORDER BY T1.order_date DESC LIMIT 1",
        "Give the first name of its customer.",
    ),
    (
        "SELECT status FROM orders GROUP BY status ORDER BY MIN(order_date) ASC LIMIT 1",
        "the earliest order date",
    ),
    # two counts: each says what it counts
    (
        "SELECT country, COUNT(*), COUNT(DISTINCT city) FROM customers GROUP BY country",
        "the number of customers and the number of their different cities",
    ),
    (
        "SELECT COUNT(*), COUNT(DISTINCT city) FROM customers WHERE country = 'France'",
        'the number of customers whose country is "France" and the number of their different cities',
    ),
    # a person's first and last name: one name, as people ask ("Steve Johnson's orders")
    ("SELECT email FROM customers WHERE first_name = 'Ann' AND last_name = 'Lee'", 'named "Ann Lee"'),
    (
        "SELECT COUNT(*) FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id "
        "WHERE T2.first_name = 'Ann' AND T2.last_name = 'Lee' AND T1.status = 'paid'",
        'whose customer is named "Ann Lee" and whose status is "paid"',
    ),
    ("SELECT email FROM customers WHERE first_name = 'Ann' OR last_name = 'Lee'", 'first name is "Ann" or'),
    # two values of one column: one clause, "whose country is "France" or "Belgium""
    (
        "SELECT email FROM customers WHERE country = 'France' OR country = 'Belgium'",
        'is "France" or "Belgium"',
    ),
    (
        "SELECT COUNT(*) FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id "
        "WHERE (T2.country = 'France' OR T2.country = 'Spain') AND T1.status = 'paid'",
        'is either "France" or "Spain"',
    ),
    # conditions on one column: the column said once, "before 1958 or after 1970"
    ("SELECT name FROM products WHERE price < 10 OR price > 90", "whose price is under 10 or"),
    ("SELECT name FROM products WHERE NOT price >= 10 OR price > 90", "whose price is less than 10 or"),
    (
        "SELECT name FROM products WHERE status = 'active' AND (price < 10 OR price > 90)",
        "whose price is either",
    ),
    ("SELECT email FROM customers WHERE email LIKE '%a%' OR email LIKE '%b%'", 'letter "a" or contains'),
    ("SELECT email FROM customers WHERE email LIKE '%a%' OR email = 'b@x.org'", 'letter "a" or is "b@x.org"'),
    ("SELECT name FROM products WHERE price >= 10 AND price <= 90", "whose price is at least 10 and"),
    ("SELECT name FROM products WHERE NOT (price < 10 OR price > 90)", "whose price is at least 10 and"),
    # a measure beside them: said of each of the groups
    (
        "SELECT T1.first_name, COUNT(*) FROM customers AS T1 JOIN orders AS T2 "
        "ON T1.customer_id = T2.customer_id GROUP BY T1.customer_id ORDER BY COUNT(*) DESC LIMIT 3",
        "the first name and number of orders of each of the 3 customers with the most orders",
    ),
    (
        "SELECT COUNT(*) FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id "
        "GROUP BY T1.customer_id ORDER BY COUNT(*) DESC LIMIT 3",
        "What is the number of orders of each of the 3 customers",
    ),
    # several top groups: their names, plural
    (
        "SELECT T1.first_name FROM customers AS T1 JOIN orders AS T2 ON T1.customer_id = T2.customer_id "
        "GROUP BY T1.customer_id ORDER BY COUNT(*) DESC LIMIT 3",
        "the first names of the 3 customers with the most orders",
    ),
]


@pytest.mark.parametrize(("sql", "phrase"), EXPECTED)
def test_wording_of_each_construct(sql: str, phrase: str) -> None:
    schema = schemas()["demo"]
    texts = [realise(sql, schema, seed=seed) for seed in range(8)]
    assert any(phrase.lower() in t.lower() for t in texts), texts


def test_a_quantified_subquery_is_not_read_as_one_rows_value() -> None:
    # `> ALL (subquery)` as a tree may hold the subquery itself (sqlglot's parser gives it the
    # SELECT): still "all of ...", never "that of the product ..."
    inner = parse_one("SELECT unit_price FROM products WHERE category_id = 3")
    sql = parse_one("SELECT product_name FROM products WHERE unit_price > 1")
    sql.args["where"].this.set("expression", exp.All(this=exp.Subquery(this=inner)))
    texts = [realise(sql, schemas()["demo"], seed=seed) for seed in range(4)]
    assert all(" all of the unit prices of the products whose category id is 3" in t for t in texts), texts


AVOIDED = [
    ("SELECT MAX(salary), MIN(salary), AVG(salary) FROM employees", "mean salary"),  # one register
    ("SELECT MIN(salary), SUM(salary) FROM employees", "sum of salary"),  # "the minimum and total salary"
    ("SELECT MAX(unit_price), MIN(unit_price) FROM products", "unit price and"),
    # what "whose number of customers is at least 2" would say of each customer
    ("SELECT country FROM customers GROUP BY country HAVING COUNT(customer_id) >= 2", "whose number of"),
    ("SELECT country FROM customers GROUP BY country HAVING COUNT(DISTINCT city) > 2", "whose number of"),
    ("SELECT COUNT(*), COUNT(DISTINCT city) FROM customers", "number and number"),
    ("SELECT country, COUNT(*), COUNT(DISTINCT city) FROM customers GROUP BY country", "number and number"),
    ("SELECT status FROM orders GROUP BY status ORDER BY MIN(order_date) ASC LIMIT 1", "earliest earliest"),
    (
        "SELECT T2.first_name FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id "
        "ORDER BY T1.order_date DESC LIMIT 1",
        "give its first name of its",
    ),
    (
        "SELECT T1.first_name, COUNT(*), COUNT(DISTINCT T2.status) FROM customers AS T1 JOIN orders AS T2 "
        "ON T1.customer_id = T2.customer_id GROUP BY T1.customer_id",
        "first name and the number of its orders and",
    ),
    (
        "SELECT category_id, MAX(unit_price) FROM products GROUP BY category_id "
        "ORDER BY MAX(unit_price) DESC",
        "est highest",
    ),
    (
        "SELECT category_id, MAX(unit_price) FROM products GROUP BY category_id "
        "ORDER BY MAX(unit_price) DESC",
        "highest maximum",
    ),
    # a column said again for each of its conditions
    ("SELECT name FROM products WHERE price < 10 OR price > 90", "or whose price"),
    ("SELECT name FROM products WHERE status = 'active' AND (price < 10 OR price > 90)", "either whose"),
    ("SELECT name FROM products WHERE NOT (price < 10 OR price > 90)", "and whose price"),
]


@pytest.mark.parametrize(("sql", "phrase"), AVOIDED)
def test_wording_avoided(sql: str, phrase: str) -> None:
    schema = schemas()["demo"]
    texts = [realise(sql, schema, seed=seed) for seed in range(8)]
    assert not [t for t in texts if phrase in t.lower()], texts


SELF_REFERENCES = [
    # employees.reports_to: a row calls the row it points at its "manager", not a "related employee"
    (
        "SELECT T1.last_name FROM employees AS T1 JOIN employees AS T2 ON T1.reports_to = T2.id "
        "WHERE T2.title = 'IT Manager'",
        "whose manager's title is",
    ),
    (
        "SELECT T1.last_name, T2.last_name FROM employees AS T1 JOIN employees AS T2 "
        "ON T1.reports_to = T2.id",
        "last names of their managers",
    ),
    # grouped by the row the others point at: "for each manager", not "for each employee"
    (
        "SELECT T2.last_name, COUNT(*) FROM employees AS T1 JOIN employees AS T2 ON T1.reports_to = T2.id "
        "GROUP BY T2.id",
        "for each manager",
    ),
    (
        "SELECT T2.last_name FROM employees AS T1 JOIN employees AS T2 ON T1.reports_to = T2.id "
        "GROUP BY T2.id HAVING COUNT(*) > 2",
        "last names of managers with more than 2 employees",
    ),
]


@pytest.mark.parametrize(("sql", "phrase"), SELF_REFERENCES)
def test_self_references_are_worded_by_their_role(sql: str, phrase: str) -> None:
    texts = [realise(sql, music_schema(), seed=seed) for seed in range(8)]
    assert any(phrase in t.lower() for t in texts), texts
    assert not [t for t in texts if "related employee" in t], texts


def _check_wording(
    sql: str, schema: Schema, phrase: str, avoided: str, *, every: bool = False, seeds: int = 8
) -> None:
    """Over `seeds` seeds the question says `phrase` (in one of them, or in `every` one) and never
    `avoided` (both compared in lower case)."""
    texts = [realise(sql, schema, seed=seed) for seed in range(seeds)]
    found = [phrase.lower() in t.lower() for t in texts]
    assert all(found) if every else any(found), texts
    assert not [t for t in texts if avoided.lower() in t.lower()], texts


NOT_ROWS = [
    # GROUP BY instructor.dept_name groups by department, not by instructor: the name of another table
    (
        "college",
        "SELECT T2.dept_name, COUNT(*) FROM teaches AS T1 JOIN instructor AS T2 ON T1.ID = T2.ID "
        "GROUP BY T2.dept_name",
        "for each instructor department name",
        "each instructor?",
    ),
    (
        "college",
        "SELECT T2.dept_name FROM teaches AS T1 JOIN instructor AS T2 ON T1.ID = T2.ID "
        "GROUP BY T2.dept_name ORDER BY COUNT(*) DESC LIMIT 1",
        "instructor department name with the most",
        "of the instructor with",
    ),
    # employees are called by their first name, not by their (job) title, which many share
    (
        "music",
        "SELECT T2.title FROM employees AS T1 JOIN employees AS T2 ON T1.reports_to = T2.id "
        "GROUP BY T2.title ORDER BY COUNT(*) DESC LIMIT 1",
        "manager title",
        "give its title",
    ),
    # one column of a composite foreign key: the sections of a building, not of one classroom
    (
        "rooms",
        "SELECT T2.building, COUNT(*) FROM classroom AS T1 JOIN section AS T2 "
        "ON T2.building = T1.building AND T2.room_number = T1.room_number GROUP BY T2.building",
        "for each building",
        "each classroom",
    ),
]


def rooms_schema() -> Schema:
    """Sections in classrooms, which a composite key (building, room number) names."""
    return Schema(
        name="rooms",
        tables=[
            _table("classroom", [("building", "TEXT"), ("room_number", "TEXT"), ("capacity", "INTEGER")], []),
            _table(
                "section", [("sec_id", "INTEGER"), ("building", "TEXT"), ("room_number", "TEXT")], ["sec_id"]
            ),
        ],
        foreign_keys=[
            ForeignKey(
                source_table="section",
                source_columns=["building", "room_number"],
                target_table="classroom",
                target_columns=["building", "room_number"],
            )
        ],
    )


@pytest.mark.parametrize(("schema", "sql", "phrase", "avoided"), NOT_ROWS)
def test_a_group_by_a_name_others_share_is_not_one_of_rows(
    schema: str, sql: str, phrase: str, avoided: str
) -> None:
    db = {"college": college_schema, "music": music_schema, "rooms": rooms_schema}[schema]()
    _check_wording(sql, db, phrase, avoided)


GROUPS_FILTERED = [
    # a WHERE on the grouped rows' own columns says which groups, not which rows are counted
    (
        "SELECT T2.name, COUNT(*) FROM playlist_tracks AS T1 JOIN playlists AS T2 ON T1.playlist_id = T2.id "
        "WHERE T2.name = 'Classical' GROUP BY T2.id",
        'for each playlist whose name is "classical"',
        "playlist's name",
    ),
    (
        "SELECT T1.name FROM tracks AS T1 JOIN playlist_tracks AS T2 ON T2.track_id = T1.id "
        "WHERE T1.milliseconds > 1000 GROUP BY T1.id HAVING COUNT(*) > 2",
        "and that have more than 2 playlist tracks",
        "counting only",
    ),
    (  # the other conditions stay with the counted rows
        "SELECT T1.name, COUNT(*) FROM tracks AS T1 JOIN playlist_tracks AS T2 ON T2.track_id = T1.id "
        "JOIN playlists AS T3 ON T2.playlist_id = T3.id WHERE T1.milliseconds > 1000 AND T3.name = 'x' "
        "GROUP BY T1.id",
        'number of its playlists whose name is "x" for each track whose milliseconds',
        "track's milliseconds",
    ),
    (  # HAVING on a measure of groups that are no rows: the groups' average, not a track's
        "SELECT T1.composer FROM tracks AS T1 JOIN playlist_tracks AS T2 ON T2.track_id = T1.id "
        "GROUP BY T1.composer HAVING AVG(T1.milliseconds) > 1000",
        "track composers whose average track milliseconds is above 1000 (over playlist tracks)",
        "of playlist tracks whose",
    ),
    (  # two columns: each said in the plural
        "SELECT composer, genre_id FROM tracks GROUP BY composer, genre_id HAVING COUNT(*) > 2",
        "which composers and genre ids have more than 2 tracks",
        "which composer and genre ids",
    ),
    (  # an outer join's note inside the parenthesis, not a parenthesis in it; nothing "only" counted
        "SELECT T2.name FROM albums AS T1 LEFT JOIN artists AS T2 ON T1.artist_id = T2.id GROUP BY T2.id "
        "ORDER BY COUNT(*) DESC LIMIT 1",
        "the most albums (counting albums, including those without an artist)",
        "counting only",
    ),
    (
        "SELECT T2.name FROM albums AS T1 LEFT JOIN artists AS T2 ON T1.artist_id = T2.id "
        "WHERE T1.title LIKE '%a%' GROUP BY T2.id ORDER BY COUNT(*) DESC LIMIT 1",
        'counting only albums whose title contains the letter "a", including those without an artist)',
        "))",
    ),
]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("over tracks", "(over tracks)"),
        ("over tracks (including those without an album)", "(over tracks, including those without an album)"),
        ("over tracks (of (x))", "(over tracks, of (x))"),
        ("tracks whose name is (a)b", "(tracks whose name is (a)b)"),
    ],
)
def test_a_parenthesis_holds_no_parenthesis_at_its_end(text: str, said: str) -> None:
    assert aside(text) == said


@pytest.mark.parametrize(("sql", "phrase", "avoided"), GROUPS_FILTERED)
def test_conditions_on_the_grouped_rows_say_which_groups(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, music_schema(), phrase, avoided)


def test_natural_grouped_question() -> None:
    texts = {
        realise("SELECT AVG(unit_price) FROM products GROUP BY category_id", schemas()["demo"], seed=s)
        for s in range(12)
    }
    assert texts & {
        "What is the average unit price of products for each category?",
        "For each category, what is the average unit price of products?",
    }, texts


def test_seed_varies_the_frame_across_questions_and_requests() -> None:
    starts: Counter[str] = Counter()
    varied = 0
    for schema_name, dialect, sql in CASES:
        texts = {realise(sql, schemas()[schema_name], dialect=dialect, seed=s) for s in range(4)}
        varied += len(texts) > 1
        starts.update(t.split()[0] for t in texts)
    assert varied >= 0.8 * len(CASES)
    for word in ("What", "How", "List", "Show", "Find", "Which", "Give", "For"):
        assert starts[word] > 0, starts


def test_same_input_and_seed_same_question() -> None:
    schema = schemas()["demo"]
    for _, dialect, sql in CASES[:40]:
        a = realise(sql, schema if _ == "demo" else schemas()[_], dialect=dialect, seed=3)
        b = realise(sql, schema if _ == "demo" else schemas()[_], dialect=dialect, seed=3)
        assert a == b
    tree = parse_query("SELECT product_name FROM products WHERE unit_price > 5")
    assert realise(tree, schema, seed=2) == realise(
        "SELECT product_name FROM products WHERE unit_price > 5", schema, seed=2
    )


def test_same_question_in_another_process() -> None:
    sql = (
        "SELECT T2.category_name, AVG(T1.unit_price) FROM products AS T1 JOIN categories AS T2 "
        "ON T1.category_id = T2.category_id GROUP BY T2.category_name"
    )
    code = (
        "from sqlsynth.nl import realise; from sqlsynth.schema.demo import demo_schema; "
        f"print(realise({sql!r}, demo_schema(), seed=5))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert other.stdout.strip() == realise(sql, schemas()["demo"], seed=5)


def test_display_names_are_used() -> None:
    college, sales = schemas()["college"], schemas()["sales"]
    q = realise("SELECT name FROM student WHERE tot_cred > 100", college)
    assert "total credits" in q and "tot cred" not in q
    q = realise("SELECT cust_nm, ord_amt FROM sales_orders WHERE ord_amt > 1000", sales)
    assert "客户名称" in q and "订单金额" in q and "1000" in q
    assert "订单金额s" not in q  # no English plural on a Chinese name


def test_without_a_schema_identifiers_are_humanised() -> None:
    q = realise("SELECT orderDate, unit_price FROM OrderItems WHERE unit_price > 3")
    assert "order date" in q.lower() and "unit price" in q and "order items" in q.lower()


@pytest.mark.parametrize(
    ("single", "plural"),
    [
        ("category", "categories"),
        ("address", "addresses"),
        ("person", "people"),
        ("status", "statuses"),
        ("box", "boxes"),
        ("movie", "movies"),
        ("order item", "order items"),
        ("key", "keys"),
        ("child", "children"),
        ("analysis", "analyses"),
        ("city", "cities"),
        ("knife", "knives"),
    ],
)
def test_plurals(single: str, plural: str) -> None:
    assert pluralise(single) == plural
    assert singularise(plural) == single
    assert pluralise(plural) == plural  # already plural


@pytest.mark.parametrize(
    ("table", "singular", "plural"),
    [
        ("order_items", "order item", "order items"),
        ("Categories", "category", "categories"),
        ("inventory", "inventory record", "inventory records"),
        ("People", "person", "people"),
        ("Student_Tests_Taken", "student test taken", "student tests taken"),  # a participle ends it
        ("products_restocked", "product restocked", "products restocked"),
        ("dog_breed", "dog breed", "dog breeds"),  # -eed is a noun, not a participle
        ("Breeds", "breed", "breeds"),
        ("garden_shed", "garden shed", "garden sheds"),  # too short to be a participle
        ("Performers_in_Bookings", "performer in booking", "performers in bookings"),  # each noun
        ("Products_in_Events", "product in event", "products in events"),
        ("check_in_times", "check in time", "check in times"),  # one noun: "check in" is no plural
        # a relation named by its verb (hospital_1): its noun, not "affiliated withs"
        ("Affiliated_With", "affiliation", "affiliations"),
        ("Trained_In", "training record", "training records"),
        ("authorised_by", "authorisation", "authorisations"),
        # named by a verb in the third person (hospital_1, college_2): not "undergo" / "undergos"
        ("Undergoes", "treatment", "treatments"),
        ("Prescribes", "prescription", "prescriptions"),
        ("teaches", "course taught", "courses taught"),
        ("takes", "course taken", "courses taken"),
    ],
)
def test_table_nouns(table: str, singular: str, plural: str) -> None:
    assert (noun_from_name(table).singular, noun_from_name(table).plural) == (singular, plural)


def test_a_table_named_by_a_verb_keeps_its_noun_over_its_description() -> None:
    # Spider's college_2 describes `takes` as "takes classes": its rows are courses taken
    takes = _table("takes", [("ID", "text"), ("course_id", "text"), ("grade", "text")], ["ID", "course_id"])
    schema = Schema(name="college", tables=[takes.model_copy(update={"description": "takes classes"})])
    assert Namer(schema).entity("takes") == Noun("course taken", "courses taken")
    q = realise("SELECT grade FROM takes GROUP BY grade ORDER BY COUNT(*) DESC LIMIT 1", schema)
    assert "courses taken" in q and "takes" not in q, q


def test_identifiers_as_words() -> None:
    assert humanise("OrderDate") == "order date" and humanise("dept_name") == "department name"


def test_plurals_in_questions() -> None:
    schema = schemas()["demo"]
    texts = [realise("SELECT category_name FROM categories", schema, seed=s) for s in range(4)]
    assert any("names of categories" in t for t in texts), texts
    texts = [
        realise("SELECT COUNT(DISTINCT shipping_address) FROM shipping_details", schema, seed=s)
        for s in range(4)
    ]
    assert all("shipping addresses" in t for t in texts), texts
    texts = [realise("SELECT name FROM People WHERE age > 30") for s in range(2)]
    assert all("people" in t for t in texts), texts


# -- robustness ---------------------------------------------------------------------------------------------
ODD = [
    (
        "WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 10) SELECT x FROM cnt",
        "sqlite",
    ),
    ("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, name)", "postgres"),
    ("SELECT 1", None),
    ("SELECT CURRENT_DATE", None),
    (
        "SELECT product_name, SUM(unit_price) OVER (ORDER BY created_at ROWS BETWEEN 2 PRECEDING "
        "AND CURRENT ROW) FROM products",
        None,
    ),
    ("SELECT json_extract(config_value, '$.a') FROM configurations", "sqlite"),
    ("SELECT * FROM orders NATURAL JOIN customers", None),
    ("SELECT * FROM products CROSS JOIN categories", None),
    (
        "SELECT * FROM orders WHERE (customer_id, status) IN (SELECT customer_id, status FROM tickets)",
        "postgres",
    ),
    ("SELECT unknown_col FROM unknown_table WHERE zzz = 3", None),
    ("SELECT TOP 5 product_name FROM products ORDER BY unit_price", "tsql"),
    ("SELECT a.x FROM LATERAL (SELECT 1 AS x) a", "postgres"),
    ("SELECT COUNT(*) FROM orders HAVING COUNT(*) > 10", None),
    ("SELECT * FROM generate_series(1, 3)", "postgres"),
    ("SELECT ARRAY_AGG(product_name) FROM products", "postgres"),
]


@pytest.mark.parametrize(("sql", "dialect"), ODD)
def test_unusual_queries_still_get_a_complete_question(sql: str, dialect: str | None) -> None:
    q = realise(sql, schemas()["demo"], dialect=dialect, strict=True)
    assert q and q[-1] in ".?" and "What does this query return" not in q


def test_not_a_query_is_an_error() -> None:
    with pytest.raises(ValueError):
        realise("DELETE FROM orders")
    with pytest.raises(ValueError):
        realise("SELECT FROM WHERE")


# -- the command --------------------------------------------------------------------------------------------
def test_questions_command(tmp_path: Path) -> None:
    from sqlsynth.cli import app

    schema_file = tmp_path / "schema.json"
    schemas()["demo"].save(schema_file)
    sql_file = tmp_path / "log.sql"
    sql_file.write_text(
        "SELECT product_name FROM products WHERE unit_price > 20;\n-- note; with a semicolon\n"
        "SELECT COUNT(*) FROM orders WHERE status = 'a;b';\nDELETE FROM orders;\n",
        encoding="utf-8",
    )
    out = tmp_path / "q.jsonl"
    args = [
        "questions",
        "--sql-file",
        str(sql_file),
        "--schema",
        str(schema_file),
        "--seed",
        "1",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["sql"].splitlines()[-1] for r in rows] == [
        "SELECT product_name FROM products WHERE unit_price > 20",
        "SELECT COUNT(*) FROM orders WHERE status = 'a;b'",
        "DELETE FROM orders",
    ]
    assert "20" in rows[0]["question"] and '"a;b"' in rows[1]["question"]
    assert rows[2]["question"] is None and "not a query" in rows[2]["error"]
    again = CliRunner().invoke(app, [*args[:-2], "-o", str(tmp_path / "again.jsonl")])
    assert again.exit_code == 0 and (tmp_path / "again.jsonl").read_text() == out.read_text()


def places_schema() -> Schema:
    """sakila's cities and countries: a column named as its table (`city.city`)."""
    return Schema(
        name="places",
        tables=[
            _table("country", [("country_id", "INTEGER"), ("country", "TEXT")], ["country_id"]),
            _table(
                "city", [("city_id", "INTEGER"), ("city", "TEXT"), ("country_id", "INTEGER")], ["city_id"]
            ),
        ],
        foreign_keys=[_fk("city", "country_id", "country", "country_id")],
    )


SAID_ONCE = [
    # (sql, said in some wording, said in none): "the distinct cities of cities" says it twice
    ("SELECT DISTINCT city FROM city WHERE country_id <> 48", "distinct cities whose country", "cities of"),
    ("SELECT city FROM city ORDER BY city DESC", "the cities", "cities of"),
    ("SELECT COUNT(DISTINCT country) FROM country", "number of d", "countries of"),
    ("SELECT COUNT(DISTINCT city) FROM city WHERE country_id = 3", "cities whose country", "cities of"),
    # ... also where a list is said of each row ("the title of each album"): not "the city of each city"
    ("SELECT city FROM city WHERE country_id = 3", "the cities whose country", "of each city"),
    # the top groups by their label: "the 5 countries with the most cities", not "the country of"
    (
        "SELECT T1.country FROM country AS T1 JOIN city AS T2 ON T2.country_id = T1.country_id "
        "GROUP BY T1.country_id ORDER BY COUNT(*) DESC LIMIT 5",
        "the 5 countries with the most cities",
        "country of",
    ),
    (
        "SELECT T1.country FROM country AS T1 JOIN city AS T2 ON T2.country_id = T1.country_id "
        "GROUP BY T1.country_id ORDER BY COUNT(*) DESC LIMIT 1",
        "the country with the most cities",
        "country of",
    ),
    (
        "SELECT T1.country FROM country AS T1 JOIN city AS T2 ON T2.country_id = T1.country_id "
        "GROUP BY T1.country_id HAVING COUNT(*) >= 3",
        "the countries with at least 3 cities",
        "countries of",
    ),
    (
        "SELECT COUNT(DISTINCT T2.city), T1.country FROM country AS T1 JOIN city AS T2 "
        "ON T2.country_id = T1.country_id GROUP BY T1.country",
        "cities for each country",
        "cities of",
    ),
    # another column of the rows, or the name with another: "of cities" stays
    ("SELECT city_id FROM city WHERE country_id = 3", "city ids of cities whose", "city ids whose"),
    ("SELECT city, city_id FROM city", "cities?", "city ids?"),  # "... of (all) cities?"
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), SAID_ONCE)
def test_a_column_named_as_its_rows_is_said_once(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, places_schema(), phrase, avoided)


def stores_schema() -> Schema:
    """department_store-like (Spider): a store's columns repeat the last word of its table's name."""
    return Schema(
        name="stores",
        tables=[
            _table(
                "Department_Stores",
                [("dept_store_id", "integer"), ("store_name", "text"), ("store_email", "text")],
                ["dept_store_id"],
            ),
            _table(
                "Departments",
                [("department_id", "integer"), ("dept_store_id", "integer"), ("department_name", "text")],
                ["department_id"],
            ),
            _table(
                "jobs",
                [
                    ("job_id", "text"),
                    ("job_title", "text"),
                    ("min_salary", "integer"),
                    ("max_salary", "integer"),
                ],
                ["job_id"],
            ),
        ],
        foreign_keys=[_fk("Departments", "dept_store_id", "Department_Stores", "dept_store_id")],
    )


REPEATED_WORDS = [
    # the word that ends the table's noun and starts the column's label is said once
    (
        "SELECT T1.store_email, COUNT(*) FROM Department_Stores AS T1 JOIN Departments AS T2 "
        "ON T2.dept_store_id = T1.dept_store_id GROUP BY T1.store_email",
        "department store email",
        "store store",
    ),
    (
        "SELECT T2.department_name FROM Department_Stores AS T1 JOIN Departments AS T2 "
        "ON T2.dept_store_id = T1.dept_store_id WHERE T1.store_email = 'a@b.org'",
        "department store's email",
        "store's store",
    ),
    # MIN / MAX of a column named "minimum ..." / "maximum ..." take another word
    ("SELECT MAX(max_salary) FROM jobs", "highest maximum salary", "maximum maximum"),
    ("SELECT MIN(min_salary) FROM jobs", "lowest minimum salary", "minimum minimum"),
    (
        "SELECT MIN(max_salary), AVG(max_salary), MAX(max_salary) FROM jobs",
        "lowest, average and highest maximum salary",
        "maximum maximum",
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), REPEATED_WORDS)
def test_a_word_is_not_said_twice_in_a_row(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, stores_schema(), phrase, avoided)


WHOLE_TABLE = [
    # a whole table's rows are "all" of them now and then, as people say (Spider: 29 of 46 lists)
    ("SELECT name FROM playlists", "names of all playlists", "all the"),
    ("SELECT name FROM playlists ORDER BY name", "names of all playlists, in", "all the"),
    ("SELECT AVG(milliseconds) FROM tracks", "milliseconds of all tracks", "all the"),
    # ... never of filtered, joined, limited, distinct or counted rows, nor of "all details"
    ("SELECT name FROM playlists WHERE name LIKE 'A%'", "names of playlists whose", "all playlists"),
    (
        "SELECT T1.name, T2.name FROM tracks AS T1 JOIN albums AS T2 ON T1.album_id = T2.id",
        "of tracks",
        "all tracks",
    ),
    ("SELECT name FROM playlists ORDER BY name LIMIT 3", "playlists", "all playlists"),
    ("SELECT DISTINCT composer FROM tracks", "distinct composers", "all tracks"),
    ("SELECT COUNT(*), AVG(milliseconds) FROM tracks", "tracks", "all tracks"),
    ("SELECT * FROM playlists", "all details of", "all playlists"),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), WHOLE_TABLE)
def test_a_whole_tables_rows_are_all_of_them_now_and_then(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, music_schema(), phrase, avoided, seeds=16)


RELATIVE_PRONOUNS = [
    # people are "who" (Spider: one question in five says it), other rows "that"
    (
        "SELECT first_name FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders)",
        "customers who have no order",
        "customers that",
    ),
    ("SELECT COUNT(DISTINCT customer_id) FROM orders", "How many customers have an order?", "that have"),
    (
        "SELECT name FROM products WHERE product_id NOT IN (SELECT product_id FROM reviews)",
        "products that have no review",
        "products who",
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), RELATIVE_PRONOUNS)
def test_people_are_who_and_other_rows_that(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, schemas()["demo"], phrase, avoided)


@pytest.mark.parametrize(
    ("noun", "pronoun"),
    [("students", "who"), ("support reps", "who"), ("staff", "who"), ("people", "who"), ("tracks", "that")],
)
def test_relative_pronoun(noun: str, pronoun: str) -> None:
    assert relative_pronoun(noun) == pronoun


def test_rows_with_a_first_and_a_last_name_are_people() -> None:
    # "contact" is no word for people, but a table of first and last names holds people
    schema = Schema(
        name="crm",
        tables=[
            _table("contacts", [("id", "INTEGER"), ("first_name", "TEXT"), ("last_name", "TEXT")], ["id"]),
            _table("offices", [("id", "INTEGER"), ("city", "TEXT")], ["id"]),
            _table("calls", [("id", "INTEGER"), ("contact_id", "INTEGER"), ("office_id", "INTEGER")], ["id"]),
        ],
        foreign_keys=[
            _fk("calls", "contact_id", "contacts", "id"),
            _fk("calls", "office_id", "offices", "id"),
        ],
    )
    _check_wording(
        "SELECT first_name FROM contacts WHERE id NOT IN (SELECT contact_id FROM calls)",
        schema,
        "contacts who have no call",
        "contacts that",
    )
    _check_wording(
        "SELECT city FROM offices WHERE id NOT IN (SELECT office_id FROM calls)",
        schema,
        "offices that have no call",
        "offices who",
    )


ONE_OF_MANY = [
    # a condition on a row the focus row has many of is said as having one ("whose track's name"
    # reads as the playlist's one track)
    (
        "SELECT p.name FROM playlists AS p JOIN playlist_tracks AS pt ON pt.playlist_id = p.id "
        "JOIN tracks AS t ON pt.track_id = t.id WHERE t.composer = 'AC/DC'",
        'a track whose composer is "AC/DC"',
        "track's composer",
    ),
    # several conditions on that row are said of one of them, after the focus row's own ones
    (
        "SELECT p.name FROM playlists AS p JOIN playlist_tracks AS pt ON pt.playlist_id = p.id "
        "JOIN tracks AS t ON pt.track_id = t.id WHERE t.milliseconds > 300000 AND t.unit_price < 1 "
        "AND p.name LIKE 'M%'",
        'whose name starts with the letter "m" and that',
        "a track whose unit price",
    ),
    (
        "SELECT p.name FROM playlists AS p JOIN playlist_tracks AS pt ON pt.playlist_id = p.id "
        "JOIN tracks AS t ON pt.track_id = t.id WHERE t.milliseconds > 300000 AND t.unit_price < 1",
        "whose milliseconds",
        "a track whose unit price",
    ),
    # the row it refers to stays one row ("by the artist", "whose artist's name is"): an album has
    # one artist
    (
        "SELECT b.title FROM artists AS a JOIN albums AS b ON b.artist_id = a.id WHERE a.name = 'AC/DC'",
        '"AC/DC"',
        "that have an artist",
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), ONE_OF_MANY)
def test_a_condition_on_one_of_many_rows_is_said_as_having_one(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, music_schema(), phrase, avoided, every=True)


def test_a_plain_count_is_asked_as_people_ask_it() -> None:
    # Spider: 35 of its 37 questions that start with "Count" say "Count the number of ..."
    texts = {realise("SELECT COUNT(*) FROM tracks", music_schema(), seed=seed) for seed in range(40)}
    assert "Count the number of tracks." in texts, texts
    assert "Count the tracks." not in texts, texts


OWNERS_COUNTED = [
    # COUNT(DISTINCT fk) over the rows holding it counts the rows it refers to that have one
    ("SELECT COUNT(DISTINCT artist_id) FROM albums", "artists", "have an album", "artist ids"),
    (
        "SELECT COUNT(DISTINCT artist_id) FROM albums WHERE title LIKE '%Rock%'",
        "artists",
        'have an album whose title contains "rock"',
        "artist ids",
    ),
    # a link table named after the two it links leads to the other one
    (
        "SELECT COUNT(DISTINCT playlist_id) FROM playlist_tracks",
        "playlists",
        "have a track",
        "playlist track",
    ),
    # a foreign key to its own table is not its owner: "the number of distinct managers" says it
    ("SELECT COUNT(DISTINCT reports_to) FROM employees", "number", "", "have an employee"),
]


@pytest.mark.parametrize(("sql", "owners", "has", "avoided"), OWNERS_COUNTED)
def test_a_distinct_count_of_a_foreign_key_counts_the_rows_it_refers_to(
    sql: str, owners: str, has: str, avoided: str
) -> None:
    texts = [realise(sql, music_schema(), seed=seed) for seed in range(8)]
    assert all(owners in t.lower() and has in t.lower() for t in texts), texts
    assert not [t for t in texts if avoided in t.lower()], texts


def test_how_many_rows_that_have_is_asked_as_having() -> None:
    sql = "SELECT COUNT(*) FROM artists WHERE id NOT IN (SELECT artist_id FROM albums)"
    texts = {realise(sql, music_schema(), seed=seed) for seed in range(40)}
    assert "How many artists have no album?" in texts, texts
    assert not [t for t in texts if "that have no album are there" in t], texts


def test_requests_are_worded_in_the_shares_people_use() -> None:
    # Spider's requests: "Find" about half of them, then "List", "Show", "Return"; never "Retrieve"
    texts = [realise("SELECT name FROM artists", music_schema(), seed=seed) for seed in range(300)]
    first = Counter(t.split()[0] for t in texts if not t.endswith("?"))
    assert first.most_common(1)[0][0] == "Find" and first["Find"] > 2 * first["List"] > 0, first
    assert "Retrieve" not in first, first
    grouped = [
        realise("SELECT genre_id, COUNT(*) FROM tracks GROUP BY genre_id", music_schema(), seed=s)
        for s in range(300)
    ]
    assert sum(t.startswith("For each") for t in grouped) < 0.25 * len(grouped)  # Spider: 1.5%


def test_how_many_puts_are_there_before_a_long_clause() -> None:
    sql = "SELECT COUNT(*) FROM albums WHERE title = 'Let There Be Rock'"
    texts = {realise(sql, music_schema(), seed=seed) for seed in range(40)}
    assert 'How many albums are there whose title is "Let There Be Rock"?' in texts, texts
    assert not [t for t in texts if t.endswith("are there?")], texts


OWNERS_LISTED = [
    # SELECT DISTINCT of the rows the focus rows refer to: those that have one
    (
        "SELECT DISTINCT a.name FROM artists AS a JOIN albums AS b ON b.artist_id = a.id",
        "the distinct names of artists who have an album",
        "of the artists of albums",
    ),
    (
        "SELECT DISTINCT a.name FROM artists AS a JOIN albums AS b ON b.artist_id = a.id "
        "WHERE b.title LIKE '%Rock%'",
        'artists who have an album whose title contains "rock"',
        "of the artists of albums",
    ),
    # a condition on the owner itself keeps the old wording
    (
        "SELECT DISTINCT a.name FROM artists AS a JOIN albums AS b ON b.artist_id = a.id "
        "WHERE a.name LIKE 'A%'",
        "albums",
        "that have an album",
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), OWNERS_LISTED)
def test_distinct_owners_are_those_that_have_one(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, music_schema(), phrase, avoided, every=True)


def test_a_link_named_for_the_part_one_end_plays_keeps_the_neutral_wording() -> None:
    # college_2's advisor: a student has one, an instructor is one; which end is which is not in
    # the schema, so neither count says "that have an advisor"
    advisor = _table("advisor", [("s_ID", "text"), ("i_ID", "text")], ["s_ID"])
    student = _table("student", [("ID", "text"), ("name", "text")], ["ID"])
    instructor = _table("instructor", [("ID", "text"), ("name", "text")], ["ID"])
    schema = Schema(
        name="advising",
        tables=[advisor, student, instructor],
        foreign_keys=[_fk("advisor", "s_ID", "student", "ID"), _fk("advisor", "i_ID", "instructor", "ID")],
    )
    _check_wording(
        "SELECT COUNT(DISTINCT i_ID) FROM advisor", schema, "ids of advisors", "have an advisor", every=True
    )
    _check_wording(
        "SELECT DISTINCT T2.name FROM advisor AS T1 JOIN instructor AS T2 ON T1.i_ID = T2.ID",
        schema,
        "advisors",
        "that have an advisor",
        every=True,
    )


BELONGING = [
    # a row named by a value, as people say it (three times in four): in a container, by a maker,
    # else of
    (
        "SELECT T1.title FROM albums AS T1 JOIN artists AS T2 ON T1.artist_id = T2.id "
        "WHERE T2.name = 'AC/DC'",
        'albums by the artist "AC/DC"',
        "in the artist",
    ),
    (
        "SELECT T1.name FROM tracks AS T1 JOIN genres AS T2 ON T1.genre_id = T2.id WHERE T2.name = 'Rock'",
        'tracks in the genre "Rock"',
        "by the genre",
    ),
    (
        "SELECT T1.name FROM tracks AS T1 JOIN albums AS T2 ON T1.album_id = T2.id "
        "WHERE T2.title = 'Facelift'",
        'tracks in the album "Facelift"',
        'of the album "Facelift"',
    ),
    (
        "SELECT COUNT(*) FROM playlist_tracks AS T1 JOIN tracks AS T2 ON T1.track_id = T2.id "
        "WHERE T2.name = 'Go Down'",
        'of the track "Go Down"',
        "in the track",
    ),
    # ... or one of many rows, named: "playlists that have the track ..."
    (
        "SELECT p.name FROM playlists AS p JOIN playlist_tracks AS pt ON pt.playlist_id = p.id "
        "JOIN tracks AS t ON pt.track_id = t.id WHERE t.name = 'Hells Bells'",
        'playlists that have the track "Hells bells"',
        "track's name",
    ),
    (
        "SELECT p.name FROM playlists AS p JOIN playlist_tracks AS pt ON pt.playlist_id = p.id "
        "JOIN tracks AS t ON pt.track_id = t.id WHERE t.name = 'Hells Bells' AND t.milliseconds > 5",
        'have a track whose name is "Hells bells" and whose milliseconds',
        "the track",
    ),
    # ... said first among ANDed conditions ("and" before alternatives only)
    (
        "SELECT T1.name FROM tracks AS T1 JOIN genres AS T2 ON T1.genre_id = T2.id "
        "WHERE T1.unit_price > 1 AND T2.name = 'Rock'",
        'tracks in the genre "Rock" whose unit price',
        "and in the genre",
    ),
    (
        "SELECT T1.name FROM tracks AS T1 JOIN genres AS T2 ON T1.genre_id = T2.id "
        "WHERE T2.name = 'Rock' AND (T1.unit_price > 1 OR T1.milliseconds < 5000)",
        'in the genre "Rock" and either whose',
        '"Rock" either',
    ),
    # ... not for people, who are named, nor for other conditions, nor two steps away
    (
        "SELECT T1.total FROM invoices AS T1 JOIN customers AS T2 ON T1.customer_id = T2.id "
        "WHERE T2.first_name = 'Ann'",
        "whose customer's first name is",
        'the customer "Ann"',
    ),
    (
        "SELECT T1.name FROM tracks AS T1 JOIN genres AS T2 ON T1.genre_id = T2.id WHERE T2.name <> 'Rock'",
        "whose genre's name is",
        'the genre "Rock"',
    ),
    (
        "SELECT T1.name FROM tracks AS T1 JOIN albums AS T2 ON T1.album_id = T2.id "
        "JOIN artists AS T3 ON T2.artist_id = T3.id WHERE T3.name = 'AC/DC'",
        "artist's name is",
        'the artist "AC/DC"',
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), BELONGING)
def test_rows_of_a_named_row_belong_to_it(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, music_schema(), phrase, avoided, seeds=16)


def test_rows_referring_to_a_name_belong_to_its_row() -> None:
    # instructor.dept_name refers to department's name: "instructors in the department ..."
    sql = "SELECT name FROM instructor WHERE dept_name = 'Physics'"
    _check_wording(sql, college_schema(), 'instructors in the department "Physics"', "the the")


@pytest.mark.parametrize(
    ("noun", "preposition"),
    [("department", "in"), ("play list", "in"), ("artist", "by"), ("record label", "of"), ("track", "of")],
)
def test_row_preposition(noun: str, preposition: str) -> None:
    assert row_preposition(noun) == preposition


POSSESSIVES = [
    # one of several people is "their", one row of anything else "its"
    (
        "SELECT T1.first_name, COUNT(*) FROM customers AS T1 JOIN orders AS T2 "
        "ON T1.customer_id = T2.customer_id GROUP BY T1.customer_id",
        "of their orders",
        "its orders",
    ),
    (
        "SELECT T1.name, COUNT(*) FROM products AS T1 JOIN reviews AS T2 ON T1.product_id = T2.product_id "
        "GROUP BY T1.product_id",
        "of its reviews",
        "their reviews",
    ),
    (
        "SELECT first_name, email FROM employees ORDER BY salary DESC LIMIT 1",
        "Give their first name",
        "Give its",
    ),
]


def test_each_row_of_a_summary_is_its_own() -> None:
    # "of each album" is one album: a summary's column is its count, not "their" count
    sql = (
        "WITH stats AS (SELECT album_id, COUNT(*) AS n FROM tracks GROUP BY album_id) "
        "SELECT T1.title, T2.n FROM albums AS T1 JOIN stats AS T2 ON T1.id = T2.album_id"
    )
    texts = [realise(sql, music_schema(), seed=seed) for seed in range(16)]
    each = [t for t in texts if "each album" in t]
    assert each and all("number of its tracks" in t for t in each), texts
    assert all("number of their tracks" in t for t in texts if t not in each), texts


@pytest.mark.parametrize(("sql", "phrase", "avoided"), POSSESSIVES)
def test_one_persons_rows_are_theirs(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, schemas()["demo"], phrase, avoided, seeds=16)


TEACHES = (
    "FROM instructor AS T1 JOIN teaches AS T2 ON T1.ID = T2.ID "
    "JOIN course AS T3 ON T2.course_id = T3.course_id"
)
VERB_LINKS = [
    # a link table named by a verb says how its rows relate: the agent (its first column's row) does
    (
        f"SELECT T1.name {TEACHES} WHERE T3.credits = 4",
        "instructors who teach a course whose credits",
        "have",
    ),
    (f"SELECT T1.name {TEACHES} WHERE T3.title = 'Algebra'", 'who teach the course "Algebra"', "have"),
    # ... and the other end is done by it
    (
        f"SELECT T3.title {TEACHES} WHERE T1.salary > 5",
        "courses that are taught by an instructor whose",
        "have",
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), VERB_LINKS)
def test_rows_linked_by_a_verb_are_said_with_it(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, college_schema(), phrase, avoided)


KEYS_AMONG = [
    # a key among those of the rows passing one condition is that row's condition
    (
        "SELECT COUNT(*) FROM invoices WHERE customer_id IN "
        "(SELECT id FROM customers WHERE country = 'Canada')",
        'invoices whose customer\'s country is "Canada"',
        "customer's country is not",
    ),
    # ... not with more conditions, nor negated (NOT IN keeps rows whose customer has no country)
    (
        "SELECT total FROM invoices WHERE customer_id IN "
        "(SELECT id FROM customers WHERE country = 'Canada' AND first_name = 'Ann')",
        "whose customer is one of the customers whose country",
        "customer's country",
    ),
    (
        "SELECT COUNT(*) FROM invoices WHERE customer_id NOT IN "
        "(SELECT id FROM customers WHERE country = 'Canada')",
        "whose customer is not one of the customers whose country",
        "customer's country",
    ),
]


@pytest.mark.parametrize(("sql", "phrase", "avoided"), KEYS_AMONG)
def test_a_key_among_filtered_rows_is_said_of_its_row(sql: str, phrase: str, avoided: str) -> None:
    _check_wording(sql, music_schema(), phrase, avoided)
