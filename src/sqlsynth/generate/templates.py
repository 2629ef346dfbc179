"""SQL-GEN templates (seeds/003): abstract any SQL corpus into a library of typed query templates.

A template is a query whose schema elements and values are typed placeholders, written in its
dialect with the placeholders in braces:

    SELECT T1.{t1.c1:text}, COUNT(*) FROM {t1} AS T1 JOIN {t2} AS T2 ON T1.{t1.c2:key} = T2.{t2.c3:key}
    WHERE T2.{t2.c4:number} > {v1:number} GROUP BY T1.{t1.c1:text}

- `{tN}`: a table; each distinct table of the source query is one slot (a self-join uses one slot
  twice, with two aliases);
- `{tN.cM:type}`: a column of table slot tN; type is the column's logical family (number, text,
  temporal = date or datetime, time, boolean) when the schema is known, else what its use implies
  (summed or averaged: number; compared with a string: text...; nothing: any). Columns that join
  two table occurrences (`ON a = b`, `x IN (SELECT y ...)`, correlations) are keys: filling binds
  them to the columns of a foreign key, so joins follow foreign keys only. With a schema the
  direction is kept (`fk`: the referencing column, `pk`: the referenced one), else `key`;
- `{vN:type}`: a literal in a predicate (comparison, BETWEEN, IN list, LIKE pattern); its type is
  its column's (pattern for LIKE, count when compared with COUNT).

Keywords, functions, literals outside predicates (LIMIT, function arguments, CASE results) and the
join structure are kept; table aliases become T1, T2... (only where needed). Identical templates
are counted once (`count`). In SQL text the placeholders travel as quoted identifiers, so every
template parses in its dialect (`parse_template`) and prints back (`show_template`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlglot import exp
from sqlglot.errors import SqlglotError

from sqlsynth.errors import SqlsynthError, first_problem
from sqlsynth.render import select_sources
from sqlsynth.schema.model import Schema
from sqlsynth.schema.types import LogicalType

KEY_TYPES = ("key", "fk", "pk")
COLUMN_TYPES = ("number", "text", "temporal", "date", "datetime", "time", "boolean", *KEY_TYPES, "any")
VALUE_TYPES = ("number", "text", "temporal", "date", "datetime", "time", "boolean", "pattern", "count")
TABLE_SLOT = re.compile(r"^\{(t\d+)\}$")
COLUMN_SLOT = re.compile(r"^\{(t\d+)\.(c\d+):([a-z]+)\}$")
VALUE_SLOT = re.compile(r"^\{(v\d+):([a-z]+)\}$")
_IN_TEXT = re.compile(r"\{(?:t\d+(?:\.c\d+:[a-z]+)?|v\d+:[a-z]+)\}")
_QUOTED = re.compile(r"""["`\[](\{(?:t\d+(?:\u00b7c\d+:[a-z]+)?|v\d+:[a-z]+)\})["`\]]""")
_DOT = "\u00b7"  # inside identifiers: BigQuery splits quoted names on '.'

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
DEFAULT_RESOURCE = "default.json"


class Unsupported(Exception):
    """A statement that cannot become a template; the message is a short reason."""


# -- the data model ----------------------------------------------------------------------------
class Template(BaseModel):
    """One query template; see the module docstring for the placeholder syntax."""

    model_config = ConfigDict(extra="forbid")

    id: str
    sql: str = Field(description="The template in its dialect, placeholders in braces.")
    dialect: str = "sqlite"
    count: int = Field(1, ge=1, description="Source statements that gave this template.")
    examples: list[str] = Field(default_factory=list, description="Up to two source statements.")
    origin: Literal["extracted", "expanded", "llm"] = "extracted"
    parent: str | None = Field(None, description="The template an expansion started from.")
    features: list[str] = Field(
        default_factory=list, description="Dialect features an expansion added ('postgres:DATE_TRUNC')."
    )

    @property
    def portable(self) -> bool:
        """No dialect-specific feature was added: any dialect may render it."""
        return not self.features

    def expr(self) -> exp.Expression:
        return parse_template(self.sql, self.dialect)

    @classmethod
    def build(cls, sql: str, dialect: str, **fields: Any) -> Template:
        return cls(id=template_id(sql, dialect), sql=sql, dialect=dialect, **fields)


class TemplateLibrary(BaseModel):
    """Templates with counts, and what extraction could not use."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    dialect: str = "sqlite"
    source: str = ""
    statements: int = Field(0, description="Statements read.")
    skipped: dict[str, int] = Field(default_factory=dict, description="Statements not used, by reason.")
    templates: list[Template] = Field(default_factory=list)

    def save(self, path: str | Path) -> None:
        from sqlsynth.io import write_text_atomic

        write_text_atomic(Path(path), self.model_dump_json(indent=1, exclude_defaults=False) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> TemplateLibrary:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise SqlsynthError(
                f"cannot read the template library ({err.strerror or err})", where=where
            ) from None
        return cls.from_json(text, where=where)

    @classmethod
    def from_json(cls, text: str, where: str = "template library") -> TemplateLibrary:
        try:
            return cls.model_validate_json(text)
        except ValidationError as err:
            raise SqlsynthError(f"not a template library: {first_problem(err)}", where=where) from None

    def by_id(self, template_id: str) -> Template:
        for t in self.templates:
            if t.id == template_id:
                return t
        raise KeyError(template_id)

    def merged(self, other: TemplateLibrary) -> TemplateLibrary:
        """Both libraries' templates (counts added for shared ones), sorted as `extract_templates` does."""
        out = {t.id: t.model_copy(deep=True) for t in self.templates}
        for t in other.templates:
            if t.id in out:
                out[t.id].count += t.count
            else:
                out[t.id] = t.model_copy(deep=True)
        skipped = Counter(self.skipped) + Counter(other.skipped)
        return self.model_copy(
            update={
                "templates": _sorted(out.values()),
                "statements": self.statements + other.statements,
                "skipped": dict(sorted(skipped.items())),
            }
        )


def template_id(sql: str, dialect: str) -> str:
    return hashlib.sha1(f"{dialect}\n{sql}".encode()).hexdigest()[:12]


def _sorted(templates: Iterable[Template]) -> list[Template]:
    return sorted(templates, key=lambda t: (-t.count, t.origin != "extracted", t.sql))


# -- placeholder syntax -------------------------------------------------------------------------
def slot_identifier(text: str) -> exp.Identifier:
    """The quoted identifier that carries placeholder `text` in a tree."""
    return exp.to_identifier(text.replace(".", _DOT), quoted=True)


@lru_cache(maxsize=4096)
def _slot_sql(text: str, dialect: str) -> str:
    return slot_identifier(text).sql(dialect)


def parse_template(sql: str, dialect: str = "sqlite") -> exp.Expression:
    """The template as a sqlglot tree: each placeholder becomes a quoted identifier."""
    text = _IN_TEXT.sub(lambda m: _slot_sql(m.group(0), dialect), sql)
    try:
        return sqlglot.parse_one(text, read=dialect)
    except SqlglotError as err:
        raise SqlsynthError(f"template does not parse as {dialect}: {str(err).splitlines()[0]}") from None


def show_template(expr: exp.Expression, dialect: str = "sqlite") -> str:
    """The template text: the tree in `dialect`, placeholders in braces."""
    return _QUOTED.sub(lambda m: m.group(1).replace(_DOT, "."), expr.sql(dialect=dialect))


def placeholder(node: exp.Expression) -> str | None:
    """The placeholder text of a Table / Column / Identifier node, or None."""
    ident = node.this if isinstance(node, (exp.Table, exp.Column)) else node
    if isinstance(ident, exp.Identifier) and ident.this.startswith("{") and ident.this.endswith("}"):
        return ident.this.replace(_DOT, ".")
    return None


@dataclass
class ColumnSlot:
    name: str  # c1
    table: str  # t1
    type: str

    @property
    def text(self) -> str:
        return f"{{{self.table}.{self.name}:{self.type}}}"


@dataclass
class Slots:
    """The placeholders of a template tree."""

    tables: list[str] = field(default_factory=list)
    columns: dict[str, ColumnSlot] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # v1 -> type

    def next_column(self) -> str:
        return f"c{1 + max((int(c[1:]) for c in self.columns), default=0)}"

    def next_value(self) -> str:
        return f"v{1 + max((int(v[1:]) for v in self.values), default=0)}"


def slots_of(expr: exp.Expression) -> Slots:
    """Table, column and value placeholders of a template tree, in order of appearance."""
    out = Slots()
    for node in expr.walk(bfs=False):
        if not isinstance(node, (exp.Table, exp.Column)):
            continue
        text = placeholder(node)
        if text is None:
            continue
        if m := TABLE_SLOT.match(text):
            if m.group(1) not in out.tables:
                out.tables.append(m.group(1))
        elif m := COLUMN_SLOT.match(text):
            out.columns.setdefault(m.group(2), ColumnSlot(m.group(2), m.group(1), m.group(3)))
        elif m := VALUE_SLOT.match(text):
            out.values.setdefault(m.group(1), m.group(2))
    return out


def type_family(lt: LogicalType) -> str:
    """The placeholder type of a column of logical type `lt`."""
    if lt.is_numeric:
        return "number"
    if lt in (LogicalType.DATE, LogicalType.DATETIME):
        return "temporal"
    if lt in (LogicalType.TEXT, LogicalType.TIME, LogicalType.BOOLEAN):
        return lt.value
    return "any"


# -- corpora ------------------------------------------------------------------------------------
@dataclass
class CorpusItem:
    sql: str
    db_id: str | None = None


def read_corpus(path: str | Path, dialect: str = "sqlite") -> tuple[list[CorpusItem], Schema | None]:
    """Statements of a corpus file, and the schema its CREATE TABLE statements declare (if any).

    `.json`: a list of objects with `query` (Spider) or `sql` (and optional `db_id`), or of strings;
    `.jsonl`: one such object per line; `.sql`: statements separated by ';'; anything else: a query
    log, one statement per line (blank lines and `--` comments skipped).
    """
    p = Path(path)
    where = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise SqlsynthError(f"cannot read the corpus ({err.strerror or err})", where=where) from None
    except UnicodeDecodeError:
        raise SqlsynthError("not a UTF-8 text file", where=where) from None
    suffix = p.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise SqlsynthError(f"not valid JSON ({err})", where=where) from None
        if isinstance(data, dict):
            data = data.get("questions") or data.get("data") or [data]
        return _json_items(data, where), None
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise SqlsynthError(f"line {n}: not valid JSON ({err})", where=where) from None
        return _json_items(rows, where), None
    if suffix in (".sql", ".ddl"):
        statements = split_statements(text, dialect)
        schema = None
        if any(re.match(r"(?is)^\s*create\s+table\b", s) for s in statements):
            from sqlsynth.schema.loaders.ddl import load_ddl

            schema = load_ddl(p, dialect=dialect)
        items = [CorpusItem(s) for s in statements if not re.match(r"(?is)^\s*(create|alter|comment)\b", s)]
        return items, schema
    items = []
    for line in text.splitlines():
        s = line.strip().rstrip(";").strip()
        if s and not s.startswith("--"):
            items.append(CorpusItem(s))
    return items, None


def _json_items(data: Any, where: str) -> list[CorpusItem]:
    if not isinstance(data, list):
        raise SqlsynthError("expected a list of queries (objects with 'query' or 'sql')", where=where)
    out = []
    for i, row in enumerate(data):
        if isinstance(row, str):
            out.append(CorpusItem(row))
        elif isinstance(row, dict) and isinstance(row.get("query", row.get("sql")), str):
            out.append(CorpusItem(row.get("query", row.get("sql")), row.get("db_id")))
        else:
            raise SqlsynthError(f"item {i}: expected an object with 'query' or 'sql'", where=where)
    return out


def split_statements(text: str, dialect: str = "sqlite") -> list[str]:
    """Statements of a SQL script (semicolons inside strings and comments respected)."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    except SqlglotError:
        return [s.strip() for s in text.split(";") if s.strip()]
    out, start = [], None
    for tok in tokens:
        if tok.token_type == sqlglot.TokenType.SEMICOLON:
            if start is not None:
                out.append(text[start : tok.start].strip())
            start = None
        elif start is None:
            start = tok.start
    if start is not None:
        out.append(text[start:].strip())
    return [s for s in out if s]


# -- extraction ---------------------------------------------------------------------------------
def extract_templates(
    sqls: Iterable[str | CorpusItem],
    dialect: str = "sqlite",
    *,
    schema: Schema | None = None,
    schemas: Mapping[str, Schema] | None = None,
    source: str = "",
) -> TemplateLibrary:
    """Abstract every statement into a template and count duplicates.

    `schema` types columns by logical type; `schemas` does so per item `db_id` (Spider corpora).
    Statements that cannot be templated are counted in `skipped` by reason.
    """
    found: dict[str, Template] = {}
    skipped: Counter[str] = Counter()
    n = 0
    for item in sqls:
        it = item if isinstance(item, CorpusItem) else CorpusItem(item)
        n += 1
        sch = (schemas or {}).get(it.db_id or "", schema) if schemas else schema
        try:
            tree = abstract_query(it.sql, dialect, sch)
        except Unsupported as why:
            skipped[str(why)] += 1
            continue
        text = show_template(tree, dialect)
        tid = template_id(text, dialect)
        if tid in found:
            found[tid].count += 1
            if len(found[tid].examples) < 2 and it.sql.strip() not in found[tid].examples:
                found[tid].examples.append(it.sql.strip())
        else:
            found[tid] = Template(id=tid, sql=text, dialect=dialect, examples=[it.sql.strip()])
    return TemplateLibrary(
        dialect=dialect,
        source=source,
        statements=n,
        skipped=dict(sorted(skipped.items())),
        templates=_sorted(found.values()),
    )


def default_library() -> TemplateLibrary:
    """The built-in library (authored in sqlsynth/data/templates/default.sql)."""
    text = resources.files("sqlsynth").joinpath("data", "templates", DEFAULT_RESOURCE).read_text("utf-8")
    return TemplateLibrary.from_json(text, where=f"sqlsynth/data/templates/{DEFAULT_RESOURCE}")


def abstract_query(
    query: str | exp.Expression, dialect: str = "sqlite", schema: Schema | None = None
) -> exp.Expression:
    """The template tree of one query; raises Unsupported with a short reason."""
    if isinstance(query, str):
        try:
            trees = [t for t in sqlglot.parse(query, read=dialect) if t is not None]
        except SqlglotError:
            raise Unsupported("parse-error") from None
        if len(trees) != 1:
            raise Unsupported("not-one-statement")
        tree = trees[0]
    else:
        tree = query.copy()
    if not isinstance(tree, exp.Query):
        raise Unsupported("not-a-query")
    if any(placeholder(n) for n in tree.find_all(exp.Table, exp.Column)):
        raise Unsupported("already-a-template")
    if dialect == "sqlite":
        _double_quoted_strings(tree, schema)
    return _Abstractor(tree, schema).run()


def _double_quoted_strings(tree: exp.Expression, schema: Schema | None) -> None:
    """SQLite reads `"text"` as a string when no column has that name (Spider's gold SQL relies on
    it): a quoted name in a value position that is no column of the schema (without a schema:
    that is compared with a column) becomes a string literal."""
    known = {c.name.lower() for t in schema.tables for c in t.columns} if schema is not None else None
    for col in list(tree.find_all(exp.Column)):
        ident = col.this
        if col.table or not isinstance(ident, exp.Identifier) or not ident.quoted:
            continue
        role = _predicate_role(col)
        if role is None or (role[0] == "compare" and col is col.parent.this):
            continue
        partner = role[1]
        if known is not None and ident.this.lower() in known:
            continue
        if known is None and not isinstance(partner, exp.Column):
            continue
        col.replace(exp.Literal.string(ident.this))


class _Abstractor:
    """One query's abstraction; see the module docstring."""

    def __init__(self, tree: exp.Expression, schema: Schema | None) -> None:
        self.tree = tree
        self.schema = schema
        self.ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        self.selects = [n for n in tree.walk(bfs=False) if isinstance(n, exp.Select)]
        self.sources = {id(s): select_sources(s) for s in self.selects}
        self.owner: dict[int, exp.Table] = {}  # column node id -> real table node
        self.keys: set[int] = set()  # column node ids used as join keys
        self.key_pairs: list[tuple[exp.Column, exp.Column]] = []

    def real(self, node: exp.Expression) -> bool:
        return (
            isinstance(node, exp.Table)
            and isinstance(node.this, exp.Identifier)
            and node.name.lower() not in self.ctes
        )

    def run(self) -> exp.Expression:
        tables = [t for t in self.tree.walk(bfs=False) if self.real(t)]
        if not tables:
            raise Unsupported("no-table")
        cols = [c for c in self.tree.find_all(exp.Column) if not isinstance(c.this, exp.Star)]
        for col in cols:
            table = self._resolve(col)
            if table is not None:
                self.owner[id(col)] = table
        self._find_keys()
        slot_of_table = {}
        for t in tables:
            slot_of_table.setdefault(t.name.lower(), f"t{len(slot_of_table) + 1}")
        aliases = self._aliases(tables)
        col_slots: dict[tuple[str, str], ColumnSlot] = {}
        types = self._column_types(slot_of_table)
        for col in self.tree.walk(bfs=False):
            if isinstance(col, exp.Column) and id(col) in self.owner:
                key = (slot_of_table[self.owner[id(col)].name.lower()], col.name.lower())
                if key not in col_slots:
                    col_slots[key] = ColumnSlot(f"c{len(col_slots) + 1}", key[0], types[key])
        self._abstract_values(slot_of_table, col_slots)
        self._keep_output_names()
        # rewrite columns (before tables: resolution uses the table nodes)
        for col in cols:
            table = self.owner.get(id(col))
            if table is None:
                continue
            slot = col_slots[(slot_of_table[table.name.lower()], col.name.lower())]
            alias = aliases.get(id(table))
            col.set("this", slot_identifier(slot.text))
            col.set("table", exp.to_identifier(alias) if alias else None)
            col.set("db", None)
            col.set("catalog", None)
        for star in self.tree.find_all(exp.Column):
            if isinstance(star.this, exp.Star) and star.table:
                target = self._lookup(star, star.table.lower())
                if target is not None and self.real(target):
                    alias = aliases.get(id(target))
                    star.set("table", exp.to_identifier(alias) if alias else None)
        for t in tables:
            alias = aliases.get(id(t))
            t.set("this", slot_identifier("{" + slot_of_table[t.name.lower()] + "}"))
            t.set("db", None)
            t.set("catalog", None)
            t.set("alias", exp.TableAlias(this=exp.to_identifier(alias)) if alias else None)
        return self.tree

    def _keep_output_names(self) -> None:
        """A CTE or derived table that projects a bare column keeps its output name (`x AS x`):
        the outer query refers to it by that name."""
        for select in self.selects:
            parent = select.parent
            derived = isinstance(parent, exp.Subquery) and isinstance(parent.parent, (exp.From, exp.Join))
            if not (isinstance(parent, exp.CTE) or derived):
                continue
            outside = {
                c.name.lower()
                for c in self.tree.find_all(exp.Column)
                if id(c) not in self.owner and c.find_ancestor(exp.Select) is not select
            }
            for item in list(select.expressions):
                if isinstance(item, exp.Column) and id(item) in self.owner and item.name.lower() in outside:
                    alias = exp.Alias(alias=exp.to_identifier(item.name))
                    item.replace(alias)
                    alias.set("this", item)

    # -- resolution ---------------------------------------------------------------------------
    def _lookup(self, col: exp.Column, qualifier: str) -> exp.Expression | None:
        node = col.parent
        while node is not None:
            if isinstance(node, exp.Select):
                for src in self.sources[id(node)]:
                    if src.alias_or_name.lower() == qualifier:
                        return src
            node = node.parent
        return None

    def _resolve(self, col: exp.Column) -> exp.Table | None:
        """The real table a column belongs to; None for columns of derived tables, CTEs and
        select-list aliases; Unsupported when it cannot tell."""
        if col.table:
            src = self._lookup(col, col.table.lower())
            if src is None:
                raise Unsupported("unresolved-column")
            return src if self.real(src) else None  # type: ignore[return-value]
        select = col.find_ancestor(exp.Select)
        if select is None:
            return None  # ORDER BY of a set operation names output columns
        name = col.name.lower()
        aliases = {p.alias.lower() for p in select.expressions if isinstance(p, exp.Alias)}
        if _clause_of(col, select) != "expressions" and name in aliases:
            return None
        scope: exp.Expression | None = select
        while scope is not None:
            srcs = self.sources[id(scope)]
            real = [s for s in srcs if self.real(s)]
            if self.schema is not None:
                for s in real:
                    if self.schema.has_table(s.name) and self.schema.table(s.name).has_column(col.name):
                        return s  # type: ignore[return-value]
                if scope is select and len(srcs) == 1 and real and not self.schema.has_table(real[0].name):
                    return real[0]  # type: ignore[return-value]  # a table the schema does not know
                if scope is select and len(real) < len(srcs):
                    return None  # assume a column of the derived table
            elif scope is select and srcs:
                if len(real) == len(srcs):
                    return real[0]  # type: ignore[return-value]  # first table: a guess without schema
                if not real:
                    return None
                raise Unsupported("ambiguous-column")
            scope = scope.parent.find_ancestor(exp.Select) if scope.parent else None
        raise Unsupported("unknown-column")

    def _aliases(self, tables: list[exp.Table]) -> dict[int, str]:
        """T1, T2... for tables that share their FROM with others or that an inner scope names."""
        need = set()
        for t in tables:
            select = t.find_ancestor(exp.Select)
            if select is not None and len(self.sources.get(id(select), [])) > 1:
                need.add(id(t))
        for col in self.tree.find_all(exp.Column):
            owner = self.owner.get(id(col))
            if owner is not None and col.find_ancestor(exp.Select) is not owner.find_ancestor(exp.Select):
                need.add(id(owner))
        out, k = {}, 0
        for t in tables:
            if id(t) in need:
                k += 1
                out[id(t)] = f"T{k}"
        return out

    def _find_keys(self) -> None:
        def owned(node: exp.Expression | None) -> exp.Column | None:
            while isinstance(node, exp.Paren):
                node = node.this
            return node if isinstance(node, exp.Column) and id(node) in self.owner else None

        def joins(a: exp.Column, b: exp.Column) -> bool:
            ta, tb = self.owner[id(a)], self.owner[id(b)]
            same_column = ta.name.lower() == tb.name.lower() and a.name.lower() == b.name.lower()
            return ta is not tb and not same_column  # `e2.dept = e1.dept` correlates, it does not join

        for eq in self.tree.find_all(exp.EQ):
            a, b = owned(eq.this), owned(eq.expression)
            if a is not None and b is not None and joins(a, b):
                self.keys.update((id(a), id(b)))
                self.key_pairs.append((a, b))
        for node in self.tree.find_all(exp.In):
            query = node.args.get("query")
            a = owned(node.this)
            inner = query.this if isinstance(query, exp.Subquery) else query
            if a is None or not isinstance(inner, exp.Select) or len(inner.expressions) != 1:
                continue
            b = owned(inner.expressions[0])
            if b is not None and joins(a, b):
                self.keys.update((id(a), id(b)))
                self.key_pairs.append((a, b))

    # -- types ----------------------------------------------------------------------------------
    def _column_types(self, slot_of_table: dict[str, str]) -> dict[tuple[str, str], str]:
        evidence: dict[tuple[str, str], set[str]] = {}
        is_key: set[tuple[str, str]] = set()
        roles = self._key_roles(slot_of_table)
        for col in self.tree.find_all(exp.Column):
            table = self.owner.get(id(col))
            if table is None:
                continue
            key = (slot_of_table[table.name.lower()], col.name.lower())
            ev = evidence.setdefault(key, set())
            if id(col) in self.keys:
                is_key.add(key)
            if self.schema is not None and self.schema.has_table(table.name):
                t = self.schema.table(table.name)
                if t.has_column(col.name):
                    ev.add("schema:" + type_family(t.column(col.name).logical_type))
                    continue
            ev.update(_usage(col))
        out = {}
        for key, ev in evidence.items():
            if key in is_key:
                found = roles.get(key, set())
                out[key] = found.pop() if len(found) == 1 else "key"
                continue
            schema_types = sorted(e[7:] for e in ev if e.startswith("schema:"))
            if schema_types:
                out[key] = schema_types[0]
                continue
            for kind in ("number", "temporal", "text", "boolean"):
                if kind in ev:
                    out[key] = kind
                    break
            else:
                out[key] = "any"
        return out

    def _key_roles(self, slot_of_table: dict[str, str]) -> dict[tuple[str, str], set[str]]:
        """fk / pk per key column slot, from the schema's foreign keys (nothing without a schema)."""
        out: dict[tuple[str, str], set[str]] = {}
        if self.schema is None:
            return out

        def slot(col: exp.Column) -> tuple[str, str]:
            return slot_of_table[self.owner[id(col)].name.lower()], col.name.lower()

        for a, b in self.key_pairs:
            ta, tb = self.owner[id(a)].name.lower(), self.owner[id(b)].name.lower()
            ca, cb = a.name.lower(), b.name.lower()
            for fk in self.schema.foreign_keys:
                pairs = {
                    (fk.source_table.lower(), s.lower(), fk.target_table.lower(), t.lower())
                    for s, t in zip(fk.source_columns, fk.target_columns, strict=True)
                }
                if (ta, ca, tb, cb) in pairs:
                    out.setdefault(slot(a), set()).add("fk")
                    out.setdefault(slot(b), set()).add("pk")
                elif (tb, cb, ta, ca) in pairs:
                    out.setdefault(slot(a), set()).add("pk")
                    out.setdefault(slot(b), set()).add("fk")
        return out

    # -- values ---------------------------------------------------------------------------------
    def _abstract_values(
        self, slot_of_table: dict[str, str], col_slots: dict[tuple[str, str], ColumnSlot]
    ) -> None:
        def slot_type(node: exp.Expression) -> str | None:
            while isinstance(node, (exp.Paren, exp.Cast)) or (
                isinstance(node, (exp.Avg, exp.Sum, exp.Min, exp.Max)) and not node.find(exp.Window)
            ):
                node = node.this
            if isinstance(node, exp.Column) and id(node) in self.owner:
                table = self.owner[id(node)]
                return col_slots[(slot_of_table[table.name.lower()], node.name.lower())].type
            return None

        n = 0
        for lit in list(self.tree.walk(bfs=False)):
            target = _value_node(lit)
            if target is None:
                continue
            role = _predicate_role(target)
            if role is None:
                continue
            kind, partner = role
            if kind == "like":
                vtype = "pattern"
            elif partner is not None and partner.find(exp.Count):
                vtype = "count"
            else:
                ctype = slot_type(partner) if partner is not None else None
                vtype = ctype if ctype in VALUE_TYPES else _literal_type(lit)
            n += 1
            target.replace(exp.column(slot_identifier(f"{{v{n}:{vtype}}}")))


def _clause_of(node: exp.Expression, select: exp.Select) -> str | None:
    """The argument of `select` that holds `node` ("expressions", "where", "order"...)."""
    while node.parent is not None and node.parent is not select:
        node = node.parent
    return node.arg_key if node.parent is select else None


def _value_node(node: exp.Expression) -> exp.Expression | None:
    """The node a literal stands as (a negative number is Neg(Literal)); None if not a literal."""
    if isinstance(node, exp.Literal):
        return node.parent if isinstance(node.parent, exp.Neg) else node
    if isinstance(node, exp.Boolean):
        return node
    return None


def _predicate_role(node: exp.Expression) -> tuple[str, exp.Expression | None] | None:
    """(kind, the other operand) when `node` is a value operand of a predicate, else None."""
    parent = node.parent
    if isinstance(parent, _COMPARISONS):
        other = parent.expression if parent.this is node else parent.this
        if isinstance(other, (exp.Literal, exp.Boolean, exp.Neg)):
            return None  # 1 = 1: nothing to fill from
        return "compare", other
    if isinstance(parent, exp.Between) and node is not parent.this:
        return "between", parent.this
    if isinstance(parent, exp.In) and node is not parent.this:
        return "in", parent.this
    if isinstance(parent, (exp.Like, exp.ILike)) and node is parent.expression:
        return "like", parent.this
    return None


def _literal_type(lit: exp.Expression) -> str:
    if isinstance(lit, exp.Boolean):
        return "boolean"
    if isinstance(lit, exp.Literal) and lit.is_string:
        return "temporal" if _ISO_DATE.match(lit.this) else "text"
    return "number"


def _usage(col: exp.Column) -> set[str]:
    """What a column's use implies about its type (no schema)."""
    out = set()
    parent = col.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, (exp.Sum, exp.Avg)):
        out.add("number")
    if isinstance(parent, (exp.Like, exp.ILike)):
        out.add("text")
    if isinstance(parent, (*_COMPARISONS, exp.Between, exp.In)):
        for child in parent.iter_expressions():
            node = child.this if isinstance(child, exp.Neg) else child
            if isinstance(node, (exp.Literal, exp.Boolean)) and child is not col:
                out.add(_literal_type(node))
    return out
