"""Loss functions for training networks: MSE and cross-entropy from logits.

Goal
----
Write the two losses almost every network is trained with, and their
gradients, matching PyTorch's ``F.mse_loss`` and ``F.cross_entropy``:

* ``log_softmax``: log-probabilities from logits, stable for any logits;
* ``mse_loss`` and ``mse_grad``;
* ``cross_entropy`` (integer labels, optional class weights, a reduction)
  and ``cross_entropy_grad``, its gradient wrt the logits.

Why it matters
--------------
Classifiers output *logits* (unnormalised scores), and the loss must go from
logits to log-probabilities without ever forming e^logit: e^710 is inf in
float64 (e^89 in float32), and log(softmax) is log(0) = -inf as soon as one
probability underflows. That is why PyTorch has no "softmax then log" loss:
``F.cross_entropy`` takes logits and uses log-softmax inside. Class weights
are the standard fix for imbalanced data, and their normalisation is a
classic source of silent bugs.

The maths
---------
log-softmax of a row s (C logits), with m = max_j s_j:

    log_softmax(s)_k = s_k - logsumexp(s)
    logsumexp(s)     = m + log sum_j e^(s_j - m)     every exponent <= 0

Cross-entropy for N rows with integer labels y_i in [0, C) and optional
class weights w (C,) (all ones when absent):

    l_i     = -w[y_i] * log_softmax(s_i)[y_i]
    "none"  -> the vector l (N,)
    "sum"   -> sum_i l_i
    "mean"  -> sum_i l_i / sum_i w[y_i]       (a WEIGHTED mean: divide by the
                                               total weight, not by N; with no
                                               weights this is the plain mean)

Its gradient for reduction "mean", with p_i = softmax(s_i):

    dL/ds_i = w[y_i] * (p_i - onehot(y_i)) / sum_j w[y_j]     (N, C)

Mean squared error over all elements (any shape, M elements):

    mse  = (1/M) sum (pred - target)^2   ("mean"; "sum" and "none" as above)
    dmse/dpred = 2 (pred - target) / M   (for "mean")

API
---
    log_softmax(logits)                                  -> (N, C)
    mse_loss(pred, target, reduction="mean")             -> float, or an array for "none"
    mse_grad(pred, target)                               -> like pred (mean reduction)
    cross_entropy(logits, y, weight=None, reduction="mean")
                                                         -> float, or (N,) for "none"
    cross_entropy_grad(logits, y, weight=None)           -> (N, C) (mean reduction)

``logits`` is (N, C) float64; ``y`` is (N,) integers; ``weight`` is (C,) or
None; ``reduction`` is "mean", "sum" or "none" (raise ValueError otherwise).
Nothing may overflow for logits as large as +-1e4.

Worked example
--------------
    >>> log_softmax(np.array([[1e4, 0.0, -1e4]]))
    array([[     0., -10000., -20000.]])
    >>> cross_entropy(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    0.6931471805599453                                   # log 2
    >>> cross_entropy(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0, 1]),
    ...               weight=np.array([1.0, 3.0]))
    0.5515...        # (1 * log(1 + e^-2) + 3 * log 2) / (1 + 3)

Reference
---------
Goodfellow, Bengio & Courville, *Deep Learning*, 6.2.2 (softmax units and
log-likelihood); the PyTorch docs for torch.nn.CrossEntropyLoss (the weighted
mean) and torch.nn.MSELoss; Blanchard, Higham & Higham, "Accurately computing
the log-sum-exp and softmax functions" (2021).
"""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of (N, C) logits, stable for any finite logits: (N, C)."""
    raise NotImplementedError("log_softmax: not written yet (subtract the row max first)")


def mse_loss(pred: np.ndarray, target: np.ndarray, reduction: str = "mean"):
    """Squared error (pred - target)^2 over all elements, reduced by "mean" (float), "sum" (float) or "none" (array)."""
    raise NotImplementedError("mse_loss: not written yet")


def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """d mse_loss(pred, target, "mean") / d pred = 2 (pred - target) / pred.size: shaped like pred."""
    raise NotImplementedError("mse_grad: not written yet")


def cross_entropy(logits: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, reduction: str = "mean"):
    """Cross-entropy of (N, C) logits against integer labels y (N,), optional class weights (C,).

    Returns:
        "none": (N,) per-sample losses w[y_i] * -log_softmax[i, y_i]; "sum": their sum;
        "mean": their sum divided by sum_i w[y_i] (the plain mean when weight is None).
    """
    raise NotImplementedError("cross_entropy: not written yet (use log_softmax, never log(softmax))")


def cross_entropy_grad(logits: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """d cross_entropy(logits, y, weight, "mean") / d logits: (N, C) = w[y_i] (softmax - onehot) / sum_i w[y_i]."""
    raise NotImplementedError("cross_entropy_grad: not written yet")
