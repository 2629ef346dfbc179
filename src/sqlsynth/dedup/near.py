"""Greedy near-duplicate removal over unit vectors, in blocks so memory stays bounded.

Walking the items in order, an item is kept unless its cosine similarity to an item kept before
it is at least `threshold`; the first of a group of near duplicates survives. Similarities are
computed block against earlier blocks (`block` x `chunk` floats at a time), so memory is O(block ·
chunk) beyond the vectors themselves; time is O(n² · dim) in numpy matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_THRESHOLD = 0.95  # ASASQL's


@dataclass(frozen=True)
class DedupResult:
    """Which items survive, and for each dropped one the kept item it duplicates and how closely."""

    kept: list[int]
    duplicate_of: dict[int, int]
    similarity: dict[int, float]
    threshold: float
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.kept) + len(self.duplicate_of)

    @property
    def dropped(self) -> list[int]:
        return sorted(self.duplicate_of)

    @property
    def per_second(self) -> float:
        """Items handled per second, embedding included (0 when nothing was timed)."""
        total = sum(self.seconds.values())
        return self.n / total if total > 0 else 0.0


def greedy_near_duplicates(
    vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD, *, block: int = 1024, chunk: int = 4096
) -> DedupResult:
    """Greedy dedup of unit-length rows of `vectors` (dot product = cosine)."""
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a cosine similarity in [-1, 1], got {threshold}")
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {x.shape}")
    n = len(x)
    kept_mask = np.zeros(n, dtype=bool)
    duplicate_of: dict[int, int] = {}
    similarity: dict[int, float] = {}
    for start in range(0, n, block):
        stop = min(start + block, n)
        xb = x[start:stop]
        best = np.full(stop - start, -np.inf, dtype=np.float32)  # closest earlier kept item
        best_at = np.full(stop - start, -1, dtype=np.int64)
        for c0 in range(0, start, chunk):
            c1 = min(c0 + chunk, start)
            cols = np.flatnonzero(kept_mask[c0:c1])
            if len(cols) == 0:
                continue
            sims = xb @ x[c0 + cols].T
            arg = sims.argmax(axis=1)
            top = sims[np.arange(len(arg)), arg]
            better = top > best  # strict: ties keep the earlier item
            best[better] = top[better]
            best_at[better] = c0 + cols[arg[better]]
        inner = xb @ xb.T
        for i in range(stop - start):
            if best[i] >= threshold:
                duplicate_of[start + i] = int(best_at[i])
                similarity[start + i] = min(float(best[i]), 1.0)
                continue
            kept_mask[start + i] = True
            row = inner[i, i + 1 :]
            better = row > best[i + 1 :]
            best[i + 1 :][better] = row[better]
            best_at[i + 1 :][better] = start + i
    return DedupResult(np.flatnonzero(kept_mask).tolist(), duplicate_of, similarity, threshold)
