"""Training, validation and test splits: stratified, seeded, disjoint.

Goal
----
Write ``train_val_test_split``, which divides a dataset's N samples into three
disjoint sets of row indices:

* **train**: the model learns its parameters from these;
* **validation**: you choose hyperparameters and stop early on these;
* **test**: touched once, at the end, to estimate performance on new data.

Why it matters
--------------
Every number you report later in this course is only as honest as the split
behind it. A sample that sits in both train and test (leakage) makes a model
look better than it is. A split that takes the first rows of a file, which is
often sorted by class, date or source, tests the model on a different
population than it trained on. A split that changes every run, or that changes
when some other code touches ``np.random``, makes results impossible to
reproduce.

*Stratification* keeps each class's share the same in every split. With a rare
class (say 5% of the data), an unstratified 20% test set can easily contain
half or twice the expected number of that class, or none of it.

The rule (follow it exactly: the grader counts)
-----------------------------------------------
Split the indices into *groups*: with ``stratify=True`` one group per distinct
label in ``y``; with ``stratify=False`` a single group holding all N indices.
For each group of n indices:

    n_test  = round(test_size * n)      Python's round(): ties go to the even
    n_val   = round(val_size * n)       integer, so round(0.5) = 0, round(2.5) = 2
    n_train = n - n_test - n_val        (never negative when val_size + test_size < 1)

Shuffle the group's indices with the generator, then give the first n_test to
test, the next n_val to validation and the rest to train. Each returned array
is the union over groups, sorted ascending.

Consequences worth knowing: the total test size is sum over classes of
round(test_size * n_c), which can differ a little from round(test_size * N);
and a class with a single sample always lands in train.

Randomness must come only from ``np.random.default_rng(seed)``: the same seed
gives the same split whatever else has used ``np.random`` meanwhile, and the
function must leave the global ``np.random`` state untouched (so no
``np.random.seed``, no ``np.random.permutation``).

API
---
    train_val_test_split(y, val_size, test_size, *, stratify=True, seed=0)
        -> (train_idx, val_idx, test_idx)

``y`` is any 1-D array of labels (ints, strings, ...). Index the data with the
result: ``X[train_idx], y[train_idx]``.

Worked example
--------------
    >>> y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    >>> train, val, test = train_val_test_split(y, val_size=0.2, test_size=0.3, seed=0)

Class 0 has 6 samples: n_test = round(1.8) = 2, n_val = round(1.2) = 1,
n_train = 3. Class 1 has 4: n_test = round(1.2) = 1, n_val = round(0.8) = 1,
n_train = 2. So ``len(train), len(val), len(test) == 5, 2, 3``, with
``np.bincount(y[test]) == [2, 1]``; which indices land where depends on the seed.

Reference
---------
scikit-learn's ``train_test_split(..., stratify=y)`` and
``StratifiedShuffleSplit`` do the two-way version (their rounding differs);
Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 7.2.
"""

from __future__ import annotations

import numpy as np


def train_val_test_split(
    y: np.ndarray,
    val_size: float,
    test_size: float,
    *,
    stratify: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split the indices 0..N-1 into disjoint train, validation and test sets.

    Args:
        y: (N,) labels, any dtype numpy can compare (ints, strings); N >= 1.
        val_size: fraction of each group for validation, in [0, 1).
        test_size: fraction of each group for test, in [0, 1).
        stratify: split each class separately (True) or all samples as one group.
        seed: seed for ``np.random.default_rng``; the only source of randomness.

    Returns:
        (train_idx, val_idx, test_idx): three 1-D integer arrays, each sorted
        ascending, pairwise disjoint, together holding every index exactly once.

    Raises:
        ValueError: if a fraction is outside [0, 1) or val_size + test_size >= 1.
    """
    raise NotImplementedError("train_val_test_split: split the indices into train, validation and test")
