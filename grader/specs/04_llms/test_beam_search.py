"""Spec for 04_llms/beam_search.py: beam search with length penalty and EOS, against brute force and transformers."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from grader.testing import assert_close, assert_equal, check


def _context_free(probs):
    """A 'model' whose next-token distribution ignores the context; counts its calls."""
    logp = torch.log(torch.tensor(probs))
    calls = []

    def fn(seqs):
        calls.append(tuple(seqs.shape))
        return logp.expand(seqs.shape[0], -1).clone()
    return fn, calls


def _toy_model(seed, V=4):
    """A random bigram-of-bigrams model: the next-token logits depend on the last two tokens."""
    g = torch.Generator().manual_seed(seed)
    table = torch.randn(V + 1, V + 1, V, generator=g) * 1.5   # index V stands for 'no token'

    def fn(seqs):
        prev1 = seqs[:, -1]
        prev2 = seqs[:, -2] if seqs.shape[1] > 1 else torch.full_like(prev1, V)
        return table[prev2, prev1].log_softmax(-1)
    return fn


def _brute_force(fn, prompt, V, max_new, eos, lp):
    """Every possible hypothesis: non-EOS tokens then EOS (any length <= max_new), or max_new non-EOS tokens."""
    hyps = []
    others = [t for t in range(V) if t != eos]
    for L in range(1, max_new + 1):
        for body in itertools.product(others, repeat=L - 1):
            for last in ([eos] + (others if L == max_new else [])):
                toks = list(body) + [last]
                S = 0.0
                for i, t in enumerate(toks):
                    S += float(fn(torch.tensor([prompt + toks[:i]]))[0, t])
                hyps.append((toks, S / L ** lp))
    return sorted(hyps, key=lambda h: -h[1])


def _check_hyps(got, expected, what, hint):
    check(isinstance(got, list) and all(isinstance(h, tuple) and len(h) == 2 for h in got),
          f"{what}: beam_search must return a list of (tokens, score) tuples, got {got!r}"[:400])
    _check_tokens(got, expected, f"{what}: token sequences", hint)
    assert_close([float(h[1]) for h in got], [h[1] for h in expected], rtol=1e-5, atol=1e-6, name=f"{what}: scores",
                 hint=hint)


def _check_tokens(got, expected, name, hint):
    got_t = [[int(t) for t in h[0]] for h in got]
    exp_t = [h[0] for h in expected]
    check(got_t == exp_t, f"{name}: got {got_t}, expected {exp_t}", hint=hint)


def test_worked_example(learner):
    """The docstring's example: p = [0.5 (EOS), 0.3, 0.2], 2 beams, 2 new tokens -> [[0] -0.693, [1, 0] -0.949]."""
    fn, _ = _context_free([0.5, 0.3, 0.2])
    got = learner.beam_search(fn, [7], num_beams=2, max_new_tokens=2, eos_token_id=0, num_return_sequences=2)
    _check_hyps(got, [([0], math.log(0.5)), ([1, 0], (math.log(0.3) + math.log(0.5)) / 2)], "worked example",
                hint="a finished hypothesis scores sum(log p) / L ** length_penalty, L = generated tokens including EOS "
                     "(the prompt does not count)")


def test_model_receives_prompt_plus_beams(learner):
    """next_log_probs receives a LongTensor (n_beams, len(prompt) + generated) starting with the prompt."""
    seen = []
    logp = torch.log(torch.tensor([0.1, 0.5, 0.4]))

    def fn(seqs):
        seen.append(seqs.clone())
        return logp.expand(seqs.shape[0], -1).clone()
    learner.beam_search(fn, [5, 6], num_beams=2, max_new_tokens=3, eos_token_id=0)
    check(len(seen) == 3, f"the model was called {len(seen)} times for 3 new tokens (no EOS was good enough to stop)",
          hint="one call per generated token, with all running beams batched")
    check(seen[0].dtype == torch.long and tuple(seen[0].shape) == (1, 2) and seen[0].tolist() == [[5, 6]],
          f"first call got {seen[0].tolist()} ({seen[0].dtype}); expected [[5, 6]] (the prompt, one beam)",
          hint="start from a single beam holding the prompt")
    check(tuple(seen[1].shape) == (2, 3) and seen[1][:, :2].tolist() == [[5, 6], [5, 6]],
          f"second call got {seen[1].tolist()}; expected 2 beams of prompt + 1 token", hint="prompt + generated tokens")


def test_low_ranked_eos_is_dropped(learner):
    """A finished candidate only enters the pool if it ranks within the first num_beams candidates (by summed log-prob)."""
    fn, _ = _context_free([0.2, 0.45, 0.35])
    # step 1 ranks a (-0.80), b (-1.05), EOS (-1.61): EOS is rank 2 >= num_beams = 2, so it is dropped,
    # although with length_penalty = 0 its -1.61 would beat every two-token hypothesis but 'a a' (-1.60)
    got = learner.beam_search(fn, [3], num_beams=2, max_new_tokens=2, eos_token_id=0, length_penalty=0.0,
                              num_return_sequences=2)
    check([0] not in [list(h[0]) for h in got], f"the EOS ranked 3rd at step 1 entered the results: {got}",
          hint="only candidates with rank < num_beams among the top 2 * num_beams may join the finished pool")
    assert_close([float(h[1]) for h in got], [2 * math.log(0.45), math.log(0.45) + math.log(0.35)], rtol=1e-5,
                 name="scores", hint="the two best two-token hypotheses; the pool must not hold the low-ranked EOS")
    assert_equal(list(got[0][0]), [1, 1], name="best hypothesis", hint="'a a' has the best summed log-prob")


def test_early_stopping_true_vs_never(learner):
    """early_stopping=True stops once num_beams hypotheses are finished; 'never' keeps going while a longer one could win."""
    fn, calls = _context_free([0.6, 0.4])
    got = learner.beam_search(fn, [1], num_beams=2, max_new_tokens=6, eos_token_id=0, length_penalty=2.0,
                              early_stopping=True, num_return_sequences=2)
    _check_hyps(got, [([1, 0], (math.log(0.4) + math.log(0.6)) / 4), ([0], math.log(0.6))], "early_stopping=True",
                hint="with early_stopping=True, stop as soon as the pool holds num_beams finished hypotheses")
    check(len(calls) == 2, f"early_stopping=True called the model {len(calls)} times; the pool is full after 2 steps",
          hint="stop the loop as soon as the pool is full")
    fn, calls = _context_free([0.6, 0.4])
    got = learner.beam_search(fn, [1], num_beams=2, max_new_tokens=6, eos_token_id=0, length_penalty=2.0,
                              early_stopping="never", num_return_sequences=2)
    _check_hyps(got, [([1] * 5 + [0], (5 * math.log(0.4) + math.log(0.6)) / 36), ([1] * 6, 6 * math.log(0.4) / 36)],
                "early_stopping='never'", hint="with length_penalty 2 long hypotheses win: do not stop while "
                "S_best / max_new_tokens ** length_penalty beats the pool's worst score; at the limit every candidate finishes")


@pytest.mark.parametrize("lp", [1.0, 0.0, 2.0, -1.0])
def test_exhaustive_beam_equals_brute_force(learner, seed, lp):
    """With a beam wide enough to hold every prefix and early_stopping='never', beam search returns the exact top-5
    hypotheses of a brute-force enumeration (vocabulary 4, 3 new tokens, random context-dependent model)."""
    fn = _toy_model(seed)
    expected = _brute_force(fn, [2], 4, 3, 0, lp)[:5]
    got = learner.beam_search(fn, [2], num_beams=36, max_new_tokens=3, eos_token_id=0, length_penalty=lp,
                              early_stopping="never", num_return_sequences=5)
    _check_hyps(got, expected, f"length_penalty={lp}",
                hint="score = sum log p / L ** length_penalty with L the number of generated tokens (EOS included); "
                     "hypotheses end at EOS or at max_new_tokens; return the pool sorted best first")


@pytest.mark.parametrize("lp,es", [(1.0, False), (2.0, True)])
def test_matches_transformers_generate(learner, lp, es):
    """Equal to tiny-llama-1m's model.generate(num_beams=4, do_sample=False, length_penalty, early_stopping,
    num_return_sequences=3), with '.' as the EOS token: same tokens, same sequences_scores (atol 1e-4)."""
    from grader import data

    tok, model, _ = data.load("tiny-llama-1m")
    prompt = tok("The history of the city", return_tensors="pt").input_ids
    eos = tok.convert_tokens_to_ids(".")
    with torch.no_grad():
        out = model.generate(prompt, max_new_tokens=8, num_beams=4, do_sample=False, length_penalty=lp,
                             early_stopping=es, eos_token_id=eos, pad_token_id=tok.pad_token_id,
                             num_return_sequences=3, return_dict_in_generate=True, output_scores=True)
        expected = []
        for seq, score in zip(out.sequences[:, prompt.shape[1]:].tolist(), out.sequences_scores.tolist()):
            expected.append((seq[:seq.index(eos) + 1] if eos in seq else seq, score))

        def next_log_probs(seqs):
            return model(seqs).logits[:, -1].float().log_softmax(-1)
        got = learner.beam_search(next_log_probs, prompt[0].tolist(), num_beams=4, max_new_tokens=8, eos_token_id=eos,
                                  length_penalty=lp, early_stopping=es, num_return_sequences=3)
    check(isinstance(got, list) and len(got) == 3, f"expected 3 hypotheses, got {got!r}"[:300])
    _check_tokens(got, expected, f"tokens (lp={lp}, es={es!r})",
                  hint="follow transformers' rules: top 2*num_beams candidates, finished ones only from the first num_beams "
                      "ranks, pool of num_beams, the early_stopping rule of the docstring")
    assert_close([float(h[1]) for h in got], [h[1] for h in expected], atol=1e-4, name="scores",
                 hint="sum log p / (generated length incl. EOS) ** length_penalty")
