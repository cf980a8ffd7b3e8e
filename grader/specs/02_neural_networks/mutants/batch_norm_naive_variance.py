"""Mutant: the batch variance is mean(x**2) - mu**2, which cancels catastrophically when |mu| >> std."""

from __future__ import annotations

import numpy as np


class BatchNorm1d:
    """Batch normalization over the first axis of (N, D) inputs, with running statistics for evaluation."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.eps, self.momentum = eps, momentum
        self.gamma = np.ones(num_features)  # (D,) scale
        self.beta = np.zeros(num_features)  # (D,) shift
        self.running_mean = np.zeros(num_features)  # (D,)
        self.running_var = np.ones(num_features)  # (D,)
        self.training = True
        self._cache = None  # what backward needs from the last forward

    def train(self) -> None:
        """Switch to training mode (batch statistics, running averages updated)."""
        self.training = True

    def eval(self) -> None:
        """Switch to evaluation mode (running statistics, nothing updated)."""
        self.training = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalise x (N, D) per feature, then scale by gamma and shift by beta: (N, D)."""
        if self.training:
            N = x.shape[0]
            if N < 2:
                raise ValueError("batch norm in training mode needs more than 1 sample per feature")
            mu = x.mean(axis=0)  # (D,)
            xc = x - mu  # (N, D) centred first: two passes avoid mean(x^2) - mu^2 cancellation
            var = (x ** 2).mean(axis=0) - mu ** 2
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * N / (N - 1)
        else:
            xc = x - self.running_mean  # (N, D)
            var = self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)  # (D,)
        x_hat = xc * inv_std  # (N, D)
        self._cache = (x_hat, inv_std, self.training)
        return self.gamma * x_hat + self.beta

    def backward(self, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradients for the last forward: (dx (N, D), dgamma (D,), dbeta (D,))."""
        x_hat, inv_std, training = self._cache
        dbeta = dy.sum(axis=0)  # (D,)
        dgamma = (dy * x_hat).sum(axis=0)  # (D,)
        g = dy * self.gamma  # (N, D) gradient wrt x_hat
        if not training:
            return g * inv_std, dgamma, dbeta  # statistics are constants in eval mode
        N = dy.shape[0]
        # mu and var depend on every x_i: remove the mean of g and its component along x_hat
        dx = inv_std / N * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
        return dx, dgamma, dbeta
