"""sqlsynth's own schema JSON: a lossless dump of the Schema model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sqlsynth.errors import SchemaError, first_problem
from sqlsynth.schema.model import Schema
from sqlsynth.schema.validation import check_schema


def load_native(path: Path, data: Any) -> Schema:
    try:
        schema = Schema.model_validate(data)
    except ValidationError as err:
        raise SchemaError(first_problem(err), where=str(path)) from None
    return check_schema(schema, where=str(path))
