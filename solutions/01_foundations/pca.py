"""Principal component analysis by the singular value decomposition.

Goal
----
Find the directions along which a dataset varies most, and use them to
compress it. You write three functions:

* ``fit``: the mean, the principal components, and how much variance each one
  explains (absolute and as a fraction of the total);
* ``transform``: coordinates of points along the components;
* ``inverse_transform``: points back from those coordinates.

Why it matters
--------------
PCA is the workhorse of linear dimensionality reduction: plotting
high-dimensional data in 2-D, denoising, compressing features before a model,
whitening inputs. The same SVD is behind low-rank approximations everywhere in
this course, from LoRA adapters to compressing weight matrices. Doing it by the
SVD of the centred data, rather than by the eigenvectors of X^T X, is both the
standard and the numerically sound way: forming X^T X squares the condition
number, and forgetting to centre first turns the "first component" into the
direction of the mean.

The maths
---------
For X (N, D) with N >= 2, let mu = the mean of the rows and Xc = X - mu (the
centred data). Its thin SVD is

    Xc = U S V^T,   U (N, r), S (r,) descending, V^T (r, D),  r = min(N, D)

* the principal components are the rows of V^T: unit vectors, orthogonal to
  each other, in order of decreasing variance;
* the variance of the data along component j is
  explained_variance_j = S_j^2 / (N - 1)  (the unbiased N - 1, as in
  ``np.var(..., ddof=1)`` and scikit-learn);
* these variances add up to the total variance sum_d var(X[:, d]), so
  explained_variance_ratio_j = explained_variance_j / (sum of ALL r of them),
  even when only the first k components are kept.

Keeping the first k components (``n_components=k``; None keeps all r):

    transform:          Z = (X - mu) V_k          (N, k)   with V_k = components.T
    inverse_transform:  X_hat = Z V_k^T + mu      (N, D)

With all r components X_hat = X exactly (up to rounding). With fewer, the
squared reconstruction error of the data PCA was fitted on is the variance
left out: sum_n ||x_n - x_hat_n||^2 = (N - 1) sum_{j > k} explained_variance_j.

Each component's sign is arbitrary (v and -v span the same line);
``np.linalg.svd``'s is fine, and the grader compares up to sign. Raise
ValueError unless 1 <= n_components <= min(N, D).

API
---
    fit(X, n_components=None)
        -> (mean (D,), components (k, D), explained_variance (k,), explained_variance_ratio (k,))
    transform(X, mean, components)          -> (N, k)
    inverse_transform(Z, mean, components)  -> (N, D)

Worked example
--------------
The corners of a 2 x 1 rectangle:

    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    >>> mean, components, var, ratio = fit(X)
    >>> mean, var, ratio
    (array([1. , 0.5]), array([1.33333333, 0.33333333]), array([0.8, 0.2]))
    >>> np.abs(components)                       # the axes, each up to sign
    array([[1., 0.],
           [0., 1.]])
    >>> mean, components, var, ratio = fit(X, n_components=1)
    >>> inverse_transform(transform(X, mean, components), mean, components)
    array([[0. , 0.5],
           [2. , 0.5],
           [0. , 0.5],
           [2. , 0.5]])

By hand: the centred points are (+-1, +-0.5); the x-axis carries
(1 + 1 + 1 + 1) / 3 = 4/3 of variance and the y-axis 4 * 0.25 / 3 = 1/3, so the
ratios are 0.8 and 0.2. Keeping one component flattens every point onto
y = 0.5; the squared error, 4 * 0.25 = 1, is (N - 1) * 1/3.

Reference
---------
Bishop, *Pattern Recognition and Machine Learning*, 12.1; Shlens, "A Tutorial on
Principal Component Analysis" (2014), section VI (PCA by SVD); scikit-learn's
``sklearn.decomposition.PCA``.
"""

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
    Xc = X - mean  # (N, D) centred: otherwise the first direction just points at the mean
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
