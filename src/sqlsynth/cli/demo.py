"""`sqlsynth demo` and `sqlsynth report`."""

from __future__ import annotations

from pathlib import Path

import typer

from sqlsynth.cli.common import console, user_errors


@user_errors
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", "-o", help="Output folder."),
    n: int = typer.Option(1000, "-n", help="Records to generate (before question dedup)."),
    seed: int = typer.Option(0, "--seed"),
    workers: int = typer.Option(
        0,
        "--workers",
        "-w",
        min=0,
        help="Workers for generation (this process and W - 1 more). 0 (default): one per CPU, at "
        "most 8, and one per 100 records.",
    ),
) -> None:
    """The whole factory on the built-in demo model: populate, generate, questions, dedup, report."""
    from sqlsynth.cli.generate import print_summary
    from sqlsynth.generate.runner import auto_workers
    from sqlsynth.pipeline import run_demo

    result = run_demo(out, n=n, seed=seed, workers=workers or auto_workers(n))
    print_summary(result.manifest)
    stage = result.manifest["stages"]["question_dedup"]
    console.print(
        f"question dedup: {stage['in']} → {stage['out']} records (cosine ≥ {stage['threshold']})\n"
        f"records: {out / 'records.jsonl'}\nreport:  {result.report}"
    )


@user_errors
def report(
    folder: Path = typer.Argument(..., help="An output folder (records.jsonl + manifest.json)."),
) -> None:
    """Rebuild the HTML report of an output folder."""
    from sqlsynth.report import build_report

    console.print(f"wrote {build_report(folder)}")
