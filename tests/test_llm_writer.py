"""The LLM question writer against a local server speaking the OpenAI chat completions protocol."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sqlsynth.dataset import Record
from sqlsynth.errors import SqlsynthError
from sqlsynth.llm import LLMClient, LLMConfig
from sqlsynth.nl import realise
from sqlsynth.nl.llm_writer import (
    STYLES,
    LexicalEmbedder,
    PromptTemplate,
    QuestionWriter,
    clean_question,
    closest_to_centroid,
    default_template,
    looks_like_sql,
)
from sqlsynth.schema.model import Column, Concept, ForeignKey, Schema, Table
from sqlsynth.testing.fake_openai import FakeOpenAI

Answer = Callable[[dict[str, Any]], Any]  # a request body -> texts (list), an HTTP status, or raw bytes


def client(srv: FakeOpenAI, **kw: Any) -> LLMClient:
    settings = {"model": "m", "base_url": srv.url, "backoff_base_s": 0.01, "backoff_max_s": 0.02, **kw}
    return LLMClient(LLMConfig(**settings))


def user_prompt(body: dict[str, Any]) -> str:
    return body["messages"][-1]["content"]


def min_id(body: dict[str, Any]) -> str:
    return re.search(r"id > (\d+)", user_prompt(body)).group(1)  # type: ignore[union-attr]


def n_texts(*texts: str) -> Answer:
    """The first `n` of `texts` (cycled), whatever the prompt."""
    return lambda body: [texts[i % len(texts)] for i in range(body.get("n", 1))]


# -- a small schema and records ----------------------------------------------------------------
def shop() -> Schema:
    return Schema(
        name="shop",
        tables=[
            Table(
                name="customers",
                description="People who bought something",
                columns=[
                    Column(name="id", type="INTEGER"),
                    Column(name="name", type="TEXT", display_name="customer name", description="Full name"),
                    Column(name="city", type="TEXT", possible_values=["Berlin", "Paris"]),
                ],
                primary_key=["id"],
            ),
            Table(
                name="orders",
                columns=[
                    Column(name="id", type="INTEGER"),
                    Column(name="customer_id", type="INTEGER"),
                    Column(name="total", type="DECIMAL(10,2)", description="Amount in euros"),
                ],
                primary_key=["id"],
            ),
            Table(name="suppliers", columns=[Column(name="id", type="INTEGER"), Column(name="vat")]),
        ],
        foreign_keys=[
            ForeignKey(
                source_table="orders",
                source_columns=["customer_id"],
                target_table="customers",
                target_columns=["id"],
            )
        ],
        concepts=[
            Concept(term="big spender", description="a customer with orders over 1000", tables=["customers"]),
            Concept(term="vendor", description="a supplier", tables=["suppliers"]),
        ],
    )


def record(i: int, city: str = "Berlin") -> Record:
    return Record(
        id=f"r{i}",
        db_id="shop",
        sql=f"SELECT name FROM customers WHERE city = '{city}' AND id > {i}",
        tables=["customers"],
        execution={"sqlite": {"ok": True, "rows": 4}},
        result_columns=["name"],
        result_preview=[["Ann"], ["Bob"], ["Cy"], ["Dee"]],
    )


RECORDS = [record(i, city) for i, city in enumerate(["Berlin", "Paris", "Berlin", "Paris", "Rome", "Oslo"])]


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("sentence_transformers")
    import torch

    from sqlsynth.dedup import default_embedder

    torch.set_num_threads(1)
    return default_embedder()


# -- prompts -------------------------------------------------------------------------------------
def test_prompt_has_schema_slice_sql_preview_and_style(serve) -> None:
    srv = serve(n_texts("Which customers live in Berlin?"))
    writer = QuestionWriter(client(srv), shop(), samples=3, seed=5)
    [written] = writer.write([RECORDS[0]])
    assert written.source == "llm" and written.question == "Which customers live in Berlin?"
    assert len(srv.bodies) == 1
    body = srv.bodies[0]
    assert body["n"] == 3 and body["seed"] == 5 and body["temperature"] == 0.8
    system, user = (m["content"] for m in body["messages"])
    assert "You never write SQL" in system
    style = writer.style_for(RECORDS[0])
    assert written.style == style
    assert f"Style: {style}. {default_template().styles[style]}" in user
    for needle in (
        "Table customers: People who bought something",
        '- name: TEXT; called "customer name"; Full name',
        "- id: INTEGER; primary key",
        "values: Berlin, Paris",
        "big spender: a customer with orders over 1000",
        "SQL query (sqlite):\nSELECT name FROM customers WHERE city = 'Berlin' AND id > 0",
        "4 rows, the first 3:\nname\nAnn\nBob\nCy",
    ):
        assert needle in user, needle
    for absent in ("suppliers", "vendor", "Dee", "$"):
        assert absent not in user


def test_schema_slice_follows_foreign_keys_and_falls_back_to_the_sql(serve) -> None:
    srv = serve(n_texts("What is the total of each order placed by customers?"))
    rec = Record(
        id="j",
        db_id="shop",
        sql="SELECT o.total FROM orders AS o JOIN customers AS c ON o.customer_id = c.id",
    )
    QuestionWriter(client(srv), shop(), samples=1).write([rec])  # no `tables`: read from the SQL
    user = user_prompt(srv.bodies[0])
    assert "Table orders" in user and "Table customers" in user and "suppliers" not in user
    assert "- customer_id: INTEGER; refers to customers.id" in user
    assert "Amount in euros" in user and "(not available)" in user  # no result preview


def test_every_style_has_an_instruction_and_styles_spread() -> None:
    assert set(default_template().styles) == set(STYLES) and len(STYLES) == 9
    writer = QuestionWriter(None, shop())
    chosen = {writer.style_for(record(i)) for i in range(60)}
    assert len(chosen) >= 7
    only = QuestionWriter(None, shop(), styles=["concise", "formal"])
    assert {only.style_for(record(i)) for i in range(20)} == {"concise", "formal"}


# -- choosing among candidates -------------------------------------------------------------------
PARAPHRASES = [
    "Which customers live in Berlin?",
    "Which customers are located in Berlin?",
    "Who are the customers living in Berlin?",
]
OUTLIER = "What is the average order total across all suppliers and warehouses?"


def test_centroid_choice_keeps_the_consensus_paraphrase(serve, minilm) -> None:
    srv = serve(n_texts(OUTLIER, *PARAPHRASES))  # the outlier comes first: "take the first" would fail
    [written] = QuestionWriter(client(srv), shop(), samples=4, embedder=minilm).write([RECORDS[0]])
    assert written.source == "llm" and written.question in PARAPHRASES
    assert written.candidates == (OUTLIER, *PARAPHRASES)
    assert len(srv.bodies) == 1  # n was honoured: one request


def test_centroid_choice_without_torch() -> None:
    vectors = LexicalEmbedder().encode([OUTLIER, *PARAPHRASES])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert closest_to_centroid(vectors) in (1, 2, 3)
    same = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert closest_to_centroid(same) == 0  # ties: the first


def test_all_records_go_out_concurrently_in_one_batch(serve) -> None:
    srv = serve(lambda body: [f"How many customers with id above {min_id(body)} are there?"])
    srv.delay = 0.15
    writer = QuestionWriter(client(srv, max_concurrency=8), shop(), samples=1)
    t0 = time.perf_counter()
    written = writer.write(RECORDS)
    assert time.perf_counter() - t0 < 0.15 * len(RECORDS)  # not one after the other
    assert srv.max_in_flight > 1
    assert [w.question for w in written] == [
        f"How many customers with id above {i} are there?" for i in range(len(RECORDS))
    ]


def test_server_that_ignores_n_is_asked_again_with_new_seeds(serve, minilm) -> None:
    by_seed = {0: PARAPHRASES[0], 1: OUTLIER, 2: PARAPHRASES[1], 3: PARAPHRASES[2]}
    srv = serve(lambda body: [by_seed[body["seed"]]])  # one choice, whatever n says
    [written] = QuestionWriter(client(srv), shop(), samples=4, embedder=minilm).write([RECORDS[0]])
    assert [(b["n"], b["seed"]) for b in srv.bodies] == [(4, 0), (1, 1), (1, 2), (1, 3)]
    assert written.candidates == (PARAPHRASES[0], OUTLIER, PARAPHRASES[1], PARAPHRASES[2])
    assert written.question in PARAPHRASES


# -- cleaning ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('"Which customers live in Berlin?"', "Which customers live in Berlin?"),
        ("Question: “Which customers live in Berlin?”", "Which customers live in Berlin?"),
        ("**Question:** which customers live in Berlin?", "Which customers live in Berlin?"),
        ("```\nWhich customers live in Berlin?\n```", "Which customers live in Berlin?"),
        ("Sure! Here is the question:\n\nList the customers in Berlin.", "List the customers in Berlin."),
        ("Here is a formal question: Which customers reside in Berlin?", "Which customers reside in Berlin?"),
        ("1. Which customers live in Berlin?\n2. Who lives in Paris?", "Which customers live in Berlin?"),
        ("<think>a filter on city</think>Which customers live in Berlin?", "Which customers live in Berlin?"),
        ("Concise question: Berlin customers' names?", "Berlin customers' names?"),
        ("Select the names of all customers from Berlin.", "Select the names of all customers from Berlin."),
        ("```sql\nSELECT name FROM customers WHERE city = 'Berlin'\n```", None),
        ("SELECT name FROM customers WHERE city = 'Berlin'", None),
        ("select name from customers where city = 'Berlin'", None),
        ("Which customers have COUNT(*) > 2?", None),
        ("What does SELECT name FROM customers return?", None),
        ("", None),
        ("   \n ", None),
        ("Sure!", None),
        ("42", None),
        ("Berlin.", None),
        ("I'm sorry, but I cannot write that question.", None),
        ("Which " + "very " * 80 + "old customers live in Berlin?", None),
    ],
)  # fmt: skip
def test_clean_question(raw: str, clean: str | None) -> None:
    assert clean_question(raw) == clean


def test_looks_like_sql_spares_english_requests() -> None:
    assert not looks_like_sql("Select every order from 2023 where the total is above 100.")
    assert looks_like_sql("WITH t AS (SELECT 1) SELECT * FROM t")


def test_unusable_answers_are_filtered_before_the_choice(serve) -> None:
    answers = [
        "```sql\nSELECT name FROM customers WHERE city = 'Berlin'\n```",
        "",
        "I'm sorry, I can't help with that.",
        'Question: "Which customers live in Berlin?"',
        "x " * 200,
    ]
    srv = serve(n_texts(*answers))
    [written] = QuestionWriter(client(srv), shop(), samples=5).write([RECORDS[0]])
    assert written.source == "llm" and written.question == "Which customers live in Berlin?"
    assert written.candidates == ("Which customers live in Berlin?",)


def test_nothing_usable_falls_back_to_the_realiser(serve) -> None:
    srv = serve(n_texts("SELECT name FROM customers WHERE city = 'Berlin'", "OK"))
    writer = QuestionWriter(client(srv), shop(), samples=2)
    [written] = writer.write([RECORDS[0]])
    assert written.source == "rule" and written.style is None
    assert written.error == "no usable question among 2 answer(s)"
    assert written.question == writer.rule(RECORDS[0]).question
    assert "Berlin" in written.question


# -- failures ------------------------------------------------------------------------------------
def test_server_errors_fall_back_per_record_and_keep_every_record(serve) -> None:
    def answer(body: dict[str, Any]) -> Any:
        prompt = user_prompt(body)
        if "'Paris'" in prompt:
            return 500
        if "'Rome'" in prompt:
            return b"{not json"
        return ["Which customers live in Berlin or Oslo?"]

    srv = serve(answer)
    written = QuestionWriter(client(srv, max_retries=1), shop(), samples=1).write(RECORDS)
    assert len(written) == len(RECORDS)
    cities = ["Berlin", "Paris", "Berlin", "Paris", "Rome", "Oslo"]
    for w, rec, city in zip(written, RECORDS, cities, strict=True):
        if city in ("Paris", "Rome"):
            assert w.source == "rule" and city in w.question
            assert w.question == realise(rec.sql, shop(), dialect="sqlite", seed=w_seed(rec))
            assert ("HTTP 500" if city == "Paris" else "malformed response") in (w.error or "")
        else:
            assert w.source == "llm" and w.error is None


def w_seed(rec: Record) -> int:
    from sqlsynth.nl.phrasing import stable_hash

    return stable_hash(0, "rule", rec.id) % 1_000_000_007


def test_unreachable_server_falls_back(serve) -> None:
    srv = serve(n_texts("unused"))
    url = srv.url
    srv.stop()
    llm = LLMClient(LLMConfig(model="m", base_url=url, max_retries=0, timeout_s=2))
    written = QuestionWriter(llm, shop()).write(RECORDS[:2])
    assert [w.source for w in written] == ["rule", "rule"]
    assert all("connection failed" in (w.error or "") for w in written)


def test_without_an_llm_the_realiser_writes_every_question() -> None:
    written = QuestionWriter(None, shop()).write(RECORDS)
    assert [w.source for w in written] == ["rule"] * len(RECORDS)
    assert all(w.error is None and w.style is None and w.question for w in written)
    unreadable = Record(id="bad", db_id="shop", sql="DELETE FROM customers", question="old")
    [kept] = QuestionWriter(None, shop()).write([unreadable])
    assert kept.source == "none" and kept.question == "old" and "realiser" in (kept.error or "")


def test_rewrite_records_the_source_and_style(serve) -> None:
    srv = serve(n_texts("Which customers live in Berlin?"))
    stale = RECORDS[0].model_copy(update={"question": "old"})
    stale = Record.model_validate({**stale.model_dump(), "question_error": "from an earlier run"})
    [new] = QuestionWriter(client(srv), shop(), samples=1, seed=2).rewrite([stale])
    extra = new.model_extra or {}
    assert new.question == "Which customers live in Berlin?" and new.id == stale.id and new.sql == stale.sql
    assert extra["question_source"] == "llm" and extra["question_style"] in STYLES
    assert "question_error" not in extra and extra["result_preview"] == stale.model_extra["result_preview"]


# -- determinism ---------------------------------------------------------------------------------
def test_same_seed_same_styles_requests_and_choices(serve) -> None:
    def answer(body: dict[str, Any]) -> list[str]:  # depends only on the request
        city = user_prompt(body).split("city = '")[1].split("'")[0]
        return [f"Which customers live in {city}?", f"Who are the customers in {city}?"][: body["n"]] * 2

    runs = []
    for _ in range(2):
        srv = serve(answer)
        writer = QuestionWriter(client(srv), shop(), samples=2, seed=11, embedder=LexicalEmbedder())
        written = writer.write(RECORDS)
        bodies = sorted(json.dumps(b, sort_keys=True) for b in srv.bodies)
        runs.append((written, bodies))
    assert runs[0] == runs[1]
    one, other = QuestionWriter(None, shop(), seed=11), QuestionWriter(None, shop(), seed=12)
    styles = [one.style_for(record(i)) for i in range(30)]
    assert styles == [QuestionWriter(None, shop(), seed=11).style_for(record(i)) for i in range(30)]
    assert styles != [other.style_for(record(i)) for i in range(30)]


# -- bad settings --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"samples": 0}, "samples"),
        ({"styles": ["formal", "poetic"]}, "unknown style(s) poetic"),
        ({"styles": []}, "styles"),
        ({"temperature": 3.0}, "temperature"),
    ],
)
def test_bad_writer_options(options: dict[str, Any], needle: str) -> None:
    with pytest.raises(SqlsynthError, match="question writer") as info:
        QuestionWriter(None, shop(), **options)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("=== system ===\nx\n=== user ===\n$sql", "missing section(s): styles"),
        ("=== system ===\nx\n=== styles ===\nformal: be formal\n=== user ===\n$sql $tables", "$tables"),
        ("=== system ===\nx\n=== styles ===\nformal\n=== user ===\n$sql", "name: instruction"),
        ("hello\n=== system ===\nx", "before the first section"),
    ],
)
def test_bad_templates(text: str, needle: str) -> None:
    with pytest.raises(SqlsynthError) as info:
        PromptTemplate.parse(text)
    assert needle in str(info.value)


def test_a_custom_template(serve) -> None:
    template = PromptTemplate.parse(
        "=== system ===\nBe brief.\n=== styles ===\nterse: Few words.\n=== user ===\n$style: $sql costs $$0"
    )
    srv = serve(n_texts("Which customers live in Berlin?"))
    QuestionWriter(client(srv), shop(), styles=["terse"], template=template, samples=1).write([RECORDS[0]])
    assert user_prompt(srv.bodies[0]) == f"terse: {RECORDS[0].sql} costs $0"
