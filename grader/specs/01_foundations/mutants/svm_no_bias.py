"""Mutant: pegasos never learns the bias: there is no constant feature, so b stays 0."""

from __future__ import annotations

import numpy as np


def hinge_objective(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, lam: float) -> float:
    """J(w, b) = (lam/2)(||w||^2 + b^2) + mean_i max(0, 1 - y_i (x_i . w + b)).

    Args:
        X: (N, D) features.
        y: (N,) labels in {-1, +1}.
        w: (D,) weights.
        b: the bias (regularised like the weights, see the convention above).
        lam: the L2 penalty strength, >= 0.

    Returns:
        The objective, a float.
    """
    margins = y * (X @ w + b)  # (N,) y z: >= 1 means right and outside the margin
    hinge = np.maximum(0.0, 1.0 - margins)  # (N,) zero beyond the margin
    return float(0.5 * lam * (w @ w + b * b) + hinge.mean())


def rbf_kernel(A: np.ndarray, B: np.ndarray, gamma: float) -> np.ndarray:
    """The RBF kernel matrix K[n, m] = exp(-gamma ||A[n] - B[m]||^2).

    Args:
        A: (N, D) points.
        B: (M, D) points.
        gamma: the kernel width parameter, > 0.

    Returns:
        (N, M) kernel values, each in [0, 1].
    """
    sq_a = np.sum(A * A, axis=1)  # (N,) ||a_n||^2
    sq_b = np.sum(B * B, axis=1)  # (M,) ||b_m||^2
    sq_dist = sq_a[:, None] + sq_b[None, :] - 2.0 * A @ B.T  # (N, M), without an (N, M, D) temporary
    # Rounding can leave tiny negative values for near-identical points far from the origin.
    sq_dist = np.maximum(sq_dist, 0.0)
    return np.exp(-gamma * sq_dist)  # (N, M)


def pegasos(
    X: np.ndarray, y: np.ndarray, lam: float, n_iter: int, *, seed: int = 0, project: bool = True
) -> tuple[np.ndarray, float]:
    """Minimise J(w, b) with Pegasos: one random sample per step, step size 1/(lam t).

    Args:
        X: (N, D) features.
        y: (N,) labels in {-1, +1}.
        lam: the L2 penalty strength, > 0.
        n_iter: the number of steps T.
        seed: seed for ``np.random.default_rng``, which draws the sample indices.
        project: after each step, project w~ = [w, b] onto the ball of radius 1/sqrt(lam).

    Returns:
        (w, b): (D,) weights and the bias (a float), the last iterate.
    """
    N, D = X.shape
    X_aug = np.hstack([X, np.zeros((N, 1))])  # (N, D+1): the bias is the weight on a constant feature
    w_aug = np.zeros(D + 1)  # (D+1,) w~ = [w, b]
    radius = 1.0 / np.sqrt(lam)
    rng = np.random.default_rng(seed)
    for t, i in enumerate(rng.integers(0, N, size=n_iter), start=1):
        eta = 1.0 / (lam * t)
        violated = y[i] * (X_aug[i] @ w_aug) < 1.0  # tested with w~ before the update
        w_aug = (1.0 - eta * lam) * w_aug  # the penalty's sub-gradient step, every time
        if violated:
            w_aug = w_aug + eta * y[i] * X_aug[i]  # the hinge's sub-gradient is -y_i x~_i
        if project:
            norm = np.linalg.norm(w_aug)
            if norm > radius:
                w_aug = w_aug * (radius / norm)
    return w_aug[:-1], float(w_aug[-1])


def predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Labels: +1 where x . w + b > 0, else -1; an (N,) integer array."""
    return np.where(X @ w + b > 0, 1, -1)
