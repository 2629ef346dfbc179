"""The rule-based realiser: any SELECT (sqlglot AST or SQL text) -> one English question.

    realise("SELECT AVG(unit_price) FROM products GROUP BY category_id", demo_schema())
    -> "What is the average unit price of products for each category?"

Deterministic: the same query, schema and seed give the same words; the seed picks among several
phrasings of each construct (questions "What is ...", "How many ...", "Which ..." and requests
"List ...", "Show ...", "Find ..."). Every constraint of the query is said: a construct without a
dedicated wording falls back to a generic but complete phrase, and as a last resort (a bug) the
question quotes the SQL rather than dropping anything.
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp

from sqlsynth.nl.names import Namer
from sqlsynth.nl.phrasing import Chooser
from sqlsynth.nl.query import Phrase, QueryRealiser
from sqlsynth.render import generate
from sqlsynth.schema.model import Schema

log = logging.getLogger(__name__)

QUESTIONS_PLURAL = ("What are {np}?", "What are {np}?")
QUESTIONS_SINGULAR = ("What is {np}?", "What is {np}?")
# requests in about the shares people use (Spider: "Find" half of them, then "List", "Show", "Return")
REQUESTS = (
    "Find {np}.",
    "List {np}.",
    "Find {np}.",
    "Show {np}.",
    "Find {np}.",
    "Return {np}.",
    "Find {np}.",
    "List {np}.",
    "Find {np}.",
    "Give me {np}.",
)
SINGULAR_REQUESTS = ("Find {np}.", "Show {np}.", "Find {np}.", "Return {np}.", "Find {np}.", "Give me {np}.")
COUNT_FRAMES = (  # as people ask to count rows (Spider, one-table counts: 58% "How many", 23% "Count")
    "How many {rows} are there?",
    "Count the number of {rows}.",
    "How many {rows} are there?",
    "What is the number of {rows}?",
    "How many {rows} are there?",
    "Count the number of {rows}.",
    "How many {rows} are there?",
    "Find the number of {rows}.",
    "How many {rows} are there?",
)
LEAD_FRAMES = ("{Lead}, what is {body}?", "{Lead}, show {body}.", "{Lead}, find {body}.")


def parse_query(
    sql: str | exp.Expression, dialect: str | None = None, *, copy: bool = True
) -> exp.Expression:
    """The query's AST (a copy when given one, unless copy=False); ValueError when the text is not
    one SELECT."""
    if isinstance(sql, exp.Expression):
        return sql.copy() if copy else sql
    try:
        parsed = sqlglot.parse(sql.strip().rstrip(";"), read=dialect)
    except sqlglot.errors.ParseError as err:
        raise ValueError(f"cannot parse SQL: {err}") from None
    statements = [p for p in parsed if p is not None]
    if len(statements) != 1:
        raise ValueError(f"expected one statement, got {len(statements)}")
    return statements[0]


STRING_QUOTING_DIALECTS = {"sqlite", "mysql"}


_COLUMN_NAMES: dict[int, tuple[Schema, frozenset[str]]] = {}


def _column_names(schema: Schema) -> frozenset[str]:
    """The schema's column names, lower-cased; computed once per schema object (the realiser runs
    once per record; a loaded schema is not changed afterwards)."""
    hit = _COLUMN_NAMES.get(id(schema))
    if hit is None or hit[0] is not schema:
        if len(_COLUMN_NAMES) > 64:
            _COLUMN_NAMES.clear()
        hit = (schema, frozenset(c.name.lower() for t in schema.tables for c in t.columns))
        _COLUMN_NAMES[id(schema)] = hit
    return hit[1]


def quoted_strings_as_literals(expr: exp.Expression, schema: Schema) -> exp.Expression:
    """SQLite and MySQL read `"Paris"` as a string when no column has that name (Spider writes
    `WHERE name = "Aerosmith"`): turn such double-quoted unqualified "columns" into literals."""
    known = set(_column_names(schema))
    known |= {a.alias.lower() for a in expr.find_all(exp.Alias)}
    known |= {c.alias_or_name.lower() for c in expr.find_all(exp.CTE)}
    known |= {
        col.lower() for alias in expr.find_all(exp.TableAlias) for col in [c.name for c in alias.columns]
    }
    for col in list(expr.find_all(exp.Column)):
        ident = col.this
        if col.table or not isinstance(ident, exp.Identifier) or not ident.quoted:
            continue
        if ident.name.lower() in known:
            continue
        replacement = exp.Literal.string(ident.name)
        if col is expr:
            return replacement
        col.replace(replacement)
    return expr


def shape_key(expr: exp.Expression) -> str:
    """The query with every literal masked: phrasing choices depend on it, so a changed value
    changes only that value in the question. (The literals are masked in place and put back:
    a copy of the tree would cost more.)"""
    masked = [(lit, exp.Placeholder()) for lit in list(expr.find_all(exp.Literal))]
    for lit, mask in masked:
        lit.replace(mask)
    # writing moves a WITH nested in a subquery to the top: only then on a copy
    nested_with = any(w is not expr.args.get("with_") for w in expr.find_all(exp.With))
    try:
        return generate(expr, copy=nested_with)
    finally:
        for lit, mask in masked:
            mask.replace(lit)


def realise(
    sql: str | exp.Expression,
    schema: Schema | None = None,
    *,
    dialect: str | None = None,
    seed: int = 0,
    strict: bool = False,
    copy: bool = True,
) -> str:
    """One English question (or request) that says what the SELECT asks for.

    `dialect` is the dialect of SQL text (and of NULL ordering defaults); `seed` chooses among
    phrasings. strict=True raises instead of quoting the SQL when a construct defeats the realiser.
    copy=False lets it work on (and change) a tree given, which the caller no longer needs.
    Raises ValueError when `sql` is not a single parseable statement.
    """
    expr = parse_query(sql, dialect, copy=copy)
    if not isinstance(expr, exp.Query):
        raise ValueError(f"not a query: {type(expr).__name__}")
    if schema is not None and (dialect or "sqlite").lower() in STRING_QUOTING_DIALECTS:
        expr = quoted_strings_as_literals(expr, schema)
    if isinstance(expr, exp.Select) and not expr.expressions:
        raise ValueError("SELECT without any item")
    chooser = Chooser(seed, shape_key(expr))
    realiser = QueryRealiser(Namer(schema), chooser, dialect)
    try:
        phrase = realiser.phrase(expr)
        return tidy(frame(phrase, chooser))
    except Exception as err:  # a realiser bug must not lose the record: quote the SQL
        if strict:
            raise
        log.warning("realiser fell back to quoting the SQL (%s: %s)", type(err).__name__, err)
        return f"What does this query return: {expr.sql(dialect=dialect)}?"


def frame(phrase: Phrase, chooser: Chooser) -> str:
    """Put a query's noun phrase into a question or a request."""
    if phrase.count_of and chooser.chance("how_many", 85):
        form = chooser.pick("count_frame", COUNT_FRAMES)
        have = re.match(r"(.+?) (?:that|who) have (.+)", phrase.count_of)
        if form == COUNT_FRAMES[0] and have and not re.search(r"\b(whose|that|who|of|with)\b", have[1]):
            # not "How many artists that have no album are there?"
            return f"How many {have[1]} have {have[2]}?"
        head, whose, rest = phrase.count_of.partition(" whose ")
        if form == COUNT_FRAMES[0] and whose and not re.search(r"\b(that|who|of|with)\b", head):
            return f"How many {head} are there whose {rest}?"  # not "How many X whose Y is Z are there?"
        return form.format(rows=phrase.count_of)
    if phrase.which and chooser.chance("which", 60):
        return phrase.which
    if phrase.lead and chooser.chance("lead", 20):  # "For each ...": 1.5% of Spider's questions
        form = chooser.pick("lead_frame", LEAD_FRAMES)
        return form.format(Lead=_cap(phrase.lead), body=phrase.body)
    ask = chooser.chance("ask", 45)
    if phrase.singular:
        form = chooser.pick("q1", QUESTIONS_SINGULAR) if ask else chooser.pick("r1", SINGULAR_REQUESTS)
    else:
        form = chooser.pick("q", QUESTIONS_PLURAL) if ask else chooser.pick("r", REQUESTS)
    return form.format(np=phrase.np)


def tidy(text: str) -> str:
    """Spacing and capitalisation."""
    text = " ".join(text.split())
    for bad, good in ((" ,", ","), (" ?", "?"), (" .", "."), (",,", ","), ("( ", "("), (" )", ")")):
        text = text.replace(bad, good)
    text = text.replace(",?", "?").replace(",.", ".")
    return _cap(text)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
