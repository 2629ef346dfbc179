"""Questions for a file of queries (a query log): split the statements, realise each one."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot.tokens import TokenType

from sqlsynth.nl.realise import realise
from sqlsynth.schema.model import Schema


@dataclass
class QuestionRecord:
    sql: str
    question: str | None
    error: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"sql": self.sql, "question": self.question}
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
    text: str, schema: Schema | None, *, dialect: str | None = None, seed: int = 0
) -> list[QuestionRecord]:
    """One record per statement; a statement that is not a readable SELECT gets an error, not a question."""
    records = []
    for sql in split_statements(text, dialect):
        try:
            records.append(QuestionRecord(sql, realise(sql, schema, dialect=dialect, seed=seed)))
        except ValueError as err:
            records.append(QuestionRecord(sql, None, str(err)))
    return records
