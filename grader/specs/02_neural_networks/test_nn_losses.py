"""Spec for 02_neural_networks/nn_losses.py: stable log-softmax, MSE, weighted cross-entropy and gradients vs torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_shape, check

STABLE_HINT = ("subtract each row's max before exponentiating, and compute log-probabilities as "
               "shifted - log(sum(exp(shifted))): never take log(softmax(x)), whose tiny probabilities round to 0")
WEIGHT_HINT = ("torch's weighted 'mean' divides the sum of w[y_i] * loss_i by sum_i w[y_i] (the total weight "
               "of the batch's labels), not by N")


def _strict(fn, *args, what, hint, **kwargs):
    """fn(...) with overflow / invalid / divide-by-zero and RuntimeWarnings turned into failures (underflow is fine)."""
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args, **kwargs)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {type(exc).__name__}: {exc}", hint=hint)


def _t(x):
    return torch.tensor(x, dtype=torch.float64)


def _ce_torch(logits, y, weight=None, reduction="mean"):
    return F.cross_entropy(_t(logits), torch.tensor(y), weight=None if weight is None else _t(weight),
                           reduction=reduction).numpy()


def _huge_logits(rng, n=6, c=5):
    """Logits of size 1e4 (e^1e4 overflows), with the label sometimes on a hugely negative logit."""
    logits = rng.normal(size=(n, c)) * 1e4
    logits[0] = [1e4, 0.0, -1e4, 5.0, 3.0]
    y = rng.integers(0, c, size=n)
    y[0] = 2  # a confidently wrong prediction: its loss is ~2e4, finite
    return logits, y


def test_log_softmax_by_hand(learner):
    """log_softmax([[0, 0]]) = -log 2; log_softmax([[0, log 2, log 3]]) = log([1, 2, 3] / 6); adding a constant changes nothing."""
    assert_close(learner.log_softmax(np.zeros((1, 2))), np.full((1, 2), -np.log(2.0)), rtol=1e-14,
                 name="log_softmax([[0, 0]])", hint="log_softmax(s)_k = s_k - log(sum_j e^s_j)")
    s = np.log(np.array([[1.0, 2.0, 3.0]]))
    assert_close(learner.log_softmax(s), np.log(np.array([[1, 2, 3]]) / 6), rtol=1e-13, atol=1e-15,
                 name="log_softmax(log [[1, 2, 3]])", hint="normalise over the classes (the last axis), row by row")
    two_rows = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    assert_close(learner.log_softmax(two_rows + 100.0), learner.log_softmax(two_rows), rtol=1e-12, atol=1e-12,
                 name="log_softmax(s + 100) vs log_softmax(s)",
                 hint="each row is normalised on its own: take max and sum with axis=-1, keepdims=True")


@pytest.mark.points(2)
def test_log_softmax_huge_logits(learner, rng):
    """log_softmax([[1e4, 0, -1e4]]) = [[0, -1e4, -2e4]] exactly, with no overflow; random 1e4-scale logits match torch."""
    got = _strict(learner.log_softmax, np.array([[1e4, 0.0, -1e4]]), what="log_softmax at 1e4", hint=STABLE_HINT)
    assert_close(got, [[0.0, -1e4, -2e4]], rtol=1e-14, atol=1e-12, name="log_softmax([[1e4, 0, -1e4]])", hint=STABLE_HINT)
    logits, _ = _huge_logits(rng)
    got = _strict(learner.log_softmax, logits, what="log_softmax at 1e4", hint=STABLE_HINT)
    assert_close(got, F.log_softmax(_t(logits), dim=-1).numpy(), rtol=1e-12, atol=1e-9, name="log_softmax vs torch",
                 hint=STABLE_HINT)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(learner, rng, reduction):
    """mse_loss on (3, 4) arrays equals F.mse_loss for reduction 'mean' / 'sum' / 'none'; mse([1, 2], [0, 0]) = 2.5."""
    assert_close(learner.mse_loss(np.array([1.0, 2.0]), np.zeros(2)), 2.5, rtol=1e-14, name="mse([1, 2], [0, 0])",
                 hint="the MEAN of the squared differences: (1 + 4) / 2")
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    got = learner.mse_loss(pred, target, reduction=reduction)
    want = F.mse_loss(_t(pred), _t(target), reduction=reduction).numpy()
    if reduction == "none":
        assert_shape(got, (3, 4), name="mse_loss(reduction='none')", hint="'none' keeps one loss per element")
    assert_close(got, want, rtol=1e-12, name=f"mse_loss(reduction={reduction!r})",
                 hint="mean over ALL elements (not per row); sum adds them; none returns the squared differences")


def test_mse_grad_matches_autograd(learner, rng):
    """mse_grad(pred, target) equals torch.autograd's gradient of F.mse_loss(pred, target) (mean over all 12 elements)."""
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    p = _t(pred).requires_grad_()
    F.mse_loss(p, _t(target)).backward()
    assert_close(learner.mse_grad(pred, target), p.grad.numpy(), rtol=1e-12, atol=1e-15, name="mse_grad",
                 hint="d/dpred mean((pred - target)^2) = 2 (pred - target) / M, with M = pred.size (all elements) "
                      "and the factor 2 from the square")


def test_cross_entropy_by_hand(learner):
    """Zero logits: loss log C; labels pick the TRUE class's log-probability; 'none' gives one loss per row."""
    assert_close(learner.cross_entropy(np.zeros((2, 4)), np.array([0, 3])), np.log(4.0), rtol=1e-14,
                 name="cross_entropy(zero logits, C=4)", hint="uniform probabilities 1/C: the loss is log C")
    logits = np.array([[2.0, 0.0], [0.0, 2.0]])
    none = learner.cross_entropy(logits, np.array([0, 0]), reduction="none")
    assert_shape(none, (2,), name="cross_entropy(reduction='none')", hint="one loss per row")
    assert_close(none, [np.log1p(np.exp(-2.0)), np.log1p(np.exp(2.0))], rtol=1e-13, name="per-row losses",
                 hint="loss_i = -log_softmax(logits)[i, y_i] (index row i by its label; not the argmax)")
    with pytest.raises(ValueError):
        learner.cross_entropy(logits, np.array([0, 0]), reduction="average")


@pytest.mark.points(2)
def test_cross_entropy_huge_logits(learner, rng):
    """Logits of size 1e4, with one label on a logit 2e4 below the max: finite, no overflow, equal to F.cross_entropy."""
    logits, y = _huge_logits(rng)
    for reduction in ("none", "mean"):
        got = _strict(learner.cross_entropy, logits, y, reduction=reduction, what="cross_entropy at 1e4", hint=STABLE_HINT)
        check(np.all(np.isfinite(got)), f"cross_entropy(reduction={reduction!r}) gave {got}: not finite.", hint=STABLE_HINT)
        assert_close(got, _ce_torch(logits, y, reduction=reduction), rtol=1e-12, atol=1e-9,
                     name=f"cross_entropy at 1e4 ({reduction})", hint=STABLE_HINT)


@pytest.mark.points(2)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_weighted_matches_torch(learner, rng, reduction):
    """With class weights, cross_entropy equals F.cross_entropy(weight=...) for each reduction (the mean is weighted)."""
    logits = rng.normal(scale=3, size=(9, 4))
    y = np.array([0, 0, 0, 0, 1, 1, 2, 3, 3])
    weight = np.array([0.2, 1.0, 3.0, 0.5])
    got = learner.cross_entropy(logits, y, weight=weight, reduction=reduction)
    assert_close(got, _ce_torch(logits, y, weight, reduction), rtol=1e-12, atol=1e-14,
                 name=f"weighted cross_entropy ({reduction})",
                 hint=WEIGHT_HINT if reduction == "mean" else "each row's loss is scaled by the weight of ITS label, w[y_i]")
    unweighted = learner.cross_entropy(logits, y, reduction=reduction)
    assert_close(unweighted, _ce_torch(logits, y, None, reduction), rtol=1e-12, atol=1e-14,
                 name=f"cross_entropy without weights ({reduction})", hint="weight=None means every class has weight 1")


@pytest.mark.points(2)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_grad_matches_autograd(learner, rng, weighted):
    """cross_entropy_grad equals torch.autograd's gradient of F.cross_entropy (mean), with and without class weights,
    on ordinary and on 1e4-scale logits."""
    weight = np.array([0.2, 1.0, 3.0, 0.5, 2.0]) if weighted else None
    ordinary = rng.normal(scale=3, size=(7, 5)), rng.integers(0, 5, size=7)
    for logits, y in (ordinary, _huge_logits(rng)):
        lt = _t(logits).requires_grad_()
        F.cross_entropy(lt, torch.tensor(y), weight=None if weight is None else _t(weight)).backward()
        got = _strict(learner.cross_entropy_grad, logits, y, weight, what="cross_entropy_grad", hint=STABLE_HINT)
        assert_shape(got, logits.shape, name="cross_entropy_grad", hint="one partial derivative per logit: (N, C)")
        hint = ("dL/ds_i = w[y_i] (softmax(s_i) - onehot(y_i)) / sum_j w[y_j]; " + WEIGHT_HINT) if weighted else \
            "dL/ds = (softmax(s) - onehot(y)) / N: the 1/N comes from the mean"
        assert_close(got, lt.grad.numpy(), rtol=1e-10, atol=1e-14, name=f"cross_entropy_grad (weighted={weighted})",
                     hint=hint)
