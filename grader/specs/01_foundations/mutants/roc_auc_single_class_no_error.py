"""Mutant: roc_curve and roc_auc_rank never check for a single class and return nan instead of raising."""

from __future__ import annotations

import numpy as np


def _check_two_classes(y_true: np.ndarray) -> None:
    pass


def roc_curve(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct score, tied scores being one point.

    Args:
        y_true: (n,) labels in {0, 1} (or booleans), with both classes present.
        scores: (n,) real scores; higher means more likely positive.

    Returns:
        (fpr, tpr, thresholds), each of shape (T + 1,) for T distinct scores:
        thresholds = [inf, distinct scores in decreasing order], and fpr[i],
        tpr[i] are the rates when predicting positive for score >= thresholds[i].

    Raises:
        ValueError: if y_true holds only one class.
    """
    y_true = np.asarray(y_true).astype(bool)
    scores = np.asarray(scores, dtype=float)
    _check_two_classes(y_true)
    order = np.argsort(-scores, kind="stable")  # (n,) highest score first
    s, y = scores[order], y_true[order]
    # The last position of each run of equal scores: a tie crosses the threshold as one block.
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # (T,)
    tps = np.cumsum(y)[last]  # (T,) positives with score >= threshold
    fps = (last + 1) - tps  # (T,) everything above the threshold that is not a true positive
    tpr = np.r_[0.0, tps / tps[-1]]  # (T+1,) the curve starts at (0, 0) for t = +inf
    fpr = np.r_[0.0, fps / fps[-1]]
    return fpr, tpr, np.r_[np.inf, s[last]]


def auc(x: np.ndarray, y: np.ndarray) -> float:
    """Area under the piecewise-linear curve through the points (x_i, y_i), by trapezoids.

    Args:
        x: (m,) increasing x coordinates (e.g. fpr).
        y: (m,) y coordinates (e.g. tpr).

    Returns:
        sum_i (x_i - x_{i-1}) (y_i + y_{i-1}) / 2, a float.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))


def roc_auc_rank(y_true: np.ndarray, scores: np.ndarray) -> float:
    """AUC by the Mann-Whitney rank formula, ties counting 1/2.

    Args:
        y_true: (n,) labels in {0, 1} (or booleans), with both classes present.
        scores: (n,) real scores.

    Returns:
        (R+ - P (P + 1) / 2) / (P N), with R+ the sum of the positives'
        average ranks; a float in [0, 1].

    Raises:
        ValueError: if y_true holds only one class.
    """
    y_true = np.asarray(y_true).astype(bool)
    scores = np.asarray(scores, dtype=float)
    _check_two_classes(y_true)
    # Average ranks: a run of c equal scores ending at rank e shares the mean rank e - (c - 1) / 2.
    _, group, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)  # (G,) the highest rank in each group of equal scores
    ranks = (ends - (counts - 1) / 2.0)[group]  # (n,) 1-based, ties averaged
    P = int(y_true.sum())
    N = len(y_true) - P
    return float((ranks[y_true].sum() - P * (P + 1) / 2.0) / (P * N))
