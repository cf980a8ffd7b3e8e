"""Spec for 01_foundations/classification_metrics.py: confusion matrix, accuracy, precision/recall/F1."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from grader.testing import assert_close, assert_equal, check

AVERAGES = ("binary", "macro", "micro", "weighted")

HINTS = {
    "confusion": "rows are the truth, columns the prediction: C[i, j] counts true labels[i] predicted as labels[j]. "
                 "A transposed matrix swaps precision and recall.",
    "binary": "binary scores only class pos_label: precision = TP / (TP + FP) over samples predicted pos_label, "
              "recall = TP / (TP + FN) over samples that truly are pos_label. Precision and recall swapped? "
              "FP is the rest of the column (predicted k), FN the rest of the row (truly k).",
    "macro": "macro is the plain mean of the per-class scores; macro F1 is the mean of the per-class F1s, "
             "not 2PR/(P+R) of the macro precision and recall, and not the pooled (micro) counts.",
    "micro": "micro pools TP, FP and FN over all classes before dividing; for single-label data it equals accuracy.",
    "weighted": "weighted averages the per-class scores with weights support_k = number of TRUE samples of class k "
                "(row sums of the confusion matrix), not the number of predictions.",
}


def _prf(learner, y_true, y_pred, average, pos_label=1, where=""):
    """Call the learner's precision_recall_f1 with RuntimeWarnings turned into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            out = learner.precision_recall_f1(np.asarray(y_true), np.asarray(y_pred), average=average, pos_label=pos_label)
        except RuntimeWarning as w:
            check(False, f"precision_recall_f1(average={average!r}){where} raised a RuntimeWarning: {w}",
                  "a 0/0 happened: return 0.0 wherever a denominator is 0, without dividing by it, e.g. "
                  "np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0).")
    check(out is not None, "precision_recall_f1 returned None.", "a missing `return` statement?")
    check(isinstance(out, (tuple, list)) and len(out) == 3,
          f"precision_recall_f1 should return (precision, recall, f1); got {out!r}.")
    vals = np.array([float(v) for v in out])
    check(np.all(np.isfinite(vals)),
          f"precision_recall_f1(average={average!r}){where} returned {vals.tolist()}: not finite.",
          "zero division must give 0.0, not nan: a class that is never predicted has precision 0, "
          "one that never occurs has recall 0, and F1 is 0 when precision + recall is 0.")
    return vals


def _check_prf(learner, y_true, y_pred, average, expected, pos_label=1, where="", rtol=1e-9, atol=1e-12):
    got = _prf(learner, y_true, y_pred, average, pos_label, where)
    assert_close(got, np.asarray(expected, dtype=float), rtol=rtol, atol=atol,
                 name=f"(precision, recall, f1) with average={average!r}{where}", hint=HINTS[average])


def _sk_prf(y_true, y_pred, average, pos_label=1):
    p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, average=average, pos_label=pos_label,
                                                     zero_division=0)
    return [p, r, f]


# The docstring's example: C = [[1, 1, 0], [0, 2, 0], [1, 1, 1]].
Y_TRUE = np.array([0, 0, 1, 1, 2, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 0, 1])


@pytest.mark.points(2)
def test_confusion_matrix_worked_example(learner):
    """The docstring's 3-class example gives [[1, 1, 0], [0, 2, 0], [1, 1, 1]] (rows = truth, columns = prediction)."""
    C = learner.confusion_matrix(Y_TRUE, Y_PRED)
    check(C is not None, "confusion_matrix returned None.", "a missing `return` statement?")
    C = np.asarray(C)
    check(np.issubdtype(C.dtype, np.integer), f"the confusion matrix should hold integer counts; its dtype is {C.dtype}.",
          "build it from integer counts (np.zeros((K, K), dtype=int), np.bincount, or an int matrix product).")
    assert_equal(C, np.array([[1, 1, 0], [0, 2, 0], [1, 1, 1]]), name="confusion_matrix(y_true, y_pred)",
                 hint=HINTS["confusion"])


def test_confusion_matrix_labels(learner):
    """Explicit labels set the row/column order, an unused label gives a zero row and column, unlisted labels are ignored; default labels are the sorted union, strings and sparse ints included."""
    y_true = np.array(["cat", "dog", "dog", "fox", "cat", "dog", "dog"])
    y_pred = np.array(["dog", "dog", "cat", "cat", "cat", "fox", "cat"])
    C = np.asarray(learner.confusion_matrix(y_true, y_pred, labels=np.array(["dog", "cat", "eel"])))
    # "eel" never occurs: zero row and column. Pairs involving "fox" are not counted.
    assert_equal(C, np.array([[1, 2, 0], [1, 1, 0], [0, 0, 0]]),
                 name="confusion_matrix(..., labels=['dog', 'cat', 'eel'])",
                 hint="rows are the truth, columns the prediction; row and column i belong to labels[i], in the "
                      "order given (not sorted); a label that never "
                      "occurs gets a zero row and column; samples whose true or predicted label is not listed are skipped.")
    # Default labels: sorted union of both arrays, here [cat, dog, fox].
    C = np.asarray(learner.confusion_matrix(y_true, y_pred))
    assert_equal(C, skm.confusion_matrix(y_true, y_pred), name="confusion_matrix(y_true, y_pred) on strings",
                 hint="rows are the truth, columns the prediction, and the default labels are np.unique of y_true "
                      "and y_pred together: a label only ever predicted still gets its row and column.")
    # Sparse, negative and huge integer labels: positions in `labels`, not the label values, index the matrix.
    y_true = np.array([10**12, -3, 7, 7, -3, 10**12, 7])
    y_pred = np.array([7, -3, 7, 10**12, 10**12, 10**12, 42])
    C = np.asarray(learner.confusion_matrix(y_true, y_pred))
    assert_equal(C, skm.confusion_matrix(y_true, y_pred), name="confusion_matrix with labels [-3, 7, 42, 10**12]",
                 hint="map each label to its position in the sorted labels (np.unique, np.searchsorted or comparing "
                      "with labels); labels need not be 0..K-1.")


def test_accuracy(learner, rng):
    """accuracy is the fraction of exact matches: 4/7 on the example, equal to sklearn's accuracy_score on random data."""
    got = learner.accuracy(Y_TRUE, Y_PRED)
    check(got is not None, "accuracy returned None.", "a missing `return` statement?")
    assert_close(float(got), 4 / 7, name="accuracy on the worked example", hint="mean of (y_true == y_pred).")
    for n in (1, 13, 1000):
        y_true = rng.integers(0, 4, size=n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, 4, size=n))
        assert_close(float(learner.accuracy(y_true, y_pred)), skm.accuracy_score(y_true, y_pred),
                     name=f"accuracy on {n} random samples", hint="mean of (y_true == y_pred), over all N samples.")
    assert_close(float(learner.accuracy(np.array(["a", "b"]), np.array(["a", "a"]))), 0.5, name="accuracy on strings")


@pytest.mark.points(2)
def test_binary_hand_computed(learner):
    """Binary scores of pos_label: TP=2, FP=1, FN=3 give (2/3, 2/5, 1/2); pos_label=0 and string labels too."""
    y_true = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1])
    y_pred = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    _check_prf(learner, y_true, y_pred, "binary", [2 / 3, 2 / 5, 1 / 2], where=" (pos_label=1)")
    # With 0 as the positive class: TP=4, FP=3, FN=1.
    _check_prf(learner, y_true, y_pred, "binary", [4 / 7, 4 / 5, 2 / 3], pos_label=0, where=" (pos_label=0)")
    words = np.array(["ham", "spam"])
    _check_prf(learner, words[y_true], words[y_pred], "binary", [2 / 3, 2 / 5, 1 / 2], pos_label="spam",
               where=" (labels 'ham'/'spam', pos_label='spam')")


@pytest.mark.points(2)
def test_multiclass_averages_hand_computed(learner):
    """On the worked example: macro (2/3, 11/18, 5/9), micro (4/7, 4/7, 4/7), weighted (5/7, 4/7, 23/42)."""
    # precision_k = [1/2, 1/2, 1], recall_k = [1/2, 1, 1/3], F1_k = [1/2, 2/3, 1/2], support = [2, 2, 3]
    _check_prf(learner, Y_TRUE, Y_PRED, "macro", [2 / 3, 11 / 18, 5 / 9])
    _check_prf(learner, Y_TRUE, Y_PRED, "micro", [4 / 7, 4 / 7, 4 / 7])
    _check_prf(learner, Y_TRUE, Y_PRED, "weighted", [5 / 7, 4 / 7, 23 / 42])


@pytest.mark.points(2)
def test_zero_division_gives_zero(learner):
    """Classes never predicted, classes never true, no positives at all, all wrong: 0/0 scores are 0.0, with no nan or warning, as sklearn's zero_division=0."""
    cases = [
        # class 2 is never predicted: its precision is 0/0
        ([0, 1, 2, 2], [0, 1, 1, 1], "macro", 1),
        ([0, 1, 2, 2], [0, 1, 1, 1], "weighted", 1),
        # class 3 is predicted but never true: its recall is 0/0 (and its weight is 0)
        ([0, 1, 1, 2], [0, 1, 3, 3], "macro", 1),
        ([0, 1, 1, 2], [0, 1, 3, 3], "weighted", 1),
        # the positive class never occurs anywhere
        ([0, 0, 0], [0, 0, 0], "binary", 1),
        # the positive class is never predicted: precision 0/0, recall 0, F1 0/0
        ([1, 0, 1], [0, 0, 0], "binary", 1),
        # every prediction wrong: precision 0, recall 0, F1 = 0/0
        ([0, 1, 0, 1], [1, 0, 1, 0], "binary", 1),
        ([0, 1, 2], [1, 2, 0], "macro", 1),
        ([0, 1, 2], [1, 2, 0], "micro", 1),
    ]
    for y_true, y_pred, average, pos_label in cases:
        _check_prf(learner, y_true, y_pred, average, _sk_prf(y_true, y_pred, average, pos_label), pos_label=pos_label,
                   where=f" on y_true={y_true}, y_pred={y_pred}")


@pytest.mark.points(2)
def test_matches_sklearn_on_random_data(learner, rng):
    """On random multiclass data (sparse labels, classes missing from the predictions) every average matches sklearn within 1e-9."""
    pool = np.array([-7, 0, 3, 10, 11, 250, 10**9])
    for trial in range(30):
        k = int(rng.integers(2, 7))
        classes = rng.choice(pool, size=k, replace=False)
        n = int(rng.integers(5, 400))
        y_true = rng.choice(classes, size=n, p=rng.dirichlet(np.full(k, 0.7)))
        # a noisy classifier that only ever predicts some of the classes
        predictable = classes[rng.random(k) < 0.7] if trial % 3 == 0 else classes
        if predictable.size == 0:
            predictable = classes[:1]
        y_pred = np.where(rng.random(n) < rng.uniform(0.2, 0.9), y_true, rng.choice(predictable, size=n))
        if trial % 3 == 0:
            y_pred = np.where(np.isin(y_pred, predictable), y_pred, predictable[0])
        where = f" (trial {trial}: {n} samples, classes {sorted(classes.tolist())})"
        assert_equal(np.asarray(learner.confusion_matrix(y_true, y_pred)), skm.confusion_matrix(y_true, y_pred),
                     name=f"confusion matrix{where}", hint=HINTS["confusion"])
        for average in ("macro", "micro", "weighted"):
            _check_prf(learner, y_true, y_pred, average, _sk_prf(y_true, y_pred, average), where=where)
        if k == 2 or len(np.unique(np.concatenate([y_true, y_pred]))) <= 2:
            pos = classes[0]
            _check_prf(learner, y_true, y_pred, "binary", _sk_prf(y_true, y_pred, "binary", pos), pos_label=pos,
                       where=where + f", pos_label={pos}")


def test_micro_equals_accuracy_and_scores_in_range(learner, rng):
    """Properties on 2000 samples: micro P = R = F1 = accuracy, weighted recall = accuracy, and every score lies in [0, 1]."""
    y_true = rng.integers(0, 8, size=2000)
    y_pred = np.where(rng.random(2000) < 0.5, y_true, rng.integers(0, 8, size=2000))
    acc = float(learner.accuracy(y_true, y_pred))
    assert_close(_prf(learner, y_true, y_pred, "micro"), np.full(3, acc), rtol=1e-9, atol=1e-12,
                 name="micro (precision, recall, f1) vs accuracy", hint=HINTS["micro"])
    assert_close(_prf(learner, y_true, y_pred, "weighted")[1], acc, rtol=1e-9, atol=1e-12,
                 name="weighted recall vs accuracy", hint=HINTS["weighted"])
    for average in ("macro", "weighted"):
        vals = _prf(learner, y_true, y_pred, average)
        check(np.all((vals >= 0) & (vals <= 1)), f"average={average!r} gave scores {vals.tolist()} outside [0, 1].",
              "average the per-class scores with weights that sum to 1.")


def test_unknown_average_raises(learner):
    """An average other than binary/macro/micro/weighted raises ValueError instead of returning something."""
    for average in ("samples", "mean"):
        try:
            learner.precision_recall_f1(Y_TRUE, Y_PRED, average=average)
        except ValueError:
            continue
        check(False, f"precision_recall_f1(average={average!r}) did not raise ValueError.",
              "check `average` first and raise ValueError for anything but 'binary', 'macro', 'micro', 'weighted'.")
