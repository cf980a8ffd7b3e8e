"""Activation functions and their derivatives, without overflow.

Goal
----
Write the three classic activations and their derivatives, elementwise on
float arrays of any shape:

* ``relu`` and ``relu_grad``;
* ``sigmoid`` and ``sigmoid_grad``, numerically stable for any input;
* ``tanh`` and ``tanh_grad``, without ``np.tanh`` (build it from ``np.exp``
  or ``np.expm1``), accurate both for huge |x| and for tiny |x|.

Every function returns a new array with the input's shape and float dtype
(float32 in, float32 out), and never modifies its input.

Why it matters
--------------
A nonlinearity between layers is what lets a network represent more than a
linear map; its derivative is what backprop multiplies by at every layer
(vanishing gradients: sigmoid' <= 1/4, tanh' <= 1). The textbook formulas
hide two numerical traps that bite in practice:

* overflow: 1 / (1 + e^-x) computes e^1000 = inf for x = -1000 (and in
  float32 already e^89 = inf), with an overflow warning, and the formula
  (e^x - e^-x) / (e^x + e^-x) gives inf / inf = nan;
* cancellation: tanh(x) = 2 sigmoid(2x) - 1 is an identity, but for
  x = 1e-10 it subtracts two numbers near 1 and keeps only ~6 correct
  digits, while tanh(1e-10) = 1e-10 to full precision.

The maths
---------
    relu(x)     = max(x, 0)            relu'(x)    = 1 if x > 0 else 0
                                       (at x = 0 we take 0, as PyTorch does)
    sigmoid(x)  = 1 / (1 + e^-x)       sigmoid'(x) = sigmoid(x) (1 - sigmoid(x))
    tanh(x)     = (e^x - e^-x) / (e^x + e^-x)
                                       tanh'(x)    = 1 - tanh(x)^2

Stable forms. Let e = e^-|x|, which is in (0, 1] and never overflows:

    sigmoid(x) = 1 / (1 + e)       for x >= 0
               = e / (1 + e)       for x < 0
    tanh(x)    = sign(x) * (1 - e^2) / (1 + e^2)
               = sign(x) * -expm1(-2|x|) / (2 + expm1(-2|x|))

``np.expm1(t)`` computes e^t - 1 without cancellation, which keeps tanh
accurate near 0. ``np.where`` evaluates both branches everywhere, so each
branch must be safe for every x. At the far ends the stable forms give
exactly sigmoid(-1000) = 0, sigmoid(1000) = 1 and tanh(+-1000) = +-1.

API
---
    relu(x), relu_grad(x)
    sigmoid(x), sigmoid_grad(x)
    tanh(x), tanh_grad(x)

Each takes a float ndarray of any shape and returns a new ndarray of the same
shape and dtype. The ``_grad`` functions return the derivative at x (what
torch.autograd gives for an upstream gradient of ones).

Worked example
--------------
    >>> sigmoid(np.array([-1000.0, 0.0, np.log(3.0), 1000.0]))
    array([0.  , 0.5 , 0.75, 1.  ])            # no overflow warning
    >>> tanh(np.array([np.log(2.0)])), tanh_grad(np.array([np.log(2.0)]))
    (array([0.6]), array([0.64]))              # (2 - 1/2) / (2 + 1/2); 1 - 0.36
    >>> relu_grad(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])

Reference
---------
Goodfellow, Bengio & Courville, *Deep Learning*, 6.3 (hidden units);
Higham, *Accuracy and Stability of Numerical Algorithms*, 1.7 (cancellation);
the PyTorch docs for torch.sigmoid, torch.tanh and torch.relu.
"""

from __future__ import annotations

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) elementwise: a new array, same shape and dtype as x."""
    raise NotImplementedError("relu: not written yet")


def relu_grad(x: np.ndarray) -> np.ndarray:
    """d relu / dx: 1 where x > 0, else 0 (0 at x = 0, like PyTorch); same shape and dtype as x."""
    raise NotImplementedError("relu_grad: not written yet")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) elementwise, with no overflow for any x; same shape and dtype as x."""
    raise NotImplementedError("sigmoid: not written yet (never exponentiate a large positive number)")


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """d sigmoid / dx = sigmoid(x) (1 - sigmoid(x)); same shape and dtype as x."""
    raise NotImplementedError("sigmoid_grad: not written yet")


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) without np.tanh: exact +-1 for huge |x|, full relative precision for tiny |x|; same shape and dtype."""
    raise NotImplementedError("tanh: not written yet (no np.tanh; mind huge and tiny |x|)")


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """d tanh / dx = 1 - tanh(x)^2; same shape and dtype as x."""
    raise NotImplementedError("tanh_grad: not written yet")
