"""Benchmark question dedup: bundled MiniLM embeddings + greedy removal at cosine >= 0.95.

    .venv/bin/python bench/bench_dedup.py [--n 5000] [--repeat 3] [--threads 1 2] [--search-n 50000]

Questions: the human questions of ../shared/benchmarks/spider-train (benchmark only; the tests do
not use it), plus reworded copies (a prefix or suffix, some of them near duplicates) and pairs of
questions on the same database joined into one, shuffled with seed 0, all distinct strings. For
each torch thread count and precision: best and median wall clock of `dedup_texts` (embedding +
search; the model is loaded before timing), questions/s, CPU seconds. Then how far bfloat16 is
from float32 (cosines, kept sets), and the greedy search alone on `--search-n` vectors. Prints
markdown. Target: >= 1,000 questions/s.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from pathlib import Path

import numpy as np

from _common import cpu_model

SPIDER = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "spider-train" / "questions.json"
PREFIXES = ["Please tell me: ", "Could you find out: ", "I need to know: ", "Quick question: "]
SUFFIXES = [" Thanks.", " Please answer briefly.", " (from the database)", " Show the result."]


def questions(n: int, seed: int = 0) -> list[str]:
    """`n` distinct, varied questions built from the Spider training questions."""
    rows = json.loads(SPIDER.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    base = list(dict.fromkeys(r["question"].strip() for r in rows))
    out = dict.fromkeys(base)
    for q in base:  # reworded copies: near duplicates of their original, or not quite
        lower = q[0].lower() + q[1:]
        out[rng.choice(PREFIXES) + lower if rng.random() < 0.5 else q + rng.choice(SUFFIXES)] = None
        if any(ch.isdigit() for ch in q):  # other values: the same question about other rows
            out[re.sub(r"\d+", lambda m: str(int(m.group()) * rng.randint(2, 9) + 1), q)] = None
    short: dict[str, list[str]] = {}
    for r in rows:
        if len(r["question"]) <= 48:
            short.setdefault(r["db_id"], []).append(r["question"].strip().rstrip("?."))
    dbs = sorted(db for db, qs in short.items() if len(qs) > 1)
    while len(out) < n:  # two short questions on one database asked together
        a, b = rng.sample(short[rng.choice(dbs)], 2)
        out[f"{a}, and {b[0].lower()}{b[1:]}?"] = None
    texts = list(out)
    rng.shuffle(texts)
    return texts[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--precisions", nargs="+", default=["auto", "float32"])
    ap.add_argument("--search-n", type=int, default=50_000)
    args = ap.parse_args()

    import os

    import torch

    from sqlsynth.dedup import Embedder, dedup_texts, greedy_near_duplicates

    texts = questions(args.n)
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__}; load {os.getloadavg()}")
    print(
        f"date: {time.strftime('%Y-%m-%d %H:%M')}; {len(texts)} questions, "
        f"mean {np.mean([len(t) for t in texts]):.0f} chars\n"
    )
    print(
        "| precision | torch threads | best s | median s | questions/s (best) | questions/s (median) "
        "| embed s | search s | CPU s | kept | dropped |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    results = {}
    for precision in args.precisions:
        embedder = Embedder(precision=precision)  # loaded before timing
        embedder.encode(texts[:64])  # warm-up
        for threads in args.threads:
            torch.set_num_threads(threads)
            runs = []
            for _ in range(args.repeat):
                cpu = time.process_time()
                t = time.perf_counter()
                result = dedup_texts(texts, embedder=embedder)
                runs.append((time.perf_counter() - t, time.process_time() - cpu, result))
            runs.sort(key=lambda r: r[0])
            best, med = runs[0][0], statistics.median(r[0] for r in runs)
            r = runs[0][2]
            results[embedder.precision] = r
            print(
                f"| {embedder.precision} | {threads} | {best:.2f} | {med:.2f} | {len(texts) / best:,.0f} "
                f"| {len(texts) / med:,.0f} | {r.seconds['embed']:.2f} | {r.seconds['search']:.3f} "
                f"| {runs[0][1]:.2f} | {len(r.kept)} | {len(r.duplicate_of)} |",
                flush=True,
            )

    if {"bfloat16", "float32"} <= set(results):
        torch.set_num_threads(max(args.threads))
        sample = texts[:1000]
        a, b = Embedder(precision="bfloat16").encode(sample), Embedder(precision="float32").encode(sample)
        delta = np.abs(a @ a.T - b @ b.T).max()
        ka, kb = set(results["bfloat16"].kept), set(results["float32"].kept)
        print(
            f"\nbfloat16 vs float32: max |Δ cosine| over {len(sample)}² pairs {delta:.4f}; kept sets differ "
            f"in {len(ka ^ kb)} of {len(texts)} questions\n"
        )

    if args.search_n:
        rng = np.random.default_rng(0)
        vecs = Embedder().encode(texts[:2000])
        picks = vecs[rng.integers(0, len(vecs), args.search_n)]
        for label, scale in (("noisy copies of 2,000 questions", 0.004), ("all distinct (worst case)", 0.05)):
            x = picks + rng.normal(scale=scale, size=picks.shape)
            x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
            t = time.perf_counter()
            r = greedy_near_duplicates(x)
            dt = time.perf_counter() - t
            print(
                f"greedy search alone, {args.search_n:,} vectors, {label}, {max(args.threads)} threads: "
                f"{dt:.2f} s, {args.search_n / dt:,.0f} vectors/s, kept {len(r.kept):,}"
            )


if __name__ == "__main__":
    main()
