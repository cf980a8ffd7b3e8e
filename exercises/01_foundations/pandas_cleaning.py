"""Cleaning a messy CSV with pandas: types, strings, missing values, duplicates, a groupby report.

Goal
----
A shop exports its orders as a CSV that people have edited by hand. Write

* ``clean(raw)``: turn the raw table into one with proper types and tidy values;
* ``monthly_report(orders)``: orders, units and revenue per month and category.

``raw`` is the CSV exactly as ``pd.read_csv(path_or_buffer, dtype=str)`` returns
it (``read_raw`` below does that): every column holds strings, and cells that
are empty or say ``N/A`` are already missing (NaN). It has five columns:

    order_id   an integer, never missing, maybe padded:       " 17"
    date       ISO "2024-03-05" or day-first "05/03/2024"     (both: 5 March 2024)
    category   any case, stray spaces:                        "  Books", "BOOKS"
    amount     the order total: maybe a "$", thousands commas  "$1,234.50"
    quantity   an integer number of units, maybe missing

Why it matters
--------------
Real data arrives like this, and most of the time spent on an ML project goes
into turning it into a table a model can use. Every step here is a classic
silent bug: "1,234.50" read as a string (or as NaN) instead of 1234.5;
"05/03/2024" read as 3 May; "Books" and "books " counted as two categories;
the same order pasted twice counted twice; a blank cell that is only spaces
treated as a value. None of these raises an error; each one quietly changes
the report.

The rules (follow them exactly: the grader compares tables)
------------------------------------------------------------
``clean``:

1. Strip leading and trailing spaces from every cell. A cell that is then
   empty is missing.
2. ``order_id`` -> int64.
3. ``date`` -> datetime64. Both formats appear in the same column. Parse each
   explicitly, e.g. ``pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")``
   for one and ``format="%d/%m/%Y"`` for the other, and combine them (where
   one gives NaT take the other). Beware ``format="mixed", dayfirst=True``:
   it reads "2024-03-05" as 3 May too.
4. ``category`` -> lower case; a missing category becomes ``"unknown"``.
5. ``amount`` -> float64, after removing "$" and ",".
6. ``quantity`` -> int64; a missing quantity means one unit: fill it with 1.
7. Drop the rows whose ``date`` or ``amount`` is missing: without them the
   order cannot be placed in the report.
8. Drop rows that are exact duplicates (every column equal) of an earlier row,
   keeping the first. Do this *after* steps 1-7, so that " Books" on 05/03/2024
   and "books" on 2024-03-05 count as the same order. Rows that share an
   order_id but differ elsewhere are both kept.
9. Keep the remaining rows in their original order, with a fresh index 0..n-1,
   and the columns in the order above.

``monthly_report`` groups the cleaned orders by month (a "YYYY-MM" string; note
that March 2023 and March 2024 are different months) and category, and returns
one row per (month, category) pair that has at least one order, with columns

    month     str,     "2024-03"
    category  str
    orders    int64,   the number of orders (rows)
    units     int64,   the sum of quantity
    revenue   float64, the sum of amount

sorted by month, then category, with a fresh index 0..n-1.

API
---
    read_raw(path_or_buffer)  -> DataFrame of strings (implemented)
    clean(raw)                -> DataFrame: order_id int64, date datetime64,
                                 category str, amount float64, quantity int64
    monthly_report(orders)    -> DataFrame: month, category, orders, units, revenue

Neither function may modify its argument.

Worked example
--------------
    order_id,date,category,amount,quantity
    1,2024-03-05, Books ,"1,200.00",2
    2,05/03/2024,books,$30.5,
    1,05/03/2024,BOOKS,1200,2
    3,,toys,10,1
    4,2024-04-01,,99.99,3

Row 3 repeats row 1 once cleaned and is dropped; row 4 has no date and is
dropped. ``clean`` gives

       order_id       date category   amount  quantity
    0         1 2024-03-05    books  1200.00         2
    1         2 2024-03-05    books    30.50         1
    2         4 2024-04-01  unknown    99.99         3

and ``monthly_report`` gives

         month category  orders  units  revenue
    0  2024-03    books       2      3  1230.50
    1  2024-04  unknown       1      3    99.99

Reference
---------
McKinney, *Python for Data Analysis*, 3rd ed., chapters 7 (data cleaning) and
10 (groupby); pandas user guide, "Working with text data", "Time series"
(``to_datetime`` and its ``format``) and "Group by: split-apply-combine".
"""

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
    raise NotImplementedError("clean: not written yet (strip, parse each column, fill, drop, deduplicate)")


def monthly_report(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders, units and revenue per (month, category), as described in the module docstring.

    Args:
        orders: a cleaned DataFrame, as returned by ``clean``.

    Returns:
        A DataFrame with columns month ("YYYY-MM" str), category (str),
        orders (int64), units (int64), revenue (float64), one row per
        (month, category) pair present, sorted by month then category, index 0..n-1.
    """
    raise NotImplementedError("monthly_report: not written yet (groupby month and category, then aggregate)")
