"""populate(): generate realistic rows once, in memory, and load them into databases sqlsynth creates."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from sqlsynth.errors import SqlsynthError
from sqlsynth.populate.generate import DEFAULT_ROWS, Dataset, check_inputs, generate_checked
from sqlsynth.populate.targets import Advance, parse_target, writer_for
from sqlsynth.schema.model import Schema


class EngineLoad(BaseModel):
    """One database loaded: where, which engine, how long, how fast."""

    url: str  # password masked
    engine: str
    rows: int
    seconds: float
    rows_per_s: float


class PopulateReport(BaseModel):
    """What populate did: rows per table, generation time, and one entry per database loaded."""

    seed: int
    tables: dict[str, int] = Field(default_factory=dict)
    total_rows: int = 0
    generate_seconds: float = 0.0
    loads: list[EngineLoad] = Field(default_factory=list)
    seconds: float = 0.0

    def load(self, engine: str) -> EngineLoad:
        for entry in self.loads:
            if entry.engine == engine:
                return entry
        raise KeyError(engine)

    def to_markdown(self) -> str:
        gen_rate = _rate(self.total_rows, self.generate_seconds)
        lines = [
            f"{self.total_rows:,} rows in {len(self.tables)} tables, "
            f"generated in {self.generate_seconds:.2f} s ({gen_rate} rows/s)",
            "",
            "| engine | database | load s | rows/s (load) | rows/s (generate + load) |",
            "|---|---|---:|---:|---:|",
        ]
        for e in self.loads:
            both = _rate(e.rows, e.seconds + self.generate_seconds)
            lines.append(f"| {e.engine} | {e.url} | {e.seconds:.2f} | {e.rows_per_s:,.0f} | {both} |")
        return "\n".join(lines)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def populate(
    schema: Schema,
    url: str | Path,
    *,
    rows: int | dict[str, int] = DEFAULT_ROWS,
    seed: int = 0,
    also: Sequence[str | Path] = (),
    null_rate: float = 0.1,
    skew: float = 1.2,
    progress: bool = True,
    locale: str = "en",
) -> PopulateReport:
    """Create `schema`'s tables in a new database at `url` and fill them with realistic rows.

    `url` is `sqlite:///file.db`, `duckdb:///file.duckdb` or `postgresql://user@host/newdb`
    (created on the server if missing); a database that already has tables is refused. `also`
    loads the identical rows into further databases. `rows` is a count per table, or a mapping
    {table: count} (key "*" sets the default for the others). `skew` spreads children over parents
    (0: uniform); `null_rate` is the share of NULLs in nullable columns.
    """
    started = time.perf_counter()
    requested = check_inputs(schema, rows, null_rate=null_rate, skew=skew)  # the input first, then targets
    targets = [parse_target(u) for u in [url, *also]]
    seen: set[str] = set()
    for t in targets:
        key = str(t.path.resolve()) if t.path is not None else t.url
        if key in seen:
            raise SqlsynthError("the same database is named twice", where=t.display)
        seen.add(key)
    writers = [writer_for(t) for t in targets]
    for w in writers:  # refuse or fail on an unreachable server before generating anything
        w.prepare()

    with _progress(progress) as bar:
        counts: dict[str, int] = {}
        gen_task = bar.add_task("generate", total=None)

        def on_table(name: str, n: int) -> None:
            counts[name] = n
            bar.update(gen_task, advance=n, description=f"generate {name}")

        t0 = time.perf_counter()
        data: Dataset = generate_checked(
            schema, requested, seed=seed, null_rate=null_rate, skew=skew, locale=locale, on_table=on_table
        )
        gen_s = time.perf_counter() - t0
        bar.update(gen_task, total=data.total_rows, completed=data.total_rows, description="generated")
        loads = []
        for w in writers:
            task = bar.add_task(f"{w.target.engine}", total=data.total_rows)
            advance = _advancer(bar, task, w.target.engine)
            secs = w.load(schema, data, advance)
            bar.update(task, completed=data.total_rows, description=f"{w.target.engine} done")
            loads.append(
                EngineLoad(
                    url=w.target.display,
                    engine=w.target.engine,
                    rows=data.total_rows,
                    seconds=round(secs, 4),
                    rows_per_s=round(data.total_rows / secs, 1) if secs > 0 else 0.0,
                )
            )
    return PopulateReport(
        seed=seed,
        tables=data.counts(),
        total_rows=data.total_rows,
        generate_seconds=round(gen_s, 4),
        loads=loads,
        seconds=round(time.perf_counter() - started, 4),
    )


def _advancer(bar: Any, task: Any, engine: str) -> Advance:
    def advance(table: str, n: int) -> None:
        bar.update(task, advance=n, description=f"{engine} {table}")

    return advance


class _NoProgress:
    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        yield bar
