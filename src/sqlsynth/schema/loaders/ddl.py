"""DDL files: CREATE TABLE statements in any sqlglot dialect, parsed with sqlglot (never by regex).

    load_ddl("shop.sql", dialect="postgres")

What is read:

- `CREATE TABLE name (...)`: columns with their type as the file spells it (`Column.type`) and the
  logical type derived from it; column-level `PRIMARY KEY`, `NOT NULL` / `NULL`, `UNIQUE`,
  `REFERENCES t [(cols)]`; table-level `[CONSTRAINT x] PRIMARY KEY (...)`, `FOREIGN KEY (...)
  REFERENCES t [(...)]`, `UNIQUE (...)` (only single-column uniqueness is kept, as `Column.unique`);
- `ALTER TABLE t ADD [CONSTRAINT x] FOREIGN KEY / PRIMARY KEY / UNIQUE ...` and `ADD [COLUMN] c type`
  (pg_dump writes keys this way);
- comments where the dialect has them: `COMMENT ON TABLE/COLUMN` (PostgreSQL, DuckDB, Snowflake...),
  MySQL / Snowflake column `COMMENT '...'` and table `COMMENT = '...'`, BigQuery
  `OPTIONS(description = ...)`.

Schema-qualified names lose their schema (`public.orders` is `orders`). Identifiers keep their exact
spelling, quoted or not (a reserved word, mixed case, spaces, non-ASCII). References are resolved to
the declared spelling (exact match first, then case-insensitive); a reference without columns points
at the target's primary key. Every other statement (CREATE INDEX / VIEW / SEQUENCE, INSERT, SET...) is
ignored; `CREATE TABLE ... AS SELECT` / `LIKE` / `PARTITION OF` have no column list and are skipped
with a warning.

Errors are SchemaErrors whose `where` is `FILE, line N`, N being the line where the statement at
fault starts: a statement that does not parse, a foreign key naming an unknown table or column, a
duplicate table or column. An unknown data type is a warning (logical type `other`). T-SQL `BIT` is
logically boolean (SQL Server's boolean type), Snowflake `VARIANT` is JSON.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from sqlsynth.errors import SchemaError
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType, logical_type_of
from sqlsynth.schema.validation import check_schema

log = logging.getLogger("sqlsynth.schema")

# tokens that may come between CREATE and TABLE (OR REPLACE, TEMPORARY, UNLOGGED, GLOBAL...)
_CREATE_TABLE_LOOKAHEAD = 6
_MAX_TYPE_TOKENS = 16
# types whose meaning depends on the dialect: SQL Server's boolean is BIT, Snowflake keeps JSON in VARIANT
_DIALECT_LOGICAL = {
    ("tsql", exp.DataType.Type.BIT): LogicalType.BOOLEAN,
    ("snowflake", exp.DataType.Type.VARIANT): LogicalType.JSON,
}


@dataclass
class _Statement:
    """One statement's tokens and where it starts in the file."""

    tokens: list[Token]
    line: int


@dataclass
class _RawFK:
    source_table: str
    source_columns: list[str]
    target_table: str
    target_columns: list[str]  # empty: the target's primary key
    line: int


@dataclass
class _TableDraft:
    name: str
    line: int
    description: str = ""
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    pk_line: int = 0
    unique: list[tuple[str, int]] = field(default_factory=list)

    def find(self, name: str) -> Column | None:
        """The column called `name`: exact spelling first, then case-insensitive."""
        for col in self.columns:
            if col.name == name:
                return col
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)


def load_ddl(path: str | Path, dialect: str | None = None) -> Schema:
    """The Schema declared by the CREATE TABLE (and ALTER TABLE / COMMENT ON) statements of a file.

    `dialect` is any sqlglot dialect name (`postgres`, `mysql`, `bigquery`, `sqlite`...); None reads
    sqlglot's generic SQL. Raises SchemaError naming the file and line at fault.
    """
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SchemaError("not a UTF-8 text file", where=where) from None
    except OSError as err:
        raise SchemaError(f"cannot read file ({err.strerror or err})", where=where) from None
    name = "postgres" if (dialect or "").lower() == "postgresql" else dialect
    try:
        dlct = Dialect.get_or_raise(name)
    except ValueError:
        raise SchemaError(f"unknown SQL dialect {dialect!r}", where=where) from None
    reader = _Reader(path, text, dlct, name)
    for stmt in _statements(path, text, dlct):
        reader.statement(stmt)
    return check_schema(reader.build(), where=where)


# -- splitting and parsing -------------------------------------------------------------------------


class _Lines:
    """Character offset -> 1-based line number."""

    def __init__(self, text: str) -> None:
        self.breaks = [i for i, ch in enumerate(text) if ch == "\n"]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1


def _statements(path: Path, text: str, dlct: Dialect) -> Iterator[_Statement]:
    """The file's statements, split on `;` tokens (so `;` inside strings and comments is safe)."""
    line_of = _Lines(text)
    tokenizer = dlct.tokenizer()
    try:
        tokens = tokenizer.tokenize(text)
    except TokenError:
        done: list[Token] = list(getattr(tokenizer, "tokens", []) or [])
        last = max((i for i, t in enumerate(done) if t.token_type == TokenType.SEMICOLON), default=-1)
        offset = done[last].end + 1 if last >= 0 else 0
        rest = done[last + 1 :]
        start = rest[0].start if rest else offset + len(text[offset:]) - len(text[offset:].lstrip())
        raise SchemaError(
            "DDL does not parse: unterminated string, quoted name or comment",
            where=f"{path}, line {line_of(start)}",
        ) from None
    chunk: list[Token] = []
    for tok in [*tokens, None]:
        if tok is None or tok.token_type == TokenType.SEMICOLON:
            if chunk:
                yield _Statement(chunk, line_of(chunk[0].start))
            chunk = []
        else:
            chunk.append(tok)


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning for each statement it keeps as a raw Command; those are ignored here."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _names(items: list[exp.Expression] | None) -> list[str]:
    """Column names from a key's column list (identifiers, columns, or ordered columns)."""
    out: list[str] = []
    for item in items or []:
        node = item.this if isinstance(item, exp.Ordered) else item
        out.append(node.name if isinstance(node, exp.Column | exp.Identifier) else node.sql())
    return out


def _literal_text(node: exp.Expression | None) -> str:
    if isinstance(node, exp.Literal):
        return str(node.this).strip()
    return node.name.strip() if node is not None else ""


def _description(props: exp.Properties | None) -> str | None:
    """A table comment: `COMMENT = '...'` (MySQL, Snowflake) or BigQuery's OPTIONS(description=...)."""
    for prop in props.expressions if props else []:
        if isinstance(prop, exp.SchemaCommentProperty):
            return _literal_text(prop.this)
        if isinstance(prop, exp.Property) and prop.name.lower() == "description":
            return _literal_text(prop.args.get("value"))
    return None


class _Reader:
    """Builds table drafts statement by statement, then resolves keys into a Schema."""

    def __init__(self, path: Path, text: str, dlct: Dialect, dialect: str | None) -> None:
        self.path = path
        self.text = text
        self.dlct = dlct
        self.dialect = dialect
        self.tables: list[_TableDraft] = []
        self.fks: list[_RawFK] = []

    # -- helpers -------------------------------------------------------------------------------
    def error(self, message: str, line: int) -> SchemaError:
        return SchemaError(message, where=f"{self.path}, line {line}")

    def find_table(self, name: str) -> _TableDraft | None:
        for t in self.tables:
            if t.name == name:
                return t
        low = name.lower()
        return next((t for t in self.tables if t.name.lower() == low), None)

    def parse(self, stmt: _Statement) -> exp.Expression | None:
        parser = self.dlct.parser(error_level=ErrorLevel.IMMEDIATE)
        try:
            with _quiet_sqlglot():
                parsed = [e for e in parser.parse(stmt.tokens, self.text) if e is not None]
        except ParseError as err:
            first = err.errors[0] if err.errors else {}
            detail = str(first.get("description") or err).splitlines()[0]
            near = str(first.get("highlight") or "").strip()
            at = f" near {near!r}" if near else ""
            at += f" (line {first['line']})" if first.get("line") not in (None, stmt.line) else ""
            raise self.error(
                f"DDL does not parse ({self.dialect or 'generic SQL'}): {detail}{at}", stmt.line
            ) from None
        if not parsed:
            return None
        node = parsed[0]
        if isinstance(node, exp.Alias | exp.Condition | exp.Identifier):
            raise self.error(
                f"DDL does not parse ({self.dialect or 'generic SQL'}): not a SQL statement: "
                f"{self.text[stmt.tokens[0].start : stmt.tokens[-1].end + 1][:60]!r}",
                stmt.line,
            )
        return node

    def native_type(self, kind: exp.DataType, after: int, tokens: list[Token]) -> str:
        """The type as the file spells it: the longest run of tokens after the column name that
        sqlglot reads as exactly that type (`double precision`, `timestamp with time zone`,
        `varchar(10)`); else (user-defined types) the dialect's rendering of the parsed type."""
        index = next((i for i, t in enumerate(tokens) if t.start > after), None)
        best = ""
        if index is not None:
            depth = 0
            for tok in tokens[index : index + _MAX_TYPE_TOKENS]:
                if depth == 0 and tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
                    break
                depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
                candidate = self.text[tokens[index].start : tok.end + 1]
                try:  # strict: DataType.build ignores trailing tokens (`int NOT NULL` would match)
                    built = sqlglot.parse_one(candidate, read=self.dlct, into=exp.DataType)
                except Exception:  # noqa: BLE001 - sqlglot raises several error types here
                    continue
                if built == kind:
                    best = candidate
        return " ".join(best.split()) or kind.sql(self.dlct)

    # -- statements ----------------------------------------------------------------------------
    def statement(self, stmt: _Statement) -> None:
        node = self.parse(stmt)
        kinds = [t.token_type for t in stmt.tokens[:_CREATE_TABLE_LOOKAHEAD]]
        is_create_table = kinds[0] == TokenType.CREATE and TokenType.TABLE in kinds
        if isinstance(node, exp.Create) and str(node.args.get("kind") or "").upper() == "TABLE":
            self.create_table(node, stmt)
        elif is_create_table:
            raise self.error(
                f"DDL does not parse ({self.dialect or 'generic SQL'}): CREATE TABLE not understood",
                stmt.line,
            )
        elif isinstance(node, exp.Alter) and str(node.args.get("kind") or "").upper() == "TABLE":
            self.alter_table(node, stmt)
        elif isinstance(node, exp.Comment):
            self.comment(node, stmt)
        elif kinds[0] == TokenType.ALTER and any(
            t.token_type in (TokenType.FOREIGN_KEY, TokenType.REFERENCES, TokenType.PRIMARY_KEY)
            for t in stmt.tokens
        ):
            raise self.error(
                f"DDL does not parse ({self.dialect or 'generic SQL'}): ALTER TABLE not understood",
                stmt.line,
            )

    def create_table(self, node: exp.Create, stmt: _Statement) -> None:
        target = node.this
        if not isinstance(target, exp.Schema) or not any(
            isinstance(e, exp.ColumnDef | exp.Identifier) for e in target.expressions
        ):
            log.warning(
                "%s, line %d: CREATE TABLE %s has no column list (AS SELECT / LIKE / PARTITION OF); skipped",
                self.path,
                stmt.line,
                target.find(exp.Table).name if target.find(exp.Table) else "?",
            )
            return
        name = target.this.name
        if (earlier := self.find_table(name)) is not None:
            raise self.error(f"duplicate table {name!r} (first created at line {earlier.line})", stmt.line)
        table = _TableDraft(
            name=name, line=stmt.line, description=_description(node.args.get("properties")) or ""
        )
        self.tables.append(table)
        for item in target.expressions:
            if isinstance(item, exp.ColumnDef | exp.Identifier):
                self.add_column(table, item, stmt)
            else:
                self.table_constraint(table, item, stmt)

    def add_column(self, table: _TableDraft, item: exp.ColumnDef | exp.Identifier, stmt: _Statement) -> None:
        ident = item if isinstance(item, exp.Identifier) else item.this
        name = ident.name
        if table.find(name) is not None:
            raise self.error(f"table {table.name!r}: duplicate column {name!r}", stmt.line)
        kind = item.args.get("kind") if isinstance(item, exp.ColumnDef) else None
        native = ""
        if isinstance(kind, exp.DataType):
            native = self.native_type(kind, int(ident.meta.get("end", -1)), stmt.tokens)
        logical = logical_type_of(native, self.dialect)
        if isinstance(kind, exp.DataType):
            logical = _DIALECT_LOGICAL.get((self.dialect or "", kind.this), logical)
        col = Column(name=name, type=native, logical_type=logical)
        table.columns.append(col)
        constraints = (item.args.get("constraints") or []) if isinstance(item, exp.ColumnDef) else []
        for constraint in constraints:
            c = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else constraint
            if isinstance(c, exp.PrimaryKeyColumnConstraint):
                self.set_primary_key(table, [name], stmt)
            elif isinstance(c, exp.NotNullColumnConstraint):
                col.nullable = bool(c.args.get("allow_null"))
            elif isinstance(c, exp.UniqueColumnConstraint):
                col.unique = True
            elif isinstance(c, exp.Reference):
                self.add_reference(table.name, [name], c, stmt)
            elif isinstance(c, exp.CommentColumnConstraint):
                col.description = _literal_text(c.this)
            elif isinstance(c, exp.Properties) and (text := _description(c)) is not None:
                col.description = text

    def set_primary_key(self, table: _TableDraft, columns: list[str], stmt: _Statement) -> None:
        if table.primary_key:
            raise self.error(
                f"table {table.name!r} declares a second primary key (first at line {table.pk_line})",
                stmt.line,
            )
        table.primary_key, table.pk_line = columns, stmt.line

    def add_reference(self, source: str, columns: list[str], ref: exp.Reference, stmt: _Statement) -> None:
        target = ref.this
        if isinstance(target, exp.Schema):
            table, cols = target.this, _names(target.expressions)
        else:
            table, cols = target, []
        self.fks.append(_RawFK(source, columns, table.name, cols, stmt.line))

    def table_constraint(self, table: _TableDraft, item: exp.Expression, stmt: _Statement) -> None:
        parts = item.expressions if isinstance(item, exp.Constraint) else [item]
        for i, part in enumerate(parts):
            if isinstance(part, exp.PrimaryKey):
                self.set_primary_key(table, _names(part.expressions), stmt)
            elif isinstance(part, exp.PrimaryKeyColumnConstraint):
                # T-SQL: CONSTRAINT pk PRIMARY KEY CLUSTERED (a, b) — the columns follow
                nxt = parts[i + 1] if i + 1 < len(parts) else None
                if isinstance(nxt, exp.ClusteredColumnConstraint | exp.NonClusteredColumnConstraint):
                    self.set_primary_key(table, _names(nxt.this), stmt)
            elif isinstance(part, exp.ForeignKey):
                ref = part.args.get("reference")
                if isinstance(ref, exp.Reference):
                    self.add_reference(table.name, _names(part.expressions), ref, stmt)
            elif isinstance(part, exp.UniqueColumnConstraint):
                cols = _names(part.this.expressions) if isinstance(part.this, exp.Schema) else []
                if len(cols) == 1:
                    table.unique.append((cols[0], stmt.line))

    def alter_table(self, node: exp.Alter, stmt: _Statement) -> None:
        name = node.this.name
        table = self.find_table(name)
        if table is None:
            raise self.error(f"ALTER TABLE {name}: unknown table {name!r}", stmt.line)
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                self.add_column(table, action, stmt)
            elif isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    self.table_constraint(table, item, stmt)

    def comment(self, node: exp.Comment, stmt: _Statement) -> None:
        kind = str(node.args.get("kind") or "").upper()
        text = _literal_text(node.args.get("expression"))
        target = node.this
        if kind == "TABLE" and isinstance(target, exp.Table):
            if (table := self.find_table(target.name)) is not None:
                table.description = text
                return
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            table = self.find_table(target.table)
            col = table.find(target.name) if table is not None else None
            if col is not None:
                col.description = text
                return
        else:
            return
        log.warning(
            "%s, line %d: COMMENT ON %s %s: no such table or column; ignored",
            self.path,
            stmt.line,
            kind,
            target.sql(self.dlct),
        )

    # -- resolution ----------------------------------------------------------------------------
    def build(self) -> Schema:
        if not self.tables:
            raise SchemaError("no CREATE TABLE statements found", where=str(self.path))
        tables: list[Table] = []
        for draft in self.tables:
            pk = [self.column(draft, c, draft.pk_line, "primary key").name for c in draft.primary_key]
            for col in draft.columns:
                if col.name in pk:
                    col.nullable = False
            for col_name, line in draft.unique:
                self.column(draft, col_name, line, "unique constraint").unique = True
            tables.append(
                Table(name=draft.name, description=draft.description, columns=draft.columns, primary_key=pk)
            )
        fks: list[ForeignKey] = []
        seen: set[tuple[str, tuple[str, ...], str, tuple[str, ...]]] = set()
        for raw in self.fks:
            fk = self.resolve(raw)
            if fk.key not in seen:
                seen.add(fk.key)
                fks.append(fk)
        return Schema(name=self.path.stem, tables=tables, foreign_keys=fks)

    def column(self, table: _TableDraft, name: str, line: int, what: str) -> Column:
        col = table.find(name)
        if col is None:
            raise self.error(f"{what} of table {table.name!r}: no column {name!r}", line)
        return col

    def resolve(self, raw: _RawFK) -> ForeignKey:
        label = f"foreign key {raw.source_table}({', '.join(raw.source_columns)}) -> {raw.target_table}"
        source = self.find_table(raw.source_table)
        target = self.find_table(raw.target_table)
        if source is None:  # cannot happen: keys are read inside their table's statements
            raise self.error(f"{label}: unknown table {raw.source_table!r}", raw.line)
        if target is None:
            raise self.error(f"{label}: unknown table {raw.target_table!r}", raw.line)
        target_columns = raw.target_columns or target.primary_key
        if not target_columns:
            raise self.error(
                f"{label}: table {target.name!r} has no primary key; name the referenced columns", raw.line
            )
        if len(target_columns) != len(raw.source_columns):
            raise self.error(
                f"{label}: {len(raw.source_columns)} column(s) reference {len(target_columns)}", raw.line
            )
        src = [self.fk_column(label, source, c, raw.line).name for c in raw.source_columns]
        dst = [self.fk_column(label, target, c, raw.line).name for c in target_columns]
        return ForeignKey(
            source_table=source.name, source_columns=src, target_table=target.name, target_columns=dst
        )

    def fk_column(self, label: str, table: _TableDraft, name: str, line: int) -> Column:
        col = table.find(name)
        if col is None:
            raise self.error(f"{label}: unknown column {table.name}.{name}", line)
        return col
