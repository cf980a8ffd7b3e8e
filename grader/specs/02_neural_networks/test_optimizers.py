"""Spec for 02_neural_networks/optimizers.py: SGD (momentum, dampening, Nesterov), RMSprop, Adam vs torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import assert_close, check

SGD_HINT = ("torch.optim.SGD: buf = g on the FIRST step (no dampening), then buf = momentum * buf + (1 - dampening) * g; "
            "the step direction is g + momentum * buf with nesterov=True, else buf; p -= lr * direction")
RMS_HINT = "s = alpha * s + (1 - alpha) * g**2; p -= lr * g / (np.sqrt(s) + eps), with eps OUTSIDE the square root"
ADAM_HINT = ("m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; m_hat = m / (1 - b1**t), v_hat = v / (1 - b2**t) with t "
             "counted from 1; p -= lr * m_hat / (np.sqrt(v_hat) + eps), eps OUTSIDE the square root")
INPLACE_HINT = ("update the arrays in place (p -= ...): p = p - ... inside step only rebinds a local name and the "
                "caller's parameters never change")


def _rosenbrock_grad(x):
    """Gradient of (1 - a)^2 + 100 (b - a^2)^2 at x = (a, b)."""
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def _problem(rng):
    """Two parameters of different shapes: a point on the Rosenbrock valley and a (3, 4) matrix on an
    ill-conditioned quadratic 0.5 * sum(A * W^2) (curvatures from 1e-3 to 2)."""
    x0 = np.array([-1.2, 1.0]) + rng.uniform(-0.1, 0.1, size=2)
    W0 = rng.normal(size=(3, 4))
    A = np.exp(rng.uniform(np.log(1e-3), np.log(2.0), size=(3, 4)))
    grad = lambda x, W: [_rosenbrock_grad(x), A * W]  # noqa: E731
    return [x0, W0], grad


def _trajectory_learner(cls, init, grad, kwargs, steps):
    params = [p.copy() for p in init]
    opt = cls(params, **kwargs)
    out = []
    for _ in range(steps):
        opt.step(grad(*params))
        out.append(np.concatenate([p.ravel() for p in params]))
    return np.array(out)  # (steps, 14)


def _trajectory_torch(cls, init, grad, kwargs, steps):
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init]
    opt = cls(params, **kwargs)
    out = []
    for _ in range(steps):
        gs = grad(*[p.detach().numpy() for p in params])
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(out)


def _compare(learner_cls, torch_cls, kwargs, rng, hint, steps=200):
    init, grad = _problem(rng)
    got = _trajectory_learner(learner_cls, init, grad, kwargs, steps)
    want = _trajectory_torch(torch_cls, init, grad, kwargs, steps)
    check(np.all(np.isfinite(got)), f"the trajectory with {kwargs} became non-finite.", hint=hint)
    check(not np.allclose(got[-1], np.concatenate([p.ravel() for p in init])),
          f"after {steps} steps with {kwargs} the parameters have not moved.", hint=INPLACE_HINT)
    assert_close(got, want, rtol=1e-6, atol=1e-9,
                 name=f"trajectory over {steps} steps with {kwargs} (row = step - 1, column = parameter entry)",
                 hint=hint)


def test_sgd_by_hand(learner):
    """Plain SGD moves by -lr * g; with momentum 0.9 two steps of g = [1, -1] give [0.9, 2.1] then [0.71, 2.29], in place."""
    p = np.array([1.0, 2.0])
    learner.SGD([p], lr=0.1).step([np.array([0.5, -1.0])])
    assert_close(p, [0.95, 2.1], rtol=1e-14, name="p after one plain SGD step",
                 hint="p -= lr * g, in place. " + INPLACE_HINT)
    p = np.array([1.0, 2.0])
    opt = learner.SGD([p], lr=0.1, momentum=0.9)
    opt.step([np.array([1.0, -1.0])])
    assert_close(p, [0.9, 2.1], rtol=1e-14, name="p after the first momentum step",
                 hint="the first step sets buf = g (not (1 - momentum) g, not 0) and moves by lr * buf. " + INPLACE_HINT)
    opt.step([np.array([1.0, -1.0])])
    assert_close(p, [0.71, 2.29], rtol=1e-14, name="p after the second momentum step",
                 hint="buf = momentum * buf + g = 1.9 g, then p -= lr * buf; keep buf in the optimizer between steps")


def test_sgd_dampening_and_nesterov_by_hand(learner):
    """Two steps with g = 1, lr 0.1, momentum 0.9: dampening 0.5 gives 0.9 then 0.76; Nesterov gives 0.81 then 0.539."""
    p = np.array([1.0])
    opt = learner.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    opt.step([np.array([1.0])])
    assert_close(p, [0.9], rtol=1e-14, name="p after the first step with dampening 0.5",
                 hint="torch starts the buffer at buf = g on the first step: dampening is not applied there")
    opt.step([np.array([1.0])])
    assert_close(p, [0.76], rtol=1e-14, name="p after the second step with dampening 0.5",
                 hint="buf = momentum * buf + (1 - dampening) * g = 0.9 + 0.5 = 1.4")
    p = np.array([1.0])
    opt = learner.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    opt.step([np.array([1.0])])
    assert_close(p, [0.81], rtol=1e-14, name="p after the first Nesterov step",
                 hint="with nesterov=True the step direction is g + momentum * buf (= 1.9 g on the first step)")
    opt.step([np.array([1.0])])
    assert_close(p, [0.539], rtol=1e-14, name="p after the second Nesterov step",
                 hint="buf = 0.9 * 1 + 1 = 1.9, direction = g + 0.9 * buf = 2.71")


def test_rmsprop_first_step_by_hand(learner):
    """RMSprop's first step with alpha 0.9: s = 0.1 g^2, so p moves by lr * g / (sqrt(0.1) |g| + eps); checked with eps = 0.1."""
    p = np.array([0.0, 0.0])
    learner.RMSprop([p], lr=0.01, alpha=0.9, eps=0.1).step([np.array([1.0, -4.0])])
    want = -0.01 * np.array([1.0, -4.0]) / (np.sqrt(0.1 * np.array([1.0, 16.0])) + 0.1)
    assert_close(p, want, rtol=1e-12, name="p after one RMSprop step (eps = 0.1)",
                 hint="s starts at 0 and becomes (1 - alpha) g^2; " + RMS_HINT + ". " + INPLACE_HINT)


def test_adam_constant_gradient_moves_lr_per_step(learner):
    """With a constant gradient, bias-corrected m_hat = g and v_hat = g^2 at EVERY step, so each of 10 steps moves each
    coordinate by lr * g / (|g| + eps), whatever the gradient's scale (1e-3 ... 50)."""
    p = np.zeros(3)
    g = np.array([1e-3, -50.0, 2.0])
    opt = learner.Adam([p], lr=0.1)
    for t in range(1, 11):
        opt.step([g])
        assert_close(p, -t * 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-9, atol=1e-12, name=f"p after {t} Adam steps",
                     hint="without the bias correction m / (1 - beta1^t) and v / (1 - beta2^t), early steps are "
                          "~3x too large (0.1 g / sqrt(0.001 g^2)); t must start at 1. " + INPLACE_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("kwargs", [dict(lr=1e-3), dict(lr=5e-4, momentum=0.9),
                                    dict(lr=5e-4, momentum=0.9, dampening=0.5), dict(lr=5e-4, momentum=0.9, nesterov=True)],
                         ids=["plain", "momentum", "dampening", "nesterov"])
def test_sgd_matches_torch(learner, rng, kwargs):
    """200 SGD steps on a Rosenbrock point and an ill-conditioned (3, 4) quadratic follow torch.optim.SGD (rtol 1e-6)."""
    _compare(learner.SGD, torch.optim.SGD, kwargs, rng, SGD_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.001, alpha=0.9, eps=0.1)], ids=["default", "large-eps"])
def test_rmsprop_matches_torch(learner, rng, kwargs):
    """200 RMSprop steps on the same two-parameter problem follow torch.optim.RMSprop (rtol 1e-6)."""
    _compare(learner.RMSprop, torch.optim.RMSprop, kwargs, rng, RMS_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3)], ids=["default", "large-eps"])
def test_adam_matches_torch(learner, rng, kwargs):
    """200 Adam steps on the same two-parameter problem follow torch.optim.Adam (rtol 1e-6)."""
    _compare(learner.Adam, torch.optim.Adam, kwargs, rng, ADAM_HINT)
