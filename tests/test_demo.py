"""`sqlsynth demo` end to end (small N), and the HTML report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sqlsynth.cli import app
from sqlsynth.dataset import Record, read_records
from sqlsynth.report import bar_chart, render_report, waterfall

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    import torch

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("demo") / "out"
    result = runner.invoke(app, ["demo", "--out", str(out), "-n", "40"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_writes_records_manifest_and_report(demo_run):
    out, output = demo_run
    records = list(read_records(out / "records.jsonl"))
    manifest = json.loads((out / "manifest.json").read_text())
    stage = manifest["stages"]["question_dedup"]
    assert stage["in"] == 40 and stage["out"] == len(records) == manifest["records"]
    assert all(r.question for r in records)
    assert all(r.execution["sqlite"].ok and r.execution["duckdb"].ok for r in records)
    assert (out / "model.xlsx").exists() and (out / "schema.json").exists()
    page = (out / "report.html").read_text()
    for heading in ("Waterfall", "Hardness", "Features", "Dialects", "Samples"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count('<div class="pair">') == min(20, len(records))
    assert "<svg" in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "report:" in output


def test_demo_rerun_reuses_the_database_and_the_records(demo_run):
    out, _ = demo_run
    before = (out / "records.jsonl").read_text()
    stamp = (out / "data" / "demo.sqlite").stat().st_mtime_ns
    result = runner.invoke(app, ["demo", "--out", str(out), "-n", "40"])
    assert result.exit_code == 0, result.output
    assert (out / "data" / "demo.sqlite").stat().st_mtime_ns == stamp
    assert (out / "records.jsonl").read_text() == before


def test_demo_rerun_after_its_settings_changed_generates_again(demo_run, tmp_path):
    # an older sqlsynth's run (other defaults, another fingerprint) is not resumed but made again
    out = tmp_path / "out"
    shutil.copytree(demo_run[0], out)
    state = out / "generated" / "state.json"
    state.write_text(state.read_text().replace(json.loads(state.read_text())["fingerprint"], "0" * 16))
    result = runner.invoke(app, ["demo", "--out", str(out), "-n", "40"])
    assert result.exit_code == 0, result.output
    assert json.loads(state.read_text())["fingerprint"] != "0" * 16
    made = [(r.id, r.question) for r in read_records(out / "records.jsonl")]
    assert made == [(r.id, r.question) for r in read_records(demo_run[0] / "records.jsonl")]  # same seed


def test_report_command_rebuilds_the_report(demo_run):
    out, _ = demo_run
    (out / "report.html").unlink()
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists()


def test_report_of_a_folder_without_a_run_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "manifest.json" in result.output


MANIFEST = {
    "records": 1,
    "candidates": 10,
    "generate_failed": 1,
    "filters": {
        "parse_back": {"in": 9, "rejected": {}},
        "executes": {"in": 9, "rejected": {"error:duckdb": 2}},
        "non_empty": {"in": 7, "rejected": {"empty": 5}},
        "dedup": {"in": 2, "rejected": {"duplicate": 1}},
    },
    "stages": {"question_dedup": {"in": 1, "out": 1}},
    "hardness": {"easy": 1, "medium": 0, "hard": 0, "extra": 0},
    "features": {"conditions": 1},
    "disagreements": [
        {"engines": ["sqlite", "duckdb"], "reason": "row count 1 vs 2", "sql": {"sqlite": "x<y"}}
    ],
}


def test_waterfall_follows_the_counts():
    assert waterfall(MANIFEST) == [
        ("generated", 10, 1),
        ("parse_back", 9, 0),
        ("executes", 9, 2),
        ("non_empty", 7, 5),
        ("dedup", 2, 1),
        ("question_dedup", 1, 0),
    ]


def test_report_escapes_text_and_shows_disagreements():
    record = Record(
        id="r1",
        db_id="d",
        question="Which <script>alert(1)</script> rows?",
        sql="SELECT 1",
        sql_by_dialect={"sqlite": "SELECT 1 WHERE 'a' < 'b'", "tsql": "SELECT 1"},
        result_columns=["x"],
        result_preview=[[1]],
    )
    page = render_report(MANIFEST, [record])
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "Engine disagreements" in page and "row count 1 vs 2" in page and "x&lt;y" in page


def test_bar_chart_scales_to_the_largest_value():
    svg = bar_chart([("a", 10), ("b", 5), ("c", 0)], width=400)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0


def _chromium_console(page: Path) -> tuple[str, list[str]]:
    """The DOM headless Chromium built from `page`, and the console messages it logged."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed (make test installs it)")
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    proc = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def test_report_opens_in_headless_chromium_without_console_errors(demo_run, tmp_path):
    out, _ = demo_run
    dom, console = _chromium_console(out / "report.html")
    assert "<h2>Samples</h2>" in dom and "<svg" in dom
    assert console == []
    broken = tmp_path / "broken.html"  # the check sees a console error when there is one
    broken.write_text("<html><body><script>undefined_fn()</script></body></html>")
    assert any("undefined_fn" in line for line in _chromium_console(broken)[1])


def test_demo_refuses_a_data_folder_it_did_not_write(tmp_path):
    mine = tmp_path / "out" / "data" / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("keep me")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "out"), "-n", "5"])
    assert result.exit_code == 2
    assert "did not write" in result.output
    assert mine.read_text() == "keep me"
