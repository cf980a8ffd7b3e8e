"""Spec for 02_neural_networks/weight_decay.py: coupled L2 (torch.optim.Adam(weight_decay)) vs decoupled (AdamW)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import assert_close, check

L2_HINT = ("Adam's weight_decay is coupled L2: g = g + wd * p, and THAT gradient goes through self.direction(i, g); "
           "the parameter is then p -= lr * direction (no separate shrink)")
W_HINT = ("AdamW decays the weights outside Adam: first p *= 1 - lr * wd (lr times wd, as torch), then "
          "p -= lr * self.direction(i, g) with the loss gradient g only")
T_HINT = "call self.t += 1 once at the start of step, before any self.direction(...)"


def _rosenbrock_grad(x):
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def _problem(rng):
    """A Rosenbrock point, a (3, 4) matrix on an ill-conditioned quadratic, and a (5,) vector with NO loss gradient
    (only the decay acts on it)."""
    init = [np.array([-1.2, 1.0]) + rng.uniform(-0.1, 0.1, size=2), rng.normal(size=(3, 4)), rng.normal(size=5)]
    A = np.exp(rng.uniform(np.log(1e-3), np.log(2.0), size=(3, 4)))
    grad = lambda x, W, z: [_rosenbrock_grad(x), A * W, np.zeros_like(z)]  # noqa: E731
    return init, grad


def _run_learner(cls, init, grad, kwargs, steps):
    params = [p.copy() for p in init]
    opt = cls(params, **kwargs)
    out = []
    for _ in range(steps):
        opt.step(grad(*params))
        out.append(np.concatenate([p.ravel() for p in params]))
    return np.array(out)


def _run_torch(cls, init, grad, kwargs, steps):
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init]
    opt = cls(params, **kwargs)
    out = []
    for _ in range(steps):
        for p, g in zip(params, grad(*[p.detach().numpy() for p in params])):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(out)


def test_adamw_zero_gradient_decays_geometrically(learner):
    """AdamW on a parameter with zero loss gradient: p_t = p_0 * (1 - lr * wd)^t exactly, for t = 1..5."""
    p = np.array([1.0, -2.0, 0.5])
    opt = learner.AdamW([p], lr=0.1, weight_decay=0.5)
    for t in range(1, 6):
        opt.step([np.zeros(3)])
        assert_close(p, np.array([1.0, -2.0, 0.5]) * 0.95 ** t, rtol=1e-12, atol=1e-15, name=f"p after {t} AdamW steps",
                     hint=W_HINT + "; with a zero loss gradient Adam's direction is 0, so only the shrink remains. "
                          "Update the caller's array in place (p *= ..., not p = p * ...)")


def test_adam_l2_zero_gradient_moves_lr(learner):
    """Adam with L2 on a parameter with zero loss gradient: g' = wd * p, so the first step is
    p - lr * wd p / (wd |p| + eps) ~ p - lr sign(p): about lr, the same for wd = 0.5 and wd = 0.01."""
    for wd in (0.5, 0.01):
        p0 = np.array([1.0, -2.0, 0.5])
        p = p0.copy()
        learner.Adam([p], lr=0.1, weight_decay=wd).step([np.zeros(3)])
        assert_close(p, p0 - 0.1 * wd * p0 / (wd * np.abs(p0) + 1e-8), rtol=1e-12, name=f"p after one Adam step (wd={wd})",
                     hint=L2_HINT + ". Update the caller's array in place (p -= ...)")


def test_no_decay_is_plain_adam(learner, rng):
    """With weight_decay = 0 both classes reduce to plain Adam: 100 steps follow torch.optim.Adam."""
    init, grad = _problem(rng)
    want = _run_torch(torch.optim.Adam, init, grad, dict(lr=0.01), 100)
    for cls in ("Adam", "AdamW"):
        got = _run_learner(getattr(learner, cls), init, grad, dict(lr=0.01, weight_decay=0.0), 100)
        assert_close(got, want, rtol=1e-6, atol=1e-9, name=f"{cls}(weight_decay=0) trajectory (row = step - 1)",
                     hint="use self.direction(i, g) once per parameter per step; " + T_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("kwargs", [dict(lr=0.01, weight_decay=0.1), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.5)],
                         ids=["small", "large"])
def test_adam_l2_matches_torch(learner, rng, kwargs):
    """200 steps of Adam(weight_decay) on three parameters (one without a loss gradient) follow torch.optim.Adam(weight_decay)."""
    init, grad = _problem(rng)
    got = _run_learner(learner.Adam, init, grad, kwargs, 200)
    want = _run_torch(torch.optim.Adam, init, grad, kwargs, 200)
    assert_close(got, want, rtol=1e-6, atol=1e-9, name=f"Adam trajectory with {kwargs} (row = step - 1)", hint=L2_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("kwargs", [dict(lr=0.01, weight_decay=0.1), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=1.0)],
                         ids=["small", "large"])
def test_adamw_matches_torch(learner, rng, kwargs):
    """200 steps of AdamW on three parameters (one without a loss gradient) follow torch.optim.AdamW."""
    init, grad = _problem(rng)
    got = _run_learner(learner.AdamW, init, grad, kwargs, 200)
    want = _run_torch(torch.optim.AdamW, init, grad, kwargs, 200)
    assert_close(got, want, rtol=1e-6, atol=1e-9, name=f"AdamW trajectory with {kwargs} (row = step - 1)",
                 hint=W_HINT + " (decay the value from BEFORE this step's Adam update)")


def test_coupled_and_decoupled_differ(learner, rng):
    """Same problem, same lr and wd: Adam-L2 and AdamW end at different points, and on the gradient-free parameter AdamW
    has shrunk it by (1 - lr wd)^100 while Adam-L2 has moved it by ~lr per step."""
    init, grad = _problem(rng)
    kwargs = dict(lr=0.01, weight_decay=0.5)
    coupled = _run_learner(learner.Adam, init, grad, kwargs, 100)[-1]
    decoupled = _run_learner(learner.AdamW, init, grad, kwargs, 100)[-1]
    check(np.max(np.abs(coupled - decoupled)) > 1e-2,
          "Adam(weight_decay) and AdamW gave (nearly) the same parameters after 100 steps; they are different algorithms.",
          hint="Adam adds wd * p to the gradient (normalised by Adam); AdamW multiplies p by 1 - lr * wd instead")
    z0 = init[2]
    assert_close(decoupled[-5:], z0 * (1 - 0.01 * 0.5) ** 100, rtol=1e-10, name="AdamW: the gradient-free parameter",
                 hint=W_HINT)
    moved = np.abs(z0) - np.abs(coupled[-5:])
    check(np.all((moved > 0) & (moved <= 100 * 0.01 * 1.01)) and np.any(moved > 0.5 * np.minimum(np.abs(z0), 1.0)),
          f"Adam-L2 moved the gradient-free parameter's magnitude by {moved.round(3)}; expected steps of ~lr toward 0.",
          hint=L2_HINT)
