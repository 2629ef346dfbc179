"""What nobody asks: patterns of generated queries that Spider's human gold queries never (or seldom) have.

    .venv/bin/python bench/spider_oddities.py RUN [RUN ...] [--docs docs/benchmarks.md] [--json out.json]

Each RUN is a folder that bench/spider_quality.py wrote with `--keep` (or one of coverage_ab.py's
`--keep` folders); its `out_<db>/records.jsonl` files are read. Each pattern below (ODDITIES, one small
function of a parsed query each) is counted in the records of all the RUNs and in the gold queries of
the same databases (questions.json), with an example question of the records; the IDLE_PARTS patterns
(an EXCEPT that takes nothing away, a LIMIT above the row count, ...) run the query and its parts on the
database's SQLite file of the Spider folder, read only. A pattern the people
who wrote Spider never used and the generator uses often is a question nobody would ask: "the average
SSN of physicians", "the names of media types whose name is 'AAC audio file'". The checks the
generator and the validator make (generate/roles.py, validate/filters.py) are reused where they exist,
so a pattern they rule out reads 0 here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlglot import exp, parse_one

from _common import SPIDER, gold_sql, write_section
from sqlsynth.generate.roles import is_id_name, number_kind
from sqlsynth.generate.walk import unused_leaves
from sqlsynth.validate.filters import limit_of, orders_by_pinned, pinned_answer

SECTION = "## Oddities against Spider's"


def _where_columns(select: exp.Select) -> list[exp.Column]:
    """The columns of `select`'s own WHERE (not of its subqueries)."""
    where = select.args.get("where")
    if where is None:
        return []
    return [c for c in where.find_all(exp.Column) if c.find_ancestor(exp.Select) is select]


def range_on_id(tree: exp.Expression) -> bool:
    """`track_id > 18`: an id compared as an amount (or matched with LIKE)."""
    kinds = (exp.GT, exp.LT, exp.GTE, exp.LTE, exp.Between, exp.Like)
    return any(
        isinstance(c.this, exp.Column) and is_id_name(c.this.name) and not c.find(exp.Subquery)
        for w in tree.find_all(exp.Where)
        for c in w.find_all(*kinds)
    )


def condition_on_joined_id(tree: exp.Expression) -> bool:
    """`... JOIN media_types ON t.media_type_id = m.id WHERE t.media_type_id = 1`."""
    for select in tree.find_all(exp.Select):
        on = [
            c
            for j in select.args.get("joins") or []
            for c in (j.args.get("on") or exp.Tuple()).find_all(exp.Column)
        ]
        keys = {(c.table, c.name.lower()) for c in on if is_id_name(c.name)}
        if keys & {(c.table, c.name.lower()) for c in _where_columns(select)}:
            return True
    return False


def answer_in_question(tree: exp.Expression) -> bool:
    """The WHERE's own values give the answer (validate.filters.pinned_answer)."""
    return pinned_answer(tree) is not None


def amount_of_identifier(tree: exp.Expression) -> bool:
    """AVG / SUM of an SSN, a phone or car number, a year (generate.roles.number_kind)."""
    return any(
        isinstance(a.this, exp.Column) and number_kind(a.this.name) for a in tree.find_all(exp.Avg, exp.Sum)
    )


def not_of_negation(tree: exp.Expression) -> bool:
    """`NOT (NOT x IN (...))`, `NOT (x <> 1)`."""
    return any(isinstance(n.this.unnest(), (exp.Not, exp.NEQ)) for n in tree.find_all(exp.Not))


def order_by_id(tree: exp.Expression) -> bool:
    """Ordered by an id first ("the 3 invoice lines with the smallest invoice line id"); an id
    that breaks ties after another key ("ties broken by employee id") does not count."""
    return any(
        isinstance(first.this, exp.Column) and is_id_name(first.this.name)
        for order in tree.find_all(exp.Order)
        for first in order.expressions[:1]
    )


def distinct_ids(tree: exp.Expression) -> bool:
    """SELECT DISTINCT of one id column."""
    return any(
        s.args.get("distinct")
        and len(s.selects) == 1
        and isinstance(s.selects[0], exp.Column)
        and is_id_name(s.selects[0].name)
        for s in tree.find_all(exp.Select)
    )


def distinct_top_rows(tree: exp.Expression) -> bool:
    """The top rows of a DISTINCT ("the distinct name of the first product")."""
    return any(s.args.get("distinct") and s.args.get("limit") for s in tree.find_all(exp.Select))


def _on_tables(join: exp.Join) -> set[str]:
    """The tables (aliases) a join's ON condition names."""
    on = join.args.get("on")
    return {c.table for c in on.find_all(exp.Column)} if on is not None else set()


def outer_join_made_inner(tree: exp.Expression) -> bool:
    """A LEFT JOIN whose table the WHERE requires (a condition on it other than IS NULL), or a
    later inner join attached to it: an inner join ("the cities of customers whose support rep is
    Steve, those without one too")."""
    for select in tree.find_all(exp.Select):
        required = {c.table for c in _where_columns(select) if not isinstance(c.parent, exp.Is)}
        joins = select.args.get("joins") or []
        for i, join in enumerate(joins):
            if join.side != "LEFT":
                continue
            name = join.this.alias_or_name
            later = [j for j in joins[i + 1 :] if not j.side]
            if name in required or any(name in _on_tables(j) for j in later):
                return True
    return False


def outer_join_unused(tree: exp.Expression) -> bool:
    """A LEFT JOIN of a table used nowhere but in joins' ON: it only repeats rows ("the names of
    artists (including those without any album)", once per album)."""
    for select in tree.find_all(exp.Select):
        joins = select.args.get("joins") or []
        used = {c.table for c in select.find_all(exp.Column) if c.find_ancestor(exp.Join) is None}
        for i, join in enumerate(joins):
            name = join.this.alias_or_name
            bridge = any(name in _on_tables(j) for j in joins[i + 1 :])
            if join.side == "LEFT" and name not in used and not bridge:
                return True
    return False


ODDITIES: dict[str, Callable[[exp.Expression], bool]] = {
    "range on an id": range_on_id,
    "condition on an id a join uses": condition_on_joined_id,
    "answer given by the question": answer_in_question,
    "AVG / SUM of an identifying number or a year": amount_of_identifier,
    "NOT of a negation": not_of_negation,
    "ORDER BY a pinned column": orders_by_pinned,
    "ORDER BY an id": order_by_id,
    "DISTINCT of one id": distinct_ids,
    "top rows of a DISTINCT": distinct_top_rows,
    "LEFT JOIN that the WHERE or a later JOIN makes inner": outer_join_made_inner,
    "LEFT JOIN of a table nothing else uses": outer_join_unused,
}


# What a query's parts do on Spider's own rows (its SQLite file, read only): `rows(expr)` runs a
# query or a part of one and gives its rows, or None when it fails.
Rows = Callable[[exp.Expression], "list[tuple] | None"]


def except_takes_nothing(tree: exp.Expression, rows: Rows) -> bool:
    """An EXCEPT whose left branch alone gives the answer ("payments by Nancy, except by Lisa")."""
    if not isinstance(tree, exp.Except) or tree.args.get("limit"):
        return False
    whole, left = rows(tree), rows(tree.left)
    return whole is not None and left is not None and set(whole) == set(left)


def one_branch_answers(tree: exp.Expression, rows: Rows) -> bool:
    """An INTERSECT or UNION whose answer one branch gives alone (not counted by the validator:
    "the ids of players INTERSECT those with a tryout" is how people ask it)."""
    if not isinstance(tree, (exp.Intersect, exp.Union)) or tree.args.get("limit"):
        return False
    if isinstance(tree, exp.Union) and not tree.args.get("distinct"):
        return False
    whole = rows(tree)
    sides = [rows(tree.left), rows(tree.right)]
    return whole is not None and any(side is not None and set(side) == set(whole) for side in sides)


def limit_cuts_nothing(tree: exp.Expression, rows: Rows) -> bool:
    """LIMIT k over fewer than k rows ("the 10 teachers in classroom 102": there is one)."""
    k = limit_of(tree)
    if k is None:
        return False
    whole = rows(tree)
    return whole is not None and 0 < len(whole) < k


def join_changes_nothing(tree: exp.Expression, rows: Rows) -> bool:
    """A JOIN of a table that nothing but the join uses, at the end of a chain (walk.unused_leaves),
    whose dropping gives the same rows ("the average rank of results whose time is X" over results
    JOIN drivers). A FROM's table is not dropped (the query would need another FROM)."""
    if not isinstance(tree, exp.Select):
        return False
    joins = tree.args.get("joins") or []
    whole = None
    for source, _ in unused_leaves(tree):
        i = next((k for k, j in enumerate(joins) if j.this is source), None)
        if i is None:
            continue
        variant = tree.copy()
        variant.set("joins", [j for k, j in enumerate(variant.args["joins"]) if k != i] or None)
        whole = rows(tree) if whole is None else whole
        fewer = rows(variant)
        if whole is not None and fewer is not None and Counter(whole) == Counter(fewer):
            return True
    return False


IDLE_PARTS: dict[str, Callable[[exp.Expression, Rows], bool]] = {
    "JOIN that changes nothing (a table nothing else uses)": join_changes_nothing,
    "EXCEPT that takes nothing away": except_takes_nothing,
    "INTERSECT or UNION that one branch answers": one_branch_answers,
    "LIMIT above the row count": limit_cuts_nothing,
}


def _runner(db_id: str, connections: dict[str, sqlite3.Connection]) -> Rows:
    if db_id not in connections:
        path = SPIDER / "database" / db_id / f"{db_id}.sqlite"
        connections[db_id] = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn = connections[db_id]

    def rows(expr: exp.Expression) -> list[tuple] | None:
        try:
            return conn.execute(expr.sql("sqlite")).fetchall()
        except sqlite3.Error:
            return None

    return rows


def _parse(sql: str) -> exp.Expression | None:
    try:
        return parse_one(sql, read="sqlite")
    except Exception:  # noqa: BLE001 - SQL sqlglot cannot read counts for no pattern
        return None


def count(queries: list[tuple[str, str, str]]) -> tuple[int, Counter[str], dict[str, str]]:
    """(queries read, queries per pattern, an example question per pattern) of (sql, question,
    database) triples; the IDLE_PARTS patterns run parts of the query on the database."""
    found: Counter[str] = Counter()
    example: dict[str, str] = {}
    read = 0
    connections: dict[str, sqlite3.Connection] = {}
    for sql, question, db_id in queries:
        tree = _parse(sql)
        if tree is None:
            continue
        read += 1
        rows = _runner(db_id, connections)
        hits = [name for name, test in ODDITIES.items() if test(tree)]
        hits += [name for name, idle in IDLE_PARTS.items() if idle(tree, rows)]
        for name in hits:
            found[name] += 1
            example.setdefault(name, question)
    for conn in connections.values():
        conn.close()
    return read, found, example


def report(
    gold: tuple[int, Counter[str], dict[str, str]],
    made: tuple[int, Counter[str], dict[str, str]],
    dbs: int,
    argv: list[str],
) -> str:
    cmd = shlex.join([".venv/bin/python", "bench/spider_oddities.py", *argv])
    date = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    (g_n, g, _), (m_n, m, ex) = gold, made
    lines = [
        SECTION,
        "",
        f"Measured {date} with `{cmd}` (bench/spider_oddities.py): {m_n} records over {dbs} databases "
        f"against their {g_n} gold queries. A pattern the gold queries never use is a question nobody asks.",
        "",
        "| pattern | gold queries | records | example (records) |",
        "|---|---:|---:|---|",
    ]
    for name in [*ODDITIES, *IDLE_PARTS]:
        example = ex.get(name, "").replace("|", "\\|")
        shares = f"{g[name]} ({100 * g[name] / g_n:.2f}%) | {m[name]} ({100 * m[name] / m_n:.2f}%)"
        lines.append(f"| {name} | {shares} | {example} |")
    return "\n".join([*lines, ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path, help="folders of spider_quality.py --keep runs")
    ap.add_argument("--docs", default="", help="markdown file whose section to replace ('' = none)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args()
    records: list[tuple[str, str]] = []
    dbs: set[str] = set()
    for run in args.runs:
        for path in sorted(run.glob("out_*/records.jsonl")):
            dbs.add(path.parent.name[4:])
            for line in path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                records.append((rec["sql"], rec["question"], rec["db_id"]))
    if not records:
        sys.exit(f"no out_<db>/records.jsonl under {', '.join(map(str, args.runs))}")
    questions = json.loads((SPIDER / "questions.json").read_text(encoding="utf-8"))
    gold = count([(gold_sql(q["query"]), q["question"], q["db_id"]) for q in questions if q["db_id"] in dbs])
    made = count(records)
    md = report(gold, made, len(dbs), sys.argv[1:])
    print(md)
    if args.json:
        figures = {"gold": [gold[0], dict(gold[1])], "records": [made[0], dict(made[1])]}
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    if args.docs:
        write_section(Path(args.docs), md, SECTION)


if __name__ == "__main__":
    main()
