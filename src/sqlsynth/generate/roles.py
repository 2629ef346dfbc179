"""What a column is for, as a person asking about the data would see it.

The walk generator selects names and measures, groups by categories, aggregates numbers, and
filters on anything but surrogate keys; these roles come from the column's logical type, name,
keys and (when a value pool is given) how many distinct values it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlsynth.generate.values import ValuePool, reads_as_dates
from sqlsynth.nl.lexicon import name_part, split_identifier
from sqlsynth.schema.model import Schema, Table
from sqlsynth.schema.types import LogicalType

NAME_LIKE = re.compile(
    r"(^|_)(name|title|label|first_?name|last_?name|full_?name|username|email|city|country|code|sku)$|Name$",
    re.IGNORECASE,
)
CODE_LIKE = re.compile(r"(code|sku)$", re.IGNORECASE)  # a reference table's key: its description names it
ID_LIKE = re.compile(r"(^|_)(id|uuid|guid)$|Id$|ID$", re.IGNORECASE)
# words that end in "id" and name no id: "amount_paid" is an amount, "is_valid" a flag, a car's
# starting "grid" a position (aid, eid, pID, userid stay ids)
WORDS_ENDING_IN_ID = frozenset(
    {
        "paid", "prepaid", "unpaid", "overpaid", "underpaid", "valid", "invalid", "grid", "void",
        "avoid", "fluid", "liquid", "solid", "rapid", "hybrid", "acid", "humid", "vivid", "bid",
        "kid", "lid", "maid", "raid", "said", "laid", "druid", "squid", "android", "pyramid",
    }
)  # fmt: skip
FREE_TEXT = re.compile(
    r"(description|comment|body|content|message|text|note|address|url|bio|summary)", re.IGNORECASE
)


# numbers that identify a row rather than measure it: nobody asks for "the average SSN" (none of
# Spider's 1,356 gold queries aggregates an SSN, a car number or a year)
IDENTIFYING_WORDS = frozenset(
    {"ssn", "phone", "fax", "zip", "zipcode", "postcode", "isbn", "number", "no", "num"}
)
QUANTITY_WORDS = frozenset({"total", "max", "min", "avg", "average", "mean", "count"})  # "total number"


def number_kind(name: str) -> str | None:
    """ "identifier" for a number that names a row (an SSN, a phone or room number, a zip code),
    "year" for a year (a date, not an amount: "the earliest year"), else None (a measure)."""
    words = split_identifier(name)
    if not words:
        return None
    last, before = words[-1], words[-2] if len(words) > 1 else ""
    if last in ("year", "yr") and before != "per":  # "salary per year" is an amount
        return "year"
    if (last in IDENTIFYING_WORDS and before not in QUANTITY_WORDS) or words[-2:] in (
        ["postal", "code"],
        ["zip", "code"],
    ):
        return "identifier"
    return None


def is_id_name(name: str) -> bool:
    """The column's name says it holds ids (`id`, `customer_id`, `PlaylistId`, `StayID`, `aid`),
    not a word that merely ends in "id" (`amount_paid`, `is_valid`, `grid`)."""
    if not ID_LIKE.search(name):
        return False
    words = split_identifier(name)
    return not words or words[-1] not in WORDS_ENDING_IN_ID


@dataclass(frozen=True)
class ColumnRoles:
    table: str
    keys: frozenset[str]
    labels: tuple[str, ...]
    measures: tuple[str, ...]
    categories: tuple[str, ...]
    temporals: tuple[str, ...]
    booleans: tuple[str, ...]
    texts: tuple[str, ...]
    filterable: tuple[str, ...]
    full_name: tuple[str, str] | None = None  # (first name, last name) of a person
    ids: frozenset[str] = frozenset()  # columns named as ids (is_id_name): = or IN only, seldom asked

    @property
    def label(self) -> str | None:
        return self.labels[0] if self.labels else None


def column_roles(schema: Schema, table: Table, pool: ValuePool | None = None) -> ColumnRoles:
    fk_cols = {c for fk in schema.foreign_keys_of(table.name) for c in fk.source_columns}
    # a column other rows refer to is a key too, declared the primary one or not (the classroom
    # of teachers that students refer to: no measure to average)
    referred = {c for fk in schema.foreign_keys if fk.target_table == table.name for c in fk.target_columns}
    keys = frozenset(set(table.primary_key) | fk_cols | referred)
    ids = frozenset(c.name for c in table.columns if is_id_name(c.name))
    labels, measures, categories, temporals, booleans, texts, filterable = [], [], [], [], [], [], []
    rows = pool.row_counts.get(table.name, 0) if pool else 0
    for col in table.columns:
        if not col.include:
            continue
        lt, name = col.logical_type, col.name
        is_key = name in keys or name in ids
        # a name that is the table's own key still names its rows ("the Biology department", a
        # student whose last name is the key); a name that refers to another table's rows does not
        natural = name not in fk_cols and name not in ids and not CODE_LIKE.search(name)
        info = pool.get(table.name, name) if pool else None
        if pool and info is not None and not info.values:
            continue  # all NULL (or not sampled): nothing to ask about
        if lt in (LogicalType.BINARY, LogicalType.JSON, LogicalType.OTHER):
            continue
        if info is None or info.distinct > 1 or info.null_fraction:
            filterable.append(name)  # one value everywhere: `= it` holds for every row, `<>` for none
        few_distinct = bool(
            col.possible_values
            or (info is not None and 1 < info.distinct <= 25 and rows >= 2 * info.distinct)
        )
        if lt is LogicalType.TEXT:
            texts.append(name)
            if NAME_LIKE.search(name) and (natural or not is_key):
                labels.append(name)
            if few_distinct and not FREE_TEXT.search(name):
                categories.append(name)
        elif lt.is_numeric and not is_key:
            # whole numbers with few values are a category ("grade 4"), declared INTEGER or not
            # (Spider declares every number `number`)
            whole = lt is LogicalType.INTEGER or (info is not None and info.whole_numbers)
            if few_distinct and whole and (info is None or info.distinct <= 10):
                categories.append(name)
            kind = number_kind(name)
            if kind == "year":
                temporals.append(name)  # "the earliest year", "in order of year"
            elif kind is None:
                measures.append(name)
        elif reads_as_dates(lt, info):
            temporals.append(name)  # not a date spelled otherwise: "the earliest" would be the first text
        elif lt is LogicalType.BOOLEAN:
            booleans.append(name)
    # No name-like column: the first non-key, non-free text column names the rows, else a key.
    if not labels:
        labels = [c for c in texts if c not in keys and not FREE_TEXT.search(c)][:1]
    if not labels:
        labels = [c for c in texts if c not in keys][:1] or [k for k in table.primary_key if k in filterable][
            :1
        ]
    first = next((c for c in labels if name_part(c) == "first"), None)
    last = next((c for c in labels if name_part(c) == "last"), None)
    return ColumnRoles(
        table=table.name,
        keys=keys,
        labels=tuple(labels),
        measures=tuple(measures),
        categories=tuple(categories),
        temporals=tuple(temporals),
        booleans=tuple(booleans),
        texts=tuple(texts),
        filterable=tuple(filterable),
        full_name=(first, last) if first and last and {first, last} <= set(filterable) else None,
        ids=ids,
    )
