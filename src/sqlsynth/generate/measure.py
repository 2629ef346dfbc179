"""Exact complexity of a query AST, and Spider's hardness level.

`measure(expr)` counts over the whole tree, subqueries and CTE bodies included:

- joins: `exp.Join` nodes (a comma in FROM is a CROSS join node too);
- conditions: atomic predicates in WHERE clauses: the leaves of the AND / OR / NOT / parenthesis
  tree (a comparison, LIKE / ILIKE, IN, BETWEEN, IS [NOT] NULL, EXISTS, a bare boolean column).
  JOIN ... ON and HAVING predicates are not conditions, so the count mirrors seeds/000's
  `num_conditions`. Predicates inside a subquery's own WHERE count too (the subquery's WHERE is a
  WHERE clause of the tree); the subquery predicate itself (`x IN (SELECT ...)`) counts once;
- having: atomic predicates in HAVING clauses, counted the same way;
- aggregates: aggregate function calls (`exp.AggFunc`: COUNT, SUM, AVG, MIN, MAX, GROUP_CONCAT...)
  anywhere, except those used as window functions (`SUM(x) OVER (...)`);
- group_by: GROUP BY expressions; order_by: ORDER BY expressions of queries (not the ORDER BY
  inside a window's OVER or a WITHIN GROUP); limit: queries carrying LIMIT / TOP / FETCH;
- subqueries: query nodes nested in another query: derived tables, scalar subqueries,
  IN / EXISTS subqueries; the branches of a set operation and CTE bodies are not subqueries;
- set_ops: UNION / INTERSECT / EXCEPT nodes (`A UNION B UNION C` is two);
- window: window function calls (`... OVER (...)`; a named `WINDOW w AS (...)` definition is not
  a call); cte: CTEs; case: CASE expressions; distinct: SELECT DISTINCT queries (not
  `COUNT(DISTINCT x)`);
- like: LIKE / ILIKE predicates; or_ (JSON key `or`): OR operators; functions: scalar function
  calls (`exp.Func` that is not an aggregate, CASE, IF, EXISTS or AND / OR; CAST counts).

`spider_hardness(expr)` follows Spider's evaluation.py (`eval_hardness`) on the outermost query
(for a set operation, its left-most SELECT, as Spider's parser nests the right side):

- component1: +1 each for WHERE, GROUP BY, ORDER BY, LIMIT; + (tables in FROM - 1);
  + the number of OR operators and + the number of LIKE predicates in JOIN ON, WHERE and HAVING;
- component2 (nested queries): subqueries that are values of JOIN ON / WHERE / HAVING predicates,
  + 1 if the query is a UNION / INTERSECT / EXCEPT;
- others: +1 if more than one aggregate, +1 if more than one SELECT item, +1 if more than one
  WHERE predicate, +1 if more than one GROUP BY expression;
- easy: c1 <= 1 and others == 0 and c2 == 0; medium: (others <= 2 and c1 <= 1 and c2 == 0) or
  (c1 <= 2 and others < 2 and c2 == 0); hard: (others > 2 and c1 <= 2 and c2 == 0) or
  (2 < c1 <= 3 and others <= 2 and c2 == 0) or (c1 <= 1 and others == 0 and c2 <= 1); else extra.

Spider's aggregate count is reproduced with its quirks, so levels match the official script:
the aggregates of a SELECT item count only when the item *is* the aggregate (`MAX(a) - MIN(a)`
counts none); ORDER BY counts the aggregates that are an item or an operand of its arithmetic;
WHERE adds one per negated predicate (NOT IN, NOT LIKE, NOT BETWEEN: `has_agg` reads the cond
unit's `not` flag) and HAVING adds one per AND / OR connector plus one per negated predicate
(`has_agg` applied to the connector strings). A derived table in FROM is one table unit and
adds nothing (Spider does not count it as nested).

Beyond Spider's grammar (it cannot parse these), a documented extension: each CTE and each scalar
subquery in the SELECT list or ORDER BY adds one to component2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlglot
from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp

from sqlsynth.generate.spec import Hardness

_QUERY = (exp.Select, exp.SetOperation)
_CONNECTIVES = (exp.And, exp.Or)
_ARITH = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
_NOT_FUNCTIONS = (exp.AggFunc, exp.Case, exp.If, exp.Exists, exp.Connector)


class Complexity(BaseModel):
    """Exact counts of one query; see the module docstring for each definition."""

    model_config = ConfigDict(
        extra="allow", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    joins: int = 0
    conditions: int = 0
    aggregates: int = 0
    group_by: int = 0
    having: int = 0
    order_by: int = 0
    limit: int = 0
    subqueries: int = 0
    set_ops: int = 0
    window: int = 0
    cte: int = 0
    case: int = 0
    distinct: int = 0
    like: int = 0
    or_: int = Field(0, alias="or")
    functions: int = 0


def _as_expr(expr: exp.Expression | str, dialect: str) -> exp.Expression:
    if isinstance(expr, str):
        return sqlglot.parse_one(expr, read=dialect)
    return expr


def _unparen(node: exp.Expression | None) -> exp.Expression | None:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def atoms(condition: exp.Expression | None) -> list[tuple[exp.Expression, bool]]:
    """The atomic predicates of a boolean condition as (predicate, negated) pairs.

    The AND / OR / NOT / parenthesis tree is taken apart; a NOT directly over a predicate (or a
    negated LIKE) marks it negated, except `IS NOT NULL`, which Spider reads as the operator IS.
    Subqueries are not entered.
    """
    out: list[tuple[exp.Expression, bool]] = []

    def visit(node: exp.Expression | None, negated: bool) -> None:
        node = _unparen(node)
        if node is None:
            return
        if isinstance(node, _CONNECTIVES):
            visit(node.this, False)
            visit(node.expression, False)
        elif isinstance(node, exp.Not):
            inner = _unparen(node.this)
            if isinstance(inner, (*_CONNECTIVES, exp.Not)):
                visit(inner, False)
            else:
                visit(inner, not isinstance(inner, exp.Is))
        else:
            out.append((node, negated or bool(node.args.get("negate"))))

    visit(condition, False)
    return out


def _walk_local(node: exp.Expression) -> Iterator[exp.Expression]:
    """Nodes under `node` (itself included) without entering nested queries."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        for child in cur.iter_expressions():
            if isinstance(child, (*_QUERY, exp.Subquery)):
                continue
            stack.append(child)


def _top_queries(node: exp.Expression) -> int:
    """Queries directly inside `node` (not counting queries nested in those)."""
    found = 0
    stack = [node]
    while stack:
        cur = stack.pop()
        for child in cur.iter_expressions():
            if isinstance(child, (*_QUERY, exp.Subquery)):
                found += 1
            else:
                stack.append(child)
    return found


def _queries_in(node: exp.Expression) -> int:
    """1 if `node` is a query, else the queries directly inside it."""
    return 1 if isinstance(node, (*_QUERY, exp.Subquery)) else _top_queries(node)


def _is_windowed(agg: exp.Expression) -> bool:
    parent = agg.parent
    while isinstance(parent, (exp.IgnoreNulls, exp.RespectNulls, exp.Filter)):
        parent = parent.parent
    return isinstance(parent, exp.Window)


def _is_subquery(node: exp.Expression) -> bool:
    """A query node nested in another query, not a set-operation branch nor a CTE body."""
    parent = node.parent
    while isinstance(parent, (exp.Subquery, exp.Paren)):
        parent = parent.parent
    return parent is not None and not isinstance(parent, (exp.CTE, exp.SetOperation))


Amount = Callable[[exp.Expression, exp.Expression], int]  # (node, root) -> how much it adds


def _one(node: exp.Expression, root: exp.Expression) -> int:
    return 1


def _clause_of_a_query(node: exp.Expression) -> bool:
    """ORDER BY / LIMIT of a query, not of a window's OVER or a WITHIN GROUP."""
    return isinstance(node.parent, (*_QUERY, exp.Subquery))


# What a node adds to each count: an ordered table, one line per rule (a node matches the first of
# the clause rules, then every later rule whose class it has). Conditions mirror the module docstring.
_CLAUSE_RULES: tuple[tuple[type | tuple[type, ...], str, Amount], ...] = (
    (exp.Join, "joins", _one),
    (exp.Where, "conditions", lambda n, r: len(atoms(n.this))),
    (exp.Having, "having", lambda n, r: len(atoms(n.this))),
    (exp.Group, "group_by", lambda n, r: len(n.expressions)),
    (exp.Order, "order_by", lambda n, r: len(n.expressions) if _clause_of_a_query(n) else 0),
    ((exp.Limit, exp.Fetch), "limit", lambda n, r: int(_clause_of_a_query(n))),
    (exp.Window, "window", lambda n, r: int(n.arg_key != "windows")),
    (exp.CTE, "cte", _one),
    (exp.Or, "or_", _one),
    ((exp.Like, exp.ILike), "like", _one),
)
_NODE_RULES: tuple[tuple[type | tuple[type, ...], str, Amount], ...] = (
    (exp.SetOperation, "set_ops", _one),
    (_QUERY, "subqueries", lambda n, r: int(n is not r and _is_subquery(n))),
    (exp.Select, "distinct", lambda n, r: int(bool(n.args.get("distinct")))),
    (exp.Case, "case", _one),
)


@functools.cache
def _rules(cls: type) -> tuple[tuple[str, Amount], ...]:
    """The (count, amount) rules for nodes of class `cls` (most classes: none), found once per
    class instead of testing every node against every rule."""
    out = [next(((key, f) for base, key, f in _CLAUSE_RULES if issubclass(cls, base)), None)]
    out += [(key, f) for base, key, f in _NODE_RULES if issubclass(cls, base)]
    if issubclass(cls, exp.AggFunc):
        out.append(("aggregates", lambda n, r: int(not _is_windowed(n))))
    elif issubclass(cls, exp.Func) and not issubclass(cls, _NOT_FUNCTIONS):
        out.append(("functions", _one))
    return tuple(rule for rule in out if rule is not None)


def measure(expr: exp.Expression | str, dialect: str = "sqlite") -> Complexity:
    """Exact complexity counts of a query (an AST, or SQL text parsed in `dialect`)."""
    root = _as_expr(expr, dialect)
    c: dict[str, int] = dict.fromkeys(Complexity.model_fields, 0)
    for node in root.walk():
        for key, amount in _rules(type(node)):
            c[key] += amount(node, root)
    return Complexity.model_validate(c)


# -- Spider hardness -------------------------------------------------------------------------
@dataclass(frozen=True)
class SpiderCounts:
    component1: int
    component2: int
    others: int


def _left_select(root: exp.Expression) -> tuple[exp.Expression, bool]:
    """The left-most SELECT of the outermost query, and whether a set operation was crossed."""
    node = root
    set_op = False
    while True:
        if isinstance(node, (exp.Subquery, exp.Paren)):
            node = node.this
        elif isinstance(node, exp.SetOperation):
            set_op = True
            node = node.this
        else:
            return node, set_op


def _is_agg(node: exp.Expression | None) -> bool:
    return isinstance(_agg_of(node), exp.AggFunc)


def spider_counts(expr: exp.Expression | str, dialect: str = "sqlite") -> SpiderCounts:
    """Spider's count_component1, count_component2 and count_others for a query."""
    root = _as_expr(expr, dialect)
    select, set_op = _left_select(root)
    if not isinstance(select, exp.Select):
        return SpiderCounts(0, int(set_op), 0)

    where = select.args.get("where")
    having = select.args.get("having")
    group = select.args.get("group")
    order = select.args.get("order")
    joins = select.args.get("joins") or []
    on_conds = [j.args["on"] for j in joins if j.args.get("on") is not None]
    where_atoms = atoms(where.this) if where else []
    having_atoms = atoms(having.this) if having else []
    cond_trees = [*on_conds, *([where.this] if where else []), *([having.this] if having else [])]
    all_atoms = [a for tree in cond_trees for a in atoms(tree)]

    # component1
    c1 = sum(1 for clause in (where, group, order) if clause is not None)
    c1 += int(select.args.get("limit") is not None)
    table_units = (1 if select.args.get("from_") is not None else 0) + len(joins)
    if table_units:
        c1 += table_units - 1
    c1 += sum(1 for tree in cond_trees for n in _walk_local(tree) if isinstance(n, exp.Or))
    c1 += sum(1 for atom, _ in all_atoms if isinstance(atom, (exp.Like, exp.ILike)))

    # component2: nested queries in predicates, set operations; extension: CTEs, subqueries in
    # the SELECT list and ORDER BY.
    c2 = sum(_queries_in(atom) for atom, _ in all_atoms)
    c2 += int(set_op)
    with_ = root.args.get("with_") or select.args.get("with_")
    if with_ is not None:
        c2 += len(with_.expressions)
    c2 += sum(_queries_in(e) for e in select.expressions)
    if order is not None:
        c2 += sum(_queries_in(o) for o in order.expressions)

    # others (with Spider's has_agg quirks, see the module docstring)
    agg = sum(1 for e in select.expressions if _is_agg(e) and not _is_windowed(_agg_of(e)))
    agg += sum(1 for _, negated in where_atoms if negated)
    agg += sum(1 for g in (group.expressions if group else []) if _is_agg(g))
    for ordered in order.expressions if order else []:
        item = _unparen(ordered.this)
        if isinstance(item, _ARITH):
            agg += int(_is_agg(item.this)) + int(_is_agg(item.expression))
        else:
            agg += int(_is_agg(item))
    agg += max(len(having_atoms) - 1, 0) + sum(1 for _, negated in having_atoms if negated)
    others = int(agg > 1)
    others += int(len(select.expressions) > 1)
    others += int(len(where_atoms) > 1)
    others += int(len(group.expressions) > 1 if group else 0)
    return SpiderCounts(c1, c2, others)


def _agg_of(node: exp.Expression | None) -> exp.Expression | None:
    node = _unparen(node)
    if isinstance(node, exp.Alias):
        node = _unparen(node.this)
    return node


def hardness_of(counts: SpiderCounts) -> Hardness:
    """Spider's eval_hardness thresholds."""
    c1, c2, others = counts.component1, counts.component2, counts.others
    if c1 <= 1 and others == 0 and c2 == 0:
        return "easy"
    if (others <= 2 and c1 <= 1 and c2 == 0) or (c1 <= 2 and others < 2 and c2 == 0):
        return "medium"
    if (
        (others > 2 and c1 <= 2 and c2 == 0)
        or (2 < c1 <= 3 and others <= 2 and c2 == 0)
        or (c1 <= 1 and others == 0 and c2 <= 1)
    ):
        return "hard"
    return "extra"


def spider_hardness(expr: exp.Expression | str, dialect: str = "sqlite") -> Hardness:
    """Spider's hardness level (easy / medium / hard / extra) of a query."""
    return hardness_of(spider_counts(expr, dialect))
