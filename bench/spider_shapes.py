"""The shapes of generated queries against those of Spider's human gold queries: where to look next.

    .venv/bin/python bench/spider_shapes.py RUN [RUN ...] [--docs docs/benchmarks.md] [--json out.json]

Each RUN is a folder that bench/spider_quality.py wrote with `--keep` (or one of coverage_ab.py's
`--keep` folders): its `out_<db>/records.jsonl` files are read, for every database found. Three tables
compare the human gold queries of those databases (questions.json, read as `template_of(gold)`) with
the records of all the RUNs together:
1. by feature (DISTINCT, OR, GROUP BY two columns, a scalar subquery ...): how many gold queries use it
   and the share of them whose template some record has (gold coverage by feature);
2. by shape (nested or not, joins, WHERE conditions, aggregate / grouped / plain, HAVING, ORDER BY,
   LIMIT, DISTINCT): each shape's share of the gold queries and of the records, largest gaps first;
3. for grouped queries: how they are asked (groups alone, top groups, past a HAVING), whether an
   aggregate is shown and how many other columns are.
The walk's Spider-shaped rules (generate/walk.py) were tuned from such tables; a record share far from
the gold share is a candidate, a gold-coverage gain in bench/coverage_ab.py is the test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import re
import shlex
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlglot import exp, parse_one

from _common import SPIDER, gold_sql, safe_template, write_section

SECTION = "## Query shapes against Spider's"

# feature -> a pattern on template_of text (identifiers `tab`/`col`, literals `str`/`num`)
FEATURES = {
    "DISTINCT": r"DISTINCT",
    "COUNT(DISTINCT ...)": r"COUNT\(DISTINCT",
    "COUNT(col)": r"COUNT\(col\)",
    "SELECT *": r"SELECT \*",
    "3+ columns selected": r"^SELECT [^F]*, [^F]*, [^F]* FROM",
    "GROUP BY two columns": r"GROUP BY col, col",
    "HAVING": r"HAVING",
    "ORDER BY an aggregate": r"ORDER BY (COUNT|SUM|AVG|MAX|MIN)",
    "LIMIT": r"LIMIT",
    "two joins or more": r"JOIN.*JOIN",
    "AND": r" AND (?!(num|str)\b)",  # not BETWEEN x AND y
    "OR": r" OR ",
    "<>": r"<>",
    "LIKE": r"LIKE",
    "BETWEEN": r"BETWEEN",
    "IN (SELECT ...)": r"IN \(SELECT",
    "NOT IN (SELECT ...)": r"NOT col IN \(SELECT",
    "scalar subquery": r"[<>=] \(SELECT",
    "UNION": r" UNION (?!ALL)",
    "INTERSECT": r"INTERSECT",
    "EXCEPT": r"EXCEPT",
    "SUM": r"SUM\(",
    "AVG": r"AVG\(",
    "MIN": r"MIN\(",
    "MAX": r"MAX\(",
}


@functools.cache  # records repeat templates: each is parsed once, for shape() and grouped_way()
def _select(template: str) -> exp.Expression | None:
    try:
        return parse_one(template)
    except Exception:  # noqa: BLE001 - a template sqlglot cannot read back counts as "other"
        return None


def shape(template: str) -> str:
    """Nested or not, joins (0/1/2+), WHERE conditions (0/1/2+), aggregate / grouped / plain, and
    HAVING / ORDER BY / LIMIT / DISTINCT marks; set operations and CTEs as one shape."""
    e = _select(template)
    if e is None or not isinstance(e, exp.Select):
        return "set operation" if e is not None else "other"
    if e.args.get("with"):
        return "set operation"  # a CTE: as rare as set operations, counted with them
    nested = any(s is not e for s in e.find_all(exp.Select))
    joins = min(len(e.args.get("joins") or []), 2)
    where = e.args.get("where")
    conds = 0
    if where is not None:
        conds = 1 + sum(1 for node in where.find_all(exp.And, exp.Or) if node.find_ancestor(exp.Select) is e)
    grouped = bool(e.args.get("group"))
    kind = (
        "grouped" if grouped else "aggregate" if any(i.find(exp.AggFunc) for i in e.expressions) else "plain"
    )
    marks = "".join(
        mark
        for key, mark in (("having", " +HAVING"), ("order", " +ORDER"), ("limit", " +LIMIT"))
        if e.args.get(key)
    )
    marks += " +DISTINCT" if e.args.get("distinct") else ""
    head = f"{'nested ' if nested else ''}{joins} join{'s' if joins != 1 else ''}"
    return f"{head}, {min(conds, 2)} cond., {kind}{marks}"


def grouped_way(template: str) -> str | None:
    """How a grouped query is asked: groups / top / having, aggregate shown or not, other columns."""
    e = _select(template)
    if not isinstance(e, exp.Select) or not e.args.get("group"):
        return None
    way = "past a HAVING" if e.args.get("having") else "top groups" if e.args.get("order") else "groups alone"
    aggs = sum(1 for i in e.expressions if i.find(exp.AggFunc))
    cols = min(len(e.expressions) - aggs, 3)
    columns = f"{cols}{'+' if cols == 3 else ''} column{'s' if cols != 1 else ''}"
    return f"{way}, aggregate {'shown' if aggs else 'unseen'}, {columns}"


def _share(counter: Counter[str], key: str) -> str:
    total = sum(counter.values())
    return f"{100 * counter[key] / total:.1f}%" if total else "–"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path, help="folders of spider_quality.py --keep runs")
    ap.add_argument("--docs", default="", help="markdown file whose section to replace ('' = none)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--top", type=int, default=25, help="shapes listed (largest gaps first)")
    args = ap.parse_args()

    made: dict[str, list[str]] = defaultdict(list)
    for run in args.runs:
        for folder in sorted(run.glob("out_*")):
            path = folder / "records.jsonl"
            if path.exists():
                lines = path.read_text(encoding="utf-8").splitlines()
                made[folder.name[4:]].extend(json.loads(line)["template"] for line in lines)
    if not made:
        sys.exit(f"no out_<db>/records.jsonl under {', '.join(map(str, args.runs))}")
    questions = json.loads((SPIDER / "questions.json").read_text(encoding="utf-8"))
    gold = [(q["db_id"], safe_template(gold_sql(q["query"]))) for q in questions if q["db_id"] in made]
    gold = [(db, t) for db, t in gold if t]
    have = {db: set(ts) for db, ts in made.items()}
    records = Counter(t for ts in made.values() for t in ts)  # template -> records with it
    n_records = records.total()

    def weighed(of: Callable[[str], str | None]) -> Counter[str]:
        """Records per value of `of`(template), each distinct template worked out once."""
        out: Counter[str] = Counter()
        for t, n in records.items():
            if (key := of(t)) is not None:
                out[key] += n
        return out

    features = {}
    for name, pattern in FEATURES.items():
        rx = re.compile(pattern)
        using = [(db, t) for db, t in gold if rx.search(t)]
        covered = sum(t in have[db] for db, t in using)
        share = sum(n for t, n in records.items() if rx.search(t)) / n_records
        features[name] = {"gold": len(using), "covered": covered, "records_share": share}
    gold_shapes = Counter(shape(t) for _, t in gold)
    made_shapes = weighed(shape)
    gaps = sorted(
        set(gold_shapes) | set(made_shapes),
        key=lambda k: -abs(gold_shapes[k] / len(gold) - made_shapes[k] / n_records),
    )
    gold_ways = Counter(w for _, t in gold if (w := grouped_way(t)))
    made_ways = weighed(grouped_way)

    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    covered_all = sum(t in have[db] for db, t in gold)
    md = [
        SECTION,
        "",
        f"Measured {when} with `.venv/bin/python bench/spider_shapes.py {shlex.join(sys.argv[1:])}` "
        f"(bench/spider_shapes.py): {n_records} records of {len(args.runs)} run(s) over {len(made)} "
        f"databases against their {len(gold)} gold queries that sqlglot reads ({covered_all} of them, "
        f"{100 * covered_all / len(gold):.1f}%, have a record's template).",
        "",
        "By feature: gold queries using it, the share of those whose template some record has, and the "
        "share of records using it.",
        "",
        "| feature | gold queries | covered | records using it |",
        "|---|---:|---:|---:|",
    ]
    for name, f in sorted(features.items(), key=lambda kv: kv[1]["covered"] / max(kv[1]["gold"], 1)):
        cov = f"{100 * f['covered'] / f['gold']:.0f}% ({f['covered']})" if f["gold"] else "–"
        md.append(f"| {name} | {f['gold']} | {cov} | {100 * f['records_share']:.1f}% |")
    md += [
        "",
        f"By shape, the {args.top} largest gaps between the share of gold queries and of records:",
        "",
        "| shape | gold | records |",
        "|---|---:|---:|",
    ]
    md += [f"| {k} | {_share(gold_shapes, k)} | {_share(made_shapes, k)} |" for k in gaps[: args.top]]
    md += ["", "Grouped queries, by how they are asked (share of the grouped ones):", ""]
    md += ["| way | gold | records |", "|---|---:|---:|"]
    md += [
        f"| {k} | {_share(gold_ways, k)} | {_share(made_ways, k)} |"
        for k in sorted(set(gold_ways) | set(made_ways))
    ]
    text = "\n".join(md) + "\n"
    print(text)
    if args.docs:
        write_section(Path(args.docs), text, SECTION)
        print(f"wrote the '{SECTION}' section of {args.docs}", file=sys.stderr)
    if args.json:
        figures = {
            "features": features,
            "shapes": {"gold": gold_shapes, "records": made_shapes},
            "grouped": {"gold": gold_ways, "records": made_ways},
        }
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
