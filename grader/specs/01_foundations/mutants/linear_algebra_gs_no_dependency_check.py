"""Mutant: gram_schmidt never checks for dependent columns and divides by a norm that is (nearly) zero."""

from __future__ import annotations

import numpy as np


def project_onto_vector(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Orthogonal projection of v onto the line spanned by u.

    Args:
        v: (N,) the vector to project.
        u: (N,) a nonzero direction; its length does not matter.

    Returns:
        (N,) the multiple of u closest to v.

    Raises:
        ValueError: if u is the zero vector.
    """
    uu = u @ u
    if uu == 0:
        raise ValueError("cannot project onto the zero vector")
    return (v @ u / uu) * u  # dividing by u.u makes the result independent of u's length


def project_onto_subspace(v: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Orthogonal projection of v onto the column space of A.

    Args:
        v: (N,) a vector, or (N, M) a matrix whose columns are projected.
        A: (N, K) any matrix; its columns may be dependent.

    Returns:
        The projection, same shape as v.
    """
    # lstsq works on A itself: no (A^T A)^-1, which fails when columns are dependent.
    x, *_ = np.linalg.lstsq(A, v, rcond=None)  # (K,) or (K, M)
    return A @ x  # (N,) or (N, M)


def gram_schmidt(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """QR factorisation by modified Gram-Schmidt.

    Args:
        A: (N, K) with N >= K and linearly independent columns.

    Returns:
        (Q, R): Q (N, K) with orthonormal columns, R (K, K) upper triangular
        with positive diagonal, A = Q R.

    Raises:
        ValueError: if a column is numerically dependent on the previous ones
        (what is left of it has norm <= 1e-10 times its original norm).
    """
    N, K = A.shape
    Q = np.zeros((N, K))
    R = np.zeros((K, K))
    for k in range(K):
        v = A[:, k].astype(float)  # (N,) a copy, reduced in place below
        for j in range(k):
            # Modified GS: the coefficient comes from the partly reduced v, not from the original a_k.
            R[j, k] = Q[:, j] @ v
            v -= R[j, k] * Q[:, j]
        R[k, k] = np.linalg.norm(v)

        Q[:, k] = v / R[k, k]
    return Q, R
