"""Spec for 01_foundations/linear_algebra.py: projections and modified Gram-Schmidt QR."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import assert_close, assert_shape, check

VEC_HINT = "proj_u(v) = (v . u / u . u) u: divide by u . u (the squared length), so that the length of u does not matter"
SUB_HINT = ("solve min ||A x - v|| with np.linalg.lstsq(A, v, rcond=None) and return A @ x. Summing the projections "
            "onto each column is only right when the columns are orthogonal, and (A^T A)^-1 does not exist when they "
            "are dependent")
MGS_HINT = ("classical Gram-Schmidt (R[j, k] = q_j . a_k from the ORIGINAL column) loses orthogonality on "
            "ill-conditioned matrices; modified Gram-Schmidt computes R[j, k] = q_j . v from the partly reduced v and "
            "subtracts each component before computing the next (or run the classical step twice)")


def _qr(learner, A):
    out = learner.gram_schmidt(A)
    check(isinstance(out, (tuple, list)) and len(out) == 2, f"gram_schmidt should return (Q, R); got {type(out).__name__}.",
          "return Q, R")
    Q, R = (np.asarray(m, dtype=float) for m in out)
    N, K = A.shape
    assert_shape(Q, (N, K), name="Q", hint="Q has one orthonormal column per column of A: (N, K)")
    assert_shape(R, (K, K), name="R", hint="R is square, (K, K)")
    return Q, R


def _check_qr(A, Q, R, where, orth_tol=1e-12):
    K = A.shape[1]
    scale = np.linalg.norm(A)
    check(np.all(np.abs(np.tril(R, -1)) <= 1e-12 * scale),
          f"R is not upper triangular{where}: largest entry below the diagonal {np.abs(np.tril(R, -1)).max():.3g}.",
          "R[j, k] holds the component of column k along q_j for j < k only; entries below the diagonal are 0")
    check(np.all(np.diag(R) > 0), f"R's diagonal{where} is {np.round(np.diag(R), 6).tolist()}: it must be positive.",
          "R[k, k] is the norm of what is left of column k after removing its components along q_1..q_{k-1}")
    assert_close(Q @ R, A, rtol=0.0, atol=1e-12 * scale, name=f"Q @ R{where} (vs A)",
                 hint="A = Q R: column k of A is sum_j R[j, k] q_j; store every coefficient you subtract in R")
    gap = np.linalg.norm(Q.T @ Q - np.eye(K), 2)
    check(gap <= orth_tol, f"Q's columns are not orthonormal{where}: ||Q^T Q - I||_2 = {gap:.3g} > {orth_tol:g}.",
          MGS_HINT)


def test_project_onto_vector_by_hand(learner):
    """[2, 1] onto [3, 0] is [2, 0], whatever the length of u; parallel v is unchanged, orthogonal v gives 0; u = 0 raises ValueError."""
    v = np.array([2.0, 1.0])
    for scale in (1.0, 1e-6, 1e6, -2.0):
        assert_close(learner.project_onto_vector(v, scale * np.array([3.0, 0.0])), [2.0, 0.0], rtol=1e-12, atol=1e-12,
                     name=f"project_onto_vector([2, 1], {scale:g} * [3, 0])", hint=VEC_HINT)
    u = np.array([1.0, -2.0, 2.0])
    assert_close(learner.project_onto_vector(-4.0 * u, u), -4.0 * u, rtol=1e-12, atol=1e-12,
                 name="projection of a multiple of u", hint=VEC_HINT)
    assert_close(learner.project_onto_vector(np.array([2.0, 1.0, 0.0]), u), np.zeros(3), atol=1e-12, rtol=0.0,
                 name="projection of a vector orthogonal to u", hint=VEC_HINT)
    try:
        learner.project_onto_vector(v, np.zeros(2))
    except ValueError:
        return
    check(False, "project_onto_vector(v, 0) did not raise ValueError.",
          "the zero vector has no direction: check u . u == 0 and raise ValueError")


def test_project_onto_vector_random(learner, rng):
    """Random v, u in 10 dimensions: the formula's value, a residual orthogonal to u, and projecting twice changes nothing."""
    for _ in range(5):
        v, u = rng.normal(size=10), rng.uniform(0.1, 10.0) * rng.normal(size=10)
        p = np.asarray(learner.project_onto_vector(v, u), dtype=float)
        assert_close(p, (v @ u) / (u @ u) * u, rtol=1e-10, atol=1e-12, name="project_onto_vector(v, u)", hint=VEC_HINT)
        assert_close((v - p) @ u, 0.0, atol=1e-10 * np.linalg.norm(v) * np.linalg.norm(u), rtol=0.0,
                     name="(v - p) . u", hint="the residual of an orthogonal projection is orthogonal to u")
        assert_close(learner.project_onto_vector(p, u), p, rtol=1e-10, atol=1e-12, name="projecting p again",
                     hint=VEC_HINT)


def test_project_onto_subspace_by_hand(learner):
    """[1, 3, 5] onto the plane of vectors (a, a, b) is [2, 2, 5]; a vector in the plane is unchanged; [1, -1, 0] goes to 0."""
    A = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    got = learner.project_onto_subspace(np.array([1.0, 3.0, 5.0]), A)
    assert_shape(got, (3,), name="project_onto_subspace(v, A)", hint="the projection has v's shape (N,)")
    assert_close(got, [2.0, 2.0, 5.0], rtol=1e-12, atol=1e-12, name="project_onto_subspace([1, 3, 5], A)",
                 hint=SUB_HINT)
    assert_close(learner.project_onto_subspace(np.array([4.0, 4.0, -1.0]), A), [4.0, 4.0, -1.0], rtol=1e-12,
                 atol=1e-12, name="projection of a vector in the column space", hint=SUB_HINT)
    assert_close(learner.project_onto_subspace(np.array([1.0, -1.0, 0.0]), A), np.zeros(3), atol=1e-12, rtol=0.0,
                 name="projection of a vector orthogonal to the column space", hint=SUB_HINT)


@pytest.mark.points(2)
def test_projection_matrix_matches_numpy(learner, rng):
    """Non-orthogonal random A (8 x 3): project_onto_subspace(I, A) is P = A (A^T A)^-1 A^T (from lstsq), symmetric, idempotent, trace 3."""
    N, K = 8, 3
    A = rng.normal(size=(N, K)) + 2.0  # columns far from orthogonal
    expected = A @ np.linalg.lstsq(A, np.eye(N), rcond=None)[0]
    P = np.asarray(learner.project_onto_subspace(np.eye(N), A), dtype=float)
    assert_shape(P, (N, N), name="project_onto_subspace(np.eye(8), A)",
                 hint="v may be a matrix: project every column (np.linalg.lstsq accepts a 2-D right-hand side)")
    assert_close(P, expected, rtol=1e-9, atol=1e-10, name="the projection matrix P", hint=SUB_HINT)
    assert_close(P, P.T, rtol=0.0, atol=1e-10, name="P vs P^T", hint="an orthogonal projection matrix is symmetric")
    assert_close(P @ P, P, rtol=0.0, atol=1e-10, name="P @ P", hint="projecting twice changes nothing: P P = P")
    assert_close(np.trace(P), float(K), rtol=0.0, atol=1e-9, name="trace(P)",
                 hint="the trace of a projection is the dimension of the subspace, here 3")
    v = rng.normal(size=N)
    p = np.asarray(learner.project_onto_subspace(v, A), dtype=float)
    assert_close(p, expected @ v, rtol=1e-9, atol=1e-10, name="project_onto_subspace(v, A)", hint=SUB_HINT)
    assert_close(A.T @ (v - p), np.zeros(K), rtol=0.0, atol=1e-9, name="A^T (v - p)",
                 hint="the residual must be orthogonal to every column of A")


@pytest.mark.points(2)
def test_project_onto_subspace_dependent_columns(learner, rng):
    """A 10 x 4 matrix of rank 2 (a repeated column, a sum of two columns): the projection onto its 2-D column space is still right."""
    B = rng.normal(size=(10, 2))
    A = np.column_stack([B[:, 0], B[:, 1], B[:, 0], B[:, 0] + B[:, 1]])  # rank 2
    Qb, _ = np.linalg.qr(B)
    for _ in range(3):
        v = rng.normal(size=10)
        with np.errstate(all="ignore"):
            try:
                p = np.asarray(learner.project_onto_subspace(v, A), dtype=float)
            except np.linalg.LinAlgError as exc:
                check(False, f"project_onto_subspace raised LinAlgError on dependent columns: {exc}", SUB_HINT)
        assert_close(p, Qb @ (Qb.T @ v), rtol=1e-9, atol=1e-9, name="projection onto a rank-2 column space",
                     hint=SUB_HINT)


def test_gram_schmidt_by_hand(learner):
    """[[3, 1], [4, 2]] (integers): R = [[5, 2.2], [0, 0.4]], Q = [[0.6, -0.8], [0.8, 0.6]]; one column: Q = a/||a||, R = [[||a||]]."""
    A = np.array([[3, 1], [4, 2]])  # integer dtype on purpose
    Q, R = _qr(learner, A)
    assert_close(R, [[5.0, 2.2], [0.0, 0.4]], rtol=1e-12, atol=1e-12, name="R of [[3, 1], [4, 2]]",
                 hint="R[0, 0] = ||a_1|| = 5, R[0, 1] = q_1 . a_2 = 2.2, R[1, 1] = ||a_2 - 2.2 q_1|| = 0.4; work in "
                      "floats (A.astype(float)): an integer array truncates every division")
    assert_close(Q, [[0.6, -0.8], [0.8, 0.6]], rtol=1e-12, atol=1e-12, name="Q of [[3, 1], [4, 2]]",
                 hint="q_1 = a_1 / 5, q_2 = (a_2 - 2.2 q_1) / 0.4")
    a = np.array([[1.0], [2.0], [2.0]])
    Q, R = _qr(learner, a)
    assert_close(R, [[3.0]], rtol=1e-12, atol=1e-12, name="R of a single column [1, 2, 2]")
    assert_close(Q, a / 3.0, rtol=1e-12, atol=1e-12, name="Q of a single column [1, 2, 2]")


@pytest.mark.points(2)
@pytest.mark.parametrize("shape", [(6, 3), (5, 5), (40, 10)], ids=["tall", "square", "big"])
def test_gram_schmidt_matches_numpy_qr(learner, rng, shape):
    """Random well-conditioned A: A = Q R, Q orthonormal, R upper triangular with positive diagonal, equal to np.linalg.qr up to column signs; A is not modified."""
    A = rng.normal(size=shape)
    A_before = A.copy()
    Q, R = _qr(learner, A)
    check(np.array_equal(A, A_before), "gram_schmidt modified its input A.",
          "work on a copy (A[:, k].astype(float) or A.copy()): the caller's matrix must not change")
    _check_qr(A, Q, R, f" for a random {shape[0]} x {shape[1]} matrix")
    Qn, Rn = np.linalg.qr(A)
    signs = np.sign(np.diag(Rn))  # numpy's R may have negative diagonal entries; flip those columns/rows
    assert_close(Q, Qn * signs, rtol=1e-9, atol=1e-10, name="Q (vs np.linalg.qr, signs matched)", hint=MGS_HINT)
    assert_close(R, signs[:, None] * Rn, rtol=1e-9, atol=1e-10, name="R (vs np.linalg.qr, signs matched)")


@pytest.mark.points(3)
def test_gram_schmidt_stays_orthogonal_when_ill_conditioned(learner, rng):
    """Polynomial features (50 x 12 Vandermonde) and a random 60 x 12 matrix, both with condition number ~1e8: ||Q^T Q - I||_2 <= 1e-6.

    Modified Gram-Schmidt reaches ~1e-8 here; classical Gram-Schmidt gets 1e-2 to 1.
    """
    x = np.linspace(0.0, 1.0, 50)
    V = np.vander(x, 12, increasing=True)  # columns 1, x, ..., x^11
    Q, R = _qr(learner, V)
    _check_qr(V, Q, R, " for the Vandermonde matrix (cond ~1e8)", orth_tol=1e-6)
    U, _ = np.linalg.qr(rng.normal(size=(60, 12)))
    W, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    A = U @ np.diag(np.logspace(0.0, -8.0, 12)) @ W.T  # singular values 1 .. 1e-8
    Q, R = _qr(learner, A)
    _check_qr(A, Q, R, " for a random matrix with cond 1e8", orth_tol=1e-6)


def test_gram_schmidt_dependent_columns_raise(learner, rng):
    """A repeated column, a column that is a combination of earlier ones, or a zero column raises ValueError."""
    B = rng.normal(size=(7, 3))
    cases = {"a repeated column": np.column_stack([B, B[:, 1]]),
             "a combination of earlier columns": np.column_stack([B, B[:, 0] - 2.0 * B[:, 2]]),
             "a zero column": np.column_stack([B[:, :2], np.zeros(7), B[:, 2]])}
    for what, A in cases.items():
        with np.errstate(all="ignore"):
            try:
                learner.gram_schmidt(A)
            except ValueError:
                continue
        check(False, f"gram_schmidt did not raise ValueError for a matrix with {what}.",
              "after removing the earlier components, a dependent column has (almost) nothing left: raise "
              "ValueError when R[k, k] <= 1e-10 * ||a_k|| instead of dividing by it")
