"""Weight decay: L2 in the gradient (Adam) versus decoupled decay (AdamW).

Goal
----
Add weight decay to Adam in the two ways PyTorch offers, and see that they
are different algorithms:

* ``Adam(params, lr, weight_decay=wd)``: *coupled* L2 regularisation, as
  ``torch.optim.Adam(weight_decay=wd)``: the penalty's gradient wd * p is
  added to the loss gradient, and the sum goes through Adam's moments;
* ``AdamW(params, lr, weight_decay=wd)``: *decoupled* weight decay, as
  ``torch.optim.AdamW``: the weights shrink by the factor (1 - lr * wd)
  directly, and Adam only ever sees the loss gradient.

The Adam machinery itself (moments, bias correction, eps) is given in
``AdamCore``; you write the two ``step`` methods.

Why it matters
--------------
For plain SGD the two are the same thing: p - lr (g + wd p) =
(1 - lr wd) p - lr g. For Adam they are not. Adam divides each coordinate's
step by the RMS of its gradients, so the L2 term wd * p is divided too:
weights with large gradients are barely regularised, and a weight with no
loss gradient at all moves by ~lr per step whatever wd is. Loshchilov &
Hutter (2019) showed that decoupling the decay fixes this and improves
generalisation; AdamW is the default optimizer for training transformers and
LLMs (with weight_decay around 0.1).

The maths
---------
``AdamCore.direction(i, g)`` updates the moments of parameter i with the
gradient g it is given and returns Adam's normalised step
m_hat / (sqrt(v_hat) + eps). Call ``self.t += 1`` once per ``step`` (before
the directions), as the core's bias correction reads ``self.t``.

Adam with L2 (coupled), per parameter p with loss gradient g:

    g' = g + wd * p                 the penalty's gradient joins the moments
    p  <- p - lr * direction(g')

AdamW (decoupled):

    p  <- p * (1 - lr * wd)         decay the weights first (torch multiplies
                                    by lr too, not by wd alone)
    p  <- p - lr * direction(g)     Adam sees only the loss gradient

Update the caller's arrays in place (p *= ..., p -= ...).

Consequence, for a parameter with zero loss gradient: AdamW shrinks it
geometrically, p_t = p_0 (1 - lr wd)^t; Adam-L2 sees g' = wd p, whose
normalised direction is ~sign(p), so p moves ~lr per step, independent of wd.

API
---
    Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)
    opt.step(grads)          # grads: loss gradients, one per parameter, in order

Both subclass ``AdamCore`` (given): ``self.params``, ``self.lr``,
``self.weight_decay``, ``self.t`` and ``self.direction(i, g)``.

Worked example
--------------
    >>> p = np.array([1.0, -2.0])
    >>> opt = AdamW([p], lr=0.1, weight_decay=0.5)
    >>> for _ in range(3): opt.step([np.zeros(2)])
    >>> p                                      # (1 - 0.05)^3 = 0.857375
    array([ 0.857375, -1.71475 ])
    >>> q = np.array([1.0, -2.0])
    >>> Adam([q], lr=0.1, weight_decay=0.5).step([np.zeros(2)]); q
    array([ 0.9, -1.9])                        # ~lr per coordinate

Reference
---------
Loshchilov & Hutter, "Decoupled weight decay regularization" (ICLR 2019);
Kingma & Ba, "Adam: a method for stochastic optimization" (2015); the PyTorch
docs for torch.optim.Adam (weight_decay) and torch.optim.AdamW (their
pseudo-code).
"""

from __future__ import annotations

import numpy as np


class AdamCore:
    """Adam's moment estimates and normalised direction, shared by Adam and AdamW (given)."""

    def __init__(self, params: list[np.ndarray], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        self.params = params
        self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0  # the step count; increment it once at the start of each step

    def direction(self, i: int, g: np.ndarray) -> np.ndarray:
        """Update parameter i's moments with g; return m_hat / (sqrt(v_hat) + eps) for the current self.t."""
        self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
        self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
        m_hat = self.m[i] / (1 - self.beta1 ** self.t)
        v_hat = self.v[i] / (1 - self.beta2 ** self.t)
        return m_hat / (np.sqrt(v_hat) + self.eps)


class Adam(AdamCore):
    """Adam with coupled L2 regularisation, as torch.optim.Adam(weight_decay=...)."""

    def step(self, grads: list[np.ndarray]) -> None:
        """One update of every parameter, in place, from the loss gradients (same order as params)."""
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = g + self.weight_decay * p  # the L2 penalty's gradient goes through the moments (and gets normalised)
            p -= self.lr * self.direction(i, g)


class AdamW(AdamCore):
    """Adam with decoupled weight decay, as torch.optim.AdamW."""

    def __init__(self, params: list[np.ndarray], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def step(self, grads: list[np.ndarray]) -> None:
        """One update of every parameter, in place, from the loss gradients (same order as params)."""
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            p *= 1 - self.lr * self.weight_decay  # decay the weights directly, outside Adam's normalisation
            p -= self.lr * self.direction(i, g)  # Adam sees only the loss gradient
