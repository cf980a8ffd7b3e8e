"""Mutant: RMSprop divides by sqrt(s + eps) instead of sqrt(s) + eps."""

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
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.momentum != 0:
                if self.bufs[i] is None:
                    self.bufs[i] = g.copy()  # the first step starts the buffer at g, with no dampening
                else:
                    self.bufs[i] = self.momentum * self.bufs[i] + (1 - self.dampening) * g
                g = g + self.momentum * self.bufs[i] if self.nesterov else self.bufs[i]
            p -= self.lr * g  # in place: the caller's array moves


class RMSprop:
    """RMSprop (not centered, no momentum), as torch.optim.RMSprop."""

    def __init__(self, params: list[np.ndarray], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.params = params
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square_avg = [np.zeros_like(p) for p in params]  # running mean of g^2, per parameter

    def step(self, grads: list[np.ndarray]) -> None:
        """Update every parameter in place from its gradient (same order as params)."""
        for p, g, s in zip(self.params, grads, self.square_avg):
            s *= self.alpha
            s += (1 - self.alpha) * g * g  # s <- alpha s + (1 - alpha) g^2, in place in the state
            p -= self.lr * g / np.sqrt(s + self.eps)  # eps outside the sqrt, as torch


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
        self.t += 1
        bc1 = 1 - self.beta1 ** self.t  # bias corrections: m, v start at 0
        bc2 = 1 - self.beta2 ** self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            m_hat, v_hat = m / bc1, v / bc2
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
