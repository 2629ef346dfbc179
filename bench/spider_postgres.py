"""The records' PostgreSQL renderings, run on PostgreSQL: do they answer as the SQLite SQL does?

    .venv/bin/python bench/spider_postgres.py [--n 200] [--seed 0] [--db X ...] [--workers 2]
                                              [--docs docs/benchmarks.md] [--json out.json] [--keep DIR]

A user with one SQLite database gets records whose `sql_by_dialect` holds PostgreSQL (and other)
renderings that no engine of the run executed: only parsed back. This checks them. For each Spider
training database (issue 4's real data):

1. `generate` N records on the Spider SQLite file alone (opened read-only), seed S, all default
   dialects and filters: the case where nothing but sqlglot vouches for the PostgreSQL SQL.
2. A throwaway PostgreSQL server (`sqlsynth.testing.pgserver`, as the tests use) gets a copy of the
   database: the tables of `render_ddl(schema, "postgres")`, again without keys and NOT NULLs if
   Spider's declared keys do not hold in its data, and every row (COPY). A column declared a date
   whose sampled values are not ISO 8601 dates is copied as text, as SQLite keeps it (PostgreSQL
   would read "04/12/2005 09:30" as a timestamp and answer with another spelling). A value that does
   not fit its column type (dirty data: '' in a number column) ends the copy: that database is left
   out, with the reason.
3. Every record's `sql_by_dialect["postgres"]` runs on PostgreSQL and its `sql` on SQLite; the rows
   are compared as the engines_agree filter compares them (as multisets unless the query fixes an
   order; floats to 1e-6).

Prints markdown; with --docs, replaces (or appends) its "## Records on PostgreSQL" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from _common import SPIDER, pct, sha1, work_folder, write_section
from spider_quality import sqlite_tables, without_constraints
from sqlsynth.dataset import read_records
from sqlsynth.engines import open_engine
from sqlsynth.engines.compare import CompareRules, compare_results
from sqlsynth.generate.runner import GenerateConfig, run_generate
from sqlsynth.generate.values import ValuePool, reads_as_dates
from sqlsynth.schema.ddl_render import render_ddl
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.model import Schema
from sqlsynth.schema.types import LogicalType
from sqlsynth.testing.pgserver import PgServer, start_server

SECTION = "## Records on PostgreSQL"
TIMEOUT_S = 10.0
MAX_ROWS = 10_000
EXAMPLES = 2  # per database and kind (error, different rows)


DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def retyped_dates(schema: Schema, sqlite_url: str) -> tuple[Schema, list[str]]:
    """`schema` with each column declared a date whose sampled values are not ISO 8601 dates
    made text, or an integer if they are whole numbers (see ColumnValues.dates: PostgreSQL would
    read "04/12/2005 09:30" as a timestamp, and show it otherwise), and each declared a datetime
    whose values are all dates
    without a time made a date (PostgreSQL would show '2008-01-01' as 2008-01-01 00:00:00, which
    the comparison keeps apart from a date); and those columns, as table.column (type)."""
    engine = open_engine(sqlite_url)
    try:
        pool = ValuePool.from_engine(engine, schema)
    finally:
        engine.close()
    changed: list[str] = []
    tables = []
    for table in schema.tables:
        columns = []
        for col in table.columns:
            info = pool.get(table.name, col.name)
            if col.logical_type.is_dated and not reads_as_dates(col.logical_type, info):
                lt = LogicalType.INTEGER if info.whole_numbers else LogicalType.TEXT  # a year: 2006
                col = col.model_copy(update={"type": lt.value, "logical_type": lt})
                changed.append(f"{table.name}.{col.name} ({lt.value})")
            elif col.logical_type is LogicalType.DATETIME and info.values and _date_only(info.values):
                col = col.model_copy(update={"type": "date", "logical_type": LogicalType.DATE})
                changed.append(f"{table.name}.{col.name} (date)")
            columns.append(col)
        tables.append(table.model_copy(update={"columns": columns}))
    return schema.model_copy(update={"tables": tables}), changed


def _date_only(values: list[Any]) -> bool:
    return all(isinstance(v, str) and DATE_ONLY.fullmatch(v) for v in values)


def copy_to_postgres(
    schema: Schema, sqlite_path: Path, server: PgServer, name: str
) -> tuple[str | None, str]:
    """Create a database `name` with the tables of `render_ddl(schema, "postgres")` and copy every
    row; (its URL, or None if the copy failed; a note)."""
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    note = ""
    try:
        for attempt in ("as rendered", "without keys"):
            url = server.create_database(f"{name}_{attempt.replace(' ', '_')}")
            ddl = render_ddl(schema, "postgres")
            if attempt == "without keys":
                ddl = [s for s in (without_constraints(x, "postgres") for x in ddl) if s]
            try:
                with psycopg.connect(url) as conn:
                    for stmt in ddl:
                        conn.execute(stmt)
                    copied = 0
                    for table, cols, rows in sqlite_tables(src, schema):
                        names = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
                        with conn.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                            for row in rows:
                                copy.write_row(row)
                        copied += len(rows)
                return url, f"{note}{copied} rows copied"
            except psycopg.Error as err:
                first = str(err).splitlines()[0][:160]
                if attempt == "as rendered":
                    note = f"keys dropped ({first}); "
                    continue
                return None, f"{note}not copied: {first}"
        return None, note
    finally:
        src.close()


def check_records(out: Path, sqlite_url: str, pg_url: str) -> dict[str, Any]:
    """Run every record on both engines; counts and a few examples of each kind of failure."""
    lite, pg = open_engine(sqlite_url), open_engine(pg_url)
    counts = {"records": 0, "agree": 0, "differ": 0, "error": 0}
    examples: dict[str, list[dict[str, str]]] = {"differ": [], "error": []}
    try:
        for rec in read_records(out / "records.jsonl"):
            counts["records"] += 1
            sql = rec.sql_by_dialect["postgres"]
            a = lite.execute(rec.sql, TIMEOUT_S, MAX_ROWS)
            b = pg.execute(sql, TIMEOUT_S, MAX_ROWS)
            if not b.ok:
                kind, why = "error", b.error or ("timed out" if b.timed_out else "failed")
            else:
                verdict = compare_results(a, b, CompareRules(order_matters=rec.order_matters))
                kind, why = ("agree", "") if verdict else ("differ", verdict.reason or "")
            counts[kind] += 1
            if kind != "agree" and len(examples[kind]) < EXAMPLES:
                examples[kind].append({"why": why.splitlines()[0][:200], "sql": sql})
    finally:
        lite.close()
        pg.close()
    return {**counts, "examples": examples}


def run_database(db_id: str, args: argparse.Namespace, work: Path, server: PgServer) -> dict[str, Any]:
    sqlite_path = SPIDER / "database" / db_id / f"{db_id}.sqlite"
    sqlite_url = f"sqlite:///{sqlite_path}"
    before = sha1(sqlite_path)
    schema = load_schema(SPIDER / "tables.json", db_id=db_id)
    out = work / f"out_{db_id}"
    config = GenerateConfig(
        db_id=db_id, dbs=[sqlite_url], n=args.n, seed=args.seed, workers=args.workers, source="spider"
    )
    t0 = time.perf_counter()
    run_generate(config, schema, out, progress=False)
    gen_s = time.perf_counter() - t0
    copied_schema, retyped = retyped_dates(schema, sqlite_url)
    t0 = time.perf_counter()
    pg_url, note = copy_to_postgres(copied_schema, sqlite_path, server, db_id.lower())
    copy_s = time.perf_counter() - t0
    checked = check_records(out, sqlite_url, pg_url) if pg_url else None
    return {
        "db_id": db_id,
        "copy": note,
        "retyped": retyped,
        "checked": checked,
        "generate_s": gen_s,
        "copy_s": copy_s,
        "spider_file_unchanged": before == sha1(sqlite_path),
    }


def report(args: argparse.Namespace, results: list[dict[str, Any]], seconds: float) -> str:
    cmd = shlex.join([".venv/bin/python", "bench/spider_postgres.py", *sys.argv[1:]])
    date = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    checked = [r for r in results if r["checked"]]
    total = {k: sum(r["checked"][k] for r in checked) for k in ("records", "agree", "differ", "error")}
    lines = [
        SECTION,
        "",
        f"Measured {date} with `{cmd}` (bench/spider_postgres.py; issue 4, Rendering and Quality), "
        f"{seconds / 60:.1f} min in all on a 2-CPU machine.",
        "",
        f"Per database: N = {args.n} records, seed {args.seed}, generated on the Spider SQLite file alone "
        "(so no engine ran the PostgreSQL renderings: only sqlglot parsed them back), then every record's "
        '`sql_by_dialect["postgres"]` run on a PostgreSQL 15 copy of the database and compared with its '
        "`sql` on SQLite (rows as multisets unless the query fixes an order, floats to 1e-6). The Spider "
        f"files' SHA-1 was the same after the run: {all(r['spider_file_unchanged'] for r in results)}.",
        "",
        "| database | PostgreSQL copy | records | agree | different rows | error on PostgreSQL |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r["checked"]
        retyped = r["retyped"]
        copy = r["copy"] + (f"; copied as: {', '.join(retyped)}" if retyped else "")
        if c is None:
            lines.append(f"| {r['db_id']} | {copy} | | | | |")
            continue
        lines.append(
            f"| {r['db_id']} | {copy} | {c['records']} | {pct(c['agree'], c['records'])} | {c['differ']} | "
            f"{c['error']} |"
        )
    lines += [
        f"| **all {len(checked)} copied** | | {total['records']} | "
        f"**{pct(total['agree'], total['records'])}** | {total['differ']} | {total['error']} |",
        "",
    ]
    failing = [
        (r["db_id"], kind, ex)
        for r in checked
        for kind, exs in r["checked"]["examples"].items()
        for ex in exs
    ]
    if failing:
        lines += ["Records that do not answer alike (up to 2 a database and kind):", ""]
        lines += [f"- {db} ({kind}: {ex['why']}): `{ex['sql']}`" for db, kind, ex in failing]
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="records per database")
    ap.add_argument("--db", action="append", help="database id (repeatable; default: all 14)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--docs", default="docs/benchmarks.md", help="markdown file to update ('' = none)")
    ap.add_argument("--json", type=Path, help="also write the per-database results as JSON")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = ap.parse_args()
    dbs = args.db or sorted(p.name for p in (SPIDER / "database").iterdir() if p.is_dir())
    work, tmp = work_folder(args.keep, "spider_postgres_")
    started = time.perf_counter()
    server = start_server()
    results = []
    try:
        for db_id in dbs:
            res = run_database(db_id, args, work, server)
            c = res["checked"]
            done = f"{c['agree']}/{c['records']} agree" if c else res["copy"]
            print(f"{db_id}: {done} (total {time.perf_counter() - started:.0f} s)", file=sys.stderr)
            results.append(res)
    finally:
        server.stop()
        if tmp is not None:
            tmp.cleanup()
    md = report(args, results, time.perf_counter() - started)
    print(md)
    if args.docs:
        write_section(Path(args.docs), md, SECTION)
        print(f"wrote the '{SECTION}' section of {args.docs}", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps({"results": results, "argv": sys.argv}, indent=1) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
