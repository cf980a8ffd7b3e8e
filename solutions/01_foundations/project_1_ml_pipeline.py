"""Project 1: a full ML pipeline, from raw table to an honest held-out score.

Goal
----
Put the foundations together on two real datasets that ship with
scikit-learn, with missing values added:

* **classification**: breast_cancer (569 tumours, 30 numeric features,
  malignant or benign), scored by accuracy;
* **regression**: diabetes (442 patients, 9 numeric features and a
  categorical ``sex``, a disease-progression score one year later), scored by
  R^2.

For each task you build a preprocessing + model pipeline, choose its
hyperparameters by cross-validation on the training split, and report the
score of the chosen model on a test split it has never seen. You choose the
models and the grids; the grader checks that the procedure is honest and the
scores are competitive.

Why it matters
--------------
Each earlier exercise was one piece; a real project is about how the pieces
fit together without leaking. The test split must influence nothing: not the
imputer's medians, not the scaler's means, not which hyperparameters win.
Only then is the test score an unbiased estimate of performance on new data.
The grader checks this directly: it runs your ``run`` a second time with the
test rows poisoned (shifted by a million, or blanked to NaN) and expects the
same fitted model, the same chosen hyperparameters and the same CV score.

The procedure (follow it exactly: the grader repeats it)
--------------------------------------------------------
``run(task, X, y, numeric_features=..., categorical_features=..., seed=...)``:

1. Split once: ``X_train, X_test, y_train, y_test = train_test_split(X, y,
   test_size=0.2, stratify=y if task == "classification" else None,
   random_state=seed)``.
2. Build the unfitted pipeline: ``build_classifier(numeric_features,
   categorical_features)`` or ``build_regressor(...)``.
3. ``search = select_model(pipeline, search_space(task), X_train, y_train,
   task=task, seed=seed)``: a ``GridSearchCV`` over the grid with 5-fold
   cross-validation on the training split only,
   ``StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)`` for
   classification and ``KFold(n_splits=5, shuffle=True, random_state=seed)``
   for regression, scoring ``"accuracy"`` or ``"r2"``, refitting the best
   candidate on the whole training split (``refit=True``, the default).
4. Score ``search.best_estimator_`` once on the test split: accuracy for
   classification, R^2 for regression (what ``estimator.score`` returns).
5. Return ``{"test_score": float, "cv_score": search.best_score_,
   "best_params": search.best_params_, "model": search.best_estimator_}``.

Raise ``ValueError`` for a task other than "classification" or "regression".

The pipelines (the grader inspects these names)
-----------------------------------------------
Both builders return an unfitted ``Pipeline`` whose first step is
``"preprocess"``, a ``ColumnTransformer`` with

    "num" on numeric_features:     Pipeline "impute" (SimpleImputer, median)
                                           -> "scale" (StandardScaler)
    "cat" on categorical_features: Pipeline "impute" (SimpleImputer, most frequent)
                                           -> "onehot" (OneHotEncoder ignoring unknown categories)

and whose last step is ``"model"``: any scikit-learn classifier (for
``build_classifier``) or regressor (for ``build_regressor``) you like.
``search_space(task)`` returns the grid for that task's pipeline as a dict of
lists keyed by parameter names such as ``"model__C"``: at least 2 and at most
12 combinations, so that the whole grading stays fast.

What the grader expects
-----------------------
On the same split, the grader tunes its own baseline (the pipeline above with
a logistic regression, C in {0.01, 0.1, 1, 10}, or a ridge regression, alpha
in {0.1, 1, 10, 100}). Your held-out accuracy must be at least the
baseline's minus 0.03, and your R^2 at least the baseline's minus 0.05
(diabetes is small and noisy). Expect about 0.97 accuracy, and R^2 from about 0.3 to
0.5 depending on the split.

API
---
    build_classifier(numeric_features, categorical_features)  -> Pipeline (unfitted)
    build_regressor(numeric_features, categorical_features)   -> Pipeline (unfitted)
    search_space(task)                                        -> dict[str, list]
    select_model(pipeline, param_grid, X_train, y_train, *, task, seed) -> fitted GridSearchCV
    run(task, X, y, *, numeric_features, categorical_features, seed=0)  -> dict
    load_task(task, seed=0)                                   (implemented) -> X, y, numeric, categorical

Worked example
--------------
    >>> X, y, num, cat = load_task("regression", seed=0)
    >>> cat
    ['sex']
    >>> result = run("regression", X, y, numeric_features=num, categorical_features=cat, seed=0)
    >>> round(result["test_score"], 3), round(result["cv_score"], 3), result["best_params"]
    (0.323, 0.476, {'model__alpha': 10.0})         # held-out and CV R^2 of a tuned ridge
    >>> X, y, num, cat = load_task("classification", seed=0)
    >>> round(run("classification", X, y, numeric_features=num, categorical_features=cat)["test_score"], 3)
    0.974                                          # a tuned logistic regression

The held-out R^2 (0.32) is below the CV estimate (0.48) here: with 89 test
patients, the score of one split is itself noisy. That is why the grader
compares you with a baseline on the *same* split.

Reference
---------
scikit-learn user guide: "Cross-validation: evaluating estimator
performance", "Tuning the hyper-parameters of an estimator" and "Common
pitfalls and recommended practices"; Hastie, Tibshirani & Friedman, *The
Elements of Statistical Learning*, 7.10 (cross-validation, and "the wrong and
right way to do cross-validation").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

TASKS = ("classification", "regression")


def load_task(task: str, seed: int = 0, missing: float = 0.05):
    """The dataset of a task as a DataFrame, with a fraction of numeric values blanked to NaN.

    Returns:
        (X, y, numeric_features, categorical_features). For "regression" the
        diabetes column ``sex`` becomes the strings "1" / "2" (categorical).
    """
    if task == "classification":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        categorical = []
    elif task == "regression":
        X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
        X["sex"] = X["sex"].astype(int).astype(str)
        categorical = ["sex"]
    else:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    numeric = [c for c in X.columns if c not in categorical]
    holes = np.random.default_rng(seed).uniform(size=(len(X), len(numeric))) < missing
    X[numeric] = X[numeric].mask(holes)
    return X, y.to_numpy(), numeric, categorical


def _preprocess(numeric_features: list[str], categorical_features: list[str]) -> ColumnTransformer:
    """Impute + scale the numbers, impute + one-hot the categories (shared by both builders)."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("onehot", OneHotEncoder(handle_unknown="ignore")),
    ])
    return ColumnTransformer([
        ("num", numeric, list(numeric_features)),
        ("cat", categorical, list(categorical_features)),
    ])


def build_classifier(numeric_features: list[str], categorical_features: list[str]) -> Pipeline:
    """An unfitted classification Pipeline: "preprocess" (ColumnTransformer) then "model" (a classifier)."""
    return Pipeline([
        ("preprocess", _preprocess(numeric_features, categorical_features)),
        ("model", LogisticRegression(max_iter=1000)),
    ])


def build_regressor(numeric_features: list[str], categorical_features: list[str]) -> Pipeline:
    """An unfitted regression Pipeline: "preprocess" (ColumnTransformer) then "model" (a regressor)."""
    return Pipeline([
        ("preprocess", _preprocess(numeric_features, categorical_features)),
        ("model", Ridge()),
    ])


def search_space(task: str) -> dict[str, list]:
    """The hyperparameter grid for a task's pipeline: 2 to 12 combinations, keys like "model__C".

    Raises:
        ValueError: for an unknown task.
    """
    if task == "classification":
        return {"model__C": [0.01, 0.1, 1.0, 10.0]}  # inverse L2 strength, on a log scale
    if task == "regression":
        return {"model__alpha": [0.1, 1.0, 10.0, 100.0]}  # L2 strength, on a log scale
    raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")


def select_model(
    pipeline: Pipeline,
    param_grid: dict[str, list],
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    *,
    task: str,
    seed: int,
) -> GridSearchCV:
    """Grid search with 5-fold CV on the training split; the best candidate is refit on all of it.

    Args:
        pipeline: the unfitted pipeline to tune.
        param_grid: {parameter name: list of values}.
        X_train, y_train: the training split only.
        task: "classification" (StratifiedKFold, accuracy) or "regression" (KFold, r2).
        seed: random_state of the shuffled folds.

    Returns:
        The fitted GridSearchCV (best_estimator_, best_score_, best_params_, cv_results_).
    """
    if task == "classification":
        # Stratified folds keep the class balance in every fold, as the split did.
        cv, scoring = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed), "accuracy"
    elif task == "regression":
        cv, scoring = KFold(n_splits=5, shuffle=True, random_state=seed), "r2"
    else:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    # Preprocessing is inside the pipeline, so each fold refits the imputer and scaler on
    # its own training folds: the validation fold leaks into nothing either.
    search = GridSearchCV(pipeline, param_grid, cv=cv, scoring=scoring, refit=True)
    return search.fit(X_train, y_train)


def run(
    task: str,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    numeric_features: list[str],
    categorical_features: list[str],
    seed: int = 0,
) -> dict:
    """Split, tune on the training split, score once on the test split (steps 1-5 of the module docstring).

    Returns:
        {"test_score": float, "cv_score": float, "best_params": dict, "model": the fitted best Pipeline}.

    Raises:
        ValueError: for an unknown task.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    stratify = y if task == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=stratify, random_state=seed
    )
    build = build_classifier if task == "classification" else build_regressor
    pipeline = build(numeric_features, categorical_features)
    search = select_model(pipeline, search_space(task), X_train, y_train, task=task, seed=seed)
    model = search.best_estimator_  # refit on the whole training split
    return {
        "test_score": float(model.score(X_test, y_test)),  # the one and only look at the test split
        "cv_score": float(search.best_score_),
        "best_params": search.best_params_,
        "model": model,
    }
