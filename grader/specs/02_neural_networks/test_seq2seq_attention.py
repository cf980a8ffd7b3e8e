"""Spec for 02_neural_networks/seq2seq_attention.py: masked attention, teacher forcing vs greedy decoding, reversal."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_shape, check

PAD, BOS, VOCAB = 0, 1, 12
MASK_HINT = ("set the scores of padded positions to -inf BEFORE the softmax (scores.masked_fill(~mask, "
             "float('-inf'))), so they get exactly zero weight and the real positions' weights sum to 1")


def _batch(n, min_len, max_len, g):
    """The reversal task, built here (not with the learner's helper)."""
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=g)
    src = torch.randint(2, VOCAB, (n, max_len), generator=g)
    pos = torch.arange(max_len)
    src[pos[None, :] >= lengths[:, None]] = PAD
    tgt_out = torch.full_like(src, PAD)
    for b in range(n):
        tgt_out[b, : lengths[b]] = src[b, : lengths[b]].flip(0)
    tgt_in = torch.cat([torch.full((n, 1), BOS), tgt_out[:, :-1]], dim=1)
    tgt_in[pos[None, :] >= lengths[:, None]] = PAD
    return src, lengths, tgt_in, tgt_out


def test_attention_by_hand(learner):
    """q = [1, 0], keys [2, 0], [0, 1], [5, 5] with the third masked: weights = softmax([2, 0] / sqrt 2) and 0."""
    q = torch.tensor([[1.0, 0.0]])
    k = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])
    context, weights = learner.attention(q, k, torch.tensor([[True, True, False]]))
    w = torch.softmax(torch.tensor([2.0, 0.0]) / math.sqrt(2.0), dim=0)
    assert_shape(weights, (1, 3), name="weights")
    hint = "scores = keys . query / sqrt(H), padded positions set to -inf, then softmax over positions. " + MASK_HINT
    unscaled = torch.softmax(torch.tensor([2.0, 0.0]), dim=0)
    if torch.allclose(weights[0, :2].float(), unscaled, atol=1e-6):
        hint = "the weights are softmax([2, 0]): divide the dot products by sqrt(H) = sqrt(2) first"
    elif torch.allclose(weights[0, :2].float(), torch.ones(2), atol=1e-6):
        hint = "every weight is 1: the softmax ran over the batch axis; take it over the source positions (dim=-1)"
    assert_close(weights, [[w[0].item(), w[1].item(), 0.0]], atol=1e-6, name="attention weights", hint=hint)
    assert_close(context, [[2 * w[0].item(), w[1].item()]], atol=1e-6, name="context",
                 hint="context = sum_j weights_j * keys_j (the keys are also the values)")


def test_attention_matches_sdpa_and_masks(learner, seed):
    """attention equals F.scaled_dot_product_attention with a boolean mask; weights sum to 1 and are 0 on padding,
    even with huge scores."""
    g = torch.Generator().manual_seed(seed)
    B, S, H = 4, 6, 8
    q, k = torch.randn(B, H, generator=g), torch.randn(B, S, H, generator=g)
    lengths = torch.tensor([6, 1, 3, 5])
    mask = torch.arange(S)[None, :] < lengths[:, None]
    context, weights = learner.attention(q, k, mask)
    assert_shape(context, (B, H), name="context")
    assert_shape(weights, (B, S), name="weights")
    assert_close(weights.sum(-1), torch.ones(B), atol=1e-6, name="weights.sum(-1)",
                 hint="a softmax over the source positions (the last axis)")
    check(bool((weights[~mask] == 0).all()), f"padded positions got non-zero weight: {weights[~mask].tolist()}.",
          hint=MASK_HINT)
    expected = F.scaled_dot_product_attention(q[:, None, :], k, k, attn_mask=mask[:, None, :])[:, 0]
    assert_close(context, expected, atol=1e-5, name="context vs F.scaled_dot_product_attention",
                 hint="scale the dot products by 1/sqrt(H), the size of the hidden state. " + MASK_HINT)
    context, weights = learner.attention(q * 1e4, k, mask)
    check(bool(torch.isfinite(weights).all() and torch.isfinite(context).all()),
          "attention with huge scores (query x 1e4) returned inf or nan.",
          hint="use torch.softmax (it subtracts the max) on -inf-masked scores, not exp(scores) / sum by hand")
    assert_close(weights.sum(-1), torch.ones(B), atol=1e-5, name="weights.sum(-1) with huge scores")


def _model(learner, seed):
    torch.manual_seed(seed)
    return learner.Seq2Seq(VOCAB, 16, 24).eval()


def test_shapes(learner, seed):
    """forward gives logits (B, T, V) and weights (B, T, S); greedy_decode gives tokens (B, max_len) and weights."""
    g = torch.Generator().manual_seed(seed)
    model = _model(learner, seed)
    src, lengths, tgt_in, _ = _batch(5, 2, 7, g)
    with torch.no_grad():
        logits, weights = model(src, lengths, tgt_in)
        enc_states, h = model.encode(src, lengths)
    assert_shape(enc_states, (5, 7, 24), name="encode(...)[0]", hint="encoder states for every source position")
    assert_shape(h, (5, 24), name="encode(...)[1]", hint="the (B, H) state after each source's last real token")
    assert_shape(logits, (5, 7, VOCAB), name="forward logits", hint="one row of vocabulary scores per target step")
    assert_shape(weights, (5, 7, 7), name="forward weights", hint="one attention distribution per target step")
    tokens, weights = model.greedy_decode(src, lengths, 4)
    assert_shape(tokens, (5, 4), name="greedy_decode tokens")
    assert_shape(weights, (5, 4, 7), name="greedy_decode weights")
    check(tokens.dtype == torch.long, f"tokens should be int64 token ids, got {tokens.dtype}.")


def test_padding_is_ignored(learner, seed):
    """Attention never lands on source padding, and extra source padding changes neither logits nor weights."""
    g = torch.Generator().manual_seed(seed)
    model = _model(learner, seed)
    src, lengths, tgt_in, _ = _batch(6, 2, 6, g)
    lengths[0] = 6
    src[0] = torch.randint(2, VOCAB, (6,), generator=g)  # make sure one source fills the width
    with torch.no_grad():
        logits, weights = model(src, lengths, tgt_in)
        more = torch.cat([src, torch.zeros(6, 3, dtype=torch.long)], dim=1)
        logits2, weights2 = model(more, lengths, tgt_in)
    pad = (src == PAD)[:, None, :].expand_as(weights)
    check(bool((weights[pad] == 0).all()), "some attention weight fell on source padding.", hint=MASK_HINT)
    assert_close(weights.sum(-1), torch.ones(6, 6), atol=1e-5, name="weights.sum over source positions")
    assert_close(logits2, logits, atol=1e-5, name="logits with 3 extra source pad columns",
                 hint="pack the source (pack_padded_sequence with the lengths) so the encoder's final state is the "
                      "one after the last REAL token, and mask padding out of the attention. " + MASK_HINT)
    assert_close(weights2[..., :6], weights, atol=1e-5, name="weights with extra source padding")


def test_teacher_forcing_is_causal_and_matches_greedy(learner, seed):
    """forward's step t depends only on tgt_in[:, :t+1]; feeding greedy_decode's own tokens back through forward
    reproduces its weights and argmaxes (both must use the same step)."""
    g = torch.Generator().manual_seed(seed)
    model = _model(learner, seed)
    src, lengths, tgt_in, _ = _batch(5, 3, 6, g)
    with torch.no_grad():
        logits, _ = model(src, lengths, tgt_in)
        changed = tgt_in.clone()
        changed[:, 3:] = torch.randint(2, VOCAB, changed[:, 3:].shape, generator=g)
        logits2, _ = model(src, lengths, changed)
    assert_close(logits2[:, :3], logits[:, :3], atol=1e-6, name="logits of steps 0..2 after changing tgt_in[:, 3:]",
                 hint="step t must read tgt_in[:, t] (the previous true token), never later ones")
    check(not torch.allclose(logits2[:, 3:], logits[:, 3:]),
          "changing tgt_in[:, 3:] did not change the later logits: teacher forcing must feed tgt_in[:, t] at step t.",
          hint="in forward, step t's input token is tgt_in[:, t], not the model's own argmax")
    tokens, weights = model.greedy_decode(src, lengths, 6)
    fed = torch.cat([torch.full((5, 1), BOS), tokens[:, :-1]], dim=1)
    with torch.no_grad():
        logits3, weights3 = model(src, lengths, fed)
    assert_close(weights3, weights, atol=1e-5, name="forward(weights) fed greedy_decode's tokens vs greedy_decode's",
                 hint="greedy_decode starts from BOS and the same initial state and context as forward, and feeds "
                      "back argmax(logits) of the previous step")
    check(bool((logits3.argmax(-1) == tokens).all()), "greedy_decode's tokens are not the argmax of the logits "
          "forward gives when fed those same tokens.", hint="y_t = logits_t.argmax(-1), fed in at step t + 1")


@pytest.mark.points(3)
def test_learns_reversal_with_mirrored_attention(learner, seed):
    """After 100 training steps (batch 32, lengths 3-6) greedy decoding reverses fresh sequences with token accuracy
    >= 0.65, and the attention of step t peaks at source position L-1-t for >= 60% of the tokens."""
    torch.manual_seed(seed)
    model = learner.Seq2Seq(VOCAB, 16, 32)
    losses = learner.train_seq2seq(model, 100, batch_size=32, lr=1e-2, seed=seed, min_len=3, max_len=6)
    check(len(losses) == 100 and losses[-1] < losses[0], f"train_seq2seq should return 100 decreasing-ish losses; "
          f"got {len(losses)}, first {losses[0]:.3f}, last {losses[-1]:.3f}.")
    src, lengths, _, tgt_out = _batch(300, 3, 6, torch.Generator().manual_seed(10_000 + seed))
    model.eval()
    tokens, weights = model.greedy_decode(src, lengths, 6)
    real = tgt_out != PAD
    acc = (tokens == tgt_out)[real].float().mean().item()
    mirror = lengths[:, None] - 1 - torch.arange(6)[None, :]
    focus = (weights.argmax(-1) == mirror)[real].float().mean().item()
    check(acc >= 0.65, f"greedy token accuracy on fresh sequences is {acc:.3f} < 0.65.",
          hint="train with teacher forcing (tgt_in) and cross_entropy(..., ignore_index=0) over (B*T, V) logits; "
               "zero the gradients every step")
    check(focus >= 0.6, f"attention peaks at the mirrored source position for only {focus:.0%} of the tokens.",
          hint="the decoder state is the query, the encoder states are keys and values; does the attention see the "
               "right encoder states (all positions, padding masked)?")
