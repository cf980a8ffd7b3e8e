"""Confidence intervals: Student's t, the percentile bootstrap, and what "95%" means.

Goal
----
Quantify the uncertainty of an estimate from one sample, and check by
simulation that the interval keeps its promise. You write:

* ``t_interval``: the classic interval for a mean, vectorised over many
  samples at once;
* ``bootstrap_distribution``: a statistic recomputed on B resamples of the
  data, drawn with replacement, in one vectorised step;
* ``percentile_interval``: the bootstrap percentile interval;
* ``coverage``: the fraction of intervals that contain the true value.

Why it matters
--------------
Every number you report about a model (an accuracy, a benchmark score, the
gain of one model over another) is an estimate from a finite test set. An
accuracy of 0.83 on 200 examples is really "somewhere around 0.78 to 0.88",
and two models 1 point apart may be indistinguishable. The t interval is the
textbook tool for means; the bootstrap works for any statistic (a median, an
F1 score, a BLEU score) with no formula at all.

The maths
---------
A 95% confidence interval is a procedure: applied to many independent
samples, it contains the true value in 95% of them (its *coverage*). It says
nothing about one particular interval.

t interval for the mean of a normal sample x_1..x_n, at confidence level
1 - alpha:

    xbar = mean(x)        s = sqrt( sum (x_i - xbar)^2 / (n - 1) )    (ddof=1)
    q = the (1 - alpha/2) quantile of Student's t with n - 1 degrees of freedom
      = scipy.stats.t.ppf(1 - alpha/2, df=n - 1)      (2.093 for n = 20, 95%)
    interval = xbar -+ q * s / sqrt(n)

Why t and not 1.96: s is itself estimated from the data, and
(xbar - mu) / (s / sqrt n) follows a t distribution, whose tails are heavier
than the normal's when n is small. With z = 1.96 instead of q, a "95%"
interval from n = 5 points covers the mean only about 88% of the time.

Percentile bootstrap for a statistic T (mean, median, ...) of x_1..x_n:

    1. draw B resamples, each n indices chosen uniformly WITH replacement:
       idx = rng.integers(0, n, size=(B, n)), all at once;
    2. compute T on every resample: T(x[idx], axis=1), shape (B,);
    3. the interval is the alpha/2 and 1 - alpha/2 quantiles of those B values:
       np.quantile(t_boot, [alpha/2, 1 - alpha/2]) (the default, linear
       interpolation).

Resampling WITHOUT replacement (a permutation) gives back the same data every
time, hence a zero-width interval. The bootstrap relies on the sample standing
in for the population, so it undercovers a little for small n.

API
---
    t_interval(x, confidence=0.95)                     -> (low, high), each of shape x.shape[:-1]
    bootstrap_distribution(x, stat, n_resamples, rng)  -> (n_resamples,) T of each resample
    percentile_interval(x, stat, confidence, n_resamples, rng) -> (low, high), floats
    coverage(low, high, true_value)                    -> float, the fraction with low <= true <= high

``x`` holds samples along its LAST axis: t_interval on a (2000, 20) array
gives 2000 intervals at once. ``stat`` is any function that accepts
``axis=`` (np.mean, np.median, ...).

Worked example
--------------
    >>> t_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    (1.0367568385224428, 4.963243161477557)
    # xbar = 3, s = sqrt(2.5) = 1.5811, q = t.ppf(0.975, df=4) = 2.7764,
    # half-width = 2.7764 * 1.5811 / sqrt(5) = 1.9632
    >>> coverage(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 4.0]), 1.0)
    0.6666666666666666                           # [0, 1] and [1, 3] contain 1 (ends included)

Reference
---------
Wasserman, *All of Statistics* (2004), 6.3.2 (confidence sets) and 8
(the bootstrap); Efron & Tibshirani, *An Introduction to the Bootstrap*
(1993), 13.3 (the percentile interval); ``scipy.stats.t.interval`` and
``scipy.stats.bootstrap``.
"""

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
    q = stats.t.ppf(0.5 + confidence / 2, df=n - 1)  # two-sided: alpha/2 in each tail
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
