"""Literal values as a question writes them: quoted text, plain numbers and dates."""

from __future__ import annotations

import re

from sqlglot import exp

_DATE_LIKE = re.compile(r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_TRUE = {"1", "true", "t", "y", "yes"}
_FALSE = {"0", "false", "f", "n", "no"}


def literal_text(node: exp.Expression) -> str:
    """A literal as it appears in a question: "Paris" (quoted), 42, 2024-01-31, true, no value."""
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return "-" + literal_text(node.this)
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    if isinstance(node, exp.Null):
        return "no value"
    if isinstance(node, exp.Literal):
        text = str(node.this)
        if not node.is_string:
            return text
        if _DATE_LIKE.match(text):
            return text
        return f'"{text}"'
    return node.sql()


def is_literal(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg):
        return is_literal(node.this)
    return isinstance(node, (exp.Literal, exp.Boolean, exp.Null))


def truth_of(node: exp.Expression) -> bool | None:
    """True/False when a literal spells a boolean (1, 'yes', TRUE), else None."""
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        text = str(node.this).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def is_date_text(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and node.is_string and bool(_DATE_LIKE.match(str(node.this)))


def number_of(node: exp.Expression | None) -> int | None:
    """The integer value of a numeric literal (LIMIT 5), else None."""
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(str(node.this))
        except ValueError:
            return None
    return None
