"""The value profile of a database: what each column holds, read through a read-only engine.

Per table the row count; per column the NULL fraction, the number of distinct values (exact below
`EXACT_DISTINCT_MAX_ROWS` rows, estimated above), min and max, the most frequent values, and a
seeded sample of distinct values that generators use for predicates (`profile.values(t, c)`).
It works on a user's own database: only SELECTs run, through `open_engine(url, read_only=True)`.

The sample is deterministic for the same data and seed: ranks are drawn with a seeded generator
from the sorted distinct values, and the values at those ranks are fetched with one
`ROW_NUMBER() OVER (ORDER BY value)` query, so at most `sample_size` values ever leave the database.

Values are stored JSON-safe (dates as ISO strings, DECIMAL as strings, binary as hex); `values()`
turns them back into Python values using the column's logical type.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from sqlsynth.engines.url import mask_url
from sqlsynth.errors import SqlsynthError
from sqlsynth.populate.semantics import rng_for
from sqlsynth.render import quote
from sqlsynth.schema.model import Schema, Table
from sqlsynth.schema.types import LogicalType

EXACT_DISTINCT_MAX_ROWS = 1_000_000
PROFILE_VERSION = 1


class ValueCount(BaseModel):
    value: Any
    count: int


class ColumnProfile(BaseModel):
    name: str
    logical_type: LogicalType = LogicalType.OTHER
    nulls: int = 0
    null_fraction: float = 0.0
    distinct: int | None = None
    distinct_exact: bool = True
    min: Any = None
    max: Any = None
    top_values: list[ValueCount] = Field(default_factory=list)
    sample: list[Any] = Field(default_factory=list)
    error: str | None = None


class TableProfile(BaseModel):
    name: str
    rows: int = 0
    columns: dict[str, ColumnProfile] = Field(default_factory=dict)
    error: str | None = None


class Profile(BaseModel):
    """A database's value profile; `save`/`load` as JSON, `values(table, column)` for generators."""

    version: int = PROFILE_VERSION
    url: str = ""  # password masked
    engine: str = ""
    seed: int = 0
    sample_size: int = 20
    top_k: int = 10
    tables: dict[str, TableProfile] = Field(default_factory=dict)

    def table(self, name: str) -> TableProfile:
        if name in self.tables:
            return self.tables[name]
        for key, tp in self.tables.items():
            if key.lower() == name.lower():
                return tp
        raise KeyError(f"profile has no table {name!r}")

    def column(self, table: str, column: str) -> ColumnProfile:
        tp = self.table(table)
        if column in tp.columns:
            return tp.columns[column]
        for key, cp in tp.columns.items():
            if key.lower() == column.lower():
                return cp
        raise KeyError(f"profile has no column {table}.{column}")

    def values(self, table: str, column: str) -> list[Any]:
        """The sampled distinct values of a column as Python values (date, Decimal, bytes...)."""
        cp = self.column(table, column)
        return [from_json_value(v, cp.logical_type) for v in cp.sample]

    def frequent(self, table: str, column: str) -> list[tuple[Any, int]]:
        cp = self.column(table, column)
        return [(from_json_value(vc.value, cp.logical_type), vc.count) for vc in cp.top_values]

    def save(self, path: str | Path) -> None:
        from sqlsynth.io import write_text_atomic

        write_text_atomic(Path(path), self.model_dump_json(indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        p = Path(path)
        try:
            return cls.model_validate_json(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SqlsynthError("no such file", where=str(p)) from None
        except ValueError as err:
            raise SqlsynthError(f"not a sqlsynth profile ({err.__class__.__name__})", where=str(p)) from None


# ---------------------------------------------------------------------------------------------
# JSON-safe values
# ---------------------------------------------------------------------------------------------


def to_json_value(v: Any) -> Any:
    """A JSON-safe form of a database value; the column's logical type tells how to read it back."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v).hex()
    if isinstance(v, uuid.UUID | dt.timedelta):
        return str(v)
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True, default=str)
    return str(v)


def from_json_value(v: Any, logical: LogicalType) -> Any:
    if v is None:
        return None
    try:
        if logical is LogicalType.DECIMAL:
            return Decimal(str(v))
        if logical is LogicalType.INTEGER:
            return int(v)
        if logical is LogicalType.FLOAT:
            return float(v)
        if logical is LogicalType.BOOLEAN:
            return v if isinstance(v, bool) else str(v).lower() in ("1", "true", "t", "yes")
        if logical is LogicalType.DATE and isinstance(v, str):
            return dt.date.fromisoformat(v[:10])
        if logical is LogicalType.DATETIME and isinstance(v, str):
            return dt.datetime.fromisoformat(v)
        if logical is LogicalType.TIME and isinstance(v, str):
            return dt.time.fromisoformat(v)
        if logical is LogicalType.BINARY and isinstance(v, str):
            return bytes.fromhex(v)
    except (ValueError, TypeError):
        return v  # stored in a looser form than its declared type (SQLite): keep it as it is
    return v


# ---------------------------------------------------------------------------------------------
# Profiling
# ---------------------------------------------------------------------------------------------


def profile_database(
    url: str,
    *,
    seed: int = 0,
    sample_size: int = 20,
    top_k: int = 10,
    schema: Schema | None = None,
    timeout_s: float = 60.0,
) -> Profile:
    """Profile every table of the database at `url` (read-only). `schema` defaults to the one read
    from the database itself."""
    from sqlsynth.engines import open_engine

    if schema is None:
        from sqlsynth.schema.loaders import load_schema

        schema = load_schema(url)
    engine = open_engine(url, read_only=True)
    try:
        prof = Profile(url=mask_url(url), engine=engine.name, seed=seed, sample_size=sample_size, top_k=top_k)
        for table in schema.tables:
            prof.tables[table.name] = _profile_table(engine, table, seed, sample_size, top_k, timeout_s)
        return prof
    finally:
        engine.close()


class _Q:
    """SQL text for one engine, identifiers quoted by sqlglot."""

    def __init__(self, dialect: str, table: Table) -> None:
        self.dialect = dialect
        self.t = quote(table.name, dialect)

    def col(self, name: str) -> str:
        return quote(name, self.dialect)

    def expr(self, name: str, logical: LogicalType) -> str:
        """The column as compared and grouped: JSON and unknown types as text (PostgreSQL's json has
        no equality operator)."""
        c = self.col(name)
        if logical in (LogicalType.JSON, LogicalType.OTHER):
            return f"CAST({c} AS {'VARCHAR' if self.dialect == 'duckdb' else 'TEXT'})"
        return c


def _run(engine: Any, sql: str, timeout_s: float) -> list[tuple[Any, ...]]:
    res = engine.execute(sql, timeout_s=timeout_s)
    if not res.ok:
        raise _QueryError(res.error or "failed")
    return res.rows


class _QueryError(Exception):
    pass


_NO_MINMAX = (LogicalType.BOOLEAN, LogicalType.BINARY, LogicalType.JSON, LogicalType.OTHER)


def _profile_table(
    engine: Any, table: Table, seed: int, sample_size: int, top_k: int, timeout_s: float
) -> TableProfile:
    q = _Q(engine.dialect, table)
    tp = TableProfile(name=table.name)
    try:
        tp.rows = int(_run(engine, f"SELECT COUNT(*) FROM {q.t}", timeout_s)[0][0])
    except _QueryError as err:
        tp.error = str(err)
        return tp
    exact = tp.rows <= EXACT_DISTINCT_MAX_ROWS
    for col in table.columns:
        cp = ColumnProfile(name=col.name, logical_type=col.logical_type)
        tp.columns[col.name] = cp
        try:
            _profile_column(engine, q, tp.rows, exact, col.name, col.logical_type, cp, timeout_s)
            if tp.rows and cp.nulls < tp.rows:
                _top_values(engine, q, col.name, col.logical_type, cp, top_k, timeout_s)
                _sample(engine, q, table.name, col.name, col.logical_type, cp, seed, sample_size, timeout_s)
        except _QueryError as err:
            cp.error = str(err)
    return tp


def _profile_column(
    engine: Any,
    q: _Q,
    rows: int,
    exact: bool,
    name: str,
    logical: LogicalType,
    cp: ColumnProfile,
    timeout_s: float,
) -> None:
    c, e = q.col(name), q.expr(name, logical)
    parts = [f"COUNT({c})"]
    if exact:
        parts.append(f"COUNT(DISTINCT {e})")
    elif engine.dialect == "duckdb":
        parts.append(f"APPROX_COUNT_DISTINCT({e})")
    else:  # a lower bound from the first rows, marked as an estimate
        parts.append(
            f"(SELECT COUNT(DISTINCT v) FROM (SELECT {e} AS v FROM {q.t} LIMIT {EXACT_DISTINCT_MAX_ROWS}) s)"
        )
    minmax = logical not in _NO_MINMAX
    if minmax:
        parts += [f"MIN({c})", f"MAX({c})"]
    row = _run(engine, f"SELECT {', '.join(parts)} FROM {q.t}", timeout_s)[0]
    nonnull = int(row[0] or 0)
    cp.nulls = rows - nonnull
    cp.null_fraction = round(cp.nulls / rows, 6) if rows else 0.0
    cp.distinct = int(row[1] or 0)
    cp.distinct_exact = exact
    if minmax:
        cp.min, cp.max = to_json_value(row[2]), to_json_value(row[3])


def _top_values(
    engine: Any, q: _Q, name: str, logical: LogicalType, cp: ColumnProfile, top_k: int, timeout_s: float
) -> None:
    if top_k <= 0:
        return
    e = q.expr(name, logical)
    sql = (
        f"SELECT {e} AS v, COUNT(*) AS n FROM {q.t} WHERE {q.col(name)} IS NOT NULL "
        f"GROUP BY {e} ORDER BY n DESC, v LIMIT {int(top_k)}"
    )
    cp.top_values = [
        ValueCount(value=to_json_value(v), count=int(n)) for v, n in _run(engine, sql, timeout_s)
    ]


def _sample(
    engine: Any,
    q: _Q,
    table: str,
    name: str,
    logical: LogicalType,
    cp: ColumnProfile,
    seed: int,
    sample_size: int,
    timeout_s: float,
) -> None:
    if sample_size <= 0 or not cp.distinct:
        return
    e = q.expr(name, logical)
    distinct_sql = f"SELECT DISTINCT {e} AS v FROM {q.t} WHERE {q.col(name)} IS NOT NULL"
    if cp.distinct <= sample_size:
        rows = _run(engine, f"{distinct_sql} ORDER BY v", timeout_s)
    else:
        rng = rng_for(seed, "profile", table, name)
        ranks = sorted(int(r) + 1 for r in rng.choice(cp.distinct, sample_size, replace=False))
        sql = (
            f"SELECT v FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn FROM ({distinct_sql}) d) x "
            f"WHERE rn IN ({', '.join(map(str, ranks))}) ORDER BY rn"
        )
        rows = _run(engine, sql, timeout_s)
    cp.sample = [to_json_value(r[0]) for r in rows]


__all__ = [
    "ColumnProfile",
    "Profile",
    "TableProfile",
    "ValueCount",
    "profile_database",
]
