"""LSTM and GRU cells from scratch, matching torch.nn.LSTM and torch.nn.GRU to the last digit.

Goal
----
Write the two gated recurrent cells that replaced the vanilla RNN, in the
exact parameter layout PyTorch uses, so that given an ``nn.LSTM``'s or
``nn.GRU``'s weights your functions return the same outputs and final states.
Then run an LSTM in both directions, as ``nn.LSTM(bidirectional=True)`` does.
You write:

* ``lstm_cell`` and ``lstm``: one step, and the unroll over a sequence;
* ``gru_cell`` and ``gru``: the same for the GRU;
* ``bidirectional_lstm``: a forward and a backward LSTM, outputs concatenated.

Why it matters
--------------
A vanilla RNN multiplies its gradient by W_hh^T diag(tanh') at every step, so
it vanishes over long distances. The LSTM's cell state c is updated
*additively*, c_t = f * c_{t-1} + i * g, so while the forget gate f stays near
1 the gradient flows back through c almost unchanged. The GRU gets the same
effect with one state and two gates. Knowing the exact gate layout lets you
load, inspect or port trained weights (and spot why a port gives garbage).

The maths
---------
PyTorch stacks the gates' weights into single matrices: for hidden size H and
input size D, ``weight_ih`` is (G*H, D), ``weight_hh`` is (G*H, H),
``bias_ih`` and ``bias_hh`` are (G*H,), with G = 4 for the LSTM and 3 for the
GRU. Rows 0..H-1 belong to the first gate, H..2H-1 to the second, and so on.
With sigma the logistic sigmoid and * the elementwise product:

LSTM, gate order (i, f, g, o):

    [i, f, g, o] = split(x W_ih^T + b_ih + h W_hh^T + b_hh, 4)     each (B, H)
    i = sigma(i), f = sigma(f), g = tanh(g), o = sigma(o)
    c' = f * c + i * g
    h' = o * tanh(c')

GRU, gate order (r, z, n). The input part and the hidden part are split
separately, because the reset gate r multiplies only the hidden part of n,
*bias included*:

    [x_r, x_z, x_n] = split(x W_ih^T + b_ih, 3)
    [h_r, h_z, h_n] = split(h W_hh^T + b_hh, 3)
    r = sigma(x_r + h_r),  z = sigma(x_z + h_z)
    n = tanh(x_n + r * h_n)                 # r * (W_hn h + b_hn), not W_hn (r * h)
    h' = (1 - z) * n + z * h                # z near 1 keeps the old state

(The original GRU paper applies r before the matrix product; PyTorch and
cuDNN apply it after, which is what you must match.)

Sequences are time first: X is (T, B, D). The initial states default to zeros.
A bidirectional LSTM runs one LSTM (its own weights) left to right and another
right to left (feed it X reversed in time, then reverse its outputs back), and
concatenates the two outputs at each position: output[t] = [h_fwd_t, h_bwd_t],
shape (T, B, 2H). At position t the backward half has read x_T .. x_t.

API
---
    lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh) -> (h', c'), each (B, H)
    lstm(X, weight_ih, weight_hh, bias_ih, bias_hh, h0=None, c0=None)
        -> (output (T, B, H), (h_n (B, H), c_n (B, H)))
    gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh) -> h' (B, H)
    gru(X, weight_ih, weight_hh, bias_ih, bias_hh, h0=None) -> (output (T, B, H), h_n (B, H))
    bidirectional_lstm(X, forward, backward) -> (output (T, B, 2H), (h_n (2, B, H), c_n (2, B, H)))
        forward / backward: (weight_ih, weight_hh, bias_ih, bias_hh) tuples; h_n[0] is the forward
        direction's final state (after x_T), h_n[1] the backward one's (after x_1), as in nn.LSTM.

To check against PyTorch: ``m = nn.LSTM(D, H)``; the weights are
``m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0`` (and the same
names with ``_reverse`` for the backward direction); ``m(X)`` returns
``output, (h_n, c_n)`` with h_n of shape (num_directions, B, H).

Worked example
--------------
LSTM with H = D = 1, all weights 0, bias_ih = [log 3, -log 3, 0.5, 0],
bias_hh = 0, h = 0, c = 2: i = 0.75, f = 0.25, g = tanh(0.5) = 0.46212,
o = 0.5, so c' = 0.25 * 2 + 0.75 * 0.46212 = 0.84659 and
h' = 0.5 * tanh(0.84659) = 0.34445.

Reference
---------
Hochreiter & Schmidhuber, "Long Short-Term Memory" (1997); Cho et al.,
"Learning Phrase Representations using RNN Encoder-Decoder" (2014, the GRU);
Olah, "Understanding LSTM Networks" (2015); the torch.nn.LSTM and torch.nn.GRU
documentation, which give these exact equations.
"""

from __future__ import annotations

import torch

Weights = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # (weight_ih, weight_hh, bias_ih, bias_hh)


def lstm_cell(
    x: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step in PyTorch's layout (gates i, f, g, o).

    Args:
        x: (B, D) input; h, c: (B, H) previous hidden and cell states.
        weight_ih: (4H, D), weight_hh: (4H, H), bias_ih, bias_hh: (4H,).

    Returns:
        (h', c'), each (B, H).
    """
    gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh  # (B, 4H), all four gates in one product
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g  # (B, H) additive update: the gradient highway
    h_new = o * torch.tanh(c_new)  # (B, H)
    return h_new, c_new


def lstm(
    X: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
    h0: torch.Tensor | None = None,
    c0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """Run the LSTM over a time-first sequence.

    Args:
        X: (T, B, D).
        weight_ih, weight_hh, bias_ih, bias_hh: as in ``lstm_cell``.
        h0, c0: (B, H) initial states, zeros when None.

    Returns:
        (output, (h_n, c_n)): output (T, B, H) holds h_1..h_T; h_n, c_n (B, H) are the last states.
    """
    B, H = X.shape[1], weight_hh.shape[1]
    h = X.new_zeros(B, H) if h0 is None else h0
    c = X.new_zeros(B, H) if c0 is None else c0
    outputs = []
    for x in X:  # x: (B, D)
        h, c = lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)  # (T, B, H), ((B, H), (B, H))


def gru_cell(
    x: torch.Tensor,
    h: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
) -> torch.Tensor:
    """One GRU step in PyTorch's layout (gates r, z, n; r applied to W_hn h + b_hn).

    Args:
        x: (B, D) input; h: (B, H) previous state.
        weight_ih: (3H, D), weight_hh: (3H, H), bias_ih, bias_hh: (3H,).

    Returns:
        h': (B, H).
    """
    x_r, x_z, x_n = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)  # each (B, H)
    h_r, h_z, h_n = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)  # each (B, H), kept apart from the input part
    r = torch.sigmoid(x_r + h_r)  # reset gate
    z = torch.sigmoid(x_z + h_z)  # update gate
    n = torch.tanh(x_n + r * h_n)  # candidate: r gates the hidden contribution, its bias included
    return (1 - z) * n + z * h  # (B, H)


def gru(
    X: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
    h0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the GRU over a time-first sequence.

    Args:
        X: (T, B, D); weights as in ``gru_cell``; h0: (B, H), zeros when None.

    Returns:
        (output (T, B, H), h_n (B, H)).
    """
    B, H = X.shape[1], weight_hh.shape[1]
    h = X.new_zeros(B, H) if h0 is None else h0
    outputs = []
    for x in X:
        h = gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)  # (B, H)
        outputs.append(h)
    return torch.stack(outputs), h


def bidirectional_lstm(
    X: torch.Tensor, forward: Weights, backward: Weights
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """A bidirectional LSTM, as nn.LSTM(bidirectional=True) with zero initial states.

    Args:
        X: (T, B, D).
        forward, backward: (weight_ih, weight_hh, bias_ih, bias_hh) of each direction.

    Returns:
        (output (T, B, 2H), (h_n (2, B, H), c_n (2, B, H))): output[t] = [forward h_t, backward h_t].
    """
    out_f, (h_f, c_f) = lstm(X, *forward)  # (T, B, H), reads x_1 .. x_T
    out_b, (h_b, c_b) = lstm(X.flip(0), *backward)  # (T, B, H), reads x_T .. x_1
    out_b = out_b.flip(0)  # realign: out_b[t] has now read x_T .. x_t
    output = torch.cat([out_f, out_b], dim=-1)  # (T, B, 2H)
    return output, (torch.stack([h_f, h_b]), torch.stack([c_f, c_b]))  # (2, B, H) each
