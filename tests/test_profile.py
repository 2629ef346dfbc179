"""profile_database(): counts, NULL fractions, min/max, frequent values, a seeded sample; read-only."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from decimal import Decimal

import duckdb
import psycopg
import pytest

from sqlsynth.populate import Profile, profile_database
from sqlsynth.populate.profile import from_json_value, to_json_value
from sqlsynth.schema.model import Column, Schema, Table
from sqlsynth.schema.types import LogicalType

PEOPLE = [
    # id, name, city, age, joined, score, active
    (1, "Ann", "Oslo", 30, "2020-01-05", 1.50, 1),
    (2, "Bob", "Oslo", None, "2021-03-01", 2.25, 0),
    (3, "Cid", "Rome", 41, "2019-07-19", None, 1),
    (4, "Dee", "Oslo", 27, "2022-11-30", 9.75, 1),
    (5, "Eve", None, 55, "2018-02-14", 3.00, 0),
    (6, "Fay", "Lima", 30, None, 3.00, 1),
]
SCHEMA = Schema(
    name="people",
    tables=[
        Table(
            name="people",
            columns=[
                Column(name="id", type="INTEGER", nullable=False),
                Column(name="name", type="TEXT"),
                Column(name="city", type="TEXT"),
                Column(name="age", type="INTEGER"),
                Column(name="joined", type="DATE"),
                Column(name="score", type="DECIMAL(6,2)"),
                Column(name="active", type="BOOLEAN"),
            ],
            primary_key=["id"],
        ),
        Table(name="numbers", columns=[Column(name="n", type="INTEGER")]),
    ],
)


@pytest.fixture
def people_db(tmp_path):
    path = tmp_path / "people.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, city TEXT, age INTEGER, joined DATE, "
        "score DECIMAL(6,2), active BOOLEAN)"
    )
    conn.executemany("INSERT INTO people VALUES (?,?,?,?,?,?,?)", PEOPLE)
    conn.execute("CREATE TABLE numbers (n INTEGER)")
    conn.executemany("INSERT INTO numbers VALUES (?)", [(i,) for i in range(500)])
    conn.commit()
    conn.close()
    return path


def test_counts_nulls_min_max_top_values(people_db):
    prof = profile_database(f"sqlite:///{people_db}", schema=SCHEMA, top_k=2, sample_size=3)
    t = prof.table("people")
    assert t.rows == 6 and prof.table("numbers").rows == 500
    city = t.columns["city"]
    assert city.nulls == 1 and city.null_fraction == pytest.approx(1 / 6, abs=1e-5)
    assert city.distinct == 3 and city.distinct_exact
    assert (city.min, city.max) == ("Lima", "Rome")
    assert [(v.value, v.count) for v in city.top_values] == [("Oslo", 3), ("Lima", 1)]  # ties by value
    age = t.columns["age"]
    assert (age.min, age.max, age.distinct, age.nulls) == (27, 55, 4, 1)
    assert (age.top_values[0].value, age.top_values[0].count) == (30, 2)
    assert (t.columns["joined"].min, t.columns["joined"].max) == ("2018-02-14", "2022-11-30")
    assert t.columns["id"].null_fraction == 0.0 and t.columns["id"].distinct == 6
    assert len(t.columns["name"].sample) == 3 and set(t.columns["name"].sample) <= {p[1] for p in PEOPLE}
    assert sorted(t.columns["city"].sample) == ["Lima", "Oslo", "Rome"]  # fewer distinct than asked: all


def test_sample_is_seeded_and_spread(people_db):
    url = f"sqlite:///{people_db}"
    a = profile_database(url, schema=SCHEMA, seed=1, sample_size=20).column("numbers", "n").sample
    b = profile_database(url, schema=SCHEMA, seed=1, sample_size=20).column("numbers", "n").sample
    c = profile_database(url, schema=SCHEMA, seed=2, sample_size=20).column("numbers", "n").sample
    assert a == b and a != c
    assert len(a) == len(set(a)) == 20
    assert min(a) < 100 and max(a) > 400  # spread over the value range, not the first rows


def test_read_only_on_user_database(people_db):
    before = hashlib.sha256(people_db.read_bytes()).hexdigest()
    mtime = os.stat(people_db).st_mtime_ns
    profile_database(f"sqlite:///{people_db}", schema=SCHEMA)
    assert hashlib.sha256(people_db.read_bytes()).hexdigest() == before
    assert os.stat(people_db).st_mtime_ns == mtime
    assert not (people_db.parent / "people.db-journal").exists()


def test_save_load_and_typed_values(tmp_path, people_db):
    prof = profile_database(f"sqlite:///{people_db}", schema=SCHEMA, sample_size=10)
    path = tmp_path / "p" / "profile.json"
    prof.save(path)
    again = Profile.load(path)
    assert again == prof
    assert [p.name for p in tmp_path.joinpath("p").iterdir()] == ["profile.json"]  # no temp file left
    joined = again.values("people", "joined")
    assert joined and all(isinstance(d, dt.date) for d in joined)
    assert all(isinstance(v, Decimal) for v in again.values("people", "score"))
    assert set(again.values("people", "active")) == {True, False}


def test_json_values_round_trip():
    assert from_json_value(to_json_value(Decimal("12.30")), LogicalType.DECIMAL) == Decimal("12.30")
    stamp = dt.datetime(2024, 5, 1, 13, 45, 7)
    assert from_json_value(to_json_value(stamp), LogicalType.DATETIME) == stamp
    assert from_json_value(to_json_value(b"\x00\xff"), LogicalType.BINARY) == b"\x00\xff"
    assert to_json_value(float("nan")) == "nan"


def test_duckdb_profile_matches_sqlite(tmp_path, people_db):
    path = tmp_path / "people.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, city TEXT, age INTEGER, joined DATE, "
        "score DECIMAL(6,2), active BOOLEAN)"
    )
    conn.executemany("INSERT INTO people VALUES (?,?,?,?,?,?,?)", [(*p[:6], bool(p[6])) for p in PEOPLE])
    conn.execute("CREATE TABLE numbers AS SELECT range::INTEGER AS n FROM range(500)")
    conn.close()
    d = profile_database(f"duckdb:///{path}", schema=SCHEMA, seed=4)
    s = profile_database(f"sqlite:///{people_db}", schema=SCHEMA, seed=4)
    for c in ("city", "age", "name"):
        dc, sc = d.column("people", c), s.column("people", c)
        assert (dc.nulls, dc.distinct, dc.min, dc.max) == (sc.nulls, sc.distinct, sc.min, sc.max), c
        assert dc.sample == sc.sample
    assert d.column("numbers", "n").sample == s.column("numbers", "n").sample
    assert d.column("people", "score").max == "9.75"  # DECIMAL kept exact as text


@pytest.mark.postgres
def test_postgres_profile(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE people (id int PRIMARY KEY, name text, city text, age int, joined date, "
            "score numeric(6,2), active boolean)"
        )
        with conn.cursor().copy("COPY people FROM STDIN") as cp:
            for p in PEOPLE:
                cp.write_row((*p[:6], bool(p[6])))
        conn.execute("CREATE TABLE numbers AS SELECT generate_series(0, 499) AS n")
        conn.execute("CREATE TABLE docs (id int, body json)")
        conn.execute("""INSERT INTO docs VALUES (1, '{"a": 1}'), (2, '{"a": 1}'), (3, '{"b": 2}')""")
    schema = SCHEMA.model_copy(deep=True)
    schema.tables.append(
        Table(name="docs", columns=[Column(name="id", type="INT"), Column(name="body", type="JSON")])
    )
    prof = profile_database(pg_url, schema=schema, seed=4)
    assert prof.engine == "postgres"
    city = prof.column("people", "city")
    assert (city.nulls, city.distinct, city.min, city.max) == (1, 3, "Lima", "Rome")
    assert prof.column("people", "joined").max == "2022-11-30"
    body = prof.column("docs", "body")  # json has no equality in PostgreSQL: profiled as text
    assert body.error is None and body.distinct == 2 and body.top_values[0].count == 2
    with psycopg.connect(pg_url) as conn:  # nothing was written
        assert conn.execute("SELECT count(*) FROM people").fetchone()[0] == 6


def test_schema_read_from_the_database_when_not_given(people_db):
    prof = profile_database(f"sqlite:///{people_db}", seed=3)
    assert set(prof.tables) == {"people", "numbers"}
    assert prof.column("people", "joined").logical_type is LogicalType.DATE
    assert prof.values("people", "joined") == sorted(prof.values("people", "joined"))
    assert prof.column("people", "age").top_values[0].value == 30
