"""Spec for 02_neural_networks/batch_norm.py: batch norm forward/backward, running statistics, train vs eval, vs nn.BatchNorm1d."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_shape, check

RUNNING_HINT = ("running_mean = (1 - momentum) * running_mean + momentum * mu and running_var = (1 - momentum) * "
                "running_var + momentum * var * N / (N - 1): torch keeps the UNBIASED variance in running_var "
                "(while it normalises with the biased one)")
DX_HINT = ("in training mu and var depend on every x_i, so dx is not just dy * gamma / std: with g = dy * gamma, "
           "dx = inv_std / N * (N g - g.sum(0) - x_hat * (g * x_hat).sum(0))")


def _torch_bn(D, gamma, beta, eps=1e-5, momentum=0.1):
    bn = torch.nn.BatchNorm1d(D, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
    return bn


def _torch_step(bn, x, dy):
    """Forward and backward through torch's layer: (y, dx, dgamma, dbeta)."""
    xt = torch.tensor(x, requires_grad=True)
    bn.zero_grad()
    y = bn(xt)
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), xt.grad.numpy(), bn.weight.grad.numpy().copy(), bn.bias.grad.numpy().copy()


def test_forward_and_running_stats_by_hand(learner):
    """x = [[1], [3]], gamma 2, beta 1, eps 0: y = [[-1], [3]]; running_mean 0.2 and running_var 1.1 (unbiased var 2)."""
    bn = learner.BatchNorm1d(1, eps=0.0)
    bn.gamma[:] = 2.0
    bn.beta[:] = 1.0
    y = bn.forward(np.array([[1.0], [3.0]]))
    assert_shape(y, (2, 1), name="y")
    assert_close(y, [[-1.0], [3.0]], rtol=1e-14, atol=1e-14, name="y for x = [[1], [3]]",
                 hint="normalise each column over the batch (axis 0) with the BIASED variance: mu 2, var 1, "
                      "x_hat = [-1, 1], then y = gamma * x_hat + beta")
    assert_close(bn.running_mean, [0.2], rtol=1e-14, name="running_mean after one step",
                 hint="running_mean = (1 - momentum) * running_mean + momentum * mu = 0.9 * 0 + 0.1 * 2 "
                      "(momentum weighs the NEW batch statistic, the torch convention)")
    assert_close(bn.running_var, [1.1], rtol=1e-14, name="running_var after one step", hint=RUNNING_HINT)


def test_training_output_is_normalised(learner, rng):
    """With gamma 1, beta 0: every column of y has mean 0 and (biased) std sqrt(var / (var + eps)), even for data with
    mean 1e6 and std 1 (where mean(x^2) - mean(x)^2 loses ~4 digits)."""
    x = rng.normal(size=(64, 5)) * rng.uniform(0.5, 3, size=5) + np.array([0.0, 1e6, -1e6, 5.0, 3e5])
    bn = learner.BatchNorm1d(5)
    y = bn.forward(x)
    var = x.var(axis=0)  # two-pass, accurate
    assert_close(y.mean(axis=0), np.zeros(5), atol=1e-9, name="column means of y",
                 hint="subtract the per-column batch mean (axis=0), not the global mean")
    assert_close(y.std(axis=0), np.sqrt(var / (var + 1e-5)), rtol=1e-7, atol=1e-9, name="column stds of y",
                 hint="compute var as ((x - mu)**2).mean(axis=0) (two passes): mean(x**2) - mu**2 cancels "
                      "catastrophically when |mu| >> std, here 1e6 vs 1")


def test_training_needs_two_samples(learner):
    """A training batch of one sample raises ValueError (as torch does); in eval mode one sample is fine."""
    bn = learner.BatchNorm1d(3)
    with pytest.raises(ValueError):
        bn.forward(np.ones((1, 3)))
    bn.eval()
    y = bn.forward(np.ones((1, 3)))
    assert_close(y, np.ones((1, 3)) / np.sqrt(1 + 1e-5), rtol=1e-12, name="eval forward of one sample",
                 hint="in eval mode use running_mean (0) and running_var (1): y = gamma (x - 0) / sqrt(1 + eps) + beta")


def test_backward_properties(learner, rng):
    """In training, dbeta = sum(dy), dgamma = sum(dy * x_hat), and each column of dx sums to 0 (y ignores a shift of x)."""
    x = rng.normal(size=(10, 4)) * 2 + 1
    dy = rng.normal(size=(10, 4))
    bn = learner.BatchNorm1d(4)
    bn.gamma[:] = rng.uniform(0.5, 2, size=4)
    bn.forward(x)
    dx, dgamma, dbeta = bn.backward(dy)
    x_hat = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    assert_close(dbeta, dy.sum(axis=0), rtol=1e-12, name="dbeta", hint="dbeta = dy.sum(axis=0)")
    assert_close(dgamma, (dy * x_hat).sum(axis=0), rtol=1e-10, atol=1e-12, name="dgamma",
                 hint="dgamma = (dy * x_hat).sum(axis=0), with the normalised input x_hat (not x, not y)")
    assert_close(dx.sum(axis=0), np.zeros(4), atol=1e-10, name="column sums of dx", hint=DX_HINT)


@pytest.mark.points(3)
def test_matches_torch_over_training_steps(learner, rng):
    """Five training steps with different batches (N = 16, D = 6, momentum 0.2): y, dx, dgamma, dbeta and the running
    statistics equal nn.BatchNorm1d's at every step (float64)."""
    D = 6
    gamma, beta = rng.uniform(0.5, 2, size=D), rng.normal(size=D)
    ours = learner.BatchNorm1d(D, eps=1e-5, momentum=0.2)
    ours.gamma[:] = gamma
    ours.beta[:] = beta
    ref = _torch_bn(D, gamma, beta, momentum=0.2).train()
    for step in range(5):
        x = rng.normal(size=(16, D)) * rng.uniform(0.1, 5, size=D) + rng.normal(scale=3, size=D)
        dy = rng.normal(size=(16, D))
        y_ref, dx_ref, dg_ref, db_ref = _torch_step(ref, x, dy)
        y = ours.forward(x)
        dx, dgamma, dbeta = ours.backward(dy)
        assert_close(y, y_ref, rtol=1e-10, atol=1e-12, name=f"y at step {step}",
                     hint="training mode normalises with the batch's own mean and biased variance")
        assert_close(ours.running_mean, ref.running_mean.numpy(), rtol=1e-12, atol=1e-14, name=f"running_mean at step {step}",
                     hint=RUNNING_HINT)
        assert_close(ours.running_var, ref.running_var.numpy(), rtol=1e-12, atol=1e-14, name=f"running_var at step {step}",
                     hint=RUNNING_HINT)
        assert_close(dgamma, dg_ref, rtol=1e-10, atol=1e-12, name=f"dgamma at step {step}", hint="(dy * x_hat).sum(0)")
        assert_close(dbeta, db_ref, rtol=1e-10, atol=1e-12, name=f"dbeta at step {step}", hint="dy.sum(0)")
        assert_close(dx, dx_ref, rtol=1e-9, atol=1e-12, name=f"dx at step {step}", hint=DX_HINT)


@pytest.mark.points(2)
def test_eval_mode_matches_torch(learner, rng):
    """After three training steps, eval mode uses the running statistics (unchanged by eval forwards): y and the
    gradients equal nn.BatchNorm1d.eval()'s, where dx = dy * gamma / sqrt(running_var + eps)."""
    D = 4
    gamma, beta = rng.uniform(0.5, 2, size=D), rng.normal(size=D)
    ours = learner.BatchNorm1d(D)
    ours.gamma[:] = gamma
    ours.beta[:] = beta
    ref = _torch_bn(D, gamma, beta).train()
    for _ in range(3):
        x = rng.normal(size=(8, D)) * 3 + 2
        ours.forward(x)
        ref(torch.tensor(x))
    ours.eval()
    ref.eval()
    rm, rv = np.array(ours.running_mean, copy=True), np.array(ours.running_var, copy=True)
    x = rng.normal(size=(5, D)) * 3 + 2
    dy = rng.normal(size=(5, D))
    y_ref, dx_ref, dg_ref, db_ref = _torch_step(ref, x, dy)
    y = ours.forward(x)
    dx, dgamma, dbeta = ours.backward(dy)
    check(np.array_equal(ours.running_mean, rm) and np.array_equal(ours.running_var, rv),
          "the running statistics changed during an eval-mode forward.", hint="only training mode updates them")
    assert_close(y, y_ref, rtol=1e-10, atol=1e-12, name="y in eval mode",
                 hint="eval mode normalises with running_mean and running_var, not with the batch's statistics")
    assert_close(dgamma, dg_ref, rtol=1e-10, atol=1e-12, name="dgamma in eval mode",
                 hint="x_hat is (x - running_mean) / sqrt(running_var + eps) in eval mode")
    assert_close(dbeta, db_ref, rtol=1e-10, atol=1e-12, name="dbeta in eval mode")
    assert_close(dx, dx_ref, rtol=1e-10, atol=1e-12, name="dx in eval mode",
                 hint="in eval mode the statistics are constants: dx = dy * gamma / sqrt(running_var + eps)")
