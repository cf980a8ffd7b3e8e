"""Mutant: weighted average uses the number of predictions per class instead of the true support."""

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
    support = tp + fp  # (K,) predicted counts

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
