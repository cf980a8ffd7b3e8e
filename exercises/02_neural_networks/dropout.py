"""Inverted dropout, with train and eval modes.

Goal
----
Write a dropout layer for numpy arrays: in training it zeroes each element
independently with probability p and scales the survivors by 1 / (1 - p); in
evaluation it is the identity. It also backpropagates, through the same mask
that its forward pass used.

Why it matters
--------------
Dropout (Srivastava et al., 2014) is the classic regulariser of neural
networks: each step trains a random thinned sub-network, so units cannot
co-adapt, and the full network at test time acts like an average of them. The
*inverted* form scales at training time so that E[output] = input in both
modes, and the test-time network needs no change at all; this is what
``torch.nn.Dropout`` does. Getting the modes wrong (dropping at eval,
forgetting the scale, a fresh mask in backward) silently hurts accuracy
without any error.

The maths
---------
Training mode, for an input x of any shape, with keep probability q = 1 - p:

    u    = rng.random(x.shape)          uniform in [0, 1), ONE draw per forward
    keep = u >= p                        True with probability 1 - p
    y    = x * keep / (1 - p)            the survivors are scaled up

so E[y] = x * (1 - p) / (1 - p) = x. The backward pass uses the same mask:

    dx = dy * keep / (1 - p)

Evaluation mode: y = x and dx = dy, and no random numbers are drawn.

Edge cases: p = 0 keeps everything (y = x); p = 1 drops everything (y = 0,
dx = 0; never divide by 1 - p = 0). In both cases no random numbers are drawn.
Any p outside [0, 1] is a ValueError.

The output has the input's shape and dtype (float32 stays float32), and the
input is not modified.

API
---
    d = Dropout(p, rng)       # rng: a np.random.Generator; d.training is True
    d.eval(); d.train()       # switch modes (set d.training)
    y = d.forward(x)          # draws a new mask in training mode (0 < p < 1)
    dx = d.backward(dy)       # through the mask of the LAST forward

Worked example
--------------
    >>> d = Dropout(0.5, np.random.default_rng(0))
    >>> np.random.default_rng(0).random(4)        # the u that forward will draw
    array([0.63696169, 0.26978671, 0.04097352, 0.01652764])
    >>> d.forward(np.array([1.0, 2.0, 3.0, 4.0]))  # keep where u >= 0.5, times 2
    array([2., 0., 0., 0.])
    >>> d.backward(np.ones(4))
    array([2., 0., 0., 0.])
    >>> d.eval(); d.forward(np.array([1.0, 2.0, 3.0, 4.0]))
    array([1., 2., 3., 4.])

Reference
---------
Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov, "Dropout: a simple
way to prevent neural networks from overfitting", JMLR 2014; Goodfellow,
Bengio & Courville, *Deep Learning*, 7.12; the PyTorch docs for
torch.nn.Dropout (inverted scaling, identity in eval mode).
"""

from __future__ import annotations

import numpy as np


class Dropout:
    """Inverted dropout: zero with probability p and scale by 1 / (1 - p) in training; identity in evaluation."""

    def __init__(self, p: float, rng: np.random.Generator) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        self.rng = rng
        self.training = True
        self.mask: np.ndarray | None = None  # keep / (1 - p) from the last forward, or None for the identity

    def train(self) -> None:
        """Switch to training mode (random masks)."""
        self.training = True

    def eval(self) -> None:
        """Switch to evaluation mode (identity)."""
        self.training = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply dropout to x (any shape): a new array with x's shape and dtype."""
        raise NotImplementedError("Dropout.forward: not written yet (u = rng.random(x.shape); keep where u >= p)")

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Gradient wrt the input of the last forward: dy through the same mask (dy itself in eval mode)."""
        raise NotImplementedError("Dropout.backward: not written yet (reuse the forward mask)")
