"""Hyperparameter search: grid search and random search over cross-validated scores.

Goal
----
Choose a model's hyperparameters (a tree's depth, a regulariser's strength) by
cross-validation: score every candidate setting by its mean score over the same
folds and keep the best. You write three functions:

* ``param_grid``: every combination of a grid of values, in a fixed order;
* ``sample_params``: n random settings drawn from lists and distributions;
* ``evaluate_candidates``: the mean CV score of each setting and the best one.

``cross_val_scores`` (the previous exercise's loop), ``grid_search`` and
``random_search`` come implemented: the last two just chain your functions.

Why it matters
--------------
Almost every model has knobs that training does not learn. Grid search tries
every combination, which explodes with the number of knobs; random search
spends the same budget on random points and, when only a few knobs matter, finds
good settings much faster (Bergstra & Bengio, 2012). Scale parameters such as
learning rates and penalties are searched on a log scale
(``scipy.stats.loguniform``). Both searches must be reproducible (a seeded
generator) and must compare candidates on the SAME folds, or the comparison
measures the folds rather than the settings. And the best CV score is an
optimistic estimate of the chosen model: report a separate test score.

The rules (follow them exactly: the grader compares with scikit-learn)
--------------------------------------------------------------------
param_grid({"name": [values], ...}): take the keys in SORTED order and form
the cartesian product of their value lists with the LAST key varying fastest
(``itertools.product``), one dict per combination, as scikit-learn's
``ParameterGrid`` does. An empty grid {} gives one candidate, {}.

sample_params(space, n_iter, seed): with ``rng = np.random.default_rng(seed)``,
n_iter times: for each key in sorted order, if the value has an ``rvs`` method
(a frozen ``scipy.stats`` distribution such as ``loguniform(1e-3, 1e2)`` or
``randint(1, 10)``) draw ``value.rvs(random_state=rng)``; otherwise it is a list:
pick one element uniformly by index, ``values[rng.integers(len(values))]``, so
the element itself comes back (``rng.choice([1, 2.5, "log"])`` would turn it
into the string "1"). Draws are independent (with replacement).

evaluate_candidates(model_factory, candidates, X, y, folds, metric): for each
candidate dict params, the mean over folds of
``cross_val_scores(lambda: model_factory(**params), ...)``. The best candidate is
the one with the highest mean, the EARLIEST in candidate order on ties (what
``GridSearchCV`` does, and why the grid's order is fixed).

API
---
    param_grid(grid)                                          -> list of dicts
    sample_params(space, n_iter, seed=0)                      -> list of dicts
    evaluate_candidates(model_factory, candidates, X, y, folds, metric)
        -> (best_params dict, best_score float, mean_scores (n_candidates,))
    grid_search(model_factory, grid, X, y, folds, metric)     (implemented)
    random_search(model_factory, space, n_iter, X, y, folds, metric, seed=0)  (implemented)
    cross_val_scores(model_factory, X, y, folds, metric)      (implemented)

``model_factory(**params)`` returns a new unfitted model, e.g. a scikit-learn
class such as ``DecisionTreeClassifier``; ``folds`` is a list of
(train_idx, test_idx) pairs; ``metric(y_true, y_pred)`` is higher-is-better.

Worked example
--------------
    >>> param_grid({"max_depth": [1, 3], "criterion": ["gini", "entropy"]})
    [{'criterion': 'gini', 'max_depth': 1}, {'criterion': 'gini', 'max_depth': 3},
     {'criterion': 'entropy', 'max_depth': 1}, {'criterion': 'entropy', 'max_depth': 3}]
    >>> from scipy.stats import loguniform
    >>> sample_params({"C": loguniform(1e-3, 1e2), "penalty": ["l1", "l2"]}, n_iter=2, seed=0)
    [{'C': np.float64(1.5304122616866653), 'penalty': 'l2'}, {'C': np.float64(0.0016027567687951396), 'penalty': 'l1'}]

"criterion" sorts before "max_depth", so it varies slowest. If the four
candidates' mean scores were [0.90, 0.95, 0.93, 0.95], the best is the second,
{'criterion': 'gini', 'max_depth': 3}: the first of the two 0.95s.

Reference
---------
Bergstra & Bengio, "Random search for hyper-parameter optimization" (JMLR,
2012); scikit-learn's user guide, "Tuning the hyper-parameters of an
estimator" (``GridSearchCV``, ``RandomizedSearchCV``, ``ParameterGrid``).
"""

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
    rng = np.random.default_rng(seed)  # one generator for all draws: reproducible, and the draws differ
    candidates = []
    for _ in range(n_iter):
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
