"""`sqlsynth schema inspect|export|ddl` through the real CLI: output, and bad input as exit code 2 with
a message naming where the fault is and no traceback.

The loaders' own messages for each bad workbook are checked in test_load_excel.py; here each kind of
bad input goes once through the CLI, which must turn it into a one-line error and exit code 2.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlglot
from openpyxl import Workbook
from typer.testing import CliRunner, Result

from sqlsynth.cli import app
from sqlsynth.schema.ddl_render import DDL_DIALECTS
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.model import Schema

runner = CliRunner()

DDL = """-- a small shop, PostgreSQL syntax
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email VARCHAR(100) NOT NULL UNIQUE
);
COMMENT ON TABLE customers IS 'People who buy';
CREATE TABLE "order" (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    order_no INTEGER NOT NULL,
    "group" TEXT,
    "Straße" TEXT,
    PRIMARY KEY (customer_id, order_no)
);
CREATE TABLE departments (id INTEGER PRIMARY KEY, manager_id INTEGER);
CREATE TABLE employees (id INTEGER PRIMARY KEY, department_id INTEGER NOT NULL REFERENCES departments);
ALTER TABLE departments ADD FOREIGN KEY (manager_id) REFERENCES employees (id);
"""


def sqlsynth(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def ddl_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sql"
    path.write_text(DDL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo model as a seeds/000 workbook, written by `sqlsynth demo-model`."""
    path = tmp_path_factory.mktemp("demo") / "model.xlsx"
    result = ok(sqlsynth("demo-model", "-o", path))
    assert "49 tables" in result.output
    return path


def test_inspect_shows_tables_keys_and_the_graph(ddl_file):
    out = ok(sqlsynth("schema", "inspect", ddl_file, "--dialect", "postgres")).stdout
    assert "shop: 4 tables, 10 columns, 3 foreign keys" in out
    assert "customers — People who buy" in out
    for needle in ("Straße", "group", "PK FK", "PK", "UQ"):
        assert needle in out
    assert "order(customer_id) -> customers(id)" in out
    assert "employees(department_id) -> departments(id)" in out
    assert "cycles (1)" in out


def test_inspect_json_is_the_schema(ddl_file):
    out = ok(sqlsynth("schema", "inspect", ddl_file, "--dialect", "postgres", "--json")).stdout
    data = json.loads(out)
    order = next(t for t in data["tables"] if t["name"] == "order")
    assert order["primary_key"] == ["customer_id", "order_no"]
    assert [(c["name"], c["type"], c["logical_type"]) for c in order["columns"]][:3] == [
        ("customer_id", "INTEGER", "integer"),
        ("order_no", "INTEGER", "integer"),
        ("group", "TEXT", "text"),
    ]
    assert {
        "source_table": "order",
        "source_columns": ["customer_id"],
        "target_table": "customers",
        "target_columns": ["id"],
        "inferred": False,
    } in data["foreign_keys"]
    assert Schema.model_validate(data) == load_schema(ddl_file, dialect="postgres")


def test_inspect_workbook_json_matches_the_library(workbook):
    out = ok(sqlsynth("schema", "inspect", workbook, "--json")).stdout
    assert Schema.from_json(out).structure() == load_schema(workbook).structure()


def test_export_writes_schema_json_that_loads_back(workbook, tmp_path):
    out = tmp_path / "schema.json"
    result = ok(sqlsynth("schema", "export", workbook, "-o", out))
    assert f"wrote {out} (49 tables, 73 foreign keys)" in result.output.replace("\n", "")
    assert load_schema(out) == load_schema(workbook)  # lossless: descriptions and all


@pytest.mark.parametrize("dialect", [*DDL_DIALECTS, "postgresql"])
def test_ddl_prints_statements_for_each_dialect(ddl_file, dialect):
    out = ok(sqlsynth("schema", "ddl", ddl_file, "--read-dialect", "postgres", "--dialect", dialect)).stdout
    read = "postgres" if dialect == "postgresql" else dialect
    statements = [s for s in sqlglot.parse(out, read=read) if s is not None]
    kinds = [type(s).__name__ for s in statements]
    # the cycle departments <-> employees: one ALTER TABLE at the end, except DuckDB (dropped) and
    # SQLite (kept inline)
    assert kinds == ["Create"] * 4 + ([] if read in ("duckdb", "sqlite") else ["Alter"])
    assert out.endswith(";\n")


def test_ddl_output_loads_back_as_the_same_model(workbook, tmp_path):
    sql = tmp_path / "model.sql"
    sql.write_text(ok(sqlsynth("schema", "ddl", workbook, "--dialect", "mysql")).stdout, encoding="utf-8")
    assert load_schema(sql, dialect="mysql").structure() == load_schema(workbook).structure()


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def model_sheets(
    columns: list[list[object]] | None = None, relationships: list[list[object]] | None = None
) -> dict[str, list[list[object]]]:
    return {
        "Tables": [["table_name", "description"], ["customers", "People"], ["orders", "Sales"]],
        "Columns": [
            ["table_name", "column_name", "data_type", "is_primary_key", "is_foreign_key"],
            ["customers", "customer_id", "int", "yes", "no"],
            ["orders", "order_id", "int", "yes", "no"],
            ["orders", "customer_id", "int", "no", "yes"],
            *(columns or []),
        ],
        "Relationships": [
            ["source_table", "source_column", "target_table", "target_column"],
            *(relationships or [["orders", "customer_id", "customers", "customer_id"]]),
        ],
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bad_workbook(sheets: dict[str, list[list[object]]]) -> Callable[[Path], tuple[str, str]]:
    def make(tmp: Path) -> tuple[str, str]:
        path = write_workbook(tmp / "model.xlsx", sheets)
        return str(path), str(path)

    return make


def bad_text(name: str, text: str) -> Callable[[Path], tuple[str, str]]:
    def make(tmp: Path) -> tuple[str, str]:
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path), str(path)

    return make


def unreachable_postgres(tmp: Path) -> tuple[str, str]:
    url = f"postgresql://reader:s3cret@127.0.0.1:{closed_port()}/shop"
    return url, url.replace("s3cret", "***")


def missing_sqlite(tmp: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp / 'nowhere.db'}"
    return url, url


# (make the source -> (argument, how the message names it), what follows the name in the message)
BAD_INPUTS = {
    "missing sheet": (
        bad_workbook({k: v for k, v in model_sheets().items() if k != "Columns"}),
        ": missing sheet 'Columns'",
    ),
    "missing header": (
        bad_workbook({**model_sheets(), "Tables": [["name", "description"], ["customers", ""]]}),
        ", sheet Tables, row 1: missing required column header(s): table_name",
    ),
    "column of an unlisted table": (
        bad_workbook(model_sheets(columns=[["clients", "id", "int", "no", "no"]])),
        ", sheet Columns, row 5: table 'clients' is not listed in sheet Tables",
    ),
    "relationship to an unknown table": (
        bad_workbook(model_sheets(relationships=[["orders", "customer_id", "client", "customer_id"]])),
        ", sheet Relationships, row 2: target_table 'client': unknown table",
    ),
    "relationship to an unknown column": (
        bad_workbook(model_sheets(relationships=[["orders", "customer_id", "customers", "cid"]])),
        ", sheet Relationships, row 2: target_column 'cid'",
    ),
    "duplicate column": (
        bad_workbook(model_sheets(columns=[["orders", "Order_ID", "int", "no", "no"]])),
        ", sheet Columns, row 5: duplicate column orders.Order_ID",
    ),
    "not a workbook": (bad_text("model.xlsx", "table_name,column_name\n"), ": not an Excel workbook"),
    "DDL that does not parse": (
        bad_text("bad.sql", "CREATE TABLE a (x INT);\n\nCREATE TABLE b (\n  y INT,\n;"),
        ", line 3: DDL does not parse",
    ),
    "DDL key to an unknown column": (
        bad_text("bad.sql", "CREATE TABLE a (x INT PRIMARY KEY);\nCREATE TABLE b (y INT REFERENCES a (z));"),
        ", line 2: foreign key b(y) -> a: unknown column a.z",
    ),
    "unreachable PostgreSQL": (unreachable_postgres, ": cannot connect"),
    "missing SQLite file": (missing_sqlite, ": no such database file"),
}


@pytest.mark.parametrize("command", ["inspect", "export", "ddl"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_naming_the_fault(tmp_path, case, command):
    make, message = BAD_INPUTS[case]
    source, named = make(tmp_path)
    extra = ["-o", str(tmp_path / "out.json")] if command == "export" else []
    result = sqlsynth("schema", command, source, *extra)
    output = " ".join(result.output.split())  # rich may wrap a long path
    assert result.exit_code == 2, result.output
    assert f"error: {named}{message}" in output
    assert "Traceback" not in output
    assert "s3cret" not in output
    assert not (tmp_path / "out.json").exists()


def test_unknown_target_dialect_exits_2(ddl_file):
    result = sqlsynth("schema", "ddl", ddl_file, "--dialect", "oracle9")
    assert result.exit_code == 2
    assert "unknown dialect 'oracle9'" in result.output
    assert "Traceback" not in result.output
