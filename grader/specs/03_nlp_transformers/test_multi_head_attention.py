"""Spec for 03_nlp_transformers/multi_head_attention.py: head splitting, masks, and equality with nn.MultiheadAttention."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grader.testing import assert_close, assert_equal, assert_shape, check

E, H = 12, 3
SPLIT_HINT = ("view (B, L, E) as (B, L, H, d) and THEN transpose to (B, H, L, d); viewing it directly as (B, H, L, d) "
              "mixes positions into heads")
SCALE_HINT = "scale the scores by sqrt(head_dim) = sqrt(E / H), not sqrt(E)"
PROJ_HINT = "in_proj_weight stacks W_q, W_k, W_v in that order: in_proj_weight.chunk(3) (and the same for the bias)"
PAD_HINT = ("torch's key_padding_mask is True at PADDED keys, which must be ignored (the opposite of SDPA's "
            "boolean mask); mask the key axis (last) with key_padding_mask[:, None, None, :]")
ATTN_MASK_HINT = ("a bool attn_mask is True where attention is BLOCKED (fill -inf there); a float attn_mask is added to "
                  "the scores")
AVG_HINT = "the returned weights are the MEAN over heads of the per-head softmax weights: (B, L, S)"


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _pair(learner, seed: int, e: int = E, h: int = H):
    """torch's module with random weights (biases too) and the learner's module loaded from its state_dict."""
    torch.manual_seed(seed)
    ref = nn.MultiheadAttention(e, h, batch_first=True)
    with torch.no_grad():
        ref.in_proj_bias.normal_()
        ref.out_proj.bias.normal_()
    mine = learner.MultiHeadAttention(e, h)
    mine.load_state_dict(ref.state_dict())
    return mine, ref


def test_split_and_merge_heads(learner):
    """split_heads puts features h*d .. (h+1)*d - 1 of every position in head h; merge_heads undoes it."""
    x = torch.arange(2 * 3 * 6, dtype=torch.float32).view(2, 3, 6)  # B=2, L=3, E=6
    got = learner.split_heads(x, 3)
    assert_shape(got, (2, 3, 3, 2), name="split_heads(x (2, 3, 6), 3)", hint="(B, L, E) -> (B, H, L, E/H)")
    for b, hh, pos in ((0, 0, 0), (0, 2, 1), (1, 1, 2)):
        assert_equal(got[b, hh, pos], x[b, pos, 2 * hh: 2 * hh + 2], name=f"split_heads(x)[{b}, {hh}, {pos}]",
                     hint=SPLIT_HINT)
    assert_equal(learner.merge_heads(got), x, name="merge_heads(split_heads(x))",
                 hint="merge: transpose back to (B, L, H, d), then reshape to (B, L, H*d)")


def test_heads_are_independent(learner, seed):
    """MultiHeadAttention(12, 3) has torch's parameter names and shapes; changing head 0's slice of W_q (rows 0..3)
    changes head 0's attention weights and leaves heads 1 and 2 unchanged."""
    mine = learner.MultiHeadAttention(E, H)
    ref = nn.MultiheadAttention(E, H, batch_first=True)
    shapes = {k: tuple(v.shape) for k, v in mine.state_dict().items()}
    expected = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    check(shapes == expected, f"the parameters are {shapes}, expected {expected}.",
          hint="keep the parameters the stub creates: in_proj_weight (3E, E), in_proj_bias (3E,), out_proj")
    x = torch.randn(2, 5, E, generator=_gen(seed))
    _, before = mine(x, x, x, average_attn_weights=False)
    assert_shape(before, (2, H, 5, 5), name="per-head weights",
                 hint="with average_attn_weights=False return every head's weights: (B, H, L, S)")
    with torch.no_grad():
        mine.in_proj_weight[: E // H] *= 3.0  # head 0's queries only
    _, after = mine(x, x, x, average_attn_weights=False)
    assert_close(after[:, 1:], before[:, 1:], atol=1e-6, name="heads 1 and 2 after changing head 0's W_q",
                 hint="head h must only use features h*d .. (h+1)*d - 1 of q, k and v: " + SPLIT_HINT)
    check(not torch.allclose(after[:, 0], before[:, 0], atol=1e-4),
          "changing head 0's query weights did not change head 0's attention.",
          hint="head 0 uses the first E/H features of Q = query W_q^T + b_q")


def test_one_head_by_hand(learner):
    """E=2, H=1 with identity projections: the output is scaled dot-product attention of x with itself, scaled by
    sqrt(2)."""
    mine = learner.MultiHeadAttention(2, 1)
    with torch.no_grad():
        mine.in_proj_weight.copy_(torch.eye(2).repeat(3, 1))
        mine.in_proj_bias.zero_()
        mine.out_proj.weight.copy_(torch.eye(2))
        mine.out_proj.bias.zero_()
    x = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]])  # (1, 2, 2)
    out, w = mine(x, x, x)
    scores = x[0] @ x[0].T / 2 ** 0.5
    expected_w = torch.softmax(scores, -1)
    assert_close(w[0], expected_w, atol=1e-6, name="weights (one head, identity projections)",
                 hint="weights = softmax(q k^T / sqrt(d)) over the keys, d the head size")
    assert_close(out[0], expected_w @ x[0], atol=1e-6, name="output (one head, identity projections)",
                 hint="output = out_proj(weights @ v)")


@pytest.mark.points(2)
def test_self_attention_matches_torch(learner, seed):
    """Self-attention (B=2, L=5, E=12, H=3): output and head-averaged weights equal nn.MultiheadAttention's, and so do
    the gradients of every parameter."""
    mine, ref = _pair(learner, seed)
    x = torch.randn(2, 5, E, generator=_gen(seed))
    out, w = mine(x, x, x)
    out_ref, w_ref = ref(x, x, x, need_weights=True)
    assert_shape(w, (2, 5, 5), name="attention weights", hint=AVG_HINT)
    hint = SCALE_HINT + "; " + PROJ_HINT + "; " + SPLIT_HINT
    assert_close(w.sum(-1), torch.ones(2, 5), atol=1e-5, name="head-averaged weights, summed over keys", hint=AVG_HINT)
    assert_close(w, w_ref, rtol=1e-5, atol=1e-6, name="head-averaged attention weights", hint=hint)
    assert_close(out, out_ref, rtol=1e-5, atol=1e-5, name="output", hint=hint + "; then merge the heads and apply out_proj")
    (out ** 2).sum().backward()
    (out_ref ** 2).sum().backward()
    for (name, p), p_ref in zip(mine.named_parameters(), ref.parameters()):
        assert_close(p.grad, p_ref.grad, rtol=1e-4, atol=1e-5, name=f"{name}.grad",
                     hint="build everything from the parameters with differentiable torch ops")


@pytest.mark.points(2)
def test_key_padding_mask(learner, seed):
    """With a key_padding_mask (True = padding) for lengths [5, 3, 1], outputs and weights equal torch's and padded keys
    get weight 0."""
    mine, ref = _pair(learner, seed)
    x = torch.randn(3, 5, E, generator=_gen(seed))
    pad = torch.arange(5)[None, :] >= torch.tensor([5, 3, 1])[:, None]  # (B, S), True at padding
    out, w = mine(x, x, x, key_padding_mask=pad)
    out_ref, w_ref = ref(x, x, x, key_padding_mask=pad)
    check(bool((w[1, :, 3:] == 0).all()) and bool((w[2, :, 1:] == 0).all()),
          "padded keys received attention weight.", hint=PAD_HINT)
    assert_close(w, w_ref, rtol=1e-5, atol=1e-6, name="weights with key_padding_mask", hint=PAD_HINT)
    assert_close(out, out_ref, rtol=1e-5, atol=1e-5, name="output with key_padding_mask", hint=PAD_HINT)


@pytest.mark.points(2)
def test_causal_attn_mask_bool_and_float(learner, seed):
    """A causal attn_mask, as bool (True above the diagonal) and as float (-inf above it), together with a
    key_padding_mask, matches torch; per-head weights come back with average_attn_weights=False."""
    mine, ref = _pair(learner, seed)
    x = torch.randn(2, 6, E, generator=_gen(seed))
    causal_bool = torch.ones(6, 6, dtype=torch.bool).triu(1)  # True = blocked
    causal_float = nn.Transformer.generate_square_subsequent_mask(6)  # 0 / -inf
    pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    out_ref, w_ref = ref(x, x, x, attn_mask=causal_bool, key_padding_mask=pad, average_attn_weights=False)
    for name, mask in (("bool", causal_bool), ("float", causal_float)):
        out, w = mine(x, x, x, attn_mask=mask, key_padding_mask=pad, average_attn_weights=False)
        assert_shape(w, (2, H, 6, 6), name=f"per-head weights ({name} causal mask)",
                     hint="with average_attn_weights=False return every head's weights: (B, H, L, S)")
        check(bool((w.triu(1) == 0).all()), f"with a {name} causal mask, some query attends to a later key.",
              hint=ATTN_MASK_HINT)
        assert_close(w, w_ref, rtol=1e-5, atol=1e-6, name=f"per-head weights ({name} causal mask)", hint=ATTN_MASK_HINT)
        assert_close(out, out_ref, rtol=1e-5, atol=1e-5, name=f"output ({name} causal mask)", hint=ATTN_MASK_HINT)


def test_cross_attention_matches_torch(learner, seed):
    """Cross-attention with L=4 queries and S=7 keys/values (key != value) matches torch; need_weights=False returns
    None for the weights."""
    mine, ref = _pair(learner, seed)
    g = _gen(seed)
    q, k, v = torch.randn(2, 4, E, generator=g), torch.randn(2, 7, E, generator=g), torch.randn(2, 7, E, generator=g)
    out, w = mine(q, k, v)
    out_ref, w_ref = ref(q, k, v)
    assert_shape(w, (2, 4, 7), name="cross-attention weights", hint="weights are (B, L, S): queries by keys")
    hint = "Q comes from query, K from key, V from value, each with its own slice of in_proj_weight; " + PROJ_HINT
    assert_close(out, out_ref, rtol=1e-5, atol=1e-5, name="cross-attention output", hint=hint)
    out2, none = mine(q, k, v, need_weights=False)
    check(none is None, f"need_weights=False should return None for the weights, got {type(none).__name__}.",
          hint="return (output, None) when need_weights is False")
    assert_close(out2, out_ref, rtol=1e-5, atol=1e-5, name="output with need_weights=False")
