"""Spec for 01_foundations/data_splits.py: train/validation/test splits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import StratifiedShuffleSplit

from grader.testing import assert_equal, check

NAMES = ("train", "val", "test")


# --------------------------------------------------------------------- helpers


def _split(learner, y, val_size, test_size, **kwargs):
    """Call the learner's function and check the result is three 1-D integer arrays."""
    out = learner.train_val_test_split(y, val_size, test_size, **kwargs)
    check(out is not None, "train_val_test_split returned None.", "a missing `return` statement?")
    check(isinstance(out, (tuple, list)) and len(out) == 3,
          f"train_val_test_split should return a tuple (train_idx, val_idx, test_idx); got {type(out).__name__}"
          + (f" of length {len(out)}" if hasattr(out, "__len__") else "") + ".")
    parts = []
    for name, part in zip(NAMES, out):
        arr = np.asarray(part)
        check(arr.ndim == 1, f"{name}_idx should be a 1-D array of indices; it has shape {arr.shape}.")
        check(np.issubdtype(arr.dtype, np.integer),
              f"{name}_idx should hold integer indices; its dtype is {arr.dtype}"
              + (" (an empty float array cannot index X)." if arr.size == 0 else "."),
              "return row indices (from np.flatnonzero, np.arange or rng.permutation), not masks, labels or floats; "
              "np.array([]) is float, np.array([], dtype=int) is not.")
        parts.append(arr.astype(np.int64))
    return parts


def _check_partition(parts, n):
    """The three index sets are sorted, in range, disjoint, and cover 0..n-1 exactly once."""
    for name, arr in zip(NAMES, parts):
        if arr.size:
            check(arr.min() >= 0 and arr.max() < n,
                  f"{name}_idx holds indices outside 0..{n - 1} (min {arr.min()}, max {arr.max()}).")
        dup = arr.size - np.unique(arr).size
        check(dup == 0, f"{name}_idx contains {dup} repeated indices: a sample appears twice in the same split.",
              "sampling with replacement (rng.choice without replace=False, rng.integers)? Shuffle with rng.permutation instead.")
        check(np.all(np.diff(arr) > 0), f"{name}_idx is not sorted ascending (the docstring asks for sorted indices).",
              "np.sort each array before returning it.")
    for i in range(3):
        for j in range(i + 1, 3):
            shared = np.intersect1d(parts[i], parts[j])
            check(shared.size == 0,
                  f"{NAMES[i]}_idx and {NAMES[j]}_idx share {shared.size} {'index' if shared.size == 1 else 'indices'} "
                  f"(first few: {shared[:5].tolist()}). "
                  "A sample in two splits is leakage: the model is scored on data it has seen.",
                  "each split must be cut from what is left after the previous ones (consecutive slices of one "
                  "permutation), not drawn from the full data again.")
    every = np.concatenate(parts)
    missing = np.setdiff1d(np.arange(n), every)
    check(missing.size == 0,
          f"{missing.size} of the {n} samples are in no split (first few: {missing[:5].tolist()}).",
          "the last slice (train) should take everything that is left: idx[n_test + n_val:].")


def _expected_counts(y, val_size, test_size, stratify):
    """(labels, n_train, n_val, n_test) per group, by the rounding rule in the docstring."""
    labels, sizes = np.unique(y, return_counts=True)
    if not stratify:
        labels, sizes = labels[:0], np.array([len(y)])
    n_test = np.array([round(test_size * int(n)) for n in sizes])
    n_val = np.array([round(val_size * int(n)) for n in sizes])
    return labels, sizes - n_test - n_val, n_val, n_test


def _check_counts(parts, y, val_size, test_size, stratify, where=""):
    """Per-class (stratified) or total (not stratified) sizes follow the rule exactly."""
    labels, *expected = _expected_counts(y, val_size, test_size, stratify)
    # test first: the rule fixes n_test, then n_val, and train takes the rest
    for name, arr, exp in reversed(list(zip(NAMES, parts, expected))):
        if stratify:
            got = np.array([np.sum(y[arr] == label) for label in labels])
            assert_equal(got, exp, name=f"samples of each class {labels.tolist()} in {name}_idx{where}",
                         hint="each class is split on its own: n_test = round(test_size * n_c), n_val = "
                              "round(val_size * n_c), the rest to train. A different count usually means no "
                              "stratification, int()/floor/ceil or round-half-up instead of Python's round() "
                              "(ties go to even: round(2.5) = 2), or val_size applied to what test left.")
        else:
            assert_equal(len(arr), int(exp[0]), name=f"len({name}_idx){where} with stratify=False",
                         hint="with stratify=False all N samples form one group: n_test = round(test_size * N), "
                              "n_val = round(val_size * N).")


# --------------------------------------------------------------------- tests


@pytest.mark.points(2)
def test_worked_example(learner):
    """The docstring's example: 6 + 4 samples, val 0.2, test 0.3 give sizes 5/2/3, class counts [3,2]/[1,1]/[2,1]."""
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    parts = _split(learner, y, 0.2, 0.3, seed=0)
    _check_partition(parts, len(y))
    assert_equal([len(p) for p in parts], [5, 2, 3], name="(len(train), len(val), len(test))",
                 hint="per class: n_test = round(0.3 * n_c), n_val = round(0.2 * n_c), train gets the rest.")
    _check_counts(parts, y, 0.2, 0.3, stratify=True)


def test_disjoint_and_complete(learner, rng):
    """On random labelled datasets (N up to 1000), the three splits never overlap and cover every sample once."""
    for trial in range(12):
        n = int(rng.integers(30, 1000))
        k = int(rng.integers(1, 6))
        y = rng.choice(k, size=n, p=rng.dirichlet(np.ones(k)))
        val_size, test_size = rng.uniform(0.05, 0.4, size=2)
        stratify = bool(trial % 2)
        parts = _split(learner, y, float(val_size), float(test_size), stratify=stratify, seed=trial)
        _check_partition(parts, n)


@pytest.mark.points(2)
def test_sizes_follow_rounding_rule(learner, rng):
    """Split sizes follow the documented rule exactly, ties (x.5) included, stratified per class or not."""
    # Ties: 0.25 * 10 = 2.5 -> 2 and 0.25 * 6 = 1.5 -> 2 (round half to even).
    y = np.repeat([0, 1], [10, 6])
    parts = _split(learner, y, 0.25, 0.25, seed=1)
    _check_partition(parts, len(y))
    _check_counts(parts, y, 0.25, 0.25, stratify=True, where=" (classes of 10 and 6, val = test = 0.25)")
    # Three classes of 5, test 0.3: stratified gives 2 + 2 + 2 = 6 test samples, unstratified round(4.5) = 4.
    y = np.repeat([0, 1, 2], 5)
    for stratify in (True, False):
        parts = _split(learner, y, 0.1, 0.3, stratify=stratify, seed=2)
        _check_partition(parts, len(y))
        _check_counts(parts, y, 0.1, 0.3, stratify, where=" (three classes of 5, val 0.1, test 0.3)")
    # Random sizes and fractions.
    for trial in range(10):
        k = int(rng.integers(1, 5))
        y = rng.permutation(np.repeat(np.arange(k), rng.integers(1, 60, size=k)))
        val_size, test_size = (float(f) for f in rng.uniform(0.0, 0.45, size=2))
        stratify = bool(trial % 2)
        parts = _split(learner, y, val_size, test_size, stratify=stratify, seed=trial)
        _check_partition(parts, len(y))
        _check_counts(parts, y, val_size, test_size, stratify,
                      where=f" (class sizes {np.bincount(y).tolist()}, val {val_size:.3f}, test {test_size:.3f})")


@pytest.mark.points(2)
def test_stratified_proportions_match_sklearn(learner, seed):
    """Each class keeps its share in every split (within one sample), at least as well as sklearn's StratifiedShuffleSplit."""
    data = np.random.default_rng(seed + 100)
    p = np.array([0.6, 0.25, 0.1, 0.05])
    y = data.choice(4, size=2000, p=p)
    sizes = np.bincount(y, minlength=4)
    val_size, test_size = 0.15, 0.2
    parts = _split(learner, y, val_size, test_size, stratify=True, seed=seed)
    _check_partition(parts, len(y))
    for name, arr, frac in zip(NAMES, parts, (1 - val_size - test_size, val_size, test_size)):
        got = np.bincount(y[arr], minlength=4)
        dev = np.abs(got - frac * sizes)  # samples away from the exact share, per class
        check(dev.max() <= 1,
              f"class counts in {name}_idx are {got.tolist()}, but {frac:.2f} of the class sizes {sizes.tolist()} "
              f"is {np.round(frac * sizes, 1).tolist()}: off by up to {dev.max():.1f} samples (allowed: 1).",
              "stratify: shuffle and cut each class separately, then concatenate, instead of shuffling all rows at once.")
        # The oracle: sklearn's stratified split of the same size is never more than a sample better.
        sss = StratifiedShuffleSplit(n_splits=1, test_size=len(arr), random_state=seed)
        _, ref = next(sss.split(np.zeros((len(y), 1)), y))
        ref_dev = np.abs(np.bincount(y[ref], minlength=4) - frac * sizes)
        check(dev.max() <= ref_dev.max() + 1,
              f"{name}_idx deviates from the class shares by {dev.max():.1f} samples; sklearn's "
              f"StratifiedShuffleSplit with the same size deviates by {ref_dev.max():.1f}.",
              "stratify: shuffle and cut each class separately.")


@pytest.mark.points(2)
def test_seeded_by_own_generator(learner, seed):
    """Same seed gives the same split even if np.random was used in between, and the global np.random state is left alone."""
    y = np.random.default_rng(seed).choice(3, size=200)
    first = _split(learner, y, 0.2, 0.2, seed=seed)
    np.random.seed(seed + 12345)
    np.random.random(17)  # someone else uses the global generator meanwhile
    before = np.random.get_state()
    second = _split(learner, y, 0.2, 0.2, seed=seed)
    after = np.random.get_state()
    for name, a, b in zip(NAMES, first, second):
        assert_equal(b, a, name=f"{name}_idx on a second call with the same seed",
                     hint="all randomness must come from rng = np.random.default_rng(seed); np.random.permutation / "
                          "np.random.shuffle read the global state, which other code changes.")
    check(before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:],
          "train_val_test_split changed the global np.random state.",
          "do not call np.random.seed or np.random.* in a library function: it silently changes every other "
          "random result in the program. Use rng = np.random.default_rng(seed) and rng.permutation.")


def test_different_seeds_different_splits(learner, seed):
    """Different seeds give different splits (the rows are shuffled, not taken in file order)."""
    y = np.repeat([0, 1], [60, 40])  # sorted by class, like many files on disk
    tests = set()
    for s in range(seed, seed + 10):
        parts = _split(learner, y, 0.2, 0.2, seed=s)
        tests.add(tuple(parts[2].tolist()))
    check(len(tests) >= 9,
          f"10 different seeds produced only {len(tests)} different test sets.",
          "shuffle each group with the generator (rng.permutation) before cutting it; taking the first rows "
          "gives the same split every time.")


def test_every_sample_equally_likely(learner, seed):
    """Over 300 seeds, every sample lands in test about test_size of the time (the shuffle is uniform)."""
    n, trials = 20, 300
    y = np.zeros(n, dtype=int)
    hits = np.zeros((3, n))
    for s in range(trials):
        parts = _split(learner, y, 0.25, 0.25, seed=seed * trials + s)
        for i, arr in enumerate(parts):
            hits[i, arr] += 1
    freq = hits / trials  # (3, n) fraction of seeds in which sample j landed in split i
    for i, (name, share) in enumerate(zip(NAMES, (0.5, 0.25, 0.25))):
        worst = int(np.argmax(np.abs(freq[i] - share)))
        check(abs(freq[i, worst] - share) < 0.13,
              f"sample {worst} landed in {name}_idx in {freq[i, worst]:.0%} of {trials} seeds; expected about {share:.0%}.",
              "shuffle the whole group uniformly (rng.permutation) before cutting; a partial or biased shuffle favours some rows.")


def test_string_labels(learner):
    """String labels work: 12 cat, 6 dog, 2 eel with val 0.2, test 0.3 give test counts 4/2/1, val 2/1/0, train 6/3/1."""
    y = np.array(["cat"] * 12 + ["dog"] * 6 + ["eel"] * 2)
    y = y[np.random.default_rng(3).permutation(len(y))]
    parts = _split(learner, y, 0.2, 0.3, seed=3)
    _check_partition(parts, len(y))
    _check_counts(parts, y, 0.2, 0.3, stratify=True)


def test_single_class_and_rare_classes(learner):
    """One class only; a rare class of 2 (one to test, one to train) and a class of 1 (always train)."""
    y = np.full(10, 7)
    for stratify in (True, False):
        parts = _split(learner, y, 0.2, 0.3, stratify=stratify, seed=0)
        _check_partition(parts, len(y))
        _check_counts(parts, y, 0.2, 0.3, stratify, where=" (one class of 10)")
    # class 1 has 2 samples: round(0.3 * 2) = 1 to test, round(0.2 * 2) = 0 to val;
    # class 2 has 1 sample: round(0.3) = round(0.2) = 0, so it goes to train.
    y = np.array([0] * 17 + [1, 1] + [2])
    for s in range(5):
        parts = _split(learner, y, 0.2, 0.3, seed=s)
        _check_partition(parts, len(y))
        _check_counts(parts, y, 0.2, 0.3, stratify=True, where=" (classes of 17, 2 and 1)")


def test_empty_splits_and_bad_fractions(learner):
    """val_size=0 or test_size=0 gives an empty integer array; fractions outside [0, 1) or summing to >= 1 raise ValueError."""
    y = np.repeat([0, 1], [8, 4])
    train, val, test = _split(learner, y, 0.0, 0.25, seed=0)
    _check_partition([train, val, test], len(y))
    assert_equal(len(val), 0, name="len(val_idx) with val_size=0")
    assert_equal(len(test), 3, name="len(test_idx) with test_size=0.25 (2 + 1)")
    train, val, test = _split(learner, y, 0.25, 0.0, seed=0)
    _check_partition([train, val, test], len(y))
    assert_equal(len(test), 0, name="len(test_idx) with test_size=0")
    for val_size, test_size in ((0.5, 0.5), (0.7, 0.4), (-0.1, 0.2), (0.2, 1.0)):
        try:
            learner.train_val_test_split(y, val_size, test_size, seed=0)
        except ValueError:
            continue
        check(False, f"train_val_test_split(y, val_size={val_size}, test_size={test_size}) did not raise ValueError.",
              "check 0 <= val_size < 1, 0 <= test_size < 1 and val_size + test_size < 1 first, and "
              "raise ValueError otherwise: a silent nonsense split is worse than an error.")
