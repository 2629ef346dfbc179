"""Questions in bulk: for a file of queries (a query log), and for an output folder of
`sqlsynth generate` (rewritten in place by the realiser or the LLM question writer)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot.tokens import TokenType

from sqlsynth.nl.realise import realise
from sqlsynth.schema.model import Schema

if TYPE_CHECKING:
    from sqlsynth.llm import LLM
    from sqlsynth.nl.llm_writer import QuestionWriter


@dataclass
class QuestionRecord:
    sql: str
    question: str | None
    error: str | None = None
    source: str | None = None
    style: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"sql": self.sql, "question": self.question}
        if self.source is not None:
            out.update(question_source=self.source, question_style=self.style)
        if self.error is not None:
            out["error"] = self.error
        return out


def split_statements(text: str, dialect: str | None = None) -> list[str]:
    """The statements of a SQL script as written (semicolons inside strings and comments are kept)."""
    try:
        tokens = sqlglot.tokenize(text, read=dialect)
    except sqlglot.errors.TokenError:
        return [s.strip() for s in text.split(";") if s.strip()]
    out: list[str] = []
    start = 0
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            out.append(text[start : tok.start].strip())
            start = tok.end + 1
    out.append(text[start:].strip())
    return [s for s in out if s and not _only_comments(s, dialect)]


def _only_comments(statement: str, dialect: str | None) -> bool:
    try:
        return not sqlglot.tokenize(statement, read=dialect)
    except sqlglot.errors.TokenError:
        return False


def question_records(
    text: str,
    schema: Schema | None,
    *,
    dialect: str | None = None,
    seed: int = 0,
    writer: QuestionWriter | None = None,
) -> list[QuestionRecord]:
    """One record per statement; a statement that is not a readable SELECT gets an error, not a question.

    With a `writer` (an LLM question writer), each query's question is the LLM's where it gives a
    usable one, else the realiser's; `source` and `style` say which."""
    records = []
    for sql in split_statements(text, dialect):
        try:
            records.append(QuestionRecord(sql, realise(sql, schema, dialect=dialect, seed=seed)))
        except ValueError as err:
            records.append(QuestionRecord(sql, None, str(err)))
    if writer is None:
        return records
    from sqlsynth.dataset import Record

    todo = [r for r in records if r.error is None]
    as_records = [
        Record(id=f"q{i}", db_id=writer.schema.name, sql=r.sql, dialect=dialect or "sqlite")
        for i, r in enumerate(todo)
    ]
    for r, written in zip(todo, writer.write(as_records), strict=True):
        r.source, r.style = ("llm", written.style) if written.source == "llm" else ("rule", None)
        if written.source == "llm":
            r.question = written.question
    return records


# -- an output folder of `sqlsynth generate` ------------------------------------------------------
@dataclass
class RewriteSummary:
    """What `rewrite_folder` did: questions per source and style, a few errors, time taken."""

    records: int
    sources: dict[str, int] = field(default_factory=dict)
    styles: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "sources": self.sources,
            "styles": self.styles,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


def rewrite_folder(folder: str | Path, llm: LLM | None = None, **writer_options: Any) -> RewriteSummary:
    """Write a new question for every record of `folder` (the realiser without `llm`, else the LLM
    question writer with `writer_options`), replacing records.jsonl atomically; each record gets
    `question_source` and `question_style`, and manifest.json (if there) a `questions` entry."""
    from sqlsynth.dataset import load_output_folder, read_manifest, write_records_atomic
    from sqlsynth.io import write_json_atomic
    from sqlsynth.nl.llm_writer import QuestionWriter, with_question

    folder = Path(folder)
    schema, records = load_output_folder(folder)
    manifest_path = folder / "manifest.json"
    manifest = read_manifest(manifest_path) if manifest_path.exists() else None
    writer = QuestionWriter(llm, schema, **writer_options)
    t0 = time.perf_counter()
    written = writer.write(records)
    write_records_atomic(
        folder / "records.jsonl", (with_question(r, w) for r, w in zip(records, written, strict=True))
    )
    summary = RewriteSummary(
        records=len(records),
        sources=dict(Counter(w.source for w in written)),
        styles=dict(Counter(w.style for w in written if w.style)),
        errors=list(dict.fromkeys(w.error for w in written if w.error))[:10],
        seconds=time.perf_counter() - t0,
    )
    if manifest is not None:
        entry: dict[str, Any] = {"writer": "llm" if llm is not None else "rule", **summary.to_dict()}
        if llm is not None:
            entry["settings"] = writer.settings.model_dump(mode="json", exclude={"batch_size"})
        manifest["questions"] = entry
        write_json_atomic(manifest_path, manifest)
    return summary
