"""User-facing errors: a short message naming what is at fault, turned into exit code 2 by the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


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


def first_problem(err: ValidationError, default: str = "") -> str:
    """The first problem of a pydantic error as `field.path: message` (`default` names the field
    when the problem is with the whole object)."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or default
    return f"{loc}: {first['msg']}" if loc else first["msg"]
