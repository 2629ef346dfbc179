"""sqlsynth: Text-to-SQL training data for your own database."""

from sqlsynth.errors import SchemaError, SqlsynthError
from sqlsynth.schema import Column, Concept, ForeignKey, LogicalType, Schema, Table, load_schema

__version__ = "0.1.0"

__all__ = [
    "Column",
    "Concept",
    "ForeignKey",
    "LogicalType",
    "Schema",
    "SchemaError",
    "SqlsynthError",
    "Table",
    "__version__",
    "load_schema",
]
