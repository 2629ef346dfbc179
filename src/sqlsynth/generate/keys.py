"""Join keys a database does not declare, found in its data.

Warehouses often declare no foreign keys (BigQuery, Snowflake; Spider's student_1, whose students
and teachers share a `classroom`): the walk generator would then never join. A column A.x is taken
to refer to B.y when

1. its name says so: B.y has the same name (not a generic one such as `id` or `name`), or B is
   the table the name points at (`customer_id` -> customers' key, see `schema.infer`);
2. both hold keys: numbers (not floating point) or text of compatible types, and x is not A's
   own whole key;
3. the data agrees: B.y holds no NULL and no value twice, in 2 rows or more; A.x holds 2 values
   or more, each of them found in B.y;
4. exactly one B.y passes, and A.x holds some value twice (else the link is one-to-one and the
   data cannot tell its direction).

Only read queries run (counts and a NOT IN). The keys found are marked `inferred`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlsynth.render import quote
from sqlsynth.schema.infer import GENERIC_KEY_NAMES, compatible, infer_foreign_keys
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType

if TYPE_CHECKING:
    from sqlsynth.engines.base import Engine

KEY_TYPES = frozenset({LogicalType.INTEGER, LogicalType.DECIMAL, LogicalType.TEXT})  # Spider: `number`


def infer_join_keys(schema: Schema, engine: Engine, timeout_s: float = 30.0) -> list[ForeignKey]:
    """Foreign keys the data of `engine` (holding `schema`'s tables) implies and `schema` does not
    declare, each marked `inferred`, in schema order."""
    checker = _Checker(engine, timeout_s)
    declared = {(fk.source_table.lower(), c.lower()) for fk in schema.foreign_keys for c in fk.source_columns}
    by_name = {(fk.source_table, fk.source_columns[0]): fk for fk in infer_foreign_keys(schema)}
    found: list[ForeignKey] = []
    for table in schema.tables:
        for col in table.columns:
            if (table.name.lower(), col.name.lower()) in declared or not _key_like(table, col):
                continue
            targets = _candidates(schema, table, col, by_name.get((table.name, col.name)))
            refs = [(t, c) for t, c in targets if checker.unique(t, c) and checker.included(table, col, t, c)]
            if len(refs) != 1 or checker.unique(table, col):
                continue
            target, target_col = refs[0]
            found.append(
                ForeignKey(
                    source_table=table.name,
                    source_columns=[col.name],
                    target_table=target.name,
                    target_columns=[target_col.name],
                    inferred=True,
                )
            )
    return found


def _key_like(table: Table, col: Column) -> bool:
    return col.logical_type in KEY_TYPES and [k.lower() for k in table.primary_key] != [col.name.lower()]


def _candidates(
    schema: Schema, table: Table, col: Column, named: ForeignKey | None
) -> list[tuple[Table, Column]]:
    """(table, column) pairs `col` may refer to by name, each once, in schema order."""
    out: list[tuple[Table, Column]] = []
    pointed_at = (named.target_table, named.target_columns[0]) if named is not None else None
    for other in schema.tables:
        if other is table:
            continue
        for c in other.columns:
            same = c.name.lower() == col.name.lower() and col.name.lower() not in GENERIC_KEY_NAMES
            if (same or (other.name, c.name) == pointed_at) and compatible(col, c):
                out.append((other, c))
    return out


class _Checker:
    """The data checks, each query run once."""

    def __init__(self, engine: Engine, timeout_s: float) -> None:
        self.engine = engine
        self.timeout_s = timeout_s
        self._unique: dict[tuple[str, str], bool] = {}

    def _q(self, name: str) -> str:
        return quote(name, self.engine.dialect)

    def _one_row(self, sql: str) -> tuple[int, ...] | None:
        res = self.engine.execute(sql, self.timeout_s, 1)
        return tuple(int(v or 0) for v in res.rows[0]) if res.ok and res.rows else None

    def unique(self, table: Table, col: Column) -> bool:
        """2 rows or more, every one with its own value (no NULL)."""
        key = (table.name, col.name)
        if key not in self._unique:
            c, t = self._q(col.name), self._q(table.name)
            row = self._one_row(f"SELECT COUNT(*), COUNT({c}), COUNT(DISTINCT {c}) FROM {t}")
            self._unique[key] = row is not None and row[0] >= 2 and row[0] == row[1] == row[2]
        return self._unique[key]

    def included(self, table: Table, col: Column, target: Table, target_col: Column) -> bool:
        """`col` holds 2 values or more, each of them a value of `target_col`."""
        c, t = self._q(col.name), self._q(table.name)
        tc, tt = self._q(target_col.name), self._q(target.name)
        row = self._one_row(
            f"SELECT COUNT(DISTINCT {c}), COUNT(CASE WHEN {c} NOT IN (SELECT {tc} FROM {tt}) THEN 1 END) "
            f"FROM {t} WHERE {c} IS NOT NULL"
        )
        return row is not None and row[0] >= 2 and row[1] == 0
