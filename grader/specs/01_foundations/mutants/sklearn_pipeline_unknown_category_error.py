"""Mutant: keeps OneHotEncoder's default handle_unknown='error', so an unseen category crashes predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def make_pipeline_model(
    numeric_features: list[str],
    categorical_features: list[str],
    C: float = 1.0,
) -> Pipeline:
    """An unfitted Pipeline: impute + scale numeric columns, impute + one-hot categorical ones, then logistic regression.

    Args:
        numeric_features: names of the numeric columns of X.
        categorical_features: names of the categorical (string) columns; may be empty.
        C: inverse regularisation strength of the LogisticRegression.

    Returns:
        Pipeline with steps "preprocess" (a ColumnTransformer with "num" and
        "cat" pipelines, as in the module docstring) and "model".
    """
    numeric = Pipeline([
        ("impute", SimpleImputer(strategy="median")),  # robust to outliers
        ("scale", StandardScaler()),  # learns mean_ and scale_ from the rows it is fitted on
    ])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("onehot", OneHotEncoder()),  # unseen category -> all-zero indicators
    ])
    preprocess = ColumnTransformer([
        ("num", numeric, list(numeric_features)),
        ("cat", categorical, list(categorical_features)),
    ])
    return Pipeline([("preprocess", preprocess), ("model", LogisticRegression(C=C, max_iter=1000))])


def evaluate(
    pipeline: Pipeline,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    test_size: float = 0.25,
    seed: int = 0,
) -> float:
    """Stratified train/test split, fit on the training part only, return the test accuracy.

    Args:
        pipeline: an unfitted (or refittable) Pipeline; it is fitted in place.
        X: (N, D) DataFrame of features.
        y: (N,) labels.
        test_size: fraction of the rows held out for testing.
        seed: the ``random_state`` of the split.

    Returns:
        The accuracy on the held-out test rows, a float in [0, 1].
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    pipeline.fit(X_train, y_train)  # every step learns from the training rows only
    return float(pipeline.score(X_test, y_test))  # ...and only applies what it learned to the test rows
