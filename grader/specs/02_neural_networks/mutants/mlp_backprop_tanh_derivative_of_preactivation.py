"""Mutant: the tanh derivative uses the pre-activation: 1 - z1**2 instead of 1 - tanh(z1)**2."""

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
    z1 = X @ params["W1"] + params["b1"]  # (N, H)
    if activation == "relu":
        h = np.maximum(z1, 0.0)  # (N, H)
    elif activation == "tanh":
        h = np.tanh(z1)  # (N, H)
    else:
        raise ValueError(f"unknown activation {activation!r}")
    logits = h @ params["W2"] + params["b2"]  # (N, C)
    return logits, (X, z1, h, activation)


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient wrt the logits.

    Args:
        logits: (N, C) scores.
        y: (N,) integer class ids in [0, C).

    Returns:
        (loss, dlogits): the mean loss (a float) and dL/dlogits (N, C) = (softmax - onehot) / N.
    """
    N = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C), max 0 per row: e^shifted <= 1
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[np.arange(N), y].mean()
    dlogits = np.exp(log_probs)  # (N, C) softmax
    dlogits[np.arange(N), y] -= 1.0
    return float(loss), dlogits / N  # the 1/N of the mean


def backward(params: dict[str, np.ndarray], cache: Any, dlogits: np.ndarray) -> dict[str, np.ndarray]:
    """Backpropagate dL/dlogits (N, C) through the MLP.

    Args:
        params: the parameters used in forward.
        cache: what forward returned with the logits.
        dlogits: (N, C) the gradient of the loss wrt the logits.

    Returns:
        {"W1": dW1 (D, H), "b1": db1 (H,), "W2": dW2 (H, C), "b2": db2 (C,)}.
    """
    X, z1, h, activation = cache
    dW2 = h.T @ dlogits  # (H, C)
    db2 = dlogits.sum(axis=0)  # (C,): b2 was broadcast over the N rows, so its gradient sums them
    dh = dlogits @ params["W2"].T  # (N, H)
    if activation == "relu":
        dz1 = dh * (z1 > 0)  # ReLU passes the gradient only where it was active
    else:
        dz1 = dh * (1.0 - z1 ** 2)  # tanh'(z) = 1 - tanh(z)^2, from the cached output
    dW1 = X.T @ dz1  # (D, H)
    db1 = dz1.sum(axis=0)  # (H,)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


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
    grad = np.zeros_like(x, dtype=float)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        f_plus = f()
        x[k] = old - h
        f_minus = f()
        x[k] = old  # restore exactly (old +- h - h can differ from old by rounding)
        grad[k] = (f_plus - f_minus) / (2 * h)
    return grad


def sgd_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> dict[str, np.ndarray]:
    """One gradient-descent step: a new dict with params[k] - lr * grads[k]; the inputs are not modified."""
    return {k: params[k] - lr * grads[k] for k in params}
