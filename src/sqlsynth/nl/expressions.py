"""Noun phrases for value expressions: columns through the join paths, aggregates, functions,
dates, arithmetic, CASE, window functions, literals and scalar subqueries.

Phrases come without a leading article ("average unit price", "year of the order date"); the
query frames add "the" where English wants it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from sqlsynth.nl.lexicon import humanise, join_words, pluralise, possessive
from sqlsynth.nl.names import Noun
from sqlsynth.nl.scope import Scope, Source, Step
from sqlsynth.nl.values import is_literal, literal_text, number_of
from sqlsynth.schema.types import LogicalType

if TYPE_CHECKING:
    from sqlsynth.nl.query import QueryRealiser

DATE_FORMATS = {
    "%Y": "year",
    "%m": "month",
    "%d": "day of the month",
    "%H": "hour",
    "%M": "minute",
    "%S": "second",
    "%w": "day of the week",
    "%j": "day of the year",
    "%W": "week of the year",
    "%Y-%m": "year and month",
    "%Y-%m-%d": "date",
    "%m-%d": "month and day",
    "%H:%M": "time",
    "%H:%M:%S": "time",
}
DATE_PARTS = {
    "YEAR": "year",
    "MONTH": "month",
    "DAY": "day",
    "DOW": "day of the week",
    "DAYOFWEEK": "day of the week",
    "DOY": "day of the year",
    "DAYOFYEAR": "day of the year",
    "WEEK": "week",
    "QUARTER": "quarter",
    "HOUR": "hour",
    "MINUTE": "minute",
    "SECOND": "second",
    "EPOCH": "epoch seconds",
}
# MAX and MIN of a number, word for word in one register ("highest" with "lowest", ...)
HIGHEST = ("highest", "maximum", "largest")
LOWEST = ("lowest", "minimum", "smallest")
RANKING = {
    "RANK": "rank",
    "DENSE_RANK": "dense rank",
    "ROW_NUMBER": "row number",
    "PERCENT_RANK": "percent rank",
    "CUME_DIST": "cumulative distribution",
    "NTILE": "tile number",
}
ARITHMETIC = {
    exp.Add: "plus",
    exp.Sub: "minus",
    exp.Mul: "times",
    exp.Div: "divided by",
    exp.IntDiv: "divided by",
    exp.Mod: "modulo",
}
TYPE_WORDS = {
    "INT": "an integer",
    "INTEGER": "an integer",
    "BIGINT": "an integer",
    "SMALLINT": "an integer",
    "REAL": "a real number",
    "FLOAT": "a real number",
    "DOUBLE": "a real number",
    "DECIMAL": "a decimal number",
    "NUMERIC": "a decimal number",
    "TEXT": "text",
    "VARCHAR": "text",
    "CHAR": "text",
    "DATE": "a date",
    "DATETIME": "a date and time",
    "TIMESTAMP": "a date and time",
    "BOOLEAN": "a boolean",
}


class ExpressionPhraser:
    """Phrases for the expressions of one query block."""

    def __init__(self, scope: Scope, realiser: QueryRealiser) -> None:
        self.scope = scope
        self.realiser = realiser
        self.namer = realiser.namer
        self.choose = realiser.chooser

    # -- the block's rows ----------------------------------------------------------------------
    @property
    def entity(self) -> Noun:
        return self.scope.focus.noun if self.scope.focus is not None else Noun("row", "rows")

    def is_focus(self, src: Source | None) -> bool:
        return src is not None and src is self.scope.focus

    # -- columns -------------------------------------------------------------------------------
    def label(self, col: exp.Column, src: Source | None = None, strip: bool = True) -> str:
        """The column's own name: display name, derived-column meaning, or humanised identifier."""
        src = src if src is not None else self.scope.source_of(col)
        if src is None:
            return humanise(col.name)
        if src.kind != "table":
            return self.realiser.derived_column(src, col.name, self.scope)
        text = self.namer.column_label(src.table_name, col.name)
        if strip and not self.namer.has_display_name(src.table_name, col.name):
            text = _strip_entity(text, src.noun)
        return text

    def path_words(self, src: Source) -> list[str]:
        steps: list[Step] = self.scope.path(src)
        return [s.word for s in steps if not s.hidden]

    def column(self, col: exp.Column, style: str = "subject") -> str:
        """A column reference. Styles: "subject" (customer's city), "compound" (customer city),
        "item" (city of their customer)."""
        src = self.scope.source_of(col)
        if isinstance(col.this, exp.Star):
            return self._star(src)
        if src is not None and not self.scope.is_local(src):
            return self._outer_column(col, src)
        summary = self.scope.summary_link(src) if src is not None else None
        if src is None or self.is_focus(src) or summary is not None:
            label = self.label(col, src)
            if summary is not None and not self.is_focus(summary.child):
                return f"{label} for the {possessive(self.path_phrase(summary.child))}"
            return label
        words = self.path_words(src)
        label = self.label(col, src, strip=False)
        if style == "item":
            return f"{label} of {self.their_path(src)}"
        if words and starts_with_word(label, words[-1]):
            if style == "compound":
                return label
            words = words[:-1]
        elif words and (rest := _after_shared_word(words[-1], label)):
            label = rest  # "department store email", not "department store store email"
        if not words:
            return label
        if style == "compound":
            return f"{words[-1]} {label}"
        return f"{' '.join(possessive(w) for w in words)} {label}"

    def path_phrase(self, src: Source) -> str:
        """ "customer", "owner's manager": how the focus row reaches `src`."""
        words = self.path_words(src)
        if not words:
            return self.entity.singular
        return " ".join([*(possessive(w) for w in words[:-1]), words[-1]])

    def _path_nouns(self, src: Source, plural: bool) -> list[str]:
        """The words of the steps from the focus to `src` ([] for none), the last one in the
        plural when it may stand for several rows."""
        all_steps = self.scope.path(src)
        steps = [s for s in all_steps if not s.hidden]
        words = [s.word for s in steps]
        if steps and (not steps[-1].up or len(steps) < len(all_steps) or plural):
            words[-1] = pluralise(words[-1])
        return words

    def their_path(self, src: Source, plural: bool = True) -> str:
        """ "their customer", "its order items": the related rows of `src` as seen from the focus."""
        words = self._path_nouns(src, plural)
        pron = "their" if plural else self.entity.its
        if not words:
            return pron + " " + (self.entity.plural if plural else self.entity.singular)
        return f"{pron} {' '.join([*(possessive(w) for w in words[:-1]), words[-1]])}"

    def of_path(self, src: Source, plural: bool, pronoun: str) -> str:
        """ "the customers of the orders", "the customers of their orders": the related rows of
        `src` one "of" per step (their_path's "their order's customers" reads as a customer's
        order with two steps or more); the innermost step takes `pronoun`."""
        words = self._path_nouns(src, plural)
        if not words:
            return f"{pronoun} {self.entity.plural if plural else self.entity.singular}"
        if len(words) == 1:
            return f"{pronoun} {words[0]}"
        last = words[-1]
        inner = [pluralise(w) if plural else w for w in words[:-1]]
        articles = ["the"] * (len(inner) - 1) + [pronoun]
        outer = [f"{a} {w}" for a, w in zip(articles, reversed(inner), strict=True)]
        return " of ".join([f"the {last}", *outer])

    def _outer_column(self, col: exp.Column, src: Source) -> str:
        outer = self.scope.outer
        assert outer is not None
        phr = ExpressionPhraser(outer, self.realiser)
        inner = phr.column(col, "subject")
        noun = phr.entity.singular
        if phr.is_focus(src):
            return f"this {possessive(noun)} {inner}" if not inner.startswith(noun) else f"this {inner}"
        return f"this {possessive(noun)} {inner}"

    def _star(self, src: Source | None) -> str:
        if src is None or self.is_focus(src) or len(self.scope.sources) == 1:
            return "all details"
        return f"all details of {self.their_path(src)}"

    # -- general expressions ---------------------------------------------------------------------
    def noun(self, node: exp.Expression, bare: bool = False) -> str:
        """A noun phrase for an expression. bare: COUNT(*) reads "number" (the frame adds "of E")."""
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.Alias):
            inner = node.this
            if isinstance(inner, (exp.Case, exp.If)) and node.alias:
                return f"{humanise(node.alias)} ({self.case(inner)})"
            if isinstance(inner, exp.Literal) and node.alias:
                return f"{humanise(node.alias)} ({literal_text(inner)})"
            return self.noun(inner, bare)
        if isinstance(node, exp.Column):
            return self.column(node)
        if is_literal(node):
            return literal_text(node)
        if isinstance(node, exp.Star):
            return "all details"
        if isinstance(node, exp.Window):
            return self.window(node)
        if isinstance(node, exp.AggFunc) or _is_anonymous_agg(node):
            return self.aggregate(node, bare)
        if isinstance(node, (exp.Case, exp.If)):
            return f"value that is {self.case(node)}"
        if isinstance(node, (exp.Subquery, exp.Select, exp.SetOperation)):
            query = node.this if isinstance(node, exp.Subquery) else node
            text = self.realiser.scalar_phrase(query, self.scope)
            return text[4:] if text.startswith("the ") else text
        if isinstance(node, exp.Filter):
            return self._filtered(node, bare)
        if isinstance(node, exp.Interval):
            unit = node.args.get("unit")
            amount = node.this.name if isinstance(node.this, exp.Literal) else self.noun(node.this)
            return f"{amount} {humanise(unit.name).lower() if unit is not None else ''}".strip()
        for cls, word in ARITHMETIC.items():
            if type(node) is cls:
                return self.arithmetic(node, word)
        if isinstance(node, exp.Neg):
            return f"negative {self.noun(node.this)}"
        return self.function(node)

    def value(self, node: exp.Expression) -> str:
        """The object of a comparison: a literal as written, anything else as "the ..."."""
        while isinstance(node, exp.Paren):
            node = node.this
        if is_literal(node):
            return literal_text(node)
        if isinstance(node, (exp.Subquery, exp.Select, exp.SetOperation)):
            return f"the {self.noun(node)}"
        if isinstance(node, (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.Interval)):
            return self.noun(node)
        if isinstance(node, exp.Tuple):
            return join_words([self.value(e) for e in node.expressions])
        text = self.noun(node)
        return text if text.startswith(("this ", "the ", "today", "current ")) else f"the {text}"

    def arithmetic(self, node: exp.Expression, word: str) -> str:
        left, right = self.noun(node.this), self.noun(node.expression)
        if isinstance(node, exp.Sub) and not is_literal(node.expression) and self.choose.chance("diff", 50):
            return f"difference between {left} and {right}"
        if isinstance(node, exp.Div) and self.choose.chance("ratio", 40) and not is_literal(node.expression):
            return f"ratio of {left} to {right}"
        return f"{left} {word} {right}"

    # -- aggregates ------------------------------------------------------------------------------
    def aggregate(self, node: exp.Expression, bare: bool = False) -> str:
        name = _func_name(node)
        arg = (
            node.this
            if isinstance(node, exp.AggFunc)
            else (node.expressions[0] if node.expressions else None)
        )
        distinct = isinstance(arg, exp.Distinct)
        if distinct:
            args = arg.expressions
            arg = args[0] if len(args) == 1 else exp.Tuple(expressions=args)
        if name == "COUNT":
            return self._count(arg, distinct, bare)
        target = self.agg_argument(arg) if arg is not None else "value"
        lt = self.logical_type(arg)
        temporal = lt is not None and lt.is_temporal
        dist = "distinct " if distinct else ""
        if name == "SUM":
            word = self.choose.pick("sum", ("total", "total", "sum of"))
            if target.lower().startswith("total"):
                word = "sum of"
            return f"{word} {dist}{target}" if word == "total" else f"sum of {dist}{target}"
        if name == "AVG":
            word = self.choose.pick("avg", ("average", "average", "average", "mean"))
            return f"{word} {dist}{target}"
        if name in ("MAX", "MIN"):
            high = name == "MAX"
            temporal_words = ("latest", "most recent") if high else ("earliest", "earliest")
            words = temporal_words if temporal else HIGHEST if high else LOWEST
            word = self.choose.pick(name.lower(), words)
            if target.split(" ", 1)[0].lower() == word:
                word = words[0]  # "the highest maximum salary", not "the maximum maximum salary"
            return f"{word} {target}"
        other = {
            "STDDEV": "standard deviation of",
            "STDDEV_POP": "population standard deviation of",
            "STDDEV_SAMP": "standard deviation of",
            "VARIANCE": "variance of",
            "VAR_POP": "population variance of",
            "VAR_SAMP": "variance of",
            "MEDIAN": "median",
            "GROUP_CONCAT": "list of",
            "GROUPCONCAT": "list of",
            "STRING_AGG": "list of",
            "ARRAY_AGG": "list of",
            "TOTAL": "total",
            "ANY_VALUE": "any",
            "BOOL_AND": "whether all are true for",
            "BOOL_OR": "whether any is true for",
        }.get(name)
        if other is not None:
            return f"{other} {dist}{target}"
        return f"{humanise(name)} of {dist}{target}"

    def _filtered(self, node: exp.Filter, bare: bool) -> str:
        from sqlsynth.nl.conditions import ConditionPhraser

        where = node.expression.this if isinstance(node.expression, exp.Where) else node.expression
        clause = ConditionPhraser(self.scope, self.realiser).clause(where)
        base = self.noun(node.this, bare=False)
        return f"{base} (counting only {self.entity.plural} {clause})"

    def _count(self, arg: exp.Expression | None, distinct: bool, bare: bool) -> str:
        fact = self.scope.counted()
        entity = fact.noun.plural if fact is not None else self.entity.plural
        if arg is None or isinstance(arg, exp.Star) or (is_literal(arg) and not isinstance(arg, exp.Null)):
            return "number" if bare else f"number of {entity}"
        if isinstance(arg, exp.Column) and not distinct:
            src = self.scope.source_of(arg)
            if src is not None and self.is_key(arg):
                if self.is_focus(src) or src is fact:
                    return "number" if bare else f"number of {entity}"
                return f"number of {self.their_path(src).split(' ', 1)[1]}"
        what = self.agg_argument(arg)
        if distinct:
            word = self.choose.pick("distinct_count", ("distinct", "different"))
            return f"number of {word} {pluralise(what)}"
        return f"number of {pluralise(what)}"

    def is_key(self, col: exp.Column) -> bool:
        """`col` is a key of its table (primary or foreign): COUNT(col) counts its rows."""
        src = self.scope.source_of(col)
        if src is None or src.kind != "table":
            return False
        return (
            col.name.lower() in self.namer.primary_key(src.name)
            or self.namer.foreign_key_from(src.name, col.name) is not None
        )

    def agg_argument(self, arg: exp.Expression) -> str:
        """The thing aggregated: "unit price", "manager salary", "quantity times unit price"."""
        while isinstance(arg, exp.Paren):
            arg = arg.this
        if isinstance(arg, exp.Column):
            return self.column(arg, "compound")
        return self.noun(arg)

    def logical_type(self, node: exp.Expression | None) -> LogicalType | None:
        """The logical type of a column (or of a simple expression over one), when known."""
        while isinstance(node, (exp.Paren, exp.Alias)):
            node = node.this
        if isinstance(node, exp.Column):
            src = self.scope.source_of(node)
            if src is not None and src.kind == "table":
                return self.namer.logical_type(src.name, node.name)
            return None
        if isinstance(node, (exp.Max, exp.Min)):
            return self.logical_type(node.this)
        if isinstance(node, (exp.Count, exp.Length)):
            return LogicalType.INTEGER
        if isinstance(node, (exp.Sum, exp.Avg)) or type(node) in ARITHMETIC:
            return LogicalType.DECIMAL
        if isinstance(node, (exp.Date, exp.TsOrDsToDate, exp.StrToDate)):
            return LogicalType.DATE
        return None

    # -- functions -------------------------------------------------------------------------------
    def function(self, node: exp.Expression) -> str:
        """String, date, numeric and other functions; unknown ones as "<name> of <arguments>"."""
        date = self._date_function(node)
        if date is not None:
            return date
        if isinstance(node, exp.Upper):
            return f"{self.noun(node.this)} in upper case"
        if isinstance(node, exp.Lower):
            return f"{self.noun(node.this)} in lower case"
        if isinstance(node, exp.Length):
            return f"length of {self._the(node.this)}"
        if isinstance(node, exp.Trim):
            return f"{self.noun(node.this)} without surrounding spaces"
        if isinstance(node, exp.Substring):
            return self._substring(node)
        if isinstance(node, (exp.Concat, exp.DPipe, exp.ConcatWs)):
            parts = (
                node.expressions
                if isinstance(node, (exp.Concat, exp.ConcatWs))
                else [node.this, node.expression]
            )
            flat = [p for part in parts for p in _flatten_concat(part)]
            return f"combination of {join_words([self.noun(p) for p in flat])}"
        if isinstance(node, (exp.Coalesce,)):
            rest = [node.expression] if node.args.get("expression") else []
            rest += list(node.expressions or [])
            alts = join_words([self.value(e) for e in rest], "or")
            return f"{self.noun(node.this)} (or {alts} when it is missing)"
        if isinstance(node, exp.Abs):
            return f"absolute value of {self._the(node.this)}"
        if isinstance(node, exp.Round):
            digits = node.args.get("decimals")
            n = number_of(digits)
            if digits is None or n == 0:
                return f"{self.noun(node.this)} rounded to a whole number"
            return f"{self.noun(node.this)} rounded to {literal_text(digits)} decimal places"
        if isinstance(node, (exp.Cast, exp.TryCast)):
            to = node.args.get("to")
            kind = to.this.name if isinstance(to, exp.DataType) and hasattr(to.this, "name") else str(to)
            return f"{self.noun(node.this)} as {TYPE_WORDS.get(kind.upper(), humanise(kind))}"
        if isinstance(node, exp.Replace):
            return (
                f"{self.noun(node.this)} with {self.value(node.expression)} replaced by "
                f"{self.value(node.args.get('replacement') or exp.Literal.string(''))}"
            )
        if isinstance(node, exp.Nullif):
            return f"{self.noun(node.this)} (no value when it equals {self.value(node.expression)})"
        if isinstance(node, exp.Distinct):
            return f"distinct {join_words([self.noun(e) for e in node.expressions])}"
        if isinstance(node, exp.Tuple):
            return join_words([self.noun(e) for e in node.expressions])
        if isinstance(
            node, (exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract, exp.JSONBExtractScalar)
        ):
            path = node.expression
            keys = (
                [k.name for k in path.expressions if isinstance(k, exp.JSONPathKey)]
                if isinstance(path, exp.JSONPath)
                else []
            )
            where = ".".join(keys) if keys else (path.sql() if path is not None else "")
            return f'"{where}" field of {self._the(node.this)}'
        if isinstance(node, exp.Bracket):
            return f"element of {self._the(node.this)}"
        return self._generic(node)

    def _the(self, node: exp.Expression) -> str:
        text = self.noun(node)
        return text if is_literal(node) or text.startswith(("this ", "today", "current ")) else f"the {text}"

    def _substring(self, node: exp.Substring) -> str:
        start = number_of(node.args.get("start"))
        length = node.args.get("length")
        what = self._the(node.this)
        if start == 1 and length is not None:
            return f"first {literal_text(length)} characters of {what}"
        if length is not None:
            position = self.value(node.args["start"])
            return f"{literal_text(length)} characters of {what} starting at position {position}"
        if start is not None and start < 0:
            return f"last {-start} characters of {what}"
        return f"part of {what} from position {self.value(node.args.get('start') or exp.Literal.number(1))}"

    def _date_function(self, node: exp.Expression) -> str | None:
        if isinstance(node, (exp.TimeToStr, exp.StrToTime)) and isinstance(
            node.args.get("format"), exp.Literal
        ):
            fmt = str(node.args["format"].this)
            target = _unwrap_time(node.this)
            part = DATE_FORMATS.get(fmt)
            if part is None:
                return f"{self.noun(target)} formatted as {literal_text(node.args['format'])}"
            return f"{part} of {self._the(target)}"
        if (
            isinstance(node, exp.Anonymous)
            and str(node.this).upper() == "STRFTIME"
            and len(node.expressions) >= 2
        ):
            fmt = node.expressions[0]
            if isinstance(fmt, exp.Literal) and str(fmt.this) in DATE_FORMATS:
                return f"{DATE_FORMATS[str(fmt.this)]} of {self._the(node.expressions[1])}"
        if isinstance(node, exp.Extract):
            unit = (
                node.this.name.upper()
                if isinstance(node.this, (exp.Var, exp.Identifier))
                else node.this.sql()
            )
            return f"{DATE_PARTS.get(unit, humanise(unit))} of {self._the(_unwrap_time(node.expression))}"
        for cls, part in (
            (exp.Year, "year"),
            (exp.Month, "month"),
            (exp.Day, "day"),
            (exp.Quarter, "quarter"),
        ):
            if isinstance(node, cls):
                return f"{part} of {self._the(_unwrap_time(node.this))}"
        if isinstance(node, (exp.DayOfWeek,)):
            return f"day of the week of {self._the(_unwrap_time(node.this))}"
        if isinstance(node, (exp.Date, exp.TsOrDsToDate, exp.TsOrDsToTimestamp)) and node.this is not None:
            if isinstance(node, exp.Date) and len(node.expressions) > 0:
                return None
            return f"date of {self._the(node.this)}" if isinstance(node, exp.Date) else self.noun(node.this)
        if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc, exp.TimeTrunc, exp.DatetimeTrunc)):
            unit = node.args.get("unit")
            word = (
                humanise(unit.name).lower()
                if isinstance(unit, (exp.Var, exp.Literal, exp.Identifier))
                else "unit"
            )
            return f"{self.noun(_unwrap_time(node.this))} truncated to the {word}"
        if isinstance(node, (exp.CurrentDate,)):
            return "today's date"
        if isinstance(node, (exp.CurrentTimestamp, exp.CurrentTime)):
            return "current time"
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "JULIANDAY" and node.expressions:
            return f"{self.noun(node.expressions[0])} as a day number"
        if isinstance(node, (exp.DateDiff, exp.TimestampDiff, exp.DatetimeDiff)):
            unit = node.args.get("unit")
            unit_word = pluralise(humanise(unit.name)) if unit is not None else "days"
            return (
                f"number of {unit_word} between {self._the(_unwrap_time(node.expression))} and "
                f"{self._the(_unwrap_time(node.this))}"
            )
        return None

    def _generic(self, node: exp.Expression) -> str:
        name = _func_name(node)
        args = [a for a in _arguments(node)]
        if not name:
            return node.sql()
        if not args:
            return f"{humanise(name)} value"
        return f"{humanise(name)} of {join_words([self._the(a) for a in args])}"

    # -- CASE --------------------------------------------------------------------------------------
    def case(self, node: exp.Expression) -> str:
        from sqlsynth.nl.conditions import ConditionPhraser

        cond = ConditionPhraser(self.scope, self.realiser)
        parts: list[str] = []
        if isinstance(node, exp.If):
            parts.append(f"{self.value(node.args['true'])} if {cond.sentence(node.this)}")
            default = node.args.get("false")
        else:
            subject = node.this
            for branch in node.args.get("ifs") or []:
                if subject is not None:
                    test = f"{self._the(subject)} is {self.value(branch.this)}"
                else:
                    test = cond.sentence(branch.this)
                parts.append(f"{self.value(branch.args['true'])} if {test}")
            default = node.args.get("default")
        tail = f", otherwise {self.value(default)}" if default is not None else ", otherwise no value"
        return ", ".join(parts) + tail

    # -- windows -------------------------------------------------------------------------------------
    def window(self, node: exp.Window) -> str:
        fn = node.this
        name = _func_name(fn)
        partition = node.args.get("partition_by") or []
        order = node.args.get("order")
        keys = order.expressions if order is not None else []
        within = ""
        if partition:
            groups = join_words([self.noun(p) for p in partition])
            within = " " + self.choose.pick(
                "within", (f"within each {groups}", f"among rows with the same {groups}")
            )
        by = self.order_words(keys) if keys else ""
        spec = node.args.get("spec")
        frame = f" over the frame {spec.sql().lower()}" if spec is not None else ""
        if name in RANKING:
            word = RANKING[name]
            if name == "NTILE" and fn.this is not None:
                word = f"{self.value(fn.this)}-tile group"
            return f"{word} by {by or 'the current order'}{within}{frame}".strip()
        if name in ("LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE"):
            target = self.noun(fn.this) if fn.this is not None else "value"
            word = {"LAG": "previous", "LEAD": "next", "FIRST_VALUE": "first", "LAST_VALUE": "last"}.get(
                name, "nth"
            )
            offset = number_of(fn.args.get("offset"))
            ordered = f" ordered by {by}" if by else ""
            if offset and offset > 1 and name in ("LAG", "LEAD"):
                where = "before" if name == "LAG" else "after"
                return f"{target} {offset} rows {where}{ordered}{within}{frame}"
            return f"{word} {target}{ordered}{within}{frame}"
        base = self.noun(fn) if fn is not None else "value"
        if keys and spec is None and name in ("SUM", "COUNT", "AVG", "MIN", "MAX"):
            running = {
                "SUM": "running",
                "COUNT": "running",
                "AVG": "running",
                "MIN": "running",
                "MAX": "running",
            }
            return f"{running[name]} {base} ordered by {by}{within}"
        if not partition and not keys:
            return f"{base} over all rows{frame}"
        ordered = f" ordered by {by}" if by else ""
        return f"{base}{within}{ordered}{frame}"

    def order_words(self, keys: list[exp.Expression]) -> str:
        """ "budget (highest first)" for window ORDER BY keys."""
        parts = []
        for key in keys:
            desc = isinstance(key, exp.Ordered) and bool(key.args.get("desc"))
            target = key.this if isinstance(key, exp.Ordered) else key
            lt = self.logical_type(target)
            if lt is not None and lt.is_temporal:
                hint = "latest first" if desc else "earliest first"
            else:
                hint = "highest first" if desc else "lowest first"
            parts.append(f"{self.noun(target)} ({hint})")
        return join_words(parts, "then")


# -- helpers -------------------------------------------------------------------------------------------
GENERIC_TAILS = {"name", "names", "title", "description"}


def _strip_entity(label: str, noun: Noun) -> str:
    """ "product name" of products -> "name"; other labels keep their words ("product id")."""
    single = noun.singular.lower()
    low = label.lower()
    if low.startswith(single + " "):
        rest = label[len(single) + 1 :]
        if rest.lower() in GENERIC_TAILS:
            return rest
    return label


def starts_with_word(label: str, word: str) -> bool:
    """`label` is `word` or begins with it as a whole word ("store email", "store")."""
    low, w = label.lower(), word.lower()
    return low == w or low.startswith(w + " ")


def _after_shared_word(noun: str, label: str) -> str | None:
    """The rest of `label` when it starts with the word that ends `noun` ("store email" after
    "department store": "email"); None otherwise."""
    first, _, rest = label.partition(" ")
    return rest if rest and first.lower() == noun.rsplit(" ", 1)[-1].lower() else None


def _func_name(node: exp.Expression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper()
    try:
        return node.sql_name().upper()
    except Exception:  # noqa: BLE001 - sqlglot raises plain errors for some nodes
        return type(node).__name__.upper()


def _is_anonymous_agg(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).upper() in ("GROUP_CONCAT", "TOTAL", "MEDIAN")


def _arguments(node: exp.Expression) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for key in node.arg_types:
        value = node.args.get(key)
        if isinstance(value, list):
            out.extend(v for v in value if isinstance(v, exp.Expression))
        elif isinstance(value, exp.Expression) and not isinstance(value, exp.DataType):
            out.append(value)
    return out


def _unwrap_time(node: exp.Expression) -> exp.Expression:
    while isinstance(node, (exp.TsOrDsToTimestamp, exp.TsOrDsToDate, exp.TimeStrToTime, exp.StrToTime)) and (
        not isinstance(node, exp.StrToTime)
    ):
        node = node.this
    return node


def _flatten_concat(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.DPipe):
        return _flatten_concat(node.this) + _flatten_concat(node.expression)
    return [node]
