"""Deterministic choice among phrasings: the same query and seed always give the same words."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def stable_hash(*parts: object) -> int:
    """A 64-bit number from `parts` that is the same in every process and run (unlike hash())."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class Chooser:
    """Picks one of several phrasings per decision point.

    A choice depends only on the seed, the query's key (its shape, see `realise.shape_key`) and
    the decision's name, so changing a literal keeps every phrasing while different queries and
    seeds vary. A decision taken twice under one name gets the same answer, which keeps a
    repeated construct worded the same way within one question.
    """

    def __init__(self, seed: int = 0, key: str = "") -> None:
        self.seed = seed
        self.key = key

    def index(self, name: str, n: int) -> int:
        if n <= 1:
            return 0
        return stable_hash(self.seed, self.key, name) % n

    def pick(self, name: str, options: Sequence[T]) -> T:
        """One of `options`, chosen by the seed for decision `name`."""
        return options[self.index(name, len(options))]

    def chance(self, name: str, percent: int) -> bool:
        """True for about `percent` out of 100 seeds."""
        return self.index(name, 100) < percent
