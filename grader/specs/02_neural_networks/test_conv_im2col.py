"""Spec for 02_neural_networks/conv_im2col.py: im2col convolution and pooling vs torch.nn.functional."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

F64 = torch.float64
# The trusted oracles, kept before the fixture below hides them from the learner's code.
REF_CONV, REF_UNFOLD, REF_MAX, REF_AVG = F.conv2d, F.unfold, F.max_pool2d, F.avg_pool2d
HIDDEN = [(F, "conv2d"), (F, "unfold"), (F, "max_pool2d"), (F, "avg_pool2d"), (F, "max_pool2d_with_indices"),
          (torch, "conv2d")]  # (torch.max_pool2d stays: F.max_pool2d, the oracle, calls it)


@pytest.fixture(autouse=True)
def _hide_builtin_conv(monkeypatch):
    """While a test runs, the built-in conv / unfold / pooling functions raise: build them yourself."""
    for mod, name in HIDDEN:
        def forbidden(*args, _name=name, **kwargs):
            raise RuntimeError(f"{_name} is off limits in this exercise: build it from im2col (indexing and one "
                               "matmul); F.pad is allowed")
        monkeypatch.setattr(mod, name, forbidden, raising=False)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_output_size_formula(learner):
    """conv_output_size by hand (LeNet's 32 -> 28, stride, padding, dilation, flooring) and against the shapes
    F.conv2d produces over a grid of settings."""
    cases = [((32, 5), 28), ((28, 2, 2), 14), ((7, 3, 2, 1, 2), 3), ((224, 11, 4, 2), 55), ((8, 3, 3), 2),
             ((5, 3, 1, 1), 5), ((9, 3, 1, 0, 4), 1)]
    for args, want in cases:
        got = learner.conv_output_size(*args)
        check(got == want, f"conv_output_size{args} = {got!r}, expected {want}",
              hint="floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1: a dilated kernel spans "
                   "dilation (kernel - 1) + 1 pixels; use integer division")
    x = torch.zeros(1, 1, 11, 11)
    for k in (1, 2, 3):
        for s in (1, 2, 3):
            for p in (0, 1):
                for d in (1, 2):
                    want = REF_CONV(x, torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[-1]
                    got = learner.conv_output_size(11, k, s, p, d)
                    check(got == want, f"conv_output_size(11, kernel={k}, stride={s}, padding={p}, dilation={d}) = "
                          f"{got}, but F.conv2d gives {want}", hint="mind the dilation: the window spans d (k - 1) + 1")


def test_im2col_by_hand(learner):
    """im2col of a 3 x 3 ramp with a 2 x 2 kernel: four columns [0 1 3 4], [1 2 4 5], [3 4 6 7], [4 5 7 8]."""
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    cols = learner.im2col(x, 2)
    assert_shape(cols, (1, 4, 4), name="im2col(x (1, 1, 3, 3), 2)",
                 hint="(N, C * kh * kw, out_h * out_w): one column per output position")
    assert_equal(cols[0], torch.tensor([[0.0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]),
                 name="im2col(x, 2)[0]", hint="column i * out_w + j holds the window at output (i, j), read row by "
                                              "row: row (a, b) of the matrix is the pixel at offset (a, b)")


@pytest.mark.parametrize("cfg", [
    dict(k=(2, 3), s=1, p=0, d=1), dict(k=3, s=2, p=1, d=1), dict(k=3, s=1, p=2, d=2), dict(k=(3, 2), s=(2, 1), p=(1, 0), d=(1, 2)),
])
def test_im2col_matches_unfold(learner, seed, cfg):
    """im2col on 3-channel input equals F.unfold exactly (channel-major rows), for stride, padding and dilation."""
    x = torch.randn(2, 3, 7, 8, generator=_gen(seed), dtype=F64)
    got = learner.im2col(x, cfg["k"], cfg["s"], cfg["p"], cfg["d"])
    want = REF_UNFOLD(x, cfg["k"], dilation=cfg["d"], padding=cfg["p"], stride=cfg["s"])
    assert_shape(got, tuple(want.shape), name=f"im2col with {cfg}")
    assert_close(got, want, rtol=0, atol=0, name=f"im2col with {cfg}",
                 hint="rows are ordered channel first, then kernel row a, then kernel column b: stack the "
                      "(N, C, out_h, out_w) slices on dim 2 and reshape (N, C * kh * kw, L); pad with zeros")


def test_conv2d_by_hand(learner):
    """A 2 x 2 kernel of ones sums each window; a bias of 10 is added to every output; the kernel is not flipped."""
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    out = learner.conv2d(x, torch.ones(1, 1, 2, 2), torch.tensor([10.0]))
    assert_shape(out, (1, 1, 2, 2), name="conv2d(3 x 3, 2 x 2 kernel)")
    assert_equal(out, torch.tensor([[[[18.0, 22.0], [30.0, 34.0]]]]), name="conv2d(x, ones, bias=10)",
                 hint="each output is the window's sum plus the bias")
    w = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])  # picks the window's top-left pixel
    assert_equal(learner.conv2d(x, w), torch.tensor([[[[0.0, 1.0], [3.0, 4.0]]]]), name="conv2d with a top-left kernel",
                 hint="deep-learning 'convolution' is cross-correlation: weight[a, b] multiplies the pixel at offset "
                      "(a, b), no kernel flip")


CONV_CASES = [
    dict(cin=3, cout=4, k=3, s=1, p=0, d=1, bias=True),
    dict(cin=2, cout=5, k=3, s=2, p=1, d=1, bias=True),
    dict(cin=3, cout=2, k=(2, 3), s=(1, 2), p=(1, 2), d=1, bias=False),
    dict(cin=4, cout=3, k=3, s=1, p=2, d=2, bias=True),
    dict(cin=1, cout=6, k=5, s=1, p=0, d=1, bias=True),
]


@pytest.mark.parametrize("i", range(len(CONV_CASES)))
def test_conv2d_matches_torch(learner, seed, i):
    """conv2d equals F.conv2d (float64, 1e-10) with several channels, rectangular kernels, stride, padding, dilation
    and bias, and its gradients (through autograd) match F.conv2d's."""
    c = CONV_CASES[i]
    g = _gen(seed + i)
    x = torch.randn(2, c["cin"], 9, 10, generator=g, dtype=F64, requires_grad=True)
    kh, kw = (c["k"], c["k"]) if isinstance(c["k"], int) else c["k"]
    w = torch.randn(c["cout"], c["cin"], kh, kw, generator=g, dtype=F64, requires_grad=True)
    b = torch.randn(c["cout"], generator=g, dtype=F64, requires_grad=True) if c["bias"] else None
    kw_args = dict(stride=c["s"], padding=c["p"], dilation=c["d"])
    got = learner.conv2d(x, w, b, **kw_args)
    want = REF_CONV(x, w, b, **kw_args)
    assert_shape(got, tuple(want.shape), name=f"conv2d {c}",
                 hint="out = weight.reshape(C_out, -1) @ im2col(x) (+ bias[:, None]), reshaped to (N, C_out, out_h, out_w)")
    assert_close(got, want, rtol=1e-10, atol=1e-10, name=f"conv2d {c}",
                 hint="the flattened weight (C_out, C_in kh kw) must match im2col's row order (channel, a, b); the "
                      "bias is per output channel")
    up = torch.randn(want.shape, generator=g, dtype=F64)
    grads = torch.autograd.grad(got, [x, w], up)
    ref = torch.autograd.grad(want, [x, w], up)
    assert_close(grads[0], ref[0], rtol=1e-10, atol=1e-10, name="dL/dx through conv2d",
                 hint="build conv2d from differentiable tensor ops (slicing, stack, reshape, matmul)")
    assert_close(grads[1], ref[1], rtol=1e-10, atol=1e-10, name="dL/dweight through conv2d")


def test_max_pool_by_hand_and_negative_padding(learner):
    """max_pool2d: 2 x 2 windows of a 4 x 4 ramp (stride defaults to the kernel size), and with padding on an
    all-negative input the padding never wins (it acts as -inf, not 0)."""
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert_equal(learner.max_pool2d(x, 2), torch.tensor([[[[5.0, 7.0], [13.0, 15.0]]]]), name="max_pool2d(ramp, 2)",
                 hint="a pooling layer's stride defaults to its kernel size: non-overlapping windows")
    neg = -1.0 - torch.arange(9.0).reshape(1, 1, 3, 3)
    got = learner.max_pool2d(neg, 2, stride=2, padding=1)
    assert_equal(got, REF_MAX(neg, 2, stride=2, padding=1), name="max_pool2d(negative x, 2, stride=2, padding=1)",
                 hint="pad with -inf for max pooling (im2col's pad_value): zero padding would beat every negative value")


@pytest.mark.parametrize("cfg", [dict(k=2, s=None, p=0), dict(k=3, s=2, p=1), dict(k=(3, 2), s=(1, 2), p=(1, 1)),
                                 dict(k=3, s=1, p=0)])
def test_pooling_matches_torch(learner, seed, cfg):
    """max_pool2d and avg_pool2d equal F.max_pool2d and F.avg_pool2d (count_include_pad=True) on random
    multi-channel input, with default and explicit strides and padding."""
    x = torch.randn(2, 3, 7, 8, generator=_gen(seed), dtype=F64) - 1.0  # mostly negative: padding matters
    s = cfg["s"]
    ref_kwargs = dict(stride=s, padding=cfg["p"]) if s is not None else dict(padding=cfg["p"])
    want = REF_MAX(x, cfg["k"], **ref_kwargs)
    got = learner.max_pool2d(x, cfg["k"], s, cfg["p"])
    assert_shape(got, tuple(want.shape), name=f"max_pool2d {cfg}", hint="stride=None means stride = kernel_size")
    assert_close(got, want, rtol=0, atol=0, name=f"max_pool2d {cfg}",
                 hint="the max over each channel's window, padding as -inf")
    want = REF_AVG(x, cfg["k"], **ref_kwargs)
    got = learner.avg_pool2d(x, cfg["k"], s, cfg["p"])
    assert_shape(got, tuple(want.shape), name=f"avg_pool2d {cfg}", hint="stride=None means stride = kernel_size")
    assert_close(got, want, rtol=1e-12, atol=1e-12, name=f"avg_pool2d {cfg}",
                 hint="pad with zeros and divide by kh * kw, padded positions included (count_include_pad=True)")
