"""Comparing query results under explicit rules, shared by validation (do the engines agree?) and
evaluation (does the predicted query return the gold result?).

Values are first normalised (`normalize_value`), so that what engines return for the same data
compares equal:

- numbers: bool, int, float and Decimal are one kind; an integral value is an int (2.0 == 2 ==
  Decimal('2.00'), True == 1); other values are floats, compared with `float_tol` relative and
  absolute tolerance. Two ints compare exactly (ids of 10**7 are never "close"). NaN equals NaN.
- dates and times: a date is its ISO text ('2024-01-02'); a datetime is 'YYYY-MM-DD HH:MM:SS[.ffffff]'
  (text in the 'T' form, or with a zero-padded fraction, is read and written the same way; an
  aware datetime is converted to UTC first); a time is 'HH:MM:SS[.ffffff]'. So a DuckDB date equals
  SQLite's '2024-01-02' text. A datetime at midnight does not equal a date.
- NULL equals NULL (and nothing else: NULL != 0, NULL != '').
- bytes, bytearray and memoryview are bytes; UUIDs are their text; lists are tuples; dicts are
  sorted (key, value) tuples. Text is never read as a number ('1' != 1).

Rows are compared as multisets by default (duplicates count), in order when `order_matters`.
With `ignore_column_order`, the columns of b may be any permutation of those of a: columns whose
multisets of values match are paired and the candidate permutations tried, at most
`max_permutations` of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlsynth.engines.base import Result

_NAN = float("nan")  # every NaN becomes this object, so NaN rows hash and count alike
_EXACT_INT = 2**53  # floats below this that are integral become ints (exact in a double)
_DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TIME_TEXT = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?")
MATCHING_MAX_ROWS = 400  # rows of one group matched pairwise (O(n^2)) when sorting is not enough


@dataclass(frozen=True)
class CompareRules:
    """How two results are compared.

    order_matters: rows must come in the same order (a query with ORDER BY); else multisets.
    float_tol: two non-integral numbers are equal when |a-b| <= float_tol * max(1, |a|, |b|).
    ignore_column_order: b's columns may be a permutation of a's (SELECT a, b vs SELECT b, a).
    max_permutations: how many column permutations to try at most.
    """

    order_matters: bool = False
    float_tol: float = 1e-6
    ignore_column_order: bool = False
    max_permutations: int = 1000


DEFAULT_RULES = CompareRules()


@dataclass(frozen=True)
class Comparison:
    """The verdict; `reason` says what differs (None when equal)."""

    equal: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.equal


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def normalize_value(v: Any) -> Any:
    """The canonical, hashable form of one value as returned by sqlite3, duckdb or psycopg."""
    by_type = _BY_TYPE.get(type(v))  # the common exact types without a chain of isinstance tests
    return by_type(v) if by_type is not None else _normalize_other(v)


def _normalize_other(v: Any) -> Any:
    """`normalize_value` of a value whose exact type `_BY_TYPE` does not list: a subclass of one it
    lists (taken in its order: bool before int, datetime before date), a container, or other."""
    for base, normalize in _BY_TYPE.items():
        if isinstance(v, base):
            return normalize(v)
    if isinstance(v, list | tuple):
        return tuple(normalize_value(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted(((str(k), normalize_value(x)) for k, x in v.items()), key=lambda kv: kv[0]))
    if isinstance(v, set | frozenset):
        return tuple(sorted((normalize_value(x) for x in v), key=_sort_key))
    if type(v).__module__ == "numpy" and hasattr(v, "item"):
        return normalize_value(v.item())
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return v


def normalize_row(row: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(map(normalize_value, row))


def _same(v: Any) -> Any:
    return v


def _decimal(v: Decimal) -> float | int:
    if v.is_nan():
        return _NAN
    if v.is_infinite():
        return float(v)
    if v == v.to_integral_value():
        return int(v)
    return _float(float(v))


def _float(f: float) -> float | int:
    if math.isnan(f):
        return _NAN
    if f.is_integer() and abs(f) < _EXACT_INT:
        return int(f)
    return f


def _text(s: str) -> str:
    if not s[:2].isdigit():  # both patterns start with two digits (isdigit accepts every \d)
        return s
    if _DATETIME_TEXT.match(s):
        try:
            return _datetime(dt.datetime.fromisoformat(s))
        except ValueError:
            return s
    if _TIME_TEXT.fullmatch(s):
        try:
            return dt.time.fromisoformat(s).isoformat()
        except ValueError:
            return s
    return s


def _datetime(d: dt.datetime) -> str:
    if d.tzinfo is not None and d.utcoffset() is not None:
        d = d.astimezone(dt.UTC).replace(tzinfo=None)
    return d.isoformat(sep=" ")


def _iso(v: dt.date | dt.time) -> str:
    return v.isoformat()


# value type -> its canonical form; an ordered table: a subclass takes the first base it has
_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    type(None): _same,
    bool: int,
    int: int,
    float: _float,
    Decimal: _decimal,
    str: _text,
    dt.datetime: _datetime,
    dt.date: _iso,
    dt.time: _iso,
    bytes: bytes,
    bytearray: bytes,
    memoryview: bytes,
    uuid.UUID: str,
}


def _is_number(v: Any) -> bool:
    return type(v) is int or type(v) is float


def values_equal(a: Any, b: Any, float_tol: float = DEFAULT_RULES.float_tol) -> bool:
    """Equality of two normalised values (see the module's rules)."""
    if a is b:
        return True
    if a is None or b is None:
        return False
    if type(a) is int and type(b) is int:
        return a == b
    if _is_number(a) and _is_number(b):
        if a != a or b != b:  # NaN
            return a != a and b != b
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= float_tol * max(1.0, abs(a), abs(b))
    if type(a) is tuple and type(b) is tuple:
        return len(a) == len(b) and all(values_equal(x, y, float_tol) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    return bool(a == b)


def _sort_key(v: Any) -> tuple[Any, ...]:
    """A total order over normalised values of any kinds (numbers together, NaN last of them)."""
    if v is None:
        return (0,)
    if _is_number(v):
        return (1, 1, 0) if v != v else (1, 0, v)
    if isinstance(v, str):
        return (2, v)
    if isinstance(v, bytes):
        return (3, v)
    if isinstance(v, tuple):
        return (4, tuple(_sort_key(x) for x in v))
    if isinstance(v, dt.timedelta):
        return (5, v.total_seconds())
    return (6, type(v).__name__, repr(v))


def _row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_sort_key(v) for v in row)


_NUM = object()  # stands for "some number" in a row's shape


def _shape(v: Any) -> Any:
    """The part of a value compared exactly: numbers (compared with tolerance) become _NUM."""
    if _is_number(v):
        return _NUM
    if type(v) is tuple:
        return tuple(_shape(x) for x in v)
    return v


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def _fmt(row: Any, limit: int = 80) -> str:
    text = repr(row)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def rows_equal(a: Sequence[Any], b: Sequence[Any], tol: float) -> bool:
    """Two normalised rows, equal value by value (`values_equal`)."""
    return len(a) == len(b) and all(values_equal(x, y, tol) for x, y in zip(a, b, strict=True))


def _ordered_mismatch(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], tol: float) -> str | None:
    for k, (ra, rb) in enumerate(zip(a, b, strict=True), start=1):
        if not rows_equal(ra, rb, tol):
            return f"values differ at row {k}: {_fmt(ra)} vs {_fmt(rb)}"
    return None


def _pairwise_equal(
    a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], tol: float, key: Callable[[tuple[Any, ...]], Any]
) -> bool:
    sa, sb = sorted(a, key=key), sorted(b, key=key)
    return all(rows_equal(x, y, tol) for x, y in zip(sa, sb, strict=True))


def _matchable(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], tol: float) -> bool:
    """Can the rows of a be paired one-to-one with equal rows of b (both the same length)?

    Sorted rows compared pairwise settle almost every case. When near-equal floats sort into
    different places (3.7087499999999975 and 3.70875, each beside another key), rows sorted by
    their floats rounded to the digits `tol` leaves mostly pair up; else a bipartite matching
    (Kuhn's augmenting paths) decides, up to MATCHING_MAX_ROWS rows."""
    if _pairwise_equal(a, b, tol, _row_key):
        return True
    digits = _digits(tol)
    if _pairwise_equal(a, b, tol, lambda row: _row_key(tuple(_round(v, digits) for v in row))):
        return True
    n = len(a)
    if n > MATCHING_MAX_ROWS:
        return False
    edges = [[j for j in range(n) if rows_equal(a[i], b[j], tol)] for i in range(n)]
    if any(not e for e in edges):
        return False
    owner: list[int | None] = [None] * n

    def augment(i: int, seen: list[bool]) -> bool:
        for j in edges[i]:
            if not seen[j]:
                seen[j] = True
                if owner[j] is None or augment(owner[j], seen):  # type: ignore[arg-type]
                    owner[j] = i
                    return True
        return False

    return all(augment(i, [False] * n) for i in range(n))


def _multiset_mismatch(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], tol: float) -> str | None:
    try:
        ca, cb = Counter(a), Counter(b)
    except TypeError:  # an unhashable value slipped through: compare everything with tolerance
        return None if _matchable(a, b, tol) else "rows differ"
    if ca == cb:
        return None
    # Rows equal exactly are paired first; the rest may still be equal within the float tolerance.
    only_a, only_b = list((ca - cb).elements()), list((cb - ca).elements())
    groups_a: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    groups_b: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in only_a:
        groups_a[tuple(_shape(v) for v in row)].append(row)
    for row in only_b:
        groups_b[tuple(_shape(v) for v in row)].append(row)
    for shape in list(groups_a) + [k for k in groups_b if k not in groups_a]:
        rows_a, rows_b = groups_a.get(shape, []), groups_b.get(shape, [])
        if len(rows_a) != len(rows_b) or not _matchable(rows_a, rows_b, tol):
            row = (rows_a or rows_b)[0]
            n_a = sum(rows_equal(row, r, tol) for r in a)
            n_b = sum(rows_equal(row, r, tol) for r in b)
            return f"rows differ: {_fmt(row)} occurs {n_a} times in a, {n_b} in b"
    return None


def _columns_match(a: Sequence[Any], b: Sequence[Any], tol: float) -> bool:
    """Are two columns equal as multisets of values? (Sorted, then pairwise: exact in one dimension
    for numbers.)"""
    sa, sb = sorted(a, key=_sort_key), sorted(b, key=_sort_key)
    return all(values_equal(x, y, tol) for x, y in zip(sa, sb, strict=True))


def _permutations(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], tol: float) -> Iterator[list[int]]:
    """Permutations p (a's column i is b's column p[i]) pairing columns with the same multiset of
    values; the identity first when it qualifies."""
    ncols = len(a[0])
    cols_a, cols_b = list(zip(*a, strict=True)), list(zip(*b, strict=True))
    candidates = [
        [j for j in range(ncols) if _columns_match(cols_a[i], cols_b[j], tol)] for i in range(ncols)
    ]
    for i, c in enumerate(candidates):  # try each column's own position first
        if i in c:
            c.remove(i)
            c.insert(0, i)
    order = sorted(range(ncols), key=lambda i: len(candidates[i]))
    chosen: list[int] = [-1] * ncols
    used = [False] * ncols

    def walk(k: int) -> Iterator[list[int]]:
        if k == ncols:
            yield list(chosen)
            return
        i = order[k]
        for j in candidates[i]:
            if not used[j]:
                used[j], chosen[i] = True, j
                yield from walk(k + 1)
                used[j] = False

    if all(candidates):
        yield from walk(0)


def _raw_equal(a: list[Any], b: list[Any], order_matters: bool) -> bool:
    """The rows are equal as Python values (then they are equal normalised too): a shortcut that
    saves normalising every value when both sides returned the same types, as one engine does."""
    if len(a) != len(b):
        return False
    try:
        return a == b or (not order_matters and Counter(map(tuple, a)) == Counter(map(tuple, b)))
    except (TypeError, ArithmeticError):  # an unhashable value (a DuckDB list), a signalling NaN
        return False


def _rows_mismatch(a_rows: Iterable[Any], b_rows: Iterable[Any], rules: CompareRules) -> str | None:
    a_rows, b_rows = list(a_rows), list(b_rows)
    if _raw_equal(a_rows, b_rows, rules.order_matters):
        return None
    a = [normalize_row(r) for r in a_rows]
    b = [normalize_row(r) for r in b_rows]
    if len(a) != len(b):
        return f"row count {len(a)} vs {len(b)}"
    if not a:
        return None
    width_a, width_b = {len(r) for r in a}, {len(r) for r in b}
    if len(width_a) > 1 or len(width_b) > 1:
        return "rows of different widths"
    if width_a != width_b:
        return f"column count {width_a.pop()} vs {width_b.pop()}"
    tol = rules.float_tol

    def mismatch(bb: list[tuple[Any, ...]]) -> str | None:
        return _ordered_mismatch(a, bb, tol) if rules.order_matters else _multiset_mismatch(a, bb, tol)

    first = mismatch(b)
    if first is None or not rules.ignore_column_order:
        return first
    tried = 0
    for perm in _permutations(a, b, tol):
        if perm == list(range(len(perm))):
            continue  # the identity was tried first
        if tried >= rules.max_permutations:
            return f"{first} (and no column permutation of the first {tried} matches)"
        tried += 1
        if mismatch([tuple(row[j] for j in perm) for row in b]) is None:
            return None
    return f"{first} (and no column permutation matches)"


def results_equal(a_rows: Iterable[Any], b_rows: Iterable[Any], rules: CompareRules = DEFAULT_RULES) -> bool:
    """Are two lists of rows equal under `rules`?"""
    return _rows_mismatch(a_rows, b_rows, rules) is None


def compare_results(a: Result, b: Result, rules: CompareRules = DEFAULT_RULES) -> Comparison:
    """Compare two execution results; a failed or timed-out side is never equal to anything."""
    for side, res in (("a", a), ("b", b)):
        if res.timed_out:
            return Comparison(False, f"{side} timed out")
        if res.error is not None:
            return Comparison(False, f"{side} failed: {res.error}")
    ncols_a = len(a.columns) if a.columns else (len(a.rows[0]) if a.rows else 0)
    ncols_b = len(b.columns) if b.columns else (len(b.rows[0]) if b.rows else 0)
    if ncols_a != ncols_b:
        return Comparison(False, f"column count {ncols_a} vs {ncols_b}")
    reason = _rows_mismatch(a.rows, b.rows, rules)
    return Comparison(reason is None, reason)


# ---------------------------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------------------------


def hash_value(v: Any, float_tol: float = DEFAULT_RULES.float_tol) -> Any:
    """A normalised value with floats rounded to the significant digits `float_tol` leaves, for
    grouping results by a hash. Approximate: two floats within tolerance can round apart; decide
    equality with `results_equal`."""
    v = normalize_value(v)
    return _round(v, _digits(float_tol))


def _digits(float_tol: float) -> int:
    return max(1, min(17, round(-math.log10(float_tol)))) if float_tol > 0 else 17


def _round(v: Any, digits: int) -> Any:
    if type(v) is float and math.isfinite(v):
        return _float(float(f"{v:.{digits}g}"))
    if type(v) is tuple:
        return tuple(_round(x, digits) for x in v)
    return v


def result_fingerprint(rows: Iterable[Any], rules: CompareRules = DEFAULT_RULES) -> str:
    """A short hash of a result (order-insensitive unless `rules.order_matters`), for spotting
    queries that return the same rows; equal fingerprints are candidates, not proof."""
    digits = _digits(rules.float_tol)
    canon = [tuple(_round(v, digits) for v in normalize_row(r)) for r in rows]
    if not rules.order_matters:
        canon.sort(key=_row_key)
    return hashlib.sha1(repr(canon).encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
