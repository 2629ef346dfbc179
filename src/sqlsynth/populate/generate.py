"""Generate every row of a schema in memory, column-wise, deterministically, with FK integrity.

Tables are generated in foreign-key order (`schema.graph.topological_order()`). A foreign key is
first drawn as an array of *parent row indices* (skewed: a few parents get many children, many
get few or none), and turned into key values once every table exists, which is also how
foreign-key cycles are closed: the nullable side simply refers to rows of a table generated
after it. Composite keys sample whole parent key tuples; bridge tables (a primary key made of
foreign keys) draw distinct tuples without replacement; self-references point to earlier rows.

Every table, column and foreign key has its own random stream derived from (seed, table,
column), so adding a table or a column does not change the values of the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sqlsynth.errors import SqlsynthError
from sqlsynth.populate import semantics as sem
from sqlsynth.schema.model import Column, ForeignKey, Schema, Table
from sqlsynth.schema.types import LogicalType

DEFAULT_ROWS = 1000

_KIND_OF = {
    LogicalType.INTEGER: "int",
    LogicalType.DECIMAL: "decimal",
    LogicalType.FLOAT: "float",
    LogicalType.TEXT: "text",
    LogicalType.OTHER: "text",
    LogicalType.JSON: "text",
    LogicalType.BOOLEAN: "bool",
    LogicalType.DATE: "date",
    LogicalType.DATETIME: "datetime",
    LogicalType.TIME: "time",
    LogicalType.BINARY: "bytes",
}


@dataclass
class ColumnData:
    """One generated column: values (numpy, typed by `kind`) and a NULL mask (True = NULL)."""

    kind: str  # int | decimal | float | bool | text | date | datetime | time | bytes
    values: np.ndarray
    nulls: np.ndarray | None = None
    scale: int | None = None  # decimal places for kind == "decimal"

    def __len__(self) -> int:
        return len(self.values)

    def null_count(self) -> int:
        return 0 if self.nulls is None else int(self.nulls.sum())

    def to_python(self, flavor: str = "sqlite") -> list[Any]:
        """Python values for a driver: `sqlite` (booleans as 0/1) or `postgres` (booleans as bool).

        Dates and times become ISO strings ('2024-05-01', '2024-05-01 13:45:00', '13:45:00').
        """
        v = self.values
        if self.kind in ("int", "float", "decimal", "text", "bytes"):
            out = v.tolist()
        elif self.kind == "bool":
            out = v.astype(np.int64).tolist() if flavor == "sqlite" else v.tolist()
        elif self.kind == "date":
            out = np.datetime_as_string(v, unit="D").tolist()
        elif self.kind == "datetime":
            out = np.strings.replace(np.datetime_as_string(v, unit="s"), "T", " ").tolist()
        elif self.kind == "time":
            out = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in v.tolist()]
        else:  # pragma: no cover - every kind is listed above
            raise AssertionError(self.kind)
        if self.nulls is not None:
            for i in np.flatnonzero(self.nulls).tolist():
                out[i] = None
        return out

    def to_arrow(self) -> Any:
        import pyarrow as pa

        mask = self.nulls
        v = self.values
        if self.kind == "int":
            return pa.array(v, type=pa.int64(), mask=mask)
        if self.kind in ("decimal", "float"):
            return pa.array(v, type=pa.float64(), mask=mask)
        if self.kind == "bool":
            return pa.array(v, type=pa.bool_(), mask=mask)
        if self.kind == "text":
            return pa.array(v, type=pa.string(), mask=mask)
        if self.kind == "bytes":
            return pa.array(v, type=pa.binary(), mask=mask)
        if self.kind == "date":
            return pa.array(v.astype("datetime64[D]"), type=pa.date32(), mask=mask)
        if self.kind == "datetime":
            return pa.array(v.astype("datetime64[us]"), type=pa.timestamp("us"), mask=mask)
        if self.kind == "time":
            return pa.array(v.astype(np.int64) * 1_000_000, type=pa.int64(), mask=mask).cast(pa.time64("us"))
        raise AssertionError(self.kind)  # pragma: no cover

    def take(self, idx: np.ndarray) -> ColumnData:
        return ColumnData(
            self.kind, self.values[idx], None if self.nulls is None else self.nulls[idx], self.scale
        )


@dataclass
class TableData:
    name: str
    n: int
    columns: dict[str, ColumnData] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def python_columns(self, flavor: str = "sqlite") -> list[list[Any]]:
        return [c.to_python(flavor) for c in self.columns.values()]

    def rows(self, flavor: str = "sqlite") -> list[tuple[Any, ...]]:
        return list(zip(*self.python_columns(flavor), strict=True)) if self.columns else []

    def to_arrow(self) -> Any:
        import pyarrow as pa

        return pa.table({name: col.to_arrow() for name, col in self.columns.items()})

    def subset(self, idx: np.ndarray) -> TableData:
        return TableData(self.name, len(idx), {k: c.take(idx) for k, c in self.columns.items()})


@dataclass
class Dataset:
    """All generated rows, per table, in generation order."""

    tables: dict[str, TableData]
    seed: int
    # per table with self-references: for each one, the parent row of every row (-1: none)
    self_parents: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(t.n for t in self.tables.values())

    def counts(self) -> dict[str, int]:
        return {name: t.n for name, t in self.tables.items()}

    def __getitem__(self, table: str) -> TableData:
        return self.tables[table]


# ---------------------------------------------------------------------------------------------
# Planning: row counts, caps, cycles
# ---------------------------------------------------------------------------------------------


def requested_counts(schema: Schema, rows: int | dict[str, int]) -> dict[str, int]:
    if isinstance(rows, bool) or not isinstance(rows, int | dict):
        raise SqlsynthError(f"rows must be an integer or a {{table: rows}} mapping, not {rows!r}")
    if isinstance(rows, int):
        if rows < 0:
            raise SqlsynthError(f"rows must not be negative (got {rows})")
        return {t.name: rows for t in schema.tables}
    default = rows.get("*", DEFAULT_ROWS)
    out = {t.name: default for t in schema.tables}
    for name, count in rows.items():
        if name == "*":
            continue
        if not schema.has_table(name):
            raise SqlsynthError(
                f"rows names table {name!r}, which is not in schema {schema.name!r}", where="rows"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise SqlsynthError(f"row count for table {name!r} must be a non-negative integer, not {count!r}")
        out[schema.table(name).name] = count
    return out


def check_cycles(schema: Schema) -> None:
    """A foreign-key cycle through several tables needs a nullable FK somewhere to be loadable."""
    for cycle in schema.graph.cycles():
        if len(cycle) < 2:
            continue
        breakable = False
        columns: list[str] = []
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            src = schema.table(a)
            for fk in schema.foreign_keys_of(a):
                if fk.target_table != b:
                    continue
                columns.extend(f"{src.name}.{c}" for c in fk.source_columns)
                if all(src.column(c).nullable for c in fk.source_columns):
                    breakable = True
        if not breakable:
            path = " -> ".join([*cycle, cycle[0]])
            raise SqlsynthError(
                f"foreign-key cycle {path} has no nullable column to break it "
                f"({', '.join(columns)} are all NOT NULL); make one of these columns nullable"
            )


@dataclass
class _Plan:
    table: Table
    n: int
    fks: list[ForeignKey]  # to other tables
    self_fks: list[ForeignKey]
    bridge: list[ForeignKey]  # drawn jointly as distinct tuples (they make up the primary key)
    one_to_one: list[ForeignKey]  # drawn without replacement
    diag_pairs: list[tuple[int, int]]  # bridge FK pairs to the same parent key: no (x, x) tuples


def _is_nullable(table: Table, cols: list[str]) -> bool:
    return all(table.column(c).nullable for c in cols)


def _make_plans(schema: Schema, requested: dict[str, int], order: list[str]) -> dict[str, _Plan]:
    """Each table's plan; `order` puts referenced tables first."""
    plans: dict[str, _Plan] = {}
    for t in schema.tables:
        fks = [fk for fk in schema.foreign_keys_of(t.name) if fk.target_table != t.name]
        self_fks = [fk for fk in schema.foreign_keys_of(t.name) if fk.target_table == t.name]
        pk = set(t.primary_key)
        bridge: list[ForeignKey] = []
        if pk:
            inside = [fk for fk in fks if set(fk.source_columns) <= pk]
            covered = {c for fk in inside for c in fk.source_columns}
            if covered == pk and (len(inside) > 1 or set(inside[0].source_columns) == pk):
                bridge = inside
        if len(bridge) == 1:  # the whole primary key is one foreign key: one-to-one
            one_to_one, bridge = bridge, []
        else:
            one_to_one = []
        for fk in fks:
            if fk in bridge or fk in one_to_one:
                continue
            cols = [t.column(c) for c in fk.source_columns]
            if all(c.unique for c in cols) or (len(cols) == 1 and set(fk.source_columns) == pk):
                one_to_one.append(fk)
        diag = [
            (i, j)
            for i in range(len(bridge))
            for j in range(i + 1, len(bridge))
            if bridge[i].target_table == bridge[j].target_table
            and bridge[i].target_columns == bridge[j].target_columns
        ]
        plans[t.name] = _Plan(t, requested[t.name], fks, self_fks, bridge, one_to_one, diag)
    for _ in range(3):  # caps depend on parents' counts, which may themselves be capped
        for name in order:
            p = plans[name]
            cap = p.n
            fk_cols = _fk_columns(p)
            for fk in p.fks:
                if plans[fk.target_table].n == 0 and not _is_nullable(p.table, fk.source_columns):
                    cap = 0
            if p.bridge:
                sizes = [plans[fk.target_table].n for fk in p.bridge]
                total = math.prod(sizes)
                for i, _j in p.diag_pairs:
                    total -= total // sizes[i] if sizes[i] else 0
                cap = min(cap, total)
            for fk in p.one_to_one:
                if not _is_nullable(p.table, fk.source_columns):
                    cap = min(cap, plans[fk.target_table].n)
            for col in p.table.columns:
                single_pk = p.table.primary_key == [col.name]
                if (col.unique or single_pk) and col.possible_values and col.name not in fk_cols:
                    cap = min(cap, len({str(v) for v in col.possible_values}))
            p.n = cap
    return plans


def _fk_columns(p: _Plan) -> set[str]:
    return {c for fk in [*p.fks, *p.self_fks] for c in fk.source_columns}


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


@dataclass
class _FKDraw:
    fk: ForeignKey
    idx: np.ndarray  # parent row per child row
    nulls: np.ndarray | None


class _Generator:
    def __init__(
        self, schema: Schema, plans: dict[str, _Plan], seed: int, null_rate: float, skew: float, locale: str
    ) -> None:
        self.schema = schema
        self.plans = plans
        self.seed = seed
        self.null_rate = null_rate
        self.skew = skew
        self.pools = sem.Pools(seed, locale, schema.table_names)
        self.own: dict[str, dict[str, ColumnData]] = {}
        self.draws: dict[str, list[_FKDraw]] = {}
        self.self_parents: dict[str, list[np.ndarray]] = {}
        self._popularity: dict[str, np.ndarray] = {}

    def rng(self, *parts: object) -> np.random.Generator:
        return sem.rng_for(self.seed, *parts)

    def popularity(self, table: str) -> np.ndarray:
        """How popular each row of `table` is as a parent, shared by every FK pointing at it."""
        if table not in self._popularity:
            self._popularity[table] = sem.popularity(
                self.rng("popularity", table), self.plans[table].n, self.skew
            )
        return self._popularity[table]

    # -- per table ------------------------------------------------------------------------
    def table(self, name: str) -> None:
        plan = self.plans[name]
        t, n = plan.table, plan.n
        draws: list[_FKDraw] = []
        if plan.bridge:
            draws.extend(self._bridge(plan))
        for fk in plan.fks:
            if fk in plan.bridge:
                continue
            draws.append(self._draw_fk(plan, fk))
        self.draws[name] = draws
        fk_cols = _fk_columns(plan)
        own: dict[str, ColumnData] = {}
        temporal = [
            c
            for c in t.columns
            if c.name not in fk_cols
            and c.logical_type in (LogicalType.DATE, LogicalType.DATETIME)
            and not c.possible_values
            and t.primary_key != [c.name]
        ]
        chain = sem.temporal_chain(t, temporal, n, lambda col: self.rng(name, col, "time"))
        ctx: dict[str, np.ndarray] = {}
        deferred: list[Column] = []
        for col in t.columns:
            if col.name in fk_cols:
                continue
            if col.name in chain:
                unit = "D" if col.logical_type is LogicalType.DATE else "s"
                secs = chain[col.name].astype("datetime64[s]")
                own[col.name] = ColumnData(_KIND_OF[col.logical_type], secs.astype(f"datetime64[{unit}]"))
                continue
            provider, params, key_like = self._provider_for(t, col)
            if provider == "email":
                deferred.append(col)
                continue
            own[col.name] = self._column(t, col, n, provider, params, key_like)
            if provider == "pool" and params.get("kind") in ("first_name", "last_name", "full_name"):
                ctx.setdefault(params["kind"], own[col.name].values)
        for col in deferred:
            info = self._info(t, col, unique=True)
            values = sem.p_email(info, n, self.rng(name, col.name), self.pools, ctx)
            own[col.name] = ColumnData("text", values)
        self.own[name] = own
        for fk in plan.self_fks:
            draws.append(self._self_ref(plan, fk))
        self._fix_composite_key(plan, own, draws)
        self._nulls(plan, own)

    def _info(self, t: Table, col: Column, unique: bool) -> sem.ColumnInfo:
        info = sem.column_info(t, col)
        info.unique = unique
        return info

    def _provider_for(self, t: Table, col: Column) -> tuple[str, dict[str, Any], bool]:
        if col.possible_values:
            provider, params, key_like = sem.classify(t, col)
            scale = {str(v).strip() for v in col.possible_values}
            if provider == "rating" and scale <= {"1", "2", "3", "4", "5"} and len(scale) == 5:
                return provider, params, key_like  # keep the J shape of real ratings
            return "values", {}, False
        if col.logical_type in (LogicalType.DATE, LogicalType.DATETIME):
            return "instant", {}, False
        return sem.classify(t, col)

    def _column(
        self, t: Table, col: Column, n: int, provider: str, params: dict[str, Any], key_like: bool
    ) -> ColumnData:
        kind = _KIND_OF[col.logical_type]
        single_pk = t.primary_key == [col.name]
        unique = col.unique or single_pk or (key_like and col.logical_type in sem.TEXT)
        rng = self.rng(t.name, col.name)
        info = self._info(t, col, unique)
        scale = info.scale if kind == "decimal" else None
        if single_pk and kind == "int":
            return ColumnData(kind, np.arange(1, n + 1, dtype=np.int64))
        if provider == "values":
            return ColumnData(kind, self._from_values(info, n, rng, unique), scale=scale)
        if provider == "instant":  # a temporal key column: distinct instants
            secs = sem._random_instants(rng, n, sem.DATE_START, sem.DATE_END)
            unit = "D" if col.logical_type is LogicalType.DATE else "s"
            return ColumnData(kind, secs.astype("datetime64[s]").astype(f"datetime64[{unit}]"))
        values = sem.PROVIDERS[provider](info, n, rng, self.pools, **params)
        values = _coerce(values, kind)
        if unique:
            values = _ensure_unique(values, kind, info, rng)
        return ColumnData(kind, values, scale=scale)

    def _from_values(
        self, info: sem.ColumnInfo, n: int, rng: np.random.Generator, unique: bool
    ) -> np.ndarray:
        kind = _KIND_OF[info.logical]
        choices = list(
            dict.fromkeys(_coerce_value(v, kind, info.column) for v in info.column.possible_values or [])
        )
        arr = _to_array(choices, kind)
        if unique:
            return arr[rng.choice(len(arr), n, replace=False)]
        # the first listed values are the common ones (pending > cancelled), mildly skewed
        weights = 1.0 / np.arange(1, len(arr) + 1) ** 0.6
        return arr[sem.weighted_indices(rng, weights, n)]

    # -- foreign keys -----------------------------------------------------------------------
    def _draw_fk(self, plan: _Plan, fk: ForeignKey) -> _FKDraw:
        n = plan.n
        parent_n = self.plans[fk.target_table].n
        rng = self.rng(plan.table.name, "fk", *fk.source_columns)
        nullable = _is_nullable(plan.table, fk.source_columns) and not (
            set(fk.source_columns) & set(plan.table.primary_key)
        )
        nulls = rng.random(n) < self.null_rate if nullable and self.null_rate > 0 else None
        if parent_n == 0:
            return _FKDraw(fk, np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
        if fk in plan.one_to_one:
            k = min(n, parent_n)
            idx = np.zeros(n, dtype=np.int64)
            rows = rng.permutation(n)[:k] if n > k else np.arange(n)
            idx[rows] = rng.choice(parent_n, k, replace=False)
            if n > k:
                extra = np.ones(n, dtype=bool)
                extra[rows] = False
                nulls = extra if nulls is None else (nulls | extra)
            return _FKDraw(fk, idx, nulls)
        idx = sem.weighted_indices(rng, self.popularity(fk.target_table), n)
        return _FKDraw(fk, idx, nulls)

    def _bridge(self, plan: _Plan) -> list[_FKDraw]:
        n = plan.n
        sizes = [self.plans[fk.target_table].n for fk in plan.bridge]
        rng = self.rng(plan.table.name, "bridge")
        cols = _distinct_tuples(
            rng, sizes, n, [self.popularity(fk.target_table) for fk in plan.bridge], plan.diag_pairs
        )
        return [_FKDraw(fk, c, None) for fk, c in zip(plan.bridge, cols, strict=True)]

    def _self_ref(self, plan: _Plan, fk: ForeignKey) -> _FKDraw:
        """Each row points to an earlier row (biased to early rows: a hierarchy); the first rows are
        roots (NULL when the column allows it, else pointing to themselves)."""
        n = plan.n
        rng = self.rng(plan.table.name, "self", *fk.source_columns)
        nullable = _is_nullable(plan.table, fk.source_columns)
        roots = max(1, math.ceil(0.05 * n)) if nullable else 1
        i = np.arange(n)
        idx = np.floor(i * rng.random(n) ** (1.0 + self.skew)).astype(np.int64)
        idx = np.minimum(idx, np.maximum(i - 1, 0))
        idx[:roots] = i[:roots]
        nulls = None
        if nullable:
            nulls = np.zeros(n, dtype=bool)
            nulls[:roots] = True
        parents = np.where(nulls, -1, idx) if nulls is not None else idx.copy()
        self.self_parents.setdefault(plan.table.name, []).append(parents)
        return _FKDraw(fk, idx, nulls)

    def _fix_composite_key(self, plan: _Plan, own: dict[str, ColumnData], draws: list[_FKDraw]) -> None:
        """A primary key of foreign keys plus own columns: make the tuples distinct by renumbering
        (or suffixing) the last own key column within each group of the others."""
        t = plan.table
        if len(t.primary_key) < 2 or plan.bridge:
            return
        own_keys = [c for c in t.primary_key if c in own]
        if not own_keys:
            return
        last = own_keys[-1]
        codes = []
        for c in t.primary_key:
            if c == last:
                continue
            if c in own:
                codes.append(_codes(own[c].values))
            else:
                d = next(d for d in draws if c in d.fk.source_columns)
                codes.append(d.idx)
        col = own[last]
        group = _group_ids(codes, plan.n)
        rank = _cumcount(group)
        if col.kind == "int":
            col.values = rank + 1
        elif col.kind == "text":
            col.values = np.asarray(
                [
                    v if r == 0 else f"{v}-{r + 1}"
                    for v, r in zip(col.values.tolist(), rank.tolist(), strict=True)
                ],
                dtype=object,
            )
        elif col.kind in ("date", "datetime"):
            col.values = col.values + rank.astype(col.values.dtype.str.replace("M8", "m8"))
        elif col.kind in ("decimal", "float"):
            col.values = col.values + rank

    def _nulls(self, plan: _Plan, own: dict[str, ColumnData]) -> None:
        t = plan.table
        if self.null_rate <= 0:
            return
        pk = set(t.primary_key)
        for col in t.columns:
            if col.name not in own or col.name in pk or not col.nullable:
                continue
            rng = self.rng(t.name, col.name, "nulls")
            own[col.name].nulls = rng.random(plan.n) < self.null_rate
        # a later stage of a process is empty when an earlier one is (not shipped -> not delivered)
        order = [c for c in sem.chain_order([t.column(c) for c in own if t.has_column(c)]) if c in own]
        prev = None
        for name in order:
            col = t.column(name)
            stage = sem.stage_of(col)
            if stage is None or stage[0] >= 6:
                continue
            cd = own[name]
            if prev is not None and col.nullable and cd.nulls is not None:
                cd.nulls |= prev
            if cd.nulls is not None:
                prev = cd.nulls.copy()

    # -- resolution -------------------------------------------------------------------------
    def resolve(self) -> dict[str, TableData]:
        out: dict[str, TableData] = {}
        visiting: set[str] = set()

        def resolve_table(name: str) -> TableData:
            if name in out:
                return out[name]
            if name in visiting:
                raise SqlsynthError(f"table {name!r}: its key refers to itself through a foreign-key cycle")
            visiting.add(name)
            plan = self.plans[name]
            t = plan.table
            fk_values: dict[str, ColumnData] = {}
            for d in self.draws[name]:
                parent = self.schema.table(d.fk.target_table)
                for s, tc in zip(d.fk.source_columns, d.fk.target_columns, strict=True):
                    tname = parent.column(tc).name
                    if tname in self.own[parent.name]:
                        pcol = self.own[parent.name][tname]
                    elif parent.name == name:
                        raise SqlsynthError(
                            f"foreign key {d.fk}: the parent column {parent.name}.{tc} is itself a "
                            "foreign key of the same table, which is not supported",
                            where=name,
                        )
                    else:
                        pcol = resolve_table(parent.name).columns[tname]
                    nulls = d.nulls
                    if pcol.nulls is not None:
                        pn = pcol.nulls[d.idx]
                        nulls = pn if nulls is None else (nulls | pn)
                    fk_values[s] = ColumnData(pcol.kind, pcol.values[d.idx], nulls, pcol.scale)
            cols = {}
            for col in t.columns:
                cols[col.name] = fk_values[col.name] if col.name in fk_values else self.own[name][col.name]
            out[name] = TableData(name, plan.n, cols)
            visiting.discard(name)
            return out[name]

        for name in self.order:
            resolve_table(name)
        return {name: out[name] for name in self.order}

    order: list[str]


def check_inputs(
    schema: Schema, rows: int | dict[str, int], *, null_rate: float = 0.1, skew: float = 1.2
) -> dict[str, int]:
    """Raise SqlsynthError for input that cannot be generated (schema problems, a bad row count or
    parameter, a foreign-key cycle of NOT NULL columns); else the requested rows per table."""
    problems = schema.problems()
    if problems:
        raise SqlsynthError(problems[0], where=f"schema {schema.name!r}")
    if not 0 <= null_rate <= 1:
        raise SqlsynthError(f"null_rate must be between 0 and 1 (got {null_rate})")
    if skew < 0:
        raise SqlsynthError(f"skew must not be negative (got {skew})")
    requested = requested_counts(schema, rows)
    check_cycles(schema)
    return requested


def generate(
    schema: Schema,
    rows: int | dict[str, int] = DEFAULT_ROWS,
    *,
    seed: int = 0,
    null_rate: float = 0.1,
    skew: float = 1.2,
    locale: str = "en",
    on_table: Any = None,
) -> Dataset:
    """Generate every table's rows in memory. `on_table(name, n)` is called after each table."""
    requested = check_inputs(schema, rows, null_rate=null_rate, skew=skew)
    return generate_checked(
        schema, requested, seed=seed, null_rate=null_rate, skew=skew, locale=locale, on_table=on_table
    )


def generate_checked(
    schema: Schema,
    requested: dict[str, int],
    *,
    seed: int = 0,
    null_rate: float = 0.1,
    skew: float = 1.2,
    locale: str = "en",
    on_table: Any = None,
) -> Dataset:
    """`generate` for input `check_inputs` has passed (`requested`: what it returned)."""
    order = schema.graph.topological_order()
    plans = _make_plans(schema, requested, order)
    gen = _Generator(schema, plans, seed, null_rate, skew, locale)
    gen.order = order
    for name in gen.order:
        gen.table(name)
        if on_table is not None:
            on_table(name, plans[name].n)
    return Dataset(gen.resolve(), seed, gen.self_parents)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _distinct_tuples(
    rng: np.random.Generator,
    sizes: list[int],
    n: int,
    weights: list[np.ndarray],
    diag_pairs: list[tuple[int, int]],
) -> list[np.ndarray]:
    """n distinct index tuples over `sizes`, drawn with the parents' popularity, never (x, x) for
    the pairs in `diag_pairs`; tops up uniformly when the skewed draws saturate."""
    if n == 0:
        return [np.zeros(0, dtype=np.int64) for _ in sizes]
    total = math.prod(sizes)
    if total >= 2**62:  # astronomically sparse: independent draws are distinct in practice
        raise SqlsynthError("bridge table key space too large to sample")

    def ok(cols: list[np.ndarray]) -> np.ndarray:
        keep = np.ones(len(cols[0]), dtype=bool)
        for i, j in diag_pairs:
            keep &= cols[i] != cols[j]
        return keep

    got = np.empty(0, dtype=np.int64)
    for _ in range(8):
        need = n - len(got)
        if need <= 0:
            break
        m = int(need * 1.5) + 16
        cols = [sem.weighted_indices(rng, w, m) for w in weights]
        cols = [c[ok(cols)] for c in cols]
        codes = np.ravel_multi_index(cols, sizes) if cols[0].size else np.empty(0, dtype=np.int64)
        merged = np.concatenate([got, codes.astype(np.int64)])
        _, first = np.unique(merged, return_index=True)
        got = merged[np.sort(first)]
    if len(got) < n:
        need = n - len(got)
        if total <= 5_000_000:
            every = np.arange(total, dtype=np.int64)
            every = every[ok(list(np.unravel_index(every, sizes)))]
            rest = np.setdiff1d(every, got, assume_unique=True)
            got = np.concatenate([got, rng.choice(rest, need, replace=False)])
        else:
            while len(got) < n:
                cols = [rng.integers(0, s, size=2 * (n - len(got)) + 16) for s in sizes]
                cols = [c[ok(cols)] for c in cols]
                merged = np.concatenate([got, np.ravel_multi_index(cols, sizes).astype(np.int64)])
                _, first = np.unique(merged, return_index=True)
                got = merged[np.sort(first)]
    got = got[:n]
    return [np.asarray(c, dtype=np.int64) for c in np.unravel_index(got, sizes)]


def _codes(values: np.ndarray) -> np.ndarray:
    _, inv = np.unique(values, return_inverse=True)
    return inv.astype(np.int64)


def _group_ids(codes: list[np.ndarray], n: int) -> np.ndarray:
    if not codes:
        return np.zeros(n, dtype=np.int64)
    stacked = np.stack(codes, axis=1)
    _, inv = np.unique(stacked, axis=0, return_inverse=True)
    return inv.reshape(-1).astype(np.int64)


def _cumcount(group: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each group, in row order."""
    order = np.argsort(group, kind="stable")
    g = group[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    rank = np.empty_like(group)
    rank[order] = np.arange(len(g)) - first
    return rank


_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


def _coerce_value(v: Any, kind: str, col: Column) -> Any:
    """A possible value in the column's kind; SqlsynthError naming the column if it cannot be."""
    try:
        if kind == "int":
            return int(float(v)) if isinstance(v, str) else int(v)
        if kind in ("decimal", "float"):
            return float(v)
        if kind == "bool":
            if isinstance(v, bool):
                return v
            s = str(v).strip().lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise ValueError(v)
        if kind == "date":
            return np.datetime64(str(v)[:10], "D")
        if kind == "datetime":
            return np.datetime64(str(v).replace(" ", "T"), "s")
        if kind == "time":
            h, m, *s = (int(float(x)) for x in str(v).split(":"))
            return h * 3600 + m * 60 + (s[0] if s else 0)
        if kind == "bytes":
            return v if isinstance(v, bytes) else str(v).encode()
        return str(v)
    except (TypeError, ValueError):
        raise SqlsynthError(
            f"possible value {v!r} does not fit the column's type {col.logical_type.value}",
            where=f"column {col.name}",
        ) from None


def _to_array(values: list[Any], kind: str) -> np.ndarray:
    if kind == "int" or kind == "time":
        return np.asarray(values, dtype=np.int64)
    if kind in ("decimal", "float"):
        return np.asarray(values, dtype=float)
    if kind == "bool":
        return np.asarray(values, dtype=bool)
    if kind == "date":
        return np.asarray(values, dtype="datetime64[D]")
    if kind == "datetime":
        return np.asarray(values, dtype="datetime64[s]")
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _coerce(values: np.ndarray, kind: str) -> np.ndarray:
    """Provider output in the column's storage kind (a provider may answer in a looser type)."""
    if kind == "text":
        if values.dtype != object:
            return _to_array([str(v) for v in values.tolist()], "text")
        return values
    if kind == "int":
        return values.astype(np.int64) if values.dtype != np.int64 else values
    if kind in ("decimal", "float"):
        return values.astype(float)
    if kind == "bool":
        return values.astype(bool)
    return values


def _ensure_unique(
    values: np.ndarray, kind: str, info: sem.ColumnInfo, rng: np.random.Generator
) -> np.ndarray:
    n = len(values)
    if n == 0:
        return values
    if kind == "text":
        if len(set(values.tolist())) == n:
            return values
        return sem.make_unique_text(values, info.length, "-")
    if kind == "int":
        if len(np.unique(values)) == n:
            return values
        return np.asarray(1 + sem.distinct_ints(rng, max(n * 10, 1000), n), dtype=np.int64)
    return values
