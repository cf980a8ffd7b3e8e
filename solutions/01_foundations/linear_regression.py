"""Linear regression three ways: the normal equation, ridge, gradient descent.

Goal
----
Fit a linear model  y_hat = X w + b  to N samples with D features, in three
ways that later exercises build on:

* ``fit_normal_equation``: ordinary least squares in closed form;
* ``fit_ridge``: least squares with an L2 penalty on the weights;
* ``fit_gradient_descent``: the same least-squares problem solved by
  iterating small steps downhill, the way every neural network is trained;

and ``predict``, which applies a fitted model.

Why it matters
--------------
Least squares is the model every other regression is compared with, and
gradient descent on it is the smallest complete training loop: a loss, its
gradient, an update, a loss curve that should go down. Two details cause most
of the bugs: the intercept ``b`` (a model through the origin cannot fit data
centred at y = 1000) and the numerics of solving the equations.

The maths
---------
Ordinary least squares minimises the sum of squared errors

    SSE(w, b) = sum_i (x_i . w + b - y_i)^2.

Append a column of ones to X to absorb the intercept: A = [X, 1] of shape
(N, D+1) and theta = [w, b]. The minimiser solves the *normal equations*
A^T A theta = A^T y. Do NOT solve them by computing inv(A^T A): forming A^T A
squares the condition number of the problem (cond 1e8 becomes 1e16, all of
float64's digits), and when two features are collinear (a one-hot encoding
of every category next to the intercept column, say) A^T A is exactly
singular and has no inverse at all. ``np.linalg.lstsq(A, y, rcond=None)``
works on A itself (via an SVD), stays accurate when A is ill-conditioned, and
when the solution is not unique it returns the one of smallest norm, which
still gives the best possible predictions.

Ridge regression minimises (the same objective as scikit-learn's ``Ridge``)

    SSE(w, b) + alpha * ||w||^2          (alpha > 0; b is NOT penalised).

Penalising b would pull predictions toward 0 instead of toward the mean of
y. Centre the data to take b out: with x_mean, y_mean the column means,
Xc = X - x_mean and yc = y - y_mean,

    w = solve(Xc^T Xc + alpha I, Xc^T yc)        (a (D, D) system)
    b = y_mean - x_mean . w

Xc^T Xc + alpha I is positive definite for alpha > 0, so ``np.linalg.solve``
is safe here, even when D > N.

Gradient descent minimises the mean squared error

    L(w, b) = (1/N) sum_i (x_i . w + b - y_i)^2,   with residuals r = X w + b - y:
    dL/dw = (2/N) X^T r        (D,)
    dL/db = (2/N) sum_i r_i     a scalar

Start from w = 0, b = 0 and repeat n_steps times: record L at the current
parameters, then w -= lr * dL/dw and b -= lr * dL/db. On standardised
features (mean 0, variance 1) a learning rate around 0.1 converges to the
least-squares answer within a few hundred steps, and the recorded losses never
go up. Forget the 1/N and the step is N times too large: the losses explode.

API
---
    predict(X, w, b)                          -> y_hat (N,)
    fit_normal_equation(X, y)                 -> (w, b)
    fit_ridge(X, y, alpha)                    -> (w, b)
    fit_gradient_descent(X, y, lr, n_steps)   -> (w, b, losses)

X is (N, D) float, y is (N,), w is (D,) (also when D = 1) and b a Python
float. ``mse`` is implemented for you.

Worked example
--------------
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> fit_normal_equation(X, y)          # the line y = 2x + 1, up to rounding
    (array([2.]), 1.0000000000000004)
    >>> fit_ridge(X, y, alpha=2.0)         # Xc = [-1, 0, 1], yc = [-2, 0, 2]:
    (array([1.]), 2.0)                     # w = 4 / (2 + 2) = 1, b = 3 - 1 * 1 = 2
    >>> fit_gradient_descent(X, y, lr=0.1, n_steps=1)
    (array([0.86666667]), 0.6000000000000001, array([11.66666667]))

One step by hand: r = 0 - y = [-1, -3, -5], so losses[0] = (1 + 9 + 25)/3
= 35/3, dL/dw = (2/3)(0*-1 + 1*-3 + 2*-5) = -26/3 and dL/db = (2/3)(-9) = -6;
then w = 0 - 0.1 * (-26/3) = 0.8667 and b = 0 - 0.1 * (-6) = 0.6.

Reference
---------
Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*,
3.2 (least squares) and 3.4.1 (ridge); Trefethen & Bau, *Numerical Linear
Algebra*, lecture 11 (why not the normal equations).
"""

from __future__ import annotations

import numpy as np


def mse(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean squared error (1/N) sum_i (y_hat_i - y_i)^2 of two (N,) arrays."""
    return float(np.mean((np.asarray(y_hat) - np.asarray(y)) ** 2))


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Predictions X w + b.

    Args:
        X: (N, D) features.
        w: (D,) weights.
        b: the intercept.

    Returns:
        (N,) predictions.
    """
    return X @ w + b  # (N, D) @ (D,) -> (N,)


def fit_normal_equation(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Ordinary least squares with an intercept, solved by ``np.linalg.lstsq``.

    Args:
        X: (N, D) features; the columns may be collinear.
        y: (N,) targets.

    Returns:
        (w, b): (D,) weights and the intercept (a float) minimising the sum of
        squared errors; when that minimiser is not unique, the [w, b] of
        smallest norm.
    """
    N = X.shape[0]
    A = np.column_stack([X, np.ones(N)])  # (N, D+1): the ones column carries b
    # lstsq factorises A itself; inv(A.T @ A) would square the condition number.
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)  # (D+1,)
    return theta[:-1], float(theta[-1])


def fit_ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Ridge regression: minimise SSE + alpha * ||w||^2, the intercept unpenalised.

    Args:
        X: (N, D) features; D may exceed N.
        y: (N,) targets.
        alpha: the penalty strength, > 0.

    Returns:
        (w, b): (D,) weights and the intercept (a float), as scikit-learn's
        ``Ridge(alpha=alpha, fit_intercept=True)`` gives them.
    """
    x_mean, y_mean = X.mean(axis=0), y.mean()  # (D,), scalar
    Xc, yc = X - x_mean, y - y_mean  # (N, D), (N,): centred, so b drops out of the problem
    D = X.shape[1]
    # Positive definite for alpha > 0, so solve is stable even when D > N.
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(D), Xc.T @ yc)  # (D,)
    b = y_mean - x_mean @ w  # the unpenalised intercept puts the fit through the means
    return w, float(b)


def fit_gradient_descent(
    X: np.ndarray, y: np.ndarray, lr: float, n_steps: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """Minimise the mean squared error by batch gradient descent from w = 0, b = 0.

    Args:
        X: (N, D) features, ideally standardised.
        y: (N,) targets.
        lr: the learning rate (step size).
        n_steps: how many updates to make.

    Returns:
        (w, b, losses): (D,) weights, the intercept (a float), and an
        (n_steps,) array whose entry t is the MSE at the parameters *before*
        update t (so losses[0] is the MSE of the all-zero model, mean(y^2)).
    """
    N, D = X.shape
    w, b = np.zeros(D), 0.0
    losses = np.empty(n_steps)
    for t in range(n_steps):
        r = X @ w + b - y  # (N,) residuals
        losses[t] = np.mean(r**2)
        grad_w = (2.0 / N) * (X.T @ r)  # (D,): the 1/N keeps the step size independent of N
        grad_b = (2.0 / N) * r.sum()
        w = w - lr * grad_w  # downhill: against the gradient
        b = b - lr * grad_b
    return w, float(b), losses
