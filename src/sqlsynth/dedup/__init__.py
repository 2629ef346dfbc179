"""Question dedup: MiniLM embeddings (bundled, offline) and greedy removal at cosine >= 0.95.

result = dedup_texts(questions)           # DedupResult
kept = [questions[i] for i in result.kept]
result.duplicate_of[j], result.similarity[j]   # for a dropped question j
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import replace

import numpy as np

from sqlsynth.dedup.embed import Embedder, bundled_model_path, default_embedder
from sqlsynth.dedup.near import DEFAULT_THRESHOLD, DedupResult, greedy_near_duplicates


def dedup_texts(
    texts: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    embedder: Embedder | None = None,
    block: int = 1024,
    groups: Sequence[Hashable] | None = None,
) -> DedupResult:
    """Keep each text unless it is a near duplicate (cosine >= threshold) of a kept earlier one.

    With `groups` (one key per text), texts are compared only within their group: "more than 100"
    and "less than 100" read alike but belong to different queries, so records are deduplicated
    per SQL template, not across templates."""
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a cosine similarity in [-1, 1], got {threshold}")
    if not texts:
        return DedupResult([], {}, {}, threshold)
    embedder = embedder or default_embedder()
    t0 = time.perf_counter()
    vectors = embedder.encode(texts)
    t1 = time.perf_counter()
    if groups is None:
        result = greedy_near_duplicates(vectors, threshold, block=block)
    else:
        result = _per_group(vectors, list(groups), threshold, block)
    t2 = time.perf_counter()
    return replace(result, seconds={"embed": t1 - t0, "search": t2 - t1})


def _per_group(vectors: np.ndarray, groups: list[Hashable], threshold: float, block: int) -> DedupResult:
    if len(groups) != len(vectors):
        raise ValueError(f"{len(groups)} groups for {len(vectors)} texts")
    members: dict[Hashable, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    kept: list[int] = []
    duplicate_of: dict[int, int] = {}
    similarity: dict[int, float] = {}
    for idx in members.values():
        part = greedy_near_duplicates(vectors[idx], threshold, block=block)
        kept.extend(idx[k] for k in part.kept)
        duplicate_of.update({idx[d]: idx[k] for d, k in part.duplicate_of.items()})
        similarity.update({idx[d]: s for d, s in part.similarity.items()})
    return DedupResult(sorted(kept), duplicate_of, similarity, threshold)


__all__ = [
    "DEFAULT_THRESHOLD",
    "DedupResult",
    "Embedder",
    "bundled_model_path",
    "dedup_texts",
    "default_embedder",
    "greedy_near_duplicates",
]
