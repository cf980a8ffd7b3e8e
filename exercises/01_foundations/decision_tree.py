"""A CART classification tree: impurity, the best split, recursive growth, prediction.

Goal
----
Grow a binary decision tree the way CART (and scikit-learn's
``DecisionTreeClassifier``) does: at each node, try every feature and every
threshold, keep the split whose children are purest, and recurse until a node
is pure or a limit stops it. You write:

* ``gini`` and ``entropy``: the impurity of a node from its class counts;
* ``best_split``: the best (feature, threshold) for one node's samples;
* ``fit``: grow the tree recursively, honouring ``max_depth`` and
  ``min_samples_leaf``;
* ``predict``: send each row down the tree to a leaf.

Why it matters
--------------
Trees are the base learner of random forests and gradient boosting, still the
strongest models for tabular data. Growing one is a clean example of a greedy
algorithm, and its two limits are the simplest knobs for the bias-variance
trade-off: an unlimited tree memorises its training set (accuracy 1.0), a
depth-1 tree (a "stump") can barely learn anything.

The maths
---------
A node holds n samples with class counts n_1..n_C and proportions
p_k = n_k / n.

    gini     G = 1 - sum_k p_k^2         (0 when pure; 0.5 for two balanced classes)
    entropy  H = -sum_k p_k log2 p_k     (in bits; terms with p_k = 0 count as 0)

A split sends the rows with x[:, j] <= t left (n_L samples) and the others
right (n_R). Its cost is the impurity of the children, weighted by size:

    cost(j, t) = (n_L / n) * I(left) + (n_R / n) * I(right)

and the best split minimises it (equivalently, it maximises the impurity
decrease I(node) - cost). Candidate thresholds for feature j are the MIDPOINTS
between consecutive distinct values of x[:, j] among the node's samples (for
values [1, 1, 2, 5]: 1.5 and 3.5). Only splits with at least
``min_samples_leaf`` samples on each side are allowed. Scan the features in
order 0..D-1 and the thresholds in increasing order, and replace the best only
when a cost is strictly lower: the first of tied splits wins.

Growing (depth of the root = 0): a node becomes a leaf when it is pure, when
its depth equals ``max_depth`` (None: no limit), or when no allowed split
exists (fewer than 2 * min_samples_leaf samples, or all rows identical).
Otherwise split it at the best split and grow both children at depth + 1, even
if the split lowers the impurity by very little. Every node stores the class
counts of the training samples that reached it; a leaf predicts the class with
the largest count (the smallest label among ties, as ``np.argmax`` does).

These are exactly scikit-learn's rules, so on data where no two splits tie,
``fit`` and ``DecisionTreeClassifier(criterion=..., max_depth=...,
min_samples_leaf=...)`` grow the same tree. (scikit-learn visits the features
in a random order, so when two features give exactly the same cost its choice
depends on ``random_state``; the tests use data without such ties.)

Labels are integers 0..C-1. A loop over candidate thresholds is fine; the
cumulative class counts of the sorted samples give every split at once if you
want it vectorised.

API
---
    Node(counts, feature=None, threshold=None, left=None, right=None)   (implemented)
    gini(counts), entropy(counts)        counts (..., C) -> impurity (...)
    best_split(X, y, n_classes, criterion="gini", min_samples_leaf=1)
                                         -> (feature, threshold, cost) or None if no split is allowed
    fit(X, y, criterion="gini", max_depth=None, min_samples_leaf=1) -> the root Node
    predict(tree, X)                     -> (N,) integer labels

Worked example
--------------
    >>> gini(np.array([2, 2])), entropy(np.array([2, 2])), entropy(np.array([3, 0]))
    (0.5, 1.0, 0.0)
    >>> X = np.array([[1.0], [1.0], [2.0], [2.0], [3.0]]); y = np.array([0, 0, 0, 1, 1])
    >>> best_split(X, y, n_classes=2)
    (0, 1.5, 0.26666666666666666)

By hand: candidates are 1.5 and 2.5. At 1.5: left [0, 0] (gini 0), right
[0, 1, 1] (gini 1 - 1/9 - 4/9 = 4/9): cost 2/5 * 0 + 3/5 * 4/9 = 0.2667. At
2.5: left [0, 0, 0, 1] (gini 0.375), right [1] (0): cost 4/5 * 0.375 = 0.3.

Reference
---------
Breiman, Friedman, Olshen & Stone, *Classification and Regression Trees*
(1984); Hastie, Tibshirani & Friedman, *The Elements of Statistical
Learning*, 9.2; scikit-learn's user guide, "Decision Trees", 1.10.7
(mathematical formulation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass
class Node:
    """A tree node. A leaf has left = right = None; an inner node sends x[feature] <= threshold left."""

    counts: np.ndarray  # (C,) how many training samples of each class reached this node
    feature: Optional[int] = None
    threshold: Optional[float] = None
    left: Optional["Node"] = None
    right: Optional["Node"] = None

    @property
    def is_leaf(self) -> bool:
        return self.left is None


def gini(counts: np.ndarray) -> np.ndarray:
    """Gini impurity 1 - sum_k p_k^2 from class counts (..., C); returns (...). Counts must not all be 0."""
    raise NotImplementedError("gini: not written yet")


def entropy(counts: np.ndarray) -> np.ndarray:
    """Entropy -sum_k p_k log2 p_k in bits from class counts (..., C), with 0 log 0 = 0; returns (...)."""
    raise NotImplementedError("entropy: not written yet (mind 0 log 0)")


def best_split(
    X: np.ndarray, y: np.ndarray, n_classes: int, criterion: str = "gini", min_samples_leaf: int = 1
) -> Optional[tuple[int, float, float]]:
    """The split of minimum weighted child impurity.

    Args:
        X: (n, D) the node's samples.
        y: (n,) their labels in 0..n_classes-1.
        n_classes: C.
        criterion: "gini" or "entropy".
        min_samples_leaf: the least number of samples allowed in each child.

    Returns:
        (feature, threshold, cost) with cost = (n_L/n) I(left) + (n_R/n) I(right), or None when no split is allowed.
    """
    raise NotImplementedError("best_split: not written yet")


def fit(
    X: np.ndarray,
    y: np.ndarray,
    criterion: str = "gini",
    max_depth: Optional[int] = None,
    min_samples_leaf: int = 1,
) -> Node:
    """Grow a CART tree.

    Args:
        X: (N, D) features.
        y: (N,) integer labels in 0..C-1.
        criterion: "gini" or "entropy".
        max_depth: nodes at this depth (the root is at 0) become leaves; None for no limit.
        min_samples_leaf: every leaf keeps at least this many training samples.

    Returns:
        The root Node.
    """
    raise NotImplementedError("fit: not written yet (a recursive grow(indices, depth))")


def predict(tree: Node, X: np.ndarray) -> np.ndarray:
    """The majority class of the leaf each row of X (N, D) lands in: (N,) integer labels."""
    raise NotImplementedError("predict: not written yet")
