"""User-facing errors: a short message naming what is at fault, turned into exit code 2 by the CLI."""

from __future__ import annotations


class SqlsynthError(Exception):
    """An error caused by the user's input (file, sheet, row, table, column, URL...)."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class SchemaError(SqlsynthError):
    """A schema source that cannot be read or is inconsistent."""


class EngineError(SqlsynthError):
    """A database that cannot be reached or used as asked."""
