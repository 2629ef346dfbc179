"""Schema -> CREATE TABLE statements: every dialect parses back, cycles, quoting, types, indexes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import networkx as nx
import pytest
import sqlglot
from sqlglot import exp

from sqlsynth.schema.ddl_render import (
    DDL_DIALECTS,
    column_type,
    index_name,
    render_ddl,
    render_indexes,
    split_cycle_edges,
)
from sqlsynth.schema.demo import demo_schema
from sqlsynth.schema.loaders.ddl import load_ddl
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table


def fk(source: str, cols: str, target: str, target_cols: str) -> ForeignKey:
    return ForeignKey(
        source_table=source,
        source_columns=cols.split(","),
        target_table=target,
        target_columns=target_cols.split(","),
    )


def table(name: str, pk: str, *columns: str) -> Table:
    """`columns` as "name type" or "name type!" (NOT NULL); primary-key columns are NOT NULL."""
    keys = pk.split(",") if pk else []
    cols = []
    for spec in columns:
        col_name, _, col_type = spec.rpartition(" ")
        cols.append(
            Column(
                name=col_name,
                type=col_type.rstrip("!"),
                nullable=not col_type.endswith("!") and col_name not in keys,
            )
        )
    return Table(name=name, primary_key=keys, columns=cols)


# Reserved words, mixed case, spaces and non-ASCII names; every logical type; a composite key and a
# composite FK; a self-reference; a cycle departments <-> employees closed by a nullable column.
SHOP = Schema(
    name="shop",
    tables=[
        table(
            "Customer",
            "Id",
            "Id INTEGER",
            "CustomerName TEXT!",
            "group VARCHAR(20)",
            "active BOOLEAN",
            "balance DECIMAL(10,2)",
            "score DOUBLE",
            "born DATE",
            "last seen TIMESTAMP",
            "wake_up TIME",
            "photo BLOB",
            "prefs JSON",
        ),
        table("order", "customer_id,order_no", "customer_id INTEGER", "order_no INTEGER", "group TEXT"),
        table(
            "Kunden Straße",
            "id",
            "id INTEGER",
            "Straße Name TEXT",
            "cust INTEGER",
            "ord INTEGER",
            "parent INTEGER",
        ),
        table("departments", "id", "id INTEGER", "manager_id INTEGER"),
        table("employees", "id", "id INTEGER", "department_id INTEGER!"),
    ],
    foreign_keys=[
        fk("order", "customer_id", "Customer", "Id"),
        fk("Kunden Straße", "cust,ord", "order", "customer_id,order_no"),
        fk("Kunden Straße", "parent", "Kunden Straße", "id"),
        fk("departments", "manager_id", "employees", "id"),
        fk("employees", "department_id", "departments", "id"),
    ],
)
CYCLE_FK = ("departments", ("manager_id",), "employees", ("id",))


def without_cycle_fk(structure: dict) -> dict:
    return {**structure, "foreign_keys": [f for f in structure["foreign_keys"] if f[:2] != CYCLE_FK[:2]]}


@pytest.mark.parametrize("dialect", DDL_DIALECTS)
@pytest.mark.parametrize("schema", [SHOP, demo_schema()], ids=["shop", "demo"])
def test_every_dialect_parses_back_to_the_same_model(tmp_path: Path, dialect: str, schema: Schema):
    statements = render_ddl(schema, dialect)
    for stmt in statements:
        parsed = sqlglot.parse_one(stmt, read=dialect)  # raises if sqlglot cannot read it back
        assert isinstance(parsed, exp.Create | exp.Alter), stmt
    path = tmp_path / f"{dialect}.sql"
    path.write_text(";\n".join(statements) + ";\n", encoding="utf-8")
    back = load_ddl(path, dialect=dialect)
    expected = schema.structure()
    if dialect == "duckdb":  # DuckDB cannot add a foreign key to an existing table: the cycle key goes
        expected = without_cycle_fk(expected)
    assert back.structure() == expected
    nullable = {(t.name, c.name): c.nullable for t in schema.tables for c in t.columns}
    assert {(t.name, c.name): c.nullable for t in back.tables for c in t.columns} == nullable


@pytest.mark.parametrize(
    ("dialect", "cycle_key"),
    [
        (
            "postgres",
            'ALTER TABLE "departments" ADD FOREIGN KEY ("manager_id") REFERENCES "employees" ("id")',
        ),
        ("mysql", "ALTER TABLE `departments` ADD FOREIGN KEY (`manager_id`) REFERENCES `employees` (`id`)"),
        ("tsql", "ALTER TABLE [departments] ADD FOREIGN KEY ([manager_id]) REFERENCES [employees] ([id])"),
        (
            "bigquery",
            "ALTER TABLE `departments` ADD FOREIGN KEY (`manager_id`) REFERENCES `employees` (`id`)"
            " NOT ENFORCED",
        ),
        (
            "snowflake",
            'ALTER TABLE "departments" ADD FOREIGN KEY ("manager_id") REFERENCES "employees" ("id")',
        ),
        ("duckdb", None),  # dropped: DuckDB has no ALTER TABLE ... ADD FOREIGN KEY
        ("sqlite", None),  # inline: SQLite checks references only when rows are written
    ],
)
def test_cycle_closing_key_comes_last_or_is_dropped(dialect, cycle_key):
    statements = render_ddl(SHOP, dialect)
    creates = [s for s in statements if s.startswith("CREATE")]
    alters = [s for s in statements if s.startswith("ALTER")]
    assert statements == creates + alters
    assert alters == ([cycle_key] if cycle_key else [])
    parsed = {c.this.this.name: c for c in (sqlglot.parse_one(s, read=dialect) for s in creates)}
    inline = [i.name for key in parsed["departments"].find_all(exp.ForeignKey) for i in key.expressions]
    assert inline == (["manager_id"] if dialect == "sqlite" else [])


@pytest.mark.parametrize("dialect", sorted(set(DDL_DIALECTS) - {"sqlite"}))
def test_referenced_tables_are_created_first(dialect):
    statements = render_ddl(demo_schema(), dialect)
    order = [sqlglot.parse_one(s, read=dialect).this.this.name for s in statements if s.startswith("CREATE")]
    position = {name: i for i, name in enumerate(order)}
    inline, _ = split_cycle_edges(demo_schema())
    for key in inline:
        assert position[key.target_table] <= position[key.source_table], str(key)


@pytest.mark.parametrize(
    ("dialect", "needle"),
    [
        ("postgres", 'CREATE TABLE "order" ("customer_id" INT NOT NULL'),
        ("postgres", '"group" VARCHAR(20)'),
        ("postgres", 'CREATE TABLE "Kunden Straße" ("id" INT NOT NULL, "Straße Name" TEXT'),
        ("postgres", 'REFERENCES "Customer" ("Id")'),  # mixed case quoted, so not folded to customer
        ("sqlite", '"last seen" TIMESTAMP'),
        ("duckdb", '"CustomerName" TEXT NOT NULL'),
        ("mysql", "CREATE TABLE `order` (`customer_id` INT NOT NULL"),
        ("mysql", "`Straße Name` TEXT"),
        ("bigquery", "CREATE TABLE `order` (`customer_id` INT64 NOT NULL"),
        ("bigquery", "PRIMARY KEY (`customer_id`, `order_no`) NOT ENFORCED"),
        ("bigquery", "REFERENCES `order` (`customer_id`, `order_no`) NOT ENFORCED"),
        ("tsql", "CREATE TABLE [order] ([customer_id] INTEGER NOT NULL"),
        ("tsql", "[Kunden Straße] ([id] INTEGER NOT NULL, [Straße Name] VARCHAR(MAX)"),
        ("snowflake", 'CREATE TABLE "order" ("customer_id" INT NOT NULL'),
    ],
)
def test_identifiers_are_quoted_per_dialect(dialect, needle):
    assert needle in "\n".join(render_ddl(SHOP, dialect))


@pytest.mark.parametrize(
    ("dialect", "native", "key", "rendered"),
    [
        ("sqlite", "DOUBLE", False, "DOUBLE"),  # SQLite stores the name: keep it generic, not REAL
        ("sqlite", "DATETIME", False, "DATETIME"),
        ("sqlite", "BLOB", False, "BLOB"),  # BLOB affinity (VARBINARY would get NUMERIC)
        ("sqlite", "int(11)", False, "INT"),
        ("postgres", "DATETIME", False, "TIMESTAMP"),  # PostgreSQL has no DATETIME
        ("postgres", "int(11)", False, "INT"),  # MySQL display width
        ("postgres", "double(10,2)", False, "DOUBLE PRECISION"),
        ("postgres", "int unsigned", False, "BIGINT"),  # wide enough for the unsigned range
        ("postgres", "bigint unsigned", False, "DECIMAL(20, 0)"),
        ("postgres", "decimal(10,2) unsigned", False, "DECIMAL(10, 2)"),
        ("postgres", "varbinary(16)", False, "BYTEA"),  # BYTEA takes no length
        ("postgres", "enum('a','b')", False, "TEXT"),  # would need CREATE TYPE first
        ("postgres", "string", False, "TEXT"),  # a loose data-model word
        ("postgres", "NUMBER(10)", False, "DECIMAL(10)"),
        ("duckdb", "varbinary(16)", False, "BLOB"),
        ("duckdb", "NUMERIC", False, "DECIMAL(38, 10)"),  # bare DECIMAL is (18, 3) in DuckDB
        ("duckdb", "DECIMAL(10,2)", False, "DECIMAL(10, 2)"),
        ("duckdb", "enum('a','b')", False, "ENUM('a', 'b')"),
        ("mysql", "varchar", False, "TEXT"),  # MySQL refuses VARCHAR without a length
        ("mysql", "BLOB", False, "LONGBLOB"),
        ("mysql", "int(11)", False, "INT(11)"),  # MySQL's own spelling is kept
        ("mysql", "TEXT", True, "VARCHAR(255)"),  # TEXT cannot be a key
        ("tsql", "varchar", False, "VARCHAR(MAX)"),  # T-SQL VARCHAR alone is VARCHAR(1)
        ("tsql", "nvarchar", False, "NVARCHAR(MAX)"),
        ("tsql", "BLOB", False, "VARBINARY(MAX)"),
        ("tsql", "TEXT", True, "VARCHAR(255)"),
        ("tsql", "BOOLEAN", False, "BIT"),
        ("bigquery", "DECIMAL(10,2)", False, "NUMERIC(10, 2)"),
        ("bigquery", "int(11)", False, "INT64"),
        ("snowflake", "JSON", False, "VARIANT"),
    ],
)
def test_column_types(dialect, native, key, rendered):
    assert column_type(Column(name="x", type=native), dialect, key=key).sql(dialect) == rendered


@pytest.mark.parametrize(
    ("dialect", "unique_email", "with_fks"),
    [
        ("postgres", '"email" VARCHAR(100) NOT NULL UNIQUE', True),
        ("mysql", "`email` VARCHAR(255) NOT NULL UNIQUE", True),  # unique text: bounded key
        ("bigquery", "`email` STRING(100) NOT NULL,", True),  # BigQuery has no UNIQUE
        ("postgres", '"email" VARCHAR(100) NOT NULL UNIQUE', False),
    ],
)
def test_unique_and_foreign_keys_switch(dialect, unique_email, with_fks):
    schema = Schema(
        tables=[
            Table(
                name="users",
                primary_key=["id"],
                columns=[
                    Column(name="id", type="INT", nullable=False, unique=True),  # the PK: no extra UNIQUE
                    Column(name="email", type="VARCHAR(100)", nullable=False, unique=True),
                ],
            ),
            table("posts", "id", "id INT", "author INT!"),
        ],
        foreign_keys=[fk("posts", "author", "users", "id")],
    )
    text = "\n".join(render_ddl(schema, dialect, foreign_keys=with_fks))
    assert unique_email in text
    assert text.count("UNIQUE") == (0 if dialect == "bigquery" else 1)
    assert ("REFERENCES" in text) is with_fks


@pytest.mark.parametrize(
    ("keys", "deferred"),
    [
        # a two-table cycle is broken on its nullable column, whatever the declaration order
        (["a.b_id! -> b", "b.a_id -> a"], ["b.a_id -> a"]),
        (["b.a_id -> a", "a.b_id! -> b"], ["b.a_id -> a"]),
        # all NOT NULL: the later key is deferred
        (["a.b_id! -> b", "b.a_id! -> a"], ["b.a_id! -> a"]),
        # a self-reference is not a cycle to break
        (["a.parent -> a"], []),
        # no cycle
        (["a.b_id -> b", "b.c_id -> c"], []),
        # a three-table cycle plus a separate two-table one: one key each
        (
            ["a.b_id! -> b", "b.c_id! -> c", "c.a_id -> a", "d.e_id! -> e", "e.d_id -> d"],
            ["c.a_id -> a", "e.d_id -> d"],
        ),
    ],
)
def test_split_cycle_edges(keys, deferred):
    specs = [(k.split(".")[0], k.split(".")[1].split(" ")[0], k.split("-> ")[1]) for k in keys]
    names = sorted({s for s, _, _ in specs} | {t for _, _, t in specs})
    tables = {n: [f"{n}_pk INT"] for n in names}
    for source, col, _ in specs:
        tables[source].append(f"{col.rstrip('!')} {'INT!' if col.endswith('!') else 'INT'}")
    schema = Schema(
        tables=[table(n, f"{n}_pk", *cols) for n, cols in tables.items()],
        foreign_keys=[fk(s, c.rstrip("!"), t, f"{t}_pk") for s, c, t in specs],
    )
    inline, later = split_cycle_edges(schema)
    by_key = {f"{s}.{c.rstrip('!')} -> {t}": k for (s, c, t), k in zip(specs, keys, strict=True)}
    assert [by_key[f"{f.source_table}.{f.source_columns[0]} -> {f.target_table}"] for f in later] == deferred
    graph = nx.DiGraph((f.target_table, f.source_table) for f in inline if f.source_table != f.target_table)
    assert nx.is_directed_acyclic_graph(graph)
    assert len(inline) + len(later) == len(keys)


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "postgres",
            [
                'CREATE INDEX "ix_order_items_product_id" ON "order_items"("product_id")',
                'CREATE INDEX "ix_shipments_order_id_line" ON "shipments"("order_id", "line")',
            ],
        ),
        ("mysql", ["CREATE INDEX `ix_order_items_product_id` ON `order_items`(`product_id`)", None]),
        ("tsql", ["CREATE INDEX [ix_order_items_product_id] ON [order_items]([product_id])", None]),
    ],
)
def test_render_indexes(dialect, expected):
    schema = Schema(
        tables=[
            table("orders", "id", "id INT"),
            table("products", "id", "id INT"),
            table("order_items", "order_id,line", "order_id INT", "line INT", "product_id INT"),
            table("shipments", "id", "id INT", "order_id INT", "line INT"),
        ],
        foreign_keys=[
            fk("order_items", "order_id", "orders", "id"),  # leads the primary key: no index
            fk("order_items", "product_id", "products", "id"),
            fk("order_items", "product_id", "products", "id"),  # listed twice: one index
            fk("shipments", "order_id,line", "order_items", "order_id,line"),
        ],
    )
    indexes = render_indexes(schema, dialect)
    assert len(indexes) == 2
    assert all("NULLS" not in ix for ix in indexes)  # each dialect's default NULL order: no clause
    for want, got in zip(expected, indexes, strict=True):
        assert want is None or got == want
        assert isinstance(sqlglot.parse_one(got, read=dialect), exp.Create)


def test_index_names_fit_postgres_and_stay_distinct():
    long_cols = ["a_very_long_column_name_number_one", "a_very_long_column_name_number_two"]
    first = index_name("straße_mit_einem_sehr_langen_namen", long_cols)
    second = index_name("straße_mit_einem_sehr_langen_namen", list(reversed(long_cols)))
    assert len(first.encode()) <= 63 and len(second.encode()) <= 63
    assert first != second
    assert first == index_name("straße_mit_einem_sehr_langen_namen", long_cols)  # deterministic
    assert index_name("t", ["c"]) == "ix_t_c"


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_tables_and_indexes_run_on_a_real_engine(tmp_path, engine):
    statements = render_ddl(SHOP, engine) + render_indexes(SHOP, engine)
    if engine == "sqlite":
        with sqlite3.connect(tmp_path / "shop.db") as conn:
            for stmt in statements:
                conn.execute(stmt)
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    else:
        with duckdb.connect(str(tmp_path / "shop.duckdb")) as conn:
            for stmt in statements:
                conn.execute(stmt)
            names = {r[0] for r in conn.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    assert {index_name("Kunden Straße", ["cust", "ord"]), index_name("employees", ["department_id"])} <= names
