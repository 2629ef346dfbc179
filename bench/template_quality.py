"""The SQL-GEN template strategy per dialect (issue 6): records, pass rates, reject reasons and how the
dialect-specific SQL was checked, on the demo model and on Spider training databases.

    .venv/bin/python bench/template_quality.py [--n 100] [--dbs chinook_1,college_2,... | all | none]
                                               [--dialects sqlite,duckdb,...] [--workers 1] [--seed 0]
                                               [--docs docs/benchmarks.md] [--json out.json] [--keep DIR]

Workloads:
- the built-in demo model (`demo_schema()`), populated with `populate(..., rows=200, seed=0)` into a
  SQLite file, with the same rows in a DuckDB file and a PostgreSQL database;
- the --dbs Spider training databases (default: chinook_1, college_2, store_1, soccer_2, e_learning;
  `all`: the 14 of /work/shared/benchmarks/spider-train; `none`: the demo only, for a machine without
  the Spider folder). The Spider SQLite file is opened read-only (its SHA-1 is checked before and after);
  the rows go into a DuckDB copy (`spider_quality.copy_to_duckdb`) and a PostgreSQL copy
  (`copy_to_postgres` below: tables from `render_ddl(schema, "postgres")`, rows through COPY). When a copy
  fails (Spider's data is dirty) the reason is reported and that database runs without that engine.
PostgreSQL is a throwaway server (`sqlsynth.testing.pgserver`) started for the run and stopped at its end;
without PostgreSQL binaries everything runs on SQLite + DuckDB.

For each workload: one `run_generate` with strategy="walk" (the reference), then one with
strategy="template" per template dialect (sqlite, duckdb, postgres, bigquery, snowflake, tsql, mysql),
N records each, seed 0, all default filters. A portable template runs on every engine; a template expanded
with a dialect's features runs on that dialect's own engine (sqlite / duckdb / postgres) or otherwise
(always for bigquery / snowflake / tsql / mysql) as its DuckDB transpilation (`checked[D] ==
"transpile-checked"`); see `generate.fill.plan_execution`.

Engines: every run of a workload gets the same engines, SQLite + DuckDB + PostgreSQL (when there is a
PostgreSQL copy), not PostgreSQL for the postgres dialect only. The postgres dialect needs it to execute
its own templates at all, and giving it to the others as well means the portable templates (about half of
each run) are checked on the same three engines in every row, walk included: differences between the
rows of a table then come from the dialect's own templates, not from one row being checked on one engine
more (PostgreSQL's stricter typing and its engines_agree comparison do reject some queries). The cost is
one more execution per candidate, which is small next to generation on these databases.

Per run it reports: records, candidates, the pass rate (records / candidates), the top reject reasons
(filter:reason, from manifest.json; `generate:no-query` = indices where no template could be filled),
the records with a dialect-specific feature (records' `features` field) and their most frequent features,
how the D rendering of the records was checked (`checked[D]`: executed / transpile-checked / parsed),
the distinct library templates (`template_id`) and distinct query shapes (`template`), and seconds.
Prints markdown; --docs replaces (or appends) the "## Template strategy per dialect (issue 6)" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from _common import SPIDER, pct, sha1, work_folder, write_section
from spider_quality import CopyError, _first_line, _q, copy_to_duckdb, sqlite_tables, without_constraints
from sqlsynth.dataset import read_records
from sqlsynth.engines import open_engine
from sqlsynth.generate.runner import GenerateConfig, run_generate
from sqlsynth.generate.values import ValuePool
from sqlsynth.populate import populate
from sqlsynth.schema.ddl_render import render_ddl
from sqlsynth.schema.demo import demo_schema
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.model import Schema

SECTION = "## Template strategy per dialect (issue 6)"
TEMPLATE_DIALECTS = ("sqlite", "duckdb", "postgres", "bigquery", "snowflake", "tsql", "mysql")
DEFAULT_DBS = ("chinook_1", "college_2", "store_1", "soccer_2", "e_learning")
CHECKED = ("executed", "transpile-checked", "parsed")
DEMO_ROWS = 200


# -- PostgreSQL copy ----------------------------------------------------------------------------
def _pg_fill(conn: psycopg.Connection, src: sqlite3.Connection, schema: Schema, ddl: list[str]) -> int:
    """Create the tables and COPY every row, in one transaction (the caller commits or rolls back)."""
    for stmt in ddl:
        conn.execute(stmt)
    copied = 0
    for table, cols, rows in sqlite_tables(src, schema):
        try:
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY {_q(table)} ({', '.join(map(_q, cols))}) FROM STDIN") as cp,
            ):
                for row in rows:
                    cp.write_row(row)
        except psycopg.Error as err:
            raise CopyError(table, err) from None
        got = conn.execute(f"SELECT count(*) FROM {_q(table)}").fetchone()
        if got is None or got[0] != len(rows):
            raise CopyError(
                table, RuntimeError(f"{got and got[0]} rows in PostgreSQL, {len(rows)} in SQLite")
            )
        copied += len(rows)
    return copied


def _admin_url(pg_url: str) -> tuple[str, str]:
    """(URL of the server's `postgres` database, name of the database of `pg_url`)."""
    parts = urlsplit(pg_url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def copy_to_postgres(schema: Schema, sqlite_path: Path, pg_url: str) -> tuple[bool, str]:
    """Create the database of `pg_url` (dropped first if it exists), the tables of
    `render_ddl(schema, "postgres")`, and copy every row with COPY; (ok, note).

    As for DuckDB (`spider_quality.copy_to_duckdb`): Spider's declared keys do not always hold in its
    data, which PostgreSQL refuses at CREATE (a foreign key to a non-unique column) or at COPY; keys do
    not change a query's result, so then the tables are made again without keys and NOT NULLs, same
    column types. A value that does not fit its rendered column type (dirty data: '' in a DECIMAL column,
    a NUL character in text) ends the copy: that database runs without PostgreSQL. DDL and rows go in
    one transaction, so a failed attempt leaves nothing behind."""
    admin, name = _admin_url(pg_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_q(name)}")
        conn.execute(f"CREATE DATABASE {_q(name)}")
    ddl = render_ddl(schema, "postgres")
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        note = ""
        with psycopg.connect(pg_url) as conn:
            for attempt in ("as rendered", "without keys"):
                if attempt == "without keys":
                    ddl = [s for s in map(partial(without_constraints, dialect="postgres"), ddl) if s]
                try:
                    copied = _pg_fill(conn, src, schema, ddl)
                    conn.commit()
                except CopyError as err:
                    conn.rollback()
                    if attempt == "as rendered" and isinstance(err.cause, psycopg.errors.IntegrityError):
                        note = f"keys dropped ({err}); "
                        continue
                    return False, f"{note}{err}"
                except psycopg.Error as err:  # the DDL itself
                    conn.rollback()
                    if attempt == "as rendered":
                        note = f"keys dropped (DDL: {_first_line(err)}); "
                        continue
                    return False, f"{note}DDL: {_first_line(err)}"
                conn.autocommit = True
                conn.execute("ANALYZE")  # planner statistics, as a loaded database would have
                return True, f"{note}{copied} rows copied"
        return False, note
    except sqlite3.Error as err:
        return False, f"reading SQLite: {_first_line(err)}"
    finally:
        src.close()


# -- one run ------------------------------------------------------------------------------------
def _records(out: Path) -> list[dict[str, Any]]:
    path = out / "records.jsonl"
    return [r.model_dump(mode="json") for r in read_records(path)] if path.exists() else []


def analyse(out: Path, manifest: dict[str, Any], dialect: str | None) -> dict[str, Any]:
    """The figures of one run, from manifest.json and records.jsonl."""
    records = _records(out)
    reasons: Counter[str] = Counter()
    for name, row in manifest["filters"].items():
        for why, count in row["rejected"].items():
            reasons[f"{name}:{why}"] += count
    if manifest.get("generate_failed"):
        reasons["generate:no-query"] += manifest["generate_failed"]
    specific = [r for r in records if r.get("features")]
    features: Counter[str] = Counter(f for r in specific for f in r["features"])
    checked: Counter[str] = Counter()
    checked_specific: Counter[str] = Counter()
    for r in records:
        marks = r.get("checked") or {}
        values = [marks.get(dialect, "absent")] if dialect else list(marks.values())
        checked.update(values)
        if r.get("features"):
            checked_specific.update(values)
    candidates = manifest["candidates"]
    return {
        "records": len(records),
        "wanted": manifest["wanted"],
        "candidates": candidates,
        "pass_rate": len(records) / candidates if candidates else 0.0,
        "reasons": reasons.most_common(),
        "dialect_specific": len(specific),
        "features": features.most_common(),
        "checked": dict(checked),
        "checked_specific": dict(checked_specific),
        "record_dialects": dict(Counter(r.get("dialect", "") for r in records)),
        "template_ids": len({r["template_id"] for r in records if r.get("template_id")}),
        "shapes": manifest.get("templates", len({r.get("template") for r in records})),
        "hardness": manifest.get("hardness", {}),
        "disagreements": [
            {"reason": d.get("reason", "")[:300], "sql": d.get("sql", {})}
            for d in manifest["disagreements"][:3]
        ],
        "seconds": manifest["timings"]["seconds"],
    }


def run_one(
    db_id: str,
    schema: Schema,
    urls: list[str],
    strategy: str,
    dialect: str | None,
    pool: ValuePool,
    args: argparse.Namespace,
    out: Path,
    source: str,
) -> dict[str, Any]:
    config = GenerateConfig(
        db_id=db_id,
        dbs=urls,
        n=args.n,
        seed=args.seed,
        workers=args.workers,
        strategy=strategy,
        template_dialect=dialect,
        source=source,
    )
    start = time.perf_counter()
    try:
        result = run_generate(config, schema, out, overwrite=True, progress=False, pool=pool)
    except Exception as err:  # noqa: BLE001 - one failed run is a figure of the report, not the end
        return {"strategy": strategy, "dialect": dialect, "error": _first_line(err)}
    wall = time.perf_counter() - start
    return {
        "strategy": strategy,
        "dialect": dialect,
        **analyse(out, result.manifest, dialect),
        "wall_s": wall,
    }


def run_workload(
    db_id: str,
    schema: Schema,
    engines: dict[str, str],
    args: argparse.Namespace,
    work: Path,
    source: str,
) -> list[dict[str, Any]]:
    """The walk run and one template run per dialect, all on the same `engines` (name -> URL)."""
    urls = list(engines.values())
    engine = open_engine(urls[0])
    try:
        pool = ValuePool.from_engine(engine, schema)  # the same for every run; made once
    finally:
        engine.close()
    runs = []
    for strategy, dialect in [("walk", None), *(("template", d) for d in args.dialects)]:
        label = f"{strategy}_{dialect}" if dialect else strategy
        res = run_one(
            db_id, schema, urls, strategy, dialect, pool, args, work / f"out_{db_id}" / label, source
        )
        res["engines"] = list(engines)
        shown = (
            f"error {res['error']}"
            if "error" in res
            else f"{res['records']}/{res['candidates']} ({res['wall_s']:.1f} s)"
        )
        print(f"  {db_id} {label}: {shown}", file=sys.stderr)
        runs.append(res)
    return runs


# -- workloads ----------------------------------------------------------------------------------
def demo_workload(args: argparse.Namespace, work: Path, pg: Any) -> dict[str, Any]:
    schema = demo_schema()
    engines = {"sqlite": f"sqlite:///{work / 'demo.sqlite'}", "duckdb": f"duckdb:///{work / 'demo.duckdb'}"}
    if pg is not None:
        engines["postgres"] = pg.url("demo")
    t0 = time.perf_counter()
    populate(
        schema,
        engines["sqlite"],
        rows=DEMO_ROWS,
        seed=0,
        also=[engines["duckdb"], *([engines["postgres"]] if pg is not None else [])],
        progress=False,
    )
    populate_s = time.perf_counter() - t0
    print(f"demo: populated {'+'.join(engines)} in {populate_s:.1f} s", file=sys.stderr)
    runs = run_workload("demo", schema, engines, args, work, "demo")
    return {
        "db_id": "demo",
        "kind": "demo",
        "tables": len(schema.tables),
        "engines": list(engines),
        "populate_s": populate_s,
        "notes": {},
        "runs": runs,
    }


def spider_workload(db_id: str, args: argparse.Namespace, work: Path, pg: Any) -> dict[str, Any]:
    sqlite_path = SPIDER / "database" / db_id / f"{db_id}.sqlite"
    before = sha1(sqlite_path)
    schema = load_schema(SPIDER / "tables.json", db_id=db_id)
    engines = {"sqlite": f"sqlite:///{sqlite_path}"}
    notes: dict[str, str] = {}
    duck_path = work / f"{db_id}.duckdb"
    duck_path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    ok, notes["duckdb"] = copy_to_duckdb(schema, sqlite_path, duck_path)
    if ok:
        engines["duckdb"] = f"duckdb:///{duck_path}"
    else:
        duck_path.unlink(missing_ok=True)
    if pg is not None:
        pg_url = pg.url(f"spider_{db_id.lower()}")
        ok, notes["postgres"] = copy_to_postgres(schema, sqlite_path, pg_url)
        if ok:
            engines["postgres"] = pg_url
    else:
        notes["postgres"] = "no PostgreSQL server"
    copy_s = time.perf_counter() - t0
    print(
        f"{db_id}: engines {'+'.join(engines)} (copies {copy_s:.1f} s); "
        + "; ".join(f"{k}: {v}" for k, v in notes.items()),
        file=sys.stderr,
    )
    runs = run_workload(db_id, schema, engines, args, work, str(SPIDER / "tables.json"))
    after = sha1(sqlite_path)
    if before != after:
        print(f"WARNING: {sqlite_path} changed during the run", file=sys.stderr)
    return {
        "db_id": db_id,
        "kind": "spider",
        "tables": len(schema.tables),
        "engines": list(engines),
        "copy_s": copy_s,
        "notes": notes,
        "spider_file_unchanged": before == after,
        "runs": runs,
    }


# -- report -------------------------------------------------------------------------------------
def _counts(c: dict[str, int], order: tuple[str, ...] = CHECKED) -> str:
    keys = [k for k in order if c.get(k)] + sorted(k for k in c if k not in order and c[k])
    return ", ".join(f"{k} {c[k]}" for k in keys) or "–"


def _machine() -> str:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return f"a {nproc}-CPU {platform.machine()} machine (Python {platform.python_version()})"


def table(res: dict[str, Any]) -> list[str]:
    lines = [
        "| strategy | dialect | engines | records | candidates | pass | top reject reasons | "
        "dialect-specific (top features) | checked[dialect] (of those dialect-specific) | templates | "
        "shapes | s |",
        "|---|---|---|---:|---:|---:|---|---|---|---:|---:|---:|",
    ]
    for r in res["runs"]:
        dialect = r["dialect"] or "(all)"
        engines = "+".join(r["engines"])
        if "error" in r:
            lines.append(
                f"| {r['strategy']} | {dialect} | {engines} | – | – | – | **{r['error']}** | | | | | |"
            )
            continue
        top = ", ".join(f"{k} {v}" for k, v in r["reasons"][:3]) or "–"
        feats = ", ".join(f"{k} {v}" for k, v in r["features"][:3])
        spec = f"{r['dialect_specific']}" + (f" ({feats})" if feats else "")
        checked = _counts(r["checked"])
        if r["checked_specific"]:
            checked += f" ({_counts(r['checked_specific'])})"
        lines.append(
            f"| {r['strategy']} | {dialect} | {engines} | {r['records']} | {r['candidates']} | "
            f"{pct(r['records'], r['candidates'])} | {top} | {spec if r['dialect'] else '–'} | {checked} | "
            f"{r['template_ids'] or '–'} | {r['shapes']} | {r['wall_s']:.1f} |"
        )
    return lines


def report(args: argparse.Namespace, results: list[dict[str, Any]], pg_note: str, elapsed: float) -> str:
    date = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    cmd = shlex.join([".venv/bin/python", "bench/template_quality.py", *sys.argv[1:]])
    lines = [
        SECTION,
        "",
        f"Measured {date} with `{cmd}` (bench/template_quality.py; issue 6), {elapsed / 60:.1f} min in all "
        f"on {_machine()} shared with other processes (timings are indicative only). {pg_note}",
        "",
        f"Per workload: N = {args.n} records per run, seed {args.seed}, {args.workers} worker(s), all "
        "default filters; one walk run (the reference) and one template run per template dialect, every "
        "run on the same engines (those of the *engines* column). *pass*: records / candidates; *top "
        "reject reasons*: filter:reason counts of the manifest (`generate:no-query`: no template could be "
        "filled); *dialect-specific*: records from a template expanded with the dialect's features (their "
        "`features`), which run on the dialect's own engine or, for bigquery/snowflake/tsql/mysql, as "
        "their DuckDB transpilation; *checked[dialect]*: how the records' rendering in that dialect was "
        "checked (for the walk: over all dialects), in brackets for the dialect-specific ones only; "
        "*templates*: distinct library templates (`template_id`); *shapes*: distinct query structures "
        "(`template`); *s*: wall seconds of the run.",
        "",
    ]
    for res in results:
        if res["kind"] == "demo":
            title = (
                f"### demo model ({res['tables']} tables, {DEMO_ROWS} rows a table, populated into "
                f"{'+'.join(res['engines'])} in {res['populate_s']:.0f} s)"
            )
        else:
            unchanged = "unchanged" if res["spider_file_unchanged"] else "**changed**"
            title = (
                f"### Spider {res['db_id']} ({res['tables']} tables; SQLite file read-only, "
                f"SHA-1 {unchanged})"
            )
        lines += [title, "", *table(res), ""]
        if res["notes"]:
            lines += ["Copies: " + "; ".join(f"{k}: {v}" for k, v in res["notes"].items()) + ".", ""]
        dis = [(r["dialect"] or r["strategy"], d) for r in res["runs"] for d in r.get("disagreements", [])]
        if dis:
            lines.append("Engine disagreements (first kept example per run, at most 3):")
            lines.append("")
            for label, d in dis[:3]:
                sql = next(iter(d["sql"].values()), "") if isinstance(d["sql"], dict) else str(d["sql"])
                lines.append(f"- {label}: {d['reason'][:200]} — `{' '.join(sql.split())[:300]}`")
            lines.append("")
    lines += totals(results)
    return "\n".join(lines) + "\n"


def totals(results: list[dict[str, Any]]) -> list[str]:
    """One line per dialect over all workloads."""
    agg: dict[str, Counter[str]] = {}
    for res in results:
        for r in res["runs"]:
            if "error" in r:
                continue
            key = r["dialect"] or "walk"
            c = agg.setdefault(key, Counter())
            c["records"] += r["records"]
            c["candidates"] += r["candidates"]
            c["specific"] += r["dialect_specific"]
            c["runs"] += 1
            for k, v in r["checked_specific"].items():
                c[f"checked:{k}"] += v
            for k, v in r["reasons"]:
                c[f"reason:{k}"] += v
    if len(results) < 2 or not agg:
        return []
    lines = [
        f"### All {len(results)} workloads",
        "",
        "| run | records | pass | dialect-specific | checked (dialect-specific) | top reject reasons |",
        "|---|---:|---:|---:|---|---|",
    ]
    for key, c in agg.items():
        checked = {k.split(":", 1)[1]: v for k, v in c.items() if k.startswith("checked:")}
        reasons = Counter({k.split(":", 1)[1]: v for k, v in c.items() if k.startswith("reason:")})
        top = ", ".join(f"{k} {v}" for k, v in reasons.most_common(3)) or "–"
        lines.append(
            f"| {'walk' if key == 'walk' else 'template ' + key} | {c['records']} | "
            f"{pct(c['records'], c['candidates'])} | {c['specific'] if key != 'walk' else '–'} | "
            f"{_counts(checked)} | {top} |"
        )
    lines.append("")
    return lines


# -- main ---------------------------------------------------------------------------------------
def _spider_dbs(arg: str) -> list[str]:
    if arg == "none":
        return []
    if not (SPIDER / "tables.json").exists():
        print(f"no Spider sample at {SPIDER}: the demo model only", file=sys.stderr)
        return []
    if arg == "all":
        return sorted(p.name for p in (SPIDER / "database").iterdir() if p.is_dir())
    dbs = [d.strip() for d in arg.split(",") if d.strip()]
    missing = [d for d in dbs if not (SPIDER / "database" / d / f"{d}.sqlite").exists()]
    if missing:
        raise SystemExit(f"not in {SPIDER / 'database'}: {', '.join(missing)}")
    return dbs


def _start_pg() -> tuple[Any, str]:
    from sqlsynth.testing.pgserver import start_server

    try:
        pg = start_server()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
        print(f"no PostgreSQL ({_first_line(err)}): SQLite + DuckDB only", file=sys.stderr)
        return None, f"No PostgreSQL server could be started ({_first_line(err)}): SQLite + DuckDB only."
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    version = row[0] if row else "?"
    return pg, f"PostgreSQL {version}: a throwaway local server (`sqlsynth.testing.pgserver`)."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="records per (workload, strategy/dialect) run")
    ap.add_argument(
        "--dbs",
        default=",".join(DEFAULT_DBS),
        help="Spider databases, comma-separated; 'all' (the 14) or 'none' (demo only)",
    )
    ap.add_argument("--no-demo", action="store_true", help="leave out the demo model")
    ap.add_argument(
        "--dialects", default=",".join(TEMPLATE_DIALECTS), help="template dialects, comma-separated"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--docs", default="", help="markdown file whose section to replace or append ('' = none)")
    ap.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = ap.parse_args()
    args.dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    dbs = _spider_dbs(args.dbs)

    work, tmp = work_folder(args.keep, "template_quality_")
    started = time.perf_counter()
    results = []
    pg, pg_note = _start_pg()
    try:
        if not args.no_demo:
            results.append(demo_workload(args, work, pg))
        for db_id in dbs:
            results.append(spider_workload(db_id, args, work, pg))
            print(f"  (total {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    finally:
        if pg is not None:
            pg.stop()
        if tmp is not None:
            tmp.cleanup()
    md = report(args, results, pg_note, time.perf_counter() - started)
    print(md)
    if args.docs:
        write_section(Path(args.docs), md, SECTION)
        print(f"wrote the '{SECTION}' section of {args.docs}", file=sys.stderr)
    if args.json:
        data = {"results": results, "argv": sys.argv, "postgres": pg_note}
        args.json.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    changed = [r["db_id"] for r in results if r.get("spider_file_unchanged") is False]
    if changed:
        raise SystemExit(f"Spider SQLite files changed: {', '.join(changed)}")


if __name__ == "__main__":
    main()
