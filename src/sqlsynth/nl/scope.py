"""The rows a SELECT talks about: its sources (tables, CTEs, derived tables), how the joins relate
them (which row references which, and under what role), and the one they are mainly about.

A join on a foreign key reads as a relationship: `orders JOIN customers ON customer_id` lets a
question say "orders whose customer's city is ...". The focus of a query block is the source the
rows are "of": the most dependent table (the one no other source references), preferring the one
whose columns are selected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from sqlsynth.nl.lexicon import humanise
from sqlsynth.nl.names import Namer, Noun, noun_from_name
from sqlsynth.render import conjuncts


@dataclass(eq=False)
class Source:
    """One item of FROM: a base table, a CTE or a derived table, under the name the query uses."""

    alias: str
    name: str
    kind: str  # "table" | "cte" | "derived"
    noun: Noun
    query: exp.Expression | None = None  # the defining query of a CTE or derived table
    join_side: str = ""  # LEFT / RIGHT / FULL of the join that brought it in
    columns: list[str] = field(default_factory=list)  # output names of a CTE / derived table

    @property
    def table_name(self) -> str | None:
        return self.name if self.kind == "table" else None


@dataclass(eq=False)
class Link:
    """child references parent: each child row has (at most) one parent row, called `role`."""

    child: Source
    parent: Source
    role: str
    pairs: list[tuple[exp.Column, exp.Column]]
    summary: bool = False  # parent side is a CTE/derived table grouped by the join key


@dataclass
class Step:
    """One hop of a path from the focus: up to a parent (its role) or down to a child."""

    source: Source
    word: str
    up: bool
    hidden: bool = False  # a pure link table passed through ("film_category" between category and film)


class Scope:
    """Sources of one SELECT block, their links, the focus and the path from it to every source."""

    def __init__(
        self,
        select: exp.Select,
        namer: Namer,
        ctes: dict[str, exp.Expression] | None = None,
        outer: Scope | None = None,
    ) -> None:
        self.select = select
        self.namer = namer
        self.outer = outer
        self.ctes: dict[str, exp.Expression] = dict(outer.ctes) if outer else {}
        self.ctes.update(ctes or {})
        self.sources: list[Source] = []
        self.links: list[Link] = []
        self.extra_conditions: list[exp.Expression] = []  # non-key ON conditions (read as filters)
        self.join_conditions: set[int] = set()  # ids of WHERE conjuncts that only join sources
        self.cross_sources: list[Source] = []  # joined with no condition at all
        self.bridges: set[int] = set()  # ids of link tables the focus reaches through
        self._collect()
        self.fact: Source | None = None  # the joined rows themselves (most dependent source)
        self.grouped_by: Source | None = None  # set when the query groups by a source's key
        self.count_override: Source | None = None
        self.focus = self._choose_focus()
        if self.fact is None:
            self.fact = self.focus
        self.paths = self._paths()

    def set_focus(self, src: Source | None) -> None:
        """Speak about `src`'s rows from now on (paths are recomputed from it)."""
        if src is not None and src is not self.focus:
            self.focus = src
            self.paths = self._paths()

    # -- sources ------------------------------------------------------------------------------
    def _collect(self) -> None:
        from_ = self.select.args.get("from_") or self.select.args.get("from")
        pending: list[tuple[Source, exp.Join | None]] = []
        if from_ is not None:
            for item in [from_.this, *from_.expressions]:
                src = self._source(item)
                if src is not None:
                    pending.append((src, None))
        for join in self.select.args.get("joins") or []:
            src = self._source(join.this)
            if src is None:
                continue
            src.join_side = (join.side or "").upper()
            pending.append((src, join))
        self.sources = [s for s, _ in pending]
        for src, join in pending:
            if join is None:
                continue
            on = join.args.get("on")
            using = join.args.get("using")
            if using:
                self._link_using(src, [u.name for u in using])
            elif on is not None:
                for cond in conjuncts(on):
                    if not self._try_link(cond):
                        self.extra_conditions.append(cond)
            else:
                self.cross_sources.append(src)
        where = self.select.args.get("where")
        if where is not None and len(self.sources) > 1:
            for cond in conjuncts(where.this):
                if self._try_link(cond, only_unlinked=True):
                    self.join_conditions.add(id(cond))

    def _source(self, item: exp.Expression) -> Source | None:
        alias = item.alias_or_name if isinstance(item, (exp.Table, exp.Subquery)) else ""
        if isinstance(item, exp.Table) and not isinstance(item.this, exp.Identifier):
            return Source(alias or "rows", "rows", "derived", Noun("row", "rows"), query=None)
        if isinstance(item, exp.Table):
            name = item.name
            if name.lower() in self.ctes:
                query = self.ctes[name.lower()]
                return Source(
                    alias or name,
                    name,
                    "cte",
                    _derived_noun(query, self.namer, name),
                    query,
                    columns=_outputs(query),
                )
            return Source(alias or name, name, "table", self.namer.entity(name))
        if isinstance(item, exp.Subquery):
            query = item.this
            return Source(
                alias or "subquery",
                alias or "subquery",
                "derived",
                _derived_noun(query, self.namer, None),
                query,
                columns=_outputs(query),
            )
        alias = item.alias_or_name if hasattr(item, "alias_or_name") else ""
        return Source(alias or "rows", alias or "rows", "derived", Noun("row", "rows"), item)

    def source_of(self, column: exp.Column) -> Source | None:
        """The source (of this block or an enclosing one) a column reference belongs to."""
        if column.table:
            key = column.table.lower()
            for src in self.sources:
                if src.alias.lower() == key:
                    return src
            for src in self.sources:
                if src.name.lower() == key:
                    return src
            return self.outer.source_of(column) if self.outer else None
        name = column.name.lower()
        for src in self.sources:
            if self._has_column(src, name):
                return src
        if self.outer is not None:
            for src in self.outer.sources:
                if self.outer._has_column(src, name):
                    return src
        return self.sources[0] if self.sources else None

    def _has_column(self, src: Source, name: str) -> bool:
        if src.kind == "table":
            t = self.namer.table(src.name)
            return t is not None and t.has_column(name)
        return name in [c.lower() for c in src.columns]

    def is_local(self, src: Source | None) -> bool:
        return src is not None and any(s is src for s in self.sources)

    # -- links ---------------------------------------------------------------------------------
    def _try_link(self, cond: exp.Expression, only_unlinked: bool = False) -> bool:
        if not (isinstance(cond, exp.EQ) and isinstance(cond.this, exp.Column)):
            return False
        if not isinstance(cond.expression, exp.Column):
            return False
        a, b = self.source_of(cond.this), self.source_of(cond.expression)
        if a is None or b is None or a is b or not (self.is_local(a) and self.is_local(b)):
            return False
        if only_unlinked and self._connected(a, b):
            return False
        existing = self._link_of(a, b)
        if existing is not None:
            pair = (cond.this, cond.expression) if existing.child is a else (cond.expression, cond.this)
            existing.pairs.append(pair)
            if not existing.summary and existing.child.name.lower() != existing.parent.name.lower():
                existing.role = existing.parent.noun.singular  # a composite key names the row itself
            return True
        self.links.append(self._make_link(a, cond.this, b, cond.expression))
        return True

    def _link_using(self, src: Source, names: list[str]) -> None:
        for other in self.sources:
            if other is src:
                continue
            if all(self._has_column(other, n.lower()) for n in names) or other.kind != "table":
                cols_a = [exp.column(n, table=other.alias) for n in names]
                cols_b = [exp.column(n, table=src.alias) for n in names]
                link = self._make_link(other, cols_a[0], src, cols_b[0])
                link.pairs = (
                    list(zip(cols_a, cols_b, strict=True))
                    if link.child is other
                    else list(zip(cols_b, cols_a, strict=True))
                )
                self.links.append(link)
                return
        self.cross_sources.append(src)

    def _link_of(self, a: Source, b: Source) -> Link | None:
        for link in self.links:
            if {id(link.child), id(link.parent)} == {id(a), id(b)}:
                return link
        return None

    def _connected(self, a: Source, b: Source) -> bool:
        return self._link_of(a, b) is not None

    def _make_link(self, a: Source, ca: exp.Column, b: Source, cb: exp.Column) -> Link:
        """Decide which side references the other, and the role of the referenced row."""
        child, cc, parent, pc, known = _direction(self.namer, a, ca, b, cb)
        summary = parent.kind != "table" and _grouped_by(parent.query, pc.name)
        if summary:
            role = child.noun.singular
        elif child.kind == "table" and known:
            role = self.namer.role(child.table_name, cc.name, parent.noun)
        else:
            role = parent.noun.singular
        if parent.kind == "table" and child.kind == "table" and child.name.lower() == parent.name.lower():
            role = role if role != parent.noun.singular else f"related {role}"
        return Link(child, parent, role, [(cc, pc)], summary=summary)

    # -- focus and paths -------------------------------------------------------------------------
    def _choose_focus(self) -> Source | None:
        if not self.sources:
            return None
        referenced = {id(link.parent) for link in self.links if not link.summary}
        summaries = {id(link.parent) for link in self.links if link.summary}
        candidates = [s for s in self.sources if id(s) not in referenced and id(s) not in summaries]
        if not candidates:
            candidates = [s for s in self.sources if id(s) not in summaries] or list(self.sources)
        selected = {id(self.source_of(c)) for item in self.select.expressions for c in _plain_columns(item)}
        for src in candidates:
            if id(src) in selected:
                self.fact = src
                return src
        chosen = candidates[0]
        self.fact = chosen
        if self._is_bridge(chosen):
            # A pure link table: speak about the rows whose columns are selected.
            parents = [link.parent for link in self.links if link.child is chosen]
            owners = [p for p in parents if id(p) in selected]
            if len(owners) == 1 and len(selected) == 1:
                self.bridges.add(id(chosen))
                return owners[0]
        return chosen

    def counted(self) -> Source | None:
        """The rows COUNT(*) counts: the joined rows, or through a link table the rows it links
        to (drivers JOIN results JOIN races GROUP BY driver counts races)."""
        if self.count_override is not None:
            return self.count_override
        fact = self.fact
        if fact is None or not self._is_bridge(fact):
            return fact
        others = [
            link.parent
            for link in self.links
            if link.child is fact and link.parent is not self.focus and link.parent is not self.grouped_by
        ]
        return others[0] if len(others) == 1 else fact

    def _is_bridge(self, src: Source) -> bool:
        """A link table (few columns besides its keys) that only links two others here: none of its
        columns is used beyond the join keys."""
        if src.kind != "table" or sum(1 for link in self.links if link.child is src) < 2:
            return False
        table = self.namer.table(src.name)
        if table is not None:
            keys = {k.lower() for k in table.primary_key}
            if self.namer.schema is not None:
                keys |= {
                    c.lower()
                    for fk in self.namer.schema.foreign_keys_of(table.name)
                    for c in fk.source_columns
                }
            if sum(1 for c in table.columns if c.name.lower() not in keys) > 2:
                return False
        if any(link.parent is src for link in self.links):
            return False
        keys = {id(c) for link in self.links for pair in link.pairs for c in pair}
        for col in self.select.find_all(exp.Column):
            if id(col) in keys or col.find_ancestor(exp.Join) is not None:
                continue
            if self.source_of(col) is src:
                return False
        return True

    def _paths(self) -> dict[int, list[Step]]:
        paths: dict[int, list[Step]] = {}
        if self.focus is None:
            return paths
        paths[id(self.focus)] = []
        frontier = [self.focus]
        while frontier:
            nxt: list[Source] = []
            for src in frontier:
                for link in self.links:
                    if link.child is src and id(link.parent) not in paths:
                        paths[id(link.parent)] = [*paths[id(src)], Step(link.parent, link.role, True)]
                        nxt.append(link.parent)
                    elif link.parent is src and id(link.child) not in paths:
                        word = link.child.noun.singular
                        hidden = id(link.child) in self.bridges
                        paths[id(link.child)] = [*paths[id(src)], Step(link.child, word, False, hidden)]
                        nxt.append(link.child)
            frontier = nxt
        for src in self.sources:  # not connected by any key: named by its own noun
            if id(src) not in paths:
                paths[id(src)] = [Step(src, src.noun.singular, True)]
        return paths

    def path(self, src: Source) -> list[Step]:
        return self.paths.get(id(src), [Step(src, src.noun.singular, True)])

    def summary_link(self, src: Source) -> Link | None:
        for link in self.links:
            if link.parent is src and link.summary:
                return link
        return None


# -- helpers -----------------------------------------------------------------------------------
def _plain_columns(item: exp.Expression) -> list[exp.Column]:
    if item.find(exp.AggFunc) is not None:
        return []
    return [
        c
        for c in item.find_all(exp.Column)
        if c.find_ancestor(exp.Subquery, exp.Select) is item.parent_select
    ]


def _outputs(query: exp.Expression | None) -> list[str]:
    """Output column names of a query (aliases, or column names)."""
    while isinstance(query, exp.SetOperation):
        query = query.this
    if not isinstance(query, exp.Select):
        return []
    return [e.alias_or_name for e in query.expressions]


def _grouped_by(query: exp.Expression | None, column: str) -> bool:
    if not isinstance(query, exp.Select):
        return False
    group = query.args.get("group")
    if group is None:
        return False
    out = {e.alias_or_name.lower(): e for e in query.expressions}
    target = out.get(column.lower())
    inner = target.this if isinstance(target, exp.Alias) else target
    keys = [g.name.lower() if isinstance(g, exp.Column) else g.sql() for g in group.expressions]
    return len(keys) == 1 and (
        column.lower() in keys or (isinstance(inner, exp.Column) and inner.name.lower() in keys)
    )


def _derived_noun(query: exp.Expression | None, namer: Namer, name: str | None) -> Noun:
    """What the rows of a CTE or derived table are: groups of a key, else rows of its table."""
    while isinstance(query, exp.SetOperation):
        query = query.this
    if isinstance(query, exp.Select):
        group = query.args.get("group")
        if group is not None and len(group.expressions) == 1 and isinstance(group.expressions[0], exp.Column):
            key = group.expressions[0]
            table = _single_table(query)
            label = namer.column_label(table, key.name) if table else humanise(key.name)
            fk = namer.foreign_key_from(table, key.name) if table else None
            if fk is not None:
                label = namer.role(table, key.name, namer.entity(fk.target_table))
            elif table and [key.name.lower()] == namer.primary_key(table):
                return namer.entity(table)
            return noun_from_name(label.replace(" ", "_"))
        table = _single_table(query)
        if table is not None:
            return namer.entity(table)
    if name:
        return noun_from_name(name)
    return Noun("row", "rows")


def _single_table(query: exp.Select) -> str | None:
    from_ = query.args.get("from_") or query.args.get("from")
    if from_ is None or query.args.get("joins"):
        return None
    if isinstance(from_.this, exp.Table) and isinstance(from_.this.this, exp.Identifier):
        return from_.this.name
    return None


def _direction(
    namer: Namer, a: Source, ca: exp.Column, b: Source, cb: exp.Column
) -> tuple[Source, exp.Column, Source, exp.Column, bool]:
    """(child, child column, parent, parent column, known) for the join a.ca = b.cb; known is
    False when nothing (foreign key, primary key, naming) tells which side references which."""
    if a.kind == "table" and b.kind == "table":
        if namer.foreign_key(a.name, [ca.name], b.name, [cb.name]) is not None:
            return a, ca, b, cb, True
        if namer.foreign_key(b.name, [cb.name], a.name, [ca.name]) is not None:
            return b, cb, a, ca, True
        pk_a, pk_b = namer.primary_key(a.name), namer.primary_key(b.name)
        b_key = pk_b == [cb.name.lower()]
        a_key = pk_a == [ca.name.lower()]
        if b_key and not a_key:
            return a, ca, b, cb, True
        if a_key and not b_key:
            return b, cb, a, ca, True
        # by name: orders.customer_id = customers.id
        if _names_entity(ca.name, b.noun) and not _names_entity(cb.name, a.noun):
            return a, ca, b, cb, True
        if _names_entity(cb.name, a.noun) and not _names_entity(ca.name, b.noun):
            return b, cb, a, ca, True
    if b.kind != "table" and a.kind == "table":
        return a, ca, b, cb, False
    if a.kind != "table" and b.kind == "table":
        return b, cb, a, ca, False
    return a, ca, b, cb, False


def _names_entity(column: str, noun: Noun) -> bool:
    """Whether a column's name refers to rows of `noun`: customer_id -> customers."""
    words = humanise(column).lower().split()
    return len(words) > 1 and noun.singular.lower().split()[-1] in words
