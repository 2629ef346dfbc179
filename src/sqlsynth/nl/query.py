"""Whole queries as noun phrases: SELECT blocks (plain, aggregated, grouped), set operations and
CTEs; subqueries and derived tables come from the mixins in subqueries.py and derived.py, grouping
from grouping.py.

A query becomes a `Phrase`: "the names of the 5 products with the highest unit price" plus what
the question frames need to say it as a question or a request (realise.py).
"""

from __future__ import annotations

from sqlglot import exp

from sqlsynth.nl.block import Block, Phrase, counts_of, said_once, which_question
from sqlsynth.nl.derived import DerivedTables
from sqlsynth.nl.expressions import HIGHEST, LOWEST
from sqlsynth.nl.grouping import GroupedQueries
from sqlsynth.nl.lexicon import humanise, join_words, pluralise, singularise, with_article
from sqlsynth.nl.names import Namer, Noun
from sqlsynth.nl.phrasing import Chooser
from sqlsynth.nl.scope import Scope
from sqlsynth.nl.subqueries import SubqueryPhrases
from sqlsynth.nl.values import literal_text, number_of
from sqlsynth.render import sqlglot_dialect, unwrapped

# chances (in 100) that a whole table's rows are said as "all albums": in a list, a sorted list and a
# measure of them (each list is said "the title of each album" 30 times in 100 before this)
ALL_ROWS, ALL_ROWS_SORTED, ALL_ROWS_MEASURED = 75, 35, 15


class QueryRealiser(GroupedQueries, SubqueryPhrases, DerivedTables):
    """Turns queries into phrases, one seed's choices."""

    def __init__(self, namer: Namer, chooser: Chooser, dialect: str | None = None) -> None:
        self.namer = namer
        self.chooser = chooser
        self.dialect = dialect
        try:
            self.null_ordering = sqlglot_dialect(dialect).NULL_ORDERING
        except Exception:  # noqa: BLE001 - unknown dialect name: sqlglot's default
            self.null_ordering = "nulls_are_small"
        self._derived_cache: dict[tuple[int, str, str], str] = {}
        self.depth = 0  # nesting of phrase() calls: 1 for the question's own query

    # -- queries -----------------------------------------------------------------------------------
    def phrase(
        self, query: exp.Expression, outer: Scope | None = None, ctes: dict[str, exp.Expression] | None = None
    ) -> Phrase:
        """Any query (SELECT, set operation, with CTEs) as a noun phrase."""
        ctes = dict(ctes or {})
        with_ = query.args.get("with_") or query.args.get("with")
        if with_ is not None:
            for cte in with_.expressions:
                ctes[cte.alias_or_name.lower()] = cte.this
        query = unwrapped(query)
        self.depth += 1
        try:
            if isinstance(query, exp.SetOperation):
                return self.set_operation(query, outer, ctes)
            if isinstance(query, exp.Select):
                return self.block_phrase(Block(self, query, outer, ctes))
            return Phrase(np=f"the result of {query.sql()}")
        finally:
            self.depth -= 1

    def block_phrase(self, b: Block) -> Phrase:
        if not b.scope.sources:
            values = [b.phr.value(b._item_expr(i)) for i in b.items]
            text = join_words(values)
            if b.filters:
                text += f", provided that {join_words([b.phr.sentence(f) for f in b.filters])}"
            return Phrase(np=text, singular=len(values) == 1, body=text)
        if b.groups:
            return self._grouped(b)
        if b.aggregated:
            return self._aggregate(b)
        return self._plain(b)

    def _plain(self, b: Block) -> Phrase:
        if (owners := self._owners_listed(b)) is not None:
            return owners
        k = number_of(b.limit) if b.limit is not None else None
        keys = b.order
        plural = True
        clause = b.filter_clause(True)
        suffix = ""
        which = ""
        if keys and b.limit is not None and k is not None and k >= 1:
            sup = b.superlative(keys[0], b.entity, k)
            plural = k != 1
            rest = b.tiebreak(keys[1:])
            if b.offset is not None:
                rest += f" after skipping the first {literal_text(b.offset)}"
            if clause:
                rest += f" {clause}" if clause.startswith("(") else f" among those {clause}"
            rows = sup + rest
            own, related = b._heads(b.items, False)
            which = which_question(
                sup,
                rest,
                b.entity.singular,
                own + b.related_phrases(related, False, b.entity.its),
                b.entity.its,
            )
        else:
            if b.limit is not None:
                n = literal_text(b.limit)
                rows = f"any {'one ' + b.entity.singular if k == 1 else n + ' ' + b.entity.plural}"
                plural = k != 1
                if clause:
                    rows += " " + b.filter_clause(plural)
                if b.offset is not None:
                    rows += f" after skipping the first {literal_text(b.offset)}"
            else:
                rows = f"{b.entity.plural} {clause}".strip()  # b.rows(True), whose clause is known
                if b.offset is not None:
                    suffix = f", skipping the first {literal_text(b.offset)}"
            if keys:
                suffix = ", " + b.order_suffix(keys) + suffix
        if b.distinct_on:
            suffix += f", one row for each {join_words([b.phr.noun(e) for e in b.distinct_on])}"
        each = (
            self.depth == 1
            and not keys
            and b.limit is None
            and not b.distinct
            and self.chooser.chance("each", 30)
            and b._heads(b.items, False)[0]
        )
        np = b.items_np(rows, plural=plural)
        of_the_rows = rows.startswith(b.entity.plural)
        # a column named as its rows is said once ("the countries whose ..."), and never "the
        # country of each country"
        once = said_once(np, b.entity.plural) if of_the_rows else np
        each = each and not b.per_group_entity() and once == np
        if each:
            np = b.items_np(f"each {b.entity.singular} {b.filter_clause(False)}".strip(), plural=False)
            # a summary's columns say "their" of the focus rows: "of each album, and the number of
            # its tracks"
            np = np.replace(" their ", f" {b.entity.its} ")
        head, _, _ = np.partition(" of ")
        if not each and once != np:
            np = once
        elif not each and of_the_rows and self._all_rows(b, clause, bool(keys)):
            np = b.items_np(f"all {rows}", plural=plural)  # "the titles of all albums"
        return Phrase(
            np=np + suffix,
            singular=len(b.items) == 1 and (bool(each) or not plural) and not b.items[0].find(exp.Star),
            body=np + suffix,
            head=head,
            rows=b.entity.plural,
            filters=clause,
            mergeable=not keys
            and b.limit is None
            and not b.scope.cross_sources
            and not b._heads(b.items, True)[1],
            which=which,
        )

    def _all_rows(self, b: Block, clause: str, ordered: bool) -> bool:
        """Whether the rows of a whole table are said as "all albums": people say so of most lists
        of a table's rows (Spider: 29 of 46; 27 of 84 sorted ones; 13 of 90 measures of them)."""
        whole = (
            self.depth == 1
            and not clause
            and len(b.scope.sources) == 1
            and b.limit is None
            and b.offset is None
            and not b.distinct
            and not b.per_group_entity()
            and not any(item.find(exp.Star) for item in b.items)
        )
        if not whole:
            return False
        if b.aggregated:
            return self.chooser.chance("all", ALL_ROWS_MEASURED)
        return self.chooser.chance("all", ALL_ROWS_SORTED if ordered else ALL_ROWS)

    def _aggregate(self, b: Block) -> Phrase:
        if (owners := self._owners_counted(b)) is not None:
            return Phrase(
                np=f"the number of {owners}", singular=True, count_of=owners, body=f"the number of {owners}"
            )
        only_count = (
            len(b.items) == 1
            and isinstance(b._item_expr(b.items[0]), exp.Count)
            and b.phr.noun(b._item_expr(b.items[0]), bare=True) == "number"
        )
        of_rows = b.of_rows(True)
        if b.having is not None:
            of_rows += f", provided that {b.phr.sentence(b.having)}"
        own, related = b.plain_heads(b.items, plural=False)
        heads = own + related
        singular = len(heads) == 1
        if not related and (views := _views_of_one_measure(b, heads)):
            heads = [views]  # "the lowest, average and highest price", not "lowest price, average price ..."
        if (
            of_rows == f"of {b.entity.plural}"
            and b.having is None
            and not any(isinstance(b._item_expr(i), exp.Count) for i in b.items)
            and self._all_rows(b, "", bool(b.order))
        ):
            of_rows = f"of all {b.entity.plural}"  # "the average training hours of all players"
        np = f"the {join_words(heads)} {of_rows}"
        if not related and b.having is None and of_rows.startswith("of "):
            np = counts_of(heads, of_rows) or said_once(np, b.entity.plural)
        suffix = ""
        if b.order:
            suffix = ", " + b.order_suffix(b.order)
        if b.limit is not None:
            suffix += (
                f", returning at most {literal_text(b.limit)} {'row' if number_of(b.limit) == 1 else 'rows'}"
            )
        if b.offset is not None:
            suffix += f" after skipping the first {literal_text(b.offset)}"
        count_of = ""
        if only_count and not suffix and not b.per_group_entity() and b.having is None:
            count_of = b.rows(True)
        return Phrase(np=np + suffix, singular=singular, count_of=count_of, body=np + suffix)

    def _owners_counted(self, b: Block) -> str | None:
        """For `COUNT(DISTINCT fk)` alone over the rows that hold the foreign key: the rows it refers
        to that have one, "students that have an advisor whose ..." ("How many students have
        advisors?", not "the number of distinct student ids of advisors"); else None."""
        if len(b.items) != 1 or b.having is not None or b.order or b.limit is not None:
            return None
        count = b._item_expr(b.items[0])
        arg = count.this if isinstance(count, exp.Count) else None
        if not isinstance(arg, exp.Distinct) or len(arg.expressions) != 1:
            return None
        col = arg.expressions[0]
        src = b.scope.source_of(col) if isinstance(col, exp.Column) else None
        if src is None or src.kind != "table" or not b.phr.is_focus(src) or b.per_group_entity():
            return None
        fk = self.namer.foreign_key_from(src.name, col.name)
        if fk is None or fk.target_table.lower() == src.name.lower():
            return None  # none, or one to the same table: "the number of distinct managers" says it
        return self._having_one(b, fk.target_table)

    def _agent_link(self, table: str) -> bool:
        """A link table named for the part one of its ends plays (college_2's advisor: a student
        has one, an instructor is one): "instructors that have an advisor" would be wrong, and
        which end plays it is not in the schema."""
        schema = self.namer.schema
        if schema is None or len({fk.target_table.lower() for fk in schema.foreign_keys_of(table)}) < 2:
            return False
        noun = self.namer.entity(table).singular.lower()
        return noun.endswith(("or", "er", "ist")) and not noun.endswith("order")  # an order is no part

    def _owners_listed(self, b: Block) -> Phrase | None:
        """`SELECT DISTINCT` of columns of the row the focus rows refer to, the focus rows only
        filtered: those rows that have one, "the distinct names of departments that have an employee
        whose ..." (not "the distinct department names of the departments of employees"); else None."""
        if not b.distinct or b.distinct_on or b.order or b.limit is not None or len(b.scope.sources) != 2:
            return None
        focus = b.focus
        owner = next((src for src in b.scope.sources if src is not focus), None)
        if focus is None or owner is None or focus.kind != "table" or owner.kind != "table":
            return None
        steps = b.scope.path(owner)
        if len(steps) != 1 or not steps[0].up or steps[0].hidden:
            return None
        items = [b._item_expr(i) for i in b.items]
        if not all(isinstance(c, exp.Column) and b.scope.source_of(c) is owner for c in items):
            return None
        if any(isinstance(c.this, exp.Star) for c in items):
            return None
        where = b.select.args.get("where")
        if where is not None and any(b.scope.source_of(c) is owner for c in where.find_all(exp.Column)):
            return None  # a condition on the owner reads as it does now
        if (rows := self._having_one(b, owner.name)) is None:
            return None
        heads = join_words([pluralise(b.phr.label(c, owner)) for c in items])
        # "distinct": one row per value, not per owner ("the distinct salaries of employees that ...")
        np = said_once(f"the distinct {heads} of {rows}", owner.noun.plural)
        return Phrase(np=np, singular=False, body=np, head=f"the distinct {heads}", rows=owner.noun.plural)

    def _having_one(self, b: Block, owner: str) -> str | None:
        """The rows of table `owner` that have one of the block's (filtered) focus rows: "employees
        that have a certificate whose ...". A pure link table named after the two it links,
        unfiltered, leads to the other one: "actors that have a film", not "that have a film actor".
        None when the focus rows are named for a part one end plays (see _agent_link)."""
        focus = b.focus
        if focus is None or self._agent_link(focus.name):
            return None
        owner_noun = self.namer.entity(owner)
        owners, that = owner_noun.plural, owner_noun.who
        clause = b.filter_clause(False)
        if clause:
            return f"{owners} {that} have {with_article(b.entity.singular)} {clause}"
        other = self._other_end(focus.name, owner)
        return f"{owners} {that} have {with_article(other or b.entity.singular)}"

    def _other_end(self, link: str, end: str) -> str | None:
        """The singular noun of the other table that `link` joins to `end` when `link` is a pure link
        table named after the two (film_actor, PlaylistTrack: two foreign keys to two different
        tables, and at most two columns besides its keys, as Scope's bridges); else None (a
        certificate, an advisor say more)."""
        schema, table = self.namer.schema, self.namer.table(link)
        if schema is None or table is None:
            return None
        fks = schema.foreign_keys_of(table.name)
        targets = {fk.target_table.lower() for fk in fks}
        keys = {c.lower() for fk in fks for c in fk.source_columns} | {k.lower() for k in table.primary_key}
        if len(fks) != 2 or len(targets) != 2 or sum(c.name.lower() not in keys for c in table.columns) > 2:
            return None
        other = next(fk.target_table for fk in fks if fk.target_table.lower() != end.lower())
        words = {singularise(w) for w in humanise(link).lower().split()}
        named = all(singularise(humanise(t).lower().split()[-1]) in words for t in (end, other))
        return self.namer.entity(other).singular if named else None

    # -- set operations ------------------------------------------------------------------------------
    def set_operation(
        self, query: exp.SetOperation, outer: Scope | None, ctes: dict[str, exp.Expression]
    ) -> Phrase:
        left = self.phrase(query.this, outer, ctes)
        right = self.phrase(query.expression, outer, ctes)
        distinct = query.args.get("distinct", True) is not False
        same = left.mergeable and right.mergeable and left.head == right.head and left.rows == right.rows
        same = same and bool(left.filters) and bool(right.filters)
        # twins: the same items of the same rows, told apart by their filters alone ("the titles of
        # the albums of tracks whose ..."), said once: "..., but not those of the albums of tracks whose"
        twins = _twin_rows(left, right)
        if isinstance(query, exp.Union):
            if same and distinct:
                np = f"{left.head} of {left.rows} {left.filters} or {right.filters}"
            elif twins and distinct:
                np = f"{left.np} or {twins[3]}"
            elif distinct:
                np = f"{left.np} together with {right.np}"
            elif twins:
                np = f"{left.np} and also those of {twins[1]} {twins[3]} (keeping duplicates)"
            else:
                np = f"{left.np} and also {right.np} (keeping duplicates)"
        elif (child := self._referring_child(query)) is not None:
            # keys EXCEPT / INTERSECT the keys its child rows hold: "courses that have no section"
            have = "have no" if isinstance(query, exp.Except) else "have"
            noun = child.singular if isinstance(query, exp.Except) else with_article(child.singular)
            np = f"{left.np} that {have} {noun}"
        elif isinstance(query, exp.Intersect):
            if same:
                np = f"{left.head} shared by {left.rows} {left.filters} and {right.rows} {right.filters}"
            elif twins:
                head, rows, left_tail, right_tail = twins
                np = f"{head} shared by {rows} {left_tail} and {rows} {right_tail}"
            else:
                np = f"{left.np} that are also among {right.np}"
        elif twins:
            np = f"{left.np}, but not those of {twins[1]} {twins[3]}"
        else:
            np = f"{left.np}, excluding {right.np}"
        suffix = self._set_suffix(query, outer)
        return Phrase(np=np + suffix, body=np + suffix, head=left.head)

    def _referring_child(self, query: exp.SetOperation) -> Noun | None:
        """For `SELECT key FROM parent EXCEPT (or INTERSECT) SELECT fk FROM child`, both unfiltered
        and the fk referring to the key: the child's noun; else None."""
        ends = []
        for side in (query.this, query.expression):
            if not isinstance(side, exp.Select) or len(side.expressions) != 1:
                return None
            col, source = side.expressions[0], side.args.get("from_")
            if any(side.args.get(k) for k in ("where", "joins", "group", "having", "distinct")):
                return None
            if not isinstance(col, exp.Column) or source is None or not isinstance(source.this, exp.Table):
                return None
            ends.append((source.this.name, col.name))
        (parent, key), (child, ref) = ends
        if self.namer.foreign_key(child, [ref], parent, [key]) is None:
            return None
        return self.namer.entity(child)

    def _set_suffix(self, query: exp.SetOperation, outer: Scope | None) -> str:
        order = query.args.get("order")
        limit = query.args.get("limit")
        parts = []
        if order is not None:
            keys = []
            for o in order.expressions:
                desc = bool(o.args.get("desc"))
                target = o.this
                name = target.name if isinstance(target, exp.Column) else target.sql()
                label = self.namer.column_label(None, name) if isinstance(target, exp.Column) else name
                keys.append(f"{label} in {'descending' if desc else 'ascending'} order")
            parts.append("sorted by " + join_words(keys, "then"))
        if limit is not None:
            parts.append(f"keeping only the first {literal_text(limit.expression)}")
        offset = query.args.get("offset")
        if offset is not None:
            parts.append(f"after skipping the first {literal_text(offset.expression)}")
        return (", " + ", ".join(parts)) if parts else ""


def _twin_rows(left: Phrase, right: Phrase) -> tuple[str, str, str, str] | None:
    """(items, rows, left's tail, right's tail) when two sides of a set operation say the same
    items of the same rows ("the titles" "of" "the albums of tracks") but for their filters
    ("whose ...") or their groups' counts ("with at least 3 tracks"); else None."""
    halves = []
    for side in (left, right):
        if side.filters and side.np.endswith(f" {side.filters}"):
            halves.append((side.np[: -len(side.filters) - 1], side.filters))
        elif " with " in side.np and not side.filters:
            base, _, tail = side.np.partition(" with ")
            halves.append((base, f"with {tail}"))
        else:
            return None
    (base, left_tail), (other, right_tail) = halves
    head, of, rows = base.partition(" of ")
    if base != other or not (of and rows and head.startswith("the ")):
        return None
    return head, rows, left_tail, right_tail


def _views_of_one_measure(b: Block, heads: list[str]) -> str | None:
    """The heads of MIN / MAX / AVG / SUM of one column said once, "lowest, average and highest
    price" (as people list them), when each is one word before the same words; else None."""
    nodes = [b._item_expr(i) for i in b.items]
    if len(heads) < 2 or len(heads) != len(nodes):
        return None
    views = (exp.Min, exp.Max, exp.Avg, exp.Sum)
    if not all(isinstance(n, views) and isinstance(n.this, exp.Column) for n in nodes):
        return None
    if len({n.this.sql() for n in nodes}) != 1:
        return None
    words = [["total", *h.split()[2:]] if h.startswith("sum of ") else h.split() for h in heads]
    tail = words[0][1:]
    if not tail or tail[0] == "total" or any(w[1:] != tail for w in words):
        return None
    # one register for all: "the lowest, average and highest", not "the highest, minimum and mean"
    register = next((r for r in VIEW_REGISTERS if words[0][0] in r.values()), None)
    if register is not None and tail[0] in register.values():  # not "the minimum and maximum maximum salary"
        register = next(r for r in VIEW_REGISTERS if tail[0] not in r.values())
    said = [register[type(n)] for n in nodes] if register else [w[0] for w in words]
    return f"{join_words(said)} {' '.join(tail)}"


VIEW_REGISTERS: tuple[dict[type[exp.Expression], str], ...] = tuple(
    {exp.Min: low, exp.Max: high, exp.Avg: "average", exp.Sum: "total"}
    for low, high in zip(LOWEST, HIGHEST, strict=True)
)
