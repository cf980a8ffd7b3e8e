"""Spec for 02_neural_networks/lstm_gru.py: LSTM/GRU cells and sequences vs torch.nn, and a bidirectional LSTM."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from grader.testing import assert_close, assert_shape, check

LSTM_HINT = ("PyTorch's layout: gates = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh, split into FOUR "
             "chunks in the order i, f, g, o (sigmoid, sigmoid, tanh, sigmoid); c' = f * c + i * g; h' = o * tanh(c')")
GRU_HINT = ("PyTorch's layout: split x @ weight_ih.T + bias_ih and h @ weight_hh.T + bias_hh into (r, z, n) chunks "
            "SEPARATELY; r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r * h_n) with r multiplying "
            "the whole hidden part (bias_hn included), h' = (1 - z) * n + z * h")


def _weights(m: nn.Module, suffix: str = "") -> tuple[torch.Tensor, ...]:
    return tuple(getattr(m, f"{name}_l0{suffix}").detach() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def _cell_weights(m: nn.Module) -> tuple[torch.Tensor, ...]:
    return m.weight_ih.detach(), m.weight_hh.detach(), m.bias_ih.detach(), m.bias_hh.detach()


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randomise(m: nn.Module, g: torch.Generator, scale: float = 0.6) -> nn.Module:
    """Draw every parameter from N(0, scale^2) with the test's generator (biases non-zero, so a misplaced one shows)."""
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * scale)
    return m


def test_lstm_cell_by_hand(learner):
    """H = D = 1, zero weights, bias_ih = [log 3, -log 3, 0.5, 0], h = 0, c = 2: i = 0.75, f = 0.25, g = tanh(0.5),
    o = 0.5, so c' = 0.5 + 0.75 tanh(0.5) and h' = 0.5 tanh(c')."""
    z = torch.zeros(4, 1, dtype=torch.float64)
    b_ih = torch.tensor([math.log(3.0), -math.log(3.0), 0.5, 0.0], dtype=torch.float64)
    h, c = learner.lstm_cell(torch.ones(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64),
                             torch.full((1, 1), 2.0, dtype=torch.float64), z, z, b_ih, torch.zeros(4, dtype=torch.float64))
    c_exp = 0.25 * 2.0 + 0.75 * math.tanh(0.5)
    hint = "the four gates are stacked in the order i, f, g, o: " + LSTM_HINT
    assert_close(c, [[c_exp]], atol=1e-12, name="c'", hint=hint)
    assert_close(h, [[0.5 * math.tanh(c_exp)]], atol=1e-12, name="h'",
                 hint="h' = o * tanh(c') uses the NEW cell state. " + hint)


def test_gru_cell_by_hand(learner):
    """H = D = 1, h = 1: r = 0.5, z = 0.25, b_in = 0.2, W_hn = 1, b_hn = 0.4 gives n = tanh(0.2 + 0.5 (1 + 0.4)) and
    h' = 0.75 n + 0.25."""
    f64 = dict(dtype=torch.float64)
    w_ih = torch.zeros(3, 1, **f64)
    w_hh = torch.tensor([[0.0], [0.0], [1.0]], **f64)
    b_ih = torch.tensor([0.0, -math.log(3.0), 0.2], **f64)
    b_hh = torch.tensor([0.0, 0.0, 0.4], **f64)
    h = learner.gru_cell(torch.ones(1, 1, **f64), torch.ones(1, 1, **f64), w_ih, w_hh, b_ih, b_hh)
    n = math.tanh(0.2 + 0.5 * (1.0 + 0.4))
    expected = 0.75 * n + 0.25
    hint = GRU_HINT
    got = float(h.reshape(-1)[0])
    if abs(got - (0.75 * math.tanh(0.2 + 0.5 * 1.0 + 0.4) + 0.25)) < 1e-9:
        hint = ("the reset gate was applied before the product (W_hn (r * h) + b_hn), as in the GRU paper; PyTorch "
                "uses r * (W_hn h + b_hn). " + GRU_HINT)
    elif abs(got - (0.25 * n + 0.75)) < 1e-9:
        hint = "z and 1 - z are swapped: h' = (1 - z) * n + z * h, so z near 1 KEEPS the old state. " + GRU_HINT
    assert_close(h, [[expected]], atol=1e-12, name="gru_cell h'", hint=hint)


def test_lstm_cell_matches_nn_lstmcell(learner, seed):
    """lstm_cell equals torch.nn.LSTMCell with random weights and states (float64, atol 1e-10)."""
    g = _gen(seed)
    cell = _randomise(nn.LSTMCell(3, 5).double(), g)
    x, h, c = (torch.randn(4, k, generator=g, dtype=torch.float64) for k in (3, 5, 5))
    h_exp, c_exp = cell(x, (h, c))
    h_got, c_got = learner.lstm_cell(x, h, c, *_cell_weights(cell))
    assert_shape(h_got, (4, 5), name="h'")
    assert_close(c_got, c_exp, atol=1e-10, name="c' vs nn.LSTMCell", hint=LSTM_HINT)
    assert_close(h_got, h_exp, atol=1e-10, name="h' vs nn.LSTMCell", hint=LSTM_HINT)


def test_gru_cell_matches_nn_grucell(learner, seed):
    """gru_cell equals torch.nn.GRUCell with random weights and state (float64, atol 1e-10)."""
    g = _gen(seed)
    cell = _randomise(nn.GRUCell(3, 5).double(), g)
    x, h = torch.randn(4, 3, generator=g, dtype=torch.float64), torch.randn(4, 5, generator=g, dtype=torch.float64)
    got = learner.gru_cell(x, h, *_cell_weights(cell))
    assert_shape(got, (4, 5), name="h'")
    assert_close(got, cell(x, h), atol=1e-10, name="h' vs nn.GRUCell", hint=GRU_HINT)


@pytest.mark.points(2)
def test_lstm_sequence_matches_nn_lstm(learner, seed):
    """lstm(X, ...) returns nn.LSTM's output and (h_n, c_n): float64 with given initial states (atol 1e-10), and
    float32 from zero states (atol 1e-6)."""
    g = _gen(seed)
    T, B, D, H = 6, 3, 4, 5
    m = _randomise(nn.LSTM(D, H).double(), g)
    X = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    h0, c0 = torch.randn(1, B, H, generator=g, dtype=torch.float64), torch.randn(1, B, H, generator=g, dtype=torch.float64)
    with torch.no_grad():
        out_exp, (hn_exp, cn_exp) = m(X, (h0, c0))
        out, (hn, cn) = learner.lstm(X, *_weights(m), h0[0], c0[0])
    assert_shape(out, (T, B, H), name="output", hint="output stacks h_1..h_T along the first (time) axis")
    assert_shape(hn, (B, H), name="h_n", hint="h_n and c_n are (B, H): the states after the last step")
    assert_close(out, out_exp, atol=1e-10, name="output vs nn.LSTM", hint=LSTM_HINT + "; start from h0, c0")
    assert_close(hn, hn_exp[0], atol=1e-10, name="h_n", hint="h_n is the hidden state after x_T (= output[-1])")
    assert_close(cn, cn_exp[0], atol=1e-10, name="c_n", hint="c_n is the cell state after x_T")

    m32 = nn.LSTM(D, H)
    m32.load_state_dict({k: v.float() for k, v in m.state_dict().items()})
    X32 = X.float()
    with torch.no_grad():
        out_exp, (hn_exp, cn_exp) = m32(X32)
        out, (hn, cn) = learner.lstm(X32, *_weights(m32))
    check(out.dtype == torch.float32, f"float32 inputs gave a {out.dtype} output.",
          hint="create the zero initial states with X's dtype, e.g. X.new_zeros(B, H)")
    assert_close(out, out_exp, atol=1e-6, rtol=0, name="float32 output vs nn.LSTM",
                 hint="with h0 = c0 = None the initial states are zeros")
    assert_close(cn, cn_exp[0], atol=1e-6, rtol=0, name="float32 c_n")


@pytest.mark.points(2)
def test_gru_sequence_matches_nn_gru(learner, seed):
    """gru(X, ...) returns nn.GRU's output and h_n: float64 with a given h0 (atol 1e-10), float32 from zeros (1e-6)."""
    g = _gen(seed)
    T, B, D, H = 6, 3, 4, 5
    m = _randomise(nn.GRU(D, H).double(), g)
    X = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    h0 = torch.randn(1, B, H, generator=g, dtype=torch.float64)
    with torch.no_grad():
        out_exp, hn_exp = m(X, h0)
        out, hn = learner.gru(X, *_weights(m), h0[0])
    assert_shape(out, (T, B, H), name="output")
    assert_shape(hn, (B, H), name="h_n")
    assert_close(out, out_exp, atol=1e-10, name="output vs nn.GRU", hint=GRU_HINT)
    assert_close(hn, hn_exp[0], atol=1e-10, name="h_n vs nn.GRU", hint="h_n is the state after x_T")

    m32 = nn.GRU(D, H)
    m32.load_state_dict({k: v.float() for k, v in m.state_dict().items()})
    with torch.no_grad():
        out_exp, _ = m32(X.float())
        out, _ = learner.gru(X.float(), *_weights(m32))
    assert_close(out, out_exp, atol=1e-6, rtol=0, name="float32 output vs nn.GRU",
                 hint="with h0 = None the initial state is zeros of X's dtype")


@pytest.mark.points(2)
def test_bidirectional_lstm_matches_nn_lstm(learner, seed):
    """bidirectional_lstm equals nn.LSTM(bidirectional=True): output (T, B, 2H), h_n and c_n (2, B, H) (atol 1e-10)."""
    g = _gen(seed)
    T, B, D, H = 5, 2, 3, 4
    m = _randomise(nn.LSTM(D, H, bidirectional=True).double(), g)
    X = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    with torch.no_grad():
        out_exp, (hn_exp, cn_exp) = m(X)
        out, (hn, cn) = learner.bidirectional_lstm(X, _weights(m), _weights(m, "_reverse"))
    assert_shape(out, (T, B, 2 * H), name="output", hint="concatenate the two directions on the last axis")
    assert_shape(hn, (2, B, H), name="h_n", hint="stack the two final states: [forward, backward]")
    hint = ("run the backward LSTM on X.flip(0), then flip its outputs back so position t holds the state that has "
            "read x_T .. x_t; output[t] = cat([forward h_t, backward h_t])")
    assert_close(out[..., :H], out_exp[..., :H], atol=1e-10, name="forward half of output",
                 hint="the first H features are the forward LSTM (weights without _reverse)")
    assert_close(out[..., H:], out_exp[..., H:], atol=1e-10, name="backward half of output", hint=hint)
    assert_close(hn, hn_exp, atol=1e-10, name="h_n",
                 hint="h_n[1] is the backward LSTM's last state: after reading x_1, i.e. at output position 0")
    assert_close(cn, cn_exp, atol=1e-10, name="c_n", hint="c_n[1] is the backward LSTM's last cell state")


def test_lstm_gradients_match_nn_lstm(learner, seed):
    """Backpropagating a loss through lstm(...) gives the same weight and input gradients as through nn.LSTM."""
    g = _gen(seed)
    T, B, D, H = 4, 2, 3, 4
    m = _randomise(nn.LSTM(D, H).double(), g)
    X = torch.randn(T, B, D, generator=g, dtype=torch.float64, requires_grad=True)
    out, (hn, cn) = m(X)
    (out.sum() + 2 * cn.sum()).backward()
    expected = [X.grad.clone()] + [p.grad.clone() for p in _weights_live(m)]
    X.grad = None
    leaves = [p.detach().clone().requires_grad_(True) for p in _weights_live(m)]
    out, (hn, cn) = learner.lstm(X, *leaves)
    (out.sum() + 2 * cn.sum()).backward()
    for name, leaf, exp in zip(("X", "weight_ih", "weight_hh", "bias_ih", "bias_hh"), [X] + leaves, expected):
        check(leaf.grad is not None, f"no gradient reached {name}.",
              hint="build everything with differentiable torch ops: no .detach(), .item(), numpy or in-place writes "
                   "into a preallocated tensor")
        assert_close(leaf.grad, exp, atol=1e-9, name=f"d loss / d {name}", hint=LSTM_HINT)


def _weights_live(m: nn.Module):
    return [getattr(m, f"{n}_l0") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
