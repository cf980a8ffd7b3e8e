"""A random forest: bagging, random feature subsets, averaged votes, and the out-of-bag score.

Goal
----
Build a random forest classifier from scikit-learn's single decision trees,
and estimate its accuracy for free with the out-of-bag (OOB) samples. You
write:

* ``bootstrap_sample``: n row indices drawn with replacement;
* ``fit_forest``: one tree per bootstrap sample, each choosing among a random
  subset of the features at every split;
* ``tree_proba``: one tree's probabilities, over all of the forest's classes;
* ``predict_proba``: average the trees' probabilities (``predict`` is given);
* ``oob_predict_proba`` and ``oob_score``: predict each training sample with
  ONLY the trees that did not see it.

The base learner is ``sklearn.tree.DecisionTreeClassifier`` (your own tree
from the decision-tree exercise lives in another module): its ``max_features``
argument does the per-split feature sampling, and its ``random_state`` makes
that sampling reproducible.

Why it matters
--------------
A deep tree has low bias and high variance: it memorises its sample.
Averaging many trees trained on different bootstrap samples keeps the low bias
and cuts the variance, and choosing each split among a random subset of
features (sqrt(D) of them) makes the trees less alike, so the average helps
more. Bagging is also a lesson in honest evaluation: each bootstrap leaves out
about 1/e = 36.8% of the rows, and those rows are a built-in validation set
for that tree. Scoring the forest on its own training rows with ALL trees
gives ~100% (each row was memorised by the 63% of trees that saw it); the OOB
score uses only the trees that did not.

The maths
---------
Bootstrap: n indices uniform on 0..n-1 WITH replacement. A given row is left
out with probability (1 - 1/n)^n -> 1/e ~ 0.368.

Fitting, for t = 1..T, all randomness from the one ``rng``:

    idx_t = bootstrap_sample(n, rng)                    (n,) rows of tree t
    seed_t = int(rng.integers(2**31))                   the tree's own seed
    tree_t = DecisionTreeClassifier(max_features=..., max_depth=...,
                                    random_state=seed_t).fit(X[idx_t], y[idx_t])
    in_bag[t, i] = True if row i is among idx_t

A fixed random_state (say 0) for every tree would make them share their
feature draws; drawing it from rng keeps the trees different AND the forest
reproducible from one seed.

Prediction (soft voting, as scikit-learn does): the forest's probability is
the mean over trees of the trees' probabilities, and the label is the class
with the largest mean. Trap: a tree only knows the classes present in ITS
bootstrap sample; its ``predict_proba`` has one column per ``tree.classes_``,
which may be fewer than the forest's classes (a rare class can be missing
from a bootstrap). Put its columns where they belong:
``cols = np.searchsorted(forest.classes, tree.classes_)``.

Out-of-bag, for each training row i:

    oob_proba[i] = mean over the trees t with in_bag[t, i] == False of tree_t's probabilities for x_i
    oob_score    = accuracy of classes[argmax oob_proba[i]] against y_i

A row that every tree saw (possible with few trees) has no OOB prediction:
its ``oob_proba`` row is nan and it is left out of the score.

API
---
    Forest(trees, in_bag, classes)                (implemented) trees: list of T fitted trees;
                                                  in_bag: (T, N) bool; classes: (C,) sorted labels
    bootstrap_sample(n, rng)                      -> (n,) integer indices in 0..n-1
    fit_forest(X, y, n_trees, rng, max_features="sqrt", max_depth=None) -> Forest
    tree_proba(forest, tree, X)                   -> (M, C) one tree's probabilities, aligned to forest.classes
    predict_proba(forest, X)                      -> (M, C), rows sum to 1
    predict(forest, X)                            -> (M,) labels from forest.classes (implemented)
    oob_predict_proba(forest, X, y)               -> (N, C), nan rows for rows never out of bag
    oob_score(forest, X, y)                       -> float

(X and y in the OOB functions are the training data the forest was fitted on.)

Worked example
--------------
Three trees, two classes, in_bag = [[T, F], [F, F], [F, T]] (trees x rows).
Row 0 is out of bag for trees 1 and 2 only: if they give it [0.2, 0.8] and
[0.6, 0.4], oob_proba[0] = [0.4, 0.6] and its OOB prediction is class 1;
tree 0 (which saw row 0) is ignored however confident it is.

Reference
---------
Breiman, "Random Forests", Machine Learning 45 (2001) (and "Out-of-bag
estimation", 1996); Hastie, Tibshirani & Friedman, *The Elements of
Statistical Learning*, 15.3.1; scikit-learn's ``RandomForestClassifier``
(``oob_score=True``).
"""

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
                                      random_state=int(rng.integers(2**31)))  # different feature draws per tree
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
