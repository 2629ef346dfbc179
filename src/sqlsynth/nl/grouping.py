"""GROUP BY and HAVING: "for each category", "with more than 5 orders", "the country with the
most customers"; grouping by a table's key speaks of that table's rows ("for each customer")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from sqlsynth.nl.block import Block, Phrase, aggregates_in, counts_of, said_once, which_question
from sqlsynth.nl.conditions import FLIP
from sqlsynth.nl.lexicon import aside, join_words, pluralise, singularise
from sqlsynth.nl.names import Noun
from sqlsynth.nl.scope import Source
from sqlsynth.nl.values import literal_text, number_of
from sqlsynth.render import conjuncts

if TYPE_CHECKING:
    from sqlsynth.nl.query import QueryRealiser  # noqa: F401 - the class these methods belong to


class GroupedQueries:
    """Grouped query blocks (a mixin of QueryRealiser)."""

    def group_word(self, b: Block, key: exp.Expression, selected: bool) -> str:
        if isinstance(key, exp.Column):
            src = b.scope.source_of(key)
            if not selected and src is not None and src.kind == "table":
                if self.namer.primary_key(src.name) == [key.name.lower()]:
                    return b.phr.path_phrase(src) if not b.phr.is_focus(src) else src.noun.singular
                fk = self.namer.foreign_key_from(src.name, key.name)
                if fk is not None:
                    parent = self.namer.entity(fk.target_table)
                    return self.namer.role(src.name, key.name, parent)
            return b.phr.column(key, "compound")
        n = number_of(key)
        if n is not None and 1 <= n <= len(b.items):
            return b.phr.noun(b._item_expr(b.items[n - 1]))
        return b.phr.noun(key)

    def having_clause(self, b: Block) -> str:
        cond = b.having
        if cond is None:
            return ""
        while isinstance(cond, exp.Paren):
            cond = cond.this
        if isinstance(cond, (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.NEQ)):
            left, right, cls = cond.this, cond.expression, type(cond)
            if number_of(left) is not None and isinstance(right, exp.Count):
                left, right = right, left
                cls = FLIP[cls]
            n = number_of(right)
            counted_things = self._counted_things(b, left) if n is not None else None
            if counted_things is not None:
                word = {
                    exp.GT: "more than",
                    exp.GTE: "at least",
                    exp.LT: "fewer than",
                    exp.LTE: "at most",
                    exp.EQ: "exactly",
                    exp.NEQ: "a number other than",
                }[cls]
                return f"with {word} {n} {counted_things.singular if n == 1 else counted_things.plural}"
        return b.phr.clause(cond, plural=False)

    def _counted_things(self, b: Block, count: exp.Expression) -> Noun | None:
        """What a COUNT in HAVING counts, when "with more than 5 <things>" says it: the rows
        (COUNT(*), or of a key: "with at least 2 orders") or distinct values ("with at least 2
        different cities among customers"); None for other expressions and for COUNT(column),
        whose nulls "2 cities" would hide."""
        if not isinstance(count, exp.Count):
            return None
        arg = count.this
        if arg is None or isinstance(arg, exp.Star):
            counted = b.scope.counted()
            return counted.noun if counted is not None else b.entity
        if not isinstance(arg, (exp.Column, exp.Distinct)):
            return None
        noun = b.phr.noun(count)
        if not noun.startswith("number of ") or "(" in noun:
            return None
        things = noun[len("number of ") :]
        if isinstance(arg, exp.Column):
            return Noun(singularise(things), things) if b.phr.is_key(arg) else None
        counted = b.scope.counted()
        rows = (counted.noun if counted is not None else b.entity).plural
        return Noun(f"{singularise(things)} among {rows}", f"{things} among {rows}")

    def group_source(self, b: Block) -> Source | None:
        """The table whose rows the groups are, when the query groups by its key (or its name):
        GROUP BY T1.customer_id over customers JOIN orders is "for each customer"."""
        found: Source | None = None
        scope = b.scope
        for key in b.groups:
            if not isinstance(key, exp.Column):
                return None
            src = scope.source_of(key)
            if src is None or src.kind != "table" or not scope.is_local(src):
                return None
            name = key.name.lower()
            g: Source | None = None
            if self.namer.primary_key(src.name) == [name] or (
                src is not scope.fact
                and self.namer.names_rows(src.name, key.name)
                and any(link.parent is src for link in scope.links)
            ):
                g = src
            else:
                # grouped by the child's whole foreign key (one column of a composite one, the
                # semester of a section's (course, id, semester, year), is not a group of sections)
                grouped = {
                    k.name.lower()
                    for k in b.groups
                    if isinstance(k, exp.Column) and scope.source_of(k) is src
                }
                for link in scope.links:
                    usable = link.child is src and not link.summary and link.parent.kind == "table"
                    linked = {c.name.lower() for c, _ in link.pairs if scope.source_of(c) is src}
                    if usable and name in linked and linked <= grouped:
                        g = link.parent
            if g is None or (found is not None and g is not found):
                return None
            found = g
        if found is None or found is scope.fact or len(scope.sources) < 2:
            return None
        return found

    def _grouped_by_rows(self, b: Block, g: Source) -> Phrase:
        """GROUP BY a table's key: "the name and the number of its orders for each customer"."""
        key_sql = {k.sql() for k in b.groups}
        g_noun = self._role_noun(b, g)
        fact = b.scope.fact
        original_focus = b.scope.focus
        b.scope.grouped_by = g
        counted = b.scope.counted()
        b.scope.count_override = counted
        b.scope.set_focus(fact)
        if counted is not None and counted is not fact:
            b.scope.set_focus(counted)  # through a link table: "the number of its races whose ..."
        k = number_of(b.limit) if b.limit is not None else None
        all_filters = b.filters
        # conditions on the groups' own rows say which groups: "for each product whose unit price is
        # below 20, the number of its order items" (not "of its order items whose product's ...")
        g_filters: list[exp.Expression] = []
        if not (b.order and k):
            g_filters, b.filters = self._split_filters(b, g)
        clause = b.filter_clause(True)
        b.filters = all_filters
        rows = f"{b.entity.plural} {clause}".strip()  # b.rows(True)
        having = self.having_clause(b)
        aggs = [i for i in b.items if aggregates_in(b._item_expr(i))]
        plain = [i for i in b.items if not aggregates_in(b._item_expr(i))]
        agg_heads = [b.phr.noun(b._item_expr(i), bare=True) for i in aggs]
        sup = ""
        if b.order and k is not None and k >= 1:
            sup = b.superlative(b.order[0], g_noun, k) + b.tiebreak(b.order[1:])
            if clause and b.key_kind(b.resolve_order_target(b.order[0].this)) == "count":
                # a clause that is only an outer join's note restricts nothing: "counting" alone
                only = "" if clause.startswith("(") else " only"
                sup += " " + aside(f"counting{only} {rows}")
            if b.offset is not None:
                sup += f" after skipping the first {literal_text(b.offset)}"
            if having:
                sup += f" among those {having}"
        suffix = ""
        if not sup:
            if b.order:
                suffix = ", " + b.order_suffix(b.order)
            elif b.limit is not None:
                suffix = f", for any {literal_text(b.limit)} of them"
            if b.offset is not None:
                suffix += f", skipping the first {literal_text(b.offset)}"
        b.scope.set_focus(g)
        try:
            # which groups, said of one and of all: "whose name is X and that has more than 2 ..."
            which_one = _and_having(b.phr.clauses(g_filters, False), having, "has")
            which_all = _and_having(b.phr.clauses(g_filters, True), having, "have")
            keys: list[tuple[int, str]] = []  # (how many other items before it, its words)
            others = []
            for item in plain:
                node = b._item_expr(item)
                if node.sql() in key_sql and isinstance(node, exp.Column):
                    keys.append((len(others), b.phr.label(node, strip=False)))
                else:
                    others.append(item)
            # "the first names of the 3 customers with the most orders" (of the one customer: name)
            plural = not agg_heads and (not sup or k != 1)
            own, related = b._heads(others, plural=plural)
            # in the order of the select list: "the first name, last name and customer id"
            for at, words in reversed(keys):
                own.insert(min(at, len(own)), pluralise(words) if plural else words)
            g_related = b.related_phrases(related, plural, "the" if plural or sup else g_noun.its)
        finally:
            b.scope.set_focus(original_focus)
            b.scope.grouped_by = None
            b.scope.count_override = None
        g_text = join_words(own + g_related)
        if sup:
            count_noun = counted.noun.plural if counted is not None else fact.noun.plural
            parts = own + g_related + [h if h != "number" else f"number of {count_noun}" for h in agg_heads]
            if not parts:
                return Phrase(np=sup, singular=k == 1, body=sup)
            base = b.superlative(b.order[0], g_noun, k)
            if parts in ([g_noun.singular], [g_noun.plural]):
                # the groups' label named as they are (sakila's `country.country`): "the 5 countries
                # with the most cities", "which country has the most cities?", not "the country of"
                which = which_question(base, sup[len(base) :], g_noun.singular, [], g_noun.its)
                return Phrase(np=sup, singular=k == 1, body=sup, which=which)
            # names beside a measure stay singular, said of each of several groups: "the first
            # name and number of orders of each of the 3 customers with the most orders"
            each = "each of " if agg_heads and k != 1 and sup.startswith("the ") else ""
            np = f"the {join_words(parts)} of {each}{sup}"
            which = which_question(base, sup[len(base) :], g_noun.singular, parts, g_noun.its)
            return Phrase(np=np, singular=(k == 1 or bool(each)) and len(parts) == 1, body=np, which=which)
        lead = f"for each {g_noun.singular} {which_one}".strip()
        if not agg_heads:
            rows_part = f", counting only {rows}" if clause else ""
            # "the countries with at least 3 cities" when their label is named as they are (sakila's
            # `country.country`), not "the countries of countries with ..."
            named = g_text and g_text not in (g_noun.plural, g_noun.singular)
            text = f"the {g_text} of {g_noun.plural}" if named else f"the {g_noun.plural}"
            if having:
                np = f"{text} {which_all}{rows_part}".strip()
            else:
                np = f"{text} {which_all} {g_noun.who} have {rows}".replace("  ", " ")
            return Phrase(np=np + suffix, body=np + suffix)
        its = g_noun.its  # "for each teacher, ... of their lists"
        counts = counts_of(agg_heads, f"of {its} {rows}")  # "the number of its X and the number of their Y"
        agg_text = counts or f"the {join_words(agg_heads)} of {its} {rows}"
        if not g_text:
            body = agg_text
        elif counts or len(own + g_related) == 1:
            body = f"the {g_text}{', ' if counts else ' and '}{agg_text}"
        elif " and " in agg_text:  # "the id and name, and the number and largest total of ..."
            body = f"the {g_text}, and {agg_text}"
        else:  # "the id, name and the number of ..."
            body = f"the {join_words([*own, *g_related, agg_text])}"
        np = f"{body} {lead}{suffix}"
        return Phrase(np=np, lead=lead, body=body + suffix, singular=not g_text and len(agg_heads) == 1)

    def _split_filters(self, b: Block, g: Source) -> tuple[list[exp.Expression], list[exp.Expression]]:
        """(the conditions about `g`'s rows alone, the others) of the block's filters, conjunct by
        conjunct; ([], the filters as they are) when none is about `g` alone."""
        parts = [p for f in b.filters for p in conjuncts(f)]
        mine = []
        for cond in parts:
            cols = [c for c in cond.find_all(exp.Column) if c.find_ancestor(exp.Select) is b.select]
            if cols and all(b.scope.source_of(c) is g for c in cols):
                mine.append(cond)
        if not mine:
            return [], b.filters
        return mine, [p for p in parts if all(p is not m for m in mine)]

    def _role_noun(self, b: Block, g: Source) -> Noun:
        """The rows of `g` by the role they play for rows of their own table that refer to them
        ("for each manager": employees grouped by whom they report to), else `g`'s noun."""
        for link in b.scope.links:
            own_table = link.child.kind == "table" and link.child.name.lower() == g.name.lower()
            if link.parent is g and own_table and not link.role.startswith("related "):
                return Noun(link.role, pluralise(link.role))
        return g.noun

    def _grouped(self, b: Block) -> Phrase:
        g = self.group_source(b)
        if g is not None:
            return self._grouped_by_rows(b, g)
        item_sqls = [b._item_expr(i).sql() for i in b.items]
        keys = b.groups
        key_sqls = [k.sql() for k in keys]
        words = [self.group_word(b, k, sql in item_sqls) for k, sql in zip(keys, key_sqls, strict=True)]
        group = join_words(words)
        rest = [i for i, sql in zip(b.items, item_sqls, strict=True) if sql not in key_sqls]
        having = self.having_clause(b)
        k = number_of(b.limit) if b.limit is not None else None
        clause = b.filter_clause(True)
        rows = f"{b.entity.plural} {clause}".strip()  # b.rows(True)
        suffix = ""
        group_noun = Noun(group, pluralise(group))
        if b.order and k is not None and k >= 1:
            base = b.superlative(b.order[0], group_noun, k)
            sup = base + b.tiebreak(b.order[1:])
            if b.offset is not None:
                sup += f" after skipping the first {literal_text(b.offset)}"
            if having:
                sup += f" among those {having}"
            if not rest:
                extra = f", counting only {rows}" if clause else ""
                if b.key_kind(b.resolve_order_target(b.order[0].this)) != "count":
                    extra = " " + aside(f"over {rows}")
                np = sup + extra
                which = which_question(base, extra, group, [])
                return Phrase(np=np, singular=k == 1, body=np, which=which)
            own, related = b.plain_heads(rest, False)
            np = f"the {join_words(own + related)} {b.of_rows(True)} for {sup}"
            return Phrase(np=np, singular=len(own + related) == 1, body=np)
        if b.order:
            suffix = ", " + b.order_suffix(b.order)
        elif b.limit is not None:
            suffix = f", for any {literal_text(b.limit)} of them"
        if b.offset is not None and not (b.order and k):
            suffix += f", skipping the first {literal_text(b.offset)}"
        lead = f"for each {group}" + (f" {having}" if having else "")
        if not rest:
            plural_group = join_words([pluralise(w) for w in words])  # "cities and countries"
            np = f"the {'distinct ' if b.distinct else ''}{plural_group} of {rows}"
            if having.startswith("with "):
                np = f"the {plural_group} {having}" + (f", counting only {rows}" if clause else "")
            elif having:  # the groups' measure, not the rows': "the cities whose average age is ..."
                np = f"the {plural_group} {having} {aside(f'over {rows}')}"
            which = ""
            if having.startswith("with ") and not b.distinct:
                verb = "have"
                which = (
                    f"Which {plural_group} {verb} {having[5:]}"
                    + (f", counting only {rows}" if clause else "")
                    + "?"
                )
            return Phrase(np=np + suffix, body=np + suffix, which=which if not suffix else "")
        own, related = b.plain_heads(rest, False)
        of_rows = b.of_rows(True)
        body = f"the {join_words(own + related)} {of_rows}"
        if not related and of_rows.startswith("of "):
            body = counts_of(own, of_rows) or said_once(body, b.entity.plural)
        np = f"{body} {lead}{suffix}"
        return Phrase(np=np, lead=lead, body=body + suffix, singular=len(own + related) == 1)


def _and_having(clause: str, having: str, verb: str) -> str:
    """A WHERE clause about the groups' rows and the HAVING clause, one after the other."""
    if not clause or not having:
        return clause or having
    if having.startswith("with "):  # "whose name is X and that has more than 2 tracks"
        return f"{clause} and that {verb} {having[5:]}"
    return f"{clause} and {having}"
