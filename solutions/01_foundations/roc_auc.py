"""The ROC curve and the area under it, two ways: trapezoids and ranks.

Goal
----
A binary classifier that outputs a *score* (a probability, a margin, a logit)
does not commit to one threshold. The ROC curve shows every threshold at once,
and the AUC sums it up in one number. You write:

* ``roc_curve``: the false and true positive rates at every distinct threshold;
* ``auc``: the area under any curve given by points, by the trapezoid rule;
* ``roc_auc_rank``: the same AUC straight from the scores, by ranks
  (the Mann-Whitney U statistic), with no curve at all.

Why it matters
--------------
AUC is the probability that a random positive scores higher than a random
negative. It ignores the threshold and the class balance, which makes it the
standard score for rankers, detectors and imbalanced problems (fraud, disease,
click prediction), and a common evaluation of reward models (pairwise
accuracy). The details matter: tied scores must count as one point of the
curve (a classifier cannot split a tie), and as half a win in the rank formula;
get either wrong and a constant classifier looks better or worse than chance.

The maths
---------
Labels y in {0, 1} (1 is the positive class), with P positives and N negatives;
predict positive when score >= t. For each threshold t:

    TPR(t) = #{positives with score >= t} / P     (recall)
    FPR(t) = #{negatives with score >= t} / N

The thresholds are the distinct scores in decreasing order, preceded by
t = +inf (nothing predicted positive), so the curve starts at (0, 0) and ends
at (1, 1). Samples with equal scores cross the threshold together: a tie
between positives and negatives is ONE point, joined to the previous one by a
diagonal segment. This is ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``.

    auc(x, y) = sum_i (x_i - x_{i-1}) (y_i + y_{i-1}) / 2       (trapezoids)

Rank form: give the scores ranks 1..P+N in increasing order, tied scores all
getting the average of the ranks they span (scores [5, 7, 7, 9] have ranks
[1, 2.5, 2.5, 4]). With R+ the sum of the positives' ranks,

    AUC = (R+ - P (P + 1) / 2) / (P N)

which counts, over all P N (positive, negative) pairs, 1 when the positive
scores higher and 1/2 for a tie: exactly the area under the ROC curve, in
O(n log n) without forming the P x N pairs.

AUC is undefined with a single class (P = 0 or N = 0): ``roc_curve`` and
``roc_auc_rank`` raise ValueError then, as scikit-learn's ``roc_auc_score`` does.

API
---
    roc_curve(y_true, scores)    -> (fpr, tpr, thresholds), each (T + 1,) for T distinct scores;
                                    thresholds[0] = np.inf, then the distinct scores, decreasing
    auc(x, y)                    -> float, trapezoid area (x increasing)
    roc_auc_rank(y_true, scores) -> float, AUC from average ranks

Worked example
--------------
    >>> y = np.array([1, 0, 1, 0, 1]); s = np.array([0.9, 0.8, 0.8, 0.3, 0.1])
    >>> fpr, tpr, thresholds = roc_curve(y, s)
    >>> fpr
    array([0. , 0. , 0.5, 1. , 1. ])
    >>> tpr
    array([0.        , 0.33333333, 0.66666667, 0.66666667, 1.        ])
    >>> thresholds
    array([inf, 0.9, 0.8, 0.3, 0.1])
    >>> auc(fpr, tpr), roc_auc_rank(y, s)                        # both 7/12, up to rounding
    (0.5833333333333333, 0.5833333333333334)

By hand: at t = 0.8 both 0.8s turn positive together, one positive and one
negative: the curve goes diagonally from (0, 1/3) to (1/2, 2/3). Pairs: the
0.9 positive beats both negatives (2), the 0.8 positive ties one and beats one
(1.5), the 0.1 positive beats none: 3.5 of 3 * 2 = 6 pairs. Ranks: [5, 3.5, 3.5,
2, 1], R+ = 5 + 3.5 + 1 = 9.5, (9.5 - 6) / 6 = 7/12.

Reference
---------
Fawcett, "An introduction to ROC analysis" (Pattern Recognition Letters, 2006),
algorithms 1 and 2; Hanley & McNeil, "The meaning and use of the area under a
ROC curve" (Radiology, 1982); scikit-learn's ``roc_curve`` and ``roc_auc_score``.
"""

from __future__ import annotations

import numpy as np


def _check_two_classes(y_true: np.ndarray) -> None:
    if y_true.all() or not y_true.any():
        raise ValueError("only one class in y_true: the ROC curve and its AUC are undefined")


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
