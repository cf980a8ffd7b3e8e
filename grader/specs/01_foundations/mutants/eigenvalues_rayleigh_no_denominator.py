"""Mutant: rayleigh_quotient returns v^T A v without dividing by v^T v, so it depends on the length of v."""

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
    return float(v @ A @ v)  # v^T A v alone: right only for a unit vector



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
    n = A.shape[0]
    v = np.random.default_rng(0).standard_normal(n) if v0 is None else np.asarray(v0, dtype=float)
    v = v / np.linalg.norm(v)  # (n,) unit vector
    for n_iter in range(1, max_iter + 1):
        w = A @ v  # (n,)
        lam = v @ w  # Rayleigh quotient of the unit vector v: keeps the sign, unlike ||w||
        # Residual test: sign-invariant, so a negative eigenvalue (v flipping each step) still converges.
        if np.linalg.norm(w - lam * v) <= tol * abs(lam):
            break
        v = w / np.linalg.norm(w)  # normalise every step, or v over/underflows like |lam|^t
    return float(lam), v, n_iter


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
    B = np.array(A, dtype=float)  # (n, n) a copy: deflation must not touch the caller's matrix
    eigenvalues, eigenvectors = np.zeros(k), np.zeros((A.shape[0], k))
    for i in range(k):
        lam, u, _ = power_iteration(B, tol=tol, max_iter=max_iter)
        eigenvalues[i], eigenvectors[:, i] = lam, u
        B -= lam * np.outer(u, u)  # deflate: lam becomes 0, the other eigenpairs are unchanged
    return eigenvalues, eigenvectors
