"""Schema → CREATE TABLE statements for a target dialect, built as sqlglot trees.

Foreign keys that close a cycle cannot be declared inline (the referenced table does not exist
yet): they come last as `ALTER TABLE ... ADD FOREIGN KEY` where the dialect has it, and are
dropped where it does not (DuckDB cannot add a foreign key to an existing table). SQLite checks
references only when rows are written, so every SQLite key stays inline.
"""

from __future__ import annotations

import hashlib

import networkx as nx
from sqlglot import exp
from sqlglot.errors import ParseError

from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import CANONICAL_TYPE, LogicalType, logical_type_of

DDL_DIALECTS = ("sqlite", "postgres", "duckdb", "mysql", "bigquery", "tsql", "snowflake")
# dialects that cannot add a foreign key to an existing table
NO_ALTER_FK = frozenset({"duckdb"})
# dialects whose keys are informational and must say so
NOT_ENFORCED = frozenset({"bigquery"})
# dialects where TEXT cannot be a key or unique: keys get a bounded VARCHAR
BOUNDED_KEY_TEXT = frozenset({"mysql", "tsql"})
_T = exp.DataType.Type
# MySQL-isms that other dialects refuse: display widths (INT(11)), FLOAT(7, 4), unsigned types
_WIDTH_TYPES = (exp.DataType.INTEGER_TYPES - {_T.BIT}) | {_T.FLOAT, _T.DOUBLE, _T.UDOUBLE}
_SIGNED = {
    _T.UTINYINT: "SMALLINT",
    _T.USMALLINT: "INT",
    _T.UMEDIUMINT: "INT",
    _T.UINT: "BIGINT",
    _T.UBIGINT: "DECIMAL(20, 0)",
    _T.UDOUBLE: "DOUBLE",
}
# dialects whose binary types take no length (BYTEA(16), BLOB(16) are errors)
_NO_BINARY_LENGTH = frozenset({"postgres", "duckdb"})
_BINARY_TYPES = frozenset({_T.BINARY, _T.VARBINARY, _T.BLOB})
# length-less VARCHAR / VARBINARY: an error in MySQL, one character (byte) in T-SQL
_NEEDS_LENGTH = frozenset(
    {exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR, exp.DataType.Type.VARBINARY}
)


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _table(name: str) -> exp.Table:
    return exp.Table(this=_ident(name))


def column_type(col: Column, dialect: str, *, key: bool = False) -> exp.DataType:
    """The column's type for `dialect`: its native type when that still means the same logical
    type there, else the canonical type of its logical type. SQLite gets the generic spelling
    (DECIMAL, BOOLEAN, TIMESTAMP), which it stores as written, so reflection finds the same type."""
    dtype: exp.DataType | None = None
    if col.type:
        try:
            dtype = exp.DataType.build(col.type)
        except (ParseError, ValueError):
            dtype = None
    if dtype is not None and dialect != "sqlite":
        rendered = dtype.sql(dialect)
        if logical_type_of(rendered, dialect) != col.logical_type:
            dtype = None
    if dtype is not None and dialect != "mysql":
        dtype = _portable(dtype, dialect)
    if dtype is None or dtype.this == exp.DataType.Type.USERDEFINED:
        dtype = exp.DataType.build(CANONICAL_TYPE[col.logical_type])
    if dtype.this == exp.DataType.Type.FLOAT:
        # FLOAT is single precision to sqlglot (REAL on PostgreSQL) but double in most DDL; a
        # 4-byte column would round values that SQLite and DuckDB keep exactly
        dtype = exp.DataType.build("DOUBLE")
    if dialect == "duckdb" and dtype.this == exp.DataType.Type.DECIMAL and not dtype.expressions:
        dtype = exp.DataType.build("DECIMAL(38, 10)")  # DuckDB's bare DECIMAL is (18, 3): it rounds
    unbounded = dtype.this in _NEEDS_LENGTH and not dtype.expressions
    if unbounded and dialect == "tsql":
        dtype = exp.DataType(this=dtype.this, expressions=[exp.DataTypeParam(this=exp.var("MAX"))])
    elif unbounded and dialect == "mysql":
        dtype = exp.DataType.build(
            "LONGBLOB" if dtype.this == exp.DataType.Type.VARBINARY else "TEXT", "mysql"
        )
    if key and dialect in BOUNDED_KEY_TEXT and col.logical_type in (LogicalType.TEXT, LogicalType.OTHER):
        dtype = exp.DataType.build("VARCHAR(255)")
    if dialect == "sqlite":  # SQLite keeps any type name: keep the generic spelling, not REAL/INTEGER
        blob = unbounded and dtype.this == exp.DataType.Type.VARBINARY  # BLOB affinity, not NUMERIC
        dtype = exp.DataType(this=exp.DataType.Type.USERDEFINED, kind="BLOB" if blob else dtype.sql())
    return dtype


def _portable(dtype: exp.DataType, dialect: str) -> exp.DataType | None:
    """A MySQL-flavoured native type made acceptable to `dialect` (None: use the canonical type)."""
    if dtype.this in _SIGNED:
        return exp.DataType.build(_SIGNED[dtype.this])
    if dtype.this == _T.UDECIMAL:
        return exp.DataType(this=_T.DECIMAL, expressions=dtype.expressions)
    if dtype.this in (_T.ENUM, _T.SET) and dialect != "duckdb":
        return None  # PostgreSQL needs CREATE TYPE first; the others have no such type
    if dtype.expressions and (
        dtype.this in _WIDTH_TYPES or (dtype.this in _BINARY_TYPES and dialect in _NO_BINARY_LENGTH)
    ):
        return exp.DataType(this=dtype.this)
    return dtype


def _column_def(table: Table, col: Column, dialect: str) -> exp.ColumnDef:
    key = col.name in table.primary_key or col.unique
    constraints = []
    if not col.nullable or col.name in table.primary_key:
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    if col.unique and table.primary_key != [col.name] and dialect not in NOT_ENFORCED:
        constraints.append(exp.ColumnConstraint(kind=exp.UniqueColumnConstraint()))
    return exp.ColumnDef(
        this=_ident(col.name), kind=column_type(col, dialect, key=key), constraints=constraints
    )


def _not_enforced(dialect: str) -> list[exp.Expression]:
    return [exp.var("NOT ENFORCED")] if dialect in NOT_ENFORCED else []


def _foreign_key(fk: ForeignKey, dialect: str) -> exp.ForeignKey:
    target = exp.Schema(this=_table(fk.target_table), expressions=[_ident(c) for c in fk.target_columns])
    return exp.ForeignKey(
        expressions=[_ident(c) for c in fk.source_columns],
        reference=exp.Reference(this=target, options=_not_enforced(dialect)),
    )


def split_cycle_edges(schema: Schema) -> tuple[list[ForeignKey], list[ForeignKey]]:
    """(inline, deferred) foreign keys: `deferred` is a small set whose removal leaves the
    table graph acyclic. NOT NULL references are kept inline first, so a cycle is broken on a
    nullable column when it has one. Self-references stay inline."""
    g = nx.DiGraph()
    g.add_nodes_from(schema.table_names)
    inline: list[ForeignKey] = []
    deferred: list[ForeignKey] = []

    def nullable(fk: ForeignKey) -> bool:
        table = schema.table(fk.source_table)
        return any(table.column(c).nullable for c in fk.source_columns if table.has_column(c))

    ordered = sorted(enumerate(schema.foreign_keys), key=lambda p: (nullable(p[1]), p[0]))
    keep: set[int] = set()
    for i, fk in ordered:
        if fk.source_table == fk.target_table:
            keep.add(i)
            continue
        g.add_edge(fk.target_table, fk.source_table)
        if nx.has_path(g, fk.source_table, fk.target_table):
            g.remove_edge(fk.target_table, fk.source_table)
        else:
            keep.add(i)
    for i, fk in enumerate(schema.foreign_keys):
        (inline if i in keep else deferred).append(fk)
    return inline, deferred


def creation_order(schema: Schema, inline: list[ForeignKey]) -> list[str]:
    """Tables so that every inline reference points to a table created earlier."""
    g = nx.DiGraph()
    g.add_nodes_from(schema.table_names)
    g.add_edges_from(
        (fk.target_table, fk.source_table) for fk in inline if fk.source_table != fk.target_table
    )
    position = {name: i for i, name in enumerate(schema.table_names)}
    return list(nx.lexicographical_topological_sort(g, key=position.__getitem__))


def create_table(table: Table, dialect: str, foreign_keys: list[ForeignKey]) -> exp.Create:
    """One CREATE TABLE with its primary key and the given (inline) foreign keys."""
    items: list[exp.Expression] = [_column_def(table, c, dialect) for c in table.columns]
    if table.primary_key:
        items.append(
            exp.PrimaryKey(expressions=[_ident(c) for c in table.primary_key], options=_not_enforced(dialect))
        )
    items.extend(_foreign_key(fk, dialect) for fk in foreign_keys)
    return exp.Create(this=exp.Schema(this=_table(table.name), expressions=items), kind="TABLE")


def add_foreign_key(fk: ForeignKey, dialect: str) -> exp.Alter:
    return exp.Alter(
        this=_table(fk.source_table),
        kind="TABLE",
        actions=[exp.AddConstraint(expressions=[_foreign_key(fk, dialect)])],
    )


def render_ddl(schema: Schema, dialect: str, *, foreign_keys: bool = True) -> list[str]:
    """CREATE TABLE statements (no trailing semicolons) in creation order, then the foreign keys
    that close cycles as ALTER TABLE (dropped for DuckDB, which cannot add them)."""
    dialect = "postgres" if dialect == "postgresql" else dialect
    if not foreign_keys:
        inline: list[ForeignKey] = []
        deferred: list[ForeignKey] = []
    elif dialect == "sqlite":
        inline, deferred = list(schema.foreign_keys), []
    else:
        inline, deferred = split_cycle_edges(schema)
    by_source: dict[str, list[ForeignKey]] = {}
    for fk in inline:
        by_source.setdefault(fk.source_table, []).append(fk)
    order = creation_order(schema, inline) if foreign_keys and dialect != "sqlite" else schema.table_names
    out = [create_table(schema.table(name), dialect, by_source.get(name, [])).sql(dialect) for name in order]
    if dialect not in NO_ALTER_FK:
        out.extend(add_foreign_key(fk, dialect).sql(dialect) for fk in deferred)
    return out


def index_name(table: str, columns: list[str]) -> str:
    """A deterministic index name within PostgreSQL's 63-byte limit."""
    name = "ix_" + "_".join([table, *columns])
    if len(name.encode()) <= 63:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return name.encode()[:50].decode(errors="ignore") + "_" + digest


def _index_column(name: str, dialect: str) -> exp.Ordered:
    # each dialect's default NULL placement, so the generator writes no NULLS FIRST/LAST
    nulls_first = dialect in ("sqlite", "mysql", "tsql", "bigquery")  # NULL sorts low there
    return exp.Ordered(this=_ident(name), nulls_first=nulls_first)


def render_indexes(schema: Schema, dialect: str) -> list[str]:
    """CREATE INDEX on the columns of every foreign key not already led by the primary key."""
    out: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for fk in schema.foreign_keys:
        table = schema.table(fk.source_table)
        cols = tuple(fk.source_columns)
        if (fk.source_table, cols) in seen or tuple(table.primary_key[: len(cols)]) == cols:
            continue
        seen.add((fk.source_table, cols))
        index = exp.Create(
            this=exp.Index(
                this=_ident(index_name(fk.source_table, list(cols))),
                table=_table(fk.source_table),
                params=exp.IndexParameters(columns=[_index_column(c, dialect) for c in cols]),
            ),
            kind="INDEX",
        )
        out.append(index.sql(dialect))
    return out
