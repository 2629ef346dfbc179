"""DDL files as schema sources: one model written in four dialects, ALTER TABLE keys, comments,
identifiers that need quoting, and bad DDL reported with file and line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sqlsynth.errors import SchemaError
from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.loaders.ddl import load_ddl

# The same model in each dialect's own syntax: a reserved-word table `order` with a composite key
# and a reserved-word column `group`, a composite foreign key, UNIQUE, NOT NULL, comments, and
# statements that are not tables (SET, INDEX, VIEW, INSERT) mixed in.
SHOP = {
    "sqlite": """
PRAGMA foreign_keys = ON;
CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(100) NOT NULL UNIQUE,
    active BOOLEAN,
    signup DATE
);
CREATE TABLE "order" (
    customer_id INTEGER NOT NULL REFERENCES customers,
    order_no INTEGER NOT NULL,
    "group" TEXT,
    total NUMERIC(10, 2),
    PRIMARY KEY (customer_id, order_no)
);
CREATE TABLE order_items (
    customer_id INTEGER NOT NULL,
    order_no INTEGER NOT NULL,
    line INTEGER NOT NULL,
    price REAL,
    PRIMARY KEY (customer_id, order_no, line),
    CONSTRAINT fk_item_order FOREIGN KEY (customer_id, order_no) REFERENCES "order" (customer_id, order_no)
);
CREATE INDEX ix_items ON order_items (order_no);
INSERT INTO customers (email) VALUES ('a;b@example.com');
""",
    "postgres": """
SET client_encoding = 'UTF8';
CREATE TABLE public.customers (
    id serial PRIMARY KEY,
    email character varying(100) NOT NULL UNIQUE,
    active boolean,
    signup date
);
COMMENT ON TABLE public.customers IS 'People who buy';
COMMENT ON COLUMN public.customers.email IS 'Login address';
CREATE TABLE public."order" (
    customer_id integer NOT NULL REFERENCES public.customers (id),
    order_no integer NOT NULL,
    "group" text,
    total numeric(10, 2),
    PRIMARY KEY (customer_id, order_no)
);
CREATE TABLE public.order_items (
    customer_id integer NOT NULL,
    order_no integer NOT NULL,
    line integer NOT NULL,
    price double precision,
    CONSTRAINT order_items_pkey PRIMARY KEY (customer_id, order_no, line),
    FOREIGN KEY (customer_id, order_no) REFERENCES public."order" (customer_id, order_no)
);
CREATE VIEW big AS SELECT * FROM public."order" WHERE total > 100;
""",
    "mysql": """
SET NAMES utf8mb4;
DROP TABLE IF EXISTS `customers`;
CREATE TABLE `customers` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `email` varchar(100) NOT NULL COMMENT 'Login address',
  `active` tinyint(1) DEFAULT NULL,
  `signup` date,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_email` (`email`),
  KEY `ix_signup` (`signup`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='People who buy';
CREATE TABLE `order` (
  `customer_id` int NOT NULL,
  `order_no` int NOT NULL,
  `group` varchar(20),
  `total` decimal(10,2),
  PRIMARY KEY (`customer_id`, `order_no`),
  CONSTRAINT `fk_order_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE `order_items` (
  `customer_id` int NOT NULL,
  `order_no` int NOT NULL,
  `line` int NOT NULL,
  `price` double,
  PRIMARY KEY (`customer_id`, `order_no`, `line`),
  FOREIGN KEY (`customer_id`, `order_no`) REFERENCES `order` (`customer_id`, `order_no`)
);
LOCK TABLES `order` WRITE;
INSERT INTO `order` VALUES (1, 1, 'x;y', 1.00);
UNLOCK TABLES;
""",
    "bigquery": """
CREATE TABLE shop.customers (
  id INT64 NOT NULL,
  email STRING(100) NOT NULL OPTIONS(description="Login address"),
  active BOOL,
  signup DATE,
  PRIMARY KEY (id) NOT ENFORCED
) OPTIONS(description="People who buy");
CREATE TABLE `shop.order` (
  customer_id INT64 NOT NULL,
  order_no INT64 NOT NULL,
  `group` STRING,
  total NUMERIC(10, 2),
  PRIMARY KEY (customer_id, order_no) NOT ENFORCED,
  FOREIGN KEY (customer_id) REFERENCES shop.customers(id) NOT ENFORCED
);
CREATE TABLE shop.order_items (
  customer_id INT64 NOT NULL,
  order_no INT64 NOT NULL,
  line INT64 NOT NULL,
  price FLOAT64,
  PRIMARY KEY (customer_id, order_no, line) NOT ENFORCED,
  FOREIGN KEY (customer_id, order_no) REFERENCES shop.`order`(customer_id, order_no) NOT ENFORCED
);
""",
}

SHOP_STRUCTURE = {
    "tables": {
        "customers": {
            "columns": {"id": "integer", "email": "text", "active": "boolean", "signup": "date"},
            "primary_key": ["id"],
        },
        "order": {
            "columns": {"customer_id": "integer", "order_no": "integer", "group": "text", "total": "decimal"},
            "primary_key": ["customer_id", "order_no"],
        },
        "order_items": {
            "columns": {"customer_id": "integer", "order_no": "integer", "line": "integer", "price": "float"},
            "primary_key": ["customer_id", "line", "order_no"],
        },
    },
    "foreign_keys": [
        ("order", ("customer_id",), "customers", ("id",)),
        ("order_items", ("customer_id", "order_no"), "order", ("customer_id", "order_no")),
    ],
}


def write(tmp_path: Path, text: str, name: str = "schema.sql") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(params=sorted(SHOP))
def shop(request: pytest.FixtureRequest, tmp_path: Path):
    """(dialect, schema) for the shop model written in that dialect."""
    dialect = request.param
    return dialect, load_schema(write(tmp_path, SHOP[dialect], "shop.sql"), dialect=dialect)


def test_every_dialect_gives_the_same_model(shop):
    dialect, schema = shop
    if dialect == "mysql":  # tinyint(1) is MySQL's boolean by convention only: logically an integer
        expected = {**SHOP_STRUCTURE, "tables": dict(SHOP_STRUCTURE["tables"])}
        expected["tables"]["customers"] = {
            **SHOP_STRUCTURE["tables"]["customers"],
            "columns": {**SHOP_STRUCTURE["tables"]["customers"]["columns"], "active": "integer"},
        }
    else:
        expected = SHOP_STRUCTURE
    assert schema.structure() == expected
    assert schema.name == "shop"
    assert schema.table_names == ["customers", "order", "order_items"]  # file order kept


def test_nullability_and_uniqueness(shop):
    dialect, schema = shop
    customers, order = schema.table("customers"), schema.table("order")
    assert customers.column("email").nullable is False
    assert customers.column("email").unique is (dialect != "bigquery")  # BigQuery has no UNIQUE
    assert customers.column("signup").unique is False
    assert customers.column("id").nullable is False  # primary key
    assert customers.column("active").nullable is True  # DEFAULT NULL / no constraint
    assert order.column("group").nullable is True
    assert [c.name for c in schema.table("order_items").columns if not c.nullable] == [
        "customer_id",
        "order_no",
        "line",
    ]


@pytest.mark.parametrize(
    ("dialect", "table", "column", "native", "logical"),
    [
        ("sqlite", "customers", "id", "INTEGER", "integer"),
        ("sqlite", "order", "total", "NUMERIC(10, 2)", "decimal"),
        ("sqlite", "customers", "email", "VARCHAR(100)", "text"),  # not sqlglot's TEXT(100)
        ("postgres", "customers", "id", "serial", "integer"),
        ("postgres", "customers", "email", "character varying(100)", "text"),
        ("postgres", "order_items", "price", "double precision", "float"),
        ("mysql", "customers", "id", "int(11)", "integer"),
        ("mysql", "order", "total", "decimal(10,2)", "decimal"),
        ("bigquery", "customers", "id", "INT64", "integer"),
        ("bigquery", "customers", "email", "STRING(100)", "text"),
        ("bigquery", "order_items", "price", "FLOAT64", "float"),
    ],
)
def test_native_type_is_kept_as_written(tmp_path, dialect, table, column, native, logical):
    schema = load_ddl(write(tmp_path, SHOP[dialect]), dialect=dialect)
    col = schema.table(table).column(column)
    assert (col.type, col.logical_type.value) == (native, logical)


@pytest.mark.parametrize(
    ("dialect", "table", "column", "description"),
    [
        ("postgres", "customers", None, "People who buy"),  # COMMENT ON TABLE
        ("postgres", "customers", "email", "Login address"),  # COMMENT ON COLUMN
        ("mysql", "customers", None, "People who buy"),  # table COMMENT='...'
        ("mysql", "customers", "email", "Login address"),  # column COMMENT '...'
        ("bigquery", "customers", None, "People who buy"),  # table OPTIONS(description=...)
        ("bigquery", "customers", "email", "Login address"),  # column OPTIONS(description=...)
        ("sqlite", "customers", "email", ""),  # SQLite has no comments
    ],
)
def test_comments(tmp_path, dialect, table, column, description):
    schema = load_ddl(write(tmp_path, SHOP[dialect]), dialect=dialect)
    target = schema.table(table) if column is None else schema.table(table).column(column)
    assert target.description == description


def test_alter_table_keys_and_columns_pg_dump_style(tmp_path):
    ddl = """
CREATE TABLE public.departments (id integer NOT NULL, manager_id integer);
CREATE TABLE public.employees (id integer NOT NULL, department_id integer NOT NULL, mentor integer);
ALTER TABLE ONLY public.departments ADD CONSTRAINT departments_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.employees ADD CONSTRAINT employees_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.employees
    ADD CONSTRAINT employees_department_id_fkey FOREIGN KEY (department_id) REFERENCES public.departments(id);
ALTER TABLE public.departments ADD FOREIGN KEY (manager_id) REFERENCES public.employees (id);
ALTER TABLE employees ADD CONSTRAINT self_fk FOREIGN KEY (mentor) REFERENCES employees;
ALTER TABLE employees ADD COLUMN hired date NOT NULL, ADD badge varchar(10);
ALTER TABLE employees ADD CONSTRAINT uq_badge UNIQUE (badge);
ALTER TABLE ONLY public.employees ALTER COLUMN id SET DEFAULT nextval('employees_id_seq'::regclass);
"""
    schema = load_ddl(write(tmp_path, ddl), dialect="postgres")
    assert schema.table("departments").primary_key == ["id"]
    assert schema.table("employees").primary_key == ["id"]
    assert [str(fk) for fk in schema.foreign_keys] == [
        "employees(department_id) -> departments(id)",
        "departments(manager_id) -> employees(id)",
        "employees(mentor) -> employees(id)",  # no column list: the primary key
    ]
    employees = schema.table("employees")
    assert employees.column_names == ["id", "department_id", "mentor", "hired", "badge"]
    assert (employees.column("hired").logical_type.value, employees.column("hired").nullable) == (
        "date",
        False,
    )
    assert employees.column("badge").unique is True


def test_identifiers_keep_their_exact_spelling(tmp_path):
    ddl = """
CREATE TABLE "Order" ("Group" INT PRIMARY KEY, "select" TEXT, "Straße Name" TEXT, größe INT, "日付" DATE);
CREATE TABLE "user" (
    id INT PRIMARY KEY,
    "Group" INT REFERENCES "Order" ("Group"),
    "MixedCase" INT
);
COMMENT ON COLUMN "Order"."Straße Name" IS 'Straße, wo der Kunde wohnt';
"""
    schema = load_ddl(write(tmp_path, ddl), dialect="postgres")
    assert schema.table_names == ["Order", "user"]
    assert schema.table("Order").column_names == ["Group", "select", "Straße Name", "größe", "日付"]
    assert schema.table("Order").primary_key == ["Group"]
    assert schema.table("Order").column("日付").logical_type.value == "date"
    assert schema.table("Order").column("Straße Name").description == "Straße, wo der Kunde wohnt"
    assert [str(fk) for fk in schema.foreign_keys] == ["user(Group) -> Order(Group)"]
    assert schema.table("user").column_names == ["id", "Group", "MixedCase"]


@pytest.mark.parametrize(
    ("dialect", "ddl"),
    [
        ("mysql", "CREATE TABLE `order` (`group` INT PRIMARY KEY, `Straße` TEXT);"),
        (
            "tsql",
            "CREATE TABLE [dbo].[order] ([group] INT NOT NULL, [Straße] NVARCHAR(50),\n"
            " CONSTRAINT pk_order PRIMARY KEY CLUSTERED ([group] ASC));",
        ),
        (
            "bigquery",
            "CREATE TABLE ds.`order` (`group` INT64 NOT NULL, `Straße` STRING,\n"
            " PRIMARY KEY (`group`) NOT ENFORCED);",
        ),
        ("snowflake", 'CREATE TABLE db.sch."order" ("group" NUMBER(38, 0) PRIMARY KEY, "Straße" VARCHAR);'),
    ],
)
def test_dialect_quoting_and_qualified_names(tmp_path, dialect, ddl):
    schema = load_ddl(write(tmp_path, ddl), dialect=dialect)
    assert schema.structure()["tables"] == {
        "order": {"columns": {"group": "integer", "Straße": "text"}, "primary_key": ["group"]}
    }


def test_tsql_bit_is_boolean(tmp_path):
    schema = load_ddl(write(tmp_path, "CREATE TABLE t (id INT PRIMARY KEY, flag BIT NOT NULL);"), "tsql")
    assert schema.table("t").column("flag").logical_type.value == "boolean"


def test_references_resolve_to_declared_spelling(tmp_path):
    # unquoted names are case-insensitive in SQL: REFERENCES CUSTOMERS(ID) means customers(id)
    ddl = (
        "CREATE TABLE customers (id INT PRIMARY KEY);\nCREATE TABLE orders (c INT REFERENCES CUSTOMERS(ID));"
    )
    schema = load_ddl(write(tmp_path, ddl))
    assert [str(fk) for fk in schema.foreign_keys] == ["orders(c) -> customers(id)"]


def test_other_statements_are_ignored(tmp_path, caplog):
    ddl = """
CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.updated := now(); RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE SEQUENCE s;
CREATE TABLE t (x int PRIMARY KEY, updated timestamp);
CREATE MATERIALIZED VIEW mv AS SELECT * FROM t;
CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
GRANT SELECT ON t TO public;
CREATE TABLE t_copy AS SELECT * FROM t;
"""
    with caplog.at_level(logging.WARNING, logger="sqlsynth.schema"):
        schema = load_ddl(write(tmp_path, ddl), dialect="postgres")
    assert schema.table_names == ["t"]
    assert "line 12: CREATE TABLE t_copy has no column list" in caplog.text


def test_unknown_type_is_other_with_a_warning(tmp_path, caplog):
    ddl = "CREATE TABLE t (id INT PRIMARY KEY, mood mood, untyped);"
    with caplog.at_level(logging.WARNING, logger="sqlsynth.schema"):
        schema = load_ddl(write(tmp_path, ddl), dialect="sqlite")
    t = schema.table("t")
    assert (t.column("mood").type, t.column("mood").logical_type.value) == ("mood", "other")
    assert (t.column("untyped").type, t.column("untyped").logical_type.value) == ("", "other")
    assert "unknown data type 'mood'" in caplog.text


def test_load_schema_dispatches_sql_and_ddl_files(tmp_path):
    for name in ("a.sql", "b.DDL"):
        path = write(tmp_path, SHOP["postgres"], name)
        assert load_schema(path, dialect="postgresql").structure() == SHOP_STRUCTURE


# (DDL, message regex, line of the statement at fault)
BAD_DDL = [
    # unbalanced parenthesis: the CREATE starting on line 3 fails (sqlglot notices on line 6)
    (
        "CREATE TABLE a (x INT);\n\nCREATE TABLE b (\n  y INT,\n  z INT\n;\nCREATE TABLE c (z INT);",
        r"DDL does not parse \(postgres\): Expecting \)",
        3,
    ),
    ("CREATE TABLE a (x INT);\n-- typo below\nCREATEE TABLE b (x INT);", r"DDL does not parse", 3),
    ("CREATE TABLE a (x INT);\nhello world;", r"not a SQL statement: 'hello world'", 2),
    ("CREATE TABLE a (x INT);\n\nCREATE TABLE b (y TEXT DEFAULT 'abc);\n", r"unterminated string", 3),
    ("CREATE TABLE `a` (x INT) ENGINE=InnoDB;", r"CREATE TABLE not understood", 1),  # MySQL read as PG
    (
        "CREATE TABLE a (x INT PRIMARY KEY);\nCREATE TABLE b (\n  y INT REFERENCES nope (x)\n);",
        r"foreign key b\(y\) -> nope: unknown table 'nope'",
        2,
    ),
    (
        "CREATE TABLE a (x INT PRIMARY KEY);\nCREATE TABLE b (y INT,\n  FOREIGN KEY (y) REFERENCES a (zz));",
        r"foreign key b\(y\) -> a: unknown column a\.zz",
        2,
    ),
    (
        "CREATE TABLE a (x INT PRIMARY KEY);\nCREATE TABLE b (y INT,\n  FOREIGN KEY (yy) REFERENCES a (x));",
        r"unknown column b\.yy",
        2,
    ),
    ("CREATE TABLE a (x INT);\nCREATE TABLE b (y INT REFERENCES a);", r"table 'a' has no primary key", 2),
    (
        "CREATE TABLE a (x INT, y INT, PRIMARY KEY (x, y));\nCREATE TABLE b (y INT REFERENCES a);",
        r"1 column\(s\) reference 2",
        2,
    ),
    (
        "CREATE TABLE a (x INT PRIMARY KEY);\n\nALTER TABLE b ADD FOREIGN KEY (y) REFERENCES a (x);",
        r"ALTER TABLE b: unknown table 'b'",
        3,
    ),
    ('CREATE TABLE a (x INT, "X" INT);', r"table 'a': duplicate column 'X'", 1),
    (
        "CREATE TABLE a (x INT);\nCREATE TABLE A (x INT);",
        r"duplicate table 'A' \(first created at line 1\)",
        2,
    ),
    ("CREATE TABLE a (x INT PRIMARY KEY, y INT PRIMARY KEY);", r"second primary key", 1),
    ("CREATE TABLE a (x INT, PRIMARY KEY (z));", r"primary key of table 'a': no column 'z'", 1),
]


@pytest.mark.parametrize(("ddl", "message", "line"), BAD_DDL)
def test_bad_ddl_names_file_and_line(tmp_path, ddl, message, line):
    path = write(tmp_path, ddl, "bad.sql")
    with pytest.raises(SchemaError, match=message) as err:
        load_schema(path, dialect="postgres")
    assert err.value.where == f"{path}, line {line}"


@pytest.mark.parametrize(
    ("content", "dialect", "message"),
    [
        ("-- nothing here\nSELECT 1;", "postgres", "no CREATE TABLE statements found"),
        ("CREATE TABLE a (x INT);", "klingon", "unknown SQL dialect 'klingon'"),
        (b"\xff\xfe\x00CREATE", "postgres", "not a UTF-8 text file"),
    ],
)
def test_bad_file_names_the_file(tmp_path, content, dialect, message):
    path = tmp_path / "bad.sql"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SchemaError, match=message) as err:
        load_ddl(path, dialect=dialect)
    assert err.value.where == str(path)
