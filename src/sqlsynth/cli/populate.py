"""`sqlsynth populate` (fill a new database with realistic rows) and `sqlsynth profile` (what a
database's columns hold, read-only)."""

from __future__ import annotations

import difflib
import re
import time
from pathlib import Path

import typer
from rich.table import Table as RichTable

from sqlsynth.cli.common import console, user_errors
from sqlsynth.errors import SqlsynthError
from sqlsynth.schema.model import Schema

DEMO = "demo"

_COUNT = re.compile(r"^\s*(\d[\d_]*)\s*([kKmM]?)\s*$")


def load_source(
    source: str, db_id: str | None = None, dialect: str | None = None, infer_keys: bool = True
) -> Schema:
    """A schema from any source; `demo` is the built-in e-commerce demo model."""
    if source == DEMO:
        from sqlsynth.schema.demo import demo_schema

        return demo_schema()
    from sqlsynth.schema.loaders import load_schema

    return load_schema(source, db_id=db_id, dialect=dialect, infer_keys=infer_keys)


def parse_count(text: str, what: str) -> int:
    """A non-negative row count: `5000`, `5_000`, `5k`, `1M`."""
    m = _COUNT.match(text)
    if not m:
        raise SqlsynthError(f"{text!r} is not a row count (use e.g. 5000, 5k or 1M)", where=what)
    n = int(m.group(1))
    return n * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]


def parse_rows_per_table(specs: list[str], schema: Schema) -> dict[str, int]:
    """`orders=5000,customers=1k` (the option may be repeated) as {table: rows}; `*=N` sets the
    default for the tables not named. Unknown tables and malformed items are SqlsynthErrors."""
    where = "--rows-per-table"
    out: dict[str, int] = {}
    for spec in specs:
        for item in spec.split(","):
            if not item.strip():
                continue
            name, sep, value = item.rpartition("=")
            name = name.strip()
            if not sep or not name:
                raise SqlsynthError(f"{item.strip()!r} is not TABLE=ROWS", where=where)
            count = parse_count(value, f"{where} {name}")
            if name != "*":
                if not schema.has_table(name):
                    close = difflib.get_close_matches(name, schema.table_names, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise SqlsynthError(f"no table {name!r} in schema {schema.name!r}{hint}", where=where)
                name = schema.table(name).name
            if name in out:
                raise SqlsynthError(f"table {name!r} is given twice", where=where)
            out[name] = count
    return out


@user_errors
def populate_cmd(
    source: str = typer.Argument(
        ..., help="Schema: `demo`, a workbook, .sql DDL, tables.json, schema JSON, or database URL."
    ),
    db: str = typer.Option(
        ...,
        "--db",
        metavar="URL",
        help="Database to create: sqlite:///f.db, duckdb:///f.duckdb, postgresql://host/newdb.",
    ),
    rows: str | None = typer.Option(
        None,
        "--rows",
        "-n",
        metavar="N",
        help="Rows per table (5000, 5k, 1M); default 1000.",
    ),
    rows_per_table: list[str] = typer.Option(
        [],
        "--rows-per-table",
        metavar="TABLE=N,...",
        help="Rows of named tables (repeatable); `*=N` sets the others, like --rows.",
    ),
    seed: int = typer.Option(0, "--seed", help="Same seed, same rows."),
    also: list[str] = typer.Option(
        [], "--also", metavar="URL", help="Load the identical rows into this database too (repeatable)."
    ),
    null_rate: float = typer.Option(0.1, "--null-rate", help="Share of NULLs in nullable columns (0..1)."),
    skew: float = typer.Option(1.2, "--skew", help="How unevenly children spread over parents (0: uniform)."),
    db_id: str | None = typer.Option(None, "--db-id", help="Which database of a Spider tables.json."),
    dialect: str | None = typer.Option(None, "--dialect", help="SQL dialect of a DDL source."),
    infer_keys: bool = typer.Option(
        True, "--infer-keys/--no-infer-keys", help="Infer foreign keys (ASASQL)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars on stderr."),
) -> None:
    """Create a schema's tables in a new database and fill them with realistic, FK-consistent rows."""
    from sqlsynth.populate import populate
    from sqlsynth.populate.generate import DEFAULT_ROWS

    schema = load_source(source, db_id, dialect, infer_keys)
    default = parse_count(rows, "--rows") if rows is not None else None
    counts: int | dict[str, int]
    if rows_per_table:
        counts = parse_rows_per_table(rows_per_table, schema)
        if default is not None:
            if "*" in counts:
                raise SqlsynthError(
                    "give the default either as --rows or as *=N, not both", where="--rows-per-table"
                )
            counts["*"] = default
    else:
        counts = default if default is not None else DEFAULT_ROWS
    report = populate(
        schema, db, rows=counts, seed=seed, also=also, null_rate=null_rate, skew=skew, progress=progress
    )
    gen_rate = report.total_rows / report.generate_seconds if report.generate_seconds > 0 else 0.0
    console.print(
        f"[bold]{schema.name}[/]: {report.total_rows:,} rows in {len(report.tables)} tables, "
        f"seed {report.seed}; generated in {report.generate_seconds:.2f} s ({gen_rate:,.0f} rows/s)",
        highlight=False,
    )
    grid = RichTable(title="rows loaded", title_justify="left")
    grid.add_column("engine")
    grid.add_column("database", overflow="fold")
    for head in ("rows", "load s", "rows/s", "rows/s incl. generate"):
        grid.add_column(head, justify="right")
    for e in report.loads:
        total_s = e.seconds + report.generate_seconds
        both = e.rows / total_s if total_s > 0 else 0.0
        grid.add_row(
            e.engine, e.url, f"{e.rows:,}", f"{e.seconds:.2f}", f"{e.rows_per_s:,.0f}", f"{both:,.0f}"
        )
    console.print(grid)
    empty = [name for name, n in report.tables.items() if n == 0]
    if empty:
        console.print(f"[yellow]empty tables[/] (no parent rows or 0 requested): {', '.join(empty)}")


def default_profile_path(url: str) -> Path:
    """`<database file>.profile.json` beside a SQLite/DuckDB file; `<dbname>.profile.json` here for a
    server database."""
    from sqlsynth.engines.url import parse_url

    parsed = parse_url(url)
    if parsed.kind == "postgres":
        name = parsed.database or "postgres"
        return Path(f"{name}.profile.json")
    if parsed.in_memory or not parsed.path:
        raise SqlsynthError("an in-memory database has nothing to profile", where=parsed.display)
    path = Path(parsed.path)
    return path.with_name(f"{path.name}.profile.json")


@user_errors
def profile_cmd(
    db: str = typer.Option(
        ..., "--db", metavar="URL", help="Database to profile (read-only): a URL or a database file."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Profile JSON to write (default: <db file>.profile.json beside a database file).",
    ),
    schema_source: str | None = typer.Option(
        None,
        "--schema",
        help="Profile these tables and columns (any schema source, or `demo`; default: read from the db).",
    ),
    db_id: str | None = typer.Option(None, "--db-id", help="Which database of a Spider tables.json."),
    dialect: str | None = typer.Option(None, "--dialect", help="SQL dialect of a DDL --schema."),
    seed: int = typer.Option(0, "--seed", help="Seed of the value sample."),
    sample_size: int = typer.Option(20, "--sample-size", min=0, help="Distinct values sampled per column."),
    top_k: int = typer.Option(10, "--top-k", min=0, help="Most frequent values kept per column."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds allowed per profiling query."),
) -> None:
    """Profile any database read-only: rows, NULLs, distinct counts, min/max, frequent values, a sample."""
    from sqlsynth.engines.url import mask_url
    from sqlsynth.populate import profile_database

    path = out if out is not None else default_profile_path(db)
    schema = load_source(schema_source, db_id, dialect) if schema_source else None
    started = time.perf_counter()
    prof = profile_database(
        db, seed=seed, sample_size=sample_size, top_k=top_k, schema=schema, timeout_s=timeout
    )
    secs = time.perf_counter() - started
    prof.save(path)
    n_cols = sum(len(t.columns) for t in prof.tables.values())
    n_rows = sum(t.rows for t in prof.tables.values())
    console.print(
        f"profiled {len(prof.tables)} tables, {n_cols} columns, {n_rows:,} rows of {mask_url(db)} "
        f"({prof.engine}) in {secs:.1f} s; wrote {path}",
        highlight=False,
    )
    biggest = sorted(prof.tables.values(), key=lambda t: (-t.rows, t.name))
    grid = RichTable(show_edge=False, pad_edge=False)
    for head in ("table", "rows", "columns", "most NULLs"):
        grid.add_column(head, justify="right" if head in ("rows", "columns") else "left")
    for tp in biggest[:10]:
        worst = max(tp.columns.values(), key=lambda c: c.null_fraction, default=None)
        nulls = f"{worst.name} {worst.null_fraction:.0%}" if worst and worst.null_fraction else ""
        grid.add_row(tp.name, f"{tp.rows:,}", str(len(tp.columns)), nulls)
    console.print(grid)
    if len(biggest) > 10:
        console.print(f"... and {len(biggest) - 10} more tables", style="dim")
    problems = [f"{t.name}: {t.error}" for t in prof.tables.values() if t.error] + [
        f"{t.name}.{c.name}: {c.error}" for t in prof.tables.values() for c in t.columns.values() if c.error
    ]
    if problems:
        console.print(f"[yellow]{len(problems)} could not be profiled:[/]", highlight=False)
        for line in problems[:5]:
            console.print(f"  {line}", highlight=False, soft_wrap=True)
        if len(problems) > 5:
            console.print(f"  ... {len(problems) - 5} more (see {path})", highlight=False)
