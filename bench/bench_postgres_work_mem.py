"""Benchmark the PostgreSQL engine's work_mem (WORK_MEM) against the server's default, on large tables.

    .venv/bin/python bench/bench_postgres_work_mem.py [--rows orders=300k,order_items=600k,*=5k]
        [--n 200] [--docs docs/benchmarks.md]

A throwaway local PostgreSQL server (`sqlsynth.testing.pgserver`) gets the demo model populated with
`--rows`; `sqlsynth generate` writes `--n` records on it alone (one engine, the reference). Then each
record's PostgreSQL query runs again on one connection, with the engine's WORK_MEM and then with the
server's default work_mem, under a 60 s statement timeout: the time of all of them, the slowest, and
the ratio (once each: with the default, the slow queries take minutes). With `--docs`, the section
"## PostgreSQL work_mem on large tables" of that file is rewritten (its notes kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from _common import REPO, cpu_model, work_folder, write_section
from sqlsynth.cli.populate import parse_rows_per_table
from sqlsynth.dataset import read_records
from sqlsynth.engines.postgres import WORK_MEM
from sqlsynth.populate import populate
from sqlsynth.schema.demo import demo_schema
from sqlsynth.testing.pgserver import start_server

HEADER = "## PostgreSQL work_mem on large tables"


def timed_queries(conn: psycopg.Connection, queries: list[str]) -> tuple[float, float, str, int]:
    """(seconds in all, the slowest, its query, how many timed out)."""
    total, slowest, worst, timeouts = 0.0, 0.0, "", 0
    for sql in queries:
        start = time.perf_counter()
        try:
            conn.execute(sql).fetchmany(10_001)
        except psycopg.errors.QueryCanceled:
            timeouts += 1
        took = time.perf_counter() - start
        total += took
        if took > slowest:
            slowest, worst = took, sql
    return total, slowest, worst, timeouts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="orders=300k,order_items=600k,*=5k")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--docs", type=Path)
    args = ap.parse_args()

    schema = demo_schema()
    work, tmp = work_folder(None, "sqlsynth-pg-")
    server = start_server()
    try:
        url = server.url("bench")
        started = time.perf_counter()
        populate(schema, url, rows=parse_rows_per_table(args.rows.split(","), schema), seed=0, progress=False)
        populate_s = time.perf_counter() - started
        out = work / "out"
        started = time.perf_counter()
        cmd = [
            sys.executable,
            "-m",
            "sqlsynth",
            "generate",
            "demo",
            "--db",
            url,
            "-n",
            str(args.n),
            "--out",
            str(out),
        ]
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        generate_s = time.perf_counter() - started
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        queries = [r.sql_by_dialect["postgres"] for r in read_records(out / "records.jsonl")]
        with psycopg.connect(url, autocommit=True) as conn:
            default = conn.execute("SHOW work_mem").fetchone()[0]
            version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute("SET statement_timeout = '60s'")
            runs: dict[str, tuple[float, float, str, int]] = {}
            for setting in (WORK_MEM, default):  # once each: the default's slow queries take minutes
                conn.execute(f"SET work_mem = '{setting}'")
                runs[setting] = timed_queries(conn, queries)
    finally:
        server.stop()
    rows = [
        f"| {setting}{' (server default)' if setting == default else ' (the engine)'} | {b[0]:.2f} "
        f"| {b[1]:.2f} | {b[3]} |"
        for setting, b in runs.items()
    ]
    ratio = runs[default][0] / runs[WORK_MEM][0]
    timings = manifest["timings"]
    md = "\n".join(
        [
            HEADER,
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python "
            f"bench/bench_postgres_work_mem.py --rows {args.rows} --n {args.n}` "
            "(bench/bench_postgres_work_mem.py; issue 4: `generate` on a user's own PostgreSQL database).",
            "",
            f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}; PostgreSQL "
            f"{version}, a throwaway local server.",
            "",
            f"The demo model populated with `--rows-per-table {args.rows}` ({populate_s:.0f} s); "
            f"`sqlsynth generate demo --db postgresql://... -n {args.n}` on it took {generate_s:.1f} s "
            f"({timings['records_per_s']:.1f} records/s, {manifest['candidates']} candidates). "
            f"Its {len(queries)} queries run again on one "
            "connection with each work_mem (a 60 s statement timeout; once each, the engine's first):",
            "",
            "| work_mem | all queries, s | the slowest, s | timed out |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            f"All queries with the server's default / with the engine's: **{ratio:.1f}×**. The slowest "
            f"with the default: `{runs[default][2][:200]}`",
            "",
        ]
    )
    print(md)
    if args.docs:
        write_section(args.docs, md, HEADER)
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
