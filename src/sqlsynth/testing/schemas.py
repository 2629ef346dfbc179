"""Small schemas with the shapes that break generators: for tests and for trying things out.

- `tricky()`: reserved words, mixed case, unicode and spaces in names; composite keys and FKs; a
  bridge table; a self-reference; an FK cycle closed by a nullable column.
- `single_table()`: one table, no keys to walk.
- `no_foreign_keys()`: three tables and not one relationship.
"""

from __future__ import annotations

from typing import Any

from sqlsynth.schema.model import Column, ForeignKey, Schema, Table


def _col(name: str, type_: str, *, nullable: bool = True, values: list[Any] | None = None) -> Column:
    return Column(name=name, type=type_, nullable=nullable, possible_values=values)


def _fk(src: str, cols: list[str], dst: str, dcols: list[str]) -> ForeignKey:
    return ForeignKey(source_table=src, source_columns=cols, target_table=dst, target_columns=dcols)


def tricky() -> Schema:
    return Schema(
        name="tricky",
        tables=[
            Table(
                name="group",
                columns=[
                    _col("id", "INT", nullable=False),
                    _col("name", "VARCHAR(40)"),
                    _col("select", "TEXT"),
                ],
                primary_key=["id"],
            ),
            Table(
                name="order",
                columns=[
                    _col("id", "INT", nullable=False),
                    _col("group_id", "INT", nullable=False),
                    _col("placed_at", "TIMESTAMP", nullable=False),
                    _col("shipped_at", "TIMESTAMP"),
                    _col("total", "DECIMAL(10,2)", nullable=False),
                    _col("status", "VARCHAR(12)", nullable=False, values=["new", "paid", "sent"]),
                    _col("Email", "VARCHAR(120)", nullable=False),
                ],
                primary_key=["id"],
            ),
            Table(
                name="région",
                columns=[
                    _col("pays", "VARCHAR(60)", nullable=False),
                    _col("code", "INT", nullable=False),
                    _col("nom complet", "TEXT"),
                ],
                primary_key=["pays", "code"],
            ),
            Table(
                name="café menu",
                columns=[
                    _col("item id", "INT", nullable=False),
                    _col("pays", "VARCHAR(60)", nullable=False),
                    _col("code", "INT", nullable=False),
                    _col("prix €", "DECIMAL(8,2)", nullable=False),
                    _col("label", "VARCHAR(60)", nullable=False),
                ],
                primary_key=["item id"],
            ),
            Table(
                name="order line",
                columns=[
                    _col("order_id", "INT", nullable=False),
                    _col("item id", "INT", nullable=False),
                    _col("quantity", "INT", nullable=False),
                ],
                primary_key=["order_id", "item id"],
            ),
            Table(
                name="team",
                columns=[
                    _col("team_id", "INT", nullable=False),
                    _col("name", "VARCHAR(40)"),
                    _col("lead_id", "INT"),
                ],
                primary_key=["team_id"],
            ),
            Table(
                name="staff",
                columns=[
                    _col("staff_id", "INT", nullable=False),
                    _col("full name", "VARCHAR(80)", nullable=False),
                    _col("boss_id", "INT"),
                    _col("team_id", "INT", nullable=False),
                    _col("hired_on", "DATE", nullable=False),
                    _col("salary", "DECIMAL(10,2)"),
                ],
                primary_key=["staff_id"],
            ),
        ],
        foreign_keys=[
            _fk("order", ["group_id"], "group", ["id"]),
            _fk("café menu", ["pays", "code"], "région", ["pays", "code"]),
            _fk("order line", ["order_id"], "order", ["id"]),
            _fk("order line", ["item id"], "café menu", ["item id"]),
            _fk("staff", ["boss_id"], "staff", ["staff_id"]),
            _fk("staff", ["team_id"], "team", ["team_id"]),
            _fk("team", ["lead_id"], "staff", ["staff_id"]),
        ],
    )


def single_table() -> Schema:
    return Schema(
        name="single",
        tables=[
            Table(
                name="books",
                columns=[
                    _col("book_id", "INTEGER", nullable=False),
                    _col("title", "VARCHAR(120)", nullable=False),
                    _col("author", "VARCHAR(80)", nullable=False),
                    _col("genre", "VARCHAR(20)", values=["fiction", "history", "science", "poetry"]),
                    _col("price", "DECIMAL(8,2)", nullable=False),
                    _col("published_on", "DATE"),
                    _col("in_print", "BOOLEAN", nullable=False),
                ],
                primary_key=["book_id"],
            )
        ],
    )


def no_foreign_keys() -> Schema:
    return Schema(
        name="nofk",
        tables=[
            Table(
                name="cities",
                columns=[
                    _col("city", "VARCHAR(60)", nullable=False),
                    _col("country", "VARCHAR(60)", nullable=False),
                    _col("population", "INTEGER"),
                ],
                primary_key=["city"],
            ),
            Table(
                name="weather",
                columns=[
                    _col("station", "VARCHAR(30)", nullable=False),
                    _col("day", "DATE", nullable=False),
                    _col("temperature", "FLOAT"),
                    _col("rain_mm", "FLOAT"),
                ],
                primary_key=["station", "day"],
            ),
            Table(
                name="events",
                columns=[
                    _col("name", "VARCHAR(80)"),
                    _col("starts_at", "TIMESTAMP"),
                    _col("seats", "INTEGER"),
                ],
            ),
        ],
    )


SCHEMAS = {"tricky": tricky, "single": single_table, "nofk": no_foreign_keys}
