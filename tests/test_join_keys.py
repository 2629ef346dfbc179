"""Join keys found in the data of a database that declares none (generate.keys)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlglot import exp, parse_one
from typer.testing import CliRunner

from sqlsynth.cli import app
from sqlsynth.engines import open_engine
from sqlsynth.generate.keys import infer_join_keys
from sqlsynth.generate.runner import GenerateConfig, run_generate
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.model import ForeignKey

# students and teachers share a classroom (each teacher has one); the other columns are decoys
DDL = """
CREATE TABLE teachers (last_name TEXT PRIMARY KEY, first_name TEXT, classroom INTEGER, badge INTEGER);
CREATE TABLE students (last_name TEXT, first_name TEXT, grade INTEGER, classroom INTEGER, badge INTEGER,
                       locker INTEGER, PRIMARY KEY (last_name, first_name));
CREATE TABLE lockers (locker INTEGER, code TEXT);
"""
FIRST = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ida", "Jo", "Kim", "Lu"]


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("school")
    path = root / "school.db"
    con = sqlite3.connect(path)
    con.executescript(DDL)
    for i in range(6):  # classrooms 101..106, one teacher each; badges 1..6 (students' badges: 1..60)
        con.execute("INSERT INTO teachers VALUES (?, ?, ?, ?)", (f"T{i}", FIRST[i], 101 + i, i + 1))
    for i in range(60):
        row = (f"S{i}", FIRST[i % 12], 1 + i % 3, 101 + i % 6, i + 1, 1 + i % 10)
        con.execute("INSERT INTO students VALUES (?, ?, ?, ?, ?, ?)", row)
    for i in range(10):  # the same locker twice: no column of lockers identifies one
        con.execute("INSERT INTO lockers VALUES (?, ?)", (1 + i % 5, f"L{i}"))
    con.commit()
    con.close()
    schema_path = root / "school.sql"
    schema_path.write_text(DDL, encoding="utf-8")
    return {"url": f"sqlite:///{path}", "schema": str(schema_path)}


def test_a_shared_column_whose_values_are_a_key_of_the_other_table_is_a_join_key(school):
    # classroom: every student's value is one teacher's; badge: students' badges 7..60 name no teacher;
    # locker: lockers repeat theirs; the teachers' own key is no key of something else
    schema = load_schema(school["schema"])
    assert not schema.foreign_keys
    with open_engine(school["url"]) as engine:
        found = infer_join_keys(schema, engine)
    assert [(k.source_table, k.source_columns, k.target_table, k.target_columns) for k in found] == [
        ("students", ["classroom"], "teachers", ["classroom"])
    ]
    assert all(k.inferred for k in found)


def _joins(out: Path) -> set[tuple[str, ...]]:
    tables = set()
    for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines():
        tree = parse_one(json.loads(line)["sql"], read="sqlite")
        if tree.find(exp.Join):
            tables.add(tuple(sorted({t.name for t in tree.find_all(exp.Table)})))
    return tables


@pytest.mark.parametrize(("infer", "joined"), [("auto", True), ("never", False)])
def test_generate_joins_a_database_without_foreign_keys_on_the_keys_its_data_shows(
    school, tmp_path, infer, joined
):
    schema = load_schema(school["schema"])
    config = GenerateConfig(db_id="school", dbs=[school["url"]], n=40, infer_joins=infer, dialects=["sqlite"])
    result = run_generate(config, schema, tmp_path / "o", progress=False)
    assert bool(_joins(tmp_path / "o")) is joined
    written = json.loads((tmp_path / "o" / "schema.json").read_text(encoding="utf-8"))
    assert len(written["foreign_keys"]) == int(joined)
    assert result.manifest["inferred_join_keys"] == (
        ["students.classroom -> teachers.classroom"] if joined else []
    )


def test_declared_foreign_keys_are_left_alone_unless_asked(school, tmp_path):
    schema = load_schema(school["schema"])
    locker = ForeignKey(
        source_table="students", source_columns=["locker"], target_table="lockers", target_columns=["locker"]
    )
    declared = schema.model_copy(update={"foreign_keys": [locker]})
    for infer, keys in (("auto", 1), ("always", 2)):
        config = GenerateConfig(
            db_id="school", dbs=[school["url"]], n=5, infer_joins=infer, dialects=["sqlite"]
        )
        run_generate(config, declared, tmp_path / infer, progress=False)
        written = json.loads((tmp_path / infer / "schema.json").read_text(encoding="utf-8"))
        assert len(written["foreign_keys"]) == keys


def test_the_cli_option_is_checked(school, tmp_path):
    args = ["generate", school["schema"], "--db", school["url"], "-n", "3", "-o", str(tmp_path / "c")]
    result = CliRunner().invoke(app, [*args, "--infer-joins", "sometimes"])
    assert result.exit_code == 2 and "infer_joins" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, [*args, "--infer-joins", "auto"])
    assert result.exit_code == 0, result.output
    assert "join keys found in the data: students.classroom -> teachers.classroom" in result.output


def test_a_key_found_in_the_data_is_named_after_the_table_it_refers_to(school):
    # students.classroom -> teachers.classroom: a student's "teacher", not its "classroom"
    from sqlsynth.nl import realise

    schema = load_schema(school["schema"])
    classroom = ForeignKey(
        source_table="students",
        source_columns=["classroom"],
        target_table="teachers",
        target_columns=["classroom"],
    )
    schema = schema.model_copy(update={"foreign_keys": [classroom]})
    sql = (
        "SELECT T1.last_name FROM students AS T1 JOIN teachers AS T2 ON T1.classroom = T2.classroom "
        "WHERE T2.badge = 3"
    )
    question = realise(sql, schema, seed=0)
    assert "teacher's badge" in question, question
