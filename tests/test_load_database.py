"""Live databases as schema sources: SQLite and DuckDB files, a real PostgreSQL server; read-only."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from sqlsynth.errors import SchemaError
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.loaders.database import load_database
from sqlsynth.schema.model import Schema

# One model, written in SQL all three engines accept: a reserved-word table ("order") with a
# composite primary key, a reserved-word column ("group"), mixed case ("CustomerName"), a table and a
# column with a space and non-ASCII letters, single, composite and self-referencing foreign keys,
# UNIQUE and NOT NULL, and a view that must not come back as a table.
SHOP_DDL = [
    """CREATE TABLE customer (
        id INTEGER PRIMARY KEY,
        email VARCHAR(100) NOT NULL UNIQUE,
        "CustomerName" VARCHAR(100) NOT NULL,
        "group" TEXT,
        active BOOLEAN
    )""",
    """CREATE TABLE "order" (
        customer_id INTEGER NOT NULL REFERENCES customer (id),
        order_no INTEGER NOT NULL,
        placed DATE,
        total NUMERIC(10, 2),
        shipped_at TIMESTAMP,
        PRIMARY KEY (customer_id, order_no)
    )""",
    """CREATE TABLE "Kunden Straße" (
        id INTEGER PRIMARY KEY,
        "Straße Name" TEXT,
        order_customer INTEGER,
        order_no INTEGER,
        parent INTEGER REFERENCES "Kunden Straße" (id),
        weight DOUBLE PRECISION,
        FOREIGN KEY (order_customer, order_no) REFERENCES "order" (customer_id, order_no)
    )""",
    'CREATE VIEW big_orders AS SELECT * FROM "order" WHERE total > 100',
]
COMMENTS = [
    "COMMENT ON TABLE customer IS 'People who buy'",
    "COMMENT ON COLUMN customer.email IS 'Login address'",
    """COMMENT ON COLUMN "Kunden Straße"."Straße Name" IS 'Straße, wo der Kunde wohnt'""",
]

COLUMNS = {
    "customer": ["id", "email", "CustomerName", "group", "active"],
    "order": ["customer_id", "order_no", "placed", "total", "shipped_at"],
    "Kunden Straße": ["id", "Straße Name", "order_customer", "order_no", "parent", "weight"],
}
LOGICAL = {
    "customer": {
        "id": "integer",
        "email": "text",
        "CustomerName": "text",
        "group": "text",
        "active": "boolean",
    },
    "order": {
        "customer_id": "integer",
        "order_no": "integer",
        "placed": "date",
        "total": "decimal",
        "shipped_at": "datetime",
    },
    "Kunden Straße": {
        "id": "integer",
        "Straße Name": "text",
        "order_customer": "integer",
        "order_no": "integer",
        "parent": "integer",
        "weight": "float",
    },
}
PRIMARY_KEYS = {"customer": ["id"], "order": ["customer_id", "order_no"], "Kunden Straße": ["id"]}
FOREIGN_KEYS = sorted(
    [
        ("order", ("customer_id",), "customer", ("id",)),
        ("Kunden Straße", ("order_customer", "order_no"), "order", ("customer_id", "order_no")),
        ("Kunden Straße", ("parent",), "Kunden Straße", ("id",)),
    ]
)
NATIVE = {
    "sqlite": {  # SQLite keeps the declared spelling
        ("customer", "email"): "VARCHAR(100)",
        ("order", "total"): "NUMERIC(10, 2)",
        ("order", "placed"): "DATE",
        ("customer", "group"): "TEXT",
        ("Kunden Straße", "weight"): "DOUBLE PRECISION",
    },
    "duckdb": {  # DuckDB normalises: no VARCHAR length, DECIMAL without a space
        ("customer", "email"): "VARCHAR",
        ("order", "total"): "DECIMAL(10,2)",
        ("order", "placed"): "DATE",
        ("customer", "group"): "VARCHAR",
        ("Kunden Straße", "weight"): "DOUBLE",
    },
    "postgres": {
        ("customer", "email"): "VARCHAR(100)",
        ("order", "total"): "NUMERIC(10, 2)",
        ("order", "placed"): "DATE",
        ("customer", "group"): "TEXT",
        ("Kunden Straße", "weight"): "DOUBLE PRECISION",
    },
}


def make_sqlite(path: Path, statements: list[str]) -> Path:
    conn = sqlite3.connect(path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()
    return path


def make_duckdb(path: Path, statements: list[str]) -> Path:
    conn = duckdb.connect(str(path))
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()
    return path


def make_postgres(url: str, statements: list[str]) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)
    return url


def fk_set(schema: Schema) -> list[tuple]:
    return sorted(
        (fk.source_table, tuple(fk.source_columns), fk.target_table, tuple(fk.target_columns))
        for fk in schema.foreign_keys
    )


def assert_shop(schema: Schema, dialect: str, *, comments: bool) -> None:
    """Everything the shop DDL declares came back, on any engine."""
    assert sorted(schema.table_names) == sorted(COLUMNS)  # the view is not a table
    for name, columns in COLUMNS.items():
        table = schema.table(name)
        assert table.name == name  # exact spelling, not folded
        assert table.column_names == columns  # declared order
        assert {c.name: c.logical_type.value for c in table.columns} == LOGICAL[name]
        assert table.primary_key == PRIMARY_KEYS[name]  # composite key in key order
    assert fk_set(schema) == FOREIGN_KEYS
    for (tname, cname), native in NATIVE[dialect].items():
        assert schema.table(tname).column(cname).type == native, (tname, cname)

    customer = schema.table("customer")
    assert customer.column("email").unique is True
    assert customer.column("CustomerName").unique is False
    assert customer.column("email").nullable is False
    assert customer.column("CustomerName").nullable is False
    assert customer.column("group").nullable is True
    # primary-key columns are never nullable, composite ones included
    order = schema.table("order")
    assert not order.column("customer_id").nullable and not order.column("order_no").nullable
    assert order.column("placed").nullable
    assert schema.table("Kunden Straße").column("id").nullable is False

    if comments:
        assert customer.description == "People who buy"
        assert customer.column("email").description == "Login address"
        assert schema.table("Kunden Straße").column("Straße Name").description == "Straße, wo der Kunde wohnt"
        assert customer.column("id").description == ""
        assert order.description == ""
    assert schema.problems() == []


# -- the three engines ------------------------------------------------------------------------------


def test_sqlite_file(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "shop.sqlite", SHOP_DDL)
    schema = load_database(f"sqlite:///{path}")
    assert schema.name == "shop"
    assert_shop(schema, "sqlite", comments=False)


def test_duckdb_file(tmp_path: Path) -> None:
    path = make_duckdb(tmp_path / "shop.duckdb", SHOP_DDL + COMMENTS)
    schema = load_database(f"duckdb:///{path}")
    assert schema.name == "shop"
    assert_shop(schema, "duckdb", comments=True)


def test_postgres_database(pg_url: str) -> None:
    make_postgres(pg_url, SHOP_DDL + COMMENTS)
    schema = load_database(pg_url)
    assert schema.name == pg_url.rsplit("/", 1)[1]  # the database name
    assert_shop(schema, "postgres", comments=True)


def test_postgres_url_spellings(pg_url: str) -> None:
    make_postgres(pg_url, SHOP_DDL)
    rest = pg_url.split("://", 1)[1]
    for scheme in ("postgres", "postgresql+psycopg"):
        assert load_database(f"{scheme}://{rest}").structure() == load_database(pg_url).structure()


def test_load_schema_dispatches_files_and_urls(tmp_path: Path) -> None:
    lite = make_sqlite(tmp_path / "shop.db", SHOP_DDL)
    duck = make_duckdb(tmp_path / "shop.duckdb", SHOP_DDL)
    for source in (lite, f"sqlite:///{lite}", duck, f"duckdb:///{duck}"):
        schema = load_schema(source)
        assert fk_set(schema) == FOREIGN_KEYS
        assert sorted(schema.table_names) == sorted(COLUMNS)


def test_relative_sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_sqlite(tmp_path / "rel.db", SHOP_DDL)
    monkeypatch.chdir(tmp_path)
    assert sorted(load_database("sqlite:///rel.db").table_names) == sorted(COLUMNS)


def test_file_header_decides_the_engine(tmp_path: Path) -> None:
    """DuckDB files are often called .db; reading one as SQLite (or the reverse) must still work."""
    duck = make_duckdb(tmp_path / "really_duckdb.db", SHOP_DDL + COMMENTS)
    schema = load_schema(duck)  # .db means SQLite to the dispatcher
    assert_shop(schema, "duckdb", comments=True)
    lite = make_sqlite(tmp_path / "really_sqlite.duckdb", SHOP_DDL)
    assert_shop(load_database(f"duckdb:///{lite}"), "sqlite", comments=False)


def test_sqlite_specifics(tmp_path: Path) -> None:
    """REFERENCES without columns means the target's key; names resolve case-insensitively; unique
    indexes count, partial and composite ones do not; dangling references are dropped."""
    path = make_sqlite(
        tmp_path / "misc.db",
        [
            "CREATE TABLE Parent (a INTEGER, b TEXT, code TEXT, PRIMARY KEY (a, b))",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, pa INTEGER, pb TEXT, sku TEXT, note TEXT, "
            "x INTEGER, y INTEGER, gone INTEGER REFERENCES nowhere (id), "
            "FOREIGN KEY (pa, pb) REFERENCES parent, UNIQUE (x, y))",
            "CREATE TABLE grandchild (id INTEGER PRIMARY KEY, "
            "child_id INTEGER REFERENCES CHILD (ID), amount STRING, blob_col)",
            "CREATE UNIQUE INDEX child_sku ON child (sku)",
            "CREATE UNIQUE INDEX child_note ON child (note) WHERE note IS NOT NULL",
            "CREATE UNIQUE INDEX parent_code ON Parent (lower(code))",
        ],
    )
    schema = load_database(f"sqlite:///{path}")
    assert fk_set(schema) == [
        ("child", ("pa", "pb"), "Parent", ("a", "b")),
        ("grandchild", ("child_id",), "child", ("id",)),
    ]
    child = schema.table("child")
    assert child.column("sku").unique is True
    assert child.column("note").unique is False  # partial index
    assert child.column("x").unique is False and child.column("y").unique is False  # composite
    assert schema.table("Parent").column("code").unique is False  # expression index
    # a non-INTEGER composite key column may hold NULL in SQLite; the model says NOT NULL
    assert schema.table("Parent").column("b").nullable is False
    # the declared type decides, not SQLAlchemy's affinity guess (which calls STRING numeric)
    grandchild = schema.table("grandchild")
    assert (grandchild.column("amount").type, grandchild.column("amount").logical_type.value) == (
        "STRING",
        "text",
    )
    assert (grandchild.column("blob_col").type, grandchild.column("blob_col").logical_type.value) == (
        "",
        "other",
    )


def test_duckdb_reads_main_schema_only(tmp_path: Path) -> None:
    path = make_duckdb(
        tmp_path / "s.duckdb",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, code VARCHAR UNIQUE, a INTEGER, b INTEGER, "
            "UNIQUE (a, b))",
            "CREATE SCHEMA other",
            "CREATE TABLE other.hidden (id INTEGER PRIMARY KEY)",
            "CREATE TABLE other.t (id INTEGER PRIMARY KEY, extra INTEGER)",
            "CREATE VIEW v AS SELECT * FROM t",
        ],
    )
    schema = load_database(f"duckdb:///{path}")
    assert schema.table_names == ["t"]
    t = schema.table("t")
    assert t.column_names == ["id", "code", "a", "b"]  # not merged with other.t's columns
    assert t.column("code").unique is True
    assert t.column("a").unique is False


def test_postgres_specifics(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    make_postgres(
        pg_url,
        [
            "CREATE TYPE mood AS ENUM ('happy', 'sad')",
            "CREATE DOMAIN posint AS INTEGER CHECK (VALUE > 0)",
            "CREATE SCHEMA sales",
            "CREATE TABLE sales.region (id INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE person (id SERIAL PRIMARY KEY, feeling mood, age posint, "
            "seen TIMESTAMPTZ, nick TEXT, region_id INTEGER REFERENCES sales.region (id))",
            "CREATE UNIQUE INDEX person_nick ON person (nick)",
            "CREATE MATERIALIZED VIEW person_count AS SELECT count(*) AS n FROM person",
        ],
    )
    with caplog.at_level(logging.WARNING, logger="sqlsynth.schema"):
        schema = load_database(pg_url)
    assert schema.table_names == ["person"]  # not the materialized view, not sales.region
    person = schema.table("person")
    assert (person.column("feeling").type, person.column("feeling").logical_type.value) == ("mood", "text")
    assert person.column("age").logical_type.value == "integer"  # the domain's base type
    assert person.column("seen").type == "TIMESTAMP WITH TIME ZONE"
    assert person.column("seen").logical_type.value == "datetime"
    assert person.column("nick").unique is True  # a unique index, not a constraint
    assert schema.foreign_keys == []  # the target is in another schema
    assert "another schema" in caplog.text

    sales = load_database(f"{pg_url}?schema=sales")
    assert sales.table_names == ["region"]
    assert sales.table("region").primary_key == ["id"]
    with pytest.raises(SchemaError, match="no tables found in schema 'nowhere'"):
        load_database(f"{pg_url}?schema=nowhere")


# -- read-only ------------------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()
    }


def test_sqlite_file_is_not_touched(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "shop.db", SHOP_DDL)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = _snapshot(tmp_path)
    load_database(f"sqlite:///{path}")
    load_schema(path)
    assert _snapshot(tmp_path) == before  # same bytes, same mtime, no journal or WAL left behind


def test_sqlite_wal_database_is_not_changed(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "wal.db", ["PRAGMA journal_mode=WAL", *SHOP_DDL])
    writer = sqlite3.connect(path)  # an open writer with committed rows still in the WAL
    try:
        writer.execute("INSERT INTO customer (id, email, \"CustomerName\") VALUES (1, 'a@b.c', 'A')")
        writer.commit()
        main_bytes = path.read_bytes()
        schema = load_database(f"sqlite:///{path}")
        assert_shop(schema, "sqlite", comments=False)
        assert path.read_bytes() == main_bytes
        assert writer.execute("SELECT count(*) FROM customer").fetchone() == (1,)
    finally:
        writer.close()


def test_sqlite_write_in_loader_session_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection the loader reads through is opened read-only: a write on it fails."""
    from sqlsynth.schema.loaders import database

    path = make_sqlite(tmp_path / "shop.db", SHOP_DDL)
    before = _snapshot(tmp_path)

    def sneaky(conn):
        conn.exec_driver_sql("CREATE TABLE sneaky (a INTEGER)")
        return set()

    monkeypatch.setattr(database, "_sqlite_shadow_tables", sneaky)
    with pytest.raises(SchemaError, match="readonly database"):
        load_database(f"sqlite:///{path}")
    assert _snapshot(tmp_path) == before


def test_duckdb_file_is_not_touched(tmp_path: Path) -> None:
    path = make_duckdb(tmp_path / "shop.duckdb", SHOP_DDL)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = _snapshot(tmp_path)
    load_database(f"duckdb:///{path}")
    assert _snapshot(tmp_path) == before


def test_duckdb_loads_beside_a_read_only_connection(tmp_path: Path) -> None:
    """DuckDB refuses a second connection to a file with another configuration: the loader must open
    it read-only, as the engines do, so loading works while an engine has the file open."""
    path = make_duckdb(tmp_path / "shop.duckdb", SHOP_DDL)
    held = duckdb.connect(str(path), read_only=True)
    try:
        assert sorted(load_database(f"duckdb:///{path}").table_names) == sorted(COLUMNS)
        assert held.execute("SELECT count(*) FROM customer").fetchone() == (0,)
    finally:
        held.close()


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path}/missing.db", f"duckdb:///{tmp_path}/missing.duckdb"):
        with pytest.raises(SchemaError, match="no such database file") as info:
            load_database(url)
        assert info.value.where == url
    assert list(tmp_path.iterdir()) == []


def test_postgres_session_is_read_only(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the catalog is read, the server itself says: read-only transaction, read-only default,
    30 s statement timeout; and the session refuses a write."""
    from sqlsynth.schema.loaders import database

    make_postgres(pg_url, SHOP_DDL)
    seen: dict[str, str] = {}
    real_reflect = database._reflect_postgres

    def spy(conn, *args, **kwargs):
        for name in ("transaction_read_only", "default_transaction_read_only", "statement_timeout"):
            seen[name] = conn.exec_driver_sql(f"SHOW {name}").scalar()
        return real_reflect(conn, *args, **kwargs)

    monkeypatch.setattr(database, "_reflect_postgres", spy)
    assert_shop(load_database(pg_url), "postgres", comments=False)
    assert seen == {
        "transaction_read_only": "on",
        "default_transaction_read_only": "on",
        "statement_timeout": "30s",
    }


def test_postgres_write_in_loader_session_fails(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlsynth.schema.loaders import database

    make_postgres(pg_url, SHOP_DDL)

    def sneaky(conn, *args, **kwargs):
        conn.exec_driver_sql("CREATE TABLE sneaky (a INTEGER)")

    monkeypatch.setattr(database, "_reflect_postgres", sneaky)
    with pytest.raises(SchemaError, match="read-only transaction"):
        load_database(pg_url)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('sneaky')").fetchone()[0] is None


# -- bad input ------------------------------------------------------------------------------------


def test_not_a_database_file(tmp_path: Path) -> None:
    for name in ("notes.db", "notes.duckdb", "notes.sqlite"):
        path = tmp_path / name
        path.write_text("just some text, long enough to have a header\n" * 3, encoding="utf-8")
        kind = "duckdb" if name.endswith(".duckdb") else "sqlite"
        with pytest.raises(SchemaError, match="file is not a database"):
            load_database(f"{kind}:///{path}")
        with pytest.raises(SchemaError, match="file is not a database"):
            load_schema(path)


def test_sqlite_header_but_garbage_body(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    with pytest.raises(SchemaError, match="file is not a database") as info:
        load_database(f"sqlite:///{path}")
    assert "\n" not in info.value.message
    assert path.read_bytes() == b"SQLite format 3\x00" + b"\xff" * 2000


def test_unreachable_postgres() -> None:
    url = "postgresql://postgres@127.0.0.1:1/x"
    with pytest.raises(SchemaError) as info:
        load_database(url)
    assert info.value.message.startswith("cannot connect: ")
    assert info.value.where == url
    assert "\n" not in info.value.message and len(info.value.message) < 400
    assert "Traceback" not in str(info.value)


def test_unreachable_postgres_masks_password() -> None:
    url = "postgresql://admin:hunter2@127.0.0.1:1/shop"
    with pytest.raises(SchemaError, match="cannot connect") as info:
        load_database(url)
    assert info.value.where == "postgresql://admin:***@127.0.0.1:1/shop"
    assert "hunter2" not in str(info.value)


def test_wrong_database_on_a_live_server(pg_url: str) -> None:
    url = pg_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(SchemaError, match=r'cannot connect: .*"no_such_db" does not exist'):
        load_database(url)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_empty_database_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"empty.{kind}"
    # an existing database whose only table is gone, plus a view: no tables to model
    make = make_sqlite if kind == "sqlite" else make_duckdb
    make(path, ["CREATE TABLE t (a INTEGER)", "DROP TABLE t", "CREATE VIEW v AS SELECT 1 AS one"])
    with pytest.raises(SchemaError, match="no tables found") as info:
        load_database(f"{kind}:///{path}")
    assert info.value.where == f"{kind}:///{path}"


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "zero.db"
    path.touch()
    with pytest.raises(SchemaError, match="no tables found"):
        load_database(f"sqlite:///{path}")
    assert path.stat().st_size == 0


def test_empty_postgres_database(pg_url: str) -> None:
    make_postgres(pg_url, ["CREATE VIEW v AS SELECT 1 AS one"])
    with pytest.raises(SchemaError, match="no tables found") as info:
        load_database(pg_url)
    assert info.value.where == pg_url


def test_in_memory_and_unsupported_urls(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="in-memory"):
        load_database("sqlite://")
    with pytest.raises(SchemaError, match="unsupported URL scheme"):
        load_database("mysql://root@localhost/shop")
    with pytest.raises(SchemaError, match="folder"):
        load_database(f"sqlite:///{tmp_path}")
