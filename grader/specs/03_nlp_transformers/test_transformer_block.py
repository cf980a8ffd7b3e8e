"""Spec for 03_nlp_transformers/transformer_block.py: LayerNorm, feed-forward, post-LN and pre-LN blocks vs torch."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.testing import assert_close, assert_shape, check

D, HEADS, FF = 16, 4, 32
LN_HINT = ("LN(x) = (x - mean) / sqrt(var + eps) * weight + bias over the last axis, with the BIASED variance "
           "(divide by D: x.var(-1, unbiased=False)) and eps inside the square root")
# torch's parameter name -> the learner's (documented in the stub).
RENAME = {"self_attn.": "attn.", "linear1.": "ff_in.", "linear2.": "ff_out.", "norm1.": "ln1.", "norm2.": "ln2."}


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _rename(key: str) -> str:
    for old, new in RENAME.items():
        if key.startswith(old):
            return new + key[len(old):]
    raise KeyError(key)


def _pair(learner, seed: int, activation: str = "relu", norm_first: bool = False):
    """torch's layer with random weights (norm scales/shifts too), and the learner's block with the weights copied in."""
    torch.manual_seed(seed)
    ref = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation=activation, batch_first=True,
                                     norm_first=norm_first)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if name.endswith("bias") or name.startswith("norm"):
                p.normal_(mean=1.0 if name.endswith("weight") else 0.0, std=0.3)
    ref.train()  # dropout is 0, and train mode keeps torch off its fused fast path
    mine = learner.TransformerBlock(D, HEADS, FF, activation=activation, norm_first=norm_first)
    missing = mine.load_state_dict({_rename(k): v for k, v in ref.state_dict().items()}, strict=False)
    check(not missing.missing_keys and not missing.unexpected_keys,
          f"copying nn.TransformerEncoderLayer's weights failed: missing {missing.missing_keys}, "
          f"unexpected {missing.unexpected_keys}.",
          hint="keep the submodules the stub creates: attn, ff_in, ff_out, ln1, ln2")
    return mine, ref


def test_layer_norm_by_hand(learner):
    """LayerNorm(4) maps [1, 2, 3, 4] to (x - 2.5) / sqrt(1.25 + 1e-5), and [0, 1e-3, 2e-3, 3e-3] (variance 1.25e-6,
    comparable to eps) to (x - 1.5e-3) / sqrt(1.25e-6 + 1e-5); a constant row gives the bias, not nan."""
    ln = learner.LayerNorm(4)
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 1e-3, 2e-3, 3e-3], [7.0, 7.0, 7.0, 7.0]])
    expected = torch.stack([(x[0] - 2.5) / math.sqrt(1.25 + 1e-5), (x[1] - 1.5e-3) / math.sqrt(1.25e-6 + 1e-5),
                            torch.zeros(4)])
    got = ln(x)
    check(bool(torch.isfinite(got).all()), f"LayerNorm gave non-finite values: {got}",
          hint="eps inside the sqrt keeps a constant row (variance 0) finite")
    assert_close(got, expected, rtol=1e-5, atol=1e-5, name="LayerNorm(4)(x)", hint=LN_HINT)


def test_layer_norm_matches_torch(learner, seed):
    """With random weight/bias, on data of mean 1000 and std 1 (float32), LayerNorm equals nn.LayerNorm."""
    g = _gen(seed)
    ln, ref = learner.LayerNorm(D, eps=1e-6), nn.LayerNorm(D, eps=1e-6)
    with torch.no_grad():
        ref.weight.normal_(generator=g)
        ref.bias.normal_(generator=g)
    ln.load_state_dict(ref.state_dict())
    x = torch.randn(3, 5, D, generator=g) + 1000.0
    assert_close(ln(x), ref(x), rtol=1e-4, atol=2e-3, name="LayerNorm(x) with mean 1000",
                 hint=LN_HINT + "; compute var as mean((x - mu)^2): E[x^2] - E[x]^2 loses every digit in float32 "
                                "when the mean is large")


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_feed_forward(learner, seed, activation):
    """feed_forward(x) = ff_out(act(ff_in(x))) with ReLU, or with the exact (erf) GELU that torch's F.gelu computes."""
    mine, ref = _pair(learner, seed, activation=activation)
    x = torch.randn(2, 5, D, generator=_gen(seed)) * 3
    expected = ref.linear2(ref.activation(ref.linear1(x))) if activation == "gelu" else \
        ref.linear2(F.relu(ref.linear1(x)))
    assert_close(mine.feed_forward(x), expected, rtol=1e-5, atol=1e-5, name=f"feed_forward(x) ({activation})",
                 hint="FF(x) = ff_out(act(ff_in(x))); GELU is the exact x * Phi(x) (F.gelu(h)), not the tanh "
                      "approximation")


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_residuals_with_silent_sublayers(learner, seed, norm_first):
    """With attn.out_proj and ff_out set to zero, both sublayers output 0: a pre-LN block returns x unchanged and a
    post-LN block returns ln2(ln1(x))."""
    mine, _ = _pair(learner, seed, norm_first=norm_first)
    with torch.no_grad():
        for lin in (mine.attn.out_proj, mine.ff_out):
            lin.weight.zero_()
            lin.bias.zero_()
    x = torch.randn(2, 4, D, generator=_gen(seed)) * 2 + 1
    got = mine(x)
    if norm_first:
        assert_close(got, x, rtol=1e-6, atol=1e-6, name="pre-LN block with silent sublayers",
                     hint="pre-LN adds each sublayer's output to the UNNORMALISED stream: x = x + SA(ln1(x)); "
                          "x = x + FF(ln2(x)). The residual is x itself, not ln1(x)")
    else:
        assert_close(got, mine.ln2(mine.ln1(x)), rtol=1e-5, atol=1e-5, name="post-LN block with silent sublayers",
                     hint="post-LN normalises after the residual sum: x = ln1(x + SA(x)); x = ln2(x + FF(x))")


@pytest.mark.points(2)
@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_block_matches_torch(learner, seed, norm_first):
    """The block equals nn.TransformerEncoderLayer(norm_first=...) with the same weights, for ReLU and GELU."""
    for activation in ("relu", "gelu"):
        mine, ref = _pair(learner, seed, activation=activation, norm_first=norm_first)
        x = torch.randn(3, 6, D, generator=_gen(seed))
        name = ("pre-LN" if norm_first else "post-LN") + f" block ({activation})"
        hint = ("pre-LN: x = x + SA(ln1(x)); x = x + FF(ln2(x))" if norm_first
                else "post-LN: x = ln1(x + SA(x)); x = ln2(x + FF(x))") + "; ln1 goes with attention, ln2 with FF"
        got = mine(x)
        assert_shape(got, (3, 6, D), name=name)
        assert_close(got, ref(x), rtol=1e-5, atol=1e-5, name=name, hint=hint)


@pytest.mark.points(2)
@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_block_with_masks_matches_torch(learner, seed, norm_first):
    """With a causal attn_mask and a key_padding_mask, the block equals torch's layer (src_mask, src_key_padding_mask),
    and gradients with respect to the input agree."""
    mine, ref = _pair(learner, seed, norm_first=norm_first)
    x = torch.randn(2, 5, D, generator=_gen(seed))
    causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
    pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    got = mine(x1, attn_mask=causal, key_padding_mask=pad)
    expected = ref(x2, src_mask=causal, src_key_padding_mask=pad)
    hint = "pass attn_mask and key_padding_mask through to the attention sublayer unchanged (torch's conventions)"
    assert_close(got, expected, rtol=1e-5, atol=1e-5, name="block output with masks", hint=hint)
    got.square().sum().backward()
    expected.square().sum().backward()
    assert_close(x1.grad, x2.grad, rtol=1e-4, atol=1e-5, name="d loss / d x",
                 hint="build the block from differentiable torch operations only")
