"""`sqlsynth generate`: generate, render, validate and write records, resumable and parallel.

Query i is a pure function of (seed, i): the walk generator seeds itself from both. Workers
build and check candidates for chunks of indices (the stateless filters): this process and,
with `--workers W`, W - 1 worker processes. This process takes the results in index order and
applies the filters that depend on what was kept before (dedup, the per-template cap). So the
output is the same for any number of workers, and a resumed run picks up at the index after the
last record written, with the kept set rebuilt from the file. A candidate already kept, or of a
template already full, is turned away before its query runs: by this process with all that is
kept, by a worker process with the full templates as of when its chunk was sent and the ids kept
as of then (those its chunks carried: with one worker process, all of them).

Output folder: `records.jsonl` (appended, fsynced), `schema.json`, `state.json` (checkpoint:
next index and counters) and, at the end, `manifest.json`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import gc
import hashlib
import importlib.metadata
import itertools
import json
import math
import multiprocessing
import os
import platform
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Set
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sqlsynth import __version__
from sqlsynth.dataset import ExecutionResult, Provenance, Record, RecordWriter, read_records, record_id
from sqlsynth.errors import SqlsynthError
from sqlsynth.generate.fill import TemplateQuery, plan_execution
from sqlsynth.generate.spec import ComplexitySpec
from sqlsynth.generate.values import ValuePool, merged
from sqlsynth.generate.walk import GeneratedQuery, WalkGenerator
from sqlsynth.io import write_json_atomic, write_text_atomic
from sqlsynth.nl import realise  # here, not at the first record: forked workers share the import
from sqlsynth.render import DIALECTS, dialect_name, record_keys, render
from sqlsynth.schema.model import Schema
from sqlsynth.validate.filters import (
    FILTER_NAMES,
    Candidate,
    Checks,
    Counters,
    Kept,
    ValidateConfig,
    already_kept,
    reference,
    run_stateful,
    run_stateless,
)

PREVIEW_ROWS = 5
GIVE_UP_FACTOR = 60  # stop after this many candidates per wanted record
AUTO_CAP_FLOOR, AUTO_CAP_SHARE = 10, 100  # template_cap 'auto': max(10, n / 100) records per template
# DuckDB plans queries as written when no table has more rows: optimizing a query over tables this
# small takes longer than running it unoptimized (about 1.9 vs 1.2 ms on the demo). The demo's kept
# queries on DuckDB, optimized vs not: 2.26 vs 1.49 s at 1,000 rows a table, 3.10 vs 2.47 s at 5,000
# (worst query 2.5 vs 14.5 ms), 5.1 vs 5.3 s at 20,000 (a correlated EXISTS 4 vs 198 ms)
SMALL_TABLE_ROWS = 5_000


AUTO_MAX_WORKERS = 8  # more processes hold more connections (PostgreSQL's default limit is 100)
AUTO_RECORDS_PER_WORKER = 100  # a process started for fewer records costs more than it saves


CGROUP_ROOT = Path("/sys/fs/cgroup")  # a container's own cgroup (its cgroup namespace)


def auto_workers(n: int) -> int:
    """Workers for a run of `n` records when the user names none: one per CPU this process may
    use (its CPU affinity, and a container's CPU quota), at most AUTO_MAX_WORKERS, and one per
    AUTO_RECORDS_PER_WORKER records (a worker process takes about 0.1 s to start, open its engines
    and profile its part of the tables). The records are the same for any number of workers."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    quota = cpu_quota()
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, min(cpus, AUTO_MAX_WORKERS, n // AUTO_RECORDS_PER_WORKER))


def cpu_quota(root: Path = CGROUP_ROOT) -> int | None:
    """The CPUs a CPU quota allows, rounded up (a container started with `--cpus 1.5`: 2), from
    cgroup v2's `cpu.max` or v1's `cpu.cfs_quota_us`; None without a quota or a cgroup to read.
    Affinity does not show a quota: on a 64-core host, such a container sees 64 CPUs."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        q, p = int(quota), int(period)
    except ValueError:  # "max": no quota
        return None
    return max(1, -(-q // p)) if q > 0 and p > 0 else None


class GenerateConfig(BaseModel):
    """Everything that decides which records a run writes (plus how fast: workers, chunk)."""

    model_config = ConfigDict(extra="forbid")

    db_id: str
    dbs: list[str] = Field(min_length=1, description="Database URLs holding the same data.")
    n: int = Field(100, ge=1)
    seed: int = 0
    workers: int = Field(1, ge=1)
    chunk: int = Field(8, ge=1)
    dialects: list[str] = Field(default_factory=lambda: list(DIALECTS))
    spec: ComplexitySpec = Field(default_factory=ComplexitySpec)
    validate_: ValidateConfig = Field(default_factory=ValidateConfig, alias="validate")
    questions: Literal["rule", "none"] = "rule"
    strategy: Literal["walk", "template"] = "walk"
    templates: str = Field("default", description="Template library JSON, or 'default' (built in).")
    template_dialect: str | None = Field(
        None, description="Dialect of template expansions (default: the first engine's)."
    )
    infer_joins: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Join keys found in the data (generate.keys): auto = when the schema declares none.",
    )
    source: str = ""

    @field_validator("dialects", "template_dialect")
    @classmethod
    def _known_dialects(cls, v: list[str] | str | None) -> list[str] | str | None:
        try:
            if isinstance(v, list):
                return list(dict.fromkeys(dialect_name(d) for d in v))
            return None if v is None else dialect_name(v)
        except SqlsynthError as err:
            raise ValueError(err.message) from None

    def template_cap(self) -> int | None:
        """Records a structural template may hold: the validate config's, or for 'auto' at most
        max(10, n / 100) walked queries (without a cap one common shape takes 2-5% of a thousand
        records; a cap of 5 gained more gold structures on Spider but lost a tenth of the human
        questions whose nearest generated question answers them, whose columns and values the
        common shapes carry) and no cap on template expansions, whose point is many records of
        each template."""
        cap = self.validate_.template_cap
        if cap != "auto":
            return cap
        return max(AUTO_CAP_FLOOR, -(-self.n // AUTO_CAP_SHARE)) if self.strategy == "walk" else None

    def fingerprint(self) -> str:
        """What must match for a run to be resumed: all but n, workers, chunk and source."""
        data = self.model_dump(mode="json", by_alias=True, exclude={"n", "workers", "chunk", "source"})
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Outcome:
    """What a worker found for one index."""

    index: int
    record: Record | None = None
    rejected: tuple[str, str] | None = None  # (filter, reason); ("generate", "none") if no query
    disagreement: dict[str, Any] | None = None
    filter_s: dict[str, float] = field(default_factory=dict)
    generate_s: float = 0.0


# -- the worker side --------------------------------------------------------------------------
def open_engines(config: GenerateConfig) -> list[Any]:
    """The run's engines, read-only (see `open_run_engine`)."""
    engines: list[Any] = []
    try:
        for url in config.dbs:
            engines.append(open_run_engine(url))
    except BaseException:
        for e in engines:
            e.close()
        raise
    return engines


def open_run_engine(url: str) -> Any:
    """One engine of a run, read-only; one DuckDB thread per worker: small queries run faster on
    one, and workers scale instead."""
    from sqlsynth.engines import open_engine

    return open_engine(url, threads=1)


class Worker:
    """Builds and checks the candidate of each index; one per process."""

    def __init__(
        self, config: GenerateConfig, schema: Schema, pool: ValuePool, engines: list[Any] | None = None
    ) -> None:
        """`engines`: those of `open_engines(config)` if already open (they are the worker's now)."""
        from sqlsynth.engines import DuckDBEngine

        self.config = config
        self.schema = schema
        self.engines = engines if engines is not None else open_engines(config)
        # on small tables DuckDB's optimizer costs more than it saves
        small = max(pool.row_counts.values(), default=0) <= SMALL_TABLE_ROWS
        for engine in self.engines:
            if isinstance(engine, DuckDBEngine) and small:
                engine.set_optimizer(False)
        self.generator = _generator(config, schema, pool, self.engines[0].dialect)
        self.checks = Checks(
            engines=self.engines,
            config=config.validate_,
            row_counts=dict(pool.row_counts),
            column_counts={t.name: len(t.columns) for t in schema.tables},
            values=pool.values,
        )
        engine_dialects = [e.dialect for e in self.engines]
        self.dialects = list(dict.fromkeys([*engine_dialects, *config.dialects]))
        self.primary = engine_dialects[0]

    def run(self, index: int, ids: Set[str] = frozenset(), full: Set[str] = frozenset()) -> Outcome:
        """The outcome for `index`; `ids` and `full` are records and templates kept already (all of
        them, or a snapshot), whose candidates are rejected before their query runs."""
        out = Outcome(index)
        start = time.perf_counter()
        query = self.generator.generate(index)
        out.generate_s = time.perf_counter() - start
        if query is None:
            out.rejected = ("generate", "no-query")
            return out
        keys = self._keys(query)
        if reason := already_kept(keys[0], keys[2], ids, full):
            out.rejected = ("already_kept", reason)
            return out
        cand = Candidate(expr=query.expr, order_matters=query.order_matters, tables=query.tables)
        checks, mode = self.checks, "executed"
        if isinstance(query, TemplateQuery):  # dialect-specific SQL runs where its dialect runs
            plan = plan_execution(query, self.engines, self.dialects)
            if plan.mode == "not-run":
                out.rejected = ("executes", "not-run")
                return out
            checks, mode = replace(self.checks, engines=plan.engines), plan.mode
            cand.sql_by_dialect = plan.sql_by_dialect
        else:  # the reference engine's rendering now; the filters render the rest when they need it
            cand.sql_by_dialect = {self.primary: render(query.expr, self.primary)}
            cand.dialects = self.dialects
        out.rejected = run_stateless(cand, checks, out.filter_s)
        if out.rejected is not None:
            out.disagreement = cand.disagreement
            return out
        ran = {e.dialect for e in checks.engines}
        unrun = "transpile-checked" if mode == "transpile-checked" else "parsed"
        checked = {d: "executed" if d in ran else unrun for d in cand.sql_by_dialect}
        out.record = self._record(index, query, cand, checked, keys)
        return out

    def _keys(self, query: GeneratedQuery) -> tuple[str, str, str]:
        """The record id, canonical SQL and structural template of `query`."""
        key_dialect = "sqlite"
        if isinstance(query, TemplateQuery) and not query.portable:
            key_dialect = query.dialect  # keyed in its own dialect: SQLite would drop some features
        canonical, template = record_keys(query.expr, write=key_dialect)
        return record_id(self.config.db_id, canonical), canonical, template

    def _record(
        self,
        index: int,
        query: GeneratedQuery,
        cand: Candidate,
        checked: dict[str, str],
        keys: tuple[str, str, str],
    ) -> Record:
        """`checked` says per dialect how far its rendering was tested (executed, transpile-checked
        through DuckDB, or parsed back only); `keys` are the query's (see `_keys`)."""
        dialect, extra = self.primary, {}
        if isinstance(query, TemplateQuery):
            dialect, extra = query.dialect, {"template_id": query.template_id, "features": query.features}
        rid, canonical, template = keys
        ref = reference(cand)
        question = ""
        if self.config.questions == "rule":
            # the last use of the query's tree: the realiser may have it (saves a copy)
            question = realise(query.expr, self.schema, seed=self.config.seed * 1_000_003 + index, copy=False)
        return Record(
            id=rid,
            db_id=self.config.db_id,
            question=question,
            sql=cand.sql_by_dialect[dialect],
            dialect=dialect,
            sql_by_dialect=dict(cand.sql_by_dialect),
            tables=query.tables,
            columns=query.columns,
            complexity=query.complexity,
            hardness=query.hardness,
            strategy=query.strategy,
            template=template,
            execution={
                name: ExecutionResult(ok=r.ok, rows=len(r.rows), ms=round(r.elapsed_ms, 3), error=r.error)
                for name, r in cand.results.items()
            },
            provenance=Provenance(
                seed=self.config.seed, shard=index, version=__version__, source=self.config.strategy
            ),
            index=index,
            canonical_sql=canonical,
            order_matters=query.order_matters,
            checked=checked,
            result_columns=list(ref.columns),
            result_preview=[[_json_value(v) for v in row] for row in ref.rows[:PREVIEW_ROWS]],
            **extra,
        )

    def close(self) -> None:
        for e in self.engines:
            e.close()


def _check_engines_run_the_dialect(config: GenerateConfig) -> None:
    """Templates expanded for a dialect need an engine that runs its SQL: refuse before any work."""
    from sqlsynth.engines import ENGINE_DIALECTS, parse_url
    from sqlsynth.generate.fill import execution_route

    if config.strategy != "template" or config.template_dialect is None:
        return
    engine_dialects = [ENGINE_DIALECTS[parse_url(u).kind] for u in config.dbs]
    if execution_route(config.template_dialect, engine_dialects) is None:
        raise SqlsynthError(
            f"no engine given runs {config.template_dialect} SQL: give --db a database of that "
            "dialect (SQLite, DuckDB and PostgreSQL run here) or a DuckDB copy, which runs the "
            "DuckDB transpilation (records marked transpile-checked)",
            where="--template-dialect",
        )


def _generator(config: GenerateConfig, schema: Schema, pool: ValuePool, engine_dialect: str) -> Any:
    """The query generator the config names (both have `generate(index)`)."""
    if config.strategy == "walk":
        return WalkGenerator(schema, pool, config.spec, seed=config.seed)
    from sqlsynth.generate.fill import TemplateGenerator
    from sqlsynth.generate.templates import TemplateLibrary, default_library

    library = default_library() if config.templates == "default" else TemplateLibrary.load(config.templates)
    dialect = config.template_dialect or engine_dialect
    return TemplateGenerator(schema, pool, library, dialect=dialect, seed=config.seed)


def _json_value(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and v not in (float("inf"), float("-inf")) else str(v)
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return str(v)


_WORKER: Worker | None = None
_ENGINES: list[Any] = []  # this worker process's engines, opened as its tasks need them
_SETUP: tuple[GenerateConfig, Schema, Any] | None = None  # (config, schema, queue of value pools)
_FAILED: SqlsynthError | None = None  # why this worker could not connect: raised by every task
_STOP: Any = None  # an Event the parent sets when it needs no more outcomes (see _stop)
_KEPT_IDS: set[str] = set()  # ids the parent had kept when it sent this worker's chunks


ORPHAN_CHECK_S = 0.5  # how often a worker process looks whether its parent is still there


def _init_worker(config: GenerateConfig, schema: Schema, pools: Any, stop: Any, parent: int) -> None:
    """Remember the run. The engines open in the tasks: a profile part needs only the first, and
    the others (DuckDB's import and connection take 60 ms) open before the first chunk, while the
    parent merges the parts and sends the pool."""
    global _SETUP, _STOP
    _SETUP, _STOP = (config, schema, pools), stop
    threading.Thread(target=_exit_with_parent, args=(parent,), name="orphan-check", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker process once its parent is gone: a parent killed outright (SIGKILL, the
    out-of-memory killer) cannot stop its workers, which would wait for tasks for ever."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


def _worker_engines(count: int | None = None) -> list[Any]:
    """This worker's first `count` engines (all with None), opening those not open yet. A database
    that cannot be opened fails this task and every later one with its error (an initializer that
    raises breaks the whole pool, and the parent would only learn that a process died)."""
    global _FAILED
    if _FAILED is not None:
        raise _FAILED
    assert _SETUP is not None
    try:
        for url in _SETUP[0].dbs[len(_ENGINES) : count]:
            _ENGINES.append(open_run_engine(url))
    except SqlsynthError as err:
        _FAILED = err
        raise
    return _ENGINES


def _profile_part(part: tuple[int, int]) -> ValuePool:
    """A part of the value pool (see ValuePool.from_engine), profiled on this worker's first engine
    while the others open in a thread (DuckDB's import and connection take 25 ms)."""
    engine = _worker_engines(1)[0]
    assert _SETUP is not None
    with ThreadPoolExecutor(1) as opener:
        opening = opener.submit(_worker_engines)
        values = ValuePool.from_engine(engine, _SETUP[1], part=part)
        opening.result()
    return values


def _run_chunk(
    lo: int, hi: int, full: frozenset[str] = frozenset(), new_ids: tuple[str, ...] = ()
) -> list[Outcome]:
    """The outcomes for indices lo..hi-1; `full`: the templates full when the parent sent the chunk,
    `new_ids`: ids it kept lately (see `_outcomes`). A worker learns the ids its chunks carry: a
    duplicate of one is rejected before its query runs, as with one worker; one it does not know
    is rejected by the parent's `dedup`."""
    global _WORKER
    if _WORKER is None:  # the first chunk waits for the pool, which the parent sends once it has it
        engines = _worker_engines()
        assert _SETUP is not None
        config, schema, pools = _SETUP
        pool = pools.get()
        if pool is None:  # the parent stopped before it had one
            return []
        _WORKER = Worker(config, schema, pool, engines)
    _KEPT_IDS.update(new_ids)
    out = []
    for i in range(lo, hi):
        if _STOP.is_set():  # the parent is done: the rest of the chunk would be thrown away
            break
        out.append(_WORKER.run(i, _KEPT_IDS, full))
    return out


# -- the parent side --------------------------------------------------------------------------
class RecentIds:
    """The kept ids each chunk carries to the worker process that takes it: those kept since the
    chunk `children` before it was sent. The worker processes take chunks about in turn, so each
    learns every id kept before its chunk was sent (with one worker process, exactly)."""

    def __init__(self, children: int) -> None:
        self._marks: deque[int] = deque([0], maxlen=children)  # len(added) as each chunk was sent

    def next(self, added: list[str]) -> tuple[str, ...]:
        """The ids for the next chunk; `added`: all kept ids in the order kept (it only grows)."""
        ids = tuple(added[self._marks[0] :])
        self._marks.append(len(added))
        return ids


class Tail:
    """How far ahead a run with worker processes takes indices. Its pass rate so far says how many
    more candidates the records still wanted need (`wanted`); the worker processes hold their
    share of those, in chunks that shrink towards the end, and this process builds the rest. So
    both run out of work about together, and little is built past the last index the run takes
    (on the demo at N = 500, 2 workers: before, 65 candidates thrown away of 749 built, a tenth
    of the CPU time, and this process idle for the last 40 ms)."""

    PRIOR = 0.5, 16  # a pass rate of 0.5 over 16 candidates before any is seen
    MARGIN = 1.1  # take a tenth more than the rate says: a run short of indices waits for them
    LAST_CHUNKS = 16  # chunks hold at most wanted / (LAST_CHUNKS * processes) indices

    def __init__(self, n: int, kept: int, start: int, children: int, chunk: int) -> None:
        self.n, self.kept0, self.start = n, kept, start
        self.children, self.chunk_size = children, chunk

    def wanted(self, kept: int, taken: int) -> int:
        """Indices the run will want from the next one to yield (`taken`) on, with `kept`
        records so far."""
        rate, weight = self.PRIOR
        passed = (kept - self.kept0 + rate * weight) / (taken - self.start + weight)
        return math.ceil(max(self.n - kept, 1) / passed * self.MARGIN)

    def chunk(self, kept: int, taken: int, queued: int) -> int:
        """The size of the next chunk for the worker processes, which hold `queued` indices
        already (0: none now)."""
        wanted, processes = self.wanted(kept, taken), self.children + 1
        most = max(1, min(self.chunk_size, wanted // (self.LAST_CHUNKS * processes)))
        return max(0, min(most, math.ceil(wanted * self.children / processes) - queued))

    def room(self, kept: int, taken: int, lo: int) -> bool:
        """Whether the next index to take (`lo`) is among those the run will want."""
        return lo - taken < self.wanted(kept, taken)


class RunState(BaseModel):
    """The checkpoint in `state.json`."""

    fingerprint: str
    next_index: int = 0
    counters: Counters = Field(default_factory=Counters)
    generate_failed: int = 0
    disagreements: list[dict[str, Any]] = Field(default_factory=list)
    seconds: float = 0.0
    profile_s: float = 0.0  # profiling the values (part of `seconds`; the engines connect meanwhile)
    generate_s: float = 0.0
    filter_s: dict[str, float] = Field(default_factory=dict)


@dataclass
class RunResult:
    out: Path
    written: int
    total: int
    manifest: dict[str, Any]


def _outcomes(
    config: GenerateConfig, schema: Schema, pool: ValuePool | None, start: int, state: RunState, kept: Kept
) -> Iterator[Outcome]:
    """Outcomes for indices start, start+1, ... in order. This process is one of the workers; with
    more, it starts `workers - 1` worker processes and builds chunks itself while the next chunk
    in order is still under way in one of them. Without a `pool`, the values are profiled (the
    time added to `state.profile_s`) while the engines connect: each worker profiles a part of the
    tables, and this process merges the parts and sends the pool to the others."""
    began = time.perf_counter()
    if config.workers == 1:
        engines, own = _open_and_profile(config, schema, (0, 1) if pool is None else None)
        if pool is None:
            pool = own
            state.profile_s += time.perf_counter() - began
        worker = Worker(config, schema, pool, engines)
        try:
            for index in itertools.count(start):
                yield worker.run(index, kept.ids, kept.full)
        finally:
            worker.close()
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    ctx = multiprocessing.get_context(method)
    pools = ctx.Queue()  # put() returns at once (a thread writes): no wait on a worker that failed
    pools.cancel_join_thread()  # nor at exit
    stop = ctx.Event()
    children = config.workers - 1
    setup = (config, schema, pools, stop, os.getpid())
    executor = ProcessPoolExecutor(children, mp_context=ctx, initializer=_init_worker, initargs=setup)
    parts: list[Future[ValuePool]] = []
    # chunks in index order: a Future a worker process computes, or the outcomes this one made
    pending: deque[Future[list[Outcome]] | list[Outcome]] = deque()
    lo, taken = start, start  # the next index to take; to yield
    sizes: dict[Future[list[Outcome]], int] = {}  # the chunks under way in worker processes
    recent = RecentIds(children)
    tail = Tail(config.n, len(kept.added), start, children, config.chunk)

    def take(size: int) -> tuple[int, int]:
        """The next `size` indices."""
        nonlocal lo
        lo += size
        return lo - size, lo

    def fill() -> None:
        """Keep three chunks per worker process queued (fewer and smaller near the end: `Tail`)."""
        while len(sizes) < 3 * children and (size := tail.chunk(len(kept.added), taken, sum(sizes.values()))):
            new_ids = recent.next(kept.added)
            future = executor.submit(_run_chunk, *take(size), frozenset(kept.full), new_ids)
            sizes[future] = size
            pending.append(future)

    worker: Worker | None = None
    # the objects made so far leave the collector's care while the workers run (they fork at the
    # first submit): the workers then neither collect nor copy on write this process's whole heap
    gc.freeze()
    try:
        # the parts go first: a worker takes tasks in order, so none waits for the pool in its
        # first chunk while a part is left undone
        n = config.workers if pool is None else 0
        parts.extend(executor.submit(_profile_part, (i, n)) for i in range(1, n))
        fill()
        engines, own = _open_and_profile(config, schema, (0, n) if n else None)
        if pool is None:
            assert own is not None
            pool = merged([own, *(p.result() for p in parts)], schema)
            state.profile_s += time.perf_counter() - began
        for _ in range(children):
            pools.put(pool)
        worker = Worker(config, schema, pool, engines)
        while True:
            fill()
            head = pending[0]
            if isinstance(head, Future) and not head.done() and tail.room(len(kept.added), taken, lo):
                # build the next candidate meanwhile, one at a time: the head is taken as soon as
                # it is back, and little is built past the end of the run
                pending.append([worker.run(take(1)[0], kept.ids, kept.full)])
                continue
            pending.popleft()
            if isinstance(head, Future):
                del sizes[head]
                head = head.result()
            taken += len(head)
            yield from head
    finally:
        futures = [f for f in pending if isinstance(f, Future)]
        _stop(executor, [*parts, *futures], stop, pools)
        if worker is not None:
            worker.close()
        gc.unfreeze()


def _open_and_profile(
    config: GenerateConfig, schema: Schema, part: tuple[int, int] | None
) -> tuple[list[Any], ValuePool | None]:
    """The run's engines, opened in a thread while `part` of the value pool is profiled on a
    connection of its own (no profile with None)."""
    with ThreadPoolExecutor(1) as opener:
        opening = opener.submit(open_engines, config)
        try:
            values = _profile(config, schema, part) if part is not None else None
        except BaseException:
            with contextlib.suppress(Exception):
                for engine in opening.result():
                    engine.close()
            raise
        return opening.result(), values


STOP_WAIT_S = 5.0  # how long _stop waits for the chunks under way to come back


def _stop(executor: ProcessPoolExecutor, submitted: list[Future[Any]], stop: Any, pools: Any) -> None:
    """End the workers now: what they are still computing lies past the last index taken, and
    waiting for whole chunks (and for the workers' exit) costs a tenth of a second per run. Each
    worker ends its chunk after the candidate under way (`stop`), or at once if it still waits for
    the value pool; once the tasks `submitted` under way are back, no worker is writing to the
    result pipe, and they are ended. (A worker ended while it writes a chunk's outcomes leaves half
    a message in the pipe: the executor's thread then waits for the rest for ever, and the process
    never exits.)"""
    processes = list(getattr(executor, "_processes", {}).values())  # no public handle before 3.14
    stop.set()
    for _ in processes:
        pools.put(None)
    under_way = [f for f in submitted if not f.cancel()]  # one cancelled never reaches a worker
    executor.shutdown(wait=False, cancel_futures=True)
    wait(under_way, timeout=STOP_WAIT_S)
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join()


def _load_state(out: Path, config: GenerateConfig) -> tuple[RunState, Kept, RecordSummary]:
    """The checkpoint, and the kept set and summary rebuilt from records.jsonl."""
    fp = config.fingerprint()
    records_path = out / "records.jsonl"
    state = RunState(fingerprint=fp)
    if (saved := _read_state(out)) is not None:
        state = saved
        if state.fingerprint != fp:
            raise SqlsynthError(
                "this folder holds a run with other settings (seed, spec, engines, dialects or "
                "filters); use another --out or add --overwrite",
                where=str(out),
            )
    elif records_path.exists() and records_path.stat().st_size:
        raise SqlsynthError("records.jsonl exists without state.json; use --overwrite", where=str(out))
    kept, summary = Kept(cap=config.template_cap()), RecordSummary()
    last = -1
    if records_path.exists():
        for rec in read_records(records_path):
            kept.add(rec)
            summary.add(rec)
            last = max(last, int(getattr(rec, "index", -1)))
    state.next_index = max(state.next_index, last + 1)
    return state, kept, summary


def _read_state(out: Path) -> RunState | None:
    """The checkpoint in `out`, None if there is none."""
    path = out / "state.json"
    return RunState.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None


def holds_another_run(out: Path, config: GenerateConfig) -> bool:
    """Whether `out` holds a run of other settings (or an unreadable checkpoint), which
    `run_generate` refuses to resume."""
    try:
        state = _read_state(out)
    except ValueError:
        return True
    return state is not None and state.fingerprint != config.fingerprint()


def _save_state(out: Path, state: RunState) -> None:
    write_text_atomic(out / "state.json", state.model_dump_json(indent=1))


def run_generate(
    config: GenerateConfig,
    schema: Schema,
    out: str | Path,
    *,
    overwrite: bool = False,
    progress: bool = True,
    pool: ValuePool | None = None,
) -> RunResult:
    """Write `config.n` validated records to `out` (resuming what is there)."""
    _check_engines_run_the_dialect(config)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if overwrite:
        for name in ("records.jsonl", "state.json", "manifest.json"):
            (out / name).unlink(missing_ok=True)
    state, kept, summary = _load_state(out, config)
    have = summary.count
    _save_state(out, state)  # before the first record, so a killed run can always be resumed
    schema = with_join_keys(config, schema)
    write_text_atomic(out / "schema.json", schema.to_json())
    started = time.perf_counter()
    limit = config.n * GIVE_UP_FACTOR
    stateful = config.validate_.model_copy(update={"template_cap": config.template_cap()})
    if have < config.n:
        # fsync every 500 records and at each checkpoint (every 2 s): state.json never runs ahead
        # of the synced records, and a resume makes again whatever a crash lost after them
        with RecordWriter(out / "records.jsonl", sync_every=500) as writer, _progress(progress) as bar:
            task = bar.add_task("validated records", total=config.n, completed=have) if bar else None
            last_save = time.perf_counter()
            for outcome in _outcomes(config, schema, pool, state.next_index, state, kept):
                _tally(state, outcome)
                if outcome.record is not None:
                    verdict = run_stateful(outcome.record, kept, stateful)
                    state.counters.record(verdict, FILTER_NAMES)
                    if verdict is None:
                        writer.write(outcome.record)
                        summary.add(outcome.record)
                        have += 1
                        if bar is not None:
                            bar.update(task, completed=have)
                elif outcome.rejected is not None and outcome.rejected[0] != "generate":
                    state.counters.record(outcome.rejected, FILTER_NAMES)
                state.next_index = outcome.index + 1
                if time.perf_counter() - last_save > 2.0:
                    writer.sync()
                    state.seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    _save_state(out, state)
                    last_save = time.perf_counter()
                if have >= config.n or state.next_index >= limit:
                    break
        state.seconds += time.perf_counter() - started
        _save_state(out, state)
    manifest = build_manifest(config, state, summary, schema)
    write_json_atomic(out / "manifest.json", manifest)
    return RunResult(out, manifest["records"], state.next_index, manifest)


def with_join_keys(config: GenerateConfig, schema: Schema) -> Schema:
    """`schema` with the join keys the first database's data implies (see generate.keys), added
    when it declares no foreign key (`infer_joins` "auto") or always; else `schema` itself. For
    the walk only: templates and LLM questions come with their own joins."""
    if config.strategy != "walk" or config.infer_joins == "never" or len(schema.tables) < 2:
        return schema
    if config.infer_joins == "auto" and schema.foreign_keys:
        return schema
    from sqlsynth.engines import open_engine
    from sqlsynth.generate.keys import infer_join_keys

    with open_engine(config.dbs[0]) as engine:
        found = infer_join_keys(schema, engine, timeout_s=config.validate_.timeout_s)
    return schema.model_copy(update={"foreign_keys": [*schema.foreign_keys, *found]}) if found else schema


def _profile(config: GenerateConfig, schema: Schema, part: tuple[int, int] = (0, 1)) -> ValuePool:
    """The value pool of the first database (`part` of it, see ValuePool.from_engine), on an
    engine opened as the run's are: DuckDB on one thread, which returns the same rows for a LIMIT
    every time (on several it returns those its threads find first)."""
    with open_run_engine(config.dbs[0]) as engine:
        return ValuePool.from_engine(engine, schema, part=part)


def _tally(state: RunState, outcome: Outcome) -> None:
    state.generate_s += outcome.generate_s
    for name, s in outcome.filter_s.items():
        state.filter_s[name] = state.filter_s.get(name, 0.0) + s
    if outcome.rejected and outcome.rejected[0] == "generate":
        state.generate_failed += 1
    if outcome.disagreement and len(state.disagreements) < 20:
        state.disagreements.append(outcome.disagreement)


def _progress(enabled: bool) -> Any:
    if not enabled:
        return contextlib.nullcontext()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sqlsynth.cli.common import err_console

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


@dataclass
class RecordSummary:
    """What the manifest says of the records written, kept up as they are written (a run's file is
    not read back at its end)."""

    count: int = 0
    hardness: Counter[str] = field(default_factory=Counter)
    features: Counter[str] = field(default_factory=Counter)
    templates: set[str] = field(default_factory=set)
    execution_ms: dict[str, float] | None = None  # per engine of the first record

    @classmethod
    def of(cls, records: Iterable[Record]) -> RecordSummary:
        summary = cls()
        for r in records:
            summary.add(r)
        return summary

    def add(self, r: Record) -> None:
        self.count += 1
        self.hardness[r.hardness] += 1
        self.features.update(key for key, value in r.complexity.model_dump().items() if value)
        self.templates.add(r.template)
        if self.execution_ms is None:
            self.execution_ms = dict.fromkeys(r.execution, 0.0)
        for name in self.execution_ms:
            if name in r.execution:
                self.execution_ms[name] += r.execution[name].ms or 0.0

    def describe(self) -> dict[str, Any]:
        """Hardness and feature distributions and the number of distinct templates."""
        return {
            "hardness": {h: self.hardness.get(h, 0) for h in ("easy", "medium", "hard", "extra")},
            "features": dict(sorted(self.features.items())),
            "templates": len(self.templates),
        }


def describe(records: Iterable[Record]) -> dict[str, Any]:
    """Hardness and feature distributions and the number of distinct templates of `records`."""
    return RecordSummary.of(records).describe()


def build_manifest(
    config: GenerateConfig, state: RunState, summary: RecordSummary, schema: Schema
) -> dict[str, Any]:
    """Counts per filter and reason, distributions, templates, timings, the join keys found in the
    data, seed and versions."""
    import sqlglot

    exec_ms = {name: round(ms, 1) for name, ms in (summary.execution_ms or {}).items()}
    return {
        "records": summary.count,
        "wanted": config.n,
        "candidates": state.next_index,
        "generate_failed": state.generate_failed,
        "template_cap": config.template_cap(),
        "filters": {
            name: {
                "in": state.counters.seen.get(name, 0),
                "rejected": state.counters.rejected.get(name, {}),
            }
            for name in FILTER_NAMES
        },
        "disagreements": state.disagreements,
        **summary.describe(),
        "timings": {
            "seconds": round(state.seconds, 3),
            "records_per_s": round(summary.count / state.seconds, 2) if state.seconds else None,
            "profile_s": round(state.profile_s, 3),
            "generate_s": round(state.generate_s, 3),
            "filter_s": {k: round(v, 3) for k, v in state.filter_s.items()},
            "kept_execution_ms": exec_ms,
        },
        "inferred_join_keys": [
            f"{fk.source_table}.{fk.source_columns[0]} -> {fk.target_table}.{fk.target_columns[0]}"
            for fk in schema.foreign_keys
            if fk.inferred
        ],
        "config": config.model_dump(mode="json", by_alias=True),
        "versions": {
            "sqlsynth": __version__,
            "sqlglot": sqlglot.__version__,
            # from its metadata: a parent whose workers ran DuckDB has not imported it (30 ms)
            "duckdb": importlib.metadata.version("duckdb"),
            "python": platform.python_version(),
        },
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
