"""ASASQL's description workbook: schema / meta / concept sheets."""

import copy

import pytest
from openpyxl import Workbook

from sqlsynth import SchemaError, load_schema
from sqlsynth.schema.loaders.asasql import logical_from_name, logical_from_values, singular

SCHEMA_HEADER = ["table_name", "column_name", "column_name_zh", "description", "reason", "possible_value"]
HOST_DESC = "Each row in the table records the attributes of a host, including host name, availability zone"

WORKBOOK = {
    "Schema": [
        SCHEMA_HEADER,
        ["host_details", "id", "主机ID", "Host key", "OK"],
        [
            "host_details",
            "host_vent",
            "Host Name",
            "Describes the host name of a host",
            "OK",
            '["a", "b", "d"]',
        ],
        [
            "host_details",
            "zone_name",
            "Availability Zone",
            "Records the availability zone name. Use fuzzy matching when using this column",
            "OK",
            '["zone1","zone2","zone3"]',
        ],
        ["host_details", "zone_id", "可用区ID", None, " ok "],
        ["host_details", "cpu_count", None, None, "OK"],
        ["host_details", "memory_gb", None, None, "OK", "[8, 16.5]"],
        ["host_details", "is_active", None, None, "OK"],
        ["host_details", "created_at", None, None, "OK"],
        ["host_details", "boot_date", None, None, "OK", '["2024-01-01", "2024-02-03"]'],
        ["host_details", "legacy_flag", None, None, "deprecated, always empty"],
        ["zones", "zone_id", None, None, "OK", "[1, 2, 3]"],
        ["zones", "zone_name", None, None, "OK", "['zone1', 'zone2']"],
        ["zones", "region_name", None, None, "OK"],
        ["alarms", "id", None, None, "OK"],
        ["alarms", "host_details_id", None, None, "OK"],
        ["alarms", "raised_time", None, None, "OK"],
        ["alarms", "severity", None, None, "OK", '["low", "high"]'],
    ],
    "meta": [
        ["table", "description"],
        ["host_details", HOST_DESC],
        ["zones", "Availability zones of each region"],
        ["alarms", "Alarms raised by hosts"],
    ],
    "Concept": [
        ["entity", "description"],
        ["region", "A site is a data center set up in various locations, also known as a region"],
        ["Availability Zone", "An isolated location within a region"],
        ["alarm", "Something went wrong"],
        ["tenant", "Not mentioned by any table"],
    ],
}


def write_workbook(path, sheets):
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def path(tmp_path):
    return write_workbook(tmp_path / "description_full.xlsx", WORKBOOK)


@pytest.fixture
def schema(path):
    return load_schema(path)


def test_tables_descriptions_and_primary_keys(schema):
    assert schema.name == "description_full"
    assert schema.table_names == ["host_details", "zones", "alarms"]
    assert schema.table("host_details").description == HOST_DESC
    assert [t.primary_key for t in schema.tables] == [["id"], ["zone_id"], ["id"]]
    assert schema.table("zones").column("zone_id").nullable is False
    assert schema.table("zones").column("zone_name").nullable is True


@pytest.mark.parametrize(
    ("table", "column", "attribute", "expected"),
    [
        ("host_details", "host_vent", "display_name", "Host Name"),
        ("host_details", "id", "display_name", "主机ID"),
        ("host_details", "cpu_count", "display_name", None),
        ("host_details", "host_vent", "description", "Describes the host name of a host"),
        ("host_details", "host_vent", "include", True),
        ("host_details", "zone_id", "include", True),  # " ok ": case and spaces ignored
        ("host_details", "legacy_flag", "include", False),  # any other reason excludes
        ("host_details", "zone_name", "possible_values", ["zone1", "zone2", "zone3"]),
        ("host_details", "memory_gb", "possible_values", [8, 16.5]),
        ("zones", "zone_name", "possible_values", ["zone1", "zone2"]),  # Python list syntax
        ("host_details", "is_active", "possible_values", None),
    ],
)
def test_column_attributes(schema, table, column, attribute, expected):
    assert getattr(schema.table(table).column(column), attribute) == expected


@pytest.mark.parametrize(
    ("table", "column", "logical", "native"),
    [
        ("host_details", "id", "integer", "INTEGER"),  # name id
        ("host_details", "zone_id", "integer", "INTEGER"),  # name *_id
        ("host_details", "cpu_count", "integer", "INTEGER"),  # name *_count
        ("host_details", "memory_gb", "float", "DOUBLE"),  # values: numbers
        ("zones", "zone_id", "integer", "INTEGER"),  # values: ints
        ("host_details", "is_active", "boolean", "BOOLEAN"),  # name is_*
        ("host_details", "created_at", "datetime", "TIMESTAMP"),  # name *_at
        ("alarms", "raised_time", "datetime", "TIMESTAMP"),  # name *_time
        ("host_details", "boot_date", "date", "DATE"),  # values: ISO dates
        ("host_details", "host_vent", "text", "TEXT"),  # values: strings
        ("zones", "region_name", "text", "TEXT"),  # no hint
    ],
)
def test_inferred_types(schema, table, column, logical, native):
    col = schema.table(table).column(column)
    assert (col.logical_type.value, col.type) == (logical, native)


def test_concepts_name_the_tables_that_mention_them(schema):
    assert [(c.term, c.tables) for c in schema.concepts] == [
        ("region", ["zones"]),
        ("Availability Zone", ["host_details", "zones"]),
        ("alarm", ["alarms"]),  # by table name
        ("tenant", []),
    ]
    assert schema.concepts[0].description.startswith("A site is a data center")


def test_foreign_keys_are_inferred_and_marked(path, schema):
    assert [(str(fk), fk.inferred) for fk in schema.foreign_keys] == [
        ("host_details(zone_id) -> zones(zone_id)", True),
        ("alarms(host_details_id) -> host_details(id)", True),
    ]
    assert load_schema(path, infer_keys=False).foreign_keys == []


def test_meta_and_concept_sheets_are_optional(tmp_path):
    sheets = {"schema": WORKBOOK["Schema"]}
    schema = load_schema(write_workbook(tmp_path / "s.xlsx", sheets))
    assert schema.table("zones").description == ""
    assert schema.concepts == []


def test_data_type_column_wins_and_blank_cells_fall_back(tmp_path):
    sheets = {
        "schema": [
            ["table_name", "column_name", "data_type", "possible_value"],
            ["t", "id", "bigint"],
            ["t", "amount", "decimal(10,2)", "[1, 2]"],
            ["t", "code", None, "[1, 2]"],
            ["t", "note", "geometry"],
        ]
    }
    table = load_schema(write_workbook(tmp_path / "t.xlsx", sheets)).table("t")
    assert [(c.type, c.logical_type.value) for c in table.columns] == [
        ("bigint", "integer"),
        ("decimal(10,2)", "decimal"),
        ("INTEGER", "integer"),
        ("geometry", "other"),  # unknown type: kept, not an error
    ]
    assert all(c.include for c in table.columns)  # no reason column: everything is included


@pytest.mark.parametrize(
    ("values", "logical"),
    [
        ([1, 2, 3], "integer"),
        ([1, 2.5], "float"),
        ([True, False], "boolean"),
        (["2024-01-01", "2023-12-31"], "date"),
        (["2024-01-01 10:00:00", "2024-01-01"], "datetime"),
        (["2024-01-01T10:00:00Z"], "datetime"),
        (["10:30", "23:59:59"], "time"),
        (["1", "2"], "text"),  # quoted numbers are codes, not numbers
        ([1, "a"], "text"),
        ([None, "", 4], "integer"),  # blanks ignored
    ],
)
def test_logical_type_from_values(values, logical):
    assert logical_from_values(values).value == logical


@pytest.mark.parametrize("values", [None, [], [None, ""]])
def test_no_values_give_no_type(values):
    assert logical_from_values(values) is None


@pytest.mark.parametrize(
    ("name", "logical"),
    [
        ("id", "integer"),
        ("host_id", "integer"),
        ("HostId", "integer"),
        ("count", "integer"),
        ("num", "integer"),
        ("num_disks", "integer"),
        ("retry_count", "integer"),
        ("start_date", "date"),
        ("date", "date"),
        ("created_at", "datetime"),
        ("time", "datetime"),
        ("update_time", "datetime"),
        ("is_deleted", "boolean"),
        ("has_gpu", "boolean"),
        ("at", "text"),
        ("paid", "text"),
        ("phone_number", "text"),
        ("identity", "text"),
        ("is", "text"),
    ],
)
def test_logical_type_from_name(name, logical):
    assert logical_from_name(name).value == logical


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("hosts", "host"),
        ("categories", "category"),
        ("boxes", "box"),
        ("address", "address"),
        ("data", "data"),
    ],
)
def test_singular(table, expected):
    assert singular(table) == expected


def test_table_named_key_column_is_the_primary_key(tmp_path):
    sheets = {
        "schema": [
            ["table_name", "column_name"],
            ["categories", "name"],
            ["categories", "category_id"],
            ["hosts", "hosts_id"],
            ["hosts", "host_id"],
            ["logs", "message"],
        ]
    }
    schema = load_schema(write_workbook(tmp_path / "k.xlsx", sheets))
    assert [t.primary_key for t in schema.tables] == [["category_id"], ["hosts_id"], []]


def _set(sheet, row, col, value):
    def edit(sheets):
        sheets[sheet][row - 1][col] = value

    return edit


def _append(sheet, *row):
    return lambda sheets: sheets[sheet].append(list(row))


# (edit to WORKBOOK, message regex, sheet title, Excel row)
BAD_WORKBOOKS = [
    (_set("Schema", 3, 5, '["a", "b"'), r"possible_value: invalid JSON list", "Schema", 3),
    (_set("Schema", 4, 5, '{"zone": 1}'), r"possible_value: expected a JSON list", "Schema", 4),
    (_set("Schema", 1, 1, "col"), r"missing required column header\(s\): column_name", "Schema", 1),
    (_set("meta", 1, 1, "text"), r"missing required column header\(s\): description", "meta", 1),
    (
        _append("Schema", "zones", "Zone_Name"),
        r"duplicate column zones\.Zone_Name \(first at row 13\)",
        "Schema",
        19,
    ),
    (_append("Schema", "zones", None), r"missing column_name", "Schema", 19),
    (_set("meta", 3, 0, "zone"), r"table 'zone' has no columns in sheet schema", "meta", 3),
    (_append("Concept", None, "a term without a name"), r"missing entity", "Concept", 6),
]


@pytest.mark.parametrize(("edit", "message", "sheet", "row"), BAD_WORKBOOKS)
def test_bad_workbook_names_file_sheet_and_row(tmp_path, edit, message, sheet, row):
    sheets = copy.deepcopy(WORKBOOK)
    edit(sheets)
    path = write_workbook(tmp_path / "description_full.xlsx", sheets)
    with pytest.raises(SchemaError, match=message) as err:
        load_schema(path)
    assert err.value.where == f"{path}, sheet {sheet}, row {row}"
