"""Spec for 02_neural_networks/dropout.py: inverted dropout, train/eval modes, the mask, expectation, edge cases, torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_equal, assert_shape, check

MASK_HINT = ("in training draw u = self.rng.random(x.shape) once per forward, keep where u >= p (probability 1 - p), "
             "and return x * keep / (1 - p)")


def _clone(rng):
    """An independent generator in the same state as rng."""
    bg = rng.bit_generator.__class__()
    bg.state = rng.bit_generator.state
    return np.random.Generator(bg)


def _strict(fn, *args, what, hint):
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {type(exc).__name__}: {exc}", hint=hint)


def test_worked_example(learner):
    """p = 0.5 with default_rng(0) on [1, 2, 3, 4]: u = [0.64, 0.27, 0.04, 0.02], so y = [2, 0, 0, 0] and dx = [2, 0, 0, 0]."""
    d = learner.Dropout(0.5, np.random.default_rng(0))
    y = d.forward(np.array([1.0, 2.0, 3.0, 4.0]))
    assert_close(y, [2.0, 0.0, 0.0, 0.0], rtol=1e-14, name="forward([1, 2, 3, 4])",
                 hint="keep where u >= p (not u < p), and scale the kept values by 1 / (1 - p) = 2; " + MASK_HINT)
    assert_close(d.backward(np.ones(4)), [2.0, 0.0, 0.0, 0.0], rtol=1e-14, name="backward(ones)",
                 hint="dx = dy * keep / (1 - p), with the mask of the forward pass")


@pytest.mark.points(2)
def test_train_mask_from_generator(learner, rng):
    """In training mode, forward on a (4, 5, 6) array equals x * (u >= p) / (1 - p) for u = rng.random(x.shape), and a
    second forward draws a new mask from the continuing stream."""
    p = 0.3
    x = rng.normal(size=(4, 5, 6))
    gen = np.random.default_rng(rng.integers(1 << 31))
    ref = _clone(gen)
    d = learner.Dropout(p, gen)
    for call in ("first", "second"):
        y = d.forward(x)
        assert_shape(y, x.shape, name=f"{call} forward", hint="dropout is elementwise: same shape as x")
        want = x * (ref.random(x.shape) >= p) / (1 - p)
        assert_close(y, want, rtol=1e-12, atol=0, name=f"{call} forward in training mode",
                     hint=MASK_HINT + "; use the generator passed to __init__, and draw a new mask on every forward")


@pytest.mark.points(2)
def test_backward_uses_the_forward_mask(learner, rng):
    """backward(dy) = dy * keep / (1 - p) with the mask of the LAST forward (not a new one), and leaves dy unchanged."""
    p = 0.4
    gen = np.random.default_rng(rng.integers(1 << 31))
    d = learner.Dropout(p, gen)
    x = rng.normal(size=(6, 7)) + 5.0  # never 0, so the mask can be read off the output
    d.forward(x)
    y = d.forward(x)  # the second mask is the one that counts
    dy = rng.normal(size=(6, 7))
    saved = dy.copy()
    dx = d.backward(dy)
    keep = y != 0
    assert_close(dx, dy * keep / (1 - p), rtol=1e-12, atol=0, name="backward(dy)",
                 hint="store the scaled mask in forward and multiply dy by it; drawing a new mask in backward (or using "
                      "the first forward's mask) sends gradient to units that were dropped")
    assert_equal(dy, saved, name="dy after backward", hint="do not modify dy in place")


def test_eval_is_identity(learner, rng):
    """After eval(): forward(x) == x and backward(dy) == dy exactly, with no random numbers drawn; train() switches back."""
    gen = np.random.default_rng(rng.integers(1 << 31))
    ref = _clone(gen)
    d = learner.Dropout(0.5, gen)
    d.eval()
    x = rng.normal(size=(3, 8))
    assert_equal(np.asarray(d.forward(x)), x, name="forward in eval mode",
                 hint="inverted dropout does all its scaling in training: at eval the layer is the identity "
                      "(no mask, no multiplication by 1 - p)")
    assert_equal(np.asarray(d.backward(x)), x, name="backward in eval mode", hint="the identity's gradient is dy")
    assert_equal(gen.random(3), ref.random(3), name="the generator's next numbers after eval forward",
                 hint="do not draw random numbers in eval mode")
    d.train()
    check(np.any(np.asarray(d.forward(np.ones(1000))) == 0), "after train() no element was dropped (p = 0.5, 1000 elements).",
          hint="train() must switch the layer back to training mode")


def test_p_zero_and_p_one(learner, rng):
    """p = 0 keeps everything (y = x, dx = dy); p = 1 drops everything (y = 0, dx = 0) without nan or division warnings."""
    x = rng.normal(size=(5, 4))
    d0 = learner.Dropout(0.0, np.random.default_rng(0))
    assert_close(d0.forward(x), x, rtol=0, atol=0, name="forward with p = 0", hint="p = 0 drops nothing and scales by 1")
    assert_close(d0.backward(x), x, rtol=0, atol=0, name="backward with p = 0")
    d1 = learner.Dropout(1.0, np.random.default_rng(0))
    hint = "with p = 1 every unit is dropped: return zeros directly instead of computing keep / (1 - p) = 0 / 0"
    y = _strict(d1.forward, x, what="forward with p = 1", hint=hint)
    assert_close(y, np.zeros_like(x), rtol=0, atol=0, name="forward with p = 1", hint=hint)
    dx = _strict(d1.backward, x, what="backward with p = 1", hint=hint)
    assert_close(dx, np.zeros_like(x), rtol=0, atol=0, name="backward with p = 1", hint=hint)


def test_dtype_and_input_preserved(learner, rng):
    """A float32 input gives a float32 output of the same shape in both modes, and x itself is not modified."""
    x = rng.normal(size=(8, 3)).astype(np.float32)
    saved = x.copy()
    d = learner.Dropout(0.25, np.random.default_rng(1))
    for mode in ("train", "eval"):
        getattr(d, mode)()
        y = np.asarray(d.forward(x))
        check(y.dtype == np.float32, f"forward returned {y.dtype} for a float32 input in {mode} mode.",
              hint="build the mask in x's dtype, e.g. (keep / (1 - p)).astype(x.dtype)")
        assert_equal(x, saved, name=f"x after forward ({mode})", hint="compute a new array; never write into x")


@pytest.mark.points(2)
@pytest.mark.parametrize("p", [0.1, 0.3, 0.8])
def test_expectation_preserved(learner, rng, p):
    """On 200,000 ones, the fraction dropped is p and the mean output is 1 (inverted scaling), each within 5 standard errors."""
    n = 200_000
    d = learner.Dropout(p, np.random.default_rng(rng.integers(1 << 31)))
    y = np.asarray(d.forward(np.ones(n)))
    dropped = float(np.mean(y == 0))
    se_frac = np.sqrt(p * (1 - p) / n)
    check(abs(dropped - p) <= 5 * se_frac,
          f"dropped fraction {dropped:.4f}, expected p = {p} +- {5 * se_frac:.4f}.",
          hint="drop with probability p: keep where u >= p (u < p would keep with probability p)")
    se_mean = np.sqrt(p / ((1 - p) * n))  # std of x * keep / (1 - p) is sqrt(p / (1 - p))
    check(abs(y.mean() - 1.0) <= 5 * se_mean,
          f"mean output {y.mean():.4f}, expected 1 +- {5 * se_mean:.4f} (E[y] = x).",
          hint="scale the survivors by 1 / (1 - p) in training, so that the expectation is unchanged")


def test_matches_torch_dropout_scaling(learner, rng):
    """Like torch.nn.Dropout: kept entries are exactly x / (1 - p) in training, and the module is the identity in eval."""
    p = 0.3
    x = rng.uniform(1, 2, size=(50, 20))
    ours = np.asarray(learner.Dropout(p, np.random.default_rng(2)).forward(x))
    torch.manual_seed(0)
    theirs = torch.nn.Dropout(p).train()(torch.tensor(x)).numpy()
    kept = ours != 0
    check(kept.any() and not kept.all(), "the training output should have both kept and dropped entries.", hint=MASK_HINT)
    assert_close(ours[kept] / x[kept], np.full(kept.sum(), (theirs[theirs != 0] / x[theirs != 0])[0]), rtol=1e-12,
                 name="scale of the kept entries vs torch.nn.Dropout", hint="kept entries are x / (1 - p), like torch")
    d = learner.Dropout(p, np.random.default_rng(2))
    d.eval()
    assert_close(d.forward(x), torch.nn.Dropout(p).eval()(torch.tensor(x)).numpy(), rtol=0, atol=0,
                 name="eval output vs torch.nn.Dropout.eval()", hint="identity in eval mode")
