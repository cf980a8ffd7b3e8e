"""Batch normalization: forward, backward and running statistics, like nn.BatchNorm1d.

Goal
----
Write a batch-norm layer for (N, D) activations in numpy that behaves exactly
like ``torch.nn.BatchNorm1d(D)``: the same outputs, the same gradients
(dx, dgamma, dbeta), the same running statistics, in training and in
evaluation mode.

Why it matters
--------------
Batch norm (Ioffe & Szegedy, 2015) normalises every feature over the batch,
which keeps activations well scaled through deep networks and allows much
larger learning rates. It is also the layer whose train/eval difference bites
most often: in training it uses the batch's statistics (and its gradient flows
through them), in evaluation it uses running averages gathered during
training, and PyTorch stores the UNBIASED variance in those averages while it
normalises with the biased one.

The maths
---------
Training mode, for x of shape (N, D), per feature (column) j:

    mu      = (1/N) sum_i x_ij                       (D,)
    var     = (1/N) sum_i (x_ij - mu_j)^2            biased, for normalising
    x_hat   = (x - mu) / sqrt(var + eps)             (N, D)
    y       = gamma * x_hat + beta                   gamma, beta: (D,)

    running_mean <- (1 - momentum) * running_mean + momentum * mu
    running_var  <- (1 - momentum) * running_var  + momentum * var * N / (N - 1)
                                                     (unbiased, as torch)

Compute var as the mean of (x - mu)^2 (two passes), not as
mean(x^2) - mu^2: the latter cancels catastrophically when |mu| >> std.
Training needs N >= 2 (the unbiased variance divides by N - 1; torch raises
ValueError for N = 1, and so should you).

Evaluation mode: y = gamma * (x - running_mean) / sqrt(running_var + eps)
+ beta, and the running statistics do not change.

Backward, from dy (N, D). dbeta = sum_i dy, dgamma = sum_i dy * x_hat. In
training mu and var depend on every x_i, so with g = dy * gamma and
inv_std = 1 / sqrt(var + eps):

    dx = (inv_std / N) * (N g - sum_i g - x_hat * sum_i (g * x_hat))

(each sum over the batch, per feature). In evaluation the statistics are
constants, so dx = dy * gamma / sqrt(running_var + eps).

API
---
    bn = BatchNorm1d(D, eps=1e-5, momentum=0.1)
    bn.gamma, bn.beta                   (D,) parameters, start at 1 and 0
    bn.running_mean, bn.running_var     (D,) start at 0 and 1
    bn.training                         True; bn.train() / bn.eval() switch
    y = bn.forward(x)                   (N, D) -> (N, D)
    dx, dgamma, dbeta = bn.backward(dy) for the LAST forward call

Worked example
--------------
    >>> bn = BatchNorm1d(1, eps=0.0)
    >>> bn.gamma[:] = 2.0; bn.beta[:] = 1.0
    >>> bn.forward(np.array([[1.0], [3.0]]))        # mu 2, var 1
    array([[-1.], [ 3.]])                           # 2 * [-1, 1] + 1
    >>> bn.running_mean, bn.running_var             # unbiased var = 2
    (array([0.2]), array([1.1]))                    # 0.9 * 0 + 0.1 * 2; 0.9 * 1 + 0.1 * 2

Reference
---------
Ioffe & Szegedy, "Batch normalization: accelerating deep network training by
reducing internal covariate shift" (ICML 2015), Algorithm 1; the PyTorch docs
for torch.nn.BatchNorm1d (momentum convention, unbiased running variance);
Kratzert, "Understanding the backward pass through batch normalization layer"
(2016).
"""

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
            var = (xc ** 2).mean(axis=0)  # (D,) biased, used to normalise
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
