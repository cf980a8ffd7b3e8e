"""A vanilla RNN by hand: the forward unroll, backpropagation through time, and vanishing gradients.

Goal
----
Write a tanh recurrent network in numpy, unroll it over a sequence, and
differentiate it by hand with backpropagation through time (BPTT). Then use
your backward pass to watch the gradient shrink (or blow up) as it travels
back through the steps. You write:

* ``rnn_step``: one step h_t = tanh(x_t W_xh + h_{t-1} W_hh + b);
* ``rnn_forward``: the unroll over T steps, returning every hidden state;
* ``rnn_backward``: the gradients of a loss with respect to W_xh, W_hh, b,
  the initial state h0 and the inputs X, given dL/dh_t for every t;
* ``hidden_grad_norms``: the norm of dL/dh_t at every step t = 0..T when the
  loss only looks at the last state.

Why it matters
--------------
Every recurrent model (LSTM, GRU, the RNN view of a state-space model) is
trained this way: unroll, then run the chain rule backwards through time.
Because the same W_hh is used at every step, the gradient that reaches step
t has been multiplied by (diag(1 - h^2) W_hh^T) once per step in between. If
those factors are small, it decays geometrically and the network cannot
learn long-range dependencies (the *vanishing gradient*); if they are large,
it grows geometrically and training blows up (the *exploding gradient*,
tamed by gradient clipping). LSTMs and GRUs were invented to fix the first.

The maths
---------
Shapes: X is (T, B, D) (time first, as in torch.nn.RNN), h0 is (B, H),
W_xh is (D, H), W_hh is (H, H), b is (H,). Row vectors, so x W, not W x.

    a_t = x_t W_xh + h_{t-1} W_hh + b          (B, H), the pre-activation
    h_t = tanh(a_t)                            (B, H),  t = 1..T

The loss L depends on the states h_1..h_T; ``dhs[t-1]`` holds the *direct*
gradient dL/dh_t (as if h_t were an output). The *total* gradient of h_t also
includes everything that flows back from later steps through h_{t+1}. Going
backwards, with g = 0 before the last step:

    dh_t   = dhs[t-1] + g                      total gradient of h_t
    da_t   = dh_t * (1 - h_t^2)                tanh'(a) = 1 - tanh(a)^2
    dW_xh += x_t^T da_t      dW_hh += h_{t-1}^T da_t      db += sum_batch da_t
    dx_t   = da_t W_xh^T
    g      = da_t W_hh^T                       the gradient of h_{t-1}

after the loop, dL/dh0 = g. Weights are shared across steps, so their
gradients are sums over t.

Gradient norms. Let L = sum(h_T * v) for a fixed (B, H) array v, so
dL/dh_T = v and nothing else reaches the earlier states directly. Then
dL/dh_{t-1} = (dL/dh_t * (1 - h_t^2)) W_hh^T, and since |1 - h^2| <= 1:

    ||dL/dh_{t-1}|| <= sigma_max(W_hh) * ||dL/dh_t||

so with sigma_max(W_hh) < 1 the norm shrinks at least geometrically with the
distance from the loss. With large W_hh and unsaturated units it can grow.

API
---
    rnn_step(x, h, W_xh, W_hh, b)              -> (B, H) the next state
    rnn_forward(X, h0, W_xh, W_hh, b)          -> hs (T, B, H): h_1 .. h_T
    rnn_backward(dhs, X, h0, W_xh, W_hh, b, hs) -> dict with keys
        "W_xh" (D, H), "W_hh" (H, H), "b" (H,), "h0" (B, H), "X" (T, B, D)
    hidden_grad_norms(X, h0, W_xh, W_hh, b, v) -> (T + 1,) array:
        entry t is the Frobenius norm of dL/dh_t for L = sum(h_T * v),
        t = 0 (the initial state) .. T (entry T is ||v||)

Worked example
--------------
One unit, one input, W_xh = [[1]], W_hh = [[0.5]], b = [0], h0 = [[0]],
X = [[[1]], [[0]]] (T = 2):

    h_1 = tanh(1) = 0.76159,  h_2 = tanh(0.5 * 0.76159) = 0.36340
    with L = h_2 (dhs = [[[0]], [[1]]]):
    da_2 = 1 - 0.36340^2 = 0.86794;   dh_1 = 0.5 * 0.86794 = 0.43397
    da_1 = 0.43397 * (1 - 0.76159^2) = 0.18226
    dW_hh = h_1 da_2 + h_0 da_1 = 0.66102,  dW_xh = 1 * da_1 + 0 * da_2 = 0.18226
    db = da_1 + da_2 = 1.05020,  dh0 = 0.5 * da_1 = 0.09113
    hidden_grad_norms(..., v=[[1]]) = [0.09113, 0.43397, 1.0]

Reference
---------
Goodfellow, Bengio & Courville, *Deep Learning*, 10.2.2 (computing the
gradient in an RNN) and 10.7 (long-term dependencies); Pascanu, Mikolov &
Bengio, "On the difficulty of training recurrent neural networks" (2013);
torch.nn.RNN's documentation for the same recurrence.
"""

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
    raise NotImplementedError("rnn_step: not written yet")


def rnn_forward(X: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unroll the RNN over the sequence.

    Args:
        X: (T, B, D) inputs, time first.
        h0: (B, H) the initial state.
        W_xh: (D, H), W_hh: (H, H), b: (H,).

    Returns:
        hs: (T, B, H), hs[t - 1] = h_t for t = 1..T (h0 is not included).
    """
    raise NotImplementedError("rnn_forward: not written yet (loop over time, keep every state)")


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
    raise NotImplementedError("rnn_backward: not written yet (walk the steps backwards, carrying dL/dh from step t+1 to step t)")


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
    raise NotImplementedError("hidden_grad_norms: not written yet")
