"""Spec for 01_foundations/pandas_cleaning.py: cleaning a messy orders CSV and a monthly groupby report."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from grader.testing import check

CLEAN_COLUMNS = ["order_id", "date", "category", "amount", "quantity"]
REPORT_COLUMNS = ["month", "category", "orders", "units", "revenue"]
CATEGORIES = ["books", "electronics", "garden", "toys"]

HINTS = {
    "order_id": "strip the spaces, then .astype('int64').",
    "date": "parse both formats explicitly: pd.to_datetime(s, format='%Y-%m-%d', errors='coerce') and "
            "format='%d/%m/%Y', then combine with .fillna(). '05/03/2024' is 5 March (day first); note that "
            "format='mixed', dayfirst=True also swaps day and month in '2024-03-05'.",
    "category": "strip spaces and .str.lower(); a missing category (empty, 'N/A' or only spaces) becomes 'unknown'.",
    "amount": "remove '$' and ',' before converting (str.replace(..., regex=False)), then pd.to_numeric: "
              "'$1,234.50' -> 1234.5.",
    "quantity": "a missing quantity (empty, 'N/A' or only spaces) means one unit: .fillna(1) before .astype('int64').",
    "month": "the month is a 'YYYY-MM' string (orders['date'].dt.strftime('%Y-%m')): the year matters, so March "
             "2023 and March 2024 are separate rows.",
    "orders": "orders counts the rows in each (month, category) group: ('order_id', 'size').",
    "units": "units is the sum of quantity in the group.",
    "revenue": "revenue is the sum of amount in the group.",
}
DTYPES = {"order_id": "int64", "amount": "float64", "quantity": "int64", "orders": "int64", "units": "int64",
          "revenue": "float64", "date": "datetime64", "category": "str", "month": "str"}


# --------------------------------------------------------------------- helpers


def _raw(text: str) -> pd.DataFrame:
    """The CSV as the docstring promises it: pd.read_csv(..., dtype=str)."""
    return pd.read_csv(io.StringIO(text), dtype=str)


def _is_str_column(col: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(col) and all(isinstance(v, str) for v in col)


def _show(v):
    return repr(v.item() if isinstance(v, np.generic) else v)


def _first_difference(got: pd.DataFrame, expected: pd.DataFrame, col: str) -> tuple[int, int]:
    """(number of differing rows, first differing row) of one column; (0, -1) when equal."""
    g, e = got[col], expected[col]
    if DTYPES[col] == "datetime64":
        equal = g.astype("datetime64[ns]").to_numpy() == e.astype("datetime64[ns]").to_numpy()
    elif DTYPES[col] == "float64":
        equal = np.isclose(g.to_numpy(), e.to_numpy(), rtol=1e-9, atol=1e-9)
    else:
        equal = g.astype(object).to_numpy() == e.astype(object).to_numpy()
    bad = np.flatnonzero(~equal)
    return len(bad), (int(bad[0]) if len(bad) else -1)


def _rows(got, expected, i):
    return (f"\n  your row {i}:     {got.iloc[i].to_dict()}"
            f"\n  expected row {i}: {expected.iloc[i].to_dict()}")


def _check_frame(got, expected: pd.DataFrame, what: str, *, keys: list[str], keys_hint: str,
                 drop_hint: str, extra_hint: str):
    """Compare a learner's table with the expected one: columns, size, index, dtypes, which rows, then values."""
    check(got is not None, f"{what} returned None.", "a missing `return` statement?")
    check(isinstance(got, pd.DataFrame), f"{what} should return a pandas DataFrame; got {type(got).__name__}.")
    cols = list(expected.columns)
    check(list(got.columns) == cols,
          f"{what} has columns {list(got.columns)}; expected exactly {cols}, in that order.",
          "select and order the columns explicitly; after a groupby, .reset_index() turns the group keys back "
          "into columns.")
    check(len(got) == len(expected),
          f"{what} has {len(got)} rows; expected {len(expected)}.",
          extra_hint if len(got) > len(expected) else drop_hint)
    check(isinstance(got.index, pd.RangeIndex) and got.index.start == 0 and got.index.step == 1,
          f"{what} should have a fresh index 0..{len(expected) - 1}; its index is {list(got.index[:8])}...",
          "finish with .reset_index(drop=True) after dropping rows (or .reset_index() after a groupby).")
    for col in cols:
        want = DTYPES[col]
        if want == "datetime64":
            ok = pd.api.types.is_datetime64_dtype(got[col])
        elif want == "str":
            ok = _is_str_column(got[col])
        else:
            ok = str(got[col].dtype) == want
        check(ok, f"column {col!r} of {what} has dtype {got[col].dtype}; expected {want}.", HINTS[col])
    # Which rows: the key columns first, so that a wrong row is not reported as a wrong value.
    for col in keys:
        n_bad, i = _first_difference(got, expected, col)
        check(n_bad == 0,
              f"{what} has other rows than expected: {col!r} does not match from row {i} on "
              f"({n_bad} of {len(expected)} rows differ)." + _rows(got, expected, i),
              keys_hint)
    for col in cols:
        n_bad, i = _first_difference(got, expected, col)
        check(n_bad == 0,
              f"column {col!r} of {what} differs in {n_bad} of {len(expected)} rows; first at row {i}: "
              f"got {_show(got[col].iloc[i])}, expected {_show(expected[col].iloc[i])}." + _rows(got, expected, i),
              HINTS[col])


LOST_ROWS = ("A row is lost if '1,234.50' or '$30' becomes NaN (strip '$' and ',' first), if a date format is not "
             "parsed, or if rows with a missing category or quantity are dropped instead of filled.")
DROP_HINT = "too few rows: only rows with a missing date or amount are dropped. " + LOST_ROWS
EXTRA_HINT = ("too many rows: drop the rows whose date or amount is missing, and drop exact duplicates AFTER "
              "normalising every column (' Books' on 05/03/2024 and 'books' on 2024-03-05 are the same order).")


def _check_clean(got, expected, what="clean(raw)"):
    _check_frame(got, expected, what, keys=["order_id"], drop_hint=DROP_HINT, extra_hint=EXTRA_HINT,
                 keys_hint="the right number of rows, but not the right ones, or not in the file's order. Keep every "
                           "row in its original order; drop only rows with no date or amount and later exact "
                           "duplicates (after normalising). " + LOST_ROWS)


def _check_report(got, expected, what="monthly_report(orders)"):
    _check_frame(got, expected, what, keys=["month", "category"],
                 keys_hint="one row per (month, category) pair, sorted by month then category (groupby sorts its "
                           "keys). " + HINTS["month"],
                 drop_hint="too few rows: group by the 'YYYY-MM' month string (not the month number, which merges "
                           "years) and the category.",
                 extra_hint="too many rows: group by month and category only, one row per pair that has orders.")


def _expected_clean(rows) -> pd.DataFrame:
    """The cleaned table built directly from the ground truth, with the promised dtypes."""
    return pd.DataFrame({
        "order_id": pd.Series([r["order_id"] for r in rows], dtype="int64"),
        "date": pd.to_datetime(pd.Series([r["date"] for r in rows], dtype="datetime64[ns]")),
        "category": pd.Series([r["category"] for r in rows], dtype=object),
        "amount": pd.Series([r["amount"] for r in rows], dtype="float64"),
        "quantity": pd.Series([r["quantity"] for r in rows], dtype="int64"),
    })


def _expected_report(rows) -> pd.DataFrame:
    """The report computed with plain Python dictionaries, independently of pandas' groupby."""
    acc: dict[tuple[str, str], list] = {}
    for r in rows:
        key = (f"{r['date'].year:04d}-{r['date'].month:02d}", r["category"])
        a = acc.setdefault(key, [0, 0, 0.0])
        a[0] += 1
        a[1] += r["quantity"]
        a[2] += r["amount"]
    keys = sorted(acc)
    return pd.DataFrame({
        "month": pd.Series([k[0] for k in keys], dtype=object),
        "category": pd.Series([k[1] for k in keys], dtype=object),
        "orders": pd.Series([acc[k][0] for k in keys], dtype="int64"),
        "units": pd.Series([acc[k][1] for k in keys], dtype="int64"),
        "revenue": pd.Series([acc[k][2] for k in keys], dtype="float64"),
    })


def _row(order_id, date, category, amount, quantity):
    return {"order_id": order_id, "date": date, "category": category, "amount": amount, "quantity": quantity}


def _messy_csv(rng, n=300):
    """A messy CSV rendered from random ground-truth orders; returns (text, kept rows in order)."""
    start = dt.date(2023, 1, 1)
    truth = []
    for i in range(n):
        amount = round(float(rng.lognormal(4.0, 1.6)), 2)  # from a few cents to many thousands
        truth.append(_row(
            order_id=int(1000 + i),
            date=start + dt.timedelta(days=int(rng.integers(0, 730))),  # two years: 2023-03 and 2024-03 both occur
            category=str(rng.choice(CATEGORIES)) if rng.uniform() > 0.1 else "unknown",
            amount=amount,
            quantity=int(rng.integers(1, 9)) if rng.uniform() > 0.15 else None,  # None: missing, cleaned to 1
        ))
    # An order_id reused for a different order: not a duplicate, both stay.
    for j in rng.choice(n, size=5, replace=False):
        twin = dict(truth[int(j)])
        twin["amount"] = round(twin["amount"] + 1.25, 2)
        truth.append(twin)
    order = list(rng.permutation(len(truth)))
    truth = [truth[int(k)] for k in order]

    def pad(s):
        return " " * int(rng.integers(0, 3)) + s + " " * int(rng.integers(0, 3))

    def missing():
        return ["", "N/A", "   "][int(rng.integers(0, 3))]

    def render(r):
        d = r["date"]
        date = d.strftime("%Y-%m-%d") if rng.uniform() < 0.5 else d.strftime("%d/%m/%Y")
        cat = r["category"]
        if cat == "unknown":
            cat = missing()
        else:
            cat = pad([cat, cat.upper(), cat.title()][int(rng.integers(0, 3))])
        a = r["amount"]
        amount = [f"{a:,.2f}", f"${a:,.2f}", f"{a:.2f}", f"${a}", repr(a)][int(rng.integers(0, 5))]
        qty = missing() if r["quantity"] is None else pad(str(r["quantity"]))
        return [pad(str(r["order_id"])), pad(date), cat, pad(amount), qty]

    lines, kept = [], []
    for r in truth:
        lines.append(render(r))
        kept.append(_row(**{**r, "quantity": 1 if r["quantity"] is None else r["quantity"]}))
        u = rng.uniform()
        if u < 0.08:  # the same order again, spelled differently: a duplicate once cleaned
            lines.append(render(r))
        elif u < 0.14:  # an order with no date or no amount: dropped
            bad = render(r)
            bad[1 if rng.uniform() < 0.5 else 3] = missing()
            bad[0] = str(90000 + len(lines))
            lines.append(bad)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CLEAN_COLUMNS)
    writer.writerows(lines)
    return buf.getvalue(), kept


WORKED = """order_id,date,category,amount,quantity
1,2024-03-05, Books ,"1,200.00",2
2,05/03/2024,books,$30.5,
1,05/03/2024,BOOKS,1200,2
3,,toys,10,1
4,2024-04-01,,99.99,3
"""
WORKED_CLEAN = [
    _row(1, dt.date(2024, 3, 5), "books", 1200.0, 2),
    _row(2, dt.date(2024, 3, 5), "books", 30.5, 1),
    _row(4, dt.date(2024, 4, 1), "unknown", 99.99, 3),
]


# --------------------------------------------------------------------- clean


@pytest.mark.points(2)
def test_clean_worked_example(learner):
    """The docstring's five-row example: one duplicate and one dateless row dropped, the rest typed and tidied."""
    _check_clean(learner.clean(_raw(WORKED)), _expected_clean(WORKED_CLEAN))


def test_dates_both_formats(learner):
    """ISO and day-first dates in one column: '05/03/2024' and '2024-03-05' are both 5 March 2024."""
    text = "\n".join([
        "order_id,date,category,amount,quantity",
        "1,2024-03-05,books,1,1",
        "2,05/03/2024,books,1,1",
        "3,12/01/2023,books,1,1",
        "4,2023-01-12,books,1,1",
        "5,31/12/2023,books,1,1",
        "6, 2024-02-29 ,books,1,1",
        "7, 01/02/2024,books,1,1",
    ]) + "\n"
    dates = [dt.date(2024, 3, 5), dt.date(2024, 3, 5), dt.date(2023, 1, 12), dt.date(2023, 1, 12),
             dt.date(2023, 12, 31), dt.date(2024, 2, 29), dt.date(2024, 2, 1)]
    expected = [_row(i + 1, d, "books", 1.0, 1) for i, d in enumerate(dates)]
    _check_clean(learner.clean(_raw(text)), _expected_clean(expected))


def test_amounts_and_strings(learner):
    """Amounts with '$', thousands separators and spaces; categories in any case with stray spaces."""
    text = "\n".join([
        "order_id,date,category,amount,quantity",
        '1,2024-01-01,  BOOKS,"$1,234,567.89",1',
        '2,2024-01-01,Toys  , 12 ,1',
        '3,2024-01-01,  Garden  ,"  $7,000 ",1',
        '4,2024-01-01,electronics,0.5,1',
        '5,2024-01-01,toyS,$0.99,1',
    ]) + "\n"
    expected = [_row(1, dt.date(2024, 1, 1), "books", 1234567.89, 1),
                _row(2, dt.date(2024, 1, 1), "toys", 12.0, 1),
                _row(3, dt.date(2024, 1, 1), "garden", 7000.0, 1),
                _row(4, dt.date(2024, 1, 1), "electronics", 0.5, 1),
                _row(5, dt.date(2024, 1, 1), "toys", 0.99, 1)]
    _check_clean(learner.clean(_raw(text)), _expected_clean(expected))


@pytest.mark.points(2)
def test_missing_value_rules(learner):
    """Empty, 'N/A' and all-space cells are missing: no date or amount -> dropped; no category -> 'unknown'; no quantity -> 1."""
    text = "\n".join([
        "order_id,date,category,amount,quantity",
        "1,2024-01-01,books,10,",       # quantity missing -> 1
        "2,2024-01-02,,20,2",           # category missing -> unknown
        "3,,books,30,3",                # no date -> dropped
        "4,2024-01-04,books,,4",        # no amount -> dropped
        "5,2024-01-05,   ,50,   ",      # spaces only: category unknown, quantity 1
        "6,   ,books,60,6",             # a date of spaces -> dropped
        "7,2024-01-07,N/A,70,N/A",      # N/A: unknown, 1
        "8,2024-01-08,toys,  ,8",       # an amount of spaces -> dropped
    ]) + "\n"
    expected = [_row(1, dt.date(2024, 1, 1), "books", 10.0, 1),
                _row(2, dt.date(2024, 1, 2), "unknown", 20.0, 2),
                _row(5, dt.date(2024, 1, 5), "unknown", 50.0, 1),
                _row(7, dt.date(2024, 1, 7), "unknown", 70.0, 1)]
    _check_clean(learner.clean(_raw(text)), _expected_clean(expected))


@pytest.mark.points(2)
def test_duplicates_after_normalising(learner):
    """Rows equal once cleaned are dropped (the first kept, order preserved); a reused order_id with other values stays."""
    text = "\n".join([
        "order_id,date,category,amount,quantity",
        "10,2024-05-01,books,100,1",
        "11,2024-05-02,toys,5,2",
        '10, 01/05/2024 , Books ,"$100.00",1',   # row 1 again, spelled differently
        "12,2024-05-03,garden,7,",
        "11,2024-05-02,toys,6,2",                # same id as row 2, different amount: kept
        "12,03/05/2024,GARDEN,7.00,1",           # row 4 again (missing quantity means 1)
        "10,2024-05-01,books,100,1",             # row 1 a third time, verbatim
    ]) + "\n"
    expected = [_row(10, dt.date(2024, 5, 1), "books", 100.0, 1),
                _row(11, dt.date(2024, 5, 2), "toys", 5.0, 2),
                _row(12, dt.date(2024, 5, 3), "garden", 7.0, 1),
                _row(11, dt.date(2024, 5, 2), "toys", 6.0, 2)]
    _check_clean(learner.clean(_raw(text)), _expected_clean(expected))


@pytest.mark.points(2)
def test_clean_random_messy_csv(learner, rng):
    """A 300-order CSV generated with every kind of mess at random, compared with the ground truth."""
    text, kept = _messy_csv(rng)
    raw = _raw(text)
    before = raw.copy()
    got = learner.clean(raw)
    check(raw.equals(before), "clean(raw) modified its argument.",
          "work on new objects (raw[cols].apply(...), assignments to a new DataFrame); never assign into raw.")
    _check_clean(got, _expected_clean(kept), what="clean(raw) on the random CSV")


# --------------------------------------------------------------------- report


def test_report_worked_example(learner):
    """The docstring's example report: March books (2 orders, 3 units, 1230.50) and April unknown."""
    expected = pd.DataFrame({"month": pd.Series(["2024-03", "2024-04"], dtype=object),
                             "category": pd.Series(["books", "unknown"], dtype=object),
                             "orders": pd.Series([2, 1], dtype="int64"),
                             "units": pd.Series([3, 3], dtype="int64"),
                             "revenue": pd.Series([1230.5, 99.99], dtype="float64")})
    _check_report(learner.monthly_report(_expected_clean(WORKED_CLEAN)), expected)


@pytest.mark.points(2)
def test_report_random(learner, rng):
    """On the spec's own clean orders over two years: one row per (YYYY-MM, category), sorted, sums exact."""
    _, kept = _messy_csv(rng)
    orders = _expected_clean(kept)
    before = orders.copy()
    got = learner.monthly_report(orders)
    check(orders.equals(before), "monthly_report(orders) modified its argument.",
          "compute the month as a separate Series (or on orders.copy()) instead of adding a column to orders.")
    _check_report(got, _expected_report(kept), what="monthly_report(orders) on two years of orders")
