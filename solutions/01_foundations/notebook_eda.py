"""Exploring a dataset in a notebook: summary statistics and correlated features.

Goal
----
This exercise starts as a Jupyter notebook (``notebook_eda.ipynb`` next to
this file in your workspace; open it with ``jupyter lab`` or VS Code). Explore
the wine dataset in scratch cells as much as you like, then write two
reusable functions in the cells the notebook gives you:

* ``summarize(df)``: one row per numeric column with its count of present
  values, mean, standard deviation, minimum, median, maximum and the number of
  missing values;
* ``correlated_pairs(df, threshold)``: every pair of numeric columns whose
  Pearson correlation has absolute value at least ``threshold``.

Why it matters
--------------
Notebooks are where most data work starts: you look before you model. The
habit worth building is to move what you learn out of scratch cells into
small, tested functions. The grader works exactly that way: it keeps your
imports, function definitions and the constants they use, and ignores every
other cell (prints, plots, ``df.head()``), so explore freely.

The maths
---------
For a column x with n present values (missing values are skipped):

    mean   = (1/n) * sum x_i
    std    = sqrt( sum (x_i - mean)^2 / (n - 1) )      the sample std (ddof = 1), as pandas
    median = the middle value of the sorted x (the mean of the two middle ones when n is even)

Pearson's r between columns x and y, over the rows where both are present:

    r = sum (x_i - mx)(y_i - my) / sqrt( sum (x_i - mx)^2 * sum (y_i - my)^2 )

API
---
    summarize(df) -> pandas.DataFrame
        index: the numeric column names, in df's order (non-numeric columns are left out)
        columns, in this order: "count", "mean", "std", "min", "median", "max", "missing"
        count and missing are integers; the others floats.

    correlated_pairs(df, threshold) -> list[tuple[str, str, float]]
        (a, b, r) for each pair of numeric columns with |r| >= threshold, a before b in
        df's column order, each pair once (never a column with itself), sorted by |r|
        from largest to smallest (ties: in column order of a, then b).

Worked example
--------------
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, None], "y": [2.0, 4.0, 6.0, 8.0], "name": list("abcd")})
    >>> summarize(df).loc["x"].tolist()
    [3, 2.0, 1.0, 1.0, 2.0, 3.0, 1]
    >>> correlated_pairs(df, 0.9)
    [('x', 'y', 1.0)]

In the notebook, try: ``from sklearn.datasets import load_wine;
wine = load_wine(as_frame=True).frame`` and then ``summarize(wine)`` and
``correlated_pairs(wine, 0.7)``.

Reference
---------
pandas: ``DataFrame.describe``, ``DataFrame.corr``; Jupyter: https://jupyter.org.
"""

from __future__ import annotations

import pandas as pd


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """Per numeric column: count, mean, std (ddof=1), min, median, max, missing."""
    num = df.select_dtypes("number")
    return pd.DataFrame({
        "count": num.count(),            # present values only
        "mean": num.mean(),
        "std": num.std(ddof=1),          # the sample standard deviation
        "min": num.min(),
        "median": num.median(),
        "max": num.max(),
        "missing": num.isna().sum(),
    }, index=num.columns)


def correlated_pairs(df: pd.DataFrame, threshold: float) -> list[tuple[str, str, float]]:
    """Pairs (a, b, r) of numeric columns with |Pearson r| >= threshold, strongest first."""
    corr = df.select_dtypes("number").corr()  # pairwise-complete Pearson r
    cols = list(corr.columns)
    pairs = [(a, b, float(corr.loc[a, b]))
             for i, a in enumerate(cols) for b in cols[i + 1:]          # each pair once, a before b
             if abs(corr.loc[a, b]) >= threshold]
    return sorted(pairs, key=lambda p: -abs(p[2]))                       # stable: ties keep column order
