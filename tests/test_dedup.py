"""Question dedup: bundled MiniLM embeddings and greedy near-duplicate removal."""

from __future__ import annotations

import numpy as np
import pytest

from sqlsynth.dedup import DedupResult, dedup_texts, greedy_near_duplicates

PARAPHRASES = [  # (earlier, later near duplicate): MiniLM cosine well above 0.95
    ("Show the names of employees hired after 2020.", "Show the names of the employees hired after 2020."),
    ("Which customers placed more than 5 orders?", "Which customers have placed more than 5 orders?"),
    (
        "Find the average price of products for each category.",
        "Find the average product price for each category.",
    ),
    ("How many orders were shipped in 2023?", "How many orders were shipped during 2023?"),
]
DISTINCT = [
    "How many customers are there?",
    "How many orders are there?",
    "List all products.",
    "Which employee earns the highest salary?",
    "What is the total revenue per month in 2024?",
    "Which suppliers delivered more than 5 orders?",
    "Show the email addresses of customers in Berlin.",
    "What are the names of warehouses with no inventory?",
]


@pytest.fixture(scope="module")
def embedder():
    pytest.importorskip("sentence_transformers")
    import torch

    from sqlsynth.dedup import default_embedder

    torch.set_num_threads(1)
    return default_embedder()


def test_paraphrases_are_removed_and_point_to_what_they_duplicate(embedder) -> None:
    texts = [*DISTINCT[:3], *(a for a, _ in PARAPHRASES), *DISTINCT[3:], *(b for _, b in PARAPHRASES)]
    result = dedup_texts(texts, embedder=embedder)
    assert [texts[i] for i in result.kept] == [*DISTINCT[:3], *(a for a, _ in PARAPHRASES), *DISTINCT[3:]]
    for a, b in PARAPHRASES:
        j = texts.index(b)
        assert result.duplicate_of[j] == texts.index(a) and 0.95 <= result.similarity[j] <= 1.0
    assert result.n == len(texts) and result.dropped == sorted(result.duplicate_of)
    assert set(result.seconds) == {"embed", "search"} and result.per_second > 0


def test_distinct_questions_are_all_kept(embedder) -> None:
    result = dedup_texts(DISTINCT, embedder=embedder)
    assert result.kept == list(range(len(DISTINCT))) and not result.duplicate_of


def test_threshold_is_respected(embedder) -> None:
    texts = ["List all products.", "List every product."]  # cosine about 0.94
    sim = float(np.dot(*embedder.encode(texts)))
    assert 0.9 < sim < 0.95
    assert dedup_texts(texts, embedder=embedder).kept == [0, 1]
    assert dedup_texts(texts, threshold=0.9, embedder=embedder).duplicate_of == {1: 0}
    paraphrase = list(PARAPHRASES[0])
    assert dedup_texts(paraphrase, threshold=0.9999, embedder=embedder).kept == [0, 1]
    with pytest.raises(ValueError, match="threshold"):
        dedup_texts(texts, threshold=1.5, embedder=embedder)


def test_order_decides_which_copy_survives_and_is_deterministic(embedder) -> None:
    a, b = PARAPHRASES[1]
    assert dedup_texts([a, DISTINCT[0], b], embedder=embedder).kept == [0, 1]
    assert dedup_texts([b, DISTINCT[0], a], embedder=embedder).duplicate_of == {2: 0}
    texts = [t for pair in PARAPHRASES for t in pair] + DISTINCT + ["How many orders are there?"] * 3
    first, second = dedup_texts(texts, embedder=embedder), dedup_texts(texts, embedder=embedder)
    assert first.kept == second.kept and first.duplicate_of == second.duplicate_of
    assert first.kept == sorted(first.kept)


def test_identical_texts_and_embedding_shape(embedder) -> None:
    vectors = embedder.encode(["same question", "other question", "same question"])
    assert vectors.shape == (3, embedder.dimension) == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])
    assert embedder.encode([]).shape == (0, 384)


class _NoModel:
    def encode(self, texts):  # pragma: no cover - must not be called
        raise AssertionError("the model was used for empty input")


def test_empty_input_needs_no_model() -> None:
    result = dedup_texts([], embedder=_NoModel())  # type: ignore[arg-type]
    assert result == DedupResult([], {}, {}, 0.95) and result.per_second == 0.0
    assert greedy_near_duplicates(np.zeros((0, 4), dtype=np.float32)).kept == []


# -- the greedy search on vectors with known similarities -----------------------------------------


def unit(*angles_deg: float) -> np.ndarray:
    """Unit vectors in the plane at the given angles (cosine of the difference = similarity)."""
    a = np.radians(angles_deg)
    return np.stack([np.cos(a), np.sin(a)], axis=1).astype(np.float32)


def test_greedy_drops_only_against_kept_items_and_threshold_is_inclusive() -> None:
    step = np.degrees(np.arccos(0.95)) * 0.99  # neighbours just above 0.95, two steps apart below it
    result = greedy_near_duplicates(unit(0, step, 2 * step, 90))
    assert result.kept == [0, 2, 3] and result.duplicate_of == {1: 0}  # 2 is near 1, but 1 was dropped
    exact = np.array([[1.0, 0.0], [0.5, np.sqrt(3) / 2]], dtype=np.float32)  # cosine 0.5 exactly
    assert greedy_near_duplicates(exact, threshold=0.5).duplicate_of == {1: 0}
    assert greedy_near_duplicates(exact, threshold=0.5001).kept == [0, 1]


def test_most_similar_kept_item_is_reported() -> None:
    result = greedy_near_duplicates(unit(0, 40, 2), threshold=0.95)
    assert result.duplicate_of == {2: 0}
    result = greedy_near_duplicates(unit(0, 10, 9), threshold=0.9)
    assert result.kept == [0] and result.duplicate_of == {1: 0, 2: 0}
    result = greedy_near_duplicates(unit(0, 30, 28), threshold=0.99)
    assert result.duplicate_of == {2: 1}


def brute_force(x: np.ndarray, threshold: float) -> tuple[list[int], dict[int, int]]:
    kept: list[int] = []
    dup: dict[int, int] = {}
    for j in range(len(x)):
        sims = [float(x[i] @ x[j]) for i in kept]
        if sims and max(sims) >= threshold:
            dup[j] = kept[int(np.argmax(sims))]
        else:
            kept.append(j)
    return kept, dup


@pytest.mark.parametrize(("block", "chunk"), [(1, 1), (3, 5), (7, 2), (64, 4096), (1024, 4096)])
def test_blockwise_search_matches_brute_force(block: int, chunk: int) -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(15, 16))
    x = centres[rng.integers(0, 15, size=200)] + rng.normal(scale=0.25, size=(200, 16))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    kept, dup = brute_force(x, 0.95)
    result = greedy_near_duplicates(x, 0.95, block=block, chunk=chunk)
    assert result.kept == kept and result.duplicate_of == dup
    assert 50 < len(kept) < 150  # the data has both duplicates and distinct items


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="2-d"):
        greedy_near_duplicates(np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="threshold"):
        greedy_near_duplicates(np.zeros((2, 2), dtype=np.float32), threshold=-2)


def test_bfloat16_and_float32_agree(embedder) -> None:
    from sqlsynth.dedup import Embedder

    texts = [t for pair in PARAPHRASES for t in pair] + DISTINCT
    exact = Embedder(precision="float32").encode(texts)
    fast = embedder.encode(texts)
    assert np.abs(exact @ exact.T - fast @ fast.T).max() < 0.01
    assert dedup_texts(texts, embedder=embedder).kept == greedy_near_duplicates(exact).kept


def test_groups_compare_only_within_a_group(embedder):
    texts = [
        "List the names of all products that cost more than 100.",
        "List the names of all products that cost less than 100.",
        "List the names of all products that cost more than 100 dollars.",
    ]
    flat = dedup_texts(texts, embedder=embedder)
    assert flat.kept == [0]
    grouped = dedup_texts(texts, embedder=embedder, groups=["gt", "lt", "gt"])
    assert grouped.kept == [0, 1]
    assert grouped.duplicate_of == {2: 0}
