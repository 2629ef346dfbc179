"""One AST, many dialects: render a sqlglot query per dialect, parse-check it, and key it for dedup.

Identifiers are always quoted in renderings (`identify=True`), so reserved words (`order`,
`group`), mixed case, spaces and unicode survive in every dialect: double quotes for SQLite,
PostgreSQL, DuckDB and Snowflake, backticks for MySQL and BigQuery, brackets for T-SQL.

A clean rendering is not an equivalent query (see DESIGN.md, Known traps, and the tests of this
module): e.g. SQLite's integer `7 / 2` is rendered `7 / NULLIF(2, 0)` for DuckDB, which divides as
floats; `ILIKE` is passed through unchanged to T-SQL, which has no such operator, and T-SQL's
parser accepts it back. Execute every rendering an engine can run.

`canonical_sql` and `template_of` give keys for deduplication and for capping records per
query shape.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable

import sqlglot
from sqlglot import ErrorLevel, exp
from sqlglot.errors import ParseError, SqlglotError, TokenError, UnsupportedError
from sqlglot.generator import Generator

from sqlsynth.errors import SqlsynthError

DIALECTS: tuple[str, ...] = ("sqlite", "postgres", "duckdb", "mysql", "bigquery", "tsql", "snowflake")

_QUERY = (exp.Select, exp.SetOperation)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # needs no quotes (unless a keyword)
_SYMMETRIC = (exp.EQ, exp.NEQ, exp.NullSafeEQ, exp.NullSafeNEQ)
_FLIP: dict[type[exp.Expression], type[exp.Expression]] = {
    exp.GT: exp.LT,
    exp.LT: exp.GT,
    exp.GTE: exp.LTE,
    exp.LTE: exp.GTE,
}


def _as_expr(expr: exp.Expression | str, dialect: str) -> exp.Expression:
    if isinstance(expr, str):
        try:
            return sqlglot.parse_one(expr, read=dialect)
        except (ParseError, TokenError) as err:
            raise SqlsynthError(f"cannot parse SQL as {dialect}: {err}") from None
    return expr


@functools.cache
def sqlglot_dialect(name: str | None) -> sqlglot.Dialect:
    """The sqlglot dialect called `name`, made once (sqlglot makes a new one per call given a
    name, a fifth of the time of rendering a small query)."""
    try:
        return sqlglot.Dialect.get_or_raise(name)
    except ValueError as err:
        raise SqlsynthError(f"unknown SQL dialect {name!r} ({err})") from None


def dialect_name(name: str) -> str:
    """A dialect name as sqlsynth spells it: lower-case, `postgresql` as `postgres`; raises
    SqlsynthError for a dialect sqlglot does not know."""
    d = name.strip().lower()
    d = "postgres" if d == "postgresql" else d
    sqlglot_dialect(d)
    return d


# A SELECT whose meta holds this flag groups by one table's primary key and shows other columns of
# that table, which the key determines (`SELECT a.title, COUNT(*) ... GROUP BY a.id`, as Spider's
# questions are written). SQLite runs it as it is, and so does PostgreSQL when the key is declared;
# DuckDB, T-SQL, BigQuery, Snowflake (and MySQL without a declared key) require every shown column
# in the GROUP BY. So every dialect but SQLite gets them added, which changes no group.
KEYED_GROUP = "sqlsynth_keyed_group"
KEYED_GROUP_AS_IS = frozenset({"sqlite"})


def _group_by_shown_columns(tree: exp.Expression) -> exp.Expression:
    """Add the plain columns of each keyed SELECT's list to its GROUP BY (in place)."""
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None or not select.meta.get(KEYED_GROUP):
            continue
        for item in select.expressions:
            col = item.this if isinstance(item, exp.Alias) else item
            if isinstance(col, exp.Column) and col not in group.expressions:
                group.append("expressions", col.copy())
    return tree


# A join on a key declared text on one side and a number on the other (SQLite's cre_Drama-like
# schemas: `Addresses.Address_ID VARCHAR`, `Stores.Address_ID INTEGER`): the `=` holds this meta key,
# naming its number side ("this" or "expression"), and the query's root TEXT_KEYS. SQLite compares
# the two by affinity, DuckDB, MySQL, T-SQL and Snowflake cast implicitly; PostgreSQL and BigQuery
# have no number = text, so there the number side is cast to text (which never fails, where a cast
# of text to a number fails on any text that is not one).
TEXT_KEY = "sqlsynth_text_key"
TEXT_KEYS = "sqlsynth_text_keys"
TEXT_KEYS_CAST = frozenset({"postgres", "bigquery"})


def _cast_text_keys(tree: exp.Expression) -> exp.Expression:
    """Cast the number side of each `=` or IN marked TEXT_KEY to text (in place; an IN's "query"
    side is its subquery's one select item)."""
    for node in list(tree.find_all(exp.EQ, exp.In)):
        side = node.meta.get(TEXT_KEY)
        if side == "query":
            item = node.args["query"].this.expressions[0]
            item.replace(exp.Cast(this=item.copy(), to=exp.DataType.build("text")))
        elif side in ("this", "expression"):
            node.set(side, exp.Cast(this=node.args[side], to=exp.DataType.build("text")))
    return tree


def render(expr: exp.Expression | str, dialect: str, *, pretty: bool = False, copy: bool = True) -> str:
    """The query in `dialect`, every identifier quoted. Text input is read as SQLite.

    copy=False lets sqlglot's dialect transforms change the tree instead of a copy of it: for a
    tree made only to be rendered once (a filter's variant of a query)."""
    tree = _as_expr(expr, "sqlite")
    if dialect not in KEYED_GROUP_AS_IS and tree.meta.get(KEYED_GROUP):
        tree, copy = _group_by_shown_columns(tree.copy() if copy else tree), False
    if dialect in TEXT_KEYS_CAST and tree.meta.get(TEXT_KEYS):
        tree, copy = _cast_text_keys(tree.copy() if copy else tree), False
    return generate(tree, dialect, identify=True, pretty=pretty, copy=copy)


_GENERATORS = threading.local()  # a generator keeps state while it writes: one set per thread


def _generator(dialect: str | None, identify: bool, pretty: bool) -> Generator:
    made: dict[tuple[str | None, bool, bool], Generator] | None = getattr(_GENERATORS, "made", None)
    if made is None:
        made = _GENERATORS.made = {}
    key = (dialect, identify, pretty)
    gen = made.get(key)
    if gen is None:
        gen = made[key] = sqlglot_dialect(dialect).generator(
            identify=identify, pretty=pretty, unsupported_level=ErrorLevel.IGNORE
        )
    return gen


def generate(
    tree: exp.Expression,
    dialect: str | None = None,
    *,
    identify: bool = False,
    pretty: bool = False,
    copy: bool = True,
) -> str:
    """`tree.sql(dialect=..., identify=..., pretty=...)` without reporting what the dialect cannot
    express, through one generator per setting (`Expression.sql` makes a dialect and a generator
    per call: a fifth of the time of writing a small query). `dialect` None is sqlglot's own.
    copy=False lets the dialect's transforms change the tree instead of a copy of it."""
    gen = _generator(dialect, identify, pretty)
    try:
        return gen.generate(tree, copy=copy)
    except Exception:
        _GENERATORS.made = {}  # a generator left half-way may hold a changed setting
        raise


def quote(name: str, dialect: str | None) -> str:
    """`name` as a quoted identifier of `dialect` (reserved words, unicode and spaces are safe)."""
    return generate(exp.to_identifier(name, quoted=True), dialect)


def render_all(expr: exp.Expression | str, dialects: Iterable[str] = DIALECTS) -> dict[str, str]:
    """{dialect: rendering} for each dialect, in the order given."""
    tree = _as_expr(expr, "sqlite")
    return {d: render(tree, d) for d in dialects}


def unsupported(expr: exp.Expression | str, dialect: str) -> list[str]:
    """What sqlglot itself reports it could not express in `dialect` (often nothing even when
    the rendering is wrong: see the module docstring)."""
    target = sqlglot_dialect(dialect)
    tree = _as_expr(expr, "sqlite")
    try:
        tree.sql(dialect=target, identify=True, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        return [line for line in str(err).splitlines() if line.strip()]
    return []


def parses_back(sql: str, dialect: str) -> str | None:
    """None if `sql` parses as exactly one statement of `dialect`, else the error text."""
    try:
        trees = sqlglot.parse(sql, read=sqlglot_dialect(dialect), error_level=ErrorLevel.RAISE)
    except SqlglotError as err:
        return _error_text(err)
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        return f"expected one statement, found {len(trees)}"
    return None


def _error_text(err: SqlglotError) -> str:
    """The first error of a sqlglot exception, without the terminal colour codes it carries."""
    errors = getattr(err, "errors", None) or []
    if errors and errors[0].get("description"):
        first = errors[0]
        text = f"{first['description']} (line {first.get('line')}, col {first.get('col')})"
    else:
        text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return _ANSI.sub("", text)


# -- canonical form ---------------------------------------------------------------------------
def unwrapped(query: exp.Expression) -> exp.Expression:
    """A query out of its subquery wrappers: `(SELECT ...)` -> `SELECT ...`, at any depth."""
    while isinstance(query, exp.Subquery):
        query = query.this
    return query


def conjuncts(cond: exp.Expression) -> list[exp.Expression]:
    """The AND-ed parts of a condition (parentheses looked through, at every depth)."""
    while isinstance(cond, exp.Paren):
        cond = cond.this
    if isinstance(cond, exp.And):
        return conjuncts(cond.this) + conjuncts(cond.expression)
    return [cond]


def select_sources(select: exp.Select) -> list[exp.Expression]:
    """What a SELECT reads from: its FROM item, then each joined item."""
    out = []
    from_ = select.args.get("from_")
    if from_ is not None:
        out.append(from_.this)
    out.extend(j.this for j in select.args.get("joins") or [])
    return out


def _source_names(selects: list[exp.Select]) -> dict[int, list[str]]:
    return {id(s): [src.alias_or_name.lower() for src in select_sources(s)] for s in selects}


def _resolve(col: exp.Column, qualifier: str, names: dict[int, list[str]]) -> tuple[int, int] | None:
    """(select id, source index) that the qualifier of `col` names, innermost scope first."""
    node = col.parent
    while node is not None:
        if isinstance(node, exp.Select):
            found = names.get(id(node), [])
            if qualifier in found:
                return id(node), found.index(qualifier)
        node = node.parent
    return None


def _drop_table_aliases(tree: exp.Expression) -> None:
    """Replace each table alias by its table name where that changes no column's binding."""
    selects = [n for n in tree.walk() if isinstance(n, exp.Select)]
    names = _source_names(selects)
    cols = [c for c in tree.find_all(exp.Column) if c.table]
    bound = {id(c): _resolve(c, c.table.lower(), names) for c in cols}
    for select in selects:
        for i, src in enumerate(select_sources(select)):
            if not isinstance(src, exp.Table) or not src.alias:
                continue
            new = src.name.lower()
            if new in names[id(select)] and names[id(select)].index(new) != i:
                continue
            trial = {**names, id(select): [*names[id(select)]]}
            trial[id(select)][i] = new
            mine = {id(c) for c in cols if bound[id(c)] == (id(select), i)}
            ok = all(
                _resolve(c, new if id(c) in mine else c.table.lower(), trial) == bound[id(c)] for c in cols
            )
            if not ok:
                continue
            src.set("alias", None)
            for c in cols:
                if id(c) in mine:
                    c.set("table", exp.to_identifier(src.name, quoted=True))
            names = trial


def _drop_single_source_qualifiers(tree: exp.Expression) -> None:
    """In a SELECT over one table, `t.x` becomes `x` where the column binds to that table."""
    for select in [n for n in tree.walk() if isinstance(n, exp.Select)]:
        srcs = select_sources(select)
        if len(srcs) != 1:
            continue
        name = srcs[0].alias_or_name.lower()
        for col in select.find_all(exp.Column):
            if not col.table or col.table.lower() != name:
                continue
            inner = col.find_ancestor(exp.Select)
            if inner is select:
                col.set("table", None)


def _drop_projection_aliases(tree: exp.Expression) -> None:
    """Aliases of the outermost SELECT's items, where nothing refers to them."""
    if not isinstance(tree, exp.Select):
        return
    referenced = {
        c.name.lower()
        for key in ("where", "group", "having", "order", "qualify")
        if tree.args.get(key) is not None
        for c in tree.args[key].find_all(exp.Column)
        if not c.table
    }
    for item in tree.expressions:
        if isinstance(item, exp.Alias) and item.alias.lower() not in referenced:
            item.replace(item.this)


def _key(node: exp.Expression) -> str:
    """A sort key for a subtree: its SQL in the generic dialect, written without a copy (that
    dialect's preprocessing changes nothing: no nested CTEs to move up, no booleans to fix)."""
    return generate(node, copy=False)


def _postorder(tree: exp.Expression, fun: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """Apply `fun` to every node, children before parents, replacing nodes in place.

    (sqlglot's `transform` works top-down and skips the subtree of a replaced node.)
    """
    root = tree
    for node in reversed(list(tree.dfs())):
        new = fun(node)
        if new is not node:
            if node is root:
                root = new
            else:
                node.replace(new)
    return root


def _sort_operands(tree: exp.Expression) -> exp.Expression:
    """AND / OR operands sorted, `a = b` ordered, `5 < x` turned `x > 5`, literal IN lists sorted,
    `NOT a LIKE b` turned `a NOT LIKE b`, an explicit ASC dropped (`ORDER BY x ASC` is
    `ORDER BY x`). Changes `tree`, and moves nodes out of it into new ones: give it a copy."""

    def flatten(node: exp.Expression, kind: type[exp.Expression]) -> list[exp.Expression]:
        node_ = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(node_, kind):
            return flatten(node_.this, kind) + flatten(node_.expression, kind)
        return [node]

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Not) and isinstance(node.this.unnest(), (exp.Like, exp.ILike)):
            like = node.this.unnest()  # `NOT a LIKE b` is `a NOT LIKE b`, as sqlglot reads the latter
            like.set("negate", not like.args.get("negate"))
            return like
        if type(node) is exp.Ordered:
            if node.args.get("desc") is False:
                node.set("desc", None)
            return node
        if isinstance(node, (exp.And, exp.Or)) and not isinstance(node.parent, type(node)):
            kind = type(node)
            parts = sorted(flatten(node, kind), key=_key)
            combine = exp.and_ if kind is exp.And else exp.or_
            return combine(*parts, copy=False)  # the operands move to the new node (the tree is a copy)
        if isinstance(node, _SYMMETRIC) and _key(node.expression) < _key(node.this):
            return type(node)(this=node.expression, expression=node.this)
        if (
            type(node) in _FLIP
            and isinstance(node.this, exp.Literal)
            and not isinstance(node.expression, exp.Literal)
        ):
            return _FLIP[type(node)](this=node.expression, expression=node.this)
        if (
            isinstance(node, exp.In)
            and node.expressions
            and all(isinstance(e, exp.Literal) for e in node.expressions)
        ):
            node.set("expressions", sorted(node.expressions, key=_key))
        return node

    return _postorder(tree, fix)


def _lower_identifiers(tree: exp.Expression) -> None:
    for ident in tree.find_all(exp.Identifier):
        ident.set("this", ident.this.lower())
        ident.set("quoted", True)


def canonical_sql(expr: exp.Expression | str, dialect: str = "sqlite", *, write: str = "sqlite") -> str:
    """A normal form of a query, the same for queries that differ only in table aliases,
    qualification of single-table columns, unused output aliases, the order of AND / OR operands
    and of `=` sides, an explicit ASC, quoting and identifier case. A key for deduplication, spelled
    in `write` (SQLite by default, so it can be run there to check it; identifiers are lower-cased,
    which SQLite ignores; give a query using one dialect's features that dialect, which keeps them:
    SQLite has no `IGNORE NULLS`). Text input is read in `dialect`.
    """
    return generate(_canonical_tree(expr, dialect), write, identify=True)


def _canonical_tree(expr: exp.Expression | str, dialect: str) -> exp.Expression:
    tree = _as_expr(expr, dialect).copy()
    _drop_table_aliases(tree)
    _drop_single_source_qualifiers(tree)
    _drop_projection_aliases(tree)
    _lower_identifiers(tree)
    return _sort_operands(tree)


def record_keys(
    expr: exp.Expression | str, dialect: str = "sqlite", *, write: str = "sqlite"
) -> tuple[str, str]:
    """(`canonical_sql`, `template_of`) of a query, from one copy of its tree: every record needs
    both. The template is abstracted from the canonical tree, which only adds the lower-casing of
    identifiers that abstraction keeps (none in generated queries)."""
    tree = _canonical_tree(expr, dialect)
    return generate(tree, write, identify=True), _template_sql(tree)


# -- templates --------------------------------------------------------------------------------
def template_of(expr: exp.Expression | str, dialect: str = "sqlite") -> str:
    """The structural skeleton of a query: tables become `tab`, columns `col`, numbers `num`,
    strings `str`, a list of literals `(vals)`; aliases are dropped and AND / OR operands sorted.
    Queries with the same structure share a template, e.g.
    `SELECT col FROM tab JOIN tab ON col = col WHERE col > num`.
    """
    return _template_sql(_sort_operands(_as_expr(expr, dialect).copy()))


def _template_sql(tree: exp.Expression) -> str:
    """The template of a tree whose operands are sorted (the tree is changed)."""
    tree = _postorder(tree, _abstract)
    return generate(_sort_operands(tree), copy=False)  # the tree is a throwaway copy


_WHOLE_CONDITION = (exp.Where, exp.Having)  # parentheses around a whole condition are no structure


def _abstract(node: exp.Expression) -> exp.Expression:
    # `DISTINCT(x)` (Spider writes it) is `DISTINCT x`, `WHERE (a OR b)` is `WHERE a OR b`
    if isinstance(node, exp.Paren) and (
        isinstance(node.this, (exp.Column, exp.Literal, exp.Var)) or isinstance(node.parent, _WHOLE_CONDITION)
    ):
        return node.this
    if isinstance(node, exp.Column):
        if isinstance(node.this, exp.Star):
            return exp.Star()
        return exp.column("col")
    if isinstance(node, exp.Table):
        return exp.Table(this=exp.to_identifier("tab"))  # to_table parses its text
    if isinstance(node, exp.TableAlias):
        return exp.TableAlias(this=exp.to_identifier("tab"))
    if isinstance(node, exp.Alias):
        return node.this
    if isinstance(node, exp.CTE):
        node.set("alias", exp.TableAlias(this=exp.to_identifier("tab")))
        return node
    if isinstance(node, exp.Literal):
        return exp.var("str" if node.is_string else "num")
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return exp.var("num")
    if (
        isinstance(node, exp.In)
        and node.expressions
        and all(isinstance(e, (exp.Literal, exp.Neg, exp.Var)) for e in node.expressions)
    ):
        node.set("expressions", [exp.var("vals")])
    return node
