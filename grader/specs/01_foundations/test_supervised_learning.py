"""Spec for 01_foundations/supervised_learning.py: task type, distances, nearest centroid, k-NN regression."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.neighbors import KNeighborsRegressor
from sklearn.neighbors import NearestCentroid as SkNearestCentroid

from grader.testing import assert_close, assert_equal, assert_shape, check

LABEL_HINT = ("predict must return labels taken from classes_ (classes_[argmin]), not the position of the "
              "nearest centroid: labels need not be 0..K-1, and can be strings")
TIE_HINT = ("sort the distances with np.argsort(dist, axis=1, kind='stable') and keep exactly the first k: the stable "
            "sort keeps equidistant training points in index order. The default quicksort and np.argpartition order "
            "ties arbitrarily, and taking every point within the k-th distance uses more than k neighbours")


def _fit(model, X, y):
    """Call fit and check that it returns the model itself."""
    out = model.fit(X, y)
    check(out is model, f"{type(model).__name__}.fit returned {type(out).__name__}, not the model itself.",
          "end fit with `return self`, so that calls chain: Model().fit(X, y).predict(X_new)")
    return model


def _assert_labels(got, expected, *, name, hint=""):
    """Exact equality of label arrays, strings included (assert_equal only compares numbers)."""
    check(got is not None, f"{name} is None: the function returned nothing.", "a missing `return` statement?")
    got, expected = np.asarray(got), np.asarray(expected)
    check(got.shape == expected.shape, f"{name} has shape {got.shape}, expected {expected.shape}.", hint)
    bad = np.flatnonzero(got.astype(object) != expected.astype(object))
    check(bad.size == 0,
          f"{name} differs from the expected labels in {bad.size} of {got.size} places; first at index {bad[0] if bad.size else 0}: "
          f"got {got[bad[0]].item() if bad.size else None!r}, expected {expected[bad[0]].item() if bad.size else None!r}.",
          hint)


def _task(learner, y):
    out = learner.task_type(np.asarray(y))
    check(out in ("classification", "regression"),
          f"task_type returned {out!r}; it must return the string 'classification' or 'regression'.")
    return out


def test_task_type_rule(learner):
    """Bools, ints and strings are classification; floats are regression only if some value has a fractional part."""
    cases = [
        (np.array([0, 1, 2, 1]), "classification", "integer labels"),
        (np.arange(500), "classification", "integers with 500 distinct values (still ints)"),
        (np.array([True, False, True]), "classification", "booleans"),
        (np.array(["spam", "ham", "spam"]), "classification", "strings"),
        (np.array(["a", "b"], dtype=object), "classification", "an object array of strings"),
        (np.array([0.0, 1.0, 1.0]), "classification", "integer-valued floats (labels read from a CSV)"),
        (np.array([-3.0, 2.0, 7.0]), "classification", "negative integer-valued floats"),
        (np.array([7.0]), "classification", "a single integer-valued float"),
        (np.array([0.5, 1.2]), "regression", "two fractional floats"),
        (np.array([1.0, 2.0, 2.5, 3.0]), "regression", "floats with one fractional value"),
        (np.array([-0.5]), "regression", "a single negative fractional float"),
        (np.array([3.0, 4.25], dtype=np.float32), "regression", "float32 with a fractional value"),
    ]
    for y, expected, what in cases:
        got = _task(learner, y)
        hint = ("decide from y's dtype first: bool, int, str or object -> classification. Only for floating dtypes look "
                "at the values: any y != np.floor(y) -> regression, else classification. Counting distinct values is "
                "not the rule")
        assert_equal(got, expected, name=f"task_type({what}: {y[:4].tolist()})", hint=hint)


def test_task_type_on_real_targets(learner, rng):
    """Iris and wine targets are classification; noisy measurements (normal draws, float32 too) are regression."""
    assert_equal(_task(learner, load_iris().target), "classification", name="task_type(iris target)",
                 hint="integer labels are classification")
    assert_equal(_task(learner, load_wine().target.astype(float)), "classification",
                 name="task_type(wine target as floats 0.0/1.0/2.0)", hint="integer-valued floats are class labels")
    y = rng.normal(size=50)
    assert_equal(_task(learner, y), "regression", name="task_type(50 normal draws)",
                 hint="floats with fractional parts are regression targets")
    assert_equal(_task(learner, y.astype(np.float32)), "regression", name="task_type(50 normal draws, float32)",
                 hint="np.float32 is a floating dtype too: test np.issubdtype(y.dtype, np.floating), not y.dtype == float")


def test_pairwise_distances_by_hand(learner):
    """A = [[0, 0], [3, 4]], B = [[0, 0], [1, 0], [3, 0]] give [[0, 1, 3], [5, sqrt(20), 4]], shape (M, N) = (2, 3)."""
    A = np.array([[0.0, 0.0], [3.0, 4.0]])
    B = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    got = learner.pairwise_distances(A, B)
    assert_shape(got, (2, 3), name="pairwise_distances(A, B)",
                 hint="one row per point of A and one column per point of B: (M, N)")
    assert_close(got, [[0.0, 1.0, 3.0], [5.0, np.sqrt(20.0), 4.0]], rtol=1e-12, atol=1e-12,
                 name="pairwise_distances(A, B)",
                 hint="Euclidean distance: sqrt of the sum over the D coordinates (axis=-1) of the squared differences")


def test_pairwise_distances_far_from_origin(learner, rng):
    """Points near 1e6 that differ by O(1) match scipy's cdist to 1e-9, and a point's distance to itself is exactly 0, not nan."""
    A = 1e6 + rng.normal(size=(20, 3))
    B = np.concatenate([A[:5], 1e6 + rng.normal(size=(15, 3))])  # the first five points of A appear in B too
    with np.errstate(invalid="ignore"):
        got = np.asarray(learner.pairwise_distances(A, B), dtype=float)
    hint = ("the shortcut ||a||^2 - 2 a.b + ||b||^2 subtracts numbers near 3e12 to get ones near 1: it loses about 12 "
            "digits and can go slightly negative (sqrt -> nan). Subtract first: A[:, None, :] - B[None, :, :]")
    assert_shape(got, (20, 20), name="pairwise_distances(A, B)")
    check(np.all(np.isfinite(got)), f"{int(np.sum(~np.isfinite(got)))} distances are nan or inf.", hint)
    assert_close(np.diag(got[:5, :5]), np.zeros(5), atol=0.0, rtol=0.0, name="distances of points to themselves",
                 hint=hint)
    assert_close(got, cdist(A, B), rtol=1e-9, atol=1e-9, name="pairwise_distances vs scipy cdist", hint=hint)


@pytest.mark.points(2)
def test_nearest_centroid_by_hand(learner):
    """Worked example (string labels), sparse int labels 5/10/20 sorted into classes_, and an exact tie going to the earlier class."""
    X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [12.0, 10.0]])
    y = np.array(["cat", "cat", "dog", "dog"])
    model = _fit(learner.NearestCentroid(), X, y)
    _assert_labels(model.classes_, np.array(["cat", "dog"]), name="classes_",
                 hint="classes_ is the sorted distinct labels, np.unique(y)")
    assert_close(model.centroids_, [[1.0, 0.0], [11.0, 10.0]], name="centroids_",
                 hint="row k is the mean (axis=0) of the training rows labelled classes_[k]")
    _assert_labels(model.predict(np.array([[3.0, 1.0], [9.0, 9.0]])), np.array(["cat", "dog"]),
                 name="predict on the worked example", hint=LABEL_HINT)

    # Labels 20, 5, 10 in order of appearance; classes_ must be sorted: [5, 10, 20].
    X = np.array([[0.0], [1.0], [10.0], [11.0], [20.0], [22.0]])
    y = np.array([20, 20, 5, 5, 10, 10])
    model = _fit(learner.NearestCentroid(), X, y)
    assert_equal(np.asarray(model.classes_), np.array([5, 10, 20]), name="classes_ with labels 20, 5, 10",
                 hint="sort the labels (np.unique does), do not keep the order of first appearance")
    assert_close(model.centroids_, [[10.5], [21.0], [0.5]], name="centroids_ with labels 20, 5, 10",
                 hint="row k of centroids_ belongs to classes_[k] = the k-th label in sorted order")
    got = np.asarray(model.predict(np.array([[-3.0], [10.0], [30.0]])))
    assert_equal(got, np.array([20, 5, 10]), name="predict with labels 5, 10, 20", hint=LABEL_HINT)

    # x = 15.75 is exactly halfway between the centroids 10.5 (class 5) and 21.0 (class 10).
    got = np.asarray(model.predict(np.array([[15.75]])))
    assert_equal(got, np.array([5]), name="predict at a point equidistant from two centroids",
                 hint="on a tie the class that comes first in classes_ wins: np.argmin returns the first minimum")


def test_nearest_centroid_one_class_and_one_feature(learner, rng):
    """A training set with a single class predicts that class everywhere; a single training row is its own centroid."""
    X = rng.normal(size=(10, 3))
    model = _fit(learner.NearestCentroid(), X, np.full(10, 7))
    assert_shape(model.centroids_, (1, 3), name="centroids_ with one class", hint="one row per class: (K, D)")
    assert_close(model.centroids_, X.mean(axis=0, keepdims=True), name="centroids_ with one class")
    assert_equal(np.asarray(model.predict(rng.normal(size=(4, 3)))), np.full(4, 7), name="predict with one class",
                 hint=LABEL_HINT)
    model = _fit(learner.NearestCentroid(), np.array([[2.0, -1.0]]), np.array(["only"]))
    assert_close(model.centroids_, [[2.0, -1.0]], name="centroids_ of a single training row")
    _assert_labels(model.predict(np.array([[100.0, 100.0]])), np.array(["only"]),
                 name="predict after fitting one row", hint=LABEL_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("loader", [load_iris, load_wine], ids=["iris", "wine"])
def test_nearest_centroid_matches_sklearn(learner, rng, loader):
    """On a random half of iris / wine: centroids_ and test-set predictions equal sklearn's NearestCentroid (labels shifted to 10, 20, 30)."""
    data = loader()
    X, y = data.data, 10 * (data.target + 1)  # labels 10, 20, 30: positions 0..2 are not labels
    perm = rng.permutation(len(y))
    train, test = perm[: len(y) // 2], perm[len(y) // 2:]
    ref = SkNearestCentroid().fit(X[train], y[train])
    model = _fit(learner.NearestCentroid(), X[train], y[train])
    assert_equal(np.asarray(model.classes_), ref.classes_, name="classes_", hint="np.unique(y)")
    assert_close(model.centroids_, ref.centroids_, rtol=1e-12, atol=1e-12, name="centroids_",
                 hint="row k is the mean of the rows labelled classes_[k]")
    assert_equal(np.asarray(model.predict(X[test])), ref.predict(X[test]), name="predictions on the held-out half",
                 hint=LABEL_HINT)


@pytest.mark.points(2)
def test_knn_by_hand_and_edge_cases(learner):
    """Worked example; k = 1 with one training row; k = N predicts the mean everywhere; k < 1 or k > N raise ValueError."""
    X = np.array([[0.0], [1.0], [3.0]])
    y = np.array([1.0, 2.0, 10.0])
    model = _fit(learner.KNNRegressor(k=2), X, y)
    got = model.predict(np.array([[0.9], [2.5], [-4.0]]))
    assert_shape(got, (3,), name="predict(X) of 3 queries", hint="one prediction per query row: (M,)")
    assert_close(got, [1.5, 6.0, 1.5], name="KNNRegressor(k=2).predict",
                 hint="for each query average the targets of the k nearest training points "
                      "(0.9 -> x = 1 and x = 0; 2.5 -> x = 3 and x = 1; -4 -> x = 0 and x = 1); "
                      "all k of them, starting from the nearest")
    model = _fit(learner.KNNRegressor(k=1), np.array([[5.0, 5.0]]), np.array([42.0]))
    assert_close(model.predict(np.array([[0.0, 0.0], [9.0, -3.0]])), [42.0, 42.0],
                 name="k = 1 with a single training row")
    model = _fit(learner.KNNRegressor(k=3), X, y)
    assert_close(model.predict(np.array([[-100.0], [1.0], [100.0]])), np.full(3, 13.0 / 3.0),
                 name="k = N (every training point): the mean of y everywhere")
    for k in (0, 4):
        try:
            learner.KNNRegressor(k=k).fit(X, y)
        except ValueError:
            continue
        check(False, f"KNNRegressor(k={k}).fit on 3 training samples did not raise ValueError.",
              "check 1 <= k <= N in fit and raise ValueError otherwise")


@pytest.mark.points(2)
def test_knn_ties_broken_by_training_index(learner, rng):
    """Grid points at exactly equal distances (shuffled): the k nearest are chosen by a stable sort, lower training index first."""
    g = np.arange(-4.0, 5.0)
    X = np.array([[a, b] for a in g for b in g])  # 81 points of a 9 x 9 integer grid
    X = X[rng.permutation(len(X))]
    y = rng.normal(size=len(X)).round(3)
    queries = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 0.0], [0.0, 2.0]])
    dist = cdist(queries, X)
    for k in (2, 3, 6, 7, 11, 17, 30):
        nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
        expected = y[nearest].mean(axis=1)
        got = _fit(learner.KNNRegressor(k=k), X, y).predict(queries)
        assert_close(got, expected, rtol=1e-12, atol=1e-12, name=f"KNNRegressor(k={k}) on a grid with distance ties",
                     hint=TIE_HINT)


@pytest.mark.points(2)
def test_knn_matches_sklearn(learner, rng):
    """Random data and the diabetes set, several k: predictions equal sklearn's KNeighborsRegressor; 1-NN has zero training error."""
    X, y = rng.normal(size=(120, 4)), rng.normal(size=120)
    Xq = rng.normal(size=(40, 4))
    for k in (1, 5, 17, 120):
        ref = KNeighborsRegressor(n_neighbors=k, algorithm="brute").fit(X, y).predict(Xq)
        got = _fit(learner.KNNRegressor(k=k), X, y).predict(Xq)
        assert_close(got, ref, rtol=1e-10, atol=1e-12, name=f"KNNRegressor(k={k}).predict on random data",
                     hint="average the targets of exactly the k nearest training points (Euclidean distance)")
    # 1-NN on its own training set: every point is its own nearest neighbour (no duplicate rows here).
    assert_close(_fit(learner.KNNRegressor(k=1), X, y).predict(X), y, rtol=1e-12, atol=1e-12,
                 name="1-NN predictions on the training set",
                 hint="the nearest training point to a training point is itself, at distance 0: do not skip it, and "
                      "make sure that distance comes out as 0, not nan (the ||a||^2 - 2a.b + ||b||^2 shortcut can go negative)")
    data = load_diabetes()
    perm = rng.permutation(len(data.target))
    train, test = perm[:300], perm[300:]
    ref = KNeighborsRegressor(n_neighbors=9, algorithm="brute").fit(data.data[train], data.target[train])
    got = _fit(learner.KNNRegressor(k=9), data.data[train], data.target[train]).predict(data.data[test])
    assert_close(got, ref.predict(data.data[test]), rtol=1e-10, atol=1e-10,
                 name="KNNRegressor(k=9).predict on diabetes")
