"""Spec for 01_foundations/eigenvalues.py: Rayleigh quotient, power iteration, deflation."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import assert_close, assert_shape, check

SIGN_HINT = ("the eigenvalue is the Rayleigh quotient v . (A v) of the unit vector v, which keeps its sign; "
             "||A v|| is only |lambda| and loses the sign of a negative eigenvalue")
STOP_HINT = ("stop on the residual ||A v - lam v|| <= tol * |lam|, which does not care about the sign of v; with a "
             "negative dominant eigenvalue v flips sign every step, so ||v_new - v_old|| never becomes small")
NORM_HINT = "normalise v after every product (v = w / ||w||), otherwise it grows or shrinks like |lambda|^t"
DEFLATE_HINT = ("after finding (lam, u), deflate with B = B - lam * outer(u, u) (not B - outer(u, u)), on a copy of A, "
                "then run power iteration on B again")


def _symmetric(rng, eigenvalues):
    """A random symmetric matrix with the given eigenvalues, and its eigenvectors as columns."""
    n = len(eigenvalues)
    U, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return (U * eigenvalues) @ U.T, U


def _power(learner, A, v0=None, **kwargs):
    with np.errstate(all="ignore"):
        out = learner.power_iteration(A, v0, **kwargs)
    check(isinstance(out, (tuple, list)) and len(out) == 3,
          f"power_iteration should return (eigenvalue, eigenvector, n_iter); got {type(out).__name__}.")
    lam, v, n_iter = out
    v = np.asarray(v, dtype=float)
    assert_shape(v, (A.shape[0],), name="the eigenvector", hint="return the (n,) vector v itself")
    check(np.isfinite(float(lam)) and np.all(np.isfinite(v)),
          f"power_iteration returned a non-finite result: eigenvalue {lam}, eigenvector {v[:4]}...", NORM_HINT)
    return float(lam), v, int(n_iter)


def _assert_same_direction(v, u, name, hint):
    """v equals u up to sign (eigenvectors are only defined up to sign)."""
    sign = 1.0 if v @ u >= 0 else -1.0
    assert_close(sign * v, u, rtol=0.0, atol=1e-6, name=f"{name} (sign matched)", hint=hint)


def test_rayleigh_quotient_by_hand(learner):
    """For A = [[2, 1], [1, 2]]: r([1, 0]) = 2, r([1, 1]) = r([5, 5]) = 3, r([3, -3]) = 1: the length of v does not matter."""
    A = np.array([[2.0, 1.0], [1.0, 2.0]])
    for v, expected in [([1.0, 0.0], 2.0), ([1.0, 1.0], 3.0), ([5.0, 5.0], 3.0), ([3.0, -3.0], 1.0), ([0.0, -1e-8], 2.0)]:
        got = learner.rayleigh_quotient(A, np.array(v))
        assert_close(float(got), expected, rtol=1e-12, atol=1e-12, name=f"rayleigh_quotient(A, {v})",
                     hint="r(v) = v^T A v / v^T v: divide by v . v so that any multiple of v gives the same value")


@pytest.mark.points(2)
def test_power_iteration_worked_example(learner):
    """A = [[2, 1], [1, 2]] from v0 = [1, 0]: eigenvalue 3, eigenvector +-[1, 1]/sqrt(2), a unit vector, in under 40 iterations."""
    A = np.array([[2.0, 1.0], [1.0, 2.0]])
    lam, v, n_iter = _power(learner, A, np.array([1.0, 0.0]))
    assert_close(lam, 3.0, rtol=1e-9, atol=0.0, name="eigenvalue", hint=SIGN_HINT)
    assert_close(np.linalg.norm(v), 1.0, rtol=1e-12, atol=0.0, name="||eigenvector||", hint=NORM_HINT)
    _assert_same_direction(v, np.array([1.0, 1.0]) / np.sqrt(2.0), "eigenvector", NORM_HINT)
    check(1 <= n_iter <= 40, f"n_iter = {n_iter}: the error shrinks 3x per step, so ~22 steps reach tol = 1e-10.",
          "n_iter counts the products A @ v made until ||A v - lam v|| <= tol * |lam|")


def test_power_iteration_from_an_eigenvector(learner):
    """diag(4, 1, -2) started at 1e-3 * e1 (an eigenvector, not unit length): eigenvalue 4, v = e1, after at most 2 products."""
    A = np.diag([4.0, 1.0, -2.0])
    lam, v, n_iter = _power(learner, A, np.array([1e-3, 0.0, 0.0]))
    assert_close(lam, 4.0, rtol=1e-12, atol=0.0, name="eigenvalue", hint="normalise v0 first: v = v0 / ||v0||")
    _assert_same_direction(v, np.array([1.0, 0.0, 0.0]), "eigenvector", NORM_HINT)
    check(n_iter <= 2, f"n_iter = {n_iter}, but v0 is already an eigenvector: the residual is 0 after the first product.",
          "test the residual ||A v - lam v|| <= tol * |lam| in every iteration, before updating v")
    lam, v, n_iter = _power(learner, np.array([[-7.0]]), np.array([2.0]))
    assert_close(lam, -7.0, rtol=1e-12, atol=0.0, name="eigenvalue of the 1 x 1 matrix [[-7]]", hint=SIGN_HINT)


@pytest.mark.points(2)
def test_negative_dominant_eigenvalue(learner, rng):
    """Eigenvalues -10, 7, 3, -1, 0.5: power iteration returns -10 (with its sign) and its eigenvector, well before max_iter."""
    A, U = _symmetric(rng, np.array([-10.0, 7.0, 3.0, -1.0, 0.5]))
    lam, v, n_iter = _power(learner, A, rng.normal(size=5))
    assert_close(lam, -10.0, rtol=1e-9, atol=0.0, name="dominant eigenvalue", hint=SIGN_HINT)
    _assert_same_direction(v, U[:, 0], "dominant eigenvector", STOP_HINT)
    check(n_iter < 1000,
          f"n_iter = {n_iter}: with |7 / -10| = 0.7 the residual reaches 1e-10 in about 70 steps, but the loop ran on.",
          STOP_HINT)


def test_tolerance_and_max_iter(learner, rng):
    """The returned pair meets the residual test for tol = 1e-4 in fewer steps than tol = 1e-12; a +-5 matrix stops at max_iter."""
    A, _ = _symmetric(rng, np.array([5.0, 4.5, -2.0, 1.0]))  # ratio 0.9: slow, about 240 steps for 1e-10
    v0 = rng.normal(size=4)
    lam_loose, v_loose, n_loose = _power(learner, A, v0, tol=1e-4)
    lam_tight, v_tight, n_tight = _power(learner, A, v0, tol=1e-12)
    for tol, lam, v in [(1e-4, lam_loose, v_loose), (1e-12, lam_tight, v_tight)]:
        residual = np.linalg.norm(A @ v - lam * v)
        check(residual <= tol * abs(lam) * 1.0001,
              f"with tol={tol:g} the returned pair has residual ||A v - lam v|| = {residual:.3g} > tol * |lam| = "
              f"{tol * abs(lam):.3g}.",
              "return the lam and v that passed the test (lam = v . A v of the current unit v), before updating v")
    check(n_loose < n_tight, f"tol=1e-4 took {n_loose} iterations and tol=1e-12 took {n_tight}: a looser tolerance "
          "should stop sooner.", "use tol in the stopping test ||A v - lam v|| <= tol * |lam|")
    assert_close(lam_tight, 5.0, rtol=1e-10, atol=0.0, name="eigenvalue with tol=1e-12")
    # +5 and -5 have the same magnitude: power iteration never converges and must stop at max_iter.
    lam, v, n_iter = _power(learner, np.diag([5.0, -5.0, 1.0]), np.array([1.0, 1.0, 1.0]), max_iter=50)
    check(n_iter == 50, f"on diag(5, -5, 1), which never converges, n_iter = {n_iter} with max_iter = 50.",
          "loop at most max_iter times and return n_iter = max_iter when the tolerance was never met")
    assert_close(np.linalg.norm(v), 1.0, rtol=1e-12, atol=0.0, name="||v|| after max_iter steps", hint=NORM_HINT)


@pytest.mark.parametrize("scale", [1e8, 1e-8], ids=["huge", "tiny"])
def test_scale_invariance(learner, rng, scale):
    """Eigenvalues 0.8, -0.72, 0.3 scaled by 1e8 or 1e-8: the same answer in the same ~220 steps, without overflow or underflow."""
    A, U = _symmetric(rng, scale * np.array([0.8, -0.72, 0.3]))
    lam, v, n_iter = _power(learner, A, rng.normal(size=3))
    assert_close(lam, 0.8 * scale, rtol=1e-9, atol=0.0, name=f"eigenvalue of a matrix scaled by {scale:g}",
                 hint=NORM_HINT + "; and make the tolerance relative: tol * |lam|")
    assert_close(np.linalg.norm(v), 1.0, rtol=1e-12, atol=0.0, name="||eigenvector||", hint=NORM_HINT)
    _assert_same_direction(v, U[:, 0], "eigenvector", NORM_HINT)
    check(n_iter < 1000, f"n_iter = {n_iter} on a matrix scaled by {scale:g}: scaling A does not change how fast v "
          "converges (about 220 steps here), so the stopping test is not scale-free.",
          "compare the residual with tol * |lam|, not with tol alone: an absolute 1e-10 is unreachable when the "
          "entries are 1e8 and meaningless when they are 1e-8")


@pytest.mark.points(3)
def test_top_k_matches_eigh(learner, rng):
    """Random symmetric 8 x 8 matrices with eigenvalues of both signs: top-k equals numpy.linalg.eigh sorted by |eigenvalue| (vectors up to sign); A is unchanged."""
    for k in (3, 8):
        magnitudes = 10.0 * 0.7 ** np.arange(8)
        A, _ = _symmetric(rng, magnitudes * rng.choice([-1.0, 1.0], size=8))
        A_before = A.copy()
        vals, vecs = learner.top_k_eigenpairs(A, k)
        vals, vecs = np.asarray(vals, dtype=float), np.asarray(vecs, dtype=float)
        check(np.array_equal(A, A_before), "top_k_eigenpairs modified its input matrix A.",
              "deflate a copy (B = A.astype(float) or A.copy()), never the caller's A in place")
        assert_shape(vals, (k,), name="eigenvalues", hint="one eigenvalue per pair: (k,)")
        assert_shape(vecs, (8, k), name="eigenvectors", hint="eigenvectors as COLUMNS: (n, k)")
        w, U = np.linalg.eigh(A)
        order = np.argsort(-np.abs(w))[:k]
        assert_close(vals, w[order], rtol=1e-8, atol=1e-12, name=f"top-{k} eigenvalues (vs eigh)",
                     hint=DEFLATE_HINT + "; " + SIGN_HINT)
        for i in range(k):
            _assert_same_direction(vecs[:, i], U[:, order[i]], f"eigenvector {i} of {k}", DEFLATE_HINT)
        assert_close(vecs.T @ vecs, np.eye(k), rtol=0.0, atol=1e-6, name="V^T V",
                     hint="eigenvectors of a symmetric matrix are orthonormal; " + NORM_HINT)


def test_top_k_principal_components(learner, rng):
    """PCA: the top 3 eigenpairs of the sample covariance of 500 correlated 6-D points (spread 3, 2, 1, 0.5, ...) match eigh."""
    R, _ = np.linalg.qr(rng.normal(size=(6, 6)))  # a random rotation
    X = rng.normal(size=(500, 6)) * np.array([3.0, 2.0, 1.0, 0.5, 0.3, 0.1]) @ R.T + 5.0
    C = np.cov(X, rowvar=False)  # (6, 6)
    vals, vecs = learner.top_k_eigenpairs(C, 3)
    w, U = np.linalg.eigh(C)
    assert_close(np.asarray(vals, dtype=float), w[::-1][:3], rtol=1e-8, atol=0.0,
                 name="top-3 eigenvalues of the covariance", hint=DEFLATE_HINT)
    for i in range(3):
        _assert_same_direction(np.asarray(vecs, dtype=float)[:, i], U[:, -1 - i], f"principal component {i}",
                               DEFLATE_HINT)
