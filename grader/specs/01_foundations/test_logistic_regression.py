"""Spec for 01_foundations/logistic_regression.py: stable sigmoid and log-loss, gradient, fit vs scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss

from grader.testing import assert_close, assert_equal, assert_shape, check

SIGMOID_HINT = ("1 / (1 + np.exp(-z)) overflows for z < -709; use e = np.exp(-np.abs(z)) and return 1/(1+e) where "
                "z >= 0 and e/(1+e) where z < 0 (np.where evaluates both branches, so neither may overflow)")
LOSS_HINT = ("compute the loss from logits as np.logaddexp(0, z) - y * z, which equals "
             "-[y log p + (1-y) log(1-p)] but never takes log(0) when sigmoid(z) rounds to 0 or 1 "
             "(clipping p to [eps, 1 - eps] avoids the nan but caps every loss at -log(eps))")


def _strict_numerics(fn, *args, what: str, hint: str):
    """Call fn(*args) with overflow / invalid / divide-by-zero and RuntimeWarnings turned into failures."""
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {type(exc).__name__}: {exc}", hint=hint)


def _J(X, y, w, b, lam):
    """The objective, written independently of the learner: mean log-loss + (lam/2)||w||^2."""
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * lam * w @ w


def _classification_data(rng, n, d, bias):
    X = rng.normal(size=(n, d))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w_true = rng.uniform(-2, 2, size=d)
    y = (rng.uniform(size=n) < expit(X @ w_true + bias)).astype(float)
    y[:2] = [0.0, 1.0]  # both classes present, whatever the seed
    return X, y


def test_sigmoid_values(learner, rng):
    """sigmoid(0) = 0.5, sigmoid(log 3) = 0.75, sigmoid(-log 3) = 0.25, and it matches scipy's expit on [-30, 30]."""
    got = learner.sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)]))
    assert_close(got, [0.5, 0.75, 0.25], rtol=1e-12, atol=1e-12, name="sigmoid([0, log 3, -log 3])",
                 hint="sigmoid(z) = 1 / (1 + e^-z)")
    z = rng.uniform(-30, 30, size=(4, 25))
    got = learner.sigmoid(z)
    assert_shape(got, z.shape, name="sigmoid(z)", hint="sigmoid works elementwise: the output has z's shape")
    assert_close(got, expit(z), rtol=1e-12, atol=1e-15, name="sigmoid(z)",
                 hint="both branches must compute the same function: 1/(1+e^-z) = e^z/(1+e^z)")


@pytest.mark.points(2)
def test_sigmoid_huge_logits_no_overflow(learner):
    """sigmoid at z = +-1000, +-750 (past float64's exp limit of ~709) and +-50 matches scipy's expit, with no overflow warning."""
    z = np.array([-1000.0, -750.0, -50.0, 0.0, 50.0, 750.0, 1000.0])
    got = _strict_numerics(learner.sigmoid, z, what="sigmoid(z) for z = +-1000", hint=SIGMOID_HINT)
    assert_close(got, expit(z), rtol=1e-12, atol=1e-15, name="sigmoid(z)", hint=SIGMOID_HINT)


def test_log_loss_by_hand(learner):
    """log_loss([1, 0], [0, 0]) = log 2 and log_loss([0], [2]) = log(1 + e^2); at z = +-1000 it is 0 when right
    and 1000 per sample when wrong, never inf or nan."""
    y = np.array([1.0, 0.0])
    assert_close(learner.log_loss(y, np.array([0.0, 0.0])), np.log(2.0), rtol=1e-12, atol=1e-12,
                 name="log_loss(y=[1, 0], z=[0, 0])",
                 hint="at z = 0, p = 0.5 and the loss of each sample is log 2; the result is the mean over samples")
    assert_close(learner.log_loss(np.array([0.0]), np.array([2.0])), np.log1p(np.exp(2.0)), rtol=1e-12, atol=1e-12,
                 name="log_loss(y=[0], z=[2])",
                 hint="labels are 0/1, not -1/+1: for y = 0 the loss is -log(1 - sigmoid(z)) = log(1 + e^z)")
    confident_right = _strict_numerics(learner.log_loss, y, np.array([1000.0, -1000.0]),
                                       what="log_loss with logits +-1000", hint=LOSS_HINT)
    assert_close(confident_right, 0.0, atol=1e-12, name="log_loss(y=[1, 0], z=[1000, -1000])", hint=LOSS_HINT)
    confident_wrong = _strict_numerics(learner.log_loss, y, np.array([-1000.0, 1000.0]),
                                       what="log_loss with logits +-1000", hint=LOSS_HINT)
    assert_close(confident_wrong, 1000.0, rtol=1e-12, name="log_loss(y=[1, 0], z=[-1000, 1000])",
                 hint="a confidently wrong prediction costs about |z|: " + LOSS_HINT)


def test_log_loss_matches_sklearn(learner, rng):
    """On random labels and moderate logits, log_loss equals sklearn.metrics.log_loss of the probabilities."""
    y = (rng.uniform(size=50) < 0.4).astype(float)
    y[:2] = [0.0, 1.0]
    z = rng.normal(scale=3.0, size=50)
    assert_close(learner.log_loss(y, z), sk_log_loss(y, expit(z)), rtol=1e-10, atol=1e-12, name="log_loss",
                 hint="the mean over samples of log(1 + e^z) - y z, for labels y in {0, 1}")


@pytest.mark.points(2)
def test_gradient_matches_finite_differences(learner, rng):
    """gradient(X, y, w, b, lam) equals central finite differences of J = mean log-loss + (lam/2)||w||^2 (b not penalised)."""
    n, d, lam = 20, 3, 0.3
    X = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    y[:2] = [0.0, 1.0]
    w, b = rng.normal(size=d), 0.8
    h = 1e-6
    expected_w = np.array([(_J(X, y, w + h * e, b, lam) - _J(X, y, w - h * e, b, lam)) / (2 * h) for e in np.eye(d)])
    expected_b = (_J(X, y, w, b + h, lam) - _J(X, y, w, b - h, lam)) / (2 * h)

    grad_w, grad_b = learner.gradient(X, y, w, b, lam)
    assert_shape(grad_w, (d,), name="grad_w", hint="one partial derivative per weight")

    # Recognise the usual mistakes from the exact gradient's pieces.
    err = expit(X @ w + b) - y
    data_w, data_b = X.T @ err / n, err.mean()
    mistakes = [
        ("the bias is penalised: dJ/db is mean(p - y) only, with no lam * b", data_w + lam * w, data_b + lam * b),
        ("the 1/N is missing: the data term is summed over samples instead of averaged", X.T @ err + lam * w, err.sum()),
        ("the sign of the data term is flipped: it is X^T (p - y) / N, prediction minus label", -data_w + lam * w, -data_b),
        ("the penalty's gradient is wrong: d/dw of (lam/2)||w||^2 is lam * w", data_w + 2 * lam * w, data_b),
        ("the penalty's gradient is wrong: d/dw of (lam/2)||w||^2 is lam * w", data_w + 0.5 * lam * w, data_b),
        ("the penalty is missing from grad_w", data_w, data_b),
        ("the labels are treated as -1/+1: here they are 0/1 and dl/dz = p - y",
         X.T @ (y * (expit(X @ w + b) - 1)) / n + lam * w, np.mean(y * (expit(X @ w + b) - 1))),
    ]
    hint = "dJ/dw = X^T (sigmoid(Xw + b) - y) / N + lam * w and dJ/db = mean(sigmoid(Xw + b) - y)"
    for why, mw, mb in mistakes:
        if np.allclose(np.ravel(grad_w), mw, rtol=1e-6, atol=1e-9) and np.isclose(float(np.ravel(grad_b)[0]), mb, rtol=1e-6, atol=1e-9):
            hint = why + ". " + hint
            break
    assert_close(grad_w, expected_w, rtol=1e-5, atol=1e-7, name="grad_w", hint=hint)
    assert_close(grad_b, expected_b, rtol=1e-5, atol=1e-7, name="grad_b", hint=hint)


@pytest.mark.points(3)
@pytest.mark.parametrize("lam", [0.05, 0.002])
def test_fit_matches_sklearn(learner, rng, lam):
    """fit(X, y, lam, lr=1, 1000 steps) on standardised data matches sklearn's LogisticRegression(C = 1/(N lam)) to 1e-6."""
    n = 200
    X, y = _classification_data(rng, n=n, d=4, bias=1.0)
    ref = LogisticRegression(C=1.0 / (n * lam), tol=1e-12, max_iter=10_000).fit(X, y)
    with np.errstate(over="ignore", invalid="ignore"):
        w, b = learner.fit(X, y, lam, 1.0, 1000)
    assert_shape(w, (4,), name="w")
    hint = ("J = mean log-loss + (lam/2)||w||^2 with the bias unpenalised, fitted from w = 0, b = 0 by "
            "w -= lr * dJ/dw, b -= lr * dJ/db; a penalised bias or a summed (not averaged) gradient shows here")
    check(np.all(np.isfinite(w)) and np.isfinite(b), f"fit returned non-finite parameters w={w}, b={b}.",
          hint="gradient descent diverged: is the gradient a sum instead of a mean over samples, or is the sign wrong?")
    assert_close(b, ref.intercept_[0], rtol=1e-5, atol=1e-6, name="b", hint=hint)
    assert_close(w, ref.coef_[0], rtol=1e-5, atol=1e-6, name="w", hint=hint)


def test_fit_separable_data_large_logits(learner):
    """Perfectly separable, unscaled data (|x| up to 500) with lam = 0: logits reach the tens of thousands, yet nothing
    overflows and every training label is right."""
    x = np.concatenate([np.linspace(-500, -1, 20), np.linspace(1, 500, 20)])
    X = x[:, None]  # (40, 1)
    y = (x > 0).astype(float)

    def train_and_score():
        w, b = learner.fit(X, y, 0.0, 1.0, 200)
        return w, b, learner.log_loss(y, X @ w + b)

    w, b, loss = _strict_numerics(train_and_score, what="fit / log_loss on separable data",
                                  hint=SIGMOID_HINT + "; and " + LOSS_HINT)
    check(np.all(np.isfinite(w)) and np.isfinite(b) and np.isfinite(loss),
          f"non-finite result on separable data: w={w}, b={b}, loss={loss}", hint=SIGMOID_HINT)
    check(float(np.ravel(w)[0]) > 0, f"the weight should be positive (y = 1 exactly where x > 0), got w={w}",
          hint="the update goes downhill: w -= lr * grad")
    assert_equal(learner.predict(X, w, b), y.astype(int), name="predict on separable training data",
                 hint="after 200 steps every training point should be on the right side")
    check(loss < 0.05, f"the training log-loss is {loss:.4g} after 200 steps; expected < 0.05 on separable data.",
          hint="the loss must fall as the weights grow; check the gradient and the update")


def test_fit_one_class_only(learner):
    """With every label 0, the model learns to predict 0 everywhere: b < 0 and all probabilities below 0.5."""
    X = np.linspace(-1, 1, 10)[:, None]
    y = np.zeros(10)
    with np.errstate(over="ignore", invalid="ignore"):
        w, b = learner.fit(X, y, 0.1, 1.0, 200)
    p = np.asarray(learner.predict_proba(X, w, b))
    check(np.isfinite(b) and b < -1.0, f"b = {b} after 200 steps on all-zero labels; expected a clearly negative bias.",
          hint="with y = 0 everywhere dJ/db = mean(p) > 0, so b must keep decreasing; labels are 0/1, not -1/+1 "
               "(a -1/+1 formula sees y = 0 as 'no signal')")
    check(np.all(p < 0.5), f"predict_proba gave {p.round(3)}; every probability should be < 0.5.",
          hint="predict_proba is sigmoid(X @ w + b)")
    assert_equal(learner.predict(X, w, b), np.zeros(10, dtype=int), name="predict", hint="all labels were 0")


def test_predict_proba_and_predict_by_hand(learner):
    """w = [2], b = 0 on x = [1, 0, -1]: probabilities sigmoid([2, 0, -2]); p = 0.5 exactly predicts 0 (strict >)."""
    X = np.array([[1.0], [0.0], [-1.0]])
    w = np.array([2.0])
    p = learner.predict_proba(X, w, 0.0)
    assert_close(p, expit(np.array([2.0, 0.0, -2.0])), rtol=1e-12, atol=1e-12, name="predict_proba",
                 hint="predict_proba(X, w, b) = sigmoid(X @ w + b), shape (N,)")
    assert_equal(learner.predict(X, w, 0.0), np.array([1, 0, 0]), name="predict(threshold=0.5)",
                 hint="class 1 only where p > threshold, strictly: p = 0.5 gives 0, like sklearn's z > 0")
    assert_equal(learner.predict(X, w, 0.0, threshold=0.1), np.array([1, 1, 1]), name="predict(threshold=0.1)",
                 hint="use the threshold argument instead of a fixed 0.5")
    assert_equal(learner.predict(X, w, 0.0, threshold=0.9), np.array([0, 0, 0]), name="predict(threshold=0.9)",
                 hint="use the threshold argument instead of a fixed 0.5")
    assert_equal(learner.predict(X, w, -1000.0), np.array([0, 0, 0]), name="predict with b = -1000",
                 hint="a huge negative logit must give probability 0, not nan")
