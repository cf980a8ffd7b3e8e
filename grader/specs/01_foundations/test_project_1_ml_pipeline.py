"""Spec for 01_foundations/project_1_ml_pipeline.py: a tuned, leak-free pipeline on breast_cancer and diabetes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from grader.testing import assert_close, check

TASKS = ("classification", "regression")
MARGIN = {"classification": 0.03, "regression": 0.05}
METRIC = {"classification": "accuracy", "regression": "R^2"}
SPLIT_HINT = ("split once with train_test_split(X, y, test_size=0.2, stratify=y if task == 'classification' else None, "
              "random_state=seed), and let nothing but the final score see X_test.")
_CACHE: dict = {}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Small problems gain nothing from BLAS threads, and on a busy machine threads cost 10x: use one."""
    with threadpool_limits(limits=1):
        yield


# --------------------------------------------------------------------- data and reference


def _load(task, seed, missing=0.05):
    """The task's data, built here exactly as the stub's load_task builds it."""
    if task == "classification":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        cat = []
    else:
        X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
        X["sex"] = X["sex"].astype(int).astype(str)
        cat = ["sex"]
    num = [c for c in X.columns if c not in cat]
    holes = np.random.default_rng(seed).uniform(size=(len(X), len(num))) < missing
    X[num] = X[num].mask(holes)
    return X, y.to_numpy(), num, cat


def _split_idx(task, y, seed):
    """The documented split, as row positions (train_test_split permutes every array alike)."""
    return train_test_split(np.arange(len(y)), test_size=0.2, stratify=y if task == "classification" else None,
                            random_state=seed)


def _cv(task, seed):
    if task == "classification":
        return StratifiedKFold(n_splits=5, shuffle=True, random_state=seed), "accuracy"
    return KFold(n_splits=5, shuffle=True, random_state=seed), "r2"


def _baseline(task, seed):
    """The grader's own tuned linear baseline, on the same split: its held-out score."""
    key = ("baseline", task, seed)
    if key not in _CACHE:
        X, y, num, cat = _load(task, seed)
        tr, te = _split_idx(task, y, seed)
        pre = ColumnTransformer([
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num),
            ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                              ("onehot", OneHotEncoder(handle_unknown="ignore"))]), cat),
        ])
        if task == "classification":
            model, grid = LogisticRegression(max_iter=1000), {"model__C": [0.01, 0.1, 1.0, 10.0]}
        else:
            model, grid = Ridge(), {"model__alpha": [0.1, 1.0, 10.0, 100.0]}
        cv, scoring = _cv(task, seed)
        search = GridSearchCV(Pipeline([("preprocess", pre), ("model", model)]), grid, cv=cv, scoring=scoring)
        search.fit(X.iloc[tr], y[tr])
        _CACHE[key] = float(search.best_estimator_.score(X.iloc[te], y[te]))
    return _CACHE[key]


def _poison(task, X, y, seed):
    """A copy of X whose test rows are wrecked: half shifted by 1e6, half blanked to NaN, categories unseen."""
    X = X.copy()
    _, te = _split_idx(task, y, seed)
    num = [c for c in X.columns if X[c].dtype.kind == "f"]
    half = len(te) // 2
    X.iloc[te[:half], [X.columns.get_loc(c) for c in num]] += 1e6
    X.iloc[te[half:], [X.columns.get_loc(c) for c in num]] = np.nan
    for c in X.columns:
        if c not in num:
            X.iloc[te, X.columns.get_loc(c)] = "poison"
    return X


def _run(learner, task, seed, poisoned=False):
    """The learner's run(), cached across tests (it is the expensive part); checks the result's shape."""
    key = ("run", task, seed, poisoned)
    if key not in _CACHE:
        X, y, num, cat = _load(task, seed)
        if poisoned:
            X = _poison(task, X, y, seed)
        out = learner.run(task, X, y, numeric_features=num, categorical_features=cat, seed=seed)
        check(isinstance(out, dict), f"run should return a dict; got {type(out).__name__}.",
              "return {'test_score': ..., 'cv_score': ..., 'best_params': ..., 'model': ...}.")
        missing = {"test_score", "cv_score", "best_params", "model"} - set(out)
        check(not missing, f"run's result lacks the keys {sorted(missing)}.",
              "return {'test_score': ..., 'cv_score': search.best_score_, 'best_params': search.best_params_, "
              "'model': search.best_estimator_}.")
        check(isinstance(out["model"], Pipeline), f"run's 'model' should be the fitted Pipeline; got "
              f"{type(out['model']).__name__}.", "'model': search.best_estimator_")
        _CACHE[key] = out
    return _CACHE[key]


def _step(pipe, *path):
    obj = pipe
    for name in path:
        if isinstance(obj, Pipeline):
            names = [n for n, _ in obj.steps]
            check(name in names, f"a pipeline has steps {names}; no step named {name!r}.",
                  "name the steps as in the module docstring: 'preprocess' (ColumnTransformer) and 'model'; inside, "
                  "'num' = 'impute' -> 'scale' and 'cat' = 'impute' -> 'onehot'.")
            obj = obj.named_steps[name]
        elif isinstance(obj, ColumnTransformer):
            src = getattr(obj, "named_transformers_", None) or {n: t for n, t, _ in obj.transformers}
            check(name in src, f"the ColumnTransformer has transformers {list(src)}; no {name!r}.",
                  "ColumnTransformer([('num', ..., numeric_features), ('cat', ..., categorical_features)])")
            obj = src[name]
        else:
            check(False, f"expected a Pipeline or ColumnTransformer on the path {'/'.join(path)}; "
                         f"found {type(obj).__name__}.")
    return obj


def _check_train_statistics(model, X_train, num, what):
    """The fitted imputer and scaler hold exactly the training split's statistics."""
    scaler = _step(model, "preprocess", "num", "scale")
    n_seen = int(np.max(scaler.n_samples_seen_))
    check(n_seen == len(X_train),
          f"{what}: the final model's scaler was fitted on {n_seen} rows; the training split has {len(X_train)}"
          + (": test rows leaked into the final model." if n_seen > len(X_train) else "."),
          "the best candidate must be refit on the whole training split (GridSearchCV's refit=True does it) and "
          "on nothing else. " + SPLIT_HINT)
    medians = X_train[num].median()
    assert_close(_step(model, "preprocess", "num", "impute").statistics_, medians.to_numpy(), rtol=1e-12,
                 name=f"{what}: the imputer's medians",
                 hint="they must be the medians of the training split: " + SPLIT_HINT)
    assert_close(scaler.mean_, X_train[num].fillna(medians).mean().to_numpy(), rtol=1e-12,
                 name=f"{what}: the scaler's mean_",
                 hint="it must be the mean of the imputed training split: " + SPLIT_HINT)


def _check_cv_score(result, task, X_train, y_train, seed, pipe):
    """cv_score is the 5-fold CV score of best_params on the training split, with the documented folds."""
    best = result["best_params"]
    check(isinstance(best, dict) and best, f"best_params should be a non-empty dict; got {best!r}.",
          "'best_params': search.best_params_")
    cv, scoring = _cv(task, seed)
    want = cross_val_score(clone(pipe).set_params(**best), X_train, y_train, cv=cv, scoring=scoring).mean()
    assert_close(result["cv_score"], want, rtol=1e-9, atol=1e-9,
                 name=f"cv_score for {task} (mean {scoring} over the 5 training folds, for best_params {best})",
                 hint=f"GridSearchCV(pipeline, grid, cv={type(cv).__name__}(n_splits=5, shuffle=True, "
                      f"random_state=seed), scoring={scoring!r}) fitted on X_train, y_train only; cv=5 does not "
                      f"shuffle, and a search fitted on X (or choosing by test score) reports another number.")


def _check_held_out(learner, task, seed):
    X, y, num, cat = _load(task, seed)
    tr, te = _split_idx(task, y, seed)
    result = _run(learner, task, seed)
    model = result["model"]
    _check_train_statistics(model, X.iloc[tr], num, f"run({task!r})")
    want = model.score(X.iloc[te], y[te])
    assert_close(result["test_score"], want, rtol=1e-12, atol=1e-12,
                 name=f"test_score for {task} (the returned model's {METRIC[task]} on the test split)",
                 hint="score search.best_estimator_ once on X_test, y_test: accuracy for classification, R^2 "
                      "(estimator.score) for regression. " + SPLIT_HINT)
    build = learner.build_classifier if task == "classification" else learner.build_regressor
    _check_cv_score(result, task, X.iloc[tr], y[tr], seed, build(num, cat))
    ref = _baseline(task, seed)
    got = float(result["test_score"])
    print(f"{task}: your held-out {METRIC[task]} {got:.4f}, the tuned baseline's {ref:.4f} "
          f"(pass mark {ref - MARGIN[task]:.4f}); best_params {result['best_params']}, cv_score {result['cv_score']:.4f}")
    check(got >= ref - MARGIN[task],
          f"held-out {METRIC[task]} for {task} is {got:.4f}; the grader's tuned linear baseline gets {ref:.4f} on the "
          f"same split, and the pass mark is {ref - MARGIN[task]:.4f}.",
          "is everything scaled and imputed inside the pipeline, and does the grid reach the good region? For a "
          "linear model, search the regularisation strength on a log scale (e.g. C or alpha in 0.01 ... 100).")


# --------------------------------------------------------------------- tests


@pytest.mark.points(3)
def test_builders(learner):
    """Both builders return fresh unfitted Pipelines: 'preprocess' (impute + scale / impute + one-hot), then a classifier / regressor."""
    X, y, num, cat = _load("regression", 0)
    for name, is_kind, kind in (("build_classifier", is_classifier, "classifier"),
                                ("build_regressor", is_regressor, "regressor")):
        pipe = getattr(learner, name)(num, cat)
        check(isinstance(pipe, Pipeline), f"{name} should return a sklearn Pipeline; got {type(pipe).__name__}.")
        names = [n for n, _ in pipe.steps]
        check(names[0] == "preprocess" and names[-1] == "model",
              f"{name}'s steps are {names}; the first must be 'preprocess' and the last 'model'.")
        pre = pipe.named_steps["preprocess"]
        check(isinstance(pre, ColumnTransformer), f"{name}: 'preprocess' is a {type(pre).__name__}; expected a "
              "ColumnTransformer.", "numbers and categories need different steps: ColumnTransformer routes them.")
        cols = {n: list(c) for n, _, c in pre.transformers}
        check(cols.get("num") == num and cols.get("cat") == cat,
              f"{name}: the ColumnTransformer routes {cols}; expected 'num' -> {num} and 'cat' -> {cat}.")
        for path, cls, params in ((("num", "impute"), SimpleImputer, {"strategy": "median"}),
                                  (("num", "scale"), StandardScaler, {}),
                                  (("cat", "impute"), SimpleImputer, {"strategy": "most_frequent"}),
                                  (("cat", "onehot"), OneHotEncoder, {"handle_unknown": "ignore"})):
            step = _step(pipe, "preprocess", *path)
            check(isinstance(step, cls), f"{name}: {'/'.join(path)} is a {type(step).__name__}; expected {cls.__name__}.")
            for p, v in params.items():
                check(step.get_params()[p] == v, f"{name}: {'/'.join(path)} has {p}={step.get_params()[p]!r}; "
                      f"expected {v!r}.")
        check(is_kind(pipe.named_steps["model"]),
              f"{name}: the 'model' step ({type(pipe.named_steps['model']).__name__}) is not a scikit-learn {kind}.")
        try:
            check_is_fitted(pipe)
            fitted = True
        except NotFittedError:
            fitted = False
        check(not fitted, f"{name} returned a fitted pipeline; it should be unfitted (run fits it on X_train).")
        check(getattr(learner, name)(num, cat).named_steps["model"] is not pipe.named_steps["model"],
              f"two calls to {name} share the same model object.", "build new estimators on every call.")


def test_search_space(learner):
    """Each task's grid is a dict of lists naming real parameters of its pipeline, 2 to 12 combinations; bad task -> ValueError."""
    X, y, num, cat = _load("regression", 0)
    for task, build in (("classification", learner.build_classifier), ("regression", learner.build_regressor)):
        grid = learner.search_space(task)
        check(isinstance(grid, dict) and grid, f"search_space({task!r}) should be a non-empty dict; got {grid!r}.")
        params = build(num, cat).get_params()
        for key, values in grid.items():
            check(key in params, f"search_space({task!r}) tunes {key!r}, which the pipeline does not have.",
                  "parameter names are step names joined by '__': 'model__C', 'model__alpha', "
                  "'preprocess__num__impute__strategy', ...")
            check(isinstance(values, (list, tuple)) and len(values) >= 1,
                  f"search_space({task!r})[{key!r}] should be a non-empty list; got {values!r}.")
        n = int(np.prod([len(v) for v in grid.values()]))
        check(2 <= n <= 12, f"search_space({task!r}) has {n} combinations; it must have 2 to 12.",
              "tune one or two hyperparameters with a handful of values each (5 folds x 12 candidates is already "
              "60 fits).")
    for bad in ("clustering", "Classification"):
        try:
            learner.search_space(bad)
        except ValueError:
            continue
        check(False, f"search_space({bad!r}) did not raise ValueError.", "raise ValueError for an unknown task.")


@pytest.mark.points(3)
def test_select_model_cross_validates_training_split(learner, seed):
    """select_model returns a fitted search: 5 shuffled folds of the training split, best refit on all of it."""
    X, y, num, cat = _load("regression", seed)
    tr, _ = _split_idx("regression", y, seed)
    X_train, y_train = X.iloc[tr], y[tr]
    pipe = learner.build_regressor(num, cat)
    grid = learner.search_space("regression")
    search = learner.select_model(pipe, grid, X_train, y_train, task="regression", seed=seed)
    for attr in ("best_estimator_", "best_score_", "best_params_", "cv_results_"):
        check(hasattr(search, attr), f"select_model's result has no {attr}: it should be a fitted GridSearchCV.",
              "search = GridSearchCV(pipeline, param_grid, cv=..., scoring=...); return search.fit(X_train, y_train).")
    check(getattr(search, "n_splits_", None) == 5, f"the search used {getattr(search, 'n_splits_', None)} folds; "
          "expected 5.", "cv=KFold(n_splits=5, shuffle=True, random_state=seed) for regression.")
    n_cand = len(search.cv_results_["params"])
    n_grid = int(np.prod([len(v) for v in grid.values()]))
    check(n_cand == n_grid, f"the search tried {n_cand} candidates; the grid has {n_grid}.",
          "search the grid you are given (param_grid), all of it.")
    scores = np.asarray(search.cv_results_["mean_test_score"])
    check(np.isclose(search.best_score_, np.nanmax(scores)),
          f"best_score_ {search.best_score_:.4f} is not the best mean CV score ({np.nanmax(scores):.4f}).",
          "use scoring='r2' (higher is better) so that the search picks the candidate with the highest score.")
    _check_cv_score({"best_params": search.best_params_, "cv_score": search.best_score_}, "regression",
                    X_train, y_train, seed, pipe)
    _check_train_statistics(search.best_estimator_, X_train, num, "select_model(...).best_estimator_")


@pytest.mark.points(5)
def test_classification_held_out(learner, seed):
    """breast_cancer: fitted on the training split, CV score reproducible, held-out accuracy within 0.03 of the tuned baseline."""
    _check_held_out(learner, "classification", seed)


@pytest.mark.points(5)
def test_regression_held_out(learner, seed):
    """diabetes (with a categorical sex column): fitted on the training split, held-out R^2 within 0.05 of the tuned baseline."""
    _check_held_out(learner, "regression", seed)


@pytest.mark.points(6)
@pytest.mark.parametrize("task", TASKS)
def test_poisoned_test_rows_change_nothing(learner, seed, task):
    """Wrecking the test rows (values +1e6, NaN, unseen categories) must not change the model, its CV score or its hyperparameters."""
    X, y, num, cat = _load(task, seed)
    tr, te = _split_idx(task, y, seed)
    clean = _run(learner, task, seed)
    poisoned = _run(learner, task, seed, poisoned=True)
    leak = ("the test rows influenced training. Everything (imputer, scaler, model, the choice of hyperparameters) "
            "must be fitted or chosen on X_train only; X_test is used once, for the final score. ")
    check(poisoned["best_params"] == clean["best_params"],
          f"with the test rows poisoned, {task} chose {poisoned['best_params']} instead of {clean['best_params']}: "
          + leak, "choose hyperparameters by cross-validation on X_train, never by the test score. " + SPLIT_HINT)
    assert_close(poisoned["cv_score"], clean["cv_score"], rtol=1e-12, atol=1e-12,
                 name=f"cv_score for {task} with the test rows poisoned", hint=leak + SPLIT_HINT)
    _check_train_statistics(poisoned["model"], X.iloc[tr], num, f"run({task!r}) with poisoned test rows")
    X_test = X.iloc[te]
    pred_clean = clean["model"].predict(X_test)
    pred_poisoned = poisoned["model"].predict(X_test)
    assert_close(pred_poisoned, pred_clean, rtol=1e-9, atol=1e-9,
                 name=f"{task} predictions on the clean test rows, model from the poisoned run vs the clean run",
                 hint=leak + "(If your model is random, e.g. a forest, fix its random_state so that two runs agree.)")


def test_unknown_task_and_new_data(learner, seed):
    """run raises ValueError for an unknown task; the fitted regressor handles NaNs and an unseen sex value."""
    X, y, num, cat = _load("regression", seed)
    try:
        learner.run("clustering", X, y, numeric_features=num, categorical_features=cat, seed=seed)
    except ValueError:
        pass
    else:
        check(False, "run('clustering', ...) did not raise ValueError.",
              "check the task first: raise ValueError unless it is 'classification' or 'regression'.")
    model = _run(learner, "regression", seed)["model"]
    new = X.iloc[:3].copy()
    new.iloc[0, new.columns.get_loc("bmi")] = np.nan
    new.iloc[1, new.columns.get_loc("sex")] = "3"  # a value the training data never had
    new.iloc[2, [new.columns.get_loc(c) for c in num]] = np.nan
    pred = np.asarray(model.predict(new), dtype=float)
    check(pred.shape == (3,) and np.isfinite(pred).all(),
          f"the fitted regressor predicted {pred!r} for rows with NaNs and an unseen category.",
          "impute inside the pipeline, and OneHotEncoder(handle_unknown='ignore').")
