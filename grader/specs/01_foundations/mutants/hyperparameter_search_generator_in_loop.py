"""Mutant: sample_params creates np.random.default_rng(seed) inside the loop, so every draw is the same."""

from __future__ import annotations

import functools
import itertools
from typing import Any, Callable

import numpy as np


def cross_val_scores(
    model_factory: Callable[[], Any], X: np.ndarray, y: np.ndarray, folds: list, metric: Callable
) -> np.ndarray:
    """(len(folds),) test scores: a fresh model_factory() fitted on each fold's training part."""
    scores = []
    for train_idx, test_idx in folds:
        model = model_factory()
        model.fit(X[train_idx], y[train_idx])
        scores.append(metric(y[test_idx], model.predict(X[test_idx])))
    return np.array(scores, dtype=float)


def param_grid(grid: dict[str, list]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, keys sorted, the last key varying fastest.

    Args:
        grid: parameter name -> list of values to try.

    Returns:
        A list of dicts, one per combination, in scikit-learn's ParameterGrid
        order; [{}] for an empty grid.
    """
    keys = sorted(grid)  # a fixed order, whatever order the dict was written in
    # product() varies its last argument fastest; product() of nothing yields one empty tuple.
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[key] for key in keys))]


def sample_params(space: dict[str, Any], n_iter: int, seed: int = 0) -> list[dict[str, Any]]:
    """n_iter independent random settings from lists (uniform) and scipy.stats distributions.

    Args:
        space: parameter name -> a list of values, or a frozen distribution with ``rvs``.
        n_iter: how many settings to draw.
        seed: seed for np.random.default_rng, the only source of randomness.

    Returns:
        A list of n_iter dicts with the same keys as space.
    """
    candidates = []
    for _ in range(n_iter):
        rng = np.random.default_rng(seed)
        params = {}
        for key in sorted(space):
            values = space[key]
            if hasattr(values, "rvs"):
                params[key] = values.rvs(random_state=rng)  # scipy draws from our generator
            else:
                params[key] = values[rng.integers(len(values))]  # the element itself, its type intact
        candidates.append(params)
    return candidates


def evaluate_candidates(
    model_factory: Callable[..., Any],
    candidates: list[dict[str, Any]],
    X: np.ndarray,
    y: np.ndarray,
    folds: list,
    metric: Callable,
) -> tuple[dict[str, Any], float, np.ndarray]:
    """Mean cross-validated score of every candidate, and the best one.

    Args:
        model_factory: ``model_factory(**params)`` returns a new unfitted model.
        candidates: the settings to try, in order.
        X: (n, d) features.
        y: (n,) targets.
        folds: (train_idx, test_idx) pairs, the same for every candidate.
        metric: ``metric(y_true, y_pred) -> float``, higher is better.

    Returns:
        (best_params, best_score, mean_scores): the first candidate with the
        highest mean score, that score, and (len(candidates),) all the means.
    """
    mean_scores = np.empty(len(candidates))  # (n_candidates,)
    for i, params in enumerate(candidates):
        make_model = functools.partial(model_factory, **params)  # make_model() = model_factory(**params), a new model
        mean_scores[i] = cross_val_scores(make_model, X, y, folds, metric).mean()  # the SAME folds for everyone
    best = int(np.argmax(mean_scores))  # argmax returns the FIRST maximum: ties go to the earlier candidate
    return candidates[best], float(mean_scores[best]), mean_scores


def grid_search(model_factory: Callable[..., Any], grid: dict[str, list], X: np.ndarray, y: np.ndarray,
                folds: list, metric: Callable) -> tuple[dict[str, Any], float, np.ndarray]:
    """Evaluate every combination of the grid: evaluate_candidates(..., param_grid(grid), ...)."""
    return evaluate_candidates(model_factory, param_grid(grid), X, y, folds, metric)


def random_search(model_factory: Callable[..., Any], space: dict[str, Any], n_iter: int, X: np.ndarray,
                  y: np.ndarray, folds: list, metric: Callable,
                  seed: int = 0) -> tuple[dict[str, Any], float, np.ndarray]:
    """Evaluate n_iter random settings: evaluate_candidates(..., sample_params(space, n_iter, seed), ...)."""
    return evaluate_candidates(model_factory, sample_params(space, n_iter, seed), X, y, folds, metric)
