"""Subqueries in conditions and values: IN / NOT IN read through the foreign key ("products that
have no review"), EXISTS ("customers that have an order whose ..."), scalar subqueries ("the average
unit price of all products"), correlated ones ("of their orders", "with the same category")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from sqlsynth.nl.block import Block
from sqlsynth.nl.conditions import Atom, ConditionPhraser
from sqlsynth.nl.lexicon import article, join_words, possessive, with_article
from sqlsynth.nl.scope import Scope
from sqlsynth.render import conjuncts, unwrapped

if TYPE_CHECKING:
    from sqlsynth.nl.query import QueryRealiser  # noqa: F401 - the class these methods belong to


class SubqueryPhrases:
    """Subquery phrases (a mixin of QueryRealiser)."""

    def scalar_phrase(self, query: exp.Expression, outer: Scope | None) -> str:
        """A subquery used as one value: "the average unit price of all products"."""
        query = unwrapped(query)
        if isinstance(query, exp.Select) and not (query.args.get("with_") or query.args.get("with")):
            b = Block(self, query, outer)
            if (found := self._row_value(b)) is not None:
                return f"the {found[0]} of {found[1]}"  # "the salary of the employee whose ..."
            if len(b.items) == 1 and b.aggregated and not b.groups and b.order == [] and b.limit is None:
                corr, rest = self.correlation(b)
                same = ""
                if corr is not None:
                    kind = self.correlation_kind(b, corr, outer)
                    if kind == "same":
                        same = f" with the same {b.phr.label(corr[0], strip=False)}"
                    elif kind == "other":
                        rest = list(b.filters)
                        corr = None
                own, related = b.plain_heads(b.items, False)
                head = own or related
                clause = b.phr.clauses(rest) if rest else ""
                if b.having is not None:
                    clause = (
                        join_words([clause, f"provided that {b.phr.sentence(b.having)}"])
                        if clause
                        else (f"provided that {b.phr.sentence(b.having)}")
                    )
                notes = b.join_notes()
                if corr is not None and same:
                    rows = f"{b.entity.plural}{same}"
                elif corr is not None:
                    rows = f"their {b.entity.plural}"
                elif not clause and not b.per_group_entity():
                    rows = f"all {b.entity.plural}"
                else:
                    rows = b.entity.plural
                if b.per_group_entity():
                    rows = f"per {b.entity.singular}"
                    return f"the {join_words(head)} {rows} {clause} {notes}".strip().replace("  ", " ")
                return f"the {join_words(head)} of {rows} {clause} {notes}".strip().replace("  ", " ")
        return self.phrase(query, outer).np

    def _row_value(self, b: Block, plural: bool = False) -> tuple[str, str] | None:
        """(head, rows) of a plain SELECT of one column of its rows: ("salary", "the employee whose
        employee id is 163"), or of all of them (`plural`: "salaries", "the employees whose ...");
        None for any other."""
        plain = not b.aggregated and not b.order and b.limit is None and not b.distinct
        if len(b.items) != 1 or not plain or not b.scope.sources:
            return None
        own, related = b._heads(b.items, plural)
        if not own or related:
            return None
        entity = b.entity.plural if plural else b.entity.singular
        return own[0], f"the {entity} {b.filter_clause(plural)}".strip()

    def values_phrase(self, query: exp.Expression, outer: Scope | None) -> str | None:
        """The values a quantified comparison (ANY / ALL) goes through: "the unit prices of the
        products whose category id is 3"; None if `query` is not a plain SELECT of one column."""
        query = unwrapped(query)
        if not isinstance(query, exp.Select):
            return None
        found = self._row_value(Block(self, query, outer), plural=True)
        return f"the {found[0]} of {found[1]}" if found is not None else None

    def row_value_atom(
        self, left: exp.Expression, cls: type[exp.Expression], inner: exp.Expression, phr: ConditionPhraser
    ) -> Atom | None:
        """A column compared with the same column of one row, "whose salary is greater than that of
        the employee whose employee id is 163", "whose department id is the same as that of the
        employee whose first name is "Clara"", or a foreign key with the key of the row it would
        refer to, "whose manager is the employee whose first name is "Payam""; None for others."""
        inner = unwrapped(inner)
        if (
            not isinstance(left, exp.Column)
            or not isinstance(inner, exp.Select)
            or len(inner.expressions) != 1
        ):
            return None
        item = inner.expressions[0]
        item = item.this if isinstance(item, exp.Alias) else item
        outer_src = phr.scope.source_of(left)
        # a column, not an aggregate: known before the Block is built (`value` builds its own)
        if not isinstance(item, exp.Column) or outer_src is None or outer_src.kind != "table":
            return None
        b = Block(self, inner, phr.scope)
        found = self._row_value(b)
        if found is None:
            return None
        inner_src = b.scope.source_of(item)
        if inner_src is None or inner_src.kind != "table":
            return None
        rows = found[1]
        if cls is exp.EQ and self.namer.foreign_key(outer_src.name, [left.name], inner_src.name, [item.name]):
            role = self.namer.role(outer_src.name, left.name, b.entity)
            subject = role if phr.is_focus(outer_src) else f"{phr.path_phrase(outer_src)}'s {role}"
            return Atom("column", subject, f"is {rows}")
        if item.name.lower() != left.name.lower():
            return None
        lt = phr.logical_type(left)
        word = "is the same as" if cls is exp.EQ else phr._operator(cls, lt is not None and lt.is_temporal)
        return phr._subject(left, f"{word} that of {rows}")

    def correlation_kind(self, b: Block, corr: tuple[exp.Column, exp.Column], outer: Scope | None) -> str:
        """ "fk" (the inner rows belong to the outer row), "same" (same table, same column) or "other"."""
        inner_src = b.scope.source_of(corr[0])
        outer_src = outer.source_of(corr[1]) if outer is not None else None
        if inner_src is None or outer_src is None or inner_src.kind != "table" or outer_src.kind != "table":
            return "other"
        if inner_src.name.lower() == outer_src.name.lower() and corr[0].name.lower() == corr[1].name.lower():
            return "same"
        a, ca, b_, cb = inner_src.name, corr[0].name, outer_src.name, corr[1].name
        if self.namer.foreign_key(a, [ca], b_, [cb]) or self.namer.foreign_key(b_, [cb], a, [ca]):
            return "fk"
        if self.namer.primary_key(b_) == [cb.lower()] or self.namer.primary_key(a) == [ca.lower()]:
            return "fk"
        return "other"

    def correlation(self, b: Block) -> tuple[tuple[exp.Column, exp.Column] | None, list[exp.Expression]]:
        """The (inner, outer) key equality that ties a subquery to the outer row, and the other filters."""
        found = None
        rest: list[exp.Expression] = []
        parts = [p for f in b.filters for p in conjuncts(f)]
        for cond in parts:
            if (
                found is None
                and isinstance(cond, exp.EQ)
                and isinstance(cond.this, exp.Column)
                and isinstance(cond.expression, exp.Column)
            ):
                a, c = b.scope.source_of(cond.this), b.scope.source_of(cond.expression)
                if b.scope.is_local(a) and c is not None and not b.scope.is_local(c):
                    found = (cond.this, cond.expression)
                    continue
                if b.scope.is_local(c) and a is not None and not b.scope.is_local(a):
                    found = (cond.expression, cond.this)
                    continue
            rest.append(cond)
        return found, rest

    def in_subquery_atom(
        self, left: exp.Expression, inner: exp.Expression, phr: ConditionPhraser, neg: bool
    ) -> Atom:
        if isinstance(inner, exp.Select) and isinstance(left, exp.Column) and len(inner.expressions) == 1:
            b = Block(self, inner, phr.scope)
            item = b._item_expr(b.items[0])
            simple = not b.aggregated and b.limit is None and not b.order and len(b.scope.sources) >= 1
            outer_src = phr.scope.source_of(left)
            inner_src = b.scope.source_of(item) if isinstance(item, exp.Column) else None
            if (
                simple
                and isinstance(item, exp.Column)
                and outer_src is not None
                and inner_src is not None
                and outer_src.kind == "table"
                and inner_src.kind == "table"
                and inner_src is b.focus
            ):
                noun = b.entity
                if (
                    self.namer.foreign_key(inner_src.name, [item.name], outer_src.name, [left.name])
                    is not None
                ):
                    filt_s = b.filter_clause(False)
                    sing = f" {filt_s}" if filt_s else ""
                    if neg:
                        return phr.owner_atom(
                            left, f"have no {noun.singular}{sing}", f"has no {noun.singular}{sing}"
                        )
                    return phr.owner_atom(
                        left,
                        f"have {with_article(noun.singular)}{sing}",
                        f"has {with_article(noun.singular)}{sing}",
                    )
                if (
                    self.namer.foreign_key(outer_src.name, [left.name], inner_src.name, [item.name])
                    is not None
                ):
                    role = self.namer.role(outer_src.name, left.name, noun)
                    subject = role if phr.is_focus(outer_src) else f"{phr.path_phrase(outer_src)}'s {role}"
                    filt_s = b.filter_clause(False)
                    if (
                        not neg
                        and filt_s.startswith("whose ")
                        and not re.search(r" (whose|and|or|that|who) ", filt_s)
                        and self.chooser.chance("in_as_whose", 60)
                    ):
                        # the key among those of the rows passing one condition is that row's
                        # condition: "whose customer's country is "Canada""
                        return Atom("column", f"{possessive(subject)} {filt_s[len('whose ') :]}", "")
                    filt_p = b.filter_clause(True)
                    return Atom(
                        "column",
                        subject,
                        f"is {'not ' if neg else ''}one of the {noun.plural} {filt_p}".strip(),
                    )
                if (
                    outer_src.name.lower() == inner_src.name.lower()
                    and left.name.lower() == item.name.lower()
                ):
                    filt_p = b.filter_clause(True)
                    if self.namer.primary_key(outer_src.name) == [left.name.lower()]:
                        return Atom(
                            "adj", "", f"{'not ' if neg else ''}among the {noun.plural} {filt_p}".strip()
                        )
                    # a column others share: "whose department id is that of one of the employees ..."
                    if neg:
                        return phr._subject(
                            left, f"is not that of any {noun.singular} {b.filter_clause(False)}"
                        )
                    return phr._subject(left, f"is that of one of the {noun.plural} {filt_p}".strip())
        np = self.phrase(inner, phr.scope).np
        return phr._subject(left, f"is {'not ' if neg else ''}among {np}")

    def exists_atom(self, inner: exp.Expression, phr: ConditionPhraser, neg: bool) -> Atom:
        inner = unwrapped(inner)
        if isinstance(inner, exp.Select) and not inner.args.get("group") and inner.args.get("limit") is None:
            b = Block(self, inner, phr.scope)
            corr, rest = self.correlation(b)
            noun = b.entity.singular
            saved = b.filters
            b.filters = rest
            filt = b.filter_clause(False)
            b.filters = saved
            tail = f" {filt}" if filt else ""
            if b.having is not None:
                tail += f", provided that {b.phr.sentence(b.having)}"
            if corr is not None:
                if neg:
                    return phr.owner_atom(corr[1], f"have no {noun}{tail}", f"has no {noun}{tail}")
                return phr.owner_atom(
                    corr[1], f"have {with_article(noun)}{tail}", f"has {with_article(noun)}{tail}"
                )
            return Atom("global", "", f"there is {'no' if neg else article(noun)} {noun}{tail}")
        np = self.phrase(inner, phr.scope).np
        return Atom("global", "", f"{np} {'is empty' if neg else 'is not empty'}")
