"""One SELECT block as parts of speech: its rows (focus table and filters), its items, its ordering.

`Block` gathers what a SELECT says (sources, filters, groups, order, limit) and words its pieces:
"products whose unit price is above 20", "the names and prices of ...", "the 5 products with the
highest unit price", "sorted by name"; the realiser (query.py) assembles them into a `Phrase`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from sqlsynth.nl.conditions import ConditionPhraser
from sqlsynth.nl.expressions import _is_anonymous_agg
from sqlsynth.nl.lexicon import join_words, pluralise, with_article
from sqlsynth.nl.names import Noun
from sqlsynth.nl.scope import Scope, Source
from sqlsynth.nl.values import number_of
from sqlsynth.render import conjuncts
from sqlsynth.schema.types import LogicalType

if TYPE_CHECKING:
    from sqlsynth.nl.query import QueryRealiser

RARE_CLAUSES = ("laterals", "pivots", "prewhere", "connect", "match", "sample", "windows", "exclude")


@dataclass
class Phrase:
    """A query said as a noun phrase, and the pieces the question frames reuse."""

    np: str  # "the names of products whose unit price is above 20"
    singular: bool = False  # one value ("the average ...") rather than a list
    count_of: str = ""  # "products whose ..." when the query only counts rows: "How many ..."
    lead: str = ""  # "for each category id" when the frame may put the grouping first
    body: str = ""  # np without the lead
    head: str = ""  # "the names" (for merging set-operation branches)
    rows: str = ""  # "products" (for merging set-operation branches)
    filters: str = ""  # "whose ..." (for merging set-operation branches)
    mergeable: bool = False
    which: str = ""  # a "Which ...?" wording, when the query allows one


def aggregates_in(node: exp.Expression) -> list[exp.Expression]:
    """Aggregate calls of `node`'s own block: not inside windows or subqueries."""
    out = []
    for agg in node.find_all(exp.AggFunc, exp.Anonymous):
        if isinstance(agg, exp.Anonymous) and not _is_anonymous_agg(agg):
            continue
        parent = agg.parent
        blocked = False
        while parent is not None and parent is not node.parent:
            if isinstance(parent, (exp.Window, exp.Subquery, exp.Select)) and parent is not node:
                blocked = True
                break
            if parent is node:
                break
            parent = parent.parent
        if not blocked:
            out.append(agg)
    return out


class Block:
    """One SELECT and the phrases for its parts."""

    def __init__(
        self,
        realiser: QueryRealiser,
        select: exp.Select,
        outer: Scope | None = None,
        ctes: dict[str, exp.Expression] | None = None,
    ) -> None:
        self.realiser = realiser
        self.select = select
        self.scope = Scope(select, realiser.namer, ctes, outer)
        self.phr = ConditionPhraser(self.scope, realiser)
        self.choose = realiser.chooser
        where = select.args.get("where")
        self.filters: list[exp.Expression] = []
        if where is not None:
            parts = conjuncts(where.this)
            if any(id(p) in self.scope.join_conditions for p in parts):
                self.filters = [p for p in parts if id(p) not in self.scope.join_conditions]
            else:
                self.filters = [where.this]
        self.filters += self.scope.extra_conditions
        group = select.args.get("group")
        self.items: list[exp.Expression] = list(select.expressions)
        self.groups: list[exp.Expression] = [
            self._resolve_item(g) for g in (group.expressions if group else [])
        ]
        for src in self.scope.sources:
            derived = src.kind != "table" and isinstance(src.query, (exp.Select, exp.SetOperation))
            if derived and realiser.derived_kind(src) == "generic":
                text = realiser.derived_rows(src)
                src.noun = Noun(f"row of {text}", text)
        having = select.args.get("having")
        self.having: exp.Expression | None = having.this if having is not None else None
        order = select.args.get("order")
        self.order: list[exp.Ordered] = [
            o if isinstance(o, exp.Ordered) else exp.Ordered(this=o)
            for o in (order.expressions if order else [])
        ]
        limit = select.args.get("limit")
        self.limit: exp.Expression | None = limit.expression if limit is not None else None
        offset = select.args.get("offset")
        self.offset: exp.Expression | None = offset.expression if offset is not None else None
        distinct = select.args.get("distinct")
        self.distinct = distinct is not None
        self.distinct_on = (
            list(distinct.args.get("on").expressions)
            if distinct is not None and distinct.args.get("on")
            else []
        )
        self.aggregated = (
            bool(self.groups) or any(aggregates_in(i) for i in self.items) or self.having is not None
        )

    def _resolve_item(self, node: exp.Expression, *, aggregate_alias: bool = False) -> exp.Expression:
        """GROUP BY / ORDER BY 1 or an alias -> the select item it names. An alias that is also a
        column of the source names the column, unless `aggregate_alias` and the item aggregates
        (ORDER BY n with COUNT(*) AS n)."""
        n = number_of(node)
        if n is not None and 1 <= n <= len(self.items):
            return self._item_expr(self.items[n - 1])
        if isinstance(node, exp.Column) and not node.table:
            for item in self.items:
                if isinstance(item, exp.Alias) and item.alias.lower() == node.name.lower():
                    src = self.scope.source_of(node)
                    if (
                        src is None
                        or not self.scope._has_column(src, node.name.lower())
                        or (aggregate_alias and item.this.find(exp.AggFunc))
                    ):
                        return item.this
        return node

    # -- rows ------------------------------------------------------------------------------------
    @property
    def entity(self) -> Noun:
        return self.phr.entity

    @property
    def focus(self) -> Source | None:
        return self.scope.focus

    def filter_clause(self, plural: bool = True) -> str:
        """ "whose unit price is above 20 and ...": the WHERE filters (and a derived source's own
        conditions, and outer-join notes) as relative clauses about the focus rows."""
        conds = self.filters
        parts = []
        qualifier = (
            self.realiser.source_qualifier(self.focus, self.scope, self.counts_only())
            if self.focus is not None
            else ""
        )
        if qualifier:
            parts.append(qualifier)
        text = (
            self.phr.clauses(conds, plural)
            if len(conds) > 1
            else self.phr.clause(conds[0], plural)
            if conds
            else ""
        )
        if text:
            parts.append(text)
        notes = self.join_notes()
        out = join_words(parts)
        if notes:
            out = f"{out} {notes}".strip()
        return out

    def join_notes(self) -> str:
        notes = []
        first = self.scope.sources[0] if self.scope.sources else None
        for src in self.scope.sources:
            if src.join_side == "LEFT" and self.phr.is_focus(src) and first is not None and first is not src:
                notes.append(f"including {first.noun.plural} without any {src.noun.singular}")
            elif src.join_side == "LEFT":
                notes.append(f"including those without {with_article(self.phr.path_phrase(src))}")
            elif src.join_side == "RIGHT":
                notes.append(f"also keeping {src.noun.plural} without a matching {self.entity.singular}")
            elif src.join_side == "FULL":
                notes.append(f"keeping unmatched {self.entity.plural} and {src.noun.plural}")
        for src in self.scope.cross_sources:
            notes.append(f"paired with every {src.noun.singular}")
        notes.extend(self.clause_notes())
        return f"({'; '.join(notes)})" if notes else ""

    def clause_notes(self) -> list[str]:
        """Rarer clauses, said generically rather than dropped: QUALIFY, LATERAL, PIVOT, SAMPLE..."""
        notes = []
        qualify = self.select.args.get("qualify")
        if qualify is not None:
            notes.append(f"keeping only rows where {self.phr.sentence(qualify.this)}")
        for key in RARE_CLAUSES:
            value = self.select.args.get(key)
            for part in value if isinstance(value, list) else [value] if value is not None else []:
                notes.append(f"with {part.sql()}")
        return notes

    def rows(self, plural: bool = True) -> str:
        """ "products whose ...": the focus rows with the block's filters."""
        noun = self.entity.plural if plural else self.entity.singular
        clause = self.filter_clause(plural)
        return f"{noun} {clause}".strip()

    def per_group_entity(self) -> bool:
        """A derived table grouped by a key reads "per order" rather than "of orders"."""
        f = self.focus
        return f is not None and f.kind != "table" and self.realiser.derived_kind(f) == "grouped"

    def counts_only(self) -> bool:
        """Every item is COUNT(*): the rows themselves are counted."""
        for item in self.items:
            node = self._item_expr(item)
            if not (isinstance(node, exp.Count) and (node.this is None or isinstance(node.this, exp.Star))):
                return False
        return True

    def of_rows(self, plural: bool = True) -> str:
        if self.per_group_entity() and not self.counts_only():
            clause = self.filter_clause(False)
            return f"per {self.entity.singular}" + (f" {clause}" if clause else "")
        return f"of {self.rows(plural)}"

    # -- items -----------------------------------------------------------------------------------------
    def _item_expr(self, item: exp.Expression) -> exp.Expression:
        return item.this if isinstance(item, exp.Alias) else item

    def plain_heads(self, items: list[exp.Expression], plural: bool) -> tuple[list[str], list[str]]:
        """Heads of focus items ("names") and phrases for items of related rows
        ("names and cities of their customers")."""
        own, related = self._heads(items, plural)
        return own, self.related_phrases(related, plural, "their" if plural else self.entity.its)

    def _heads(
        self, items: list[exp.Expression], plural: bool
    ) -> tuple[list[str], list[tuple[Source | None, str]]]:
        own: list[str] = []
        related: list[tuple[Source | None, str]] = []  # (source, label) or (None, full phrase)
        for item in items:
            node = self._item_expr(item)
            if isinstance(item, exp.Alias) and isinstance(node, (exp.Case, exp.If)):
                own.append(self.phr.noun(item))
                continue
            if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
                src = self.scope.source_of(node)
                summary = self.scope.summary_link(src) if src is not None else None
                if src is None or self.phr.is_focus(src) or not self.scope.is_local(src):
                    label = self.phr.label(node, src)
                    own.append(
                        pluralise(label) if plural and src is not None and src.kind == "table" else label
                    )
                elif summary is not None:
                    related.append((None, self.phr.column(node)))
                else:
                    label = self.phr.label(node, src, strip=False)
                    related.append((src, pluralise(label) if plural else label))
                continue
            if isinstance(node, exp.Star) or (
                isinstance(node, exp.Column) and isinstance(node.this, exp.Star)
            ):
                src = self.scope.source_of(node) if isinstance(node, exp.Column) else None
                if src is None or self.phr.is_focus(src) or len(self.scope.sources) == 1:
                    own.append("all details")
                else:
                    related.append((src, "all details"))
                continue
            own.append(self.phr.noun(node, bare=True))
        return own, related

    def related_phrases(
        self, related: list[tuple[Source | None, str]], plural: bool, pronoun: str
    ) -> list[str]:
        """Group the related items by their row: "names and cities of their customers"."""
        out: list[str] = []
        order: list[Source] = []
        labels: dict[int, list[str]] = {}
        for src, text in related:
            if src is None:
                out.append(text)
                continue
            if id(src) not in labels:
                order.append(src)
                labels[id(src)] = []
            labels[id(src)].append(text)
        for src in order:
            out.append(f"{join_words(labels[id(src)])} of {self.phr.of_path(src, plural, pronoun)}")
        return out

    def items_np(self, rows_np: str, plural: bool = True, items: list[exp.Expression] | None = None) -> str:
        """ "the name and unit price of products ..., and the name of their category"."""
        items = self.items if items is None else items
        own, related = self._heads(items, plural)
        distinct = "distinct " if self.distinct and not self.aggregated and not self.distinct_on else ""
        if not own and related:
            # Only related rows' columns: "the names of the customers of orders ..."
            parts = self.related_phrases(related, plural, "the")
            return f"the {distinct}{join_words(parts, 'and the')} of {rows_np}"
        if own == ["all details"] and not related:
            return f"all details of {rows_np}"
        text = f"the {distinct}{join_words(own)} of {rows_np}"
        if related:
            text += ", and the " + join_words(
                self.related_phrases(related, plural, "their" if plural else self.entity.its), "and the"
            )
        return text

    # -- ordering ------------------------------------------------------------------------------------------
    def resolve_order_target(self, node: exp.Expression) -> exp.Expression:
        return self._resolve_item(node, aggregate_alias=True)

    def key_kind(self, node: exp.Expression) -> str:
        """ "count" (COUNT(*)), "temporal", "text" or "number": how a superlative is worded."""
        if isinstance(node, exp.Count) and (node.this is None or isinstance(node.this, exp.Star)):
            return "count"
        lt = self.phr.logical_type(node)
        if lt is not None and lt.is_temporal:
            return "temporal"
        if lt is LogicalType.TEXT or isinstance(
            node, (exp.Upper, exp.Lower, exp.Concat, exp.DPipe, exp.TimeToStr)
        ):
            return "text"
        return "number"

    def key_noun(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Column):
            src = self.scope.source_of(node)
            if src is not None and src.kind != "table":
                return self.realiser.derived_column(src, node.name, self.scope, pronoun="")
            return self.phr.column(node, "subject")
        return self.phr.noun(node)

    def superlative(self, ordered: exp.Ordered, noun: Noun, k: int) -> str:
        """ "the 5 products with the highest unit price", "the category with the most products"."""
        target = self.resolve_order_target(ordered.this)
        desc = bool(ordered.args.get("desc"))
        kind = self.key_kind(target)
        count = noun.singular if k == 1 else f"{k} {noun.plural}"
        if kind == "count":
            word = "most" if desc else "fewest"
            counted = self.scope.counted()
            fact = counted.noun if counted is not None else self.entity
            return f"the {count} with the {word} {fact.plural}"
        if kind == "text":
            where = "last" if desc else "first"
            if k == 1:
                return f"the {where} {noun.singular} in alphabetical order of {self.key_noun(target)}"
            return f"the {where} {k} {noun.plural} in alphabetical order of {self.key_noun(target)}"
        key = self.key_noun(target)
        if isinstance(target, exp.Min if not desc else exp.Max) and isinstance(target.this, exp.Column):
            # the city with the earliest birth date, not "the earliest earliest birth date"
            key = self.key_noun(target.this)
        if kind == "temporal":
            word = self.choose.pick(
                "sup_t_desc" if desc else "sup_t_asc", ("latest", "most recent") if desc else ("earliest",)
            )
        else:
            word = self.choose.pick(
                "sup_desc" if desc else "sup_asc", ("highest", "largest") if desc else ("lowest", "smallest")
            )
        if key.startswith(("number of ", "total ", "average ")) and kind == "number" and desc:
            word = self.choose.pick("sup_desc_n", ("highest", "largest"))
        return f"the {count} with the {word} {key}"

    def order_suffix(self, keys: list[exp.Ordered]) -> str:
        """ ", sorted by unit price in descending order, then by name"."""
        parts = []
        for i, ordered in enumerate(keys):
            target = self.resolve_order_target(ordered.this)
            desc = bool(ordered.args.get("desc"))
            key = self.key_noun(target)
            kind = self.key_kind(target)
            nulls = self.nulls_note(ordered)
            if i == 0:
                style = self.choose.pick("order_style", ("sorted", "ordered", "from"))
                # MIN / MAX are said as superlatives already: not "from the highest highest grade"
                extreme = isinstance(target, (exp.Max, exp.Min))
                if style == "from" and kind in ("number", "count", "temporal") and not extreme:
                    high, low = ("latest", "earliest") if kind == "temporal" else ("highest", "lowest")
                    first, last = (high, low) if desc else (low, high)
                    parts.append(f"from the {first} {key} to the {last}{nulls}")
                elif kind == "text" and style != "sorted":
                    parts.append(f"in {'reverse ' if desc else ''}alphabetical order of {key}{nulls}")
                else:
                    verb = "sorted" if style != "ordered" else "ordered"
                    parts.append(f"{verb} by {key} in {'descending' if desc else 'ascending'} order{nulls}")
            else:
                parts.append(f"then by {key}{' in descending order' if desc else ''}{nulls}")
        return ", ".join(parts)

    def tiebreak(self, keys: list[exp.Ordered]) -> str:
        if not keys:
            return ""
        parts = []
        for ordered in keys:
            target = self.resolve_order_target(ordered.this)
            desc = bool(ordered.args.get("desc"))
            parts.append(
                f"{self.key_noun(target)}{' in descending order' if desc else ''}{self.nulls_note(ordered)}"
            )
        return f" (ties broken by {join_words(parts, 'then')})"

    def nulls_note(self, ordered: exp.Ordered) -> str:
        desc = bool(ordered.args.get("desc"))
        nulls_first = ordered.args.get("nulls_first")
        if nulls_first is None:
            return ""
        ordering = self.realiser.null_ordering
        if ordering == "nulls_are_small":
            default = not desc
        elif ordering == "nulls_are_large":
            default = desc
        else:
            default = False
        if bool(nulls_first) == default:
            return ""
        return " with missing values first" if nulls_first else " with missing values last"


def counts_of(heads: list[str], rows: str) -> str | None:
    """ "the number of customers and the number of their different cities" for the heads
    ["number", "number of different cities"] of `rows` ("of customers"), not "the number and
    number of different cities of customers"; None unless a bare count comes first and another
    count follows (and no head already says whose it is)."""
    later = heads[1:]
    if not heads or heads[0] != "number" or not any(h.startswith("number of ") for h in later):
        return None
    if any(" of " in h.removeprefix("number of ") for h in later):
        return None
    rest = [
        h.replace("number of ", "the number of their ", 1) if h.startswith("number of ") else f"their {h}"
        for h in later
    ]
    return f"the {join_words([f'number {rows}', *rest])}"


def said_once(np: str, rows: str) -> str:
    """ "the distinct cities whose ..." for "the distinct cities of cities whose ...": a column
    named as its table (sakila's `city.city`, formula_1's `status.status`) is said once, the rows'
    noun `rows` (plural) kept with its clause. `np` unchanged unless it is one head ending in
    `rows`, then " of " and `rows` again."""
    head, of, tail = np.partition(f" of {rows}")
    if not of or " of " in head.removeprefix("the number of ") or " and " in head:
        return np
    if not head.endswith(f" {rows}") or (tail and not tail.startswith((" ", ","))):
        return np
    return head + tail


def which_question(sup: str, rest: str, noun: str, heads: list[str], its: str = "its") -> str:
    """ "Which product has the highest unit price? Give its name." from "the product with the highest
    unit price"; "" when the superlative is not about one row. `its`: the noun's possessive ("their"
    for people)."""
    lead = f"the {noun} with the "
    if not sup.startswith(lead):
        return ""
    question = f"Which {noun} has the {sup[len(lead) :]}{rest}?"
    if any(f" {its} " in h for h in heads):
        # "Give the name of its employee", not "Give its name of its employee"
        question += f" Give the {join_words(heads)}."
    elif heads:
        question += f" Give {its} {join_words(heads)}."
    return question
