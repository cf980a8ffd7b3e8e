"""Spec for 01_foundations/roc_auc.py: ROC curve with ties, trapezoid AUC, rank (Mann-Whitney) AUC vs scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from grader.testing import assert_close, assert_equal, assert_shape, check

CURVE_HINT = ("sort by decreasing score; the thresholds are [inf] + the DISTINCT scores in decreasing order; at each "
              "one count positives and negatives with score >= t (cumulative sums read at the LAST index of each run "
              "of equal scores); tpr = TP / P, fpr = FP / N, starting at (0, 0)")
TIE_HINT = ("tied scores cross the threshold together: one point per distinct score, not one per sample "
            "(a tie of a positive and a negative is a diagonal step, worth half a pair)")
RANK_HINT = ("AUC = (R+ - P (P + 1) / 2) / (P N), R+ the sum of the positives' ranks (1 = lowest score), tied scores "
             "sharing the AVERAGE of the ranks they span; argsort(argsort(s)) gives ties different ranks")
SINGLE_HINT = "with only one class present P or N is 0 and the AUC is 0/0: raise ValueError, as sklearn's roc_auc_score does"


# --------------------------------------------------------------------- helpers


def _curve(learner, y, s, where=""):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = learner.roc_curve(np.asarray(y), np.asarray(s))
    check(isinstance(out, (tuple, list)) and len(out) == 3,
          f"roc_curve should return (fpr, tpr, thresholds); got {type(out).__name__}.")
    return [np.asarray(a, dtype=float) for a in out]


def _check_curve(learner, y, s, where, hint=CURVE_HINT):
    fpr, tpr, thr = _curve(learner, y, s, where)
    ref_fpr, ref_tpr, ref_thr = skm.roc_curve(y, s, drop_intermediate=False)
    n_distinct = len(np.unique(s))
    if len(thr) == len(s) + 1 and n_distinct < len(s):
        hint = TIE_HINT + "; " + hint
    elif len(thr) == n_distinct:
        hint = "the first point (0, 0) at threshold +inf is missing; " + hint
    counted = f"{n_distinct} distinct score{'s' if n_distinct > 1 else ''}"
    assert_shape(thr, ref_thr.shape, name=f"thresholds{where}",
                 hint=f"there {'are' if n_distinct > 1 else 'is'} {counted}, so {n_distinct + 1} points with the +inf "
                      "one; " + hint)
    assert_equal(thr, ref_thr, name=f"thresholds{where}", hint=hint)
    assert_close(fpr, ref_fpr, rtol=1e-12, atol=1e-12, name=f"fpr{where}", hint=hint)
    assert_close(tpr, ref_tpr, rtol=1e-12, atol=1e-12, name=f"tpr{where}", hint=hint)
    return fpr, tpr


def _random_case(rng, n, n_levels=None):
    y = (rng.uniform(size=n) < rng.uniform(0.2, 0.8)).astype(int)
    y[:2] = [0, 1]
    s = rng.normal(size=n) + 0.8 * y
    if n_levels is not None:  # coarse scores: many ties, within and across classes
        s = np.round(s * n_levels) / n_levels
    return y, s


def _auc_hint(learner, y, s):
    """Blame the trapezoid rule if it is wrong on sklearn's own curve, else the learner's curve."""
    ref_fpr, ref_tpr, _ = skm.roc_curve(y, s, drop_intermediate=False)
    if not np.isclose(learner.auc(ref_fpr, ref_tpr), skm.auc(ref_fpr, ref_tpr), rtol=1e-10):
        return ("auc is wrong even on sklearn's ROC curve: each trapezoid is (x_i - x_{i-1}) * (y_i + y_{i-1}) / 2, "
                "the mean of both heights")
    return "auc is right on sklearn's curve, so the curve is off: " + TIE_HINT + "; " + CURVE_HINT


# --------------------------------------------------------------------- tests


@pytest.mark.points(2)
def test_worked_example(learner):
    """The docstring's example: thresholds [inf, .9, .8, .3, .1], fpr [0, 0, .5, 1, 1], tpr [0, 1/3, 2/3, 2/3, 1]
    (the tied 0.8s are one point), and AUC 7/12 both by trapezoids and by ranks."""
    y = np.array([1, 0, 1, 0, 1])
    s = np.array([0.9, 0.8, 0.8, 0.3, 0.1])
    fpr, tpr = _check_curve(learner, y, s, " (worked example)")
    assert_close(learner.auc(fpr, tpr), 7 / 12, rtol=1e-12, name="auc(fpr, tpr) (worked example)",
                 hint="sum of (x_i - x_{i-1}) * (y_i + y_{i-1}) / 2 over consecutive points")
    assert_close(learner.roc_auc_rank(y, s), 7 / 12, rtol=1e-12, name="roc_auc_rank (worked example)",
                 hint="ranks [5, 3.5, 3.5, 2, 1]: R+ = 9.5, (9.5 - 3*4/2) / (3*2) = 7/12. " + RANK_HINT)


def test_auc_trapezoid(learner, rng):
    """auc is the trapezoid rule for any increasing x: 0.5 for the diagonal, 1 for the step through (0, 1), and equal
    to sklearn.metrics.auc on random curves (repeated x values included)."""
    assert_close(learner.auc(np.array([0.0, 1.0]), np.array([0.0, 1.0])), 0.5, rtol=1e-12,
                 name="auc of the diagonal (0,0)-(1,1)", hint="a single trapezoid: (1 - 0) * (0 + 1) / 2")
    assert_close(learner.auc(np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0])), 1.0, rtol=1e-12,
                 name="auc of (0,0)-(0,1)-(1,1)", hint="a vertical segment has zero width and adds nothing")
    for m in (3, 10, 50):
        x = np.sort(np.r_[0.0, rng.uniform(size=m - 2).round(1), 1.0])
        yv = np.sort(rng.uniform(size=m))
        assert_close(learner.auc(x, yv), skm.auc(x, yv), rtol=1e-12, atol=1e-14, name=f"auc of a random curve (m={m})",
                     hint="average the heights of each pair of neighbours, not the left or right one only")


def test_roc_curve_matches_sklearn(learner, rng):
    """On random scores (no ties, and coarse scores with many ties), fpr, tpr and thresholds equal sklearn's
    roc_curve(drop_intermediate=False) exactly."""
    for n, levels in ((30, None), (200, None), (200, 2), (57, 4), (500, 1)):
        y, s = _random_case(rng, n, levels)
        _check_curve(learner, y, s, f" (n={n}, {len(np.unique(s))} distinct scores)")


def test_constant_scores(learner, rng):
    """All scores equal: the curve is just (0, 0) and (1, 1) with thresholds [inf, c], and the AUC is 0.5 both ways
    (every pair is a tie)."""
    y = np.array([0, 1, 1, 0, 1, 0, 0])
    s = np.full(7, 0.3)
    fpr, tpr = _check_curve(learner, y, s, " (all scores 0.3)", hint=TIE_HINT)
    assert_close(learner.auc(fpr, tpr), 0.5, rtol=1e-12, name="auc with constant scores", hint=_auc_hint(learner, y, s))
    assert_close(learner.roc_auc_rank(y, s), 0.5, rtol=1e-12, name="roc_auc_rank with constant scores",
                 hint="every positive-negative pair is a tie worth 1/2. " + RANK_HINT)


def test_perfect_and_inverted(learner, rng):
    """A perfect ranking has AUC 1 (its curve passes through (0, 1)); reversing the scores gives AUC 0, both ways."""
    y = rng.permutation(np.repeat([0, 1], [13, 9]))
    s = y + rng.uniform(0, 0.5, size=len(y))  # every positive above every negative
    fpr, tpr = _check_curve(learner, y, s, " (perfect ranking)")
    check(np.any((fpr == 0) & (tpr == 1)), "the ROC curve of a perfect ranking should pass through (0, 1).",
          hint=CURVE_HINT)
    for name, scores, expected in (("perfect", s, 1.0), ("inverted", -s, 0.0)):
        hint = ("AUC must be 1 when every positive outranks every negative and 0 when every negative does; "
                "are the scores sorted in decreasing order, and is the positive class 1?")
        f, t, _ = _curve(learner, y, scores)
        assert_close(learner.auc(f, t), expected, atol=1e-12, name=f"auc(roc_curve) ({name})", hint=hint)
        assert_close(learner.roc_auc_rank(y, scores), expected, atol=1e-12, name=f"roc_auc_rank ({name})",
                     hint=hint + " " + RANK_HINT)


@pytest.mark.points(2)
def test_auc_matches_sklearn_with_ties(learner, rng):
    """On random data with and without ties, auc(roc_curve) and roc_auc_rank both equal sklearn's roc_auc_score, a
    tie between a positive and a negative counting 1/2."""
    for n, levels in ((40, None), (300, None), (300, 3), (80, 1), (1000, 10)):
        y, s = _random_case(rng, n, levels)
        ref = skm.roc_auc_score(y, s)
        where = f" (n={n}, {len(np.unique(s))} distinct scores)"
        f, t, _ = _curve(learner, y, s)
        assert_close(learner.auc(f, t), ref, rtol=1e-10, atol=1e-12, name=f"auc(roc_curve){where}",
                     hint=_auc_hint(learner, y, s))
        assert_close(learner.roc_auc_rank(y, s), ref, rtol=1e-10, atol=1e-12, name=f"roc_auc_rank{where}",
                     hint=RANK_HINT)


def test_labels_and_scale(learner, rng):
    """Boolean labels work like 0/1; AUC depends only on the ORDER of the scores (a monotone transform leaves it
    unchanged); scores that differ only in the 15th digit are still distinct points."""
    y, s = _random_case(rng, 120)
    ref = skm.roc_auc_score(y, s)
    bool_hint = "y_true may be booleans: positives are y_true == 1 / True"
    int_ok = np.isclose(learner.roc_auc_rank(y, s), ref, rtol=1e-10)
    assert_close(learner.roc_auc_rank(y.astype(bool), s), ref, rtol=1e-10, name="roc_auc_rank with boolean labels",
                 hint=bool_hint if int_ok else RANK_HINT)
    f, t, _ = _curve(learner, y, s)
    int_ok = np.isclose(learner.auc(f, t), ref, rtol=1e-10)
    f, t, _ = _curve(learner, y.astype(bool), s)
    assert_close(learner.auc(f, t), ref, rtol=1e-10, name="auc(roc_curve) with boolean labels",
                 hint=bool_hint if int_ok else _auc_hint(learner, y, s))
    assert_close(learner.roc_auc_rank(y, 1e6 * s**3 - 7), ref, rtol=1e-10, name="roc_auc_rank(y, 1e6 s^3 - 7)",
                 hint="only ranks matter: an increasing transform of the scores cannot change the AUC")
    y2 = np.array([1, 0, 1, 0])
    s2 = 1.0 + np.array([4, 3, 2, 1]) * np.finfo(float).eps  # four distinct scores, 2.2e-16 apart
    _check_curve(learner, y2, s2, " (scores 1 + k * 2.2e-16)",
                 hint="compare scores exactly (np.diff(s) != 0): rounding or np.isclose merges distinct scores")
    assert_close(learner.roc_auc_rank(y2, s2), 0.75, rtol=1e-12, name="roc_auc_rank (scores 1 + k * 2.2e-16)",
                 hint="group ties by exact equality (np.unique), not np.isclose or rounding")


def test_single_class_raises(learner):
    """With only positives or only negatives, roc_curve and roc_auc_rank raise ValueError (the AUC would be 0/0)."""
    s = np.array([0.2, 0.4, 0.9])
    for y in (np.array([1, 1, 1]), np.array([0, 0, 0])):
        for fn in ("roc_curve", "roc_auc_rank"):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out = getattr(learner, fn)(y, s)
                except ValueError:
                    continue
            check(False, f"{fn}(y_true={y.tolist()}, scores) returned {out!r} instead of raising ValueError.",
                  hint=SINGLE_HINT)
