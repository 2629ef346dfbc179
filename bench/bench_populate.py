"""Benchmark populate(): the demo model at ~1M rows into SQLite, DuckDB and PostgreSQL, against a
naive row-by-row Faker loop (one Faker call per value, one INSERT per row, commit at the end).

    .venv/bin/python bench/bench_populate.py [--rows 1000000] [--naive-rows 20000] [--cores 1]

The process is pinned to `--cores` CPUs (after the throwaway PostgreSQL server has started, so the
server keeps every core). Prints a markdown table. Targets: >= 100k rows/s into SQLite end to end
(generation + load) on one core, and >= 10x the naive loop.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

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


def naive_faker_sqlite(schema: Schema, rows: dict[str, int], path: Path, seed: int = 0) -> tuple[int, float]:
    """What people write first: Faker per value, one INSERT per row, one commit at the end."""
    from faker import Faker

    from sqlsynth.populate.targets import quote
    from sqlsynth.schema.ddl_render import render_ddl

    fake = Faker()
    Faker.seed(seed)
    rnd = random.Random(seed)
    conn = sqlite3.connect(path)
    for stmt in render_ddl(schema, "sqlite"):
        conn.execute(stmt)
    done: dict[str, int] = {}
    start = time.perf_counter()
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
    secs = time.perf_counter() - start
    conn.close()
    return total, secs


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


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="total rows for populate")
    ap.add_argument("--naive-rows", type=int, default=20_000, help="total rows for the naive Faker loop")
    ap.add_argument("--cores", type=int, default=1, help="pin this process to N CPUs (0: no pinning)")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args(argv)

    schema = demo_schema()
    server = None
    if not args.no_postgres:
        from sqlsynth.testing.pgserver import start_server

        server = start_server()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    try:
        with tempfile.TemporaryDirectory(prefix="sqlsynth-bench-") as tmp:
            d = Path(tmp)
            also = [f"duckdb:///{d / 'demo.duckdb'}"]
            if server is not None:
                also.append(server.url("bench_demo"))
            rep = populate(
                schema, f"sqlite:///{d / 'demo.db'}", rows=plan(schema, args.rows), seed=0, also=also,
                progress=False,
            )  # fmt: skip
            fk_errors = sqlite3.connect(d / "demo.db").execute("PRAGMA foreign_key_check").fetchall()
            naive_rows, naive_s = naive_faker_sqlite(schema, plan(schema, args.naive_rows), d / "naive.db")
    finally:
        if server is not None:
            server.stop()

    gen = rep.generate_seconds
    sqlite_load = rep.load("sqlite")
    e2e_sqlite = rep.total_rows / (gen + sqlite_load.seconds)
    naive_rate = naive_rows / naive_s
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    py = sys.version.split()[0]
    print(f"demo model, {len(rep.tables)} tables, seed 0, process pinned to {cpus} CPU(s), python {py}")
    print()
    print("| run | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    print(f"| sqlsynth generate (in memory) | {rep.total_rows:,} | {gen:.2f} | {rep.total_rows / gen:,.0f} |")
    e2e_s = gen + sqlite_load.seconds
    print(f"| sqlsynth -> SQLite, generate + load | {rep.total_rows:,} | {e2e_s:.2f} | {e2e_sqlite:,.0f} |")
    for e in rep.loads:
        print(f"| sqlsynth -> {e.engine}, load only | {e.rows:,} | {e.seconds:.2f} | {e.rows_per_s:,.0f} |")
    print(f"| naive Faker loop -> SQLite (row by row) | {naive_rows:,} | {naive_s:.2f} | {naive_rate:,.0f} |")
    print()
    print(f"speed-up over the naive loop (SQLite, generate + load): {e2e_sqlite / naive_rate:.1f}x")
    print(f"SQLite foreign_key_check violations: {len(fk_errors)}")
    ok = e2e_sqlite >= 100_000 and e2e_sqlite / naive_rate >= 10 and not fk_errors
    print(f"targets (>= 100k rows/s, >= 10x naive, FK-clean): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
