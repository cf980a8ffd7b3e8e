"""Mutant: tanh' evaluated at the previous state h_{t-1} instead of h_t."""

from __future__ import annotations

import numpy as np


def rnn_step(x: np.ndarray, h: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One step: tanh(x W_xh + h W_hh + b).

    Args:
        x: (B, D) inputs at this step.
        h: (B, H) the previous state.
        W_xh: (D, H), W_hh: (H, H), b: (H,).

    Returns:
        (B, H) the new state.
    """
    return np.tanh(x @ W_xh + h @ W_hh + b)  # (B, H)


def rnn_forward(X: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unroll the RNN over the sequence.

    Args:
        X: (T, B, D) inputs, time first.
        h0: (B, H) the initial state.
        W_xh: (D, H), W_hh: (H, H), b: (H,).

    Returns:
        hs: (T, B, H), hs[t - 1] = h_t for t = 1..T (h0 is not included).
    """
    hs = []
    h = h0
    for x in X:  # x: (B, D)
        h = rnn_step(x, h, W_xh, W_hh, b)  # (B, H)
        hs.append(h)
    return np.stack(hs)  # (T, B, H)


def rnn_backward(
    dhs: np.ndarray,
    X: np.ndarray,
    h0: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b: np.ndarray,
    hs: np.ndarray,
) -> dict[str, np.ndarray]:
    """Backpropagation through time.

    Args:
        dhs: (T, B, H) the direct gradients dL/dh_t (not including what flows back from later steps).
        X, h0, W_xh, W_hh, b: as in ``rnn_forward``.
        hs: (T, B, H) the states ``rnn_forward`` returned.

    Returns:
        {"W_xh": (D, H), "W_hh": (H, H), "b": (H,), "h0": (B, H), "X": (T, B, D)}: dL/d of each.
    """
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b)
    dX = np.zeros_like(X)
    g = np.zeros_like(h0)  # gradient arriving at h_t from step t + 1; none beyond the last step
    for t in reversed(range(len(X))):
        h_prev = hs[t - 1] if t > 0 else h0  # (B, H), the state this step read
        dh = dhs[t] + g  # (B, H) total gradient of h_t
        da = dh * (1.0 - h_prev ** 2)  # (B, H) through tanh, whose derivative uses its OUTPUT h_t
        dW_xh += X[t].T @ da  # (D, H) shared weights: sum over steps
        dW_hh += h_prev.T @ da  # (H, H)
        db += da.sum(axis=0)  # (H,)
        dX[t] = da @ W_xh.T  # (B, D)
        g = da @ W_hh.T  # (B, H) what reaches h_{t-1}
    return {"W_xh": dW_xh, "W_hh": dW_hh, "b": db, "h0": g, "X": dX}


def hidden_grad_norms(
    X: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """||dL/dh_t|| for t = 0..T, where L = sum(h_T * v) looks only at the last state.

    Args:
        X, h0, W_xh, W_hh, b: as in ``rnn_forward``.
        v: (B, H) the gradient dL/dh_T.

    Returns:
        (T + 1,) Frobenius norms; entry 0 is for h0, entry T is ||v||.
    """
    hs = rnn_forward(X, h0, W_xh, W_hh, b)  # (T, B, H)
    T = len(X)
    norms = np.zeros(T + 1)
    g = v  # dL/dh_T
    norms[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        g = (g * (1.0 - hs[t - 1] ** 2)) @ W_hh.T  # dL/dh_{t-1}: one tanh' and one W_hh^T per step
        norms[t - 1] = np.linalg.norm(g)
    return norms
