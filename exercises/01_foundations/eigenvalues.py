"""Eigenpairs by power iteration, the Rayleigh quotient and deflation.

Goal
----
Find the k largest (in absolute value) eigenvalues of a symmetric matrix and
their eigenvectors, with nothing but matrix-vector products:

* ``rayleigh_quotient``: the eigenvalue estimate for an approximate
  eigenvector;
* ``power_iteration``: the dominant eigenpair, with a convergence tolerance
  and an iteration cap;
* ``top_k_eigenpairs``: the top k eigenpairs, by deflating the matrix after
  each one is found.

Why it matters
--------------
Eigenvectors of a covariance matrix are the principal components (PCA); the
top eigenvalue of a Hessian sets the largest stable learning rate; PageRank
is a power iteration; and the largest singular value that spectral
normalisation divides by is found with one power-iteration step per training
step. Power iteration needs only A @ v, so it runs on matrices far too large
to decompose, and it shows why convergence depends on the *gap* between
eigenvalues.

The maths
---------
A symmetric n x n matrix has real eigenvalues lambda_1..lambda_n and
orthonormal eigenvectors u_1..u_n. Order them by |lambda_1| > |lambda_2| >= ...
Write any start vector as v = sum_i c_i u_i; then A^t v = sum_i c_i lambda_i^t u_i
is dominated by the u_1 term, with the others shrinking like
|lambda_2 / lambda_1|^t. Normalise after each product so nothing overflows.

Rayleigh quotient: for any v != 0, r(v) = v^T A v / v^T v. If v is an
eigenvector it is exactly its eigenvalue, sign included, and an error e in
v gives an error of only about e^2 in r(v). Note that ||A v|| is |lambda|:
it loses the sign of a negative eigenvalue.

Power iteration (count n_iter = the number of products A @ v made):

    v = v0 / ||v0||
    for n_iter = 1, 2, ..., max_iter:
        w = A @ v
        lam = v . w                                  the Rayleigh quotient (v is a unit vector)
        if ||w - lam v|| <= tol * |lam|: stop        the residual: how far v is from an eigenvector
        v = w / ||w||

and return lam, v, n_iter (if the test never passes, the last lam and v with
n_iter = max_iter). Test the residual, not the change in v between steps:
with a negative dominant eigenvalue v flips sign at every step, so
||v_new - v_old|| stays near 2 even after v has converged. The default start
v0 = ``np.random.default_rng(0).standard_normal(n)`` is deterministic and
almost surely has a component along u_1.

Deflation: once (lambda_1, u_1) is known, the matrix A - lambda_1 u_1 u_1^T
has the same eigenvectors, with lambda_1 replaced by 0. Power iteration on it
finds (lambda_2, u_2); repeat k times. Work on a copy: the caller's matrix
must not change.

API
---
    rayleigh_quotient(A, v)                                  -> float
    power_iteration(A, v0=None, tol=1e-10, max_iter=10_000)  -> (eigenvalue, eigenvector (n,), n_iter)
    top_k_eigenpairs(A, k, tol=1e-10, max_iter=10_000)       -> (eigenvalues (k,), eigenvectors (n, k))

Eigenvectors have unit length; their sign is arbitrary (u and -u are both
eigenvectors). Eigenvalues come in order of decreasing absolute value.

Worked example
--------------
    >>> A = np.array([[2.0, 1.0], [1.0, 2.0]])              # eigenvalues 3 and 1
    >>> rayleigh_quotient(A, np.array([1.0, 0.0]))
    2.0
    >>> lam, v, n_iter = power_iteration(A, np.array([1.0, 0.0]))
    >>> round(lam, 10), np.round(v, 6)                      # n_iter is about 22
    (3.0, array([0.707107, 0.707107]))
    >>> top_k_eigenpairs(-A, 2)[0]                          # -A: eigenvalues -3 and -1
    array([-3., -1.])

One step by hand: v = [1, 0], w = A v = [2, 1], lam = v . w = 2, the
residual w - 2 v = [0, 1] is far from 0, so v becomes [2, 1] / sqrt(5). The
error in v shrinks by lambda_2 / lambda_1 = 1/3 per step.

Reference
---------
Trefethen & Bau, *Numerical Linear Algebra*, lecture 27 (Rayleigh quotient,
power iteration); Golub & Van Loan, *Matrix Computations*, 8.2 (the power
method) and 7.3.1 (deflation).
"""

from __future__ import annotations

import numpy as np


def rayleigh_quotient(A: np.ndarray, v: np.ndarray) -> float:
    """v^T A v / v^T v, the eigenvalue estimate for an approximate eigenvector v.

    Args:
        A: (n, n) symmetric matrix.
        v: (n,) nonzero vector, of any length.

    Returns:
        The Rayleigh quotient, a Python float.
    """
    raise NotImplementedError("rayleigh_quotient: v^T A v / v^T v")


def power_iteration(
    A: np.ndarray, v0: np.ndarray | None = None, tol: float = 1e-10, max_iter: int = 10_000
) -> tuple[float, np.ndarray, int]:
    """The eigenpair of A whose eigenvalue is largest in absolute value.

    Args:
        A: (n, n) symmetric matrix.
        v0: (n,) nonzero start vector; default np.random.default_rng(0).standard_normal(n).
        tol: stop when ||A v - lam v|| <= tol * |lam|.
        max_iter: the most products A @ v to make.

    Returns:
        (eigenvalue, eigenvector, n_iter): a Python float with its sign, an (n,)
        unit vector, and the number of products A @ v made (max_iter if the
        tolerance was never met).
    """
    raise NotImplementedError("power_iteration: multiply, Rayleigh quotient, residual test, normalise; repeat")


def top_k_eigenpairs(
    A: np.ndarray, k: int, tol: float = 1e-10, max_iter: int = 10_000
) -> tuple[np.ndarray, np.ndarray]:
    """The k eigenpairs of largest |eigenvalue|, by power iteration and deflation.

    Args:
        A: (n, n) symmetric matrix; not modified.
        k: how many eigenpairs, 1 <= k <= n.
        tol, max_iter: passed to power_iteration.

    Returns:
        (eigenvalues, eigenvectors): (k,) in order of decreasing absolute value,
        and (n, k) unit eigenvectors, column i belonging to eigenvalue i.
    """
    raise NotImplementedError("top_k_eigenpairs: power iteration on a copy of A, deflating after each pair")
