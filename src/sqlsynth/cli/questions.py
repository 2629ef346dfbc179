"""`sqlsynth questions`: (re)write the questions of an output folder, or question a file of queries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from sqlsynth.cli.common import console, err_console, user_errors
from sqlsynth.errors import SqlsynthError


def llm_from_options(
    config_file: Path | None, base_url: str | None, model: str | None, api_key_env: str | None
) -> Any:
    """The LLM the options name (a config file, with the flags overriding its fields), or None.
    A bad config raises LLMConfigError (every problem listed) before any request."""
    if config_file is None and base_url is None and model is None and api_key_env is None:
        return None
    from sqlsynth.llm import LLMConfig, create_llm

    flags = {"base_url": base_url, "model": model, "api_key_env": api_key_env}
    if config_file is not None:
        return create_llm(LLMConfig.load(config_file, **flags))
    return create_llm(LLMConfig.parse({k: v for k, v in flags.items() if v is not None}))


def _read_sql(sql_file: Path) -> str:
    if str(sql_file) == "-":
        return sys.stdin.read()
    try:
        return sql_file.read_text(encoding="utf-8")
    except OSError as err:
        raise SqlsynthError(
            f"cannot read the SQL file ({err.strerror or err})", where=str(sql_file)
        ) from None


@user_errors
def questions(
    folder: Path | None = typer.Argument(
        None, help="Output folder of `sqlsynth generate`: rewrite the question of every record."
    ),
    sql_file: Path | None = typer.Option(
        None, "--sql-file", help="Instead: a SQL file, queries separated by ';' ('-' reads stdin)."
    ),
    schema: str | None = typer.Option(
        None,
        "--schema",
        help="With --sql-file: schema source (workbook, DDL, tables.json, schema JSON or database URL).",
    ),
    db_id: str | None = typer.Option(None, "--db-id", help="Which database of a Spider tables.json."),
    dialect: str | None = typer.Option(
        None, "--dialect", "-d", help="With --sql-file: SQL dialect of the queries (sqlite, postgres...)."
    ),
    mode: str | None = typer.Option(
        None, "--questions", help="rule (the realiser) or llm (default: llm when an LLM is given)."
    ),
    llm_config: Path | None = typer.Option(None, "--llm-config", help="LLM settings as JSON (LLMConfig)."),
    base_url: str | None = typer.Option(None, "--base-url", help="OpenAI-compatible server, up to /v1."),
    model: str | None = typer.Option(None, "--model", help="Model name (overrides the config's)."),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="Environment variable with the key."),
    styles: str | None = typer.Option(
        None, "--styles", help="Comma-separated styles to draw from (default: all nine)."
    ),
    samples: int = typer.Option(4, "--samples", help="LLM candidates per question (the centroid one wins)."),
    temperature: float = typer.Option(0.8, "--temperature", help="LLM sampling temperature."),
    seed: int = typer.Option(0, "--seed", help="Chooses styles and phrasings; same seed, same questions."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="With --sql-file: write JSON lines here instead of stdout."
    ),
) -> None:
    """Write questions: for every record of an output folder (in place), or one JSON object
    {sql, question} per query of --sql-file. The realiser needs nothing; --questions llm uses an
    OpenAI-compatible server or a local model, falling back to the realiser where it fails."""
    from sqlsynth.nl.llm_writer import STYLES, QuestionWriter
    from sqlsynth.schema.model import Schema

    if (folder is None) == (sql_file is None):
        raise SqlsynthError("give either an output folder of `sqlsynth generate` or --sql-file")
    if folder is not None:
        used = [name for name, v in (("--out", out), ("--schema", schema), ("--db-id", db_id)) if v]
        if used or dialect:
            names = ", ".join(used + (["--dialect"] if dialect else []))
            raise SqlsynthError(f"{names}: only with --sql-file (a folder is rewritten in place)")
    if mode not in (None, "rule", "llm"):
        raise SqlsynthError(f"--questions must be rule or llm, not {mode!r}")
    llm_given = any(v is not None for v in (llm_config, base_url, model, api_key_env))
    if mode == "rule" and llm_given:
        raise SqlsynthError("--llm-config/--base-url/--model/--api-key-env are for --questions llm")
    if mode == "llm" and not llm_given:
        raise SqlsynthError("--questions llm needs --llm-config FILE or --base-url URL --model NAME")
    options: dict[str, Any] = {
        "styles": [s.strip() for s in styles.split(",") if s.strip()] if styles else STYLES,
        "samples": samples,
        "temperature": temperature,
        "seed": seed,
    }
    QuestionWriter(None, Schema(), **options)  # bad options fail before a model is loaded
    llm = llm_from_options(llm_config, base_url, model, api_key_env)
    if folder is not None:
        _rewrite(folder, llm, options)
    else:
        assert sql_file is not None
        _sql_file(sql_file, schema, db_id, dialect, seed, out, llm, options)


def _rewrite(folder: Path, llm: Any, options: dict[str, Any]) -> None:
    from sqlsynth.nl.batch import rewrite_folder

    summary = rewrite_folder(folder, llm, **options)
    sources = ", ".join(f"{n} {s}" for s, n in sorted(summary.sources.items())) or "none"
    console.print(
        f"{summary.records} questions written to {folder / 'records.jsonl'} ({sources}) "
        f"in {summary.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    if summary.styles:
        styles = ", ".join(f"{s} {n}" for s, n in sorted(summary.styles.items()))
        console.print(f"styles: {styles}", highlight=False, soft_wrap=True)
    _report_llm(llm, summary.sources.get("rule", 0) + summary.sources.get("none", 0), summary.errors)


def _report_llm(llm: Any, fallbacks: int, errors: list[str]) -> None:
    if llm is None:
        return
    stats = llm.stats
    err_console.print(
        f"LLM: {stats.requests} requests, {stats.cache_hits} from the cache, {stats.failures} failed, "
        f"{stats.usage.total_tokens} tokens",
        highlight=False,
        soft_wrap=True,
    )
    if fallbacks:
        err_console.print(
            f"[yellow]{fallbacks} questions came from the realiser instead of the LLM[/]", highlight=False
        )
        for e in errors[:5]:
            err_console.print(f"  {e}", highlight=False, soft_wrap=True)


def _sql_file(
    sql_file: Path,
    schema: str | None,
    db_id: str | None,
    dialect: str | None,
    seed: int,
    out: Path | None,
    llm: Any,
    options: dict[str, Any],
) -> None:
    from sqlsynth.io import write_text_atomic
    from sqlsynth.nl.batch import question_records
    from sqlsynth.nl.llm_writer import QuestionWriter
    from sqlsynth.schema.model import Schema

    text = _read_sql(sql_file)
    loaded = None
    if schema is not None:
        from sqlsynth.schema.loaders import load_schema

        loaded = load_schema(schema, db_id=db_id, dialect=dialect)
    writer = QuestionWriter(llm, loaded or Schema(name="queries"), **options) if llm is not None else None
    records = question_records(text, loaded, dialect=dialect, seed=seed, writer=writer)
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
    if llm is not None:
        _report_llm(llm, sum(1 for r in records if r.source == "rule"), [])
