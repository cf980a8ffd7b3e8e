"""Mutant: keeps pairs by r >= threshold, so strong negative correlations are lost."""

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
             if corr.loc[a, b] >= threshold]
    return sorted(pairs, key=lambda p: -abs(p[2]))                       # stable: ties keep column order
