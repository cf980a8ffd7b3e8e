"""Spec for 01_foundations/naive_bayes.py: log-sum-exp, Gaussian naive Bayes fitted and applied in log space,
checked against sklearn.naive_bayes.GaussianNB."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp as sp_logsumexp
from sklearn.datasets import load_iris, load_wine
from sklearn.naive_bayes import GaussianNB

from grader.testing import assert_close, assert_equal, assert_shape, check

LSE_HINT = ("subtract the row maximum m before exponentiating: log sum exp(a) = m + log sum exp(a - m); then the "
            "largest term is exp(0) = 1 and nothing overflows or underflows")
LOG_SPACE_HINT = ("every joint log-likelihood here is far below -745, so np.exp(jll) is 0.0 for every class and "
                  "exp(jll) / sum(exp(jll)) = 0/0 = nan; normalise in log space: exp(jll - logsumexp(jll))")


def _strict(fn, *args, what, hint):
    """Call fn(*args) with floating-point errors and RuntimeWarnings turned into failures."""
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {type(exc).__name__}: {exc}", hint=hint)


def _fit(learner, X, y, var_smoothing=1e-9):
    params = learner.fit(X, y, var_smoothing)
    check(params is not None and len(params) == 4, "fit should return NBParams(classes, priors, means, variances).",
          hint="return NBParams(classes, priors, means, variances)")
    return params


def _diagnose(X_train, y_train, X, got, var_smoothing=1e-9):
    """Name the usual mistake when the learner's posteriors equal a known wrong variant."""
    classes = np.unique(y_train)
    parts = [X_train[y_train == c] for c in classes]
    eps = var_smoothing * np.var(X_train, axis=0).max()
    priors = np.array([len(p) / len(y_train) for p in parts])
    means = np.stack([p.mean(0) for p in parts])
    var0 = np.stack([p.var(0) for p in parts])

    def post(pri, var):
        with np.errstate(all="ignore"):
            jll = np.log(pri) - 0.5 * np.log(2 * np.pi * var).sum(1) - 0.5 * ((X[:, None] - means) ** 2 / var).sum(2)
            return np.exp(jll - sp_logsumexp(jll, axis=1, keepdims=True))

    variants = [
        ("the prior is missing: jll must include log P(c) = log(N_c / N)", post(np.ones_like(priors), var0 + eps)),
        ("the variances divide by N_c - 1 (ddof=1); the MLE divides by N_c (np.var's default)",
         post(priors, np.stack([p.var(0, ddof=1) if len(p) > 1 else np.zeros(X.shape[1]) for p in parts]) + eps)),
        ("epsilon is missing or per feature: it is ONE number, var_smoothing times the LARGEST column variance "
         "np.var(X, axis=0).max(), added to every variance", post(priors, var0 + var_smoothing * np.var(X_train, axis=0))),
    ]
    got = np.asarray(got, dtype=float)
    for why, p in variants:
        if got.shape == p.shape and np.all(np.isfinite(p)) and np.allclose(got, p, rtol=1e-6, atol=1e-9):
            return why
    return "compare with the maths: log P(c) - 1/2 sum_j log(2 pi var_cj) - 1/2 sum_j (x_j - mu_cj)^2 / var_cj"


# --------------------------------------------------------------------- tests


def test_logsumexp(learner, rng):
    """logsumexp over the last axis: log(1 + 3) = log 4; [1000, 1000] -> 1000 + log 2; [-1000, -1000] -> -1000 + log 2;
    -inf entries are ignored; and random (3, 4, 5) arrays match scipy.special.logsumexp(axis=-1)."""
    got = _strict(learner.logsumexp, np.array([[0.0, np.log(3.0)], [1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, 2.0]]),
                  what="logsumexp on rows with entries +-1000", hint=LSE_HINT)
    assert_shape(got, (4,), name="logsumexp of a (4, 2) array", hint="reduce the LAST axis: the result has shape a.shape[:-1]")
    assert_close(got, [np.log(4.0), 1000 + np.log(2.0), -1000 + np.log(2.0), 2.0], rtol=1e-12, atol=1e-12,
                 name="logsumexp([[0, log 3], [1000, 1000], [-1000, -1000], [-inf, 2]])", hint=LSE_HINT)
    a = rng.normal(scale=50.0, size=(3, 4, 5))
    assert_close(learner.logsumexp(a), sp_logsumexp(a, axis=-1), rtol=1e-12, atol=1e-12,
                 name="logsumexp of a random (3, 4, 5) array", hint="reduce over the last axis only; " + LSE_HINT)


def test_fit_by_hand(learner):
    """The docstring's example: X = [[0], [2], [10]], y = [0, 0, 1]: priors [2/3, 1/3], means [[1], [10]], variances
    [[1], [0]] without smoothing, and [[1 + eps], [eps]] with eps = 1e-9 * Var([0, 2, 10]) by default."""
    X, y = np.array([[0.0], [2.0], [10.0]]), np.array([0, 0, 1])
    classes, priors, means, variances = _fit(learner, X, y, 0.0)
    assert_equal(np.asarray(classes), np.array([0, 1]), name="classes", hint="np.unique(y): the sorted distinct labels")
    assert_close(priors, [2 / 3, 1 / 3], rtol=1e-12, name="priors", hint="P(c) = N_c / N, the class frequencies")
    assert_close(means, [[1.0], [10.0]], rtol=1e-12, name="means", hint="the mean of each feature over one class's rows: shape (C, D)")
    assert_close(variances, [[1.0], [0.0]], rtol=1e-12, atol=1e-15, name="variances with var_smoothing=0",
                 hint="the MLE variance divides by N_c (np.var's default, ddof=0): Var([0, 2]) = 1, not 2")
    eps = 1e-9 * np.var([0.0, 2.0, 10.0])
    _, _, _, variances = _fit(learner, X, y)
    assert_close(variances, [[1.0 + eps], [eps]], rtol=1e-10, atol=1e-20, name="variances with var_smoothing=1e-9",
                 hint="add epsilon = var_smoothing * np.var(X, axis=0).max() (the variance over ALL samples, the largest "
                      "column) to every variance; here 1e-9 * 18.667")


@pytest.mark.points(2)
def test_fit_matches_sklearn(learner):
    """On iris with string labels (and on wine), classes, priors, means and smoothed variances equal GaussianNB's
    classes_, class_prior_, theta_ and var_ (rtol 1e-9)."""
    for name, data in [("iris", load_iris()), ("wine", load_wine())]:
        X, y = data.data, np.asarray(data.target_names)[data.target]  # string labels
        ref = GaussianNB().fit(X, y)
        classes, priors, means, variances = _fit(learner, X, y)
        check(np.array_equal(np.asarray(classes), ref.classes_),
              f"{name}: classes is {np.asarray(classes).tolist()}, expected {ref.classes_.tolist()}.",
              hint="classes = np.unique(y): the sorted distinct labels, whatever their type")
        assert_close(priors, ref.class_prior_, rtol=1e-12, name=f"{name}: priors", hint="N_c / N for each class, in np.unique order")
        assert_close(means, ref.theta_, rtol=1e-9, name=f"{name}: means", hint="one row per class, one column per feature")
        assert_close(variances, ref.var_, rtol=1e-9, name=f"{name}: variances",
                     hint="np.var(X[y == c], axis=0) (1/N_c, the MLE) + var_smoothing * np.var(X, axis=0).max()")


def test_joint_log_likelihood_by_hand(learner):
    """X = [[0], [2], [4], [6]], y = [0, 0, 1, 1] (means 1 and 5, variances 1, priors 1/2), var_smoothing = 0:
    at x = 1, jll = log(1/2) - log(2 pi)/2 - [0, 8]; at x = 3 both classes tie."""
    X, y = np.array([[0.0], [2.0], [4.0], [6.0]]), np.array([0, 0, 1, 1])
    params = _fit(learner, X, y, 0.0)
    got = learner.joint_log_likelihood(np.array([[1.0], [3.0]]), params)
    assert_shape(got, (2, 2), name="joint_log_likelihood of 2 samples and 2 classes", hint="one row per sample, one column per class")
    base = np.log(0.5) - 0.5 * np.log(2 * np.pi)
    assert_close(got, [[base, base - 8.0], [base - 2.0, base - 2.0]], rtol=1e-12, atol=1e-12, name="joint_log_likelihood",
                 hint="log P(c) - 1/2 log(2 pi var) - (x - mu)^2 / (2 var), summed over features")


@pytest.mark.points(2)
@pytest.mark.parametrize("dataset", ["iris", "wine"])
def test_predict_proba_matches_sklearn(learner, rng, dataset):
    """Fit on a random 70% of iris / wine; on the other 30%, predict_proba equals GaussianNB's (rtol 1e-6, atol 1e-9),
    rows sum to 1, and predict gives the same labels."""
    data = load_iris() if dataset == "iris" else load_wine()
    X, y = data.data, data.target
    idx = rng.permutation(len(y))
    tr, te = idx[: int(0.7 * len(y))], idx[int(0.7 * len(y)):]
    ref = GaussianNB().fit(X[tr], y[tr])
    params = _fit(learner, X[tr], y[tr])
    got = _strict(learner.predict_proba, X[te], params, what=f"predict_proba on {dataset}", hint=LOG_SPACE_HINT)
    assert_shape(got, (len(te), len(ref.classes_)), name="predict_proba", hint="(N, C): one column per class")
    assert_close(np.sum(got, axis=1), np.ones(len(te)), rtol=1e-9, atol=1e-9, name="the rows of predict_proba summed",
                 hint="divide by p(x) = sum_c P(c) p(x | c): subtract logsumexp(jll) from each row of jll")
    assert_close(got, ref.predict_proba(X[te]), rtol=1e-6, atol=1e-9, name=f"predict_proba on {dataset}",
                 hint=_diagnose(X[tr], y[tr], X[te], got))
    assert_equal(np.asarray(learner.predict(X[te], params)), ref.predict(X[te]), name=f"predict on {dataset}",
                 hint="the label params.classes[argmax over classes]")


def test_priors_matter(learner, rng):
    """Two overlapping 1-D classes labelled 7 and 3, with 90% / 10% of the samples: the posteriors equal GaussianNB's,
    and a point halfway between the class means goes to the majority class, 7."""
    X = np.concatenate([rng.normal(0.0, 1.0, size=(180, 1)), rng.normal(1.0, 1.0, size=(20, 1))])
    X[:180] = (X[:180] - X[:180].mean()) / X[:180].std()  # class 0: mean 0, variance 1 exactly
    X[180:] = (X[180:] - X[180:].mean()) / X[180:].std() + 1.0  # class 1: mean 1, variance 1 exactly
    y = np.repeat([7, 3], [180, 20])  # labels that are not 0..C-1, and not in sorted order
    ref = GaussianNB().fit(X, y)
    params = _fit(learner, X, y)
    X_test = np.array([[-1.0], [0.5], [1.0], [3.0]])
    got = learner.predict_proba(X_test, params)
    assert_close(got, ref.predict_proba(X_test), rtol=1e-6, atol=1e-9, name="predict_proba with priors 0.9 / 0.1",
                 hint=_diagnose(X, y, X_test, got))
    assert_equal(np.asarray(learner.predict(np.array([[0.5]]), params)), np.array([7]), name="predict at x = 0.5",
                 hint="the likelihoods tie halfway between equal-variance classes, so the prior 0.9 decides (add log "
                      "P(c)); and return the label params.classes[k], not the column index k")


@pytest.mark.points(2)
def test_far_outliers_need_log_space(learner, rng):
    """Wine test points shifted 40 standard deviations from the data (every jll below -745, so exp(jll) is 0.0):
    predict_proba is finite, sums to 1 and equals GaussianNB's, with no overflow or 0/0 warning."""
    X, y = load_wine(return_X_y=True)
    params = _fit(learner, X, y)
    ref = GaussianNB().fit(X, y)
    X_test = X[rng.choice(len(y), size=10, replace=False)] + 40.0 * X.std(axis=0)
    jll = ref.predict_joint_log_proba(X_test)
    assert jll.max() < -745  # the spec's own precondition: exp underflows for every class
    got = _strict(learner.predict_proba, X_test, params, what="predict_proba on far outliers", hint=LOG_SPACE_HINT)
    check(np.all(np.isfinite(got)), "predict_proba returned nan/inf on far outliers.", hint=LOG_SPACE_HINT)
    assert_close(got, ref.predict_proba(X_test), rtol=1e-6, atol=1e-9, name="predict_proba on far outliers",
                 hint=LOG_SPACE_HINT)
    assert_equal(np.asarray(learner.predict(X_test, params)), ref.predict(X_test), name="predict on far outliers",
                 hint="predict is the argmax of the joint log-likelihood; never exponentiate first")


def test_zero_variance_features(learner, rng):
    """A feature that is constant within each class, and a class with a single sample: every variance is still
    positive (epsilon), and the posteriors are finite and equal GaussianNB's."""
    X = np.column_stack([rng.normal(size=41), np.repeat([0.0, 1.0, 5.0], [20, 20, 1]), 100 * rng.normal(size=41)])
    y = np.repeat([0, 1, 2], [20, 20, 1])
    ref = GaussianNB().fit(X, y)
    params = _fit(learner, X, y)
    variances = np.asarray(params[3])
    check(np.all(variances > 0), f"some variances are not positive: {variances.round(12).tolist()}.",
          hint="add epsilon = var_smoothing * np.var(X, axis=0).max() to EVERY variance: a constant feature or a "
               "single-sample class has variance 0, and its density divides by 0")
    X_test = np.array([[0.1, 0.0, 3.0], [0.0, 0.5, -50.0], [0.0, 5.0, 0.0]])
    got = _strict(learner.predict_proba, X_test, params, what="predict_proba with zero-variance features",
                  hint="either a variance is 0 (add epsilon to every variance), or the tiny variances push every jll "
                       "below -745 and exp(jll) underflows to 0 (normalise in log space with logsumexp)")
    assert_close(got, ref.predict_proba(X_test), rtol=1e-6, atol=1e-9, name="predict_proba with zero-variance features",
                 hint=_diagnose(X, y, X_test, got))
