"""Spec for 01_foundations/hyperparameter_search.py: grid order, GridSearchCV agreement, ties, seeded random search."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_iris, load_wine
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, ParameterGrid, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from grader.testing import assert_close, assert_equal, check

GRID_HINT = ("take the keys in SORTED order and itertools.product their value lists (the last key varies fastest), "
             "one dict per combination, like sklearn's ParameterGrid")
EVAL_HINT = ("for each candidate, in order: the mean over the folds of cross_val_scores(lambda: model_factory(**params), "
             "X, y, folds, metric); the best is the highest mean, the FIRST one on ties (np.argmax)")
SAMPLE_HINT = ("rng = np.random.default_rng(seed) once, then n_iter times, for each key in sorted order: "
               "value.rvs(random_state=rng) for a distribution, values[rng.integers(len(values))] for a list")


# --------------------------------------------------------------------- helpers


def _search(out, n_candidates, what):
    check(isinstance(out, (tuple, list)) and len(out) == 3,
          f"{what} should return (best_params, best_score, mean_scores); got {type(out).__name__}.")
    best_params, best_score, mean_scores = out
    check(isinstance(best_params, dict), f"{what}: best_params should be a dict, got {type(best_params).__name__}.",
          "return the winning candidate dict itself")
    mean_scores = np.asarray(mean_scores, dtype=float)
    check(mean_scores.shape == (n_candidates,),
          f"{what}: mean_scores has shape {mean_scores.shape}, expected ({n_candidates},): one mean per candidate.",
          EVAL_HINT)
    return best_params, float(best_score), mean_scores


def _gridsearch(model, grid, X, y, folds):
    gs = GridSearchCV(model, grid, cv=folds, scoring=make_scorer(accuracy_score), refit=False).fit(X, y)
    return gs.best_params_, gs.best_score_, gs.cv_results_["mean_test_score"]


class _Fixed:
    """A fake model: predict returns the constant `value`; with `_metric` its score is exactly that value."""

    log: list = []

    def __init__(self, value=0.0, tag=None):
        self.value, self.tag = value, tag
        _Fixed.log.append(self)

    def fit(self, X, y):
        self.fit_rows = np.asarray(X)[:, 0].astype(int).tolist()
        return self

    def predict(self, X):
        return np.full(len(X), float(self.value))


def _metric(y_true, y_pred):
    return float(y_pred[0])


# --------------------------------------------------------------------- param_grid


def test_param_grid_order(learner):
    """param_grid sorts the keys and varies the last one fastest: it equals list(sklearn.ParameterGrid(grid)), for the
    docstring's grid, a 3-key grid written in unsorted order, one key, and the empty grid ([{}])."""
    grids = [
        {"max_depth": [1, 3], "criterion": ["gini", "entropy"]},
        {"zeta": [0, 1], "alpha": ["a", "b", "c"], "mid": [None, 2.5]},
        {"k": [1, 2, 3]},
        {},
    ]
    for grid in grids:
        got = learner.param_grid(grid)
        check(isinstance(got, list), f"param_grid should return a list of dicts; got {type(got).__name__}.")
        expected = list(ParameterGrid(grid))
        check(len(got) == len(expected), f"param_grid({grid}) gave {len(got)} combinations, expected {len(expected)}.",
              "one dict per element of the cartesian product; the empty grid {} gives [{}]" + "; " + GRID_HINT)
        check(got == expected, f"param_grid({grid}) gave\n  {got}\nexpected (sklearn's ParameterGrid)\n  {expected}.",
              GRID_HINT)


# --------------------------------------------------------------------- evaluate / grid search


def test_evaluate_candidates_by_hand(learner):
    """With a fake model whose score is a chosen constant: mean_scores are those constants, the best is the highest,
    and on a tie the EARLIER candidate wins (scores [0.2, 0.9, 0.5, 0.9] -> candidate 1)."""
    X, y = np.arange(12)[:, None].astype(float), np.zeros(12)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in KFold(3).split(X)]
    candidates = [{"value": v, "tag": i} for i, v in enumerate([0.2, 0.9, 0.5, 0.9])]
    best, score, means = _search(learner.evaluate_candidates(_Fixed, candidates, X, y, folds, _metric),
                                 4, "evaluate_candidates")
    assert_close(means, [0.2, 0.9, 0.5, 0.9], rtol=1e-12, atol=1e-12, name="mean_scores",
                 hint="one mean over the folds per candidate, in candidate order; build each model with "
                      "model_factory(**params). " + EVAL_HINT)
    check(best == candidates[1], f"best_params is {best}; with mean scores [0.2, 0.9, 0.5, 0.9] the first 0.9, "
                                 f"{candidates[1]}, wins the tie.",
          hint="keep the FIRST maximum (np.argmax, or update only when a score is strictly greater), as GridSearchCV does")
    assert_close(score, 0.9, rtol=1e-12, name="best_score", hint="the best candidate's mean score")


def test_same_folds_fresh_models(learner):
    """Every candidate is built with its own params by a fresh model_factory(**params) call per fold, and fitted on
    exactly each fold's training rows: the same folds for every candidate."""
    X, y = np.arange(20)[:, None].astype(float), np.zeros(20)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in KFold(4, shuffle=True, random_state=3).split(X)]
    candidates = [{"value": 0.1 * i, "tag": i} for i in range(3)]
    _Fixed.log = []
    learner.evaluate_candidates(_Fixed, candidates, X, y, folds, _metric)
    check(len(_Fixed.log) == len(candidates) * len(folds),
          f"model_factory was called {len(_Fixed.log)} times for {len(candidates)} candidates x {len(folds)} folds.",
          hint="call model_factory(**params) once per candidate per fold (cross_val_scores does it when given "
               "lambda: model_factory(**params))")
    for j, model in enumerate(_Fixed.log):
        cand, fold = divmod(j, len(folds))
        check(model.tag == cand, f"model {j} was built with tag={model.tag}; expected the params of candidate {cand} "
                                 f"({candidates[cand]}).", hint="pass the candidate's settings: model_factory(**params). "
                                                                + EVAL_HINT)
        check(sorted(getattr(model, "fit_rows", [])) == folds[fold][0].tolist(),
              f"candidate {cand}'s model for fold {fold} was fitted on other rows than that fold's training part.",
              hint="evaluate every candidate on the folds passed in, unchanged")


@pytest.mark.points(3)
def test_grid_search_matches_sklearn(learner, seed):
    """A decision tree on wine over max_depth x min_samples_leaf (10 settings): mean scores, best_params and
    best_score equal GridSearchCV's on the same explicit folds."""
    X, y = load_wine(return_X_y=True)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)]
    grid = {"min_samples_leaf": [1, 20], "max_depth": [1, 2, 3, 5, None]}
    ref_best, ref_score, ref_means = _gridsearch(DecisionTreeClassifier(random_state=0), grid, X, y, folds)
    make = lambda **p: DecisionTreeClassifier(random_state=0, **p)  # noqa: E731
    best, score, means = _search(learner.grid_search(make, grid, X, y, folds, accuracy_score), 10, "grid_search")
    assert_close(means, ref_means, rtol=1e-12, atol=1e-12, name="mean_scores (in ParameterGrid order)",
                 hint="the candidates must come in ParameterGrid order (sorted keys, last fastest). " + EVAL_HINT)
    check(best == ref_best, f"best_params {best}, GridSearchCV chose {ref_best}.", hint=EVAL_HINT)
    assert_close(score, ref_score, rtol=1e-12, atol=1e-12, name="best_score", hint=EVAL_HINT)


def test_grid_search_ties_like_sklearn(learner, seed):
    """k-NN on iris over n_jobs x n_neighbors: n_jobs never changes a prediction, so every score is tied at least
    twice; the winner is GridSearchCV's, the first in grid order (n_jobs=None before n_jobs=1)."""
    X, y = load_iris(return_X_y=True)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y)]
    grid = {"n_neighbors": [1, 7, 15, 40], "n_jobs": [None, 1]}
    ref_best, ref_score, ref_means = _gridsearch(KNeighborsClassifier(), grid, X, y, folds)
    best, score, means = _search(learner.grid_search(KNeighborsClassifier, grid, X, y, folds, accuracy_score), 8,
                                 "grid_search")
    assert_close(means, ref_means, rtol=1e-12, atol=1e-12, name="mean_scores (in ParameterGrid order)",
                 hint=GRID_HINT + "; " + EVAL_HINT)
    check(best == ref_best, f"best_params {best}, GridSearchCV chose {ref_best} (the first of the tied best settings).",
          hint="ties go to the candidate that comes FIRST in param_grid's order: np.argmax, or '>' not '>='")


# --------------------------------------------------------------------- random search


def test_sample_params_seeded(learner, seed):
    """sample_params(space, 20, seed) is reproducible (even if np.random is used meanwhile), leaves the global
    np.random state alone, differs between seeds, and its 20 draws are not all the same."""
    space = {"C": stats.loguniform(1e-3, 1e2), "depth": stats.randint(1, 10), "kind": ["a", "b", "c", "d"]}
    first = learner.sample_params(space, 20, seed)
    check(isinstance(first, list) and len(first) == 20, f"sample_params(space, 20) returned {type(first).__name__} "
                                                        f"of length {len(first) if hasattr(first, '__len__') else '?'}.",
          "a list of n_iter dicts")
    check(all(isinstance(p, dict) and sorted(p) == ["C", "depth", "kind"] for p in first),
          "every sampled setting should be a dict with exactly the keys of the space.", SAMPLE_HINT)
    np.random.seed(seed + 5)
    np.random.random(3)
    before = np.random.get_state()
    second = learner.sample_params(space, 20, seed)
    after = np.random.get_state()
    check(first == second, "two calls of sample_params with the same seed gave different settings.",
          hint="draw only from rng = np.random.default_rng(seed): pass random_state=rng to every .rvs() "
               "(without it scipy uses the global np.random state)")
    check(before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:],
          "sample_params changed the global np.random state.", hint="dist.rvs(random_state=rng), never np.random.*")
    check(len({p["C"] for p in first}) == 20, "the 20 sampled values of C are not all different.",
          hint="create the generator ONCE, before the loop: re-seeding it inside the loop repeats the same draw")
    other = learner.sample_params(space, 20, seed + 1)
    check(other != first, "seeds s and s + 1 gave the same settings.", hint=SAMPLE_HINT)


@pytest.mark.points(2)
def test_sample_params_within_space(learner, seed):
    """2000 draws: list elements come back unchanged (type included) and about equally often; randint(1, 10) gives
    integers 1..9; loguniform(1e-3, 1e2) stays in range with half the draws below 10^-0.5 (uniform in log scale)."""
    mixed = [1, 2.5, "log", "sqrt"]  # numpy would turn this list into strings
    space = {"m": mixed, "d": stats.randint(1, 10), "C": stats.loguniform(1e-3, 1e2)}
    draws = learner.sample_params(space, 2000, seed)
    for p in draws:
        v = p["m"]
        check(any(v is x or (type(v) is type(x) and v == x) for x in mixed),
              f"sampled m = {v!r} (type {type(v).__name__}), which is not one of {mixed!r}.",
              hint="pick by index, values[rng.integers(len(values))]: rng.choice(values) converts a mixed list to "
                   "one numpy dtype (here strings), so 1 comes back as '1'")
    counts = np.array([sum(1 for p in draws if p["m"] == x) for x in mixed])
    sd = np.sqrt(2000 * 0.25 * 0.75)
    check(np.all(np.abs(counts - 500) <= 5 * sd), f"the 4 list values were drawn {counts.tolist()} times in 2000 draws; "
                                                  "expected about 500 each.", hint="uniform: rng.integers(len(values))")
    d = np.array([p["d"] for p in draws])
    check(np.all((d >= 1) & (d <= 9) & (d == np.round(d))), f"randint(1, 10) draws outside 1..9: {np.unique(d)[:10]}",
          hint="draw distributions with value.rvs(random_state=rng)")
    C = np.array([p["C"] for p in draws], dtype=float)
    check(np.all((C >= 1e-3) & (C <= 1e2)), "loguniform(1e-3, 1e2) draws fall outside [1e-3, 1e2].",
          hint="draw distributions with value.rvs(random_state=rng)")
    below = np.mean(C < 10**-0.5)
    check(abs(below - 0.5) <= 5 * np.sqrt(0.25 / 2000),
          f"{below:.1%} of the loguniform(1e-3, 1e2) draws are below 10^-0.5; expected about 50%.",
          hint="draw with value.rvs(random_state=rng), which samples uniformly in log scale")


def test_random_search_matches_sklearn(learner, seed):
    """random_search evaluates exactly sample_params(space, n_iter, seed); its mean scores and best equal
    GridSearchCV's run on those same settings and folds."""
    X, y = load_wine(return_X_y=True)
    folds = [(np.asarray(a), np.asarray(b)) for a, b in KFold(3, shuffle=True, random_state=seed).split(X)]
    space = {"max_depth": stats.randint(1, 8), "min_samples_leaf": [1, 3, 10, 30], "criterion": ["gini", "entropy"]}
    candidates = learner.sample_params(space, 8, seed)
    make = lambda **p: DecisionTreeClassifier(random_state=0, **p)  # noqa: E731
    best, score, means = _search(learner.random_search(make, space, 8, X, y, folds, accuracy_score, seed), 8,
                                 "random_search")
    ref_best, ref_score, ref_means = _gridsearch(DecisionTreeClassifier(random_state=0),
                                                 [{k: [v] for k, v in p.items()} for p in candidates], X, y, folds)
    assert_close(means, ref_means, rtol=1e-12, atol=1e-12, name="mean_scores of random_search",
                 hint="random_search scores sample_params(space, n_iter, seed), in that order. " + EVAL_HINT)
    check(best == ref_best, f"best_params {best}, GridSearchCV on the same settings chose {ref_best}.", hint=EVAL_HINT)
    assert_close(score, ref_score, rtol=1e-12, atol=1e-12, name="best_score of random_search", hint=EVAL_HINT)
