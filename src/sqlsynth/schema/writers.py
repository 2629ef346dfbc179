"""Write a Schema out in other formats: the seeds/000 Excel data model (Tables / Columns /
Relationships sheets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sqlsynth.io import atomic_path
from sqlsynth.schema.model import Schema
from sqlsynth.schema.types import CANONICAL_TYPE

TABLES_HEADER = ("table_name", "description")
COLUMNS_HEADER = (
    "table_name",
    "column_name",
    "data_type",
    "is_primary_key",
    "is_foreign_key",
    "description",
    "nullable",
    "unique",
    "possible_values",
)
RELATIONSHIPS_HEADER = ("source_table", "source_column", "target_table", "target_column", "constraint_name")

_MIN_WIDTH, _MAX_WIDTH = 8, 60


def write_seeds000_workbook(schema: Schema, path: Path) -> None:
    """Write `schema` as a seeds/000 data-model workbook at `path`, atomically.

    Booleans are real Excel booleans; `possible_values` is a JSON list or an empty cell; a
    composite foreign key is one Relationships row per column pair, grouped by `constraint_name`
    (`fk_<source_table>_<n>`, n counting that table's foreign keys from 1). Concepts, display
    names and the `include` flag have no place in this format and are not written.
    """
    path = Path(path)
    wb = Workbook()
    tables_ws = wb.active
    tables_ws.title = "Tables"
    _fill(tables_ws, TABLES_HEADER, [(t.name, t.description or None) for t in schema.tables])

    fk_columns: dict[str, set[str]] = {}
    for fk in schema.foreign_keys:
        fk_columns.setdefault(fk.source_table, set()).update(fk.source_columns)
    column_rows = []
    for t in schema.tables:
        keys, fks = set(t.primary_key), fk_columns.get(t.name, set())
        for c in t.columns:
            column_rows.append(
                (
                    t.name,
                    c.name,
                    c.type or CANONICAL_TYPE[c.logical_type],
                    c.name in keys,
                    c.name in fks,
                    c.description or None,
                    c.nullable,
                    c.unique,
                    json.dumps(c.possible_values, ensure_ascii=False)
                    if c.possible_values is not None
                    else None,
                )
            )
    _fill(wb.create_sheet("Columns"), COLUMNS_HEADER, column_rows)

    relationship_rows = []
    counts: dict[str, int] = {}
    for fk in schema.foreign_keys:
        counts[fk.source_table] = counts.get(fk.source_table, 0) + 1
        name = f"fk_{fk.source_table}_{counts[fk.source_table]}"
        for src, dst in zip(fk.source_columns, fk.target_columns, strict=True):
            relationship_rows.append((fk.source_table, src, fk.target_table, dst, name))
    _fill(wb.create_sheet("Relationships"), RELATIONSHIPS_HEADER, relationship_rows)

    with atomic_path(path, suffix=".xlsx") as tmp:
        wb.save(tmp)


def _fill(ws: Worksheet, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Header in bold and frozen, then the rows; each column as wide as its longest text."""
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    widths = [len(h) for h in header]
    for row in rows:
        ws.append(list(row))
        for i, value in enumerate(row):
            if value is not None:
                widths[i] = max(widths[i], len(str(value)))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
