"""SQL-GEN template expansion (seeds/003): dialect tutorials as data, rule-based and LLM expansion.

A tutorial (`sqlsynth/data/tutorials/<dialect>.json`, model `Tutorial`) lists the functions and
constructs worth teaching in one dialect, each with a description, argument types, return type, an
example query and optional expansion rules. A rule puts the entry into a template where the types
fit; `{0}`, `{1}` stand for columns of the entry's argument types and `{v0}` for a value of
column 0's type:

- wrap: `DATE_TRUNC('month', {0})` around a selected (and grouped / ordered) column of a fitting
  type; failing that, as a new group dimension of an aggregate query, or a new select item;
- select: a new select item of a query without aggregates (`IIF({0} > {v0}, 'high', 'low')`);
- aggregate: a new aggregate of a grouped or aggregate query (`STRING_AGG({0}, ', ' ORDER BY {0})`);
- where: a new WHERE conjunct (`STRFTIME('%Y', {0}) = STRFTIME('%Y', {v0})`);
- replace: the entry instead of LIKE / COUNT(DISTINCT x) / x / y (`{0} ILIKE {1}`);
- qualify: a QUALIFY condition on a query without aggregates.

New columns belong to the first table of the query's FROM. Every expansion is rendered in the
dialect and parsed back; it becomes a template of that dialect with `features` naming the entry.
`llm_expand` asks a model instead (a template, a tutorial excerpt; keep what parses and keeps the
placeholders consistent).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlglot import exp

from sqlsynth.errors import SqlsynthError
from sqlsynth.generate.templates import (
    COLUMN_SLOT,
    COLUMN_TYPES,
    KEY_TYPES,
    TABLE_SLOT,
    VALUE_SLOT,
    VALUE_TYPES,
    ColumnSlot,
    Slots,
    Template,
    TemplateLibrary,
    parse_template,
    placeholder,
    show_template,
    slot_identifier,
    slots_of,
)

TUTORIAL_DIALECTS = ("postgres", "bigquery", "sqlite", "duckdb", "mysql", "tsql", "snowflake")
ArgType = Literal["number", "text", "temporal", "date", "datetime", "time", "boolean", "any"]
ReturnType = Literal[
    "number",
    "text",
    "temporal",
    "date",
    "datetime",
    "time",
    "boolean",
    "any",
    "interval",
    "array",
    "struct",
    "table",
]
_OPERANDS = {"LIKE": (exp.Like,), "DIV": (exp.Div,), "COUNT_DISTINCT": (exp.Count,)}


# -- tutorials ----------------------------------------------------------------------------------
class ExpandRule(BaseModel):
    """How an entry goes into a template; see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["wrap", "select", "aggregate", "where", "replace", "qualify"]
    pattern: str = Field(description="SQL in the tutorial's dialect with {0}, {1} (columns), {v0} (a value).")
    replaces: Literal["LIKE", "DIV", "COUNT_DISTINCT"] | None = None


class TutorialEntry(BaseModel):
    """One function or construct worth teaching."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal[
        "function", "aggregate", "window", "operator", "clause", "table_function", "cast", "construct"
    ]
    description: str
    args: list[ArgType] = Field(description="Logical types of the column arguments.")
    returns: ReturnType | None = None
    example: str = Field(description="A self-contained query in the dialect (inline data, no schema).")
    expand: list[ExpandRule] = Field(default_factory=list)


class Tutorial(BaseModel):
    """A dialect's tutorial: what to teach, with examples; `engine` runs the examples here, if any."""

    model_config = ConfigDict(extra="forbid")

    dialect: str
    source: str = ""
    engine: Literal["sqlite", "duckdb", "postgres"] | None = None
    entries: list[TutorialEntry]

    def excerpt(self, names: list[str] | None = None) -> str:
        """Entries as text for a prompt."""
        chosen = [e for e in self.entries if names is None or e.name in names]
        return "\n\n".join(
            f"{e.name} ({e.kind}; arguments: {', '.join(e.args) or 'none'}): {e.description}\n"
            f"Example: {e.example}"
            for e in chosen
        )


@cache
def _tutorial_text(dialect: str) -> str:
    return resources.files("sqlsynth").joinpath("data", "tutorials", f"{dialect}.json").read_text("utf-8")


def load_tutorial(dialect: str) -> Tutorial:
    """The built-in tutorial of `dialect` (one of TUTORIAL_DIALECTS)."""
    d = "postgres" if dialect == "postgresql" else dialect
    if d not in TUTORIAL_DIALECTS:
        raise SqlsynthError(f"no tutorial for dialect {dialect!r}; there are: {', '.join(TUTORIAL_DIALECTS)}")
    try:
        return Tutorial.model_validate_json(_tutorial_text(d))
    except ValidationError as err:  # a packaging bug, but say where
        raise SqlsynthError(f"bad tutorial file: {err}", where=f"sqlsynth/data/tutorials/{d}.json") from None


# -- rule-based expansion -----------------------------------------------------------------------
def expand_template(template: Template, tutorial: Tutorial) -> list[Template]:
    """Each expansion of `template` by one rule of `tutorial` (at most one per rule)."""
    rules = [(e, r) for e in tutorial.entries for r in e.expand]
    return list(_expansions(template, tutorial.dialect, rules, limit=None))


def _expansions(
    template: Template, dialect: str, rules: list[tuple[TutorialEntry, ExpandRule]], limit: int | None
) -> Iterator[Template]:
    """Expansions of `template` by `rules` in order, at most `limit` distinct ones."""
    if not template.portable or limit == 0:
        return
    base = template.expr()
    shape = _Shape.of(base)
    seen: set[str] = set()
    for entry, rule in rules:
        if not shape.admits(rule):
            continue
        try:
            tree = _apply(base.copy(), entry, rule, dialect)
            text = show_template(tree, dialect)
            parse_template(text, dialect)
        except (_NoFit, SqlsynthError):
            continue
        new = Template.build(
            text,
            dialect,
            count=template.count,
            origin="expanded",
            parent=template.id,
            features=[f"{dialect}:{entry.name}"],
        )
        if new.id in seen:
            continue
        seen.add(new.id)
        yield new
        if limit is not None and len(seen) >= limit:
            return


def expand_library(
    library: TemplateLibrary,
    dialect: str,
    *,
    tutorial: Tutorial | None = None,
    per_template: int | None = 4,
    seed: int = 0,
) -> TemplateLibrary:
    """The library plus up to `per_template` expansions of each portable template (None: all),
    trying the tutorial's least-used entries first so that they are used about equally."""
    tut = tutorial or load_tutorial(dialect)
    rules = [(e, r) for e in tut.entries for r in e.expand]
    used: Counter[str] = Counter()
    added: list[Template] = []
    have = {t.id for t in library.templates}
    for t in library.templates:
        order = list(rules)
        random.Random(f"expand:{seed}:{t.id}").shuffle(order)
        order.sort(key=lambda er: used[er[0].name])  # stable: least-used entries first
        for x in _expansions(t, tut.dialect, order, per_template):
            if x.id in have:
                continue
            used[x.features[0].split(":", 1)[1]] += 1
            have.add(x.id)
            added.append(x)
    return library.model_copy(update={"templates": [*library.templates, *added]})


class _Shape:
    """What decides cheaply whether a rule may apply, before copying the tree."""

    def __init__(self, select: bool, aggregated: bool, distinct: bool, replaceable: set[str]) -> None:
        self.select, self.aggregated, self.distinct, self.replaceable = (
            select,
            aggregated,
            distinct,
            replaceable,
        )

    @classmethod
    def of(cls, tree: exp.Expression) -> _Shape:
        select = isinstance(tree, exp.Select)
        aggregated = select and (
            tree.args.get("group") is not None or any(_has_agg(i) for i in tree.expressions)
        )
        replaceable = {name for name, kinds in _OPERANDS.items() if tree.find(*kinds) is not None}
        return cls(select, bool(aggregated), bool(select and tree.args.get("distinct")), replaceable)

    def admits(self, rule: ExpandRule) -> bool:
        if rule.op == "replace":
            return rule.replaces in self.replaceable
        if not self.select:
            return False
        if rule.op in ("select", "qualify"):
            return not (self.aggregated or self.distinct)
        if rule.op == "aggregate":
            return self.aggregated
        return True


class _NoFit(Exception):
    """The rule does not fit this template."""


def _apply(
    tree: exp.Expression, entry: TutorialEntry, rule: ExpandRule, dialect: str
) -> exp.Expression | None:
    if rule.op == "replace":
        return _replace(tree, rule, dialect)
    if not isinstance(tree, exp.Select):
        raise _NoFit
    slots = slots_of(tree)
    if rule.op == "wrap":
        return _wrap(tree, slots, entry, rule, dialect)
    grouped = tree.args.get("group") is not None
    aggregated = grouped or any(_has_agg(i) for i in tree.expressions)
    if rule.op in ("select", "qualify") and (aggregated or tree.args.get("distinct")):
        raise _NoFit
    if rule.op == "aggregate" and not aggregated:
        raise _NoFit
    node = _snippet(rule.pattern, _new_args(tree, slots, entry.args), slots, entry.args, dialect)
    if rule.op in ("select", "aggregate"):
        tree.append("expressions", node)
    elif rule.op == "where":
        where = tree.args.get("where")
        tree.set("where", exp.Where(this=exp.and_(where.this, node) if where else node))
    elif rule.op == "qualify":
        if tree.args.get("qualify") is not None:
            raise _NoFit
        tree.set("qualify", exp.Qualify(this=node))
    return tree


def _has_agg(node: exp.Expression) -> bool:
    return any(not a.find_ancestor(exp.Window) for a in node.find_all(exp.AggFunc)) or isinstance(
        node, exp.AggFunc
    )


def _first_table(select: exp.Select) -> tuple[str, str | None]:
    """(table slot, alias) of the first table of FROM."""
    from_ = select.args.get("from_")
    table = from_.this if from_ is not None else None
    m = TABLE_SLOT.match(placeholder(table) or "") if isinstance(table, exp.Table) else None
    if m is None:
        raise _NoFit
    return m.group(1), (table.alias or None)


def _new_args(select: exp.Select, slots: Slots, types: list[str]) -> list[str]:
    """Column texts for new column slots of the first FROM table, one per argument type."""
    slot, alias = _first_table(select)
    out = []
    for t in types:
        col = ColumnSlot(slots.next_column(), slot, "any" if t == "any" else t)
        slots.columns[col.name] = col
        out.append(f"{alias}.{col.text}" if alias else col.text)
    return out


def _snippet(pattern: str, args: list[str], slots: Slots, types: list[str], dialect: str) -> exp.Expression:
    text = pattern
    for i, a in enumerate(args):
        text = text.replace(f"{{{i}}}", a)
    if "{v0}" in text:
        vtype = types[0] if types and types[0] in VALUE_TYPES else "text"
        name = slots.next_value()
        slots.values[name] = vtype
        text = text.replace("{v0}", f"{{{name}:{vtype}}}")
    if re.search(r"\{\d\}|\{v\d\}", text):
        raise _NoFit
    node = parse_template(text, dialect)
    if isinstance(node, (exp.Select, exp.SetOperation)):
        raise _NoFit
    return node


def _fits(slot_type: str, arg: str) -> str | None:
    """The slot's type after binding it to an argument of type `arg`, or None if it cannot."""
    if arg == "any" or slot_type == arg:
        return slot_type
    if slot_type == "any" and arg not in KEY_TYPES:
        return arg
    if slot_type == "temporal" and arg in ("date", "datetime"):
        return arg
    if slot_type in ("date", "datetime") and arg == "temporal":
        return slot_type
    return None


def _wrap(
    tree: exp.Select, slots: Slots, entry: TutorialEntry, rule: ExpandRule, dialect: str
) -> exp.Expression | None:
    if len(entry.args) != 1:
        raise _NoFit
    arg = entry.args[0]
    for i, item in enumerate(tree.expressions):
        if not isinstance(item, exp.Column):
            continue
        m = COLUMN_SLOT.match(placeholder(item) or "")
        if m is None:
            continue
        new_type = _fits(m.group(3), arg)
        if new_type is None:
            continue
        old_text = placeholder(item)
        new_text = f"{{{m.group(1)}.{m.group(2)}:{new_type}}}"
        _retype(tree, old_text, new_text)  # type: ignore[arg-type]
        column = tree.expressions[i]
        key = column.sql()
        wrapped = _snippet(rule.pattern, [_column_text(column)], slots, entry.args, dialect)
        column.replace(wrapped)
        for clause in ("group", "order"):
            node = tree.args.get(clause)
            for c in list(node.find_all(exp.Column)) if node is not None else []:
                if c.sql() == key and not c.find_ancestor(exp.AggFunc):
                    c.replace(wrapped.copy())
        return tree
    grouped = tree.args.get("group") is not None
    if not grouped and any(_has_agg(i) for i in tree.expressions) and not tree.args.get("having"):
        node = _snippet(rule.pattern, _new_args(tree, slots, [arg]), slots, entry.args, dialect)
        tree.set("expressions", [node, *tree.expressions])
        tree.set("group", exp.Group(expressions=[node.copy()]))
        return tree
    if not grouped and not any(_has_agg(i) for i in tree.expressions) and not tree.args.get("distinct"):
        tree.append(
            "expressions", _snippet(rule.pattern, _new_args(tree, slots, [arg]), slots, entry.args, dialect)
        )
        return tree
    raise _NoFit


def _column_text(col: exp.Column) -> str:
    text = placeholder(col) or col.name
    return f"{col.table}.{text}" if col.table else text


def _retype(tree: exp.Expression, old: str, new: str) -> None:
    if old == new:
        return
    for col in tree.find_all(exp.Column):
        if placeholder(col) == old:
            col.set("this", slot_identifier(new))


def _replace(tree: exp.Expression, rule: ExpandRule, dialect: str) -> exp.Expression | None:
    kinds = _OPERANDS[rule.replaces or ""]
    for node in tree.find_all(*kinds):
        if rule.replaces == "COUNT_DISTINCT":
            inner = node.this
            if not isinstance(inner, exp.Distinct) or len(inner.expressions) != 1:
                continue
            operands = [inner.expressions[0]]
        else:
            operands = [node.this, node.expression]
        texts = [_operand_text(o, dialect) for o in operands]
        text = rule.pattern
        for i, t in enumerate(texts):
            text = text.replace(f"{{{i}}}", t)
        node.replace(parse_template(text, dialect))
        return tree
    raise _NoFit


def _operand_text(node: exp.Expression, dialect: str) -> str:
    text = show_template(node, dialect)
    return text if isinstance(node, (exp.Column, exp.Literal)) else f"({text})"


# -- LLM-based expansion ------------------------------------------------------------------------
PROMPT = """You rewrite SQL query templates so that they use {dialect} features.

A template is a SQL query whose tables, columns and values are placeholders in braces:
{{t1}} is a table; {{t1.c2:number}} is a column of table t1 with its type (number, text, temporal,
date, datetime, boolean, key, any); {{v1:text}} is a value of a type. Keep every placeholder
exactly as written; you may add new column placeholders of an existing table ({{t1.c9:temporal}})
and new value placeholders ({{v9:number}}). Write valid {dialect} SQL.

{dialect} features to use (one or two of them):

{excerpt}

Template:
{template}

Answer with the rewritten template only, in a ```sql code block."""


def llm_expand(
    library: TemplateLibrary,
    dialect: str,
    llm: Any,
    *,
    tutorial: Tutorial | None = None,
    per_template: int = 1,
    entries_per_prompt: int = 3,
    seed: int = 0,
    temperature: float = 0.7,
) -> tuple[TemplateLibrary, Counter[str]]:
    """Ask `llm` (sqlsynth.llm: anything with `chat_many`) for `per_template` rewrites of each
    portable template with a tutorial excerpt; keep the answers that parse in `dialect`, keep the
    template's placeholders consistent and use one of the excerpt's entries. Returns the library
    plus the new templates, and counts of what happened to the answers."""
    tut = tutorial or load_tutorial(dialect)
    stats: Counter[str] = Counter()
    jobs: list[tuple[Template, list[str]]] = []
    for t in library.templates:
        if not t.portable:
            continue
        rng = random.Random(f"llm-expand:{seed}:{t.id}")
        for _ in range(per_template):
            names = [e.name for e in rng.sample(tut.entries, min(entries_per_prompt, len(tut.entries)))]
            jobs.append((t, names))
    prompts = [
        PROMPT.format(dialect=dialect, excerpt=tut.excerpt(names), template=show_template(t.expr(), dialect))
        for t, names in jobs
    ]
    answers = llm.chat_many(prompts, return_exceptions=True, temperature=temperature) if prompts else []
    have = {t.id for t in library.templates}
    added = []
    for (base, names), answer in zip(jobs, answers, strict=True):
        if isinstance(answer, BaseException):
            stats["error"] += 1
            continue
        new, why = _accept(base, answer.text, names, tut, dialect)
        stats[why] += 1
        if new is not None and new.id not in have:
            have.add(new.id)
            added.append(new)
        elif new is not None:
            stats["duplicate"] += 1
    return library.model_copy(update={"templates": [*library.templates, *added]}), stats


def _code(text: str) -> str:
    m = re.search(r"```(?:sql)?\s*(.*?)```", text, re.DOTALL | re.IGNORECASE)
    return (m.group(1) if m else text).strip().rstrip(";").strip()


def _accept(
    base: Template, answer: str, names: list[str], tut: Tutorial, dialect: str
) -> tuple[Template | None, str]:
    sql = _code(answer)
    if not sql:
        return None, "empty"
    try:
        tree = parse_template(sql, dialect)
    except SqlsynthError:
        return None, "parse"
    if not isinstance(tree, exp.Query):
        return None, "not-a-query"
    problem = _placeholder_problem(tree, slots_of(base.expr()))
    if problem:
        return None, problem
    text = show_template(tree, dialect)
    upper = re.sub(r"'[^']*'", "", text).upper()
    used = [n for n in names if re.search(rf"\b{re.escape(n.upper())}\b", upper)]
    if not used:
        return None, "no-feature"
    return (
        Template.build(
            text, dialect, origin="llm", parent=base.id, features=[f"{dialect}:{n}" for n in used]
        ),
        "kept",
    )


def _placeholder_problem(tree: exp.Expression, base: Slots) -> str | None:
    """Why the answer's placeholders do not fit the base template's, or None."""
    seen_columns: dict[str, tuple[str, str]] = {}
    tables = set()
    for node in _placeholders(tree):
        text = placeholder(node) or ""
        if m := TABLE_SLOT.match(text):
            tables.add(m.group(1))
        elif m := COLUMN_SLOT.match(text):
            table, name, type_ = m.groups()
            if type_ not in COLUMN_TYPES or table not in base.tables:
                return "bad-placeholder"
            if seen_columns.setdefault(name, (table, type_)) != (table, type_):
                return "inconsistent-placeholder"
            old = base.columns.get(name)
            if old is not None and (old.table, old.type) != (table, type_) and _fits(old.type, type_) is None:
                return "inconsistent-placeholder"
        elif m := VALUE_SLOT.match(text):
            if m.group(2) not in VALUE_TYPES:
                return "bad-placeholder"
        else:
            return "bad-placeholder"
    if not tables or not tables <= set(base.tables):
        return "bad-placeholder"
    if any(
        re.search(r"\{[^{}]*\}", i.this) and placeholder(i) is None for i in tree.find_all(exp.Identifier)
    ):
        return "bad-placeholder"
    return None


def _placeholders(tree: exp.Expression) -> Iterator[exp.Expression]:
    for node in tree.find_all(exp.Table, exp.Column):
        if placeholder(node) is not None:
            yield node
