"""Spec for 04_llms/lm_packing.py: token stream, windows, shift, causal LM loss; against F.cross_entropy and LlamaForCausalLM."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

LOSS_HINT = ("log-probs = logits - logsumexp(logits, -1); pick the target's log-prob with gather; average over the positions "
             "whose target is not ignore_index (divide by their count, not by N*T)")


def _char_encode(text):
    return [ord(c) for c in text]


def test_token_stream(learner):
    """Each document's ids followed by eos, concatenated in order; empty documents still contribute their eos."""
    got = learner.token_stream(["ab", "", "c"], _char_encode, eos_id=0)
    assert_equal(list(got), [97, 98, 0, 0, 99, 0], name="token_stream(['ab', '', 'c'])",
                 hint="append eos AFTER every document (including the last and empty ones), never before")


def test_make_windows_by_hand(learner):
    """Windows of block_size + 1 tokens every block_size tokens; incomplete tails dropped; too-short streams give 0 rows."""
    want = torch.tensor([[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    for n in (10, 11, 12):
        got = learner.make_windows(list(range(n)), 3)
        assert_equal(got, want, name=f"make_windows(range({n}), 3)",
                     hint="window k = ids[k*B : k*B + B + 1] (consecutive windows share one token), K = (len(ids) - 1) // B")
    got = learner.make_windows(list(range(13)), 3)
    assert_shape(got, (4, 4), name="make_windows(range(13), 3)", hint="(13 - 1) // 3 = 4 full windows")
    check(got.dtype == torch.long, f"windows have dtype {got.dtype}", hint="token ids are torch.long (int64)")
    got = learner.make_windows([5, 6, 7], 3)
    assert_shape(got, (0, 4), name="make_windows([5, 6, 7], 3)", hint="3 tokens cannot fill one window of 4: return an empty (0, 4) tensor")


def test_split_inputs_targets(learner):
    """input = window[:, :-1] and target = window[:, 1:]: each position predicts the NEXT token."""
    w = torch.tensor([[0, 1, 2, 3], [3, 4, 5, 6]])
    x, y = learner.split_inputs_targets(w)
    assert_equal(x, w[:, :-1], name="inputs", hint="inputs drop the last token of each window")
    assert_equal(y, w[:, 1:], name="targets", hint="targets drop the first token: target[t] = window[t + 1]")


def test_loss_by_hand(learner):
    """Uniform logits give log V per counted position; ignored positions do not count, even in the denominator."""
    assert_close(learner.causal_lm_loss(torch.zeros(1, 2, 4), torch.tensor([[1, -100]])), torch.log(torch.tensor(4.0)),
                 rtol=1e-6, name="causal_lm_loss(zeros (1,2,4), [[1, -100]])", hint=LOSS_HINT)
    logits = torch.tensor([[[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 3.0]]])
    targets = torch.tensor([[0, -100], [-100, 1]])
    want = F.softplus(torch.tensor(-2.0)) * 0.5 + F.softplus(torch.tensor(-3.0)) * 0.5
    assert_close(learner.causal_lm_loss(logits, targets), want, rtol=1e-6, name="causal_lm_loss (2 of 4 positions counted)",
                 hint=LOSS_HINT)
    got = learner.causal_lm_loss(torch.randn(2, 3, 5), torch.full((2, 3), -7), ignore_index=-7)
    assert_close(got, 0.0, atol=0, name="causal_lm_loss with every target ignored",
                 hint="no counted position: return 0 (clamp the count to at least 1), never nan")


def test_loss_matches_cross_entropy(learner, seed):
    """Random logits (also shifted by +1000 and scaled by 50) with ignored targets: value and gradient equal F.cross_entropy's."""
    g = torch.Generator().manual_seed(seed)
    for scale, shift in [(1.0, 0.0), (1.0, 1000.0), (50.0, 0.0)]:
        logits = (torch.randn(3, 7, 11, generator=g, dtype=torch.float64) * scale + shift).requires_grad_()
        targets = torch.randint(0, 11, (3, 7), generator=g)
        targets[torch.rand(3, 7, generator=g) < 0.3] = -100
        loss = learner.causal_lm_loss(logits, targets)
        check(torch.isfinite(loss).item(), f"loss is {loss.item()} for logits around {shift}",
              hint="subtract the max (torch.logsumexp does) before exponentiating")
        (grad,) = torch.autograd.grad(loss, logits)
        ref_logits = logits.detach().clone().requires_grad_()
        ref = F.cross_entropy(ref_logits.reshape(-1, 11), targets.reshape(-1), ignore_index=-100)
        ref.backward()
        assert_close(loss, ref, rtol=1e-6, atol=1e-6, name=f"causal_lm_loss (scale {scale}, shift {shift})", hint=LOSS_HINT)
        assert_close(grad, ref_logits.grad, rtol=1e-5, atol=1e-7, name="d loss / d logits",
                     hint="build the loss from torch ops on logits (no .item(), no numpy) so autograd reaches the logits")


def test_pad_batch(learner):
    """pad_batch pads on the right by POSITION: a real eos target equal to pad_id is kept, only padding becomes ignore_index."""
    inputs, targets, mask = learner.pad_batch([[5, 6, 0], [7, 0], [8, 9, 4, 0]], pad_id=0)
    assert_equal(inputs, torch.tensor([[5, 6, 0], [7, 0, 0], [8, 9, 4]]), name="inputs",
                 hint="row i is docs[i] padded with pad_id to the longest length L; inputs are rows[:, :-1]")
    assert_equal(targets, torch.tensor([[6, 0, -100], [0, -100, -100], [9, 4, 0]]), name="targets",
                 hint="targets are rows[:, 1:] with positions at or beyond len(doc) set to ignore_index; do not find padding "
                      "by value (targets == pad_id): here pad_id == eos, and the real eos targets must be kept")
    assert_equal(mask, torch.tensor([[1, 1, 1], [1, 1, 0], [1, 1, 1]]), name="attention_mask",
                 hint="1 where the INPUT is a real token, 0 where it is padding")


@pytest.mark.points(2)
def test_matches_llama_loss(learner):
    """On tiny-llama-1m and wiki-excerpt text: packed windows' loss equals LlamaForCausalLM(w, labels=w).loss, and a padded batch's
    loss equals the model's loss with -100 labels on the padding."""
    from tokenizers import Tokenizer
    from transformers import LlamaForCausalLM

    folder = data.path("tiny-llama-1m")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    eos = tok.token_to_id(json.loads((folder / "tokenizer_config.json").read_text())["eos_token"])
    encode = lambda s: tok.encode(s, add_special_tokens=False).ids  # noqa: E731
    texts = [a.text[:600] for a in data.load("wiki-excerpt", split="test")[:6]]
    ids = learner.token_stream(texts, encode, eos)
    want_ids = [i for t in texts for i in encode(t) + [eos]]
    check(list(ids) == want_ids, "token_stream differs from the tokenizer's ids + eos per document")

    model = LlamaForCausalLM.from_pretrained(folder).eval()
    windows = learner.make_windows(ids, 64)[:4]
    x, y = learner.split_inputs_targets(windows)
    with torch.no_grad():
        got = learner.causal_lm_loss(model(x).logits, y)
        want = model(windows, labels=windows).loss
    assert_close(got, want, rtol=1e-5, atol=1e-5, name="loss of 4 packed windows of 64 tokens",
                 hint="the model predicts window[t + 1] from window[:t + 1]: loss(model(inputs).logits, targets)")

    docs = [encode(t)[:n] + [eos] for t, n in zip(texts[:3], (20, 35, 9))]
    inputs, targets, mask = learner.pad_batch(docs, pad_id=eos)
    longest = max(map(len, docs))
    rows = torch.tensor([d + [eos] * (longest - len(d)) for d in docs])
    labels = torch.tensor([d + [-100] * (longest - len(d)) for d in docs])
    real = (labels != -100).long()
    with torch.no_grad():
        got = learner.causal_lm_loss(model(inputs, attention_mask=mask).logits, targets)
        want = model(rows, attention_mask=real, labels=labels).loss
    assert_close(got, want, rtol=1e-5, atol=1e-5, name="loss of a padded batch of 3 documents",
                 hint="mask padding by position and average over real targets only")
