"""Spec for 03_nlp_transformers/gpt_lm.py: the shifted causal-LM loss and generation, against a tiny GPT-2."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

SHIFT_HINT = ("position t predicts token t + 1: compare logits[:, :-1] with labels[:, 1:] (the last position has no "
              "target and labels[:, 0] is never predicted)")
V = 40


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _successor(V: int = 5):
    """A toy 'model' whose next token is always (last + 1) mod V, confidently."""
    return lambda ids: 10.0 * F.one_hot((ids + 1) % V, V).float()


def test_loss_by_hand(learner):
    """logits [[log 3, 0], [1e4, -1e4]] with labels [1, 0]: only position 0 has a target (labels[0, 1] = 0), loss -log 0.75;
    the last position's logits are never used."""
    logits = torch.tensor([[[math.log(3.0), 0.0], [1e4, -1e4]]])
    got = learner.causal_lm_loss(logits, torch.tensor([[1, 0]]))
    assert_close(got, -math.log(0.75), atol=1e-6, name="causal_lm_loss (T = 2)", hint=SHIFT_HINT)


def test_loss_ignores_and_averages_over_tokens(learner, seed):
    """-100 labels are skipped and the mean runs over all counted tokens of the batch together (not per sequence);
    labels[:, 0] never matters."""
    g = _gen(seed)
    logits = torch.randn(2, 6, 7, generator=g)
    labels = torch.randint(0, 7, (2, 6), generator=g)
    labels[1, 3:] = -100  # the second sequence has 2 targets, the first 5
    logp = torch.log_softmax(logits, -1)
    terms = [-logp[b, t, labels[b, t + 1]] for b in range(2) for t in range(5) if labels[b, t + 1] != -100]
    expected = torch.stack(terms).mean()
    hint = SHIFT_HINT + "; skip ignore_index targets and average over the counted tokens of the whole batch"
    assert_close(learner.causal_lm_loss(logits, labels), expected, rtol=1e-5, atol=1e-6,
                 name="causal_lm_loss with -100 labels", hint=hint)
    labels2 = labels.clone()
    labels2[:, 0] = (labels[:, 0] + 1) % 7
    assert_close(learner.causal_lm_loss(logits, labels2), expected, rtol=1e-5, atol=1e-6,
                 name="causal_lm_loss after changing labels[:, 0]",
                 hint="labels[:, 0] is never a target: nothing predicts the first token")
    custom = labels.masked_fill(labels == -100, -1)
    assert_close(learner.causal_lm_loss(logits, custom, ignore_index=-1), expected, rtol=1e-5, atol=1e-6,
                 name="causal_lm_loss with ignore_index=-1", hint="use the ignore_index argument")


def test_sample_next_greedy_and_temperature(learner, seed):
    """temperature 0 is argmax; at temperature 1 and 0.5, 20000 draws of softmax(z / T) have each class frequency
    within 5 standard errors; the same generator seed gives the same draws."""
    z = torch.tensor([[1.0, 3.0, 0.5, 2.0]])
    assert_equal(learner.sample_next(torch.tensor([[0.1, 2.0, -1.0], [5.0, 4.0, 4.9]])), torch.tensor([1, 0]),
                 name="sample_next(temperature=0)", hint="temperature 0 means greedy: logits.argmax(-1)")
    n = 20000
    for T in (1.0, 0.5):
        draws = learner.sample_next(z.repeat(n, 1), temperature=T, generator=_gen(seed))
        assert_shape(draws, (n,), name="sample_next draws", hint="one token per row: (B,)")
        p = torch.softmax(z[0] / T, -1)
        freq = torch.bincount(draws, minlength=4).double() / n
        tol = 5 * torch.sqrt(p * (1 - p) / n)
        check(bool(((freq - p).abs() <= tol).all()),
              f"at temperature {T}, the token frequencies are {freq.numpy().round(4)}; softmax(z / T) is "
              f"{p.numpy().round(4)} (tolerance {tol.numpy().round(4)}).",
              hint="sample from softmax(logits / temperature): divide by the temperature (not multiply) and use "
                   "torch.multinomial(probs, 1, generator=generator)")
    a = learner.sample_next(z.repeat(50, 1), temperature=1.0, generator=_gen(seed))
    b = learner.sample_next(z.repeat(50, 1), temperature=1.0, generator=_gen(seed))
    assert_equal(a, b, name="draws with the same generator seed", hint="pass generator= to torch.multinomial")


def test_generate_toy_model(learner):
    """With a 'next = last + 1 (mod 5)' model: generate appends max_new_tokens tokens after the prompt, stops right
    after EOS (EOS included), and pads finished sequences with pad_token_id."""
    succ = _successor()
    assert_equal(learner.generate(succ, torch.tensor([[0, 1]]), max_new_tokens=4), torch.tensor([[0, 1, 2, 3, 4, 0]]),
                 name="generate(prompt [0, 1], max_new_tokens=4)",
                 hint="return the prompt followed by the new tokens; feed the whole sequence back each step")
    assert_equal(learner.generate(succ, torch.tensor([[0]]), max_new_tokens=10, eos_token_id=3),
                 torch.tensor([[0, 1, 2, 3]]), name="generate with eos_token_id=3",
                 hint="stop as soon as every sequence has produced EOS (keep the EOS token itself)")
    got = learner.generate(succ, torch.tensor([[1], [0]]), max_new_tokens=10, eos_token_id=3, pad_token_id=4)
    assert_equal(got, torch.tensor([[1, 2, 3, 4], [0, 1, 2, 3]]), name="batched generate with EOS and pad",
                 hint="a finished sequence receives pad_token_id until every sequence has finished")
    got = learner.generate(succ, torch.tensor([[1], [0]]), max_new_tokens=10, eos_token_id=3)
    assert_equal(got, torch.tensor([[1, 2, 3, 3], [0, 1, 2, 3]]), name="batched generate, pad_token_id=None",
                 hint="without a pad_token_id, finished sequences are padded with EOS")


@pytest.fixture(scope="module")
def gpt2():
    """A tiny randomly initialised GPT-2 (2 layers, 32 dims, 40 tokens), built locally: nothing is downloaded."""
    from transformers import GPT2Config, GPT2LMHeadModel
    from transformers.utils import logging

    logging.set_verbosity_error()
    cfg = GPT2Config(vocab_size=V, n_positions=48, n_embd=32, n_layer=2, n_head=2, initializer_range=0.3,
                     bos_token_id=0, eos_token_id=1)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = GPT2LMHeadModel(cfg)
    return model.eval()


@pytest.mark.points(2)
def test_loss_matches_gpt2(learner, gpt2, seed):
    """On a tiny GPT2LMHeadModel, causal_lm_loss(out.logits, labels) equals the loss the model computes from
    labels=labels (labels = input ids with some -100)."""
    g = _gen(seed)
    ids = torch.randint(0, V, (3, 12), generator=g)
    labels = ids.clone()
    labels[0, :4] = -100  # a prompt that is not trained on
    labels[2, 9:] = -100  # padding
    with torch.no_grad():
        out = gpt2(ids, labels=labels)
    assert_close(learner.causal_lm_loss(out.logits, labels), out.loss, rtol=1e-5, atol=1e-6,
                 name="causal_lm_loss vs GPT2LMHeadModel's loss", hint=SHIFT_HINT + "; skip -100 targets")


@pytest.mark.points(2)
def test_greedy_matches_hf_generate(learner, gpt2, seed):
    """Greedy generate on the tiny GPT-2 equals model.generate(do_sample=False), without and with an EOS (chosen so
    that one sequence stops early) for a batch of two prompts."""
    g = _gen(seed)
    prompt = torch.randint(2, V, (2, 5), generator=g)
    kw = dict(do_sample=False, attention_mask=torch.ones_like(prompt))
    ref = gpt2.generate(prompt, max_new_tokens=12, pad_token_id=0, eos_token_id=None, **kw)
    got = learner.generate(gpt2, prompt, max_new_tokens=12)
    assert_equal(got, ref, name="greedy generate vs model.generate(do_sample=False)",
                 hint="each step: logits of the LAST position, argmax, append, and run the model on the longer sequence")
    eos = int(ref[0, 8])  # the 4th token sequence 0 generates
    ref = gpt2.generate(prompt, max_new_tokens=12, eos_token_id=eos, pad_token_id=eos, **kw)
    got = learner.generate(gpt2, prompt, max_new_tokens=12, eos_token_id=eos)
    assert_equal(got, ref, name=f"greedy generate with eos_token_id={eos}",
                 hint="a sequence that produced EOS is finished: it receives padding, and the loop ends once all are")


def test_sampling_on_gpt2(learner, gpt2, seed):
    """Sampled generation is reproducible with the same generator seed, stays in the vocabulary, and at a tiny
    temperature (1e-4) equals greedy decoding."""
    prompt = torch.randint(2, V, (2, 4), generator=_gen(seed))
    a = learner.generate(gpt2, prompt, max_new_tokens=10, temperature=1.0, generator=_gen(seed))
    b = learner.generate(gpt2, prompt, max_new_tokens=10, temperature=1.0, generator=_gen(seed))
    assert_shape(a, (2, 14), name="sampled generate", hint="prompt + max_new_tokens when there is no EOS")
    assert_equal(a, b, name="sampled generate with the same seed", hint="draw every sample from the generator")
    check(bool(((a >= 0) & (a < V)).all()), f"sampled ids outside 0..{V - 1}: {a}")
    cold = learner.generate(gpt2, prompt, max_new_tokens=10, temperature=1e-4, generator=_gen(seed))
    greedy = learner.generate(gpt2, prompt, max_new_tokens=10)
    assert_equal(cold, greedy, name="generate at temperature 1e-4",
                 hint="softmax(logits / temperature) concentrates on the argmax as temperature -> 0: divide by the "
                      "temperature, don't multiply")
