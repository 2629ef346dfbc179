"""On-disk response cache: one JSON file per request, named by a hash of the whole request.

Writes go to a temporary file in the same folder and are moved into place with `os.replace`, so a
reader (in any process) sees either nothing or a complete entry; two processes writing the same
key both write a complete answer and the last one wins.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlsynth.io import atomic_open

CACHE_VERSION = 1


def request_key(request: dict[str, Any]) -> str:
    """sha256 of the request as canonical JSON (sorted keys, no whitespace)."""
    canonical = json.dumps({"v": CACHE_VERSION, **request}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """`get`/`put` raw responses by request; entries live in `<dir>/<key[:2]>/<key>.json`."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).expanduser()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """The stored response for this request, or None (also for an unreadable entry)."""
        path = self._path(request_key(request))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("request") != _roundtrip(request):
            return None  # a hash collision or a foreign file: treat as a miss
        response = entry.get("response")
        return response if isinstance(response, dict) else None

    def put(self, request: dict[str, Any], response: dict[str, Any]) -> Path:
        """Store atomically; returns the entry's path."""
        path = self._path(request_key(request))
        with atomic_open(path) as fh:
            fh.write(json.dumps({"request": request, "response": response}, ensure_ascii=False))
        return path

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json")) if self.directory.exists() else 0


def _roundtrip(value: dict[str, Any]) -> Any:
    """The request as it reads back from JSON (tuples become lists...), for comparison."""
    return json.loads(json.dumps(value, ensure_ascii=False))
