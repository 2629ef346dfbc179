"""LLM question writer: natural, varied questions for records, with the rule realiser as a fallback.

    writer = QuestionWriter(create_llm(config), schema, samples=4, seed=0)
    written = writer.write(records)            # one WrittenQuestion per record, in order
    records = writer.rewrite(records)          # the records with question, question_source/_style

Per record: one of nine styles (OmniSQL's) picked from the seed and the record id; a prompt (the
template `data/prompts/question_writer.txt`) with the schema slice of the tables the SQL uses
(columns with types, display names, descriptions, values; concepts about those tables), the SQL,
and a preview of its result. `samples` candidates come from one request with n=samples; a server
that ignores n is asked again with seed+1, seed+2, ... until there are enough. Candidates are
cleaned (quotes, "Question:" labels, code fences, preambles) and filtered (empty, too long, SQL,
refusals); the one closest to the centroid of their embeddings is kept. When the LLM fails, gives
nothing usable, or there is no LLM, the rule-based realiser writes the question: no record is lost.
All requests of a batch go through `chat_many` (the client's concurrency limit applies).
Deterministic given the seed and the served (or cached) answers.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, Protocol

import numpy as np
import sqlglot
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sqlsynth.dataset import Record
from sqlsynth.errors import SqlsynthError
from sqlsynth.llm.base import LLM, Completion, Message
from sqlsynth.llm.config import explain
from sqlsynth.nl.phrasing import stable_hash
from sqlsynth.nl.realise import realise
from sqlsynth.render import PLAIN_IDENTIFIER
from sqlsynth.schema.model import Schema, Table

log = logging.getLogger(__name__)

STYLES: tuple[str, ...] = (
    "formal",
    "colloquial",
    "imperative",
    "interrogative",
    "descriptive",
    "concise",
    "vague",
    "metaphorical",
    "conversational",
)
TEMPLATE_RESOURCE = ("data", "prompts", "question_writer.txt")
PLACEHOLDERS = frozenset({"schema", "sql", "dialect", "result", "style", "style_instruction"})
Source = Literal["llm", "rule", "none"]


# -- the prompt template ------------------------------------------------------------------------
@dataclass(frozen=True)
class PromptTemplate:
    """The writer's prompt: a system message, a user message template and one instruction per style."""

    system: str
    user: string.Template
    styles: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> PromptTemplate:
        """Read the `=== name ===` sections; SqlsynthError when one is missing or malformed."""
        sections: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in text.splitlines():
            head = re.fullmatch(r"===\s*(\w+)\s*===\s*", line)
            if head:
                current = sections.setdefault(head.group(1).lower(), [])
            elif current is not None:
                current.append(line)
            elif line.strip() and not line.startswith("#"):
                raise SqlsynthError(f"text before the first section: {line!r}", where="prompt template")
        missing = [s for s in ("system", "styles", "user") if s not in sections]
        if missing:
            raise SqlsynthError(f"missing section(s): {', '.join(missing)}", where="prompt template")
        styles: dict[str, str] = {}
        for line in sections["styles"]:
            if not line.strip():
                continue
            name, sep, instruction = line.partition(":")
            if not sep or not name.strip() or not instruction.strip():
                raise SqlsynthError(
                    f"style line is not 'name: instruction': {line!r}", where="prompt template"
                )
            styles[name.strip().lower()] = instruction.strip()
        user = string.Template("\n".join(sections["user"]).strip())
        unknown = set(user.get_identifiers()) - PLACEHOLDERS
        if unknown or not user.is_valid():
            problem = f"unknown placeholder(s) ${', $'.join(sorted(unknown))}" if unknown else "a stray '$'"
            raise SqlsynthError(
                f"{problem} (known: {', '.join(sorted(PLACEHOLDERS))})", where="prompt template"
            )
        return cls("\n".join(sections["system"]).strip(), user, styles)

    def messages(self, style: str, **fields: str) -> list[Message]:
        """System and user messages for one query in `style`."""
        user = self.user.substitute(style=style, style_instruction=self.styles[style], **fields)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@functools.cache
def default_template() -> PromptTemplate:
    """The template shipped in the package."""
    text = resources.files("sqlsynth").joinpath(*TEMPLATE_RESOURCE).read_text(encoding="utf-8")
    return PromptTemplate.parse(text)


# -- what goes into the prompt ------------------------------------------------------------------


def _ident(name: str) -> str:
    return name if PLAIN_IDENTIFIER.match(name) else f'"{name}"'


def tables_of(record: Record, schema: Schema) -> list[Table]:
    """The schema's tables the record's SQL uses: `record.tables`, else the tables named in the SQL."""
    names = list(record.tables)
    if not names:
        try:
            tree = sqlglot.parse_one(record.sql, read=record.dialect)
            names = [t.name for t in tree.find_all(sqlglot.exp.Table)]
        except sqlglot.errors.SqlglotError:
            names = []
    out: list[Table] = []
    for name in dict.fromkeys(names):
        if schema.has_table(name) and schema.table(name) not in out:
            out.append(schema.table(name))
    return out


def schema_slice(schema: Schema, tables: Sequence[Table], max_values: int = 10) -> str:
    """The tables (columns with types, display names, keys, descriptions, values) and the concepts
    that mention them, as indented lines."""
    if not tables:
        return "(no table of the schema is named in the query)"
    names = {t.name.lower() for t in tables}
    lines: list[str] = []
    for table in tables:
        desc = " ".join(table.description.split())
        lines.append(f"Table {_ident(table.name)}" + (f": {desc}" if desc else ""))
        refs = {
            src.lower(): f"refers to {_ident(fk.target_table)}.{_ident(dst)}"
            for fk in schema.foreign_keys_of(table.name)
            for src, dst in zip(fk.source_columns, fk.target_columns, strict=True)
        }
        keys = {c.lower() for c in table.primary_key}
        for col in table.columns:
            parts = [col.type.strip() or col.logical_type.value]
            if col.display_name:
                parts.append(f'called "{col.display_name}"')
            if col.name.lower() in keys:
                parts.append("primary key")
            if col.name.lower() in refs:
                parts.append(refs[col.name.lower()])
            if col.description.strip():
                parts.append(" ".join(col.description.split()))
            if col.possible_values:
                shown = ", ".join(str(v) for v in col.possible_values[:max_values])
                parts.append(f"values: {shown}" + (", ..." if len(col.possible_values) > max_values else ""))
            lines.append(f"  - {_ident(col.name)}: {'; '.join(parts)}")
    concepts = [c for c in schema.concepts if names & {t.lower() for t in c.tables}]
    if concepts:
        lines.append("Concepts:")
        lines.extend(f"  - {c.term}: {' '.join(c.description.split())}".rstrip(": ") for c in concepts)
    return "\n".join(lines)


def result_preview(record: Record, rows: int = 3, width: int = 40) -> str:
    """The result's columns and first `rows` rows (from `result_columns` / `result_preview`)."""
    extra = record.model_extra or {}
    columns, preview = extra.get("result_columns"), extra.get("result_preview")
    if not isinstance(columns, list) or not isinstance(preview, list):
        return "(not available)"
    total = next((e.rows for e in record.execution.values() if e.ok and e.rows is not None), len(preview))
    if total == 0 or not preview:
        return "(no rows)"

    def cell(value: Any) -> str:
        text = "NULL" if value is None else " ".join(str(value).split())
        return text if len(text) <= width else text[: width - 1] + "…"

    shown = [row for row in preview[:rows] if isinstance(row, list)]
    head = f"{total} row{'s' if total != 1 else ''}" + (
        f", the first {len(shown)}:" if total > len(shown) else ":"
    )
    body = [" | ".join(cell(c) for c in columns), *(" | ".join(cell(v) for v in row) for row in shown)]
    return "\n".join([head, *body])


# -- cleaning the answers -----------------------------------------------------------------------
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_FENCE = re.compile(r"```[\w+-]*[ \t]*\n?(.*?)(?:```|$)", re.S)
_PREAMBLE = re.compile(r"^(?:sure|okay|ok|certainly|of course|here(?:'s| is| are))\b", re.I)
_LIST_MARK = re.compile(r"^(?:[-*•]\s+|\d{1,2}[.)]\s+)")
_LABEL = re.compile(
    r"^(?:(?:natural[- ]language |rewritten |user |final |the )?(?:question|request|answer|q|a)"
    r"(?:\s*\d+)?|(?:formal|colloquial|imperative|interrogative|descriptive|concise|vague|metaphorical"
    r"|conversational)(?: style)?(?: question| request)?)\s*[:：]\s*",
    re.I,
)
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»", "`": "`", "„": "“"}
_REFUSAL = re.compile(r"^(?:i(?:'m| am) sorry|sorry\b|i can(?:not|'t)|as an ai\b|unfortunately\b)", re.I)
_SQL_CALL = re.compile(r"\b(?:count|sum|avg|min|max|cast|coalesce|strftime|substr)\s*\(", re.I)
_SQL_UPPER = re.compile(r"\b(?:SELECT|FROM|WHERE|GROUP BY|ORDER BY|JOIN|HAVING|LIMIT|UNION|DISTINCT)\b")
_SQL_CLAUSES = re.compile(
    r"^\s*(?:select|with)\b.*\bfrom\b.*\b(?:where|group\s+by|order\s+by|join|limit|having)\b", re.I | re.S
)
_SQL_SYNTAX = re.compile(r"[=<>*'\"(;]|\b(?:asc|desc|limit\s+\d+)\b", re.I)
_SQL_START = re.compile(r"^\s*(?:select\s+(?:\*|distinct\b|\")|with\s+\w+\s+as\s*\()", re.I)


def looks_like_sql(text: str) -> bool:
    """True for SQL (or text quoting SQL), not for an English request like "Select the names of ..."."""
    return bool(
        _SQL_CALL.search(text)
        or len(_SQL_UPPER.findall(text)) >= 2
        or (_SQL_CLAUSES.search(text) and _SQL_SYNTAX.search(text))
        or _SQL_START.search(text)
        or text.rstrip().endswith(";")
    )


def _unwrap(text: str) -> str:
    """Strip list marks, markdown emphasis, labels and enclosing quotes, repeatedly."""
    while True:
        before = text
        text = _LIST_MARK.sub("", text).strip()
        for mark in ("**", "__", "*", "_"):
            if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
                text = text[len(mark) : -len(mark)].strip()
        text = re.sub(r"^\*\*([^*]+)\*\*\s*", r"\1 ", text).strip()  # **Question:** ...
        text = _LABEL.sub("", text).strip()
        if len(text) >= 2 and text[0] in _QUOTES and text[-1] == _QUOTES[text[0]]:
            text = text[1:-1].strip()
        elif len(text) >= 3 and text[0] in _QUOTES and text[-2] == _QUOTES[text[0]] and text[-1] in ".?!":
            text = text[1:-2].strip() + ("" if text[-3] in ".?!" else text[-1])
        if text == before:
            return text


def _without_preamble(line: str) -> str:
    """`Here is the question: X` -> `X`; a line that only introduces what follows -> ``."""
    if line.endswith(":"):
        return ""
    if _PREAMBLE.match(line):
        _, sep, rest = line.partition(":")
        return rest.strip() if sep else ""
    return line


def clean_question(raw: str, max_chars: int = 300) -> str | None:
    """The question in an LLM answer, or None when there is none (empty, too long, SQL, a refusal,
    not a sentence)."""
    text = _THINK.sub("", raw or "")
    text = _FENCE.sub(lambda m: m.group(1), text)
    lines = [_without_preamble(line.strip()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None
    text = " ".join(_unwrap(lines[0]).split())
    words = re.findall(r"[^\W\d_]{2,}", text)
    if len(text) > max_chars or len(text.split()) < 3 or len(words) < 2:
        return None
    if _REFUSAL.match(text) or looks_like_sql(text):
        return None
    return text if text[1:2].isupper() else text[:1].upper() + text[1:]  # "iPhone" stays


# -- choosing among candidates ------------------------------------------------------------------
class TextEmbedder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class LexicalEmbedder:
    """Hashed bag of words and word pairs, unit length: the centroid choice without torch."""

    def __init__(self, dimension: int = 1024) -> None:
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for token in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
                out[i, stable_hash(0, token) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def closest_to_centroid(vectors: np.ndarray) -> int:
    """Index of the row most similar to the mean of the (unit) rows; the first one on ties."""
    centroid = vectors.mean(axis=0)
    scores = np.round(vectors @ centroid, 6)
    return int(np.argmax(scores))


def _load_embedder() -> TextEmbedder:
    try:
        from sqlsynth.dedup import default_embedder

        return default_embedder()
    except (ImportError, SqlsynthError) as err:
        log.warning("no sentence embedder (%s); choosing among candidates by shared words", err)
        return LexicalEmbedder()


# -- the writer ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class WrittenQuestion:
    """One record's question: `source` "llm", "rule" (the realiser) or "none" (kept as it was: the
    realiser could not read the SQL). `style` is the LLM style (None unless source is "llm");
    `candidates` the usable answers; `error` why the LLM was not used, if it was meant to be."""

    question: str
    source: Source
    style: str | None = None
    candidates: tuple[str, ...] = ()
    error: str | None = None


class WriterSettings(BaseModel):
    """The writer's knobs (validated when the writer is built)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    styles: tuple[str, ...] = Field(STYLES, min_length=1)
    samples: int = Field(4, ge=1, le=32, description="Candidates per question.")
    seed: int = 0
    temperature: float | None = Field(0.8, ge=0.0, le=2.0, description="None: the LLM config's.")
    preview_rows: int = Field(3, ge=0, le=50)
    max_chars: int = Field(300, ge=20)
    batch_size: int = Field(256, ge=1, description="Records per chat_many call.")


class QuestionWriter:
    """Writes a question for each record with an LLM (or the realiser); see the module docstring."""

    def __init__(
        self,
        llm: LLM | None,
        schema: Schema,
        *,
        styles: Sequence[str] = STYLES,
        samples: int = 4,
        embedder: TextEmbedder | None = None,
        seed: int = 0,
        temperature: float | None = 0.8,
        preview_rows: int = 3,
        max_chars: int = 300,
        batch_size: int = 256,
        template: PromptTemplate | None = None,
    ) -> None:
        try:
            self.settings = WriterSettings(
                styles=tuple(s.strip().lower() for s in styles),
                samples=samples,
                seed=seed,
                temperature=temperature,
                preview_rows=preview_rows,
                max_chars=max_chars,
                batch_size=batch_size,
            )
        except ValidationError as err:
            raise SqlsynthError(explain(err), where="question writer") from None
        self.template = template or default_template()
        unknown = [s for s in self.settings.styles if s not in self.template.styles]
        if unknown:
            raise SqlsynthError(
                f"unknown style(s) {', '.join(unknown)}; known: {', '.join(self.template.styles)}",
                where="question writer",
            )
        self.llm = llm
        self.schema = schema
        self._embedder = embedder

    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            self._embedder = _load_embedder()
        return self._embedder

    # -- per record ---------------------------------------------------------------------------
    def style_for(self, record: Record) -> str:
        """The record's style: a function of the seed and the record id only."""
        styles = self.settings.styles
        return styles[stable_hash(self.settings.seed, "style", record.id) % len(styles)]

    def messages(self, record: Record, style: str | None = None) -> list[Message]:
        """The chat messages sent for `record`."""
        return self.template.messages(
            style or self.style_for(record),
            schema=schema_slice(self.schema, tables_of(record, self.schema)),
            sql=record.sql.strip(),
            dialect=record.dialect,
            result=result_preview(record, self.settings.preview_rows),
        )

    def rule(self, record: Record, error: str | None = None) -> WrittenQuestion:
        """The realiser's question (the seed of `sqlsynth generate` for a generated record)."""
        index = (record.model_extra or {}).get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            seed = self.settings.seed * 1_000_003 + index
        else:
            seed = stable_hash(self.settings.seed, "rule", record.id) % 1_000_000_007
        try:
            question = realise(record.sql, self.schema, dialect=record.dialect, seed=seed)
        except ValueError as err:
            why = f"realiser: {err}"
            return WrittenQuestion(record.question, "none", error=f"{error}; {why}" if error else why)
        return WrittenQuestion(question, "rule", error=error)

    # -- batches ------------------------------------------------------------------------------
    def write(self, records: Sequence[Record]) -> list[WrittenQuestion]:
        """One question per record, in order (the LLM's when it gives a usable one)."""
        records = list(records)
        if self.llm is None:
            return [self.rule(r) for r in records]
        size = self.settings.batch_size
        out: list[WrittenQuestion] = []
        for start in range(0, len(records), size):
            out.extend(self._write_batch(records[start : start + size]))
        return out

    def rewrite(self, records: Sequence[Record]) -> list[Record]:
        """The records with their new question, `question_source` and `question_style` (and
        `question_error` when the LLM was not used because of one)."""
        return [with_question(r, w) for r, w in zip(records, self.write(records), strict=True)]

    def _sampling(self, **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"seed": self.settings.seed, **extra}
        if self.settings.temperature is not None:
            params["temperature"] = self.settings.temperature
        return params

    def _ask(self, prompts: list[list[Message]], **params: Any) -> list[Completion | str]:
        """chat_many with exceptions turned into messages (only Exceptions: Ctrl-C still stops)."""
        assert self.llm is not None
        answers = self.llm.chat_many(prompts, return_exceptions=True, **self._sampling(**params))
        out: list[Completion | str] = []
        for answer in answers:
            if isinstance(answer, Completion):
                out.append(answer)
            elif isinstance(answer, Exception):
                out.append(f"{type(answer).__name__}: {answer}")
            else:
                raise answer
        return out

    def _write_batch(self, records: list[Record]) -> list[WrittenQuestion]:
        k = self.settings.samples
        styles = [self.style_for(r) for r in records]
        prompts = [self.messages(r, s) for r, s in zip(records, styles, strict=True)]
        texts: list[list[str]] = [[] for _ in records]
        errors: list[str | None] = [None] * len(records)
        for i, answer in enumerate(self._ask(prompts, n=k)):
            if isinstance(answer, str):
                errors[i] = answer
            else:
                texts[i].extend(answer.texts[:k])
        for extra in range(1, k):  # servers that ignore n: one more sample per round, new seed
            short = [i for i, t in enumerate(texts) if errors[i] is None and 0 < len(t) < k]
            if not short:
                break
            more = self._ask([prompts[i] for i in short], n=1, seed=self.settings.seed + extra)
            for i, answer in zip(short, more, strict=True):
                if isinstance(answer, Completion):
                    texts[i].extend(answer.texts[:1])
        candidates = [self._clean(t) for t in texts]
        chosen = self._choose(candidates)
        out = []
        for i, record in enumerate(records):
            if chosen[i] is not None:
                out.append(WrittenQuestion(chosen[i], "llm", styles[i], tuple(candidates[i])))
                continue
            error = errors[i] or f"no usable question among {len(texts[i])} answer(s)"
            out.append(self.rule(record, error))
        return out

    def _clean(self, texts: list[str]) -> list[str]:
        cleaned = (clean_question(t, self.settings.max_chars) for t in texts)
        return [c for c in cleaned if c]

    def _choose(self, candidates: list[list[str]]) -> list[str | None]:
        """Per record, the candidate closest to the centroid (all records embedded in one call)."""
        chosen: list[str | None] = [c[0] if c else None for c in candidates]
        several = [i for i, c in enumerate(candidates) if len(set(c)) > 1]
        if not several:
            return chosen
        flat = [text for i in several for text in candidates[i]]
        vectors = np.asarray(self.embedder.encode(flat), dtype=np.float32)
        start = 0
        for i in several:
            n = len(candidates[i])
            chosen[i] = candidates[i][closest_to_centroid(vectors[start : start + n])]
            start += n
        return chosen


def with_question(record: Record, written: WrittenQuestion) -> Record:
    """A copy of `record` with the written question and its source, style and error (if any)."""
    data = record.model_dump(mode="json")
    data.pop("question_error", None)
    data.update(question=written.question, question_source=written.source, question_style=written.style)
    if written.error:
        data["question_error"] = written.error
    return Record.model_validate(data)
