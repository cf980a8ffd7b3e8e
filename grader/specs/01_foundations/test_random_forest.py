"""Spec for 01_foundations/random_forest.py: bootstrap, bagged trees with feature subsampling, soft voting, and an
out-of-bag score that only uses the trees that did not see each row.

Tolerances: the learner's forest and scikit-learn's RandomForestClassifier draw different bootstraps, so their OOB
scores differ by Monte Carlo noise. On a 400-row breast-cancer training split with 50 trees the difference has a
standard deviation of about 0.006 across seeds; the spec allows 0.03. Using every tree for the "OOB" prediction
gives the training accuracy (1.0), at least 0.03 above sklearn's ~0.95 there and far above ~0.72 on the noisy data.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

from grader.testing import assert_close, assert_equal, assert_shape, check

OOB_HINT = ("a row's OOB prediction averages ONLY the trees with in_bag[t, i] == False (the trees that did not see "
            "it); the trees that saw it have memorised its label, which makes the score optimistic (~1.0)")
ALIGN_HINT = ("a tree trained on a bootstrap without some class has fewer predict_proba columns than the forest has "
              "classes: put them in the right columns, cols = np.searchsorted(forest.classes, tree.classes_)")


class _FakeTree:
    """A stand-in tree: row i of X (X[:, 0] holds the row id) gets the probabilities table[i] over its classes_."""

    def __init__(self, classes, table):
        self.classes_ = np.asarray(classes)
        self.table = np.asarray(table, dtype=float)

    def predict_proba(self, X):
        return self.table[np.asarray(X)[:, 0].astype(int)]


def _rare_class_data(rng, n=120):
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] > 0).astype(int)
    y[0] = 2  # a class of one row: a bootstrap misses it with probability (1 - 1/n)^n ~ 0.37
    X[0] += 3.0
    return X, y


@pytest.fixture(scope="module")
def cancer(learner, pytestconfig):
    """A function returning the learner's 50-tree forest on a 400-row training split of breast_cancer, fitted on the
    first call only (so that a failing fit fails inside the test, with its message)."""
    cache = {}

    def get():
        if not cache:
            rng = np.random.default_rng(int(pytestconfig.getoption("--course-seed")) + 1000)
            X, y = load_breast_cancer(return_X_y=True)
            perm = rng.permutation(len(y))
            tr, te = perm[:400], perm[400:]
            cache["data"] = X[tr], y[tr], X[te], y[te], learner.fit_forest(X[tr], y[tr], 50, rng)
        return cache["data"]

    return get


# --------------------------------------------------------------------- tests


def test_bootstrap_sample(learner, rng):
    """bootstrap_sample(1000, rng) gives 1000 integer indices in 0..999 WITH replacement: about 63.2% distinct
    (60-66.5%); the same seed gives the same indices; the global np.random state is untouched."""
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    s = int(rng.integers(2**31))
    idx = np.asarray(learner.bootstrap_sample(1000, np.random.default_rng(s)))
    check(np.array_equal(np.random.get_state()[1], before), "bootstrap_sample drew from the global np.random state.",
          hint="use the rng argument: rng.integers(0, n, size=n)")
    assert_shape(idx, (1000,), name="bootstrap_sample(1000, rng)", hint="n indices: a bootstrap sample has the size of the data")
    check(np.issubdtype(idx.dtype, np.integer), f"the indices have dtype {idx.dtype}; expected integers.")
    check(idx.min() >= 0 and idx.max() < 1000, f"indices outside 0..999 (min {idx.min()}, max {idx.max()}).")
    distinct = len(np.unique(idx)) / 1000
    check(0.60 <= distinct <= 0.665, f"{distinct:.1%} of the indices are distinct; a bootstrap sample has about "
          "1 - 1/e = 63.2% distinct rows.",
          hint="draw WITH replacement (rng.integers(0, n, size=n)); a permutation has 100% distinct rows and leaves "
               "nothing out of bag" if distinct > 0.665 else "draw uniformly over all n rows")
    assert_equal(np.asarray(learner.bootstrap_sample(1000, np.random.default_rng(s))), idx,
                 name="two draws with the same seed", hint="all randomness comes from the rng argument")


def test_fit_forest_structure(learner, rng):
    """fit_forest returns T trees built with the requested max_features and max_depth, each with its own random_state,
    an in_bag matrix (T, N) of booleans with ~63% True per tree, and the sorted classes."""
    X, y = _rare_class_data(rng)
    forest = learner.fit_forest(X, y, 12, rng, max_features=2, max_depth=3)
    check(len(forest.trees) == 12, f"the forest has {len(forest.trees)} trees; expected 12.")
    in_bag = np.asarray(forest.in_bag)
    assert_shape(in_bag, (12, 120), name="forest.in_bag", hint="one row per tree, one column per training row")
    check(in_bag.dtype == bool, f"in_bag has dtype {in_bag.dtype}; expected bool.",
          hint="in_bag = np.zeros((T, N), dtype=bool); in_bag[t, idx] = True")
    frac = in_bag.mean(axis=1)
    check(np.all((frac > 0.5) & (frac < 0.75)), f"the trees saw {np.round(frac, 2).tolist()} of the rows; a bootstrap "
          "sees about 63%.", hint="mark in_bag[t, idx] = True for the bootstrap indices idx of tree t")
    assert_equal(np.asarray(forest.classes), np.array([0, 1, 2]), name="forest.classes", hint="np.unique(y)")
    params = [t.get_params() for t in forest.trees]
    check(all(p["max_features"] == 2 for p in params),
          f"the trees have max_features {sorted({str(p['max_features']) for p in params})}; expected 2.",
          hint="pass max_features to every DecisionTreeClassifier: it draws that many features at each split")
    check(all(p["max_depth"] == 3 for p in params), "the trees do not have max_depth=3.", hint="pass max_depth to every tree")
    seeds = [p["random_state"] for p in params]
    check(all(isinstance(s, (int, np.integer)) for s in seeds) and len(set(int(s) for s in seeds)) == 12,
          f"the trees' random_state values are {seeds}; each tree needs its own integer seed drawn from rng.",
          hint="random_state=int(rng.integers(2**31)) per tree: a fixed seed makes every tree draw the same feature "
               "subsets; None makes the forest irreproducible")
    for t, tree in enumerate(forest.trees[:3]):
        n_seen = int(np.sum(tree.tree_.n_node_samples[0]))
        check(n_seen == 120, f"tree {t} was trained on {n_seen} rows; expected 120 (a bootstrap sample of size N).",
              hint="fit each tree on X[idx], y[idx] with idx = bootstrap_sample(N, rng)")


def test_reproducible_from_the_seed(learner, rng):
    """Two forests from default_rng(s) have the same in_bag and the same predictions; default_rng(s + 1) gives a
    different forest."""
    X, y = _rare_class_data(rng)
    s = int(rng.integers(2**31))
    f1 = learner.fit_forest(X, y, 8, np.random.default_rng(s))
    f2 = learner.fit_forest(X, y, 8, np.random.default_rng(s))
    f3 = learner.fit_forest(X, y, 8, np.random.default_rng(s + 1))
    assert_equal(np.asarray(f2.in_bag), np.asarray(f1.in_bag), name="in_bag of two forests with the same seed",
                 hint="draw everything from the rng argument, never from np.random or a fresh generator")
    X_test = rng.normal(size=(50, 4))
    assert_close(learner.predict_proba(f2, X_test), learner.predict_proba(f1, X_test), rtol=0, atol=0,
                 name="predict_proba of two forests with the same seed",
                 hint="each tree's random_state must come from rng (an int), not be None")
    check(not np.array_equal(np.asarray(f3.in_bag), np.asarray(f1.in_bag)),
          "forests from different seeds have the same bootstraps.", hint="use the rng you are given")


def test_oob_by_hand(learner):
    """Three stand-in trees, in_bag = [[T, F, F, T], [F, F, T, T], [F, T, T, T]] (trees x rows): row 0 averages trees 1
    and 2, row 1 trees 0 and 1, row 2 tree 0 only; tree 2 never saw class 2 (classes_ = [0, 1]). Row 3 was in every
    bootstrap: its OOB row is nan and it is left out of the score (2 of the 3 others are right: 2/3)."""
    trees = [
        _FakeTree([0, 1, 2], [[1.0, 0.0, 0.0], [0.1, 0.1, 0.8], [0.0, 0.6, 0.4], [1, 0, 0]]),
        _FakeTree([0, 1, 2], [[0.2, 0.8, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1, 0, 0]]),
        _FakeTree([0, 1], [[0.6, 0.4], [0.0, 1.0], [0.5, 0.5], [1, 0]]),
    ]
    in_bag = np.array([[True, False, False, True], [False, False, True, True], [False, True, True, True]])
    forest = learner.Forest(trees, in_bag, np.array([0, 1, 2]))
    X = np.column_stack([np.arange(4.0), np.zeros(4)])
    y = np.array([1, 2, 1, 0])
    got = np.asarray(learner.oob_predict_proba(forest, X, y), dtype=float)
    expected = np.array([[0.4, 0.6, 0.0], [0.55, 0.05, 0.4], [0.0, 0.6, 0.4], [np.nan] * 3])
    assert_shape(got, (4, 3), name="oob_predict_proba", hint="one row per training row, one column per forest class")
    assert_close(got[:3], expected[:3], rtol=1e-12, atol=1e-12, name="oob_predict_proba rows 0..2",
                 hint=OOB_HINT + "; and " + ALIGN_HINT)
    check(np.all(np.isnan(got[3])), f"row 3 was in every tree's bootstrap, so it has no OOB prediction; got {got[3]}.",
          hint="divide the summed OOB probabilities by the number of OOB trees: 0 / 0 gives nan for such rows")
    assert_close(learner.oob_score(forest, X, y), 2 / 3, rtol=1e-12, name="oob_score",
                 hint="the OOB predictions of rows 0, 1, 2 are classes 1, 0, 1 against y = 1, 2, 1: 2 right out of the "
                      "3 rows that HAVE an OOB prediction; row 3 (in every bootstrap) is left out, not counted as wrong")


@pytest.mark.points(2)
def test_rare_class_alignment(learner, rng):
    """With a class of a single row in 120, about 37% of the trees never see it: tree_proba still returns (M, 3) with zeros in that column,
    and predict_proba / oob_predict_proba equal the averages computed from the forest's own trees and in_bag."""
    X, y = _rare_class_data(rng)
    forest = learner.fit_forest(X, y, 30, rng)
    missing = [t for t in forest.trees if len(t.classes_) < 3]
    assert missing  # the spec's own precondition: some bootstrap missed the rare class
    X_test = rng.normal(size=(30, 4))
    got = np.asarray(learner.tree_proba(forest, missing[0], X_test))
    assert_shape(got, (30, 3), name="tree_proba of a tree that never saw class 2", hint=ALIGN_HINT)
    expected = np.zeros((30, 3))
    expected[:, np.searchsorted(forest.classes, missing[0].classes_)] = missing[0].predict_proba(X_test)
    assert_close(got, expected, rtol=1e-12, atol=1e-12, name="tree_proba", hint=ALIGN_HINT)

    def aligned(tree, Z):
        p = np.zeros((len(Z), 3))
        p[:, np.searchsorted(forest.classes, tree.classes_)] = tree.predict_proba(Z)
        return p

    proba = np.asarray(learner.predict_proba(forest, X_test))
    assert_close(proba, np.mean([aligned(t, X_test) for t in forest.trees], axis=0), rtol=1e-12, atol=1e-12,
                 name="predict_proba", hint="the mean over ALL trees of their aligned probabilities; " + ALIGN_HINT)
    in_bag = np.asarray(forest.in_bag)
    total = sum(aligned(t, X) * ~in_bag[k][:, None] for k, t in enumerate(forest.trees))
    with np.errstate(invalid="ignore"):
        expected_oob = total / (~in_bag).sum(0)[:, None]
    got_oob = np.asarray(learner.oob_predict_proba(forest, X, y), dtype=float)
    assert_close(got_oob, expected_oob, rtol=1e-12, atol=1e-12, name="oob_predict_proba", hint=OOB_HINT, equal_nan=True)


@pytest.mark.points(2)
def test_oob_score_close_to_sklearn(learner, cancer):
    """On a 400-row breast_cancer split, the OOB score of 50 trees is within 0.03 of sklearn's
    RandomForestClassifier(n_estimators=50, oob_score=True) on the same rows (both are about 0.95), and clearly
    below the forest's training accuracy of ~1.0."""
    X, y, _, _, forest = cancer()
    score = learner.oob_score(forest, X, y)
    ref = RandomForestClassifier(n_estimators=50, oob_score=True, random_state=0).fit(X, y).oob_score_
    check(abs(score - ref) <= 0.03, f"oob_score = {score:.4f}; sklearn's OOB score on the same rows is {ref:.4f} "
          "(allowed difference 0.03).", hint=OOB_HINT if score > ref else
          "average the OOB trees' probabilities for each row and compare the argmax class with y")


@pytest.mark.points(2)
def test_oob_is_not_optimistic(learner, rng):
    """On noisy data (20% of labels flipped, best possible accuracy 0.8) the training accuracy of a 50-tree forest is
    ~1.0, but its OOB score is an honest 0.6-0.85."""
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    flip = rng.random(300) < 0.2
    y[flip] = 1 - y[flip]
    forest = learner.fit_forest(X, y, 50, rng)
    score = learner.oob_score(forest, X, y)
    check(0.6 <= score <= 0.85, f"oob_score = {score:.3f} on data whose labels are 20% noise; expected 0.6-0.85 "
          "(an accuracy above 0.8 is impossible on fresh data).", hint=OOB_HINT if score > 0.85 else
          "each row's OOB prediction is the argmax of the averaged probabilities of its OOB trees")


def test_test_accuracy(learner, cancer):
    """The 50-tree forest predicts the 169 held-out breast_cancer rows with accuracy >= 0.90, and predict_proba rows
    sum to 1."""
    _, _, X_test, y_test, forest = cancer()
    proba = np.asarray(learner.predict_proba(forest, X_test))
    assert_shape(proba, (len(y_test), 2), name="predict_proba on the test rows")
    assert_close(proba.sum(axis=1), np.ones(len(y_test)), rtol=1e-9, atol=1e-9, name="predict_proba rows summed",
                 hint="average (np.mean over trees), do not sum")
    acc = np.mean(np.asarray(learner.predict(forest, X_test)) == y_test)
    check(acc >= 0.90, f"test accuracy {acc:.3f}; a random forest reaches ~0.95 on breast_cancer.",
          hint="fit each tree on its bootstrap rows X[idx], y[idx] (not on shuffled labels) and average the trees")
