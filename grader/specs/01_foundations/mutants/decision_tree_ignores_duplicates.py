"""Mutant: best_split also considers gaps between equal feature values, whose threshold cannot separate them."""

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
    p = counts / counts.sum(axis=-1, keepdims=True)  # (..., C) class proportions
    return 1.0 - np.sum(p**2, axis=-1)


def entropy(counts: np.ndarray) -> np.ndarray:
    """Entropy -sum_k p_k log2 p_k in bits from class counts (..., C), with 0 log 0 = 0; returns (...)."""
    p = counts / counts.sum(axis=-1, keepdims=True)  # (..., C)
    safe = np.where(p > 0, p, 1.0)  # log2(1) = 0, so empty classes add nothing (and no log(0) warning)
    return -np.sum(p * np.log2(safe), axis=-1)


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
    impurity = gini if criterion == "gini" else entropy
    n, D = X.shape
    best = None
    for j in range(D):
        order = np.argsort(X[:, j], kind="stable")
        xs = X[order, j]  # (n,) sorted feature values
        one_hot = np.eye(n_classes)[y[order]]  # (n, C)
        left = np.cumsum(one_hot, axis=0)[:-1]  # (n-1, C): counts left of each gap i | i+1
        right = left[-1] + one_hot[-1] - left  # (n-1, C): the rest
        n_left = np.arange(1, n)  # (n-1,)
        allowed = (n_left >= min_samples_leaf) & (n - n_left >= min_samples_leaf)
        if not allowed.any():
            continue
        cost = (n_left * impurity(left) + (n - n_left) * impurity(right)) / n  # (n-1,) weighted child impurity
        cost = np.where(allowed, cost, np.inf)
        i = int(np.argmin(cost))  # the first minimum: ties go to the smaller threshold
        if best is None or cost[i] < best[2]:  # strictly better: ties go to the earlier feature
            best = (j, float((xs[i] + xs[i + 1]) / 2), float(cost[i]))  # midpoint between distinct values
    return best


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
    n_classes = int(y.max()) + 1

    def grow(idx: np.ndarray, depth: int) -> Node:
        node = Node(counts=np.bincount(y[idx], minlength=n_classes))  # (C,)
        if np.count_nonzero(node.counts) == 1 or (max_depth is not None and depth >= max_depth):
            return node  # pure, or deep enough
        split = best_split(X[idx], y[idx], n_classes, criterion, min_samples_leaf)
        if split is None:
            return node  # too few samples, or identical rows
        node.feature, node.threshold, _ = split
        go_left = X[idx, node.feature] <= node.threshold  # (n_node,)
        node.left = grow(idx[go_left], depth + 1)
        node.right = grow(idx[~go_left], depth + 1)
        return node

    return grow(np.arange(len(y)), 0)


def predict(tree: Node, X: np.ndarray) -> np.ndarray:
    """The majority class of the leaf each row of X (N, D) lands in: (N,) integer labels."""
    out = np.empty(len(X), dtype=int)
    for i, x in enumerate(X):
        node = tree
        while not node.is_leaf:
            node = node.left if x[node.feature] <= node.threshold else node.right
        out[i] = int(np.argmax(node.counts))  # ties: the smallest label
    return out
