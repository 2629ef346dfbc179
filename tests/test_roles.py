"""Column roles: what the walk generator selects, groups by, aggregates and filters on."""

from __future__ import annotations

import pytest

from sqlsynth.generate.roles import column_roles, is_id_name
from sqlsynth.generate.values import ColumnValues, ValuePool
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType

ROWS = 60


def roles_of(lt: LogicalType, values: list, distinct: int, name: str = "x"):
    table = Table(
        name="t",
        columns=[Column(name="id", logical_type=LogicalType.INTEGER), Column(name=name, logical_type=lt)],
        primary_key=["id"],
    )
    pool = ValuePool(
        columns={
            ("t", "id"): ColumnValues(values=list(range(ROWS)), distinct=ROWS),
            ("t", name): ColumnValues(values=values, distinct=distinct),
        },
        row_counts={"t": ROWS},
    )
    return column_roles(Schema(tables=[table]), table, pool)


# (logical type, sampled values, distinct values, is a category, is a measure)
CASES = [
    (LogicalType.INTEGER, [1, 2, 3, 4], 4, True, True),
    # Spider declares every number `number`: whole values with few of them are a category all the same
    (LogicalType.DECIMAL, [1, 2, 3, 4, 5, 6, 7], 7, True, True),
    (LogicalType.DECIMAL, [1.5, 2.25, 3.0], 3, False, True),  # amounts, not kinds
    (LogicalType.DECIMAL, list(range(12)), 12, False, True),  # too many values for a category
    (LogicalType.INTEGER, list(range(40)), 40, False, True),
    (LogicalType.TEXT, ["a", "b", "c"], 3, True, False),
]


@pytest.mark.parametrize(("lt", "values", "distinct", "category", "measure"), CASES)
def test_numbers_with_few_whole_values_are_categories(lt, values, distinct, category, measure):
    roles = roles_of(lt, values, distinct)
    assert ("x" in roles.categories) is category
    assert ("x" in roles.measures) is measure


# (column name, a measure, a temporal): numbers that identify or date a row are no amounts
NUMBER_NAMES = [
    ("price", True, False),
    ("year", False, True),  # "the earliest year", never "the total year"
    ("birth_year", False, True),
    ("modelYear", False, True),
    ("salary_per_year", True, False),  # an amount per year
    ("SSN", False, False),  # "the average SSN": no
    ("RoomNumber", False, False),
    ("phone_number", False, False),
    ("zip_code", False, False),
    ("number", False, False),  # a car's number
    ("total_number", True, False),  # a count
    ("num_students", True, False),
    ("amount_paid", True, False),  # ends in "id", names no id
    ("AmountPaid", True, False),
]


@pytest.mark.parametrize(("name", "measure", "temporal"), NUMBER_NAMES)
def test_numbers_that_identify_or_date_a_row_are_not_measures(name, measure, temporal):
    roles = roles_of(LogicalType.INTEGER, list(range(40)), 40, name=name)
    assert (name in roles.measures) is measure
    assert (name in roles.temporals) is temporal
    assert name in roles.filterable  # still asked about: "the physician whose SSN is 111"


@pytest.mark.parametrize(
    ("names", "full_name"),
    [
        (["first_name", "last_name"], ("first_name", "last_name")),
        (["LastName", "FirstName"], ("FirstName", "LastName")),
        (["forename", "surname"], ("forename", "surname")),
        (["customer_first_name", "customer_last_name"], ("customer_first_name", "customer_last_name")),
        (["first_name", "city"], None),  # one name only
        (["name", "username"], None),
    ],
)
def test_a_persons_first_and_last_name_are_found(names, full_name):
    table = Table(
        name="t",
        columns=[Column(name="id", logical_type=LogicalType.INTEGER)]
        + [Column(name=n, logical_type=LogicalType.TEXT) for n in names],
        primary_key=["id"],
    )
    pool = ValuePool(
        columns={("t", n): ColumnValues(values=["Ann", "Bo", "Cy"], distinct=30) for n in ["id", *names]},
        row_counts={"t": ROWS},
    )
    assert column_roles(Schema(tables=[table]), table, pool).full_name == full_name


def _table(name: str, columns: dict[str, LogicalType], primary_key: list[str] | None = None) -> Table:
    cols = [Column(name=c, logical_type=lt) for c, lt in columns.items()]
    return Table(name=name, columns=cols, primary_key=primary_key or [])


def _fk(source: str, column: str, target: str) -> ForeignKey:
    """`source`.`column` refers to the same-named column of `target`."""
    return ForeignKey(
        source_table=source, source_columns=[column], target_table=target, target_columns=[column]
    )


def test_a_column_other_rows_refer_to_is_a_key_not_a_measure():
    # teachers' classroom is no primary key, but students refer to it: nothing to average
    teachers = _table("teachers", {"name": LogicalType.TEXT, "classroom": LogicalType.INTEGER}, ["name"])
    students = _table("students", {"classroom": LogicalType.INTEGER})
    fk = _fk("students", "classroom", "teachers")
    for keys, measure in (([], True), ([fk], False)):
        roles = column_roles(Schema(tables=[teachers, students], foreign_keys=keys), teachers)
        assert ("classroom" in roles.measures) is measure
        assert ("classroom" in roles.keys) is not measure


def _label_schema() -> Schema:
    text = LogicalType.TEXT
    departments = _table("departments", {"dept_name": text, "building": text}, ["dept_name"])
    people = _table(
        "people",
        {"LastName": text, "FirstName": text, "dept_name": text, "code_id": text},
        ["LastName", "code_id"],
    )
    methods = _table(
        "payment_methods", {"payment_method_code": text, "method_name": text}, ["payment_method_code"]
    )
    return Schema(
        tables=[departments, people, methods], foreign_keys=[_fk("people", "dept_name", "departments")]
    )


# (table, column, names its rows): a table's own name key still names its rows; a name that refers to
# another table's rows, and an id, do not
LABELS = [
    ("departments", "dept_name", True),  # primary key, referred to by people
    ("people", "LastName", True),  # part of the primary key (Spider's student_1)
    ("people", "FirstName", True),
    ("people", "dept_name", False),  # refers to departments
    ("people", "code_id", False),
    ("payment_methods", "payment_method_code", False),  # a code: the method's name names it
    ("payment_methods", "method_name", True),
]


@pytest.mark.parametrize(("table", "column", "label"), LABELS)
def test_a_name_that_is_the_tables_own_key_names_its_rows(table, column, label):
    schema = _label_schema()
    roles = column_roles(schema, schema.table(table))
    assert (column in roles.labels) is label
    assert roles.full_name == (("FirstName", "LastName") if table == "people" else None)


@pytest.mark.parametrize(
    ("name", "is_id"),
    [
        ("id", True),
        ("customer_id", True),
        ("PlaylistId", True),
        ("StayID", True),
        ("s_ID", True),
        ("aid", True),  # Spider's aircraft id
        ("userid", True),
        ("order_uuid", True),
        ("amount_paid", False),
        ("is_valid", False),
        ("isValid", False),
        ("grid", False),  # a car's starting position
        ("invalid", False),
        ("width", False),
    ],
)
def test_ids_are_told_by_their_name(name, is_id):
    assert is_id_name(name) is is_id


# (declared type, sampled values, a date the engines read as one)
DATES = [
    (LogicalType.DATETIME, ["2005-04-12 09:30", "2005-04-13 10:00:00"], True),
    (LogicalType.DATE, ["2005-04-12", "2021-03-04T05:06:07Z"], True),
    # SQLite's date functions give NULL for these, and their order as text is not the dates' order
    (LogicalType.DATETIME, ["04/12/2005 09:30", "04/13/2005 10:00"], False),
    (LogicalType.DATE, ["1998-03-24", "0000-00-00"], False),
    (LogicalType.DATETIME, [2006, 2007], False),  # a year declared a date (Spider's sakila_1)
]


@pytest.mark.parametrize(("lt", "values", "temporal"), DATES)
def test_a_date_column_is_temporal_when_its_values_read_as_dates(lt, values, temporal):
    roles = roles_of(lt, values, len(values))
    assert ("x" in roles.temporals) is temporal
    assert "x" in roles.filterable
