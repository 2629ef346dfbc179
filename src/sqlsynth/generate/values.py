"""Where predicate values come from: the database's own data (a value profile or a live sample).

Generators ask a ValuePool for real values of a column, so predicates hit rows and results are
not empty. A pool is built from a saved profile (`sqlsynth profile`) or by sampling a live engine.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from sqlsynth.render import quote
from sqlsynth.schema.types import LogicalType

# a date (and time) in ISO 8601, as SQLite's date functions read it
_ISO_DATE = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?"
)
_NUMBER_TEXT = re.compile(r"[-+]?\d+(\.\d*)?")  # "12", "3.50": a number stored as text
# a table of more rows is profiled on its first SAMPLE_ROWS + 1 rows, as the engine returns them: a
# column's frequent values, NULLs and distinct values are counted there and scaled to the table
# (counting every column of a table of millions of rows takes minutes; its sample, a second)
SAMPLE_ROWS = 100_000

if TYPE_CHECKING:
    from sqlsynth.engines.base import Engine
    from sqlsynth.schema.model import Schema


@dataclass
class ColumnValues:
    values: list[Any] = field(default_factory=list)  # distinct non-null values, most frequent first
    counts: list[int] = field(default_factory=list)  # the rows holding each of them
    null_fraction: float = 0.0
    distinct: int = 0

    @functools.cached_property
    def long_text(self) -> bool:
        """`long_text(values)`, worked out once per column (generators ask for every predicate)."""
        return long_text(self.values)

    @functools.cached_property
    def number_texts(self) -> bool:
        """Sampled values that are all numbers written as text ("12", "3.50"): a quantity stored
        in a text column, whose length means nothing."""
        return all(isinstance(v, str) and _NUMBER_TEXT.fullmatch(v.strip()) for v in self.values)

    @functools.cached_property
    def dates(self) -> bool:
        """Sampled values that are all dates or times the engines read as such: date objects, or
        text in ISO 8601 ("2005-04-12 09:30"). SQLite keeps a date as text and its date functions
        give NULL for any other spelling ("04/12/2005 09:30"), whose order is not the dates' order
        either."""
        return bool(self.values) and all(
            isinstance(v, dt.date) or (isinstance(v, str) and _ISO_DATE.fullmatch(v.strip()))
            for v in self.values
        )

    @functools.cached_property
    def whole_numbers(self) -> bool:
        """Sampled values that are all whole numbers (integral decimals are sampled as int): a
        number column that can be a category ("grade 4") whatever its declared type."""
        return bool(self.values) and all(type(v) is int for v in self.values)


@dataclass
class ValuePool:
    """Real values per (table, column) and row counts per table."""

    columns: dict[tuple[str, str], ColumnValues] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # a few whole rows per table
    # a few whole rows of a table that rows of another refer to, per one-column foreign key (keyed
    # by the referring table and column): "the albums of Metallica" needs an artist with albums
    referenced: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def get(self, table: str, column: str) -> ColumnValues:
        return self.columns.get((table, column), ColumnValues())

    def values(self, table: str, column: str) -> list[Any]:
        return self.get(table, column).values

    @classmethod
    def from_engine(
        cls,
        engine: Engine,
        schema: Schema,
        *,
        per_column: int = 40,
        per_table: int = 40,
        timeout_s: float = 30.0,
        part: tuple[int, int] = (0, 1),
        sample_rows: int | None = SAMPLE_ROWS,
    ) -> ValuePool:
        """Sample the most frequent distinct values of every column, the first `per_table` rows
        of every table and of the rows each one-column foreign key refers to (read-only queries).
        part=(i, n): only every n-th table and foreign key from the i-th, for `merged`. A table of
        more than `sample_rows` rows (None: no limit) is profiled on its first sample_rows + 1 rows,
        its counts scaled to its size (see SAMPLE_ROWS), and the rows its foreign keys refer to are
        those its first sample_rows rows refer to; its row count is exact."""
        pool = cls()
        q = functools.partial(quote, dialect=engine.dialect)
        i, n = part
        for table in schema.tables[i::n]:
            t = q(table.name)
            profiled = [
                c
                for c in table.columns
                if c.logical_type not in (LogicalType.BINARY, LogicalType.JSON, LogicalType.OTHER)
            ]
            # counted in its first sample_rows + 1 rows: all of them, or a sample
            head = (
                t if sample_rows is None else f"(SELECT * FROM {t} LIMIT {sample_rows + 1}) AS {q('sample')}"
            )
            counted, counts = _counts(engine, head, [q(c.name) for c in profiled], timeout_s)
            sampled = sample_rows is not None and counted > sample_rows
            total = _row_count(engine, t, timeout_s) if sampled else counted
            source, scale = (head, total / counted) if sampled else (t, 1.0)
            pool.row_counts[table.name] = total
            res = engine.execute(f"SELECT * FROM {t} LIMIT {per_table}", timeout_s)
            if res.ok and res.rows:
                pool.rows[table.name] = [
                    {name: _plain(v) for name, v in zip(res.columns, row, strict=True)} for row in res.rows
                ]
            for col, (non_null, distinct) in zip(profiled, counts, strict=True):
                c = q(col.name)
                grouped = f"SELECT {c}, COUNT(*) AS n FROM {source} WHERE {c} IS NOT NULL GROUP BY {c}"
                if sampled:  # and how many values the sample holds once, for `_distinct`
                    once = "SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END) OVER ()"
                    grouped = f"SELECT {c}, n, {once} FROM ({grouped}) AS {q('groups')}"
                res = engine.execute(f"{grouped} ORDER BY n DESC, {c} LIMIT {per_column}", timeout_s)
                vals = [_plain(r[0]) for r in res.rows] if res.ok else []
                if sampled:
                    distinct = _distinct(
                        distinct, non_null, int(res.rows[0][2]) if res.ok and res.rows else 0, scale
                    )
                pool.columns[(table.name, col.name)] = ColumnValues(
                    values=vals,
                    counts=[_scaled(int(r[1]), scale) for r in res.rows] if res.ok else [],
                    null_fraction=(1 - non_null / counted) if counted else 0.0,
                    distinct=distinct,
                )
        for fk in schema.foreign_keys[i::n]:
            if len(fk.source_columns) != 1:
                continue
            source, target = q(fk.source_table), q(fk.target_table)
            cut = "" if sample_rows is None else f" LIMIT {sample_rows}"  # rows referred to by a sample
            res = engine.execute(
                f"SELECT * FROM {target} WHERE {q(fk.target_columns[0])} IN "
                f"(SELECT {q(fk.source_columns[0])} FROM {source}{cut}) LIMIT {per_table}",
                timeout_s,
            )
            if res.ok and res.rows:
                pool.referenced[(fk.source_table, fk.source_columns[0])] = [
                    {name: _plain(v) for name, v in zip(res.columns, row, strict=True)} for row in res.rows
                ]
        return pool


def reads_as_dates(lt: LogicalType, info: ColumnValues | None) -> bool:
    """Declared a date or datetime, with sampled values (when known) that the engines read as
    dates (see ColumnValues.dates): what date functions, ranges and "the earliest" may ask of."""
    return lt.is_dated and (info is None or not info.values or info.dates)


def merged(parts: list[ValuePool], schema: Schema) -> ValuePool:
    """One pool of the parts `from_engine(..., part=(i, n))` made, i = 0..n-1, as `from_engine`
    would have made it whole (same entries, in the same order)."""
    pool = ValuePool()
    n = len(parts)
    for k, table in enumerate(schema.tables):
        part = parts[k % n]
        if table.name in part.row_counts:
            pool.row_counts[table.name] = part.row_counts[table.name]
        if table.name in part.rows:
            pool.rows[table.name] = part.rows[table.name]
        for col in table.columns:
            if (table.name, col.name) in part.columns:
                pool.columns[(table.name, col.name)] = part.columns[(table.name, col.name)]
    for k, fk in enumerate(schema.foreign_keys):
        key = (fk.source_table, fk.source_columns[0]) if len(fk.source_columns) == 1 else None
        if key is not None and key in parts[k % n].referenced:
            pool.referenced[key] = parts[k % n].referenced[key]
    return pool


def _counts(
    engine: Engine, table: str, columns: list[str], timeout_s: float
) -> tuple[int, list[tuple[int, int]]]:
    """A table's rows and (non-null, distinct) per column, in one query; a column whose counts fail
    (or a table that cannot be read) gets (0, 0)."""
    parts = ["COUNT(*)", *(f"COUNT({c}), COUNT(DISTINCT {c})" for c in columns)]
    res = engine.execute(f"SELECT {', '.join(parts)} FROM {table}", timeout_s)
    if res.ok and res.rows:
        total, *rest = (int(v or 0) for v in res.rows[0])
        return total, list(zip(rest[::2], rest[1::2], strict=True))
    # one column the engine cannot count (DISTINCT on a type without equality): each on its own
    total = _row_count(engine, table, timeout_s)
    out = []
    for c in columns:
        nn = engine.execute(f"SELECT COUNT({c}), COUNT(DISTINCT {c}) FROM {table}", timeout_s)
        out.append((int(nn.rows[0][0]), int(nn.rows[0][1])) if nn.ok and nn.rows else (0, 0))
    return total, out


def _row_count(engine: Engine, table: str, timeout_s: float) -> int:
    res = engine.execute(f"SELECT COUNT(*) FROM {table}", timeout_s)
    return int(res.rows[0][0]) if res.ok and res.rows else 0


def _distinct(distinct: int, non_null: int, once: int, scale: float) -> int:
    """The distinct values of a column of the whole table, from its `distinct` values among
    `non_null` in a sample `scale` times smaller, `once` of them held by one row there: a column
    that repeats no value in the sample (a key, a name) is taken to repeat none in the table;
    otherwise the values seen twice or more are all there are of their kind, and each value seen
    once stands for sqrt(scale) of them (Charikar et al.'s GEE estimator; within 20% of the count
    on all but one of the large columns of bench/bench_profile.py, 1.8x under on that one)."""
    if distinct == non_null:
        return _scaled(distinct, scale)
    return max(distinct, round(math.sqrt(scale) * once + (distinct - once)))


def _scaled(count: int, scale: float) -> int:
    """A count in a sample, as a count in the whole table (at least 1 if it was)."""
    return count if scale == 1.0 else max(1 if count else 0, round(count * scale))


_AS_IS = frozenset({int, str, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:  # most values: no chain of isinstance tests
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


# -- values as SQL literals (shared by the walk and template generators) -----------------------
def number(value: float) -> exp.Expression:
    """A numeric literal; non-integral floats rounded to 6 decimals."""
    if isinstance(value, float) and not value.is_integer():
        return exp.Literal.number(repr(round(value, 6)))
    return exp.Literal.number(str(int(value)))


def literal(value: Any, lt: LogicalType) -> exp.Expression | None:
    """A literal of `value` fit for a column of type `lt`: booleans stored as 0/1 (SQLite) become
    TRUE/FALSE (PostgreSQL compares a boolean only with those), numbers unquoted; None if the
    value cannot be one of that type."""
    if value is None:
        return None
    if lt is LogicalType.BOOLEAN:
        if isinstance(value, (bool, int, float)) and value in (0, 1):
            return exp.Boolean(this=bool(value))
        if isinstance(value, (int, float)):
            return exp.Literal.number(str(int(value)))
        return exp.Literal.string(str(value))
    if lt.is_numeric:
        if isinstance(value, (bool, int, float)):
            return number(int(value) if isinstance(value, bool) else value)
        try:
            return number(float(value))
        except (TypeError, ValueError):
            return None
    return exp.Literal.string(str(value))


def sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before text, so mixed sampled values sort without errors."""
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value))


def long_text(values: list[Any]) -> bool:
    """Free text (comments, descriptions): values a person would search in, not type out."""
    texts = [v for v in values if isinstance(v, str)]
    return bool(texts) and sum(len(v) for v in texts) / len(texts) > 40


def like_pattern(rng: random.Random, values: list[Any]) -> str | None:
    """A LIKE pattern (contains / prefix / suffix, of 3-5 characters or of one letter) cut from one
    of the text values; None when there is no usable value or the cut would hold a wildcard
    character (or, for one letter, would match another value in the other case)."""
    words = [v for v in values if isinstance(v, str) and len(v) >= 3]
    if not words:
        return None
    value = rng.choice(words)
    mode = rng.choice(("contains", "prefix", "suffix"))
    # one letter, as Spider's people ask ("first names containing the letter a": 9 of its 23 patterns)
    n = min(len(value), rng.choice((1, 3, 4, 5)))
    if n == 1:
        return _one_letter(rng, value, mode, words)
    if mode == "prefix":
        pattern = value[:n] + "%"
    elif mode == "suffix":
        pattern = "%" + value[-n:]
    else:
        start = rng.randrange(0, max(1, len(value) - n + 1))
        pattern = "%" + value[start : start + n] + "%"
    return None if re.search(r"[%_\\]", pattern.strip("%")) else pattern


def _one_letter(rng: random.Random, value: str, mode: str, words: list[str]) -> str | None:
    """A one-letter pattern of `value` whose letter no other value has in the other case where it
    would match (SQLite's LIKE ignores the case of ASCII letters, DuckDB's and PostgreSQL's do not)."""
    if mode == "contains":
        seen = {c for w in words for c in w}
        letters = sorted({c for c in value if c.isalpha() and c.swapcase() not in seen})
        return f"%{rng.choice(letters)}%" if letters else None
    at = 0 if mode == "prefix" else -1
    letter = value[at]
    if not letter.isalpha() or letter.swapcase() in {w[at] for w in words}:
        return None
    return f"{letter}%" if mode == "prefix" else f"%{letter}"
