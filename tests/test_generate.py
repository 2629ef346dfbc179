"""`sqlsynth generate` / `run_generate`: records and manifest, determinism across workers, resume
after the process is killed, exports, and bad options."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sqlsynth.cli import app
from sqlsynth.dataset import read_records
from sqlsynth.generate import runner as runner_module
from sqlsynth.generate.runner import GenerateConfig, RecentIds, auto_workers, cpu_quota, run_generate
from sqlsynth.generate.spec import ComplexitySpec
from sqlsynth.populate import populate
from sqlsynth.render import DIALECTS
from sqlsynth.testing.schemas import tricky
from sqlsynth.validate.filters import ValidateConfig

runner = CliRunner()


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("gen")
    schema = tricky()
    schema_path = root / "tricky.json"
    schema.save(schema_path)
    urls = {"sqlite": f"sqlite:///{root / 't.db'}", "duckdb": f"duckdb:///{root / 't.duckdb'}"}
    populate(schema, urls["sqlite"], rows=60, seed=2, also=[urls["duckdb"]], progress=False)
    return {"schema": str(schema_path), **urls}


def stable(path: Path) -> list[dict]:
    """Records without timings (which differ run to run)."""
    out = []
    for r in read_records(path):
        d = r.model_dump(mode="json")
        d["execution"] = {k: {"ok": v["ok"], "rows": v["rows"]} for k, v in d["execution"].items()}
        out.append(d)
    return out


def test_cli_writes_records_and_a_consistent_manifest(dbs, tmp_path):
    out = tmp_path / "run"
    args = [
        "generate",
        dbs["schema"],
        "--db",
        dbs["sqlite"],
        "--db",
        dbs["duckdb"],
        "-n",
        "25",
        "-o",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "25 records of 25 wanted" in result.output
    records = list(read_records(out / "records.jsonl"))
    assert len(records) == 25
    assert len({r.id for r in records}) == 25
    for r in records:
        assert set(r.sql_by_dialect) == set(DIALECTS)
        assert r.execution["sqlite"].ok and r.execution["duckdb"].ok
        assert r.execution["sqlite"].rows == r.execution["duckdb"].rows > 0
        assert r.checked["sqlite"] == "executed" and r.checked["tsql"] == "parsed"
        assert r.db_id == "tricky" and r.strategy == "walk" and r.hardness
    manifest = json.loads((out / "manifest.json").read_text())
    filters = list(manifest["filters"].values())
    assert filters[0]["in"] == manifest["candidates"] - manifest["generate_failed"]
    for before, after in itertools.pairwise(filters):
        assert after["in"] == before["in"] - sum(before["rejected"].values())
    assert filters[-1]["in"] - sum(filters[-1]["rejected"].values()) == 25
    assert sum(manifest["hardness"].values()) == 25
    assert manifest["config"]["seed"] == 0 and manifest["versions"]["sqlglot"]
    assert manifest["template_cap"] == 10  # 'auto' for 25 records
    timings = manifest["timings"]
    assert 0 < timings["profile_s"] < timings["seconds"]  # the values were profiled in this run
    assert (out / "schema.json").exists()


NARROW = ComplexitySpec(
    num_joins=(0, 0),
    num_conditions=(1, 1),
    **{k: (0, 0) for k in ("aggregates", "group_by", "having", "order_by", "limit", "distinct")},
    **{k: (0, 0) for k in ("subqueries", "set_ops", "cte", "window", "case", "functions")},
    operators=["="],
)


def test_a_template_holds_at_most_its_share_of_the_records(dbs, tmp_path):
    from sqlsynth.schema.loaders import load_schema

    schema = load_schema(dbs["schema"])
    base = dict(db_id="tricky", dbs=[dbs["sqlite"]], n=60, spec=NARROW)
    capped = run_generate(GenerateConfig(**base), schema, tmp_path / "auto", progress=False)
    free = run_generate(
        GenerateConfig(**base, validate=ValidateConfig(template_cap=None)),
        schema,
        tmp_path / "free",
        progress=False,
    )

    def most(out: Path) -> int:
        return max(Counter(r.template for r in read_records(out / "records.jsonl")).values())

    assert capped.written == free.written == 60
    assert most(tmp_path / "free") > 10  # few shapes: without a cap some repeat more
    assert most(tmp_path / "auto") == 10
    assert capped.manifest["template_cap"] == 10
    filters = capped.manifest["filters"]
    # one worker knows what is kept: a full template's candidates are turned away before they run
    assert filters["already_kept"]["rejected"]["cap"] > 0 and not filters["template_cap"]["rejected"]
    assert free.manifest["template_cap"] is None


@pytest.mark.parametrize(
    ("n", "strategy", "cap", "expected"),
    [
        (30, "walk", "auto", 10),
        (1000, "walk", "auto", 10),
        (1001, "walk", "auto", 11),
        (10_000, "walk", "auto", 100),
        (10_000, "template", "auto", None),  # many records of each template is the point
        (10_000, "walk", 3, 3),
        (10_000, "walk", None, None),
    ],
)
def test_template_cap_auto_is_a_share_of_the_records_wanted(dbs, n, strategy, cap, expected):
    config = GenerateConfig(
        db_id="t", dbs=[dbs["sqlite"]], n=n, strategy=strategy, validate=ValidateConfig(template_cap=cap)
    )
    assert config.template_cap() == expected


def test_template_cap_zero_on_the_command_line_is_no_cap(dbs, tmp_path):
    out = tmp_path / "run"
    args = [
        "generate",
        dbs["schema"],
        "--db",
        dbs["sqlite"],
        "-n",
        "3",
        "--template-cap",
        "0",
        "-o",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["template_cap"] is None and manifest["config"]["validate"]["template_cap"] is None


def test_a_run_the_cap_starves_says_so(dbs, tmp_path):
    spec = tmp_path / "narrow.json"
    spec.write_text(NARROW.model_dump_json())
    out = tmp_path / "run"
    args = ["generate", dbs["schema"], "--db", dbs["sqlite"], "-n", "30", "--spec", str(spec)]
    result = runner.invoke(app, [*args, "--template-cap", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["records"] == manifest["templates"] < 30  # one record per template, too few shapes
    assert "fewer records than wanted" in result.output and "over the cap of 1 records" in result.output


def test_same_seed_same_records_with_one_two_or_three_workers(dbs, tmp_path):
    # with several, this process builds candidates between the chunks of the worker processes
    from sqlsynth.schema.loaders import load_schema

    schema = load_schema(dbs["schema"])
    base = dict(db_id="tricky", dbs=[dbs["sqlite"], dbs["duckdb"]], n=30, seed=11)
    run_generate(GenerateConfig(**base, workers=1), schema, tmp_path / "one", progress=False)
    run_generate(GenerateConfig(**base, workers=2, chunk=3), schema, tmp_path / "two", progress=False)
    run_generate(GenerateConfig(**base, workers=3, chunk=2), schema, tmp_path / "three", progress=False)
    run_generate(GenerateConfig(**{**base, "seed": 12}), schema, tmp_path / "other", progress=False)
    one = stable(tmp_path / "one" / "records.jsonl")
    assert one == stable(tmp_path / "two" / "records.jsonl") == stable(tmp_path / "three" / "records.jsonl")
    assert [r["id"] for r in one] != [r["id"] for r in stable(tmp_path / "other" / "records.jsonl")]


# A worker that has written part of a message when it is ended: the executor's thread in the parent
# waits for the rest for ever, and the process cannot exit (it joins that thread at exit).
_SLOW_SENDER = """
import os, sys, time
from multiprocessing import connection
from sqlsynth.generate import runner as runner_module
from sqlsynth.generate.runner import GenerateConfig, RecentIds, auto_workers, cpu_quota, run_generate
from sqlsynth.generate.spec import ComplexitySpec
from sqlsynth.schema.loaders import load_schema

parent, send = os.getpid(), connection.Connection._send


def slow(self, buf, write=os.write):
    if os.getpid() == parent or len(buf) <= 4:
        return send(self, buf, write)
    send(self, buf[:4], write)  # a worker writes the start of a message, then the rest later
    time.sleep(0.2)
    return send(self, bytes(buf[4:]), write)


connection.Connection._send = slow
schema_path, sqlite, duckdb, out = sys.argv[1:]
config = GenerateConfig(db_id="tricky", dbs=[sqlite, duckdb], n=12, workers=2, chunk=2)
run_generate(config, load_schema(schema_path), out, progress=False)
print("written")
"""


def test_a_run_with_workers_ends_while_they_are_writing_outcomes(dbs, tmp_path):
    args = [
        sys.executable,
        "-c",
        _SLOW_SENDER,
        dbs["schema"],
        dbs["sqlite"],
        dbs["duckdb"],
        str(tmp_path / "o"),
    ]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the process did not exit after its run")
    assert done.returncode == 0 and "written" in done.stdout, done.stderr[-2000:]
    assert len(list(read_records(tmp_path / "o" / "records.jsonl"))) == 12


def test_rerun_resumes_after_the_process_is_killed(dbs, tmp_path):
    n = 120
    cmd = [
        sys.executable,
        "-m",
        "sqlsynth",
        "generate",
        dbs["schema"],
        "--db",
        dbs["sqlite"],
        "-n",
        str(n),
    ]
    full, cut = tmp_path / "full", tmp_path / "cut"
    subprocess.run([*cmd, "-o", str(full)], check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen([*cmd, "-o", str(cut)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = cut / "records.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (records.exists() and records.read_bytes().count(b"\n") >= 5):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    got = records.read_bytes().count(b"\n")
    assert 5 <= got < n, "the run was not interrupted mid-way"
    again = subprocess.run([*cmd, "-o", str(cut)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert stable(records) == stable(full / "records.jsonl")
    # a complete run re-run changes nothing
    subprocess.run([*cmd, "-o", str(cut)], check=True, capture_output=True, timeout=300)
    assert stable(records) == stable(full / "records.jsonl")


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _running(pid: int) -> bool:
    """The process exists and has not ended (an ended one nobody reaped yet is a zombie, Z)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_worker_processes_end_when_their_parent_is_killed(dbs, tmp_path):
    # a parent killed outright cannot stop its workers: they must notice, not wait for ever
    cmd = [sys.executable, "-m", "sqlsynth", "generate", dbs["schema"], "--db", dbs["sqlite"]]
    records = tmp_path / "o" / "records.jsonl"
    args = [*cmd, "-n", "100000", "--workers", "2", "-o", str(tmp_path / "o")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (records.exists() and records.read_bytes().count(b"\n") >= 5):
        time.sleep(0.01)
    workers = _children(proc.pid)
    assert workers, "no worker process was started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_running(w) for w in workers):
        time.sleep(0.05)
    left = [w for w in workers if _running(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, "worker processes outlived their parent"


def test_resuming_with_other_settings_is_refused(dbs, tmp_path):
    out = str(tmp_path / "r")
    base = ["generate", dbs["schema"], "--db", dbs["sqlite"], "-n", "5", "-o", out]
    assert runner.invoke(app, base).exit_code == 0
    result = runner.invoke(app, [*base, "--seed", "3"])
    assert result.exit_code == 2
    assert "other settings" in result.output and "Traceback" not in result.output
    assert runner.invoke(app, [*base, "--seed", "3", "--overwrite"]).exit_code == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--engines", "postgres"], "no --db of that kind"),
        (["--dialects", "sqlite,klingon"], "klingon"),
        (["--num-joins", "3-1"], "above max"),
        (["--num-joins", "x"], "num_joins"),
        (["--hardness", "trivial"], "hardness"),
        (["--operators", "=~"], "operators"),
        (["--strategy", "template", "--template-dialect", "postgres"], "no engine given runs postgres SQL"),
        (["--strategy", "template", "--template-dialect", "klingon"], "klingon"),
    ],
)
def test_bad_options_fail_before_any_work(dbs, tmp_path, extra, message):
    out = tmp_path / "bad"
    result = runner.invoke(app, ["generate", dbs["schema"], "--db", dbs["sqlite"], "-o", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (out / "records.jsonl").exists()


def test_worker_processes_learn_what_is_kept(dbs, tmp_path):
    # each chunk carries the ids kept since the last one: a worker process rejects a duplicate before
    # its queries run, as one worker does, instead of the parent's dedup after the whole validation
    from sqlsynth.schema.loaders import load_schema

    config = GenerateConfig(db_id="tricky", dbs=[dbs["sqlite"]], n=150, seed=11, workers=2, chunk=3)
    result = run_generate(config, load_schema(dbs["schema"]), tmp_path / "o", progress=False)
    filters = result.manifest["filters"]
    early = filters["already_kept"]["rejected"].get("duplicate", 0)
    late = filters["dedup"]["rejected"].get("duplicate", 0)
    assert early > late, filters  # before: 5 early, 10 late


def test_workers_build_few_candidates_past_the_last_index_taken(dbs, tmp_path, monkeypatch):
    # the worker processes are forked from this one: the index log below is theirs too
    from sqlsynth.schema.loaders import load_schema

    log = tmp_path / "built.txt"
    run = runner_module.Worker.run

    def logged(self, index, *args):
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, f"{index}\n".encode())
        os.close(fd)
        return run(self, index, *args)

    monkeypatch.setattr(runner_module.Worker, "run", logged)
    config = GenerateConfig(db_id="tricky", dbs=[dbs["sqlite"], dbs["duckdb"]], n=150, seed=11, workers=2)
    result = run_generate(config, load_schema(dbs["schema"]), tmp_path / "o", progress=False)
    built = [int(x) for x in log.read_text().split()]
    assert len(set(built)) == len(built) and set(range(result.total)) <= set(built)
    past = sum(i >= result.total for i in built)
    assert past <= 6, (past, result.total)  # before: 27 past 216


@pytest.mark.parametrize("children", [1, 2, 3, 7])
def test_each_worker_process_learns_every_id_kept_before_its_chunk(children):
    # chunks taken in turn by `children` worker processes, 4 ids kept between two chunks
    recent = RecentIds(children)
    added: list[str] = []
    known: list[set[str]] = [set() for _ in range(children)]
    for chunk in range(40):
        worker = chunk % children
        known[worker].update(recent.next(added))
        assert known[worker] == set(added), (chunk, worker)
        added.extend(f"id{chunk}-{k}" for k in range(4))


@pytest.mark.parametrize(
    ("cpus", "n", "workers"),
    [(16, 50, 1), (16, 250, 2), (16, 100_000, 8), (2, 100_000, 2), (1, 1_000, 1)],
)
def test_workers_by_default_one_per_cpu_and_per_hundred_records(monkeypatch, cpus, n, workers):
    monkeypatch.setattr(runner_module.os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(runner_module, "cpu_quota", lambda: None)
    assert auto_workers(n) == workers


@pytest.mark.parametrize(
    ("files", "cpus"),
    [
        ({"cpu.max": "150000 100000\n"}, 2),  # cgroup v2, `--cpus 1.5`
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "400000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4),  # v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
    ],
)
def test_a_containers_cpu_quota_is_read(tmp_path, files, cpus):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cpu_quota(tmp_path) == cpus


def test_a_cpu_quota_caps_the_default_workers(monkeypatch):
    # a container on a 64-core host sees 64 CPUs and may use 2
    monkeypatch.setattr(runner_module.os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    monkeypatch.setattr(runner_module, "cpu_quota", lambda: 2)
    assert auto_workers(100_000) == 2


def test_the_command_uses_the_cpus_unless_told(dbs, tmp_path, monkeypatch):
    monkeypatch.setattr(runner_module.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(runner_module, "cpu_quota", lambda: None)
    args = ["generate", dbs["schema"], "--db", dbs["sqlite"], "-n", "200"]
    for extra, workers in (([], 2), (["--workers", "1"], 1)):
        out = tmp_path / f"w{workers}"
        result = runner.invoke(app, [*args, *extra, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert json.loads((out / "manifest.json").read_text())["config"]["workers"] == workers
        assert f"({workers} worker{'s' if workers > 1 else ''})" in result.output
    assert stable(tmp_path / "w2" / "records.jsonl") == stable(tmp_path / "w1" / "records.jsonl")


def test_postgres_with_the_default_workers_agrees_with_sqlite(pg_server, tmp_path, monkeypatch):
    # each worker process opens its own connections; PostgreSQL runs every query SQLite kept
    monkeypatch.setattr(runner_module.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(runner_module, "cpu_quota", lambda: None)
    pg = pg_server.url(f"gen_{os.getpid()}")  # populate creates it
    lite = f"sqlite:///{tmp_path / 't.db'}"
    populate(tricky(), lite, rows=60, seed=2, also=[pg], progress=False)
    tricky().save(tmp_path / "s.json")
    out = tmp_path / "o"
    args = ["generate", str(tmp_path / "s.json"), "--db", lite, "--db", pg, "-n", "200", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "(2 workers)" in result.output
    records = list(read_records(out / "records.jsonl"))
    assert len(records) == 200
    assert all(r.checked["postgres"] == "executed" and r.execution["postgres"].ok for r in records)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_database_that_cannot_be_opened_is_named_also_with_workers(dbs, tmp_path, workers):
    # the worker processes connect while the parent profiles the values: their failure must come
    # back as the same clear error, not as a dead process pool (nor a parent waiting for them)
    missing = tmp_path / "gone.duckdb"
    args = ["generate", dbs["schema"], "--db", dbs["sqlite"], "--db", f"duckdb:///{missing}"]
    result = runner.invoke(app, [*args, "-n", "5", "--workers", workers, "-o", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "gone.duckdb" in result.output and "no such file" in result.output
    assert "Traceback" not in result.output


def test_export_parquet_and_spider(dbs, tmp_path):
    out = tmp_path / "run"
    args = ["generate", dbs["schema"], "--db", dbs["sqlite"], "-n", "8", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(
        app, ["export", str(out), "--format", "parquet", "-o", str(tmp_path / "r.parquet")]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == 8 and "sql" in table.column_names
    result = runner.invoke(
        app, ["export", str(out), "--format", "spider", "-o", str(tmp_path / "train.json")]
    )
    assert result.exit_code == 0, result.output
    tables = json.loads((tmp_path / "tables.json").read_text())
    assert tables[0]["db_id"] == "tricky"


def test_export_of_a_folder_that_is_not_a_run_names_the_missing_file(tmp_path):
    result = runner.invoke(
        app, ["export", str(tmp_path), "--format", "alpaca", "-o", str(tmp_path / "a.json")]
    )
    assert result.exit_code == 2
    assert "records.jsonl" in result.output


def test_template_strategy_portable_and_transpile_checked(dbs, tmp_path):
    base = ["generate", dbs["schema"], "--db", dbs["sqlite"], "--db", dbs["duckdb"], "--strategy", "template"]
    result = runner.invoke(app, [*base, "-n", "12", "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    records = list(read_records(tmp_path / "t" / "records.jsonl"))
    assert len(records) == 12 and {r.strategy for r in records} == {"template"}
    for r in records:
        executed = {d for d, how in r.checked.items() if how == "executed"}
        assert executed and executed <= {"sqlite", "duckdb"}
        assert all(r.execution[e].ok and r.execution[e].rows for e in r.execution)
    result = runner.invoke(
        app, [*base, "--template-dialect", "bigquery", "-n", "12", "-o", str(tmp_path / "bq")]
    )
    assert result.exit_code == 0, result.output
    records = list(read_records(tmp_path / "bq" / "records.jsonl"))
    specific = [r for r in records if r.features]
    assert all(r.dialect == "bigquery" and f.startswith("bigquery:") for r in specific for f in r.features)
    assert specific, "no BigQuery-specific record"
    for r in specific:
        assert r.checked["bigquery"] == "transpile-checked" and r.checked["duckdb"] == "executed"
        assert set(r.execution) == {"duckdb"}
    # PostgreSQL templates without a PostgreSQL database: their DuckDB transpilation runs
    result = runner.invoke(
        app, [*base, "--template-dialect", "postgres", "-n", "12", "-o", str(tmp_path / "pg")]
    )
    assert result.exit_code == 0, result.output
    specific = [r for r in read_records(tmp_path / "pg" / "records.jsonl") if r.features]
    assert specific and all(r.checked["postgres"] == "transpile-checked" for r in specific)
    manifest = json.loads((tmp_path / "pg" / "manifest.json").read_text())
    assert "not-run" not in manifest["filters"]["executes"]["rejected"]


def test_questions_llm_writes_questions_with_the_llm(dbs, tmp_path):
    import torch

    from sqlsynth.testing.fake_openai import FakeOpenAI

    torch.set_num_threads(1)
    answers = ["What are the names of the groups?", "Which groups have a name?", "List the group names."]
    with FakeOpenAI(lambda body: answers[: body.get("n", 1)]) as server:
        cfg = tmp_path / "llm.json"
        cfg.write_text(json.dumps({"model": "fake", "base_url": server.base_url, "max_retries": 0}))
        args = ["generate", dbs["schema"], "--db", dbs["sqlite"], "-n", "4", "-o", str(tmp_path / "q")]
        result = runner.invoke(app, [*args, "--questions", "llm", "--llm-config", str(cfg)])
        served = len(server.bodies)
    assert result.exit_code == 0, result.output
    records = list(read_records(tmp_path / "q" / "records.jsonl"))
    assert served >= 1 and len(records) == 4
    assert {r.question_source for r in records} == {"llm"}
    assert all(r.question in answers for r in records)
    missing = runner.invoke(app, [*args[:-2], "-o", str(tmp_path / "r"), "--questions", "llm"])
    assert missing.exit_code == 2 and "--llm-config" in missing.output


def test_duckdb_plans_as_written_only_on_small_tables(dbs, monkeypatch):
    from sqlsynth.engines import open_engine
    from sqlsynth.generate import runner as runner_module
    from sqlsynth.generate.values import ValuePool

    config = GenerateConfig(db_id="t", dbs=[dbs["sqlite"], dbs["duckdb"]], n=1)
    schema = tricky()
    with open_engine(dbs["sqlite"]) as engine:
        pool = ValuePool.from_engine(engine, schema)
    assert max(pool.row_counts.values()) == 60
    for limit, optimizer in ((60, False), (59, True)):
        monkeypatch.setattr(runner_module, "SMALL_TABLE_ROWS", limit)
        worker = runner_module.Worker(config, schema, pool)
        assert worker.engines[1].optimizer is optimizer
        for engine in worker.engines:
            engine.close()


def test_dialect_names_are_spelled_one_way_in_the_config(dbs):
    config = GenerateConfig(
        db_id="t", dbs=[dbs["sqlite"]], dialects=["PostgreSQL", "sqlite"], template_dialect="postgresql"
    )
    assert (config.dialects, config.template_dialect) == (["postgres", "sqlite"], "postgres")


def test_a_value_pool_profiled_in_parts_is_the_pool_profiled_whole(dbs):
    # with several workers, each profiles every n-th table and foreign key; the parent merges them
    import pickle

    from sqlsynth.engines import open_engine
    from sqlsynth.generate.values import ValuePool, merged

    schema = tricky()
    with open_engine(dbs["sqlite"]) as engine:
        whole = ValuePool.from_engine(engine, schema)
        for n in (2, 3):
            parts = [ValuePool.from_engine(engine, schema, part=(i, n)) for i in range(n)]
            assert all(len(p.row_counts) < len(whole.row_counts) for p in parts)
            assert pickle.dumps(merged(parts, schema)) == pickle.dumps(whole)  # same entries, same order


def test_the_value_pool_of_a_large_duckdb_table_is_the_same_every_run(tmp_path):
    # DuckDB runs a query over a table of several row groups (122,880 rows each) on all its
    # threads by default: `WHERE id IN (SELECT ...) LIMIT 40` then returns other rows from run
    # to run. The profile runs on one thread, as the run's engines do: the same rows every time
    import pickle

    from sqlsynth.engines import open_engine
    from sqlsynth.schema.model import Column, ForeignKey, Schema, Table

    db = tmp_path / "big.duckdb"
    with open_engine(f"duckdb:///{db}", read_only=False) as engine:
        engine.execute("CREATE TABLE p AS SELECT range AS id, range % 97 AS v FROM range(600000)")
        # 60 rows refer to rows of p spread over its five row groups: 40 of them need several
        engine.execute("CREATE TABLE c AS SELECT range AS id, range * 10000 AS p_id FROM range(60)")
    schema = Schema(
        tables=[
            Table(name="p", columns=[Column(name="id", type="BIGINT"), Column(name="v", type="BIGINT")]),
            Table(name="c", columns=[Column(name="id", type="BIGINT"), Column(name="p_id", type="BIGINT")]),
        ],
        foreign_keys=[
            ForeignKey(source_table="c", source_columns=["p_id"], target_table="p", target_columns=["id"])
        ],
    )
    config = GenerateConfig(db_id="t", dbs=[f"duckdb:///{db}"], n=1)
    pools = {pickle.dumps(runner_module._profile(config, schema)) for _ in range(4)}
    assert len(pools) == 1
