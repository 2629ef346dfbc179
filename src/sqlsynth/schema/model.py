"""The one typed schema model every stage reads: Schema, Table, Column, ForeignKey, Concept."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sqlsynth.schema.types import LogicalType, logical_type_of

if TYPE_CHECKING:
    from sqlsynth.schema.graph import FKGraph


class Column(BaseModel):
    """A column. `type` is the native type string as the source spelled it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str = ""
    logical_type: LogicalType = LogicalType.OTHER
    nullable: bool = True
    unique: bool = False
    description: str = ""
    display_name: str | None = None
    possible_values: list[Any] | None = None
    include: bool = True

    @model_validator(mode="before")
    @classmethod
    def _derive_logical_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("logical_type") in (None, ""):
            data = {**data, "logical_type": logical_type_of(data.get("type"))}
        return data

    @property
    def label(self) -> str:
        """How a person calls this column: the display name, else the humanised identifier."""
        return self.display_name or self.name.replace("_", " ").strip()


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    columns: list[Column] = Field(default_factory=list)
    primary_key: list[str] = Field(default_factory=list)

    def column(self, name: str) -> Column:
        """The column called `name` (exact match first, then case-insensitive); KeyError if none."""
        for col in self.columns:
            if col.name == name:
                return col
        low = name.lower()
        for col in self.columns:
            if col.name.lower() == low:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def has_column(self, name: str) -> bool:
        try:
            self.column(name)
        except KeyError:
            return False
        return True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


class ForeignKey(BaseModel):
    """source_table(source_columns) REFERENCES target_table(target_columns); composite allowed."""

    model_config = ConfigDict(extra="forbid")

    source_table: str
    source_columns: list[str]
    target_table: str
    target_columns: list[str]
    inferred: bool = False

    @model_validator(mode="after")
    def _same_arity(self) -> ForeignKey:
        if len(self.source_columns) != len(self.target_columns) or not self.source_columns:
            raise ValueError(
                f"foreign key {self.source_table}({', '.join(self.source_columns)}) -> "
                f"{self.target_table}({', '.join(self.target_columns)}) needs the same number "
                "of source and target columns"
            )
        return self

    @property
    def key(self) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
        """What makes two foreign keys the same (for deduplication and comparison)."""
        return (self.source_table, tuple(self.source_columns), self.target_table, tuple(self.target_columns))

    def __str__(self) -> str:
        return (
            f"{self.source_table}({', '.join(self.source_columns)}) -> "
            f"{self.target_table}({', '.join(self.target_columns)})"
        )


class Concept(BaseModel):
    """A domain term (ASASQL's concept sheet) and the tables it concerns."""

    model_config = ConfigDict(extra="forbid")

    term: str
    description: str = ""
    tables: list[str] = Field(default_factory=list)


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "schema"
    description: str = ""
    tables: list[Table] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    concepts: list[Concept] = Field(default_factory=list)

    # -- lookup -----------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        """The table called `name` (exact match first, then case-insensitive); KeyError if none."""
        for t in self.tables:
            if t.name == name:
                return t
        low = name.lower()
        for t in self.tables:
            if t.name.lower() == low:
                return t
        raise KeyError(f"schema {self.name!r} has no table {name!r}")

    def has_table(self, name: str) -> bool:
        try:
            self.table(name)
        except KeyError:
            return False
        return True

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def foreign_keys_of(self, table: str) -> list[ForeignKey]:
        """Foreign keys whose source is `table`."""
        return [fk for fk in self.foreign_keys if fk.source_table == table]

    def referencing(self, table: str) -> list[ForeignKey]:
        """Foreign keys whose target is `table`."""
        return [fk for fk in self.foreign_keys if fk.target_table == table]

    @cached_property
    def graph(self) -> FKGraph:
        from sqlsynth.schema.graph import FKGraph

        return FKGraph(self)

    # -- checks -----------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Inconsistencies that make the schema unusable: duplicates and dangling references."""
        out: list[str] = []
        seen_tables: set[str] = set()
        for t in self.tables:
            if t.name.lower() in seen_tables:
                out.append(f"duplicate table {t.name!r}")
            seen_tables.add(t.name.lower())
            seen_cols: set[str] = set()
            for c in t.columns:
                if c.name.lower() in seen_cols:
                    out.append(f"table {t.name!r}: duplicate column {c.name!r}")
                seen_cols.add(c.name.lower())
            for k in t.primary_key:
                if not t.has_column(k):
                    out.append(f"table {t.name!r}: primary key column {k!r} does not exist")
        for fk in self.foreign_keys:
            for side, tname, cols in (
                ("source", fk.source_table, fk.source_columns),
                ("target", fk.target_table, fk.target_columns),
            ):
                if not self.has_table(tname):
                    out.append(f"foreign key {fk}: {side} table {tname!r} does not exist")
                    continue
                for col in cols:
                    if not self.table(tname).has_column(col):
                        out.append(f"foreign key {fk}: {side} column {tname}.{col} does not exist")
        return out

    def warnings(self) -> list[str]:
        """Things worth telling the user that do not stop the work."""
        out: list[str] = []
        for t in self.tables:
            if not t.primary_key:
                out.append(f"table {t.name!r} has no primary key")
            for c in t.columns:
                if c.logical_type is LogicalType.OTHER:
                    out.append(f"column {t.name}.{c.name}: unknown data type {c.type!r}, using 'other'")
        for fk in self.foreign_keys:
            if not (self.has_table(fk.source_table) and self.has_table(fk.target_table)):
                continue
            src, dst = self.table(fk.source_table), self.table(fk.target_table)
            for s, d in zip(fk.source_columns, fk.target_columns, strict=True):
                if not (src.has_column(s) and dst.has_column(d)):
                    continue
                a, b = src.column(s).logical_type, dst.column(d).logical_type
                if a != b and not (a.is_numeric and b.is_numeric):
                    out.append(f"foreign key {fk}: type mismatch {s} is {a.value}, {d} is {b.value}")
        return out

    # -- canonical form and IO --------------------------------------------------------------
    def structure(self) -> dict[str, Any]:
        """What makes two schemas the same model: tables, columns, logical types, keys.

        Native type spellings, descriptions and column order are left out, so a workbook, a DDL
        file and a live database of the same model compare equal.
        """
        return {
            "tables": {
                t.name: {
                    "columns": {c.name: c.logical_type.value for c in t.columns},
                    "primary_key": sorted(t.primary_key),
                }
                for t in sorted(self.tables, key=lambda t: t.name)
            },
            "foreign_keys": sorted(fk.key for fk in self.foreign_keys),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent, exclude={"graph"})

    def save(self, path: str | Path) -> None:
        from sqlsynth.io import write_text_atomic

        write_text_atomic(Path(path), self.to_json() + "\n")

    @classmethod
    def from_json(cls, text: str) -> Schema:
        return cls.model_validate(json.loads(text))
