"""Mutant: rarity is the mean negative log-probability per token instead of the sum."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


def length_difficulty(examples: list[list]) -> np.ndarray:
    """d(s) = number of tokens of s, as a float array (N,)."""
    return np.array([len(s) for s in examples], dtype=float)


def rarity_difficulty(examples: list[list]) -> np.ndarray:
    """d(s) = -sum log p(w) over the tokens of s, p the unigram frequencies of the whole corpus; (N,)."""
    counts = Counter(w for s in examples for w in s)
    total = sum(counts.values())
    log_p = {w: math.log(c / total) for w, c in counts.items()}
    return np.array([-sum(log_p[w] for w in s) / max(1, len(s)) for s in examples], dtype=float)


def cdf_scores(difficulty: np.ndarray) -> np.ndarray:
    """Empirical CDF: the fraction of examples whose difficulty is <= each example's; (N,) in (0, 1]."""
    d = np.asarray(difficulty, dtype=float)
    sorted_d = np.sort(d)
    return np.searchsorted(sorted_d, d, side="right") / len(d)  # counts ties as <=


def competence(t: float, T: float, c0: float, p: float = 1.0) -> float:
    """c(t) = min(1, (t (1 - c0^p) / T + c0^p)^(1/p)); p = 1 is linear, p = 2 the square root."""
    return min(1.0, (t * (1.0 - c0**p) / T + c0**p) ** (1.0 / p))


def curriculum_order(difficulty: np.ndarray) -> np.ndarray:
    """Indices from easiest to hardest; ties keep their original order (stable sort)."""
    return np.argsort(np.asarray(difficulty), kind="stable")


def n_unlocked(c: float, n: int) -> int:
    """How many of the sorted examples are available at competence c: max(1, min(n, floor(c n + 1e-9)))."""
    return max(1, min(n, math.floor(c * n + 1e-9)))


def sample_batch(order: np.ndarray, c: float, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """batch_size indices drawn uniformly with replacement from order[:n_unlocked(c, len(order))]."""
    k = n_unlocked(c, len(order))
    return np.asarray(order)[rng.integers(0, k, size=batch_size)]


def curriculum_batches(
    difficulty: np.ndarray, n_steps: int, batch_size: int, T: float, c0: float, p: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """The batches of steps t = 0 .. n_steps - 1, each from sample_batch at competence(t, T, c0, p)."""
    order = curriculum_order(difficulty)
    return [sample_batch(order, competence(t, T, c0, p), batch_size, rng) for t in range(n_steps)]
