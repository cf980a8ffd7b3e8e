"""Spec for 02_neural_networks/perceptron.py: Rosenblatt's rule, convergence within Novikoff's bound, XOR, vs scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Perceptron as SkPerceptron

from grader.testing import assert_close, assert_equal, assert_shape, check

RULE = ("visit the samples in order; sample i is a mistake when y_i * (w . x_i + b) <= 0, and then, at once, "
        "w += lr * y_i * x_i and b += lr * y_i; stop after the first epoch with no mistake")


def _reference(X, y, lr=1.0, max_epochs=100):
    """The perceptron rule, written independently of the learner: (w, b, mistakes per epoch)."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        m = 0
        for x_i, y_i in zip(X, y):
            if y_i * (x_i @ w + b) <= 0:
                w, b, m = w + lr * y_i * x_i, b + lr * y_i, m + 1
        mistakes.append(m)
        if m == 0:
            break
    return w, b, mistakes


def _separable(rng, n, d, gamma):
    """n points in [-1, 1]^d separated with margin >= gamma by a known unit vector u in the augmented space (x, 1).

    Returns X (n, d), y (n,) in {-1, +1}, and Novikoff's bound (R / gamma)^2."""
    u = rng.normal(size=d + 1)
    u[-1] = 0.4 * np.linalg.norm(u[:-1])  # a real bias: the separating plane misses the origin
    u /= np.linalg.norm(u)
    X = np.empty((0, d))
    while len(X) < n:
        cand = rng.uniform(-1, 1, size=(4 * n, d))
        score = cand @ u[:-1] + u[-1]
        X = np.vstack([X, cand[np.abs(score) >= gamma]])
    X = X[:n]
    score = X @ u[:-1] + u[-1]
    y = np.where(score > 0, 1, -1)
    R = np.sqrt((X ** 2).sum(axis=1) + 1.0).max()
    margin = (y * score).min()  # >= gamma, since ||u|| = 1
    return X, y, (R / margin) ** 2


def _xor():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    return X, np.array([-1, -1, 1, 1])


def test_predict_and_scores_by_hand(learner):
    """With w = [1, -2], b = 0.5 set by hand: scores X w + b, and predict gives +1 for score > 0, -1 otherwise (0 -> -1)."""
    p = learner.Perceptron()
    p.w_, p.b_ = np.array([1.0, -2.0]), 0.5
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.5, 1.0]])  # scores 1.5, -1.5, 0
    assert_close(p.decision_function(X), [1.5, -1.5, 0.0], atol=1e-12, name="decision_function",
                 hint="the score is X @ w_ + b_, one per row")
    pred = p.predict(X)
    assert_equal(pred, np.array([1, -1, -1]), name="predict",
                 hint="labels are -1/+1 (not 0/1): +1 where the score is strictly > 0, else -1")


def test_fit_by_hand(learner):
    """X = [[2, 1], [-1, -1]], y = [1, -1]: one update on the first sample gives w = [2, 1], b = 1, then a clean epoch."""
    X = np.array([[2.0, 1.0], [-1.0, -1.0]])
    p = learner.Perceptron().fit(X, np.array([1, -1]))
    check(isinstance(p, learner.Perceptron), "fit should return self (the fitted Perceptron).", hint="end fit with return self")
    hint = ("from w = 0 every score is 0 and y * 0 <= 0 is a mistake, so the first sample must update; " + RULE)
    assert_close(p.w_, [2.0, 1.0], atol=1e-12, name="w_", hint=hint)
    assert_close(p.b_, 1.0, atol=1e-12, name="b_", hint="the bias is updated too: b += lr * y_i")
    assert_equal(list(p.mistakes_), [1, 0], name="mistakes_",
                 hint="one count per epoch, including the final mistake-free epoch that ends training")
    assert_equal(int(p.n_epochs_), 2, name="n_epochs_", hint="epochs run, including the final clean one")
    assert_equal(int(p.n_updates_), 1, name="n_updates_", hint="the total number of mistakes (updates)")


def test_rejects_zero_one_labels(learner):
    """Labels must be -1/+1: fitting with 0/1 labels raises ValueError (with y = 0 the update y * x would do nothing)."""
    X, _ = _xor()
    with pytest.raises(ValueError):
        learner.Perceptron().fit(X, np.array([0, 0, 1, 1]))


@pytest.mark.points(2)
def test_updates_match_the_rule(learner, rng):
    """On random separable data, w_, b_ and the mistakes in every epoch equal the rule's, sample by sample, for lr = 1 and 0.1."""
    X, y, _ = _separable(rng, n=40, d=3, gamma=0.05)
    for lr in (1.0, 0.1):
        w, b, mistakes = _reference(X, y, lr=lr, max_epochs=500)
        p = learner.Perceptron(lr=lr, max_epochs=500).fit(X, y)
        assert_shape(p.w_, (3,), name="w_")
        assert_equal(list(p.mistakes_), mistakes, name=f"mistakes_ per epoch (lr={lr})",
                     hint="update immediately after each mistake (not once per epoch with the summed error); " + RULE)
        assert_close(p.w_, w, rtol=1e-9, atol=1e-12, name=f"w_ (lr={lr})", hint=RULE)
        assert_close(p.b_, b, rtol=1e-9, atol=1e-12, name=f"b_ (lr={lr})", hint="b += lr * y_i on each mistake")


@pytest.mark.points(2)
@pytest.mark.parametrize("d,gamma", [(2, 0.1), (5, 0.05)])
def test_converges_within_novikoff_bound(learner, rng, d, gamma):
    """On separable data with a known margin gamma: zero training errors, a final clean epoch, and at most
    (R / gamma)^2 updates in total (Novikoff), with R the largest norm of (x, 1)."""
    X, y, bound = _separable(rng, n=200, d=d, gamma=gamma)
    p = learner.Perceptron(max_epochs=1000).fit(X, y)
    assert_equal(p.predict(X), y, name="predict on the separable training data",
                 hint="training should only stop after an epoch with no mistake")
    check(p.mistakes_[-1] == 0 and p.n_epochs_ < 1000,
          f"training ran {p.n_epochs_} epochs and the last had {p.mistakes_[-1]} mistakes; on separable data "
          "it should stop after the first mistake-free epoch.", hint="break out of the epoch loop when an epoch makes no mistake")
    check(p.n_updates_ == sum(p.mistakes_), f"n_updates_ = {p.n_updates_} but sum(mistakes_) = {sum(p.mistakes_)}",
          hint="n_updates_ is the total number of updates over all epochs")
    check(p.n_updates_ <= bound,
          f"{p.n_updates_} updates, more than Novikoff's bound (R/gamma)^2 = {bound:.1f}.",
          hint="update only on mistakes, by exactly lr * y_i * x_i and lr * y_i")


def test_non_separable_xor_runs_all_epochs(learner):
    """On XOR (no line separates it) training runs exactly max_epochs epochs, each with at least one mistake."""
    X, y = _xor()
    p = learner.Perceptron(max_epochs=7).fit(X, y)
    assert_equal(int(p.n_epochs_), 7, name="n_epochs_ on XOR",
                 hint="without a clean epoch the loop must run exactly max_epochs times, then stop")
    assert_equal(len(p.mistakes_), 7, name="len(mistakes_)", hint="one entry per epoch run")
    check(min(p.mistakes_) > 0, f"mistakes_ = {p.mistakes_}; XOR is not separable so every epoch has a mistake.",
          hint="count a mistake when y_i * score <= 0")
    check(not np.array_equal(p.predict(X), y), "the perceptron classified XOR perfectly, which is impossible.",
          hint="predict is +1 where X @ w_ + b_ > 0, else -1")


@pytest.mark.points(2)
def test_matches_sklearn(learner, rng):
    """w_ and b_ equal sklearn's Perceptron(shuffle=False, eta0=lr, no penalty) after the same epochs, on separable
    data and on noisy (non-separable) data."""
    X, y, _ = _separable(rng, n=80, d=4, gamma=0.05)
    y_noisy = y.copy()
    y_noisy[rng.choice(80, size=8, replace=False)] *= -1
    for labels, what in ((y, "separable"), (y_noisy, "noisy")):
        p = learner.Perceptron(lr=0.5, max_epochs=30).fit(X, labels)
        ref = SkPerceptron(shuffle=False, eta0=0.5, alpha=0.0, penalty=None, tol=None,
                           max_iter=int(p.n_epochs_)).fit(X, labels)
        hint = RULE + " (sklearn runs the same rule with shuffle=False)"
        assert_close(p.w_, ref.coef_[0], rtol=1e-9, atol=1e-9, name=f"w_ on {what} data", hint=hint)
        assert_close(p.b_, ref.intercept_[0], rtol=1e-9, atol=1e-9, name=f"b_ on {what} data", hint=hint)
        assert_equal(p.predict(X), ref.predict(X), name=f"predict on {what} data", hint="+1 where score > 0, else -1")
