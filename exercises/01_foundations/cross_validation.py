"""k-fold cross-validation: plain and stratified splitters, and the scoring loop.

Goal
----
Estimate how well a model generalises by training it k times, each time
holding out a different fold of the data for testing. You write four
functions:

* ``fold_sizes``: how many test samples each fold gets;
* ``kfold``: k disjoint test folds of (nearly) equal size, optionally shuffled;
* ``stratified_kfold``: the same, with every class spread evenly over the folds;
* ``cross_val_score``: fit a fresh model on each training part and score it on
  the held-out fold.

Why it matters
--------------
One train/test split gives one noisy number; k folds use every sample for
testing exactly once and show how much the score varies. Cross-validation is
how hyperparameters are chosen (the next exercise) and how small datasets are
evaluated at all. Its classic bugs are silent: a sample in both the training
and the test part of a fold (leakage), one model object reused across folds so
it remembers earlier folds, or folds cut from a file sorted by class so some
fold has no example of a class. Stratification fixes the last one.

The rules (follow them exactly: the grader compares with scikit-learn)
--------------------------------------------------------------------
Fold sizes, for n samples and k folds: the first n % k folds hold n // k + 1
test samples, the others n // k (10 samples in 3 folds: 4, 3, 3).

kfold: cut the indices 0..n-1 into k consecutive blocks of those sizes; fold i
tests on block i and trains on everything else. With ``shuffle=True``, cut
``np.random.default_rng(seed).permutation(n)`` instead of 0..n-1. Without
shuffling this is exactly ``sklearn.model_selection.KFold(k)``.

stratified_kfold (scikit-learn's ``StratifiedKFold`` algorithm):

1. number the classes 0..C-1 in order of FIRST APPEARANCE in y (for
   y = ["b", "a", "b", "c"]: b -> 0, a -> 1, c -> 2), giving codes y_enc;
2. how many samples of each class each fold gets: sort y_enc and deal the sorted
   codes round-robin, the i-th sorted code going to fold i % k; count what each
   fold received (an (k, C) table, so every class is split as evenly as
   possible and the fold sizes follow the rule above);
3. assign the samples of each class, in index order, to folds in blocks: the
   first count[0, c] samples of class c to fold 0, the next count[1, c] to
   fold 1, and so on. With ``shuffle=True``, shuffle each class's list of fold
   numbers with ``rng.permutation`` (rng = np.random.default_rng(seed), the
   classes in code order) before assigning it.

Without shuffling this gives exactly ``StratifiedKFold(k)``'s folds.

Both splitters return a list of k pairs (train_idx, test_idx) of integer
arrays, each sorted ascending, like ``list(KFold(k).split(X))``. They raise
ValueError unless 2 <= k <= n.

cross_val_score: for each (train_idx, test_idx), ``model = model_factory()``
(a NEW, unfitted model for every fold), ``model.fit(X[train_idx],
y[train_idx])``, then ``metric(y[test_idx], model.predict(X[test_idx]))``
(truth first, like every scikit-learn metric). The result is the (k,) array of
fold scores.

API
---
    fold_sizes(n, k)                                    -> (k,) test-fold sizes
    kfold(n, k, *, shuffle=False, seed=0)               -> [(train_idx, test_idx)] * k
    stratified_kfold(y, k, *, shuffle=False, seed=0)    -> [(train_idx, test_idx)] * k
    cross_val_score(model_factory, X, y, folds, metric) -> (k,) scores

Worked example
--------------
    >>> fold_sizes(7, 3)
    array([3, 2, 2])
    >>> [test.tolist() for _, test in kfold(7, 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 0, 0, 1])
    >>> [test.tolist() for _, test in stratified_kfold(y, 3)]
    [[0, 1, 4, 5], [2, 3, 6], [7, 8, 9]]

By hand: classes 0 (6 samples) and 1 (4) in order of appearance; the sorted
codes 0000001111 dealt round-robin give fold 0 the codes at positions 0, 3, 6, 9
= [0, 0, 1, 1], fold 1 positions 1, 4, 7 = [0, 0, 1], fold 2 positions 2, 5, 8 =
[0, 0, 1]. Class 0's samples 0, 1, 2, 3, 7, 8 go in blocks of 2, 2, 2 to folds
0, 1, 2; class 1's samples 4, 5, 6, 9 in blocks of 2, 1, 1.

Why stratify: iris is stored sorted by class, so plain 3-fold CV tests each
fold on a class the model never saw in training.

    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.metrics import accuracy_score
    >>> X, y = load_iris(return_X_y=True)
    >>> make = lambda: LogisticRegression(max_iter=1000)
    >>> cross_val_score(make, X, y, kfold(150, 3), accuracy_score)
    array([0., 0., 0.])
    >>> cross_val_score(make, X, y, stratified_kfold(y, 3), accuracy_score)
    array([0.98, 0.96, 0.98])

Reference
---------
Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 7.10;
Kohavi, "A study of cross-validation and bootstrap for accuracy estimation and
model selection" (IJCAI 1995); scikit-learn's ``KFold``, ``StratifiedKFold`` and
``cross_val_score``.
"""

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
    raise NotImplementedError("fold_sizes: not written yet")


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
    raise NotImplementedError("kfold: not written yet")


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
    raise NotImplementedError("stratified_kfold: not written yet (deal the sorted class codes round-robin)")


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
    raise NotImplementedError("cross_val_score: not written yet (a new model per fold)")
