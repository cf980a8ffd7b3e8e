"""Mutant: fit_gradient_descent sums the gradient over samples instead of averaging (missing 1/N)."""

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
        grad_w = 2.0 * (X.T @ r)  # (D,)
        grad_b = 2.0 * r.sum()
        w = w - lr * grad_w  # downhill: against the gradient
        b = b - lr * grad_b
    return w, float(b), losses
