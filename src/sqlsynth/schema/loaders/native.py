"""sqlsynth's own schema JSON: a lossless dump of the Schema model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sqlsynth.errors import SchemaError
from sqlsynth.schema.model import Schema
from sqlsynth.schema.validation import check_schema


def load_native(path: Path, data: Any) -> Schema:
    try:
        schema = Schema.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise SchemaError(f"{loc}: {first['msg']}", where=str(path)) from None
    return check_schema(schema, where=str(path))
