"""Mutant: computes revenue as the sum of amount * quantity, reading amount as a unit price."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["order_id", "date", "category", "amount", "quantity"]


def read_raw(path_or_buffer) -> pd.DataFrame:
    """Read the orders CSV with every column as strings (empty cells and "N/A" become NaN)."""
    return pd.read_csv(path_or_buffer, dtype=str)


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Apply the cleaning rules 1-9 of the module docstring.

    Args:
        raw: the CSV as read by ``read_raw``: columns order_id, date, category,
            amount, quantity, all strings or NaN.

    Returns:
        A new DataFrame with columns order_id (int64), date (datetime64),
        category (str), amount (float64), quantity (int64), index 0..n-1.
    """
    # 1. Strip every cell; a cell of spaces is as missing as an empty one.
    df = raw[COLUMNS].apply(lambda col: col.str.strip()).replace("", pd.NA)

    out = pd.DataFrame(index=df.index)
    out["order_id"] = df["order_id"].astype("int64")
    # 3. One explicit format per pattern; where the first fails (NaT), use the second.
    iso = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    day_first = pd.to_datetime(df["date"], format="%d/%m/%Y", errors="coerce")
    out["date"] = iso.fillna(day_first)
    out["category"] = df["category"].str.lower().fillna("unknown")
    # 5. "$1,234.50" -> "1234.50" -> 1234.5 (regex=False: "$" is a plain character here).
    amount = df["amount"].str.replace("$", "", regex=False).str.replace(",", "", regex=False)
    out["amount"] = pd.to_numeric(amount).astype("float64")
    out["quantity"] = pd.to_numeric(df["quantity"]).fillna(1).astype("int64")

    # 7-9. Only once every value is normalised can two spellings of one order compare equal.
    out = out.dropna(subset=["date", "amount"])
    out = out.drop_duplicates(keep="first")
    return out.reset_index(drop=True)


def monthly_report(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders, units and revenue per (month, category), as described in the module docstring.

    Args:
        orders: a cleaned DataFrame, as returned by ``clean``.

    Returns:
        A DataFrame with columns month ("YYYY-MM" str), category (str),
        orders (int64), units (int64), revenue (float64), one row per
        (month, category) pair present, sorted by month then category, index 0..n-1.
    """
    month = orders["date"].dt.strftime("%Y-%m").rename("month")  # year included: 2023-03 != 2024-03
    orders = orders.assign(line_total=orders["amount"] * orders["quantity"])
    report = orders.groupby([month, "category"]).agg(  # groupby sorts its keys
        orders=("order_id", "size"),
        units=("quantity", "sum"),
        revenue=("line_total", "sum"),
    )
    return report.reset_index()
