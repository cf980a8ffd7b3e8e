"""Mutant: log_softmax is log(softmax(x)): stable softmax, but tiny probabilities round to 0 and log(0) = -inf."""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of (N, C) logits, stable for any finite logits: (N, C)."""
    m = logits.max(axis=-1, keepdims=True)  # (N, 1)
    shifted = logits - m  # (N, C), every entry <= 0, so exp cannot overflow
    e = np.exp(shifted)
    return np.log(e / e.sum(axis=-1, keepdims=True))


def mse_loss(pred: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    """Squared error (pred - target)^2 over all elements, reduced by "mean" (float), "sum" (float) or "none" (array)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    sq = (pred - target) ** 2  # same shape as pred
    if reduction == "none":
        return sq
    return float(sq.mean() if reduction == "mean" else sq.sum())


def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """d mse_loss(pred, target, "mean") / d pred = 2 (pred - target) / pred.size: shaped like pred."""
    return 2.0 * (pred - target) / pred.size


def cross_entropy(logits: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, reduction: str = "mean"):
    """Cross-entropy of (N, C) logits against integer labels y (N,), optional class weights (C,).

    Returns:
        "none": (N,) per-sample losses w[y_i] * -log_softmax[i, y_i]; "sum": their sum;
        "mean": their sum divided by sum_i w[y_i] (the plain mean when weight is None).
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    N = logits.shape[0]
    w = np.ones(N) if weight is None else weight[y]  # (N,) the weight of each sample's true class
    losses = -w * log_softmax(logits)[np.arange(N), y]  # (N,)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(losses.sum())
    return float(losses.sum() / w.sum())  # weighted mean: normalise by the total weight, not by N


def cross_entropy_grad(logits: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """d cross_entropy(logits, y, weight, "mean") / d logits: (N, C) = w[y_i] (softmax - onehot) / sum_i w[y_i]."""
    N = logits.shape[0]
    w = np.ones(N) if weight is None else weight[y]  # (N,)
    grad = np.exp(log_softmax(logits))  # (N, C) softmax, from the stable log-softmax
    grad[np.arange(N), y] -= 1.0
    return grad * (w / w.sum())[:, None]  # each row scaled by its weight over the total weight
