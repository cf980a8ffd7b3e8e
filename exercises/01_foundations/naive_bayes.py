"""Bayes' theorem as a classifier: Gaussian naive Bayes, computed in log space.

Goal
----
Classify x by Bayes' theorem, P(c | x) = P(c) p(x | c) / p(x), with the
"naive" assumption that the features are independent given the class and
each is Gaussian. You write:

* ``logsumexp``: log(sum(exp(a))) along the last axis, without overflow or
  underflow;
* ``fit``: the class priors, and each class's per-feature means and
  variances (with scikit-learn's ``var_smoothing``);
* ``joint_log_likelihood``: log P(c) + log p(x | c) for every sample and class;
* ``predict_proba``: the posteriors P(c | x), normalised in log space;
* ``predict``: the most probable class label.

Why it matters
--------------
Bayes' theorem is how a model turns "how likely is this data under each
hypothesis" into "how likely is each hypothesis": the same normalisation is
the softmax at the end of every classifier and language model. And it is the
standard lesson in working with log-probabilities: a product of 100 densities
of 1e-5 is 1e-500, which is 0.0 in float64, so P(c | x) = 0 / 0 = nan. In log
space the same numbers are sums around -1151, perfectly representable.

The maths
---------
For classes c = 0..C-1 (the sorted unique labels) and D features:

    prior      P(c) = N_c / N                                  (class frequency)
    mean       mu_cj = mean of feature j over the samples of class c
    variance   var_cj = (1/N_c) sum (x_j - mu_cj)^2 + epsilon  (the MLE, 1/N_c, not 1/(N_c - 1))
    epsilon    = var_smoothing * max_j Var(X[:, j])            (over ALL samples; the largest feature variance)

epsilon keeps every variance positive: a feature that is constant within a
class (or a class with a single sample) would otherwise have variance 0 and
a density that divides by 0. This is exactly scikit-learn's ``GaussianNB``.

The joint log-likelihood of x and class c (naive: a sum over features):

    jll_c(x) = log P(c) + sum_j [ -1/2 log(2 pi var_cj) - (x_j - mu_cj)^2 / (2 var_cj) ]

Bayes' theorem in logs, with p(x) = sum_c P(c) p(x | c):

    log P(c | x) = jll_c(x) - log sum_c' exp(jll_c'(x))

The log-sum-exp trick: with m = max_c a_c,

    log sum_c exp(a_c) = m + log sum_c exp(a_c - m)

Every a_c - m <= 0, so nothing overflows, and the largest term is exp(0) = 1,
so the sum is at least 1 and its log never underflows to log(0), whatever
the size of the a's. (If every a_c is -inf, return -inf.)

API
---
    logsumexp(a)                       -> (...) log sum exp over a's last axis (shape a.shape[:-1])
    fit(X, y, var_smoothing=1e-9)      -> NBParams(classes (C,), priors (C,), means (C, D), variances (C, D))
    joint_log_likelihood(X, params)    -> (N, C) log P(c) + log p(x | c)
    predict_proba(X, params)           -> (N, C) posteriors; each row sums to 1
    predict(X, params)                 -> (N,) labels taken from params.classes

Worked example
--------------
One feature, X = [[0], [2], [10]], y = [0, 0, 1], var_smoothing = 0 (no epsilon):

    classes = [0, 1]; priors = [2/3, 1/3]
    means = [[1], [10]]; variances = [[1], [0]]     (class 1 has a single sample: variance 0)

That 0 is why epsilon exists: with the default 1e-9, epsilon = 1e-9 * Var([0, 2, 10])
= 1e-9 * 18.667, and class 1's variance becomes 1.8667e-8.

    >>> logsumexp(np.array([[0.0, np.log(3.0)], [-1000.0, -1000.0]]))
    array([   1.38629436, -999.30685282])                # log 4 and -1000 + log 2

Reference
---------
Murphy, *Probabilistic Machine Learning: An Introduction* (2022), 9.3 (naive
Bayes) and 2.5.4 (log-sum-exp); scikit-learn's user guide, "Gaussian Naive
Bayes", and ``sklearn.naive_bayes.GaussianNB``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class NBParams(NamedTuple):
    """A fitted Gaussian naive Bayes model."""

    classes: np.ndarray  # (C,) sorted unique labels
    priors: np.ndarray  # (C,) P(c)
    means: np.ndarray  # (C, D)
    variances: np.ndarray  # (C, D), smoothed


def logsumexp(a: np.ndarray) -> np.ndarray:
    """log(sum(exp(a))) over the last axis, stable for any magnitude.

    Args:
        a: an array (..., C); entries may be -inf.

    Returns:
        An array of shape a.shape[:-1].
    """
    raise NotImplementedError("logsumexp: not written yet (subtract the max first)")


def fit(X: np.ndarray, y: np.ndarray, var_smoothing: float = 1e-9) -> NBParams:
    """Fit the priors, means and smoothed variances.

    Args:
        X: (N, D) features.
        y: (N,) labels (any sortable type).
        var_smoothing: epsilon = var_smoothing * (the largest variance of a column of X) is added to every variance.

    Returns:
        NBParams(classes (C,), priors (C,), means (C, D), variances (C, D)).
    """
    raise NotImplementedError("fit: not written yet")


def joint_log_likelihood(X: np.ndarray, params: NBParams) -> np.ndarray:
    """log P(c) + sum_j log N(x_j; mu_cj, var_cj) for every sample and class.

    Args:
        X: (N, D) features.
        params: a fitted model.

    Returns:
        (N, C) joint log-likelihoods.
    """
    raise NotImplementedError("joint_log_likelihood: not written yet")


def predict_proba(X: np.ndarray, params: NBParams) -> np.ndarray:
    """The posteriors P(c | x): (N, C), rows summing to 1, computed in log space."""
    raise NotImplementedError("predict_proba: not written yet (normalise in log space)")


def predict(X: np.ndarray, params: NBParams) -> np.ndarray:
    """The most probable class for each row: (N,) labels from params.classes."""
    raise NotImplementedError("predict: not written yet")
