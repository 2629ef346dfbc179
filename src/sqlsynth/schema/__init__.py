"""Schema model, logical types, FK graph and loaders."""

from sqlsynth.schema.loaders import load_schema
from sqlsynth.schema.model import Column, Concept, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType, logical_type_of

__all__ = [
    "Column",
    "Concept",
    "ForeignKey",
    "LogicalType",
    "Schema",
    "Table",
    "load_schema",
    "logical_type_of",
]
