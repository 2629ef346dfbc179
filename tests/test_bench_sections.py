"""bench/_common.write_section: a benchmark rewrites its section of docs/benchmarks.md and nothing else,
and keeps the section's hand-written notes (earlier runs, what was tried) below NOTES_MARK."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def common() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_common", BENCH / "_common.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_section_is_replaced_and_the_others_kept_byte_for_byte(common, tmp_path):
    doc = tmp_path / "b.md"
    doc.write_text("# B\n\n## One\n\nold one\n\n## Two\n\nold two\n", encoding="utf-8")
    common.write_section(doc, "## One\n\nnew one\n", "## One")
    assert doc.read_text(encoding="utf-8") == "# B\n\n## One\n\nnew one\n\n## Two\n\nold two\n"


def test_a_missing_section_is_appended(common, tmp_path):
    doc = tmp_path / "b.md"
    doc.write_text("# B\n\n## One\n\nold one\n", encoding="utf-8")
    common.write_section(doc, "## Two\n\nnew two\n", "## Two")
    assert doc.read_text(encoding="utf-8") == "# B\n\n## One\n\nold one\n\n## Two\n\nnew two\n"


@pytest.mark.parametrize("last", [False, True])
def test_the_notes_below_the_mark_outlive_a_rewrite(common, tmp_path, last):
    mark = common.NOTES_MARK
    tail = "" if last else "\n## Two\n\nold two\n"
    doc = tmp_path / "b.md"
    doc.write_text(f"## One\n\nrun 1\n\n{mark}\n\nsession 1 tried X\n{tail}", encoding="utf-8")
    common.write_section(doc, "## One\n\nrun 2\n", "## One")
    common.write_section(doc, "## One\n\nrun 3\n", "## One")
    assert doc.read_text(encoding="utf-8") == f"## One\n\nrun 3\n\n{mark}\n\nsession 1 tried X\n{tail}"
