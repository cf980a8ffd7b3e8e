"""Spec for 03_nlp_transformers/transformer_masks.py: causal/padding masks, teacher forcing, label-smoothed CE."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

CAUSAL_HINT = ("position i may see keys 0..i INCLUDING itself: torch.ones(L, L, dtype=torch.bool).tril() "
               "(triu(1) is the blocked part; tril(-1) hides the diagonal)")
LS_HINT = ("q_k = (1 - eps) [k == c] + eps / C, spreading eps over ALL C classes (the target included); "
           "loss = (1 - eps) * nll + eps * mean_k(-log p_k)")
IGNORE_HINT = "average over the targets that are NOT ignore_index only (drop them before the mean)"


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_causal_mask_by_hand(learner):
    """causal_mask(4) is lower-triangular with the diagonal: row 0 sees only key 0, row 3 sees keys 0..3;
    causal_mask(1) is [[True]]."""
    got = learner.causal_mask(4)
    check(got.dtype == torch.bool, f"causal_mask returned dtype {got.dtype}, expected torch.bool.",
          hint="return a boolean mask, True where attention is allowed")
    expected = torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    assert_equal(got, expected, name="causal_mask(4)", hint=CAUSAL_HINT)
    assert_equal(learner.causal_mask(1), torch.tensor([[True]]), name="causal_mask(1)", hint=CAUSAL_HINT)


def test_padding_and_additive_masks(learner):
    """padding_mask marks real tokens True and pad_id False; to_additive gives 0.0 / -inf float32, and adding it to the
    scores gives the same softmax as masking."""
    ids = torch.tensor([[4, 9, 3, 0, 0], [7, 0, 5, 1, 1]])
    got = learner.padding_mask(ids, pad_id=0)
    assert_equal(got, ids != 0, name="padding_mask(ids, pad_id=0)",
                 hint="True at real tokens (ids != pad_id): the same 'True = keep' convention as the causal mask")
    assert_equal(learner.padding_mask(ids, pad_id=1), ids != 1, name="padding_mask(ids, pad_id=1)",
                 hint="use the pad_id argument")
    add = learner.to_additive(learner.causal_mask(3))
    check(add.dtype == torch.float32, f"to_additive returned dtype {add.dtype}, expected torch.float32.",
          hint="the default dtype is float32")
    inf = float("-inf")
    assert_equal(add, torch.tensor([[0.0, inf, inf], [0.0, 0.0, inf], [0.0, 0.0, 0.0]]),
                 name="to_additive(causal_mask(3))", hint="0.0 where the mask is True, -inf where it is False")
    check(learner.to_additive(torch.ones(2, dtype=torch.bool), dtype=torch.float64).dtype == torch.float64,
          "to_additive ignored its dtype argument.", hint="build the result in the requested dtype")


def test_combine_masks(learner, seed):
    """combine_masks(causal (L, L), padding (B, L)) is (B, 1, L, L) with [b, 0, i, j] = causal[i, j] and padding[b, j]."""
    g = _gen(seed)
    causal = learner.causal_mask(5)
    padding = torch.rand(3, 5, generator=g) < 0.7
    got = learner.combine_masks(causal, padding)
    assert_shape(got, (3, 1, 5, 5), name="combine_masks(causal, padding)",
                 hint="(B, 1, L, L): one mask per sequence, broadcast over heads")
    for b in range(3):
        for i in range(5):
            for j in range(5):
                if bool(got[b, 0, i, j]) != (j <= i and bool(padding[b, j])):
                    check(False, f"combine_masks[{b}, 0, {i}, {j}] is {bool(got[b, 0, i, j])}; causal[{i}, {j}] = "
                                 f"{j <= i}, padding[{b}, {j}] = {bool(padding[b, j])}.",
                          hint="padding masks the KEY axis: padding[:, None, None, :] & causal[None, None]")


@pytest.mark.points(2)
def test_masked_attention_ignores_padding_and_future(learner, seed):
    """Attention with the combined mask gives, at each real position, exactly what attention over the unpadded
    prefix gives: padding and future tokens have no influence."""
    g = _gen(seed)
    x = torch.randn(2, 6, 8, generator=g)
    ids = torch.tensor([[3, 4, 5, 6, 7, 8], [3, 4, 5, 0, 0, 0]])
    mask = learner.combine_masks(learner.causal_mask(6), learner.padding_mask(ids, 0))
    out = F.scaled_dot_product_attention(x[:, None], x[:, None], x[:, None], attn_mask=mask)[:, 0]
    for t in range(1, 4):  # the second sequence's first t tokens on their own
        xs = x[1:2, :t]
        ref = F.scaled_dot_product_attention(xs, xs, xs, is_causal=True)
        assert_close(out[1, t - 1], ref[0, t - 1], atol=1e-5, name=f"masked attention output at position {t - 1}",
                     hint="a position must see exactly the real tokens 0..i: " + CAUSAL_HINT)


def test_teacher_forcing_by_hand(learner):
    """teacher_forcing([[5, 6, 7], [8], []], bos=1, eos=2, pad=0): inputs start with BOS and pad with 0; labels are the
    inputs shifted left by one, end with EOS, and pad with -100."""
    inputs, labels = learner.teacher_forcing([[5, 6, 7], [8], []], bos_id=1, eos_id=2, pad_id=0)
    assert_equal(inputs, torch.tensor([[1, 5, 6, 7], [1, 8, 0, 0], [1, 0, 0, 0]]), name="decoder inputs",
                 hint="inputs = [BOS, y_1 .. y_n], right-padded with pad_id to max n + 1")
    assert_equal(labels, torch.tensor([[5, 6, 7, 2], [8, 2, -100, -100], [2, -100, -100, -100]]), name="labels",
                 hint="labels = [y_1 .. y_n, EOS]: at step t the model has seen BOS, y_1..y_{t-1} and predicts y_t; "
                      "pad labels with ignore_index (not pad_id) so the loss skips them")
    _, labels = learner.teacher_forcing([[5], [6, 7]], bos_id=1, eos_id=2, pad_id=0, ignore_index=0)
    assert_equal(labels, torch.tensor([[5, 2, 0], [6, 7, 2]]), name="labels with ignore_index=0",
                 hint="use the ignore_index argument for label padding")


def test_label_smoothing_by_hand(learner):
    """logits [log 3, 0] (p = [0.75, 0.25]) with target 0: eps = 0 gives -log 0.75; eps = 0.2 gives
    -(0.9 log 0.75 + 0.1 log 0.25); equal logits give log C whatever eps."""
    logits = torch.tensor([[math.log(3.0), 0.0]])
    t = torch.tensor([0])
    assert_close(learner.label_smoothed_cross_entropy(logits, t), -math.log(0.75), atol=1e-6,
                 name="cross-entropy (eps = 0)", hint="-log softmax(logits)[target]")
    assert_close(learner.label_smoothed_cross_entropy(logits, t, eps=0.2), -(0.9 * math.log(0.75) + 0.1 * math.log(0.25)),
                 atol=1e-6, name="label-smoothed cross-entropy (eps = 0.2, C = 2)", hint=LS_HINT)
    assert_close(learner.label_smoothed_cross_entropy(torch.zeros(3, 5), torch.tensor([0, 4, 2]), eps=0.3),
                 math.log(5.0), atol=1e-6, name="loss of uniform logits over 5 classes",
                 hint="with p uniform every -log p_k is log C, so the loss is log C for any eps")


@pytest.mark.points(2)
@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_matches_torch_cross_entropy(learner, seed, eps):
    """(B=3, T=7, C=11) logits with ignored (-100) and custom-ignored (pad = 0) targets match F.cross_entropy(
    label_smoothing=eps, ignore_index=...), and so do the gradients."""
    g = _gen(seed)
    logits = (torch.randn(3, 7, 11, generator=g) * 3).requires_grad_()
    targets = torch.randint(1, 11, (3, 7), generator=g)
    targets[0, 5:] = -100
    targets[2, 1:] = -100
    got = learner.label_smoothed_cross_entropy(logits, targets, eps=eps)
    expected = F.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1), label_smoothing=eps)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, name=f"loss (eps = {eps}, ignore_index = -100)",
                 hint=IGNORE_HINT + "; " + LS_HINT)
    (g_mine,) = torch.autograd.grad(got, logits)
    (g_ref,) = torch.autograd.grad(expected, logits)
    assert_close(g_mine, g_ref, rtol=1e-4, atol=1e-6, name="d loss / d logits",
                 hint="build the loss from differentiable torch ops; ignored positions get zero gradient")
    pad_targets = targets.masked_fill(targets == -100, 0)
    got = learner.label_smoothed_cross_entropy(logits, pad_targets, eps=eps, ignore_index=0)
    expected = F.cross_entropy(logits.reshape(-1, 11), pad_targets.reshape(-1), label_smoothing=eps, ignore_index=0)
    assert_close(got, expected, rtol=1e-5, atol=1e-6, name=f"loss (eps = {eps}, ignore_index = 0)",
                 hint="use the ignore_index argument, not a hard-coded -100")


def test_huge_logits_are_stable(learner):
    """Logits of +-1e4 give finite losses equal to torch's (log(softmax) would give log 0 = -inf)."""
    logits = torch.tensor([[1e4, -1e4, 0.0], [0.0, 1e4, 5e3], [-1e4, -1e4, -1e4]])
    targets = torch.tensor([1, 1, 2])
    for eps in (0.0, 0.1):
        got = learner.label_smoothed_cross_entropy(logits, targets, eps=eps)
        check(bool(torch.isfinite(got)), f"the loss is {got} for logits of size 1e4 (eps = {eps}).",
              hint="use torch.log_softmax (logits - logsumexp), not torch.log(torch.softmax(...))")
        assert_close(got, F.cross_entropy(logits, targets, label_smoothing=eps), rtol=1e-5,
                     name=f"loss with logits +-1e4 (eps = {eps})", hint="use a stable log-softmax")
