"""Spec for 02_neural_networks/activations.py: relu, stable sigmoid and tanh, their derivatives, vs torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_equal, assert_shape, check

NAMES = ("relu", "sigmoid", "tanh")
TORCH = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
SIGMOID_HINT = ("1 / (1 + np.exp(-x)) overflows for x < -709 (float64) or x < -88 (float32): take e = np.exp(-np.abs(x)) "
                "and return 1/(1+e) where x >= 0, e/(1+e) where x < 0 (np.where evaluates both branches)")
TANH_HINT = ("(e^x - e^-x) / (e^x + e^-x) is inf/inf = nan for |x| > 710: use only e^(-2|x|), e.g. "
             "m = np.expm1(-2*|x|); tanh = sign(x) * (-m) / (2 + m)")
TINY_HINT = ("2*sigmoid(2x) - 1 and (1 - e^-2x)/(1 + e^-2x) with np.exp cancel catastrophically near 0 "
             "(tanh(1e-10) keeps ~6 digits); np.expm1(t) = e^t - 1 computed without cancellation fixes it")


def _strict(fn, x, what, hint):
    """fn(x) with overflow / invalid / divide-by-zero and RuntimeWarnings turned into failures (underflow is fine)."""
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(x)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {type(exc).__name__}: {exc}", hint=hint)


def _autograd(name, x):
    """The derivative at x from torch.autograd (upstream gradient of ones), float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    TORCH[name](t).backward(torch.ones_like(t))
    return t.grad.numpy()


def test_values_by_hand(learner):
    """relu([-2, 0, 3]) = [0, 0, 3]; sigmoid(0, log 3, -log 3) = (0.5, 0.75, 0.25); tanh(0, log 2, log 3) = (0, 0.6, 0.8)."""
    assert_close(learner.relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0], atol=0, name="relu([-2, 0, 3])",
                 hint="relu(x) = max(x, 0) elementwise (np.maximum, not np.max)")
    ln3, ln2 = np.log(3.0), np.log(2.0)
    assert_close(learner.sigmoid(np.array([0.0, ln3, -ln3])), [0.5, 0.75, 0.25], rtol=1e-14, atol=1e-15,
                 name="sigmoid([0, log 3, -log 3])", hint="sigmoid(x) = 1 / (1 + e^-x); for x < 0 it equals e^x / (1 + e^x)")
    assert_close(learner.tanh(np.array([0.0, ln2, ln3])), [0.0, 0.6, 0.8], rtol=1e-14, atol=1e-15,
                 name="tanh([0, log 2, log 3])", hint="tanh(x) = (e^x - e^-x) / (e^x + e^-x) = (1 - e^-2x) / (1 + e^-2x)")


def test_derivatives_by_hand(learner):
    """relu'([-2, 0, 3]) = [0, 0, 1] (0 at x = 0, as torch); sigmoid'(0) = 1/4, sigmoid'(log 3) = 3/16; tanh'(0) = 1, tanh'(log 2) = 0.64."""
    assert_equal(np.asarray(learner.relu_grad(np.array([-2.0, 0.0, 3.0]))), np.array([0.0, 0.0, 1.0]),
                 name="relu_grad([-2, 0, 3])",
                 hint="1 where x > 0 strictly, else 0: at exactly 0 PyTorch (and this course) uses 0, so use x > 0, not x >= 0")
    assert_close(learner.sigmoid_grad(np.array([0.0, np.log(3.0)])), [0.25, 3 / 16], rtol=1e-14,
                 name="sigmoid_grad([0, log 3])", hint="sigmoid'(x) = s (1 - s) with s = sigmoid(x), not x (1 - x)")
    assert_close(learner.tanh_grad(np.array([0.0, np.log(2.0)])), [1.0, 0.64], rtol=1e-14,
                 name="tanh_grad([0, log 2])", hint="tanh'(x) = 1 - tanh(x)^2 (squared), with tanh evaluated at x")


@pytest.mark.points(2)
def test_sigmoid_no_overflow(learner):
    """sigmoid at +-1000 and +-750 (float64) and at +-100 (float32) raises no overflow, and the limits are exactly 0 and 1."""
    x = np.array([-1000.0, -750.0, 750.0, 1000.0])
    got = _strict(learner.sigmoid, x, "sigmoid at x = +-1000 (float64)", SIGMOID_HINT)
    assert_equal(np.asarray(got), np.array([0.0, 0.0, 1.0, 1.0]), name="sigmoid([-1000, -750, 750, 1000])",
                 hint="the stable form gives exactly 0 and 1 at the ends; " + SIGMOID_HINT)
    x32 = np.array([-100.0, -89.0, 89.0, 100.0], dtype=np.float32)
    got = _strict(learner.sigmoid, x32, "sigmoid at x = +-100 in float32 (e^89 overflows float32)", SIGMOID_HINT)
    assert_close(got, torch.sigmoid(torch.tensor(x32)).numpy(), rtol=1e-6, atol=1e-38, name="sigmoid (float32, +-100)",
                 hint=SIGMOID_HINT)
    got = _strict(learner.sigmoid_grad, x, "sigmoid_grad at x = +-1000", SIGMOID_HINT)
    assert_close(got, np.zeros(4), atol=1e-300, name="sigmoid_grad at +-1000", hint="the derivative vanishes at both ends")


@pytest.mark.points(2)
def test_tanh_huge_and_tiny(learner):
    """tanh(+-1000) = +-1 exactly with no overflow; tanh(x) = x to full precision for x = +-1e-10 and 1e-300; tanh(-x) = -tanh(x)."""
    got = _strict(learner.tanh, np.array([-1000.0, -400.0, 400.0, 1000.0]), "tanh at x = +-1000", TANH_HINT)
    assert_equal(np.asarray(got), np.array([-1.0, -1.0, 1.0, 1.0]), name="tanh(+-1000)", hint=TANH_HINT)
    x = np.array([1e-10, -1e-10, 3e-8, 1e-300])
    got = _strict(learner.tanh, x, "tanh at tiny x", TINY_HINT)
    assert_close(got, torch.tanh(torch.tensor(x)).numpy(), rtol=1e-13, atol=0, name="tanh at tiny x", hint=TINY_HINT)
    z = np.linspace(-5, 5, 41)
    assert_close(learner.tanh(-z), -np.asarray(learner.tanh(z)), rtol=0, atol=1e-16, name="tanh(-x) vs -tanh(x)",
                 hint="tanh is odd: compute it from |x| and put the sign back")


@pytest.mark.parametrize("name", NAMES)
def test_values_match_torch(learner, rng, name):
    """relu / sigmoid / tanh on random float64 inputs spanning [-700, 700] and [-5, 5] match torch to rtol 1e-12."""
    x = np.concatenate([rng.uniform(-700, 700, size=202), rng.uniform(-5, 5, size=202), [0.0]]).reshape(3, 5, 27)
    got = _strict(getattr(learner, name), x, f"{name} on [-700, 700]", SIGMOID_HINT if name == "sigmoid" else TANH_HINT)
    assert_shape(got, x.shape, name=name, hint="elementwise: the output has the input's shape")
    assert_close(got, TORCH[name](torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-300, name=f"{name}(x) vs torch.{name}",
                 hint={"relu": "max(x, 0)", "sigmoid": "clipping x (e.g. to +-500) before exp changes the result: " + SIGMOID_HINT,
                       "tanh": TANH_HINT}[name])


@pytest.mark.points(2)
@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_autograd(learner, rng, name):
    """relu_grad / sigmoid_grad / tanh_grad on random inputs in [-40, 40] (and 0) equal torch.autograd's derivative."""
    x = np.concatenate([rng.uniform(-40, 40, size=300), rng.uniform(-3, 3, size=300), [0.0, 1000.0, -1000.0]])
    got = _strict(getattr(learner, name + "_grad"), x, f"{name}_grad", SIGMOID_HINT if name != "relu" else "")
    assert_close(got, _autograd(name, x), rtol=1e-9, atol=1e-15, name=f"{name}_grad(x) vs torch.autograd",
                 hint={"relu": "1 where x > 0, else 0 (0 at x = 0)", "sigmoid": "s * (1 - s) with s = sigmoid(x)",
                       "tanh": "1 - tanh(x)**2"}[name])


def test_dtype_shape_and_input_untouched(learner, rng):
    """Every function keeps the input's shape and float32 dtype, returns a new array, and leaves its input unchanged."""
    x = rng.normal(scale=3, size=(4, 6)).astype(np.float32)
    x[0, 0] = 0.0
    saved = x.copy()
    for fn in ("relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad"):
        out = np.asarray(getattr(learner, fn)(x))
        assert_shape(out, x.shape, name=f"{fn}(float32 (4, 6))")
        check(out.dtype == np.float32, f"{fn} returned dtype {out.dtype} for a float32 input; expected float32.",
              hint="keep the input's dtype: avoid np.float64 constants/arrays, or end with .astype(x.dtype)")
        assert_equal(x, saved, name=f"the input after {fn}",
                     hint="do not modify x in place (e.g. x[x < 0] = 0); compute a new array such as np.maximum(x, 0)")
        check(out is not x and not np.shares_memory(out, x), f"{fn} returned its input array (or a view of it).",
              hint="return a new array so that later changes to the output cannot corrupt x")
