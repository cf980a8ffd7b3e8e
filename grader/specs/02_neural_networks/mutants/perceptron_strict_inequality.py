"""Mutant: a mistake is y * score < 0 (strict), so from w = 0 nothing is ever a mistake."""

from __future__ import annotations

import numpy as np


class Perceptron:
    """A linear threshold unit trained by Rosenblatt's rule, for labels in {-1, +1}."""

    def __init__(self, lr: float = 1.0, max_epochs: int = 100) -> None:
        self.lr = lr
        self.max_epochs = max_epochs

    def fit(self, X: np.ndarray, y: np.ndarray) -> "Perceptron":
        """Train on X (N, D) and labels y (N,) in {-1, +1}; sets w_, b_, n_updates_, n_epochs_, mistakes_.

        Args:
            X: (N, D) features.
            y: (N,) labels, each -1 or +1 (raise ValueError otherwise).

        Returns:
            self, with w_ (D,), b_ (float), n_updates_ (int), n_epochs_ (int) and mistakes_ (list of int) set.
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        if not np.all(np.isin(y, (-1, 1))):
            raise ValueError("perceptron labels must be -1 or +1 (got %s)" % np.unique(y))
        self.w_ = np.zeros(X.shape[1])  # (D,)
        self.b_ = 0.0
        self.mistakes_ = []
        for _ in range(self.max_epochs):
            mistakes = 0
            for x_i, y_i in zip(X, y):
                # "<= 0": a point on the boundary is not yet classified, so w = 0 still learns
                if y_i * (x_i @ self.w_ + self.b_) < 0:
                    self.w_ += self.lr * y_i * x_i  # update at once: the next sample sees the new w
                    self.b_ += self.lr * y_i
                    mistakes += 1
            self.mistakes_.append(mistakes)
            if mistakes == 0:  # a clean pass: the training data are separated
                break
        self.n_epochs_ = len(self.mistakes_)
        self.n_updates_ = int(sum(self.mistakes_))
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores X w + b: an (N,) float array."""
        return np.asarray(X, dtype=float) @ self.w_ + self.b_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels: +1 where the score is > 0, else -1; an (N,) integer array."""
        return np.where(self.decision_function(X) > 0, 1, -1)
