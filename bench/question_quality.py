"""How close are sqlsynth's generated questions to how people ask? ("nearest-question execution match")

    .venv/bin/python bench/question_quality.py [--n 500] [--db X ...] [--out DIR]
                                               [--big-n 1500] [--big-db college_2 hr_1 store_1]
                                               [--json FILE] [--examples 40] [--threads 1] [--seed 0]

For each database of /work/shared/benchmarks/spider-train (or the --db ones):
1. `run_generate` with the same settings as `sqlsynth generate tables.json --db-id X
   --db sqlite:///.../X.sqlite -n N -o OUT/X --seed S --dialects sqlite` (rule-based questions, all
   default filters; the Spider file is opened read-only and its SHA-1 is checked before and after);
   an existing run in OUT/X is resumed, so a second call only measures;
2. embeds the human questions of questions.json for that database and the generated questions with
   the bundled MiniLM (unit vectors, cosine = dot product) and takes, for each human question, the
   generated record whose question is most similar;
3. executes the human gold SQL and that record's SQL on the SQLite file and compares the results with
   `compare_results(gold, ours, CompareRules(order_matters="order by" in gold.lower()))`.
   The share of equal results is the figure ("nearest-question execution match", NQ match).

Also per database: the mean best cosine; "NQ, any column order": the same comparison with
`ignore_column_order=True`; "template match": the share of human questions whose gold template
(`template_of(gold)`, with Spider's double-quoted string literals read as strings, see
`spider_strings`) equals the template of the nearest record; "top-5": the gold result is returned by
one of the 5 nearest records; "any match": by *some* generated record (result coverage: an upper
bound for a perfect question matcher, inflated by one-row results that coincide, such as two counts
that happen to be equal); "any match, gold template": by some record that also has the gold's
template (a lower bound of real coverage). Every miss is put in one class:

- wording: a record with the gold's template returns the gold result, but another record's question
  is nearer;
- same result, other query: only records with another template return the gold result (mostly a
  coincidence on a one-row result; sometimes an equivalent query);
- same template: the nearest record has the gold's template, with other columns/values;
- structure elsewhere: the gold template was generated for this database, but not with the gold's
  tables/columns/values, and the nearest record has another structure;
- structure never generated: no record of this database has the gold template;
- gold empty: the gold result is empty and no record returns it (the generator keeps only non-empty
  results by default);
- gold fails: the gold SQL does not run on the SQLite file.

With --big-db, those databases are extended to --big-n records (resuming) and the figures are given
for the first N, ..., big-n records (`--steps`), to see how the metric grows with N. Prints markdown
tables; --json writes every figure and every miss (human question, gold, nearest question, its SQL,
cosine, class, feature differences) for analysis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import sqlglot
from sqlglot import exp

from _common import SPIDER, cpu_model, gold_sql, pct, safe_template, sha1
from sqlsynth.dataset import read_records
from sqlsynth.engines import open_engine
from sqlsynth.engines.base import Result
from sqlsynth.engines.compare import CompareRules, compare_results
from sqlsynth.generate.runner import GenerateConfig, run_generate
from sqlsynth.schema.loaders import load_schema

BIG_DBS = ["college_2", "hr_1", "store_1"]  # the three with the most human questions
TOP_K = 5
COUNTS = (
    "nq_match",
    "nq_match_any_column_order",
    "template_match",
    "template_match_raw",
    "top5_match",
    "any_match",
    "any_match_template",
)
UNCOVERED = ("same template", "structure elsewhere", "structure never generated")
CLASSES = (
    "wording",
    "same result, other query",
    "same template",
    "structure elsewhere",
    "structure never generated",
    "gold empty",
    "gold fails",
)


def features(sql: str, gold: bool = False) -> set[str]:
    """Coarse structural features of a query (outermost and nested), for telling misses apart."""
    try:
        tree = sqlglot.parse_one(gold_sql(sql) if gold else sql, read="sqlite")
    except Exception:  # noqa: BLE001
        return {"unparsable"}
    out: set[str] = set()
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if isinstance(tree, exp.Union):
        out.add("union")
    if isinstance(tree, exp.Intersect):
        out.add("intersect")
    if isinstance(tree, exp.Except):
        out.add("except")
    if select is not None:
        joins = len(select.args.get("joins") or [])
        out.add(f"joins={min(joins, 3)}")
        where = select.args.get("where")
        if where is not None:
            preds = (
                [p for p in where.this.flatten() if not isinstance(p, exp.And)]
                if isinstance(where.this, exp.And)
                else [where.this]
            )
            out.add(f"where={min(len(preds), 3)}")
        else:
            out.add("where=0")
        out.add(f"select={min(len(select.expressions), 3)}")
        if select.args.get("group"):
            out.add("group by")
        if select.args.get("having"):
            out.add("having")
        if select.args.get("order"):
            out.add("order by")
        if select.args.get("limit"):
            out.add("limit")
        if select.args.get("distinct"):
            out.add("distinct")
        if any(isinstance(e, exp.Star) for e in select.expressions):
            out.add("select *")
        order = select.args.get("order")
        if order is not None and select.args.get("limit") and order.find(exp.AggFunc):
            out.add("order by aggregate + limit")
    if tree.args.get("with"):
        out.add("with (CTE)")
    for agg in (exp.Count, exp.Sum, exp.Avg, exp.Max, exp.Min):
        if tree.find(agg):
            out.add(agg.__name__.lower())
    setop = (exp.Union, exp.Intersect, exp.Except)
    nested = [s for s in tree.find_all(exp.Select) if s is not select and not isinstance(s.parent, setop)]
    if any(s.find_ancestor(exp.CTE) is None for s in nested):
        out.add("subquery")
    if tree.find(exp.Like):
        out.add("like")
    if tree.find(exp.Not):
        out.add("not")
    eqs = tree.find_all(exp.EQ)
    if any(isinstance(eq.expression, exp.Literal) and eq.expression.is_string for eq in eqs):
        out.add("= 'text'")
    for cmp in (exp.GT, exp.LT, exp.GTE, exp.LTE):
        if tree.find(cmp) and not (
            select is not None and select.args.get("having") is not None and select.args["having"].find(cmp)
        ):
            out.add("range compare")
    if tree.find(exp.Between):
        out.add("between")
    return out


LADDER = (
    "no record on the gold's tables",
    "same tables",
    "+ same select list",
    "+ same aggregates",
    "+ same filter columns/operators",
    "+ same filter values",
    "+ same GROUP/HAVING/ORDER/LIMIT/set op",
)


def parts(sql: str, gold: bool = False) -> tuple[Any, ...] | None:
    """What a query is made of, coarsely: tables, selected columns, number of select items, aggregates,
    WHERE predicates (column, operator, literal) and the shape (GROUP BY, HAVING, ORDER BY, LIMIT,
    set operation). The generator's CTE name `stats` does not count as a table."""
    try:
        tree = sqlglot.parse_one(gold_sql(sql) if gold else sql, read="sqlite")
    except Exception:  # noqa: BLE001
        return None
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return None
    tables = frozenset(t.name.lower() for t in tree.find_all(exp.Table) if t.name.lower() != "stats")
    items = select.expressions
    columns = frozenset(c.name.lower() for e in items for c in e.find_all(exp.Column))
    if any(isinstance(e, exp.Star) for e in items):
        columns |= {"*"}
    aggs = tuple(sorted(type(a).__name__ for e in items for a in e.find_all(exp.AggFunc)))
    preds = set()
    where = select.args.get("where")
    if where is not None:
        for p in where.find_all(exp.Binary):
            if isinstance(p, exp.And | exp.Or):
                continue
            col, lit = p.find(exp.Column), p.find(exp.Literal)
            if col is not None:
                preds.add((col.name.lower(), type(p).__name__, lit.this.lower() if lit is not None else None))
    flags = [bool(select.args.get(k)) for k in ("group", "having", "order", "limit")]
    shape = (*flags, type(tree).__name__)
    return tables, columns, len(items), aggs, frozenset(preds), shape


def ladder(g: tuple[Any, ...], r: tuple[Any, ...]) -> int:
    """How far record parts `r` agree with gold parts `g`, as an index into LADDER."""
    steps = (
        g[0] == r[0],
        g[1] == r[1] and g[2] == r[2],
        g[3] == r[3],
        {p[:2] for p in g[4]} == {p[:2] for p in r[4]},
        g[4] == r[4],
        g[5] == r[5],
    )
    level = 0
    for ok in steps:
        if not ok:
            break
        level += 1
    return level


def _norm_sql_for_run(sql: str) -> str:
    return sql.strip().rstrip(";")


def execute(engine: Any, sql: str) -> Result:
    return engine.execute(_norm_sql_for_run(sql), timeout_s=10)


def result_key(res: Result) -> tuple[int, int] | None:
    """(columns, rows) of a successful result, to skip comparisons that cannot be equal."""
    if not res.ok:
        return None
    ncols = len(res.columns) if res.columns else (len(res.rows[0]) if res.rows else 0)
    return ncols, len(res.rows)


def generate(db: str, n: int, out: Path, seed: int = 0) -> tuple[list[dict[str, Any]], float, dict[str, Any]]:
    sqlite = SPIDER / "database" / db / f"{db}.sqlite"
    tables = SPIDER / "tables.json"
    schema = load_schema(str(tables), db_id=db)
    config = GenerateConfig(
        db_id=db, dbs=[f"sqlite:///{sqlite}"], n=n, seed=seed, dialects=["sqlite"], source=str(tables)
    )
    t0 = time.perf_counter()
    result = run_generate(config, schema, out / db, progress=False)
    seconds = time.perf_counter() - t0
    records = [r.model_dump(mode="json") for r in read_records(out / db / "records.jsonl")]
    return records, seconds, result.manifest


def measure(
    gold: list[dict[str, Any]],
    records: list[dict[str, Any]],
    human_vec: np.ndarray,
    gen_vec: np.ndarray,
    gold_res: list[Result],
    gen_res: list[Result],
    keep_misses: bool,
) -> dict[str, Any]:
    """The figures for one database, on the given generated records (a prefix of the run)."""
    sims = human_vec @ gen_vec.T
    best = sims.argmax(axis=1)
    order = np.argsort(-sims, axis=1)
    gen_templates = [r.get("template") or safe_template(r["sql"]) for r in records]
    template_set = set(gen_templates)
    gen_keys = [result_key(r) for r in gen_res]
    c: Counter[str] = Counter()  # the counts of the table
    classes: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    for i, g in enumerate(gold):
        rules = CompareRules(order_matters="order by" in g["query"].lower())
        j = int(best[i])
        gres = gold_res[i]
        gt = safe_template(gold_sql(g["query"]))
        if gt is not None and gt == gen_templates[j]:
            c["template_match"] += 1
        if safe_template(g["query"]) == gen_templates[j]:
            c["template_match_raw"] += 1
        equal_nearest = bool(compare_results(gres, gen_res[j], rules))
        key = result_key(gres)
        matching: list[int] = []
        if key is not None:
            for k in range(len(records)):
                if gen_keys[k] != key:
                    continue
                if equal_nearest if k == j else compare_results(gres, gen_res[k], rules):
                    matching.append(k)
        same_structure = [k for k in matching if gen_templates[k] == gt]
        c["nq_match"] += equal_nearest
        c["any_match"] += bool(matching)
        c["any_match_template"] += bool(same_structure)
        c["top5_match"] += bool(set(matching) & {int(k) for k in order[i, :TOP_K]})
        if equal_nearest:
            continue
        loose = replace(rules, ignore_column_order=True)
        if compare_results(gres, gen_res[j], loose):
            c["nq_match_any_column_order"] += 1
        if not gres.ok:
            cls = "gold fails"
        elif not gres.rows and not matching:
            cls = "gold empty"
        elif same_structure:
            cls = "wording"
        elif matching:
            cls = "same result, other query"
        elif gt is not None and gt == gen_templates[j]:
            cls = "same template"
        elif gt is not None and gt in template_set:
            cls = "structure elsewhere"
        else:
            cls = "structure never generated"
        classes[cls] += 1
        if keep_misses:
            fg, fn = features(g["query"], gold=True), features(records[j]["sql"])
            miss: dict[str, Any] = {
                "db_id": g["db_id"],
                "class": cls,
                "question": g["question"],
                "gold": g["query"],
                "gold_template": gt,
                "nearest_question": records[j]["question"],
                "nearest_sql": records[j]["sql"],
                "nearest_template": gen_templates[j],
                "cosine": round(float(sims[i, j]), 3),
                "why": compare_results(gres, gen_res[j], rules).reason,
                "gold_only": sorted(fg - fn),
                "nearest_only": sorted(fn - fg),
                "gold_rows": len(gres.rows) if gres.ok else None,
                "gold_error": gres.error,
            }
            if matching:
                k = max(same_structure or matching, key=lambda m: sims[i, m])
                miss["matching_question"] = records[k]["question"]
                miss["matching_sql"] = records[k]["sql"]
                miss["matching_cosine"] = round(float(sims[i, k]), 3)
                miss["matching_rank"] = int(np.where(order[i] == k)[0][0]) + 1
            misses.append(miss)
    c["nq_match_any_column_order"] += c["nq_match"]
    return {
        "records": len(records),
        "human": len(gold),
        **{k: c[k] for k in COUNTS},
        "mean_cosine": float(sims.max(axis=1).mean()),
        "templates": len(template_set),
        "classes": dict(classes),
        "misses": misses,
    }


HEADER = (
    "| database | records | human questions | NQ match | NQ, any column order | mean best cosine "
    "| template match | top-5 match | any match | any match, gold template |"
)


def row(name: str, m: dict[str, Any], extra: list[str] | None = None) -> str:
    h = m["human"]
    cells = [
        name,
        str(m["records"]),
        str(h),
        f"**{pct(m['nq_match'], h)}** ({m['nq_match']})",
        pct(m["nq_match_any_column_order"], h),
        f"{m['mean_cosine']:.3f}",
        pct(m["template_match"], h),
        pct(m["top5_match"], h),
        pct(m["any_match"], h),
        pct(m["any_match_template"], h),
        *(extra or []),
    ]
    return "| " + " | ".join(cells) + " |"


def total(ms: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: sum(m[k] for m in ms) for k in ("records", "human", *COUNTS)}
    out["mean_cosine"] = sum(m["mean_cosine"] * m["human"] for m in ms) / max(1, out["human"])
    classes: Counter[str] = Counter()
    for m in ms:
        classes.update(m["classes"])
    out["classes"] = dict(classes)
    return out


def machine() -> str:
    model = cpu_model()
    load = os.getloadavg()
    return f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()}, load average {load[0]:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500, help="generated records per database")
    ap.add_argument("--db", nargs="*", default=None, help="databases (default: all 14)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/question_quality"), help="generation runs go here")
    ap.add_argument("--big-n", type=int, default=1500, help="records for the --big-db runs (0: skip)")
    ap.add_argument("--big-db", nargs="*", default=BIG_DBS)
    ap.add_argument("--steps", type=int, nargs="*", default=None, help="prefix sizes for the growth table")
    ap.add_argument("--json", type=Path, default=None, help="write all figures and misses here")
    ap.add_argument("--examples", type=int, default=3, help="misses printed per class")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the embedder")
    ap.add_argument(
        "--seed", type=int, default=0, help="generation seed (the figure moves by a point or so with it)"
    )
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from sqlsynth.dedup import default_embedder

    started = time.perf_counter()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    questions = json.loads((SPIDER / "questions.json").read_text(encoding="utf-8"))
    dbs = args.db or sorted({q["db_id"] for q in questions})
    big = [d for d in args.big_db if d in dbs] if args.big_n > args.n else []
    embedder = default_embedder()
    per_db: dict[str, dict[str, Any]] = {}
    gold_shape: Counter[str] = Counter()
    gen_shape: Counter[str] = Counter()
    growth: dict[str, dict[int, dict[str, Any]]] = {}
    lines = [HEADER + " gen s | measure s |", "|---|" + "---:|" * 11]
    print(f"# question quality, {when}; {machine()}", flush=True)
    for db in dbs:
        sqlite = SPIDER / "database" / db / f"{db}.sqlite"
        before = sha1(sqlite)
        gold = [q for q in questions if q["db_id"] == db]
        n = args.big_n if db in big else args.n
        records, seconds, _manifest = generate(db, n, args.out, args.seed)
        t0 = time.perf_counter()
        engine = open_engine(f"sqlite:///{sqlite}")
        try:
            gold_res = [execute(engine, g["query"]) for g in gold]
            gen_res = [execute(engine, r["sql"]) for r in records]
        finally:
            engine.close()
        if sha1(sqlite) != before:
            print(f"!! {db}: the SQLite file changed during the run", file=sys.stderr)
        human_vec = embedder.encode([g["question"] for g in gold])
        gen_vec = embedder.encode([r["question"] or "" for r in records])
        m = measure(gold, records[: args.n], human_vec, gen_vec[: args.n], gold_res, gen_res[: args.n], True)
        m["generate_s"] = seconds
        m["gen_failed"] = sum(not r.ok for r in gen_res)
        m["gold_failed"] = sum(not r.ok for r in gold_res)
        record_parts = [x for x in (parts(r["sql"]) for r in records[: args.n]) if x is not None]
        for x in m["misses"]:
            g = parts(x["gold"], gold=True) if x["class"] in UNCOVERED else None
            if g is not None:
                x["closest"] = LADDER[max((ladder(g, r) for r in record_parts), default=0)]
        for g in gold:
            gold_shape.update(features(g["query"], gold=True))
        for r in records[: args.n]:
            gen_shape.update(features(r["sql"]))
        m["measure_s"] = time.perf_counter() - t0
        per_db[db] = m
        lines.append(row(db, m, [f"{seconds:.0f}", f"{m['measure_s']:.0f}"]))
        print(lines[-1], flush=True)
        if db in big:
            steps = args.steps or sorted({args.n, *range(args.n, args.big_n + 1, args.n), args.big_n})
            growth[db] = {}
            for s in steps:
                s = min(s, len(records))
                growth[db][s] = measure(
                    gold, records[:s], human_vec, gen_vec[:s], gold_res, gen_res[:s], s == len(records)
                )
    tot = total(list(per_db.values()))
    sums = [f"{sum(m[k] for m in per_db.values()):.0f}" for k in ("generate_s", "measure_s")]
    lines.append(row(f"**all {len(per_db)}**", tot, sums))
    h = tot["human"]
    print(f"template match with template_of(gold) as is: {pct(tot['template_match_raw'], h)}")
    print()
    print("\n".join(lines))
    print()
    print("Misses by class (all databases):")
    print("| class | human questions | share of misses |")
    print("|---|---:|---:|")
    nmiss = sum(tot["classes"].values())
    for c in CLASSES:
        print(f"| {c} | {tot['classes'].get(c, 0)} | {pct(tot['classes'].get(c, 0), nmiss)} |")
    closest = Counter(x["closest"] for m in per_db.values() for x in m["misses"] if "closest" in x)
    print()
    print(
        "Misses that no record's result covers (classes same template, structure elsewhere, structure never"
    )
    print("generated): how far the closest generated record of the database agrees with the gold query")
    print("| closest record agrees on | human questions | share |")
    print("|---|---:|---:|")
    for name in LADDER:
        print(f"| {name} | {closest[name]} | {pct(closest[name], sum(closest.values()))} |")
    print()
    ngold, ngen = tot["human"], tot["records"]
    print(f"Query shape: gold ({ngold} queries) vs generated ({ngen} records), % of queries")
    print("| feature | gold | generated |")
    print("|---|---:|---:|")
    for f in sorted(set(gold_shape) | set(gen_shape), key=lambda f: (-gold_shape[f], f)):
        print(f"| {f} | {pct(gold_shape[f], ngold)} | {pct(gen_shape[f], ngen)} |")
    if growth:
        print()
        print("Growth with N (the first N records of one run):")
        print(HEADER + " templates |")
        print("|---|" + "---:|" * 10)
        for db, by_n in growth.items():
            for m in by_n.values():
                print(row(db, m, [str(m["templates"])]))
    misses = [x for m in per_db.values() for x in m["misses"]]
    if args.examples:
        print()
        for c in CLASSES:
            some = [x for x in misses if x["class"] == c][: args.examples]
            for x in some:
                print(
                    f"- [{c}] {x['db_id']}: {x['question']!r} | gold: {x['gold']} | nearest "
                    f"({x['cosine']}): {x['nearest_question']!r} | {x['nearest_sql']}"
                )
    elapsed = time.perf_counter() - started
    print(f"\nwall time {elapsed:.0f} s; {machine()}")
    if args.json:
        payload = {
            "date": when,
            "machine": machine(),
            "command": " ".join([".venv/bin/python", "bench/question_quality.py", *(argv or sys.argv[1:])]),
            "wall_s": elapsed,
            "per_db": per_db,
            "total": tot,
            "growth": {
                db: {str(s): {k: v for k, v in m.items() if k != "misses"} for s, m in by_n.items()}
                for db, by_n in growth.items()
            },
            "growth_misses": {db: by_n[max(by_n)]["misses"] for db, by_n in growth.items()},
        }
        args.json.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
