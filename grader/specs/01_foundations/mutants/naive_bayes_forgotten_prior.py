"""Mutant: joint_log_likelihood leaves out the log prior log P(c)."""

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
    m = np.max(a, axis=-1, keepdims=True)  # (..., 1)
    m = np.where(np.isfinite(m), m, 0.0)  # a row of all -inf: shift by 0, not by -inf (-inf - -inf = nan)
    with np.errstate(divide="ignore"):  # log(0) = -inf only for an all -inf row
        return np.log(np.sum(np.exp(a - m), axis=-1)) + m[..., 0]  # every a - m <= 0: no overflow


def fit(X: np.ndarray, y: np.ndarray, var_smoothing: float = 1e-9) -> NBParams:
    """Fit the priors, means and smoothed variances.

    Args:
        X: (N, D) features.
        y: (N,) labels (any sortable type).
        var_smoothing: epsilon = var_smoothing * (the largest variance of a column of X) is added to every variance.

    Returns:
        NBParams(classes (C,), priors (C,), means (C, D), variances (C, D)).
    """
    classes = np.unique(y)  # (C,) sorted
    epsilon = var_smoothing * np.var(X, axis=0).max()  # one number, from the whole data set
    priors = np.array([np.mean(y == c) for c in classes])  # (C,) N_c / N
    means = np.stack([X[y == c].mean(axis=0) for c in classes])  # (C, D)
    variances = np.stack([X[y == c].var(axis=0) for c in classes]) + epsilon  # (C, D) MLE (1/N_c), never 0
    return NBParams(classes, priors, means, variances)


def joint_log_likelihood(X: np.ndarray, params: NBParams) -> np.ndarray:
    """log P(c) + sum_j log N(x_j; mu_cj, var_cj) for every sample and class.

    Args:
        X: (N, D) features.
        params: a fitted model.

    Returns:
        (N, C) joint log-likelihoods.
    """
    _, priors, means, variances = params
    log_norm = -0.5 * np.sum(np.log(2.0 * np.pi * variances), axis=1)  # (C,)
    sq = (X[:, None, :] - means[None, :, :]) ** 2 / variances[None, :, :]  # (N, C, D)
    return log_norm - 0.5 * sq.sum(axis=2)  # (N, C)


def predict_proba(X: np.ndarray, params: NBParams) -> np.ndarray:
    """The posteriors P(c | x): (N, C), rows summing to 1, computed in log space."""
    jll = joint_log_likelihood(X, params)  # (N, C), may be far below -745
    log_post = jll - logsumexp(jll)[:, None]  # (N, C) Bayes: divide by p(x), in logs
    return np.exp(log_post)


def predict(X: np.ndarray, params: NBParams) -> np.ndarray:
    """The most probable class for each row: (N,) labels from params.classes."""
    return params.classes[np.argmax(joint_log_likelihood(X, params), axis=1)]  # p(x) does not change the argmax
