"""scikit-learn Pipelines: preprocessing and a model as one estimator, fitted on training data only.

Goal
----
Write two functions:

* ``make_pipeline_model``: an unfitted scikit-learn ``Pipeline`` that imputes
  and scales the numeric columns, imputes and one-hot encodes the categorical
  columns, and feeds the result to a logistic regression;
* ``evaluate``: split the data (stratified), fit the pipeline on the training
  part only, and return its accuracy on the test part.

Why it matters
--------------
Every preprocessing step *learns* something from data: the imputer learns
medians, the scaler learns means and standard deviations, the encoder learns
the list of categories. If those are learned on the whole dataset before
splitting, the test set has leaked into training and the test score is
optimistic (the classic mistake: ``StandardScaler().fit_transform(X)`` and
then ``train_test_split``). A ``Pipeline`` makes the whole chain one estimator
with one ``fit``: fit it on the training rows and every step learns from those
rows only; call ``predict`` or ``score`` and every step *applies* what it
learned. The same object can then go into cross-validation or a grid search
without leaking (the next exercises rely on this).

Real tables also have missing values (most models reject NaN) and categories
that appear at prediction time but never in training (a new city, a new
product). The encoder must not crash on those.

The design (the grader inspects the objects, so use these names)
----------------------------------------------------------------
    Pipeline
    |-- "preprocess": ColumnTransformer
    |     |-- "num", on numeric_features: Pipeline
    |     |     |-- "impute": SimpleImputer, filling with the column's median
    |     |     `-- "scale":  StandardScaler
    |     `-- "cat", on categorical_features: Pipeline
    |           |-- "impute": SimpleImputer, filling with the most frequent value
    |           `-- "onehot": OneHotEncoder that ignores unknown categories
    `-- "model": LogisticRegression with the given C and max_iter=1000

* The median is robust to outliers; for categories the most frequent value is
  the natural stand-in.
* ``handle_unknown="ignore"`` encodes an unseen category as all zeros (no
  indicator on), instead of raising an error.
* ``categorical_features`` may be empty (an all-numeric table); the
  ColumnTransformer then simply has nothing for "cat" to do.

``evaluate(pipeline, X, y, test_size=0.25, seed=0)``:

1. ``X_train, X_test, y_train, y_test = train_test_split(X, y,
   test_size=test_size, stratify=y, random_state=seed)``: stratified, so
   both parts keep the class proportions; the seed makes it reproducible.
2. Fit the given pipeline (in place, as ``pipeline.fit`` does) on the
   training part only.
3. Return its accuracy on the test part, as a Python float.

API
---
    make_pipeline_model(numeric_features, categorical_features, C=1.0) -> Pipeline (unfitted)
    evaluate(pipeline, X, y, *, test_size=0.25, seed=0)                 -> float, the test accuracy

``X`` is a pandas DataFrame (columns are selected by name), ``y`` a 1-D array
or Series of labels.

Worked example
--------------
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> model = make_pipeline_model(list(X.columns), [])
    >>> evaluate(model, X, y, seed=0)
    0.958041958041958                               # 137 of 143 test tumours right
    >>> scaler = model.named_steps["preprocess"].named_transformers_["num"]["scale"]
    >>> int(scaler.n_samples_seen_)
    426                                             # the 75% training split, not all 569

Reference
---------
scikit-learn user guide: "Pipelines and composite estimators" (Pipeline,
ColumnTransformer), "Imputation of missing values", "Encoding categorical
features", and "Common pitfalls and recommended practices" (data leakage);
Kaufman et al., "Leakage in data mining" (2012).
"""

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
        ("onehot", OneHotEncoder(handle_unknown="ignore")),  # unseen category -> all-zero indicators
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
