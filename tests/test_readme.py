"""The README's commands are checked against the CLI: every `sqlsynth ...` line names a real
command, and every option it uses is one that command accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from sqlsynth.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def _command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [
        line.split("#")[0].strip() for b in blocks for line in b.splitlines() if line.startswith("sqlsynth ")
    ]


def _resolve(words: list[str]) -> tuple[Any, list[str]]:
    cmd = typer.main.get_command(app)
    rest = words[1:]
    while hasattr(cmd, "commands") and rest and rest[0] in cmd.commands:
        cmd, rest = cmd.commands[rest[0]], rest[1:]
    return cmd, rest


LINES = _command_lines()


def test_readme_has_commands():
    assert len(LINES) >= 15


@pytest.mark.parametrize("line", LINES)
def test_readme_command_exists_with_its_options(line):
    words = shlex.split(line)
    cmd, rest = _resolve(words)
    assert not hasattr(cmd, "commands"), f"{line!r} names no command"
    known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    used = {w.split("=")[0] for w in rest if w.startswith("-")}
    assert used <= known, f"{line!r}: unknown options {sorted(used - known)}"
