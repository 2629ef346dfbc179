"""Question-first generation, ASASQL stage 1 (seeds/002): the LLM asks, then answers in SQL.

1. For each table, the LLM writes questions a non-expert would ask, from the table's
   description, its columns (display names, descriptions, possible values), the domain concepts
   and a few examples (the user's data_sample.json, then accepted questions: the few-shot pool
   grows). Each answer names the columns involved; questions naming unknown columns are dropped,
   and near duplicates (MiniLM cosine >= 0.95) too.
2. For each question, K SQL candidates: sampled with different seeds, the column order and the
   few-shot examples shuffled per candidate. The SQL is cut out of the answer (code fences,
   prose around it).
3. Every candidate is checked: it parses, is one query, names only tables and columns that
   exist (aliases and qualified names resolved by sqlglot's qualifier), executes within the
   timeout, and returns rows. All candidates are written with their group (`candidates.jsonl`)
   so a reward model can later pick the best of N; the valid ones are the records.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from sqlsynth.dataset import ExecutionResult, Provenance, Record, record_id
from sqlsynth.engines.base import Engine
from sqlsynth.errors import SqlsynthError, first_problem
from sqlsynth.schema.model import Schema, Table

QUESTION_STYLE = "a non-expert who uses this data daily and does not know SQL"


class SampleExample(BaseModel):
    """One labelled example in ASASQL's data_sample.json."""

    model_config = ConfigDict(extra="allow")

    origin_query: str
    sql: str
    table_name: str = ""
    table: str = ""
    column: str = ""
    label: Any = None


def load_samples(path: str | Path) -> list[SampleExample]:
    """ASASQL's data_sample.json (a JSON list of objects); errors name the file and the item."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SqlsynthError(f"cannot read the examples ({err})", where=str(path)) from None
    if not isinstance(data, list):
        raise SqlsynthError("expected a JSON list of examples", where=str(path))
    out = []
    for i, item in enumerate(data):
        try:
            out.append(SampleExample.model_validate(item))
        except ValidationError as err:
            raise SqlsynthError(f"item {i}: {first_problem(err)}", where=str(path)) from None
    return out


class QuestionFirstConfig(BaseModel):
    """How many questions and candidates, and how they are sampled."""

    model_config = ConfigDict(extra="forbid")

    questions_per_table: int = Field(10, ge=1, description="Accepted questions wanted per table.")
    per_request: int = Field(5, ge=1, le=50, description="Questions asked for in one request.")
    max_requests_per_table: int = Field(6, ge=1)
    candidates: int = Field(3, ge=1, le=32, description="SQL candidates (K) per question.")
    few_shot: int = Field(3, ge=0)
    threshold: float = Field(0.95, ge=-1, le=1, description="Cosine at which questions are duplicates.")
    question_temperature: float = Field(0.9, ge=0, le=2)
    sql_temperature: float = Field(0.7, ge=0, le=2)
    timeout_s: float = Field(10.0, gt=0)
    dialect: str = "sqlite"
    seed: int = 0


@dataclass
class DraftQuestion:
    id: str
    text: str
    table: str
    columns: list[str]


@dataclass
class QuestionFirstResult:
    questions: list[DraftQuestion]
    candidates: list[Record]
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def records(self) -> list[Record]:
        return [r for r in self.candidates if r.valid]  # type: ignore[attr-defined]


# -- prompts ------------------------------------------------------------------------------------
def describe_table(schema: Schema, table: Table, columns: list[str] | None = None) -> str:
    """The table as the prompts show it: description, then one line per column."""
    lines = [f"Table {table.name}: {table.description or '(no description)'}"]
    for name in columns or [c.name for c in table.columns if c.include]:
        col = table.column(name)
        parts = [f"- {col.name} ({col.logical_type.value})"]
        if col.display_name:
            parts.append(f"called '{col.display_name}'")
        if col.description:
            parts.append(f"— {col.description}")
        if col.possible_values:
            parts.append(f"values: {json.dumps(col.possible_values[:12], ensure_ascii=False, default=str)}")
        lines.append(" ".join(parts))
    refs = [fk for fk in schema.foreign_keys if table.name in (fk.source_table, fk.target_table)]
    lines.extend(
        f"- link: {fk.source_table}({', '.join(fk.source_columns)}) -> "
        f"{fk.target_table}({', '.join(fk.target_columns)})"
        for fk in refs
    )
    concepts = [c for c in schema.concepts if not c.tables or table.name in c.tables]
    lines.extend(f"- term '{c.term}': {c.description}" for c in concepts)
    return "\n".join(lines)


def question_messages(
    schema: Schema, table: Table, examples: list[tuple[str, list[str]]], n: int
) -> list[dict]:
    shots = "\n".join(
        json.dumps({"question": q, "columns": cols}, ensure_ascii=False) for q, cols in examples
    )
    user = (
        f"{describe_table(schema, table)}\n\n"
        f"Write {n} different questions that {QUESTION_STYLE} would ask about this table. "
        "Each must be answerable from the data. Answer with one JSON object per line: "
        '{"question": "...", "columns": ["column", ...]} naming the columns the question needs.'
        + (f"\n\nExamples:\n{shots}" if shots else "")
    )
    return [
        {"role": "system", "content": "You write realistic questions people ask about a database."},
        {"role": "user", "content": user},
    ]


def sql_messages(
    schema: Schema, question: DraftQuestion, columns: list[str], examples: list[tuple[str, str]], dialect: str
) -> list[dict]:
    shots = "\n\n".join(f"Question: {q}\nSQL: {s}" for q, s in examples)
    tables = [question.table] + [
        t
        for fk in schema.foreign_keys
        for t in (fk.source_table, fk.target_table)
        if question.table in (fk.source_table, fk.target_table) and t != question.table
    ]
    described = "\n\n".join(
        describe_table(schema, schema.table(t), columns if t == question.table else None)
        for t in dict.fromkeys(tables)
    )
    user = (
        f"{described}\n\n"
        + (f"Examples:\n{shots}\n\n" if shots else "")
        + f"Write one {dialect} SQL query that answers: {question.text}\n"
        "Answer with the SQL only, in a ```sql code block."
    )
    return [
        {"role": "system", "content": f"You translate questions into correct {dialect} SQL."},
        {"role": "user", "content": user},
    ]


# -- parsing answers ----------------------------------------------------------------------------
_FENCE = re.compile(r"```(?:sql|SQL)?\s*(.*?)```", re.S)
_START = re.compile(r"^\s*(WITH|SELECT)\b", re.I)


def parse_questions(text: str) -> list[tuple[str, list[str]]]:
    """(question, columns) pairs from an answer: JSON lines, a JSON list, or plain lines."""
    text = _FENCE.sub(lambda m: m.group(1), text).strip()
    items: list[Any] = []
    try:
        whole = json.loads(text)
        items = whole if isinstance(whole, list) else [whole]
    except json.JSONDecodeError:
        for line in text.splitlines():
            line = line.strip().rstrip(",")
            if not line:
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                items.append(re.sub(r"^(\d+[.)]|[-*•]|Q:|Question:)\s*", "", line))
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("question"), str):
            cols = item.get("columns") or []
            out.append((item["question"].strip(), [str(c) for c in cols] if isinstance(cols, list) else []))
        elif isinstance(item, str) and item.endswith("?") and len(item.split()) >= 3:
            out.append((item, []))
    return [(q, cols) for q, cols in out if 3 <= len(q.split()) <= 60]


def extract_sql(text: str) -> str | None:
    """The SQL in an answer: the first ```sql block, else the lines from the first one that
    starts with SELECT/WITH up to a line ending in `;` or a blank line (prose around is dropped)."""
    fenced = _FENCE.search(text)
    if fenced:
        return fenced.group(1).strip().rstrip(";").strip() or None
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _START.match(line)), None)
    if start is None:
        inline = re.search(r"\b(SELECT|WITH)\b", text)  # "Here you go: SELECT ...; hope it helps"
        if inline is None or inline.group(1).upper() == "WITH":
            return None
        return text[inline.start() :].split(";", 1)[0].strip() or None
    taken = []
    for line in lines[start:]:
        if not line.strip():
            break
        taken.append(line)
        if line.rstrip().endswith(";"):
            break
    return "\n".join(taken).strip().rstrip(";").strip() or None


# -- checking candidates ------------------------------------------------------------------------
def _mapping(schema: Schema) -> dict[str, dict[str, str]]:
    return {t.name: {c.name: c.logical_type.value for c in t.columns} for t in schema.tables}


def check_candidate(
    sql: str, schema: Schema, engine: Engine, dialect: str, timeout_s: float
) -> tuple[str | None, exp.Expression | None, Any]:
    """(reject reason or None, parsed query, execution result)."""
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except SqlglotError:
        return "parse", None, None
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        return "not-a-query", None, None
    tree = trees[0]
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    known = {t.name.lower() for t in schema.tables}
    for table in tree.find_all(exp.Table):
        if table.name and table.name.lower() not in known | ctes:
            return "unknown-table", tree, None
    try:
        qualify(
            tree.copy(),
            schema=_mapping(schema),
            dialect=dialect,
            validate_qualify_columns=True,
            identify=False,
        )
    except (OptimizeError, SqlglotError):
        return "unknown-column", tree, None
    res = engine.execute(tree.sql(dialect=engine.dialect), timeout_s)
    if res.timed_out:
        return "timeout", tree, res
    if not res.ok:
        return "error", tree, res
    if not res.rows:
        return "empty", tree, res
    return None, tree, res


# -- the run ------------------------------------------------------------------------------------
class QuestionFirst:
    """ASASQL stage 1 for one schema and database."""

    def __init__(
        self,
        schema: Schema,
        llm: Any,
        engine: Engine,
        config: QuestionFirstConfig | None = None,
        samples: list[SampleExample] | None = None,
        embedder: Any = None,
    ) -> None:
        self.schema = schema
        self.llm = llm
        self.engine = engine
        self.config = config or QuestionFirstConfig()
        self.samples = samples or []
        self.embedder = embedder
        self.counts: Counter[str] = Counter()

    def _embed(self, texts: list[str]) -> Any:
        if self.embedder is None:
            from sqlsynth.dedup import default_embedder

            self.embedder = default_embedder()
        return self.embedder.encode(texts)

    def questions(self) -> list[DraftQuestion]:
        """Accepted questions for every table (few-shot pool grows, near duplicates dropped)."""
        import numpy as np

        cfg = self.config
        rng = random.Random(f"asasql:{cfg.seed}")
        pool: list[tuple[str, list[str]]] = [(s.origin_query, []) for s in self.samples]
        accepted: list[DraftQuestion] = []
        vectors: list[Any] = []
        tables = [t for t in self.schema.tables if any(c.include for c in t.columns)]
        for table in tables:
            got = 0
            for attempt in range(cfg.max_requests_per_table):
                if got >= cfg.questions_per_table:
                    break
                shots = rng.sample(pool, min(cfg.few_shot, len(pool)))
                messages = question_messages(self.schema, table, shots, cfg.per_request)
                try:
                    answer = self.llm.chat(
                        messages, temperature=cfg.question_temperature, seed=cfg.seed * 1000 + attempt
                    )
                except Exception:  # noqa: BLE001 - a failed request costs this attempt only
                    self.counts["question_requests_failed"] += 1
                    continue
                self.counts["question_requests"] += 1
                for text in answer.texts:
                    for question, cols in parse_questions(text):
                        self.counts["questions_proposed"] += 1
                        if any(not table.has_column(c) for c in cols):
                            self.counts["questions_unknown_column"] += 1
                            continue
                        vec = self._embed([question])[0]
                        if vectors and float(np.max(np.stack(vectors) @ vec)) >= cfg.threshold:
                            self.counts["questions_duplicate"] += 1
                            continue
                        vectors.append(vec)
                        qid = f"q{len(accepted):05d}"
                        names = [table.column(c).name for c in cols]
                        accepted.append(DraftQuestion(qid, question, table.name, names))
                        pool.append((question, names))
                        got += 1
                        if got >= cfg.questions_per_table:
                            break
                    if got >= cfg.questions_per_table:
                        break
        self.counts["questions_accepted"] = len(accepted)
        return accepted

    def candidates(self, questions: list[DraftQuestion]) -> list[Record]:
        """K checked SQL candidates per question, all requests in one concurrent batch."""
        cfg = self.config
        sql_shots = [(s.origin_query, s.sql) for s in self.samples if s.sql]
        batch, owners = [], []
        for q in questions:
            table = self.schema.table(q.table)
            for k in range(cfg.candidates):
                rng = random.Random(f"asasql:{cfg.seed}:{q.id}:{k}")
                cols = [c.name for c in table.columns if c.include]
                rng.shuffle(cols)
                shots = rng.sample(sql_shots, min(cfg.few_shot, len(sql_shots)))
                messages = sql_messages(self.schema, q, cols, shots, cfg.dialect)
                # the attempt number keeps K requests apart (and apart in the response cache)
                messages[0]["content"] += f" (attempt {k + 1} of {cfg.candidates})"
                batch.append(messages)
                owners.append((q, k))
        answers = self.llm.chat_many(batch, return_exceptions=True, temperature=cfg.sql_temperature)
        out = []
        for (q, k), answer in zip(owners, answers, strict=True):
            text = answer.texts[0] if not isinstance(answer, BaseException) and answer.texts else ""
            out.append(self._candidate(q, k, text, failed=isinstance(answer, BaseException)))
        return out

    def _candidate(self, q: DraftQuestion, k: int, text: str, *, failed: bool) -> Record:
        from sqlsynth.generate.measure import measure, spider_hardness
        from sqlsynth.render import canonical_sql, template_of

        cfg = self.config
        sql = extract_sql(text) if text else None
        reason, tree, res = (
            (
                ("llm-failed" if failed else "no-sql"),
                None,
                None,
            )
            if sql is None
            else check_candidate(sql, self.schema, self.engine, cfg.dialect, cfg.timeout_s)
        )
        self.counts[f"candidate_{reason or 'valid'}"] += 1
        fields: dict[str, Any] = {
            "db_id": self.schema.name,
            "question": q.text,
            "sql": sql or "",
            "dialect": cfg.dialect,
            "strategy": "llm",
            "tables": [q.table],
            "columns": [f"{q.table}.{c}" for c in q.columns],
            "provenance": Provenance(seed=cfg.seed, source="asasql"),
            "candidate_group": q.id,
            "candidate_index": k,
            "valid": reason is None,
            "reject_reason": reason,
        }
        key = f"{q.text}\0{k}\0{sql or ''}"
        if tree is not None:
            key = f"{q.text}\0{canonical_sql(tree, write=cfg.dialect)}"
            fields.update(
                sql_by_dialect={cfg.dialect: tree.sql(dialect=cfg.dialect)},
                complexity=measure(tree),
                hardness=spider_hardness(tree),
                template=template_of(tree),
                tables=sorted({t.name for t in tree.find_all(exp.Table) if t.name}),
            )
        if res is not None:
            fields["execution"] = {
                self.engine.name: ExecutionResult(
                    ok=res.ok, rows=len(res.rows), ms=res.elapsed_ms, error=res.error
                )
            }
        return Record(id=record_id(self.schema.name, key), **fields)

    def run(self) -> QuestionFirstResult:
        questions = self.questions()
        cands = self.candidates(questions)
        return QuestionFirstResult(questions, cands, dict(self.counts))


def write_question_first(
    result: QuestionFirstResult, schema: Schema, out: str | Path, config: QuestionFirstConfig
) -> dict[str, Any]:
    """questions.jsonl, candidates.jsonl (every candidate, with its group), records.jsonl (the
    valid ones, one per id), schema.json and manifest.json, each written atomically."""
    from sqlsynth.dataset import write_records_atomic
    from sqlsynth.generate.runner import describe
    from sqlsynth.io import write_json_atomic, write_text_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(q.__dict__, ensure_ascii=False) for q in result.questions]
    write_text_atomic(out / "questions.jsonl", "".join(line + "\n" for line in lines))
    write_records_atomic(out / "candidates.jsonl", result.candidates)
    records = list({r.id: r for r in result.records}.values())
    write_records_atomic(out / "records.jsonl", records)
    write_text_atomic(out / "schema.json", schema.to_json())
    groups = Counter(r.candidate_group for r in records)  # type: ignore[attr-defined]
    manifest = {
        "strategy": "llm",
        "records": len(records),
        "questions": len(result.questions),
        "questions_with_a_valid_candidate": len(groups),
        "candidates": len(result.candidates),
        "counts": result.counts,
        "rejected": dict(Counter(r.reject_reason for r in result.candidates if not r.valid)),  # type: ignore[attr-defined]
        **describe(records),
        "config": config.model_dump(mode="json"),
    }
    write_json_atomic(out / "manifest.json", manifest)
    return manifest
