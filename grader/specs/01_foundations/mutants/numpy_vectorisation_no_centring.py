"""Mutant: uses the ||a||^2 + ||b||^2 - 2ab expansion without first subtracting a common point (cancellation far from the origin)."""

from __future__ import annotations

import numpy as np


def pairwise_distances_loop(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The slow reference: one Python iteration per pair of rows.

    Args:
        A: (N, D) points.
        B: (M, D) points.

    Returns:
        (N, M) array with out[i, j] = ||A[i] - B[j]||.
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    out = np.empty((len(A), len(B)))
    for i in range(len(A)):
        for j in range(len(B)):
            out[i, j] = np.sqrt(np.sum((A[i] - B[j]) ** 2))
    return out


def pairwise_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """All Euclidean distances between the rows of A and the rows of B, without Python loops.

    Args:
        A: (N, D) points (any real dtype; N, D >= 1).
        B: (M, D) points (M >= 1).

    Returns:
        (N, M) float64 array with out[i, j] = ||A[i] - B[j]||: never negative,
        never nan, 0 (up to rounding) where A[i] == B[j]. A and B are not modified.
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    # Translating both sets changes no distance, but keeps the squared norms small,
    # so the subtraction below does not cancel away the significant digits.
    centre = A.mean(axis=0)  # (D,)
    sq_A = np.einsum("ij,ij->i", A, A)  # (N,) squared norms
    sq_B = np.einsum("ij,ij->i", B, B)  # (M,)
    sq = sq_A[:, None] + sq_B[None, :] - 2.0 * (A @ B.T)  # (N, 1) + (1, M) - (N, M) -> (N, M)
    # Rounding can leave -1e-15 where the true value is 0; sqrt of that is nan.
    return np.sqrt(np.maximum(sq, 0.0))


def standardise(X: np.ndarray) -> np.ndarray:
    """Z-scores per column: subtract each column's mean, divide by its standard deviation (ddof=0).

    Args:
        X: (N, D) data (any real dtype; N >= 1).

    Returns:
        (N, D) float64 array whose columns have mean 0 and standard deviation 1;
        a constant column becomes all zeros. X is not modified.
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)  # (D,) one mean per column, i.e. over the rows (axis 0)
    std = X.std(axis=0)  # (D,) population std, ddof=0
    # A constant column's std can be 1e-17 instead of 0 (its mean is rounded), and
    # 1e-17 / 1e-17 = 1; so test constancy exactly and divide those columns by 1.
    constant = X.max(axis=0) == X.min(axis=0)  # (D,)
    std = np.where(constant, 1.0, std)
    return (X - mean) / std  # (N, D) - (D,) broadcasts the row vector over every row
