"""A self-contained HTML report of an output folder: the waterfall of counts per stage and
filter, hardness and feature histograms, the dialect table, disagreements between engines and
sample pairs with their SQL in several dialects and a result preview. Charts are inline SVG; the
file needs nothing else to open."""

from __future__ import annotations

import html
import random
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlsynth.dataset import NOT_A_RUN, Record, read_manifest, read_records
from sqlsynth.errors import SqlsynthError
from sqlsynth.io import write_text_atomic

SAMPLE_DIALECTS = ("sqlite", "postgres", "duckdb", "mysql", "bigquery", "tsql", "snowflake")
CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;font-size:.9rem}
th{background:#f4f4f4;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f7f9;padding:.5rem;white-space:pre-wrap;font-size:.85rem;margin:.2rem 0}
.pair{border:1px solid #e3e3e3;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.q{font-size:1.05rem;font-weight:600} .meta{color:#666;font-size:.85rem}
details summary{cursor:pointer;color:#345}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def waterfall(manifest: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(stage, count entering, rejected there) for each stage in order, ending with the records."""
    first = manifest.get("candidates", manifest.get("records", 0))
    rows: list[tuple[str, int, int]] = [("generated", first, manifest.get("generate_failed", 0))]
    for name, f in manifest.get("filters", {}).items():
        rows.append((name, f["in"], sum(f["rejected"].values())))
    for name, stage in manifest.get("stages", {}).items():
        rows.append((name, stage["in"], stage["in"] - stage["out"]))
    return rows


def bar_chart(items: list[tuple[str, int]], *, width: int = 640, color: str = "#4c78a8") -> str:
    """Horizontal bars as inline SVG, one row per (label, value)."""
    if not items:
        return "<p>(nothing)</p>"
    top = max(v for _, v in items) or 1
    row, label_w = 22, 170
    height = row * len(items) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * row + 3
        w = max(1.0, (width - label_w - 60) * value / top) if value else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{_e(label)}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(header: list[str], rows: list[list[Any]], numeric: Collection[int] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _dialect_rows(records: list[Record]) -> list[list[Any]]:
    checked: dict[str, Counter[str]] = {}
    for r in records:
        for dialect in r.sql_by_dialect:
            how = (getattr(r, "checked", None) or {}).get(dialect, "rendered")
            checked.setdefault(dialect, Counter())[how] += 1
    return [
        [d, sum(c.values()), c.get("executed", 0), c.get("transpile-checked", 0), c.get("parsed", 0)]
        for d, c in checked.items()
    ]


def _sample(record: Record) -> str:
    question = record.question or "(no question)"
    shown = [d for d in SAMPLE_DIALECTS if d in record.sql_by_dialect]
    sqls = "".join(
        f"<details{' open' if i == 0 else ''}><summary>{_e(d)}</summary>"
        f"<pre>{_e(record.sql_by_dialect[d])}</pre></details>"
        for i, d in enumerate(shown)
    )
    columns = getattr(record, "result_columns", None) or []
    preview = getattr(record, "result_preview", None) or []
    result = _table(columns or [f"c{i}" for i in range(len(preview[0]))], preview) if preview else ""
    rows = next(iter(record.execution.values())).rows if record.execution else None
    tables = _e(", ".join(record.tables))
    meta = f"{_e(record.hardness)} · {_e(record.strategy)} · {rows} rows · tables: {tables}"
    return (
        f'<div class="pair"><div class="q">{_e(question)}</div>'
        f'<div class="meta">{meta}</div>{sqls}{result}</div>'
    )


def render_report(
    manifest: dict[str, Any], records: list[Record], *, samples: int = 20, seed: int = 0
) -> str:
    """The report as one HTML string."""
    steps = waterfall(manifest)
    flow = [(name, n_in - rejected) for name, n_in, rejected in steps]
    reasons = [
        [name, reason, n]
        for name, f in manifest.get("filters", {}).items()
        for reason, n in sorted(f["rejected"].items(), key=lambda kv: -kv[1])
    ] or [["checks", reason, n] for reason, n in manifest.get("rejected", {}).items()]
    hardness = list(manifest.get("hardness", {}).items())
    features = sorted(manifest.get("features", {}).items(), key=lambda kv: -kv[1])
    picked = random.Random(seed).sample(records, min(samples, len(records))) if records else []
    timings = manifest.get("timings", {})
    config = manifest.get("config", {})
    disagreements = manifest.get("disagreements", [])[:10]
    version = manifest.get("versions", {}).get("sqlsynth", "")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>sqlsynth report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>sqlsynth report: {_e(config.get('db_id', ''))}</h1>",
        f"<p class='meta'>{_e(manifest.get('records'))} records from {_e(steps[0][1])} candidates · "
        f"{_e(manifest.get('templates', 0))} templates · seed {_e(config.get('seed'))} · "
        f"{_e(timings.get('seconds'))} s · sqlsynth {_e(version)}</p>",
        "<h2>Waterfall</h2><p>What is left after each stage.</p>",
        bar_chart(flow),
        _table(["stage", "in", "rejected", "out"], [[s, i, r, i - r] for s, i, r in steps], {1, 2, 3}),
        "<h2>Reject reasons</h2>",
        _table(["filter", "reason", "count"], reasons, {2}) if reasons else "<p>none</p>",
        "<h2>Hardness</h2>",
        bar_chart(hardness, color="#f58518"),
        "<h2>Features</h2><p>Records using each construct.</p>",
        bar_chart(features, color="#54a24b"),
        "<h2>Dialects</h2><p>executed: run on a real engine; transpile-checked: its DuckDB translation "
        "was run; parsed: rendered and parsed back only.</p>",
        _table(
            ["dialect", "records", "executed", "transpile-checked", "parsed"],
            _dialect_rows(records),
            {1, 2, 3, 4},
        ),
    ]
    if disagreements:
        parts.append(
            "<h2>Engine disagreements</h2><p>Dialect differences the validator caught (not kept).</p>"
        )
        for d in disagreements:
            sqls = "".join(f"<pre>{_e(k)}: {_e(v)}</pre>" for k, v in d.get("sql", {}).items())
            parts.append(f"<div class='pair'><div class='meta'>{_e(d.get('reason'))}</div>{sqls}</div>")
    parts.append(f"<h2>Samples</h2><p>{len(picked)} records drawn at random.</p>")
    parts.extend(_sample(r) for r in picked)
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(
    folder: str | Path,
    *,
    samples: int = 20,
    manifest: dict[str, Any] | None = None,
    records: list[Record] | None = None,
) -> Path:
    """Write `folder/report.html` from its manifest.json and records.jsonl (or from `manifest`
    and `records` given by a caller that has just written them)."""
    folder = Path(folder)
    if manifest is None:
        manifest = read_manifest(folder / "manifest.json")
    if records is None:
        records_path = folder / "records.jsonl"
        if not records_path.exists():
            raise SqlsynthError(NOT_A_RUN, where=str(records_path))
        records = list(read_records(records_path))
    out = folder / "report.html"
    write_text_atomic(out, render_report(manifest, records, samples=samples))
    return out
