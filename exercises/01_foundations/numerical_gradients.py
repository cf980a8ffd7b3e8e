"""Numerical gradients and gradient checking.

Goal
----
Estimate the gradient of any scalar function of an array by finite
differences, and use it to test a gradient derived by hand:

* ``numerical_gradient``: central (or forward) differences, one entry of x
  at a time, for x of any shape;
* ``relative_error``: the elementwise relative difference between two
  gradients;
* ``gradient_check``: the largest relative error between an analytic
  gradient and the numerical one.

Why it matters
--------------
Backpropagation is only as correct as the derivatives you write, and a wrong
gradient rarely crashes: the loss just goes down slowly, or not at all.
Gradient checking is how every hand-written layer in this course (and in
micrograd, CS231n and PyTorch's own ``torch.autograd.gradcheck``) is tested.
It only works if the numerical gradient is accurate, so the details matter:
which difference formula, which step h, and leaving the input exactly as it
was.

The maths
---------
For a function f of an array x and the unit array e_i (1 at entry i, 0
elsewhere), the partial derivative df/dx_i is estimated by

    forward:  (f(x + h e_i) - f(x)) / h                   error O(h)
    central:  (f(x + h e_i) - f(x - h e_i)) / (2 h)       error O(h^2)

Taylor: f(x +- h e_i) = f +- h f' + h^2/2 f'' +- h^3/6 f''' + ...; the forward
difference keeps the h/2 f'' term, the central one cancels it and keeps only
h^2/6 f'''. Dividing h by 10 divides the central error by about 100 and the
forward error by about 10. Do not make h too small either: f is computed to
about 1e-16 relative, and dividing that rounding error by h amplifies it;
h = 1e-5 is a good default for float64 central differences.

Loop over every index of x (``np.ndindex(x.shape)`` yields them for any
shape). For each: save the entry, set it to old + h, evaluate f, set it to
old - h, evaluate f, then put the saved value back. Put it back by
assignment: old + h - 2h + h is often NOT exactly old in floating point, and
a gradient check must not change the parameters it checks. Perturb x itself
(or a float copy of it), never a reshaped copy of x that f does not see: for
a transposed, non-contiguous x, ``x.reshape(-1)`` silently returns a copy.
An integer x is converted to float first (an integer entry cannot hold old + 1e-5).

Relative error of an analytic value a against a numerical value n:

    rel(a, n) = |a - n| / max(|a|, |n|, tiny)

symmetric in a and n and independent of the scale of f; ``tiny`` (1e-12)
only avoids 0/0, so two zeros give 0. Rules of thumb in float64 with
central differences: below 1e-7 the gradient is right; above 1e-2 it is
wrong. (A true gradient entry of exactly 0 is the exception: the numerical
estimate is then pure rounding noise, and its relative error can be large
however right the code is; check such entries in absolute terms.)

API
---
    numerical_gradient(f, x, h=1e-5, method="central")  -> array of x's shape
    relative_error(a, n, tiny=1e-12)                    -> array, elementwise
    gradient_check(f, grad_f, x, h=1e-5)                -> float, the largest relative error

f maps an array of x's shape to a number; grad_f maps it to an array of x's
shape. ``method`` is "central" or "forward" (anything else: ValueError). When
the functions return, x holds exactly the values it held before.

Worked example
--------------
    >>> f = lambda x: np.sum(x**2)                      # gradient 2x
    >>> numerical_gradient(f, np.array([1.0, 2.0, 3.0]), h=0.1)
    array([2., 4., 6.])                                 # central: exact for a quadratic
    >>> numerical_gradient(f, np.array([1.0, 2.0, 3.0]), h=0.1, method="forward")
    array([2.1, 4.1, 6.1])                              # forward: off by h f''/2 = h
    >>> round(gradient_check(f, lambda x: x, np.array([1.0, 2.0, 3.0])), 6)  # forgot the 2
    0.5

For x_0 = 1, h = 0.1: central (1.1^2 - 0.9^2) / 0.2 = 0.4 / 0.2 = 2; forward
(1.1^2 - 1) / 0.1 = 0.21 / 0.1 = 2.1. The wrong gradient x gives
|1 - 2| / max(1, 2) = 0.5 at every entry.

Reference
---------
CS231n notes, "Gradient checks" (https://cs231n.github.io/neural-networks-3/#gradcheck);
Nocedal & Wright, *Numerical Optimization*, 8.1 (finite-difference derivative
approximations).
"""

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
    raise NotImplementedError("numerical_gradient: perturb one entry at a time, difference, restore")


def relative_error(a: np.ndarray, n: np.ndarray, tiny: float = 1e-12) -> np.ndarray:
    """Elementwise |a - n| / max(|a|, |n|, tiny).

    Args:
        a: analytic values, any shape.
        n: numerical values, the same shape.
        tiny: floor of the denominator, so that 0 vs 0 gives 0 instead of 0/0.

    Returns:
        A float array of that shape, symmetric in a and n.
    """
    raise NotImplementedError("relative_error: |a - n| / max(|a|, |n|, tiny), elementwise")


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
    raise NotImplementedError("gradient_check: the largest relative error between grad_f(x) and the numerical gradient")
