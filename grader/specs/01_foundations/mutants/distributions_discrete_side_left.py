"""Mutant: sample_discrete uses searchsorted's default side='left', so u = c[k] goes to category k (and p[0] = 0 is drawn at u = 0)."""

from __future__ import annotations

import numpy as np


def sample_exponential(rate: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Samples of Exponential(rate) by inverse CDF.

    Args:
        rate: lambda > 0 (the mean is 1 / rate).
        size: how many samples.
        rng: the generator; draw the uniforms with rng.random(size).

    Returns:
        A (size,) float array of non-negative samples, all finite.
    """
    u = rng.random(size)  # (size,) in [0, 1)
    return -np.log1p(-u) / rate  # -log(1 - u): 1 - u is in (0, 1], so never log(0)


def sample_discrete(p: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Samples of the categorical distribution P(k) = p[k] by inverse CDF.

    Args:
        p: (K,) probabilities, non-negative and summing to 1 (up to rounding).
        size: how many samples.
        rng: the generator; draw the uniforms with rng.random(size).

    Returns:
        A (size,) integer array of categories in 0..K-1; a category with p[k] = 0 never appears.
    """
    c = np.cumsum(p)  # (K,) c[k] = P(X <= k)
    c = c / c[-1]  # ends at exactly 1.0, so no u in [0, 1) falls past the last category
    u = rng.random(size)  # (size,)
    # k = number of c's <= u, i.e. c[k-1] <= u < c[k]: the half-open interval of length p[k]
    return np.searchsorted(c, u)


def sample_normal(mean: float, std: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Samples of N(mean, std^2) by the Box-Muller transform.

    Args:
        mean: the mean.
        std: the standard deviation (not the variance), >= 0.
        size: how many samples.
        rng: the generator; draw the uniforms with rng.random(...).

    Returns:
        A (size,) float array.
    """
    m = (size + 1) // 2  # each pair of uniforms gives two normals
    u1, u2 = rng.random((2, m))  # (m,) each
    r = np.sqrt(-2.0 * np.log1p(-u1))  # (m,) radius; log(1 - u1) is finite
    theta = 2.0 * np.pi * u2  # (m,) angle
    z = np.concatenate([r * np.cos(theta), r * np.sin(theta)])[:size]  # (size,) standard normals
    return mean + std * z


def normal_mle(x: np.ndarray) -> tuple[float, float]:
    """The maximum-likelihood mean and variance (divided by N, not N - 1) of a (N,) sample."""
    mu = np.mean(x)
    var = np.mean((x - mu) ** 2)  # two passes: no cancellation when |mu| >> std
    return float(mu), float(var)


def exponential_mle(x: np.ndarray) -> float:
    """The maximum-likelihood rate of an exponential (N,) sample: 1 / mean(x)."""
    return float(1.0 / np.mean(x))


def bernoulli_mle(x: np.ndarray) -> float:
    """The maximum-likelihood p of a (N,) sample of 0s and 1s: the fraction of ones."""
    return float(np.mean(x))
