import pytest
from pydantic import ValidationError

from sqlsynth import Column, ForeignKey, LogicalType, Schema, Table
from sqlsynth.schema.types import logical_type_of


@pytest.mark.parametrize(
    ("native", "dialect", "logical"),
    [
        ("int", None, "integer"),
        ("INTEGER", "sqlite", "integer"),
        ("bigint", "postgres", "integer"),
        ("serial", "postgres", "integer"),
        ("NUMBER(10)", "oracle", "integer"),
        ("decimal(10,2)", None, "decimal"),
        ("NUMERIC(12, 2)", "postgres", "decimal"),
        ("money", "postgres", "decimal"),
        ("float", None, "float"),
        ("DOUBLE PRECISION", "postgres", "float"),
        ("varchar(100)", None, "text"),
        ("nvarchar(max)", "tsql", "text"),
        ("STRING", "bigquery", "text"),
        ("string", None, "text"),
        ("uuid", "postgres", "text"),
        ("boolean", None, "boolean"),
        ("BIT", "tsql", "integer"),
        ("date", None, "date"),
        ("datetime", None, "datetime"),
        ("TIMESTAMP WITH TIME ZONE", "postgres", "datetime"),
        ("time", None, "time"),
        ("bytea", "postgres", "binary"),
        ("blob", None, "binary"),
        ("jsonb", "postgres", "json"),
        ("geography", "bigquery", "other"),
        ("", None, "other"),
        ("frobnicator", None, "other"),
    ],
)
def test_logical_type_of(native, dialect, logical):
    assert logical_type_of(native, dialect).value == logical


def test_column_derives_logical_type_unless_given():
    assert Column(name="price", type="DECIMAL(10,2)").logical_type is LogicalType.DECIMAL
    assert Column(name="x", type="TEXT", logical_type="date").logical_type is LogicalType.DATE


def test_foreign_key_arity_must_match():
    with pytest.raises(ValidationError, match="same number"):
        ForeignKey(source_table="a", source_columns=["x", "y"], target_table="b", target_columns=["x"])


def _shop() -> Schema:
    return Schema(
        name="shop",
        tables=[
            Table(
                name="customers",
                columns=[Column(name="id", type="int"), Column(name="name", type="text")],
                primary_key=["id"],
            ),
            Table(
                name="orders",
                columns=[Column(name="id", type="int"), Column(name="customer_id", type="text")],
                primary_key=["id"],
            ),
            Table(name="notes", columns=[Column(name="body", type="geometry")]),
        ],
        foreign_keys=[
            ForeignKey(
                source_table="orders",
                source_columns=["customer_id"],
                target_table="customers",
                target_columns=["id"],
            )
        ],
    )


def test_lookup_is_exact_then_case_insensitive():
    s = _shop()
    assert s.table("ORDERS").name == "orders"
    assert s.table("orders").column("Customer_ID").name == "customer_id"
    with pytest.raises(KeyError):
        s.table("order")


def test_problems_name_dangling_references_and_duplicates():
    s = _shop()
    assert s.problems() == []
    s.tables[0].columns.append(Column(name="NAME", type="text"))
    s.foreign_keys.append(
        ForeignKey(
            source_table="orders", source_columns=["nope"], target_table="ghosts", target_columns=["id"]
        )
    )
    problems = s.problems()
    assert "table 'customers': duplicate column 'NAME'" in problems
    assert any("source column orders.nope does not exist" in p for p in problems)
    assert any("target table 'ghosts' does not exist" in p for p in problems)


def test_warnings_cover_missing_pk_unknown_type_and_fk_type_mismatch():
    w = _shop().warnings()
    assert "table 'notes' has no primary key" in w
    assert any("notes.body: unknown data type 'geometry'" in x for x in w)
    assert any("type mismatch customer_id is text, id is integer" in x for x in w)


def test_json_round_trip_is_lossless():
    s = _shop()
    s.tables[0].columns[1].possible_values = ["Ann", "Bo"]
    s.tables[0].columns[1].display_name = "客户名"
    s.foreign_keys[0].inferred = True
    again = Schema.from_json(s.to_json())
    assert again == s


def test_structure_ignores_native_spelling_and_descriptions():
    a = _shop()
    b = Schema.model_validate(a.model_dump())
    b.tables[0].columns[0].type = "INTEGER"
    b.tables[0].description = "people who buy"
    assert a.structure() == b.structure()
    b.tables[0].primary_key = ["name"]
    assert a.structure() != b.structure()
