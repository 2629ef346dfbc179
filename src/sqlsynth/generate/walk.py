"""The FK-graph walk generator (seeds/000): SELECT queries a person could ask, of controlled size.

One query is built in three steps: draw target counts from the ComplexitySpec; walk a connected
sub-graph of the foreign-key graph with that many joins (chains, stars, bridge tables, self-joins
with aliases) and join on the FK columns; then fill the clauses with meaningful items (names and
measures, type-fitting aggregates, strict GROUP BY, HAVING on aggregates, top-k ORDER BY + LIMIT)
and predicates whose values come from the database itself. The result is measured exactly
(generate.measure) and kept only if every count lies inside the spec.

Cross-engine care, so that every rendering returns the same rows:
- ORDER BY ... LIMIT carries tiebreakers and explicit NULLS FIRST/LAST (rendered per dialect);
- NOT IN subqueries select only non-null keys; no ROUND or integer casts of averages;
- date parts through STRFTIME (TO_CHAR on PostgreSQL), which gives the same text everywhere;
- a GROUP BY of one table's key that shows that row's names (`SELECT a.title, COUNT(*) ... GROUP
  BY a.id`, as Spider writes it) is marked render.KEYED_GROUP: dialects other than SQLite get the
  shown columns added to their GROUP BY, which changes no group.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from sqlglot import exp

from sqlsynth.generate.measure import measure, spider_hardness
from sqlsynth.generate.roles import ColumnRoles, column_roles
from sqlsynth.generate.spec import HARDNESS_LEVELS, HARDNESS_PRESETS, ComplexitySpec, IntRange
from sqlsynth.generate.values import ValuePool, like_pattern, literal, number, reads_as_dates, sort_key
from sqlsynth.render import KEYED_GROUP, TEXT_KEY, TEXT_KEYS, generate
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType

TOP_K = (1, 3, 5, 10)
TOP_K_WEIGHTS = (6, 1.5, 1, 1.5)  # "the one with the most" is most of what people ask (Spider: 83%)
COUNT_STAR = exp.Count(this=exp.Star())
HAVING_COUNTS = (2, 2, 3, 5)  # 1 would keep every group: an idle HAVING
HAVING_OPS = (exp.GT, exp.GTE, exp.LTE, exp.EQ, exp.LT)
HAVING_OP_WEIGHTS = (40, 38, 6, 6, 4)  # Spider's HAVING COUNT(...): > and >=, seldom <=, = or <
FULL_NAME = 0.5  # share of WHERE clauses of 2+ conditions on a person that name them by both names
TWO_CONDITIONS = 0.25  # share of one-condition ungrouped queries given a second one
# share of plain filtered queries over joins made DISTINCT on top of those drawn so (Spider: 44 of
# 214, about one in five; drawn alone, one in seven over one join and one in 25 over two)
JOINED_DISTINCT = 0.12
# share of grouped, nested and two-condition queries shaped the way Spider's people ask them (see
# _grouped, _plain_nested); the rest keep their drawn extras, for variety
SPIDER_SHAPED = 0.85
# Spider's nested questions are over one table 93% of the time (0.6% of its questions are nested
# over a join); so are those shaped as Spider's and most of those left as drawn (these at 0.9 and
# 0: 4.6% of the records on Spider's databases)
NESTED_ONE_TABLE = 0.97
DRAWN_NESTED_ONE_TABLE = 0.7
# the ways to ask a grouping, weighted so that the records come out as Spider's questions are
# (groups alone 35%, top groups 39%, past a HAVING 25%): top groups are drawn more, as more of
# them are rejected (a tie at the cut) or repeat another (few columns to group by and order)
GROUPED_MODES = (28, 80, 100)  # cumulative: groups, top, having
HAVING_UNSEEN = 0.85  # share of HAVING queries that do not show the aggregate (Spider: 88%)
KEYED_GROUPS = 0.7  # share of joined groupings by a referenced row's key, showing its names


class Skip(Exception):
    """This attempt cannot meet its targets; draw again."""


@dataclass
class GeneratedQuery:
    expr: exp.Expression
    tables: list[str]
    columns: list[str]
    complexity: dict[str, int]
    hardness: str
    order_matters: bool
    strategy: str = "walk"


@dataclass
class Targets:
    joins: int
    conditions: int
    aggregates: int
    group_by: int
    having: int
    order_by: int
    limit: int
    distinct: int
    subqueries: int
    set_ops: int
    cte: int
    window: int
    case: int
    functions: int


TARGETS = fields(Targets)
SPEC_FIELD = {"joins": "num_joins", "conditions": "num_conditions"}  # Targets field -> spec field


@dataclass
class Inst:
    """One occurrence of a table in FROM."""

    table: Table
    alias: str | None
    roles: ColumnRoles

    @property
    def ref(self) -> str:
        return self.alias or self.table.name

    def col(self, name: str, qualify: bool = True) -> exp.Column:
        return exp.column(name, table=self.ref if qualify else None, quoted=True)


@dataclass
class Several:
    """The conditions drawn so far for a WHERE of several. Each is on its own column, and none is
    idle beside the others: a condition pinning a row leaves the others nothing to select, except
    `=` on text, which the discriminative filter checks by asking for another value ("the
    employees named Steve Johnson": another first name finds nobody)."""

    taken: set[tuple[str, str]] = field(default_factory=set)
    pinned: bool = False  # one is `=` on a name that (nearly) pins a row
    loose: bool = False  # one is not `=` on a text column (or is a nested condition)

    def admits(self, inst: Inst, column: str) -> bool:
        if (inst.ref, column) in self.taken:
            return False
        return not self.pinned or inst.table.column(column).logical_type is LogicalType.TEXT

    def operators(self, ops: list[str], pins: bool, names_a_row: bool) -> list[str]:
        """`ops` for a column whose `=` would pin a row (`pins`: not a name; `names_a_row`: a
        name) beside the conditions so far."""
        if pins or names_a_row:  # a LIKE cut from a value that never repeats finds that row
            ops = [o for o in ops if o != "like"]
        if pins or (names_a_row and self.loose):
            ops = [o for o in ops if o not in ("=", "in")]
        return [o for o in ops if o == "="] if self.pinned else ops

    def note(self, op: str, lt: LogicalType, names_a_row: bool) -> None:
        self.pinned |= op == "=" and names_a_row
        self.loose |= not (op == "=" and lt is LogicalType.TEXT)


@dataclass
class Block:
    insts: list[Inst]
    joins: list[tuple[Inst, ForeignKey, str]] = field(default_factory=list)
    qualify: bool = False
    used: set[tuple[str, str]] = field(default_factory=set)
    nested: str | None = None  # the nested condition's kind, when the first table was picked for it

    def col(self, inst: Inst, name: str) -> exp.Column:
        self.used.add((inst.table.name, name))
        return inst.col(name, self.qualify)

    def joined_to(self, cols: list[exp.Expression]) -> list[exp.Expression]:
        """`cols` and the columns the joins make equal to them (T2.customer_id for T1.customer_id)."""
        same = list(cols)
        for source, target, fk, _ in self.links():
            for a, b in zip(fk.source_columns, fk.target_columns, strict=True):
                ends = [source.col(a, self.qualify), target.col(b, self.qualify)]
                if any(e in same for e in ends):
                    same.extend(e for e in ends if e not in same)
        return same

    def links(self) -> list[tuple[Inst, Inst, ForeignKey, str]]:
        """(referencing, referenced, foreign key, join type) of each join, in order."""
        return [
            (*_fk_ends(parent, fk, self.insts[n]), fk, kind)
            for n, (parent, fk, kind) in enumerate(self.joins, start=1)
        ]


class WalkGenerator:
    """Generate queries for one schema and value pool; `generate(i)` is deterministic in (seed, i)."""

    def __init__(
        self,
        schema: Schema,
        pool: ValuePool,
        spec: ComplexitySpec | None = None,
        seed: int = 0,
        max_attempts: int = 60,
    ) -> None:
        self.schema = schema
        self.pool = pool
        self.spec = spec or ComplexitySpec()
        self.seed = seed
        self.max_attempts = max_attempts
        self.roles = {t.name: column_roles(schema, t, pool) for t in schema.tables}
        self._values_cache: dict[tuple[str, str], tuple[list[Any], list[Any]]] = {}
        self._anchor_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}  # see _anchor_rows
        self.usable = [
            t
            for t in schema.tables
            if self.roles[t.name].filterable
            and pool.row_counts.get(t.name, 1)
            and not t.name.lower().startswith("sqlite_")  # SQLite's own bookkeeping (Spider lists it)
        ]
        if not self.usable:
            raise ValueError(f"schema {schema.name!r} has no table with usable columns")
        self.max_joins = self._max_joins()
        # whether any key is declared text at one end and a number at the other (see _text_key)
        self.text_keys = any(
            _number_and_text(schema.table(fk.source_table).column(a), schema.table(fk.target_table).column(b))
            for fk in schema.foreign_keys
            for a, b in zip(fk.source_columns, fk.target_columns, strict=True)
        )
        usable_names = {t.name for t in self.usable}
        # per table, in schema order: (foreign key, table at its other end) to join a usable table
        self.adjacent: dict[str, list[tuple[ForeignKey, Table]]] = {}
        for t in schema.tables:
            ends = [
                (fk, schema.table(fk.target_table if fk.source_table == t.name else fk.source_table))
                for fk in schema.foreign_keys
                if t.name in (fk.source_table, fk.target_table)
            ]
            self.adjacent[t.name] = [(fk, other) for fk, other in ends if other.name in usable_names]
        # on a foreign key (the FK graph's neighbours, without building the graph: networkx is a
        # tenth of a second to import in each worker)
        in_fks = {name for fk in schema.foreign_keys for name in (fk.source_table, fk.target_table)}
        self.joinable = [t for t in self.usable if t.name in in_fks]
        # at an end of a one-column foreign key: what IN and EXISTS subqueries go through
        self.keyed_tables = {
            name
            for fk in schema.foreign_keys
            if len(fk.source_columns) == 1
            for name in (fk.source_table, fk.target_table)
        }
        # the spec narrowed by each level's preset (what `_draw` aims at), made once
        self.level_specs = {
            h: _intersect(self.spec, ComplexitySpec(**HARDNESS_PRESETS[h])) for h in HARDNESS_LEVELS
        }

    # -- driver ------------------------------------------------------------------------------
    def generate(self, index: int) -> GeneratedQuery | None:
        rng = random.Random(f"walk:{self.seed}:{index}")
        # aim at one Spider level per query: the spec's levels, or by default all four, weighted
        # roughly as in Spider's human questions (medium the most common)
        if self.spec.hardness:
            hardness = rng.choice(self.spec.hardness)
        else:
            hardness = rng.choices(HARDNESS_LEVELS, cum_weights=_cumulative(DEFAULT_HARDNESS_WEIGHTS))[0]
        for _ in range(self.max_attempts):
            targets = self._draw(rng, hardness)
            try:
                expr, block_used, order_matters = self._query(rng, targets)
            except Skip:
                continue
            if self._unused_parent(expr) is not None:
                continue
            counts = measure(expr).model_dump()
            if self.spec.admits(counts) is not None:
                continue
            level = spider_hardness(expr)
            if self.spec.hardness and level not in self.spec.hardness:
                continue
            tables = sorted({t for t, _ in block_used})
            columns = sorted(f"{t}.{c}" for t, c in block_used)
            if self.text_keys and any(node.meta.get(TEXT_KEY) for node in expr.find_all(exp.EQ, exp.In)):
                expr.meta[TEXT_KEYS] = True
            return GeneratedQuery(expr, tables, columns, counts, level, order_matters)
        return None

    def _draw(self, rng: random.Random, hardness: str) -> Targets:
        s = self.level_specs[hardness]
        # one draw per target, in field order (the spec says num_joins / num_conditions, as seeds/000)
        t = Targets(**{f.name: _small(rng, _drawn_range(s, f.name)) for f in TARGETS})
        t.joins = min(t.joins, self.max_joins)
        # CTEs, windows, CASE and set operations are rarer in what people ask (Spider's questions:
        # under 10% together) than grouping ("how many X per Y", 26%) and HAVING (7%); DISTINCT 9%;
        # date and string functions: none of Spider's 1,356
        rare_drops = (
            ("cte", 0.6),
            ("window", 0.6),
            ("case", 0.8),
            ("set_ops", 0.1),
            ("distinct", 0.3),
            ("functions", 0.6),
        )
        for rare, drop in rare_drops:
            if getattr(t, rare) and getattr(s, rare).min == 0 and rng.random() < drop:
                setattr(t, rare, 0)
        if hardness == "extra" and t.subqueries and s.subqueries.min == 0 and rng.random() < 0.4:
            t.subqueries = 0  # a quarter of Spider's extra-hard questions are nested (ours: 4 in 10)
        if t.group_by and not t.aggregates and s.aggregates.max:
            t.aggregates = 1  # a GROUP BY is only made with an aggregate to show per group
        if t.aggregates and not t.group_by and s.group_by.max and rng.random() < 0.7:
            t.group_by = 1  # "how many X per Y" is a quarter of Spider's questions
        if t.group_by == 1 and s.group_by.max >= 2 and rng.random() < TWO_GROUP_COLUMNS:
            t.group_by = 2  # "how many courses in each semester and year"
        if t.group_by and t.aggregates:
            self._grouped(rng, s, t)
        if t.aggregates and not t.group_by:
            t.order_by = t.limit = 0  # one row: nothing to order
            if t.aggregates == 2 and s.aggregates.max >= 3 and rng.random() < THREE_MEASURES:
                t.aggregates = 3  # "the minimum, average and maximum distance"
            if t.joins and not t.conditions and s.num_conditions.max and rng.random() < SPIDER_SHAPED:
                # a join under one aggregate serves a condition: "the average price of Rock
                # tracks" (54 of Spider's 56 joined one-aggregate questions have a condition)
                t.conditions = 1
        if t.order_by and not t.limit and s.limit.max and rng.random() < 0.4:
            t.limit = 1  # most orderings people ask for are top-k ("the 3 most expensive")
        if t.distinct and t.limit and s.distinct.min == 0:
            t.distinct = 0  # "the distinct name of the first product": none of Spider's 1,356 do it
        # Spider's queries over two or more joins are mostly plain (about half: names under a filter),
        # and a plain query nearly always has a WHERE (nine in ten): "names of X whose Y is Z"
        if t.joins >= 2 and rng.random() < 0.35:
            for name in ("aggregates", "group_by", "having", "order_by", "limit", "distinct", "case"):
                if getattr(s, name).min == 0:
                    setattr(t, name, 0)
        plain = not (t.aggregates or t.group_by or t.order_by or t.distinct)
        if plain and not t.conditions and s.num_conditions.max and rng.random() < 0.7:
            t.conditions = 1
        if plain and t.joins and t.conditions and s.distinct.max and rng.random() < JOINED_DISTINCT:
            t.distinct = 1  # "the distinct names of customers with an invoice over 20": a join repeats them
        ungrouped = not (t.group_by or t.subqueries or t.set_ops or t.cte)
        if t.conditions == 1 and ungrouped and s.num_conditions.max >= 2 and rng.random() < TWO_CONDITIONS:
            t.conditions = 2  # a tenth of Spider's queries: "named Steve Johnson", "goalies accepted"
        # One special construct per query keeps questions readable.
        specials = [k for k in ("subqueries", "set_ops", "cte", "window") if getattr(t, k)]
        if len(specials) > 1:
            # set operations first most of the time: Spider has 100 of them to 134 nested queries,
            # but a set operation fails to be drawn (or to pass the checks) twice as often
            keep = "set_ops" if "set_ops" in specials and rng.random() < 0.7 else rng.choice(specials)
            for k in specials:
                if k != keep:
                    setattr(t, k, 0)
        if t.subqueries and rng.random() < SPIDER_SHAPED:
            self._plain_nested(rng, t)
        elif t.subqueries and t.joins and rng.random() < DRAWN_NESTED_ONE_TABLE:
            self._drop(t, ["joins"])  # left as drawn, but over one table
        elif t.conditions >= 2 and rng.random() < SPIDER_SHAPED:
            # Spider's 88 two-condition WHEREs are never grouped or ordered either: "how many
            # employees named Steve Johnson", "players who tried out as goalie and were accepted"
            self._plain(t)
        elif hardness == "hard" and t.set_ops and rng.random() < 0.5:
            t.joins = 0  # a set operation of two one-table queries is hard already
        return t

    def _grouped(self, rng: random.Random, s: ComplexitySpec, t: Targets) -> None:
        """A grouping the way people ask one. Spider's 340 grouped questions are one of: the
        groups alone (35%, "how many tracks per genre"), the top groups (39%, "which genre has
        the most tracks": mostly LIMIT 1, mostly by size) or those passing a HAVING (25%); nearly
        never two of these (1%) and seldom under a WHERE (9%). Only what the spec lets be 0 is
        dropped; the rest is left as drawn, for variety."""
        if rng.random() >= SPIDER_SHAPED:
            return
        mode = rng.choices(("groups", "top", "having"), cum_weights=GROUPED_MODES)[0]
        top = mode == "top" and s.order_by.max > 0 and s.limit.max > 0
        having = mode == "having" and s.having.max > 0
        self._drop(t, ["order_by", "limit"] if not top else [], ["having"] if not having else [])
        if top:
            t.order_by, t.limit = 1, 1
        if having:
            t.having = 1
        if rng.random() < 0.9:
            self._drop(t, ["conditions"])

    def _drop(self, t: Targets, *names: list[str]) -> None:
        """Set to 0 the targets `names` that the spec lets be 0."""
        for name in itertools.chain(*names):
            if getattr(self.spec, SPEC_FIELD.get(name, name)).min == 0:
                setattr(t, name, 0)

    def _plain_nested(self, rng: random.Random, t: Targets) -> None:
        """A nested condition the way people ask one: Spider's 110 are nearly all over one table
        (93%), with no other condition (95%) and never grouped or ordered ("how many artists
        have no album", "tracks longer than the average"). Only what the spec lets be 0 is
        dropped."""
        self._plain(t, joins=rng.random() < NESTED_ONE_TABLE)
        if t.subqueries in self.spec.num_conditions:
            t.conditions = t.subqueries

    def _plain(self, t: Targets, joins: bool = False) -> None:
        """No grouping, ordering, CASE, window or function (and no join when `joins`); at most
        one aggregate. Only what the spec lets be 0 is dropped."""
        drop = ["group_by", "having", "order_by", "limit", "case", "window", "functions"]
        self._drop(t, drop, ["joins"] if joins else [])
        t.aggregates = min(t.aggregates, 1)

    def _query(self, rng: random.Random, t: Targets) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        if t.set_ops:
            return self._set_operation(rng, t)
        if t.cte:
            return self._cte_query(rng, t)
        if t.subqueries and "from" in self.spec.subquery_kinds and rng.random() < 0.1:  # Spider: 0.3%
            return self._from_subquery(rng, t)
        kind, start = self._nested_start(rng) if t.subqueries and not t.joins else (None, None)
        block = self._walk(rng, t.joins, start)
        block.nested = kind
        select, order_matters = self._select(rng, block, t)
        return select, block.used, order_matters

    def _nested_start(self, rng: random.Random) -> tuple[str | None, Table | None]:
        """The kind of a one-table query's nested condition, and a table that can have it: a
        scalar comparison needs a measure, which most tables lack ("tracks longer than the
        average"), IN and EXISTS a foreign key. (None, None) if no table fits the kind drawn."""
        kinds = [k for k in self.spec.subquery_kinds if k != "from"]
        if not kinds:
            return None, None
        kind = _nested_kind(rng, kinds)
        if kind == "scalar":
            tables = [t for t in self.usable if self.roles[t.name].measures]
        else:
            tables = [t for t in self.usable if t.name in self.keyed_tables]
        return (kind, rng.choice(tables)) if tables else (None, None)

    # -- FROM: the walk over the FK graph ---------------------------------------------------
    def _max_joins(self) -> int:
        return min(4, len(self.schema.foreign_keys) and max(1, len(self.schema.tables) - 1))

    def _walk(self, rng: random.Random, n_joins: int, start: Table | None = None) -> Block:
        if start is None:
            candidates = self.joinable if n_joins else self.usable
            if not candidates:
                raise Skip
            start = rng.choice(candidates)
        insts = [Inst(start, None, self.roles[start.name])]
        block = Block(insts)
        for _ in range(n_joins):
            options: list[tuple[Inst, ForeignKey, Table]] = []
            referenced = _referenced(block)
            for inst in insts:
                for fk, other in self.adjacent[inst.table.name]:
                    present = sum(i.table.name == other.name for i in insts)
                    if present >= 2 or (present and fk.source_table != fk.target_table):
                        continue  # the same table again: only through a self-reference
                    if any(j_fk is fk and (j_inst is inst) for j_inst, j_fk, _ in block.joins):
                        continue
                    refers_to_new = fk.source_table == inst.table.name and fk.target_table == other.name
                    if not refers_to_new and any(inst is r for r in referenced):
                        # a second table referring to the same row multiplies the two's rows
                        # (each order with each ticket of its customer): a fan trap
                        continue
                    options.append((inst, fk, other))
            if not options:
                raise Skip
            inst, fk, other = rng.choice(options)
            new = Inst(other, None, self.roles[other.name])
            insts.append(new)
            block.joins.append((inst, fk, self._join_type(rng)))
        if len(insts) > 1:
            block.qualify = True
            for i, inst in enumerate(insts, start=1):
                inst.alias = f"T{i}"
        return block

    def _child_block(
        self, rng: random.Random, table: Table, children: list[tuple[ForeignKey, Table]]
    ) -> Block:
        """`table` inner-joined to a table whose rows refer to it (its "albums"): joined the other
        way, every row with a key has its parent, and "those without" would be empty."""
        fk, child = rng.choice(children)
        parent = Inst(table, "T1", self.roles[table.name])
        block = Block([parent, Inst(child, "T2", self.roles[child.name])], qualify=True)
        block.joins.append((parent, fk, "inner"))
        return block

    def _join_type(self, rng: random.Random) -> str:
        kinds = self.spec.join_types
        # Spider's 1,356 questions have no outer join; a person still asks "each customer and the
        # number of their orders", those without any too, now and then
        if "inner" in kinds and rng.random() < 0.92:
            return "inner"
        return rng.choice(kinds)

    def _from(self, block: Block, query: exp.Select) -> exp.Select:
        first = block.insts[0]
        query = query.from_(_table(first), copy=False)
        for n, (parent, fk, kind) in enumerate(block.joins, start=1):
            new = block.insts[n]
            source, target = _fk_ends(parent, fk, new)
            keys = zip(fk.source_columns, fk.target_columns, strict=True)
            eqs = [self._join_eq(block, source, a, target, b) for a, b in keys]
            on = exp.and_(*eqs)
            side = {"left": "LEFT", "right": "RIGHT", "full": "FULL"}.get(kind)
            query = query.join(exp.Join(this=_table(new), on=on, side=side), copy=False)
        return query

    def _join_eq(self, block: Block, source: Inst, a: str, target: Inst, b: str) -> exp.EQ:
        """`source.a = target.b`, marked render.TEXT_KEY when one is declared a number and the other
        text (see there)."""
        eq = exp.EQ(this=block.col(source, a), expression=block.col(target, b))
        return _text_key(eq, source.table.column(a), target.table.column(b))

    # -- SELECT ------------------------------------------------------------------------------
    def _select(self, rng: random.Random, block: Block, t: Targets) -> tuple[exp.Select, bool]:
        grouped = t.group_by > 0 and t.aggregates > 0
        query = exp.Select()
        items: list[exp.Expression] = []
        group_cols: list[exp.Expression] = []
        aggs: list[exp.Expression] = []
        keyed = None
        if grouped:
            keyed = self._keyed_group(rng, block, t)
            group_cols = [keyed[0]] if keyed else self._group_columns(rng, block, t)
            shown = keyed[1] if keyed else group_cols
            aggs = [self._aggregate(rng, block) for _ in range(t.aggregates)]
            same = block.joined_to(group_cols)
            if any(c in same for a in aggs for c in a.find_all(exp.Column)):
                raise Skip  # COUNT(DISTINCT g) ... GROUP BY g is always 1, and so is g's join partner
            items.extend([*aggs, *shown] if rng.random() < 0.3 else [*shown, *aggs])
        elif t.aggregates:
            aggs = self._one_measure(rng, block, t.aggregates) if t.aggregates > 1 else []
            aggs = aggs or [self._aggregate(rng, block) for _ in range(t.aggregates)]
            items.extend(aggs)
        else:
            items.extend(self._plain_items(rng, block, t))
        if t.case and not t.aggregates:
            items.append(self._case_item(rng, block))
        if t.window and not t.aggregates:
            items.append(self._window_item(rng, block))
        # the builders below change `query` in place (copy=False) instead of copying the whole tree
        # at each step; the GROUP BY gets copies of the select items it shares
        query = query.select(*_dedupe(items))
        if t.distinct and not t.aggregates:
            if self._shows_own_key(block, items):
                raise Skip  # "the distinct invoice line ids of invoice lines": one row per key already
            query = query.distinct(copy=False)
        shown = {c.table for c in query.find_all(exp.Column)}
        where = self._where(rng, block, t.conditions, t.subqueries, self._idle_ends(block, shown))
        query = self._from(_inner_where_required(block, where), query)
        if where is not None:
            query = query.where(where, copy=False)
        if group_cols:
            query = query.group_by(*[c.copy() for c in group_cols], copy=False)
            if t.having:
                size = sizes = None
                if where is None:
                    size = self._group_size(block, group_cols, keyed is not None)
                    sizes = self._group_sizes(block, group_cols)
                having = self._having(rng, block, size, filtered=where is not None, sizes=sizes)
                query = query.having(having, copy=False)
                if rng.random() < HAVING_UNSEEN:
                    # "instructors who advise more than one student": the count filters, unseen
                    query.set("expressions", [e for e in query.expressions if e not in aggs])
        order_matters = False
        if t.order_by:
            query, order_matters = self._order(rng, block, query, t, aggs, group_cols)
        self._count_optional_rows(block, query, grouped=bool(group_cols))
        if _idle_outer_join(block, query):
            raise Skip
        if keyed:
            ref = keyed[0].table
            if any(c.table == ref for a in query.find_all(exp.AggFunc) for c in a.find_all(exp.Column)):
                raise Skip  # the average salary of each employee's own row: that row's salary
            query.meta[KEYED_GROUP] = True
        return query, order_matters

    def _count_optional_rows(self, block: Block, query: exp.Select, grouped: bool) -> None:
        """COUNT(*) over an outer join counts a kept row without a match as one: "the number of
        its certificates (including employees without any)" gives them 1. It counts the rows
        that may be missing by their join column instead (their count is 0 then, as asked); an
        ungrouped count of them is drawn again (the outer join would change nothing)."""
        optional = _optional_rows(block)
        if optional is None:
            return
        counts = [
            c for c in query.find_all(exp.Count) if isinstance(c.this, exp.Star) and c.parent_select is query
        ]
        if not counts:
            return
        if not grouped:
            raise Skip
        for count in counts:
            count.set("this", block.col(*optional))

    def _pick(
        self, rng: random.Random, block: Block, role: str, exclude: set[tuple[str, str]] | None = None
    ) -> tuple[Inst, str] | None:
        options = [
            (inst, c)
            for inst in block.insts
            for c in getattr(inst.roles, role)
            if not exclude or (inst.ref, c) not in exclude
        ]
        return rng.choice(options) if options else None

    def _with_names(
        self, rng: random.Random, block: Block, names: list[tuple[Inst, str]]
    ) -> list[tuple[Inst, str]]:
        """`names` and 0-3 more columns to show beside them: "the ids, full names and salaries of
        employees" (Spider adds some to half of the first + last name pairs it selects). The row's
        own key comes first when it is one of them."""
        more = rng.choices(range(len(WITH_NAMES)), cum_weights=WITH_NAMES)[0]
        if not more:
            return names
        inst = names[0][0]
        seen = {(i.ref, c) for i, c in names}
        key = inst.table.primary_key
        ahead: list[tuple[Inst, str]] = []
        if len(key) == 1 and (inst.ref, key[0]) not in seen and rng.random() < KEY_WITH_NAMES:
            ahead.append((inst, key[0]))
            seen.add((inst.ref, key[0]))
        after: list[tuple[Inst, str]] = []
        for _ in range(3 * more):
            if len(ahead) + len(after) >= more:
                break
            got = self._pick(rng, block, rng.choice(BESIDE_NAMES), seen)
            if got is not None:
                seen.add((got[0].ref, got[1]))
                after.append(got)
        return [*ahead, *names, *after]

    def _plain_items(self, rng: random.Random, block: Block, t: Targets) -> list[exp.Expression]:
        items: list[exp.Expression] = []
        first = block.insts[0]
        if len(block.insts) == 1 and not t.functions and rng.random() < 0.06:
            return [exp.Star()]  # "all details of ...": the validator refuses it without a filter
        if len(first.roles.labels) >= 2 and rng.random() < 0.25:
            # names that belong together ("first and last name of ..."), often with more of the row
            names = [(first, c) for c in first.roles.labels[:2]]
            return [block.col(inst, c) for inst, c in self._with_names(rng, block, names)]
        n = rng.choices((1, 2, 3), cum_weights=(60, 92, 100))[0]  # Spider: 65%, 30%, 5%
        roles = ["labels", "labels", "measures", "temporals", "categories"]
        seen: set[tuple[str, str]] = set()
        for _ in range(n * 3):
            if len(items) >= n:
                break
            got = self._pick(rng, block, rng.choice(roles), seen)
            if got is None:
                continue
            inst, c = got
            seen.add((inst.ref, c))
            col = block.col(inst, c)
            if t.functions and not any(isinstance(i, exp.Func) for i in items):
                col = self._function(rng, inst, c, col)
            items.append(col)
        if not items:
            inst = block.insts[0]
            label = inst.roles.label
            if label is None:
                raise Skip
            items.append(block.col(inst, label))
        return items

    def _function(self, rng: random.Random, inst: Inst, name: str, col: exp.Column) -> exp.Expression:
        lt = inst.table.column(name).logical_type
        if reads_as_dates(lt, self.pool.get(inst.table.name, name)):
            fmt = rng.choice(("%Y", "%Y-%m"))
            return exp.TimeToStr(this=exp.TsOrDsToTimestamp(this=col), format=exp.Literal.string(fmt))
        if lt is LogicalType.TEXT and self._measurable_text(inst, name):
            # not UPPER/LOWER: SQLite changes the case of ASCII letters only, so any non-ASCII
            # value (one the value sample may not show) gives different answers on other engines
            return exp.Length(this=col)
        return col

    def _measurable_text(self, inst: Inst, name: str) -> bool:
        """A name or free text, whose length means something ("the longest track name"); not a
        code or a category ("the length of the currency code", of a position "goalie") nor digits
        stored as text ("the length of the order quantity")."""
        if name not in inst.roles.labels or name in inst.roles.categories:
            return False
        return not self.pool.get(inst.table.name, name).number_texts

    def _keyed_group(
        self, rng: random.Random, block: Block, t: Targets
    ) -> tuple[exp.Column, list[exp.Column]] | None:
        """Half the time over a join, group by the primary key of a table that the join's other
        table refers to, showing that row's names: "each album's title and its number of tracks",
        as people write it (GROUP BY the key only, valid in SQLite and PostgreSQL; other dialects
        get the shown columns added to their GROUP BY, see render.KEYED_GROUP). None otherwise."""
        if t.group_by != 1 or len(block.insts) < 2 or rng.random() >= KEYED_GROUPS:
            return None
        options = []
        for inst in _referenced(block):
            pk = inst.table.primary_key
            labels = [c for c in inst.roles.labels if c not in pk]
            # a declared key whose values repeat is no key (Spider's tables.json names only the
            # first column of a composite key): grouping by it would show one arbitrary row's names
            if (
                len(pk) == 1
                and pk[0] in inst.roles.filterable
                and labels
                and self._unique(inst.table.name, pk[0])
            ):
                options.append((inst, pk[0], labels))
        if not options:
            return None
        inst, key, labels = rng.choice(options)
        # three columns in about one in five (Spider: 16 of its 104 top groups); the groups alone
        # mostly show one ("each album's title and its number of tracks": 100 of Spider's 120)
        alone = not (t.having or t.order_by or t.limit)
        shapes = {(labels[0],): 4.0 if alone else 1.0, (labels[0], key): 1.0, (key, labels[0]): 1.0}
        if len(labels) > 1:
            # "the id, first and last name of ...", "the first name, last name and id of ..."
            shapes |= {tuple(labels[:2]): 1.0, (key, *labels[:2]): 0.5, (*labels[:2], key): 0.5}
        else:
            other = [c for c in inst.roles.texts if c not in inst.roles.keys and c not in labels]
            if other:
                shapes[(labels[0], key, other[0])] = 0.75  # "the title, id and description of ..."
        shown = rng.choices(list(shapes), weights=list(shapes.values()))[0]
        return block.col(inst, key), [block.col(inst, c) for c in shown]

    def _group_columns(self, rng: random.Random, block: Block, t: Targets) -> list[exp.Expression]:
        out: list[exp.Expression] = []
        # a column (nearly) unique per row of a table no join repeats makes groups of one row each;
        # a column mostly NULL makes the NULL group the largest
        repeated = _referenced(block)
        seen = {
            (inst.ref, c)
            for inst in block.insts
            for c in inst.roles.filterable
            if self.pool.get(inst.table.name, c).null_fraction > 0.5
            or (all(inst is not r for r in repeated) and self._unique(inst.table.name, c, per_value=2))
        }
        picked: list[tuple[Inst, str]] = []
        for _ in range(t.group_by):
            got = (
                self._pick(rng, block, "categories", seen)
                or self._pick(rng, block, "labels", seen)
                or self._foreign_key_column(rng, block, seen)
                or self._repeating_column(rng, block, seen)
            )
            if got is None:
                raise Skip
            inst, c = got
            picked.append(got)
            seen.add((inst.ref, c))
            if t.group_by > 1:  # a second column of the same rows: "each semester and year"
                seen |= _columns_of_others(block, inst)
            col: exp.Expression = block.col(inst, c)
            lt = inst.table.column(c).logical_type
            if t.functions and lt in (LogicalType.DATE, LogicalType.DATETIME):
                col = self._function(rng, inst, c, block.col(inst, c))
            out.append(col)
        if len(picked) > 1 and _keys_a_row(self.schema, picked[0][0].table, {c for _, c in picked}):
            raise Skip  # every group one row: "for each employee and aircraft" of certificates
        if t.functions and not any(isinstance(o, exp.Func) for o in out):
            # of the same rows as the first column when there are two
            others = _columns_of_others(block, picked[0][0]) if len(picked) > 1 else None
            got = self._pick(rng, block, "temporals", others)
            if got is not None and len(out) < t.group_by + 1 and rng.random() < 0.5:
                inst, c = got
                out[-1] = self._function(rng, inst, c, block.col(inst, c))
        return out

    def _foreign_key_column(
        self, rng: random.Random, block: Block, exclude: set[tuple[str, str]]
    ) -> tuple[Inst, str] | None:
        """A column referring to another table, whose values repeat: "for each product id"."""
        refs = [
            (inst, fk.source_columns[0])
            for inst in block.insts
            for fk in self.schema.foreign_keys_of(inst.table.name)
            if len(fk.source_columns) == 1
        ]
        options = [
            (inst, c)
            for inst, c in refs
            if (inst.ref, c) not in exclude
            and c in inst.roles.filterable
            and not self._unique(inst.table.name, c, per_value=2)
        ]
        return rng.choice(options) if options else None

    def _repeating_column(
        self, rng: random.Random, block: Block, exclude: set[tuple[str, str]]
    ) -> tuple[Inst, str] | None:
        """A whole-number, text or date column whose values repeat (three rows or more per value):
        "for each classroom" when the table has no category or name to group by."""
        kinds = (LogicalType.TEXT, LogicalType.DATE)

        def groups(inst: Inst, c: str) -> bool:
            info = self.pool.get(inst.table.name, c)
            lt = inst.table.column(c).logical_type
            whole = lt.is_numeric and info.whole_numbers
            return (lt in kinds or whole) and info.distinct > 1 and not self._unique(inst.table.name, c, 3)

        options = [
            (inst, c)
            for inst in block.insts
            for c in inst.roles.filterable
            if (inst.ref, c) not in exclude and c not in inst.table.primary_key and groups(inst, c)
        ]
        return rng.choice(options) if options else None

    def _pins(self, inst: Inst, column: str, per_value: float) -> bool:
        """Beside other conditions, a condition on `column` would pin a row or `per_value`, so the
        others would be idle; not a name (first and last name of a person: the validator tries
        another name in their place)."""
        return column not in inst.roles.labels and self._unique(inst.table.name, column, per_value)

    def _names_a_row(self, inst: Inst, column: str) -> bool:
        """A name whose values (nearly) never repeat: `=` on it pins a row or two."""
        return column in inst.roles.labels and self._unique(inst.table.name, column, 2)

    def _unused_parent(self, expr: exp.Expression) -> tuple[exp.Select, exp.Table] | None:
        """A SELECT of `expr` and a table it joins that nothing but its join uses, by that table's
        key, at the end of a chain: "the average rank of results whose time is X" over `results
        JOIN drivers`. The join keeps every row that has a driver and the question never says so
        (Spider: 24 of its 578 joined queries, ours were 1 in 4). A table joined as the many side
        (tracks of an album, counted or averaged over) or between two others is used by its join."""
        for select in expr.find_all(exp.Select):
            for source, keys in unused_leaves(select):
                if self.schema.has_table(source.name) and self._is_key(self.schema.table(source.name), keys):
                    return select, source
        return None

    def _is_key(self, table: Table, columns: set[str]) -> bool:
        """`columns` are a key of `table`: its whole declared primary key, or one column that
        `_one_column_key` finds a key."""
        if len(table.primary_key) > 1:
            return columns == set(table.primary_key)
        return len(columns) == 1 and self._one_column_key(table, next(iter(columns)))

    def _one_column_key(self, table: Table, name: str) -> bool:
        """The column is declared the primary key or unique, and is unique in the data too (Spider
        declares only the first column of a composite key)."""
        declared = table.primary_key == [name] or (table.has_column(name) and table.column(name).unique)
        return declared and self._unique(table.name, name)

    def _shows_own_key(self, block: Block, items: list[exp.Expression]) -> bool:
        """A single table's SELECT shows a key of it (all its columns, or a `_one_column_key`):
        every row is distinct already."""
        if len(block.insts) != 1:
            return False
        table = block.insts[0].table
        if table.primary_key and any(isinstance(i, exp.Star) for i in items):
            return True  # "all details of products"
        return any(isinstance(i, exp.Column) and self._one_column_key(table, i.name) for i in items)

    def _unique(self, table: str, column: str, per_value: float = 1) -> bool:
        """At most `per_value` rows share a value, on average (1: every row holds its own value, a
        key or names that never repeat)."""
        rows = self.pool.row_counts.get(table, 0)
        distinct = self.pool.get(table, column).distinct
        return rows > 1 and distinct > 0 and rows <= per_value * distinct

    def _aggregate(self, rng: random.Random, block: Block) -> exp.Expression:
        kind = rng.choice(("count", "count", "sum", "avg", "minmax", "count_distinct"))
        if kind in ("sum", "avg"):
            got = self._pick(rng, block, "measures")
            if got is not None:
                inst, c = got
                return (exp.Sum if kind == "sum" else exp.Avg)(this=block.col(inst, c))
        if kind == "minmax":
            got = self._pick(rng, block, "measures") or self._pick(rng, block, "temporals")
            if got is not None:
                inst, c = got
                return rng.choice((exp.Min, exp.Max))(this=block.col(inst, c))
        if kind == "count_distinct":
            got = self._pick(rng, block, "labels")
            if got is not None:
                inst, c = got
                return exp.Count(this=exp.Distinct(expressions=[block.col(inst, c)]))
        return exp.Count(this=exp.Star())

    def _one_measure(self, rng: random.Random, block: Block, k: int) -> list[exp.Expression]:
        """Mostly (8 in 10), `k` aggregates of one row set are k views of one measure, as 24 of
        Spider's 28 are: "the longest and the shortest track", "the smallest, average and
        largest distance"; else (or with no measure) none."""
        views = (exp.Min, exp.Max, exp.Avg, exp.Sum)
        got = self._pick(rng, block, "measures") if k <= len(views) and rng.random() < 0.8 else None
        if got is None:
            return []
        col = block.col(*got)
        orders = VIEW_ORDERS.get(k)
        if orders and rng.random() < 0.7:  # in the order people list them: "the longest and the shortest"
            fns = rng.choices(list(orders), weights=list(orders.values()))[0]
        else:
            fns = tuple(rng.sample(views, k))
        return [fn(this=col.copy()) for fn in fns]

    def _case_item(self, rng: random.Random, block: Block) -> exp.Expression:
        got = self._pick(rng, block, "measures")
        if got is None:
            raise Skip
        inst, c = got
        vals = [v for v in self.pool.values(inst.table.name, c) if isinstance(v, (int, float))]
        if not vals:
            raise Skip
        pivot = sorted(vals)[len(vals) // 2]
        col = block.col(inst, c)
        case = exp.Case(
            ifs=[exp.If(this=exp.GT(this=col, expression=number(pivot)), true=exp.Literal.string("high"))],
            default=exp.Literal.string("low"),
        )
        return exp.alias_(case, f"{c}_level", quoted=True)

    def _window_item(self, rng: random.Random, block: Block) -> exp.Expression:
        measure_ = self._pick(rng, block, "measures")
        part = self._pick(rng, block, "categories")
        if measure_ is None:
            raise Skip
        m_inst, m = measure_
        order = exp.Order(expressions=[exp.Ordered(this=block.col(m_inst, m), desc=True, nulls_first=False)])
        partition = [block.col(*part)] if part else []
        if rng.random() < 0.6:
            fn: exp.Expression = exp.Anonymous(this="RANK", expressions=[])
            win = exp.Window(this=fn, partition_by=partition, order=order)
            return exp.alias_(win, "rank", quoted=True)
        win = exp.Window(this=exp.Sum(this=block.col(m_inst, m)), partition_by=partition or None)
        return exp.alias_(win, f"total_{m}", quoted=True)

    # -- WHERE -------------------------------------------------------------------------------
    def _idle_ends(self, block: Block, shown: set[str]) -> list[Inst]:
        """The tables at an end of the block's chain that it joins by their key and the SELECT does
        not show: unless a condition asks about one, the query is drawn again (`_unused_parent`)."""
        ends, links = [], block.links()
        for inst in block.insts[1:]:
            own = [(source, target) for source, target, _, _ in links if inst in (source, target)]
            if inst.ref not in shown and len(own) == 1 and own[0][1] is inst:
                ends.append(inst)  # joined once, as the table referred to
        return ends

    def _where(
        self, rng: random.Random, block: Block, n: int, subqueries: int, prefer: list[Inst] | None = None
    ) -> exp.Expression | None:
        """`n` conditions (`subqueries` of them nested) on the block's tables: on one of `prefer`
        when given ("the tracks of Rock albums" over tracks JOIN albums JOIN genres)."""
        preds: list[exp.Expression] = []
        for _ in range(subqueries):
            preds.append(self._subquery_predicate(rng, block))
        anchors = {id(i): row for i in block.insts if (row := self._anchor(rng, block, i)) is not None}
        plain = max(0, n - len(preds))
        # several conditions: each on its own column, none on a column that pins one row (the
        # others would be idle: the anchored row matches them all)
        several = Several(loose=bool(preds)) if plain + len(preds) > 1 else None
        # mostly on one table: the anchor rows of two joined tables need not join ("the first and
        # last name of a customer", not a customer's name and some unrelated invoice's date)
        inst = rng.choice(block.insts) if plain > 1 and len(block.insts) > 1 and rng.random() < 0.7 else None
        if prefer and plain:
            inst = rng.choice(prefer)
        if plain > 1 and (named := self._full_name(rng, block, inst, anchors, several)):
            preds += named
            plain -= len(named)
        for _ in range(plain):
            preds.append(self._predicate(rng, block, inst, anchors=anchors, several=several))
        if not preds:
            return None
        if len(preds) >= 2 and self.spec.allow_or and rng.random() < 0.2:
            # Spider's ORs are mostly two values of one column (22 of 34): "Rock or Jazz tracks";
            # a range OR-ed with anything usually holds for nearly every row
            i = rng.randrange(len(preds) - 1)
            pair = preds[i : i + 2]
            if all(isinstance(p, exp.EQ) for p in pair) and (either := self._either(rng, block, pair[0])):
                preds[i : i + 2] = [either]
        if (
            self.spec.allow_not
            and len(preds) == 1
            and rng.random() < 0.05
            and not isinstance(preds[0], (exp.Not, exp.NEQ))  # no "NOT (NOT x IN ...)", "NOT (x <> 1)"
            and not preds[0].find(exp.Subquery, exp.Exists)  # "not below the average": none of Spider's
            and not _outside_range(preds[0])  # not outside a range is a BETWEEN said the long way
        ):
            # one condition only: beside others, NOT would exclude the row they are all drawn from
            preds[0] = exp.Not(this=exp.Paren(this=preds[0]))
        return exp.and_(*preds) if len(preds) > 1 else preds[0]

    def _either(self, rng: random.Random, block: Block, eq: exp.EQ) -> exp.Expression | None:
        """`eq` (column = value) OR the column = another of its sampled values; None if it has none."""
        col, lit = eq.this, eq.expression
        if not isinstance(col, exp.Column) or not isinstance(lit, exp.Literal):
            return None
        inst = _inst_of(block, col)
        if inst is None:
            return None
        lt = inst.table.column(col.name).logical_type
        others = [
            x for v in self.pool.values(inst.table.name, col.name)[:8] if (x := literal(v, lt)) and x != lit
        ]
        if not others:
            return None
        return exp.Paren(this=exp.or_(eq, exp.EQ(this=col.copy(), expression=rng.choice(others))))

    def _full_name(
        self,
        rng: random.Random,
        block: Block,
        inst: Inst | None,
        anchors: dict[int, dict[str, Any]],
        several: Several | None,
    ) -> list[exp.Expression]:
        """Two conditions that name a person of the anchor row by first and last name, "the
        customers of Steve Johnson" (FULL_NAME of the time, on `inst` or any table of the block
        with both names); else none."""
        if "=" not in self.spec.operators:
            return []
        options = [
            i
            for i in ([inst] if inst else block.insts)
            if i.roles.full_name and all(anchors.get(id(i), {}).get(c) is not None for c in i.roles.full_name)
        ]
        if not options or rng.random() >= FULL_NAME:
            return []
        i = rng.choice(options)
        names, row = i.roles.full_name or (), anchors[id(i)]
        if several is not None:
            for c in names:
                several.taken.add((i.ref, c))
                several.note("=", LogicalType.TEXT, self._names_a_row(i, c))
        return [exp.EQ(this=block.col(i, c), expression=exp.Literal.string(str(row[c]))) for c in names]

    def _predicate(
        self,
        rng: random.Random,
        block: Block,
        inst: Inst | None = None,
        anchors: dict[int, dict[str, Any]] | None = None,
        several: Several | None = None,
    ) -> exp.Expression:
        """One condition on a column of `inst` (else of any table of the block). One of `several`
        is not on a column conditioned already nor on a unique one, and not idle beside the
        others (see `Several`); it holds on the anchor row of its table."""
        # not on an id the block joins on: "media types of tracks whose media type id is 1" (none of
        # Spider's 578 joined gold queries does it; a joined table is asked about by its names). A
        # natural key stays: "students of the teachers in classroom 103"
        joined = {(i.ref, c) for i, c in _join_columns(block) if c in i.roles.ids}
        options = [
            (i, c)
            for i in ([inst] if inst else block.insts)
            for c in i.roles.filterable
            if (i.ref, c) not in joined
            and (c not in i.table.primary_key or rng.random() < 0.1)
            and (c in i.table.primary_key or c not in i.roles.ids or rng.random() < ID_CONDITIONS)
            and (several is None or (several.admits(i, c) and not self._pins(i, c, 1)))
        ]
        if not options:
            raise Skip
        i, c = rng.choice(options)
        if several is not None:
            several.taken.add((i.ref, c))
        column = i.table.column(c)
        info = self.pool.get(i.table.name, c)
        col = block.col(i, c)
        lt = column.logical_type
        if lt.is_dated and not reads_as_dates(lt, info):
            lt = LogicalType.TEXT  # "04/12/2005 09:30": text, whose order is not the dates' order
        ops = self._operators(lt, info.null_fraction > 0, len(info.values), c in i.roles.ids)
        if column.logical_type is LogicalType.TEXT and info.long_text:
            ops = [o for o in ops if o in ("like", "is_null")]  # nobody types a paragraph to match
        names_a_row = several is not None and self._names_a_row(i, c)
        if several is not None:
            ops = several.operators(ops, self._pins(i, c, 2), names_a_row)
        if not ops:
            raise Skip
        op = _weighted(rng, ops, OPERATOR_WEIGHTS)
        if several is not None:
            several.note(op, column.logical_type, names_a_row)
        row = anchors.get(id(i)) if anchors is not None else None
        if row is not None and row.get(c) is None and several is None:
            # alone, a condition may take another row, one that has a value there
            rows = [r for r in self._anchor_rows(block, i) if r.get(c) is not None]
            row = rng.choice(rows) if rows else None
        if row is not None and row.get(c) is not None and op in ("=", "<=", ">=", "in"):
            # the values of one real row: several conditions on a table still match that row
            anchored = literal(row[c], column.logical_type)
            if anchored is not None and op != "in":
                cls = {"=": exp.EQ, "<=": exp.LTE, ">=": exp.GTE}[op]
                return cls(this=col, expression=anchored)
        else:
            anchored = None
        # one of several conditions: it holds on the anchor row too, or together they would
        # often match nothing (the others are anchored there)
        held = row is not None and several is not None
        if op == "is_null":
            null = row.get(c) is None if held else rng.random() < 0.5
            is_null = exp.Is(this=col, expression=exp.Null())
            return is_null if null else exp.Not(this=is_null)
        if held and row.get(c) is None:
            raise Skip  # a NULL there satisfies no comparison
        lt = column.logical_type
        values, inner = self._literal_values(i.table.name, c, lt)
        if held:
            values, inner = _holding(op, row[c], values), _holding(op, row[c], inner)
        if not values:
            raise Skip
        if op == "like":
            texts = [row[c]] if held else info.values
            return self._like(rng, col, [v for v in texts if isinstance(v, str)])
        if op == "in":  # a list of fewer values than the column holds: all of them would be idle
            k = min(len(values), rng.choice((2, 3)), info.distinct - 1)
            picked = [literal(v, lt) for v in rng.sample(values, k)]
            if anchored is not None and anchored not in picked:
                picked[0] = anchored
            if len(picked) == 2 and self.spec.allow_or and rng.random() < 0.8:
                # as people write it ("in the UK or Malaysia"): Spider has ORs, not IN lists
                eqs = [exp.EQ(this=col.copy(), expression=v) for v in picked]
                return exp.Paren(this=exp.or_(*eqs))
            return exp.In(this=col, expressions=picked)
        if op == "between":
            if held:  # around the anchor's value
                below, above = _holding(">=", row[c], values), _holding("<=", row[c], values)
                lo, hi = (rng.choice(below), rng.choice(above)) if below and above else (None, None)
                if lo == hi:
                    raise Skip
            else:
                lo, hi = sorted(rng.sample(info.values, 2), key=sort_key)
                if len(inner) >= 2 and self._outside(rng):
                    # "products priced below 600 or above 900": both ends inside the values seen
                    lo, hi = sorted(rng.sample(inner, 2), key=sort_key)
                    below = exp.LT(this=col, expression=literal(lo, lt))
                    return exp.Paren(this=exp.or_(below, exp.GT(this=col.copy(), expression=literal(hi, lt))))
            return exp.Between(this=col, low=literal(lo, lt), high=literal(hi, lt))
        if op in ("<", ">", "<=", ">=") and len(info.values) > 2:
            # not the smallest or largest value seen: one side of it would be empty or everything
            values = inner or values
        cls = {"=": exp.EQ, "<>": exp.NEQ, "<": exp.LT, ">": exp.GT, "<=": exp.LTE, ">=": exp.GTE}[op]
        return cls(this=col, expression=literal(rng.choice(values), lt))

    def _outside(self, rng: random.Random) -> bool:
        """Whether a range condition asks for the values outside it instead (OUTSIDE_RANGE of
        the time, where the spec allows OR, < and >)."""
        ops = self.spec.operators
        return self.spec.allow_or and "<" in ops and ">" in ops and rng.random() < OUTSIDE_RANGE

    def _literal_values(self, table: str, column: str, lt: LogicalType) -> tuple[list[Any], list[Any]]:
        """The column's sampled values that make a literal of its type, and those of them but the
        smallest and the largest, in sorted order; worked out once per column (a predicate then
        builds the one literal it uses, not one per sampled value)."""
        key = (table, column)
        hit = self._values_cache.get(key)
        if hit is None:
            raw = self.pool.get(table, column).values
            inner = sorted(raw, key=sort_key)[1:-1]
            hit = self._values_cache[key] = (
                [v for v in raw if literal(v, lt) is not None],
                [v for v in inner if literal(v, lt) is not None],
            )
        return hit

    def _anchor(self, rng: random.Random, block: Block, inst: Inst) -> dict[str, Any] | None:
        """A real row of `inst`'s table that conditions on it are drawn from."""
        rows = self._anchor_rows(block, inst)
        return rng.choice(rows) if rows else None

    def _anchor_rows(self, block: Block, inst: Inst) -> list[dict[str, Any]]:
        """The sampled rows of `inst`'s table that the join keeps: those that the rows joined to
        it refer to ("the albums of Metallica": an artist with albums), with a value in each key
        it refers to others by."""
        referenced: tuple[str, str] | None = None  # (referring table, column) of the first join to it
        refers: list[str] = []
        for source, target, fk, _ in block.links():
            if target is inst and referenced is None and len(fk.source_columns) == 1:
                referenced = (fk.source_table, fk.source_columns[0])
            if source is inst:
                refers.extend(fk.source_columns)
        key = (inst.table.name, referenced, tuple(refers))
        hit = self._anchor_cache.get(key)
        if hit is None:
            hit = []
            for candidates in (self.pool.referenced.get(referenced), self.pool.rows.get(inst.table.name)):
                hit = [r for r in candidates or [] if all(r.get(c) is not None for c in refers)]
                if hit:
                    break
            self._anchor_cache[key] = hit
        return hit

    def _operators(self, lt: LogicalType, has_nulls: bool, n_values: int, an_id: bool = False) -> list[str]:
        """The operators a condition on such a column may take. An id names a row and is no amount
        or text: `=` or IN only ("track id above 18": 2 of Spider's 1,356 gold queries)."""
        allowed = set(self.spec.operators)
        if lt is LogicalType.BOOLEAN:
            ops = ["="]
        elif lt is LogicalType.TEXT:
            ops = ["=", "<>", "like", "in"]
        elif lt.is_numeric or lt.is_temporal:
            ops = ["=", "<>", "<", ">", "<=", ">=", "in", "between"]
        else:
            ops = ["="]
        if n_values < 2:
            ops = [o for o in ops if o != "between"]
        if n_values < 3:  # IN of two values of a two-valued column holds everywhere
            ops = [o for o in ops if o != "in"]
        if n_values < 1:
            ops = []
        if an_id:
            ops = [o for o in ops if o in ("=", "in")]
        if has_nulls:
            ops.append("is_null")
        return [o for o in ops if o in allowed]

    def _like(self, rng: random.Random, col: exp.Column, values: list[str]) -> exp.Expression:
        pattern = like_pattern(rng, values)
        if pattern is None:
            raise Skip
        # "whose first name does not contain M": `a NOT LIKE b`, as people write it and sqlglot reads it
        negate = self.spec.allow_not and rng.random() < NOT_LIKE_SHARE
        return exp.Like(this=col, expression=exp.Literal.string(pattern), negate=negate or None)

    def _subquery_predicate(self, rng: random.Random, block: Block) -> exp.Expression:
        # IN / NOT IN / EXISTS / NOT EXISTS through a foreign key to a table outside FROM.
        options: list[tuple[Inst, ForeignKey, bool]] = []
        joined = {i.table.name for i in block.insts}  # the join already says it: "albums of tracks"
        for inst in block.insts:
            for fk in self.schema.foreign_keys:
                if len(fk.source_columns) != 1:
                    continue
                self_ref = fk.source_table == fk.target_table  # "employees who manage nobody"
                if fk.target_table == inst.table.name and (self_ref or fk.source_table not in joined):
                    options.append((inst, fk, True))  # child rows reference this instance
                if fk.source_table == inst.table.name and (self_ref or fk.target_table not in joined):
                    options.append((inst, fk, False))  # this instance references a parent
        # only the kinds this block can make (a scalar comparison needs a measure), so that a table
        # without foreign keys still gets "above the average" instead of a wasted attempt
        has_measure = any(inst.roles.measures for inst in block.insts)
        kinds = [
            k
            for k in self.spec.subquery_kinds
            if k != "from" and (has_measure if k == "scalar" else bool(options))
        ]
        if not kinds:
            raise Skip
        if block.nested in kinds:
            kind, block.nested = block.nested, None
        else:
            kind = _nested_kind(rng, kinds)
        if kind == "scalar":
            if rng.random() < PINNED_SCALAR and (pinned := self._pinned_scalar(rng, block)) is not None:
                return pinned
            got = self._pick(rng, block, "measures")
            if got is None:
                raise Skip
            inst, c = got
            fn = rng.choice((exp.Avg, exp.Avg, exp.Max, exp.Min))
            inner = exp.select(fn(this=exp.column(c, quoted=True))).from_(_table_named(inst.table.name))
            block.used.add((inst.table.name, c))
            toward = exp.LT if fn is exp.Max else exp.GT  # "below the highest": all but the top rows
            if fn is exp.Avg:
                cls = exp.GT if rng.random() < ABOVE_AVERAGE else exp.LT  # "longer than the average"
                filtered = rng.random() < FILTERED_AVERAGE  # "below the average of Physics teachers"
            elif rng.random() < FILTERED_EXTREME:
                filtered = True  # "above the highest of those in Y", or "above the lowest of them"
                cls = (exp.GT if fn is exp.Max else exp.LT) if rng.random() < BEYOND_EXTREME else toward
            else:  # of all rows: within ("below the highest"), or at it ("the most expensive")
                filtered, cls = False, rng.choice((toward, toward, exp.EQ))
            if filtered:
                own = Block([Inst(inst.table, None, inst.roles)])
                inner = inner.where(self._predicate(rng, own), copy=False)
                block.used |= own.used
            return cls(this=block.col(inst, c), expression=exp.Subquery(this=inner))
        inst, fk, inst_is_parent = rng.choice(options)
        other = self.schema.table(fk.source_table if inst_is_parent else fk.target_table)
        other_col = fk.source_columns[0] if inst_is_parent else fk.target_columns[0]
        own_col = fk.target_columns[0] if inst_is_parent else fk.source_columns[0]
        inner_inst = Inst(other, "S1", self.roles[other.name])
        inner_block = Block([inner_inst], qualify=False)
        if kind in ("in", "not_in") and inst_is_parent and rng.random() < BRIDGED_IN:
            return self._bridged_in(rng, block, inst, fk, kind)
        # every row's key has its parent: against the parents, only some of them say something
        some = not inst_is_parent or rng.random() < 0.5
        inner_pred = self._predicate(rng, inner_block) if some else None
        block.used.update(inner_block.used | {(other.name, other_col)})
        if kind in ("in", "not_in"):
            nullable = other.column(other_col).nullable and other_col not in other.primary_key
            if (
                nullable
                and not self.pool.get(other.name, other_col).null_fraction
                and self.pool.values(other.name, other_col)
            ):
                nullable = False  # declared nullable, but the data holds no NULL there
            if kind == "not_in" and nullable:
                raise Skip
            inner = exp.select(exp.column(other_col, quoted=True)).from_(_table_named(other.name))
            if inner_pred is not None:
                inner = inner.where(inner_pred)
            sub = exp.In(this=block.col(inst, own_col), query=exp.Subquery(this=inner))
            sub = _text_key(sub, inst.table.column(own_col), other.column(other_col))
            return exp.Not(this=sub) if kind == "not_in" else sub
        # EXISTS: correlated on the key; the outer side must be qualified.
        block.qualify = True
        if inst.alias is None:
            inst.alias = inst.table.name
        correl = exp.EQ(this=exp.column(other_col, table="S1", quoted=True), expression=inst.col(own_col))
        correl = _text_key(correl, other.column(other_col), inst.table.column(own_col))
        block.used.add((inst.table.name, own_col))
        cond = exp.and_(correl, _requalify(inner_pred, "S1")) if inner_pred is not None else correl
        inner = exp.select(exp.Literal.number(1)).from_(_table(inner_inst)).where(cond)
        sub = exp.Exists(this=inner)
        return exp.Not(this=sub) if kind == "not_exists" else sub

    def _pinned_scalar(self, rng: random.Random, block: Block) -> exp.Expression | None:
        """A comparison with a value of one row, named by a name that no other row has (or by its
        key): "employees paid more than employee 163", "employees in the same department as
        Clara" (`department_id = (SELECT department_id FROM employees WHERE first_name = 'Clara')`),
        "employees whose manager is Payam" (through a foreign key, to the key of the row it
        names; see PINNED_SCALAR). None if the block has no such column or no sampled row can be
        named."""
        options: list[tuple[Inst, str, Table, str, tuple[type[exp.Binary], ...]]] = []
        for inst in block.insts:
            own = inst.table
            options += [(inst, c, own, c, (exp.GT, exp.LT)) for c in inst.roles.measures]
            # "in the same department as": a category, or a key it refers to others by
            same = [c for c in inst.roles.categories if c not in inst.table.primary_key]
            for fk in self.schema.foreign_keys_of(own.name):
                if len(fk.source_columns) == 1:
                    same.append(fk.source_columns[0])
                    target = self.schema.table(fk.target_table)
                    options.append((inst, fk.source_columns[0], target, fk.target_columns[0], (exp.EQ,)))
            options += [(inst, c, own, c, (exp.EQ,)) for c in dict.fromkeys(same)]
        rng.shuffle(options)
        for inst, outer_col, table, inner_col, ops in options[:4]:
            named = self._named_row(rng, table, inner_col)
            if named is None:
                continue
            pin, value = named
            inner = exp.select(exp.column(inner_col, quoted=True)).from_(_table_named(table.name))
            inner = inner.where(exp.EQ(this=exp.column(pin, quoted=True), expression=value), copy=False)
            block.used |= {(inst.table.name, outer_col), (table.name, inner_col), (table.name, pin)}
            return rng.choice(ops)(this=block.col(inst, outer_col), expression=exp.Subquery(this=inner))
        return None

    def _named_row(self, rng: random.Random, table: Table, needed: str) -> tuple[str, exp.Expression] | None:
        """(column, value) naming one sampled row of `table` that has a value in `needed`: a name
        that row alone holds (three times in four when there is one), else its one-column key."""
        rows = [r for r in self.pool.rows.get(table.name, []) if r.get(needed) is not None]
        if not rows:
            return None
        roles = self.roles[table.name]
        pins = [c for c in roles.labels if c in roles.filterable and c != needed]
        key = table.primary_key[0] if len(table.primary_key) == 1 and table.primary_key[0] != needed else None
        if key is not None and not self._unique(table.name, key):
            key = None  # a key declared but not kept (a DDL file's, a warehouse's): not a row's name
        if key is not None and (not pins or rng.random() < 0.25):
            pins = [key]
        for c in rng.sample(pins, len(pins)):
            lt = table.column(c).logical_type
            alone = [
                r for r in rows if r.get(c) is not None and (c == key or self._held_once(table.name, c, r[c]))
            ]
            if alone and (value := literal(rng.choice(alone)[c], lt)) is not None:
                return c, value
        return None

    def _held_once(self, table: str, column: str, value: Any) -> bool:
        """Whether one row only holds `value` in `column`, by the value profile (its values, most
        frequent first, with their counts: when it lists only the commonest, one not listed is
        held by at most as many rows as the last one listed)."""
        info = self.pool.get(table, column)
        if not info.counts:
            return False
        try:
            return info.counts[info.values.index(value)] == 1
        except ValueError:  # not listed: rarer than those listed, if the list is cut
            return info.distinct > len(info.values) and info.counts[-1] == 1

    def _other_parents(self, child: Table, via: ForeignKey) -> list[tuple[ForeignKey, Table]]:
        """The tables `child` refers to by a foreign key other than `via`, but itself, each with
        that key: the other ends of a bridge table ("the courses a student took"), maybe the table
        `via` leads to ("the prerequisites of a course": prereq refers to course twice)."""
        return [
            (fk, other)
            for fk, other in self.adjacent[child.name]
            if fk.source_table == child.name and fk != via and other.name != child.name
        ]

    def _bridged_in(
        self, rng: random.Random, block: Block, inst: Inst, fk: ForeignKey, kind: str
    ) -> exp.Expression:
        """`inst`'s key [NOT] IN the keys of the rows referring to it whose other parent passes a
        condition: "students who took no Biology course", `id NOT IN (SELECT T1.id FROM takes AS T1
        JOIN course AS T2 ON ... WHERE T2.dept_name = 'Biology')` (Spider's many-to-many nesting)."""
        child = self.schema.table(fk.source_table)
        far = self._other_parents(child, fk)
        if not far:
            raise Skip
        fk2, other = rng.choice(far)
        near, third = Inst(child, "S1", self.roles[child.name]), Inst(other, "S2", self.roles[other.name])
        inner_block = Block([near, third], qualify=True)
        inner_block.joins.append((near, fk2, "inner"))
        pred = self._predicate(rng, inner_block, third)
        inner = self._from(inner_block, exp.select(inner_block.col(near, fk.source_columns[0])))
        inner = inner.where(pred, copy=False)
        block.used.update(inner_block.used)
        key = fk.source_columns[0]
        info = self.pool.get(child.name, key)
        if kind == "not_in" and child.column(key).nullable and (info.null_fraction or not info.values):
            raise Skip  # NOT IN a list holding NULL is never true
        sub = exp.In(this=block.col(inst, fk.target_columns[0]), query=exp.Subquery(this=inner))
        sub = _text_key(sub, inst.table.column(fk.target_columns[0]), child.column(key))
        return exp.Not(this=sub) if kind == "not_in" else sub

    def _group_sizes(
        self, block: Block, group_cols: list[exp.Expression]
    ) -> tuple[list[tuple[int, bool]], bool] | None:
        """The sizes of the groups of an unfiltered grouping by one column, largest first, each
        with whether it is the group of NULLs, when the value profile holds them, and whether they
        are all there (else the largest few): a column of one table; over one inner join, the
        foreign key (or the key it refers to, or a column unique there), whose values' rows are the
        groups' rows, or a column of the referring table when every row of it has a key (each
        joins one row)."""
        if len(group_cols) != 1 or not isinstance(group_cols[0], exp.Column):
            return None
        col = group_cols[0]
        null_group = True  # the rows without a value in the column form a group of their own
        if len(block.insts) == 1:
            table, column = block.insts[0].table.name, col.name
        elif len(block.insts) == 2 and block.joins[0][2] == "inner":
            parent, fk, _ = block.joins[0]
            if len(fk.source_columns) != 1:
                return None
            source, target = _fk_ends(parent, fk, block.insts[1])
            key = fk.source_columns[0]
            ends = {(source.ref, key), (target.ref, fk.target_columns[0])}
            unique = col.table == target.ref and self._unique(target.table.name, col.name)
            if (col.table, col.name) in ends or unique:
                table, column, null_group = source.table.name, key, False  # rows without a key: no join
            elif col.table == source.ref and not self.pool.get(source.table.name, key).null_fraction:
                table, column = source.table.name, col.name  # each referring row joins once
            else:
                return None
        else:
            return None
        info = self.pool.get(table, column)
        if not info.counts:
            return None
        sizes = [(n, False) for n in info.counts]
        if info.null_fraction and null_group:
            sizes.append((round(info.null_fraction * self.pool.row_counts.get(table, 0)), True))
            sizes.sort(key=lambda size: -size[0])
        return sizes, info.distinct <= len(info.counts)

    def _group_size(self, block: Block, group_cols: list[exp.Expression], keyed: bool) -> float | None:
        """Rows per group, from the value profile, of an unfiltered query: over one table grouped
        by plain columns, or over one join grouped by the referenced row (its rows per parent);
        else None."""
        if keyed and len(block.insts) == 2:
            child, parent = _fk_ends(*block.joins[0][:2], block.insts[1])
            rows = self.pool.row_counts.get(child.table.name, 0)
            parents = self.pool.row_counts.get(parent.table.name, 0)
            return rows / parents if rows and parents else None
        if len(block.insts) != 1 or not all(isinstance(c, exp.Column) for c in group_cols):
            return None
        table = block.insts[0].table.name
        groups = 1
        for c in group_cols:
            groups *= max(1, self.pool.get(table, c.name).distinct)
        rows = self.pool.row_counts.get(table, 0)
        return rows / min(groups, rows) if rows else None

    def _having(
        self,
        rng: random.Random,
        block: Block,
        size: float | None = None,
        filtered: bool = False,
        sizes: tuple[list[tuple[int, bool]], bool] | None = None,
    ) -> exp.Expression:
        """A HAVING on the groups: their average measure above the median value, or their size:
        a count that some groups pass and some do not when all their `sizes` are known (see
        `_group_sizes`), else near `size`, the rows per group if known; more than one row when a
        WHERE thins them."""
        got = self._pick(rng, block, "measures")
        if got is not None and rng.random() < 0.2:  # Spider: 12 of 94 HAVINGs are on an average
            inst, c = got
            vals = sorted(v for v in self.pool.values(inst.table.name, c) if isinstance(v, (int, float)))
            if vals:
                pivot = vals[len(vals) // 2]
                return exp.GT(this=exp.Avg(this=block.col(inst, c)), expression=number(pivot))
        # "at most", "exactly" or "fewer than" a count: only when every group's size is known
        known = sorted({n for n, _ in sizes[0]}) if sizes is not None and sizes[1] else None
        ops = HAVING_OPS if known and len(known) > 1 else HAVING_OPS[:2]
        op = rng.choices(ops, cum_weights=_cumulative(HAVING_OP_WEIGHTS[: len(ops)]))[0]
        k = 1 if filtered and op is exp.GT else 2 if filtered else rng.choice(HAVING_COUNTS)
        if size is not None and size > 2 * max(HAVING_COUNTS):
            k = round(size)  # groups of ~40 rows: "at least 3" keeps them all; ask near their size
        if known:
            # a count some groups pass and some do not: > and <= below the largest size, >= and <
            # above the smallest, = any size (with another size beside it)
            splits = known if op is exp.EQ else known[:-1] if op in (exp.GT, exp.LTE) else known[1:]
            if splits and k not in splits:
                k = min(splits, key=lambda n: abs(n - k))
        return op(this=self._row_count(rng, block), expression=exp.Literal.number(k))

    def _row_count(self, rng: random.Random, block: Block) -> exp.Expression:
        """COUNT(*), or now and then (Spider: 14 of 82 HAVING counts) COUNT of a key that is never
        NULL, the same over inner joins: "albums with more than 10 tracks", `count(T1.id) > 10`."""
        if rng.random() >= 0.17 or any(kind != "inner" for _, _, kind in block.joins):
            return exp.Count(this=exp.Star())
        # the key of a table no other joined table refers to: one per joined row; a row others
        # refer to repeats once per referring row, and `COUNT(T2.id)` of the instructor of each
        # teaching reads "the number of instructors"
        pairs = zip(block.joins, block.insts[1:], strict=True)
        referred = {id(_fk_ends(parent, fk, new)[1]) for (parent, fk, _), new in pairs}
        keys = [
            (inst, inst.table.primary_key[0])
            for inst in block.insts
            if id(inst) not in referred
            and len(inst.table.primary_key) == 1
            and not self.pool.get(inst.table.name, inst.table.primary_key[0]).null_fraction
        ]
        if not keys:
            return exp.Count(this=exp.Star())
        return exp.Count(this=block.col(*rng.choice(keys)))

    # -- ORDER BY / LIMIT --------------------------------------------------------------------
    def _order(
        self,
        rng: random.Random,
        block: Block,
        query: exp.Select,
        t: Targets,
        aggs: list[exp.Expression],
        group_cols: list[exp.Expression],
    ) -> tuple[exp.Select, bool]:
        """ORDER BY (+ LIMIT); also whether the order is total on the visible rows (only then
        must engines agree on it). LIMIT requires a total order, DISTINCT keys from the select
        list (PostgreSQL's rule)."""
        if aggs and not group_cols:
            raise Skip  # one row: nothing to order or limit
        keys: list[exp.Expression] = []
        items = [i.this if isinstance(i, exp.Alias) else i for i in query.expressions]
        plain = [i for i in items if isinstance(i, exp.Column)]
        if aggs:
            keys.append(rng.choice(aggs).copy())
        elif query.args.get("distinct"):
            # not by an id: "the distinct course ids, from the highest course id" (Spider: 4 of
            # 1,356 gold queries order by an id, none by a table's own)
            named = [c for c in plain if not _is_id(block, c)]
            if not named:
                raise Skip
            keys.append(rng.choice(named).copy())
        else:
            got = (
                self._pick(rng, block, "measures")
                or self._pick(rng, block, "temporals")
                or self._pick(rng, block, "labels")
            )
            if got is None or got[1] in got[0].roles.ids:
                raise Skip  # a table without names is labelled by its key: no order to ask for
            keys.append(block.col(*got))
        limit = t.limit > 0
        desc = rng.random() < DESCENDING[(limit, bool(aggs))]
        ordered = [exp.Ordered(this=keys[0], desc=desc, nulls_first=not desc)]
        # top-k by one key, as people ask it; the validator rejects it if rows tie at the cut
        # one key and a LIMIT: a bare top-k (with tiebreakers it would take a second key)
        bare_top = limit and t.order_by == 1 and not query.args.get("distinct")
        by_size = bare_top and aggs and group_cols and rng.random() < 0.55  # Spider: 72% by COUNT(*)
        if by_size:
            # "which artist has the most albums": the groups ranked by their size, no aggregate shown
            keys[0] = exp.Count(this=exp.Star())
            ordered[0] = exp.Ordered(this=keys[0], desc=desc, nulls_first=not desc)
        if (limit and not bare_top) or t.order_by > 1:
            # Tiebreakers: the other plain select items, so LIMIT picks the same rows everywhere.
            for item in query.expressions:
                plain = item.this if isinstance(item, exp.Alias) else item
                if len(ordered) >= t.order_by:
                    break
                if isinstance(plain, (exp.AggFunc, exp.Star)) or plain.find(exp.Window) or plain == keys[0]:
                    continue  # (`ORDER BY x, *` is no SQL)
                ordered.append(exp.Ordered(this=plain.copy(), desc=False, nulls_first=True))
        sorted_by = [o.this for o in ordered]
        total = all(x in sorted_by for x in (group_cols or items))  # grouped rows are unique per group
        if limit and not total and not bare_top:
            raise Skip  # engines may keep different rows
        query = query.order_by(*ordered, copy=False)
        if limit:
            k = _top_k(rng)
            if bare_top and keys[0] == COUNT_STAR and not query.args.get("where"):
                # groups ranked by size: a k whose cut falls between two sizes (rows tied at the
                # cut would make the validator reject the query), with no group of NULLs above it
                sizes = self._group_sizes(block, group_cols)
                if sizes is not None and not sizes[1] and not desc:
                    desc = True  # only the largest groups are known: "the most" (Spider: 6 in 7)
                    ordered[0].set("desc", True)
                    ordered[0].set("nulls_first", False)
                cuts = _clean_cuts(sizes, desc)
                if not cuts:
                    raise Skip
                k = k if k in cuts else rng.choice(cuts)
            query = query.limit(k, copy=False)
            if by_size:
                query.set("expressions", [e for e in query.expressions if e not in aggs])
            elif (
                bare_top
                and aggs
                and group_cols
                and keys[0] in items
                and len(items) > 1
                and rng.random() < 0.5
            ):
                # "which category has the most products": the count orders, it is not shown
                query.set("expressions", [e for e in query.expressions if e != keys[0]])
        return query, total or bare_top

    # -- special shapes ----------------------------------------------------------------------
    def _set_operation(
        self, rng: random.Random, t: Targets
    ) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        table = rng.choice(self.usable)
        label = self.roles[table.name].label
        if label is None:
            raise Skip
        used: set[tuple[str, str]] = set()
        branches = []
        anti = [k for k in ("except", "intersect") if k in self.spec.set_op_kinds]
        children = [(fk, o) for fk, o in self.adjacent[table.name] if fk.target_table == table.name != o.name]
        keyed = [(fk, o) for fk, o in children if len(fk.source_columns) == 1]  # by a one-column key
        if anti and not t.joins and rng.random() < 0.35 and keyed:  # the draw made either way
            return self._key_set_operation(table, rng.choice(keyed), rng.choice(anti))
        if anti and t.joins and children and rng.random() < 0.35:
            # "artists without albums": the names, EXCEPT (or INTERSECT) those with a related row
            kind = rng.choice(anti)
            left = self._walk(rng, 0, start=table)
            q1 = self._from(left, exp.select(left.col(left.insts[0], label)))
            where = self._where(rng, left, t.conditions, 0)
            if where is None and kind == "intersect":
                raise Skip  # all the names INTERSECT those with a related row: just the latter
            q1 = q1.where(where) if where is not None else q1
            right = self._child_block(rng, table, children)
            # half the time "... EXCEPT those with an invoice over 20" (or "certified for a Boeing")
            related = self._related_condition(rng, right) if rng.random() < 0.5 else None
            q2 = self._from(right, exp.select(right.col(right.insts[0], label)))
            if related is not None:
                q2 = q2.where(related, copy=False)
            return _set_op(kind, q1, q2), left.used | right.used, False
        if t.joins and len(keyed) >= 2 and rng.random() < GROUPED_SET_OPS:
            return self._grouped_set_operation(rng, table, label, keyed)
        if rng.random() < TWIN_SET_OPS:
            return self._twin_set_operation(rng, t, table, label)
        n_left = max(1, t.conditions // 2)
        for n_cond in (n_left, max(1, t.conditions - n_left)):
            joins = rng.choice((0, 0, 1)) if t.joins else 0
            block = self._walk(rng, joins, start=table)
            first = block.insts[0]
            q = exp.select(block.col(first, label))
            where = self._where(rng, block, n_cond, 0)
            q = self._from(_inner_where_required(block, where), q)
            if where is not None:
                q = q.where(where)
            if _idle_outer_join(block, q):
                raise Skip
            used |= block.used
            branches.append(q)
        if branches[0] == branches[1]:
            raise Skip  # `q UNION q` is q, `q EXCEPT q` nothing
        kinds = self.spec.set_op_kinds
        kind = _weighted(rng, kinds, OTHER_KIND_WEIGHTS)
        return _set_op(kind, branches[0], branches[1]), used, False

    def _grouped_set_operation(
        self, rng: random.Random, table: Table, label: str, children: list[tuple[ForeignKey, Table]]
    ) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        """The rows of `table` past a HAVING on their rows in one table that refers to it, and on
        those in another: "drivers with more than 8 pit stops or more than 5 results", as UNION,
        INTERSECT or EXCEPT (Spider: 8 of its 100 set operations)."""
        if len(table.primary_key) != 1 or self.spec.group_by.max < 2 or self.spec.having.max < 2:
            raise Skip
        kinds = [k for k in self.spec.set_op_kinds if k in GROUPED_KIND_WEIGHTS]
        if not kinds:
            raise Skip
        kind = _weighted(rng, kinds, GROUPED_KIND_WEIGHTS)
        shown = [label]
        if label != table.primary_key[0] and rng.random() < 0.4:
            shown.append(table.primary_key[0])  # "... their first names, last names and ids"
        branches, used = [], set()
        for pick in rng.sample(children, 2):
            block = self._child_block(rng, table, [pick])
            parent = block.insts[0]
            key = block.col(parent, table.primary_key[0])
            sizes = self._group_sizes(block, [key])
            having = self._having(rng, block, self._group_size(block, [key], True), sizes=sizes)
            if not isinstance(having.this, exp.Count):
                raise Skip  # an average over the rows of two other tables: not what people ask
            q = self._from(block, exp.select(*[block.col(parent, c) for c in shown]))
            q = q.group_by(key, copy=False).having(having, copy=False)
            q.meta[KEYED_GROUP] = True  # grouped by the key, showing its row's columns
            branches.append(q)
            used |= block.used
        query = _set_op(kind, branches[0], branches[1])
        query.meta[KEYED_GROUP] = True
        return query, used, False

    def _related_condition(self, rng: random.Random, block: Block) -> exp.Expression:
        """A condition on the child rows of a `_child_block`, or half the time on a row they
        refer to, joined as a third table: "employees certified for a Boeing 737"."""
        child = block.insts[1]
        far = self._other_parents(child.table, block.joins[0][1])
        if far and rng.random() < 0.5:
            fk, other = rng.choice(far)
            block.insts.append(Inst(other, "T3", self.roles[other.name]))
            block.joins.append((child, fk, "inner"))
        return self._predicate(rng, block, block.insts[-1])

    def _twin_set_operation(
        self, rng: random.Random, t: Targets, table: Table, label: str
    ) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        """One question asked of two values: the same SELECT under `c = x` and under `c = y` (or
        of two columns, "in Fall 2009" and "in Spring 2010"), as INTERSECT ("albums with both
        Reggae and Rock tracks"), EXCEPT ("... Reggae but no Rock tracks") or UNION. 60 of
        Spider's 96 set operations are such twins, half of them over joins; the column is mostly
        a category or the name of a joined table's row. The values come from two sampled rows
        that show the same thing when there are such (see `_twin_values`), so that both branches
        share a row: INTERSECT is not empty and EXCEPT drops something."""
        block = self._walk(rng, min(t.joins, 2), start=table)
        first = block.insts[0]
        shown = [label]
        if len(first.roles.labels) >= 2 and rng.random() < 0.25:
            shown = list(first.roles.labels[:2])  # "the names and addresses of customers ..."
        # a category of any table, or the name of a row the others refer to ("Reggae tracks"; the
        # name of a track would pin one row: "... of one track EXCEPT of another" is mostly empty)
        named = {id(i): i.roles.labels for i in _referenced(block) if i is not first}
        options = [
            (inst, c)
            for inst in block.insts
            for c in dict.fromkeys([*inst.roles.categories, *named.get(id(inst), ())])
            if c in inst.roles.filterable
            and c not in inst.table.primary_key
            and not (inst is first and c in shown)
            and len(self.pool.values(inst.table.name, c)) >= 2
        ]
        if not options:
            raise Skip
        inst, c = rng.choice(options)
        columns = [c]
        more = [o for i, o in options if i is inst and o != c]
        if more and t.conditions >= 2 and rng.random() < 0.5:
            columns.append(rng.choice(more))
        kinds = self.spec.set_op_kinds
        pair = self._twin_values(rng, block, inst, columns, shown)
        shared = pair is not None
        if pair is None:
            # no two sampled rows show one thing: INTERSECT would be empty as often as not
            kinds = [k for k in kinds if k != "intersect"]
            if len(columns) > 1 or not kinds:
                raise Skip
            # values of rows the join keeps ("the courses that are prerequisites"), else frequent ones
            kept = list(dict.fromkeys(r[c] for r in self._anchor_rows(block, inst) if r.get(c) is not None))
            values = kept if len(kept) >= 2 else self.pool.values(inst.table.name, c)[:6]
            pair = tuple((v,) for v in rng.sample(values, 2))
        conds = []
        for values in pair:
            eqs = []
            for x, v in zip(columns, values, strict=True):
                lit = literal(v, inst.table.column(x).logical_type)
                if lit is None:
                    raise Skip
                eqs.append(exp.EQ(this=block.col(inst, x), expression=lit))
            conds.append(exp.and_(*eqs))
        if conds[0] == conds[1]:
            raise Skip
        q1 = self._from(
            _inner_where_required(block, conds[0]), exp.select(*[block.col(first, x) for x in shown])
        )
        q2 = q1.copy().where(conds[1], copy=False)
        q1 = q1.where(conds[0], copy=False)
        if _idle_outer_join(block, q1):
            raise Skip
        kind = _weighted(rng, kinds, TWIN_KIND_WEIGHTS)
        if kind == "except" and not shared:
            raise Skip  # and EXCEPT would take nothing away ("payments by Nancy, except by Lisa")
        return _set_op(kind, q1, q2), block.used, False

    def _twin_values(
        self, rng: random.Random, block: Block, inst: Inst, columns: list[str], shown: list[str]
    ) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
        """Values of `columns` of `inst` from two sampled rows that lead to one shown row: two rows
        of the first table showing the same, two rows of a table referring to it with the same key
        ("two orders of one customer"), or the rows two such rows refer to ("the genres of two
        tracks of one album"). None if the sample has no such pair, or `inst` is elsewhere."""
        first = block.insts[0]
        if inst is first:
            led = [(tuple(r.get(x) for x in shown), r) for r in self._anchor_rows(block, first)]
        else:
            led = self._rows_leading_to_first(block, inst)
            if led is None:
                return None
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for key, r in led:
            values = tuple(r.get(x) for x in columns)
            if None in key or None in values:
                continue
            group = groups.setdefault(key, [])
            if values not in group:
                group.append(values)
        pairs = [tuple(rng.sample(g, 2)) for g in groups.values() if len(g) >= 2]
        return rng.choice(pairs) if pairs else None

    def _rows_leading_to_first(
        self, block: Block, inst: Inst
    ) -> list[tuple[tuple[Any, ...], dict[str, Any]]] | None:
        """Sampled rows of `inst`, each with the key of the first table's row it joins: when `inst`
        refers to the first table, or is referred to by a table that does (over inner joins)."""
        first = block.insts[0]
        ends = [
            ((source, target), fk)
            for source, target, fk, kind in block.links()
            if kind == "inner" and len(fk.source_columns) == 1
        ]
        for (source, target), fk in ends:
            if (source, target) == (inst, first):  # inst refers to the first table
                return [((r.get(fk.source_columns[0]),), r) for r in self.pool.rows.get(inst.table.name, [])]
        for (mid, target), to_inst in ends:
            if target is not inst:
                continue
            to_first = [fk for (s, t), fk in ends if s is mid and t is first]
            if not to_first:
                continue
            # the rows `mid` refers to, by their key: "the genre of each track of an album"
            rows = {r.get(to_inst.target_columns[0]): r for r in self.pool.rows.get(inst.table.name, [])}
            return [
                ((m.get(to_first[0].source_columns[0]),), rows[m.get(to_inst.source_columns[0])])
                for m in self.pool.rows.get(mid.table.name, [])
                if m.get(to_inst.source_columns[0]) in rows
            ]
        return None

    def _key_set_operation(
        self, table: Table, child: tuple[ForeignKey, Table], kind: str
    ) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        """The keys of `table` EXCEPT (or INTERSECT) the keys its child rows refer to: "the ids of
        courses that have no prerequisite" (Spider writes it without a join)."""
        fk, other = child
        key, ref = fk.target_columns[0], fk.source_columns[0]
        q1 = exp.select(exp.column(key, quoted=True)).from_(_table_named(table.name), copy=False)
        q2 = exp.select(exp.column(ref, quoted=True)).from_(_table_named(other.name), copy=False)
        return _set_op(kind, q1, q2), {(table.name, key), (other.name, ref)}, False

    def _cte_query(self, rng: random.Random, t: Targets) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        """WITH stats AS (child rows per parent key) SELECT parent label, stats measure ..."""
        fks = [
            fk
            for fk in self.schema.foreign_keys
            if len(fk.source_columns) == 1
            and fk.source_table != fk.target_table
            and self.roles[fk.target_table].label
        ]
        if not fks:
            raise Skip
        fk = rng.choice(fks)
        child, parent = self.schema.table(fk.source_table), self.schema.table(fk.target_table)
        key, pkey = fk.source_columns[0], fk.target_columns[0]
        child_roles = self.roles[child.name]
        agg: exp.Expression = exp.Count(this=exp.Star())
        agg_name = "n"
        if child_roles.measures and rng.random() < 0.5:
            m = rng.choice(child_roles.measures)
            agg, agg_name = exp.Sum(this=exp.column(m, quoted=True)), f"total_{m}"
        inner = (
            exp.select(exp.column(key, quoted=True), exp.alias_(agg, agg_name, quoted=True))
            .from_(_table_named(child.name))
            .group_by(exp.column(key, quoted=True))
        )
        stats = exp.to_identifier("stats", quoted=True)
        label = self.roles[parent.name].label
        assert label is not None
        p = exp.column(label, table="T1", quoted=True)
        n = exp.column(agg_name, table="T2", quoted=True)
        outer = (
            exp.select(p, n)
            .from_(exp.alias_(_table_named(parent.name), "T1", table=True, quoted=True))
            .join(
                exp.Join(
                    this=exp.Table(
                        this=stats, alias=exp.TableAlias(this=exp.to_identifier("T2", quoted=True))
                    ),
                    on=_text_key(
                        exp.EQ(
                            this=exp.column(pkey, table="T1", quoted=True),
                            expression=exp.column(key, table="T2", quoted=True),
                        ),
                        parent.column(pkey),
                        child.column(key),
                    ),
                )
            )
        )
        used = {(child.name, key), (parent.name, pkey), (parent.name, label)}
        if t.conditions:
            pblock = Block([Inst(parent, "T1", self.roles[parent.name])], qualify=True)
            outer = outer.where(self._predicate(rng, pblock))
            used |= pblock.used
        order_matters = False
        if t.order_by:
            order_matters = True
            outer = outer.order_by(
                exp.Ordered(this=n.copy(), desc=True, nulls_first=False),
                exp.Ordered(this=p.copy(), desc=False, nulls_first=True),
            )
            if t.limit:
                outer = outer.limit(_top_k(rng))
        outer = outer.with_(stats, as_=inner)
        return outer, used, order_matters

    def _from_subquery(
        self, rng: random.Random, t: Targets
    ) -> tuple[exp.Expression, set[tuple[str, str]], bool]:
        """SELECT AVG(n) FROM (SELECT fk, COUNT(*) AS n FROM child GROUP BY fk) AS sub: per-parent stats."""
        fks = [fk for fk in self.schema.foreign_keys if len(fk.source_columns) == 1]
        if not fks:
            raise Skip
        fk = rng.choice(fks)
        child = self.schema.table(fk.source_table)
        key = fk.source_columns[0]
        inner = exp.select(
            exp.column(key, quoted=True), exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True)
        )
        inner = inner.from_(_table_named(child.name))
        used = {(child.name, key)}
        if t.conditions:
            cblock = Block([Inst(child, None, self.roles[child.name])])
            inner = inner.where(self._predicate(rng, cblock))
            used |= cblock.used
        inner = inner.group_by(exp.column(key, quoted=True))
        # the fewest per key is nearly always one, with or without a condition: then it says nothing
        fn = rng.choice((exp.Avg, exp.Max) if t.conditions else (exp.Avg, exp.Max, exp.Min))
        outer = exp.select(fn(this=exp.column("n", table="sub", quoted=True))).from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("sub", quoted=True)))
        )
        return outer, used, False


# -- helpers -----------------------------------------------------------------------------------
_Keyed = TypeVar("_Keyed", exp.EQ, exp.In)


def _text_key(cmp: _Keyed, left: Column, right: Column) -> _Keyed:
    """`cmp` (`left = right`, or `left IN (SELECT right ...)`) marked render.TEXT_KEY with its side
    that is declared a number when the other is declared text (see there)."""
    if _number_and_text(left, right):
        second = "query" if isinstance(cmp, exp.In) else "expression"
        cmp.meta[TEXT_KEY] = "this" if left.logical_type.is_numeric else second
    return cmp


def _number_and_text(left: Column, right: Column) -> bool:
    """One column declared a number, the other text."""
    kinds = (left.logical_type, right.logical_type)
    return LogicalType.TEXT in kinds and (kinds[0].is_numeric or kinds[1].is_numeric)


def _table(inst: Inst) -> exp.Table:
    table = _table_named(inst.table.name)
    if inst.alias:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(inst.alias, quoted=True)))
    return table


def _table_named(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _requalify(pred: exp.Expression, alias: str) -> exp.Expression:
    pred = pred.copy()
    for col in pred.find_all(exp.Column):
        col.set("table", exp.to_identifier(alias, quoted=True))
    return pred


# roughly as often as in Spider's human questions ("=" in a third of them, "<>" and IN lists rare)
OPERATOR_WEIGHTS = {
    "=": 8.0,
    "<>": 0.5,
    "<": 1.5,
    ">": 2.0,
    "<=": 0.5,
    ">=": 0.7,
    "like": 1.2,
    "in": 0.8,  # mostly written as `a = x OR a = y` (Spider: 2.5% of questions have an OR)
    "between": 1.0,
    "is_null": 0.5,
}

# how many more columns a selected pair of names gets, cumulative for 0..3: of Spider's gold
# queries selecting a first and last name, 46 select just them, 34 one more, 8 two and 8 three
WITH_NAMES = (48, 83, 92, 100)
KEY_WITH_NAMES = 0.3  # "the ids and full names of ..." (the row's key, beside its names)
BESIDE_NAMES = ("measures", "temporals", "categories", "labels")
# Spider groups by two columns in 14 of its 340 grouped queries ("each semester and year", "the
# most common first and last name")
TWO_GROUP_COLUMNS = 0.04
# share of lone range conditions asked outside the range ("below 600 or above 900"): of Spider's
# gold queries, 4 OR a < and a > on one column, 28 have a BETWEEN
OUTSIDE_RANGE = 0.12
# share of orderings from the largest, by (LIMIT, by an aggregate): Spider's sorted lists run from
# the smallest (62 of 72: "sorted by age"), its top rows are mostly the largest (52 of 78 by a
# column, 106 of 122 by an aggregate: "the genre with the most tracks")
DESCENDING = {(False, False): 0.15, (False, True): 0.5, (True, False): 0.65, (True, True): 0.85}

# Spider negates 6 of its 46 LIKEs ("employees without the letter M in their first name")
NOT_LIKE_SHARE = 0.13

# Spider's nested conditions (its 1,356 questions here): comparisons with one value the most (66,
# "tracks longer than the average"), then NOT IN (32, "artists with no album"), IN (16); EXISTS
# hardly ever (people write it as IN). These weights gave 3.2% scalar, 4.1% NOT IN, 3.4% IN of
# the records at 3 / 4 / 3: a scalar comparison needs a measure, IN comes from bridges too
SUBQUERY_WEIGHTS = {"not_in": 2.5, "in": 1.2, "scalar": 4.8, "exists": 0.25, "not_exists": 0.25}


# Spider's conditions on a column: one in 20 is `id = x` (52 of 1,080); ours took an id a
# quarter of the time (foreign keys are many): an id is drawn 3 times in 10
ID_CONDITIONS = 0.3

BRIDGED_IN = 0.35  # IN subqueries through a bridge table (Spider: 12 of its 48 IN subqueries join)
# Spider's 66 comparisons with a subquery's one value (the 1,356 questions of its 14 training
# databases here): with one row's value 8 ("paid more than employee 163"); with an average 28, 2
# of them of some rows ("below the average of Physics teachers"); with a highest or lowest 26, 20
# of them of some rows (8 beyond their extreme, 12 within: "above the lowest of those in Biology")
PINNED_SCALAR = 0.15
ABOVE_AVERAGE = 0.85  # 24 of the 28 with an average
FILTERED_AVERAGE = 0.1
FILTERED_EXTREME = 0.75
BEYOND_EXTREME = 0.4

SET_OPS = {"union": exp.Union, "union_all": exp.Union, "intersect": exp.Intersect, "except": exp.Except}
# Spider's twin set operations (one SELECT under two values): INTERSECT 28, EXCEPT 26, UNION 6
TWIN_SET_OPS = 0.7
TWIN_KIND_WEIGHTS = {"intersect": 28.0, "except": 26.0, "union": 5.0, "union_all": 1.0}
# Spider's set operations of two groupings of one table's rows, by two tables referring to it: 8
# of 100 ("drivers with more than 8 pit stops or more than 5 results"), UNION 4, INTERSECT 4
GROUPED_SET_OPS = 0.12
GROUPED_KIND_WEIGHTS = {"union": 4.0, "intersect": 4.0, "except": 2.0}  # no UNION ALL
# and Spider's other 36 (two queries with their own conditions): EXCEPT 24, UNION 9, INTERSECT 8
OTHER_KIND_WEIGHTS = {"except": 24.0, "union": 9.0, "intersect": 8.0, "union_all": 1.0}

# Spider's ungrouped aggregates of one row set: 2 in about 20 queries, 3 or 4 in 10
THREE_MEASURES = 0.35
# the most GROUP BY columns and aggregates drawn; one more is added now and then (above)
DRAWN_CAPS = {"group_by": 1, "aggregates": 2}

# Spider's aggregates of one measure, in the order of its select lists (MAX, MIN: 6 of 20)
VIEW_ORDERS: dict[int, dict[tuple[type[exp.AggFunc], ...], float]] = {
    2: {(exp.Max, exp.Min): 6, (exp.Avg, exp.Max): 4, (exp.Min, exp.Max): 2, (exp.Avg, exp.Min): 1},
    3: {(exp.Min, exp.Avg, exp.Max): 4, (exp.Max, exp.Min, exp.Avg): 2, (exp.Avg, exp.Max, exp.Min): 2},
    4: {(exp.Avg, exp.Min, exp.Max, exp.Sum): 1},
}
DEFAULT_HARDNESS_WEIGHTS = (0.25, 0.4, 0.2, 0.15)  # easy, medium, hard, extra


def _holding(op: str, held: Any, values: list[Any]) -> list[Any]:
    """The values `v` for which `held <op> v` is true (`held` a value of the anchor row; None, a
    NULL, satisfies no comparison), for the operators that compare with one value; all of
    `values` for the others (LIKE, IN and BETWEEN take care of the anchor themselves)."""
    if op not in ("<>", "<", ">", "<=", ">="):
        return values
    if held is None:
        return []
    key = sort_key(held)
    test = {
        "<>": lambda k: k != key,
        "<": lambda k: key < k,
        ">": lambda k: key > k,
        "<=": lambda k: key <= k,
        ">=": lambda k: key >= k,
    }[op]
    return [v for v in values if test(sort_key(v))]


@functools.cache
def _cumulative(weights: tuple[float, ...]) -> list[float]:
    """The running sums `rng.choices(..., weights=w)` computes on each call (the same draws)."""
    return list(itertools.accumulate(weights))


def _clean_cuts(sizes: tuple[list[tuple[int, bool]], bool] | None, desc: bool) -> list[int]:
    """The k of TOP_K for which the k largest (`desc`) or smallest groups are each of their own
    size, the next one included (else engines may order them, or cut them, differently), and hold
    no group of NULLs, given the groups' (size, is NULL) largest first and whether all of them are
    known; all of TOP_K when that is not known."""
    if sizes is None:
        return list(TOP_K)
    known, complete = sizes
    if not desc and not complete:
        return list(TOP_K)  # only the largest groups are known
    order = [n for n, _ in (known if desc else known[::-1])]
    nulls = [null for _, null in (known if desc else known[::-1])]
    # tied[i]: the group at i is as large as the next one
    tied = [a == b for a, b in itertools.pairwise(order)]
    return [k for k in TOP_K if not any(tied[:k]) and not any(nulls[:k])]


def _nested_kind(rng: random.Random, kinds: list[str]) -> str:
    """One of `kinds` of nested condition, as often as Spider has it (SUBQUERY_WEIGHTS)."""
    return _weighted(rng, kinds, SUBQUERY_WEIGHTS)


def unused_leaves(select: exp.Select) -> list[tuple[exp.Table, set[str]]]:
    """The tables a SELECT's FROM and JOINs name that nothing but one join uses (no column of
    theirs outside the ON conditions, which tie them to one other table), each with its columns in
    those conditions. Empty when a column outside the ONs is unqualified (which table it reads is
    not said) or a source is no table. Aliases are compared without case."""
    joins = select.args.get("joins") or []
    sources = [select.args["from_"].this, *(j.this for j in joins)] if joins else []
    if not sources or not all(isinstance(x, exp.Table) for x in sources):
        return []
    on = [eq for j in joins if j.args.get("on") is not None for eq in j.args["on"].find_all(exp.EQ)]
    in_on = {id(c) for eq in on for c in eq.find_all(exp.Column)}
    elsewhere = [c for c in select.find_all(exp.Column) if id(c) not in in_on]
    if any(not c.table for c in elsewhere):
        return []
    used = {c.table.lower() for c in elsewhere}
    leaves = []
    for source in sources:
        ref = source.alias_or_name.lower()
        if ref in used:
            continue
        edges = [eq for eq in on if any(c.table.lower() == ref for c in eq.find_all(exp.Column))]
        sides = [c for eq in edges for c in eq.find_all(exp.Column)]
        partners = {c.table.lower() for c in sides} - {ref}
        if len(partners) == 1:
            leaves.append((source, {c.name for c in sides if c.table.lower() == ref}))
    return leaves


def _inst_of(block: Block, column: exp.Column) -> Inst | None:
    """The table instance of the block a column of its SELECT belongs to."""
    if not column.table:
        return block.insts[0] if len(block.insts) == 1 else None
    return next((i for i in block.insts if i.ref == column.table), None)


def _is_id(block: Block, column: exp.Column) -> bool:
    inst = _inst_of(block, column)
    return inst is not None and column.name in inst.roles.ids


def _top_k(rng: random.Random) -> int:
    """The k of a top-k question: 1 most often."""
    return rng.choices(TOP_K, cum_weights=_cumulative(TOP_K_WEIGHTS))[0]


def _weighted(rng: random.Random, kinds: list[str], weights: dict[str, float]) -> str:
    """One of `kinds`, drawn by its weight in `weights` (Spider's shares)."""
    return rng.choices(kinds, cum_weights=_cumulative(tuple(weights[k] for k in kinds)))[0]


def _columns_of_others(block: Block, inst: Inst) -> set[tuple[str, str]]:
    """(ref, column) of every column of the block's tables but `inst`."""
    return {(i.ref, x.name) for i in block.insts if i is not inst for x in i.table.columns}


def _keys_a_row(schema: Schema, table: Table, columns: set[str]) -> bool:
    """`columns` hold the table's key: the whole declared composite one, or foreign keys one of
    which is its declared key (Spider declares only the first column of a link table's composite
    key; a declared one-column key the data repeats is no key, see `_group_columns`)."""
    key = set(table.primary_key)
    fks = {fk.source_columns[0] for fk in schema.foreign_keys_of(table.name) if len(fk.source_columns) == 1}
    return (len(key) > 1 and key <= columns) or (columns <= fks and bool(columns & key))


def _outside_range(pred: exp.Expression) -> bool:
    """`(x < a OR x > b)`, as `_predicate` draws it."""
    inner = pred.this if isinstance(pred, exp.Paren) else None
    return (
        isinstance(inner, exp.Or) and isinstance(inner.this, exp.LT) and isinstance(inner.expression, exp.GT)
    )


def _drawn_range(s: ComplexitySpec, target: str) -> IntRange:
    """The range a target is drawn from: the spec's, but one GROUP BY column and two aggregates
    at most (one more is added now and then, see TWO_GROUP_COLUMNS and THREE_MEASURES) unless
    the spec asks for more."""
    r: IntRange = getattr(s, SPEC_FIELD.get(target, target))
    cap = DRAWN_CAPS.get(target)
    if cap is not None and r.max > cap and r.min <= cap:
        return IntRange(min=r.min, max=cap)
    return r


def _small(rng: random.Random, r: IntRange, decay: float = 0.55) -> int:
    """A count inside the range, small ones likelier (people ask simple questions most)."""
    cumulative = _small_weights(r.max - r.min + 1, decay)
    # what rng.choices(range(min, max + 1), weights=decay**k) draws, from the same random() call
    return r.min + bisect.bisect(cumulative, rng.random() * cumulative[-1], 0, len(cumulative) - 1)


@functools.cache
def _small_weights(n: int, decay: float) -> tuple[float, ...]:
    return tuple(itertools.accumulate(decay**k for k in range(n)))


def _fk_ends(parent: Inst, fk: ForeignKey, new: Inst) -> tuple[Inst, Inst]:
    """(referencing, referenced) occurrence of the join that adds `new` to `parent` through `fk`."""
    forward = fk.source_table == parent.table.name and fk.target_table == new.table.name
    return (parent, new) if forward and parent is not new else (new, parent)


def _inner_where_required(block: Block, where: exp.Expression | None) -> Block:
    """The block with an inner join for each outer join whose optional rows are required: by
    `where` (a condition on their columns other than IS NULL: "the cities of customers whose
    support rep is Steve (including those without one)" would not be true) or by a later inner
    join attached to them (playlists LEFT JOIN playlist_tracks JOIN tracks keeps no playlist
    without tracks)."""
    if all(kind == "inner" for _, _, kind in block.joins):
        return block
    required = set()
    if where is not None:
        required = {
            c.table
            for c in where.find_all(exp.Column)
            if c.find_ancestor(exp.Select) is None
            and not (isinstance(c.parent, exp.Is) and not isinstance(c.parent.parent, exp.Not))
        }
    required |= {parent.ref for parent, _, kind in block.joins if kind == "inner"}
    for n in range(len(block.joins), 0, -1):  # last first: a join made inner requires its parent
        if any(inst.ref in required for inst in _optional_side(block, n)):
            parent, fk, _ = block.joins[n - 1]
            block.joins[n - 1] = (parent, fk, "inner")
            required.add(parent.ref)
    return block


def _idle_outer_join(block: Block, query: exp.Select) -> bool:
    """A LEFT (or FULL) JOIN of a table the query uses nowhere but in the join: it only repeats
    the other rows ("the names of artists (including those without any album)", once per album)."""
    if all(kind == "inner" for _, _, kind in block.joins):
        return False
    used = {c.table for c in query.find_all(exp.Column) if c.find_ancestor(exp.Join) is None}
    used |= {parent.ref for parent, _, _ in block.joins}  # a bridge to a later join
    return any(
        block.insts[n].ref not in used and any(i is block.insts[n] for i in _optional_side(block, n))
        for n in range(1, len(block.joins) + 1)
    )


def _optional_rows(block: Block) -> tuple[Inst, str] | None:
    """(occurrence, join column) of the first referencing end of an outer join on its optional
    side (the rows a LEFT JOIN may find none of), or None."""
    for n, (parent, fk, _) in enumerate(block.joins, start=1):
        source, _ = _fk_ends(parent, fk, block.insts[n])
        if any(source is o for o in _optional_side(block, n)):
            return source, fk.source_columns[0]
    return None


def _optional_side(block: Block, n: int) -> list[Inst]:
    """The table occurrences the n-th join (from 1) may leave without a row: a LEFT JOIN's new
    table, the tables before a RIGHT JOIN, both sides of a FULL JOIN; none for an inner join."""
    return {
        "left": block.insts[n : n + 1],
        "right": block.insts[:n],
        "full": block.insts[: n + 1],
    }.get(block.joins[n - 1][2], [])


def _join_columns(block: Block) -> list[tuple[Inst, str]]:
    """(table occurrence, column) of both ends of every join of the block."""
    return [
        (inst, c)
        for source, target, fk, _ in block.links()
        for inst, columns in ((source, fk.source_columns), (target, fk.target_columns))
        for c in columns
    ]


def _referenced(block: Block) -> list[Inst]:
    """The table occurrences that a foreign key of the block's joins points to (the "one" side)."""
    out: list[Inst] = []
    for _, target, _, _ in block.links():
        if all(target is not seen for seen in out):
            out.append(target)
    return out


def _set_op(kind: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """`left` UNION / UNION ALL / INTERSECT / EXCEPT `right` (a spec's set_op_kinds name)."""
    return SET_OPS[kind](this=left, expression=right, distinct=kind != "union_all")


def _dedupe(items: list[exp.Expression]) -> list[exp.Expression]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = generate(item, copy=False)  # the generic dialect's preprocessing changes nothing
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _intersect(a: ComplexitySpec, b: ComplexitySpec) -> ComplexitySpec:
    """The tighter of two specs, range by range (empty intersections fall back to `a`)."""
    data = a.model_dump()
    for name, value in b.model_dump().items():
        if isinstance(value, dict) and "min" in value:
            lo, hi = max(data[name]["min"], value["min"]), min(data[name]["max"], value["max"])
            if lo <= hi:
                data[name] = {"min": lo, "max": hi}
    data["hardness"] = None
    return ComplexitySpec(**data)
