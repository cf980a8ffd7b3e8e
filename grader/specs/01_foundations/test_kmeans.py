"""Spec for 01_foundations/kmeans.py: assignment, k-means++ (statistically), Lloyd, empty clusters, vs sklearn KMeans."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris

from grader.testing import assert_close, assert_equal, assert_shape, check

PP_HINT = ("k-means++: the first centre is uniform over the points (rng.integers(N)); each next one is drawn with "
           "probability D(x)^2 / sum D^2, where D(x) is the distance to the NEAREST centre chosen so far "
           "(keep d2 = np.minimum(d2, distance^2 to the new centre)), squared, not the plain distance")
LLOYD_HINT = ("repeat: each centre becomes the mean of its points, then reassign every point to its nearest centre; "
              "stop only when the labels no longer change")
EMPTY_HINT = ("an empty cluster must not become the mean of nothing (nan) nor keep its old centre: it takes the "
              "point with the largest d2 from the latest assign (several empty clusters take the largest, second "
              "largest, ... in cluster order)")


# --------------------------------------------------------------------- helpers


def _result(out, what):
    check(isinstance(out, (tuple, list)) and len(out) == 3,
          f"{what} should return (centres, labels, inertia); got {type(out).__name__}.")
    centres, labels, inertia = out
    check(np.size(inertia) == 1, f"{what}: inertia should be one number, got shape {np.shape(inertia)}.")
    return np.asarray(centres, dtype=float), np.asarray(labels), float(np.ravel(inertia)[0])


def _sq_dists(X, C):
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)


def _blobs(rng, n=300, k=6):
    centres = rng.uniform(-10, 10, size=(k, 2))
    return centres[rng.integers(k, size=n)] + rng.normal(size=(n, 2))


def _check_fixed_point(X, centres, labels, inertia, where):
    """Labels are nearest-centre, centres are their clusters' means, inertia is the sum of squared distances."""
    k = len(centres)
    sq = _sq_dists(X, centres)
    check(np.all(np.isfinite(centres)), f"centres{where} contain nan or inf.", hint=EMPTY_HINT)
    assert_equal(labels, np.argmin(sq, axis=1), name=f"labels{where}",
                 hint="every point must belong to its nearest returned centre: assign once more after the last "
                      "update and stop only when the labels no longer change")
    means = np.array([X[labels == j].mean(0) if np.any(labels == j) else centres[j] for j in range(k)])
    assert_close(centres, means, rtol=1e-9, atol=1e-9, name=f"centres{where}",
                 hint="at convergence every centre is the mean of the points assigned to it. " + LLOYD_HINT)
    assert_close(inertia, sq[np.arange(len(X)), labels].sum(), rtol=1e-9, atol=1e-12, name=f"inertia{where}",
                 hint="inertia = sum over points of the SQUARED distance to their own centre (a sum, not a mean)")


def _pp_frequencies(learner, X, k, seed, trials):
    """How often each ordered tuple of chosen point indices comes out of the learner's k-means++."""
    rng = np.random.default_rng(seed)
    index = {tuple(row): i for i, row in enumerate(X.tolist())}  # the rows of X are distinct
    counts: dict[tuple, int] = {}
    for _ in range(trials):
        C = np.asarray(learner.kmeans_plus_plus(X, k, rng), dtype=float)
        check(C.shape == (k, X.shape[1]), f"kmeans_plus_plus returned shape {C.shape}, expected {(k, X.shape[1])}.")
        rows = [tuple(c) for c in C.tolist()]
        for row in rows:
            check(row in index, f"kmeans_plus_plus returned a centre {list(row)} that is not a data point.",
                  "k-means++ centres are rows of X: X[chosen]")
        tup = tuple(index[row] for row in rows)
        counts[tup] = counts.get(tup, 0) + 1
    return counts


def _pp_probabilities(X, k):
    """The exact k-means++ distribution over ordered tuples of distinct point indices."""
    N = len(X)
    sq = _sq_dists(X, X)
    probs = {}
    for tup in itertools.permutations(range(N), k):
        p = 1.0 / N
        for step in range(1, k):
            d2 = sq[list(tup[:step])].min(axis=0)
            p *= d2[tup[step]] / d2.sum()
        probs[tup] = p
    return probs


def _check_distribution(counts, probs, trials, what):
    for tup in set(counts) - set(probs):
        check(False, f"{what}: the centres {list(tup)} (point indices) were chosen {counts[tup]} times, but a "
                     "point already chosen (distance 0) can never be chosen again.", hint=PP_HINT)
    for tup, p in probs.items():
        got = counts.get(tup, 0)
        sd = np.sqrt(trials * p * (1 - p))
        check(abs(got - trials * p) <= 5 * sd + 2,
              f"{what}: the centres {list(tup)} (point indices, in order) were chosen {got} times in {trials} draws; "
              f"k-means++ chooses them with probability {p:.4f}, about {trials * p:.0f} times.", hint=PP_HINT)


# --------------------------------------------------------------------- assign


def test_assign_by_hand(learner):
    """assign on the docstring's points: labels [0, 0, 0, 1, 1], d2 [1, 0, 1, 0.25, 0.25]; a tie goes to the lower
    centre index."""
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    labels, d2 = learner.assign(X, np.array([[1.0], [10.5]]))
    assert_equal(labels, [0, 0, 0, 1, 1], name="labels", hint="labels[n] = argmin_j ||x_n - c_j||^2")
    assert_close(d2, [1.0, 0.0, 1.0, 0.25, 0.25], rtol=1e-12, atol=1e-12, name="d2",
                 hint="d2 is the SQUARED distance to the nearest centre (no square root)")
    labels, d2 = learner.assign(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [-1.0, 0.0], [3.0, 0.0]]))
    assert_equal(labels, [0, 2], name="labels with a tie between centres 0 and 1",
                 hint="on a tie take the lowest centre index, as np.argmin does")
    assert_close(d2, [1.0, 16.0], rtol=1e-12, atol=1e-12, name="d2 in 2-D",
                 hint="sum the squared differences over the feature axis")


# --------------------------------------------------------------------- Lloyd


def test_lloyd_by_hand(learner):
    """Two obvious groups in 1-D from bad starting centres: Lloyd converges to centres 1 and 10.5, inertia 2.5; the
    caller's centres array is not modified."""
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    start = np.array([[0.0], [2.0]])
    centres, labels, inertia = _result(learner.lloyd(X, start), "lloyd")
    assert_equal(start, np.array([[0.0], [2.0]]), name="the centres passed to lloyd",
                 hint="work on a copy (np.array(centres, dtype=float)), not in place on the caller's array")
    assert_shape(centres, (2, 1), name="centres")
    assert_close(centres, [[1.0], [10.5]], rtol=1e-12, atol=1e-12, name="centres", hint=LLOYD_HINT)
    assert_equal(labels, [0, 0, 0, 1, 1], name="labels", hint=LLOYD_HINT)
    assert_close(inertia, 2.5, rtol=1e-12, name="inertia",
                 hint="1 + 0 + 1 + 0.25 + 0.25: the sum of squared distances to the final centres")


@pytest.mark.points(2)
def test_lloyd_empty_cluster(learner):
    """The docstring's example: centre 100 gets no points, jumps to x = 2 (largest d2), and Lloyd ends at centres
    0.5, 2, 10.5 with inertia 1; then two empty clusters at once take the two worst-served points."""
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        centres, labels, inertia = _result(learner.lloyd(X, np.array([[0.5], [100.0], [10.5]])), "lloyd")
    check(np.all(np.isfinite(centres)), f"lloyd returned centres {centres.ravel().tolist()} with nan or inf.",
          hint=EMPTY_HINT)
    assert_close(centres, [[0.5], [2.0], [10.5]], rtol=1e-12, atol=1e-12, name="centres", hint=EMPTY_HINT)
    assert_equal(labels, [0, 0, 1, 2, 2], name="labels", hint=EMPTY_HINT)
    assert_close(inertia, 1.0, rtol=1e-12, name="inertia", hint=EMPTY_HINT)
    # Clusters 1 and 2 both empty: they take x = 40 (d2 = 1600) and x = 30 (d2 = 900), in that order.
    X = np.array([[0.0], [1.0], [30.0], [40.0]])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        centres, labels, inertia = _result(learner.lloyd(X, np.array([[0.0], [-50.0], [-60.0]])), "lloyd")
    assert_close(centres, [[0.5], [40.0], [30.0]], rtol=1e-12, atol=1e-12,
                 name="centres (two empty clusters)", hint=EMPTY_HINT + "; argsort(-d2, kind='stable') gives the order")
    assert_equal(labels, [0, 0, 2, 1], name="labels (two empty clusters)", hint=EMPTY_HINT)


def test_lloyd_converges_to_a_fixed_point(learner, rng):
    """From random data points as centres, Lloyd returns nearest-centre labels, centres that are their clusters'
    means, and inertia = the sum of squared distances; it is no larger than the starting inertia."""
    for n, d, k in ((200, 2, 5), (60, 4, 3), (30, 3, 8)):
        X = rng.normal(size=(n, d))
        start = X[rng.choice(n, size=k, replace=False)]
        with np.errstate(all="ignore"):
            centres, labels, inertia = _result(learner.lloyd(X, start.copy()), "lloyd")
        assert_shape(centres, (k, d), name="centres")
        assert_shape(labels, (n,), name="labels")
        _check_fixed_point(X, centres, labels, inertia, where=f" (N={n}, D={d}, k={k})")
        check(inertia <= _sq_dists(X, start).min(1).sum() + 1e-9,
              "lloyd ended with a larger inertia than it started with.", hint=LLOYD_HINT)


# --------------------------------------------------------------------- k-means++


@pytest.mark.points(2)
def test_kmeans_plus_plus_d2_sampling(learner, seed):
    """On 4 points in 1-D (0, 1, 3, 7), 2000 draws of 2 centres: the first is uniform, the second is point j with
    probability d(first, j)^2 / sum of d^2 (checked pair by pair, 5 standard deviations)."""
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    trials = 2000
    counts = _pp_frequencies(learner, X, 2, seed, trials)
    first = np.bincount([t[0] for t, c in counts.items() for _ in range(c)], minlength=4)
    sd = np.sqrt(trials * 0.25 * 0.75)
    check(np.all(np.abs(first - trials / 4) <= 5 * sd),
          f"the first centre was points 0..3 {first.tolist()} times in {trials} draws; it should be uniform "
          f"(about {trials // 4} each).", hint="the first centre is X[rng.integers(N)]: any point, equally likely")
    _check_distribution(counts, _pp_probabilities(X, 2), trials, "kmeans_plus_plus(k=2)")


def test_kmeans_plus_plus_nearest_chosen_centre(learner, seed):
    """On 4 points (0, 1, 3, 7), 2000 draws of 3 centres: the third centre's weight is the squared distance to the
    NEAREST of the first two, never to just the latest one."""
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    trials = 2000
    counts = _pp_frequencies(learner, X, 3, seed + 1000, trials)
    _check_distribution(counts, _pp_probabilities(X, 3), trials, "kmeans_plus_plus(k=3)")


def test_kmeans_plus_plus_skips_duplicates(learner, rng):
    """Three distinct points repeated 10 times each, k = 3: k-means++ always picks the three distinct points
    (copies of a chosen centre have D = 0), and the result is a (k, D) array of data points."""
    base = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    X = rng.permutation(np.repeat(base, 10, axis=0))
    for _ in range(50):
        C = np.asarray(learner.kmeans_plus_plus(X, 3, rng), dtype=float)
        assert_shape(C, (3, 2), name="kmeans_plus_plus(X, 3, rng)")
        got = sorted(map(tuple, C.tolist()))
        check(got == sorted(map(tuple, base.tolist())),
              f"kmeans_plus_plus picked {got} from 3 distinct points each repeated 10 times; it should pick each "
              "distinct point once.", hint=PP_HINT)


# --------------------------------------------------------------------- kmeans


def test_kmeans_keeps_the_best_run(learner, rng, seed):
    """kmeans(n_init=n, seed) returns exactly the lowest-inertia run among the first n runs of kmeans_plus_plus +
    lloyd drawing from one shared np.random.default_rng(seed), for n = 1, 2, 3, 5 and 8."""
    X = rng.uniform(size=(120, 2))  # no cluster structure: runs end in different local minima
    k = 7
    shared = np.random.default_rng(seed)
    runs = [_result(learner.lloyd(X, learner.kmeans_plus_plus(X, k, shared)), "lloyd") for _ in range(8)]
    inertias = np.array([r[2] for r in runs])
    check(np.ptp(inertias) > 0, "spec self-check: the 8 runs should not all reach the same inertia")
    hint = ("rng = np.random.default_rng(seed) once, then n_init runs of lloyd(X, kmeans_plus_plus(X, k, rng)) "
            "drawing from that same rng; keep the run with the LOWEST inertia (earliest on ties)")
    for n_init in (1, 2, 3, 5, 8):
        best = int(np.argmin(inertias[:n_init]))
        centres, labels, inertia = _result(learner.kmeans(X, k, n_init=n_init, seed=seed), "kmeans")
        why = hint
        if np.isclose(inertia, inertias[n_init - 1]) and not np.isclose(inertias[n_init - 1], inertias[best]):
            why = "the last run is returned, not the best one. " + hint
        assert_close(inertia, inertias[best], rtol=1e-9, atol=1e-12,
                     name=f"inertia of kmeans(n_init={n_init}); the runs' inertias were "
                          f"{np.round(inertias[:n_init], 4).tolist()}", hint=why)
        assert_close(centres, runs[best][0], rtol=1e-9, atol=1e-12, name=f"centres of kmeans(n_init={n_init})",
                     hint=why)
        assert_equal(labels, runs[best][1], name=f"labels of kmeans(n_init={n_init})", hint=why)


@pytest.mark.points(2)
def test_kmeans_matches_sklearn_on_blobs(learner, rng, seed):
    """On 300 points in 6 Gaussian blobs, kmeans(k=6, n_init=10) reaches an inertia within 5% of sklearn's
    KMeans(n_init=10), with nearest-centre labels and mean centres."""
    X = _blobs(rng)
    ref = KMeans(n_clusters=6, n_init=10, random_state=seed).fit(X).inertia_
    with np.errstate(all="ignore"):
        centres, labels, inertia = _result(learner.kmeans(X, 6, n_init=10, seed=seed), "kmeans")
    _check_fixed_point(X, centres, labels, inertia, where=" (blobs)")
    check(inertia <= 1.05 * ref,
          f"inertia {inertia:.2f} on the blobs is {100 * (inertia / ref - 1):.1f}% above sklearn's {ref:.2f} "
          "(allowed 5%).", hint="k-means++ spreads the starting centres out, Lloyd must run until the labels stop "
                                "changing, and the best of the n_init runs is kept")


def test_kmeans_matches_sklearn_on_iris(learner, seed):
    """On the iris measurements, kmeans with k = 3 and k = 6 (n_init=10) reaches an inertia within 5% of sklearn's
    KMeans(n_init=10)."""
    X = load_iris().data
    for k in (3, 6):
        ref = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(X).inertia_
        with np.errstate(all="ignore"):
            centres, labels, inertia = _result(learner.kmeans(X, k, n_init=10, seed=seed), "kmeans")
        _check_fixed_point(X, centres, labels, inertia, where=f" (iris, k={k})")
        check(inertia <= 1.05 * ref,
              f"inertia {inertia:.3f} on iris with k = {k} is {100 * (inertia / ref - 1):.1f}% above sklearn's "
              f"{ref:.3f} (allowed 5%).", hint="k-means++ seeding, Lloyd to convergence, best of n_init runs")


def test_kmeans_deterministic_by_seed(learner, rng, seed):
    """The same seed gives the same clustering even after np.random is used; the global np.random state is left
    alone; different generators give different k-means++ centres."""
    X = _blobs(rng, n=100, k=4)
    first = _result(learner.kmeans(X, 4, n_init=3, seed=seed), "kmeans")
    np.random.seed(seed + 1)
    np.random.random(3)
    before = np.random.get_state()
    second = _result(learner.kmeans(X, 4, n_init=3, seed=seed), "kmeans")
    after = np.random.get_state()
    hint = "all randomness comes from rng = np.random.default_rng(seed), passed to kmeans_plus_plus"
    assert_equal(second[1], first[1], name="labels from a second kmeans call with the same seed", hint=hint)
    assert_close(second[0], first[0], rtol=0, atol=0, name="centres from a second call with the same seed", hint=hint)
    check(before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:],
          "kmeans changed the global np.random state.", hint=hint)
    inits = {tuple(np.asarray(learner.kmeans_plus_plus(X, 4, np.random.default_rng(s))).ravel()) for s in range(8)}
    check(len(inits) >= 6, f"8 different generators gave only {len(inits)} different k-means++ initialisations.",
          hint="draw with the rng argument (rng.integers, rng.choice), not a fixed choice or np.random")
