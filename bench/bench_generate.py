"""Benchmark `sqlsynth generate` on the demo model against sqlsmith and against pure execution time.

    .venv/bin/python bench/bench_generate.py [--n 500] [--rows 200] [--repeat 5] [--smith-seconds 30]
                                             [--wait-quiet 180] [--docs docs/benchmarks.md] [--json out.json]
                                             [--baseline COMMIT] [--steady-n 2000] [--steady-repeat 2]

0. Waits up to `--wait-quiet` seconds for other processes to leave the CPUs idle (the machine is shared);
   each timed run records how many CPUs other processes kept busy meanwhile (/proc/stat minus our CPU time).

1. Populates the demo model (~`--rows` rows per table) into SQLite and DuckDB (identical rows).
2. Runs `run_generate` (what `sqlsynth generate demo --db sqlite:///... --db duckdb:///... -n N
   --dialects sqlite,duckdb,postgres --seed 0 --workers W` calls) with 1 and 2 workers, `--repeat`
   times each, alternating, into fresh folders; checks that both worker counts write the same records
   (all fields but the measured execution times). Then `--steady-repeat` times each on `--steady-n`
   records, where start-up (value profile, connections) weighs less.
3. Runs sqlsmith (Debian package `sqlsmith`, installed if missing) on a copy of the same SQLite file for
   `--smith-seconds` in all, in slices between the pairs of runs of step 2 (so that a shared machine's
   drifting speed weighs on both alike), with the LD_PRELOAD shim bench/sqlsmith_shim.c built with gcc
   into the temp folder (SQLite version check, see /work/shared/notes/sqlsmith.md; and SQLite >= 3.39's
   "query aborted" message, without which every query that returns a row counts as an error), and counts
   its valid statements (the '.' marks of its --verbose output) per second of its active time.
With `--baseline COMMIT`, also runs the 1-worker workload alternately with that commit's code (a git
worktree in the temp folder) and with this checkout's, each in a fresh process, `--repeat` times: the
speed ratio of the two on the same machine in the same minutes, which drifting machine speed does not
blur (the demo model must be the same in both).

4. Reports records/s, the sqlsmith ratio, overhead = total time / pure execution time of the kept queries
   (sum of the manifest's kept_execution_ms over engines; with 1 worker, and with 2 the run's wall time
   against the execution summed over both processes) and the 2-worker speedup, against the targets of
   issue 4 (>= 5x sqlsmith, overhead <= 2x, speedup >= 1.8x), with where the time goes. Prints markdown and
   replaces (or appends) the "## Generation" section of `--docs`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import REPO, commit_sources, cpu_model, git, write_section
from sqlsynth.generate.runner import GenerateConfig, run_generate
from sqlsynth.populate import populate
from sqlsynth.schema.demo import demo_schema

DIALECTS = ["sqlite", "duckdb", "postgres"]
SECTION = "## Generation"
SHIM_SOURCE = Path(__file__).with_name("sqlsmith_shim.c")
PROGRESS_LINE = re.compile(rb"^[.eStC]+$")


# -- machine ------------------------------------------------------------------------------------
def _cmd(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    model = cpu_model()
    mem = "?"
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(x for x in meminfo if "MemTotal" in x).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    import duckdb
    import sqlglot

    return {
        "nproc": _cmd(["nproc"]) or str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "kind": "python (/work/.library/env/machines/python.md: 2 cores, 24 GiB)",
        "python": platform.python_version(),
        "sqlglot": sqlglot.__version__,
        "duckdb": duckdb.__version__,
        "loadavg_start": os.getloadavg(),
        "busy_before": busy_share(),
    }


QUIET = 0.1  # a run is "quiet" when other processes kept fewer CPUs than this busy on average
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_jiffies() -> int:
    """Busy time of all CPUs so far (user + nice + system + irq + softirq + steal), in clock ticks."""
    try:
        f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7]


def wait_quiet(limit_s: float, threshold: float = 0.1, window_s: float = 5.0) -> float:
    """Wait (up to `limit_s`) until other processes use under `threshold` of the CPUs for `window_s`."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if busy_share(window_s) < threshold:
            break
    return time.monotonic() - start


def busy_share(seconds: float = 2.0) -> float:
    """Share of all CPUs busy (not idle or iowait) over `seconds`, from /proc/stat: what else runs."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return float("nan")
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


# -- sqlsynth -----------------------------------------------------------------------------------
def _stable(line: str) -> str:
    """A record without what is measured rather than generated (execution times)."""
    rec = json.loads(line)
    for res in rec.get("execution", {}).values():
        res.pop("ms", None)
    return json.dumps(rec, sort_keys=True)


def run_once(schema: Any, urls: list[str], n: int, seed: int, workers: int, out: Path) -> dict[str, Any]:
    config = GenerateConfig(
        db_id="demo", dbs=urls, n=n, seed=seed, workers=workers, dialects=DIALECTS, source="demo"
    )
    busy0 = busy_jiffies()
    start = time.perf_counter()
    cpu0 = os.times()
    result = run_generate(config, schema, out, overwrite=True, progress=False)
    wall = time.perf_counter() - start
    cpu1 = os.times()
    busy1 = busy_jiffies()
    parent = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    children = (cpu1.children_user - cpu0.children_user) + (cpu1.children_system - cpu0.children_system)
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return {
        "workers": workers,
        "wall_s": wall,
        "cpu_s": parent + children,
        "cpu_parent_s": parent,
        "cpu_workers_s": children,
        # CPUs kept busy by other processes on the machine during the run, on average
        "others_cpus": max(0.0, ((busy1 - busy0) / CLK_TCK - parent - children) / wall),
        "records": result.written,
        "manifest": result.manifest,
        "stable": [_stable(x) for x in lines],
    }


# -- sqlsmith -----------------------------------------------------------------------------------
def ensure_tool(binary: str, package: str) -> str | None:
    if shutil.which(binary):
        return None
    print(f"installing {package} (apt-get) ...", file=sys.stderr)
    proc = subprocess.run(["apt-get", "install", "-y", package], capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not shutil.which(binary):
        return f"apt-get install {package} failed: {(proc.stderr or proc.stdout).strip()[-300:]}"
    return None


def build_shim(workdir: Path) -> tuple[Path | None, str]:
    smith = shutil.which("sqlsmith") or "sqlsmith"
    data = Path(smith).read_bytes()
    found = re.search(rb"2022-02-22 18:58:40 [0-9a-z]+", data)
    if found is None:
        return None, "no SQLite source id found in the sqlsmith binary"
    source_id = found.group(0).decode()
    lib = workdir / "sqlsmith_shim.so"
    proc = subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-O2",
            f'-DSOURCEID="{source_id}"',
            "-o",
            str(lib),
            str(SHIM_SOURCE),
            "-ldl",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None, f"gcc failed: {proc.stderr.strip()[-300:]}"
    return lib, source_id


def _smith_once(db: Path, shim: Path, seed: int, seconds: float, workdir: Path) -> dict[str, Any]:
    """One sqlsmith process on a fresh copy of `db`, stopped with SIGINT after `seconds` (it may die
    earlier: its SQLite driver raises SIGALRM when one statement runs over 6 s)."""
    copy = workdir / "smith.db"
    shutil.copyfile(db, copy)
    env = {**os.environ, "LD_PRELOAD": str(shim)}
    cmd = ["sqlsmith", f"--sqlite=file:{copy}", f"--seed={seed}", "--verbose"]
    chunks: list[tuple[float, bytes]] = []
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    fd = proc.stderr.fileno()

    def reader() -> None:
        while True:
            data = os.read(fd, 4096)
            if not data:
                return
            chunks.append((time.monotonic(), data))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        proc.wait(timeout=seconds)
        stopped = False
        stop_at = float("inf")
    except subprocess.TimeoutExpired:
        stop_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stopped = True
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    end = min(time.monotonic(), stop_at)
    thread.join(timeout=5)
    chunks = [(t, c) for t, c in chunks if t < stop_at]  # what it finished before we stopped it
    raw = b"".join(c for _, c in chunks)
    counts = {ch: 0 for ch in ".eStC"}
    last_end = 0  # byte offset just after the last progress mark
    offset = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip(b"\n")
        if PROGRESS_LINE.match(body):
            for ch in body.decode():
                counts[ch] += 1
            last_end = offset + len(body)
        offset += len(line)
    last, seen = start, 0
    for t, c in chunks:  # the time the chunk holding the last progress mark arrived
        seen += len(c)
        if last_end and seen >= last_end:
            last = t
            break
    text = raw.decode(errors="replace")
    alarm = proc.returncode == -signal.SIGALRM
    return {
        "seed": seed,
        "counts": counts,
        "statements": sum(counts.values()),
        "valid": counts["."],
        "wall_s": end - start,
        # until its last progress mark: without the seconds a statement hung before SIGALRM or our SIGINT
        "active_s": last - start,
        "died_sigalrm": alarm,
        "stopped_by_us": stopped,
        "returncode": proc.returncode,
        "tail": text[-300:] if proc.returncode not in (-signal.SIGALRM, -signal.SIGINT, 0, 1) else "",
    }


def smith_tools(workdir: Path) -> tuple[Path | None, str]:
    """(the LD_PRELOAD shim, its description), or (None, why sqlsmith cannot run)."""
    problem = ensure_tool("sqlsmith", "sqlsmith") or ensure_tool("gcc", "gcc")
    if problem:
        return None, problem
    return build_shim(workdir)


def run_sqlsmith(db: Path, budget_s: float, workdir: Path, shim: Path, seed: int = 1) -> list[dict[str, Any]]:
    """sqlsmith processes (seeds `seed`, `seed` + 1, ...) one after another for `budget_s` seconds."""
    runs: list[dict[str, Any]] = []
    deadline = time.monotonic() + budget_s
    while (left := deadline - time.monotonic()) > 1.0:
        runs.append(_smith_once(db, shim, seed, left, workdir))
        seed += 1
        if runs[-1]["statements"] == 0 and not runs[-1]["died_sigalrm"]:
            break  # it does not run at all; do not spin
    return runs


def smith_summary(runs: list[dict[str, Any]], info: str) -> dict[str, Any]:
    """sqlsmith's figures over all its processes."""
    valid = sum(r["valid"] for r in runs)
    statements = sum(r["statements"] for r in runs)
    wall = sum(r["wall_s"] for r in runs)
    active = sum(r["active_s"] for r in runs)
    return {
        "source_id": info,
        "runs": runs,
        "processes": len(runs),
        "sigalrm_deaths": sum(r["died_sigalrm"] for r in runs),
        "statements": statements,
        "valid": valid,
        "errors": {k: sum(r["counts"][k] for r in runs) for k in "eStC"},
        "wall_s": wall,
        "active_s": active,
        "valid_per_s_active": valid / active if active else 0.0,
        "valid_per_s_wall": valid / wall if wall else 0.0,
        "statements_per_s_active": statements / active if active else 0.0,
    }


# -- against an older commit --------------------------------------------------------------------
AB_SCRIPT = """
import json, sys, time
from pathlib import Path
import sqlsynth
from sqlsynth.generate.runner import GenerateConfig, run_generate
from sqlsynth.schema.demo import demo_schema
urls, n, seed, out = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
config = GenerateConfig(db_id="demo", dbs=urls, n=n, seed=seed, workers=1, dialects=json.loads(sys.argv[5]))
start = time.perf_counter()
result = run_generate(config, demo_schema(), out, overwrite=True, progress=False)
wall = time.perf_counter() - start
print(json.dumps({"wall_s": wall, "records": result.written, "candidates": result.total,
                  "package": sqlsynth.__file__}))
"""


def baseline_runs(commit: str, urls: list[str], n: int, seed: int, repeat: int, work: Path) -> dict[str, Any]:
    """1-worker runs of `commit`'s code and of this checkout's, alternating, each in a new process."""
    sha = git("rev-parse", "--short", commit)
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    with commit_sources(commit, work) as baseline:
        sources = {"baseline": baseline, "current": REPO / "src"}
        for rep in range(repeat):
            for label, src in sources.items():
                env = {**os.environ, "PYTHONPATH": str(src)}
                args = [json.dumps(urls), str(n), str(seed), str(work / f"ab_{label}"), json.dumps(DIALECTS)]
                done = subprocess.run(
                    [sys.executable, "-c", AB_SCRIPT, *args], env=env, capture_output=True, text=True
                )
                if done.returncode:
                    raise SystemExit(f"{label} run failed: {done.stderr[-2000:]}")
                r = json.loads(done.stdout.strip().splitlines()[-1])
                if not Path(r["package"]).resolve().is_relative_to(src.resolve()):
                    raise SystemExit(f"{label} run imported sqlsynth from {r['package']}, not {src}")
                runs[label].append(r)
                print(f"{label} run {rep + 1}: {r['records'] / r['wall_s']:.1f} records/s", file=sys.stderr)
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "src"))
    return {"commit": sha, "head": git("rev-parse", "--short", "HEAD"), "dirty": dirty, "n": n, "runs": runs}


def baseline_lines(ab: dict[str, Any]) -> list[str]:
    rates = {k: [r["records"] / r["wall_s"] for r in v] for k, v in ab["runs"].items()}
    med = {k: _median(v) for k, v in rates.items()}
    cands = {k: v[0]["candidates"] for k, v in ab["runs"].items()}
    head = ab["head"] + (" with uncommitted changes in src/" if ab["dirty"] else "")
    return [
        f"Against commit {ab['commit']} (`--baseline`): the same 1-worker workload with that commit's "
        f"code and with this checkout's ({head}), alternating, {len(rates['current'])} runs each, each in "
        "a new process (run_generate's wall time; value profiling included, imports not):",
        "",
        f"| code | median records/s | best | candidates for {ab['n']} records |",
        "|---|---:|---:|---:|",
        f"| {ab['commit']} | {med['baseline']:.1f} | {max(rates['baseline']):.1f} | {cands['baseline']} |",
        f"| this checkout | {med['current']:.1f} | {max(rates['current']):.1f} | {cands['current']} |",
        f"| **ratio** | **{med['current'] / med['baseline']:.2f}×** | "
        f"{max(rates['current']) / max(rates['baseline']):.2f}× | |",
    ]


# -- report -------------------------------------------------------------------------------------
def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def where_time_goes(manifest: dict[str, Any], wall: float) -> list[str]:
    t = manifest["timings"]
    filt = t["filter_s"]
    loop = t["seconds"]
    profile = t.get("profile_s", 0.0)  # in the loop since the engines connect meanwhile
    accounted = profile + t["generate_s"] + sum(filt.values())
    rows = [f"| value profile (engines connect meanwhile) | {profile:.2f} | {100 * profile / loop:.0f}% |"]
    rows.append(f"| generate (walk) | {t['generate_s']:.2f} | {100 * t['generate_s'] / loop:.0f}% |")
    for name, s in sorted(filt.items(), key=lambda kv: -kv[1]):
        rows.append(f"| filter {name} | {s:.2f} | {100 * s / loop:.0f}% |")
    rest = loop - accounted
    rows.append(
        f"| rest (reference rendering, question, keys, build + write records, checkpoints) | {rest:.2f} | "
        f"{100 * rest / loop:.0f}% |"
    )
    rows.append(f"| **generation loop (manifest seconds)** | {loop:.2f} | 100% |")
    rows.append(f"| opening the output folder, manifest (wall − loop) | {wall - loop:.2f} | |")
    return rows


def overhead(run: dict[str, Any]) -> tuple[float, float, float]:
    """A run's wall time and its generation loop's (manifest seconds), each over the pure execution
    time of its kept queries; and that time, s."""
    t = run["manifest"]["timings"]
    ex = sum(t["kept_execution_ms"].values()) / 1000
    return (run["wall_s"] / ex, t["seconds"] / ex, ex) if ex else (float("inf"), float("inf"), 0.0)


def report(
    args: argparse.Namespace,
    info: dict[str, Any],
    runs: list[dict[str, Any]],
    smith: dict[str, Any],
    populate_s: float,
    identical: bool,
    diff: str,
    steady: list[dict[str, Any]],
) -> tuple[str, dict[str, Any]]:
    one = [r for r in runs if r["workers"] == 1]
    two = [r for r in runs if r["workers"] == 2]
    rate1 = [r["records"] / r["wall_s"] for r in one]
    rate2 = [r["records"] / r["wall_s"] for r in two]
    med1, med2 = _median(rate1), _median(rate2)
    best1, best2 = max(rate1), max(rate2)
    cpu_rate1 = max(r["records"] / r["cpu_s"] for r in one)
    pairs = [a["wall_s"] / b["wall_s"] for a, b in zip(one, two, strict=False)]  # run back to back
    speed_med, speed_best = _median(pairs), best2 / best1
    # 1 worker needs one CPU: its runs count while others left one free; 2 workers need both
    q1 = [r["wall_s"] for r in one if r["others_cpus"] < 1 - QUIET]
    q2 = [r["wall_s"] for r in two if r["others_cpus"] < QUIET]
    speed_quiet = _median(q1) / _median(q2) if q1 and q2 else float("nan")
    speed_verdict = speed_quiet if q1 and q2 else speed_med
    ref = sorted(one, key=lambda r: r["wall_s"])[len(one) // 2]  # the median 1-worker run
    ref2 = sorted(two, key=lambda r: r["wall_s"])[len(two) // 2]  # the median 2-worker run
    fast = min(one, key=lambda r: r["wall_s"])
    over_med, loop_med, exec_s = overhead(ref)
    over_best, loop_best, _ = overhead(fast)
    # with 2 workers: the run's wall time against its kept queries' execution, summed over both processes
    over2_med, _, exec2 = overhead(ref2)
    over2_best = overhead(min(two, key=lambda r: r["wall_s"]))[0]
    m = ref["manifest"]
    exec_ms = m["timings"]["kept_execution_ms"]
    smith_rate = smith.get("valid_per_s_active", 0.0)

    def ratio(x: float) -> float:
        return x / smith_rate if smith_rate else float("nan")

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    cmd = shlex.join([".venv/bin/python", "bench/bench_generate.py", *sys.argv[1:]])
    date = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    others = [r["others_cpus"] for r in runs]
    lines = [
        SECTION,
        "",
        f"Measured {date} with `{cmd}` (bench/bench_generate.py; issue 4, Performance).",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, kind {info['kind']}; "
        f"Python {info['python']}, sqlglot {info['sqlglot']} (with sqlglotc), duckdb {info['duckdb']}. "
        + (
            "**The machine was shared with other processes (other engineers' builds and tests) during the "
            "run**: other"
            if max(others) >= QUIET
            else "The machine was quiet during the run: other"
        )
        + f" processes kept {min(others):.2f} to {max(others):.2f} of the 2 CPUs busy during the "
        f"timed runs (column *others* below; from /proc/stat minus this benchmark's own CPU time), "
        f"{100 * info['busy_before']:.0f}% of the CPUs in the 2 s before (after waiting "
        f"{info['waited_s']:.0f} s for a quiet machine, `--wait-quiet`); load average "
        f"{info['loadavg_start'][0]:.1f} at the start, {info['loadavg_end'][0]:.1f} at the end. Wall-clock "
        "figures vary from run to run: both the median and the best run are given, and the 2-worker speedup "
        "is the median of back-to-back pairs.",
        "",
        f"Workload: demo model (49 tables), {args.rows} rows per table populated into SQLite and DuckDB "
        f"({populate_s:.1f} s); N = {args.n} validated records, seed {args.seed}, executed on sqlite + "
        f"duckdb, rendered to {', '.join(DIALECTS)}; all default filters in their order (a candidate "
        f"kept already or of a full template turned away before it runs, execute on SQLite, one-row "
        f"scalar subqueries, non-empty, non-trivial, unambiguous order, discriminative, the same rows "
        f"whichever way LIKE reads case, clear of float boundaries, then DuckDB runs it and must agree, "
        f"parse back of the renderings no engine ran (postgres), dedup, at most max(10, n / 100) records a "
        f"template). {args.repeat} "
        "runs per worker count, alternating; records/s = records / wall time of `run_generate` "
        "(value profiling and process start included).",
        "",
        "| measure | median | best (fastest run) | target | verdict (median; best) |",
        "|---|---:|---:|---:|---|",
        f"| sqlsynth, 1 worker: validated records/s | {med1:.1f} | {best1:.1f} | | |",
        f"| sqlsynth, 2 workers: validated records/s | {med2:.1f} | {best2:.1f} | | |",
        f"| sqlsynth, 1 worker: validated records per CPU second | | {cpu_rate1:.1f} | | |",
        f"| sqlsmith: valid statements/s (active time; see below) | {smith_rate:.1f} | | | |",
        f"| sqlsynth 1 worker / sqlsmith | {ratio(med1):.2f}× | {ratio(best1):.2f}× | ≥ 5× | "
        f"{verdict(ratio(med1) >= 5)}; {verdict(ratio(best1) >= 5)} |",
        f"| sqlsynth 2 workers / sqlsmith | {ratio(med2):.2f}× | {ratio(best2):.2f}× | ≥ 5× | "
        f"{verdict(ratio(med2) >= 5)}; {verdict(ratio(best2) >= 5)} |",
        f"| overhead = wall time / pure execution time of the kept queries (1 worker) | {over_med:.2f}× | "
        f"{over_best:.2f}× | ≤ 2× | {verdict(over_med <= 2)}; {verdict(over_best <= 2)} |",
        f"| same, generation loop only (manifest seconds) | {loop_med:.2f}× | {loop_best:.2f}× | | |",
        f"| same, 2 workers: wall time / the kept queries' execution time (summed over both processes) | "
        f"{over2_med:.2f}× | {over2_best:.2f}× | ≤ 2× | {verdict(over2_med <= 2)}; "
        f"{verdict(over2_best <= 2)} |",
        f"| 2 workers / 1 worker (median of back-to-back pairs; best / best) | {speed_med:.2f}× | "
        f"{speed_best:.2f}× | ≥ 1.8× | {verdict(speed_med >= 1.8)}; {verdict(speed_best >= 1.8)} |",
        f"| 2 workers / 1 worker on a quiet machine: median wall time of the 1-worker runs with a CPU to "
        f"spare (others < {1 - QUIET:.1f}; {len(q1)} runs) / that of the 2-worker runs with both (others < "
        f"{QUIET}; {len(q2)} runs) | {speed_quiet:.2f}× | | ≥ 1.8× | "
        f"{verdict(speed_quiet >= 1.8) if q1 and q2 else 'no quiet run'} |",
        f"| validated records/s in those quiet runs, 1 worker; 2 workers (median) | "
        f"{args.n / _median(q1) if q1 else float('nan'):.1f}; "
        f"{args.n / _median(q2) if q2 else float('nan'):.1f} | | | |",
        f"| 1- and 2-worker outputs identical (all fields but execution ms) | {'yes' if identical else 'NO'} "
        "| | yes | |",
        "",
        "Runs, in the order they ran (CPU s: this process; its worker processes, 0 with 1 worker; others: "
        "CPUs busy with other processes, on average):",
        "",
        "| workers | wall s | CPU s | others | records | candidates | records/s | kept exec ms (sqlite; "
        "duckdb) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        km = r["manifest"]["timings"]["kept_execution_ms"]
        lines.append(
            f"| {r['workers']} | {r['wall_s']:.2f} | {r['cpu_parent_s']:.2f}; {r['cpu_workers_s']:.2f} | "
            f"{r['others_cpus']:.2f} | {r['records']} | "
            f"{r['manifest']['candidates']} | {r['records'] / r['wall_s']:.1f} | "
            f"{km.get('sqlite', 0):.0f}; {km.get('duckdb', 0):.0f} |"
        )
    if not identical:
        lines += ["", f"First difference between 1 and 2 workers: `{diff}`"]
    lines += steady_lines(args, steady, smith_rate)
    lines += [
        "",
        "Where the time goes (median 1-worker run, from its manifest):",
        "",
        "| part | s | share of loop |",
        "|---|---:|---:|",
    ]
    lines += where_time_goes(m, ref["wall_s"])
    filt = m["filters"]
    rejected = {k: v["rejected"] for k, v in filt.items() if v["rejected"]}
    lines += [
        "",
        f"Kept queries' pure execution: {exec_ms.get('sqlite', 0):.0f} ms on SQLite + "
        f"{exec_ms.get('duckdb', 0):.0f} ms on DuckDB = {exec_s:.2f} s. The `executes` filter also runs the "
        f"rejected candidates ({m['candidates']} candidates for {m['records']} records) and fetches rows in "
        "Python; `discriminative` re-runs each query without each predicate (up to 4 runs on SQLite). "
        f"Rejections: {json.dumps(rejected)}.",
        "",
    ]
    if "error" in smith:
        lines += [f"sqlsmith could not be run: {smith['error']}", ""]
    else:
        slices = args.repeat + (args.steady_repeat if args.steady_n else 0)
        lines += [
            "sqlsmith 1.4 (Debian), `LD_PRELOAD=<shim> sqlsmith --sqlite=file:<copy> --seed=S --verbose` "
            f"on a fresh copy of the same SQLite file per process, seeds 1..{smith['processes']}, "
            f"{args.smith_seconds:.0f} s in all, in {slices} slices between the pairs of sqlsynth runs (so "
            "that both are timed in the same minutes of a machine whose speed drifts): "
            f"{smith['statements']} statements, {smith['valid']} valid "
            f"({100 * smith['valid'] / max(1, smith['statements']):.0f}%; errors by kind "
            f"{json.dumps(smith['errors'])}: S = syntax, e = other error, t = timeout). "
            f"{smith['sigalrm_deaths']} of its {smith['processes']} processes killed themselves with SIGALRM "
            "(one statement over 6 s, typically a large cross join of the 200-row tables), the others "
            "were stopped with SIGINT at the end of the budget. The rate in the table counts its time from "
            f"process start to its last progress mark ({smith['active_s']:.1f} s of "
            f"{smith['wall_s']:.1f} s), "
            "i.e. without the seconds spent in a statement that never finished: the most favourable "
            f"reading for sqlsmith. Over its wall time it made {smith['valid_per_s_wall']:.1f} valid/s "
            f"(sqlsynth 1 worker, median / that = {med1 / max(smith['valid_per_s_wall'], 1e-9):.1f}×). "
            "sqlsmith stops reading a result at its first row and uses one engine; sqlsynth fetches up "
            "to 10,000 rows on two engines and re-runs each query for the discriminative check.",
            "",
        ]
    misses = []
    if not ratio(med1) >= 5:
        misses.append(
            f"the sqlsmith ratio, by a factor {5 / ratio(med1):.1f} (median) to {5 / ratio(best1):.1f} "
            f"(best), 1 worker; {5 / ratio(best2):.1f} with the best 2-worker run"
        )
    if over_med > 2:
        misses.append(
            f"the overhead with 1 worker, {over_med:.2f}× (median) and {over_best:.2f}× (best) against 2×"
            + (f" ({over2_med:.2f}× with 2 workers)" if over2_med <= 2 else "")
        )
    if over2_med > 2:
        misses.append(f"the overhead with 2 workers, {over2_med:.2f}× (median) against 2×")
    if speed_verdict < 1.8:
        which = "quiet runs" if q1 and q2 else "back-to-back pairs"
        misses.append(f"the 2-worker speedup, {speed_verdict:.2f}× ({which}) against 1.8×")
    lines += [
        f"2 workers (median run): this process, one of the two workers (it builds candidates while the "
        f"next chunk in order is under way in the worker process, takes outcomes in index order, dedups "
        f"and writes records), used {ref2['cpu_parent_s']:.2f} s of CPU and the worker process "
        f"{ref2['cpu_workers_s']:.2f} s, against {ref['cpu_s']:.2f} s for the whole 1-worker run; the same "
        f"kept queries took {exec2:.2f} s to execute instead of {exec_s:.2f} s. "
        f"Ideal 2-worker wall time from these CPU figures: about {ref2['cpu_s'] / 2:.2f} s "
        f"(vs {ref2['wall_s']:.2f} s measured, "
        f"{ref['wall_s']:.2f} s with 1 worker).",
        "",
    ]
    if misses:
        lines += ["Missed: " + "; ".join(misses) + ". See the time table above for where the time goes.", ""]
    md = "\n".join(lines) + "\n"
    figures = {
        "machine": info,
        "rate_1_median": med1,
        "rate_2_median": med2,
        "rate_1_best": best1,
        "rate_2_best": best2,
        "speedup_median": speed_med,
        "speedup_best": speed_best,
        "speedup_quiet": speed_quiet,
        "sqlsmith": {k: v for k, v in smith.items() if k != "runs"},
        "ratio_1_median": ratio(med1),
        "ratio_2_median": ratio(med2),
        "overhead_median": over_med,
        "overhead_best": over_best,
        "overhead_loop_median": loop_med,
        "overhead_2_median": over2_med,
        "overhead_2_best": over2_best,
        "pair_speedups": pairs,
        "records_per_cpu_s": cpu_rate1,
        "identical": identical,
        "runs": [{k: v for k, v in r.items() if k != "stable"} for r in runs],
        "steady": steady,
    }
    return md, figures


def steady_lines(args: argparse.Namespace, steady: list[dict[str, Any]], smith_rate: float) -> list[str]:
    """The same workload on --steady-n records: in a run of N = 500, start-up (connections, the
    value profile, the workers' first chunk) is about a tenth of the 2-worker time; sqlsmith's rate
    is over seconds of its running."""
    one = [r["records"] / r["wall_s"] for r in steady if r["workers"] == 1]
    two = [r["records"] / r["wall_s"] for r in steady if r["workers"] == 2]
    if not one or not two:
        return []
    pairs = [
        a["wall_s"] / b["wall_s"]
        for a, b in zip(steady[::2], steady[1::2], strict=False)
        if a["workers"] == 1 and b["workers"] == 2
    ]
    med1, med2 = _median(one), _median(two)
    ratio = med2 / smith_rate if smith_rate else float("nan")
    profile = _median([r["manifest"]["timings"].get("profile_s", 0.0) for r in steady])
    over = {k: _median([overhead(r)[0] for r in steady if r["workers"] == k]) for k in (1, 2)}
    return [
        "",
        f"Longer runs, N = {args.steady_n} ({args.steady_repeat} per worker count, alternating, after "
        f"the runs above): start-up (value profile {profile:.2f} s, connections, the workers' first "
        "chunk) weighs less than in a run of 1-2 s; sqlsmith's rate above is over seconds of its running.",
        "",
        f"| measure (N = {args.steady_n}) | median | target | verdict |",
        "|---|---:|---:|---|",
        f"| 1 worker; 2 workers: validated records/s | {med1:.1f}; {med2:.1f} | | |",
        f"| 2 workers / sqlsmith | {ratio:.2f}× | ≥ 5× | {'met' if ratio >= 5 else '**missed**'} |",
        f"| 2 workers / 1 worker (back-to-back pairs) | {_median(pairs):.2f}× | ≥ 1.8× | "
        f"{'met' if _median(pairs) >= 1.8 else '**missed**'} |",
        f"| overhead, 1 worker; 2 workers (wall time / the kept queries' execution time) | {over[1]:.2f}×; "
        f"{over[2]:.2f}× | ≤ 2× | {'met' if over[1] <= 2 else '**missed**'}; "
        f"{'met' if over[2] <= 2 else '**missed**'} |",
        f"| candidates for {args.steady_n} records | {steady[0]['manifest']['candidates']} | | |",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=500, help="validated records per run")
    ap.add_argument("--rows", type=int, default=200, help="rows per demo table")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5, help="runs per worker count")
    ap.add_argument("--smith-seconds", type=float, default=30.0, help="sqlsmith time budget")
    ap.add_argument("--docs", default="docs/benchmarks.md", help="markdown file to update ('' = none)")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=180.0,
        help="wait up to this many seconds for other processes to leave the CPUs idle before measuring",
    )
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    ap.add_argument("--baseline", help="also compare 1-worker speed with this commit's code, run alternately")
    ap.add_argument(
        "--steady-n",
        type=int,
        default=2000,
        help="also time 1 and 2 workers on this many records (0: not), where start-up weighs less",
    )
    ap.add_argument("--steady-repeat", type=int, default=2, help="runs per worker count at --steady-n")
    args = ap.parse_args()

    waited = wait_quiet(args.wait_quiet)
    info = machine()
    info["waited_s"] = waited
    tmp = None
    if args.keep:
        work = args.keep
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="bench_generate_")
        work = Path(tmp.name)
    try:
        schema = demo_schema()
        sqlite_path, duck_path = work / "demo.db", work / "demo.duckdb"
        for p in (sqlite_path, duck_path):
            p.unlink(missing_ok=True)
        t0 = time.perf_counter()
        populate(
            schema,
            f"sqlite:///{sqlite_path}",
            rows=args.rows,
            seed=0,
            also=[f"duckdb:///{duck_path}"],
            progress=False,
        )
        populate_s = time.perf_counter() - t0
        print(f"populated {args.rows} rows/table in {populate_s:.1f} s", file=sys.stderr)
        urls = [f"sqlite:///{sqlite_path}", f"duckdb:///{duck_path}"]
        # sqlsmith runs in slices between the pairs of sqlsynth runs, so that both are measured in
        # the same minutes: a shared machine's speed drifts by tens of percent within minutes
        shim, smith_info = smith_tools(work)
        slices = args.repeat + (args.steady_repeat if args.steady_n else 0)
        smith_runs: list[dict[str, Any]] = []

        def smith_slice() -> None:
            if shim is not None:
                seed = 1 + len(smith_runs)
                smith_runs.extend(run_sqlsmith(sqlite_path, args.smith_seconds / slices, work, shim, seed))

        runs = []
        for rep in range(args.repeat):
            for workers in (1, 2):
                r = run_once(schema, urls, args.n, args.seed, workers, work / f"out_w{workers}_r{rep}")
                runs.append(r)
                print(
                    f"workers={workers} run {rep + 1}: {r['records']} records in {r['wall_s']:.2f} s "
                    f"({r['records'] / r['wall_s']:.1f}/s)",
                    file=sys.stderr,
                )
            smith_slice()
        base = runs[0]["stable"]
        identical, diff = True, ""
        for r in runs[1:]:
            if r["stable"] != base:
                identical = False
                pairs = zip(base, r["stable"], strict=False)
                first = next(((a, b) for a, b in pairs if a != b), None)
                diff = (
                    f"workers={r['workers']}: {len(r['stable'])} vs {len(base)} records; "
                    f"{first[0][:200] if first else ''} | {first[1][:200] if first else ''}"
                )
                break
        steady = []
        for rep in range(args.steady_repeat if args.steady_n else 0):
            for workers in (1, 2):
                out = work / f"steady_w{workers}_r{rep}"
                r = run_once(schema, urls, args.steady_n, args.seed, workers, out)
                r.pop("stable")
                steady.append(r)
                print(
                    f"steady workers={workers} run {rep + 1}: {r['records']} records in {r['wall_s']:.2f} s",
                    file=sys.stderr,
                )
            smith_slice()
        smith = smith_summary(smith_runs, smith_info) if shim is not None else {"error": smith_info}
        info["loadavg_end"] = os.getloadavg()
        ab = None
        if args.baseline:
            ab = baseline_runs(args.baseline, urls, args.n, args.seed, args.repeat, work)
        md, figures = report(args, info, runs, smith, populate_s, identical, diff, steady)
        if ab is not None:
            md += "\n".join(baseline_lines(ab)) + "\n"
            figures["baseline"] = ab
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(md)
    if args.docs:
        write_section(Path(args.docs), md, SECTION)
        print(f"wrote the '{SECTION}' section of {args.docs}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
