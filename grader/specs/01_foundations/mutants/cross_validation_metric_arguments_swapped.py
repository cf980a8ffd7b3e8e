"""Mutant: cross_val_score calls metric(y_pred, y_true) instead of metric(y_true, y_pred)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def fold_sizes(n: int, k: int) -> np.ndarray:
    """The number of test samples in each of k folds of n samples.

    Args:
        n: the number of samples.
        k: the number of folds.

    Returns:
        (k,) integer sizes summing to n: the first n % k folds hold n // k + 1,
        the others n // k.

    Raises:
        ValueError: unless 2 <= k <= n.
    """
    if not 2 <= k <= n:
        raise ValueError(f"need 2 <= k <= n, got k={k} for n={n} samples")
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return sizes


def _to_pairs(test_fold: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """From each sample's test-fold number, the (train_idx, test_idx) pairs, both sorted."""
    return [(np.flatnonzero(test_fold != i), np.flatnonzero(test_fold == i)) for i in range(k)]


def kfold(n: int, k: int, *, shuffle: bool = False, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds of consecutive (or, with shuffle, randomly permuted) indices.

    Args:
        n: the number of samples.
        k: the number of folds, 2 <= k <= n.
        shuffle: permute the indices with np.random.default_rng(seed) before cutting.
        seed: the generator's seed (used only when shuffle is True).

    Returns:
        A list of k pairs (train_idx, test_idx), integer arrays sorted ascending;
        the test folds are disjoint and cover 0..n-1.

    Raises:
        ValueError: unless 2 <= k <= n.
    """
    sizes = fold_sizes(n, k)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)  # (n,)
    test_fold = np.empty(n, dtype=int)
    test_fold[order] = np.repeat(np.arange(k), sizes)  # (n,) block i of `order` is test fold i
    return _to_pairs(test_fold, k)


def stratified_kfold(
    y: np.ndarray, k: int, *, shuffle: bool = False, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds in which every class is spread as evenly as possible (scikit-learn's StratifiedKFold).

    Args:
        y: (n,) class labels of any comparable dtype.
        k: the number of folds, 2 <= k <= n.
        shuffle: shuffle each class's fold numbers with np.random.default_rng(seed).
        seed: the generator's seed (used only when shuffle is True).

    Returns:
        A list of k pairs (train_idx, test_idx), integer arrays sorted ascending.

    Raises:
        ValueError: unless 2 <= k <= n.
    """
    y = np.asarray(y)
    fold_sizes(len(y), k)  # validates k
    # Class codes by first appearance: np.unique sorts, so re-rank classes by where they first occur.
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    y_enc = np.argsort(np.argsort(first))[inverse]  # (n,) 0 = the class seen first
    n_classes = len(first)
    # Deal the sorted codes round-robin: fold i receives sorted positions i, i + k, i + 2k, ...
    y_sorted = np.sort(y_enc)
    counts = np.array([np.bincount(y_sorted[i::k], minlength=n_classes) for i in range(k)])  # (k, C)
    rng = np.random.default_rng(seed)
    test_fold = np.empty(len(y), dtype=int)
    for c in range(n_classes):
        folds_for_class = np.repeat(np.arange(k), counts[:, c])  # fold numbers in blocks, in index order
        if shuffle:
            folds_for_class = rng.permutation(folds_for_class)
        test_fold[y_enc == c] = folds_for_class
    return _to_pairs(test_fold, k)


def cross_val_score(
    model_factory: Callable[[], Any],
    X: np.ndarray,
    y: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    metric: Callable[[np.ndarray, np.ndarray], float],
) -> np.ndarray:
    """Score a fresh model on each fold.

    Args:
        model_factory: called with no arguments, returns a new unfitted model
            with ``fit(X, y)`` and ``predict(X)`` (e.g. a scikit-learn class).
        X: (n, d) features.
        y: (n,) targets.
        folds: (train_idx, test_idx) pairs, e.g. from kfold.
        metric: ``metric(y_true, y_pred) -> float``.

    Returns:
        (len(folds),) the test score of each fold, in fold order.
    """
    scores = []
    for train_idx, test_idx in folds:
        model = model_factory()  # a new model per fold: nothing carries over from earlier folds
        model.fit(X[train_idx], y[train_idx])  # only the training part is ever seen in fit
        scores.append(metric(model.predict(X[test_idx]), y[test_idx]))
    return np.array(scores, dtype=float)
