"""`sqlsynth schema inspect|export|ddl` and `sqlsynth demo-model`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table as RichTable
from rich.tree import Tree

from sqlsynth.cli.common import console, user_errors
from sqlsynth.schema.ddl_render import DDL_DIALECTS
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.model import Schema

app = typer.Typer(help="Read a schema from any source; show, export or render it.", no_args_is_help=True)

SourceArg = typer.Argument(..., help="Workbook, .sql DDL, tables.json, schema JSON, or database URL.")
DbIdOpt = typer.Option(None, "--db-id", help="Which database of a Spider tables.json.")
InferOpt = typer.Option(True, "--infer-keys/--no-infer-keys", help="Infer foreign keys (ASASQL sheets).")


def _load(source: str, db_id: str | None, dialect: str | None, infer_keys: bool) -> Schema:
    return load_schema(source, db_id=db_id, dialect=dialect, infer_keys=infer_keys)


@app.command()
@user_errors
def inspect(
    source: str = SourceArg,
    db_id: str | None = DbIdOpt,
    dialect: str | None = typer.Option(None, "--dialect", help="SQL dialect of a DDL source."),
    infer_keys: bool = InferOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the schema JSON on stdout."),
) -> None:
    """Show tables, columns, keys and the foreign-key graph."""
    schema = _load(source, db_id, dialect, infer_keys)
    if as_json:
        sys.stdout.write(schema.to_json() + "\n")
        return
    print_schema(schema)


@app.command()
@user_errors
def export(
    source: str = SourceArg,
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the schema JSON."),
    db_id: str | None = DbIdOpt,
    dialect: str | None = typer.Option(None, "--dialect", help="SQL dialect of a DDL source."),
    infer_keys: bool = InferOpt,
) -> None:
    """Write the schema as sqlsynth's JSON (loads back losslessly)."""
    schema = _load(source, db_id, dialect, infer_keys)
    schema.save(out)
    console.print(f"wrote {out} ({len(schema.tables)} tables, {len(schema.foreign_keys)} foreign keys)")


@app.command()
@user_errors
def ddl(
    source: str = SourceArg,
    dialect: str = typer.Option("sqlite", "--dialect", "-d", help=f"Target: {', '.join(DDL_DIALECTS)}."),
    read_dialect: str | None = typer.Option(None, "--read-dialect", help="SQL dialect of a DDL source."),
    db_id: str | None = DbIdOpt,
    infer_keys: bool = InferOpt,
) -> None:
    """Print CREATE TABLE statements with keys for a target dialect."""
    from sqlsynth.errors import SqlsynthError
    from sqlsynth.schema.ddl_render import render_ddl

    target = "postgres" if dialect == "postgresql" else dialect
    if target not in DDL_DIALECTS:
        raise SqlsynthError(f"unknown dialect {dialect!r}; choose one of {', '.join(DDL_DIALECTS)}")
    schema = _load(source, db_id, read_dialect, infer_keys)
    sys.stdout.write(";\n\n".join(render_ddl(schema, target)) + ";\n")


@user_errors
def demo_model(
    out: Path = typer.Option(Path("model.xlsx"), "--out", "-o", help="Workbook to write."),
) -> None:
    """Write the built-in e-commerce demo model as a seeds/000 workbook (Tables, Columns, Relationships)."""
    from sqlsynth.schema.demo import demo_schema
    from sqlsynth.schema.writers import write_seeds000_workbook

    schema = demo_schema()
    write_seeds000_workbook(schema, out)
    console.print(
        f"wrote {out}: {len(schema.tables)} tables, "
        f"{sum(len(t.columns) for t in schema.tables)} columns, {len(schema.foreign_keys)} relationships"
    )


def print_schema(schema: Schema) -> None:
    """Rich view: one table per schema table, then keys and the FK graph."""
    n_cols = sum(len(t.columns) for t in schema.tables)
    console.print(
        f"[bold]{schema.name}[/]: {len(schema.tables)} tables, {n_cols} columns, "
        f"{len(schema.foreign_keys)} foreign keys"
    )
    if schema.description:
        console.print(schema.description, style="dim")
    fk_cols = {(fk.source_table, c) for fk in schema.foreign_keys for c in fk.source_columns}
    for t in schema.tables:
        grid = RichTable(
            title=f"{t.name}" + (f" — {t.description}" if t.description else ""),
            title_justify="left",
            show_edge=False,
            pad_edge=False,
        )
        for head in ("column", "type", "logical", "key", "null", "description"):
            grid.add_column(head)
        for c in t.columns:
            key = "PK" if c.name in t.primary_key else ""
            if (t.name, c.name) in fk_cols:
                key = f"{key} FK".strip()
            if c.unique:
                key = f"{key} UQ".strip()
            desc = c.description or ""
            if c.display_name:
                desc = f"[{c.display_name}] {desc}".strip()
            if not c.include:
                desc = f"(excluded) {desc}"
            grid.add_row(c.name, c.type, c.logical_type.value, key, "yes" if c.nullable else "no", desc)
        console.print(grid)
        console.print()

    graph = schema.graph
    tree = Tree("[bold]foreign-key graph[/]")
    keys = tree.add(f"foreign keys ({len(schema.foreign_keys)})")
    for fk in schema.foreign_keys:
        keys.add(str(fk) + (" [dim](inferred)[/]" if fk.inferred else ""))
    comps = graph.components()
    comp_node = tree.add(f"connected components ({len(comps)})")
    for comp in comps:
        comp_node.add(", ".join(comp))
    cycles = graph.cycles()
    if cycles:
        cyc = tree.add(f"cycles ({len(cycles)})")
        for c in cycles:
            cyc.add(" -> ".join([*c, c[0]]))
    bridges = graph.bridge_tables()
    if bridges:
        tree.add("bridge tables: " + ", ".join(bridges))
    console.print(tree)
