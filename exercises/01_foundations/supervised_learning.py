"""Supervised learning: classification vs regression, nearest centroids, k nearest neighbours.

Goal
----
Write the two smallest supervised learners there are, with the fit/predict
API that scikit-learn (and this course) uses everywhere:

* ``task_type``: tell from the targets y whether the problem is
  classification or regression;
* ``pairwise_distances``: every Euclidean distance between two sets of points;
* ``NearestCentroid``: a classifier that predicts the class whose mean
  (centroid) is closest;
* ``KNNRegressor``: a regressor that predicts the mean target of the k
  closest training points.

Why it matters
--------------
*Supervised* learning fits a function from examples (x_i, y_i) with known
answers y_i; *unsupervised* learning (clustering, PCA, density estimation)
sees only the x_i and looks for structure. Supervised problems come in two
kinds, told apart by the targets: *classification* when y is one of a few
categories (spam or ham, digit 0-9), *regression* when y is a real number
(a price, a temperature). The kind decides the model's output, the loss and
the metric, so it is the first thing to get right.

Every supervised model splits into ``fit`` (learn parameters from training
data) and ``predict`` (apply them to new inputs). The two models here learn
almost nothing, which makes them the baselines everything else must beat, and
they show the two ends of the bias-variance trade-off: 1-NN reproduces the
training targets exactly (zero training error, high variance), k = N predicts
the same mean everywhere (high bias).

The maths
---------
task_type(y): the rule (the same as scikit-learn's ``type_of_target``)

* bool, integer or string/object dtype  -> "classification";
* floating dtype: "regression" if any value has a fractional part
  (y != floor(y)), else "classification": float labels such as 0.0/1.0
  read from a CSV file are still class labels.

Distances: dist(a, b) = sqrt(sum_d (a_d - b_d)^2). Compute the differences
with broadcasting, (M, 1, D) - (1, N, D) -> (M, N, D). The shortcut
||a||^2 - 2 a.b + ||b||^2 subtracts large, nearly equal numbers: far from the
origin (coordinates near 1e6) it loses most digits and can even go negative,
making sqrt return nan. Do not use it here.

Nearest centroid: ``classes_`` = the sorted distinct labels c_1 < ... < c_K;
centroid mu_k = the mean of the training rows whose label is c_k. Predict
for x the label c_k of the closest centroid; when two centroids are equally
close, the one that comes first in ``classes_`` wins (``np.argmin`` does
this).

k nearest neighbours: for a query x, sort the training points by distance
to x and average the targets of the first k. Ties in distance are broken by
training index (lower first), i.e. by a *stable* sort:
``np.argsort(dist, kind="stable")``. The default sort (quicksort) and
``np.argpartition`` order equal distances arbitrarily, so the prediction
depends on the sorting algorithm. Exactly k neighbours are used, even when
more points sit at the k-th distance.

API
---
    task_type(y)                          -> "classification" | "regression"
    pairwise_distances(A, B)              -> (M, N) distances
    NearestCentroid().fit(X, y)           -> the model (self), with classes_ (K,), centroids_ (K, D)
    NearestCentroid.predict(X)            -> (M,) labels taken from classes_
    KNNRegressor(k).fit(X, y)             -> the model (self)
    KNNRegressor.predict(X)               -> (M,) float predictions

X is (N, D) for training, (M, D) for predicting. Labels may be ints (not
necessarily 0..K-1) or strings. ``fit`` returns ``self`` so that calls chain:
``NearestCentroid().fit(X, y).predict(X_new)``.

Worked example
--------------
    >>> X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [12.0, 10.0]])
    >>> y = np.array(["cat", "cat", "dog", "dog"])
    >>> model = NearestCentroid().fit(X, y)
    >>> model.centroids_                    # rows follow classes_ = ['cat', 'dog']
    array([[ 1.,  0.],
           [11., 10.]])
    >>> model.predict(np.array([[3.0, 1.0], [9.0, 9.0]]))
    array(['cat', 'dog'], dtype='<U3')
    >>> KNNRegressor(k=2).fit(np.array([[0.0], [1.0], [3.0]]), np.array([1.0, 2.0, 10.0])).predict(np.array([[0.9]]))
    array([1.5])                            # neighbours x = 1 (0.1 away) and x = 0 (0.9 away)
    >>> task_type(np.array([0.0, 1.0, 1.0])), task_type(np.array([0.5, 1.2]))
    ('classification', 'regression')

Reference
---------
Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*,
2.3 (least squares vs nearest neighbours) and 13.3 (k-nearest neighbours);
scikit-learn user guide, "Nearest Neighbors" (``NearestCentroid``,
``KNeighborsRegressor``).
"""


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
    raise NotImplementedError("task_type: look at y's dtype, and for floats at whether any value has a fractional part")


def pairwise_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Euclidean distance between every row of A and every row of B.

    Args:
        A: (M, D) points.
        B: (N, D) points.

    Returns:
        (M, N) array, entry [i, j] = ||A[i] - B[j]||.
    """
    raise NotImplementedError("pairwise_distances: broadcast (M, 1, D) - (1, N, D), square, sum over D, sqrt")


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
        raise NotImplementedError("NearestCentroid.fit: one mean per class, rows in sorted-label order")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Label of the nearest centroid for each row of X; ties go to the earlier class.

        Args:
            X: (M, D) features.

        Returns:
            (M,) labels, values taken from ``classes_``.
        """
        raise NotImplementedError("NearestCentroid.predict: distance to every centroid, then the label of the closest")


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
        raise NotImplementedError("KNNRegressor.fit: check k, store X and y, return self")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean target of the k nearest training points, ties broken by training index.

        Args:
            X: (M, D) features.

        Returns:
            (M,) float predictions.
        """
        raise NotImplementedError("KNNRegressor.predict: distances, a stable sort, the mean of the first k targets")
