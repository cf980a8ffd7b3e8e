"""Spec for 04_llms/sampling.py: greedy, temperature, top-k, top-p, their order, sampling with a generator."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from grader.testing import assert_close, assert_equal, check

# a correct sampler fails one chi-square test with probability 1e-6 (for any seed); a wrong one with
# 20,000 samples gives p-values far below it
P_VALUE_FLOOR = 1e-6
N_SAMPLES = 20_000


def _kept(filtered: torch.Tensor) -> torch.Tensor:
    return torch.isfinite(filtered)


def test_worked_example(learner):
    """The docstring's example: top-k 2, top-p 0.6 (keep 2), top-p 0.85 (keep 3) on probabilities [0.5, 0.3, 0.15, 0.05]."""
    z = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    assert_close(learner.top_k_filter(z, 2).exp(), torch.tensor([0.5, 0.3, 0.0, 0.0]), name="top_k_filter(z, 2).exp()",
                 hint="keep the k largest logits and set the others to float('-inf')")
    assert_close(learner.top_p_filter(z, 0.6).exp(), torch.tensor([0.5, 0.3, 0.0, 0.0]), name="top_p_filter(z, 0.6).exp()",
                 hint="0.5 alone does not reach 0.6, so the 0.3 token, which crosses p, must be KEPT")
    assert_close(learner.top_p_filter(z, 0.85).exp(), torch.tensor([0.5, 0.3, 0.15, 0.0]),
                 name="top_p_filter(z, 0.85).exp()", hint="0.5 + 0.3 = 0.8 < 0.85, the 0.15 token crosses p and is kept")
    check(torch.equal(z, torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))), "the filters modified their input in place",
          hint="use masked_fill (not masked_fill_) or clone first")


def test_greedy_and_temperature(learner):
    """greedy is the argmax of the last axis; temperature divides the logits (T = 0.5 doubles them) and rejects T <= 0."""
    z = torch.tensor([[1.0, 3.0, 2.0], [-1.0, -2.0, -0.5]])
    assert_equal(learner.greedy(z).tolist(), [1, 2], name="greedy(z)", hint="argmax over the last dimension (the vocabulary)")
    assert_close(learner.apply_temperature(z, 0.5), z * 2, name="apply_temperature(z, 0.5)",
                 hint="divide the logits by T (T < 1 sharpens the distribution), do not multiply")
    assert_close(learner.apply_temperature(z, 2.0), z / 2, name="apply_temperature(z, 2.0)", hint="logits / T")
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError):
            learner.apply_temperature(z, bad)


def test_top_k_ties_and_large_k(learner):
    """Top-k keeps ties with the k-th value (Hugging Face's rule), works per row, and k >= V keeps everything."""
    z = torch.tensor([[5.0, 1.0, 3.0, 3.0, 0.0], [0.0, 1.0, 2.0, 3.0, 4.0]])
    out = learner.top_k_filter(z, 2)
    assert_equal(_kept(out).tolist(), [[True, False, True, True, False], [False, False, False, True, True]],
                 name="kept tokens of top_k_filter(z, 2)",
                 hint="remove z_i < (k-th largest value of its row); values tied with the k-th are kept")
    assert_equal(out[_kept(out)].tolist(), z[_kept(out)].tolist(), name="kept logits", hint="kept logits are unchanged")
    check(bool(torch.isneginf(out[~_kept(out)]).all()), "removed logits are not -inf", hint="use float('-inf')")
    assert_close(learner.top_k_filter(z, 10), z, name="top_k_filter(z, k > V)", hint="clamp k to the vocabulary size")


def test_top_p_boundary_and_min_one_token(learner):
    """Top-p keeps the token that crosses p, always keeps the most likely token (p tiny), keeps ties at the boundary, p = 1 keeps all."""
    z = torch.log(torch.tensor([0.05, 0.5, 0.15, 0.3]))        # unsorted on purpose
    assert_equal(_kept(learner.top_p_filter(z, 0.55)).tolist(), [False, True, False, True],
                 name="kept tokens for p = 0.55", hint="0.5 < 0.55: the 0.3 token crosses p and must be kept")
    assert_equal(_kept(learner.top_p_filter(z, 0.45)).tolist(), [False, True, False, False],
                 name="kept tokens for p = 0.45", hint="0.5 >= 0.45 already: keep only the top token")
    assert_equal(_kept(learner.top_p_filter(z, 1e-9)).tolist(), [False, True, False, False],
                 name="kept tokens for p = 1e-9", hint="at least one token (the most likely) is always kept")
    assert_equal(_kept(learner.top_p_filter(z, 1.0)).tolist(), [True] * 4, name="kept tokens for p = 1.0",
                 hint="p = 1 keeps every token")
    ties = torch.log(torch.tensor([0.3, 0.4, 0.3]))
    assert_equal(_kept(learner.top_p_filter(ties, 0.5)).tolist(), [True, True, True],
                 name="kept tokens of probabilities [0.3, 0.4, 0.3], p = 0.5",
                 hint="the crossing token has probability 0.3 and so has the other one: tokens tied with the last kept are kept")


def test_top_p_large_logits_and_batch(learner):
    """Top-p works row by row and on huge logits (softmax must not overflow: no NaN)."""
    z = torch.tensor([[1000.0, 999.0, 990.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    out = learner.top_p_filter(z, 0.7)
    check(not torch.isnan(out).any(), "top_p_filter returned NaN on logits around 1000",
          hint="compute probabilities with torch.softmax (it subtracts the max), not exp(z) / exp(z).sum()")
    # row 0: p = [0.731, 0.269, 3e-5, 0] -> 0.731 >= 0.7 keeps 1; row 1: four ties of 0.25 -> all tied with the crossing one
    assert_equal(_kept(out).tolist(), [[True, False, False, False], [True, True, True, True]], name="kept tokens",
                 hint="sort each row by probability, descending, and keep up to the crossing token (plus ties)")


def test_order_of_warpers(learner):
    """process_logits applies temperature, then top-k, then top-p: top-p sees the tempered distribution."""
    z = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    # at T = 0.5 the probabilities are ~[0.68, 0.24, 0.06, 0.007]: p = 0.7 keeps 2 (at T = 1 it would keep 2 too),
    # p = 0.6 keeps 1 after tempering but 2 before
    out = learner.process_logits(z, temperature=0.5, top_p=0.6)
    assert_equal(_kept(out).tolist(), [True, False, False, False], name="kept tokens (T=0.5, top_p=0.6)",
                 hint="apply the temperature first, then compute the top-p nucleus on the tempered probabilities")
    assert_close(out[0], z[0] / 0.5, name="kept tempered logit", hint="the kept logits are z / T")
    out = learner.process_logits(z, temperature=2.0, top_k=3, top_p=0.9)
    expected = torch.softmax(z / 2.0, -1)[:3]
    expected = torch.cat([expected / expected.sum(), torch.zeros(1)])
    # tempered top-3 renormalised: [0.42, 0.33, 0.23]: cumulative 0.42, 0.76, 1.0 -> all 3 kept by p = 0.9
    assert_close(torch.softmax(out, -1), expected, atol=1e-6, name="softmax(process_logits(T=2, top_k=3, top_p=0.9))",
                 hint="order: temperature, top-k, then top-p on the renormalised top-k distribution")
    assert_close(learner.process_logits(z), z, name="process_logits with defaults", hint="defaults mean no change")


def test_matches_transformers_warpers(learner, rng):
    """The filtered logits equal transformers' TemperatureLogitsWarper -> TopKLogitsWarper -> TopPLogitsWarper on random logits."""
    from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    z = torch.tensor(rng.normal(0, 2.5, size=(16, 50)), dtype=torch.float32)
    for T, k, p in [(1.0, 0, 0.9), (0.7, 0, 0.5), (1.3, 10, 1.0), (0.8, 20, 0.8), (2.0, 5, 0.3), (1.0, 0, 0.05)]:
        ref = TemperatureLogitsWarper(T)(None, z.clone())
        if k > 0:
            ref = TopKLogitsWarper(k)(None, ref)
        if p < 1.0:
            ref = TopPLogitsWarper(p)(None, ref)
        out = learner.process_logits(z.clone(), temperature=T, top_k=k, top_p=p)
        assert_equal(_kept(out).tolist(), _kept(ref).tolist(), name=f"kept tokens (T={T}, top_k={k}, top_p={p})",
                     hint="compare with transformers' warpers: temperature, top-k, top-p (crossing token kept)")
        assert_close(out[_kept(out)], ref[_kept(ref)], rtol=1e-5, atol=1e-6, name="kept logits", hint="kept logits are z / T")


def test_sample_uses_generator(learner, seed):
    """sample returns one int64 token per row, reproducible from the generator alone (not the global seed), and only kept tokens."""
    z = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05])).expand(500, 4)
    a = learner.sample(z, top_p=0.6, generator=torch.Generator().manual_seed(seed))
    torch.manual_seed(seed + 1234)
    b = learner.sample(z, top_p=0.6, generator=torch.Generator().manual_seed(seed))
    check(a.shape == (500,) and a.dtype == torch.int64, f"sample returned shape {tuple(a.shape)} dtype {a.dtype}",
          hint="torch.multinomial(probs, 1, generator=generator).squeeze(-1): one int64 token per row")
    assert_equal(a.tolist(), b.tolist(), name="samples from two generators with the same seed",
                 hint="pass generator= to torch.multinomial so the draw does not depend on the global RNG")
    check(set(a.tolist()) <= {0, 1}, f"sampled tokens {sorted(set(a.tolist()))} outside the top-p nucleus {{0, 1}}",
          hint="sample from softmax(process_logits(...)): filtered tokens have probability 0")
    check(set(a.tolist()) == {0, 1}, "only one token was ever sampled in 500 draws from [0.625, 0.375]",
          hint="sample (torch.multinomial), do not take the argmax")


@pytest.mark.parametrize("T,k,p", [(1.0, 0, 1.0), (0.7, 0, 0.8), (1.5, 4, 1.0), (1.0, 0, 0.6)])
def test_empirical_distribution_chi_square(learner, seed, T, k, p):
    """20,000 samples follow softmax(process_logits(z)) (chi-square test, p-value > 1e-6); filtered tokens never appear.

    The last case puts the boundary token (the one that crosses p) in the nucleus: it must be sampled at its renormalised rate."""
    probs0 = torch.tensor([0.3, 0.25, 0.15, 0.12, 0.08, 0.05, 0.03, 0.02])
    z = torch.log(probs0)
    expected = torch.softmax(z / T, -1)
    if k > 0:
        expected[torch.argsort(expected, descending=True)[k:]] = 0
    if p < 1.0:  # p = 0.8 on T = 0.7: cumulative ~[.38, .68, .82] keeps 3; p = 0.6: 0.3, 0.55, 0.70 keeps 3 (0.15 crosses)
        order = torch.argsort(expected, descending=True)
        mass_above = torch.cumsum(expected[order], 0) - expected[order]
        expected[order[mass_above >= p * expected.sum()]] = 0
    expected = (expected / expected.sum()).double().numpy()
    g = torch.Generator().manual_seed(seed)
    draws = learner.sample(z.expand(N_SAMPLES, 8).clone(), temperature=T, top_k=k, top_p=p, generator=g)
    counts = np.bincount(draws.numpy(), minlength=8)
    zero = expected == 0
    check(counts[zero].sum() == 0, f"filtered tokens {np.flatnonzero(zero & (counts > 0)).tolist()} were sampled "
          f"(counts {counts.tolist()}, expected probabilities {np.round(expected, 3).tolist()})",
          hint="softmax of -inf is 0: sample from the filtered logits, not the raw ones")
    f_exp = expected[~zero] / expected[~zero].sum() * counts[~zero].sum()
    stat, pvalue = chisquare(counts[~zero], f_exp)
    check(pvalue > P_VALUE_FLOOR, f"sample counts {counts.tolist()} do not follow the expected probabilities "
          f"{np.round(expected, 4).tolist()} (chi-square {stat:.1f}, p-value {pvalue:.2e})",
          hint="the token crossing p is kept, temperature divides the logits, and sampling draws from softmax of the result")
