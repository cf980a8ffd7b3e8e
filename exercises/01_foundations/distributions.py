"""Sampling from uniforms (inverse CDF, Box-Muller) and maximum-likelihood estimates.

Goal
----
Turn uniform random numbers into samples of other distributions, then go the
other way: from samples back to the parameters that most likely produced
them. You write:

* ``sample_exponential``: inverse-CDF sampling of Exponential(rate);
* ``sample_discrete``: inverse-CDF sampling of a categorical distribution,
  with cumulative sums and ``np.searchsorted``;
* ``sample_normal``: the Box-Muller transform;
* ``normal_mle``, ``exponential_mle``, ``bernoulli_mle``: the maximum-
  likelihood estimates, in closed form.

Every sampler draws its uniforms from the ``rng`` it is given, and only with
``rng.random(shape)`` (uniform on [0, 1)): no other method of ``rng``, and
never the global ``np.random``. The same seed then gives the same samples,
and the tests can hand you chosen uniforms to check the transform itself.

Why it matters
--------------
Every random thing a model does starts as uniform bits: weight initialisation
(normals), dropout masks (Bernoulli), sampling the next token of a language
model (a categorical over the vocabulary: exactly ``sample_discrete``). And
every loss in this course is a negative log-likelihood: mean squared error is
the Gaussian's, cross-entropy the categorical's. The MLE formulas below are
the smallest cases of "training = maximising likelihood".

The maths
---------
Inverse CDF: if U ~ Uniform[0, 1) and F is a CDF, X = F^-1(U) has CDF F,
because P(F^-1(U) <= x) = P(U <= F(x)) = F(x).

* Exponential(rate): F(x) = 1 - e^(-rate x), so F^-1(u) = -log(1 - u) / rate.
  Use 1 - u, not u: ``rng.random`` can return exactly 0, and -log(0) = inf,
  while 1 - u is in (0, 1].
* Categorical(p) over 0..K-1: with the cumulative sums c_k = p_0 + ... + p_k,
  return the k with c_(k-1) <= u < c_k (c_(-1) = 0). The interval of k has
  length p_k, so P(k) = p_k; a category with p_k = 0 has an empty interval
  and is never drawn. That k is the number of c's that are <= u:
  ``np.searchsorted(c, u, side="right")``. Rounding trap: the sums of
  p = [0.1] * 10 end at 0.9999999999999999, and ``rng.random`` can return
  exactly that, which would give the non-existent category K. Divide c by
  c[-1] so that it ends at exactly 1.0.
* Box-Muller: for independent U1, U2 ~ Uniform, with R = sqrt(-2 log(1 - U1))
  and theta = 2 pi U2, both Z0 = R cos(theta) and Z1 = R sin(theta) are
  independent N(0, 1). Use both: one pair of uniforms gives two normals.
  Then X = mean + std * Z is N(mean, std^2) (std, not the variance).

Maximum likelihood: choose the parameters that maximise the log-likelihood
sum_i log p(x_i | theta). Setting its derivative to zero gives

    Normal:       mu = (1/N) sum x_i      var = (1/N) sum (x_i - mu)^2
    Exponential:  rate = N / sum x_i = 1 / mean(x)
    Bernoulli:    p = (1/N) sum x_i       (the fraction of ones)

The MLE variance divides by N, not N - 1: it is biased (it is what
``np.var`` and ``scipy.stats.norm.fit`` return; ``ddof=1`` gives the unbiased
one). Compute it as the mean of squared deviations from the mean: the
shortcut mean(x^2) - mean(x)^2 loses every digit when the mean is large
compared with the spread (x around 1e8 with spread 1: x^2 ~ 1e16, where
float64's spacing is 2).

API
---
    sample_exponential(rate, size, rng)   -> (size,) samples of Exponential(rate) (mean 1 / rate)
    sample_discrete(p, size, rng)         -> (size,) integer categories in 0..K-1
    sample_normal(mean, std, size, rng)   -> (size,) samples of N(mean, std^2)
    normal_mle(x)                         -> (mu, var), floats
    exponential_mle(x)                    -> rate, a float
    bernoulli_mle(x)                      -> p, a float

Worked example
--------------
With uniforms u = [0.0, 0.5, 0.75]:

    exponential, rate 2:  -log(1 - u) / 2 = [0.0, 0.3466, 0.6931]
    categorical, p = [0.2, 0.5, 0.3]: c = [0.2, 0.7, 1.0], so
        u = 0.0 -> 0,  u = 0.5 -> 1,  u = 0.75 -> 2  (and u = 0.2 exactly -> 1)

    >>> normal_mle(np.array([1.0, 2.0, 3.0, 4.0]))
    (2.5, 1.25)                       # ddof=1 would give 1.6667
    >>> exponential_mle(np.array([0.5, 1.5, 1.0]))
    1.0
    >>> bernoulli_mle(np.array([1, 0, 1, 1]))
    0.75

Reference
---------
Devroye, *Non-Uniform Random Variate Generation* (1986), II.2 (inversion) and
V.4 (Box-Muller); Box & Muller, "A note on the generation of random normal
deviates", Ann. Math. Statist. (1958); Wasserman, *All of Statistics*, 9.3
(maximum likelihood).
"""

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
    raise NotImplementedError("sample_exponential: not written yet (inverse CDF of 1 - e^(-rate x))")


def sample_discrete(p: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Samples of the categorical distribution P(k) = p[k] by inverse CDF.

    Args:
        p: (K,) probabilities, non-negative and summing to 1 (up to rounding).
        size: how many samples.
        rng: the generator; draw the uniforms with rng.random(size).

    Returns:
        A (size,) integer array of categories in 0..K-1; a category with p[k] = 0 never appears.
    """
    raise NotImplementedError("sample_discrete: not written yet (cumulative sums + np.searchsorted)")


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
    raise NotImplementedError("sample_normal: not written yet (Box-Muller)")


def normal_mle(x: np.ndarray) -> tuple[float, float]:
    """The maximum-likelihood mean and variance (divided by N, not N - 1) of a (N,) sample."""
    raise NotImplementedError("normal_mle: not written yet")


def exponential_mle(x: np.ndarray) -> float:
    """The maximum-likelihood rate of an exponential (N,) sample: 1 / mean(x)."""
    raise NotImplementedError("exponential_mle: not written yet")


def bernoulli_mle(x: np.ndarray) -> float:
    """The maximum-likelihood p of a (N,) sample of 0s and 1s: the fraction of ones."""
    raise NotImplementedError("bernoulli_mle: not written yet")
