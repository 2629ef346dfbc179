import json

import pytest

from sqlsynth import SchemaError, load_schema

ENTRY = {
    "db_id": "school",
    "table_names_original": ["Student", "Course", "Enrolment", "Grade"],
    "table_names": ["student", "course", "enrolment", "grade"],
    "column_names_original": [
        [-1, "*"],
        [0, "StuID"],
        [0, "LName"],
        [0, "Age"],
        [1, "CrsCode"],
        [1, "Term"],
        [1, "Credits"],
        [2, "StuID"],
        [2, "CrsCode"],
        [2, "Term"],
        [2, "EnrolledOn"],
        [3, "StuID"],
        [3, "CrsCode"],
        [3, "Term"],
        [3, "Score"],
    ],
    "column_names": [
        [-1, "*"],
        [0, "student id"],
        [0, "last name"],
        [0, "age"],
        [1, "course code"],
        [1, "term"],
        [1, "credits"],
        [2, "student id"],
        [2, "course code"],
        [2, "term"],
        [2, "enrolled on"],
        [3, "student id"],
        [3, "course code"],
        [3, "term"],
        [3, "score"],
    ],
    "column_types": [
        "text",
        "number",
        "text",
        "number",
        "text",
        "text",
        "number",
        "number",
        "text",
        "text",
        "time",
        "number",
        "text",
        "text",
        "number",
    ],
    "primary_keys": [1, [4, 5], [7, 8, 9]],
    "foreign_keys": [[7, 1], [8, 4], [9, 5], [11, 7], [12, 8], [13, 9]],
}


@pytest.fixture
def tables_json(tmp_path):
    other = {**ENTRY, "db_id": "other"}
    path = tmp_path / "tables.json"
    path.write_text(json.dumps([ENTRY, other]))
    return path


def test_spider_tables_load_keys_types_and_display_names(tables_json):
    s = load_schema(tables_json, db_id="school")
    assert s.name == "school"
    assert s.table_names == ["Student", "Course", "Enrolment", "Grade"]
    student = s.table("Student")
    assert student.primary_key == ["StuID"]
    assert student.column("StuID").logical_type.value == "integer"  # number + key -> integer
    assert student.column("Age").logical_type.value == "decimal"  # plain number
    assert student.column("LName").display_name == "last name"
    assert student.column("Age").display_name is None  # same as the identifier, humanised
    assert s.table("Enrolment").column("EnrolledOn").logical_type.value == "datetime"
    assert s.table("Course").primary_key == ["CrsCode", "Term"]
    fks = {
        (f.source_table, tuple(f.source_columns), f.target_table, tuple(f.target_columns))
        for f in s.foreign_keys
    }
    assert fks == {
        ("Enrolment", ("StuID",), "Student", ("StuID",)),
        ("Enrolment", ("CrsCode", "Term"), "Course", ("CrsCode", "Term")),  # merged composite key
        ("Grade", ("StuID", "CrsCode", "Term"), "Enrolment", ("StuID", "CrsCode", "Term")),
    }


def test_natural_names_out_of_line_with_their_table_are_not_used(tmp_path):
    # store_1's tables.json calls the table `artists` "sqlite sequence" (and its column `name`
    # "seq"): a natural table name sharing no word with the table's is not the table's, nor are
    # its columns'
    entry = {**ENTRY, "table_names": ["course", "student", "enrolment", "grade"]}
    path = tmp_path / "tables.json"
    path.write_text(json.dumps([entry]))
    s = load_schema(path)
    assert (s.table("Student").description, s.table("Course").description) == ("", "")
    assert s.table("Student").column("LName").display_name is None
    assert s.table("Course").column("CrsCode").display_name is None
    assert s.table("Enrolment").column("StuID").display_name == "student id"  # in line: kept


def test_several_databases_need_a_db_id(tables_json):
    with pytest.raises(SchemaError, match="holds 2 databases; choose one with --db-id") as err:
        load_schema(tables_json)
    assert err.value.where == str(tables_json)
    with pytest.raises(SchemaError, match="no database with db_id 'nope'"):
        load_schema(tables_json, db_id="nope")


def test_single_entry_needs_no_db_id(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(ENTRY))
    assert load_schema(path).name == "school"


def test_malformed_entry_names_the_database(tmp_path):
    bad = {**ENTRY, "foreign_keys": [[99, 1]]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([bad]))
    with pytest.raises(SchemaError, match="malformed Spider entry") as err:
        load_schema(path, db_id="school")
    assert "db_id school" in err.value.where
