"""Fill SQL-GEN templates from a real schema and its data: `TemplateGenerator`.

One query per index, deterministic in (seed, index): draw a template, then bind

- table slots to distinct tables, such that every join key pair of the template (`{t1.c2:key} =
  {t2.c3:key}`, `IN (SELECT key ...)`) is a foreign key of the schema (self-joins: a self-reference):
  joins follow foreign keys only;
- column slots to columns of their table's binding, of a fitting type (number, text, temporal...)
  and role (measures are summed, categories grouped, names shown: `generate.roles`);
- value slots to values sampled from the database (`ValuePool`): comparisons get a value that
  keeps some rows, BETWEEN two ordered values, IN lists distinct values, LIKE a piece of a value,
  a value compared with a function of a column goes through the same function.

A template that cannot be bound on the schema (no foreign key for its join, no column of a type)
is skipped. The filled tree is then made deterministic across engines (`harden`): strict GROUP BY,
explicit NULLS FIRST/LAST, and ORDER BY ... LIMIT completed to a total order.

Execution (`plan_execution`): portable templates run on every engine given; a template expanded
with one dialect's features runs on that dialect's own engine (SQLite, DuckDB, PostgreSQL), and
otherwise (always for BigQuery, Snowflake, T-SQL and MySQL) as its DuckDB transpilation
(`transpile_check`), marked `transpile-checked`: a transpilation that runs is evidence, not proof,
that the original would.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import ErrorLevel, exp
from sqlglot.errors import SqlglotError, UnsupportedError

from sqlsynth.errors import SqlsynthError
from sqlsynth.generate.measure import measure, spider_hardness
from sqlsynth.generate.roles import FREE_TEXT, ColumnRoles, column_roles
from sqlsynth.generate.templates import (
    COLUMN_SLOT,
    KEY_TYPES,
    TABLE_SLOT,
    VALUE_SLOT,
    Slots,
    Template,
    TemplateLibrary,
    placeholder,
    slots_of,
)
from sqlsynth.generate.values import ValuePool, like_pattern, literal, sort_key
from sqlsynth.generate.walk import GeneratedQuery, Skip
from sqlsynth.render import dialect_name, render
from sqlsynth.schema.model import Column, Schema, Table
from sqlsynth.schema.types import LogicalType

if TYPE_CHECKING:
    from sqlsynth.engines.base import Engine

COUNTS = {"gt": (1, 2, 3), "lt": (2, 3, 5), "eq": (1, 2)}
_NUMERIC = {LogicalType.INTEGER, LogicalType.DECIMAL, LogicalType.FLOAT}
_UNUSABLE = {LogicalType.BINARY, LogicalType.JSON, LogicalType.OTHER}
COMPATIBLE: dict[str, Callable[[LogicalType], bool]] = {
    "number": lambda lt: lt in _NUMERIC,
    "text": lambda lt: lt is LogicalType.TEXT,
    "temporal": lambda lt: lt in (LogicalType.DATE, LogicalType.DATETIME),
    "date": lambda lt: lt is LogicalType.DATE,
    "datetime": lambda lt: lt is LogicalType.DATETIME,
    "time": lambda lt: lt is LogicalType.TIME,
    "boolean": lambda lt: lt is LogicalType.BOOLEAN,
    "any": lambda lt: lt not in _UNUSABLE,
    "key": lambda lt: lt not in _UNUSABLE,
    "fk": lambda lt: lt not in _UNUSABLE,
    "pk": lambda lt: lt not in _UNUSABLE,
}
_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}


@dataclass
class TemplateQuery(GeneratedQuery):
    """A filled template: what the walk generator returns, plus where it came from."""

    strategy: str = "template"
    template_id: str = ""
    template: str = ""
    dialect: str = "sqlite"
    features: list[str] = field(default_factory=list)

    @property
    def portable(self) -> bool:
        """True when no dialect-specific feature was added: every engine may run a rendering."""
        return not self.features


# -- the shape of a template --------------------------------------------------------------------
@dataclass
class Shape:
    """A parsed template and what binding needs to know about it."""

    template: Template
    expr: exp.Expression
    slots: Slots
    links: list[tuple[str, str]]  # (column slot, column slot) pairs that must be a foreign key
    usage: dict[str, set[str]]  # column slot -> select / group / order / sumavg / minmax / filter / like

    @functools.cached_property
    def column_tables(self) -> dict[str, str]:
        """Column slot -> its table slot."""
        return {c: s.table for c, s in self.slots.columns.items()}


def shape_of(template: Template) -> Shape:
    expr = template.expr()
    slots = slots_of(expr)
    return Shape(template, expr, slots, _links(expr), _usage(expr))


def _slot_name(node: exp.Expression | None) -> str | None:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        text = placeholder(node)
        m = COLUMN_SLOT.match(text or "")
        if m:
            return m.group(2)
    return None


def _links(expr: exp.Expression) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for eq in expr.find_all(exp.EQ):
        a, b = _slot_name(eq.this), _slot_name(eq.expression)
        if a and b and _is_key(eq.this) and _is_key(eq.expression) and (a, b) not in out:
            out.append((a, b))
    for node in expr.find_all(exp.In):
        query = node.args.get("query")
        inner = query.this if isinstance(query, exp.Subquery) else query
        if isinstance(inner, exp.Select) and len(inner.expressions) == 1:
            a, b = _slot_name(node.this), _slot_name(inner.expressions[0])
            if a and b and _is_key(node.this) and _is_key(inner.expressions[0]) and (a, b) not in out:
                out.append((a, b))
    return out


def _is_key(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    m = COLUMN_SLOT.match(placeholder(node) or "")
    return m is not None and m.group(3) in KEY_TYPES


def _usage(expr: exp.Expression) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    partners = _value_partners(expr)
    for col in expr.find_all(exp.Column):
        name = _slot_name(col)
        if name is None:
            continue
        uses = out.setdefault(name, set())
        agg = col.find_ancestor(exp.AggFunc, exp.Select)
        if isinstance(agg, exp.AggFunc) and _under_condition(col, agg):
            agg = None  # SUM(CASE WHEN col = v ...): the column is tested, not summed
        if isinstance(agg, (exp.Sum, exp.Avg)):
            uses.add("sumavg")
        elif isinstance(agg, (exp.Min, exp.Max)):
            uses.add("minmax")
        elif isinstance(agg, exp.AggFunc):
            uses.add("agg")
        window = col.find_ancestor(exp.Window, exp.Select)
        if isinstance(window, exp.Window):
            uses.add("group" if col in window.args.get("partition_by") or [] else "order")
        select = col.find_ancestor(exp.Select)
        node: exp.Expression = col
        while select is not None and node.parent is not None and node.parent is not select:
            node = node.parent
        clause = node.arg_key if select is not None else None
        if clause == "expressions" and not isinstance(agg, exp.AggFunc):
            uses.add("select")
        elif clause in ("group", "order"):
            uses.add(clause)
        if id(col) in partners:
            uses.add(partners[id(col)])
        parent = _parent(col)
        if isinstance(parent, exp.Is):
            uses.add("null")
        if isinstance(parent, exp.EQ) and _slot_name(parent.this) == _slot_name(parent.expression):
            uses.add("group")  # a correlation on the same column: rows that share a category
    return out


def _under_condition(node: exp.Expression, top: exp.Expression) -> bool:
    """`node` sits in a condition (a predicate, a CASE WHEN test) below `top`."""
    while node is not top and node.parent is not None:
        parent = node.parent
        if isinstance(parent, exp.Predicate) or (isinstance(parent, exp.If) and node.arg_key == "this"):
            return True
        node = parent
    return False


def _parent(node: exp.Expression) -> exp.Expression | None:
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return parent


def _value_partners(expr: exp.Expression) -> dict[int, str]:
    """Column nodes compared with a value placeholder: 'like' for LIKE, else 'filter'."""
    out: dict[int, str] = {}
    for node in expr.find_all(exp.Column):
        if not VALUE_SLOT.match(placeholder(node) or ""):
            continue
        pred = node.find_ancestor(exp.Predicate, exp.Select)
        if not isinstance(pred, exp.Predicate):
            continue
        kind = "like" if isinstance(pred, (exp.Like, exp.ILike)) else "filter"
        for col in pred.find_all(exp.Column):
            if _slot_name(col):
                out[id(col)] = kind
    return out


# -- binding ------------------------------------------------------------------------------------
@dataclass
class Binding:
    tables: dict[str, Table] = field(default_factory=dict)  # t1 -> table
    columns: dict[str, str] = field(default_factory=dict)  # c1 -> column name


class Binder:
    """Binds templates to one schema and value pool."""

    def __init__(self, schema: Schema, pool: ValuePool) -> None:
        self.schema = schema
        self.pool = pool
        self.roles: dict[str, ColumnRoles] = {t.name: column_roles(schema, t, pool) for t in schema.tables}
        self.usable = [
            t for t in schema.tables if self.roles[t.name].filterable and pool.row_counts.get(t.name, 1)
        ]
        self.usable_names = {t.name for t in self.usable}
        self.fks = [fk for fk in schema.foreign_keys if len(fk.source_columns) == 1]

    def fill(self, rng: random.Random, shape: Shape) -> tuple[exp.Expression, Binding]:
        binding = self._tables_and_keys(rng, shape)
        self._columns(rng, shape, binding)
        tree = shape.expr.copy()
        self._values(rng, shape, tree, binding)
        for node in list(tree.find_all(exp.Table, exp.Column)):
            text = placeholder(node)
            if text is None:
                continue
            if m := TABLE_SLOT.match(text):
                node.set("this", exp.to_identifier(binding.tables[m.group(1)].name, quoted=True))
            elif m := COLUMN_SLOT.match(text):
                node.set("this", exp.to_identifier(binding.columns[m.group(2)], quoted=True))
            else:
                raise Skip  # a value slot left over
        return tree, binding

    # tables and the keys that join them
    def _tables_and_keys(self, rng: random.Random, shape: Shape) -> Binding:
        binding = Binding()
        budget = [200]
        if not self._link(rng, shape, list(shape.links), binding, budget):
            raise Skip
        for t in shape.slots.tables:
            if t in binding.tables:
                continue
            used = {x.name for x in binding.tables.values()}
            options = [x for x in self.usable if x.name not in used]
            if not options:
                raise Skip
            binding.tables[t] = rng.choice(options)
        return binding

    def _link(
        self, rng: random.Random, shape: Shape, todo: list[tuple[str, str]], b: Binding, budget: list[int]
    ) -> bool:
        if not todo:
            return True
        # next: a link touching a bound table slot, so joins grow from what is there
        bound = set(b.tables)
        col_table = shape.column_tables
        todo = sorted(todo, key=lambda link: not ({col_table[link[0]], col_table[link[1]]} & bound))
        (ca, cb), rest = todo[0], todo[1:]
        ta, tb = col_table[ca], col_table[cb]
        a_type, b_type = shape.slots.columns[ca].type, shape.slots.columns[cb].type
        options = []
        usable = self.usable_names
        for fk in self.fks:
            for a_side, b_side, a_role, b_role in (
                (
                    (fk.source_table, fk.source_columns[0]),
                    (fk.target_table, fk.target_columns[0]),
                    "fk",
                    "pk",
                ),
                (
                    (fk.target_table, fk.target_columns[0]),
                    (fk.source_table, fk.source_columns[0]),
                    "pk",
                    "fk",
                ),
            ):
                if (a_type in ("fk", "pk") and a_type != a_role) or (
                    b_type in ("fk", "pk") and b_type != b_role
                ):
                    continue
                if (ta == tb) != (a_side[0] == b_side[0]) or not {a_side[0], b_side[0]} <= usable:
                    continue
                if (
                    self._fits(b, ta, a_side[0])
                    and self._fits(b, tb, b_side[0])
                    and (
                        b.columns.get(ca, a_side[1]) == a_side[1]
                        and b.columns.get(cb, b_side[1]) == b_side[1]
                    )
                ):
                    options.append((a_side, b_side))
        rng.shuffle(options)
        for (a_table, a_col), (b_table, b_col) in options:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            trial = Binding(dict(b.tables), dict(b.columns))
            trial.tables[ta] = self.schema.table(a_table)
            trial.tables[tb] = self.schema.table(b_table)
            trial.columns[ca], trial.columns[cb] = a_col, b_col
            if self._link(rng, shape, rest, trial, budget):
                b.tables, b.columns = trial.tables, trial.columns
                return True
        return False

    @staticmethod
    def _fits(b: Binding, slot: str, table: str) -> bool:
        if slot in b.tables:
            return b.tables[slot].name == table
        return all(t.name != table for s, t in b.tables.items())

    # columns
    def _columns(self, rng: random.Random, shape: Shape, b: Binding) -> None:
        for name, slot in shape.slots.columns.items():
            if name in b.columns:
                continue
            table = b.tables[slot.table]
            taken = {
                b.columns[c]
                for c, s in shape.slots.columns.items()
                if s.table == slot.table and c in b.columns
            }
            options, weights = self._column_options(table, slot.type, shape.usage.get(name, set()), taken)
            if not options:
                raise Skip
            b.columns[name] = rng.choices(options, weights)[0]

    def _column_options(
        self, table: Table, type_: str, uses: set[str], taken: set[str]
    ) -> tuple[list[str], list[float]]:
        roles = self.roles[table.name]
        fits = COMPATIBLE.get(type_, COMPATIBLE["any"])
        options, weights = [], []
        for name in roles.filterable:
            col = table.column(name)
            if name in taken or not fits(col.logical_type):
                continue
            info = self.pool.get(table.name, name)
            values, long = info.values, info.long_text
            key = name in roles.keys or name in roles.ids
            if "sumavg" in uses and name not in roles.measures:
                continue  # numbers that are no key, id, year or SSN: no "the total year"
            if "null" in uses and self.pool.get(table.name, name).null_fraction <= 0:
                continue
            if "like" in uses and not any(isinstance(v, str) and len(v) >= 3 for v in values):
                continue
            if "filter" in uses and long and "like" not in uses:
                continue
            if "group" in uses and (long or FREE_TEXT.search(name)) and name not in roles.categories:
                continue
            w = 1.0
            if key and type_ not in KEY_TYPES:
                w *= 0.15
            if "group" in uses:
                w *= 6 if name in roles.categories else 2 if name in roles.labels else 1
            if "select" in uses:
                w *= 4 if name in roles.labels else 2 if name in roles.categories else 1
            if uses & {"minmax", "order", "sumavg"}:
                w *= 3 if name in roles.measures or name in roles.temporals else 1
            if "filter" in uses and name in roles.categories:
                w *= 2
            if long:
                w *= 0.2
            options.append(name)
            weights.append(w)
        return options, weights

    # values
    def _values(self, rng: random.Random, shape: Shape, tree: exp.Expression, b: Binding) -> None:
        done: set[int] = set()
        for node in list(tree.find_all(exp.Column)):
            if id(node) in done or not VALUE_SLOT.match(placeholder(node) or ""):
                continue
            pred = node.find_ancestor(exp.Predicate, exp.Select)
            if not isinstance(pred, exp.Predicate):
                raise Skip
            if isinstance(pred, exp.In):
                sites = [e for e in pred.expressions if VALUE_SLOT.match(placeholder(e) or "")]
                done.update(id(s) for s in sites)
                self._in_list(rng, pred, sites, b)
            elif isinstance(pred, exp.Between):
                sites = [pred.args["low"], pred.args["high"]]
                done.update(id(s) for s in sites)
                self._between(rng, pred, b)
            elif isinstance(pred, (exp.Like, exp.ILike)):
                done.add(id(node))
                node.replace(self._pattern(rng, pred.this, b))
            elif isinstance(pred, (*_FLIP, exp.EQ, exp.NEQ)):
                done.add(id(node))
                self._compare(rng, pred, node, b)
            else:
                raise Skip

    def _column_of(self, partner: exp.Expression, b: Binding) -> tuple[Table, Column] | None:
        """The one bound column inside `partner` (None if none or several)."""
        found = set()
        for c in partner.find_all(exp.Column):
            if m := COLUMN_SLOT.match(placeholder(c) or ""):
                found.add((m.group(1), m.group(2)))
        if len(found) != 1:
            return None
        slot, name = found.pop()
        table = b.tables[slot]
        return table, table.column(b.columns[name])

    def _compare(self, rng: random.Random, pred: exp.Expression, node: exp.Expression, b: Binding) -> None:
        left = any(n is node for n in pred.this.walk())
        own = pred.this if left else pred.expression
        partner = pred.expression if left else pred.this
        op = type(pred) if not left else _FLIP.get(type(pred), type(pred))  # as `partner op value`
        if partner.find(exp.Count):
            kind = "gt" if op in (exp.GT, exp.GTE) else "lt" if op in (exp.LT, exp.LTE) else "eq"
            node.replace(exp.Literal.number(rng.choice(self._counts(pred, b, kind))))
            return
        found = self._column_of(partner, b)
        if found is None and own is not node:
            found = self._column_of(own, b)  # `INSTR(col, value) > 0`: the value is the column's
            partner = own
        if found is None:
            text = placeholder(node) or ""
            if text.endswith(":number}") or text.endswith(":count}"):
                node.replace(exp.Literal.number(rng.choice(COUNTS["gt"])))
                return
            raise Skip
        table, col = found
        values = self.pool.values(table.name, col.name)
        value = _pick(rng, values, op, aggregated=bool(partner.find(exp.AggFunc)))
        lit = literal(value, col.logical_type)
        if lit is None:
            raise Skip
        bare = _unparen(partner)
        plain = isinstance(bare, exp.Column) or (
            isinstance(bare, exp.AggFunc) and isinstance(_unparen(bare.this), exp.Column)
        )
        if own is node and not plain:
            # `f(col) = value`: the value goes through the same function, so rows match
            mirror = partner.copy()
            for c in list(mirror.find_all(exp.Column)):
                if _slot_name(c):
                    c.replace(lit.copy())
            node.replace(mirror)
        else:
            node.replace(lit)

    def _counts(self, pred: exp.Expression, b: Binding, kind: str) -> tuple[int, ...]:
        """Thresholds for COUNT(*) around the average group size (rows / distinct group keys)."""
        select = pred.find_ancestor(exp.Select)
        group = select.args.get("group") if select is not None else None
        cols = [c for c in group.find_all(exp.Column)] if group is not None else []
        found = self._column_of(cols[0], b) if cols else None
        if found is None or kind == "eq":
            return COUNTS[kind]
        table, col = found
        distinct = self.pool.get(table.name, col.name).distinct
        avg = self.pool.row_counts.get(table.name, 0) / max(1, distinct)
        factors = (0.5, 0.8, 1.0, 1.3) if kind == "gt" else (1.0, 1.3, 1.6)
        return tuple(sorted({max(1, round(avg * f)) for f in factors})) or COUNTS[kind]

    def _in_list(self, rng: random.Random, pred: exp.In, sites: list[exp.Expression], b: Binding) -> None:
        found = self._column_of(pred.this, b)
        if found is None:
            raise Skip
        table, col = found
        values = [
            v for v in self.pool.values(table.name, col.name) if literal(v, col.logical_type) is not None
        ]
        if len(values) < len(sites):
            raise Skip
        for site, value in zip(sites, rng.sample(values, len(sites)), strict=True):
            site.replace(literal(value, col.logical_type))

    def _between(self, rng: random.Random, pred: exp.Between, b: Binding) -> None:
        found = self._column_of(pred.this, b)
        if found is None:
            raise Skip
        table, col = found
        values = sorted({v for v in self.pool.values(table.name, col.name) if v is not None}, key=sort_key)
        if len(values) < 3:
            raise Skip
        i = rng.randrange(0, len(values) - 2)
        j = rng.randrange(i + 1, len(values))
        pred.args["low"].replace(literal(values[i], col.logical_type))
        pred.args["high"].replace(literal(values[j], col.logical_type))

    def _pattern(self, rng: random.Random, partner: exp.Expression, b: Binding) -> exp.Expression:
        found = self._column_of(partner, b)
        if found is None:
            raise Skip
        table, col = found
        pattern = like_pattern(rng, self.pool.values(table.name, col.name))
        if pattern is None:
            raise Skip
        return exp.Literal.string(pattern)


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    return node


def _pick(rng: random.Random, values: list[Any], op: type, aggregated: bool) -> Any:
    """A value that leaves rows on both sides of `column op value` where the op allows it."""
    if not values:
        raise Skip
    if op in (exp.EQ, exp.NEQ) and not aggregated:
        return rng.choice(values[: max(3, len(values) // 2)])
    ordered = sorted(values, key=sort_key)
    n = len(ordered)
    if aggregated:
        return ordered[n // 2]
    if op in (exp.GT, exp.GTE):
        return ordered[rng.randrange(0, max(1, (n * 3) // 4))]
    return ordered[rng.randrange(min(n - 1, n // 4), n)]


# -- determinism across engines ----------------------------------------------------------------
def harden(expr: exp.Expression) -> tuple[exp.Expression, bool]:
    """Make every engine return the same rows: strict GROUP BY, explicit NULLS FIRST/LAST, and a
    total order under LIMIT (tiebreakers from the grouped or selected items). Returns the tree and
    whether its outermost ORDER BY fixes the order of the visible rows."""
    for select in list(expr.find_all(exp.Select)):
        _strict_group(select)
        _order(select)
    if isinstance(expr, exp.Select) and expr.args.get("order"):
        return expr, _total(expr)
    return expr, False


# aggregates sqlglot reads as anonymous functions in some dialects
AGGREGATE_NAMES = frozenset(
    {"TOTAL", "MEDIAN", "ARG_MAX", "ARG_MIN", "LIST", "COUNT_IF", "COUNTIF", "LISTAGG"}
)


def _is_agg(node: exp.Expression) -> bool:
    """An aggregate call (not a window function) in `node`."""
    for n in node.walk():
        agg = isinstance(n, exp.AggFunc) or (
            isinstance(n, exp.Anonymous) and n.name.upper() in AGGREGATE_NAMES
        )
        if agg and not n.find_ancestor(exp.Window) and not isinstance(n.parent, exp.Window):
            return True
    return False


def _plain_items(select: exp.Select) -> list[exp.Expression]:
    out = []
    for item in select.expressions:
        node = item.this if isinstance(item, exp.Alias) else item
        if isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star)):
            continue
        if _is_agg(node) or node.find(exp.Window) or isinstance(node, (exp.Literal, exp.Null)):
            continue
        if isinstance(node, exp.Subquery):
            continue
        out.append(node)
    return out


def _strict_group(select: exp.Select) -> None:
    group = select.args.get("group")
    if group is None:
        return
    have = {g.sql() for g in group.expressions}
    extra = list(_plain_items(select))
    order = select.args.get("order")
    if order is not None:
        extra += [o.this for o in order.expressions if isinstance(o.this, exp.Column) and not _is_agg(o.this)]
    aliases = {i.alias.lower() for i in select.expressions if isinstance(i, exp.Alias)}
    for node in extra:
        if node.sql() in have or (
            isinstance(node, exp.Column) and not node.table and node.name.lower() in aliases
        ):
            continue
        if isinstance(node, exp.Literal):
            continue
        group.append("expressions", node.copy())
        have.add(node.sql())


def _order(select: exp.Select) -> None:
    order = select.args.get("order")
    limit = select.args.get("limit") or select.args.get("fetch")
    if order is None and limit is None:
        return
    if order is None:
        order = exp.Order(expressions=[])
        select.set("order", order)
    aliases = {i.alias.lower(): i.this for i in select.expressions if isinstance(i, exp.Alias)}
    for o in order.expressions:
        o.set("nulls_first", not o.args.get("desc"))
        key = o.this
        if isinstance(key, exp.Column) and not key.table and key.name.lower() in aliases:
            o.set("this", aliases[key.name.lower()].copy())  # ORDER BY n -> ORDER BY COUNT(*)
    if limit is None:
        return
    grouped = select.args.get("group")
    if grouped is None and any(_is_agg(i) for i in select.expressions):
        return  # one row
    keys = {o.this.sql() for o in order.expressions}
    ties = list(grouped.expressions) if grouped is not None else _plain_items(select)
    for node in ties:
        if node.sql() not in keys:
            order.append("expressions", exp.Ordered(this=node.copy(), desc=False, nulls_first=True))
            keys.add(node.sql())


def _total(select: exp.Select) -> bool:
    keys = {o.this.sql() for o in select.args["order"].expressions}
    grouped = select.args.get("group")
    if grouped is not None:
        return all(g.sql() in keys for g in grouped.expressions)
    if any(_is_agg(i) for i in select.expressions):
        return True
    items = select.expressions
    if any(
        isinstance(i, exp.Star) or (isinstance(i, exp.Column) and isinstance(i.this, exp.Star)) for i in items
    ):
        return False
    return all(n.sql() in keys for n in _plain_items(select)) and len(_plain_items(select)) == len(items)


# -- the generator ------------------------------------------------------------------------------
class TemplateGenerator:
    """Queries from a template library for one schema and value pool; `generate(i)` is
    deterministic in (seed, i).

    `dialect` is the target dialect: templates expanded for another dialect are left out, and with
    `expand` the library is first expanded with `dialect`'s tutorial (rule-based, `expand.py`);
    `expanded_share` of the indices then draw from the expanded templates.
    """

    def __init__(
        self,
        schema: Schema,
        pool: ValuePool,
        library: TemplateLibrary,
        *,
        dialect: str,
        seed: int = 0,
        expand: bool = True,
        expanded_share: float = 0.5,
        max_attempts: int = 40,
        checks_per_template: int = 6,
    ) -> None:
        self.dialect = dialect_name(dialect)
        self.seed = seed
        self.max_attempts = max_attempts
        self.expanded_share = expanded_share
        if expand:
            from sqlsynth.generate.expand import expand_library

            library = expand_library(library, self.dialect, seed=seed)
        self.binder = Binder(schema, pool)
        if not self.binder.usable:
            raise ValueError(f"schema {schema.name!r} has no table with usable columns")
        self.unusable: dict[str, str] = {}  # template id -> why it is left out
        self.base: list[Shape] = []
        self.expanded: list[Shape] = []
        for t in library.templates:
            if not (t.portable or t.dialect == self.dialect):
                self.unusable[t.id] = "other-dialect"
                continue
            try:
                shape = shape_of(t)
            except SqlsynthError:
                self.unusable[t.id] = "parse"
                continue
            if not self._bindable(shape, checks_per_template):
                self.unusable[t.id] = "unbindable"
                continue
            (self.base if t.portable else self.expanded).append(shape)
        if not self.base and not self.expanded:
            raise ValueError(f"no template of the library can be bound on schema {schema.name!r}")

    def _bindable(self, shape: Shape, tries: int) -> bool:
        for k in range(tries):
            try:
                self.binder.fill(random.Random(f"check:{shape.template.id}:{k}"), shape)
            except Skip:
                continue
            return True
        return False

    def generate(self, index: int) -> TemplateQuery | None:
        rng = random.Random(f"template:{self.seed}:{index}")
        group = self.base
        if self.expanded and (not self.base or rng.random() < self.expanded_share):
            group = self.expanded
        for _ in range(self.max_attempts):
            shape = rng.choice(group)
            try:
                tree, binding = self.binder.fill(rng, shape)
            except Skip:
                continue
            tree, order_matters = harden(tree)
            tables = sorted({t.name for t in binding.tables.values()})
            columns = sorted(
                {
                    f"{binding.tables[s.table].name}.{binding.columns[c]}"
                    for c, s in shape.slots.columns.items()
                }
            )
            t = shape.template
            return TemplateQuery(
                expr=tree,
                tables=tables,
                columns=columns,
                complexity=measure(tree).model_dump(),
                hardness=spider_hardness(tree),
                order_matters=order_matters,
                template_id=t.id,
                template=t.sql,
                dialect=self.dialect,  # templates of other dialects were left out
                features=list(t.features),
            )
        return None


# -- execution ----------------------------------------------------------------------------------
def transpile_check(expr_or_sql: exp.Expression | str, dialect: str) -> str:
    """The DuckDB transpilation of a query written in `dialect` (a tree is first rendered in
    `dialect`, so what runs is what the text says). Raises SqlsynthError when sqlglot cannot
    parse it or reports a construct it cannot carry over."""
    sql = expr_or_sql if isinstance(expr_or_sql, str) else expr_or_sql.sql(dialect=dialect, identify=True)
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
        return tree.sql(dialect="duckdb", identify=True, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        raise SqlsynthError(f"cannot transpile {dialect} to duckdb: {str(err).splitlines()[0]}") from None
    except SqlglotError as err:
        raise SqlsynthError(f"does not parse as {dialect}: {str(err).splitlines()[0]}") from None


@dataclass
class ExecutionPlan:
    """Which engines run a query, the SQL per dialect, and what the record may claim."""

    engines: list[Engine]
    sql_by_dialect: dict[str, str]
    mode: str  # "executed" | "transpile-checked" | "not-run"
    error: str | None = None


def execution_route(dialect: str, engine_dialects: list[str]) -> tuple[int, str] | None:
    """Where dialect-specific SQL of `dialect` runs among engines of these dialects: (index of the
    engine, "executed") on its own engine, else (index, "transpile-checked") on a DuckDB engine,
    which runs the DuckDB transpilation; None if neither is there."""
    for mode, want in (("executed", dialect), ("transpile-checked", "duckdb")):
        if want in engine_dialects:
            return engine_dialects.index(want), mode
    return None


def plan_execution(
    query: TemplateQuery, engines: list[Engine], dialects: list[str] | None = None
) -> ExecutionPlan:
    """Portable queries: every engine, renderings for `dialects`. Dialect-specific ones: the
    route of `execution_route`, else not run."""
    d = query.dialect
    if query.portable:
        wanted = list(dict.fromkeys([*(e.dialect for e in engines), d, *(dialects or [])]))
        return ExecutionPlan(list(engines), {x: render(query.expr, x) for x in wanted}, "executed")
    sql = render(query.expr, d)
    route = execution_route(d, [e.dialect for e in engines])
    if route is None:
        return ExecutionPlan([], {d: sql}, "not-run", error=f"no engine runs {d} here")
    index, mode = route
    if mode == "executed":
        return ExecutionPlan([engines[index]], {d: sql}, mode)
    try:
        return ExecutionPlan([engines[index]], {d: sql, "duckdb": transpile_check(sql, d)}, mode)
    except SqlsynthError as err:
        return ExecutionPlan([], {d: sql}, "not-run", error=str(err))
