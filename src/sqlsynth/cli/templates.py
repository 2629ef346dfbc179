"""`sqlsynth templates`: SQL-GEN template libraries: extract from a corpus, list, expand."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sqlsynth.cli.common import console, err_console, user_errors
from sqlsynth.render import dialect_name

app = typer.Typer(
    help="SQL-GEN query templates: extract them from a SQL corpus, list them, expand them for a dialect.",
    no_args_is_help=True,
)


@app.command("extract")
@user_errors
def extract(
    corpus: Path = typer.Argument(
        ..., help="Spider-style questions .json (objects with 'query'), .jsonl, a .sql file, or a query log."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Template library JSON to write."),
    dialect: str = typer.Option("sqlite", "--dialect", "-d", help="SQL dialect of the corpus."),
    schema: str | None = typer.Option(
        None,
        "--schema",
        help="Schema source that types the columns: DDL, tables.json (per-query db_id), schema JSON or "
        "database URL. A .sql corpus may declare its own with CREATE TABLE.",
    ),
    db_id: str | None = typer.Option(None, "--db-id", help="Which database of a Spider tables.json."),
    source: str | None = typer.Option(
        None, "--source", help="Name recorded in the library (default: file name)."
    ),
) -> None:
    """Abstract every query of CORPUS into a typed template; duplicates are counted."""
    from sqlsynth.generate.templates import extract_templates, read_corpus

    d = dialect_name(dialect)
    items, declared = read_corpus(corpus, d)
    one, per_db = declared, None
    if schema is not None:
        one, per_db = _schemas(schema, db_id, d, {i.db_id for i in items if i.db_id})
    lib = extract_templates(items, d, schema=one, schemas=per_db, source=source or corpus.name)
    lib.save(out)
    skipped = sum(lib.skipped.values())
    reasons = ", ".join(f"{k}: {v}" for k, v in lib.skipped.items())
    err_console.print(
        f"{lib.statements} statements -> {len(lib.templates)} templates written to {out}"
        + (f" ({skipped} skipped: {reasons})" if skipped else ""),
        highlight=False,
        soft_wrap=True,
    )


def _schemas(source: str, db_id: str | None, dialect: str, wanted: set[str]):  # type: ignore[no-untyped-def]
    """One schema, or one per db_id when SOURCE is a Spider tables.json with several databases."""
    from sqlsynth.schema.loaders import load_schema
    from sqlsynth.schema.loaders.spider import is_spider_tables, load_spider, spider_db_ids

    path = Path(source)
    if db_id is None and path.suffix.lower() == ".json" and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if data is not None and is_spider_tables(data) and len(spider_db_ids(data)) > 1:
            known = set(spider_db_ids(data))
            return None, {d: load_spider(path, d, data) for d in sorted(wanted & known)}
    return load_schema(source, db_id=db_id, dialect=dialect), None


@app.command("list")
@user_errors
def list_templates(
    library: Path = typer.Argument(..., help="Template library JSON."),
    limit: int = typer.Option(30, "--limit", "-n", min=0, help="Show at most this many (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per template."),
) -> None:
    """Templates of a library, most frequent first."""
    from sqlsynth.generate.templates import TemplateLibrary

    lib = TemplateLibrary.load(library)
    shown = lib.templates if limit == 0 else lib.templates[:limit]
    if as_json:
        for t in shown:
            typer.echo(t.model_dump_json())
        return
    for t in shown:
        extra = f" [{', '.join(t.features)}]" if t.features else ""
        console.print(
            f"{t.count:>5}  {t.id}  {t.origin}{extra}\n       {t.sql}", highlight=False, soft_wrap=True
        )
    by_origin: dict[str, int] = {}
    for t in lib.templates:
        by_origin[t.origin] = by_origin.get(t.origin, 0) + 1
    err_console.print(
        f"{len(lib.templates)} templates ({', '.join(f'{k}: {v}' for k, v in by_origin.items())}) from "
        f"{lib.statements} statements of {lib.source or 'unknown source'}, dialect {lib.dialect}"
        + (f"; showing {len(shown)}" if len(shown) < len(lib.templates) else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("expand")
@user_errors
def expand(
    library: Path = typer.Argument(..., help="Template library JSON ('default' for the built-in one)."),
    out: Path = typer.Option(..., "--out", "-o", help="Expanded library JSON to write."),
    dialect: str = typer.Option(..., "--dialect", "-d", help="Dialect whose tutorial to use."),
    per_template: int = typer.Option(4, "--per-template", min=0, help="Expansions per template (0: all)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Rule-based expansion: insert the dialect tutorial's functions where argument types fit."""
    from sqlsynth.generate.expand import expand_library
    from sqlsynth.generate.templates import TemplateLibrary, default_library

    lib = default_library() if str(library) == "default" else TemplateLibrary.load(library)
    d = dialect_name(dialect)
    new = expand_library(lib, d, per_template=per_template or None, seed=seed)
    new.save(out)
    err_console.print(
        f"{len(new.templates) - len(lib.templates)} {d} expansions added to {len(lib.templates)} templates; "
        f"written to {out}",
        highlight=False,
        soft_wrap=True,
    )
