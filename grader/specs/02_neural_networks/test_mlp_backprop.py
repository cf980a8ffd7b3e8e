"""Spec for 02_neural_networks/mlp_backprop.py: softmax-CE, backprop vs central differences and torch.autograd, SGD."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_shape, check

KEYS = ("W1", "b1", "W2", "b2")
STABLE_HINT = ("subtract each row's max from the logits before exponentiating; then "
               "log softmax = shifted - log(sum(exp(shifted))) never overflows")


def _params(rng, D=4, H=6, C=3):
    """Random float64 parameters, biases nonzero so that a forgotten bias shows."""
    return {"W1": rng.normal(size=(D, H)), "b1": rng.normal(scale=0.5, size=H),
            "W2": rng.normal(size=(H, C)), "b2": rng.normal(scale=0.5, size=C)}


def _torch_reference(params, X, y=None, activation="relu", upstream=None):
    """Logits, loss and gradients from torch.autograd on the same float64 weights."""
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    Xt = torch.tensor(X, dtype=torch.float64)
    z1 = Xt @ t["W1"] + t["b1"]
    h = torch.relu(z1) if activation == "relu" else torch.tanh(z1)
    logits = h @ t["W2"] + t["b2"]
    if upstream is None:
        loss = F.cross_entropy(logits, torch.tensor(y))
        loss.backward()
    else:
        loss = None
        logits.backward(torch.tensor(upstream, dtype=torch.float64))
    grads = {k: v.grad.numpy() for k, v in t.items()}
    return logits.detach().numpy(), (None if loss is None else loss.item()), grads


def _central_diff(f, x, h=1e-6):
    """The spec's own central differences (the learner's numerical_gradient is tested separately)."""
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        fp = f()
        x[k] = old - h
        fm = f()
        x[k] = old
        g[k] = (fp - fm) / (2 * h)
    return g


def _grad_hint(name, activation):
    act = "dz1 = dh * (z1 > 0)" if activation == "relu" else "dz1 = dh * (1 - tanh(z1)**2), i.e. 1 - h**2"
    return {
        "W2": "dW2 = h^T @ G with G = dL/dlogits, using the hidden activations h = f(z1), not z1",
        "b2": "db2 = G.sum(axis=0): b2 is broadcast over the N rows, so its gradient sums over them",
        "W1": f"dh = G @ W2^T, then {act} (the activation's derivative), then dW1 = X^T @ dz1",
        "b1": f"db1 = dz1.sum(axis=0), with {act}",
    }[name]


def test_softmax_cross_entropy_by_hand(learner):
    """Zero logits over 3 classes: loss log 3, dlogits = (1/3 - onehot) / N; and one confident right/wrong pair."""
    loss, d = learner.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 2]))
    assert_close(loss, np.log(3.0), rtol=1e-12, name="loss(zero logits)",
                 hint="uniform probabilities 1/3 give -log(1/3) per sample, averaged over the batch")
    expected = (np.full((2, 3), 1 / 3) - np.eye(3)[[0, 2]]) / 2
    assert_shape(d, (2, 3), name="dlogits")
    assert_close(d, expected, rtol=1e-12, atol=1e-15, name="dlogits(zero logits)",
                 hint="dL/dlogits = (softmax(logits) - onehot(y)) / N; the /N comes from the mean")
    logits = np.array([[2.0, 0.0], [0.0, 2.0]])
    loss, _ = learner.softmax_cross_entropy(logits, np.array([0, 0]))
    want = 0.5 * (np.log1p(np.exp(-2.0)) + np.log1p(np.exp(2.0)))
    assert_close(loss, want, rtol=1e-12, name="loss([[2, 0], [0, 2]], y=[0, 0])",
                 hint="pick the log-probability of the TRUE class y_i in each row: log_probs[arange(N), y]")


def test_softmax_cross_entropy_large_logits(learner, rng):
    """Logits around +-1000 (e^1000 overflows float64): the loss and gradient are finite and match torch's cross_entropy."""
    logits = rng.normal(size=(5, 4)) + np.array([1000.0, -1000.0, 990.0, 0.0])
    y = np.array([0, 1, 2, 3, 0])
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            loss, d = learner.softmax_cross_entropy(logits, y)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"softmax_cross_entropy hit a floating-point error at logits ~1000: {exc}", hint=STABLE_HINT)
    lt = torch.tensor(logits, requires_grad=True)
    ref = F.cross_entropy(lt, torch.tensor(y))
    ref.backward()
    assert_close(loss, ref.item(), rtol=1e-10, name="loss at logits ~1000", hint=STABLE_HINT)
    assert_close(d, lt.grad.numpy(), rtol=1e-9, atol=1e-14, name="dlogits at logits ~1000", hint=STABLE_HINT)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_forward_matches_torch(learner, rng, activation):
    """forward gives logits (N, C) equal to relu/tanh(X W1 + b1) W2 + b2 computed by torch."""
    params = _params(rng)
    X = rng.normal(size=(7, 4))
    logits, _ = learner.forward(params, X, activation)
    assert_shape(logits, (7, 3), name="logits", hint="X (N, D) @ W1 (D, H) -> (N, H) @ W2 (H, C) -> (N, C)")
    ref, _, _ = _torch_reference(params, X, np.zeros(7, dtype=int), activation)
    assert_close(logits, ref, rtol=1e-12, atol=1e-12, name=f"logits ({activation})",
                 hint=f"logits = {activation}(X @ W1 + b1) @ W2 + b2: the activation sits between the two affine layers")


def test_numerical_gradient(learner, rng):
    """numerical_gradient matches the exact gradient of sum(x^3) + prod(x) (to ~1e-7) on a 2-D array and leaves x unchanged."""
    x = rng.uniform(0.5, 1.5, size=(2, 3))
    before = x.copy()
    g = learner.numerical_gradient(lambda: float(np.sum(x ** 3) + np.prod(x)), x)
    assert_shape(g, (2, 3), name="numerical gradient", hint="one partial derivative per entry of x, same shape as x")
    exact = 3 * x ** 2 + np.prod(x) / x
    assert_close(g, exact, rtol=1e-6, atol=1e-8, name="numerical_gradient of sum(x^3) + prod(x)",
                 hint="central difference (f(x + h e_k) - f(x - h e_k)) / (2h) for every entry k, perturbing one entry "
                      "at a time (np.ndindex walks every index of a 2-D array)")
    assert_close(x, before, rtol=0, atol=0, name="x after numerical_gradient",
                 hint="save x[k] before perturbing and write the saved value back afterwards")


@pytest.mark.points(2)
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_backward_matches_central_differences(learner, rng, activation):
    """Every gradient from loss_and_grads (forward + softmax_cross_entropy + backward) equals central differences of the loss."""
    params = _params(rng)
    X = rng.normal(size=(8, 4))
    y = rng.integers(0, 3, size=8)
    loss, grads = learner.loss_and_grads(params, X, y, activation)
    f = lambda: learner.softmax_cross_entropy(learner.forward(params, X, activation)[0], y)[0]  # noqa: E731
    for k in ("W2", "b2", "W1", "b1"):
        assert_shape(grads[k], params[k].shape, name=f"grad {k}", hint="each gradient has its parameter's shape")
        num = _central_diff(f, params[k])
        assert_close(grads[k], num, rtol=1e-5, atol=1e-8, name=f"grad {k} ({activation}) vs central differences",
                     hint=_grad_hint(k, activation))


@pytest.mark.points(2)
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_backward_matches_autograd(learner, rng, activation):
    """backward with an arbitrary upstream dL/dlogits, and loss_and_grads, equal torch.autograd (float64, rtol 1e-10)."""
    params = _params(rng, D=5, H=16, C=4)
    X = rng.normal(size=(12, 5))
    y = rng.integers(0, 4, size=12)
    G = rng.normal(size=(12, 4))
    _, cache = learner.forward(params, X, activation)
    grads = learner.backward(params, cache, G)
    _, _, ref = _torch_reference(params, X, activation=activation, upstream=G)
    for k in ("W2", "b2", "W1", "b1"):
        assert_close(grads[k], ref[k], rtol=1e-10, atol=1e-12, name=f"backward {k} ({activation}), upstream G",
                     hint=_grad_hint(k, activation) + "; backward must use the dlogits it is given")
    loss, grads = learner.loss_and_grads(params, X, y, activation)
    _, ref_loss, ref = _torch_reference(params, X, y, activation)
    assert_close(loss, ref_loss, rtol=1e-12, name="loss vs F.cross_entropy", hint="the MEAN over samples")
    for k in KEYS:
        assert_close(grads[k], ref[k], rtol=1e-10, atol=1e-12, name=f"grad {k} ({activation}) vs torch.autograd",
                     hint=_grad_hint(k, activation))


def test_sgd_step(learner, rng):
    """sgd_step returns a new dict with p - lr * g for every key and leaves the inputs unchanged."""
    params = _params(rng)
    grads = _params(rng)
    saved = {k: v.copy() for k, v in params.items()}
    new = learner.sgd_step(params, grads, 0.1)
    for k in KEYS:
        assert_close(new[k], saved[k] - 0.1 * grads[k], rtol=1e-12, atol=1e-15, name=f"sgd_step {k}",
                     hint="gradient DEScent: p - lr * grad")
        assert_close(params[k], saved[k], rtol=0, atol=0, name=f"params[{k}] after sgd_step",
                     hint="build new arrays (params[k] - lr * grads[k]) instead of updating in place")


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_training_reduces_loss(learner, rng, activation):
    """200 full-batch SGD steps (lr 0.5) on a 3-class, 2-D problem take the loss below half its start and fit
    >= 90% of the training points."""
    X = rng.normal(size=(150, 2))
    y = np.digitize(np.arctan2(X[:, 1], X[:, 0]), [-np.pi / 3, np.pi / 3])  # three angular sectors
    params = learner.init_params(2, 32, 3, rng)
    loss0, _ = learner.loss_and_grads(params, X, y, activation)
    losses = []
    for _ in range(200):
        loss, grads = learner.loss_and_grads(params, X, y, activation)
        losses.append(loss)
        params = learner.sgd_step(params, grads, 0.5)
    loss, _ = learner.loss_and_grads(params, X, y, activation)
    check(np.isfinite(loss) and loss < 0.5 * loss0,
          f"the loss went from {loss0:.4f} to {loss:.4f} in 200 steps; expected below half the start.",
          hint="check the sign of the update (p - lr * grad) and that the gradients are the mean over the batch")
    acc = (learner.forward(params, X, activation)[0].argmax(axis=1) == y).mean()
    check(acc >= 0.9, f"training accuracy {acc:.2f} after 200 steps; expected >= 0.9.", hint="backprop or SGD is off")
