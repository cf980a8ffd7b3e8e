"""Spec for 01_foundations/decision_tree.py: impurities, the best split, growth limits, and CART vs scikit-learn.

About the comparison with scikit-learn: DecisionTreeClassifier visits the features in a random order (even with
max_features=None), so when two splits have exactly the same cost its choice depends on random_state; with few
samples per node such ties are common (a node [a, b, c] of three classes splits a|bc or ab|c at the same cost).
(Two features that cut off the same samples tie too: same training partition, different test predictions.)
The comparison therefore uses continuous random data and draws it again until sklearn's tree has no tie at any
inner node (the spec enumerates every allowed split there and requires a unique minimum cost); on such data the
tree is unique, and the learner's must give exactly the same training partition and test predictions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from grader.testing import assert_close, assert_equal, check

SPLIT_HINT = ("try the MIDPOINTS between consecutive DISTINCT sorted values of each feature, send x <= t left, and "
              "minimise (n_L/n) I(left) + (n_R/n) I(right); both children need >= min_samples_leaf samples")


# --------------------------------------------------------------------- helpers


def _data(rng, n):
    """Continuous features, three classes from a noisy nonlinear score."""
    X = rng.normal(size=(n, 4))
    s = X[:, 0] + 0.5 * X[:, 1] ** 2 - X[:, 2] * X[:, 3] + 0.5 * rng.normal(size=n)
    return X, np.digitize(s, np.quantile(s, [0.33, 0.66]))


def _canon(ids):
    """Relabel group ids by order of first appearance, so two partitions compare with ==."""
    ids = np.asarray(ids)
    _, first = np.unique(ids, return_index=True)
    relabel = {v: k for k, v in enumerate(ids[np.sort(first)])}
    return np.array([relabel[i] for i in ids])


def _leaf_of(tree, X):
    """For each row, the identity of the learner's leaf it reaches (walking Node fields, not the learner's predict)."""
    out = []
    for x in X:
        node = tree
        while node.left is not None:
            node = node.left if x[node.feature] <= node.threshold else node.right
        out.append(id(node))
    return np.array(out)


def _nodes(tree, depth=0):
    """(node, depth) for every node."""
    yield tree, depth
    if tree.left is not None:
        yield from _nodes(tree.left, depth + 1)
        yield from _nodes(tree.right, depth + 1)


def _impurity(counts, criterion):
    """Gini or entropy (bits) of each row of class counts."""
    p = counts / counts.sum(axis=1, keepdims=True)
    if criterion == "gini":
        return 1.0 - np.sum(p**2, axis=1)
    return -np.sum(p * np.log2(np.where(p > 0, p, 1.0)), axis=1)


def _split_costs(X, y, min_samples_leaf, criterion):
    """Every allowed split's weighted child impurity at one node (the spec's own enumeration), as a flat array."""
    n = len(y)
    out = []
    for j in range(X.shape[1]):
        order = np.argsort(X[:, j], kind="stable")
        xs, one_hot = X[order, j], np.eye(3)[y[order]]
        left = np.cumsum(one_hot, axis=0)[:-1]
        right = left[-1] + one_hot[-1] - left
        n_left = np.arange(1, n)
        ok = (xs[:-1] < xs[1:]) & (n_left >= min_samples_leaf) & (n - n_left >= min_samples_leaf)
        cost = (n_left * _impurity(left, criterion) + (n - n_left) * _impurity(right, criterion)) / n
        out.append(cost[ok])
    return np.concatenate(out)


def _tie_free(rng, criterion, max_depth, min_samples_leaf, n=200):
    """Data on which sklearn's tree has no tie: at every inner node, exactly one candidate split has the lowest cost."""
    for _ in range(40):
        X, y = _data(rng, n)
        X_test, _ = _data(rng, 300)
        ref = DecisionTreeClassifier(criterion=criterion, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                     random_state=0).fit(X, y)
        paths = ref.decision_path(X).tocsc()
        tied = False
        for node in np.flatnonzero(ref.tree_.children_left >= 0):
            idx = paths[:, node].nonzero()[0]
            cost = _split_costs(X[idx], y[idx], min_samples_leaf, criterion)
            if np.sum(cost <= cost.min() + 1e-9) > 1:
                tied = True
                break
        if not tied:
            return X, y, X_test, ref
    raise AssertionError("spec error: no tie-free data set found")  # pragma: no cover


def _strict(fn, *args, what, hint):
    try:
        with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {type(exc).__name__}: {exc}", hint=hint)


# --------------------------------------------------------------------- tests


def test_impurity_by_hand(learner):
    """gini([2, 2]) = 0.5, gini([3, 0]) = 0, gini([1, 1, 1]) = 2/3; entropy([2, 2]) = 1 bit, entropy([1, 1, 1, 1]) = 2,
    entropy([3, 0]) = 0 with no log(0) warning; both work on a (3, 2) stack of count vectors."""
    ent_hint = "-sum p log2 p with 0 log 0 = 0: p * np.log2(p) is nan for p = 0, so skip (or mask) empty classes"
    assert_close(learner.gini(np.array([2, 2])), 0.5, rtol=1e-12, name="gini([2, 2])", hint="1 - sum_k p_k^2 with p = counts / n")
    assert_close(learner.gini(np.array([3, 0])), 0.0, atol=1e-12, name="gini([3, 0])", hint="a pure node has impurity 0")
    assert_close(learner.gini(np.array([1, 1, 1])), 2 / 3, rtol=1e-12, name="gini([1, 1, 1])")
    assert_close(learner.entropy(np.array([2, 2])), 1.0, rtol=1e-12, name="entropy([2, 2])", hint="entropy is in bits: use log2")
    assert_close(learner.entropy(np.array([1, 1, 1, 1])), 2.0, rtol=1e-12, name="entropy([1, 1, 1, 1])", hint="in bits: log2")
    got = _strict(learner.entropy, np.array([3, 0]), what="entropy([3, 0])", hint=ent_hint)
    assert_close(got, 0.0, atol=1e-12, name="entropy([3, 0])", hint=ent_hint)
    counts = np.array([[2, 2], [3, 0], [1, 3]])
    assert_close(learner.gini(counts), [0.5, 0.0, 0.375], rtol=1e-12, atol=1e-12, name="gini of a (3, 2) stack",
                 hint="normalise and sum over the LAST axis (the classes): counts / counts.sum(-1, keepdims=True)")
    h = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    got = _strict(learner.entropy, counts, what="entropy of a (3, 2) stack", hint=ent_hint)
    assert_close(got, [1.0, 0.0, h], rtol=1e-12, atol=1e-12, name="entropy of a (3, 2) stack", hint=ent_hint)


@pytest.mark.points(2)
def test_best_split_by_hand(learner):
    """The docstring's example: X = [1, 1, 2, 2, 3], y = [0, 0, 0, 1, 1]: thresholds 1.5 (cost 4/15) and 2.5 (cost 0.3),
    never between equal values; min_samples_leaf 2 still allows 1.5, 3 allows nothing (None); a second, better
    feature wins; identical rows cannot be split."""
    X = np.array([[1.0], [1.0], [2.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 1, 1])
    got = learner.best_split(X, y, 2)
    check(got is not None and len(got) == 3, f"best_split returned {got!r}; expected (feature, threshold, cost).")
    feature, threshold, cost = got
    dup_hint = ("a split between two EQUAL values (1 | 1 or 2 | 2) is not a split: x <= t sends both left. Only gaps "
                "between distinct sorted values are candidates")
    check(not (threshold in (1.0, 2.0) and cost < 0.2),
          f"best_split chose threshold {threshold} with cost {cost}: a split inside a run of equal values.", hint=dup_hint)
    weight_hint = ("weight each child's impurity by its share of the samples: at 1.5 the cost is 2/5 * 0 + 3/5 * 4/9 "
                   "= 0.267, at 2.5 it is 4/5 * 0.375 + 1/5 * 0 = 0.3; a plain average of the two would prefer 2.5")
    assert_equal(int(feature), 0, name="feature")
    assert_close(threshold, 1.5, rtol=1e-12, name="threshold",
                 hint=weight_hint if np.isclose(threshold, 2.5) else
                 "thresholds are MIDPOINTS between consecutive distinct values: (1 + 2) / 2, not 1 or 2")
    assert_close(cost, 4 / 15, rtol=1e-9, name="cost", hint=weight_hint)

    got = learner.best_split(X, y, 2, "gini", 2)
    check(got is not None, "best_split(min_samples_leaf=2) returned None; the split at 1.5 leaves 2 and 3 samples.")
    assert_close(got[1], 1.5, rtol=1e-12, name="threshold with min_samples_leaf=2",
                 hint="2.5 would leave 1 sample on the right: not allowed; 1.5 (2 | 3) is")
    check(learner.best_split(X, y, 2, "gini", 3) is None,
          "best_split(min_samples_leaf=3) on 5 samples should be None: no split leaves 3 on both sides.",
          hint="skip candidates with fewer than min_samples_leaf samples on either side; return None if none is left")

    X2 = np.column_stack([X[:, 0], [0.0, 0.1, 0.2, 0.9, 1.0]])  # feature 1 separates the classes perfectly
    got = learner.best_split(X2, y, 2, "entropy")
    assert_equal((int(got[0]), round(float(got[1]), 12)), (1, 0.55), name="(feature, threshold) with a perfect 2nd feature",
                 hint="scan every feature and keep the lowest cost over all of them (with criterion='entropy', a pure "
                      "child has entropy 0, not nan)")
    assert_close(got[2], 0.0, atol=1e-12, name="cost of a perfect split")
    check(learner.best_split(np.ones((4, 2)), np.array([0, 1, 0, 1]), 2) is None,
          "best_split on identical rows should return None.", hint="no two distinct values: no candidate threshold")


@pytest.mark.points(2)
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_best_split_matches_sklearn_stump(learner, rng, criterion):
    """On 200 random samples, best_split's (feature, threshold) equals the root split of sklearn's
    DecisionTreeClassifier(max_depth=1), and its cost equals the children's impurities weighted by size."""
    X, y, _, ref = _tie_free(rng, criterion, 1, 1)
    got = learner.best_split(X, y, 3, criterion)
    t = ref.tree_
    left, right = t.children_left[0], t.children_right[0]
    n = t.n_node_samples
    cost = (n[left] * t.impurity[left] + n[right] * t.impurity[right]) / n[0]
    check(got is not None, "best_split returned None on 200 samples.")
    assert_equal(int(got[0]), int(t.feature[0]), name=f"{criterion}: the root split's feature", hint=SPLIT_HINT)
    assert_close(got[1], t.threshold[0], rtol=1e-6, atol=1e-6, name=f"{criterion}: the root split's threshold",
                 hint=SPLIT_HINT)
    assert_close(got[2], cost, rtol=1e-9, name=f"{criterion}: the root split's cost", hint=SPLIT_HINT)


def test_tiny_and_pure_data(learner):
    """One class only: the tree is a single leaf predicting it. One sample: a leaf. Identical rows with labels
    [1, 1, 0]: a leaf predicting 1; with [1, 0]: a tie, predicting the smaller label 0."""
    X = np.arange(6.0).reshape(3, 2)
    tree = learner.fit(X, np.array([2, 2, 2]))
    check(tree.left is None and tree.right is None, "a tree fitted on a single class has children.",
          hint="a pure node is a leaf: stop before searching for a split")
    assert_equal(np.asarray(learner.predict(tree, X)), np.array([2, 2, 2]), name="predict (one class)",
                 hint="the leaf predicts the class with the largest count; keep counts of length max(y) + 1")
    tree = learner.fit(np.array([[0.5, -1.0]]), np.array([1]))
    assert_equal(np.asarray(learner.predict(tree, np.array([[9.0, 9.0]]))), np.array([1]), name="predict (one sample)")
    same = np.ones((3, 2))
    tree = learner.fit(same, np.array([1, 1, 0]))
    check(tree.left is None, "identical rows were split.", hint="best_split finds no candidate: the node stays a leaf")
    assert_equal(np.asarray(learner.predict(tree, same[:1])), np.array([1]), name="predict (identical rows, labels [1, 1, 0])")
    tree = learner.fit(np.ones((2, 2)), np.array([1, 0]))
    assert_equal(np.asarray(learner.predict(tree, np.ones((1, 2)))), np.array([0]), name="predict on a tied leaf",
                 hint="np.argmax(counts) picks the smallest label among ties, as scikit-learn does")


def test_unlimited_tree_memorises(learner, rng):
    """With no limits, a tree on 150 distinct points with RANDOM labels classifies every training point correctly,
    and its leaves are pure; so does a tree on XOR, whose first split gains nothing."""
    X = rng.normal(size=(150, 3))
    y = rng.integers(0, 3, size=150)
    tree = learner.fit(X, y)
    acc = np.mean(np.asarray(learner.predict(tree, X)) == y)
    check(acc == 1.0, f"training accuracy of an unlimited tree is {acc:.3f}; expected 1.0 on distinct points.",
          hint="keep splitting until every node is pure (max_depth=None means no limit); " + SPLIT_HINT)
    impure = [node for node, _ in _nodes(tree) if node.left is None and np.count_nonzero(node.counts) > 1]
    check(not impure, f"{len(impure)} leaves are impure.", hint="only pure nodes (or unsplittable ones) may become leaves")
    xor = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    tree = learner.fit(xor, np.array([0, 1, 1, 0]))
    assert_equal(np.asarray(learner.predict(tree, xor)), np.array([0, 1, 1, 0]), name="predict on XOR",
                 hint="on XOR the first split does not lower the impurity at all (0.5 before and after), yet it is "
                      "needed: split every impure node that can be split, like scikit-learn, whatever the gain")


@pytest.mark.points(2)
def test_limits_respected(learner, rng):
    """max_depth = 1..4 gives a tree of exactly that depth on noisy data; min_samples_leaf = 7 and 25 leave at least
    that many training samples in every leaf; every inner node's counts are the sum of its children's."""
    X, y = _data(rng, 200)
    for depth in (1, 2, 3, 4):
        tree = learner.fit(X, y, "gini", depth)
        got = max(d for _, d in _nodes(tree))
        check(got == depth, f"with max_depth={depth} the tree has depth {got} (the root is at depth 0).",
              hint="a node at depth == max_depth becomes a leaf; its children would be at depth + 1" if got > depth
              else "keep splitting until depth == max_depth (noisy data never becomes pure that fast)")
    for msl in (7, 25):
        tree = learner.fit(X, y, "entropy", None, msl)
        small = [int(node.counts.sum()) for node, _ in _nodes(tree) if node.left is None and node.counts.sum() < msl]
        check(not small, f"with min_samples_leaf={msl}, leaves hold only {sorted(small)[:5]} training samples.",
              hint="best_split must only consider splits with >= min_samples_leaf samples on EACH side")
        for node, _ in _nodes(tree):
            if node.left is not None:
                check(np.array_equal(node.counts, node.left.counts + node.right.counts),
                      "a node's counts differ from the sum of its children's counts.",
                      hint="each node stores np.bincount(y[idx], minlength=C) of the samples that reached it; the "
                           "children split exactly those samples with x[feature] <= threshold")
    acc = np.mean(np.asarray(learner.predict(learner.fit(X, y, "gini", None, 25), X)) == y)
    check(acc < 1.0, "with min_samples_leaf=25 the tree still fits noisy training data perfectly.",
          hint="min_samples_leaf must stop the growth")


@pytest.mark.points(3)
@pytest.mark.parametrize("criterion,max_depth,min_samples_leaf",
                         [("gini", 2, 1), ("gini", 3, 1), ("entropy", 3, 1), ("gini", 4, 5), ("entropy", 4, 5),
                          ("gini", None, 10)])
def test_matches_sklearn(learner, rng, criterion, max_depth, min_samples_leaf):
    """On tie-free continuous data (200 training, 300 test samples), the tree partitions the training set into the same
    leaves as sklearn's DecisionTreeClassifier with the same criterion / max_depth / min_samples_leaf, and predicts
    the same test labels."""
    X, y, X_test, ref = _tie_free(rng, criterion, max_depth, min_samples_leaf)
    tree = learner.fit(X, y, criterion, max_depth, min_samples_leaf)
    what = f"criterion={criterion!r}, max_depth={max_depth}, min_samples_leaf={min_samples_leaf}"
    ours, theirs = _canon(_leaf_of(tree, X)), _canon(ref.apply(X))
    n_ours, n_theirs = len(np.unique(ours)), len(np.unique(theirs))
    depth = max(d for _, d in _nodes(tree))
    smallest = min(int(node.counts.sum()) for node, _ in _nodes(tree) if node.left is None)
    hint = SPLIT_HINT
    if max_depth is not None and depth > max_depth:
        hint = f"the tree has depth {depth} > max_depth: a node at depth == max_depth must be a leaf"
    elif smallest < min_samples_leaf:
        hint = f"a leaf holds only {smallest} samples: splits need >= min_samples_leaf samples on each side"
    check(np.array_equal(ours, theirs),
          f"{what}: the training samples are grouped into leaves differently from sklearn ({n_ours} leaves vs "
          f"{n_theirs}).", hint=hint)
    assert_equal(np.asarray(learner.predict(tree, X_test)), ref.predict(X_test), name=f"{what}: test predictions",
                 hint="each leaf predicts argmax of its counts; thresholds are midpoints, x <= t goes left")
