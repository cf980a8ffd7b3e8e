"""Mutant: KNNRegressor.predict picks the k nearest with np.argpartition, which breaks distance ties arbitrarily."""

from __future__ import annotations

import numpy as np


def task_type(y: np.ndarray) -> str:
    """Classification or regression, judged from the targets alone.

    Args:
        y: (N,) targets, N >= 1, of any dtype.

    Returns:
        "regression" for floating targets with at least one fractional value,
        "classification" otherwise (bools, ints, strings, integer-valued floats).
    """
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.floating):
        # Floats that are all whole numbers (0.0, 1.0, 2.0) are labels read from a file.
        return "regression" if np.any(y != np.floor(y)) else "classification"
    return "classification"


def pairwise_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Euclidean distance between every row of A and every row of B.

    Args:
        A: (M, D) points.
        B: (N, D) points.

    Returns:
        (M, N) array, entry [i, j] = ||A[i] - B[j]||.
    """
    diff = A[:, None, :] - B[None, :, :]  # (M, N, D): differences first, so no cancellation
    return np.sqrt(np.sum(diff**2, axis=-1))  # (M, N)


class NearestCentroid:
    """Classify each point by the label of the closest class mean."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> NearestCentroid:
        """Store the sorted classes and their centroids.

        Args:
            X: (N, D) training features.
            y: (N,) labels (ints or strings).

        Returns:
            self, with ``classes_`` (K,) the sorted distinct labels and
            ``centroids_`` (K, D), row k the mean of the rows of X labelled classes_[k].
        """
        self.classes_, y_idx = np.unique(y, return_inverse=True)  # (K,), (N,) positions in classes_
        self.centroids_ = np.stack([X[y_idx == k].mean(axis=0) for k in range(len(self.classes_))])  # (K, D)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Label of the nearest centroid for each row of X; ties go to the earlier class.

        Args:
            X: (M, D) features.

        Returns:
            (M,) labels, values taken from ``classes_``.
        """
        dist = pairwise_distances(X, self.centroids_)  # (M, K)
        # argmin gives a position in classes_ (first one on ties); map it back to the label.
        return self.classes_[np.argmin(dist, axis=1)]


class KNNRegressor:
    """Predict the mean target of the k nearest training points."""

    def __init__(self, k: int = 5) -> None:
        self.k = k

    def fit(self, X: np.ndarray, y: np.ndarray) -> KNNRegressor:
        """Memorise the training set.

        Args:
            X: (N, D) training features.
            y: (N,) float targets.

        Returns:
            self.

        Raises:
            ValueError: if k < 1 or k > N.
        """
        if not 1 <= self.k <= len(X):
            raise ValueError(f"k must be between 1 and the number of training samples {len(X)}, got {self.k}")
        self.X_, self.y_ = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean target of the k nearest training points, ties broken by training index.

        Args:
            X: (M, D) features.

        Returns:
            (M,) float predictions.
        """
        dist = pairwise_distances(X, self.X_)  # (M, N)
        # A stable sort keeps equidistant points in training order, so ties are reproducible.
        nearest = np.argpartition(dist, self.k - 1, axis=1)[:, : self.k]  # (M, k) training indices

        return self.y_[nearest].mean(axis=1)  # (M,)
