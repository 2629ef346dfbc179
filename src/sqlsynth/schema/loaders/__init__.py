"""Schema loaders, chosen automatically from the SOURCE argument.

- `sqlite:///f.db`, `postgresql://...`, `duckdb:///f.duckdb`, or a .sqlite/.db/.duckdb file:
  a live database, read-only;
- `.xlsx` / `.xlsm`: a seeds/000 data model or ASASQL sheets;
- `.sql` / `.ddl`: CREATE TABLE statements (`dialect`);
- `.json` with Spider's keys: Spider `tables.json` (`db_id`);
- other `.json`: sqlsynth's own schema JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlsynth.engines.url import FILE_SUFFIXES
from sqlsynth.errors import SchemaError
from sqlsynth.schema.model import Schema


def load_schema(
    source: str | Path,
    *,
    db_id: str | None = None,
    dialect: str | None = None,
    infer_keys: bool = True,
) -> Schema:
    """Load a Schema from any supported source; raises SchemaError naming what is at fault."""
    text = str(source)
    if "://" in text:  # load_database names an unsupported scheme (password masked)
        from sqlsynth.schema.loaders.database import load_database

        return load_database(text)

    path = Path(text)
    if not path.exists():
        raise SchemaError("no such file", where=text)
    if path.is_dir():
        raise SchemaError("is a folder, not a schema file", where=text)
    suffix = path.suffix.lower()
    if suffix in FILE_SUFFIXES:
        from sqlsynth.schema.loaders.database import load_database

        kind = FILE_SUFFIXES[suffix]
        return load_database(f"{kind}:///{path.resolve()}")
    if suffix in (".xlsx", ".xlsm"):
        from sqlsynth.schema.loaders.excel import load_excel

        return load_excel(path, infer_keys=infer_keys)
    if suffix in (".sql", ".ddl"):
        from sqlsynth.schema.loaders.ddl import load_ddl

        return load_ddl(path, dialect=dialect)
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise SchemaError(f"not valid JSON ({err})", where=str(path)) from None
        from sqlsynth.schema.loaders.native import load_native
        from sqlsynth.schema.loaders.spider import is_spider_tables, load_spider

        if is_spider_tables(data):
            return load_spider(path, db_id=db_id, data=data)
        return load_native(path, data=data)
    raise SchemaError(
        "cannot tell the schema format from the file name; use .xlsx, .sql, .json, "
        ".sqlite/.duckdb or a database URL",
        where=str(path),
    )
