"""Mutant: picks the hyperparameters by their score on the test split instead of by cross-validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, ParameterGrid, KFold, StratifiedKFold, train_test_split
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
    best_score, model = -np.inf, None
    for params in ParameterGrid(search_space(task)):
        candidate = clone(pipeline).set_params(**params).fit(X_train, y_train)
        score = candidate.score(X_test, y_test)
        if score > best_score:
            best_score, model = score, candidate
    search.best_params_ = {k: v for k, v in model.get_params().items() if k in search_space(task)}
    return {
        "test_score": float(model.score(X_test, y_test)),  # the one and only look at the test split
        "cv_score": float(search.best_score_),
        "best_params": search.best_params_,
        "model": model,
    }
