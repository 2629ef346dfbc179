"""Logical types: the small set of value kinds every stage reasons about, derived from native types."""

from __future__ import annotations

import re
from enum import StrEnum

from sqlglot import exp


class LogicalType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    FLOAT = "float"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    BINARY = "binary"
    JSON = "json"
    OTHER = "other"

    @property
    def is_numeric(self) -> bool:
        return self in (LogicalType.INTEGER, LogicalType.DECIMAL, LogicalType.FLOAT)

    @property
    def is_temporal(self) -> bool:
        return self in (LogicalType.DATE, LogicalType.DATETIME, LogicalType.TIME)

    @property
    def is_dated(self) -> bool:
        """A date or a date with a time (not a time of day)."""
        return self in (LogicalType.DATE, LogicalType.DATETIME)


_T = exp.DataType.Type
_BY_SQLGLOT: dict[LogicalType, set[exp.DataType.Type]] = {
    LogicalType.INTEGER: set(exp.DataType.INTEGER_TYPES) | {_T.SERIAL, _T.BIGSERIAL, _T.SMALLSERIAL},
    LogicalType.DECIMAL: {_T.DECIMAL, _T.MONEY, _T.SMALLMONEY, _T.BIGDECIMAL, _T.UDECIMAL},
    LogicalType.FLOAT: set(exp.DataType.REAL_TYPES)
    - {_T.DECIMAL, _T.MONEY, _T.SMALLMONEY, _T.BIGDECIMAL, _T.UDECIMAL},
    LogicalType.TEXT: set(exp.DataType.TEXT_TYPES) | {_T.UUID, _T.ENUM, _T.NAME, _T.CHAR, _T.NCHAR},
    LogicalType.BOOLEAN: {_T.BOOLEAN},
    LogicalType.DATE: {_T.DATE, _T.DATE32},
    LogicalType.DATETIME: {
        _T.DATETIME,
        _T.DATETIME2,
        _T.DATETIME64,
        _T.SMALLDATETIME,
        _T.TIMESTAMP,
        _T.TIMESTAMPTZ,
        _T.TIMESTAMPLTZ,
        _T.TIMESTAMPNTZ,
        _T.TIMESTAMP_S,
        _T.TIMESTAMP_MS,
        _T.TIMESTAMP_NS,
    },
    LogicalType.TIME: {_T.TIME, _T.TIMETZ},
    LogicalType.BINARY: {_T.BINARY, _T.VARBINARY, _T.BLOB, _T.LONGBLOB, _T.MEDIUMBLOB, _T.TINYBLOB, _T.IMAGE},
    LogicalType.JSON: {_T.JSON, _T.JSONB},
}
_SQLGLOT_TO_LOGICAL = {t: lt for lt, ts in _BY_SQLGLOT.items() for t in ts}

# Loose names seen in data models (seeds/000 writes `int`, `varchar`, `string`...), checked in order.
_PATTERNS: list[tuple[re.Pattern[str], LogicalType]] = [
    (re.compile(r"bool"), LogicalType.BOOLEAN),
    (re.compile(r"datetime|timestamp"), LogicalType.DATETIME),
    (re.compile(r"^date$|^date\b"), LogicalType.DATE),
    (re.compile(r"^time\b"), LogicalType.TIME),
    (re.compile(r"int|serial|^number$|^long$"), LogicalType.INTEGER),
    (re.compile(r"dec|numeric|money|currency|^number\("), LogicalType.DECIMAL),
    (re.compile(r"float|double|real"), LogicalType.FLOAT),
    (re.compile(r"char|text|string|clob|uuid|enum|email|url|varchar"), LogicalType.TEXT),
    (re.compile(r"blob|binary|bytea|bytes"), LogicalType.BINARY),
    (re.compile(r"json"), LogicalType.JSON),
]


def logical_type_of(native: str | None, dialect: str | None = None) -> LogicalType:
    """Map a native type string (any dialect, or a loose data-model word) to a LogicalType.

    Unknown or empty types map to OTHER; callers warn about those.
    """
    if not native or not native.strip():
        return LogicalType.OTHER
    text = native.strip()
    try:
        dtype = exp.DataType.build(text, dialect=dialect, udt=True)
        found = _SQLGLOT_TO_LOGICAL.get(dtype.this)
        if found is not None:
            if found is LogicalType.DECIMAL and _is_integral_decimal(dtype):
                return LogicalType.INTEGER
            return found
        if dtype.this != _T.USERDEFINED:
            return LogicalType.OTHER  # a type sqlglot knows (ARRAY, STRUCT, INTERVAL, GEOMETRY...)
    except Exception:  # noqa: BLE001 - sqlglot raises several error types for odd names
        pass
    low = text.lower()
    for pattern, logical in _PATTERNS:
        if pattern.search(low):
            return logical
    return LogicalType.OTHER


def _is_integral_decimal(dtype: exp.DataType) -> bool:
    """NUMBER(10) / NUMERIC(10, 0) hold integers (the SQL default scale is 0; Oracle and
    Snowflake spell INTEGER this way)."""
    params = dtype.expressions
    if len(params) == 1:
        return True
    if len(params) == 2:
        scale = params[1].this
        return isinstance(scale, exp.Literal) and scale.this == "0"
    return False


# A canonical native type per logical type, used when rendering DDL for a schema whose source
# gave loose type names. Dialect-specific spelling is left to sqlglot.
CANONICAL_TYPE: dict[LogicalType, str] = {
    LogicalType.INTEGER: "INTEGER",
    LogicalType.DECIMAL: "DECIMAL(12, 2)",
    LogicalType.FLOAT: "DOUBLE",
    LogicalType.TEXT: "TEXT",
    LogicalType.BOOLEAN: "BOOLEAN",
    LogicalType.DATE: "DATE",
    LogicalType.DATETIME: "TIMESTAMP",
    LogicalType.TIME: "TIME",
    LogicalType.BINARY: "BLOB",
    LogicalType.JSON: "JSON",
    LogicalType.OTHER: "TEXT",
}
