"""Schemas read from live databases (SQLite, DuckDB, PostgreSQL), strictly read-only.

    load_database("sqlite:///shop.db")                       # relative path; sqlite:////abs for absolute
    load_database("duckdb:////data/shop.duckdb")
    load_database("postgresql://user:pw@host:5432/shop?schema=sales")   # schema: default `public`

What is read: base tables only (views, materialized views and foreign tables are skipped), their
columns in declared order with the native type as the engine reports it, nullability, comments
(PostgreSQL and DuckDB `COMMENT ON`; SQLite has none), primary keys, foreign keys (composite ones
included) and single-column uniqueness (a UNIQUE constraint or a unique, non-partial index on that
column alone). Tables come out sorted by name.

How it stays read-only:

- SQLite: opened through the URI `file:PATH?mode=ro` (SQLAlchemy reflection over that connection),
  after checking the file exists, so a wrong path is reported and never created as an empty database.
  The database file is never written; a WAL-mode database gets its `-wal`/`-shm` side files created
  if they were missing, as with any SQLite reader (a read-only reader cannot remove them again);
- PostgreSQL: psycopg through SQLAlchemy, each session with `default_transaction_read_only=on` and
  `statement_timeout=30000` and the transaction marked READ ONLY, connect timeout 5 s;
- DuckDB: `duckdb.connect(path, read_only=True)` and DuckDB's own catalog (`duckdb_tables()`,
  `duckdb_columns()`, `duckdb_constraints()`): duckdb-engine's SQLAlchemy reflection loses keys.

A file's first bytes decide its format: a DuckDB database behind `sqlite:///x.db` (or a `.db` file
name) is read as DuckDB and the reverse, and a file that is neither is refused before any engine
opens it (DuckDB would otherwise try to download its sqlite extension).

Details worth knowing:

- primary-key columns are reported NOT NULL (SQLite lets a non-INTEGER key column hold NULL, a
  long-standing quirk no real data model means);
- identifiers are compared case-insensitively to resolve foreign keys (SQLite accepts
  `REFERENCES Customers` for a table `customers`), and the names come out as the table spells them;
  a SQLite `REFERENCES t` without a column list points at t's primary key;
- a foreign key whose target table or column is missing (SQLite does not check) or lies in another
  PostgreSQL schema is dropped with a logged warning instead of refusing the whole database;
- PostgreSQL enum columns are TEXT logically (their native type is the enum's name).

Every failure is a SchemaError whose `where` is the URL with its password masked.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

from sqlsynth.engines.url import EngineURL, mask_url, parse_url, short_error
from sqlsynth.errors import EngineError, SchemaError
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType, logical_type_of
from sqlsynth.schema.validation import check_schema

log = logging.getLogger("sqlsynth.schema")

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 30_000
DEFAULT_PG_SCHEMA = "public"

SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at byte offset 8, after a checksum


# -- the engine-neutral part -------------------------------------------------------------------


@dataclass
class _RawFK:
    source_table: str
    source_columns: list[str]
    target_table: str
    target_columns: list[str]  # empty: the target's primary key


@dataclass
class _Catalog:
    """What a reader found, before names are resolved and the Schema is checked."""

    name: str
    dialect: str
    tables: list[Table] = field(default_factory=list)
    foreign_keys: list[_RawFK] = field(default_factory=list)


def load_database(url: str | Path, *, schema: str | None = None) -> Schema:
    """The Schema of a live database, read without changing anything; SchemaError on bad input.

    `url` is a SQLAlchemy-style URL (`sqlite:///f.db`, `duckdb:///f.duckdb`, `postgresql://...`)
    or a .sqlite/.sqlite3/.db/.duckdb file name. `schema` picks the PostgreSQL schema (else the
    URL's `?schema=` parameter, else `public`); the other engines read their main schema.
    """
    text = str(url).strip()
    where = mask_url(text)
    try:
        parsed = parse_url(text)
    except EngineError as err:
        raise SchemaError(err.message, where=where) from None
    if parsed.kind == "postgres":
        catalog = _read_postgres(text, where, schema)
    else:
        path = _database_file(parsed, where)
        kind = _sniff(path, parsed.kind, where)
        catalog = _read_sqlite(path, where) if kind == "sqlite" else _read_duckdb(path, where)
    return check_schema(_build(catalog, where), where=where)


def _build(catalog: _Catalog, where: str) -> Schema:
    if not catalog.tables:
        raise SchemaError("no tables found", where=where)
    tables = sorted(catalog.tables, key=lambda t: t.name)
    for t in tables:
        for col in t.columns:
            if col.name in t.primary_key:
                col.nullable = False
    exact = {t.name: t for t in tables}
    folded = {t.name.lower(): t for t in reversed(tables)}  # first spelling wins on a clash
    fks: list[ForeignKey] = []
    seen: set[tuple[Any, ...]] = set()
    for raw in catalog.foreign_keys:
        label = f"{raw.source_table}({', '.join(raw.source_columns)}) -> {raw.target_table}"
        source = exact.get(raw.source_table)
        target = exact.get(raw.target_table) or folded.get(raw.target_table.lower())
        if source is None or target is None:
            log.warning("%s: foreign key %s: table %r not found; ignored", where, label, raw.target_table)
            continue
        target_cols = raw.target_columns or target.primary_key
        try:
            src_cols = [source.column(c).name for c in raw.source_columns]
            dst_cols = [target.column(c).name for c in target_cols]
        except KeyError as err:
            log.warning("%s: foreign key %s: %s; ignored", where, label, err.args[0])
            continue
        if len(src_cols) != len(dst_cols) or not src_cols:
            log.warning("%s: foreign key %s: column counts differ; ignored", where, label)
            continue
        fk = ForeignKey(
            source_table=source.name,
            source_columns=src_cols,
            target_table=target.name,
            target_columns=dst_cols,
        )
        if fk.key not in seen:
            seen.add(fk.key)
            fks.append(fk)
    return Schema(name=catalog.name, tables=tables, foreign_keys=fks)


def _column(
    name: str,
    native: str,
    dialect: str,
    *,
    nullable: bool,
    unique: bool,
    comment: str | None,
    logical: LogicalType | None = None,
) -> Column:
    return Column(
        name=name,
        type=native,
        logical_type=logical or logical_type_of(native, dialect),
        nullable=nullable,
        unique=unique,
        description=(comment or "").strip(),
    )


# -- files: SQLite and DuckDB --------------------------------------------------------------------


def _database_file(parsed: EngineURL, where: str) -> Path:
    if parsed.in_memory:
        raise SchemaError("an in-memory database has no tables; give a database file", where=where)
    path = Path(parsed.path or "")
    if not path.exists():
        raise SchemaError("no such database file", where=where)
    if path.is_dir():
        raise SchemaError("is a folder, not a database file", where=where)
    return path


def _sniff(path: Path, asked: str, where: str) -> str:
    """The file's real format from its header: "sqlite" or "duckdb"; SchemaError for anything else."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as err:
        raise SchemaError(f"cannot read the file ({short_error(err)})", where=where) from None
    if not head:
        raise SchemaError("no tables found (the file is empty)", where=where)
    if head.startswith(SQLITE_MAGIC):
        kind = "sqlite"
    elif head[8:12] == DUCKDB_MAGIC:
        kind = "duckdb"
    else:
        raise SchemaError("file is not a database (neither SQLite nor DuckDB)", where=where)
    if kind != asked:
        log.info("%s: the file is a %s database; reading it as one", where, kind)
    return kind


def _read_sqlite(path: Path, where: str) -> _Catalog:
    import sqlite3

    from sqlalchemy import create_engine, exc, inspect
    from sqlalchemy.pool import NullPool

    uri = f"file:{pathname2url(str(path.resolve()))}?mode=ro"
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=NullPool,
    )
    catalog = _Catalog(name=path.stem, dialect="sqlite")
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            warnings.simplefilter("ignore", exc.SAWarning)
            insp = inspect(conn)
            shadow = _sqlite_shadow_tables(conn)
            names = [n for n in insp.get_table_names() if n not in shadow]
            if not names:
                return catalog
            columns = insp.get_multi_columns(filter_names=names)
            pks = insp.get_multi_pk_constraint(filter_names=names)
            fks = insp.get_multi_foreign_keys(filter_names=names)
            for name in names:
                key = (None, name)
                declared = {
                    row[1]: row[2] or ""
                    for row in conn.exec_driver_sql("SELECT * FROM pragma_table_xinfo(?)", (name,))
                }
                unique = _sqlite_unique_columns(conn, name)
                table = Table(
                    name=name,
                    primary_key=list((pks.get(key) or {}).get("constrained_columns") or []),
                    columns=[
                        _column(
                            c["name"],
                            declared.get(c["name"], ""),
                            "sqlite",
                            nullable=bool(c["nullable"]),
                            unique=c["name"] in unique,
                            comment=None,
                        )
                        for c in columns.get(key, [])
                    ],
                )
                catalog.tables.append(table)
                for fk in fks.get(key, []):
                    catalog.foreign_keys.append(
                        _RawFK(
                            name,
                            list(fk["constrained_columns"]),
                            fk["referred_table"],
                            [c for c in fk["referred_columns"] if c is not None],
                        )
                    )
    except exc.DBAPIError as err:
        raise SchemaError(_sqlite_message(err.orig), where=where) from None
    except sqlite3.Error as err:
        raise SchemaError(_sqlite_message(err), where=where) from None
    finally:
        engine.dispose()
    return catalog


def _sqlite_message(err: BaseException) -> str:
    text = short_error(err)
    if "not a database" in text or "malformed" in text:
        return f"file is not a database ({text})" if text != "file is not a database" else text
    return f"cannot read the database ({text})"


def _sqlite_shadow_tables(conn: Any) -> set[str]:
    """Tables that back a virtual table (FTS5 `_data`, `_idx`...), from `PRAGMA table_list` (3.37+)."""
    try:
        rows = conn.exec_driver_sql("PRAGMA main.table_list").fetchall()
    except Exception:  # noqa: BLE001 - older SQLite: no table_list, no shadow-table marking
        return set()
    return {row[1] for row in rows if row[2] == "shadow"}


def _sqlite_unique_columns(conn: Any, table: str) -> set[str]:
    """Columns that are unique on their own: a UNIQUE constraint or a non-partial unique index."""
    out: set[str] = set()
    for row in conn.exec_driver_sql("SELECT * FROM pragma_index_list(?)", (table,)):
        _, index, is_unique, origin, partial = row[:5]
        if not is_unique or origin == "pk" or partial:
            continue
        cols = [r[2] for r in conn.exec_driver_sql("SELECT * FROM pragma_index_info(?)", (index,))]
        if len(cols) == 1 and cols[0] is not None:
            out.add(cols[0])
    return out


def _read_duckdb(path: Path, where: str) -> _Catalog:
    import duckdb

    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        text = short_error(err)
        if "not a valid DuckDB database" in text:
            raise SchemaError("file is not a database (not a valid DuckDB file)", where=where) from None
        raise SchemaError(f"cannot open the database ({text})", where=where) from None
    catalog = _Catalog(name=path.stem, dialect="duckdb")
    scope = "database_name = current_database() AND schema_name = 'main'"
    try:
        tables = conn.execute(
            f"SELECT table_name, comment FROM duckdb_tables() "
            f"WHERE {scope} AND NOT internal AND NOT temporary"
        ).fetchall()
        columns: dict[str, list[Column]] = {name: [] for name, _ in tables}
        rows = conn.execute(
            f"SELECT table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            f"WHERE {scope} AND NOT internal ORDER BY table_name, column_index"
        ).fetchall()
        constraints = conn.execute(
            "SELECT table_name, constraint_type, constraint_column_names, referenced_table, "
            f"referenced_column_names FROM duckdb_constraints() WHERE {scope} "
            "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') "
            "ORDER BY table_name, constraint_index"
        ).fetchall()
    except duckdb.Error as err:
        raise SchemaError(f"cannot read the catalog ({short_error(err)})", where=where) from None
    finally:
        conn.close()
    pk: dict[str, list[str]] = {}
    unique: dict[str, set[str]] = {}
    for table, kind, cols, ref_table, ref_cols in constraints:
        if table not in columns:
            continue
        if kind == "PRIMARY KEY":
            pk[table] = list(cols)
        elif kind == "UNIQUE" and len(cols) == 1:
            unique.setdefault(table, set()).add(cols[0])
        elif kind == "FOREIGN KEY" and ref_table:
            catalog.foreign_keys.append(_RawFK(table, list(cols), ref_table, list(ref_cols or [])))
    for table, name, native, nullable, comment in rows:
        if table in columns:
            columns[table].append(
                _column(
                    name,
                    native,
                    "duckdb",
                    nullable=bool(nullable),
                    unique=name in unique.get(table, ()),
                    comment=comment,
                )
            )
    for name, comment in tables:
        catalog.tables.append(
            Table(
                name=name,
                description=(comment or "").strip(),
                columns=columns[name],
                primary_key=pk.get(name, []),
            )
        )
    return catalog


# -- PostgreSQL -----------------------------------------------------------------------------------


def _read_postgres(text: str, where: str, schema: str | None) -> _Catalog:
    from sqlalchemy import create_engine, exc, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    try:
        url = make_url(text)
    except exc.ArgumentError as err:
        raise SchemaError(f"not a valid PostgreSQL URL ({short_error(err)})", where=where) from None
    query = dict(url.query)
    schema = schema or _one(query.get("schema")) or DEFAULT_PG_SCHEMA
    user_options = _one(query.get("options")) or ""
    connect_timeout = _one(query.get("connect_timeout")) or str(CONNECT_TIMEOUT_S)
    options = (
        f"{user_options} -c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    )
    url = url.set(drivername="postgresql+psycopg").difference_update_query(
        ["schema", "options", "connect_timeout"]
    )
    try:
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"options": options.strip(), "connect_timeout": int(connect_timeout)},
        )
    except (ImportError, exc.NoSuchModuleError):
        raise SchemaError("PostgreSQL needs psycopg: pip install 'sqlsynth[postgres]'", where=where) from None
    except ValueError as err:
        raise SchemaError(f"not a valid PostgreSQL URL ({short_error(err)})", where=where) from None
    secret = url.password if isinstance(url.password, str) else None
    catalog = _Catalog(name=url.database or url.username or "postgres", dialect="postgres")
    try:
        try:
            conn = engine.connect().execution_options(postgresql_readonly=True)
        except exc.DBAPIError as err:
            raise SchemaError(
                f"cannot connect: {short_error(err.orig or err, secret=secret)}", where=where
            ) from None
        with conn, warnings.catch_warnings():
            warnings.simplefilter("ignore", exc.SAWarning)
            _reflect_postgres(conn, inspect(conn), schema, catalog, where)
        if not catalog.tables:
            raise SchemaError(f"no tables found in schema {schema!r}", where=where)
    except exc.DBAPIError as err:
        message = f"cannot read the catalog: {short_error(err.orig or err, secret=secret)}"
        raise SchemaError(message, where=where) from None
    finally:
        engine.dispose()
    return catalog


def _one(value: Any) -> str | None:
    """A query parameter given once or repeated (SQLAlchemy gives a tuple): its last value."""
    if isinstance(value, tuple):
        return value[-1] if value else None
    return value


def _reflect_postgres(conn: Any, insp: Any, schema: str, catalog: _Catalog, where: str) -> None:
    from sqlalchemy import Enum
    from sqlalchemy.types import NullType

    names = insp.get_table_names(schema=schema)
    if not names:
        return
    columns = insp.get_multi_columns(schema=schema, filter_names=names)
    pks = insp.get_multi_pk_constraint(schema=schema, filter_names=names)
    fks = insp.get_multi_foreign_keys(schema=schema, filter_names=names)
    uniques = insp.get_multi_unique_constraints(schema=schema, filter_names=names)
    indexes = insp.get_multi_indexes(schema=schema, filter_names=names)
    comments = insp.get_multi_table_comment(schema=schema, filter_names=names)
    for name in names:
        key = (schema, name)
        unique = {u["column_names"][0] for u in uniques.get(key, []) if len(u["column_names"]) == 1}
        for ix in indexes.get(key, []):
            cols = ix.get("column_names") or []
            partial = (ix.get("dialect_options") or {}).get("postgresql_where") is not None
            if ix.get("unique") and not partial and len(cols) == 1 and cols[0] is not None:
                unique.add(cols[0])
        cols_out: list[Column] = []
        for c in columns.get(key, []):
            sa_type = c["type"]
            logical: LogicalType | None = None
            if isinstance(sa_type, Enum):
                logical = LogicalType.TEXT
            base = getattr(sa_type, "data_type", None)  # a DOMAIN: its underlying type decides
            if base is not None and not isinstance(base, NullType):
                logical = logical_type_of(_pg_type_text(conn, base), "postgres")
            if isinstance(sa_type, NullType):
                native = _pg_format_type(conn, schema, name, c["name"])
            else:
                native = _pg_type_text(conn, sa_type) or _pg_format_type(conn, schema, name, c["name"])
            cols_out.append(
                _column(
                    c["name"],
                    native,
                    "postgres",
                    nullable=bool(c["nullable"]),
                    unique=c["name"] in unique,
                    comment=c.get("comment"),
                    logical=logical,
                )
            )
        table_comment = (comments.get(key) or {}).get("text")
        catalog.tables.append(
            Table(
                name=name,
                description=(table_comment or "").strip(),
                columns=cols_out,
                primary_key=list((pks.get(key) or {}).get("constrained_columns") or []),
            )
        )
        for fk in fks.get(key, []):
            ref_schema = fk.get("referred_schema")
            if ref_schema not in (None, schema):
                log.warning(
                    "%s: foreign key %s(%s) -> %s.%s: the target lies in another schema; ignored",
                    where,
                    name,
                    ", ".join(fk["constrained_columns"]),
                    ref_schema,
                    fk["referred_table"],
                )
                continue
            catalog.foreign_keys.append(
                _RawFK(
                    name, list(fk["constrained_columns"]), fk["referred_table"], list(fk["referred_columns"])
                )
            )


def _pg_type_text(conn: Any, sa_type: Any) -> str:
    """The type as SQLAlchemy's PostgreSQL dialect writes it (VARCHAR(100), NUMERIC(10, 2)...)."""
    try:
        return str(sa_type.compile(dialect=conn.dialect))
    except Exception:  # noqa: BLE001 - a type SQLAlchemy reflected but cannot write back
        return ""


def _pg_format_type(conn: Any, schema: str, table: str, column: str) -> str:
    """The server's own spelling of a column type SQLAlchemy does not know (PostGIS, ranges...)."""
    row = conn.exec_driver_sql(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
        "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s AND NOT a.attisdropped",
        (schema, table, column),
    ).fetchone()
    return str(row[0]) if row and row[0] else ""
