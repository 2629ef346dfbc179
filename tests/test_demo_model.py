"""The built-in demo data model (seeds/000's e-commerce schema) and the seeds/000 workbook writer."""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sqlsynth.schema.demo import demo_schema
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType, logical_type_of
from sqlsynth.schema.writers import (
    COLUMNS_HEADER,
    RELATIONSHIPS_HEADER,
    TABLES_HEADER,
    write_seeds000_workbook,
)

# The tables seeds/000 lists ("Added a variety of new tables such as ..."), plus the core four
# its examples use.
SEED_TABLES = [
    "employees", "departments", "locations", "payments", "invoices", "shipping_details",
    "discounts", "promotions", "reviews", "feedbacks", "wishlists", "shopping_carts", "cart_items",
    "inventory", "sales", "returns", "refunds", "taxes", "coupons", "subscriptions",
    "notifications", "user_roles", "permissions", "audit_logs", "contacts", "messages",
    "chat_sessions", "tickets", "ticket_comments", "knowledge_base", "faq", "blog_posts",
    "comments", "likes", "followers", "activity_logs", "settings", "configurations", "reports",
    "dashboards", "widgets", "integrations",
]  # fmt: skip
CORE_TABLES = ["customers", "orders", "order_items", "products"]

# Relationships the model must have: (source table, source columns, target table, target columns).
EXPECTED_FKS = [
    ("orders", ["customer_id"], "customers", ["customer_id"]),
    ("order_items", ["order_id"], "orders", ["order_id"]),
    ("order_items", ["product_id"], "products", ["product_id"]),
    ("products", ["category_id"], "categories", ["category_id"]),
    ("products", ["supplier_id"], "suppliers", ["supplier_id"]),
    ("employees", ["department_id"], "departments", ["department_id"]),
    ("employees", ["manager_id"], "employees", ["employee_id"]),
    ("departments", ["location_id"], "locations", ["location_id"]),
    ("departments", ["manager_id"], "employees", ["employee_id"]),
    ("payments", ["order_id"], "orders", ["order_id"]),
    ("invoices", ["order_id"], "orders", ["order_id"]),
    ("shipping_details", ["order_id"], "orders", ["order_id"]),
    ("reviews", ["product_id"], "products", ["product_id"]),
    ("reviews", ["customer_id"], "customers", ["customer_id"]),
    ("wishlists", ["customer_id"], "customers", ["customer_id"]),
    ("shopping_carts", ["customer_id"], "customers", ["customer_id"]),
    ("cart_items", ["shopping_cart_id"], "shopping_carts", ["shopping_cart_id"]),
    ("cart_items", ["product_id"], "products", ["product_id"]),
    ("followers", ["follower_id"], "customers", ["customer_id"]),
    ("followers", ["followed_id"], "customers", ["customer_id"]),
    ("likes", ["customer_id"], "customers", ["customer_id"]),
    ("likes", ["blog_post_id"], "blog_posts", ["blog_post_id"]),
    ("permissions", ["user_role_id"], "user_roles", ["user_role_id"]),
    ("tickets", ["customer_id"], "customers", ["customer_id"]),
    ("tickets", ["employee_id"], "employees", ["employee_id"]),
    ("ticket_comments", ["ticket_id"], "tickets", ["ticket_id"]),
    ("comments", ["blog_post_id"], "blog_posts", ["blog_post_id"]),
    ("comments", ["customer_id"], "customers", ["customer_id"]),
    ("dashboards", ["owner_id"], "employees", ["employee_id"]),
    ("widgets", ["dashboard_id"], "dashboards", ["dashboard_id"]),
]


@pytest.fixture(scope="module")
def schema() -> Schema:
    return demo_schema()


def _fk_key(fk: ForeignKey) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    return (fk.source_table, tuple(fk.source_columns), fk.target_table, tuple(fk.target_columns))


# -- the model ---------------------------------------------------------------------------------


def test_every_seed_table_is_present(schema: Schema) -> None:
    assert schema.name == "ecommerce"
    missing = [t for t in SEED_TABLES + CORE_TABLES if t not in schema.table_names]
    assert missing == []
    assert len(SEED_TABLES) == 42  # guards the hard-coded list itself


def test_packaged_json_is_the_canonical_dump(schema: Schema) -> None:
    raw = json.loads(resources.files("sqlsynth").joinpath("data", "demo_model.json").read_text("utf-8"))
    assert raw == schema.model_dump(mode="json")


def test_schema_is_consistent_and_warning_free(schema: Schema) -> None:
    assert schema.problems() == []
    assert schema.warnings() == []


def test_demo_schema_returns_independent_copies() -> None:
    first = demo_schema()
    first.tables.clear()
    assert len(demo_schema().tables) >= len(SEED_TABLES) + len(CORE_TABLES)


def test_tables_have_keys_descriptions_and_a_sensible_width(schema: Schema) -> None:
    for t in schema.tables:
        assert t.primary_key, t.name
        assert t.description.strip(), t.name
        assert 4 <= len(t.columns) <= 10, (t.name, len(t.columns))
        for k in t.primary_key:
            assert not t.column(k).nullable, f"{t.name}.{k} is a key column but nullable"
        if len(t.primary_key) == 1:
            key = t.column(t.primary_key[0])
            assert key.name.endswith("_id") and key.logical_type is LogicalType.INTEGER, t.name


def test_columns_are_described_and_typed(schema: Schema) -> None:
    for t in schema.tables:
        for c in t.columns:
            where = f"{t.name}.{c.name}"
            assert c.description.strip(), where
            assert c.logical_type is not LogicalType.OTHER, where
            # A stored logical_type is trusted as is, so it must agree with the native type.
            assert c.logical_type is logical_type_of(c.type), where


def test_enum_values_fit_their_column(schema: Schema) -> None:
    enums = [(t, c) for t in schema.tables for c in t.columns if c.possible_values is not None]
    assert len(enums) >= 20
    for t, c in enums:
        values = c.possible_values or []
        assert len(values) >= 2 and len(set(values)) == len(values), f"{t.name}.{c.name}"
        if c.logical_type is LogicalType.INTEGER:
            assert all(isinstance(v, int) for v in values), f"{t.name}.{c.name}"
        else:
            assert c.logical_type is LogicalType.TEXT, f"{t.name}.{c.name}"
            width = int(c.type.split("(")[1].rstrip(")"))
            assert all(isinstance(v, str) and len(v) <= width for v in values), f"{t.name}.{c.name}"
    assert schema.table("orders").column("status").possible_values == [
        "pending", "processing", "shipped", "delivered", "cancelled",
    ]  # fmt: skip


def test_identifying_columns_are_unique(schema: Schema) -> None:
    for table, column in [
        ("customers", "email"),
        ("employees", "email"),
        ("products", "sku"),
        ("coupons", "code"),
        ("invoices", "invoice_number"),
    ]:
        assert schema.table(table).column(column).unique, f"{table}.{column}"
    # ...but a foreign key column is not unique (many orders per customer).
    assert not schema.table("orders").column("customer_id").unique


def test_expected_relationships(schema: Schema) -> None:
    have = {_fk_key(fk) for fk in schema.foreign_keys}
    missing = [e for e in EXPECTED_FKS if (e[0], tuple(e[1]), e[2], tuple(e[3])) not in have]
    assert missing == []
    assert len(have) == len(schema.foreign_keys), "duplicate foreign keys"


def test_foreign_keys_reference_keys_with_compatible_types(schema: Schema) -> None:
    for fk in schema.foreign_keys:
        src, dst = schema.table(fk.source_table), schema.table(fk.target_table)
        target_is_key = fk.target_columns == dst.primary_key or (
            len(fk.target_columns) == 1 and dst.column(fk.target_columns[0]).unique
        )
        assert target_is_key, f"{fk} does not reference a primary key or unique column"
        for s, d in zip(fk.source_columns, fk.target_columns, strict=True):
            a, b = src.column(s).logical_type, dst.column(d).logical_type
            assert a == b or (a.is_numeric and b.is_numeric), f"{fk}: {a.value} vs {b.value}"


def test_one_connected_component(schema: Schema) -> None:
    components = schema.graph.components()
    assert len(components) == 1
    assert sorted(components[0]) == sorted(schema.table_names)


def test_cycles_are_found_and_breakable(schema: Schema) -> None:
    cycles = schema.graph.cycles()
    assert ["departments", "employees"] in cycles
    assert ["employees"] in cycles
    assert schema.table("departments").column("manager_id").nullable
    assert schema.table("employees").column("manager_id").nullable
    assert not schema.table("employees").column("department_id").nullable
    # Rows can only be inserted if every cycle has a foreign key that may start out NULL.
    for cycle in cycles:
        members = set(cycle)
        on_cycle = [
            fk for fk in schema.foreign_keys if fk.source_table in members and fk.target_table in members
        ]
        assert any(
            all(schema.table(fk.source_table).column(c).nullable for c in fk.source_columns)
            for fk in on_cycle
        ), f"cycle {cycle} has no nullable foreign key"


def test_link_tables_are_bridges(schema: Schema) -> None:
    bridges = schema.graph.bridge_tables()
    assert {"likes", "cart_items"} <= set(bridges)
    assert schema.table("likes").primary_key == ["customer_id", "blog_post_id"]
    assert schema.table("followers").primary_key == ["follower_id", "followed_id"]
    # Entity tables with two parents are not link tables.
    assert "order_items" not in bridges
    assert "orders" not in bridges


def test_followers_is_a_bridge(schema: Schema) -> None:
    assert "followers" in schema.graph.bridge_tables()


# -- the workbook writer -----------------------------------------------------------------------


def _rows(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]


@pytest.fixture(scope="module")
def workbook_path(schema: Schema, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "demo.xlsx"
    write_seeds000_workbook(schema, path)
    return path


def test_workbook_sheets_and_headers(workbook_path: Path) -> None:
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == ["Tables", "Columns", "Relationships"]
    for name, header in [
        ("Tables", TABLES_HEADER),
        ("Columns", COLUMNS_HEADER),
        ("Relationships", RELATIONSHIPS_HEADER),
    ]:
        ws = wb[name]
        assert tuple(c.value for c in ws[1]) == header
        assert all(c.font.bold for c in ws[1]), name
        assert ws.freeze_panes == "A2", name
        assert ws.column_dimensions["A"].width >= len(header[0]), name
    assert COLUMNS_HEADER == (
        "table_name", "column_name", "data_type", "is_primary_key", "is_foreign_key",
        "description", "nullable", "unique", "possible_values",
    )  # fmt: skip
    assert RELATIONSHIPS_HEADER == (
        "source_table", "source_column", "target_table", "target_column", "constraint_name",
    )  # fmt: skip


def test_workbook_tables_and_columns_rows(schema: Schema, workbook_path: Path) -> None:
    wb = load_workbook(workbook_path)
    assert _rows(wb["Tables"]) == [(t.name, t.description) for t in schema.tables]

    rows = _rows(wb["Columns"])
    assert len(rows) == sum(len(t.columns) for t in schema.tables)
    by_key = {(r[0], r[1]): dict(zip(COLUMNS_HEADER, r, strict=True)) for r in rows}
    order_date = by_key[("orders", "order_date")]
    assert order_date["data_type"] == "DATE"
    assert order_date["is_primary_key"] is False and order_date["is_foreign_key"] is False
    assert order_date["nullable"] is False
    assert by_key[("orders", "order_id")]["is_primary_key"] is True
    assert by_key[("orders", "customer_id")]["is_foreign_key"] is True
    assert by_key[("orders", "customer_id")]["is_primary_key"] is False
    assert by_key[("orders", "shipped_date")]["nullable"] is True
    assert by_key[("customers", "email")]["unique"] is True
    assert by_key[("products", "unit_price")]["data_type"] == "DECIMAL(10,2)"
    # Composite keys: both columns of followers are key and foreign-key columns.
    for col in ("follower_id", "followed_id"):
        assert by_key[("followers", col)]["is_primary_key"] is True
        assert by_key[("followers", col)]["is_foreign_key"] is True
    for t in schema.tables:
        for c in t.columns:
            cell = by_key[(t.name, c.name)]["possible_values"]
            if c.possible_values is None:
                assert cell is None, f"{t.name}.{c.name}"
            else:
                assert json.loads(cell) == c.possible_values, f"{t.name}.{c.name}"
            assert by_key[(t.name, c.name)]["description"] == c.description


def test_workbook_relationships_rows(schema: Schema, workbook_path: Path) -> None:
    rows = _rows(load_workbook(workbook_path)["Relationships"])
    assert len(rows) == sum(len(fk.source_columns) for fk in schema.foreign_keys)
    grouped: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[4]].append(row)
    rebuilt = {(g[0][0], tuple(r[1] for r in g), g[0][2], tuple(r[3] for r in g)) for g in grouped.values()}
    assert rebuilt == {_fk_key(fk) for fk in schema.foreign_keys}


def _composite_schema() -> Schema:
    return Schema(
        name="tiny",
        tables=[
            Table(
                name="a",
                columns=[Column(name="x", type="INT"), Column(name="y", type="INT")],
                primary_key=["x", "y"],
            ),
            Table(
                name="b",
                columns=[
                    Column(name="id", type="INT"),
                    Column(name="ax", type="INT"),
                    Column(name="ay", type="INT"),
                    Column(name="note", logical_type=LogicalType.DATE),
                ],
                primary_key=["id"],
            ),
        ],
        foreign_keys=[
            ForeignKey(
                source_table="b", source_columns=["ax", "ay"], target_table="a", target_columns=["x", "y"]
            ),
            ForeignKey(source_table="b", source_columns=["id"], target_table="b", target_columns=["id"]),
        ],
    )


def test_composite_foreign_key_is_one_constraint(tmp_path: Path) -> None:
    path = tmp_path / "tiny.xlsx"
    write_seeds000_workbook(_composite_schema(), path)
    wb = load_workbook(path)
    assert _rows(wb["Relationships"]) == [
        ("b", "ax", "a", "x", "fk_b_1"),
        ("b", "ay", "a", "y", "fk_b_1"),
        ("b", "id", "b", "id", "fk_b_2"),
    ]
    # A column with no native type gets its logical type's canonical spelling.
    types = {(r[0], r[1]): r[2] for r in _rows(wb["Columns"])}
    assert types[("b", "note")] == "DATE"
    assert types[("a", "x")] == "INT"


def test_writer_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "model.xlsx"
    path.write_bytes(b"old")
    write_seeds000_workbook(_composite_schema(), path)
    assert load_workbook(path).sheetnames == ["Tables", "Columns", "Relationships"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xlsx"]

    before = path.read_bytes()

    def boom(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.Workbook.save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_seeds000_workbook(demo_schema(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xlsx"]


def test_writer_creates_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "model.xlsx"
    write_seeds000_workbook(_composite_schema(), path)
    assert load_workbook(path)["Tables"]["A2"].value == "a"
