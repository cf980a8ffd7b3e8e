"""Spec for 01_foundations/sklearn_pipeline.py: a preprocessing + model Pipeline, fitted without leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from grader.testing import assert_close, check

NUM, CAT = ["x1", "x2"], ["colour"]
SPLIT_HINT = ("split with train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed), exactly, "
              "and fit on X_train only.")


# --------------------------------------------------------------------- helpers


def _mixed(rng, n=400, missing=0.1, p_red=0.5):
    """A table with two numeric columns and one categorical, some values missing; y depends on all three."""
    x1 = rng.normal(10.0, 3.0, size=n)
    x2 = rng.exponential(2.0, size=n)  # skewed: its median and mean differ
    colour = rng.choice(["red", "green", "blue"], size=n, p=[p_red, (1 - p_red) * 0.6, (1 - p_red) * 0.4])
    logit = 1.5 * (x1 - 10) / 3 + np.select([colour == "red", colour == "green"], [1.5, -1.5], 0.0) - 0.5 * (x2 - 2)
    y = (rng.uniform(size=n) < expit(logit)).astype(int)
    colour = colour.astype(object)
    x1[rng.uniform(size=n) < missing] = np.nan
    x2[rng.uniform(size=n) < missing] = np.nan
    colour[rng.uniform(size=n) < missing] = None
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour}), y


def _model(learner, num=NUM, cat=CAT, **kwargs):
    pipe = learner.make_pipeline_model(num, cat, **kwargs)
    check(pipe is not None, "make_pipeline_model returned None.", "a missing `return` statement?")
    check(isinstance(pipe, Pipeline), f"make_pipeline_model should return a sklearn Pipeline; got {type(pipe).__name__}.",
          "Pipeline([('preprocess', ColumnTransformer([...])), ('model', LogisticRegression(...))])")
    return pipe


def _step(obj, path: str):
    """Follow 'preprocess/num/scale' through Pipelines and a fitted ColumnTransformer, with a clear failure."""
    for name in path.split("/"):
        if isinstance(obj, Pipeline):
            names = [n for n, _ in obj.steps]
            check(name in names, f"the pipeline at {path!r} has steps {names}; no step named {name!r}.",
                  "name the steps as in the module docstring.")
            obj = obj.named_steps[name]
        elif isinstance(obj, ColumnTransformer):
            fitted = getattr(obj, "named_transformers_", None)
            source = fitted if fitted is not None else {n: t for n, t, _ in obj.transformers}
            check(name in source, f"the ColumnTransformer has transformers {list(source)}; no {name!r}.",
                  "ColumnTransformer([('num', ..., numeric_features), ('cat', ..., categorical_features)])")
            obj = source[name]
        else:
            check(False, f"expected a Pipeline or ColumnTransformer on the way to {path!r}; found {type(obj).__name__}.")
    return obj


def _evaluate(learner, pipe, X, y, **kwargs):
    acc = learner.evaluate(pipe, X, y, **kwargs)
    check(acc is not None, "evaluate returned None.", "return the test accuracy, e.g. float(pipeline.score(X_test, y_test)).")
    check(np.ndim(acc) == 0 and isinstance(float(acc), float) and 0.0 <= float(acc) <= 1.0,
          f"evaluate should return one accuracy in [0, 1]; got {acc!r}.")
    try:
        check_is_fitted(pipe)
    except NotFittedError:
        check(False, "after evaluate(pipeline, ...) the pipeline passed in is not fitted.",
              "fit the pipeline you were given (pipeline.fit(X_train, y_train)), not a copy of it.")
    return float(acc)


def _check_fitted_on(pipe, X_train, what, num=NUM):
    """The scaler and imputer statistics are exactly those of X_train."""
    scaler = _step(pipe, "preprocess/num/scale")
    n_seen = int(np.max(scaler.n_samples_seen_))
    check(n_seen == len(X_train),
          f"{what}: the scaler was fitted on {n_seen} rows; the training split has {len(X_train)}"
          + (": test rows leaked into training." if n_seen > len(X_train) else "."),
          "fit the pipeline on X_train, y_train only; never on X, and never refit it on the test rows.")
    wrong_rows = ("the right number of rows but not the right ones: the split differs from the expected one "
                  "(stratify=y? random_state=seed?). ")
    medians = X_train[num].median()
    imputer = _step(pipe, "preprocess/num/impute")
    check(getattr(imputer, "strategy", None) == "median",
          f"the numeric imputer uses strategy={getattr(imputer, 'strategy', None)!r}; expected 'median'.",
          "SimpleImputer(strategy='median').")
    assert_close(imputer.statistics_, medians.to_numpy(), rtol=1e-12,
                 name=f"{what}: the numeric imputer's statistics_ (medians of the training split)",
                 hint=wrong_rows + SPLIT_HINT)
    imputed = X_train[num].fillna(medians)
    assert_close(scaler.mean_, imputed.mean().to_numpy(), rtol=1e-12,
                 name=f"{what}: the scaler's mean_ (means of the imputed training split)",
                 hint=wrong_rows + SPLIT_HINT)


# --------------------------------------------------------------------- tests


@pytest.mark.points(2)
def test_pipeline_structure(learner):
    """The returned object is an unfitted Pipeline with the steps, names, strategies and C the docstring asks for."""
    pipe = _model(learner, C=0.3)
    check([n for n, _ in pipe.steps] == ["preprocess", "model"],
          f"the pipeline's steps are {[n for n, _ in pipe.steps]}; expected ['preprocess', 'model'].")
    pre = pipe.named_steps["preprocess"]
    check(isinstance(pre, ColumnTransformer), f"step 'preprocess' is a {type(pre).__name__}; expected a ColumnTransformer.",
          "numeric and categorical columns need different treatment: ColumnTransformer routes each list of columns "
          "to its own pipeline.")
    cols = {n: list(c) for n, _, c in pre.transformers}
    check(cols == {"num": NUM, "cat": CAT},
          f"the ColumnTransformer sends columns {cols}; expected {{'num': {NUM}, 'cat': {CAT}}}.",
          "('num', ..., numeric_features), ('cat', ..., categorical_features)")
    for path, kind, extra in (("preprocess/num/impute", SimpleImputer, {"strategy": "median"}),
                              ("preprocess/num/scale", StandardScaler, {}),
                              ("preprocess/cat/impute", SimpleImputer, {"strategy": "most_frequent"}),
                              ("preprocess/cat/onehot", OneHotEncoder, {"handle_unknown": "ignore"}),
                              ("model", LogisticRegression, {"C": 0.3})):
        step = _step(pipe, path)
        check(isinstance(step, kind), f"{path!r} is a {type(step).__name__}; expected a {kind.__name__}.")
        for param, want in extra.items():
            got = step.get_params()[param]
            check(got == want, f"{path!r} has {param}={got!r}; expected {param}={want!r}.",
                  {"strategy": "the numbers get the median (robust to outliers); the categories the most frequent value.",
                   "handle_unknown": "OneHotEncoder(handle_unknown='ignore'): a category never seen in training is "
                                     "encoded as all zeros instead of raising an error at prediction time.",
                   "C": "pass C through: LogisticRegression(C=C, max_iter=1000)."}[param])
    try:
        check_is_fitted(pipe)
        fitted = True
    except NotFittedError:
        fitted = False
    check(not fitted, "make_pipeline_model returned a fitted pipeline; it should be unfitted.",
          "build the pipeline and return it; fitting is the caller's job (evaluate does it on the training split).")
    other = _model(learner, C=0.3)
    check(other is not pipe and other.named_steps["model"] is not pipe.named_steps["model"],
          "two calls to make_pipeline_model returned the same objects.",
          "build new estimators on every call; a module-level pipeline is shared (and refitted) by everyone.")


@pytest.mark.points(2)
def test_breast_cancer_accuracy(learner, seed):
    """On breast_cancer (all numeric), evaluate returns the held-out accuracy of the fitted pipeline, at least 0.94."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    pipe = _model(learner, list(X.columns), [])
    acc = _evaluate(learner, pipe, X, y, seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    _check_fitted_on(pipe, X_train, "after evaluate on breast_cancer", num=list(X.columns))
    assert_close(acc, pipe.score(X_test, y_test), rtol=0, atol=1e-12,
                 name="evaluate's return value (the fitted pipeline's accuracy on the stratified test split)",
                 hint="return the accuracy on X_test, y_test (not on the training rows): " + SPLIT_HINT)
    check(acc >= 0.94, f"test accuracy on breast_cancer is {acc:.3f}; scaled logistic regression reaches at least 0.94.",
          "are the features standardised before the model, and is the model fitted on the training split?")


@pytest.mark.points(3)
def test_fitted_on_training_rows_only(learner, rng, seed):
    """Leakage check: after evaluate, the imputer medians and scaler means are exactly those of the training split."""
    X, y = _mixed(rng)
    pipe = _model(learner)
    _evaluate(learner, pipe, X, y, seed=seed)
    X_train, *_ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    _check_fitted_on(pipe, X_train, "after evaluate(pipe, X, y)")
    most = X_train["colour"].mode().iloc[0]
    check(list(_step(pipe, "preprocess/cat/impute").statistics_) == [most],
          f"the categorical imputer fills with {list(_step(pipe, 'preprocess/cat/impute').statistics_)}; the most "
          f"frequent colour of the training split is {most!r}.",
          "SimpleImputer(strategy='most_frequent') in the 'cat' pipeline, fitted on the training rows.")


@pytest.mark.points(2)
def test_split_stratified_seeded_sized(learner, rng, seed):
    """Imbalanced labels (about 15% positive), test_size 0.3, two seeds: each fit matches that seed's stratified split."""
    X, _ = _mixed(rng, n=500, missing=0.05)
    y = (rng.uniform(size=len(X)) < 0.15).astype(int)
    means = []
    for s in (seed, seed + 1):
        pipe = _model(learner)
        _evaluate(learner, pipe, X, y, test_size=0.3, seed=s)
        X_train, *_ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=s)
        _check_fitted_on(pipe, X_train, f"evaluate(..., test_size=0.3, seed={s})")
        means.append(_step(pipe, "preprocess/num/scale").mean_)
    check(not np.allclose(means[0], means[1]), "two different seeds gave the same training split.",
          "pass random_state=seed to train_test_split.")


@pytest.mark.points(2)
def test_missing_values(learner, rng):
    """NaN numbers and missing categories, in training and at prediction time, are imputed (no error)."""
    X, y = _mixed(rng, missing=0.2)
    pipe = _model(learner)
    pipe.fit(X, y)
    kind = X["colour"].dtype  # as read from a file: missing strings are NaN
    blank = pd.DataFrame({"x1": [np.nan], "x2": [np.nan], "colour": pd.Series([np.nan], dtype=kind)})
    filled = pd.DataFrame({"x1": [X["x1"].median()], "x2": [X["x2"].median()],
                           "colour": pd.Series([X["colour"].mode().iloc[0]], dtype=kind)})
    p_blank, p_filled = pipe.predict_proba(blank), pipe.predict_proba(filled)
    check(np.isfinite(p_blank).all(), "predict_proba on a row of missing values is not finite.",
          "impute before scaling and encoding: SimpleImputer first in each column pipeline.")
    assert_close(p_blank, p_filled, rtol=1e-9, atol=1e-12,
                 name="predict_proba(row of missing values)",
                 hint="a missing number should become the training median, a missing category the most frequent one; "
                      "so the blank row must score like the row of medians and the most frequent colour.")


@pytest.mark.points(2)
def test_unseen_category(learner, rng):
    """A colour never seen in training ('purple') is encoded as all zeros at prediction time, not an error."""
    X, y = _mixed(rng, missing=0.0)
    keep = (X["colour"] != "blue").to_numpy()
    X, y = X[keep].reset_index(drop=True), y[keep]
    pipe = _model(learner)
    pipe.fit(X, y)
    new = pd.DataFrame({"x1": [9.0, 12.0], "x2": [1.0, 3.0], "colour": pd.Series(["purple", "blue"], dtype=X["colour"].dtype)})
    try:
        proba = pipe.predict_proba(new)
    except ValueError as exc:
        check(False, f"predict_proba on a row with an unseen colour raised ValueError: {exc}",
              "OneHotEncoder(handle_unknown='ignore'): categories that were not in the training data get all-zero "
              "indicators instead of an error.")
    check(np.isfinite(proba).all(), "predict_proba for unseen colours is not finite.")
    pre = pipe[:-1]
    Z = pre.transform(new)
    Z = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z)
    is_cat = np.array([name.startswith("cat__") for name in pre.get_feature_names_out()])
    check(is_cat.any(), "the preprocessing output has no 'cat__' columns.", "name the categorical transformer 'cat'.")
    assert_close(Z[:, is_cat], np.zeros((2, int(is_cat.sum()))), atol=0, rtol=0,
                 name="one-hot columns for unseen colours",
                 hint="with handle_unknown='ignore' an unseen category turns no indicator on.")
