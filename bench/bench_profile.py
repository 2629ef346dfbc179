"""Benchmark the value profile `generate` makes at its start, on a database with large tables.

    .venv/bin/python bench/bench_profile.py [--rows orders=1M,order_items=2M,*=5k] [--repeat 3]
        [--docs docs/benchmarks.md] [--keep DIR]

The demo model is populated (`populate`, seed 0) into a new SQLite file and a DuckDB copy with the
row counts of `--rows`. On each engine, `ValuePool.from_engine` runs whole (`sample_rows=None`: every
column of every table counted) and as `generate` runs it (a table of more than SAMPLE_ROWS rows
counted in its first rows, the counts scaled), alternating, `--repeat` times each, in one process;
the ratio of the medians is the speed-up. Then what the sample changes: columns whose most frequent
values, distinct counts or NULL shares differ from the whole count's. With `--docs`, the section
"## Value profile on large tables" of that file is rewritten (its notes kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from pathlib import Path

from _common import cpu_model, work_folder, write_section
from sqlsynth.cli.populate import parse_rows_per_table
from sqlsynth.engines.base import Engine
from sqlsynth.generate.runner import open_run_engine
from sqlsynth.generate.values import SAMPLE_ROWS, ValuePool
from sqlsynth.populate import populate
from sqlsynth.schema.demo import demo_schema
from sqlsynth.schema.model import Schema

HEADER = "## Value profile on large tables"


def timed(engine: Engine, schema: Schema, sample_rows: int | None) -> tuple[float, ValuePool]:
    start = time.perf_counter()
    pool = ValuePool.from_engine(engine, schema, sample_rows=sample_rows)
    return time.perf_counter() - start, pool


def differences(whole: ValuePool, sampled: ValuePool, big: set[str]) -> dict[str, int]:
    """How many columns of the large tables the sample profiles otherwise."""
    out = {
        "columns": 0,
        "top value": 0,
        "top-10 set": 0,
        "distinct off by > 10%": 0,
        "NULL share off by > 0.02": 0,
    }
    for (table, column), w in whole.columns.items():
        if table not in big:
            continue
        s = sampled.get(table, column)
        out["columns"] += 1
        out["top value"] += w.values[:1] != s.values[:1]
        out["top-10 set"] += set(w.values[:10]) != set(s.values[:10])
        out["distinct off by > 10%"] += abs(s.distinct - w.distinct) > 0.1 * max(w.distinct, 1)
        out["NULL share off by > 0.02"] += abs(s.null_fraction - w.null_fraction) > 0.02
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="orders=1M,order_items=2M,*=5k")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--docs", type=Path)
    ap.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = ap.parse_args()

    schema = demo_schema()
    work, tmp = work_folder(args.keep, "sqlsynth-profile-")
    sqlite_url, duckdb_url = f"sqlite:///{work / 'big.db'}", f"duckdb:///{work / 'big.duckdb'}"
    started = time.perf_counter()
    if not (work / "big.db").exists():
        rows = parse_rows_per_table(args.rows.split(","), schema)
        populate(schema, sqlite_url, rows=rows, seed=0, also=[duckdb_url], progress=False)
    populate_s = time.perf_counter() - started

    lines: list[str] = []
    diffs: dict[str, dict[str, int]] = {}
    for url in (sqlite_url, duckdb_url):
        with open_run_engine(url) as engine:  # as `generate` opens it (DuckDB: one thread)
            timed(engine, schema, SAMPLE_ROWS)  # warm the file cache
            whole_s, sampled_s = [], []
            for _ in range(args.repeat):
                s, whole = timed(engine, schema, None)
                whole_s.append(s)
                s, sampled = timed(engine, schema, SAMPLE_ROWS)
                sampled_s.append(s)
            big = {t for t, n in whole.row_counts.items() if n > SAMPLE_ROWS}
            diffs[engine.label] = differences(whole, sampled, big)
            same_counts = whole.row_counts == sampled.row_counts
            w, m = statistics.median(whole_s), statistics.median(sampled_s)
            lines.append(
                f"| {engine.label} | {w:.2f} ({min(whole_s):.2f}) | {m:.2f} ({min(sampled_s):.2f}) "
                f"| **{w / m:.1f}×** | {'yes' if same_counts else 'no'} |"
            )
            print(lines[-1], flush=True)

    counts = whole.row_counts
    big_tables = ", ".join(f"{t} {counts[t]:,}" for t in sorted(counts, key=lambda t: -counts[t]) if t in big)
    md = [
        HEADER,
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python "
        f"bench/bench_profile.py --rows {args.rows} --repeat {args.repeat}` (bench/bench_profile.py; "
        "issue 4: `generate` on a user's own, large database).",
        "",
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}; one process.",
        "",
        f"Workload: the demo model (49 tables) populated with `--rows-per-table {args.rows}` into SQLite "
        f"and a DuckDB copy ({sum(counts.values()):,} rows; {big_tables}; populated in {populate_s:.0f} s). "
        "`ValuePool.from_engine`, on an engine opened as `generate` opens it (DuckDB on one thread), "
        "counts each table's rows, every column's non-NULL and distinct values and "
        "its 40 most frequent values, and reads a few whole rows per table and per foreign key. *Whole*: "
        "every table counted in full; *sampled*: as `generate` does it, a table of more than "
        f"{SAMPLE_ROWS:,} rows counted in its first rows, the counts scaled to its size (its row count "
        "exact). Seconds: median (best) of the runs, which alternate.",
        "",
        "| engine | whole, s | sampled, s | speed-up | row counts the same |",
        "|---|---:|---:|---:|---|",
        *lines,
        "",
        f"What the sample changes, columns of the large tables (of {next(iter(diffs.values()))['columns']}):",
        "",
        "| engine | " + " | ".join(k for k in next(iter(diffs.values())) if k != "columns") + " |",
        "|---|" + "---:|" * (len(next(iter(diffs.values()))) - 1),
        *(
            f"| {label} | " + " | ".join(str(v) for k, v in d.items() if k != "columns") + " |"
            for label, d in diffs.items()
        ),
        "",
    ]
    text = "\n".join(md)
    print(text)
    if args.docs:
        write_section(args.docs, text, HEADER)
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
