"""Optimizers from scratch: SGD with momentum, RMSprop and Adam, as PyTorch runs them.

Goal
----
Write three optimizers over a list of numpy parameter arrays, updating them
IN PLACE from a list of gradients, exactly as ``torch.optim.SGD``,
``torch.optim.RMSprop`` and ``torch.optim.Adam`` do (same formulas, same
state, same first step), so that 200 steps of yours and of torch's land on the
same point:

* ``SGD(params, lr, momentum=0, dampening=0, nesterov=False)``;
* ``RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8)``;
* ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)``.

Each keeps one state per parameter array (a momentum buffer, a running mean
of squared gradients, ...) and has a ``step(grads)`` method.

Why it matters
--------------
Plain gradient descent crawls along shallow valleys and zig-zags across steep
ones. Momentum averages the gradients so that consistent directions build up
speed; RMSprop divides each coordinate by a running RMS of its gradients so
that every coordinate moves at a similar rate; Adam does both, and is the
default optimizer for transformers. The details (where eps goes, the bias
correction, how the first momentum step is taken) change the trajectory, and
reproducing a paper or a checkpoint needs them exactly.

The maths
---------
For each parameter p with gradient g, at step t = 1, 2, ...:

SGD (torch.optim.SGD):

    if momentum == 0:   p <- p - lr * g
    else:
        buf <- g                                       at t = 1 (no dampening)
        buf <- momentum * buf + (1 - dampening) * g    for t > 1
        d   <- g + momentum * buf    if nesterov else  buf
        p   <- p - lr * d

RMSprop (torch.optim.RMSprop, not centered, no momentum), s starts at 0:

    s <- alpha * s + (1 - alpha) * g^2
    p <- p - lr * g / (sqrt(s) + eps)          eps OUTSIDE the square root

Adam (torch.optim.Adam), m and v start at 0:

    m <- beta1 * m + (1 - beta1) * g
    v <- beta2 * v + (1 - beta2) * g^2
    m_hat = m / (1 - beta1^t)                  bias correction: m and v start
    v_hat = v / (1 - beta2^t)                  at 0 and would be too small early
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)  eps OUTSIDE the square root

On the first Adam step m_hat = g and v_hat = g^2, so every coordinate moves
by almost exactly lr, whatever the gradient's scale.

API
---
    opt = Adam([W, b], lr=1e-3)      # params: a list of float64 numpy arrays
    opt.step([dW, db])               # one update per array, IN PLACE
                                     # (W -= ..., not W = W - ...: the caller's
                                     # arrays must change)

``step`` takes the gradients in the same order as the parameters. State
(buffers, step count) lives in the optimizer, one entry per parameter.

Worked example
--------------
    >>> p = np.array([1.0, 2.0])
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> opt.step([np.array([1.0, -1.0])]); p        # buf = g
    array([0.9, 2.1])
    >>> opt.step([np.array([1.0, -1.0])]); p        # buf = 0.9 * g + g = 1.9 g
    array([0.71, 2.29])
    >>> q = np.array([0.0, 0.0]); Adam([q], lr=0.1).step([np.array([1e-3, -50.0])]); q
    array([-0.099999, 0.1])                         # ~lr per coordinate

Reference
---------
Polyak, "Some methods of speeding up the convergence of iteration methods"
(1964); Sutskever et al., "On the importance of initialization and momentum
in deep learning" (2013); Hinton, Coursera lecture 6e (RMSprop); Kingma & Ba,
"Adam: A method for stochastic optimization" (2015), Algorithm 1; the
PyTorch docs for torch.optim.SGD, RMSprop and Adam (their pseudo-code).
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum and dampening, as torch.optim.SGD."""

    def __init__(self, params: list[np.ndarray], lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False) -> None:
        self.params = params
        self.lr, self.momentum, self.dampening, self.nesterov = lr, momentum, dampening, nesterov
        self.bufs: list[np.ndarray | None] = [None] * len(params)  # one momentum buffer per parameter

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as params)."""
        raise NotImplementedError("SGD.step: not written yet (first momentum step: buf = g)")


class RMSprop:
    """RMSprop (not centered, no momentum), as torch.optim.RMSprop."""

    def __init__(self, params: list[np.ndarray], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.params = params
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square_avg = [np.zeros_like(p) for p in params]  # running mean of g^2, per parameter

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as params)."""
        raise NotImplementedError("RMSprop.step: not written yet (eps outside the sqrt)")


class Adam:
    """Adam with bias correction, as torch.optim.Adam (no weight decay, no amsgrad)."""

    def __init__(self, params: list[np.ndarray], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = params
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in params]  # first moment (mean of g)
        self.v = [np.zeros_like(p) for p in params]  # second moment (mean of g^2)
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as params)."""
        raise NotImplementedError("Adam.step: not written yet (bias-correct m and v)")
