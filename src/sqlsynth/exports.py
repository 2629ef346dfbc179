"""Export records for training and evaluation tools: Spider, Alpaca, ShareGPT, Parquet.

- `spider`: the questions file (a JSON list of {db_id, question, query, query_toks,
  question_toks, id, hardness, sql_by_dialect}) at `out_path`, and Spider's `tables.json` built
  from the schema beside it. `query` is SQLite SQL, as Spider's evaluation runs it on SQLite,
  with identifiers unquoted where that is safe (Spider's own parser reads "x" as a string).
- `alpaca` (LLaMA-Factory): a JSON list of {instruction, input, output, system}; instruction = a
  fixed task text + the schema as CREATE TABLE statements, input = question, output = SQL.
- `sharegpt` (LLaMA-Factory): a JSON list of {conversations: [{from: system | human | gpt,
  value}]}.
- `parquet`: one row per record, one column per field (extra fields too); dicts and lists of
  non-scalars are JSON text, lists of scalars stay lists.

The schema shown in a prompt is either the tables the record uses (`schema_scope="used"`) or the
whole schema (`"all"`). Every file is written atomically.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from sqlsynth.dataset import Record
from sqlsynth.errors import SqlsynthError
from sqlsynth.io import write_bytes_atomic, write_json_atomic
from sqlsynth.nl.lexicon import CAMEL_BOUNDARY
from sqlsynth.render import PLAIN_IDENTIFIER
from sqlsynth.schema.model import Schema, Table
from sqlsynth.schema.types import CANONICAL_TYPE, LogicalType

log = logging.getLogger(__name__)

ExportFormat = Literal["spider", "alpaca", "sharegpt", "parquet"]
FORMATS: tuple[str, ...] = ("spider", "alpaca", "sharegpt", "parquet")
SchemaScope = Literal["used", "all"]

DIALECT_NAMES = {
    "sqlite": "SQLite",
    "postgres": "PostgreSQL",
    "duckdb": "DuckDB",
    "mysql": "MySQL",
    "bigquery": "BigQuery",
    "tsql": "T-SQL (SQL Server)",
    "snowflake": "Snowflake",
}
DEFAULT_SYSTEM = "You are an expert SQL writer. You answer questions about a database with one SQL query."
INSTRUCTION = (
    "Write a {dialect} query that answers the question, using the database schema below. "
    "Return only the SQL query.\n\n{ddl}"
)

_SPIDER_TYPES = {
    LogicalType.INTEGER: "number",
    LogicalType.DECIMAL: "number",
    LogicalType.FLOAT: "number",
    LogicalType.TEXT: "text",
    LogicalType.DATE: "time",
    LogicalType.DATETIME: "time",
    LogicalType.TIME: "time",
    LogicalType.BOOLEAN: "boolean",
}
_SQL_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|\d+(?:\.\d+)?|\w+|>=|<=|<>|!=|\|\||[^\w\s]"
)
_WORD_TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")
# SQLite's keywords (sqlite.org/lang_keywords.html): kept quoted in Spider queries.
_SQLITE_KEYWORD_TEXT = """
    ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN
    BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT
    CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH
    DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST
    FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX
    INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH
    MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER
    PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX
    RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP
    TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW
    VIRTUAL WHEN WHERE WINDOW WITH WITHOUT"""
_SQLITE_KEYWORDS = frozenset(_SQLITE_KEYWORD_TEXT.split())


# -- schema helpers -----------------------------------------------------------------------------
def humanise(name: str) -> str:
    """`OrderItems` / `order_items` -> `order items` (Spider's `table_names` style)."""
    spaced = CAMEL_BOUNDARY.sub(" ", name).replace("_", " ")
    return " ".join(spaced.lower().split())


def subschema(schema: Schema, tables: Iterable[str] | None) -> Schema:
    """The schema restricted to `tables` (None: all), keeping only the foreign keys between them."""
    if tables is None:
        return schema
    wanted = {schema.table(t).name for t in tables if schema.has_table(t)}
    return Schema(
        name=schema.name,
        description=schema.description,
        tables=[t for t in schema.tables if t.name in wanted],
        foreign_keys=[
            fk for fk in schema.foreign_keys if fk.source_table in wanted and fk.target_table in wanted
        ],
    )


def _data_type(native: str, logical: LogicalType) -> exp.DataType:
    if native.strip():
        try:
            dtype = exp.DataType.build(native, udt=True)
            if dtype.this is not exp.DataType.Type.USERDEFINED:
                return dtype
        except Exception:  # noqa: BLE001 - sqlglot raises several error types for odd names
            pass
    return exp.DataType.build(CANONICAL_TYPE[logical])


def _table_ddl(schema: Schema, table: Table, dialect: str) -> str:
    def q(node: exp.Expression) -> str:
        return node.sql(dialect=dialect, identify=True)

    lines: list[tuple[str, str]] = []
    for col in table.columns:
        constraints = [] if col.nullable else [exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())]
        coldef = exp.ColumnDef(
            this=exp.to_identifier(col.name),
            kind=_data_type(col.type, col.logical_type),
            constraints=constraints,
        )
        lines.append((q(coldef), col.description.strip()))
    if table.primary_key:
        pk = exp.PrimaryKey(expressions=[exp.to_identifier(c) for c in table.primary_key])
        lines.append((q(pk), ""))
    for fk in schema.foreign_keys_of(table.name):
        ref = exp.ForeignKey(
            expressions=[exp.to_identifier(c) for c in fk.source_columns],
            reference=exp.Reference(
                this=exp.Schema(
                    this=exp.to_table(fk.target_table),
                    expressions=[exp.to_identifier(c) for c in fk.target_columns],
                )
            ),
        )
        lines.append((q(ref), ""))
    body = []
    for i, (text, comment) in enumerate(lines):
        sep = "," if i < len(lines) - 1 else ""
        body.append(f"  {text}{sep}" + (f" -- {' '.join(comment.split())}" if comment else ""))
    head = f"CREATE TABLE {q(exp.to_table(table.name))} ("
    if table.description.strip():
        head = f"-- {' '.join(table.description.split())}\n{head}"
    return "\n".join([head, *body, ");"])


def prompt_ddl(schema: Schema, tables: Iterable[str] | None = None, dialect: str = "sqlite") -> str:
    """CREATE TABLE statements (columns, types, NOT NULL, primary and foreign keys, descriptions
    as comments) for `tables` of `schema` (None: all), in `dialect`.

    A prompt rendering (one line per column, descriptions as `--` comments), built from sqlglot
    nodes; it runs on SQLite as written. Database creation has its own renderer.
    """
    sub = subschema(schema, tables)
    return "\n\n".join(_table_ddl(sub, t, dialect) for t in sub.tables)


def spider_tables_entry(schema: Schema, db_id: str | None = None) -> dict[str, Any]:
    """One database in Spider's tables.json format.

    Column index 0 is `[-1, "*"]`; columns are numbered in table order; `primary_keys` holds one
    index per single-column key and a list of indices per composite key; `foreign_keys` holds
    one [source index, target index] pair per column pair.
    """
    index: dict[tuple[str, str], int] = {}
    cols_orig: list[list[Any]] = [[-1, "*"]]
    cols_pretty: list[list[Any]] = [[-1, "*"]]
    types = ["text"]
    for t_idx, table in enumerate(schema.tables):
        for col in table.columns:
            index[(table.name, col.name)] = len(cols_orig)
            cols_orig.append([t_idx, col.name])
            cols_pretty.append([t_idx, col.display_name or humanise(col.name)])
            types.append(_SPIDER_TYPES.get(col.logical_type, "others"))
    primary_keys: list[Any] = []
    for table in schema.tables:
        ids = [index[(table.name, table.column(c).name)] for c in table.primary_key]
        if len(ids) == 1:
            primary_keys.append(ids[0])
        elif ids:
            primary_keys.append(ids)
    foreign_keys = []
    for fk in schema.foreign_keys:
        src, dst = schema.table(fk.source_table), schema.table(fk.target_table)
        for s, d in zip(fk.source_columns, fk.target_columns, strict=True):
            foreign_keys.append(
                [index[(src.name, src.column(s).name)], index[(dst.name, dst.column(d).name)]]
            )
    return {
        "db_id": db_id or schema.name,
        "table_names_original": [t.name for t in schema.tables],
        "table_names": [humanise(t.name) for t in schema.tables],
        "column_names_original": cols_orig,
        "column_names": cols_pretty,
        "column_types": types,
        "primary_keys": primary_keys,
        "foreign_keys": foreign_keys,
    }


def spider_query(sql: str) -> str:
    """SQLite SQL with quotes removed from plain, non-keyword identifiers, as Spider writes its
    queries (Spider's own SQL parser reads a double-quoted name as a string value). Falls back
    to `sql` unchanged if unquoting would change how the query parses."""
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return sql
    reference = tree.sql(dialect="sqlite", identify=True)
    for ident in tree.find_all(exp.Identifier):
        if PLAIN_IDENTIFIER.match(ident.this) and ident.this.upper() not in _SQLITE_KEYWORDS:
            ident.set("quoted", False)
    text = tree.sql(dialect="sqlite")
    try:
        same = sqlglot.parse_one(text, read="sqlite").sql(dialect="sqlite", identify=True) == reference
    except sqlglot.errors.SqlglotError:
        same = False
    return text if same else sql


# -- per-record helpers -------------------------------------------------------------------------
def _schema_for(schemas: Schema | Mapping[str, Schema], record: Record) -> Schema:
    if isinstance(schemas, Schema):
        return schemas
    try:
        return schemas[record.db_id]
    except KeyError:
        raise SqlsynthError(f"record {record.id}: no schema for db_id {record.db_id!r}") from None


def used_tables(record: Record, schema: Schema) -> list[str]:
    """The schema tables a record uses: its `tables` field, else the tables its SQL names."""
    names = list(record.tables)
    if not names:
        try:
            tree = sqlglot.parse_one(record.sql, read=record.dialect)
        except sqlglot.errors.SqlglotError:
            tree = None
        if tree is not None:
            ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
            names = [t.name for t in tree.find_all(exp.Table) if t.name.lower() not in ctes]
    found = {schema.table(n).name for n in names if schema.has_table(n)}
    return [t.name for t in schema.tables if t.name in found]


def _sql_for(record: Record, dialect: str | None) -> tuple[str, str]:
    d = dialect or record.dialect
    sql = record.sql_in(d)
    if sql is None:
        raise SqlsynthError(f"record {record.id}: no SQL in dialect {d!r}")
    return d, sql


def _instruction(record: Record, schema: Schema, dialect: str, scope: SchemaScope) -> str:
    tables = used_tables(record, schema) if scope == "used" else None
    ddl = prompt_ddl(schema, tables, dialect)
    return INSTRUCTION.format(dialect=DIALECT_NAMES.get(dialect, dialect) + " SQL", ddl=ddl)


def _with_questions(records: Iterable[Record], fmt: str) -> list[Record]:
    out, skipped = [], 0
    for r in records:
        if r.question.strip():
            out.append(r)
        else:
            skipped += 1
    if skipped:
        log.warning("%s export: %d record(s) without a question left out", fmt, skipped)
    return out


# -- formats ------------------------------------------------------------------------------------
def _export_spider(
    records: list[Record], schemas: Schema | Mapping[str, Schema], out: Path, dialect: str | None
) -> list[Path]:
    tables_path = out.parent / "tables.json"
    if out.resolve() == tables_path.resolve():
        raise SqlsynthError("the Spider questions file cannot be called tables.json", where=str(out))
    items = []
    dbs: dict[str, dict[str, Any]] = {}
    for r in _with_questions(records, "spider"):
        d, query = _sql_for(r, dialect or "sqlite")
        if d == "sqlite":
            query = spider_query(query)
        schema = _schema_for(schemas, r)
        if r.db_id not in dbs:
            dbs[r.db_id] = spider_tables_entry(schema, r.db_id)
        items.append(
            {
                "db_id": r.db_id,
                "question": r.question,
                "query": query,
                "query_toks": _SQL_TOKEN.findall(query),
                "question_toks": _WORD_TOKEN.findall(r.question),
                "id": r.id,
                "hardness": r.hardness,
                "sql_by_dialect": r.sql_by_dialect,
            }
        )
    if isinstance(schemas, Mapping):
        for db_id, schema in schemas.items():
            dbs.setdefault(db_id, spider_tables_entry(schema, db_id))
    elif not dbs:
        dbs[schemas.name] = spider_tables_entry(schemas)
    write_json_atomic(out, items)
    write_json_atomic(tables_path, list(dbs.values()))
    return [out, tables_path]


def _export_chat(
    records: list[Record],
    schemas: Schema | Mapping[str, Schema],
    out: Path,
    fmt: str,
    dialect: str | None,
    scope: SchemaScope,
    system: str | None,
) -> list[Path]:
    items = []
    for r in _with_questions(records, fmt):
        d, sql = _sql_for(r, dialect)
        instruction = _instruction(r, _schema_for(schemas, r), d, scope)
        if fmt == "alpaca":
            item: dict[str, Any] = {"instruction": instruction, "input": r.question, "output": sql}
            if system is not None:
                item["system"] = system
        else:
            turns = [] if system is None else [{"from": "system", "value": system}]
            turns += [
                {"from": "human", "value": f"{instruction}\n\nQuestion: {r.question}"},
                {"from": "gpt", "value": sql},
            ]
            item = {"conversations": turns}
        items.append(item)
    write_json_atomic(out, items)
    return [out]


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _column(values: list[Any]) -> pa.Array:
    def as_json(vs: list[Any]) -> pa.Array:
        return pa.array(
            [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True) for v in vs],
            type=pa.string(),
        )

    nested = any(
        isinstance(v, dict) or (isinstance(v, list) and not all(_is_scalar(x) for x in v)) for v in values
    )
    if nested:
        return as_json(values)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return as_json(values)


def _export_parquet(records: list[Record], out: Path) -> list[Path]:
    rows = [r.model_dump(mode="json", by_alias=True) for r in records]
    names: dict[str, None] = dict.fromkeys(Record.model_fields)
    for row in rows:
        names.update(dict.fromkeys(row))
    table = pa.table({n: _column([row.get(n) for row in rows]) for n in names})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    write_bytes_atomic(out, buf.getvalue())
    return [out]


def export(
    records: Iterable[Record | Mapping[str, Any]],
    schema: Schema | Mapping[str, Schema],
    fmt: str,
    out_path: str | Path,
    *,
    schema_scope: SchemaScope = "used",
    dialect: str | None = None,
    system: str | None = DEFAULT_SYSTEM,
) -> list[Path]:
    """Write `records` in format `fmt` to `out_path`; returns the files written.

    `schema` is the schema of every record, or {db_id: schema}. `dialect` picks the SQL written
    (default: each record's own `dialect`; SQLite for Spider); a record without SQL in that
    dialect is an error. Spider, Alpaca and ShareGPT leave out records without a question (with a
    warning); `system` is the system prompt of Alpaca and ShareGPT items (None: none).
    """
    if fmt not in FORMATS:
        raise SqlsynthError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if schema_scope not in ("used", "all"):
        raise SqlsynthError(f"schema_scope must be 'used' or 'all', not {schema_scope!r}")
    recs = [r if isinstance(r, Record) else Record.model_validate(r) for r in records]
    out = Path(out_path)
    if fmt == "spider":
        return _export_spider(recs, schema, out, dialect)
    if fmt == "parquet":
        return _export_parquet(recs, out)
    return _export_chat(recs, schema, out, fmt, dialect, schema_scope, system)
