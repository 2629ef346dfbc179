"""ASASQL stage 1 (question-first LLM generation) against a local OpenAI-protocol server with
scripted answers, including malformed and non-SQL ones, on a real SQLite database."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from sqlsynth.engines import open_engine
from sqlsynth.errors import SqlsynthError
from sqlsynth.generate.asasql import (
    QuestionFirst,
    QuestionFirstConfig,
    SampleExample,
    check_candidate,
    extract_sql,
    load_samples,
    parse_questions,
    write_question_first,
)
from sqlsynth.llm import LLMConfig, create_llm
from sqlsynth.populate import populate
from sqlsynth.testing.fake_openai import FakeOpenAI
from sqlsynth.testing.schemas import single_table

QUESTIONS = [
    {"question": "How many books are there in the shop?", "columns": []},
    {"question": "Which books cost more than 20?", "columns": ["title", "price"]},
    {"question": "How many books are in the shop?", "columns": []},  # a near duplicate (cosine 0.99)
    {"question": "What is the ISBN of each book?", "columns": ["isbn"]},  # no such column
    {"question": "List the titles of books in the poetry genre.", "columns": ["title", "genre"]},
]
SQL_ANSWERS = {
    "How many books are there in the shop?": [
        "```sql\nSELECT COUNT(*) FROM books\n```",
        "Sure! Here is the query:\nSELECT count(*) FROM books;\nIt counts the rows.",
        "I cannot answer that.",
    ],
    "Which books cost more than 20?": [
        "```sql\nSELECT T1.title FROM books AS T1 WHERE T1.price > 20\n```",
        "```sql\nSELECT T1.titel FROM books AS T1 WHERE T1.price > 20\n```",
        "```sql\nSELECT title FROM books WHERE price > 100000\n```",
    ],
    "List the titles of books in the poetry genre.": [
        "```sql\nSELECT title FROM books WHERE genre = 'poetry'\n```",
        "```sql\nSELECT title FROM bookz WHERE genre = 'poetry'\n```",
        "```sql\nSELECT title FROM books WHERE genre = 'poetry' AND\n```",
    ],
}


class Script:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: Counter[str] = Counter()

    def __call__(self, body: dict) -> list[str]:
        user = body["messages"][-1]["content"]
        if body["messages"][0]["content"].startswith("You write realistic questions"):
            return ["\n".join(json.dumps(q) for q in QUESTIONS)]
        question = user.rsplit("answers: ", 1)[1].split("\n", 1)[0]
        with self.lock:
            k = self.seen[question]
            self.seen[question] += 1
        return [SQL_ANSWERS[question][k % 3]]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    import torch

    torch.set_num_threads(1)
    schema = single_table()
    url = f"sqlite:///{tmp_path_factory.mktemp('asasql') / 'books.db'}"
    populate(schema, url, rows=80, seed=3, progress=False)
    engine = open_engine(url)
    yield schema, engine
    engine.close()


def run(shop, tmp_path: Path, **config):
    schema, engine = shop
    script = Script()
    with FakeOpenAI(script) as server:
        llm = create_llm(LLMConfig(model="fake", base_url=server.base_url, max_retries=0))
        cfg = QuestionFirstConfig(questions_per_table=5, max_requests_per_table=1, **config)
        samples = [SampleExample(origin_query="How many books cost less than 10?", sql="SELECT COUNT(*) ...")]
        result = QuestionFirst(schema, llm, engine, cfg, samples).run()
        bodies = list(server.bodies)
    return result, bodies, cfg


def test_question_first_end_to_end(shop, tmp_path):
    result, bodies, cfg = run(shop, tmp_path)
    texts = [q.text for q in result.questions]
    assert texts == [QUESTIONS[0]["question"], QUESTIONS[1]["question"], QUESTIONS[4]["question"]]
    assert result.counts["questions_duplicate"] == 1
    assert result.counts["questions_unknown_column"] == 1
    reasons = Counter(r.reject_reason for r in result.candidates)
    assert reasons == Counter(
        {None: 4, "no-sql": 1, "unknown-column": 1, "empty": 1, "unknown-table": 1, "parse": 1}
    )
    assert len(result.candidates) == 3 * cfg.candidates
    groups = Counter(r.candidate_group for r in result.records)
    assert set(groups) == {q.id for q in result.questions}
    # the question prompt shows the table, its columns and the user's example
    first = bodies[0]["messages"][-1]["content"]
    assert "Table books" in first and "- genre (text)" in first and "cost less than 10" in first
    # the SQL prompts shuffle the column order per candidate
    orders = {b["messages"][-1]["content"].split("Write one")[0] for b in bodies[1:]}
    assert len(orders) > 1


def test_written_outputs_and_manifest(shop, tmp_path):
    result, _, cfg = run(shop, tmp_path)
    schema, _ = shop
    manifest = write_question_first(result, schema, tmp_path / "out", cfg)
    lines = (tmp_path / "out" / "candidates.jsonl").read_text().splitlines()
    assert len(lines) == 9
    records = [json.loads(x) for x in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert all(
        r["valid"] and r["strategy"] == "llm" and r["execution"]["sqlite"]["rows"] > 0 for r in records
    )
    assert manifest["questions"] == 3 and manifest["questions_with_a_valid_candidate"] == 3
    assert manifest["rejected"]["unknown-column"] == 1
    from sqlsynth.report import build_report

    page = build_report(tmp_path / "out").read_text()  # the report works for this strategy too
    assert "unknown-column" in page and "<h2>Samples</h2>" in page


def test_a_failing_server_loses_nothing_and_says_why(shop, tmp_path):
    schema, engine = shop

    def broken(body: dict) -> list[str]:
        if body["messages"][0]["content"].startswith("You write realistic questions"):
            return ["\n".join(json.dumps(q) for q in QUESTIONS[:2])]
        raise RuntimeError("boom")

    with FakeOpenAI(broken) as server:
        llm = create_llm(LLMConfig(model="fake", base_url=server.base_url, max_retries=0))
        cfg = QuestionFirstConfig(questions_per_table=2, max_requests_per_table=1, candidates=2)
        result = QuestionFirst(schema, llm, engine, cfg).run()
    assert len(result.questions) == 2
    assert Counter(r.reject_reason for r in result.candidates) == {"llm-failed": 4}
    assert result.records == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("```sql\nSELECT 1\n```", "SELECT 1"),
        ("Here you go: SELECT a FROM t WHERE b = 1; Hope it helps", "SELECT a FROM t WHERE b = 1"),
        ("with x as (select 1) select * from x", "with x as (select 1) select * from x"),
        ("```\nSELECT a FROM t;\n```", "SELECT a FROM t"),
        ("No idea, sorry.", None),
        (
            "Here is a query with a join:\nSELECT a FROM t JOIN u ON t.id = u.id;\nIt joins t and u.",
            "SELECT a FROM t JOIN u ON t.id = u.id",
        ),
        ("SELECT a FROM t\nWHERE b = 'x;y'\n\nThis filters on b.", "SELECT a FROM t\nWHERE b = 'x;y'"),
    ],
)
def test_extract_sql(answer, expected):
    assert extract_sql(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"question": "How many rows are there?", "columns": ["a"]}', [("How many rows are there?", ["a"])]),
        ('[{"question": "Which a is largest?"}]', [("Which a is largest?", [])]),
        (
            "1. How many books are there?\n2. Which author wrote most?",
            [("How many books are there?", []), ("Which author wrote most?", [])],
        ),
        (
            '```json\n{"question": "What is the total price?", "columns": []}\n```',
            [("What is the total price?", [])],
        ),
        ("Sure, here are some questions:", []),
    ],
)
def test_parse_questions(answer, expected):
    assert parse_questions(answer) == expected


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT T1.title FROM books AS T1 JOIN books AS T2 ON T1.book_id = T2.book_id", None),
        ("SELECT b.title FROM books b WHERE b.nope = 1", "unknown-column"),
        ("SELECT title FROM nowhere", "unknown-table"),
        ("WITH c AS (SELECT title FROM books) SELECT title FROM c", None),
        ("DELETE FROM books", "not-a-query"),
        ("SELECT title FROM books; SELECT 1", "not-a-query"),
        ("SELECT title FROM books WHERE price < 0", "empty"),
        ("SELECT FROM WHERE", "parse"),
    ],
)
def test_check_candidate(shop, sql, reason):
    schema, engine = shop
    got, _, _ = check_candidate(sql, schema, engine, "sqlite", 5)
    assert got == reason


def test_load_samples_names_the_bad_item(tmp_path):
    path = tmp_path / "data_sample.json"
    path.write_text(json.dumps([{"origin_query": "q", "sql": "SELECT 1"}, {"sql": "SELECT 2"}]))
    with pytest.raises(SqlsynthError, match=r"item 1: origin_query"):
        load_samples(path)
    path.write_text(json.dumps([{"origin_query": "q", "sql": "SELECT 1", "label": 1, "table": "(t;d)"}]))
    assert load_samples(path)[0].table == "(t;d)"


def test_cli_strategy_llm(shop, tmp_path):
    from typer.testing import CliRunner

    from sqlsynth.cli import app

    schema, engine = shop
    schema.save(tmp_path / "books.json")
    url = engine.url
    with FakeOpenAI(Script()) as server:
        cfg = tmp_path / "llm.json"
        cfg.write_text(json.dumps({"model": "fake", "base_url": server.base_url, "max_retries": 0}))
        args = ["generate", str(tmp_path / "books.json"), "--db", url, "--strategy", "llm"]
        result = CliRunner().invoke(
            app, [*args, "--llm-config", str(cfg), "-n", "5", "-o", str(tmp_path / "o")]
        )
    assert result.exit_code == 0, result.output
    assert "3 questions accepted" in result.output
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["strategy"] == "llm"
    cfg.write_text(json.dumps({"model": "", "base_url": "ftp://x", "temperature": 5}))
    bad = CliRunner().invoke(app, [*args, "--llm-config", str(cfg), "-o", str(tmp_path / "p")])
    assert bad.exit_code == 2
    assert "llm.json" in bad.output and "model" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "q")])
    assert missing.exit_code == 2 and "--llm-config" in missing.output
