"""Exports: every format written and read back, Spider's tables.json indices, prompt DDL scope."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlglot

from sqlsynth.dataset import Record
from sqlsynth.errors import SqlsynthError
from sqlsynth.exports import (
    DEFAULT_SYSTEM,
    export,
    humanise,
    prompt_ddl,
    spider_query,
    spider_tables_entry,
    used_tables,
)
from sqlsynth.schema.loaders.spider import load_spider
from sqlsynth.schema.model import Schema


@pytest.fixture
def schema() -> Schema:
    return Schema.model_validate(
        {
            "name": "shop",
            "tables": [
                {
                    "name": "customers",
                    "description": "People who buy",
                    "columns": [
                        {"name": "customer_id", "type": "INTEGER", "nullable": False},
                        {"name": "fullName", "type": "VARCHAR(80)", "description": "Full name"},
                        {"name": "joined", "type": "DATE"},
                        {"name": "vip", "type": "BOOLEAN"},
                    ],
                    "primary_key": ["customer_id"],
                },
                {
                    "name": "order",
                    "columns": [
                        {"name": "order_id", "type": "INTEGER", "nullable": False},
                        {"name": "customer_id", "type": "INTEGER"},
                        {"name": "total", "type": "DECIMAL(10, 2)"},
                        {"name": "notes", "type": "JSON"},
                    ],
                    "primary_key": ["order_id"],
                },
                {
                    "name": "OrderLines",
                    "columns": [
                        {"name": "order_id", "type": "INTEGER", "nullable": False},
                        {"name": "line_no", "type": "INTEGER", "nullable": False},
                        {"name": "qty", "type": "INTEGER"},
                    ],
                    "primary_key": ["order_id", "line_no"],
                },
                {
                    "name": "shipments",
                    "columns": [
                        {"name": "shipment_id", "type": "INTEGER", "nullable": False},
                        {"name": "order_id", "type": "INTEGER"},
                        {"name": "line_no", "type": "INTEGER"},
                    ],
                    "primary_key": ["shipment_id"],
                },
            ],
            "foreign_keys": [
                {
                    "source_table": "order",
                    "source_columns": ["customer_id"],
                    "target_table": "customers",
                    "target_columns": ["customer_id"],
                },
                {
                    "source_table": "OrderLines",
                    "source_columns": ["order_id"],
                    "target_table": "order",
                    "target_columns": ["order_id"],
                },
                {
                    "source_table": "shipments",
                    "source_columns": ["order_id", "line_no"],
                    "target_table": "OrderLines",
                    "target_columns": ["order_id", "line_no"],
                },
            ],
        }
    )


def _records() -> list[Record]:
    q1 = sqlglot.parse_one(
        'SELECT c.fullName, SUM(o.total) FROM customers AS c JOIN "order" AS o '
        "ON o.customer_id = c.customer_id GROUP BY c.fullName ORDER BY 2 DESC LIMIT 3"
    )
    q2 = sqlglot.parse_one("SELECT count(*) FROM OrderLines WHERE qty > 2")
    return [
        Record.from_expr(
            q1,
            db_id="shop",
            question="Top 3 customers by spend?",
            tables=["customers", "order"],
            strategy="walk",
            extra_note={"k": 1},
        ),
        Record.from_expr(
            q2,
            db_id="shop",
            question="How many big order lines?",
            tables=["OrderLines"],
            strategy="template",
            extra_note="text",
        ),
        Record.from_expr(q2, db_id="shop", question="", tables=["OrderLines"]),  # no question yet
    ]


# -- Spider ---------------------------------------------------------------------------------------
def test_spider_tables_entry_indices(schema: Schema) -> None:
    entry = spider_tables_entry(schema)
    cols = entry["column_names_original"]
    tables = entry["table_names_original"]
    assert cols[0] == [-1, "*"] and entry["column_names"][0] == [-1, "*"]
    assert len(cols) == len(entry["column_names"]) == len(entry["column_types"]) == 1 + 4 + 4 + 3 + 3
    assert tables == ["customers", "order", "OrderLines", "shipments"]
    assert entry["table_names"] == ["customers", "order", "order lines", "shipments"]
    assert entry["column_names"][2] == [0, "full name"]

    def name(i: int) -> tuple[str, str]:
        t, c = cols[i]
        return tables[t], c

    # one pair per column pair, each index pointing at the right table and column
    assert [(name(s), name(d)) for s, d in entry["foreign_keys"]] == [
        (("order", "customer_id"), ("customers", "customer_id")),
        (("OrderLines", "order_id"), ("order", "order_id")),
        (("shipments", "order_id"), ("OrderLines", "order_id")),
        (("shipments", "line_no"), ("OrderLines", "line_no")),
    ]
    pks = entry["primary_keys"]
    assert [name(pks[0]), name(pks[1])] == [("customers", "customer_id"), ("order", "order_id")]
    assert [name(i) for i in pks[2]] == [("OrderLines", "order_id"), ("OrderLines", "line_no")]  # composite
    assert name(pks[3]) == ("shipments", "shipment_id")
    types = dict(zip([tuple(c) for c in cols], entry["column_types"], strict=True))
    assert types[(0, "joined")] == "time" and types[(0, "vip")] == "boolean"
    assert types[(1, "total")] == "number" and types[(1, "notes")] == "others"
    assert types[(0, "fullName")] == "text"


def test_spider_tables_json_loads_back_as_the_same_model(schema: Schema, tmp_path: Path) -> None:
    data = [spider_tables_entry(schema)]
    back = load_spider(tmp_path / "tables.json", "shop", data)
    assert back.table_names == schema.table_names
    for t in schema.tables:
        assert back.table(t.name).column_names == t.column_names
        assert back.table(t.name).primary_key == t.primary_key
    assert back.structure()["foreign_keys"] == schema.structure()["foreign_keys"]


def test_spider_export(schema: Schema, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "spider" / "train.json"
    with caplog.at_level(logging.WARNING):
        paths = export(_records(), schema, "spider", out)
    assert paths == [out, out.parent / "tables.json"]
    assert "1 record(s) without a question" in caplog.text
    items = json.loads(out.read_text(encoding="utf-8"))
    assert [i["question"] for i in items] == ["Top 3 customers by spend?", "How many big order lines?"]
    first = items[0]
    assert first["db_id"] == "shop"
    assert first["query"] == (
        'SELECT c.fullName, SUM(o.total) FROM customers AS c JOIN "order" AS o '
        "ON o.customer_id = c.customer_id GROUP BY c.fullName ORDER BY 2 DESC LIMIT 3"
    )
    assert first["sql_by_dialect"]["tsql"].startswith("SELECT TOP 3")
    assert first["query_toks"][:6] == ["SELECT", "c", ".", "fullName", ",", "SUM"]
    assert "".join(first["query_toks"]) == first["query"].replace(" ", "")  # nothing lost
    assert first["question_toks"] == ["Top", "3", "customers", "by", "spend", "?"]
    assert first["hardness"] == "extra"
    tables = json.loads((out.parent / "tables.json").read_text(encoding="utf-8"))
    assert [t["db_id"] for t in tables] == ["shop"]
    # the query runs on a SQLite database made from the exported schema
    conn = sqlite3.connect(":memory:")
    conn.executescript(prompt_ddl(schema))
    for item in items:
        conn.execute(item["query"]).fetchall()


@pytest.mark.parametrize(
    ("quoted", "spider"),
    [
        ('SELECT "a" FROM "t"', "SELECT a FROM t"),
        (
            'SELECT "Name" FROM "order" WHERE "group" = \'x\'',
            'SELECT Name FROM "order" WHERE "group" = \'x\'',
        ),
        ('SELECT "first name", "naïve", "1st" FROM "t"', 'SELECT "first name", "naïve", "1st" FROM t'),
        ('SELECT "date", "text", "year" FROM "t"', "SELECT date, text, year FROM t"),
        ("SELECT 'it''s' FROM \"t\"", "SELECT 'it''s' FROM t"),
    ],
)
def test_spider_query_unquotes_only_where_safe(quoted: str, spider: str) -> None:
    assert spider_query(quoted) == spider


def test_spider_export_needs_sqlite_sql(schema: Schema, tmp_path: Path) -> None:
    r = Record(id="x", db_id="shop", question="q?", sql="SELECT TOP 1 1", dialect="tsql")
    with pytest.raises(SqlsynthError, match="record x: no SQL in dialect 'sqlite'"):
        export([r], schema, "spider", tmp_path / "dev.json")


def test_spider_questions_file_cannot_be_tables_json(schema: Schema, tmp_path: Path) -> None:
    with pytest.raises(SqlsynthError, match=r"tables\.json"):
        export(_records(), schema, "spider", tmp_path / "tables.json")


def test_spider_export_with_several_databases(schema: Schema, tmp_path: Path) -> None:
    other = Schema(name="other", tables=[{"name": "t", "columns": [{"name": "a", "type": "INT"}]}])
    recs = [*_records()[:1], Record(id="o1", db_id="other", question="q?", sql="SELECT a FROM t")]
    export(recs, {"shop": schema, "other": other}, "spider", tmp_path / "train.json")
    tables = json.loads((tmp_path / "tables.json").read_text())
    assert sorted(t["db_id"] for t in tables) == ["other", "shop"]
    with pytest.raises(SqlsynthError, match="no schema for db_id 'other'"):
        export(recs, {"shop": schema}, "spider", tmp_path / "x.json")


# -- prompts --------------------------------------------------------------------------------------
def test_prompt_ddl_is_runnable_and_keeps_keys(schema: Schema) -> None:
    ddl = prompt_ddl(schema)
    conn = sqlite3.connect(":memory:")
    conn.executescript(ddl)
    fks = conn.execute("SELECT * FROM pragma_foreign_key_list('shipments')").fetchall()
    assert sorted((r[2], r[3], r[4]) for r in fks) == [
        ("OrderLines", "line_no", "line_no"),
        ("OrderLines", "order_id", "order_id"),
    ]
    pk = [r[1] for r in conn.execute("PRAGMA table_info('OrderLines')").fetchall() if r[5]]
    assert pk == ["order_id", "line_no"]
    assert "-- Full name" in ddl and "-- People who buy" in ddl


def test_prompt_ddl_limited_to_tables_drops_dangling_foreign_keys(schema: Schema) -> None:
    ddl = prompt_ddl(schema, ["order"])
    assert 'CREATE TABLE "order"' in ddl
    assert "customers" not in ddl  # neither the table nor the REFERENCES to it
    assert ddl.count("CREATE TABLE") == 1


def test_prompt_ddl_in_tsql(schema: Schema) -> None:
    ddl = prompt_ddl(schema, ["order"], "tsql")
    assert "CREATE TABLE [order] (" in ddl and "[order_id] INTEGER NOT NULL" in ddl


def test_used_tables_falls_back_to_the_sql(schema: Schema) -> None:
    r = Record(
        id="x", db_id="shop", sql='WITH c AS (SELECT * FROM "order") SELECT * FROM c JOIN customers ON 1=1'
    )
    assert used_tables(r, schema) == ["customers", "order"]  # schema order, CTE names left out


def test_alpaca_export(schema: Schema, tmp_path: Path) -> None:
    out = tmp_path / "alpaca.json"
    export(_records(), schema, "alpaca", out)
    items = json.loads(out.read_text(encoding="utf-8"))
    assert len(items) == 2
    first, second = items
    assert set(first) == {"instruction", "input", "output", "system"}
    assert first["system"] == DEFAULT_SYSTEM
    assert first["input"] == "Top 3 customers by spend?"
    assert first["output"] == _records()[0].sql
    assert first["instruction"].startswith("Write a SQLite SQL query")
    assert (
        'CREATE TABLE "customers"' in first["instruction"] and 'CREATE TABLE "order"' in first["instruction"]
    )
    assert "OrderLines" not in first["instruction"] and "shipments" not in first["instruction"]
    assert 'CREATE TABLE "OrderLines"' in second["instruction"]
    assert "customers" not in second["instruction"]


def test_alpaca_export_all_tables_other_dialect_no_system(schema: Schema, tmp_path: Path) -> None:
    out = tmp_path / "alpaca.json"
    export(_records(), schema, "alpaca", out, schema_scope="all", dialect="tsql", system=None)
    first = json.loads(out.read_text(encoding="utf-8"))[0]
    assert "system" not in first
    assert first["output"].startswith("SELECT TOP 3 [c].[fullName]")
    assert first["instruction"].startswith("Write a T-SQL (SQL Server) SQL query")
    assert (
        first["instruction"].count("CREATE TABLE") == 4 and "CREATE TABLE [shipments]" in first["instruction"]
    )


def test_sharegpt_export(schema: Schema, tmp_path: Path) -> None:
    out = tmp_path / "sharegpt.json"
    export(_records(), schema, "sharegpt", out)
    items = json.loads(out.read_text(encoding="utf-8"))
    assert len(items) == 2
    turns = items[0]["conversations"]
    assert [t["from"] for t in turns] == ["system", "human", "gpt"]
    assert turns[0]["value"] == DEFAULT_SYSTEM
    assert turns[1]["value"].endswith("Question: Top 3 customers by spend?")
    assert 'CREATE TABLE "customers"' in turns[1]["value"] and "OrderLines" not in turns[1]["value"]
    assert turns[2]["value"] == _records()[0].sql
    export(_records(), schema, "sharegpt", out, system=None)
    assert [t["from"] for t in json.loads(out.read_text())[0]["conversations"]] == ["human", "gpt"]


# -- Parquet --------------------------------------------------------------------------------------
def test_parquet_export(schema: Schema, tmp_path: Path) -> None:
    out = tmp_path / "records.parquet"
    recs = _records()
    assert export(recs, schema, "parquet", out) == [out]
    table = pq.read_table(out)
    assert table.num_rows == 3  # records without a question are data too
    assert {"id", "db_id", "question", "sql", "complexity", "execution", "extra_note"} <= set(
        table.column_names
    )
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [r.id for r in recs]
    assert rows[0]["tables"] == ["customers", "order"]  # lists of scalars stay lists
    assert json.loads(rows[0]["complexity"])["joins"] == 1  # dicts are JSON text
    assert json.loads(rows[0]["sql_by_dialect"])["tsql"] == recs[0].sql_by_dialect["tsql"]
    # an extra field with a dict in one record and a string in another: JSON text throughout
    assert json.loads(rows[0]["extra_note"]) == {"k": 1} and json.loads(rows[1]["extra_note"]) == "text"
    assert rows[2]["extra_note"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["records.parquet"]


def test_unknown_format_and_scope(schema: Schema, tmp_path: Path) -> None:
    with pytest.raises(SqlsynthError, match="unknown export format 'csv'"):
        export(_records(), schema, "csv", tmp_path / "x.csv")
    with pytest.raises(SqlsynthError, match="schema_scope"):
        export(_records(), schema, "alpaca", tmp_path / "x.json", schema_scope="some")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "human"),
    [
        ("order_items", "order items"),
        ("OrderItems", "order items"),
        ("customerID", "customer id"),
        ("HTTPRequests", "http requests"),
        ("name", "name"),
    ],
)
def test_humanise(name: str, human: str) -> None:
    assert humanise(name) == human
