"""Spec for 01_foundations/numpy_vectorisation.py: vectorised pairwise distances and standardisation."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from grader.testing import assert_close, assert_equal, assert_shape, check

SPEEDUP = 20  # required speed-up over the double loop


def _loop(A, B):
    """The stub's reference loop, copied here so that the timing does not depend on the learner's file."""
    out = np.empty((len(A), len(B)))
    for i in range(len(A)):
        for j in range(len(B)):
            out[i, j] = np.sqrt(np.sum((A[i] - B[j]) ** 2))
    return out


def _best_time(fn, *args, repeats):
    """The fastest of `repeats` runs, in seconds: the least disturbed by other processes."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def _distances(learner, A, B, what):
    """Call the learner's pairwise_distances on copies, check shape, no nan/negatives, inputs untouched."""
    A0, B0 = A.copy(), B.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            out = learner.pairwise_distances(A, B)
        except RuntimeWarning as exc:
            check(False, f"pairwise_distances({what}) raised a RuntimeWarning: {exc}",
                  "np.sqrt of a slightly negative number (rounding in ||a||^2 + ||b||^2 - 2 a.b) warns and gives nan: "
                  "clip with np.maximum(sq, 0) before the square root.")
    check(out is not None, f"pairwise_distances({what}) returned None.", "a missing `return` statement?")
    out = np.asarray(out)
    assert_shape(out, (len(A), len(B)), name=f"pairwise_distances({what})",
                 hint="row i of the result is A[i] against every row of B: shape (N, M). "
                      "(N, 1) + (1, M) broadcasts to (N, M); A @ B.T is (N, D) @ (D, M).")
    check(not np.isnan(out).any(),
          f"pairwise_distances({what}) contains {int(np.isnan(out).sum())} nan value(s).",
          "rounding makes ||a||^2 + ||b||^2 - 2 a.b slightly negative (-1e-15) where a == b; "
          "np.sqrt(np.maximum(sq, 0)) keeps it at 0.")
    check((out >= 0).all(), f"pairwise_distances({what}) contains negative distances (min {out.min():.3g}).",
          "a distance is a square root: clip the squared distances at 0, then take np.sqrt.")
    check(np.array_equal(A, A0) and np.array_equal(B, B0),
          f"pairwise_distances({what}) modified its input arrays.",
          "A -= centre changes the caller's array; write A = A - centre to make a new one.")
    return out


# --------------------------------------------------------------------- pairwise_distances


@pytest.mark.points(2)
def test_distances_worked_example(learner):
    """The docstring's example: distances from (0,0) and (3,4) to (0,0), (1,0), (3,0)."""
    A = np.array([[0.0, 0.0], [3.0, 4.0]])
    B = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    got = _distances(learner, A, B, "A (2, 2), B (3, 2)")
    assert_close(got, [[0.0, 1.0, 3.0], [5.0, np.sqrt(20.0), 4.0]], rtol=1e-12, atol=1e-12,
                 name="pairwise_distances(A, B)",
                 hint="out[i, j] = sqrt(sum_k (A[i, k] - B[j, k])^2): sum the squares over the feature axis (axis 1), "
                      "then take the square root.")
    # Integer input works too and gives floats.
    got = _distances(learner, A.astype(int), B.astype(int), "integer A and B")
    assert_close(got, [[0.0, 1.0, 3.0], [5.0, np.sqrt(20.0), 4.0]], rtol=1e-12, atol=1e-12,
                 name="pairwise_distances(integer A, integer B)",
                 hint="convert the inputs with np.asarray(A, dtype=np.float64) first.")


@pytest.mark.points(2)
def test_distances_match_cdist(learner, rng):
    """Random shapes (N, M, D from 1 to 60, single rows and a single feature included) agree with scipy's cdist to 1e-9."""
    for trial in range(12):
        n, m, d = (int(v) for v in rng.integers(1, 60, size=3))
        if trial < 3:
            n, m, d = [(1, 7, 3), (6, 1, 5), (5, 8, 1)][trial]  # single rows, a single feature
        scale = 10.0 ** rng.uniform(-3, 3)
        A = rng.normal(size=(n, d)) * scale
        B = rng.normal(size=(m, d)) * scale + rng.normal(size=d) * scale
        got = _distances(learner, A, B, f"A {A.shape}, B {B.shape}")
        assert_close(got, cdist(A, B), rtol=1e-9, atol=1e-9 * scale, name=f"pairwise_distances, A {A.shape}, B {B.shape}",
                     hint="compare with the loop: out[i, j] = ||A[i] - B[j]||. A transposed result or a sum over the "
                          "wrong axis gives the wrong shape or wrong numbers; -2 A @ B.T needs the factor 2.")


@pytest.mark.points(2)
def test_identical_points_zero_not_nan(learner, rng):
    """Distances between a set and its own copy: the diagonal is 0 (to 1e-6), never nan, no RuntimeWarning."""
    A = rng.uniform(-3, 3, size=(400, 37))
    got = _distances(learner, A, A.copy(), "A, A.copy() (400 points, 37 features)")
    assert_close(np.diag(got), np.zeros(len(A)), atol=1e-6, rtol=0, name="diagonal of pairwise_distances(A, A)",
                 hint="a point is at distance 0 from itself; clip the squared distance at 0 before np.sqrt.")
    assert_close(got, cdist(A, A), rtol=1e-9, atol=1e-6, name="pairwise_distances(A, A)",
                 hint="compare with the loop: out[i, j] = ||A[i] - A[j]||.")
    # Repeated rows inside one set.
    B = np.repeat(rng.normal(size=(5, 9)), 4, axis=0)  # every point four times
    got = _distances(learner, B, B, "a set with repeated rows")
    assert_close(got, cdist(B, B), rtol=1e-9, atol=1e-6, name="pairwise_distances with repeated rows",
                 hint="equal rows are at distance 0: clip tiny negative squared distances at 0.")


@pytest.mark.points(2)
def test_far_from_origin(learner, rng):
    """Points about 1e6 from the origin, about 1 apart: distances still match cdist to 1e-6 relative."""
    offset = 1e6 * np.sign(rng.normal(size=8))
    A = offset + rng.normal(size=(50, 8))
    B = offset + rng.normal(size=(40, 8))
    got = _distances(learner, A, B, "points near 1e6")
    assert_close(got, cdist(A, B), rtol=1e-6, atol=1e-6, name="pairwise_distances for points near 1e6",
                 hint="||a||^2 ~ 1e13 here, and ||a||^2 + ||b||^2 - 2 a.b cancels away most of float64's digits. "
                      "Distances do not change if both sets move by the same vector: subtract a common point "
                      "(e.g. A.mean(axis=0)) from A and from B first.")


@pytest.mark.points(3)
def test_distances_are_vectorised(learner, rng):
    """At least 20x faster than the double loop, for a tall A (6000 x 4 pairs) and for a tall B (4 x 6000)."""
    for n, m in ((6000, 4), (4, 6000)):
        A = rng.normal(size=(n, 8))
        B = rng.normal(size=(m, 8))
        got = _distances(learner, A, B, f"A {A.shape}, B {B.shape}")  # also warms up caches and BLAS
        assert_close(got, cdist(A, B), rtol=1e-9, atol=1e-9, name=f"pairwise_distances, A {A.shape}, B {B.shape}")
        t_learner = _best_time(learner.pairwise_distances, A, B, repeats=3)
        t_loop = _best_time(_loop, A, B, repeats=2)
        speedup = t_loop / max(t_learner, 1e-9)
        check(speedup >= SPEEDUP,
              f"pairwise_distances took {t_learner * 1e3:.1f} ms for A {A.shape}, B {B.shape}; the double loop took "
              f"{t_loop * 1e3:.1f} ms: a speed-up of {speedup:.1f}x, but at least {SPEEDUP}x is required.",
              "a Python loop is left (over the rows of A or of B): every iteration costs interpreter time. "
              "Compute all pairs at once: sq_A[:, None] + sq_B[None, :] - 2 * A @ B.T.")


# --------------------------------------------------------------------- standardise


def _standardise(learner, X, what):
    X0 = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            Z = learner.standardise(X)
        except RuntimeWarning as exc:
            check(False, f"standardise({what}) raised a RuntimeWarning: {exc}",
                  "a constant column has standard deviation 0: divide it by 1 instead of 0.")
    check(Z is not None, f"standardise({what}) returned None.", "a missing `return` statement?")
    Z = np.asarray(Z)
    assert_shape(Z, X.shape, name=f"standardise({what})", hint="the result has X's shape: one z-score per entry.")
    check(np.isfinite(Z).all(), f"standardise({what}) contains nan or inf.",
          "a constant column has standard deviation 0 (or 1e-17 after rounding): divide it by 1 instead.")
    check(np.array_equal(X, X0), f"standardise({what}) modified its input.",
          "X -= mean changes the caller's array; write Z = (X - mean) / std.")
    return Z


def test_standardise_worked_example(learner):
    """The docstring's example [[1, 5], [3, 5]] -> [[-1, 0], [1, 0]], and a 3 x 2 case by hand."""
    Z = _standardise(learner, np.array([[1.0, 5.0], [3.0, 5.0]]), "[[1, 5], [3, 5]]")
    assert_close(Z, [[-1.0, 0.0], [1.0, 0.0]], atol=1e-12, name="standardise([[1, 5], [3, 5]])",
                 hint="column 0 has mean 2 and std 1; column 1 is constant and becomes 0.")
    # Column 0: mean 2, std sqrt(2/3); column 1: mean 20, std sqrt(200/3).
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    expected = np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]) * np.sqrt(1.5)
    Z = _standardise(learner, X, "[[1, 10], [2, 20], [3, 30]]")
    assert_close(Z, expected, rtol=1e-12, atol=1e-12, name="standardise([[1, 10], [2, 20], [3, 30]])",
                 hint="each column separately: mean and std over the rows (axis=0), population std (ddof=0, "
                      "np.std's default). axis=1 standardises each row instead.")


@pytest.mark.points(2)
def test_standardise_random_columns(learner, rng):
    """Random (N, D) data with large offsets and scales: z-scores per column (ddof=0); every column has mean 0 and std 1."""
    for trial in range(6):
        n, d = int(rng.integers(2, 300)), int(rng.integers(1, 12))
        if trial == 0:
            n = d = 7  # square: a wrong axis still has the right shape
        X = rng.normal(size=(n, d)) * 10.0 ** rng.uniform(-2, 4, size=d) + rng.normal(size=d) * 100
        Z = _standardise(learner, X, f"X {X.shape}")
        assert_close(Z, (X - X.mean(axis=0)) / X.std(axis=0), rtol=1e-8, atol=1e-8, name=f"standardise(X {X.shape})",
                     hint="Z = (X - X.mean(axis=0)) / X.std(axis=0): the statistics are per column (axis=0, over the "
                          "rows) with ddof=0.")
        assert_close(Z.mean(axis=0), np.zeros(d), atol=1e-8, name="column means of the result")
        assert_close(Z.std(axis=0), np.ones(d), rtol=1e-9, name="column standard deviations of the result",
                     hint="np.std with ddof=0 (the population std); ddof=1 gives columns with std sqrt((N-1)/N).")


def test_standardise_constant_columns(learner):
    """Constant columns (including 0.1, whose rounded std is 1e-17, not 0) and a single row give zeros."""
    X = np.array([[0.1, 5.0, 1.0, 7.77],
                  [0.1, 5.0, 2.0, 7.77],
                  [0.1, 5.0, 4.0, 7.77]])
    Z = _standardise(learner, X, "X with constant columns 0.1, 5.0 and 7.77")
    assert_close(Z[:, [0, 1, 3]], np.zeros((3, 3)), atol=1e-12, name="standardised constant columns",
                 hint="a constant column must become 0. np.std of [0.1, 0.1, 0.1] is 1.4e-17, not 0, and "
                      "1.4e-17 / 1.4e-17 = 1: detect constant columns with X.max(axis=0) == X.min(axis=0), and "
                      "divide those by 1.")
    assert_close(Z[:, 2], (X[:, 2] - X[:, 2].mean()) / X[:, 2].std(), rtol=1e-12, atol=1e-12,
                 name="the non-constant column next to them")
    Z = _standardise(learner, np.array([[3.0, -2.0, 0.5]]), "a single row")
    assert_equal(np.abs(Z) < 1e-12, np.ones((1, 3), dtype=bool), name="|standardise(single row)| < 1e-12",
                 hint="with one row every column is constant: the z-scores are all 0.")
