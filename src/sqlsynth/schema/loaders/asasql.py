"""ASASQL's description workbook: sheets `schema` (one row per column), `meta` (table
descriptions) and `concept` (domain terms). `meta` and `concept` are optional.

The format has no data types and no keys. A `data_type` column is used when present; otherwise
the logical type comes from the possible values, then from the column name, and `type` is that
logical type's canonical native name. The primary key is a column `id`, `<table>_id` or
`<singular table>_id`; foreign keys are inferred from names when `infer_keys` is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlsynth.schema.infer import infer_foreign_keys
from sqlsynth.schema.loaders.excel import Row, Sheet, parse_values, read_sheet
from sqlsynth.schema.model import Column, Concept, Schema, Table
from sqlsynth.schema.types import CANONICAL_TYPE, LogicalType, logical_type_of

SCHEMA_ALIASES = {
    "column_name_zh": "display_name",
    "possible_values": "possible_value",
    "type": "data_type",
}
META_ALIASES = {"table_name": "table"}
CONCEPT_ALIASES = {"term": "entity", "concept": "entity"}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_INTEGER_WORDS = {"id", "count", "num"}
_DATETIME_WORDS = {"at", "time", "timestamp", "datetime"}


def load_asasql(path: Path, sheets: Mapping[str, Any], infer_keys: bool) -> Schema:
    """schema / meta / concept sheets -> Schema (foreign keys inferred when `infer_keys`)."""
    schema_sheet = read_sheet(sheets["schema"], path, ["table_name", "column_name"], SCHEMA_ALIASES)
    tables = _read_schema_sheet(schema_sheet)
    if "meta" in sheets:
        _read_meta(read_sheet(sheets["meta"], path, ["table", "description"], META_ALIASES), tables)
    for table in tables.values():
        table.primary_key = primary_key_of(table)
        for name in table.primary_key:
            table.column(name).nullable = False
    schema = Schema(name=path.stem, tables=list(tables.values()))
    if "concept" in sheets:
        concept_sheet = read_sheet(sheets["concept"], path, ["entity", "description"], CONCEPT_ALIASES)
        schema.concepts = _read_concepts(concept_sheet, schema)
    if infer_keys:
        schema.foreign_keys = infer_foreign_keys(schema)
    return schema


def _read_schema_sheet(sheet: Sheet) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    seen: dict[tuple[str, str], int] = {}
    has_reason = "reason" in sheet.headers
    for row in sheet.rows:
        tname, cname = row.text("table_name"), row.text("column_name")
        if not tname or not cname:
            raise sheet.error(f"missing {'table_name' if not tname else 'column_name'}", row)
        table = tables.setdefault(tname.lower(), Table(name=tname))
        key = (table.name, cname.lower())
        if key in seen:
            raise sheet.error(f"duplicate column {table.name}.{cname} (first at row {seen[key]})", row)
        seen[key] = row.number
        table.columns.append(_column(sheet, row, cname, has_reason))
    return tables


def _column(sheet: Sheet, row: Row, name: str, has_reason: bool) -> Column:
    values = parse_values(sheet, row, "possible_value")
    native = row.text("data_type")
    if native:
        logical = logical_type_of(native)
    else:
        logical = logical_from_values(values) or logical_from_name(name)
        native = CANONICAL_TYPE[logical]
    return Column(
        name=name,
        type=native,
        logical_type=logical,
        description=row.text("description"),
        display_name=row.text("display_name") or None,
        possible_values=values,
        include=not has_reason or row.text("reason").lower() == "ok",
    )


def _read_meta(sheet: Sheet, tables: Mapping[str, Table]) -> None:
    for row in sheet.rows:
        name = row.text("table")
        if not name:
            raise sheet.error("missing table", row)
        table = tables.get(name.lower())
        if table is None:
            raise sheet.error(f"table {name!r} has no columns in sheet schema", row)
        table.description = row.text("description")


def _read_concepts(sheet: Sheet, schema: Schema) -> list[Concept]:
    concepts: list[Concept] = []
    for row in sheet.rows:
        term = row.text("entity")
        if not term:
            raise sheet.error("missing entity", row)
        concepts.append(
            Concept(term=term, description=row.text("description"), tables=tables_mentioning(schema, term))
        )
    return concepts


def tables_mentioning(schema: Schema, term: str) -> list[str]:
    """Tables whose name or description contains `term` (case-insensitive; `_` reads as a space)."""
    needle = term.lower().replace("_", " ")
    return [
        t.name
        for t in schema.tables
        if needle in t.name.lower().replace("_", " ") or needle in t.description.lower()
    ]


# -- keys and types ------------------------------------------------------------------------------
def singular(name: str) -> str:
    """`categories` -> `category`, `boxes` -> `box`, `hosts` -> `host`; other names unchanged."""
    low = name.lower()
    if low.endswith("ies"):
        return low[:-3] + "y"
    if low.endswith(("ses", "xes", "ches", "shes")):
        return low[:-2]
    if low.endswith("s") and not low.endswith("ss"):
        return low[:-1]
    return low


def primary_key_of(table: Table) -> list[str]:
    """`[id]`, `[<table>_id]` or `[<singular>_id]`, whichever column exists first; else `[]`."""
    for name in ("id", f"{table.name}_id", f"{singular(table.name)}_id"):
        if table.has_column(name):
            return [table.column(name).name]
    return []


def logical_from_values(values: list[Any] | None) -> LogicalType | None:
    """The type all non-blank possible values share (dates are ISO strings in JSON); None when
    there are none."""
    vals = [v for v in values or [] if v is not None and v != ""]
    if not vals:
        return None
    checks: list[tuple[LogicalType, Any]] = [
        (LogicalType.BOOLEAN, lambda v: isinstance(v, bool)),
        (LogicalType.INTEGER, lambda v: isinstance(v, int) and not isinstance(v, bool)),
        (LogicalType.FLOAT, lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
        (LogicalType.DATE, lambda v: _matches(_DATE, v)),
        (LogicalType.DATETIME, lambda v: _matches(_DATETIME, v, _DATE)),
        (LogicalType.TIME, lambda v: _matches(_TIME, v)),
    ]
    for logical, check in checks:
        if all(check(v) for v in vals):
            return logical
    return LogicalType.TEXT


def _matches(pattern: re.Pattern[str], value: Any, *others: re.Pattern[str]) -> bool:
    return isinstance(value, str) and any(p.fullmatch(value.strip()) for p in (pattern, *others))


def logical_from_name(name: str) -> LogicalType:
    """`is_*`/`has_*` boolean; `*_date` date; `*_at`/`*_time` datetime; `id`/`*_id`/`count`/`num`
    integer; anything else text."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().split("_")
    first, last = words[0], words[-1]
    if first in ("is", "has") and len(words) > 1:
        return LogicalType.BOOLEAN
    if last == "date":
        return LogicalType.DATE
    if last in _DATETIME_WORDS and (len(words) > 1 or last != "at"):
        return LogicalType.DATETIME
    if last in _INTEGER_WORDS or first == "num":
        return LogicalType.INTEGER
    return LogicalType.TEXT
