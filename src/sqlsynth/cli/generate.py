"""`sqlsynth generate` and `sqlsynth export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table as RichTable

from sqlsynth.cli.common import console, user_errors
from sqlsynth.errors import SqlsynthError, first_problem

SPEC_OPTIONS = (
    "num_joins",
    "num_conditions",
    "aggregates",
    "group_by",
    "having",
    "order_by",
    "limit",
    "distinct",
    "subqueries",
    "set_ops",
    "cte",
    "window",
    "case",
)


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _spec(spec_file: Path | None, ranges: dict[str, str | None], lists: dict[str, str | None]) -> Any:
    from sqlsynth.generate.spec import ComplexitySpec

    data: dict[str, Any] = {}
    if spec_file is not None:
        try:
            data = json.loads(spec_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise SqlsynthError(f"cannot read the spec ({err})", where=str(spec_file)) from None
    data.update({k: v for k, v in ranges.items() if v is not None})
    data.update({k: _split(v) for k, v in lists.items() if v is not None})
    try:
        return ComplexitySpec.model_validate(data)
    except ValidationError as err:
        raise SqlsynthError(
            first_problem(err), where=str(spec_file) if spec_file else "spec options"
        ) from None


@user_errors
def generate(
    source: str = typer.Argument(
        ..., help="Schema source (workbook, DDL, tables.json, JSON, URL) or 'demo'."
    ),
    db: list[str] = typer.Option(..., "--db", help="Database URL with the data (repeat for more engines)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (records.jsonl, manifest.json)."),
    n: int = typer.Option(100, "-n", help="How many validated records to write."),
    seed: int = typer.Option(0, "--seed"),
    workers: int = typer.Option(
        0,
        "--workers",
        "-w",
        min=0,
        help="Workers: this process and W - 1 more processes. 0 (default): one per CPU, at most 8, "
        "and one per 100 records. The records are the same for any number.",
    ),
    dialects: str = typer.Option(
        "sqlite,postgres,duckdb,mysql,bigquery,tsql,snowflake", "--dialects", help="Dialects to render."
    ),
    engines: str | None = typer.Option(
        None, "--engines", help="Engines to execute on (sqlite,duckdb,postgres); default: every --db."
    ),
    db_id: str | None = typer.Option(None, "--db-id", help="Database of a Spider tables.json; record db_id."),
    read_dialect: str | None = typer.Option(None, "--dialect", help="SQL dialect of a DDL source."),
    hardness: str | None = typer.Option(None, "--hardness", help="easy,medium,hard,extra (default: a mix)."),
    spec_file: Path | None = typer.Option(None, "--spec", help="ComplexitySpec as JSON."),
    num_joins: str | None = typer.Option(None, "--num-joins", help="Range, e.g. 0-2."),
    num_conditions: str | None = typer.Option(None, "--num-conditions", help="Range, e.g. 1-3."),
    aggregates: str | None = typer.Option(None, "--aggregates"),
    group_by: str | None = typer.Option(None, "--group-by"),
    having: str | None = typer.Option(None, "--having"),
    order_by: str | None = typer.Option(None, "--order-by"),
    limit: str | None = typer.Option(None, "--limit"),
    distinct: str | None = typer.Option(None, "--distinct"),
    subqueries: str | None = typer.Option(None, "--subqueries"),
    set_ops: str | None = typer.Option(None, "--set-ops"),
    cte: str | None = typer.Option(None, "--cte"),
    window: str | None = typer.Option(None, "--window"),
    case: str | None = typer.Option(None, "--case"),
    join_types: str | None = typer.Option(None, "--join-types", help="inner,left,right,full"),
    operators: str | None = typer.Option(None, "--operators", help="=,<>,<,>,<=,>=,like,in,between,is_null"),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds per execution."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Keep empty results, COUNT 0 too."),
    no_discriminative: bool = typer.Option(
        False, "--no-discriminative", help="Skip the idle-predicate check."
    ),
    template_cap: int | None = typer.Option(
        None,
        "--template-cap",
        min=0,
        help="Records per structural template (default: max(10, n / 100) walked queries; 0: no cap).",
    ),
    questions: str = typer.Option(
        "rule", "--questions", help="rule (the realiser), llm (needs --llm-config) or none."
    ),
    strategy: str = typer.Option(
        "walk", "--strategy", help="walk (FK-graph walk), template (SQL-GEN) or llm (ASASQL, question first)."
    ),
    templates: str = typer.Option(
        "default", "--templates", help="Template library JSON (--strategy template)."
    ),
    template_dialect: str | None = typer.Option(
        None, "--template-dialect", help="Dialect whose functions templates are expanded with."
    ),
    llm_config: Path | None = typer.Option(None, "--llm-config", help="LLM config JSON (--strategy llm)."),
    samples: Path | None = typer.Option(
        None, "--samples", help="ASASQL data_sample.json: few-shot examples."
    ),
    candidates: int = typer.Option(3, "--candidates", help="SQL candidates per question (--strategy llm)."),
    infer_joins: str = typer.Option(
        "auto",
        "--infer-joins",
        help="Join keys found in the data: auto (when the schema declares no foreign key), always, never.",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start afresh instead of resuming."),
) -> None:
    """Generate validated SQL queries (with questions) for a schema and database; re-running resumes."""
    from sqlsynth.cli.questions import llm_from_options
    from sqlsynth.engines.url import SCHEMES, parse_url
    from sqlsynth.generate.runner import GenerateConfig, auto_workers, run_generate
    from sqlsynth.schema.demo import demo_schema
    from sqlsynth.schema.loaders import load_schema
    from sqlsynth.validate.filters import ValidateConfig

    llm = llm_from_options(llm_config, None, None, None)  # a bad config fails before any work
    if llm is None and "llm" in (strategy, questions):
        raise SqlsynthError(
            f"--{'strategy' if strategy == 'llm' else 'questions'} llm needs --llm-config FILE"
        )
    schema = demo_schema() if source == "demo" else load_schema(source, db_id=db_id, dialect=read_dialect)
    if strategy == "llm":
        _question_first(schema, db[0], out, n=n, seed=seed, llm=llm, samples=samples, k=candidates)
        return
    if strategy not in ("walk", "template"):
        raise SqlsynthError(f"unknown strategy {strategy!r}; choose walk, template or llm")
    urls = list(db)
    wanted = _split(engines)
    if wanted:
        kinds = {parse_url(u).kind: u for u in urls}
        unknown = [e for e in wanted if SCHEMES.get(e, e) not in kinds]
        if unknown:
            raise SqlsynthError(f"--engines names {', '.join(unknown)} but no --db of that kind was given")
        urls = [kinds[SCHEMES.get(e, e)] for e in wanted]
    ranges = dict(
        zip(
            SPEC_OPTIONS,
            (
                num_joins,
                num_conditions,
                aggregates,
                group_by,
                having,
                order_by,
                limit,
                distinct,
                subqueries,
                set_ops,
                cte,
                window,
                case,
            ),
            strict=True,
        )
    )
    lists = {"join_types": join_types, "operators": operators, "hardness": hardness}
    spec = _spec(spec_file, ranges, lists)
    try:
        config = GenerateConfig(
            db_id=db_id or schema.name,
            dbs=urls,
            n=n,
            seed=seed,
            workers=workers or auto_workers(n),
            dialects=_split(dialects) or [],
            spec=spec,
            validate=ValidateConfig(
                timeout_s=timeout,
                allow_empty=allow_empty,
                discriminative=not no_discriminative,
                template_cap="auto" if template_cap is None else template_cap or None,
            ),
            questions="rule" if questions == "llm" else questions,  # the realiser is the LLM's fallback
            strategy=strategy,
            templates=templates,
            template_dialect=template_dialect,
            infer_joins=infer_joins,
            source=source,
        )
    except ValidationError as err:
        raise SqlsynthError(first_problem(err)) from None
    result = run_generate(config, schema, out, overwrite=overwrite)
    print_summary(result.manifest)
    if questions == "llm":
        from sqlsynth.nl.batch import rewrite_folder

        summary = rewrite_folder(out, llm, seed=seed)
        sources = ", ".join(f"{k} {v}" for k, v in summary.sources.items())
        console.print(f"questions written by: {sources}")


def _question_first(
    schema: Any, url: str, out: Path, *, n: int, seed: int, llm: Any, samples: Path | None, k: int
) -> None:
    """ASASQL stage 1: questions from the LLM, K SQL candidates each, checked on the database."""
    import math

    from sqlsynth.engines import open_engine
    from sqlsynth.generate.asasql import (
        QuestionFirst,
        QuestionFirstConfig,
        load_samples,
        write_question_first,
    )

    examples = load_samples(samples) if samples else []
    tables = max(1, sum(1 for t in schema.tables if any(c.include for c in t.columns)))
    engine = open_engine(url)
    try:
        config = QuestionFirstConfig(
            questions_per_table=max(1, math.ceil(n / tables)), candidates=k, dialect=engine.dialect, seed=seed
        )
        result = QuestionFirst(schema, llm, engine, config, examples).run()
    finally:
        engine.close()
    manifest = write_question_first(result, schema, out, config)
    rejected = ", ".join(f"{r} {c}" for r, c in sorted(manifest["rejected"].items(), key=lambda kv: -kv[1]))
    console.print(
        f"{manifest['questions']} questions accepted ({result.counts.get('questions_duplicate', 0)} near "
        f"duplicates dropped); {manifest['candidates']} SQL candidates, {manifest['records']} valid records "
        f"for {manifest['questions_with_a_valid_candidate']} questions; rejected: {rejected or 'none'}"
    )


def print_summary(manifest: dict[str, Any]) -> None:
    """The waterfall of a run: candidates in, rejections per filter and reason, records out."""
    table = RichTable(title="validation", show_lines=False)
    table.add_column("filter")
    table.add_column("in", justify="right")
    table.add_column("rejected", justify="right")
    table.add_column("reasons")
    for name, row in manifest["filters"].items():
        rejected = sum(row["rejected"].values())
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(row["rejected"].items(), key=lambda kv: -kv[1]))
        table.add_row(name, str(row["in"]), str(rejected), reasons)
    console.print(table)
    t = manifest["timings"]
    hardness = ", ".join(f"{k} {v}" for k, v in manifest["hardness"].items())
    made = manifest.get("generated", manifest["records"])  # before later stages (question dedup)
    workers = manifest.get("config", {}).get("workers", 1)
    console.print(
        f"{made} records of {manifest['wanted']} wanted from {manifest['candidates']} "
        f"candidates ({manifest['generate_failed']} draws gave no query); {manifest['templates']} templates; "
        f"hardness: {hardness}; {t['seconds']} s, {t['records_per_s']} records/s "
        f"({workers} worker{'s' if workers != 1 else ''})"
    )
    if manifest.get("inferred_join_keys"):
        console.print(f"join keys found in the data: {', '.join(manifest['inferred_join_keys'])}")
    if made < manifest["wanted"]:
        console.print("[yellow]fewer records than wanted: the generator gave up; see the reject reasons[/]")
        filters = manifest["filters"]
        capped = sum(filters[name]["rejected"].get("cap", 0) for name in ("already_kept", "template_cap"))
        if capped:
            console.print(
                f"[yellow]{capped} candidates were over the cap of {manifest['template_cap']} records per "
                "template: a larger --template-cap (0: none) lets a small schema give more[/]"
            )


@user_errors
def export(
    folder: Path = typer.Argument(..., help="Output folder of `sqlsynth generate`."),
    fmt: str = typer.Option(..., "--format", "-f", help="spider, alpaca, sharegpt or parquet."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="File to write (spider: the questions file; tables.json goes beside it)."
    ),
    dialect: str | None = typer.Option(
        None, "--dialect", help="SQL dialect to export (default: the record's)."
    ),
    schema_scope: str = typer.Option("used", "--schema-scope", help="Prompt schema: used tables or all."),
) -> None:
    """Export records as Spider json, LLaMA-Factory alpaca/sharegpt, or Parquet."""
    from sqlsynth.dataset import load_output_folder
    from sqlsynth.exports import export as do_export

    schema, records = load_output_folder(folder)
    written = do_export(records, schema, fmt, out, schema_scope=schema_scope, dialect=dialect)  # type: ignore[arg-type]
    console.print(f"exported {len(records)} records as {fmt}: {', '.join(str(p) for p in written)}")
