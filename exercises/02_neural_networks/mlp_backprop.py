"""Backpropagation by hand: a two-layer MLP in numpy, checked numerically.

Goal
----
Build a classifier with one hidden layer,

    X (N, D) -> affine W1, b1 -> ReLU or tanh -> affine W2, b2 -> logits (N, C)

and train it with softmax cross-entropy. Autograd is not allowed: you derive
and code the backward pass yourself, then prove it right with a numerical
gradient check. You write:

* ``forward``: the logits and a cache of what backward needs;
* ``softmax_cross_entropy``: the mean loss and its gradient wrt the logits;
* ``backward``: the gradients of the loss wrt W1, b1, W2, b2, given
  dL/dlogits;
* ``numerical_gradient``: central differences, the gold standard check;
* ``sgd_step``: one step of gradient descent.

Why it matters
--------------
Backpropagation is the chain rule applied layer by layer, from the loss back
to the inputs, and it is what every framework's autograd does for you. Writing
it once makes the shapes and the "sum over the batch" of bias gradients
concrete, and the gradient check is the tool to trust any hand-written
backward pass (custom CUDA kernels, fused layers) ever after.

The maths
---------
Forward (rows are samples; f is relu or tanh):

    z1 = X W1 + b1          (N, H)       W1 (D, H), b1 (H,)
    h  = f(z1)              (N, H)
    s  = h W2 + b2          (N, C)       W2 (H, C), b2 (C,)   the logits
    p  = softmax(s)         rows sum to 1
    L  = -(1/N) sum_i log p[i, y_i]

Softmax is computed stably: subtract each row's max before exponentiating
(softmax does not change, and e^s no longer overflows for s = 1000), and
log p = (s - max) - log sum_j e^(s_j - max).

Backward, from G = dL/ds (N, C):

    dL/ds   = (p - onehot(y)) / N               the famous softmax-CE gradient
    dW2     = h^T G                (H, C)
    db2     = sum over rows of G   (C,)          the bias is broadcast over rows
    dh      = G W2^T               (N, H)
    dz1     = dh * f'(z1)          relu: 1 where z1 > 0 else 0
                                   tanh: 1 - tanh(z1)^2 = 1 - h^2
    dW1     = X^T dz1              (D, H)
    db1     = sum over rows of dz1 (H,)

Gradient check: for each entry theta_k of a parameter array,

    dL/dtheta_k ~ (L(theta + h e_k) - L(theta - h e_k)) / (2 h)

with an error of O(h^2) (h = 1e-6 in float64 gives ~1e-9 agreement). Perturb
the array in place, evaluate, and put the entry back exactly as it was.

API
---
    init_params(D, H, C, rng)                 -> dict W1, b1, W2, b2 (given)
    forward(params, X, activation="relu")     -> (logits (N, C), cache)
    softmax_cross_entropy(logits, y)          -> (loss float, dlogits (N, C))
    backward(params, cache, dlogits)          -> dict of grads, same keys
                                                 and shapes as params
    loss_and_grads(params, X, y, activation)  -> (loss, grads) (given)
    numerical_gradient(f, x, h=1e-6)          -> array shaped like x
    sgd_step(params, grads, lr)               -> a NEW params dict,
                                                 p - lr * grad for each key
                                                 (the inputs are unchanged)

``activation`` is "relu" or "tanh". ``y`` holds integer class ids in [0, C).

Worked example
--------------
    >>> loss, d = softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 2]))
    >>> loss                                  # log 3: uniform over 3 classes
    1.0986122886681098
    >>> d                                     # (1/3 - onehot) / 2
    array([[-0.33333333,  0.16666667,  0.16666667],
           [ 0.16666667,  0.16666667, -0.33333333]])
    >>> x = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    array([ 3., 12.])                         # 3 x^2, up to ~1e-9

Reference
---------
Rumelhart, Hinton & Williams, "Learning representations by back-propagating
errors" (1986); Goodfellow, Bengio & Courville, *Deep Learning*, 6.5;
Stanford CS231n notes, "Backpropagation, intuitions" and "Neural networks
part 3: gradient checks".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def init_params(D: int, H: int, C: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Small random weights (scaled by 1/sqrt(fan_in)) and zero biases: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""
    return {
        "W1": rng.normal(size=(D, H)) / np.sqrt(D),
        "b1": np.zeros(H),
        "W2": rng.normal(size=(H, C)) / np.sqrt(H),
        "b2": np.zeros(C),
    }


def forward(params: dict[str, np.ndarray], X: np.ndarray, activation: str = "relu") -> tuple[np.ndarray, Any]:
    """The logits of the MLP.

    Args:
        params: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        X: (N, D) inputs.
        activation: "relu" or "tanh".

    Returns:
        (logits, cache): logits (N, C), and whatever backward needs (your choice).
    """
    raise NotImplementedError("forward: not written yet")


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient wrt the logits.

    Args:
        logits: (N, C) scores.
        y: (N,) integer class ids in [0, C).

    Returns:
        (loss, dlogits): the mean loss (a float) and dL/dlogits (N, C) = (softmax - onehot) / N.
    """
    raise NotImplementedError("softmax_cross_entropy: not written yet (subtract the row max first)")


def backward(params: dict[str, np.ndarray], cache: Any, dlogits: np.ndarray) -> dict[str, np.ndarray]:
    """Backpropagate dL/dlogits (N, C) through the MLP.

    Args:
        params: the parameters used in forward.
        cache: what forward returned with the logits.
        dlogits: (N, C) the gradient of the loss wrt the logits.

    Returns:
        {"W1": dW1 (D, H), "b1": db1 (H,), "W2": dW2 (H, C), "b2": db2 (C,)}.
    """
    raise NotImplementedError("backward: not written yet (chain rule, from the logits back to W1)")


def loss_and_grads(
    params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, activation: str = "relu"
) -> tuple[float, dict[str, np.ndarray]]:
    """The mean cross-entropy of the MLP on (X, y) and its gradients wrt every parameter."""
    logits, cache = forward(params, X, activation)
    loss, dlogits = softmax_cross_entropy(logits, y)
    return loss, backward(params, cache, dlogits)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of f() wrt the array x, which f reads (perturbed in place, then restored).

    Args:
        f: a function of no arguments returning a float; it must read x (e.g. a closure over params).
        x: a float array that f depends on; modified during the call but left exactly as it was.
        h: the step.

    Returns:
        An array shaped like x: (f(x + h e_k) - f(x - h e_k)) / (2 h) for each entry k.
    """
    raise NotImplementedError("numerical_gradient: not written yet (central differences, restore x)")


def sgd_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> dict[str, np.ndarray]:
    """One gradient-descent step: a new dict with params[k] - lr * grads[k]; the inputs are not modified."""
    raise NotImplementedError("sgd_step: not written yet")
