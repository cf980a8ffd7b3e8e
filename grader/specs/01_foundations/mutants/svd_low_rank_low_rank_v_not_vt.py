"""Mutant: low_rank_approximation reads np.linalg.svd's third output as V instead of V^T."""

from __future__ import annotations

import numpy as np


def low_rank_approximation(A: np.ndarray, k: int) -> np.ndarray:
    """The best rank-k approximation of A, from its truncated SVD.

    Args:
        A: (M, N) matrix.
        k: how many singular values to keep, 0 <= k <= min(M, N).

    Returns:
        (M, N) matrix A_k = U[:, :k] diag(s[:k]) V^T[:k, :].

    Raises:
        ValueError: if k is outside 0..min(M, N).
    """
    if not 0 <= k <= min(A.shape):
        raise ValueError(f"k must be between 0 and {min(A.shape)}, got {k}")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)  # (M, K), (K,), (K, N): Vt's ROWS are the v_i
    V = Vt  # treats the third output of svd as V, not V^T
    return (U[:, :k] * s[:k]) @ V[:, :k].T  # wrong vectors (and wrong shape when A is wide)



def eckart_young_errors(s: np.ndarray, k: int) -> tuple[float, float]:
    """||A - A_k|| in the Frobenius and spectral norms, from the singular values of A.

    Args:
        s: (K,) singular values of A, in decreasing order.
        k: the rank kept, 0 <= k <= K.

    Returns:
        (frobenius, spectral): sqrt(sum of the discarded s_i^2), and the largest
        discarded singular value s[k] (0.0 when k = K), as Python floats.
    """
    discarded = s[k:]  # (K - k,): 0-based, s[k] is the first value NOT kept
    frobenius = np.sqrt(np.sum(discarded**2))
    spectral = discarded[0] if discarded.size else 0.0
    return float(frobenius), float(spectral)


def energy_kept(s: np.ndarray) -> np.ndarray:
    """Fraction of the total squared singular values kept by the first j+1 components, for every j.

    Args:
        s: (K,) singular values in decreasing order, not all zero.

    Returns:
        (K,) non-decreasing fractions in (0, 1], the last 1.
    """
    cumulative = np.cumsum(s**2)  # (K,) energy is the SQUARED singular values (variances)
    return cumulative / cumulative[-1]  # dividing by the last entry makes it exactly 1


def rank_for_energy(s: np.ndarray, fraction: float) -> int:
    """The smallest k whose rank-k approximation keeps at least ``fraction`` of the energy.

    Args:
        s: (K,) singular values in decreasing order, not all zero.
        fraction: the energy to keep, 0 < fraction <= 1.

    Returns:
        k in 1..K, a Python int.

    Raises:
        ValueError: if fraction is not in (0, 1].
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    energy = energy_kept(s)  # (K,)
    # First position with energy >= fraction (side="left" keeps ties); position j means k = j + 1 components.
    j = int(np.searchsorted(energy, fraction, side="left"))
    return min(j + 1, len(s))  # the clamp guards against rounding when fraction = 1
