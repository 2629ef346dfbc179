"""Checks every loader runs on what it built: errors stop, warnings are logged."""

from __future__ import annotations

import logging

from sqlsynth.errors import SchemaError
from sqlsynth.schema.model import Schema

log = logging.getLogger("sqlsynth.schema")


def check_schema(schema: Schema, *, where: str) -> Schema:
    """Raise SchemaError on the first inconsistency; log warnings; return the schema."""
    problems = schema.problems()
    if problems:
        raise SchemaError(problems[0], where=where)
    for warning in schema.warnings():
        log.warning("%s: %s", where, warning)
    return schema
