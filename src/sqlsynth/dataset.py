"""The Record (one JSON object per line) and its JSONL IO.

A record file is written by appending lines (`RecordWriter`) so that a long run can be resumed
after a crash: a process killed mid-write leaves at most one truncated last line, which
`read_records` skips with a warning and `RecordWriter` cuts off before appending. A malformed
line anywhere else is an error naming the file and the line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlglot import exp

from sqlsynth.errors import SqlsynthError, first_problem
from sqlsynth.generate.measure import Complexity, Hardness
from sqlsynth.io import atomic_open

if TYPE_CHECKING:
    from sqlsynth.schema.model import Schema

log = logging.getLogger(__name__)

STRATEGIES = ("walk", "template", "llm")


class ExecutionResult(BaseModel):
    """How one engine ran one rendering. `rows` is the row count of the result."""

    model_config = ConfigDict(extra="allow")

    ok: bool
    rows: int | None = None
    ms: float | None = None
    error: str | None = None


class Provenance(BaseModel):
    model_config = ConfigDict(extra="allow")

    seed: int | None = None
    shard: int | None = None
    version: str | None = None
    source: str | None = None


class Record(BaseModel):
    """One (question, SQL) pair with everything known about it; see DESIGN.md, The Record.

    Extra fields are kept (e.g. `checked` {dialect: executed | transpile-checked | parsed},
    `result_preview`). `strategy` is one of STRATEGIES for generated records; importers may use
    other words.
    """

    model_config = ConfigDict(extra="allow")

    id: str
    db_id: str
    question: str = ""
    sql: str
    dialect: str = "sqlite"
    sql_by_dialect: dict[str, str] = Field(default_factory=dict)
    tables: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    complexity: Complexity = Field(default_factory=Complexity)
    hardness: Hardness | None = None
    strategy: str = "walk"
    template: str = ""
    execution: dict[str, ExecutionResult] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict)
    label: Any = None
    provenance: Provenance = Field(default_factory=Provenance)

    def to_json(self) -> str:
        """One line of JSON (no newline)."""
        return self.model_dump_json()

    def sql_in(self, dialect: str) -> str | None:
        """The SQL text in `dialect`, if the record has it."""
        if dialect in self.sql_by_dialect:
            return self.sql_by_dialect[dialect]
        return self.sql if dialect == self.dialect else None

    @classmethod
    def from_expr(
        cls,
        expr: exp.Expression,
        *,
        db_id: str,
        dialect: str = "sqlite",
        dialects: Iterable[str] | None = None,
        **fields: Any,
    ) -> Record:
        """A record for a query AST: SQL in `dialect` and in each of `dialects` (default: all of
        render.DIALECTS), complexity, hardness, template and a stable id from the canonical SQL.
        Other fields (question, tables, strategy...) are passed through."""
        from sqlsynth.generate.measure import measure, spider_hardness
        from sqlsynth.render import DIALECTS, record_keys, render_all

        names = list(dict.fromkeys([dialect, *(DIALECTS if dialects is None else dialects)]))
        sql_by_dialect = render_all(expr, names)
        canonical, template = record_keys(expr)
        values: dict[str, Any] = {
            "id": record_id(db_id, canonical),
            "db_id": db_id,
            "sql": sql_by_dialect[dialect],
            "dialect": dialect,
            "sql_by_dialect": sql_by_dialect,
            "complexity": measure(expr),
            "hardness": spider_hardness(expr),
            "template": template,
        }
        values.update(fields)
        return cls.model_validate(values)


def record_id(db_id: str, canonical_sql: str) -> str:
    """A stable id: the first 16 hex digits of sha1(db_id NUL canonical SQL)."""
    return hashlib.sha1(f"{db_id}\0{canonical_sql}".encode()).hexdigest()[:16]


def _as_record(item: Record | Mapping[str, Any]) -> Record:
    return item if isinstance(item, Record) else Record.model_validate(item)


# -- reading ----------------------------------------------------------------------------------
def read_records(path: str | Path) -> Iterator[Record]:
    """The records of a JSONL file, in order. Blank lines are skipped; a truncated last line (no
    newline at the end and not valid JSON: a killed writer) is skipped with a warning; any other
    bad line raises SqlsynthError naming the file and line."""
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8")
    except OSError as err:
        raise SqlsynthError(f"cannot read records ({err.strerror})", where=str(path)) from None
    with fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                if not line.endswith("\n"):
                    log.warning("%s: line %d is truncated (an interrupted write?); skipped", path, number)
                    return
                raise SqlsynthError(f"line {number}: not valid JSON ({err.msg})", where=str(path)) from None
            try:
                yield Record.model_validate(data)
            except ValidationError as err:
                problem = first_problem(err, "record")
                raise SqlsynthError(f"line {number}: not a record ({problem})", where=str(path)) from None


def existing_ids(path: str | Path) -> set[str]:
    """Ids of the records already in a file (empty if the file does not exist); for resuming."""
    path = Path(path)
    if not path.exists():
        return set()
    return {r.id for r in read_records(path)}


# -- writing ----------------------------------------------------------------------------------
def _cut_partial_last_line(path: Path) -> None:
    """Truncate `path` after its last newline if the last line is unfinished; a last line that is
    a whole JSON object missing only its newline (a kill between the two writes) is kept and
    finished, as `read_records` reads it."""
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        block = 1 << 16
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            fh.seek(start)
            chunk = fh.read(pos - start)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                keep = start + nl + 1
                break
            pos = start
        else:
            keep = 0
        fh.seek(keep)
        try:
            json.loads(fh.read(size - keep))
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
        else:
            fh.seek(0, os.SEEK_END)
            fh.write(b"\n")
            return
        log.warning("%s: dropping an unfinished last line (%d bytes) before appending", path, size - keep)
        fh.truncate(keep)


class RecordWriter:
    """Append records to a JSONL file; flush and fsync every `sync_every` records and on close.

    Opening an existing file appends to it (an unfinished last line left by a killed process is
    cut off first); `truncate=True` starts the file afresh.

        with RecordWriter(path) as w:
            w.write(record)
    """

    def __init__(self, path: str | Path, *, sync_every: int = 100, truncate: bool = False) -> None:
        if sync_every < 1:
            raise ValueError("sync_every must be at least 1")
        self.path = Path(path)
        self.sync_every = sync_every
        self.truncate = truncate
        self.count = 0
        self._unsynced = 0
        self._fh: Any = None

    def open(self) -> RecordWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not self.truncate:
            _cut_partial_last_line(self.path)
        self._fh = self.path.open("w" if self.truncate else "a", encoding="utf-8")
        return self

    def __enter__(self) -> RecordWriter:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def write(self, record: Record | Mapping[str, Any]) -> None:
        if self._fh is None:
            raise SqlsynthError("RecordWriter is not open", where=str(self.path))
        self._fh.write(_as_record(record).to_json() + "\n")
        self.count += 1
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._unsynced = 0

    def close(self) -> None:
        if self._fh is None:
            return
        try:
            self.sync()
        finally:
            self._fh.close()
            self._fh = None


def write_records_atomic(path: str | Path, records: Iterable[Record | Mapping[str, Any]]) -> int:
    """Write all `records` to `path` through a temporary file and a rename; returns the count.
    Nothing is left at `path` (nor an old file replaced) if writing fails part-way."""
    count = 0
    with atomic_open(Path(path)) as fh:
        for record in records:
            fh.write(_as_record(record).to_json() + "\n")
            count += 1
    return count


NOT_A_RUN = "not an output folder of sqlsynth (missing file)"


def read_manifest(path: str | Path) -> dict[str, Any]:
    """An output folder's manifest.json; SqlsynthError naming the file if it is missing or unreadable."""
    path = Path(path)
    if not path.exists():
        raise SqlsynthError(NOT_A_RUN, where=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SqlsynthError(f"cannot read the manifest ({err})", where=str(path)) from None


def load_output_folder(folder: str | Path) -> tuple[Schema, list[Record]]:
    """The schema (schema.json) and records (records.jsonl) of an output folder."""
    from sqlsynth.schema.model import Schema

    folder = Path(folder)
    records_path, schema_path = folder / "records.jsonl", folder / "schema.json"
    for p in (records_path, schema_path):
        if not p.exists():
            raise SqlsynthError(NOT_A_RUN, where=str(p))
    try:
        schema = Schema.from_json(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SqlsynthError(f"cannot read the schema ({err})", where=str(schema_path)) from None
    return schema, list(read_records(records_path))
