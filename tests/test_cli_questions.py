"""`sqlsynth questions DIR`: rewrite the questions of a `sqlsynth generate` folder (realiser or LLM).

The --sql-file mode's rule-based output is covered in test_realise.py; here only its LLM variant."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from sqlsynth.cli import app
from sqlsynth.dataset import read_records
from sqlsynth.nl.llm_writer import STYLES
from sqlsynth.populate import populate
from sqlsynth.testing.schemas import tricky

runner = CliRunner()
Answer = Callable[[dict[str, Any]], Any]


def sql_of(body: dict[str, Any]) -> str:
    return re.search(r"SQL query \(\w+\):\n(.*)\n", body["messages"][-1]["content"]).group(1)  # type: ignore[union-attr]


def one_question_per_query(body: dict[str, Any]) -> list[str]:
    """n copies of a question naming the query's length: the same for every sample, no embedding."""
    return [f"Which rows does the query of {len(sql_of(body))} characters return?"] * body["n"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder of `sqlsynth generate` on the tricky schema (8 records)."""
    root = tmp_path_factory.mktemp("questions")
    schema = tricky()
    schema.save(root / "tricky.json")
    url = f"sqlite:///{root / 't.db'}"
    populate(schema, url, rows=40, seed=3, progress=False)
    args = ["generate", str(root / "tricky.json"), "--db", url, "-n", "8", "-o", str(root / "run")]
    args += ["--dialects", "sqlite,postgres"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return root / "run"


@pytest.fixture
def folder(generated: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated, tmp_path / "run"))


def dumps(
    path: Path, drop: tuple[str, ...] = ("question", "question_source", "question_style")
) -> list[dict]:
    return [{k: v for k, v in r.model_dump(mode="json").items() if k not in drop} for r in read_records(path)]


def assert_user_error(res: Result, *needles: str) -> None:
    """Exit 2, a one-line message on stderr naming the problem, no traceback."""
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    assert res.stderr.startswith("error:"), res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr


# -- the realiser ------------------------------------------------------------------------------------
def test_rule_rewrite_keeps_records_and_records_the_source(folder: Path) -> None:
    before = list(read_records(folder / "records.jsonl"))
    res = runner.invoke(app, ["questions", str(folder), "--questions", "rule"])
    assert res.exit_code == 0, res.output
    assert "8 questions written" in res.stdout and "8 rule" in res.stdout
    after = list(read_records(folder / "records.jsonl"))
    assert [r.question for r in after] == [r.question for r in before]  # the seed of `generate`
    assert all(r.model_extra["question_source"] == "rule" for r in after)
    assert all(r.model_extra["question_style"] is None for r in after)
    assert dumps(folder / "records.jsonl") == [
        {k: v for k, v in r.model_dump(mode="json").items() if k != "question"} for r in before
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["questions"]["writer"] == "rule" and manifest["questions"]["sources"] == {"rule": 8}
    assert manifest["records"] == 8  # the rest of the manifest is kept
    res = runner.invoke(app, ["questions", str(folder), "--seed", "9"])  # rule by default
    assert res.exit_code == 0, res.output
    assert [r.question for r in read_records(folder / "records.jsonl")] != [r.question for r in before]


# -- the LLM ---------------------------------------------------------------------------------------
def test_llm_rewrite_from_flags(folder: Path, serve) -> None:
    srv = serve(one_question_per_query)
    before = dumps(folder / "records.jsonl")
    args = [
        "questions",
        str(folder),
        "--base-url",
        srv.url,
        "--model",
        "qwen",
        "--samples",
        "3",
        "--seed",
        "4",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "8 questions written" in res.stdout and "8 llm" in res.stdout
    assert "LLM: 8 requests" in res.stderr
    records = list(read_records(folder / "records.jsonl"))
    assert dumps(folder / "records.jsonl") == before  # only the question fields changed
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "records.jsonl",
        "schema.json",
        "state.json",
    ]
    for r in records:
        assert r.question == f"Which rows does the query of {len(r.sql)} characters return?"
        assert r.model_extra["question_source"] == "llm" and r.model_extra["question_style"] in STYLES
    assert {b["model"] for b in srv.bodies} == {"qwen"} and {b["n"] for b in srv.bodies} == {3}
    manifest = json.loads((folder / "manifest.json").read_text())["questions"]
    assert manifest["writer"] == "llm" and manifest["sources"] == {"llm": 8}
    assert manifest["settings"]["samples"] == 3 and sum(manifest["styles"].values()) == 8


def test_llm_rewrite_with_a_config_file_picks_the_centroid(folder: Path, serve, tmp_path: Path) -> None:
    import torch

    torch.set_num_threads(1)
    outlier = "Tell me about the weather on the moon tonight."

    def answer(body: dict[str, Any]) -> list[str]:
        n = len(sql_of(body))
        return [
            outlier,
            f"Which rows does the {n}-character query return?",
            f"What does the {n}-character query list?",
        ]

    srv = serve(answer)
    config = tmp_path / "llm.json"
    config.write_text(json.dumps({"model": "m", "base_url": srv.url, "temperature": 0.2}))
    args = [
        "questions",
        str(folder),
        "--llm-config",
        str(config),
        "--samples",
        "3",
        "--styles",
        "formal,concise",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    for r in read_records(folder / "records.jsonl"):
        assert r.question != outlier and f"{len(r.sql)}-character" in r.question
        assert r.model_extra["question_style"] in ("formal", "concise")
    assert {b["temperature"] for b in srv.bodies} == {0.8}  # --temperature (the writer's) wins


def test_same_seed_same_questions(generated: Path, tmp_path: Path, serve) -> None:
    srv = serve(one_question_per_query)
    outputs = []
    for name in ("a", "b"):
        copy = Path(shutil.copytree(generated, tmp_path / name))
        res = runner.invoke(
            app, ["questions", str(copy), "--base-url", srv.url, "--model", "m", "--seed", "7"]
        )
        assert res.exit_code == 0, res.output
        outputs.append((copy / "records.jsonl").read_text())
    assert outputs[0] == outputs[1]


def test_failing_llm_falls_back_to_the_realiser(folder: Path, serve, tmp_path: Path) -> None:
    srv = serve(lambda body: 503)
    config = tmp_path / "llm.json"
    config.write_text(json.dumps({"model": "m", "base_url": srv.url, "max_retries": 0}))
    before = [r.question for r in read_records(folder / "records.jsonl")]
    res = runner.invoke(app, ["questions", str(folder), "--llm-config", str(config)])
    assert res.exit_code == 0, res.output
    assert "8 rule" in res.stdout and "8 questions came from the realiser" in res.stderr
    assert "HTTP 503" in res.stderr
    records = list(read_records(folder / "records.jsonl"))
    assert [r.question for r in records] == before and len(records) == 8
    assert all("HTTP 503" in r.model_extra["question_error"] for r in records)


def test_sql_file_with_an_llm(serve, tmp_path: Path) -> None:
    srv = serve(lambda body: ["How many orders are there?"] * body["n"])
    sql = tmp_path / "log.sql"
    sql.write_text('SELECT COUNT(*) FROM "order";\nDELETE FROM "order";\n', encoding="utf-8")
    res = runner.invoke(app, ["questions", "--sql-file", str(sql), "--base-url", srv.url, "--model", "m"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows[0]["question"] == "How many orders are there?" and rows[0]["question_source"] == "llm"
    assert rows[1]["question"] is None and "not a query" in rows[1]["error"]
    assert len(srv.bodies) == 1


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "needles"),
    [
        ('{"model": "m", "base_url": "ftp://x"', ("not JSON",)),
        ('["m"]', ("JSON object",)),
        ('{"model": "", "base_url": "ftp://x", "temperature": 9}', ("model:", "base_url:", "temperature:")),
        ('{"model": "m", "api_key_env": "SQLSYNTH_SURELY_UNSET"}', ("SQLSYNTH_SURELY_UNSET is not set",)),
        ('{"model": "m", "modle": "x"}', ("modle",)),
    ],
)
def test_bad_llm_config_fails_before_any_call(
    folder: Path, tmp_path: Path, config: str, needles: tuple[str, ...]
) -> None:
    path = tmp_path / "llm.json"
    path.write_text(config)
    before = (folder / "records.jsonl").read_bytes()
    res = runner.invoke(app, ["questions", str(folder), "--llm-config", str(path)])
    assert_user_error(res, *needles)
    assert (folder / "records.jsonl").read_bytes() == before


def test_flags_override_the_config_file(folder: Path, serve, tmp_path: Path) -> None:
    srv = serve(one_question_per_query)
    path = tmp_path / "llm.json"
    path.write_text('{"model": "from-file", "base_url": "http://127.0.0.1:9/v1"}')
    args = ["questions", str(folder), "--llm-config", str(path), "--base-url", srv.url, "--samples", "1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert len(srv.bodies) == 8 and {b["model"] for b in srv.bodies} == {"from-file"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--questions", "llm"], "needs --llm-config"),
        (["--questions", "rule", "--model", "m"], "are for --questions llm"),
        (["--questions", "magic"], "rule or llm"),
        (["--llm-config", "/nonexistent/llm.json"], "cannot read the LLM config"),
        (["--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--styles", "formal,poetic"], "poetic"),
        (["--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--samples", "0"], "samples"),
        (["--schema", "x.json"], "only with --sql-file"),
    ],
)
def test_bad_options(folder: Path, args: list[str], needle: str) -> None:
    assert_user_error(runner.invoke(app, ["questions", str(folder), *args]), needle)


def test_not_an_output_folder(tmp_path: Path) -> None:
    assert_user_error(runner.invoke(app, ["questions", str(tmp_path)]), "records.jsonl")
    assert_user_error(runner.invoke(app, ["questions"]), "--sql-file")
