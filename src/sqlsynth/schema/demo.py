"""The built-in demo data model: the e-commerce schema of seeds/000, shipped inside the package."""

from __future__ import annotations

from importlib import resources

from sqlsynth.schema.model import Schema
from sqlsynth.schema.validation import check_schema

DEMO_RESOURCE = "demo_model.json"


def demo_schema() -> Schema:
    """The `ecommerce` demo schema (49 tables), validated; a fresh object on every call."""
    text = resources.files("sqlsynth").joinpath("data", DEMO_RESOURCE).read_text(encoding="utf-8")
    return check_schema(Schema.from_json(text), where=f"sqlsynth/data/{DEMO_RESOURCE}")
