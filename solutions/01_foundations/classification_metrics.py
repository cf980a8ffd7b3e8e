"""Classification metrics: the confusion matrix, accuracy, precision, recall and F1.

Goal
----
Write three functions that score a classifier's predictions ``y_pred``
against the true labels ``y_true``:

* ``confusion_matrix``: who was mistaken for whom;
* ``accuracy``: the fraction of predictions that are right;
* ``precision_recall_f1``: per-class quality, averaged four ways.

Why it matters
--------------
Accuracy hides what matters on imbalanced data: a spam filter that never
flags anything is 99% accurate when 1% of mail is spam. Precision asks "when
the model says spam, how often is it right?", recall asks "of all the spam,
how much did it catch?", and F1 balances the two. With many classes, *how*
you average them decides whether rare classes count (macro) or vanish in the
crowd (micro, weighted). Every model you evaluate later in this course is
judged with these numbers, so they must match the library you will compare
against: scikit-learn.

The maths
---------
``labels`` lists the K classes; by default the sorted union of the values in
``y_true`` and ``y_pred``. The confusion matrix counts, for every pair::

    C[i, j] = number of samples n with y_true[n] == labels[i] and y_pred[n] == labels[j]

Rows are the truth, columns the prediction (scikit-learn's convention).
Samples whose true or predicted label is not in ``labels`` are not counted.
For class k, read off the matrix::

    TP_k = C[k, k]                      predicted k, truly k
    FP_k = (column k sum) - TP_k        predicted k, truly something else
    FN_k = (row k sum) - TP_k           truly k, predicted something else
    support_k = row k sum = TP_k + FN_k the number of true samples of class k

    precision_k = TP_k / (TP_k + FP_k)
    recall_k    = TP_k / (TP_k + FN_k)
    F1_k        = 2 * precision_k * recall_k / (precision_k + recall_k)

Zero division: whenever a denominator is 0 (a class never predicted, a class
that never occurs, precision = recall = 0) the score is 0.0, with no nan and
no RuntimeWarning: scikit-learn's ``zero_division=0``.

The averages (K = all labels in ``y_true`` or ``y_pred``):

* ``"binary"``: the three scores of class ``pos_label`` alone (all zero if it
  never occurs in either array);
* ``"macro"``: the plain mean over classes of precision_k, of recall_k and of
  F1_k. Note: macro F1 is the mean of the F1_k, *not* the F1 of macro
  precision and macro recall;
* ``"weighted"``: the same means, weighted by support_k (true counts);
* ``"micro"``: sum TP, FP and FN over the classes first, then apply the three
  formulas once. For single-label data all three equal the accuracy.

API
---
    confusion_matrix(y_true, y_pred, labels=None) -> (K, K) int array
    accuracy(y_true, y_pred) -> float
    precision_recall_f1(y_true, y_pred, average="binary", pos_label=1) -> (precision, recall, f1)

Labels can be any values numpy compares: ints (not necessarily 0..K-1), strings.

Worked example
--------------
    >>> y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    >>> y_pred = np.array([0, 1, 1, 1, 2, 0, 1])
    >>> confusion_matrix(y_true, y_pred)
    array([[1, 1, 0],
           [0, 2, 0],
           [1, 1, 1]])

TP = [1, 2, 1], FP = [1, 2, 0], FN = [1, 0, 2], so precision_k = [1/2, 2/4, 1/1]
and recall_k = [1/2, 2/2, 1/3]. Macro precision is (0.5 + 0.5 + 1) / 3 = 2/3;
weighted precision is (2*0.5 + 2*0.5 + 3*1) / 7 = 5/7; micro precision is
4/7 = accuracy.

Reference
---------
scikit-learn user guide, "Classification metrics" (``confusion_matrix``,
``precision_recall_fscore_support``); Sokolova & Lapalme, "A systematic
analysis of performance measures for classification tasks" (2009).
"""

from __future__ import annotations

import numpy as np

AVERAGES = ("binary", "macro", "micro", "weighted")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """Count (true label, predicted label) pairs.

    Args:
        y_true: (N,) true labels.
        y_pred: (N,) predicted labels.
        labels: (K,) the classes, in the order of the rows and columns; default
            the sorted union of the values in y_true and y_pred.

    Returns:
        (K, K) integer array C, C[i, j] = #samples with true labels[i] and
        predicted labels[j]. Samples with a label outside ``labels`` are ignored.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = np.asarray(labels)
    # One-hot rows; a label missing from `labels` gives an all-zero row, so it is not counted.
    true_onehot = (y_true[:, None] == labels[None, :]).astype(np.int64)  # (N, K)
    pred_onehot = (y_pred[:, None] == labels[None, :]).astype(np.int64)  # (N, K)
    return true_onehot.T @ pred_onehot  # (K, K): sum over n of [true is i] * [pred is j]


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of samples where y_pred equals y_true; y_true, y_pred: (N,), N >= 1."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise, 0.0 where den == 0 (sklearn's zero_division=0), without warnings."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def precision_recall_f1(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    average: str = "binary",
    pos_label: object = 1,
) -> tuple[float, float, float]:
    """Precision, recall and F1, averaged as asked.

    Args:
        y_true: (N,) true labels.
        y_pred: (N,) predicted labels.
        average: "binary" (class pos_label only), "macro", "micro" or "weighted".
        pos_label: the positive class for average="binary"; ignored otherwise.

    Returns:
        (precision, recall, f1) as Python floats in [0, 1]; 0.0 wherever a
        denominator is 0.

    Raises:
        ValueError: for any other ``average``.
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred]))  # (K,)
    C = confusion_matrix(y_true, y_pred, labels)  # (K, K)

    tp = np.diag(C)  # (K,)
    fp = C.sum(axis=0) - tp  # (K,) column k: everything predicted k
    fn = C.sum(axis=1) - tp  # (K,) row k: everything truly k
    support = tp + fn  # (K,)

    if average == "binary":
        is_pos = labels == pos_label  # (K,) one True, or none if pos_label never occurs
        tp, fp, fn = tp[is_pos].sum(), fp[is_pos].sum(), fn[is_pos].sum()
    elif average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()  # pool the counts, then score once

    precision = _safe_divide(tp, tp + fp)
    recall = _safe_divide(tp, tp + fn)
    f1 = _safe_divide(2 * precision * recall, precision + recall)

    if average in ("macro", "weighted"):
        # Average the per-class scores (F1 included), not the counts.
        weights = support if average == "weighted" else np.ones_like(support)
        precision, recall, f1 = (np.average(s, weights=weights) for s in (precision, recall, f1))
    return float(precision), float(recall), float(f1)
