"""Spec for 04_llms/curriculum.py: difficulty scores, CDF, competence pacing (Platanios et al. 2019), prefix sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader import data
from grader.testing import assert_close, assert_equal, check


def _competence(t, T, c0, p):
    return min(1.0, (t * (1 - c0**p) / T + c0**p) ** (1 / p))


def test_competence_by_hand(learner):
    """Linear and square-root competence at t = 0, T/2, T and beyond: c(0) = c0, c(T) = 1, capped at 1."""
    cases = [((0, 100, 0.1, 1), 0.1), ((50, 100, 0.1, 1), 0.55), ((100, 100, 0.1, 1), 1.0), ((250, 100, 0.1, 1), 1.0),
             ((0, 100, 0.1, 2), 0.1), ((50, 100, 0.1, 2), math.sqrt(0.5 * 0.99 + 0.01)), ((100, 100, 0.1, 2), 1.0),
             ((30, 60, 0.2, 3), (0.5 * (1 - 0.008) + 0.008) ** (1 / 3)), ((1000, 60, 0.2, 3), 1.0)]
    for (t, T, c0, p), want in cases:
        assert_close(learner.competence(t, T, c0, p), want, rtol=1e-12, atol=1e-12, name=f"competence(t={t}, T={T}, c0={c0}, p={p})",
                     hint="c(t) = min(1, (t (1 - c0^p) / T + c0^p)^(1/p)): raise c0 to the p-th power INSIDE, so that c(0) = c0")


def test_competence_properties(learner, rng):
    """For random c0, T, p: c starts at c0, never decreases, reaches 1 at T, and higher roots unlock faster."""
    for _ in range(10):
        c0, T = float(rng.uniform(0.01, 0.5)), int(rng.integers(10, 1000))
        ts = np.linspace(0, 1.5 * T, 50)
        for p in (1, 2, 3):
            c = np.array([learner.competence(t, T, c0, p) for t in ts])
            check(abs(c[0] - c0) < 1e-12 and np.all(np.diff(c) >= -1e-12) and np.all(c <= 1 + 1e-12),
                  f"competence with c0={c0:.3f}, T={T}, p={p} is not a non-decreasing curve from c0 to at most 1",
                  hint="c(0) must be c0, and cap with min(1, ...)")
        lin = np.array([learner.competence(t, T, c0, 1) for t in ts[1:-1]])
        sq = np.array([learner.competence(t, T, c0, 2) for t in ts[1:-1]])
        check(np.all(sq >= lin - 1e-12), "the square-root competence should be above the linear one",
              hint="sqrt: (t (1 - c0^2) / T + c0^2)^(1/2)")


def test_difficulties_by_hand(learner):
    """Length is the token count; rarity is -sum log p(w) with p the corpus unigram frequencies."""
    ex = [["a", "b"], ["a"], ["a", "c"], ["b", "b", "a"]]  # counts a:4 b:3 c:1, total 8
    assert_close(learner.length_difficulty(ex), [2, 1, 2, 3], atol=0, name="length_difficulty", hint="len of each token list")
    lp = {"a": math.log(4 / 8), "b": math.log(3 / 8), "c": math.log(1 / 8)}
    want = [-(lp["a"] + lp["b"]), -lp["a"], -(lp["a"] + lp["c"]), -(2 * lp["b"] + lp["a"])]
    assert_close(learner.rarity_difficulty(ex), want, rtol=1e-12, name="rarity_difficulty",
                 hint="p(w) = count(w) / total number of tokens in the corpus; difficulty = -SUM of log p over the example's "
                      "tokens (a sum, so longer sentences are harder too)")
    assert_close(learner.rarity_difficulty([[3, 1], [3]]), [-math.log(2 / 3) - math.log(1 / 3), -math.log(2 / 3)], rtol=1e-12,
                 name="rarity_difficulty with integer token ids", hint="tokens can be any hashable values")


def test_cdf_scores(learner, rng):
    """The empirical CDF: fraction of examples with difficulty <= each one's; ties share the larger value."""
    assert_close(learner.cdf_scores(np.array([3.0, 1.0, 2.0, 2.0])), [1.0, 0.25, 0.75, 0.75], atol=1e-12,
                 name="cdf_scores([3, 1, 2, 2])", hint="count examples with difficulty <= d (ties included), divide by N")
    d = rng.integers(0, 20, size=200).astype(float)
    want = (d[None, :] <= d[:, None]).mean(axis=1)
    assert_close(learner.cdf_scores(d), want, atol=1e-12, name="cdf_scores(200 random integers)",
                 hint="np.searchsorted(np.sort(d), d, side='right') / N")


def test_order_and_unlocked(learner):
    """The order is a stable ascending sort; n_unlocked = max(1, min(N, floor(c N + 1e-9)))."""
    d = np.array([2.0, 0.5, 2.0, 0.1, 0.5, 3.0])
    assert_equal(np.asarray(learner.curriculum_order(d)), [3, 1, 4, 0, 2, 5], name="curriculum_order",
                 hint="easiest first (ascending), and equal difficulties keep their original order: np.argsort(d, kind='stable')")
    for c, n, want in [(0.3, 10, 3), (0.55, 10, 5), (0.001, 10, 1), (1.0, 10, 10), (0.29, 100, 29), (0.7, 10, 7)]:
        assert_equal(learner.n_unlocked(c, n), want, name=f"n_unlocked({c}, {n})",
                     hint="floor(c * n + 1e-9), at least 1 and at most n (0.29 * 100 is 28.999999999999996 in floating point)")


def test_sample_batch_from_prefix(learner, seed):
    """sample_batch draws order[rng.integers(0, k, size=batch_size)] with k = n_unlocked(c, N): only the unlocked prefix."""
    order = np.random.default_rng(seed + 100).permutation(50)
    for c in (0.02, 0.3, 1.0):
        got = learner.sample_batch(order, c, 400, np.random.default_rng(seed))
        k = max(1, min(50, math.floor(c * 50 + 1e-9)))
        want = order[np.random.default_rng(seed).integers(0, k, size=400)]
        check(set(np.asarray(got).tolist()) <= set(order[:k].tolist()),
              f"at competence {c} the batch holds examples outside the {k} easiest",
              hint="draw positions in [0, n_unlocked) and map them through order")
        assert_equal(np.asarray(got), want, name=f"sample_batch(c={c})",
                     hint="use exactly rng.integers(0, n_unlocked, size=batch_size) and index order with it")


@pytest.mark.points(2)
def test_schedule_on_movie_polarity(learner, seed):
    """On movie-polarity sentences by rarity: early batches hold only easy sentences, the unlocked difficulty grows, and the
    whole schedule equals the reference for the same rng."""
    examples = [t.split() for t in data.load("movie-polarity").texts]
    d = np.asarray(learner.rarity_difficulty(examples))
    n_steps, T, c0 = 60, 40, 0.05
    batches = learner.curriculum_batches(d, n_steps, 16, T, c0, 2.0, np.random.default_rng(seed))
    check(len(batches) == n_steps, f"{len(batches)} batches for n_steps={n_steps}")
    order = np.argsort(d, kind="stable")
    rng = np.random.default_rng(seed)
    hardest_allowed = []
    for t, batch in enumerate(batches):
        k = max(1, min(len(d), math.floor(_competence(t, T, c0, 2.0) * len(d) + 1e-9)))
        hardest_allowed.append(d[order[k - 1]])
        want = order[rng.integers(0, k, size=16)]
        check(np.max(d[np.asarray(batch)]) <= hardest_allowed[-1] + 1e-12,
              f"step {t}: a batch example is harder than the {k} unlocked ones",
              hint="sample only from the prefix order[:n_unlocked(competence(t, T, c0, p), N)], easiest first")
        assert_equal(np.asarray(batch), want, name=f"batch at step {t}",
                     hint="step t uses competence(t, T, c0, p), t counted from 0, and one rng.integers call per step")
    check(np.mean(d[np.concatenate(batches[:5])]) < np.mean(d), "the first batches should be easier than average",
          hint="sort ascending: easiest first")
