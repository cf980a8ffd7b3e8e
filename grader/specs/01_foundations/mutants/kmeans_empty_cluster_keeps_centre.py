"""Mutant: lloyd leaves an empty cluster's centre where it was instead of moving it to the worst-served point."""

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
    diff = X[:, None, :] - centres[None, :, :]  # (N, k, D)
    sq_dist = np.sum(diff * diff, axis=2)  # (N, k) squared distance to every centre
    labels = np.argmin(sq_dist, axis=1)  # (N,) the first minimum wins ties
    return labels, sq_dist[np.arange(len(X)), labels]


def kmeans_plus_plus(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k initial centres by D^2 sampling (k-means++).

    Args:
        X: (N, D) points, with at least k distinct rows.
        k: the number of centres.
        rng: the random generator to draw from.

    Returns:
        (k, D) centres, each a row of X.
    """
    N = len(X)
    chosen = [rng.integers(N)]  # the first centre: uniform over the points
    d2 = np.sum((X - X[chosen[0]]) ** 2, axis=1)  # (N,) squared distance to the nearest chosen centre
    for _ in range(1, k):
        i = rng.choice(N, p=d2 / d2.sum())  # far points are likely, chosen ones impossible (d2 = 0)
        chosen.append(i)
        d2 = np.minimum(d2, np.sum((X - X[i]) ** 2, axis=1))  # (N,) nearest of ALL chosen centres
    return X[chosen].copy()  # (k, D)


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
    centres = np.array(centres, dtype=float)  # (k, D) a copy: the caller's array stays as it was
    k = len(centres)
    labels, d2 = assign(X, centres)
    for _ in range(max_iter):
        counts = np.bincount(labels, minlength=k)  # (k,) points per cluster
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, X)  # (k, D) sum of each cluster's points
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]  # the mean minimises the squared distances
        # Empty clusters take the worst-served points, largest d2 first, one each.
        new_labels, d2 = assign(X, centres)
        converged = np.array_equal(new_labels, labels)
        labels = new_labels
        if converged:
            break
    return centres, labels, float(d2.sum())


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
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_init):
        run = lloyd(X, kmeans_plus_plus(X, k, rng), max_iter)
        if best is None or run[2] < best[2]:  # strict: the earliest run wins ties
            best = run
    return best
