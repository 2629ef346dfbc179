"""Benchmark populate(): the demo model at ~1M rows into SQLite, DuckDB and PostgreSQL, against a
naive row-by-row Faker loop (one Faker call per value, one INSERT per row, commit at the end).

    .venv/bin/python bench/bench_populate.py [--rows 1000000] [--naive-rows 20000] [--repeat 3]
                                             [--cores 1] [--no-postgres] [--json out.json]

The process is pinned to `--cores` CPUs after the throwaway PostgreSQL server has started (the
server's own processes keep every core). SQLite is timed alone, `--repeat` times (best and median,
wall clock and this process's CPU time, which other processes on the machine do not inflate);
then one populate() loads DuckDB and PostgreSQL (`also=`), and foreign keys are checked on all
three. Prints markdown. Targets: >= 100k rows/s into SQLite end to end (generation + load) on one
core, and >= 10x the naive loop (compared as rows/s; the naive loop runs on fewer rows).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import cpu_model
from sqlsynth.populate import populate
from sqlsynth.schema.demo import demo_schema
from sqlsynth.schema.model import Schema
from sqlsynth.schema.types import LogicalType

# relative sizes of the demo tables (an online shop: few departments, many order lines)
SHAPE = {
    "locations": 200, "departments": 30, "user_roles": 12, "permissions": 72, "employees": 2_000,
    "audit_logs": 20_000, "categories": 60, "suppliers": 500, "contacts": 1_200, "products": 10_000,
    "warehouses": 40, "inventory": 20_000, "discounts": 5_000, "promotions": 300, "coupons": 3_000,
    "taxes": 60, "customers": 50_000, "orders": 150_000, "order_items": 300_000, "payments": 150_000,
    "invoices": 140_000, "shipping_details": 130_000, "sales": 100_000, "returns": 15_000,
    "refunds": 10_000, "subscriptions": 20_000, "reviews": 60_000, "feedbacks": 20_000,
    "wishlists": 30_000, "shopping_carts": 40_000, "cart_items": 80_000, "notifications": 100_000,
    "activity_logs": 200_000, "chat_sessions": 20_000, "messages": 100_000, "tickets": 20_000,
    "ticket_comments": 50_000, "knowledge_base": 600, "faq": 400, "blog_posts": 2_000,
    "comments": 20_000, "likes": 30_000, "followers": 30_000, "integrations": 40,
    "configurations": 400, "settings": 200, "dashboards": 300, "reports": 500, "widgets": 2_000,
}  # fmt: skip


def plan(schema: Schema, total: int) -> dict[str, int]:
    base = {t.name: SHAPE.get(t.name, 1_000) for t in schema.tables}
    scale = total / sum(base.values())
    return {name: max(1, round(n * scale)) for name, n in base.items()}


# -- the naive baseline -------------------------------------------------------------------------


def naive_faker_sqlite(
    schema: Schema, rows: dict[str, int], path: Path, seed: int = 0
) -> tuple[int, float, float]:
    """What people write first: Faker per value, one INSERT per row, one commit at the end.
    Returns (rows, wall seconds, CPU seconds)."""
    from faker import Faker

    from sqlsynth.render import quote
    from sqlsynth.schema.ddl_render import render_ddl

    fake = Faker()
    Faker.seed(seed)
    rnd = random.Random(seed)
    conn = sqlite3.connect(path)
    for stmt in render_ddl(schema, "sqlite"):
        conn.execute(stmt)
    done: dict[str, int] = {}
    start, cpu0 = time.perf_counter(), time.process_time()
    total = 0
    for name in schema.graph.topological_order():
        t = schema.table(name)
        fks = {c: fk for fk in schema.foreign_keys_of(name) for c in fk.source_columns}
        cols = ", ".join(quote(c, "sqlite") for c in t.column_names)
        sql = f"INSERT INTO {quote(name, 'sqlite')} ({cols}) VALUES ({', '.join('?' * len(t.columns))})"
        n = rows[name]
        if len(t.primary_key) > 1:  # composite keys: keep the pairs distinct
            seen: set[tuple] = set()
        for i in range(1, n + 1):
            values = []
            for c in t.columns:
                if t.primary_key == [c.name]:
                    values.append(i)
                elif c.name in fks:
                    parent_n = rows.get(fks[c.name].target_table, 0)
                    if fks[c.name].target_table == name:
                        parent_n = i - 1
                    values.append(rnd.randint(1, parent_n) if parent_n else None)
                else:
                    values.append(_faker_value(fake, c))
            if len(t.primary_key) > 1:
                key = tuple(values[t.column_names.index(k)] for k in t.primary_key)
                if key in seen:
                    continue
                seen.add(key)
            conn.execute(sql, values)
            total += 1
        done[name] = n
    conn.commit()
    secs, cpu = time.perf_counter() - start, time.process_time() - cpu0
    conn.close()
    return total, secs, cpu


def _faker_value(fake, c):  # a deliberately plain baseline
    name = c.name.lower()
    lt = c.logical_type
    if c.possible_values:
        return fake.random_element(c.possible_values)
    if lt is LogicalType.INTEGER:
        return fake.random_int(1, 1000)
    if lt in (LogicalType.DECIMAL, LogicalType.FLOAT):
        return float(fake.pydecimal(left_digits=3, right_digits=2, positive=True))
    if lt is LogicalType.BOOLEAN:
        return fake.boolean()
    if lt is LogicalType.DATE:
        return fake.date_between("-8y", "today").isoformat()
    if lt is LogicalType.DATETIME:
        return fake.date_time_between("-8y", "now").isoformat(sep=" ")
    if "email" in name:
        return fake.unique.email()
    if name in ("first_name",):
        return fake.first_name()
    if name in ("last_name",):
        return fake.last_name()
    if "phone" in name:
        return fake.phone_number()
    if "city" in name:
        return fake.city()
    if "country" in name:
        return fake.country()
    if "address" in name:
        return fake.street_address()
    if c.unique:
        return fake.unique.pystr(min_chars=8, max_chars=12)
    if name.endswith("name"):
        return fake.catch_phrase()[:50]
    return fake.sentence(nb_words=6)[:100]


# -- checks and machine ------------------------------------------------------------------------


def fk_violations(schema: Schema, url: str) -> int:
    """Child rows whose foreign key has no parent, summed over every foreign key (anti-joins)."""
    from sqlsynth.engines import open_engine
    from sqlsynth.render import quote

    bad = 0
    with open_engine(url) as engine:
        q = lambda n: quote(n, engine.dialect)  # noqa: E731
        for fk in schema.foreign_keys:
            on = " AND ".join(
                f"p.{q(t)} = c.{q(s)}" for s, t in zip(fk.source_columns, fk.target_columns, strict=True)
            )
            notnull = " AND ".join(f"c.{q(s)} IS NOT NULL" for s in fk.source_columns)
            res = engine.execute(
                f"SELECT COUNT(*) FROM {q(fk.source_table)} c WHERE {notnull} AND NOT EXISTS "
                f"(SELECT 1 FROM {q(fk.target_table)} p WHERE {on})",
                timeout_s=120,
            )
            if not res.ok:
                raise RuntimeError(f"{url}: {res.error}")
            bad += int(res.rows[0][0])
    return bad


def declared_fks(url: str, engine: str) -> int:
    """Foreign-key constraints the engine holds (PostgreSQL: validated ones)."""
    from sqlsynth.engines import open_engine

    sql = {
        "duckdb": "SELECT COUNT(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'",
        "postgres": "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND convalidated",
    }[engine]
    with open_engine(url) as e:
        return int(e.execute(sql).rows[0][0])


def machine() -> str:
    model = cpu_model()
    import duckdb
    import numpy

    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{platform.machine()} {model}, {os.cpu_count()} CPUs, load average {load}; "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, DuckDB {duckdb.__version__}, "
        f"numpy {numpy.__version__}"
    )


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="total rows for populate")
    ap.add_argument("--naive-rows", type=int, default=20_000, help="total rows for the naive Faker loop")
    ap.add_argument("--repeat", type=int, default=3, help="SQLite runs (best and median are reported)")
    ap.add_argument("--cores", type=int, default=1, help="pin this process to N CPUs (0: no pinning)")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    schema = demo_schema()
    rows = plan(schema, args.rows)
    before = machine()
    server = None
    if not args.no_postgres:
        from sqlsynth.testing.pgserver import start_server

        server = start_server()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    runs: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="sqlsynth-bench-") as tmp:
            d = Path(tmp)
            for i in range(max(1, args.repeat)):
                db = d / f"demo{i}.db"
                wall0, cpu0 = time.perf_counter(), time.process_time()
                rep = populate(schema, f"sqlite:///{db}", rows=rows, seed=0, progress=False)
                runs.append(
                    {
                        "wall": time.perf_counter() - wall0,
                        "cpu": time.process_time() - cpu0,
                        "generate": rep.generate_seconds,
                        "load": rep.load("sqlite").seconds,
                    }
                )
                total = rep.total_rows
                if i:
                    db.unlink()
            lite = d / "demo0.db"
            conn = sqlite3.connect(lite)
            fk_sqlite = len(conn.execute("PRAGMA foreign_key_check").fetchall())
            n_fk_sqlite = conn.execute(
                "SELECT COUNT(DISTINCT m.name || '/' || f.id) FROM sqlite_master m, "
                "pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
            ).fetchone()[0]
            conn.close()
            also = [f"duckdb:///{d / 'demo.duckdb'}"]
            if server is not None:
                also.append(server.url("bench_demo"))
            multi = populate(schema, also[0], rows=rows, seed=0, also=also[1:], progress=False)
            fk_checks = {"sqlite": {"violations": fk_sqlite, "constraints": n_fk_sqlite}}
            for url, e in zip(also, multi.loads, strict=True):
                fk_checks[e.engine] = {
                    "violations": fk_violations(schema, url),
                    "constraints": declared_fks(url, e.engine),
                }
            naive_rows, naive_s, naive_cpu = naive_faker_sqlite(
                schema, plan(schema, args.naive_rows), d / "naive.db"
            )
    finally:
        if server is not None:
            server.stop()

    best = min(runs, key=lambda r: r["wall"])
    med_wall = statistics.median(r["wall"] for r in runs)
    rate = total / best["wall"]
    naive_rate = naive_rows / naive_s
    cpu_ratio = (total / best["cpu"]) / (naive_rows / naive_cpu)
    after = machine()
    lines = [
        f"demo model ({len(schema.tables)} tables, {len(schema.foreign_keys)} foreign keys), seed 0, "
        f"process pinned to {cpus} CPU(s)",
        f"before: {before}",
        f"after:  {after}",
        "",
        "| run | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
        f"| SQLite, generate + load (populate), best of {len(runs)} | {total:,} | {best['wall']:.2f} "
        f"| {rate:,.0f} |",
        f"| SQLite, generate + load, median of {len(runs)} | {total:,} | {med_wall:.2f} "
        f"| {total / med_wall:,.0f} |",
        f"| SQLite, generate + load, CPU time of the best run | {total:,} | {best['cpu']:.2f} "
        f"| {total / best['cpu']:,.0f} |",
        f"| &nbsp;&nbsp;of which generate (in memory) | {total:,} | {best['generate']:.2f} "
        f"| {total / best['generate']:,.0f} |",
        f"| &nbsp;&nbsp;of which SQLite load | {total:,} | {best['load']:.2f} "
        f"| {total / best['load']:,.0f} |",
    ]
    for e in multi.loads:
        both = multi.generate_seconds + e.seconds
        lines.append(f"| {e.engine}, generate + load | {e.rows:,} | {both:.2f} | {e.rows / both:,.0f} |")
        lines.append(
            f"| &nbsp;&nbsp;{e.engine} load only | {e.rows:,} | {e.seconds:.2f} | {e.rows_per_s:,.0f} |"
        )
    lines += [
        f"| naive Faker loop -> SQLite (row by row) | {naive_rows:,} | {naive_s:.2f} | {naive_rate:,.0f} |",
        f"| naive Faker loop, CPU time | {naive_rows:,} | {naive_cpu:.2f} | {naive_rows / naive_cpu:,.0f} |",
        "",
        f"speed-up over the naive loop (SQLite, generate + load, best): {rate / naive_rate:.1f}x "
        f"(median: {total / med_wall / naive_rate:.1f}x; by CPU time: {cpu_ratio:.1f}x)",
        "foreign keys: "
        + "; ".join(
            f"{k} {v['violations']} violations, {v['constraints']} constraints" for k, v in fk_checks.items()
        ),
    ]
    fk_ok = all(v["violations"] == 0 for v in fk_checks.values())
    ok = rate >= 100_000 and rate / naive_rate >= 10 and fk_ok
    lines.append(f"targets (>= 100k rows/s, >= 10x naive, FK-clean): {'met' if ok else 'NOT met'}")
    print("\n".join(lines))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": total, "cpus": cpus, "machine_before": before, "machine_after": after,
                    "sqlite_runs": runs, "sqlite_best_rows_per_s": rate,
                    "loads": [e.model_dump() for e in multi.loads],
                    "generate_seconds_multi": multi.generate_seconds,
                    "naive": {"rows": naive_rows, "seconds": naive_s, "cpu_seconds": naive_cpu,
                              "rows_per_s": naive_rate},
                    "speedup_cpu": cpu_ratio,
                    "speedup": rate / naive_rate, "fk": fk_checks, "targets_met": ok,
                },
                indent=1,
            )
        )  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
