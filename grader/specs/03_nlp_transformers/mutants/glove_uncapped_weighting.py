"""Mutant: the weighting is (x / x_max)^alpha everywhere, never capped at 1."""

from __future__ import annotations

import numpy as np

Params = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # (W, W_tilde, b, b_tilde)


def cooccurrence(ids: np.ndarray, vocab_size: int, window: int) -> np.ndarray:
    """X[a, b] = sum over positions i != j with ids a, b and d = |i - j| <= window of 1 / d.

    Args:
        ids: (n,) token ids in [0, vocab_size).
        vocab_size: V.
        window: the symmetric window size w >= 1.

    Returns:
        (V, V) float64, symmetric.
    """
    ids = np.asarray(ids, dtype=np.int64)
    X = np.zeros((vocab_size, vocab_size))
    for d in range(1, min(window, len(ids) - 1) + 1):
        left, right = ids[:-d], ids[d:]  # every pair at distance d
        np.add.at(X, (left, right), 1.0 / d)  # add.at: the same pair of words can occur many times
        np.add.at(X, (right, left), 1.0 / d)  # and the other direction: X is symmetric
    return X


def weighting(x: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """f(x) = (x / x_max)^alpha below x_max, 1 from x_max on; f(0) = 0."""
    x = np.asarray(x, dtype=np.float64)
    return (x / x_max) ** alpha  # capping the ratio at 1 caps f at 1


def _residuals(params: Params, X: np.ndarray, x_max: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The weights f(X) and the errors e_ij, both (V, V) and 0 where X = 0 (a shared helper; optional)."""
    W, W_tilde, b, b_tilde = params
    nz = X > 0
    logX = np.log(np.where(nz, X, 1.0))  # log only where X > 0; the 1.0 is a placeholder, masked below
    e = W @ W_tilde.T + b[:, None] + b_tilde[None, :] - logX  # (V, V)
    f = np.where(nz, weighting(X, x_max, alpha), 0.0)
    return f, np.where(nz, e, 0.0)


def glove_loss(params: Params, X: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> float:
    """J = sum over nonzero X_ij of f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2."""
    f, e = _residuals(params, X, x_max, alpha)
    return float(np.sum(f * e ** 2))


def glove_grads(params: Params, X: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> Params:
    """Gradients of ``glove_loss``: (dJ/dW (V, D), dJ/dW_tilde (V, D), dJ/db (V,), dJ/db_tilde (V,))."""
    W, W_tilde, _, _ = params
    f, e = _residuals(params, X, x_max, alpha)
    G = 2.0 * f * e  # (V, V) dJ/de_ij; zero where X_ij = 0
    return G @ W_tilde, G.T @ W, G.sum(axis=1), G.sum(axis=0)


def adagrad_step(param: np.ndarray, grad: np.ndarray, accum: np.ndarray, lr: float, eps: float = 1e-10) -> np.ndarray:
    """One AdaGrad update: accum += grad^2 (in place), then return param - lr * grad / (sqrt(accum) + eps)."""
    accum += grad ** 2  # the running sum of squared gradients, per coordinate
    return param - lr * grad / (np.sqrt(accum) + eps)


def train_glove(
    X: np.ndarray, params: Params, n_steps: int, lr: float, x_max: float = 100.0, alpha: float = 0.75
) -> tuple[Params, list[float]]:
    """Full-batch AdaGrad on J from ``params`` (left unmodified); accumulators start at 1.

    Returns:
        (the trained (W, W_tilde, b, b_tilde), losses) with losses[t] = J before step t.
    """
    params = tuple(np.array(p, dtype=np.float64) for p in params)  # copies: the caller's arrays stay as they were
    accums = [np.ones_like(p) for p in params]  # GloVe's reference code starts the sums of squares at 1
    losses = []
    for _ in range(n_steps):
        losses.append(glove_loss(params, X, x_max, alpha))
        grads = glove_grads(params, X, x_max, alpha)
        params = tuple(adagrad_step(p, g, a, lr) for p, g, a in zip(params, grads, accums))
    return params, losses
