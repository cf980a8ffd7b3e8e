"""Spec for 03_nlp_transformers/seq2seq_attention_scores.py: teacher-forced decoder inputs, masked softmax (exact zeros,
all-padding rows), additive and multiplicative scores by hand, dot attention against torch's scaled_dot_product_attention,
the encoder-decoder's causality and loss, and a short training run on sequence reversal."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

PAD, BOS, EOS = 0, 1, 2
SOFTMAX_HINT = ("fill masked scores with -inf, subtract the row max (use 0 where the whole row is masked), exponentiate "
                "and divide by the sum clamped away from 0; torch.softmax of an all -inf row is nan, and a -1e9 fill "
                "gives a uniform distribution over padding")


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_shift_right(learner):
    """shift_right([[5, 6, 2, 0]], bos=1) = [[1, 5, 6, 2]]: BOS first, the last target dropped, shape kept."""
    got = learner.shift_right(torch.tensor([[5, 6, 2, 0]]), 1)
    assert_equal(got, torch.tensor([[1, 5, 6, 2]]), name="shift_right([[5, 6, 2, 0]], 1)",
                 hint="decoder input = [BOS, y_1, ..., y_{T-1}]: torch.cat([bos column, tgt[:, :-1]], dim=1)")
    tgt = torch.randint(3, 20, (3, 6), generator=_gen(0))
    got = learner.shift_right(tgt, 7)
    assert_shape(got, (3, 6), name="shift_right(tgt (3, 6))", hint="the decoder input has the target's length")
    assert_equal(got[:, 0], torch.full((3,), 7), name="first column", hint="every row starts with bos_id")
    assert_equal(got[:, 1:], tgt[:, :-1], name="columns 1..T-1", hint="step t's input is the TRUE token y_{t-1}")


def test_masked_softmax_by_hand(learner):
    """[1, 1, 9] with the 9 masked gives exactly [0.5, 0.5, 0]; huge scores (+-1000) stay finite; the mask broadcasts
    over a (B, T, S) score tensor."""
    got = learner.masked_softmax(torch.tensor([[1.0, 1.0, 9.0]]), torch.tensor([[True, True, False]]))
    assert_close(got, torch.tensor([[0.5, 0.5, 0.0]]), rtol=0, atol=1e-7, name="masked_softmax([1, 1, 9], mask=[T, T, F])",
                 hint="mask BEFORE the softmax (fill with -inf) so the valid weights sum to 1")
    check(float(got[0, 2]) == 0.0, f"a masked position got weight {float(got[0, 2])!r}; it must be exactly 0",
          hint="exp(-inf) is exactly 0; a finite fill like -1e4 leaves a small positive weight")
    big = learner.masked_softmax(torch.tensor([[1000.0, -1000.0, 999.0, 5000.0]]),
                                 torch.tensor([[True, True, True, False]]))
    check(bool(torch.isfinite(big).all()), f"masked_softmax of scores +-1000 gave {big}", hint=SOFTMAX_HINT)
    e = torch.tensor([1.0, 0.0, torch.exp(torch.tensor(-1.0)).item()])
    assert_close(big[0, :3], e / e.sum(), atol=1e-6, name="masked_softmax([1000, -1000, 999, (masked) 5000])",
                 hint="subtract the max of the VALID scores; a masked 5000 must not matter")
    scores = torch.randn(2, 3, 4, generator=_gen(1))
    mask = torch.tensor([[True, True, False, True], [False, True, True, True]])
    got = learner.masked_softmax(scores, mask)
    assert_shape(got, (2, 3, 4), name="masked_softmax((2, 3, 4) scores, (2, 4) mask)",
                 hint="the (B, S) mask applies to every query: broadcast it as (B, 1, S)")
    want = torch.softmax(scores.masked_fill(~mask[:, None, :], float("-inf")), dim=-1)
    assert_close(got, want, atol=1e-6, name="masked_softmax (3-D)", hint=SOFTMAX_HINT)


@pytest.mark.points(2)
def test_masked_softmax_all_padding(learner):
    """A row whose mask is all False gives all-zero weights, not nan and not uniform; gradients are finite and zero at
    masked positions."""
    scores = torch.tensor([[1.0, 2.0, 3.0], [0.5, -0.5, 4.0]], requires_grad=True)
    mask = torch.tensor([[False, False, False], [True, False, True]])
    got = learner.masked_softmax(scores, mask)
    check(not bool(torch.isnan(got).any()), f"an all-padding row gave {got.detach()[0].tolist()}", hint=SOFTMAX_HINT)
    assert_close(got[0], torch.zeros(3), atol=0, rtol=0, name="weights of an all-padding row", hint=SOFTMAX_HINT)
    assert_close(got[1].sum(), 1.0, atol=1e-6, name="sum of a row with valid positions")
    (got * torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    check(bool(torch.isfinite(scores.grad).all()), f"the gradient through masked_softmax is {scores.grad}",
          hint="an all-masked row must not produce nan in the backward pass either (avoid -inf - -inf)")
    assert_close(scores.grad[~mask], torch.zeros(4), atol=0, rtol=0, name="gradient at masked positions",
                 hint="masked scores must not influence the output at all")


def test_additive_score_by_hand(learner):
    """AdditiveAttention.score equals v^T tanh(W_q q + W_k k) computed from its own W_q, W_k, v weights, (B, T, S)."""
    torch.manual_seed(0)
    attn = learner.AdditiveAttention(5, 3, 7)
    q = torch.randn(2, 4, 5, generator=_gen(2))
    k = torch.randn(2, 6, 3, generator=_gen(3))
    Wq, Wk, v = attn.W_q.weight, attn.W_k.weight, attn.v.weight.reshape(-1)
    assert_shape(Wq, (7, 5), name="W_q.weight", hint="W_q = nn.Linear(d_q, hidden, bias=False)")
    want = torch.einsum("h,btsh->bts", v, torch.tanh((q @ Wq.T)[:, :, None, :] + (k @ Wk.T)[:, None, :, :]))
    got = attn.score(q, k)
    assert_shape(got, (2, 4, 6), name="score(q (2,4,5), k (2,6,3))", hint="one score per (query, key) pair")
    assert_close(got, want, atol=1e-5, rtol=1e-5, name="additive scores",
                 hint="project q and k separately, broadcast-ADD them to (B, T, S, H), tanh, then v: the tanh is what "
                      "makes it different from a bilinear score")


def test_multiplicative_scores_by_hand(learner):
    """general: q^T W k with W = attn.W.weight (d_q, d_k) and d_q != d_k; dot: q^T k; both (B, T, S)."""
    torch.manual_seed(0)
    gen = learner.MultiplicativeAttention(5, 3, "general")
    q = torch.randn(2, 4, 5, generator=_gen(4))
    k = torch.randn(2, 6, 3, generator=_gen(5))
    W = gen.W.weight
    assert_shape(W, (5, 3), name="W.weight", hint="W = nn.Linear(d_k, d_q, bias=False): it maps a key into query space")
    assert_close(gen.score(q, k), torch.einsum("btq,qk,bsk->bts", q, W, k), atol=1e-5, rtol=1e-5,
                 name="general scores", hint="score = q^T W k: apply W to the keys, then q @ keys.transpose(1, 2)")
    dot = learner.MultiplicativeAttention(3, 3, "dot")
    q3 = torch.randn(2, 4, 3, generator=_gen(6))
    assert_close(dot.score(q3, k), q3 @ k.transpose(1, 2), atol=1e-6, name="dot scores",
                 hint="score = q . k (unscaled: no division by sqrt(d) in Luong's dot)")


@pytest.mark.points(2)
def test_dot_attention_matches_sdpa(learner):
    """Dot attention's context equals torch's scaled_dot_product_attention(scale=1, boolean mask) on rows with padding,
    and its weights are exactly 0 on padding."""
    dot = learner.MultiplicativeAttention(8, 8, "dot")
    q = torch.randn(3, 5, 8, generator=_gen(7))
    k = torch.randn(3, 6, 8, generator=_gen(8))
    val = torch.randn(3, 6, 4, generator=_gen(9))
    lengths = torch.tensor([6, 3, 1])
    mask = torch.arange(6)[None, :] < lengths[:, None]  # (3, 6)
    context, weights = dot(q, k, val, mask)
    assert_shape(context, (3, 5, 4), name="context", hint="context = weights @ values: (B, T, S) @ (B, S, d_v)")
    want = F.scaled_dot_product_attention(q, k, val, attn_mask=mask[:, None, :], scale=1.0)
    assert_close(context, want, atol=1e-5, rtol=1e-5, name="dot-attention context",
                 hint="softmax over the SOURCE axis (the last one) with padding masked, then weights @ values")
    check(bool((weights[~mask[:, None, :].expand(3, 5, 6)] == 0).all()), "padding positions got non-zero weight",
          hint=SOFTMAX_HINT)


def test_additive_attention_ignores_padding(learner):
    """Appending 3 padding positions with random keys and values changes neither the context nor the weights of the
    real positions; the pads get weight exactly 0."""
    torch.manual_seed(1)
    attn = learner.AdditiveAttention(4, 4, 6)
    q = torch.randn(2, 3, 4, generator=_gen(10))
    k = torch.randn(2, 5, 4, generator=_gen(11))
    val = torch.randn(2, 5, 2, generator=_gen(12))
    mask = torch.ones(2, 5, dtype=torch.bool)
    ctx, w = attn(q, k, val, mask)
    k2 = torch.cat([k, 50 * torch.randn(2, 3, 4, generator=_gen(13))], dim=1)
    v2 = torch.cat([val, 50 * torch.randn(2, 3, 2, generator=_gen(14))], dim=1)
    mask2 = torch.cat([mask, torch.zeros(2, 3, dtype=torch.bool)], dim=1)
    ctx2, w2 = attn(q, k2, v2, mask2)
    assert_close(w2[:, :, 5:], torch.zeros(2, 3, 3), atol=0, rtol=0, name="weights on padding", hint=SOFTMAX_HINT)
    assert_close(w2[:, :, :5], w, atol=1e-6, name="weights on real positions with padding appended",
                 hint="the softmax must be normalised over the real positions only")
    assert_close(ctx2, ctx, atol=1e-5, name="context with padding appended",
                 hint="padding must contribute nothing: mask before the softmax, not after")


def test_seq2seq_causal_and_loss(learner):
    """Seq2Seq logits are (B, T, V); logits at step t do not depend on decoder inputs after t; seq2seq_loss equals
    cross-entropy of model(src, src != PAD, shift_right(tgt)) against tgt with PAD ignored."""
    torch.manual_seed(0)
    for kind in ("additive", "general", "dot"):
        model = learner.Seq2Seq(11, 13, emb=8, hidden=16, attention=kind)
        src = torch.tensor([[4, 5, 6, 7], [8, 9, PAD, PAD]])
        mask = src != PAD
        dec_in = torch.tensor([[BOS, 3, 4, 5, 6], [BOS, 7, 8, 2, PAD]])
        logits = model(src, mask, dec_in)
        assert_shape(logits, (2, 5, 13), name=f"logits ({kind})", hint="(B, T, tgt_vocab)")
        changed = dec_in.clone()
        changed[:, 3:] = 12
        later = model(src, mask, changed)
        assert_close(later[:, :3], logits[:, :3], atol=1e-6, name=f"logits[:, :3] after changing dec_in[:, 3:] ({kind})",
                     hint="the decoder reads its inputs left to right: step t may only see dec_in[:, :t+1]")
    tgt = torch.tensor([[3, 4, 5, EOS, PAD], [6, EOS, PAD, PAD, PAD]])
    dec_in = torch.cat([torch.full((2, 1), BOS), tgt[:, :-1]], dim=1)
    logits = model(src, mask, dec_in)
    want = F.cross_entropy(logits.reshape(-1, 13), tgt.reshape(-1), ignore_index=PAD)
    got = learner.seq2seq_loss(model, src, tgt, BOS, PAD)
    assert_close(got, want, atol=1e-6, name="seq2seq_loss",
                 hint="feed the decoder shift_right(tgt) (teacher forcing: BOS, y_1, ..., y_{T-1}), compare its logits with "
                      "tgt itself, ignore_index=PAD; the source mask is src != PAD")


def _reversal_batch(g, n):
    lengths = torch.randint(3, 7, (n,), generator=g)
    src = torch.full((n, 6), PAD)
    tgt = torch.full((n, 7), PAD)
    for i, L in enumerate(lengths.tolist()):
        x = torch.randint(3, 12, (L,), generator=g)
        src[i, :L] = x
        tgt[i, :L] = x.flip(0)
        tgt[i, L] = EOS
    return src, tgt


@pytest.mark.points(2)
def test_training_reverses_sequences(learner, seed):
    """A Seq2Seq with general attention, trained 100 Adam steps (batch 64, lr 0.02) on reversing sequences of 3-6 tokens via seq2seq_loss,
    predicts over 90% of held-out target tokens right under teacher forcing."""
    torch.manual_seed(seed)
    g = _gen(seed)
    model = learner.Seq2Seq(12, 12, emb=16, hidden=32, attention="general")
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(100):
        src, tgt = _reversal_batch(g, 64)
        loss = learner.seq2seq_loss(model, src, tgt, BOS, PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
    src, tgt = _reversal_batch(_gen(10_000 + seed), 200)
    with torch.no_grad():
        dec_in = torch.cat([torch.full((200, 1), BOS), tgt[:, :-1]], dim=1)
        pred = model(src, src != PAD, dec_in).argmax(-1)
    real = tgt != PAD
    acc = (pred[real] == tgt[real]).float().mean().item()
    check(acc > 0.9, f"teacher-forced token accuracy on reversal is {acc:.3f} after training; expected > 0.9 "
          f"(last training loss {loss.item():.3f})",
          hint="check the teacher-forced inputs (shift_right), the loss's ignore_index, and that attention masks padding")
