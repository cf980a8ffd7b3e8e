"""Mutant: LSTM gates split in the order i, f, o, g instead of PyTorch's i, f, g, o."""

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
    i, f, o, g = gates.chunk(4, dim=1)  # each (B, H)
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
