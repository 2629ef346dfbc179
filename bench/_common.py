"""What the benchmark scripts share: the Spider sample, gold-SQL reading, percentages, another
commit's code to compare with, and writing one section of docs/benchmarks.md."""

from __future__ import annotations

import contextlib
import hashlib
import platform
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlsynth.render import template_of

SPIDER = Path("/work/shared/benchmarks/spider-train")
REPO = Path(__file__).resolve().parents[1]


def git(*args: str) -> str:
    """A git command's output in this checkout."""
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()


@contextlib.contextmanager
def commit_sources(commit: str, work: Path) -> Iterator[Path]:
    """The src/ folder of `commit`'s code, checked out as a git worktree in `work` for the block
    (put it first on PYTHONPATH to run that code); the worktree is removed after."""
    tree = work / "baseline"
    git("worktree", "add", "--detach", str(tree), commit)
    try:
        yield tree / "src"
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo), for the machine line of a benchmark."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def work_folder(keep: Path | None, prefix: str) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    """The folder to work in: `keep` (created, left in place), or a new temporary folder; the
    temporary folder's handle comes too, for `cleanup()` at the end."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return keep, None
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    return Path(tmp.name), tmp


DOUBLE_QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def gold_sql(sql: str) -> str:
    """Spider's gold SQL writes string literals in double quotes ("Spain"), which SQLite reads as a
    string when no column has that name but sqlglot reads as an identifier; make them '...' literals
    (no gold query of these databases uses a double-quoted identifier)."""
    return DOUBLE_QUOTED.sub(lambda m: "'" + m.group(1).replace('""', '"').replace("'", "''") + "'", sql)


def safe_template(sql: str) -> str | None:
    """`template_of` in SQLite, or None for SQL sqlglot cannot read."""
    try:
        return template_of(sql, "sqlite")
    except Exception:  # noqa: BLE001 - gold SQL sqlglot cannot read
        return None


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "–"


# A section's hand-written notes (earlier runs, what was tried) follow this line; a rewrite keeps them
NOTES_MARK = "<!-- notes below: kept when the benchmark rewrites this section -->"


def write_section(path: Path, section_md: str, header: str) -> None:
    """Replace the section that starts with the line `header` (up to the next '## ' line), or append
    it; other sections are left byte for byte as they are, and so is the section's part from a line
    NOTES_MARK on (put after the new text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("# Benchmarks\n\n" + section_md, encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n") == header), None)
    if start is None:
        sep = "" if text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        path.write_text(text + sep + section_md, encoding="utf-8")
        return
    end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
    mark = next((j for j in range(start + 1, end) if lines[j].rstrip("\n") == NOTES_MARK), None)
    new = section_md
    if mark is not None:  # the section's notes follow its new text
        new = section_md.rstrip("\n") + "\n\n" + "".join(lines[mark:end]).rstrip("\n") + "\n"
    if end < len(lines):
        new = new.rstrip("\n") + "\n\n"
    path.write_text("".join(lines[:start]) + new + "".join(lines[end:]), encoding="utf-8")
