"""Spider's `tables.json`: the most common schema format in Text-to-SQL work.

Spider's types are coarse (text, number, time, boolean, others): `number` becomes INTEGER
for key and id-named columns and NUMERIC (logical decimal) otherwise, `time` DATETIME.
Spider's humanised names (`column_names`) become display names. Foreign keys are column
pairs; pairs between the same two tables whose targets make up the target's composite
primary key are merged into one composite key.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlsynth.errors import SchemaError
from sqlsynth.nl.lexicon import split_identifier
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.validation import check_schema

_ID_NAME = re.compile(r"(^|_)id$|Id$|ID$", re.IGNORECASE)
SPIDER_KEYS = {"db_id", "table_names_original", "column_names_original", "column_types"}
SPIDER_TYPES = {
    "text": "TEXT",
    "number": "NUMERIC",
    "time": "DATETIME",
    "boolean": "BOOLEAN",
    "others": "",
}


def is_spider_tables(data: Any) -> bool:
    entries = data if isinstance(data, list) else [data]
    return bool(entries) and all(isinstance(e, dict) and e.keys() >= SPIDER_KEYS for e in entries)


def spider_db_ids(data: Any) -> list[str]:
    entries = data if isinstance(data, list) else [data]
    return [e["db_id"] for e in entries]


def load_spider(path: Path, db_id: str | None, data: Any) -> Schema:
    entries = data if isinstance(data, list) else [data]
    ids = spider_db_ids(entries)
    if db_id is None:
        if len(entries) != 1:
            shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
            raise SchemaError(
                f"holds {len(ids)} databases; choose one with --db-id ({shown})", where=str(path)
            )
        entry = entries[0]
    else:
        matches = [e for e in entries if e["db_id"] == db_id]
        if not matches:
            raise SchemaError(f"no database with db_id {db_id!r}", where=str(path))
        entry = matches[0]
    where = f"{path}, db_id {entry['db_id']}"
    try:
        schema = _build(entry)
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise SchemaError(f"malformed Spider entry ({err})", where=where) from None
    return check_schema(schema, where=where)


def _build(entry: dict[str, Any]) -> Schema:
    names = entry["table_names_original"]
    pretty_tables = entry.get("table_names") or names
    cols_orig = entry["column_names_original"]
    cols_pretty = entry.get("column_names") or cols_orig
    types = entry["column_types"]

    pk_cols: set[int] = set()
    for pk in entry.get("primary_keys", []):
        pk_cols.update(pk if isinstance(pk, list) else [pk])

    fk_cols = {c for pair in entry.get("foreign_keys", []) for c in pair}
    # a table whose natural name shares no word with its own is out of line with the names, and so
    # are its columns' (store_1's tables.json names the table `artists` "sqlite sequence" and its
    # column `name` "seq"): both keep their own names
    trusted = [_same_words(n, p) for n, p in zip(names, pretty_tables, strict=True)]
    tables = [
        Table(name=n, description=p if ok and p.lower() != n.lower().replace("_", " ") else "")
        for n, p, ok in zip(names, pretty_tables, trusted, strict=True)
    ]
    for idx, ((t_idx, cname), (_, pretty), ctype) in enumerate(
        zip(cols_orig, cols_pretty, types, strict=True)
    ):
        if t_idx < 0:
            continue
        table = tables[t_idx]
        native = SPIDER_TYPES.get(ctype, "")
        if ctype == "number" and (idx in pk_cols or idx in fk_cols or _ID_NAME.search(cname)):
            native = "INTEGER"
        display = pretty if trusted[t_idx] and pretty.lower() != cname.lower().replace("_", " ") else None
        table.columns.append(
            Column(
                name=cname,
                type=native,
                nullable=idx not in pk_cols,
                display_name=display,
            )
        )
        if idx in pk_cols:
            table.primary_key.append(cname)

    grouped: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for src, dst in entry.get("foreign_keys", []):
        grouped[(cols_orig[src][0], cols_orig[dst][0])].append((src, dst))
    fks: list[ForeignKey] = []
    for (s_t, d_t), pairs in grouped.items():
        dst_names = {cols_orig[d][1] for _, d in pairs}
        # several pairs between two tables, each to a different target column, are one composite
        # key (tables.json often lists only the first column of a composite primary key, so the
        # target's key cannot tell); pairs that share a target column are separate keys
        groups = [pairs] if len(pairs) > 1 and len(dst_names) == len(pairs) else [[p] for p in pairs]
        for group in groups:
            fks.append(
                ForeignKey(
                    source_table=names[s_t],
                    source_columns=[cols_orig[s][1] for s, _ in group],
                    target_table=names[d_t],
                    target_columns=[cols_orig[d][1] for _, d in group],
                )
            )
    return Schema(name=entry["db_id"], tables=tables, foreign_keys=fks)


def _same_words(name: str, natural: str) -> bool:
    """Some word of one is the start of a word of the other (`enr` and "enrollment")."""
    ours, theirs = split_identifier(name), split_identifier(natural)
    return any(a.startswith(b) or b.startswith(a) for a in ours for b in theirs)
