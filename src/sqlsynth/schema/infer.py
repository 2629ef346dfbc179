"""Foreign keys guessed from names, for sources that declare none (ASASQL sheets).

Two conservative rules, applied per column in schema order:

1. Naming convention: `x_id` (or `xId`/`xID`) references table `x`, `xs`, `xes` or `xies`
   (for `x` ending in `y`); the target column is that table's single-column primary key, else
   its column `id`, else its column named like the source column.
2. Shared key name: a column named like the single-column primary key of exactly one other
   table references that table (`orders.customer_id` -> `customers.customer_id`). Generic key
   names (`id`, `name`, `code`...) are not shared keys, and a column that is its own table's
   whole primary key is left alone (the direction of a 1:1 link is not clear from names).

Self-references are never inferred, a column that already is a foreign-key source is skipped,
and both sides must have compatible logical types (both numeric, or equal).
"""

from __future__ import annotations

import re

from sqlsynth.schema.model import Column, ForeignKey, Schema, Table

_SNAKE_ID = re.compile(r"^(?P<stem>.+)_id$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"^(?P<stem>.*[a-z0-9])(?:Id|ID)$")
GENERIC_KEY_NAMES = frozenset(
    {"id", "key", "code", "name", "title", "type", "value", "number", "no", "uuid", "date"}
)


def infer_foreign_keys(schema: Schema) -> list[ForeignKey]:
    """Foreign keys implied by column names and not yet declared, each marked `inferred`."""
    tables = {t.name.lower(): t for t in schema.tables}
    used = {(fk.source_table.lower(), c.lower()) for fk in schema.foreign_keys for c in fk.source_columns}
    found: list[ForeignKey] = []
    for table in schema.tables:
        for column in table.columns:
            if (table.name.lower(), column.name.lower()) in used:
                continue
            target = _by_convention(table, column, tables) or _by_shared_name(table, column, schema)
            if target is None:
                continue
            dst, dst_col = target
            if not compatible(column, dst.column(dst_col)):
                continue
            found.append(
                ForeignKey(
                    source_table=table.name,
                    source_columns=[column.name],
                    target_table=dst.name,
                    target_columns=[dst_col],
                    inferred=True,
                )
            )
    return found


def id_stem(column: str) -> str | None:
    """`customer_id` / `customerId` -> `customer`; None for names without an id suffix."""
    match = _SNAKE_ID.match(column) or _CAMEL_ID.match(column)
    return match.group("stem") if match else None


def plural_forms(stem: str) -> list[str]:
    """Table names a key stem may refer to, most likely first: x, xs, xes, x(y->ies)."""
    low = stem.lower()
    forms = [low, low + "s", low + "es"]
    if low.endswith("y"):
        forms.append(low[:-1] + "ies")
    return forms


def _by_convention(table: Table, column: Column, tables: dict[str, Table]) -> tuple[Table, str] | None:
    stem = id_stem(column.name)
    if stem is None:
        return None
    for form in plural_forms(stem):
        dst = tables.get(form)
        if dst is None:
            continue
        if dst is table:
            return None
        target = _target_column(dst, column.name)
        return (dst, target) if target else None
    return None


def _target_column(dst: Table, source_name: str) -> str | None:
    if len(dst.primary_key) == 1:
        return dst.column(dst.primary_key[0]).name
    for name in ("id", source_name):
        if dst.has_column(name):
            return dst.column(name).name
    return None


def _by_shared_name(table: Table, column: Column, schema: Schema) -> tuple[Table, str] | None:
    name = column.name.lower()
    if name in GENERIC_KEY_NAMES or [k.lower() for k in table.primary_key] == [name]:
        return None
    owners = [
        t
        for t in schema.tables
        if t is not table and len(t.primary_key) == 1 and t.primary_key[0].lower() == name
    ]
    if len(owners) != 1:
        return None
    return owners[0], owners[0].column(owners[0].primary_key[0]).name


def compatible(src: Column, dst: Column) -> bool:
    """Can `src` hold values of `dst` (both numbers, or the same logical type)?"""
    a, b = src.logical_type, dst.logical_type
    return a == b or (a.is_numeric and b.is_numeric)
