"""Foreign keys inferred from column names."""

import pytest

from sqlsynth import Column, ForeignKey, Schema, Table
from sqlsynth.schema.infer import id_stem, infer_foreign_keys, plural_forms


def table(name, *columns):
    """`table("orders", "order_id:int*", "note:text")`: `*` marks primary-key columns."""
    cols, pk = [], []
    for spec in columns:
        cname, ctype = spec.rstrip("*").split(":")
        cols.append(Column(name=cname, type=ctype))
        if spec.endswith("*"):
            pk.append(cname)
    return Table(name=name, columns=cols, primary_key=pk)


def inferred(*tables, fks=()):
    schema = Schema(tables=list(tables), foreign_keys=list(fks))
    found = infer_foreign_keys(schema)
    assert all(fk.inferred for fk in found)
    return [str(fk) for fk in found]


CUSTOMERS = table("customers", "customer_id:int*", "name:text")

CASES = {
    "x_id to xs, target is the primary key": (
        [CUSTOMERS, table("orders", "order_id:int*", "customer_id:bigint")],
        ["orders(customer_id) -> customers(customer_id)"],
    ),
    "x_id to table x": (
        [table("product", "product_id:int*"), table("lines", "product_id:int")],
        ["lines(product_id) -> product(product_id)"],
    ),
    "y to ies plural": (
        [table("categories", "category_id:int*"), table("products", "id:int*", "category_id:int")],
        ["products(category_id) -> categories(category_id)"],
    ),
    "xes plural, target is column id when there is no primary key": (
        [table("boxes", "id:int", "label:text"), table("items", "item_id:int*", "box_id:int")],
        ["items(box_id) -> boxes(id)"],
    ),
    "target is a same-named column when there is no single key": (
        [table("hosts", "host_id:int", "zone:text"), table("alarms", "host_id:int")],
        ["alarms(host_id) -> hosts(host_id)"],
    ),
    "camelCase id suffix": (
        [table("Customers", "CustomerID:int*"), table("Orders", "OrderID:int*", "CustomerID:int")],
        ["Orders(CustomerID) -> Customers(CustomerID)"],
    ),
    "shared primary-key name without the naming convention": (
        [table("employees", "emp_no:int*"), table("salaries", "emp_no:int*", "from_date:date*")],
        ["salaries(emp_no) -> employees(emp_no)"],
    ),
    "1:1 extension table points to the owner only": (
        [CUSTOMERS, table("customer_details", "customer_id:int*", "bio:text")],
        ["customer_details(customer_id) -> customers(customer_id)"],
    ),
    "junction table: one key per side": (
        [
            table("students", "student_id:int*"),
            table("courses", "course_code:text*"),
            table("enrolments", "student_id:int*", "course_code:varchar(8)*"),
        ],
        [
            "enrolments(student_id) -> students(student_id)",
            "enrolments(course_code) -> courses(course_code)",
        ],
    ),
    "order follows tables then columns": (
        [
            table("orders", "order_id:int*", "shop_id:int", "customer_id:int"),
            table("shops", "shop_id:int*"),
            CUSTOMERS,
        ],
        ["orders(shop_id) -> shops(shop_id)", "orders(customer_id) -> customers(customer_id)"],
    ),
    # -- nothing to infer -------------------------------------------------------------------------
    "type mismatch is skipped": (
        [CUSTOMERS, table("orders", "order_id:int*", "customer_id:varchar(10)")],
        [],
    ),
    "date vs integer is skipped": (
        [table("days", "day_id:int*"), table("events", "day_id:date")],
        [],
    ),
    "own primary key is not a self-reference": ([CUSTOMERS], []),
    "parent_id is not guessed as a self-reference": (
        [table("employees", "employee_id:int*", "manager_id:int", "employees_id:int")],
        [],
    ),
    "generic shared name is not a key": (
        [table("countries", "code:text*"), table("cities", "city_id:int*", "code:text")],
        [],
    ),
    "ambiguous shared name is skipped": (
        [
            table("staff", "emp_no:int*"),
            table("contractors", "emp_no:int*"),
            table("timesheets", "ts_id:int*", "emp_no:int"),
        ],
        [],
    ),
    "composite target without id or same-named column": (
        [table("shipments", "order_no:int*", "line:int*"), table("notes", "shipment_id:int")],
        [],
    ),
    "no matching table": ([table("orders", "order_id:int*", "warehouse_id:int")], []),
}


@pytest.mark.parametrize(("tables", "expected"), list(CASES.values()), ids=list(CASES))
def test_infer_foreign_keys(tables, expected):
    assert inferred(*tables) == expected


def test_existing_keys_are_not_duplicated_or_second_guessed():
    orders = table("orders", "order_id:int*", "customer_id:int", "shop_id:int")
    shops = table("shops", "shop_id:int*")
    declared = ForeignKey(
        source_table="orders",
        source_columns=["customer_id"],
        target_table="customers",
        target_columns=["customer_id"],
    )
    assert inferred(CUSTOMERS, orders, shops, fks=[declared]) == ["orders(shop_id) -> shops(shop_id)"]
    # a column already declared as a key to somewhere else gets no second target
    other = declared.model_copy(update={"target_table": "shops", "target_columns": ["shop_id"]})
    assert inferred(CUSTOMERS, orders, shops, fks=[other]) == ["orders(shop_id) -> shops(shop_id)"]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("customer_id", "customer"),
        ("Customer_ID", "Customer"),
        ("customerId", "customer"),
        ("CustomerID", "Customer"),
        ("id", None),
        ("paid", None),
        ("UUID", None),
        ("valid", None),
    ],
)
def test_id_stem(name, stem):
    assert id_stem(name) == stem


def test_plural_forms():
    assert plural_forms("Category") == ["category", "categorys", "categoryes", "categories"]
    assert plural_forms("box") == ["box", "boxs", "boxes"]
