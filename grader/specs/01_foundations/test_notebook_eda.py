"""Spec for 01_foundations/notebook_eda.py: summary statistics and correlated pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine

from grader.testing import assert_close, assert_equal, check

COLUMNS = ["count", "mean", "std", "min", "median", "max", "missing"]


def _frame(rng, n=60):
    x = rng.normal(size=n)
    df = pd.DataFrame({
        "a": x,
        "b": 2 * x + 0.01 * rng.normal(size=n),       # r close to +1 with a
        "c": -x + 0.2 * rng.normal(size=n),           # strongly negative with a and b
        "d": rng.normal(size=n),                      # unrelated
        "label": rng.choice(["red", "blue"], size=n),  # not numeric
    })
    df.loc[rng.choice(n, size=5, replace=False), "a"] = np.nan
    df.loc[rng.choice(n, size=3, replace=False), "d"] = np.nan
    return df


def _expected_summary(df):
    num = df.select_dtypes("number")
    d = num.describe().T
    return pd.DataFrame({"count": num.count(), "mean": d["mean"], "std": d["std"], "min": d["min"],
                         "median": num.median(), "max": d["max"], "missing": num.isna().sum()})


def _summary(learner, df):
    out = learner.summarize(df)
    check(isinstance(out, pd.DataFrame), f"summarize returned a {type(out).__name__}, expected a pandas DataFrame.")
    check(list(out.columns) == COLUMNS, f"summarize's columns are {list(out.columns)}, expected {COLUMNS}.",
          hint="build the frame with the columns in exactly this order")
    return out


def test_worked_example(learner):
    """The docstring's example: x = [1, 2, 3, NaN] summarises to [3, 2, 1, 1, 2, 3, 1]; x and y correlate fully."""
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, None], "y": [2.0, 4.0, 6.0, 8.0], "name": list("abcd")})
    out = _summary(learner, df)
    assert_equal(list(out.index), ["x", "y"], name="summarize's index",
                 hint="one row per numeric column, in the frame's order; the text column 'name' is left out")
    assert_close(out.loc["x"].to_numpy(dtype=float), [3, 2.0, 1.0, 1.0, 2.0, 3.0, 1], name="summary of x",
                 hint="count the present values only, std with ddof=1 (n - 1), missing = number of NaNs")
    pairs = learner.correlated_pairs(df, 0.9)
    check(len(pairs) == 1 and tuple(pairs[0][:2]) == ("x", "y"), f"correlated_pairs gave {pairs}, expected [('x', 'y', 1.0)].")
    assert_close(pairs[0][2], 1.0, name="r(x, y)", hint="Pearson r over the rows where both are present")


def test_summary_matches_pandas_on_wine(learner):
    """On the wine dataset every statistic equals pandas' describe()/median()/isna()."""
    wine = load_wine(as_frame=True).frame
    out = _summary(learner, wine)
    exp = _expected_summary(wine)
    assert_equal(list(out.index), list(exp.index), name="index")
    for col in COLUMNS:
        assert_close(out[col].to_numpy(dtype=float), exp[col].to_numpy(dtype=float), rtol=1e-9, atol=1e-9,
                     name=f'column "{col}"', hint="std is the sample std (ddof=1)" if col == "std" else "")


def test_missing_values_are_skipped_and_counted(learner, rng):
    """NaNs are skipped by every statistic, counted in "missing", and not in "count"."""
    df = _frame(rng)
    out = _summary(learner, df)
    exp = _expected_summary(df)
    assert_close(out["count"].to_numpy(dtype=float), exp["count"].to_numpy(dtype=float), name='"count"',
                 hint="count the present values (df[col].count()), not the rows")
    assert_close(out["missing"].to_numpy(dtype=float), exp["missing"].to_numpy(dtype=float), name='"missing"')
    assert_close(out["std"].to_numpy(dtype=float), exp["std"].to_numpy(dtype=float), rtol=1e-9, name='"std"',
                 hint="the sample standard deviation divides by n - 1 (pandas' default, ddof=1)")
    assert_close(out["median"].to_numpy(dtype=float), exp["median"].to_numpy(dtype=float), name='"median"')


def test_a_column_with_one_value(learner):
    """A single present value: std is NaN (n - 1 = 0), as in pandas, and nothing crashes."""
    df = pd.DataFrame({"z": [np.nan, 5.0, np.nan]})
    out = _summary(learner, df)
    row = out.loc["z"]
    check(row["count"] == 1 and row["missing"] == 2 and row["min"] == 5.0 and row["max"] == 5.0,
          f"summary of z is {row.tolist()}, expected count 1, min = max = 5, missing 2.")
    check(np.isnan(row["std"]), f"std of a single value is {row['std']}, expected NaN (there is no spread to estimate).",
          hint="with ddof=1 the sample std of one value is undefined; pandas returns NaN")


def test_pairs_match_pandas_corr(learner, rng):
    """correlated_pairs keeps exactly the pairs with |r| >= threshold, each once, with pandas' r."""
    df = _frame(rng)
    corr = df.select_dtypes("number").corr()
    cols = list(corr.columns)
    for threshold in (0.5, 0.95):
        exp = [(a, b, corr.loc[a, b]) for i, a in enumerate(cols) for b in cols[i + 1:] if abs(corr.loc[a, b]) >= threshold]
        got = learner.correlated_pairs(df, threshold)
        check(sorted((a, b) for a, b, _ in got) == sorted((a, b) for a, b, _ in exp),
              f"at threshold {threshold} the pairs are {[(a, b) for a, b, _ in got]}, expected {[(a, b) for a, b, _ in exp]}.",
              hint="each pair once with a before b in column order, never a column with itself, and compare |r| "
                   "(strong negative correlations count)")
        r_got = {(a, b): r for a, b, r in got}
        for a, b, r in exp:
            assert_close(r_got[(a, b)], r, rtol=1e-9, name=f"r({a}, {b})")


def test_pairs_are_sorted_by_strength(learner, rng):
    """The strongest correlation (by |r|) comes first, negative ones included."""
    df = _frame(rng)
    got = learner.correlated_pairs(df, 0.0)
    strengths = [abs(r) for _, _, r in got]
    check(strengths == sorted(strengths, reverse=True), f"|r| along the list: {np.round(strengths, 3).tolist()}, "
          "expected non-increasing.", hint="sort by -abs(r), not by r")
    check(len(got) == 6, f"with threshold 0 there are 6 pairs of 4 numeric columns, got {len(got)}.",
          hint="4 numeric columns make 4*3/2 = 6 pairs; leave out the text column and the diagonal")


@pytest.mark.parametrize("threshold", [1.01])
def test_no_pair_above_one(learner, rng, threshold):
    """No correlation exceeds 1 in absolute value, so a threshold above 1 gives an empty list."""
    check(learner.correlated_pairs(_frame(rng), threshold) == [], "expected no pairs for a threshold above 1.")
