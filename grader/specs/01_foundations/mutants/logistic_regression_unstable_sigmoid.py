"""Mutant: sigmoid is the textbook 1 / (1 + np.exp(-z)), which overflows (RuntimeWarning) for z < -709."""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z), elementwise, without overflow.

    Args:
        z: an array of any shape (or a float).

    Returns:
        An array of the same shape with values in [0, 1]; no overflow warning
        even for |z| = 1000.
    """
    z = np.asarray(z, dtype=float)
    return 1.0 / (1.0 + np.exp(-z))  # np.exp(1000) overflows to inf


def log_loss(y: np.ndarray, logits: np.ndarray) -> float:
    """The mean binary cross-entropy (1/N) sum_i [log(1 + e^z_i) - y_i z_i].

    Args:
        y: (N,) labels in {0, 1}.
        logits: (N,) scores z = X w + b (not probabilities).

    Returns:
        The mean log-loss, a float; finite for any finite logits.
    """
    # logaddexp(0, z) = log(e^0 + e^z) = log(1 + e^z), computed without overflow;
    # it never takes log(sigmoid(z)), which is -inf once sigmoid(z) rounds to 0.
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


def objective(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, lam: float) -> float:
    """J(w, b) = log_loss(y, X w + b) + (lam/2) ||w||^2 (the bias is not penalised)."""
    return log_loss(y, X @ w + b) + 0.5 * lam * float(w @ w)


def gradient(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, lam: float
) -> tuple[np.ndarray, float]:
    """The gradient of J(w, b) = (1/N) sum log-loss + (lam/2) ||w||^2.

    Args:
        X: (N, D) features.
        y: (N,) labels in {0, 1}.
        w: (D,) weights.
        b: the bias.
        lam: the L2 penalty strength, >= 0.

    Returns:
        (grad_w, grad_b): dJ/dw of shape (D,) and dJ/db, a float.
    """
    N = X.shape[0]
    p = sigmoid(X @ w + b)  # (N,) predicted P(y = 1)
    err = p - y  # (N,) dl/dz: sigmoid's derivative cancels against the log
    grad_w = X.T @ err / N + lam * w  # (D,): mean over samples, plus the weight decay
    grad_b = err.mean()  # the bias is not penalised
    return grad_w, float(grad_b)


def fit(
    X: np.ndarray, y: np.ndarray, lam: float, lr: float, n_steps: int
) -> tuple[np.ndarray, float]:
    """Minimise J by batch gradient descent, starting from w = 0, b = 0.

    Args:
        X: (N, D) features, ideally standardised.
        y: (N,) labels in {0, 1}.
        lam: the L2 penalty strength, >= 0.
        lr: the learning rate.
        n_steps: how many updates to make.

    Returns:
        (w, b): (D,) weights and the bias (a float).
    """
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_steps):
        grad_w, grad_b = gradient(X, y, w, b, lam)
        w = w - lr * grad_w  # downhill
        b = b - lr * grad_b
    return w, float(b)


def predict_proba(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """P(y = 1 | x) = sigmoid(x . w + b) for each row: an (N,) array."""
    return sigmoid(X @ w + b)  # (N,)


def predict(X: np.ndarray, w: np.ndarray, b: float, threshold: float = 0.5) -> np.ndarray:
    """Labels: 1 where predict_proba > threshold (strictly), else 0; an (N,) integer array."""
    return (predict_proba(X, w, b) > threshold).astype(int)  # (N,)
