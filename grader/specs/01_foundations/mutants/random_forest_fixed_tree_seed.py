"""Mutant: fit_forest gives every tree random_state=0, so all trees draw the same feature subsets at each split."""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

import numpy as np
from sklearn.tree import DecisionTreeClassifier


class Forest(NamedTuple):
    """A fitted random forest."""

    trees: list  # T fitted DecisionTreeClassifier (or anything with classes_ and predict_proba)
    in_bag: np.ndarray  # (T, N) bool: in_bag[t, i] is True if tree t was trained on row i
    classes: np.ndarray  # (C,) the sorted labels of the training data


def bootstrap_sample(n: int, rng: np.random.Generator) -> np.ndarray:
    """n indices drawn uniformly from 0..n-1 with replacement: an (n,) integer array."""
    return rng.integers(0, n, size=n)  # repeats are the point: ~36.8% of rows are left out


def fit_forest(
    X: np.ndarray,
    y: np.ndarray,
    n_trees: int,
    rng: np.random.Generator,
    max_features: Union[str, int, float, None] = "sqrt",
    max_depth: Optional[int] = None,
) -> Forest:
    """Fit n_trees trees, each on its own bootstrap sample with its own random_state.

    Args:
        X: (N, D) features.
        y: (N,) labels.
        n_trees: T.
        rng: the only source of randomness: bootstrap indices and each tree's random_state.
        max_features: features considered at each split ("sqrt", an int, a fraction, or None for all).
        max_depth: passed to every tree.

    Returns:
        Forest(trees, in_bag (T, N) bool, classes (C,)).
    """
    n = len(y)
    trees, in_bag = [], np.zeros((n_trees, n), dtype=bool)
    for t in range(n_trees):
        idx = bootstrap_sample(n, rng)  # (n,)
        tree = DecisionTreeClassifier(max_features=max_features, max_depth=max_depth,
                                      random_state=0)  # different feature draws per tree
        trees.append(tree.fit(X[idx], y[idx]))
        in_bag[t, idx] = True
    return Forest(trees, in_bag, np.unique(y))


def tree_proba(forest: Forest, tree, X: np.ndarray) -> np.ndarray:
    """One tree's probabilities as an (M, C) array over ALL the forest's classes.

    Args:
        forest: the forest the tree belongs to (for forest.classes).
        tree: a fitted tree; tree.predict_proba(X) has one column per tree.classes_.
        X: (M, D) rows.

    Returns:
        (M, C): the tree's probabilities in the columns of forest.classes, 0 for classes the tree never saw.
    """
    proba = np.zeros((len(X), len(forest.classes)))
    cols = np.searchsorted(forest.classes, tree.classes_)  # where this tree's classes sit in the forest's
    proba[:, cols] = tree.predict_proba(X)
    return proba


def predict_proba(forest: Forest, X: np.ndarray) -> np.ndarray:
    """The mean of the trees' class probabilities: (M, C)."""
    return np.mean([tree_proba(forest, tree, X) for tree in forest.trees], axis=0)  # (M, C)


def predict(forest: Forest, X: np.ndarray) -> np.ndarray:
    """The class with the largest mean probability: (M,) labels."""
    return forest.classes[np.argmax(predict_proba(forest, X), axis=1)]


def oob_predict_proba(forest: Forest, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For each training row, the mean probabilities of the trees that did NOT see it: (N, C); nan rows if none."""
    total = np.zeros((len(X), len(forest.classes)))  # (N, C) summed OOB probabilities
    n_oob = np.zeros(len(X))  # (N,) how many trees left each row out
    for tree, seen in zip(forest.trees, forest.in_bag):
        oob = ~seen  # (N,) only these rows may be scored by this tree
        if oob.any():
            total[oob] += tree_proba(forest, tree, X[oob])
            n_oob[oob] += 1
    with np.errstate(invalid="ignore"):  # 0 / 0 -> nan for rows that every tree saw
        return total / n_oob[:, None]


def oob_score(forest: Forest, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the OOB predictions over the rows that have one."""
    proba = oob_predict_proba(forest, X, y)  # (N, C)
    has_oob = ~np.isnan(proba).any(axis=1)  # (N,)
    pred = forest.classes[np.argmax(proba[has_oob], axis=1)]
    return float(np.mean(pred == y[has_oob]))
