"""The validation filters: an ordered tuple of small functions, like sqlglot's optimizer rules.

Each filter takes a `Candidate` and the run's `Checks` and returns None (keep) or a short reject
reason ("error:duckdb", "empty", ...). The first rejection ends a candidate's run; `Counters`
tallies what each filter saw and why it said no.

The stateless filters (`STATELESS`) can run in any worker process; the filters that depend on
what was kept before (`dedup`, `template_cap`) run in one place, in index order, so the output
does not depend on the number of workers. `already_kept` turns away before any query runs what
they would (what is kept only grows); the counts per filter may then differ with the number of
workers, the records do not.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp

from sqlsynth.dataset import Record
from sqlsynth.engines.base import Engine, Result
from sqlsynth.engines.compare import CompareRules, compare_results, normalize_row, rows_equal
from sqlsynth.generate.measure import atoms
from sqlsynth.render import conjuncts, parses_back, render, select_sources


class ValidateConfig(BaseModel):
    """What a kept query must satisfy."""

    model_config = ConfigDict(extra="forbid")

    timeout_s: float = Field(10.0, gt=0, description="Per execution, per engine.")
    max_rows: int = Field(10_000, ge=1, description="Rows fetched per execution.")
    allow_empty: bool = Field(False, description="Keep queries whose result is empty (or a lone COUNT of 0).")
    allow_whole_table: bool = Field(False, description="Keep queries that return a whole table.")
    discriminative: bool = Field(True, description="Every predicate must change the result.")
    max_checked_predicates: int = Field(4, ge=0, description="Predicates checked per query.")
    template_cap: Annotated[int, Field(ge=1)] | Literal["auto"] | None = Field(
        "auto",
        description=(
            "Records per structural template; 'auto': the run decides (generate: at most "
            "max(10, n / 100) walked queries per template, template expansions uncapped); None: no cap."
        ),
    )
    float_tol: float = Field(1e-6, ge=0)


@dataclass
class Candidate:
    """One generated query on its way through the filters."""

    expr: exp.Expression
    order_matters: bool = False
    tables: list[str] = field(default_factory=list)
    sql_by_dialect: dict[str, str] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    disagreement: dict[str, Any] | None = None
    # every dialect wanted; one missing from sql_by_dialect is rendered by parse_back, the last
    # filter, so that rejected candidates are never rendered for dialects no engine runs
    dialects: list[str] = field(default_factory=list)


@dataclass
class Checks:
    """What the stateless filters need: the engines (the first is the reference), the config and
    the tables' row counts (for the whole-table check)."""

    engines: list[Engine]
    config: ValidateConfig
    row_counts: dict[str, int] = field(default_factory=dict)
    column_counts: dict[str, int] = field(default_factory=dict)
    # known values of (table, column), most frequent first (the value pool): other literals to try
    values: Callable[[str, str], list[Any]] | None = None


@dataclass
class Kept:
    """What the stateful filters remember: ids kept so far, records per template, and the templates
    that hold `cap` records (the cap in force; None: no cap)."""

    ids: set[str] = field(default_factory=set)
    templates: Counter[str] = field(default_factory=Counter)
    cap: int | None = None
    full: set[str] = field(default_factory=set)
    added: list[str] = field(default_factory=list)  # the ids in the order kept (to send what is new)

    def add(self, record: Record) -> None:
        self.ids.add(record.id)
        self.added.append(record.id)
        self.templates[record.template] += 1
        if self.cap is not None and self.templates[record.template] >= self.cap:
            self.full.add(record.template)


Filter = Callable[[Candidate, Checks], "str | None"]


# -- stateless filters ------------------------------------------------------------------------
def parse_back(cand: Candidate, checks: Checks) -> str | None:
    """Every rendering no engine ran parses back as one statement of its dialect (an engine that
    ran a rendering has parsed it with the dialect's own parser, a stronger check). Renders the
    candidate's dialects not rendered yet."""
    for dialect in cand.dialects:
        if dialect not in cand.sql_by_dialect:
            cand.sql_by_dialect[dialect] = render(cand.expr, dialect)
    ran = {e.dialect for e in checks.engines if e.name in cand.results}
    for dialect, sql in cand.sql_by_dialect.items():
        if dialect not in ran and parses_back(sql, dialect) is not None:
            return f"parse:{dialect}"
    return None


def _run(cand: Candidate, checks: Checks, engine: Engine) -> str | None:
    """Run `engine`'s rendering; the reject reason if it fails, times out or is cut."""
    sql = cand.sql_by_dialect.get(engine.dialect)
    if sql is None:
        sql = cand.sql_by_dialect[engine.dialect] = render(cand.expr, engine.dialect)
    res = engine.execute(sql, checks.config.timeout_s, checks.config.max_rows)
    cand.results[engine.name] = res
    if res.timed_out:
        return f"timeout:{engine.name}"
    if not res.ok:
        return f"error:{engine.name}"
    if len(res.rows) >= checks.config.max_rows:
        return "too-many-rows"  # engines may cut a long result at different rows: not comparable
    return None


def executes(cand: Candidate, checks: Checks) -> str | None:
    """The reference engine (the first) runs its rendering within the timeout. The other engines
    run theirs in `engines_agree`, after the cheap checks on this result."""
    return _run(cand, checks, checks.engines[0])


def scalar_subqueries_one_row(cand: Candidate, checks: Checks) -> str | None:
    """Every subquery used as a value returns at most one row (else `many-rows-subquery`). SQLite
    takes the first row of one that returns more, in no defined order; PostgreSQL and DuckDB stop
    with an error. A subquery of aggregates without GROUP BY returns one row, and one that refers
    to the outer query cannot run alone: neither runs here."""
    engine = checks.engines[0]
    for sub in scalar_subqueries(cand.expr):
        res = engine.execute(render(sub, engine.dialect), checks.config.timeout_s, 2)
        if res.ok and len(res.rows) > 1:
            return "many-rows-subquery"
    return None


def scalar_subqueries(expr: exp.Expression) -> list[exp.Select]:
    """The SELECTs of `expr`'s subqueries used as values (not IN, EXISTS or FROM), but those that
    return one row whatever the data (aggregates without GROUP BY) and those that refer to a table
    of an outer query."""
    out = []
    for sub in expr.find_all(exp.Subquery):
        inner = sub.this
        if not isinstance(inner, exp.Select) or isinstance(
            sub.parent, (exp.In, exp.Exists, exp.From, exp.Join)
        ):
            continue
        if sub.args.get("alias") is not None:  # a derived table
            continue
        if not inner.args.get("group") and all(e.find(exp.AggFunc) for e in inner.expressions):
            continue
        own = {t.alias_or_name for t in inner.find_all(exp.Table)}
        if any(c.table and c.table not in own for c in inner.find_all(exp.Column)):
            continue  # correlated
        out.append(inner)
    return out


def engines_agree(cand: Candidate, checks: Checks) -> str | None:
    """Every other engine runs its rendering and returns the same rows as the reference (in the
    same order when the query fixes one)."""
    rules = CompareRules(order_matters=cand.order_matters, float_tol=checks.config.float_tol)
    ref_engine, *others = checks.engines
    ref = cand.results[ref_engine.name]
    for engine in others:
        reason = _run(cand, checks, engine)
        if reason is not None:
            return reason
        verdict = compare_results(ref, cand.results[engine.name], rules)
        if not verdict:
            cand.disagreement = {
                "engines": [ref_engine.name, engine.name],
                "reason": verdict.reason,
                "sql": {e.name: cand.sql_by_dialect.get(e.dialect, "") for e in checks.engines},
            }
            return f"disagree:{ref_engine.name}-{engine.name}"
    return None


TIE_SCAN_ROWS = 1000  # rows read past the cut to see how far a tie reaches


def top_rows_variant(expr: exp.Expression) -> tuple[exp.Select, int] | None:
    """For `... ORDER BY keys LIMIT k`: the same query selecting its items and the keys, without
    the LIMIT, so that ties at the cut can be seen; and k (None for other queries)."""
    limit = expr.args.get("limit")
    order = expr.args.get("order")
    if not isinstance(expr, exp.Select) or limit is None or order is None or expr.args.get("distinct"):
        return None
    try:
        k = int(limit.expression.this)
        offset = expr.args.get("offset")
        k += int(offset.expression.this) if offset is not None else 0  # ties at the OFFSET count too
    except (AttributeError, TypeError, ValueError):
        return None
    variant = expr.copy()
    # ORDER BY may name a select alias, which cannot be selected again: use what it names
    named = {i.alias: i.this for i in expr.expressions if isinstance(i, exp.Alias)}

    items = [i.this if isinstance(i, exp.Alias) else i for i in expr.expressions]

    def key(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in named:
            return named[node.name].copy()
        if isinstance(node, exp.Literal) and node.is_int and 0 < int(node.this) <= len(items):
            return items[int(node.this) - 1].copy()  # ORDER BY 2: the second select item
        return node.copy()

    keys = [exp.alias_(key(o.this), f"__key{i}", quoted=True) for i, o in enumerate(order.expressions)]
    variant.set("expressions", [*variant.expressions, *keys])
    variant.set("limit", None)
    variant.set("offset", None)
    return variant, k


def unambiguous_order(cand: Candidate, checks: Checks) -> str | None:
    """ORDER BY ... LIMIT k is kept only when the rows that tie on the keys with any of the first
    k rows all show the same values: then every engine returns the same rows in the same order
    ("the 3 most expensive products" with no tie at the third)."""
    found = top_rows_variant(cand.expr)
    if found is None:
        return None
    variant, k = found
    engine = checks.engines[0]
    scan = min(k + TIE_SCAN_ROWS, checks.config.max_rows)
    variant.set("limit", exp.Limit(expression=exp.Literal.number(scan)))  # a bounded sort, not a full one
    nkeys = len(variant.expressions) - len(cand.expr.expressions)
    res = engine.execute(render(variant, engine.dialect, copy=False), checks.config.timeout_s, scan)
    if not res.ok:
        return f"error:{engine.name}"
    rows = [normalize_row(r) for r in res.rows]
    for start, group in _runs(rows, nkeys, checks.config.float_tol):
        if start >= k:
            break
        if len({r[:-nkeys] for r in group}) > 1:
            return "tie"
        if start + len(group) == len(rows) == scan:
            return "tie"  # the tie runs past what was read: cannot tell
    return None


def _runs(rows: list[tuple[Any, ...]], nkeys: int, tol: float) -> list[tuple[int, list[tuple[Any, ...]]]]:
    """(first index, rows) of each run of consecutive rows with equal keys (the last nkeys), floats
    within `tol` counting as equal: two sums of the same prices can differ in their last bit, and
    in the other order in another engine (which adds them in another order)."""
    out: list[tuple[int, list[tuple[Any, ...]]]] = []
    for i, row in enumerate(rows):
        if out and rows_equal(out[-1][1][-1][-nkeys:], row[-nkeys:], tol):
            out[-1][1].append(row)
        else:
            out.append((i, [row]))
    return out


def reference(cand: Candidate) -> Result:
    """The reference engine's result (the first engine's)."""
    return next(iter(cand.results.values()))


def non_empty(cand: Candidate, checks: Checks) -> str | None:
    """The result has rows (unless empty results are allowed); a count of nothing is empty too:
    `SELECT COUNT(*) ... WHERE x <= 13 AND x BETWEEN 169 AND 246` answers 0 whatever the data."""
    if checks.config.allow_empty:
        return None
    rows = reference(cand).rows
    if not rows:
        return "empty"
    if len(rows) == 1 and _counts_nothing(cand.expr, rows[0]):
        return "empty-count"
    return None


def _counts_nothing(expr: exp.Expression, row: tuple[Any, ...]) -> bool:
    """The one row of an ungrouped query with a COUNT is all 0 and NULL: nothing was counted."""
    if not isinstance(expr, exp.Select) or expr.args.get("group") or len(row) != len(expr.expressions):
        return False
    has_count = any(isinstance(item.unalias(), exp.Count) for item in expr.expressions)
    return has_count and all(v is None or (type(v) is not bool and v == 0) for v in row)


def well_posed(cand: Candidate, checks: Checks) -> str | None:
    """A question worth asking, as written, before any engine runs it: its answer is not given by
    its own values (`pinned_answer`: "the names of media types whose name is 'AAC audio file'"),
    and, with `discriminative` on, no ORDER BY key is one its WHERE sets to one value
    (`orders_by_pinned`: "employees hired on 2003-10-17, from the earliest hire date")."""
    if (pinned := pinned_answer(cand.expr)) is not None:
        return pinned
    if checks.config.discriminative and orders_by_pinned(cand.expr):
        return "idle-order"
    return None


def non_trivial(cand: Candidate, checks: Checks) -> str | None:
    """Not only NULLs, and not a whole table copied out (unless asked)."""
    res = reference(cand)
    if res.rows and all(v is None for row in res.rows for v in row):
        return "all-null"
    if not checks.config.allow_whole_table and len(cand.tables) == 1:
        table = cand.tables[0]
        width = len(res.columns) if res.columns else len(res.rows[0]) if res.rows else 0
        if len(res.rows) == checks.row_counts.get(table, -1) and width == checks.column_counts.get(table):
            return "whole-table"
    return None


def _conjuncts(select: exp.Select) -> list[exp.Expression]:
    """The parts of `select`'s own WHERE that all hold (its AND-ed conditions), unparenthesised."""
    where = select.args.get("where")
    return conjuncts(where.this) if where is not None else []


def _key(column: exp.Column) -> tuple[str, str]:
    return column.table, column.name


def pinned_columns(select: exp.Select) -> set[tuple[str, str]]:
    """(table, column) of each column that `select`'s WHERE sets to one value (`column = literal`)."""
    return _pinned(_conjuncts(select))


def _pinned(parts: list[exp.Expression]) -> set[tuple[str, str]]:
    return {
        _key(eq.this)
        for eq in parts
        if isinstance(eq, exp.EQ)
        and isinstance(eq.this, exp.Column)
        and isinstance(eq.expression, exp.Literal)
    }


def pinned_answer(expr: exp.Expression) -> str | None:
    """Why the question's own values give the answer, or None. A SELECT (or a branch of a set
    operation) whose WHERE says `name = 'x'` and that shows only such columns ("echo": "the names
    of media types whose name is 'x'"); an aggregate of such a column (the value itself, or 1 for
    COUNT(DISTINCT): "one-value": "the highest capacity of classrooms whose capacity is 11");
    a GROUP BY of such columns (one group: "one-group"); an IN subquery whose conditions are all on
    the column it lists ("roundabout-subquery": "genres whose genre id is 2" for "genre id 2").
    None of Spider's 1,356 gold queries does any of these."""
    for select in expr.find_all(exp.Select):
        parts = _conjuncts(select)
        if not parts:
            continue
        pinned = _pinned(parts)
        shown = [item.unalias() for item in select.selects]
        group = select.args.get("group")
        branch = select is expr or isinstance(select.parent, exp.SetOperation)
        if branch and group is None and _all_pinned(shown, pinned):
            return "echo"
        listed = _key(shown[0]) if len(shown) == 1 and isinstance(shown[0], exp.Column) else None
        if (
            listed is not None
            and isinstance(select.parent, exp.Subquery)
            and isinstance(select.parent.parent, exp.In)
            and all({_key(c) for c in part.find_all(exp.Column)} == {listed} for part in parts)
        ):
            return "roundabout-subquery"
        if group is not None and _all_pinned(group.expressions, pinned):
            return "one-group"
        for agg in select.find_all(exp.Min, exp.Max, exp.Avg, exp.Sum, exp.Count):
            arg = agg.this.expressions if isinstance(agg.this, exp.Distinct) else [agg.this]
            counts_rows = isinstance(agg, exp.Count) and not isinstance(agg.this, exp.Distinct)
            if not counts_rows and agg.parent_select is select and _all_pinned(arg, pinned):
                return "one-value"
    return None


def orders_by_pinned(expr: exp.Expression) -> bool:
    """Some ORDER BY key is a column its SELECT's WHERE sets to one value ("employees hired on
    2003-10-17, from the earliest hire date"): it orders nothing (none of Spider's gold queries)."""
    for select in expr.find_all(exp.Select):
        order = select.args.get("order")
        keys = [o.this for o in order.expressions] if order is not None else []
        pinned = pinned_columns(select) if keys else set()
        if any(isinstance(k, exp.Column) and _key(k) in pinned for k in keys):
            return True
    return False


def _all_pinned(items: list[exp.Expression], pinned: set[tuple[str, str]]) -> bool:
    return bool(items) and all(isinstance(c, exp.Column) and _key(c) in pinned for c in items)


def _atoms(tree: exp.Expression) -> list[tuple[exp.Expression, bool]]:
    """The (predicate, negated) pairs of every WHERE and HAVING of `tree`, in a fixed order."""
    return [pair for clause in tree.find_all(exp.Where, exp.Having) for pair in atoms(clause.this)]


def without_atom(expr: exp.Expression, index: int) -> exp.Expression | None:
    """A copy of `expr` with its `index`-th WHERE/HAVING predicate removed (None if none)."""
    tree = expr.copy()
    found = [node for node, _ in _atoms(tree)]
    if index >= len(found):
        return None
    target = found[index]
    while isinstance(target.parent, (exp.Paren, exp.Not)):
        target = target.parent
    parent = target.parent
    if isinstance(parent, exp.Connector):
        other = parent.expression if parent.this is target else parent.this
        parent.replace(other)
    elif isinstance(parent, (exp.Where, exp.Having)):
        parent.pop()
    else:
        return None
    return tree


def predicate_count(expr: exp.Expression) -> int:
    return sum(len(atoms(c.this)) for c in expr.find_all(exp.Where, exp.Having))


def with_other_value(
    expr: exp.Expression, index: int, values: Callable[[str, str], list[Any]]
) -> exp.Expression | None:
    """A copy of `expr` whose `index`-th predicate, `column = 'text'` under AND only, asks for
    another known value of that column (None for any other predicate, or no other value)."""
    tree = expr.copy()
    found = _atoms(tree)
    if index >= len(found):
        return None
    node, negated = found[index]
    if negated or not isinstance(node, exp.EQ):
        return None
    col, lit = node.this, node.expression
    if isinstance(col, exp.Literal):
        col, lit = lit, col
    if not (isinstance(col, exp.Column) and isinstance(lit, exp.Literal) and lit.is_string):
        return None
    parent = node.parent
    while isinstance(parent, (exp.And, exp.Paren)):
        parent = parent.parent
    table = _table_of(col)
    if not isinstance(parent, exp.Where) or table is None:
        return None
    other = next((v for v in values(table, col.name) if isinstance(v, str) and v != lit.this), None)
    if other is None:
        return None
    lit.replace(exp.Literal.string(other))
    return tree


def _table_of(col: exp.Column) -> str | None:
    """The table a column of a SELECT reads: the one its qualifier names, or the only one."""
    select = col.find_ancestor(exp.Select)
    sources = [s for s in select_sources(select) if isinstance(s, exp.Table)] if select else []
    if col.table:
        return next((s.name for s in sources if s.alias_or_name == col.table), None)
    return sources[0].name if len(sources) == 1 else None


def limit_of(expr: exp.Expression) -> int | None:
    """The row count the outermost LIMIT asks for, when it is a number."""
    limit = expr.args.get("limit")
    value = limit.expression if isinstance(limit, exp.Limit) else None
    return int(value.name) if isinstance(value, exp.Literal) and value.is_int else None


def _except_left(expr: exp.Expression) -> exp.Expression | None:
    """The branch of a set operation that alone must not give its answer: EXCEPT's left one (else
    nothing was taken away: "payments by Nancy, except those by Lisa"). INTERSECT and UNION are
    not checked: "the ids of players INTERSECT the ids of players with a tryout" is how people
    ask for players with a tryout (Spider: 18 of its 48 INTERSECTs and UNIONs give one branch's
    answer, 10 of its 48 EXCEPTs take nothing away: ours were 6 in 10). A LIMIT cuts what the
    branches give: not checked either."""
    return expr.left if isinstance(expr, exp.Except) and not expr.args.get("limit") else None


def discriminative(cand: Candidate, checks: Checks) -> str | None:
    """Every part of the question matters: its LIMIT cuts rows (else `idle-limit`: "the 10
    teachers in classroom 102" when there is one), an EXCEPT takes something away (`idle-branch`,
    see `_except_left`), and dropping any one predicate changes the result. One that says
    what a row is called, `last_name = 'Johnson'` beside `first_name = 'Steve'`, matters when
    asking for another known value there changes the result (people name a person by both names,
    though one pins the row). An empty result (kept with `allow_empty`) has no LIMIT or EXCEPT
    to judge."""
    if not checks.config.discriminative:
        return None
    # variants run on the first engine, whatever is fastest: engines can disagree on a variant
    # (LIKE and case), and the verdict must not depend on timing
    engine = checks.engines[0]
    ref = cand.results[engine.name]
    k = limit_of(cand.expr)
    if k is not None and 0 < len(ref.rows) < k:
        return "idle-limit"  # "the 10 teachers ... whose classroom is 102": there is one

    def same(variant: exp.Expression) -> bool:
        return _same_as_reference(cand, checks, variant) is True

    left = _except_left(cand.expr) if ref.rows else None
    if left is not None:
        # as sets: a set operation removes the duplicates its branches may hold
        res = engine.execute(render(left, engine.dialect), checks.config.timeout_s, checks.config.max_rows)
        if res.ok and {normalize_row(r) for r in res.rows} == {normalize_row(r) for r in ref.rows}:
            return "idle-branch"

    for i in range(min(predicate_count(cand.expr), checks.config.max_checked_predicates)):
        variant = without_atom(cand.expr, i)
        if variant is None or not same(variant):
            continue
        other = with_other_value(cand.expr, i, checks.values) if checks.values else None
        if other is None or same(other):
            return "idle-predicate"
    return None


def same_rows_in_either_case(cand: Candidate, checks: Checks) -> str | None:
    """Every LIKE gives the same rows whether it tells upper from lower case or not (else `case`).
    PostgreSQL, DuckDB, BigQuery and Snowflake tell it; SQLite (for ASCII letters) and the usual
    collations of MySQL and SQL Server do not. A record whose rows depend on it would be right in
    some of its dialects only, and its question ("whose name contains 'an'") ambiguous. The first
    engine runs the query with its LIKEs reading case the other way (`like_other_case`);
    `case-unchecked` when it cannot."""
    if cand.expr.find(exp.Like) is None:
        return None
    variant = like_other_case(cand.expr, checks.engines[0].dialect)
    same = _same_as_reference(cand, checks, variant) if variant is not None else None
    return "case-unchecked" if same is None else None if same else "case"


def clear_of_float_boundaries(cand: Candidate, checks: Checks) -> str | None:
    """A comparison of an AVG or SUM of fractional numbers with a number (`HAVING AVG(price) >
    1.99`) keeps its rows when the number moves by the float tolerance either way (else
    `float-boundary`). A group whose average is that number exactly in one engine's arithmetic is a
    hair above it in another's: SQLite's floats make the average of 1.99 and 1.99 1.9900000000000002,
    PostgreSQL's numerics keep 1.99. Sums of whole numbers are exact everywhere: not checked."""
    if checks.values is None:
        return None
    tol = checks.config.float_tol
    for index in range(len(float_boundaries(cand.expr, checks.values))):
        for sign in (-1, 1):
            variant = cand.expr.copy()
            lit = float_boundaries(variant, checks.values)[index]
            value = float(lit.this)
            lit.replace(exp.Literal.number(repr(value + sign * tol * max(1.0, abs(value)))))
            if _same_as_reference(cand, checks, variant) is False:
                return "float-boundary"
    return None


def float_boundaries(expr: exp.Expression, values: Callable[[str, str], list[Any]]) -> list[exp.Literal]:
    """The number literals that an AVG or SUM of a column holding fractional numbers (by its known
    `values`) is compared with, in the order of the tree."""
    out = []
    for cmp in expr.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.NEQ):
        sides = [cmp.this.unnest(), cmp.expression.unnest()]
        agg = next((x for x in sides if isinstance(x, (exp.Avg, exp.Sum))), None)
        lit = next((x for x in sides if isinstance(x, exp.Literal) and x.is_number), None)
        col = agg.this if agg is not None else None
        if lit is None or not isinstance(col, exp.Column) or (table := _table_of(col)) is None:
            continue
        if any(isinstance(v, float) and not v.is_integer() for v in values(table, col.name)):
            out.append(lit)
    return out


def _same_as_reference(cand: Candidate, checks: Checks, variant: exp.Expression) -> bool | None:
    """Whether `variant` (a tree it may change) gives the reference engine's rows for the
    candidate, run on that engine; None if it fails there. Fetches one row more than the reference
    has: enough to see a difference."""
    engine = checks.engines[0]
    ref = cand.results[engine.name]
    limit = min(len(ref.rows) + 1, checks.config.max_rows)
    res = engine.execute(render(variant, engine.dialect, copy=False), checks.config.timeout_s, limit)
    if not res.ok:
        return None
    rules = CompareRules(order_matters=cand.order_matters, float_tol=checks.config.float_tol)
    return len(res.rows) == len(ref.rows) and bool(compare_results(ref, res, rules))


_GLOB_OF_LIKE = str.maketrans({"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"})


def like_other_case(expr: exp.Expression, dialect: str) -> exp.Expression | None:
    """`expr` (a copy) with each LIKE reading case the other way from `dialect`'s LIKE: SQLite's
    ignores the case of ASCII letters, so there it becomes GLOB (which tells it); elsewhere ILIKE.
    None when SQLite would need GLOB for a pattern that is not a string literal, or with ESCAPE."""
    if any(isinstance(like.parent, exp.Escape) for like in expr.find_all(exp.Like)):
        return None
    if dialect != "sqlite":
        return expr.transform(
            lambda n: (
                exp.ILike(this=n.this, expression=n.expression, negate=n.args.get("negate"))
                if isinstance(n, exp.Like)
                else n
            )
        )
    if not all(
        isinstance(p := like.expression, exp.Literal) and p.is_string for like in expr.find_all(exp.Like)
    ):
        return None

    def glob(n: exp.Expression) -> exp.Expression:
        if not isinstance(n, exp.Like):
            return n
        g = exp.Glob(this=n.this, expression=exp.Literal.string(n.expression.name.translate(_GLOB_OF_LIKE)))
        return exp.Not(this=g) if n.args.get("negate") else g

    return expr.transform(glob)


# Cheapest verdict first: what the SQL alone tells comes before any engine runs it; the reference
# engine (usually SQLite, the fastest) runs the query and its result is checked before the other
# engines run it; sqlglot parses back only what no engine ran.
STATELESS: tuple[Filter, ...] = (
    well_posed,
    executes,
    scalar_subqueries_one_row,
    non_empty,
    non_trivial,
    unambiguous_order,
    discriminative,
    same_rows_in_either_case,
    clear_of_float_boundaries,
    engines_agree,
    parse_back,
)


# -- stateful filters (run in index order) ----------------------------------------------------
def dedup(record: Record, kept: Kept, config: ValidateConfig) -> str | None:
    """One record per canonical SQL (the record id hashes it)."""
    return "duplicate" if record.id in kept.ids else None


def template_cap(record: Record, kept: Kept, config: ValidateConfig) -> str | None:
    """At most `template_cap` records per structural template, so the set stays diverse."""
    cap = config.template_cap
    return "cap" if isinstance(cap, int) and kept.templates[record.template] >= cap else None


def already_kept(record_id: str, template: str, ids: Set[str], full: Set[str]) -> str | None:
    """Before a query runs: its record is kept already, or its template is full. What is kept only
    grows, so the verdict stands whatever is kept before the candidate's turn (`ids` and `full`
    may be a snapshot, or empty); `dedup` and `template_cap` check in index order what it let
    through. Saves running the queries of the shapes a run has enough of."""
    if record_id in ids:
        return "duplicate"
    return "cap" if template in full else None


STATEFUL = (dedup, template_cap)
FILTER_NAMES: tuple[str, ...] = tuple(f.__name__ for f in (already_kept, *STATELESS, *STATEFUL))


def run_stateless(
    cand: Candidate, checks: Checks, seconds: dict[str, float] | None = None
) -> tuple[str, str] | None:
    """Run the stateless filters in order; (filter name, reason) of the first rejection. With
    `seconds`, each filter's time is added to it under the filter's name."""
    for f in STATELESS:
        start = time.perf_counter()
        reason = f(cand, checks)
        if seconds is not None:
            seconds[f.__name__] = seconds.get(f.__name__, 0.0) + time.perf_counter() - start
        if reason is not None:
            return f.__name__, reason
    return None


def run_stateful(record: Record, kept: Kept, config: ValidateConfig) -> tuple[str, str] | None:
    """Run the stateful filters; on success remember the record as kept."""
    for f in STATEFUL:
        reason = f(record, kept, config)
        if reason is not None:
            return f.__name__, reason
    kept.add(record)
    return None


class Counters(BaseModel):
    """Per filter: how many candidates it saw and its rejections by reason."""

    seen: dict[str, int] = Field(default_factory=dict)
    rejected: dict[str, dict[str, int]] = Field(default_factory=dict)

    def passed(self, name: str) -> None:
        self.seen[name] = self.seen.get(name, 0) + 1

    def reject(self, name: str, reason: str) -> None:
        self.passed(name)
        bucket = self.rejected.setdefault(name, {})
        bucket[reason] = bucket.get(reason, 0) + 1

    def record(self, outcome: tuple[str, str] | None, names: tuple[str, ...]) -> None:
        """Count one candidate that went through `names` in order and stopped at `outcome`."""
        for name in names:
            if outcome is not None and outcome[0] == name:
                self.reject(name, outcome[1])
                return
            self.passed(name)
