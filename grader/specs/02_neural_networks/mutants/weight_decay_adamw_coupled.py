"""Mutant: AdamW adds wd * p to the gradient (coupled L2, like Adam) instead of decaying the weights."""

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
            p -= self.lr * self.direction(i, g + self.weight_decay * p)
