"""scikit-learn's bundled datasets, checked: the same Bunch (or X, y, or DataFrame) as sklearn.datasets.load_*.

The files are verified against their sha256 before scikit-learn reads them,
and the result's shape, dtype and label range are checked after.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.data.loaders.types import check_array

# name -> (sklearn function, file names, rows, features, (target lo, hi), integer target)
_SPECS = {
    "iris": ("load_iris", ("iris.csv",), 150, 4, (0, 2), True),
    "wine": ("load_wine", ("wine_data.csv",), 178, 13, (0, 2), True),
    "breast-cancer": ("load_breast_cancer", ("breast_cancer.csv",), 569, 30, (0, 1), True),
    "diabetes": ("load_diabetes", ("diabetes_data_raw.csv.gz", "diabetes_target.csv.gz"), 442, 10, (25, 346), False),
    "digits": ("load_digits", ("digits.csv.gz",), 1797, 64, (0, 9), True),
}


def _load(src, **kwargs: Any):
    fn_name, files, rows, cols, (lo, hi), integer = _SPECS[src.name]
    paths = [src.file(f) for f in files]  # verified before sklearn reads them
    import sklearn.datasets

    where = paths[0]
    result = getattr(sklearn.datasets, fn_name)(**kwargs)
    if src.name == "digits" and kwargs.get("n_class", 10) != 10:
        rows = None
    if kwargs.get("return_X_y"):
        X, y = result
    else:
        X, y = result.data, result.target
    Xa, ya = np.asarray(X), np.asarray(y)
    check_array(where, "the features", Xa, shape=(rows, cols))
    if Xa.dtype.kind != "f":
        check_array(where, "the features", Xa, dtype=np.float64)
    check_array(where, "the target", ya, shape=(rows,), lo=lo, hi=hi)
    if integer and ya.dtype.kind not in "iu":
        check_array(where, "the target", ya, dtype=np.int64)
    return result


def load_iris(src, **kwargs: Any):
    return _load(src, **kwargs)


def load_wine(src, **kwargs: Any):
    return _load(src, **kwargs)


def load_breast_cancer(src, **kwargs: Any):
    return _load(src, **kwargs)


def load_diabetes(src, **kwargs: Any):
    return _load(src, **kwargs)


def load_digits(src, **kwargs: Any):
    return _load(src, **kwargs)
