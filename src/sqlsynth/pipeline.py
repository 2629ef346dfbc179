"""End-to-end runs: the demo factory (`sqlsynth demo`).

demo model → populate SQLite + DuckDB → generate (walk, validated on both engines, rendered in
seven dialects, rule-based questions) → question dedup (MiniLM embeddings) → records.jsonl,
manifest.json and report.html. Every stage keeps its output in the folder, so a second run
resumes: a finished database is reused, generation picks up where it stopped (or starts again
when the folder's run had other settings, such as an older sqlsynth's defaults).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlsynth.dataset import Record, read_records, write_records_atomic
from sqlsynth.dedup.near import DEFAULT_THRESHOLD as DEDUP_THRESHOLD
from sqlsynth.errors import SqlsynthError
from sqlsynth.io import write_json_atomic, write_text_atomic

DEMO_ROWS = 300
DEMO_FILES = {"demo.sqlite", "demo.duckdb", "demo.duckdb.wal", "populated.json"}


@dataclass
class DemoResult:
    out: Path
    records: int
    manifest: dict[str, Any]
    report: Path


def populate_demo(data: Path, *, seed: int, rows: int = DEMO_ROWS, progress: bool = True) -> list[str]:
    """The demo database in SQLite and DuckDB (reused when a finished one is there)."""
    from sqlsynth.populate import populate
    from sqlsynth.schema.demo import demo_schema

    urls = [f"sqlite:///{data / 'demo.sqlite'}", f"duckdb:///{data / 'demo.duckdb'}"]
    marker = data / "populated.json"
    wanted = {"seed": seed, "rows": rows}
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return urls
    if data.exists() and not marker.exists() and any(p.name not in DEMO_FILES for p in data.iterdir()):
        raise SqlsynthError("holds files sqlsynth did not write; give --out a new folder", where=str(data))
    shutil.rmtree(data, ignore_errors=True)  # ours: an unfinished or different earlier load
    shutil.rmtree(data.parent / "generated", ignore_errors=True)  # made from the old databases
    data.mkdir(parents=True)
    populate(demo_schema(), urls[0], rows=rows, seed=seed, also=urls[1:], progress=progress)
    write_text_atomic(marker, json.dumps(wanted))
    return urls


def dedup_questions(records: list[Record], threshold: float = DEDUP_THRESHOLD) -> list[Record]:
    """Records whose question is not a near duplicate (cosine >= threshold) of an earlier one
    of the same database and SQL template."""
    from sqlsynth.dedup import dedup_texts

    with_q = [r for r in records if r.question]
    groups = [(r.db_id, r.template) for r in with_q]
    kept = dedup_texts([r.question for r in with_q], threshold=threshold, groups=groups).kept
    keep_ids = {with_q[i].id for i in kept}
    return [r for r in records if not r.question or r.id in keep_ids]


def run_demo(
    out: str | Path, *, n: int = 1000, seed: int = 0, workers: int = 1, progress: bool = True
) -> DemoResult:
    """The whole factory on the built-in demo model, into `out`."""
    from sqlsynth.generate.runner import GenerateConfig, describe, holds_another_run, run_generate
    from sqlsynth.report import build_report
    from sqlsynth.schema.demo import demo_schema
    from sqlsynth.schema.writers import write_seeds000_workbook

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    schema = demo_schema()
    timings: dict[str, float] = {}
    t = time.perf_counter()
    if not (out / "model.xlsx").exists():
        write_seeds000_workbook(schema, out / "model.xlsx")
    urls = populate_demo(out / "data", seed=seed, progress=progress)
    timings["stage_populate_s"] = time.perf_counter() - t

    t = time.perf_counter()
    config = GenerateConfig(db_id="demo", dbs=urls, n=n, seed=seed, workers=workers, source="demo")
    # the demo's own run: one of other settings (an older version's defaults) is made again
    again = holds_another_run(out / "generated", config)
    generated = run_generate(config, schema, out / "generated", progress=progress, overwrite=again)
    timings["stage_generate_s"] = time.perf_counter() - t

    t = time.perf_counter()
    records = list(read_records(out / "generated" / "records.jsonl"))
    kept = dedup_questions(records)
    timings["stage_question_dedup_s"] = time.perf_counter() - t
    write_records_atomic(out / "records.jsonl", kept)

    manifest = {**generated.manifest, **describe(kept), "records": len(kept), "generated": len(records)}
    manifest["stages"] = {
        "question_dedup": {"in": len(records), "out": len(kept), "threshold": DEDUP_THRESHOLD},
    }
    manifest["timings"] = {**manifest["timings"], **{k: round(v, 3) for k, v in timings.items()}}
    write_json_atomic(out / "manifest.json", manifest)
    write_text_atomic(out / "schema.json", schema.to_json())
    report = build_report(out, manifest=manifest, records=kept)  # what was just written
    return DemoResult(out, len(kept), manifest, report)
