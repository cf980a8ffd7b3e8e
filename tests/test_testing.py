"""The specs' assertion library: failures that speak arrays and tensors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_equal, assert_shape, check


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_close_values_pass():
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    assert_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0]))
    assert_close(3.0, 3.0)
    assert_close([[1, 2]], np.array([[1, 2]]))


def test_mismatch_reports_index_values_and_tolerance():
    got = np.zeros((2, 3))
    exp = np.zeros((2, 3))
    exp[1, 2] = 0.5
    msg = message(assert_close, got, exp, name="weights", hint="did you add the bias?")
    assert "weights differs from the expected values in 1 of 6 elements" in msg
    assert "shape (2, 3), dtype float64" in msg
    assert "max abs diff 0.5 at index (1, 2)" in msg
    assert "first mismatch at index (1, 2): got 0.0, expected 0.5" in msg
    assert "rtol=1e-07, atol=1e-07" in msg
    assert "Likely cause: did you add the bias?" in msg


def test_shape_mismatch_explains():
    msg = message(assert_close, np.zeros((3, 1)), np.zeros(3))
    assert "shape (3, 1), expected (3,)" in msg and "column vector" in msg
    msg = message(assert_close, np.zeros((2, 3)), np.zeros((3, 2)))
    assert "transpose" in msg


def test_nan_is_named():
    msg = message(assert_close, np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert "nan" in msg and "index (1,)" in msg and "overflow" in msg


def test_tensor_dtypes_and_default_tolerances():
    # float32 tolerance is looser than float64's
    assert_close(torch.tensor([1.0], dtype=torch.float32), torch.tensor([1.0 + 5e-6], dtype=torch.float32))
    msg = message(assert_close, torch.tensor([1.0], dtype=torch.float64), torch.tensor([1.0 + 5e-6], dtype=torch.float64))
    assert "dtype float64" in msg
    msg = message(assert_close, torch.ones(2, dtype=torch.bfloat16), torch.ones(2), check_dtype=True)
    assert "dtype bfloat16, expected float32" in msg


def test_none_means_a_missing_return():
    assert "forget a `return`" in message(assert_close, None, np.zeros(2))


def test_integers_must_match_exactly():
    assert "integers must match exactly" in message(assert_close, np.array([1, 2]), np.array([1, 3]))


def test_assert_equal_and_shape_and_check():
    assert_equal([1, 2], np.array([1, 2]))
    assert "first mismatch at index (1,): got 5, expected 2" in message(assert_equal, [1, 5], [1, 2])
    assert "is 'a', expected 'b'" in message(assert_equal, "a", "b")
    assert "shape (2,), expected (3,)" in message(assert_shape, np.zeros(2), (3,))
    check(True, "never shown")
    assert "Likely cause: x" in message(check, False, "broken", hint="x")


def test_not_numeric():
    assert "not numeric" in message(assert_close, ["a", "b"], np.zeros(2))


def test_assert_equal_on_strings_and_objects():
    assert_equal(["a", "b"], ["a", "b"])
    assert "first mismatch at index (1,): got 'c', expected 'b'" in message(assert_equal, ["a", "c"], ["a", "b"])

    class Any:
        def __eq__(self, other):
            return True

    assert "not plain numbers or strings" in message(assert_equal, [Any(), Any()], [1, 2])
