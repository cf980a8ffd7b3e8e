"""Mutant: tanh is 2 * sigmoid(2x) - 1, an identity that cancels catastrophically near 0."""

from __future__ import annotations

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) elementwise: a new array, same shape and dtype as x."""
    return np.maximum(x, 0).astype(x.dtype, copy=False)  # a new array: x is not touched


def relu_grad(x: np.ndarray) -> np.ndarray:
    """d relu / dx: 1 where x > 0, else 0 (0 at x = 0, like PyTorch); same shape and dtype as x."""
    return (x > 0).astype(x.dtype)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) elementwise, with no overflow for any x; same shape and dtype as x."""
    e = np.exp(-np.abs(x))  # in (0, 1]: the only exponential we take never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """d sigmoid / dx = sigmoid(x) (1 - sigmoid(x)); same shape and dtype as x."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) without np.tanh: exact +-1 for huge |x|, full relative precision for tiny |x|; same shape and dtype."""
    return (2 * sigmoid(2 * x) - 1).astype(x.dtype, copy=False)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """d tanh / dx = 1 - tanh(x)^2; same shape and dtype as x."""
    t = tanh(x)
    return 1 - t * t
