"""Low-rank approximation with the SVD, and the Eckart-Young theorem.

Goal
----
Compress a matrix by keeping its k largest singular values:

* ``low_rank_approximation``: the best rank-k approximation A_k of A;
* ``eckart_young_errors``: how far A_k is from A, computed from the singular
  values alone, in the Frobenius and the spectral norm;
* ``energy_kept``: the fraction of A's "energy" (sum of squared singular
  values) that the first k components keep, for every k;
* ``rank_for_energy``: the smallest k that keeps a given fraction.

Why it matters
--------------
The SVD writes any matrix as a sum of rank-one pieces ordered by
importance, and cutting the sum short gives the best possible compression:
this is PCA (keep the directions of largest variance), latent semantic
analysis, image compression, the denoising of measured data, and LoRA, which
fine-tunes a large language model by learning only a low-rank update of each
weight matrix. Choosing k from the fraction of energy kept ("keep 95% of the
variance") is the standard rule of thumb.

The maths
---------
The thin SVD of an M x N matrix A, with K = min(M, N):

    A = U diag(s) V^T,  U (M, K), s (K,) with s_1 >= s_2 >= ... >= s_K >= 0, V^T (K, N)

``np.linalg.svd(A, full_matrices=False)`` returns U, s and V^T (the third
output is already transposed: its ROWS are the right singular vectors).
Keeping the first k terms,

    A_k = U[:, :k] diag(s[:k]) V^T[:k, :] = sum_{i<k} s_i u_i v_i^T,

gives a matrix of rank k (if s_k > 0). Eckart-Young(-Mirsky) theorem: no
matrix B of rank <= k is closer to A, in either norm, and the errors are

    ||A - A_k||_F = sqrt(s_k^2 + ... + s_{K-1}^2)     (all the discarded singular values)
    ||A - A_k||_2 = s_k                                (the largest discarded one; 0 if k = K)

with 0-based indices: s_k is the (k+1)-th singular value, the first one NOT
kept. The Frobenius norm is sqrt(sum of squared entries) =
sqrt(sum of squared singular values); the spectral norm ||.||_2 is the
largest singular value.

Energy: energy_kept[j] = (s_0^2 + ... + s_j^2) / (s_0^2 + ... + s_{K-1}^2), the
fraction kept by A_{j+1}. The squares matter: s_i^2 is the variance along
component i (for centred data), not s_i. The last entry should be 1;
computed as np.sum, rounding can leave it at 0.9999999999999998, so divide
by the last cumulative sum instead (or clamp the rank). rank_for_energy(s,
fraction) is the smallest k in 1..K with energy_kept[k-1] >= fraction (>=:
a fraction met exactly counts); so fraction = 1 gives K.

API
---
    low_rank_approximation(A, k)   -> A_k (M, N);       0 <= k <= K, else ValueError
    eckart_young_errors(s, k)      -> (frobenius, spectral) floats
    energy_kept(s)                 -> (K,) cumulative fractions, non-decreasing, last = 1
    rank_for_energy(s, fraction)   -> int k;             0 < fraction <= 1, else ValueError

``s`` is a (K,) array of singular values in decreasing order (as
``np.linalg.svd`` returns them), not all zero.

Worked example
--------------
    >>> A = np.array([[3.0, 1.0], [1.0, 3.0]])     # s = [4, 2], u_1 = v_1 = [1, 1] / sqrt(2)
    >>> low_rank_approximation(A, 1)
    array([[2., 2.],
           [2., 2.]])
    >>> eckart_young_errors(np.array([4.0, 2.0]), 1)  # A - A_1 = [[1, -1], [-1, 1]]
    (2.0, 2.0)
    >>> energy_kept(np.array([4.0, 2.0]))           # 16 / 20, then 20 / 20
    array([0.8, 1. ])
    >>> rank_for_energy(np.array([4.0, 2.0]), 0.8), rank_for_energy(np.array([4.0, 2.0]), 0.81)
    (1, 2)

Reference
---------
Eckart & Young, "The approximation of one matrix by another of lower rank"
(1936); Strang, *Linear Algebra and Learning from Data*, I.8-I.9; Hu et al.,
"LoRA: Low-Rank Adaptation of Large Language Models" (2021).
"""

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
    return (U[:, :k] * s[:k]) @ Vt[:k, :]  # (M, k) scaled column by column, times (k, N) -> (M, N)


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
