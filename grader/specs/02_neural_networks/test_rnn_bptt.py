"""Spec for 02_neural_networks/rnn_bptt.py: a tanh RNN, BPTT by hand vs torch.autograd, vanishing/exploding gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_shape, check

BACKWARD_HINT = ("walk t = T..1 backwards: dh = dhs[t-1] + g (g = what came back from step t+1), "
                 "da = dh * (1 - h_t^2) using the state h_t this step PRODUCED, dW_xh += x_t^T da, "
                 "dW_hh += h_{t-1}^T da (the state it READ, h0 at t = 1), db += da.sum(0), dx_t = da W_xh^T, "
                 "g = da W_hh^T; dh0 is the final g")


def _params(rng, D=4, H=5, B=3, scale=0.5):
    W_xh = rng.normal(scale=scale, size=(D, H))
    W_hh = rng.normal(scale=scale, size=(H, H))  # not symmetric: a transposed W_hh shows
    b = rng.normal(scale=0.3, size=H)
    h0 = rng.normal(scale=0.5, size=(B, H))
    return W_xh, W_hh, b, h0


def _torch_unroll(X, h0, W_xh, W_hh, b):
    """The same recurrence in torch (float64), with every input a leaf that requires grad."""
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (X, h0, W_xh, W_hh, b)]
    tX, th0, tWx, tWh, tb = leaves
    h, hs = th0, []
    for t in range(tX.shape[0]):
        h = torch.tanh(tX[t] @ tWx + h @ tWh + tb)
        h.retain_grad()
        hs.append(h)
    return leaves, hs


def _diagnose(grads, expected, hint):
    """Name the likely mistake from which gradients are right."""
    ok = {k: np.allclose(grads[k], expected[k], rtol=1e-6, atol=1e-9) for k in expected}
    if ok["W_xh"] and ok["b"] and ok["X"] and not ok["W_hh"]:
        return ("dW_xh, db and dX are right but dW_hh is not: dW_hh += h_{t-1}^T da_t pairs each step's da with the "
                "state that step READ (h0 at the first step), not the state it produced. " + hint)
    if not ok["h0"] and all(ok[k] for k in ("W_xh", "W_hh", "b", "X")):
        return ("every gradient is right except dh0: it is the gradient carried past the first step, da_1 @ W_hh^T "
                "(transposed, because the forward pass computes h @ W_hh). " + hint)
    if not ok["W_hh"] and not ok["X"]:
        return ("the gradient carried from h_t back to h_{t-1} is wrong: it is da_t @ W_hh^T (transposed, because the "
                "forward pass computes h_{t-1} @ W_hh), and it must be added to dhs at the earlier step. " + hint)
    return hint


def test_forward_by_hand(learner):
    """One unit, W_xh = 1, W_hh = 0.5, b = 0, h0 = 0, x = [1, 0]: h_1 = tanh(1), h_2 = tanh(0.5 tanh(1)); rnn_step agrees."""
    W_xh, W_hh, b, h0 = np.array([[1.0]]), np.array([[0.5]]), np.zeros(1), np.zeros((1, 1))
    X = np.array([[[1.0]], [[0.0]]])
    hs = learner.rnn_forward(X, h0, W_xh, W_hh, b)
    assert_shape(hs, (2, 1, 1), name="rnn_forward(...)", hint="return h_1..h_T stacked on a new first axis, without h0")
    assert_close(hs.ravel(), [np.tanh(1.0), np.tanh(0.5 * np.tanh(1.0))], atol=1e-12, name="[h_1, h_2]",
                 hint="h_t = tanh(x_t W_xh + h_{t-1} W_hh + b), feeding each new state into the next step")
    step = learner.rnn_step(np.array([[2.0, -1.0]]), np.array([[0.3]]), np.array([[0.5], [1.0]]), np.array([[2.0]]),
                            np.array([0.1]))
    assert_close(step, [[np.tanh(2.0 * 0.5 - 1.0 + 0.3 * 2.0 + 0.1)]], atol=1e-12, name="rnn_step",
                 hint="row vectors: x (B, D) @ W_xh (D, H) + h (B, H) @ W_hh (H, H) + b")


def test_forward_matches_torch_rnn(learner, rng):
    """rnn_forward equals torch.nn.RNN(nonlinearity='tanh') given the same weights (torch stores W transposed)."""
    T, B, D, H = 7, 3, 4, 5
    W_xh, W_hh, b, h0 = _params(rng, D, H, B)
    X = rng.normal(size=(T, B, D))
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(W_xh.T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(W_hh.T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b))
        rnn.bias_hh_l0.zero_()
        out, _ = rnn(torch.from_numpy(X), torch.from_numpy(h0)[None])
    hs = learner.rnn_forward(X, h0, W_xh, W_hh, b)
    assert_shape(hs, (T, B, H), name="hs")
    assert_close(hs, out.numpy(), atol=1e-12, name="hs vs torch.nn.RNN",
                 hint="h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b) with W_hh (not its transpose) on the right of h")


@pytest.mark.points(2)
def test_backward_by_hand(learner):
    """The two-step, one-unit example of the docstring with L = h_2: dW_hh = 0.66102, dW_xh = 0.18226, dh0 = 0.09113."""
    W_xh, W_hh, b, h0 = np.array([[1.0]]), np.array([[0.5]]), np.zeros(1), np.zeros((1, 1))
    X = np.array([[[1.0]], [[0.0]]])
    h1 = np.tanh(1.0)
    h2 = np.tanh(0.5 * h1)
    da2 = 1 - h2 ** 2
    da1 = 0.5 * da2 * (1 - h1 ** 2)
    hs = np.array([[[h1]], [[h2]]])
    grads = learner.rnn_backward(np.array([[[0.0]], [[1.0]]]), X, h0, W_xh, W_hh, b, hs)
    check(isinstance(grads, dict) and set(grads) >= {"W_xh", "W_hh", "b", "h0", "X"},
          f"rnn_backward must return a dict with keys W_xh, W_hh, b, h0, X; got {type(grads).__name__} "
          f"{sorted(grads) if isinstance(grads, dict) else ''}")
    hint = BACKWARD_HINT
    if np.allclose(grads["W_xh"], 0.0):
        hint = ("dW_xh came out 0, so nothing reached step 1: L = h_2 depends on h_1 through h_2 = tanh(0.5 h_1), so "
                "dh_1 = 0.5 (1 - h_2^2) must be carried back and added to dhs at step 1. " + hint)
    elif np.allclose(grads["W_hh"], [[h1 * (1 - h1 ** 2)]]):
        hint = ("dW_hh = h_1 (1 - h_1^2): tanh' was taken at the previous state; step 2's derivative is 1 - h_2^2, "
                "at the state that step produced. " + hint)
    assert_close(grads["W_hh"], [[h1 * da2]], atol=1e-10, name="dW_hh", hint=hint)
    assert_close(grads["W_xh"], [[da1]], atol=1e-10, name="dW_xh", hint=hint)
    assert_close(grads["b"], [da1 + da2], atol=1e-10, name="db", hint=hint)
    assert_close(grads["h0"], [[0.5 * da1]], atol=1e-10, name="dh0", hint=hint)
    assert_close(grads["X"].ravel(), [da1, da2], atol=1e-10, name="dX", hint=hint)


@pytest.mark.points(3)
@pytest.mark.parametrize("T", [1, 6])
def test_backward_matches_autograd(learner, rng, T):
    """For L = sum_t sum(h_t * G_t) with random G, every gradient equals torch.autograd's (float64, atol 1e-9)."""
    B, D, H = 3, 4, 5
    W_xh, W_hh, b, h0 = _params(rng, D, H, B)
    X = rng.normal(size=(T, B, D))
    G = rng.normal(size=(T, B, H))
    leaves, ths = _torch_unroll(X, h0, W_xh, W_hh, b)
    loss = sum((h * torch.from_numpy(G[t])).sum() for t, h in enumerate(ths))
    loss.backward()
    expected = {k: leaf.grad.numpy() for k, leaf in zip(("X", "h0", "W_xh", "W_hh", "b"), leaves)}
    hs = learner.rnn_forward(X, h0, W_xh, W_hh, b)
    grads = learner.rnn_backward(G, X, h0, W_xh, W_hh, b, hs)
    hint = _diagnose(grads, expected, BACKWARD_HINT)
    for k in ("W_xh", "W_hh", "b", "h0", "X"):
        assert_shape(grads[k], expected[k].shape, name=f"grads[{k!r}]", hint="each gradient has its parameter's shape")
        assert_close(grads[k], expected[k], rtol=1e-7, atol=1e-9, name=f"grads[{k!r}] (T={T})", hint=hint)


def test_hidden_grad_norms_match_autograd(learner, rng):
    """hidden_grad_norms equals the norms of dL/dh_t (t = 0..T) that torch.autograd finds for L = sum(h_T * v)."""
    T, B, D, H = 8, 2, 3, 6
    W_xh, W_hh, b, h0 = _params(rng, D, H, B, scale=0.6)
    X = rng.normal(size=(T, B, D))
    v = rng.normal(size=(B, H))
    leaves, ths = _torch_unroll(X, h0, W_xh, W_hh, b)
    (ths[-1] * torch.from_numpy(v)).sum().backward()
    expected = [leaves[1].grad.norm().item()] + [h.grad.norm().item() for h in ths]
    norms = learner.hidden_grad_norms(X, h0, W_xh, W_hh, b, v)
    assert_shape(norms, (T + 1,), name="hidden_grad_norms(...)",
                 hint="one norm per state h_0 (the initial one) .. h_T, in time order")
    assert_close(norms[-1], np.linalg.norm(v), rtol=1e-10, name="norms[T]",
                 hint="entry T is ||dL/dh_T|| = ||v||; entries go in time order, h_0 first")
    assert_close(norms, expected, rtol=1e-7, atol=1e-12, name="||dL/dh_t||, t = 0..T",
                 hint="dL/dh_{t-1} = (dL/dh_t * (1 - h_t^2)) @ W_hh^T: one tanh' (at the state h_t) and one "
                      "W_hh^T per step; the Frobenius norm over the whole (B, H) array")


def _orthogonal(rng, H):
    q, r = np.linalg.qr(rng.normal(size=(H, H)))
    return q * np.sign(np.diag(r))


def test_gradients_vanish_with_small_recurrent_weights(learner, rng):
    """With W_hh = 0.5 Q (Q orthogonal, so sigma_max = 0.5), each step back multiplies the norm by at most 0.5."""
    T, B, D, H = 12, 2, 3, 8
    W_xh = rng.normal(scale=0.5, size=(D, H))
    W_hh = 0.5 * _orthogonal(rng, H)
    b, h0 = rng.normal(scale=0.1, size=H), rng.normal(scale=0.5, size=(B, H))
    X, v = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    norms = np.asarray(learner.hidden_grad_norms(X, h0, W_xh, W_hh, b, v))
    ratios = norms[:-1] / norms[1:]
    check(np.all(ratios <= 0.5 + 1e-9),
          f"||dL/dh_(t-1)|| / ||dL/dh_t|| should be <= sigma_max(W_hh) = 0.5 at every step; got ratios "
          f"{np.round(ratios, 4).tolist()}.",
          hint="since |tanh'| <= 1 and ||g W_hh^T|| <= 0.5 ||g||, the norm must shrink by half or more per step back; "
               "did you multiply by W_hh instead of W_hh^T, or drop the factor (1 - h_t^2)?")
    check(norms[0] <= 0.5 ** T * norms[-1] * (1 + 1e-9),
          f"after {T} steps the norm should be <= 0.5^{T} ||v|| = {0.5 ** T * norms[-1]:.3g}; got {norms[0]:.3g}.",
          hint="the decay is geometric: the vanishing gradient")


def test_gradients_explode_with_large_recurrent_weights(learner, rng):
    """With W_hh = 1.5 Q and tiny inputs (tanh unsaturated), the norm grows about 1.5x per step back: exploding."""
    T, B, D, H = 10, 2, 3, 8
    W_xh = rng.normal(scale=1e-4, size=(D, H))
    W_hh = 1.5 * _orthogonal(rng, H)
    b, h0 = np.zeros(H), np.zeros((B, H))
    X, v = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    norms = np.asarray(learner.hidden_grad_norms(X, h0, W_xh, W_hh, b, v))
    ratios = norms[:-1] / norms[1:]
    check(np.all(ratios > 1.4) and np.all(ratios <= 1.5 + 1e-9),
          f"each step back should multiply the norm by about 1.5 (between 1.4 and 1.5); got {np.round(ratios, 4).tolist()}.",
          hint="with h near 0, tanh' = 1 - h^2 is about 1 and dL/dh_(t-1) = (dL/dh_t * (1 - h_t^2)) @ W_hh^T")
