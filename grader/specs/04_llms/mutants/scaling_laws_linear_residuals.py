"""Mutant: the power law is refined on residuals L - prediction instead of log L - log prediction."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import least_squares


def power_law(N: np.ndarray, a: float, alpha: float, c: float) -> np.ndarray:
    """L(N) = a N^-alpha + c."""
    return a * np.asarray(N, dtype=float) ** (-alpha) + c


def fit_power_law(N: np.ndarray, L: np.ndarray) -> tuple[float, float, float]:
    """Least squares on log L for L(N) = a N^-alpha + c: a grid over c with a line fit each, then refinement.

    Args:
        N: (n,) model sizes, > 0.
        L: (n,) losses, > 0; n >= 3 and at least 3 distinct N.

    Returns:
        (a, alpha, c).
    """
    N, L = np.asarray(N, dtype=float), np.asarray(L, dtype=float)
    log_n, log_l = np.log(N), np.log(L)

    def residuals(theta):  # theta = (log a, alpha, c)
        return L - (np.exp(theta[0]) * N ** (-theta[1]) + theta[2])

    best = None
    for c in np.linspace(0.0, 0.999 * L.min(), 200):  # for fixed c, log(L - c) is a line in log N
        slope, intercept = np.polyfit(log_n, np.log(L - c), 1)
        theta = np.array([intercept, max(-slope, 1e-6), c])
        sse = float(np.sum(residuals(theta) ** 2))
        if best is None or sse < best[0]:
            best = (sse, theta)
    upper_c = L.min() * (1 - 1e-9)
    start = best[1].copy()
    start[2] = min(start[2], upper_c * (1 - 1e-6))
    fit = least_squares(residuals, start, bounds=([-np.inf, 0.0, 0.0], [np.inf, np.inf, upper_c]),
                        xtol=1e-15, ftol=1e-15, gtol=1e-15)
    log_a, alpha, c = fit.x
    return float(np.exp(log_a)), float(alpha), float(c)


def chinchilla_loss(N, D, E: float, A: float, alpha: float, B: float, beta: float) -> np.ndarray:
    """L(N, D) = E + A / N^alpha + B / D^beta."""
    N, D = np.asarray(N, dtype=float), np.asarray(D, dtype=float)
    return E + A * N ** (-alpha) + B * D ** (-beta)


def fit_chinchilla(N: np.ndarray, D: np.ndarray, L: np.ndarray) -> tuple[float, float, float, float, float]:
    """Least squares on log L for L = E + A N^-alpha + B D^-beta, from a grid of starting exponents.

    Returns:
        (E, A, alpha, B, beta).
    """
    N, D, L = (np.asarray(v, dtype=float) for v in (N, D, L))
    log_l = np.log(L)

    def residuals(theta):  # theta = (E, log A, alpha, log B, beta)
        E, log_a, alpha, log_b, beta = theta
        return log_l - np.log(E + np.exp(log_a) * N ** (-alpha) + np.exp(log_b) * D ** (-beta))

    best = None
    for alpha, beta in itertools.product([0.2, 0.35, 0.5], repeat=2):
        x, y = N ** (-alpha), D ** (-beta)
        design = np.stack([np.ones_like(x), x, y], axis=1)          # (n, 3): L ~ E + A x + B y
        E, A, B = np.linalg.lstsq(design, L, rcond=None)[0]
        start = np.array([min(max(E, 0.0), 0.99 * L.min()), np.log(max(A, 1e-3)), alpha, np.log(max(B, 1e-3)), beta])
        fit = least_squares(residuals, start, bounds=([0.0, -np.inf, 0.0, -np.inf, 0.0], np.inf),
                            xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=2000)
        if best is None or fit.cost < best.cost:
            best = fit
    E, log_a, alpha, log_b, beta = best.x
    return float(E), float(np.exp(log_a)), float(alpha), float(np.exp(log_b)), float(beta)


def compute_optimal(C: float, A: float, alpha: float, B: float, beta: float) -> tuple[float, float]:
    """argmin over N of L(N, C / (6N)): (N_opt, D_opt) with 6 N_opt D_opt = C."""
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    n_opt = G * (C / 6.0) ** (beta / (alpha + beta))
    d_opt = (C / 6.0) ** (alpha / (alpha + beta)) / G
    return float(n_opt), float(d_opt)


def twenty_tokens_rule(C: float) -> tuple[float, float]:
    """D = 20 N with C = 6 N D: N = sqrt(C / 120)."""
    n = float(np.sqrt(C / 120.0))
    return n, 20.0 * n
