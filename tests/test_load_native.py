import json

import pytest

from sqlsynth import Column, Concept, ForeignKey, Schema, SchemaError, Table, load_schema


def rich_schema() -> Schema:
    return Schema(
        name="Bestellungen",
        description="orders, in German",
        tables=[
            Table(
                name="Kunden Straße",
                description="Kunden",
                primary_key=["id"],
                columns=[
                    Column(name="id", type="INTEGER", nullable=False),
                    Column(
                        name="group", type="VARCHAR(20)", possible_values=["a", "b"], display_name="Gruppe"
                    ),
                ],
            ),
            Table(
                name="order",
                primary_key=["id", "line"],
                columns=[
                    Column(name="id", type="INTEGER", nullable=False),
                    Column(name="line", type="INTEGER", nullable=False),
                    Column(name="kunde", type="INTEGER", include=False, unique=True, description="wer"),
                ],
            ),
        ],
        foreign_keys=[
            ForeignKey(
                source_table="order",
                source_columns=["kunde"],
                target_table="Kunden Straße",
                target_columns=["id"],
                inferred=True,
            )
        ],
        concepts=[Concept(term="Stammkunde", description="regular", tables=["Kunden Straße"])],
    )


def test_native_json_round_trip(tmp_path):
    path = tmp_path / "schema.json"
    rich_schema().save(path)
    assert load_schema(path) == rich_schema()


def test_native_json_bad_field_names_the_location(tmp_path):
    data = json.loads(rich_schema().to_json())
    data["tables"][1]["columns"][0]["nullable"] = "sometimes"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match=r"tables\.1\.columns\.0\.nullable") as err:
        load_schema(path)
    assert err.value.where == str(path)


def test_native_json_dangling_fk_is_an_error(tmp_path):
    data = json.loads(rich_schema().to_json())
    data["foreign_keys"][0]["target_table"] = "Kunden"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match="target table 'Kunden' does not exist"):
        load_schema(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.json", "{not json", "not valid JSON"),
        ("x.txt", "hello", "cannot tell the schema format"),
        ("missing.sql", None, "no such file"),
    ],
)
def test_unreadable_sources(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(SchemaError, match=message) as err:
        load_schema(path)
    assert err.value.where == str(path)


def test_unsupported_url_scheme():
    with pytest.raises(SchemaError, match="unsupported URL scheme 'oracle'"):
        load_schema("oracle://scott@db/orcl")


def test_unsupported_url_scheme_does_not_show_the_password():
    with pytest.raises(SchemaError, match="unsupported URL scheme 'mysql'") as err:
        load_schema("mysql://scott:tiger@db/shop")
    assert "tiger" not in str(err.value)
