"""k-means clustering: k-means++ seeding, Lloyd's iterations, the best of several runs.

Goal
----
Group N points into k clusters so that the *inertia*, the sum of squared
distances from each point to its cluster's centre, is small. You write four
functions:

* ``assign``: the nearest centre of every point, and the squared distance to it;
* ``kmeans_plus_plus``: k initial centres chosen by D^2 sampling;
* ``lloyd``: alternate assigning and re-centring until nothing changes;
* ``kmeans``: run k-means++ and Lloyd ``n_init`` times, keep the best run.

Why it matters
--------------
k-means is the first unsupervised algorithm most people meet, and its parts
come back everywhere: vector quantisation (the codebooks of VQ-VAEs and of
product quantisation in vector databases), clustering embeddings, choosing
anchor points. Lloyd's algorithm never increases the inertia, but it only finds
a *local* minimum that depends on the starting centres. Random starts are often
bad (two centres in one blob, none in another); k-means++ spreads them out and
is provably O(log k)-competitive with the optimum in expectation. Restarting a
few times and keeping the lowest inertia fixes most of the rest.

The maths
---------
Inertia of centres C = (c_1, ..., c_k) and labels l (l_n is point n's cluster):

    inertia = sum_n ||x_n - c_{l_n}||^2

assign: l_n = argmin_j ||x_n - c_j||^2, ties going to the lowest j (what
``np.argmin`` does), and d2_n = that minimal squared distance.

k-means++ (Arthur & Vassilvitskii, 2007), with a ``np.random.Generator`` rng:

    1. the first centre is a data point chosen uniformly at random;
    2. each next centre is a data point chosen with probability
       D(x)^2 / sum_x' D(x')^2, where D(x) is the distance from x to the
       NEAREST centre chosen so far (so chosen points, and copies of them, have
       probability 0);
    3. repeat until there are k centres.

(``rng.integers(N)`` and ``rng.choice(N, p=...)`` do the drawing. Assume X has
at least k distinct points.)

Lloyd's algorithm, from the given centres:

    labels, d2 = assign(X, centres)
    repeat at most max_iter times:
        every centre <- the mean of the points assigned to it
        labels_new, d2 = assign(X, centres)
        stop if labels_new == labels (nothing moved), else labels = labels_new

Empty clusters (follow this rule exactly: the grader checks it). If a cluster
has no points when the centres are updated, its centre jumps to a data point
that is badly served now: the empty clusters, in increasing index order, take
the points with the largest d2 (from the latest assign), largest first, one
point each; ties in d2 go to the lowest point index (``np.argsort(-d2,
kind="stable")`` gives this order). The next assign then gives that point to
the cluster, so no centre is ever nan.

kmeans: ``rng = np.random.default_rng(seed)``; then n_init times, in sequence
with that same rng, ``lloyd(X, kmeans_plus_plus(X, k, rng), max_iter)``.
Return the run with the lowest inertia (the earliest on ties).

API
---
    assign(X, centres)                       -> (labels (N,) int, d2 (N,) float)
    kmeans_plus_plus(X, k, rng)              -> (k, D) initial centres, rows of X
    lloyd(X, centres, max_iter=300)          -> (centres (k, D), labels (N,), inertia float)
    kmeans(X, k, *, n_init=10, max_iter=300, seed=0) -> (centres, labels, inertia)

Worked example
--------------
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    >>> assign(X, np.array([[1.0], [10.5]]))
    (array([0, 0, 0, 1, 1]), array([1.  , 0.  , 1.  , 0.25, 0.25]))
    >>> lloyd(X, np.array([[0.5], [100.0], [10.5]]))
    (array([[ 0.5], [ 2. ], [10.5]]), array([0, 0, 1, 2, 2]), 1.0)

By hand: from centres 0.5, 100, 10.5 the labels are [0, 0, 0, 2, 2] with d2 =
[0.25, 0.25, 2.25, 0.25, 0.25]; cluster 1 is empty. Cluster 0 moves to
mean(0, 1, 2) = 1, cluster 2 to 10.5, and cluster 1 takes the point with the
largest d2, x = 2. Now 2 is nearest to centre 1 (distance 0), so the labels
become [0, 0, 1, 2, 2]; the centres move to 0.5, 2, 10.5, the labels stay, and
the inertia is 0.25 + 0.25 + 0 + 0.25 + 0.25 = 1.

Reference
---------
Lloyd, "Least squares quantization in PCM" (1957/1982); Arthur & Vassilvitskii,
"k-means++: the advantages of careful seeding" (SODA 2007); Bishop, *Pattern
Recognition and Machine Learning*, 9.1; scikit-learn's ``KMeans``.
"""

from __future__ import annotations

import numpy as np


def assign(X: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest centre of each point and the squared distance to it.

    Args:
        X: (N, D) points.
        centres: (k, D) centres.

    Returns:
        (labels, d2): (N,) integer index of the nearest centre (lowest index on
        ties) and (N,) the squared distance to it.
    """
    raise NotImplementedError("assign: not written yet")


def kmeans_plus_plus(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k initial centres by D^2 sampling (k-means++).

    Args:
        X: (N, D) points, with at least k distinct rows.
        k: the number of centres.
        rng: the random generator to draw from.

    Returns:
        (k, D) centres, each a row of X.
    """
    raise NotImplementedError("kmeans_plus_plus: not written yet (D^2 sampling)")


def lloyd(X: np.ndarray, centres: np.ndarray, max_iter: int = 300) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd's iterations from the given centres, until the assignments stop changing.

    Args:
        X: (N, D) points.
        centres: (k, D) starting centres (not modified).
        max_iter: the most centre updates to make.

    Returns:
        (centres, labels, inertia): (k, D) final centres, (N,) the nearest
        centre of each point, and the inertia sum_n ||x_n - c_{l_n}||^2.
    """
    raise NotImplementedError("lloyd: not written yet (mind empty clusters)")


def kmeans(
    X: np.ndarray, k: int, *, n_init: int = 10, max_iter: int = 300, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """The best of n_init runs of k-means++ followed by Lloyd.

    Args:
        X: (N, D) points.
        k: the number of clusters.
        n_init: the number of runs; all draw from one np.random.default_rng(seed).
        max_iter: passed to lloyd.
        seed: seed for the generator.

    Returns:
        (centres, labels, inertia) of the run with the lowest inertia (the
        earliest on ties).
    """
    raise NotImplementedError("kmeans: not written yet (best of n_init runs)")
