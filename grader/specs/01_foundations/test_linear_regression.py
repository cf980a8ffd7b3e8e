"""Spec for 01_foundations/linear_regression.py: OLS, ridge, gradient descent."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from grader.testing import assert_close, assert_shape, check

INTERCEPT_HINT = ("the intercept is missing or wrong: append a column of ones to X (or centre X and y) "
                  "so that b is fitted, not fixed at 0")
GRAD_HINT = ("the gradient of L = (1/N) sum r^2 is dL/dw = (2/N) X^T r and dL/db = (2/N) sum r, with r = Xw + b - y; "
             "the update is w -= lr * dL/dw (minus: downhill). A missing 1/N or 2, or a + instead of -, shows here")


def _step_hint(ratio):
    """Name the mistake from the ratio (got / expected) of the first update, with N = 3."""
    for value, mistake in [(-1.0, "the step went uphill: the update must be w -= lr * grad, with r = Xw + b - y"),
                           (0.5, "the factor 2 from differentiating r^2 is missing"),
                           (3.0, "the 1/N is missing: the gradient was summed over the N = 3 samples, not averaged"),
                           (1.5, "the 1/N and the factor 2 are both missing"),
                           (-3.0, "the 1/N is missing and the step went uphill")]:
        if np.isclose(ratio, value, rtol=1e-6):
            return f"the first step is {ratio:g} times the expected one, so {mistake}. Reminder: " + GRAD_HINT
    return GRAD_HINT


def _regression_data(rng, n, d, offset=0.0, noise=0.1):
    """Standardised features and y = X w_true + offset + noise."""
    X = rng.normal(size=(n, d))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w_true = rng.uniform(-3, 3, size=d)
    y = X @ w_true + offset + noise * rng.normal(size=n)
    return X, y


def _fit_ols(learner, X, y):
    """Call fit_normal_equation, turning a singular-matrix error into a lesson."""
    try:
        return learner.fit_normal_equation(X, y)
    except np.linalg.LinAlgError as exc:
        check(False, f"fit_normal_equation raised LinAlgError: {exc}",
              hint="X^T X (or A^T A) is singular when features are collinear, so inv() and solve() on the "
                   "normal equations fail; use np.linalg.lstsq(A, y, rcond=None) on the design matrix itself")


def test_normal_equation_fits_a_line_by_hand(learner):
    """Three points on y = 2x + 1 with a single feature: w must be array([2.]) of shape (1,) and b = 1."""
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 3.0, 5.0])
    w, b = _fit_ols(learner, X, y)
    assert_shape(w, (1,), name="w", hint="w must have one entry per feature, (D,), even when D = 1; "
                                         "did you return the intercept inside w, or a scalar?")
    assert_close(w, [2.0], atol=1e-9, rtol=1e-9, name="w", hint="the slope of y = 2x + 1 is 2")
    assert_close(b, 1.0, atol=1e-9, rtol=1e-9, name="b", hint=INTERCEPT_HINT)


def test_predict_by_hand(learner):
    """predict(X, w, b) returns X w + b, one value per row."""
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    w = np.array([0.5, -2.0])
    y_hat = learner.predict(X, w, 10.0)
    assert_close(y_hat, [6.5, 12.0, 10.5], name="predict(X, w, b)",
                 hint="each prediction is x_i . w + b: X @ w gives (N,), then add b to every entry")


@pytest.mark.points(2)
def test_normal_equation_matches_sklearn_with_large_offset(learner, rng):
    """Random data centred near y = 1000: w and b match sklearn's LinearRegression (the intercept matters)."""
    X, y = _regression_data(rng, n=60, d=4, offset=1000.0)
    X = 3.0 * X + 5.0  # features not centred either, so b is not just mean(y)
    ref = LinearRegression().fit(X, y)
    w, b = _fit_ols(learner, X, y)
    assert_shape(w, (4,), name="w")
    assert_close(b, ref.intercept_, rtol=1e-8, atol=1e-8, name="b", hint=INTERCEPT_HINT)
    assert_close(w, ref.coef_, rtol=1e-8, atol=1e-8, name="w", hint=INTERCEPT_HINT)


def test_collinear_one_hot_features(learner, rng):
    """One-hot columns for every category plus the intercept are collinear (the 'dummy-variable trap').

    The best coefficients are not unique, so the test compares predictions with sklearn's, not coefficients.
    """
    n = 40
    cat = rng.integers(0, 3, size=n)
    cat[:3] = [0, 1, 2]  # every category present, so the three one-hot columns sum to the ones column
    X = np.column_stack([np.eye(3)[cat], rng.normal(size=n)])  # (40, 4)
    y = np.array([1.0, -2.0, 4.0])[cat] + 2.0 * X[:, 3] + 10.0 + 0.1 * rng.normal(size=n)
    expected = LinearRegression().fit(X, y).predict(X)
    w, b = _fit_ols(learner, X, y)
    check(np.all(np.isfinite(w)) and np.isfinite(b), f"fit_normal_equation returned non-finite values: w={w}, b={b}",
          hint="solving the normal equations with a singular X^T X; use np.linalg.lstsq on the design matrix")
    assert_close(learner.predict(X, w, b), expected, atol=1e-8, rtol=1e-8, name="predictions",
                 hint="with collinear features inv(X^T X) does not exist; np.linalg.lstsq(A, y, rcond=None) "
                      "still returns a least-squares solution (the one of minimum norm)")


@pytest.mark.points(2)
def test_ill_conditioned_polynomial_features(learner, rng):
    """Features x, x^2, ..., x^12 on [0, 1] (condition number ~1e9): the fit must be as good as least squares allows.

    The training MSE may exceed the best achievable MSE (from a QR factorisation) by at most a factor 1 + 1e-6.
    Forming X^T X squares the condition number to ~1e18 and loses every digit.
    """
    n, degree = 60, 12
    x = np.sort(rng.uniform(0.0, 1.0, size=n))
    X = np.column_stack([x**k for k in range(1, degree + 1)])  # (60, 12)
    y = np.sin(6.0 * x) + 0.01 * rng.normal(size=n)
    A = np.column_stack([X, np.ones(n)])
    Q, _ = np.linalg.qr(A)
    best = np.mean((Q @ (Q.T @ y) - y) ** 2)  # the least-squares residual, computed stably
    w, b = _fit_ols(learner, X, y)
    got = np.mean((np.asarray(learner.predict(X, w, b)) - y) ** 2)
    check(np.isfinite(got) and got <= best * (1 + 1e-6),
          f"training MSE {got:.10g} exceeds the least-squares optimum {best:.10g} "
          f"(relative excess {(got / best - 1) if np.isfinite(got) else got:.3g}, allowed 1e-6).",
          hint="solving (X^T X) theta = X^T y, by inv() or even by solve(), squares the condition number "
               "(1e9 -> 1e18) and loses all precision; use np.linalg.lstsq(A, y, rcond=None) on A = [X, 1]")


def test_ridge_by_hand(learner):
    """X = [0, 1, 2], y = [1, 3, 5], alpha = 2: centred, w = 4 / (2 + 2) = 1 and b = 3 - 1 * 1 = 2."""
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 3.0, 5.0])
    w, b = learner.fit_ridge(X, y, 2.0)
    assert_shape(w, (1,), name="w")
    assert_close(w, [1.0], atol=1e-9, rtol=1e-9, name="w",
                 hint="w = (Xc^T Xc + alpha I)^-1 Xc^T yc on centred data; penalising b as well, or using the "
                      "penalty alpha/2 or alpha*N, changes it")
    assert_close(b, 2.0, atol=1e-9, rtol=1e-9, name="b",
                 hint="the intercept is not penalised: b = mean(y) - mean(X) . w")


@pytest.mark.points(2)
@pytest.mark.parametrize("n, d, alpha", [(50, 5, 1.0), (50, 5, 30.0), (8, 30, 0.5)], ids=["n>d", "strong-penalty", "d>n"])
def test_ridge_matches_sklearn(learner, rng, n, d, alpha):
    """w and b match sklearn's Ridge(alpha, fit_intercept=True) on data centred near y = 500, also when D > N."""
    if n > d:
        X, y = _regression_data(rng, n=n, d=d, offset=500.0, noise=0.5)
    else:  # more features than samples: Xc^T Xc is singular, only the penalty makes the system solvable
        X, y = rng.normal(size=(n, d)) + 2.0, rng.normal(size=n) + 500.0
    ref = Ridge(alpha=alpha, fit_intercept=True, solver="svd").fit(X, y)
    w, b = learner.fit_ridge(X, y, alpha)
    assert_shape(w, (d,), name="w")
    hint = ("the intercept must not be penalised (centre X and y, or leave the ones column out of the penalty), "
            "and the objective is SSE + alpha ||w||^2 with no 1/N or 1/2")
    assert_close(b, ref.intercept_, rtol=1e-7, atol=1e-7, name="b", hint=hint)
    assert_close(w, ref.coef_, rtol=1e-7, atol=1e-7, name="w", hint=hint)


@pytest.mark.points(2)
def test_gradient_descent_first_step_by_hand(learner):
    """One step from w = 0, b = 0 on X = [0, 1, 2], y = [1, 3, 5], lr = 0.1: w = 26/300, b = 0.6, losses = [35/3]."""
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 3.0, 5.0])
    w, b, losses = learner.fit_gradient_descent(X, y, 0.1, 1)
    assert_shape(losses, (1,), name="losses",
                 hint="one loss per step, recorded before the update (losses[0] is the loss at w = 0, b = 0)")
    assert_close(losses, [35.0 / 3.0], name="losses[0]",
                 hint="losses[t] is the MSE (1/N) sum (Xw + b - y)^2 before update t; at w = 0, b = 0 it is mean(y^2)")
    expected_w, expected_b = 0.1 * 26.0 / 3.0, 0.1 * 6.0
    assert_close(w, [expected_w], name="w after one step", hint=_step_hint(np.ravel(w)[0] / expected_w))
    assert_close(b, expected_b, name="b after one step", hint=_step_hint(float(b) / expected_b))


@pytest.mark.points(2)
def test_gradient_descent_converges_to_least_squares(learner, rng):
    """On standardised data (lr = 0.1, 500 steps) GD reaches the normal-equation answer and its loss never goes up."""
    X, y = _regression_data(rng, n=200, d=3, offset=5.0)
    A = np.column_stack([X, np.ones(len(y))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    with np.errstate(over="ignore", invalid="ignore"):
        w, b, losses = learner.fit_gradient_descent(X, y, 0.1, 500)
    losses = np.asarray(losses, dtype=float)
    assert_shape(losses, (500,), name="losses", hint="one loss per step")
    check(np.all(np.isfinite(losses)),
          f"the loss became inf or nan (first at step {int(np.argmin(np.isfinite(losses)))}): gradient descent diverged.",
          hint="the step is too large for lr = 0.1: is the 1/N missing from the gradient (a sum instead of a mean)? "
               "or is the update going uphill (w += instead of w -=)?")
    rises = np.flatnonzero(np.diff(losses) > 1e-12 * losses[:-1])
    check(rises.size == 0,
          f"the loss went up at {rises.size} steps, first from {losses[rises[0]] if rises.size else 0:.6g} "
          f"to {losses[rises[0] + 1] if rises.size else 0:.6g} at step {rises[0] + 1 if rises.size else 0}.",
          hint="with a small learning rate the MSE must fall every step; check the sign of the update and "
               "that losses[t] is computed with the current w and b")
    assert_close(w, theta[:-1], atol=1e-6, rtol=1e-6, name="w", hint=GRAD_HINT)
    assert_close(b, theta[-1], atol=1e-6, rtol=1e-6, name="b", hint=INTERCEPT_HINT + "; " + GRAD_HINT)
