"""Mutant: shuffles with the global np.random state, so the seed has no effect."""

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
    if not (0 <= val_size < 1 and 0 <= test_size < 1 and val_size + test_size < 1):
        raise ValueError(f"need 0 <= val_size, test_size and val_size + test_size < 1, got {val_size}, {test_size}")
    y = np.asarray(y)
    # A private generator: reproducible from `seed`, and blind to (and harmless for)
    # whatever else uses np.random.
    rng = np.random.default_rng(seed)

    # Each group is split on its own, so every class keeps its share in every split.
    if stratify:
        groups = [np.flatnonzero(y == label) for label in np.unique(y)]
    else:
        groups = [np.arange(len(y))]

    train, val, test = [], [], []
    for idx in groups:
        idx = np.random.permutation(idx)  # (n,) shuffled: files are often sorted by class or time
        n_test = round(test_size * len(idx))
        n_val = round(val_size * len(idx))
        # Consecutive, non-overlapping slices of one permutation: disjoint by construction.
        test.append(idx[:n_test])
        val.append(idx[n_test : n_test + n_val])
        train.append(idx[n_test + n_val :])

    return tuple(np.sort(np.concatenate(parts)) for parts in (train, val, test))
