"""`sqlsynth questions`: an English question for every query of a SQL file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from sqlsynth.cli.common import err_console, user_errors
from sqlsynth.errors import SqlsynthError


@user_errors
def questions(
    sql_file: Path = typer.Option(
        ..., "--sql-file", help="SQL file: queries separated by ';' ('-' reads stdin)."
    ),
    schema: str | None = typer.Option(
        None,
        "--schema",
        help="Schema source for names: workbook, DDL, tables.json, schema JSON or database URL.",
    ),
    db_id: str | None = typer.Option(None, "--db-id", help="Which database of a Spider tables.json."),
    dialect: str | None = typer.Option(
        None, "--dialect", "-d", help="SQL dialect of the queries (sqlite, postgres...)."
    ),
    seed: int = typer.Option(0, "--seed", help="Chooses among phrasings; same seed, same questions."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write JSON lines here instead of stdout."),
) -> None:
    """Write one JSON object {sql, question} per query (rule-based realiser, no LLM needed)."""
    from sqlsynth.io import write_text_atomic
    from sqlsynth.nl.batch import question_records

    if str(sql_file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = sql_file.read_text(encoding="utf-8")
        except OSError as err:
            raise SqlsynthError(
                f"cannot read the SQL file ({err.strerror or err})", where=str(sql_file)
            ) from None
    loaded = None
    if schema is not None:
        from sqlsynth.schema.loaders import load_schema

        loaded = load_schema(schema, db_id=db_id, dialect=dialect)
    records = question_records(text, loaded, dialect=dialect, seed=seed)
    lines = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records)
    if out is None:
        sys.stdout.write(lines)
    else:
        write_text_atomic(out, lines)
    failed = [r for r in records if r.error is not None]
    err_console.print(
        f"{len(records) - len(failed)} questions written"
        + (f", {len(failed)} statements skipped" if failed else "")
        + (f" to {out}" if out else ""),
        highlight=False,
    )
    for r in failed[:5]:
        err_console.print(f"  skipped: {r.error}", highlight=False, soft_wrap=True)
