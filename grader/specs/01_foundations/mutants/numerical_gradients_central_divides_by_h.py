"""Mutant: the central difference divides by h instead of 2h."""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5, method: str = "central"
) -> np.ndarray:
    """Finite-difference gradient of a scalar function, one entry at a time.

    Args:
        f: maps an array of x's shape to a scalar.
        x: the point, an array of any shape (integer arrays are treated as float).
        h: the step.
        method: "central" ((f(x+h) - f(x-h)) / 2h) or "forward" ((f(x+h) - f(x)) / h).

    Returns:
        A float array of x's shape, entry i the estimate of df/dx_i. x is left
        exactly as it was.

    Raises:
        ValueError: for any other method.
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    x = np.asarray(x, dtype=float)  # a float array is used as is (no copy): perturbed in place, then restored
    grad = np.zeros_like(x)
    f_x = float(f(x)) if method == "forward" else None  # forward needs f(x) once, not once per entry
    for i in np.ndindex(x.shape):  # every index tuple, for any shape (and for non-contiguous x)
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        if method == "central":
            x[i] = old - h
            f_minus = float(f(x))
            grad[i] = (f_plus - f_minus) / h  # the 2 is missing: the points are 2h apart

        else:
            grad[i] = (f_plus - f_x) / h
        x[i] = old  # restore by assignment: old + h - 2h + h is not always old in floating point
    return grad


def relative_error(a: np.ndarray, n: np.ndarray, tiny: float = 1e-12) -> np.ndarray:
    """Elementwise |a - n| / max(|a|, |n|, tiny).

    Args:
        a: analytic values, any shape.
        n: numerical values, the same shape.
        tiny: floor of the denominator, so that 0 vs 0 gives 0 instead of 0/0.

    Returns:
        A float array of that shape, symmetric in a and n.
    """
    a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
    return np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), tiny)


def gradient_check(
    f: Callable[[np.ndarray], float], grad_f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5
) -> float:
    """Largest relative error between an analytic gradient and the central-difference one.

    Args:
        f: the scalar function.
        grad_f: its claimed gradient, returning an array of x's shape.
        x: the point to check at; left unchanged.
        h: the finite-difference step.

    Returns:
        max over entries of relative_error(grad_f(x), numerical gradient), a Python float.
    """
    analytic = np.asarray(grad_f(x), dtype=float)  # before the numerical pass, which perturbs x
    numeric = numerical_gradient(f, x, h)
    return float(np.max(relative_error(analytic, numeric)))
