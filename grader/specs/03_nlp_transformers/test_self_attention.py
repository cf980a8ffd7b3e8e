"""Spec for 03_nlp_transformers/self_attention.py: masked stable softmax, scaled dot-product attention, Q/K/V projections."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_shape, check

STABLE_HINT = ("e^s overflows to inf for s > 88 in float32 (inf / inf = nan): subtract each row's max before "
               "exponentiating (or use torch.softmax, which does)")
FULLY_MASKED_HINT = ("a row whose every key is masked is all -inf, and softmax of it is 0/0 = nan; the documented "
                     "answer is all-zero weights (e.g. clamp the denominator, or zero the nan rows with the mask)")
SCALE_HINT = "scores are q @ k^T divided by sqrt(d_k) (the last axis of q), not by d_k and not unscaled"
AXIS_HINT = "the softmax runs over the KEY axis (the last one): each query's weights sum to 1"


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _no_nan(t: torch.Tensor, name: str, hint: str) -> None:
    check(bool(torch.isfinite(t).all()), f"{name} contains nan or inf: {t}", hint=hint)


def test_masked_softmax_by_hand(learner):
    """masked_softmax([0, log 3]) = [0.25, 0.75]; masking the second entry gives [1, 0]; rows are independent."""
    s = torch.tensor([[0.0, math.log(3.0)], [1.0, 1.0]])
    assert_close(learner.masked_softmax(s), [[0.25, 0.75], [0.5, 0.5]], atol=1e-6, name="masked_softmax(s)",
                 hint="softmax(s)_j = e^{s_j} / sum_i e^{s_i} along the last axis")
    mask = torch.tensor([[True, False], [True, True]])
    assert_close(learner.masked_softmax(s, mask), [[1.0, 0.0], [0.5, 0.5]], atol=1e-6,
                 name="masked_softmax(s, mask)",
                 hint="True means keep: set the scores where mask is False to -inf, so their weight is exactly 0 "
                      "and the rest renormalise")


@pytest.mark.points(2)
def test_masked_softmax_huge_scores(learner):
    """Scores of +-1000 and 1e4 (float32) give the right softmax, with no inf or nan."""
    s = torch.tensor([[1000.0, 0.0, -1000.0], [1e4, 1e4, 1e4 - math.log(2.0)], [-1e4, -1e4, -1e4]])
    got = learner.masked_softmax(s)
    _no_nan(got, "masked_softmax of huge scores", STABLE_HINT)
    assert_close(got, torch.softmax(s.double(), -1).float(), atol=1e-5, name="masked_softmax(huge scores)",
                 hint=STABLE_HINT)


@pytest.mark.points(2)
def test_fully_masked_row_is_zero(learner):
    """A query with no allowed key gets all-zero weights and an all-zero output (not nan); other rows are unaffected,
    and gradients stay finite."""
    s = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask = torch.tensor([[True, True, False], [False, False, False]])
    got = learner.masked_softmax(s, mask)
    _no_nan(got, "masked_softmax with a fully masked row", FULLY_MASKED_HINT)
    expected = torch.tensor([[1 / (1 + math.e), math.e / (1 + math.e), 0.0], [0.0, 0.0, 0.0]])
    assert_close(got, expected, atol=1e-6, name="masked_softmax(s, mask) with row 1 fully masked",
                 hint=FULLY_MASKED_HINT)

    g = _gen(0)
    q = torch.randn(2, 4, generator=g, requires_grad=True)
    k = torch.randn(3, 4, generator=g, requires_grad=True)
    v = torch.randn(3, 5, generator=g, requires_grad=True)
    out, w = learner.scaled_dot_product_attention(q, k, v, mask)
    _no_nan(out, "attention output with a fully masked row", FULLY_MASKED_HINT)
    assert_close(out[1], torch.zeros(5), atol=0, name="output of the fully masked query", hint=FULLY_MASKED_HINT)
    out.sum().backward()
    for name, t in (("q.grad", q.grad), ("k.grad", k.grad), ("v.grad", v.grad)):
        check(t is not None, f"{name} is None: the output is not differentiable with respect to the input.",
              hint="build the output from q, k and v with torch ops only (no .detach(), no numpy)")
        _no_nan(t, name, "the backward pass through a fully masked row must not produce nan: " + FULLY_MASKED_HINT)


def test_attention_by_hand(learner):
    """q = [2,0,0,0], k = [[2,0,0,0], [0,0,0,0]], v = [[1], [0]]: weights softmax([2, 0]) = [0.8808, 0.1192], output 0.8808."""
    q = torch.tensor([[2.0, 0.0, 0.0, 0.0]])
    k = torch.tensor([[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    v = torch.tensor([[1.0], [0.0]])
    out, w = learner.scaled_dot_product_attention(q, k, v)
    p = 1 / (1 + math.exp(-2.0))
    assert_shape(w, (1, 2), name="weights", hint="weights are (Lq, Lk): one row per query, one column per key")
    assert_shape(out, (1, 1), name="output", hint="output is weights @ v: (Lq, d_v)")
    assert_close(w.sum(-1), [1.0], atol=1e-6, name="weights.sum(-1)", hint=AXIS_HINT)
    assert_close(w, [[p, 1 - p]], atol=1e-6, name="weights",
                 hint=SCALE_HINT + " (here q.k = 4 and sqrt(4) = 2, so the scores are [2, 0])")
    assert_close(out, [[p]], atol=1e-6, name="output", hint="output = weights @ v")


def test_shapes_and_rows_sum_to_one(learner, seed):
    """With Lq != Lk, d_v != d_k and two batch axes, the shapes are right and each query's weights sum to 1."""
    g = _gen(seed)
    q, k, v = torch.randn(2, 3, 5, 8, generator=g), torch.randn(2, 3, 7, 8, generator=g), torch.randn(2, 3, 7, 6, generator=g)
    out, w = learner.scaled_dot_product_attention(q, k, v)
    assert_shape(w, (2, 3, 5, 7), name="weights", hint="scores are q @ k.transpose(-2, -1): (..., Lq, Lk)")
    assert_shape(out, (2, 3, 5, 6), name="output", hint="output = weights @ v: (..., Lq, d_v)")
    assert_close(w.sum(-1), torch.ones(2, 3, 5), atol=1e-5, name="weights.sum(-1)", hint=AXIS_HINT)
    check(bool((w >= 0).all()), "some attention weights are negative.", hint="weights come out of a softmax")


@pytest.mark.points(2)
def test_matches_torch_sdpa(learner, seed):
    """Random q, k, v with a random boolean mask (and then a causal mask) match torch.nn.functional.
    scaled_dot_product_attention, and the weights match softmax(q k^T / sqrt(d_k)) with masked entries at 0."""
    g = _gen(seed)
    q, k, v = torch.randn(2, 4, 6, 16, generator=g), torch.randn(2, 4, 9, 16, generator=g), torch.randn(2, 4, 9, 8, generator=g)
    mask = torch.rand(2, 1, 6, 9, generator=g) < 0.6  # broadcast over the head axis
    mask[..., 0] = True  # every query may attend to something
    out, w = learner.scaled_dot_product_attention(q, k, v, mask)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    hint = SCALE_HINT + "; " + AXIS_HINT + "; the mask is True where attention is ALLOWED (torch's convention)"
    assert_close(out, expected, rtol=1e-5, atol=1e-5, name="attention output (random mask)", hint=hint)
    ref_w = torch.softmax((q @ k.transpose(-2, -1) / 4.0).masked_fill(~mask, float("-inf")), -1)
    assert_close(w, ref_w, rtol=1e-5, atol=1e-6, name="attention weights (random mask)", hint=hint)

    qs = torch.randn(3, 5, 4, generator=g)
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    out, w = learner.scaled_dot_product_attention(qs, qs, qs, causal)
    assert_close(out, F.scaled_dot_product_attention(qs, qs, qs, is_causal=True), rtol=1e-5, atol=1e-5,
                 name="attention output (causal mask)", hint=hint)
    check(bool((w.triu(1) == 0).all()), "with a causal mask, weights above the diagonal are not zero.",
          hint="masked entries must get weight exactly 0 (score -inf), not a large negative number times a mask")


@pytest.mark.points(2)
def test_self_attention_module(learner, seed):
    """SelfAttention(d_model=12, d_k=8, d_v=6) projects x with q_proj, k_proj, v_proj and matches torch's SDPA on those
    projections, with a (B, 1, L) padding mask broadcast over queries."""
    torch.manual_seed(seed)
    m = learner.SelfAttention(12, 8, 6)
    g = _gen(seed)
    x = torch.randn(3, 7, 12, generator=g)
    lengths = torch.tensor([7, 4, 1])
    pad = (torch.arange(7)[None, :] < lengths[:, None])[:, None, :]  # (B, 1, L): True on real tokens
    out, w = m(x, pad)
    assert_shape(out, (3, 7, 6), name="output", hint="the output has d_v features: v_proj maps d_model -> d_v")
    assert_shape(w, (3, 7, 7), name="weights", hint="self-attention weights are (..., L, L)")
    q = F.linear(x, m.q_proj.weight, m.q_proj.bias)
    k = F.linear(x, m.k_proj.weight, m.k_proj.bias)
    v = F.linear(x, m.v_proj.weight, m.v_proj.bias)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=pad)
    assert_close(out, expected, rtol=1e-5, atol=1e-5, name="SelfAttention(x, mask)",
                 hint="q, k and v are q_proj(x), k_proj(x), v_proj(x) of the SAME x; then scaled dot-product attention "
                      "scaled by sqrt(d_k), not sqrt(d_model)")
    check(bool((w[2, :, 1:] == 0).all()), "padded keys received attention weight.",
          hint="keys where the mask is False must get weight exactly 0")
