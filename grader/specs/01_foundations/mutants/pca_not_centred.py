"""Mutant: fit takes the SVD of X itself, without subtracting the mean first."""

from __future__ import annotations

import numpy as np


def fit(
    X: np.ndarray, n_components: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Principal components of X by the SVD of the centred data.

    Args:
        X: (N, D) data, N >= 2.
        n_components: how many components k to keep, 1 <= k <= min(N, D);
            None keeps all min(N, D).

    Returns:
        (mean, components, explained_variance, explained_variance_ratio):
        (D,) the mean of the rows; (k, D) unit-length components as rows, by
        decreasing variance; (k,) the variance along each; (k,) each one's
        fraction of the total variance.

    Raises:
        ValueError: if n_components is outside 1..min(N, D).
    """
    N, D = X.shape
    r = min(N, D)
    k = r if n_components is None else n_components
    if not 1 <= k <= r:
        raise ValueError(f"n_components must be between 1 and min(N, D) = {r}, got {n_components}")
    mean = X.mean(axis=0)  # (D,)
    Xc = X
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)  # S (r,) descending, Vt (r, D) orthonormal rows
    explained_variance = S**2 / (N - 1)  # (r,) variance along each direction, unbiased
    ratio = explained_variance / explained_variance.sum()  # (r,) over ALL directions, before truncating
    return mean, Vt[:k], explained_variance[:k], ratio[:k]


def transform(X: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Coordinates along the components: (X - mean) @ components.T, shape (N, k)."""
    return (X - mean) @ components.T  # (N, D) @ (D, k) -> (N, k)


def inverse_transform(Z: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Points back from their coordinates: Z @ components + mean, shape (N, D)."""
    return Z @ components + mean  # (N, k) @ (k, D) -> (N, D)
