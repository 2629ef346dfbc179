"""The Record and its JSONL IO: round trips, resumable appends, truncated and malformed lines."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlglot

from sqlsynth.dataset import (
    Record,
    RecordWriter,
    existing_ids,
    read_records,
    record_id,
    write_records_atomic,
)
from sqlsynth.errors import SqlsynthError
from sqlsynth.generate.measure import Complexity
from sqlsynth.render import DIALECTS, canonical_sql

DESIGN_FIELDS = {
    "id",
    "db_id",
    "question",
    "sql",
    "dialect",
    "sql_by_dialect",
    "tables",
    "columns",
    "complexity",
    "hardness",
    "strategy",
    "template",
    "execution",
    "scores",
    "label",
    "provenance",
}


def _record(i: int = 0, **extra: object) -> Record:
    fields: dict[str, object] = {"question": f"question {i}", **extra}
    return Record(id=f"r{i}", db_id="shop", sql=f"SELECT {i}", **fields)


def test_record_has_every_design_field() -> None:
    data = json.loads(_record().to_json())
    assert set(data) == DESIGN_FIELDS
    assert data["question"] == "question 0" and data["dialect"] == "sqlite"
    assert data["complexity"]["or"] == 0


def test_record_round_trips_with_extra_fields_and_nested_models() -> None:
    r = _record(
        execution={"sqlite": {"ok": True, "rows": 3, "ms": 1.5}, "duckdb": {"ok": False, "error": "boom"}},
        scores={"reward": 0.75},
        provenance={"seed": 7, "shard": 2, "version": "0.1.0", "source": "walk"},
        checked={"sqlite": "executed", "tsql": "parsed"},
        result_preview=[[1, "a"]],
        label={"correct": True},
    )
    back = Record.model_validate_json(r.to_json())
    assert back == r
    assert back.execution["duckdb"].ok is False and back.execution["duckdb"].error == "boom"
    assert back.provenance.shard == 2
    assert back.model_extra == {
        "checked": {"sqlite": "executed", "tsql": "parsed"},
        "result_preview": [[1, "a"]],
    }


def test_record_accepts_complexity_as_dict() -> None:
    r = Record(id="x", db_id="d", sql="SELECT 1", complexity={"joins": 2, "or": 1})
    assert isinstance(r.complexity, Complexity) and r.complexity.joins == 2 and r.complexity.or_ == 1


def test_record_rejects_unknown_hardness() -> None:
    with pytest.raises(ValueError, match="hardness"):
        Record(id="x", db_id="d", sql="SELECT 1", hardness="trivial")


def test_record_id_is_stable_and_depends_on_db_and_sql() -> None:
    a = record_id("shop", "SELECT 1")
    assert a == record_id("shop", "SELECT 1") and len(a) == 16 and int(a, 16) >= 0
    assert a != record_id("shop2", "SELECT 1")
    assert a != record_id("shop", "SELECT 2")
    # no ambiguity from concatenation
    assert record_id("ab", "c") != record_id("a", "bc")


def test_record_from_expr_fills_derived_fields() -> None:
    tree = sqlglot.parse_one("SELECT T1.name FROM singer AS T1 WHERE T1.age > 30 ORDER BY T1.age LIMIT 3")
    r = Record.from_expr(tree, db_id="music", question="Who?", strategy="walk", tables=["singer"])
    assert (
        r.sql == 'SELECT "T1"."name" FROM "singer" AS "T1" WHERE "T1"."age" > 30 ORDER BY "T1"."age" LIMIT 3'
    )
    assert list(r.sql_by_dialect) == list(DIALECTS)
    assert r.sql_by_dialect["tsql"].startswith("SELECT TOP 3 [T1].[name]")
    assert r.complexity.conditions == 1 and r.complexity.limit == 1
    assert r.hardness == "hard"  # WHERE + ORDER BY + LIMIT: component1 = 3
    assert r.template == "SELECT col FROM tab WHERE col > num ORDER BY col LIMIT num"
    assert r.id == record_id("music", canonical_sql(tree))
    # the same query written without the alias is the same record
    same = Record.from_expr(
        sqlglot.parse_one("SELECT name FROM singer WHERE age > 30 ORDER BY age LIMIT 3"), db_id="music"
    )
    assert same.id == r.id


def test_record_from_expr_in_another_dialect() -> None:
    r = Record.from_expr(
        sqlglot.parse_one("SELECT a FROM t LIMIT 1"), db_id="d", dialect="tsql", dialects=["sqlite"]
    )
    assert r.dialect == "tsql" and r.sql == "SELECT TOP 1 [a] FROM [t]"
    assert list(r.sql_by_dialect) == ["tsql", "sqlite"]
    assert r.sql_in("sqlite") == 'SELECT "a" FROM "t" LIMIT 1' and r.sql_in("mysql") is None


# -- JSONL IO -------------------------------------------------------------------------------------
def test_write_atomic_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "out" / "records.jsonl"
    records = [_record(i) for i in range(5)]
    assert write_records_atomic(path, records) == 5
    assert list(read_records(path)) == records
    assert path.read_text(encoding="utf-8").count("\n") == 5
    assert [p.name for p in path.parent.iterdir()] == ["records.jsonl"]  # no temporary left


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    write_records_atomic(path, [_record(1)])

    def broken():
        yield _record(2)
        raise RuntimeError("generator died")

    with pytest.raises(RuntimeError):
        write_records_atomic(path, broken())
    assert [r.id for r in read_records(path)] == ["r1"]
    assert [p.name for p in tmp_path.iterdir()] == ["records.jsonl"]


def test_unicode_is_written_as_is(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_records_atomic(path, [_record(question="Wie viele Straßen gibt es? 日本")])
    assert "Straßen" in path.read_text(encoding="utf-8")
    assert next(read_records(path)).question == "Wie viele Straßen gibt es? 日本"


def test_truncated_last_line_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "r.jsonl"
    write_records_atomic(path, [_record(0), _record(1)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(_record(2).to_json()[:25])  # a killed writer
    with caplog.at_level(logging.WARNING):
        ids = [r.id for r in read_records(path)]
    assert ids == ["r0", "r1"]
    assert "line 3 is truncated" in caplog.text


def test_malformed_line_in_the_middle_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [_record(0).to_json(), '{"id": "broken", ', _record(2).to_json()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SqlsynthError, match=r"r\.jsonl: line 2: not valid JSON"):
        list(read_records(path))


def test_malformed_complete_last_line_is_an_error(tmp_path: Path) -> None:
    """A last line that ends with a newline was written whole: bad JSON there is corruption."""
    path = tmp_path / "r.jsonl"
    path.write_text(_record(0).to_json() + "\n{oops\n", encoding="utf-8")
    with pytest.raises(SqlsynthError, match="line 2"):
        list(read_records(path))


def test_valid_json_that_is_not_a_record_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(_record(0).to_json() + "\n\n" + json.dumps({"id": "x", "sql": "SELECT 1"}) + "\n")
    with pytest.raises(SqlsynthError, match=r"line 3: not a record \(db_id: Field required\)"):
        list(read_records(path))


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(SqlsynthError, match="cannot read records"):
        list(read_records(tmp_path / "nope.jsonl"))


def test_writer_appends_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    with RecordWriter(path, sync_every=2) as w:
        for i in range(3):
            w.write(_record(i))
        assert w.count == 3
    with RecordWriter(path) as w:
        w.write(_record(3).model_dump(mode="json"))  # dicts are accepted
    assert [r.id for r in read_records(path)] == ["r0", "r1", "r2", "r3"]
    assert existing_ids(path) == {"r0", "r1", "r2", "r3"}
    assert existing_ids(tmp_path / "missing.jsonl") == set()


def test_writer_cuts_an_unfinished_line_before_appending(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "r.jsonl"
    write_records_atomic(path, [_record(0)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "r1", "db_')  # the process died here
    with caplog.at_level(logging.WARNING), RecordWriter(path) as w:
        w.write(_record(2))
    assert "dropping an unfinished last line" in caplog.text
    # without the cut, r2 would be glued to the partial line and the file corrupt in the middle
    assert [r.id for r in read_records(path)] == ["r0", "r2"]


def test_writer_cuts_a_file_that_is_one_unfinished_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "r', encoding="utf-8")
    with RecordWriter(path) as w:
        w.write(_record(5))
    assert [r.id for r in read_records(path)] == ["r5"]


def test_writer_syncs_every_n_records(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    w = RecordWriter(path, sync_every=2).open()
    try:
        w.write(_record(0))
        w.write(_record(1))
        # flushed after the second record: another reader sees both before close
        assert [r.id for r in read_records(path)] == ["r0", "r1"]
    finally:
        w.close()


def test_writer_truncate_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_records_atomic(path, [_record(0)])
    with RecordWriter(path, truncate=True) as w:
        w.write(_record(1))
    assert [r.id for r in read_records(path)] == ["r1"]


def test_writer_must_be_open(tmp_path: Path) -> None:
    with pytest.raises(SqlsynthError, match="not open"):
        RecordWriter(tmp_path / "r.jsonl").write(_record(0))


def test_writer_keeps_a_whole_last_record_that_lost_only_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_records_atomic(path, [_record(0)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(_record(1).to_json())  # killed between the record and its newline
    assert [r.id for r in read_records(path)] == ["r0", "r1"]  # what a resume counts as written
    with RecordWriter(path) as w:
        w.write(_record(2))
    assert [r.id for r in read_records(path)] == ["r0", "r1", "r2"]
