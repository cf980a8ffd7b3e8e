"""Spec for 03_nlp_transformers/span_corruption.py: T5 noise masks, span corruption (reconstruction, sentinel order,
noise fraction) and BART text infilling."""

from __future__ import annotations

import pytest
import torch

from grader.testing import assert_equal, check

SENTINELS = list(range(32099, 31999, -1))  # <extra_id_0> = 32099, <extra_id_1> = 32098, ... as in T5's vocabulary
EOS = 1
FORMAT_HINT = ("inputs: kept tokens with ONE sentinel per noise span (S_0, S_1, ... in order); targets: S_0 span_0 "
               "S_1 span_1 ... then the final sentinel S_n, then EOS")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _runs(mask: list[bool]) -> list[tuple[bool, int]]:
    """Run-length encoding: [(value, length), ...]."""
    runs: list[tuple[bool, int]] = []
    for m in mask:
        if runs and runs[-1][0] == m:
            runs[-1] = (m, runs[-1][1] + 1)
        else:
            runs.append((m, 1))
    return runs


def _reconstruct(inputs: list[int], targets: list[int], eos: int | None) -> list[int]:
    """The spec's own decoder: put each sentinel's span from the targets back into the inputs."""
    if eos is not None:
        check(inputs[-1] == eos and targets[-1] == eos, "inputs and targets must both end with EOS when eos_id is given.",
              hint="append eos_id to both lists")
        inputs, targets = inputs[:-1], targets[:-1]
    spans: dict[int, list[int]] = {}
    current = None
    for t in targets:
        if t in SENTINELS:
            current = t
            spans[t] = []
        else:
            check(current is not None, f"the targets {targets} do not start with a sentinel.", hint=FORMAT_HINT)
            spans[current].append(t)
    out = []
    for t in inputs:
        out.extend(spans.get(t, []) if t in SENTINELS else [t])
    return out


def _eq_pair(got, expected, name: str, hint: str) -> None:
    """Compare an (inputs, targets) pair list by list."""
    assert_equal(list(got[0]), expected[0], name=f"inputs ({name})", hint=hint)
    assert_equal(list(got[1]), expected[1], name=f"targets ({name})", hint=hint)


def test_span_corrupt_by_hand(learner):
    """tokens 10..19 with 12, 13 and 17 dropped: inputs [10, 11, S0, 14, 15, 16, S1, 18, 19, EOS] and targets
    [S0, 12, 13, S1, 17, S2, EOS]."""
    tokens = list(range(10, 20))
    mask = [bool(m) for m in [0, 0, 1, 1, 0, 0, 0, 1, 0, 0]]
    s0, s1, s2 = SENTINELS[:3]
    inputs, targets = learner.span_corrupt(tokens, mask, SENTINELS, eos_id=EOS)
    assert_equal(list(inputs), [10, 11, s0, 14, 15, 16, s1, 18, 19, EOS], name="inputs", hint=FORMAT_HINT)
    assert_equal(list(targets), [s0, 12, 13, s1, 17, s2, EOS], name="targets", hint=FORMAT_HINT)
    _eq_pair(learner.span_corrupt(tokens, mask, SENTINELS),
             ([10, 11, s0, 14, 15, 16, s1, 18, 19], [s0, 12, 13, s1, 17, s2]),
             name="eos_id=None", hint="append EOS only when eos_id is given")


def test_span_corrupt_edges(learner):
    """Spans at both ends (tensor inputs accepted); no noise at all gives inputs = tokens and targets = [S0];
    adjacent noise tokens form ONE span."""
    s0, s1, s2 = SENTINELS[:3]
    tokens = torch.tensor([5, 6, 7, 8, 9])
    mask = torch.tensor([True, True, False, False, True])
    inputs, targets = learner.span_corrupt(tokens, mask, SENTINELS, eos_id=EOS)
    assert_equal(list(inputs), [s0, 7, 8, s1, EOS], name="inputs with spans at both ends", hint=FORMAT_HINT)
    assert_equal(list(targets), [s0, 5, 6, s1, 9, s2, EOS], name="targets with spans at both ends", hint=FORMAT_HINT)
    _eq_pair(learner.span_corrupt([5, 6, 7], [False] * 3, SENTINELS, eos_id=EOS), ([5, 6, 7, EOS], [s0, EOS]),
             name="no noise", hint="with no span, the targets hold only the final sentinel S_0 (and EOS)")
    _eq_pair(learner.span_corrupt([5, 6, 7, 8], [False, True, True, True], SENTINELS), ([5, s0], [s0, 6, 7, 8, s1]),
             name="one long span",
             hint="a run of consecutive noise tokens is ONE span with ONE sentinel, not one sentinel per token")


@pytest.mark.parametrize("length, density, mean, n_noise, n_spans",
                         [(100, 0.15, 3.0, 15, 5), (37, 0.15, 3.0, 6, 2), (512, 0.15, 3.0, 77, 26),
                          (40, 0.5, 2.0, 20, 10), (5, 0.15, 3.0, 1, 1)])
def test_noise_mask_counts(learner, seed, length, density, mean, n_noise, n_spans):
    """random_spans_noise_mask drops exactly round(density * L) tokens (at least 1) in exactly
    max(1, round(noise / mean)) spans, and the sequence starts with a kept token."""
    mask = learner.random_spans_noise_mask(length, density, mean, generator=_gen(seed))
    check(len(mask) == length, f"the mask has length {len(mask)}, expected {length}.")
    mask = [bool(m) for m in mask]
    got_noise = sum(mask)
    check(got_noise == n_noise, f"L = {length}, density = {density}: {got_noise} noise tokens, expected "
                                f"round({density} * {length}) = {n_noise}.",
          hint="n_noise = round(density * L) clamped to [1, L - 1] (round, not int(): int() truncates)")
    spans = sum(1 for v, _ in _runs(mask) if v)
    check(spans == n_spans, f"L = {length}: {spans} noise spans, expected max(1, round({n_noise} / {mean})) = {n_spans}.",
          hint="split the noise tokens into n_spans positive lengths and the kept tokens into n_spans positive "
               "lengths, then interleave keep, noise, keep, noise, ...")
    check(not mask[0], "the mask starts with a noise token.",
          hint="T5 lays the spans out as keep_1, noise_1, keep_2, noise_2, ...: the first token is always kept")


def test_noise_mask_is_random_and_seeded(learner, seed):
    """The same generator seed gives the same mask; 30 different seeds give many different masks, with noise reaching
    most positions (except the first)."""
    a = [bool(m) for m in learner.random_spans_noise_mask(60, generator=_gen(seed))]
    b = [bool(m) for m in learner.random_spans_noise_mask(60, generator=_gen(seed))]
    assert_equal(a, b, name="masks with the same seed", hint="draw every random number from the generator argument")
    masks = [tuple(bool(m) for m in learner.random_spans_noise_mask(60, generator=_gen(seed * 100 + s)))
             for s in range(30)]
    check(len(set(masks)) >= 20, f"only {len(set(masks))} distinct masks over 30 seeds.",
          hint="both segmentations (the noise lengths and the kept lengths) must be random: use "
               "torch.randperm(m - 1, generator=g) for the cut points")
    covered = torch.tensor(masks).any(dim=0)
    check(int(covered.sum()) >= 40, f"over 30 seeds, noise only ever fell on {int(covered.sum())} of 60 positions.",
          hint="the spans' positions must vary: randomise the lengths of the kept stretches too")


@pytest.mark.points(2)
def test_round_trip_and_sentinel_order(learner, seed):
    """For random 200-token sequences: the inputs keep ~85% of the tokens, sentinels appear in order S_0, S_1, ... once
    each in the inputs and once each (plus a final one) in the targets, and inputs + targets rebuild the original."""
    g = _gen(seed)
    for trial in range(5):
        tokens = torch.randint(2, 32000, (200,), generator=g).tolist()
        mask = learner.random_spans_noise_mask(200, generator=g)
        inputs, targets = learner.span_corrupt(tokens, mask, SENTINELS, eos_id=EOS)
        inputs, targets = list(inputs), list(targets)
        n_spans = sum(1 for v, _ in _runs([bool(m) for m in mask]) if v)
        in_sent = [t for t in inputs if t in SENTINELS]
        tg_sent = [t for t in targets if t in SENTINELS]
        assert_equal(in_sent, SENTINELS[:n_spans], name="sentinels in the inputs",
                     hint="one sentinel per span, in order: sentinel_ids[0], sentinel_ids[1], ...")
        assert_equal(tg_sent, SENTINELS[:n_spans + 1], name="sentinels in the targets",
                     hint="each span's sentinel in order, then the final sentinel sentinel_ids[n_spans]")
        kept = len(inputs) - 1 - n_spans
        check(kept == 200 - 30, f"the inputs keep {kept} of 200 tokens; expected 170 (15% = 30 dropped).",
              hint="every non-noise token stays in the inputs, in order")
        assert_equal(_reconstruct(inputs, targets, EOS), tokens, name="inputs + targets, sentinels filled in",
                     hint="kept tokens and dropped spans must together give back the original sequence, in order")


def test_bart_infilling(learner, seed):
    """BART: each noise span becomes ONE mask token and the target is the original sequence; by hand and on random
    T5-style masks."""
    tokens = list(range(10, 20))
    mask = [bool(m) for m in [0, 0, 1, 1, 0, 0, 0, 1, 0, 0]]
    inputs, targets = learner.bart_infilling(tokens, mask, mask_id=5)
    assert_equal(list(inputs), [10, 11, 5, 14, 15, 16, 5, 18, 19], name="BART inputs",
                 hint="one mask_id per noise span (the span's length is hidden), kept tokens unchanged")
    assert_equal(list(targets), tokens, name="BART targets", hint="BART's decoder rewrites the whole original text")
    g = _gen(seed)
    tokens = torch.randint(10, 1000, (80,), generator=g).tolist()
    mask = [bool(m) for m in learner.random_spans_noise_mask(80, generator=g)]
    inputs, _ = learner.bart_infilling(tokens, mask, mask_id=5)
    n_spans = sum(1 for v, _ in _runs(mask) if v)
    check(list(inputs).count(5) == n_spans, f"{list(inputs).count(5)} mask tokens for {n_spans} spans.",
          hint="one mask token per span, not per token")
    assert_equal([t for t in inputs if t != 5], [t for t, m in zip(tokens, mask) if not m],
                 name="the non-mask tokens of the BART input", hint="every kept token stays, in order")
