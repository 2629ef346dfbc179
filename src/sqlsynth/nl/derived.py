"""CTEs and derived tables: rows filtered from one table, one row per key ("per customer", "the
total of their orders"), or anything else said through its own phrase."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from sqlsynth.nl.block import Block, aggregates_in
from sqlsynth.nl.lexicon import aside, humanise, join_words
from sqlsynth.nl.scope import Scope, Source

if TYPE_CHECKING:
    from sqlsynth.nl.query import QueryRealiser  # noqa: F401 - the class these methods belong to


class DerivedTables:
    """CTE and derived-table phrases (a mixin of QueryRealiser)."""

    def derived_kind(self, src: Source) -> str:
        """ "filter" (rows of one table, filtered), "grouped" (one row per key) or "generic"."""
        query = src.query
        if not isinstance(query, exp.Select):
            return "generic"
        if query.args.get("limit") is not None or (
            query.args.get("having") is not None and not query.args.get("group")
        ):
            return "generic"
        group = query.args.get("group")
        if group is not None:
            return "grouped" if len(group.expressions) == 1 and query.args.get("limit") is None else "generic"
        if (
            any(aggregates_in(e) for e in query.expressions)
            or query.args.get("distinct")
            or query.args.get("order")
        ):
            return "generic"
        return "filter"

    def source_qualifier(self, src: Source | None, scope: Scope, counting: bool = False) -> str:
        """What a CTE / derived source adds to the rows it names: its own filters or definition."""
        if src is None or src.kind == "table" or src.query is None:
            return ""
        kind = self.derived_kind(src)
        if not isinstance(src.query, (exp.Select, exp.SetOperation)):
            return f"from {src.query.sql()}"
        if kind == "filter":
            b = Block(self, src.query)  # type: ignore[arg-type]
            return b.filter_clause(True)
        if kind == "grouped":
            b = Block(self, src.query)  # type: ignore[arg-type]
            parts = []
            if b.having is not None:
                having = self.having_clause(b)
                if not having.startswith("with "):
                    having += " " + aside(f"over their {b.rows(True)}")
                elif b.filters:
                    having += " " + aside(f"counting only {b.rows(True)}")
                parts.append(having)
            elif b.filters and counting:
                parts.append(f"that have {b.rows(True)}")
            return join_words(parts)
        return ""

    def derived_rows(self, src: Source) -> str:
        """The rows of a CTE / derived table that has no simpler reading: its own phrase."""
        if not isinstance(src.query, (exp.Select, exp.SetOperation)):
            return "rows"
        key = (id(src), "#rows", "")
        if key not in self._derived_cache:
            self._derived_cache[key] = "rows"
            text = self.phrase(src.query).np
            self._derived_cache[key] = text[4:] if text.startswith("the ") else text
        return self._derived_cache[key]

    def derived_column(self, src: Source, name: str, scope: Scope, pronoun: str = "their") -> str:
        """The meaning of an output column of a CTE / derived table: "total fee of their subscriptions"."""
        summary = scope.summary_link(src)
        key = (id(src), name.lower(), pronoun if summary is not None else "")
        if key in self._derived_cache:
            return self._derived_cache[key]
        self._derived_cache[key] = name  # guards against recursion
        text = self._derived_column(src, name, pronoun if summary is not None else "")
        self._derived_cache[key] = text
        return text

    def _derived_column(self, src: Source, name: str, pronoun: str) -> str:
        query = src.query
        while isinstance(query, exp.SetOperation):
            query = query.this
        if not isinstance(query, exp.Select):
            return humanise(name)
        b = Block(self, query)
        target = None
        for item in b.items:
            if item.alias_or_name.lower() == name.lower():
                target = item
                break
        if target is None:
            if any(isinstance(i, exp.Star) for i in b.items) and isinstance(b.focus, Source):
                return self.namer.column_label(b.focus.table_name, name)
            return humanise(name)
        node = b._item_expr(target)
        if aggregates_in(node):
            head = b.phr.noun(node, bare=True)
            clause = b.filter_clause(True)
            rows = f"{pronoun + ' ' if pronoun else ''}{b.entity.plural}"
            if head == "number":
                return f"number of {rows}{' ' + clause if clause else ''}"
            return f"{head} of {rows}{' ' + clause if clause else ''}"
        if isinstance(node, exp.Column):
            return b.phr.label(node)
        return b.phr.noun(node)
