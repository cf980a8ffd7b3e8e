"""Spec for 01_foundations/cross_validation.py: fold sizes, KFold and StratifiedKFold vs scikit-learn, the CV loop."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer, precision_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.model_selection import cross_val_score as sk_cross_val_score
from sklearn.tree import DecisionTreeClassifier

from grader.testing import assert_close, assert_equal, check

SIZES_HINT = "the first n % k folds hold n // k + 1 test samples and the rest n // k (10 in 3 folds: 4, 3, 3)"
KFOLD_HINT = ("fold i tests on the i-th consecutive block of 0..n-1 (or of rng.permutation(n) when shuffling) and "
              "trains on ALL the other indices; return sorted integer arrays")
STRAT_HINT = ("number the classes by FIRST APPEARANCE in y; sort those codes and deal them round-robin (sorted "
              "position j goes to fold j % k) to get each fold's class counts; then give each class's samples, in "
              "index order, to folds 0, 1, ... in blocks of those counts")
LEAK_HINT = ("for each fold: model = model_factory() (a NEW model), model.fit(X[train_idx], y[train_idx]), then "
             "metric(y[test_idx], model.predict(X[test_idx])), truth first")


# --------------------------------------------------------------------- helpers


def _folds(out, k, n, what):
    """Check the splitter's output is k (train, test) pairs of integer index arrays, and return them."""
    check(out is not None, f"{what} returned None.", "a missing `return`?")
    out = list(out)
    check(len(out) == k, f"{what} returned {len(out)} folds, expected {k}.", KFOLD_HINT)
    pairs = []
    for i, pair in enumerate(out):
        check(isinstance(pair, (tuple, list)) and len(pair) == 2,
              f"{what}: fold {i} should be a pair (train_idx, test_idx); got {type(pair).__name__}.")
        arrs = []
        for name, a in zip(("train_idx", "test_idx"), pair):
            a = np.asarray(a)
            check(a.ndim == 1 and (a.size == 0 or np.issubdtype(a.dtype, np.integer)),
                  f"{what}: fold {i}'s {name} should be a 1-D integer array; got dtype {a.dtype}, shape {a.shape}.",
                  "return row indices (np.flatnonzero(mask) or np.arange slices), not boolean masks")
            check(np.all(np.diff(a) > 0), f"{what}: fold {i}'s {name} is not sorted ascending (or has repeats).",
                  "np.sort the indices (np.flatnonzero returns them sorted)")
            arrs.append(a.astype(np.int64))
        train, test = arrs
        shared = np.intersect1d(train, test)
        check(shared.size == 0, f"{what}: fold {i} has {shared.size} indices in both train_idx and test_idx "
                                f"(e.g. {shared[:5].tolist()}): the model would be tested on data it trained on.",
              "train_idx is every index NOT in the test fold")
        check(train.size + test.size == n, f"{what}: fold {i} uses {train.size} + {test.size} indices, expected "
                                           f"all {n} samples.", "train_idx is every index not in the test fold")
        pairs.append((train, test))
    every = np.sort(np.concatenate([t for _, t in pairs]))
    check(np.array_equal(every, np.arange(n)),
          f"{what}: the test folds do not cover every sample exactly once.",
          "the test folds must partition 0..n-1: each sample is tested in exactly one fold")
    return pairs


def _sk_pairs(splitter, y):
    return [(np.asarray(a), np.asarray(b)) for a, b in splitter.split(np.zeros((len(y), 1)), y)]


def _class_counts(y, pairs, classes):
    return np.array([[np.sum(y[test] == c) for c in classes] for _, test in pairs])


# --------------------------------------------------------------------- fold sizes and KFold


def test_fold_sizes(learner):
    """fold_sizes(10, 3) = [4, 3, 3], (7, 3) = [3, 2, 2], (6, 3) = [2, 2, 2], (5, 5) = [1]*5; k < 2 or k > n raises
    ValueError."""
    for n, k, expected in ((10, 3, [4, 3, 3]), (7, 3, [3, 2, 2]), (6, 3, [2, 2, 2]), (5, 5, [1] * 5),
                           (23, 4, [6, 6, 6, 5])):
        assert_equal(np.asarray(learner.fold_sizes(n, k)), expected, name=f"fold_sizes({n}, {k})", hint=SIZES_HINT)
    for n, k in ((10, 1), (10, 0), (3, 4)):
        try:
            learner.fold_sizes(n, k)
        except ValueError:
            continue
        check(False, f"fold_sizes({n}, {k}) did not raise ValueError.", "check 2 <= k <= n first")


@pytest.mark.points(2)
def test_kfold_matches_sklearn(learner):
    """Without shuffling, kfold(n, k) gives exactly the folds of sklearn's KFold(k), for n divisible by k and not."""
    for n, k in ((10, 3), (12, 4), (7, 7), (23, 5), (100, 10), (2, 2)):
        pairs = _folds(learner.kfold(n, k), k, n, f"kfold({n}, {k})")
        for i, ((train, test), (ref_train, ref_test)) in enumerate(zip(pairs, _sk_pairs(KFold(k), np.zeros(n)))):
            assert_equal(test, ref_test, name=f"test_idx of fold {i} of kfold({n}, {k})",
                         hint=SIZES_HINT + "; " + KFOLD_HINT)
            assert_equal(train, ref_train, name=f"train_idx of fold {i} of kfold({n}, {k})", hint=KFOLD_HINT)
    for n, k in ((10, 1), (3, 4)):
        try:
            learner.kfold(n, k)
        except ValueError:
            continue
        check(False, f"kfold({n}, {k}) did not raise ValueError.", "check 2 <= k <= n (fold_sizes does)")


def test_kfold_shuffle(learner, seed):
    """kfold(shuffle=True, seed) cuts np.random.default_rng(seed).permutation(n) into the same fold sizes: same seed
    same folds (whatever np.random does meanwhile), other seeds other folds, global np.random state untouched."""
    n, k = 23, 4
    first = _folds(learner.kfold(n, k, shuffle=True, seed=seed), k, n, "kfold(23, 4, shuffle=True)")
    perm = np.random.default_rng(seed).permutation(n)
    bounds = np.r_[0, np.cumsum([6, 6, 6, 5])]
    for i, (train, test) in enumerate(first):
        assert_equal(test, np.sort(perm[bounds[i]:bounds[i + 1]]), name=f"test_idx of shuffled fold {i}",
                     hint="shuffle by cutting perm = np.random.default_rng(seed).permutation(n) into consecutive blocks "
                          "of fold_sizes(n, k), then sort each fold's indices")
    np.random.seed(seed + 7)
    np.random.random(3)
    before = np.random.get_state()
    again = _folds(learner.kfold(n, k, shuffle=True, seed=seed), k, n, "kfold(shuffle=True)")
    after = np.random.get_state()
    for i in range(k):
        assert_equal(again[i][1], first[i][1], name=f"test_idx of fold {i} on a second call with the same seed",
                     hint="use rng = np.random.default_rng(seed), not np.random.permutation / shuffle")
    check(before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:],
          "kfold changed the global np.random state.", "use rng = np.random.default_rng(seed)")
    other = _folds(learner.kfold(n, k, shuffle=True, seed=seed + 1), k, n, "kfold(shuffle=True)")
    check(any(not np.array_equal(a[1], b[1]) for a, b in zip(first, other)),
          "seeds s and s + 1 gave the same shuffled folds.", "seed the generator with the seed argument")


# --------------------------------------------------------------------- stratified


@pytest.mark.points(2)
def test_stratified_matches_sklearn(learner, rng):
    """Without shuffling, stratified_kfold gives exactly sklearn's StratifiedKFold(k) folds (per-fold class counts
    first, then the indices), including string labels whose first-appearance order differs from sorted order."""
    cases = [
        (np.array([0, 0, 0, 0, 1, 1, 1, 0, 0, 1]), 3),
        (np.repeat([0, 1, 2], [50, 30, 20]), 5),  # sorted by class, like iris on disk
        (rng.choice(3, size=97, p=[0.6, 0.3, 0.1]), 4),
        (np.array(["b", "a", "b", "c", "a", "b", "b", "c", "a", "b", "c", "b"]), 3),  # b first, then a, then c
        (rng.permutation(np.repeat(["zeta", "alpha", "mid"], [17, 9, 6])), 3),
        (rng.choice(5, size=60), 6),
    ]
    for y, k in cases:
        n = len(y)
        what = f"stratified_kfold(y with class sizes {np.unique(y, return_counts=True)[1].tolist()}, k={k})"
        pairs = _folds(learner.stratified_kfold(y, k), k, n, what)
        ref = _sk_pairs(StratifiedKFold(k), y)
        _, first = np.unique(y, return_index=True)
        classes = y[np.sort(first)]  # in order of first appearance
        assert_equal(_class_counts(y, pairs, classes), _class_counts(y, ref, classes),
                     name=f"per-fold counts of classes {classes.tolist()} in {what}",
                     hint=STRAT_HINT + ". Numbering classes in sorted order instead of first appearance changes the "
                                       "round-robin deal when they differ")
        for i, ((train, test), (_, ref_test)) in enumerate(zip(pairs, ref)):
            assert_equal(test, ref_test, name=f"test_idx of fold {i} of {what}", hint=STRAT_HINT)


def test_stratified_balance_and_shuffle(learner, rng, seed):
    """Shuffled or not, every class's count differs by at most 1 between folds and fold sizes follow fold_sizes;
    shuffling keeps the counts, depends only on the seed, and actually moves samples."""
    y = rng.permutation(np.repeat([0, 1, 2, 3], [41, 23, 11, 4]))
    n, k = len(y), 5
    plain = _folds(learner.stratified_kfold(y, k), k, n, "stratified_kfold(y, 5)")
    shuffled = _folds(learner.stratified_kfold(y, k, shuffle=True, seed=seed), k, n,
                      "stratified_kfold(y, 5, shuffle=True)")
    classes = np.arange(4)
    for name, pairs in (("unshuffled", plain), ("shuffled", shuffled)):
        counts = _class_counts(y, pairs, classes)
        spread = counts.max(0) - counts.min(0)
        check(np.all(spread <= 1), f"{name} folds: per-fold class counts {counts.tolist()} differ by up to "
                                   f"{spread.max()} for one class; stratified folds differ by at most 1.",
              hint="stratify: split each class across the folds as evenly as possible. " + STRAT_HINT)
        assert_equal(np.sort([len(t) for _, t in pairs])[::-1], [16, 16, 16, 16, 15],
                     name=f"sorted test-fold sizes ({name})", hint=SIZES_HINT)
    assert_equal(_class_counts(y, shuffled, classes), _class_counts(y, plain, classes),
                 name="per-fold class counts with shuffle=True",
                 hint="shuffle only which samples of a class go to which fold (rng.permutation of its fold numbers), "
                      "not how many")
    again = _folds(learner.stratified_kfold(y, k, shuffle=True, seed=seed), k, n, "stratified_kfold(shuffle=True)")
    for i in range(k):
        assert_equal(again[i][1], shuffled[i][1], name=f"test_idx of shuffled fold {i}, second call, same seed",
                     hint="use rng = np.random.default_rng(seed)")
    check(any(not np.array_equal(a[1], b[1]) for a, b in zip(plain, shuffled)),
          "stratified_kfold(shuffle=True) gave the same folds as shuffle=False.",
          "with shuffle=True, permute each class's fold numbers with rng.permutation before assigning them")


# --------------------------------------------------------------------- cross_val_score


class _Spy:
    """A model that records what it is fitted on and asked to predict; it predicts the majority training label."""

    log: list = []

    def __init__(self):
        self.fits = 0
        _Spy.log.append(self)

    def fit(self, X, y):
        self.fits += 1
        self.fit_rows = np.asarray(X)[:, 0].astype(int).tolist()
        self.label = np.bincount(np.asarray(y, dtype=int)).argmax()
        return self

    def predict(self, X):
        self.predict_rows = np.asarray(X)[:, 0].astype(int).tolist()
        return np.full(len(X), self.label)


def test_cross_val_score_no_leakage(learner, rng):
    """With a spy model: one NEW model per fold, each fitted once on exactly the fold's training rows, predicting
    exactly its test rows; the metric gets (y_true, y_pred) in that order; one score per fold."""
    n, k = 30, 4
    X = np.arange(n)[:, None].astype(float)  # column 0 is the row number: the spy can tell which rows it sees
    y = (rng.uniform(size=n) < 0.5).astype(int)
    y[:3] = [0, 1, 1]
    folds = [(np.asarray(a), np.asarray(b)) for a, b in KFold(k, shuffle=True, random_state=1).split(X)]
    calls = []

    def metric(y_true, y_pred):
        calls.append((np.asarray(y_true).tolist(), np.asarray(y_pred).tolist()))
        return float(len(calls))

    _Spy.log = []
    scores = np.asarray(learner.cross_val_score(_Spy, X, y, folds, metric), dtype=float)
    assert_equal(scores.shape, (k,), name="cross_val_score(...).shape", hint="one score per fold, in fold order")
    assert_close(scores, np.arange(1, k + 1), rtol=0, atol=0, name="scores (the spy metric returns its call count)",
                 hint="call metric once per fold, in fold order, and return its values")
    check(len(_Spy.log) == k, f"model_factory was called {len(_Spy.log)} times for {k} folds.",
          hint="call model_factory() inside the loop: a model reused across folds carries what it learned "
               "(and, for incremental models, the data) from earlier folds. " + LEAK_HINT)
    for i, (model, (train, test)) in enumerate(zip(_Spy.log, folds)):
        check(model.fits == 1, f"the model of fold {i} was fitted {model.fits} times.", hint=LEAK_HINT)
        check(sorted(model.fit_rows) == train.tolist(),
              f"the model of fold {i} was fitted on rows {sorted(model.fit_rows)[:8]}... ({len(model.fit_rows)} rows), "
              f"not on its {len(train)} training rows.",
              hint="fit on X[train_idx], y[train_idx] only: fitting on all of X leaks the test fold. " + LEAK_HINT)
        check(sorted(getattr(model, "predict_rows", [])) == test.tolist(),
              f"the model of fold {i} predicted rows {getattr(model, 'predict_rows', None)}, not its test rows.",
              hint=LEAK_HINT)
        check(calls[i][0] == y[test].tolist(),
              f"fold {i}: the metric's first argument was {calls[i][0]}, but y[test_idx] is {y[test].tolist()}.",
              hint="metric(y_true, y_pred): the truth comes first, as in every scikit-learn metric")


def _macro_precision(y_true, y_pred):
    """An asymmetric metric: swapping truth and prediction changes it."""
    return precision_score(y_true, y_pred, average="macro", zero_division=0)


@pytest.mark.points(2)
def test_cross_val_score_matches_sklearn(learner, seed):
    """With the same explicit folds, the scores equal sklearn's cross_val_score exactly: logistic regression on breast
    cancer (accuracy), a decision tree on iris (accuracy and macro precision)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in KFold(5, shuffle=True, random_state=seed).split(X)]
    ref = sk_cross_val_score(LogisticRegression(C=0.1), X, y, cv=folds, scoring="accuracy")
    got = learner.cross_val_score(lambda: LogisticRegression(C=0.1), X, y, folds, accuracy_score)
    assert_close(got, ref, rtol=1e-12, atol=1e-12, name="cross_val_score (breast cancer, logistic regression)",
                 hint=LEAK_HINT)
    X, y = load_iris(return_X_y=True)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)]
    for metric in (accuracy_score, _macro_precision):
        ref = sk_cross_val_score(DecisionTreeClassifier(max_depth=2, random_state=0), X, y, cv=folds,
                                 scoring=make_scorer(metric))
        got = learner.cross_val_score(lambda: DecisionTreeClassifier(max_depth=2, random_state=0), X, y, folds, metric)
        assert_close(got, ref, rtol=1e-12, atol=1e-12, name=f"cross_val_score with {metric.__name__} (iris, tree)",
                     hint=LEAK_HINT)


def test_why_stratify(learner):
    """Iris is stored sorted by class: plain 3-fold CV tests every fold on a class absent from its training data
    (accuracy 0), while stratified 3-fold CV scores above 0.9 on every fold."""
    X, y = load_iris(return_X_y=True)
    make = lambda: DecisionTreeClassifier(random_state=0)  # noqa: E731
    plain = np.asarray(learner.cross_val_score(make, X, y, learner.kfold(150, 3), accuracy_score), dtype=float)
    assert_close(plain, np.zeros(3), atol=0, rtol=0, name="accuracies of unshuffled kfold on sorted iris",
                 hint="unshuffled kfold takes consecutive blocks, and iris's 150 rows are sorted by class: " + KFOLD_HINT)
    strat = np.asarray(learner.cross_val_score(make, X, y, learner.stratified_kfold(y, 3), accuracy_score))
    check(np.all(strat > 0.9), f"stratified 3-fold accuracies {np.round(strat, 3).tolist()}; expected all > 0.9.",
          hint="each stratified fold holds ~1/3 of every class. " + STRAT_HINT)
