"""Mutant: t_interval uses the normal quantile (1.96 at 95%) instead of Student's t with n - 1 df: undercovers for small n."""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import stats


def t_interval(x: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Student's t confidence interval for the mean, for every sample in x at once.

    Args:
        x: (..., n) samples along the last axis, n >= 2.
        confidence: the level 1 - alpha, e.g. 0.95.

    Returns:
        (low, high), each of shape x.shape[:-1] (floats for a 1-D x).
    """
    n = x.shape[-1]
    xbar = x.mean(axis=-1)  # (...)
    s = x.std(axis=-1, ddof=1)  # (...) the unbiased sample std
    q = stats.norm.ppf(0.5 + confidence / 2)  # 1.96 at 95%
    half = q * s / np.sqrt(n)  # (...) the standard error, scaled
    return xbar - half, xbar + half


def bootstrap_distribution(
    x: np.ndarray, stat: Callable[..., np.ndarray], n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """The statistic on n_resamples bootstrap resamples of x.

    Args:
        x: (n,) the sample.
        stat: a function like np.mean or np.median that accepts axis=.
        n_resamples: B.
        rng: draw all indices at once with rng.integers(0, n, size=(B, n)).

    Returns:
        (B,) the statistic of each resample.
    """
    n = len(x)
    idx = rng.integers(0, n, size=(n_resamples, n))  # (B, n) with replacement: repeats are the point
    return stat(x[idx], axis=1)  # (B,)


def percentile_interval(
    x: np.ndarray,
    stat: Callable[..., np.ndarray],
    confidence: float,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """The percentile bootstrap interval: the alpha/2 and 1 - alpha/2 quantiles of the bootstrap distribution.

    Args:
        x: (n,) the sample.
        stat: a function like np.mean or np.median that accepts axis=.
        confidence: the level 1 - alpha.
        n_resamples: B.
        rng: passed to bootstrap_distribution.

    Returns:
        (low, high) as floats.
    """
    alpha = 1.0 - confidence
    t_boot = bootstrap_distribution(x, stat, n_resamples, rng)  # (B,)
    low, high = np.quantile(t_boot, [alpha / 2, 1.0 - alpha / 2])
    return float(low), float(high)


def coverage(low: np.ndarray, high: np.ndarray, true_value: float) -> float:
    """The fraction of intervals [low, high] (ends included) that contain true_value; low, high: (M,)."""
    return float(np.mean((low <= true_value) & (true_value <= high)))
