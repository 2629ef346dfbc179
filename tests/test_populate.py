"""populate(): FK integrity on SQLite, DuckDB and PostgreSQL; determinism; plausible values; refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections import Counter
from decimal import Decimal
from email.headerregistry import Address
from pathlib import Path

import duckdb
import psycopg
import pytest

from sqlsynth.errors import SqlsynthError
from sqlsynth.populate import generate, populate
from sqlsynth.render import quote
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType
from sqlsynth.testing.schemas import tricky as tricky_schema

EMAIL = re.compile(r"^[a-z0-9][a-z0-9._-]*@[a-z0-9-]+(\.[a-z0-9-]+)+$")


def col(
    name: str, type_: str, *, nullable: bool = True, unique: bool = False, values: list | None = None
) -> Column:
    return Column(name=name, type=type_, nullable=nullable, unique=unique, possible_values=values)


def fk(src: str, cols: list[str], dst: str, dcols: list[str]) -> ForeignKey:
    return ForeignKey(source_table=src, source_columns=cols, target_table=dst, target_columns=dcols)


@pytest.fixture(scope="module")
def tricky() -> Schema:
    """Reserved words, unicode and spaces in names; a composite key and FK; a bridge table; a
    self-reference; and a two-table FK cycle closed by a nullable column."""
    return tricky_schema()


TRICKY_ROWS = {
    "group": 20,
    "order": 150,
    "région": 30,
    "café menu": 60,
    "order line": 400,
    "team": 8,
    "staff": 120,
}


def _anti_join_sql(f: ForeignKey, dialect: str) -> str:
    q = lambda n: quote(n, dialect)  # noqa: E731
    cond = " AND ".join(
        f"p.{q(t)} = c.{q(s)}" for s, t in zip(f.source_columns, f.target_columns, strict=True)
    )
    notnull = " AND ".join(f"c.{q(s)} IS NOT NULL" for s in f.source_columns)
    return (
        f"SELECT COUNT(*) FROM {q(f.source_table)} c WHERE {notnull} AND NOT EXISTS "
        f"(SELECT 1 FROM {q(f.target_table)} p WHERE {cond})"
    )


def _dump(conn, schema: Schema, dialect: str, table: str) -> list[tuple]:
    t = schema.table(table)
    cols = ", ".join(quote(c, dialect) for c in t.column_names)
    rows = conn.execute(f"SELECT {cols} FROM {quote(table, dialect)}").fetchall()
    return sorted((tuple(_norm(v) for v in r) for r in rows), key=repr)


def _norm(v):
    """Make one engine's value comparable with another's: numbers to 2 places, dates to ISO text."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Decimal | float):
        return round(float(v), 2)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


# ---------------------------------------------------------------------------------------------
# FK integrity
# ---------------------------------------------------------------------------------------------


def test_tricky_schema_sqlite_keys_hold(tmp_path, tricky):
    db = tmp_path / "t.db"
    rep = populate(tricky, f"sqlite:///{db}", rows=TRICKY_ROWS, seed=3, progress=False)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for name, n in TRICKY_ROWS.items():
        assert (
            conn.execute(f"SELECT COUNT(*) FROM {quote(name, 'sqlite')}").fetchone()[0]
            == n
            == rep.tables[name]
        )
    # composite keys are distinct tuples; bridge pairs never repeat
    assert conn.execute('SELECT COUNT(*) FROM (SELECT DISTINCT pays, code FROM "région")').fetchone()[0] == 30
    assert (
        conn.execute('SELECT COUNT(DISTINCT order_id || \'/\' || "item id") FROM "order line"').fetchone()[0]
        == 400
    )
    # self-reference: the first rows are roots, every other boss was hired into the table earlier
    rows = conn.execute("SELECT staff_id, boss_id FROM staff ORDER BY staff_id").fetchall()
    assert rows[0][1] is None
    assert all(boss is None or boss < sid for sid, boss in rows)
    # the cycle is closed: teams have leads (nullable side filled after staff exists)
    leads = conn.execute("SELECT COUNT(lead_id) FROM team").fetchone()[0]
    assert leads >= 4
    # shipped after placed, within the same row
    bad = conn.execute('SELECT COUNT(*) FROM "order" WHERE shipped_at < placed_at').fetchone()[0]
    assert bad == 0
    assert {r[0] for r in conn.execute('SELECT DISTINCT status FROM "order"')} <= {"new", "paid", "sent"}


def test_tricky_schema_duckdb_keys_hold(tmp_path, tricky):
    db = tmp_path / "t.duckdb"
    populate(tricky, f"duckdb:///{db}", rows=TRICKY_ROWS, seed=3, progress=False)
    conn = duckdb.connect(str(db), read_only=True)
    fks = conn.execute(
        "SELECT COUNT(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
    ).fetchone()[0]
    assert fks >= len(tricky.foreign_keys) - 1  # DuckDB cannot add the FK that closes a cycle
    for f in tricky.foreign_keys:
        assert conn.execute(_anti_join_sql(f, "duckdb")).fetchone()[0] == 0, str(f)
    for name, n in TRICKY_ROWS.items():
        assert conn.execute(f"SELECT COUNT(*) FROM {quote(name, 'duckdb')}").fetchone()[0] == n


@pytest.mark.postgres
def test_tricky_schema_postgres_constraints_exist_and_hold(pg_url, tricky):
    populate(tricky, pg_url, rows=TRICKY_ROWS, seed=3, progress=False)
    with psycopg.connect(pg_url) as conn:
        n_fk = conn.execute(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND convalidated"
        ).fetchone()[0]
        assert n_fk == len(tricky.foreign_keys)  # the cycle FK included, added after the data
        for f in tricky.foreign_keys:
            assert conn.execute(_anti_join_sql(f, "postgres")).fetchone()[0] == 0, str(f)


@pytest.mark.postgres
def test_demo_identical_rows_on_three_engines(tmp_path, pg_server, demo):
    lite, duck = tmp_path / "d.db", tmp_path / "d.duckdb"
    pg = pg_server.url("demo_also")  # does not exist yet: populate creates it
    rep = populate(
        demo, f"sqlite:///{lite}", rows=120, seed=5, also=[f"duckdb:///{duck}", pg], progress=False
    )
    assert [e.engine for e in rep.loads] == ["sqlite", "duckdb", "postgres"]
    assert all(e.rows == rep.total_rows and e.rows_per_s > 0 for e in rep.loads)
    s = sqlite3.connect(lite)
    d = duckdb.connect(str(duck), read_only=True)
    with psycopg.connect(pg) as p:
        assert s.execute("PRAGMA foreign_key_check").fetchall() == []
        n_fk = p.execute("SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0]
        assert n_fk == len(demo.foreign_keys)
        d_fk = d.execute(
            "SELECT COUNT(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
        ).fetchone()[0]
        assert d_fk == len(demo.foreign_keys) - 1  # all but departments.manager_id, which closes a cycle
        for f in demo.foreign_keys:
            assert d.execute(_anti_join_sql(f, "duckdb")).fetchone()[0] == 0, str(f)
            assert p.execute(_anti_join_sql(f, "postgres")).fetchone()[0] == 0, str(f)
        for table in ("customers", "orders", "employees", "payments", "likes", "taxes"):
            a = _dump(s, demo, "sqlite", table)
            assert a == _dump(d, demo, "duckdb", table), table
            assert a == _dump(p, demo, "postgres", table), table
            assert len(a) == rep.tables[table]


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def _sqlite_dump(path: Path, schema: Schema) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    return {t.name: _dump(conn, schema, "sqlite", t.name) for t in schema.tables}


def test_same_seed_same_rows_other_seed_other_rows(tmp_path, tricky):
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        populate(tricky, f"sqlite:///{tmp_path / name}.db", rows=TRICKY_ROWS, seed=seed, progress=False)
    a, b, c = (_sqlite_dump(tmp_path / f"{x}.db", tricky) for x in "abc")
    assert a == b
    assert a["order"] != c["order"] and a["café menu"] != c["café menu"]


def test_adding_a_table_does_not_change_the_others(tricky):
    extra = tricky.model_copy(deep=True)
    extra.tables.append(
        Table(
            name="aaa_new", columns=[col("id", "INT", nullable=False), col("x", "TEXT")], primary_key=["id"]
        )
    )
    one = generate(tricky, TRICKY_ROWS, seed=1)
    two = generate(extra, TRICKY_ROWS, seed=1)
    for name in TRICKY_ROWS:
        assert one[name].rows() == two[name].rows(), name


# ---------------------------------------------------------------------------------------------
# Plausibility (demo model, in memory: the same values every engine receives)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Schema:
    from sqlsynth.schema.demo import demo_schema

    return demo_schema()


@pytest.fixture(scope="module")
def demo_data(demo):
    return generate(demo, {"*": 300, "customers": 1500, "orders": 3000, "reviews": 2000}, seed=11)


def _col(data, table: str, column: str) -> list:
    td = data[table]
    return td.columns[column].to_python("sqlite")


def test_emails_are_valid_and_unique(demo_data):
    for table in ("customers", "employees", "suppliers", "contacts"):
        emails = [e for e in _col(demo_data, table, "email") if e is not None]
        assert emails and all(EMAIL.match(e) for e in emails), table
        assert len(set(emails)) == len(emails), table
        for e in emails[:200]:  # the standard library's RFC 5322 parser reads them back unchanged
            addr = Address(addr_spec=e)
            assert addr.addr_spec == e and addr.domain and "." in addr.domain, e


def test_dates_in_range_and_in_order(demo_data):
    orders = demo_data["orders"]
    od, sd = _col(demo_data, "orders", "order_date"), _col(demo_data, "orders", "shipped_date")
    assert all("2018-01-01" <= d <= "2025-12-31" for d in od)
    pairs = [(a, b) for a, b in zip(od, sd, strict=True) if b is not None]
    assert len(pairs) > orders.n * 0.8
    assert all(b >= a for a, b in pairs)
    sh = _col(demo_data, "shipping_details", "shipped_date")
    de = _col(demo_data, "shipping_details", "delivered_date")
    both = [(a, b) for a, b in zip(sh, de, strict=True) if a and b]
    assert both and all(b > a for a, b in both)
    # a later stage is empty when an earlier one is: not shipped -> not delivered
    assert all(b is None for a, b in zip(sh, de, strict=True) if a is None)
    started, ended = (
        _col(demo_data, "chat_sessions", "started_at"),
        _col(demo_data, "chat_sessions", "ended_at"),
    )
    assert all(e is None or e >= s for s, e in zip(started, ended, strict=True))
    assert all("1945-01-01" <= d <= "2025-12-31" for d in _col(demo_data, "employees", "hire_date"))


def test_enums_ratings_quantities_prices(demo, demo_data):
    for t in demo.tables:
        for c in t.columns:
            if c.possible_values and t.name in demo_data.tables:
                got = {v for v in _col(demo_data, t.name, c.name) if v is not None}
                assert got <= {v for v in c.possible_values}, f"{t.name}.{c.name}"
    ratings = Counter(_col(demo_data, "reviews", "rating"))
    assert set(ratings) <= {1, 2, 3, 4, 5} and ratings[5] > ratings[1]
    assert all(1 <= q <= 20 for q in _col(demo_data, "order_items", "quantity"))
    prices = _col(demo_data, "products", "unit_price")
    assert all(0 < p < 100_000 and round(p, 2) == p for p in prices)
    rates = [r for r in _col(demo_data, "taxes", "rate") if r is not None]
    assert all(0 <= r <= 0.25 for r in rates)  # DECIMAL(5,4): a fraction, not a percentage
    supplier_rating = [r for r in _col(demo_data, "suppliers", "rating") if r is not None]
    assert all(1 <= r <= 5 for r in supplier_rating)  # DECIMAL(3,2) never overflows
    assert all(isinstance(v, int) for v in _col(demo_data, "customers", "is_active"))


def test_children_are_skewed_over_parents(demo_data):
    per_customer = Counter(_col(demo_data, "orders", "customer_id"))
    n_customers = demo_data["customers"].n
    mean = demo_data["orders"].n / n_customers
    assert max(per_customer.values()) >= 3 * mean
    assert len(per_customer) < n_customers  # some customers have no orders at all


def test_skew_makes_popular_and_unpopular_parents(demo):
    def shape(skew: float) -> tuple[float, float]:
        data = generate(
            demo, {"*": 30, "customers": 1000, "orders": 1000, "reviews": 10_000}, seed=9, skew=skew
        )
        orders = Counter(data["orders"].columns["customer_id"].to_python())
        reviews = sorted(Counter(data["reviews"].columns["customer_id"].to_python()).values(), reverse=True)
        return 1 - len(orders) / 1000, sum(reviews[:100]) / 10_000

    no_orders, top_share = shape(1.2)
    assert no_orders > 0.45  # uniform gives e^-1 = 37% of customers without orders
    assert top_share > 0.35  # the busiest 10% of reviewers write over a third of the reviews
    no_orders0, top_share0 = shape(0)
    assert no_orders0 < 0.42 and top_share0 < 0.2


def test_uniform_when_skew_is_zero(demo):
    data = generate(demo, {"*": 50, "customers": 400, "orders": 4000}, seed=2, skew=0)
    per_customer = Counter(data["orders"].columns["customer_id"].to_python())
    assert max(per_customer.values()) < 3 * (4000 / 400)


def test_null_rate_respected(demo):
    data = generate(demo, {"*": 50, "customers": 3000}, seed=4, null_rate=0.1)
    for c in ("phone", "city", "country", "loyalty_tier"):
        frac = data["customers"].columns[c].null_count() / 3000
        assert 0.07 < frac < 0.13, c
    assert data["customers"].columns["email"].null_count() == 0  # NOT NULL
    data0 = generate(demo, {"*": 50, "customers": 500}, seed=4, null_rate=0.0)
    assert data0["customers"].columns["phone"].null_count() == 0


def test_unique_and_key_like_columns_are_distinct(demo, demo_data):
    for t in demo.tables:
        td = demo_data[t.name]
        for c in t.columns:
            key_like = re.search(r"email|^code$|sku|username|_number$|slug", c.name)
            if c.unique or key_like or t.primary_key == [c.name]:
                vals = [v for v in td.columns[c.name].to_python() if v is not None]
                assert len(set(vals)) == len(vals), f"{t.name}.{c.name}"


def test_bridge_rows_capped_at_possible_pairs(demo):
    data = generate(demo, {"*": 20, "customers": 6, "blog_posts": 5, "likes": 500, "followers": 500}, seed=0)
    likes = list(
        zip(*(data["likes"].columns[c].to_python() for c in ("customer_id", "blog_post_id")), strict=True)
    )
    assert len(likes) == len(set(likes)) == 30
    follows = list(
        zip(*(data["followers"].columns[c].to_python() for c in ("follower_id", "followed_id")), strict=True)
    )
    assert len(follows) == len(set(follows)) == 30  # 6 * 5: nobody follows themselves
    assert all(a != b for a, b in follows)


def test_semantic_values_look_like_their_names(demo_data):
    phones = [p for p in _col(demo_data, "customers", "phone") if p]
    assert all(re.fullmatch(r"\+?[\d\-() ]{7,30}", p) for p in phones)
    assert all(re.fullmatch(r"SKU-[0-9A-Z]{7}", s) for s in _col(demo_data, "products", "sku"))
    assert all(re.fullmatch(r"INV-\d{8}", s) for s in _col(demo_data, "invoices", "invoice_number"))
    first = _col(demo_data, "customers", "first_name")
    assert len(set(first)) > 100 and all(f and f[0].isupper() for f in first)
    ips = [i for i in _col(demo_data, "activity_logs", "ip_address") if i]
    assert all(re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", i) for i in ips)
    # VARCHAR(n) lengths are respected (PostgreSQL would reject longer values)
    assert all(len(v) <= 20 for v in _col(demo_data, "orders", "status"))
    assert all(len(v) <= 200 for v in _col(demo_data, "faq", "question"))


@pytest.mark.postgres
def test_native_type_limits_are_respected(pg_url):
    """VARCHAR(n), DECIMAL(p, s) and SMALLINT bound what a name suggests (PostgreSQL enforces them)."""
    schema = Schema(
        tables=[
            Table(
                name="limits",
                columns=[
                    col("id", "INT", nullable=False),
                    col("description", "VARCHAR(12)"),
                    col("email", "VARCHAR(18)", unique=True),
                    col("department_name", "VARCHAR(6)", unique=True),
                    col("budget", "DECIMAL(5,2)"),
                    col("capacity", "SMALLINT"),
                ],
                primary_key=["id"],
            )
        ]
    )
    data = generate(schema, 400, seed=1, null_rate=0)
    cols = data["limits"].columns
    assert all(len(v) <= 12 for v in cols["description"].to_python())
    emails = cols["email"].to_python()
    assert all(len(v) <= 18 for v in emails) and len(set(emails)) == 400
    names = cols["department_name"].to_python()
    assert all(len(v) <= 6 for v in names) and len(set(names)) == 400
    assert all(0 < v <= 999.99 for v in cols["budget"].to_python())
    assert all(0 < v <= 32_767 for v in cols["capacity"].to_python())
    populate(schema, pg_url, rows=400, seed=1, progress=False)  # PostgreSQL accepts every value


# ---------------------------------------------------------------------------------------------
# Refusals and errors
# ---------------------------------------------------------------------------------------------


def test_refuses_non_empty_sqlite_file_and_leaves_it_alone(tmp_path, tricky):
    db = tmp_path / "mine.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE precious (x INT)")
    conn.execute("INSERT INTO precious VALUES (1)")
    conn.commit()
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(
        SqlsynthError, match="already contains tables; sqlsynth only populates databases it creates"
    ):
        populate(tricky, f"sqlite:///{db}", rows=5, progress=False)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_refuses_non_empty_duckdb_file(tmp_path, tricky):
    db = tmp_path / "mine.duckdb"
    conn = duckdb.connect(str(db))
    conn.execute("CREATE TABLE precious (x INT)")
    conn.close()
    with pytest.raises(SqlsynthError, match="already contains tables") as err:
        populate(tricky, f"duckdb:///{db}", rows=5, progress=False)
    assert str(db) in str(err.value)


@pytest.mark.postgres
def test_refuses_non_empty_postgres_database_and_checks_also_first(tmp_path, pg_url, tricky):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE precious (x int)")
    lite = tmp_path / "first.db"
    with pytest.raises(SqlsynthError, match="already contains tables"):
        populate(tricky, f"sqlite:///{lite}", rows=5, also=[pg_url], progress=False)
    assert not lite.exists()  # every target is checked before anything is written


def test_all_not_null_cycle_is_an_error_naming_it(tmp_path):
    schema = Schema(
        tables=[
            Table(
                name="a",
                columns=[col("id", "INT", nullable=False), col("b_id", "INT", nullable=False)],
                primary_key=["id"],
            ),
            Table(
                name="b",
                columns=[col("id", "INT", nullable=False), col("a_id", "INT", nullable=False)],
                primary_key=["id"],
            ),
        ],
        foreign_keys=[fk("a", ["b_id"], "b", ["id"]), fk("b", ["a_id"], "a", ["id"])],
    )
    with pytest.raises(
        SqlsynthError, match=r"foreign-key cycle a -> b -> a has no nullable column .*a\.b_id, b\.a_id"
    ):
        populate(schema, f"sqlite:///{tmp_path / 'x.db'}", rows=5, progress=False)
    assert not (tmp_path / "x.db").exists()


def test_unknown_table_in_rows_is_named(tmp_path, tricky):
    with pytest.raises(SqlsynthError, match="'nope'"):
        populate(tricky, f"sqlite:///{tmp_path / 'x.db'}", rows={"order": 5, "nope": 3}, progress=False)
    # the user's own input is checked before any database is contacted
    with pytest.raises(SqlsynthError, match="'nope'"):
        populate(tricky, "postgresql://127.0.0.1:1/x", rows={"nope": 3}, progress=False)
    with pytest.raises(SqlsynthError, match="null_rate"):
        populate(tricky, "postgresql://127.0.0.1:1/x", null_rate=2, progress=False)


def test_bad_urls(tmp_path, tricky):
    with pytest.raises(SqlsynthError, match="unsupported URL scheme 'mysql'"):
        populate(tricky, "mysql://u@h/db", progress=False)
    with pytest.raises(SqlsynthError, match="in-memory"):
        populate(tricky, "sqlite:///:memory:", progress=False)
    same = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(SqlsynthError, match="named twice"):
        populate(tricky, same, also=[same], progress=False)


@pytest.mark.postgres
def test_unreachable_server_names_url_with_password_masked(tricky):
    url = "postgresql://bob:s3cret@127.0.0.1:1/newdb"
    with pytest.raises(SqlsynthError) as err:
        populate(tricky, url, rows=5, progress=False)
    text = str(err.value)
    assert "postgresql://bob:***@127.0.0.1:1/newdb" in text and "s3cret" not in text


def test_typed_possible_values_and_bad_ones(tmp_path):
    schema = Schema(
        tables=[
            Table(
                name="t",
                columns=[
                    col("id", "INT", nullable=False),
                    col("level", "INT", values=["1", "2", "3"]),
                    col("flag", "BOOLEAN", values=["yes", "no"]),
                ],
                primary_key=["id"],
            )
        ]
    )
    data = generate(schema, 200, seed=0)
    assert set(data["t"].columns["level"].to_python()) - {None} <= {1, 2, 3}
    assert set(data["t"].columns["flag"].to_python("postgres")) - {None} <= {True, False}
    schema.tables[0].columns[1].possible_values = ["high"]
    with pytest.raises(SqlsynthError, match="level"):
        generate(schema, 5)


@pytest.mark.postgres
def test_every_logical_type_loads_into_three_engines(tmp_path, pg_url):
    import json
    import uuid

    schema = Schema(
        tables=[
            Table(
                name="kinds",
                columns=[
                    col("id", "INT", nullable=False),
                    col("at", "TIME"),
                    col("raw", "BLOB"),
                    col("meta", "JSON"),
                    col("ratio", "DOUBLE"),
                    col("birth_date", "DATE"),
                    col("token", "UUID"),
                    col("seen", "TIMESTAMP"),
                    col("ok", "BOOLEAN"),
                    col("created_on", "VARCHAR(10)"),
                ],
                primary_key=["id"],
            )
        ]
    )
    lite, duck = tmp_path / "k.db", tmp_path / "k.duckdb"
    populate(
        schema, f"sqlite:///{lite}", rows=50, also=[f"duckdb:///{duck}", pg_url], progress=False, null_rate=0
    )
    rows = sqlite3.connect(lite).execute(
        'SELECT "at", raw, meta, ratio, birth_date, token, created_on FROM kinds'
    )
    for at, raw, meta, ratio, birth, token, created_on in rows.fetchall():
        assert re.fullmatch(r"\d\d:\d\d:\d\d", at)
        assert isinstance(raw, bytes) and len(raw) == 16
        assert isinstance(json.loads(meta), dict)
        assert isinstance(ratio, float)
        assert "1945-01-01" <= birth <= "2006-12-31"
        assert str(uuid.UUID(token)) == token
        assert re.fullmatch(r"20(1[89]|2[0-5])-\d\d-\d\d", created_on)  # a date kept as text
    d = duckdb.connect(str(duck), read_only=True).execute('SELECT "at", raw, seen, ok FROM kinds ORDER BY id')
    with psycopg.connect(pg_url) as conn:
        p = conn.execute('SELECT "at", raw, seen, ok FROM kinds ORDER BY id').fetchall()
    s = sqlite3.connect(lite).execute('SELECT "at", raw, seen, ok FROM kinds ORDER BY id').fetchall()
    for (da, dr, ds, dok), (pa, pr, ps, pok), (sa, sr, ss, sok) in zip(d.fetchall(), p, s, strict=True):
        assert da == pa and da.isoformat() == sa
        assert bytes(dr) == bytes(pr) == sr
        assert ds == ps and str(ds) == ss
        assert dok == pok == bool(sok)


def test_logical_type_is_what_the_engine_gets(tricky):
    data = generate(tricky, TRICKY_ROWS, seed=0)
    kinds = {c: data["order"].columns[c].kind for c in ("id", "placed_at", "status")}
    assert kinds == {"id": "int", "placed_at": "datetime", "status": "text"}
    assert tricky.table("café menu").column("prix €").logical_type is LogicalType.DECIMAL
    prices = data["café menu"].columns["prix €"].to_python()
    assert all(0 < p <= 999_999.99 for p in prices)


@pytest.mark.postgres
def test_failed_load_removes_what_it_created(tmp_path, pg_server, tricky, monkeypatch):
    from sqlsynth.populate import targets

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(targets.PostgresWriter, "_copy", staticmethod(boom))
    url = pg_server.url("never_kept")
    lite = tmp_path / "kept.db"
    with pytest.raises(RuntimeError, match="disk on fire"):
        populate(tricky, f"sqlite:///{lite}", rows=TRICKY_ROWS, also=[url], progress=False)
    assert sqlite3.connect(lite).execute("SELECT COUNT(*) FROM staff").fetchone()[0] == 120  # loaded first
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        gone = conn.execute("SELECT COUNT(*) FROM pg_database WHERE datname = 'never_kept'").fetchone()[0]
    assert gone == 0  # the database populate created was dropped again

    monkeypatch.setattr(targets.TableData, "python_columns", boom)
    with pytest.raises(RuntimeError):
        populate(tricky, f"sqlite:///{tmp_path / 'new.db'}", rows=TRICKY_ROWS, progress=False)
    assert not (tmp_path / "new.db").exists()


def test_progress_bar_and_report(tmp_path, tricky, capsys):
    rep = populate(tricky, f"sqlite:///{tmp_path / 'p.db'}", rows=TRICKY_ROWS, progress=True)
    err = capsys.readouterr().err
    assert "sqlite" in err
    assert rep.total_rows == sum(TRICKY_ROWS.values()) and rep.load("sqlite").rows == rep.total_rows
    md = rep.to_markdown()
    assert md.count("| sqlite |") == 1 and f"{rep.total_rows:,} rows in 7 tables" in md
