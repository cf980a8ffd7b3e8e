"""Mutant: solve does not exclude the question words a, b and c."""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row divided by its Euclidean norm; all-zero rows stay zero (no division by 0).

    Args:
        vectors: (n, dim).

    Returns:
        (n, dim) float64.
    """
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)  # (n, 1)
    return v / np.where(norms > 0, norms, 1.0)  # a zero row divided by 1 stays zero


def three_cos_add(unit: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """cos(x, b^ - a^ + c^) for every row x of ``unit`` (rows already unit length).

    Returns:
        (n,) float64 cosine similarities.
    """
    target = unit[b] - unit[a] + unit[c]  # (dim,) the offset b - a applied to c
    return unit @ (target / np.linalg.norm(target))  # (n,) cosines (the rows are unit already)


def three_cos_mul(unit: np.ndarray, a: int, b: int, c: int, eps: float = 1e-6) -> np.ndarray:
    """s(x, b) s(x, c) / (s(x, a) + eps) with s = (1 + cos) / 2, for every row x.

    Returns:
        (n,) float64 scores.
    """
    s = lambda i: (1.0 + unit @ unit[i]) / 2.0  # noqa: E731 - (n,) cosines shifted into [0, 1]
    return s(b) * s(c) / (s(a) + eps)


def solve(unit: np.ndarray, a: int, b: int, c: int, method: str = "add") -> int:
    """The best-scoring row for a : b :: c : ?, excluding a, b and c ("add" = 3CosAdd, "mul" = 3CosMul)."""
    if method == "add":
        scores = three_cos_add(unit, a, b, c)
    elif method == "mul":
        scores = three_cos_mul(unit, a, b, c)
    else:
        raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
    return int(np.argmax(scores))  # argmax: the first index among ties


def evaluate(
    words: list[str], vectors: np.ndarray, sections: dict[str, list[tuple[str, str, str, str]]], method: str = "add"
) -> dict[str, tuple[int, int]]:
    """Per-section (correct, total) over the questions whose four lower-cased words are all in ``words``.

    Sections where no question is covered are left out.
    """
    index = {w: i for i, w in enumerate(words)}
    unit = unit_rows(vectors)  # normalise once, not per question
    results: dict[str, tuple[int, int]] = {}
    for section, questions in sections.items():
        correct = total = 0
        for question in questions:
            q = [w.lower() for w in question]
            if not all(w in index for w in q):
                continue  # not covered: neither right nor wrong
            a, b, c, d = (index[w] for w in q)
            total += 1
            correct += solve(unit, a, b, c, method) == d
        if total:
            results[section] = (correct, total)
    return results


def accuracy(results: dict[str, tuple[int, int]]) -> float:
    """Overall accuracy: total correct / total questions counted (0.0 if none)."""
    correct = sum(c for c, _ in results.values())
    total = sum(t for _, t in results.values())
    return correct / total if total else 0.0
