"""The seeds/000 Excel data model: Tables / Columns / Relationships sheets."""

import copy
import logging

import pytest
from openpyxl import Workbook

from sqlsynth import SchemaError, load_schema
from sqlsynth.schema.loaders.excel import load_excel

COLUMN_HEADER = [
    " Table_Name ",
    "COLUMN_NAME",
    "Data_Type",
    "is_primary_key",
    "Is_Foreign_Key",
    "description",
    "nullable",
    "unique",
    "display_name",
    "possible_values",
]

# Sheet names and headers in odd cases and with spaces on purpose; row 1 is the header.
MODEL = {
    " tables ": [
        ["TABLE_NAME", " Description "],
        ["customers", "Customer information"],
        ["order", "Sales orders"],
        ["products", "Product catalog"],
        ["order_items", "Order lines"],
        ["shipments", "Shipped order lines"],
        ["returns", "Returned order lines"],
        ["Kunden Straße", "Adressen der Kunden"],
    ],
    "COLUMNS": [
        COLUMN_HEADER,
        ["customers", "customer_id", "int", "True", "False", "Customer key"],
        ["customers", "name", "varchar", "False", "no", "Full name", None, None, "Customer name"],
        ["customers", "email", "varchar(255)", "no", "n", None, "no", "yes"],
        ["customers", "credit", "decimal(10,2)", "FALSE", "0"],
        ["customers", "signup", "date", False, 0],
        ["customers", "last_login", "datetime", "n", "N"],
        ["customers", "vip", "boolean", 0, None, None, None, None, None, '["yes", "no"]'],
        ["customers", "segment", "varchar", None, None, None, None, None, None, "gold, silver"],
        ["order", "order_id", "int", True, False],
        ["order", "customer_id", "int", "no", "yes"],
        ["order", "group", "varchar", "no", "no", "Reserved word as a column name"],
        [None, None, None, None, None],  # an empty row in the middle is skipped
        ["products", "product_id", "int", "Y", "N"],
        ["products", "price", "decimal(10,2)", "N", "N"],
        ["order_items", "order_id", "int", "yes", "yes"],
        ["order_items", "line_no", "int", 1, None],
        ["order_items", "product_id", "int", "0", "1"],
        ["shipments", "shipment_id", "int", "1", "0"],
        ["shipments", "order_id", "int", "0", "1"],
        ["shipments", "line_no", "int", "0", "1"],
        ["returns", "return_id", "int", "1", "0"],
        ["returns", "order_id", "int", "0", "1"],
        ["returns", "line_no", "int", "0", "1"],
        ["Kunden Straße", "Straßen Nr", "int", "true", "false", "Hausnummer"],
        ["Kunden Straße", "customer_id", "int", "false", "true"],
    ],
    "relationships": [
        ["Source_Table", "source_column", "target_table", "target_column", "Constraint_Name"],
        ["order", "customer_id", "customers", "customer_id"],
        ["order_items", "order_id", "order", "order_id"],
        ["order_items", "product_id", "products", "product_id"],
        # no constraint name: merged because together they are order_items' composite key
        ["shipments", "order_id", "order_items", "order_id"],
        ["shipments", "line_no", "order_items", "line_no"],
        # grouped by constraint name, listed apart on purpose
        ["returns", "line_no", "order_items", "line_no", "fk_return_item"],
        ["Kunden Straße", "customer_id", "customers", "customer_id"],
        ["returns", "order_id", "order_items", "order_id", "fk_return_item"],
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
def model(tmp_path):
    return load_schema(write_workbook(tmp_path / "model.xlsx", MODEL))


def fk_tuples(schema):
    return [
        (f.source_table, tuple(f.source_columns), f.target_table, tuple(f.target_columns), f.inferred)
        for f in schema.foreign_keys
    ]


def test_tables_descriptions_and_keys(model):
    assert model.name == "model"
    assert model.table_names == [
        "customers",
        "order",
        "products",
        "order_items",
        "shipments",
        "returns",
        "Kunden Straße",
    ]
    assert model.table("order").description == "Sales orders"
    assert model.table("order").column_names == ["order_id", "customer_id", "group"]
    assert model.table("order_items").primary_key == ["order_id", "line_no"]
    assert model.table("Kunden Straße").primary_key == ["Straßen Nr"]
    assert model.table("customers").column("customer_id").description == "Customer key"


def test_relationships_single_and_composite(model):
    assert fk_tuples(model) == [
        ("order", ("customer_id",), "customers", ("customer_id",), False),
        ("order_items", ("order_id",), "order", ("order_id",), False),
        ("order_items", ("product_id",), "products", ("product_id",), False),
        ("shipments", ("order_id", "line_no"), "order_items", ("order_id", "line_no"), False),
        ("returns", ("line_no", "order_id"), "order_items", ("line_no", "order_id"), False),
        ("Kunden Straße", ("customer_id",), "customers", ("customer_id",), False),
    ]


@pytest.mark.parametrize(
    ("table", "column", "logical"),
    [
        ("customers", "customer_id", "integer"),  # int
        ("customers", "name", "text"),  # varchar
        ("customers", "email", "text"),  # varchar(255)
        ("customers", "credit", "decimal"),  # decimal(10,2)
        ("customers", "signup", "date"),
        ("customers", "last_login", "datetime"),
        ("customers", "vip", "boolean"),
        ("Kunden Straße", "Straßen Nr", "integer"),
    ],
)
def test_logical_types(model, table, column, logical):
    assert model.table(table).column(column).logical_type.value == logical


@pytest.mark.parametrize(
    ("column", "attribute", "expected"),
    [
        ("customer_id", "nullable", False),  # primary key defaults to NOT NULL
        ("name", "nullable", True),  # others default to nullable
        ("email", "nullable", False),  # explicit "no"
        ("email", "unique", True),
        ("name", "unique", False),
        ("name", "display_name", "Customer name"),
        ("email", "display_name", None),
        ("vip", "possible_values", ["yes", "no"]),  # JSON list
        ("segment", "possible_values", ["gold", "silver"]),  # comma list
        ("credit", "possible_values", None),
    ],
)
def test_column_attributes(model, column, attribute, expected):
    assert getattr(model.table("customers").column(column), attribute) == expected


@pytest.mark.parametrize(
    ("cell", "is_pk"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        ("True", True),
        ("FALSE", False),
        ("yes", True),
        ("No", False),
        ("y", True),
        ("N", False),
        ("1", True),
        ("0", False),
        (" true ", True),
        (None, False),
    ],
)
def test_boolean_spellings(tmp_path, cell, is_pk):
    sheets = {
        "Tables": [["table_name"], ["t"]],
        "Columns": [
            ["table_name", "column_name", "data_type", "is_primary_key"],
            ["t", "a", "int", cell],
            ["t", "b", "int", "no"],
        ],
    }
    schema = load_excel(write_workbook(tmp_path / "b.xlsx", sheets))
    assert schema.table("t").primary_key == (["a"] if is_pk else [])


FLIGHTS_TABLES = {
    "Tables": [["table_name"], ["airports"], ["flights"]],
    "Columns": [
        ["table_name", "column_name", "data_type", "is_primary_key"],
        ["airports", "country", "text", "yes"],
        ["airports", "code", "text", "yes"],
        ["flights", "id", "int", "yes"],
        ["flights", "from_country", "text", "no"],
        ["flights", "from_code", "text", "no"],
        ["flights", "to_country", "text", "no"],
        ["flights", "to_code", "text", "no"],
    ],
}
FROM_KEY = "flights(from_country, from_code) -> airports(country, code)"
TO_KEY = "flights(to_country, to_code) -> airports(country, code)"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # consecutive unnamed runs that each cover the composite primary key: one key per run
        (
            [
                ["from_country", "country"],
                ["from_code", "code"],
                ["to_country", "country"],
                ["to_code", "code"],
            ],
            [FROM_KEY, TO_KEY],
        ),
        # interleaved rows grouped by constraint name
        (
            [
                ["from_country", "country", "fk_from"],
                ["to_country", "country", "FK_TO"],
                ["from_code", "code", "fk_from"],
                ["to_code", "code", "fk_to"],
            ],
            [FROM_KEY, TO_KEY],
        ),
        # unnamed rows that do not make up the primary key stay single keys
        (
            [["from_code", "code"], ["to_code", "code"]],
            ["flights(from_code) -> airports(code)", "flights(to_code) -> airports(code)"],
        ),
        # the same key listed twice is kept once
        ([["from_code", "code"], ["from_code", "code"]], ["flights(from_code) -> airports(code)"]),
    ],
)
def test_composite_foreign_key_grouping(tmp_path, rows, expected):
    header = ["source_table", "source_column", "target_table", "target_column", "fk_name"]
    rel = [header] + [["flights", r[0], "airports", r[1], *r[2:]] for r in rows]
    schema = load_excel(write_workbook(tmp_path / "f.xlsx", {**FLIGHTS_TABLES, "Relationships": rel}))
    assert [str(fk) for fk in schema.foreign_keys] == expected


def test_relationships_sheet_is_optional_and_flagged_keys_are_inferred(tmp_path):
    sheets = {
        "Tables": [["table_name"], ["customers"], ["orders"]],
        "Columns": [
            ["table_name", "column_name", "data_type", "is_primary_key", "is_foreign_key"],
            ["customers", "customer_id", "int", "yes", "no"],
            ["orders", "order_id", "int", "yes", "no"],
            ["orders", "customer_id", "int", "no", "yes"],
        ],
    }
    path = write_workbook(tmp_path / "m.xlsx", sheets)
    assert fk_tuples(load_excel(path)) == [("orders", ("customer_id",), "customers", ("customer_id",), True)]
    assert load_excel(path, infer_keys=False).foreign_keys == []


def test_unflagged_columns_get_no_inferred_keys(tmp_path):
    sheets = {
        "Tables": [["table_name"], ["customers"], ["orders"]],
        "Columns": [
            ["table_name", "column_name", "data_type", "is_primary_key", "is_foreign_key"],
            ["customers", "customer_id", "int", "yes", "no"],
            ["orders", "customer_id", "int", "no", "no"],
        ],
    }
    assert load_excel(write_workbook(tmp_path / "m.xlsx", sheets)).foreign_keys == []


def test_unknown_data_type_is_a_warning_not_an_error(tmp_path, caplog):
    sheets = {
        "Tables": [["table_name"], ["t"]],
        "Columns": [
            ["table_name", "column_name", "data_type", "is_primary_key"],
            ["t", "id", "int", "yes"],
            ["t", "shape", "geometry", "no"],
        ],
    }
    with caplog.at_level(logging.WARNING, logger="sqlsynth.schema"):
        schema = load_excel(write_workbook(tmp_path / "w.xlsx", sheets))
    assert schema.table("t").column("shape").logical_type.value == "other"
    assert "unknown data type 'geometry'" in caplog.text


def _set(sheet, row, col, value):
    def edit(sheets):
        sheets[sheet][row - 1][col] = value

    return edit


def _append(sheet, *row):
    return lambda sheets: sheets[sheet].append(list(row))


def _drop_sheet(sheet):
    return lambda sheets: sheets.pop(sheet)


def _insert_blank_then(sheet, *row):
    def edit(sheets):
        sheets[sheet] += [[None], list(row)]

    return edit


# (edit to MODEL, message regex, sheet title or None for the file itself, Excel row or None)
BAD_MODELS = [
    (_drop_sheet("COLUMNS"), r"missing sheet 'Columns'", None, None),
    (_drop_sheet(" tables "), r"missing sheet 'Tables'", None, None),
    (_set("COLUMNS", 1, 2, "type_name"), r"missing required column header\(s\): data_type", "COLUMNS", 1),
    (_set("relationships", 1, 3, "to_column"), r"header\(s\): target_column", "relationships", 1),
    (_set("COLUMNS", 3, 0, "clients"), r"table 'clients' is not listed in sheet Tables", "COLUMNS", 3),
    (
        _append("COLUMNS", "order", "GROUP", "int"),
        r"duplicate column order\.GROUP \(first at row 12\)",
        "COLUMNS",
        27,
    ),
    (_append(" tables ", "Order"), r"duplicate table 'Order' \(first at row 3\)", " tables ", 9),
    (
        _append(" tables ", "empty_table", "no columns"),
        r"table 'empty_table' has no columns in sheet COLUMNS",
        " tables ",
        9,
    ),
    (_set("relationships", 2, 2, "client"), r"target_table 'client': unknown table", "relationships", 2),
    (
        _set("relationships", 3, 1, "oid"),
        r"source_column 'oid': table 'order_items' has no such column",
        "relationships",
        3,
    ),
    (_set("COLUMNS", 4, 3, "maybe"), r"is_primary_key: 'maybe' is not a boolean", "COLUMNS", 4),
    (_set("COLUMNS", 9, 9, '["a", '), r"possible_values: invalid JSON list", "COLUMNS", 9),
    (_insert_blank_then("COLUMNS", "order", None, "int"), r"missing column_name", "COLUMNS", 28),
]


@pytest.mark.parametrize(("edit", "message", "sheet", "row"), BAD_MODELS)
def test_bad_model_names_file_sheet_and_row(tmp_path, edit, message, sheet, row):
    sheets = copy.deepcopy(MODEL)
    edit(sheets)
    path = write_workbook(tmp_path / "model.xlsx", sheets)
    with pytest.raises(SchemaError, match=message) as err:
        load_schema(path)
    expected = str(path) if sheet is None else f"{path}, sheet {sheet}, row {row}"
    assert err.value.where == expected


def test_text_file_named_xlsx_is_not_a_workbook(tmp_path):
    path = tmp_path / "model.xlsx"
    path.write_text("table_name,column_name\ncustomers,id\n")
    with pytest.raises(SchemaError, match="not an Excel workbook") as err:
        load_schema(path)
    assert err.value.where == str(path)


def test_workbook_without_known_sheets(tmp_path):
    path = write_workbook(tmp_path / "other.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    with pytest.raises(SchemaError, match=r"need 'Tables' and 'Columns'.*found 'Sheet1'") as err:
        load_schema(path)
    assert err.value.where == str(path)


def test_header_below_blank_rows_keeps_excel_row_numbers(tmp_path):
    sheets = {
        "Tables": [[None], ["table_name"], ["t"]],
        "Columns": [
            [None],
            [None],
            ["table_name", "column_name", "data_type"],
            ["t", "a", "int"],
            ["u", "b", "int"],
        ],
    }
    path = write_workbook(tmp_path / "blank.xlsx", sheets)
    with pytest.raises(SchemaError, match="table 'u' is not listed") as err:
        load_excel(path)
    assert err.value.where == f"{path}, sheet Columns, row 5"
