"""Mutant: the mask keeps where u < p, so units survive with probability p instead of 1 - p."""

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
        if not self.training or self.p == 0.0:
            self.mask = None  # identity: nothing to remember, no random numbers used
            return x.copy()
        if self.p == 1.0:
            self.mask = np.zeros_like(x)  # everything dropped; 1 / (1 - p) would be a division by zero
            return np.zeros_like(x)
        keep = self.rng.random(x.shape) < self.p  # True with probability 1 - p
        self.mask = (keep / (1.0 - self.p)).astype(x.dtype)  # scale now so E[y] = x, and eval needs nothing
        return x * self.mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Gradient wrt the input of the last forward: dy through the same mask (dy itself in eval mode)."""
        return dy.copy() if self.mask is None else dy * self.mask
