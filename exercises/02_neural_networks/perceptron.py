"""Rosenblatt's perceptron: the first learning rule for a neuron.

Goal
----
Write the perceptron learning algorithm for binary labels y in {-1, +1}: a
linear threshold unit with weights w and a bias b, trained one sample at a
time by Rosenblatt's mistake-driven rule. You write ``Perceptron``, with:

* ``decision_function(X)``: the scores X w + b;
* ``predict(X)``: +1 where the score is > 0, else -1;
* ``fit(X, y)``: the learning rule, epoch after epoch, until an epoch makes
  no mistake or ``max_epochs`` epochs have run.

Why it matters
--------------
The perceptron (1958) is the ancestor of every neuron in a deep network: a
weighted sum, a nonlinearity (here a hard step), and weights learned from
errors. Its convergence theorem (Novikoff, 1962) is the first learning
guarantee: if some hyperplane separates the classes with margin gamma, the
rule makes at most (R / gamma)^2 mistakes, however many samples there are.
Its failure on XOR, which no line separates, is why networks need hidden
layers (next exercise).

The maths
---------
Start from w = 0, b = 0. One epoch visits the samples in order i = 0..N-1
(no shuffling, so the result is deterministic). Sample i is a *mistake* when

    y_i (w . x_i + b) <= 0          (wrong side, or exactly on the boundary)

and only then are the weights updated, immediately, before the next sample:

    w <- w + lr * y_i * x_i
    b <- b + lr * y_i

Training stops after the first epoch with no mistake (the data are then
separated), or after ``max_epochs`` epochs, whichever comes first. On data
that no hyperplane separates (XOR) the rule never settles: it runs all
``max_epochs`` epochs and keeps making mistakes.

The "<= 0" matters: starting from w = 0 every score is 0, so with "< 0"
nothing would ever be a mistake and nothing would be learned.

Novikoff's bound: write x'_i = (x_i, 1) so the bias is one more weight. If a
unit vector u (||u|| = 1) has y_i (u . x'_i) >= gamma > 0 for every i and
R = max_i ||x'_i||, then the total number of updates is <= (R / gamma)^2.
The learning rate does not change which samples are mistakes (from zero,
w and b are just lr times larger), so the bound holds for any lr > 0.

API
---
    Perceptron(lr=1.0, max_epochs=100)
    .fit(X, y)             -> self; X is (N, D) floats, y is (N,) in {-1, +1}
                              (raise ValueError for any other label, e.g. 0/1)
    .decision_function(X)  -> (N,) scores X w + b
    .predict(X)            -> (N,) integer labels in {-1, +1}

After ``fit``, these attributes are set:

    w_           (D,) float weights
    b_           float bias
    n_updates_   int, total number of updates (mistakes) over all epochs
    n_epochs_    int, epochs run, including the final mistake-free one
    mistakes_    list[int], the number of mistakes in each epoch
                 (len(mistakes_) == n_epochs_)

Worked example
--------------
    >>> X = np.array([[2.0, 1.0], [-1.0, -1.0]]); y = np.array([1, -1])
    >>> p = Perceptron().fit(X, y)
    >>> p.w_, p.b_, p.mistakes_
    (array([2., 1.]), 1.0, [1, 0])

By hand: epoch 1, sample 0: score 0, a mistake, so w = [2, 1], b = 1;
sample 1: score -2 - 1 + 1 = -2, y * score = 2 > 0, no mistake. Epoch 2:
scores 6 and -2, both right, so training stops with n_epochs_ = 2.

Reference
---------
Rosenblatt, "The perceptron: a probabilistic model for information storage
and organization in the brain" (1958); Novikoff, "On convergence proofs for
perceptrons" (1962); Bishop, *Pattern Recognition and Machine Learning*,
4.1.7; scikit-learn's ``sklearn.linear_model.Perceptron`` (the same rule).
"""

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
        raise NotImplementedError("Perceptron.fit: not written yet (start from w = 0, b = 0; update on y * score <= 0)")

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores X w + b: an (N,) float array."""
        raise NotImplementedError("Perceptron.decision_function: not written yet")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels: +1 where the score is > 0, else -1; an (N,) integer array."""
        raise NotImplementedError("Perceptron.predict: not written yet")
