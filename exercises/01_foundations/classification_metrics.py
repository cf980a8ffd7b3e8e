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
    raise NotImplementedError("confusion_matrix: count (true, predicted) label pairs")


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of samples where y_pred equals y_true; y_true, y_pred: (N,), N >= 1."""
    raise NotImplementedError("accuracy: fraction of correct predictions")


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
    raise NotImplementedError("precision_recall_f1: per-class scores from the confusion matrix, then average")
