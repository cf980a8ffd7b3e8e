"""Competence-based curriculum learning: difficulty scores, pacing functions, sampling.

Goal
----
Implement the curriculum of Platanios et al. (2019): sort the training
examples from easy to hard, and at step t sample batches only from the
easiest fraction c(t) of the data, where the competence c(t) grows from c0
to 1 over T steps. You write:

* difficulty scores: ``length_difficulty`` and ``rarity_difficulty`` (the
  negative log-likelihood under a unigram model of the corpus);
* ``cdf_scores``: map any difficulty to [0, 1] by its empirical CDF;
* ``competence``: the linear, square-root (and general p-th root) pacing
  functions;
* ``curriculum_order``, ``n_unlocked`` and ``sample_batch``: the sorted
  order, the size of the unlocked prefix, and a batch drawn from it;
* ``curriculum_batches``: the whole schedule for n_steps steps.

Why it matters
--------------
Training on everything in random order is the default, but the order of
examples can change how fast (and sometimes how well) a model learns:
Platanios et al. cut the training time of a Transformer translation model by
up to 70% with this schedule. Curricula are back in LLM pre-training as
data-mixing schedules (e.g. more high-quality or longer documents late in
training, "annealing"). The pieces are simple, but easy to get subtly wrong:
a pacing function that starts at the wrong value, a sort in the wrong
direction, or a sampler that ignores the competence is still a working
training loop, just not a curriculum.

The maths
---------
Difficulty of a tokenised example s = (w_1, ..., w_m):

    length:  d(s) = m
    rarity:  d(s) = - sum_k log p(w_k),   p(w) = count(w) / (total tokens)

with the unigram counts taken over the whole corpus given. Rare words make a
sentence hard; long sentences too (the sum grows with length).

Empirical CDF: cdf(s) = (number of examples s' with d(s') <= d(s)) / N,
so the easiest examples have small values, the hardest 1.0, and ties share
a value.

Competence (Platanios et al., eq. 6-8), for c0 in (0, 1] and T > 0:

    linear:  c(t) = min(1, t (1 - c0) / T + c0)
    p-root:  c(t) = min(1, (t (1 - c0^p) / T + c0^p) ^ (1/p))   (p = 2: "sqrt")

so c(0) = c0 and c(T) = 1 for every p. Roots rise fast early, when each
newly unlocked example is most useful, and slowly later.

Sampling at step t (steps t = 0, 1, ..., n_steps - 1):

    order      = indices sorted by difficulty, easiest first; ties keep
                 their original order (a stable sort)
    n_unlocked = max(1, min(N, floor(c(t) * N + 1e-9)))   (the 1e-9 guards
                 against 0.3 * 10 = 2.9999999999999996)
    batch      = order[rng.integers(0, n_unlocked, size=batch_size)]

i.e. uniformly, with replacement, from the unlocked prefix of the sorted
data (``rng`` is a numpy Generator; use exactly this call so that results
are reproducible).

API
---
    length_difficulty(examples)                 -> (N,) float array
    rarity_difficulty(examples)                 -> (N,) float array
    cdf_scores(difficulty)                      -> (N,) float array in (0, 1]
    competence(t, T, c0, p=1.0)                 -> float (p=1: linear, p=2: sqrt)
    curriculum_order(difficulty)                -> (N,) int array
    n_unlocked(c, n)                            -> int
    sample_batch(order, c, batch_size, rng)     -> (batch_size,) int array
    curriculum_batches(difficulty, n_steps, batch_size, T, c0, p, rng)
                                                -> list of n_steps index arrays

``examples`` is a list of token lists (strings or ids).

Worked example
--------------
    >>> rarity_difficulty([["a", "b"], ["a"], ["a", "c"]])  # p(a)=3/5, p(b)=p(c)=1/5
    array([2.12026354, 0.51082562, 2.12026354])
    >>> cdf_scores(np.array([3.0, 1.0, 2.0, 2.0]))
    array([1.  , 0.25, 0.75, 0.75])
    >>> competence(50, T=100, c0=0.1), competence(50, T=100, c0=0.1, p=2)
    (0.55, 0.7106335201775947)
    >>> n_unlocked(0.55, 10)
    5

Reference
---------
Platanios et al., "Competence-based Curriculum Learning for Neural Machine
Translation" (NAACL 2019), sections 3-4; Bengio et al., "Curriculum
Learning" (ICML 2009); Soviany et al., "Curriculum Learning: A Survey"
(2022).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


def length_difficulty(examples: list[list]) -> np.ndarray:
    """d(s) = number of tokens of s, as a float array (N,)."""
    raise NotImplementedError("length_difficulty: not written yet")


def rarity_difficulty(examples: list[list]) -> np.ndarray:
    """d(s) = -sum log p(w) over the tokens of s, p the unigram frequencies of the whole corpus; (N,)."""
    raise NotImplementedError("rarity_difficulty: not written yet")


def cdf_scores(difficulty: np.ndarray) -> np.ndarray:
    """Empirical CDF: the fraction of examples whose difficulty is <= each example's; (N,) in (0, 1]."""
    raise NotImplementedError("cdf_scores: not written yet")


def competence(t: float, T: float, c0: float, p: float = 1.0) -> float:
    """c(t) = min(1, (t (1 - c0^p) / T + c0^p)^(1/p)); p = 1 is linear, p = 2 the square root."""
    raise NotImplementedError("competence: not written yet")


def curriculum_order(difficulty: np.ndarray) -> np.ndarray:
    """Indices from easiest to hardest; ties keep their original order (stable sort)."""
    raise NotImplementedError("curriculum_order: not written yet")


def n_unlocked(c: float, n: int) -> int:
    """How many of the sorted examples are available at competence c: max(1, min(n, floor(c n + 1e-9)))."""
    raise NotImplementedError("n_unlocked: not written yet")


def sample_batch(order: np.ndarray, c: float, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    """batch_size indices drawn uniformly with replacement from order[:n_unlocked(c, len(order))]."""
    raise NotImplementedError("sample_batch: not written yet")


def curriculum_batches(
    difficulty: np.ndarray, n_steps: int, batch_size: int, T: float, c0: float, p: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """The batches of steps t = 0 .. n_steps - 1, each from sample_batch at competence(t, T, c0, p)."""
    raise NotImplementedError("curriculum_batches: not written yet")
