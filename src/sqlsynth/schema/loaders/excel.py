"""Excel data models: the seeds/000 workbook (Tables / Columns / Relationships sheets) and,
through `asasql`, ASASQL's schema / meta / concept sheets. The format is told by sheet names.

Sheet names and headers are matched case-insensitively, ignoring surrounding spaces. Every
error names the file, the sheet and the row as Excel shows it (the header is row 1).
"""

from __future__ import annotations

import ast
import json
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from sqlsynth.errors import SchemaError
from sqlsynth.schema.infer import infer_foreign_keys
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.validation import check_schema

log = logging.getLogger("sqlsynth.schema")

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}

# Header spellings accepted for the seeds/000 sheets, mapped to the canonical name.
MODEL_ALIASES = {
    "possible_value": "possible_values",
    "fk_name": "constraint_name",
    "primary_key": "is_primary_key",
    "foreign_key": "is_foreign_key",
    "is_nullable": "nullable",
    "is_unique": "unique",
}


# -- reading sheets ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One non-empty data row: canonical header -> cell value (strings stripped, blanks None)."""

    number: int
    cells: Mapping[str, Any]

    def get(self, key: str) -> Any:
        return self.cells.get(key)

    def text(self, key: str) -> str:
        """The cell as text ('' when blank); integral floats lose their `.0`."""
        return cell_text(self.cells.get(key))


@dataclass
class Sheet:
    """A worksheet read into memory, able to say where a row is."""

    path: Path
    title: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    header_row: int = 1

    def where(self, row: int | None = None) -> str:
        return f"{self.path}, sheet {self.title}, row {self.header_row if row is None else row}"

    def error(self, message: str, row: Row | int | None = None) -> SchemaError:
        number = row.number if isinstance(row, Row) else row
        return SchemaError(message, where=self.where(number))


def normalise_header(value: Any) -> str:
    """`' Table Name '` -> `table_name`."""
    return re.sub(r"[\s\-]+", "_", cell_text(value).strip().lower())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_sheet(
    ws: Any,
    path: Path,
    required: Iterable[str],
    aliases: Mapping[str, str] | None = None,
) -> Sheet:
    """Read a worksheet: the first non-empty row is the header; blank rows are skipped.

    Raises SchemaError naming the missing headers when a `required` one is absent.
    """
    aliases = aliases or {}
    ws.reset_dimensions()  # some writers record wrong dimensions; read what is there
    sheet: Sheet | None = None
    for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        cells = [_clean(v) for v in values]
        if all(c is None for c in cells):
            continue
        if sheet is None:
            headers = [aliases.get(h, h) for h in map(normalise_header, cells)]
            sheet = Sheet(path=path, title=ws.title, headers=headers, header_row=number)
            continue
        row = {h: c for h, c in zip(sheet.headers, cells, strict=False) if h and c is not None}
        if row:
            sheet.rows.append(Row(number, row))
    if sheet is None:
        sheet = Sheet(path=path, title=ws.title, headers=[])
    missing = [h for h in required if h not in sheet.headers]
    if missing:
        raise sheet.error(f"missing required column header(s): {', '.join(missing)}")
    return sheet


@contextmanager
def open_sheets(path: Path) -> Iterator[dict[str, Any]]:
    """Open the workbook read-only; yield its worksheets by lower-cased, stripped name."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, EOFError):
        raise SchemaError("not an Excel workbook", where=str(path)) from None
    except OSError as err:
        raise SchemaError(f"cannot read file ({err.strerror or err})", where=str(path)) from None
    try:
        yield {ws.title.strip().lower(): ws for ws in wb.worksheets}
    finally:
        wb.close()


# -- cell parsers --------------------------------------------------------------------------------
def parse_bool(sheet: Sheet, row: Row, key: str, default: bool) -> bool:
    """True/False/yes/no/y/n/1/0 in any case, or a real Excel boolean or number."""
    value = row.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    low = cell_text(value).lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise sheet.error(f"{key}: {value!r} is not a boolean (use true/false, yes/no or 1/0)", row)


def parse_values(sheet: Sheet, row: Row, key: str, *, loose: bool = False) -> list[Any] | None:
    """A possible-values cell: a JSON list (Python list syntax tolerated); None when blank.

    With `loose`, text that does not start with `[` is a comma-separated list.
    """
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        return [cell_text(value) if isinstance(value, datetime | date | time) else value]
    if loose and not value.startswith("["):
        return [part.strip() for part in value.split(",") if part.strip()]
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as err:
        parsed = _literal_list(value)
        if parsed is None:
            raise sheet.error(f"{key}: invalid JSON list ({err.msg})", row) from None
    if not isinstance(parsed, list):
        raise sheet.error(f'{key}: expected a JSON list such as ["a", "b"], got {value!r}', row)
    return parsed


def _literal_list(text: str) -> list[Any] | None:
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return list(parsed) if isinstance(parsed, list | tuple) else None


# -- entry point ---------------------------------------------------------------------------------
def load_excel(path: Path, infer_keys: bool = True) -> Schema:
    """Load a seeds/000 data model or ASASQL sheets from an .xlsx workbook."""
    path = Path(path)
    with open_sheets(path) as sheets:
        if "tables" in sheets or "columns" in sheets:
            for needed in ("Tables", "Columns"):
                if needed.lower() not in sheets:
                    raise SchemaError(f"missing sheet {needed!r}", where=str(path))
            schema = load_model(path, sheets, infer_keys)
        elif "schema" in sheets:
            from sqlsynth.schema.loaders.asasql import load_asasql

            schema = load_asasql(path, sheets, infer_keys)
        else:
            found = ", ".join(repr(ws.title) for ws in sheets.values()) or "none"
            raise SchemaError(
                "missing sheets: need 'Tables' and 'Columns' (data model) or 'schema' (ASASQL); "
                f"found {found}",
                where=str(path),
            )
    return check_schema(schema, where=str(path))


# -- seeds/000 data model --------------------------------------------------------------------------
def load_model(path: Path, sheets: Mapping[str, Any], infer_keys: bool) -> Schema:
    """Tables, Columns and (optional) Relationships sheets -> Schema."""
    tables_sheet = read_sheet(sheets["tables"], path, ["table_name"], MODEL_ALIASES)
    columns_sheet = read_sheet(
        sheets["columns"], path, ["table_name", "column_name", "data_type"], MODEL_ALIASES
    )
    tables, table_rows = _read_tables(tables_sheet)
    flagged = _read_columns(columns_sheet, tables)
    for key, table in tables.items():
        if not table.columns:
            raise tables_sheet.error(
                f"table {table.name!r} has no columns in sheet {columns_sheet.title}", table_rows[key]
            )
    schema = Schema(name=path.stem, tables=list(tables.values()))
    if "relationships" in sheets:
        rel_sheet = read_sheet(
            sheets["relationships"],
            path,
            ["source_table", "source_column", "target_table", "target_column"],
            MODEL_ALIASES,
        )
        schema.foreign_keys = _read_relationships(rel_sheet, schema)
    if infer_keys and flagged:
        schema.foreign_keys += _infer_flagged(schema, flagged)
    return schema


def _read_tables(sheet: Sheet) -> tuple[dict[str, Table], dict[str, Row]]:
    tables: dict[str, Table] = {}
    rows: dict[str, Row] = {}
    for row in sheet.rows:
        name = row.text("table_name")
        if not name:
            raise sheet.error("missing table_name", row)
        key = name.lower()
        if key in tables:
            raise sheet.error(f"duplicate table {name!r} (first at row {rows[key].number})", row)
        tables[key] = Table(name=name, description=row.text("description"))
        rows[key] = row
    return tables, rows


def _read_columns(sheet: Sheet, tables: Mapping[str, Table]) -> set[tuple[str, str]]:
    """Add each row's column to its table; return (table, column) pairs flagged is_foreign_key."""
    seen: dict[tuple[str, str], int] = {}
    flagged: set[tuple[str, str]] = set()
    for row in sheet.rows:
        tname, cname = row.text("table_name"), row.text("column_name")
        if not tname or not cname:
            raise sheet.error(f"missing {'table_name' if not tname else 'column_name'}", row)
        table = tables.get(tname.lower())
        if table is None:
            raise sheet.error(f"table {tname!r} is not listed in sheet Tables", row)
        key = (table.name, cname.lower())
        if key in seen:
            raise sheet.error(f"duplicate column {table.name}.{cname} (first at row {seen[key]})", row)
        seen[key] = row.number
        is_pk = parse_bool(sheet, row, "is_primary_key", False)
        table.columns.append(
            Column(
                name=cname,
                type=row.text("data_type"),
                nullable=parse_bool(sheet, row, "nullable", not is_pk),
                unique=parse_bool(sheet, row, "unique", False),
                description=row.text("description"),
                display_name=row.text("display_name") or None,
                possible_values=parse_values(sheet, row, "possible_values", loose=True),
            )
        )
        if is_pk:
            table.primary_key.append(cname)
        if parse_bool(sheet, row, "is_foreign_key", False):
            flagged.add((table.name, cname))
    return flagged


@dataclass(frozen=True)
class _Link:
    row: Row
    source_table: str
    source_column: str
    target_table: str
    target_column: str
    constraint: str


def _read_relationships(sheet: Sheet, schema: Schema) -> list[ForeignKey]:
    links = [_read_link(sheet, row, schema) for row in sheet.rows]
    named: dict[tuple[str, str, str], list[_Link]] = defaultdict(list)
    unnamed: dict[tuple[str, str], list[_Link]] = defaultdict(list)
    for link in links:
        if link.constraint:
            named[(link.constraint.lower(), link.source_table, link.target_table)].append(link)
        else:
            unnamed[(link.source_table, link.target_table)].append(link)
    groups = list(named.values())
    for (_, target), pair_links in unnamed.items():
        groups += _split_unnamed(pair_links, schema.table(target).primary_key)
    groups.sort(key=lambda g: g[0].row.number)
    fks: list[ForeignKey] = []
    for group in groups:
        fk = ForeignKey(
            source_table=group[0].source_table,
            source_columns=[link.source_column for link in group],
            target_table=group[0].target_table,
            target_columns=[link.target_column for link in group],
        )
        if fk in fks:
            log.warning("%s: foreign key %s listed twice", sheet.where(group[0].row.number), fk)
            continue
        fks.append(fk)
    return fks


def _read_link(sheet: Sheet, row: Row, schema: Schema) -> _Link:
    names: list[str] = []
    for side in ("source", "target"):
        tname, cname = row.text(f"{side}_table"), row.text(f"{side}_column")
        if not tname or not cname:
            raise sheet.error(f"missing {side}_table or {side}_column", row)
        if not schema.has_table(tname):
            raise sheet.error(f"{side}_table {tname!r}: unknown table", row)
        table = schema.table(tname)
        if not table.has_column(cname):
            raise sheet.error(f"{side}_column {cname!r}: table {table.name!r} has no such column", row)
        names += [table.name, table.column(cname).name]
    return _Link(row, names[0], names[1], names[2], names[3], row.text("constraint_name"))


def _split_unnamed(links: list[_Link], target_pk: list[str]) -> list[list[_Link]]:
    """Unnamed rows between two tables: one FK each, unless consecutive runs of them cover the
    target's composite primary key exactly, then each run is one composite FK."""
    width = len(target_pk)
    pk = {k.lower() for k in target_pk}
    if width > 1 and len(links) % width == 0:
        runs = [links[i : i + width] for i in range(0, len(links), width)]
        if all({link.target_column.lower() for link in run} == pk for run in runs):
            return runs
    return [[link] for link in links]


def _infer_flagged(schema: Schema, flagged: set[tuple[str, str]]) -> list[ForeignKey]:
    """Inferred keys for columns marked is_foreign_key that no Relationships row covers."""
    return [
        fk
        for fk in infer_foreign_keys(schema)
        if len(fk.source_columns) == 1 and (fk.source_table, fk.source_columns[0]) in flagged
    ]
