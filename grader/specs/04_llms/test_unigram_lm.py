"""Spec for 04_llms/unigram_lm.py: Viterbi, forward likelihood, EM expected counts and pruning, against brute force."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from grader.testing import assert_close, check

LOG = math.log


def _segmentations(text, vocab):
    """Every segmentation of text into pieces of vocab (brute force over the 2^(n-1) cut sets)."""
    n = len(text)
    if n == 0:
        return [[]]
    out = []
    for cuts in product([0, 1], repeat=n - 1):
        bounds = [0] + [i + 1 for i, c in enumerate(cuts) if c] + [n]
        pieces = [text[a:b] for a, b in zip(bounds, bounds[1:])]
        if all(p in vocab for p in pieces):
            out.append(pieces)
    return out


def _lse(xs):
    xs = list(xs)
    m = max(xs, default=-math.inf)
    return m if m == -math.inf else m + math.log(sum(math.exp(x - m) for x in xs))


def _bf_loglik(text, lp):
    return _lse(sum(lp[p] for p in seg) for seg in _segmentations(text, lp))


def _bf_counts(corpus, lp):
    counts, total = {}, 0.0
    for word, f in corpus.items():
        segs = _segmentations(word, lp)
        scores = [sum(lp[p] for p in s) for s in segs]
        z = _lse(scores)
        total += f * z
        for s, sc in zip(segs, scores):
            for p in s:
                counts[p] = counts.get(p, 0.0) + f * math.exp(sc - z)
    return counts, total


def _random_model(rng, alphabet="abc", n_multi=10, max_len=4):
    pieces = set(alphabet)
    while len(pieces) < len(alphabet) + n_multi:
        k = int(rng.integers(2, max_len + 1))
        pieces.add("".join(rng.choice(list(alphabet), size=k)))
    pieces = sorted(pieces)
    w = rng.dirichlet(np.ones(len(pieces)))
    return {p: math.log(float(x)) for p, x in zip(pieces, w)}


def _random_corpus(rng, alphabet="abc", n=6, max_len=8):
    return {"".join(rng.choice(list(alphabet), size=int(rng.integers(1, max_len + 1)))): int(rng.integers(1, 5))
            for _ in range(n)}


def _dict_close(got, want, *, name, hint, tol=1e-9):
    got = {k: float(v) for k, v in got.items() if abs(float(v)) > 1e-12 or k in want}
    check(set(got) == set(want), f"{name}: pieces {sorted(got)}, expected {sorted(want)}", hint=hint)
    for k in want:
        assert_close(got[k], want[k], rtol=tol, atol=tol, name=f"{name}[{k!r}]", hint=hint)


def test_viterbi_by_hand(learner):
    """'abab' with p(a)=p(b)=0.2, p(ab)=0.6 is ['ab', 'ab']; an uncoverable string gives (None, -inf); '' gives ([], 0)."""
    lp = {"a": LOG(0.2), "b": LOG(0.2), "ab": LOG(0.6)}
    pieces, score = learner.viterbi("abab", lp)
    check(list(pieces) == ["ab", "ab"], f"viterbi('abab') pieces are {pieces}, expected ['ab', 'ab']",
          hint="maximise the SUM of log-probabilities over segmentations by dynamic programming")
    assert_close(score, 2 * LOG(0.6), rtol=1e-12, name="viterbi('abab') score", hint="the score is the sum of the pieces' log-probs")
    lp2 = {"a": LOG(0.1), "b": LOG(0.1), "ab": LOG(0.05), "abc": LOG(0.5), "c": LOG(0.1), "bc": LOG(0.15)}
    pieces, _ = learner.viterbi("abc", lp2)
    check(list(pieces) == ["abc"], f"viterbi('abc') pieces are {pieces}, expected ['abc']", hint="take the best path, not the longest prefix")
    pieces, _ = learner.viterbi("abcbc", {**lp2, "abc": LOG(0.001)})
    check(list(pieces) == ["a", "bc", "bc"], f"viterbi('abcbc') pieces are {pieces}, expected ['a', 'bc', 'bc']",
          hint="greedy longest-match would take 'abc' first; Viterbi compares all paths")
    pieces, score = learner.viterbi("abx", lp)
    check(pieces is None and score == -math.inf, f"viterbi('abx') = ({pieces}, {score}), expected (None, -inf)",
          hint="'x' is in no piece: return (None, -inf)")
    pieces, score = learner.viterbi("", lp)
    check(list(pieces) == [] and score == 0.0, f"viterbi('') = ({pieces}, {score}), expected ([], 0.0)")


def test_viterbi_matches_brute_force(learner, rng):
    """On random vocabularies and strings up to 10 characters, Viterbi's score is the max over all segmentations, and its pieces achieve it."""
    for _ in range(15):
        lp = _random_model(rng)
        text = "".join(rng.choice(list("abc"), size=int(rng.integers(1, 11))))
        segs = _segmentations(text, lp)
        best = max(sum(lp[p] for p in s) for s in segs)
        pieces, score = learner.viterbi(text, lp)
        assert_close(score, best, rtol=1e-12, atol=1e-12, name=f"viterbi({text!r}) score", hint="best[j] = max_i best[i] + lp(text[i:j])")
        check("".join(pieces) == text and all(p in lp for p in pieces), f"viterbi({text!r}) pieces {pieces} do not spell the text",
              hint="follow the back-pointers from the end and reverse")
        assert_close(sum(lp[p] for p in pieces), best, rtol=1e-12, atol=1e-12, name=f"log P(viterbi pieces of {text!r})",
                     hint="the returned pieces must be the segmentation that achieves the score")


def test_log_likelihood_sums_segmentations(learner, rng):
    """log_likelihood is logsumexp over all segmentations, exact against brute force, and finite when every probability is tiny."""
    lp = {"a": LOG(0.2), "b": LOG(0.2), "ab": LOG(0.6)}
    assert_close(learner.log_likelihood("ab", lp), LOG(0.64), rtol=1e-12, name="log_likelihood('ab')",
                 hint="P('ab') = P(ab) + P(a)P(b) = 0.6 + 0.04: a sum over segmentations, not the max")
    for _ in range(10):
        lp = _random_model(rng)
        text = "".join(rng.choice(list("abc"), size=int(rng.integers(1, 11))))
        assert_close(learner.log_likelihood(text, lp), _bf_loglik(text, lp), rtol=1e-10, atol=1e-10,
                     name=f"log_likelihood({text!r})", hint="alpha[j] = logsumexp over pieces text[i:j] of alpha[i] + lp")
    tiny = {p: v - 300.0 for p, v in _random_model(rng).items()}  # p ~ e^-300: products underflow float64
    text = "abcabcabca"
    got = learner.log_likelihood(text, tiny)
    check(math.isfinite(got), f"log_likelihood with log-probs near -300 is {got}",
          hint="work in log space with a stable logsumexp (subtract the max before exp); never multiply raw probabilities")
    assert_close(got, _bf_loglik(text, tiny), rtol=1e-10, name="log_likelihood with tiny probabilities")


def test_expected_counts_by_hand_and_brute_force(learner, rng):
    """E-step counts equal the posterior-weighted piece counts over all segmentations, times word frequencies."""
    lp = {"a": LOG(0.2), "b": LOG(0.2), "ab": LOG(0.6)}
    counts, ll = learner.expected_counts({"ab": 2}, lp)
    _dict_close(counts, {"ab": 2 * 0.6 / 0.64, "a": 2 * 0.04 / 0.64, "b": 2 * 0.04 / 0.64}, name="expected_counts({'ab': 2})",
                hint="posterior of a span = exp(alpha[i] + lp + beta[j] - log P(word)), times the word's frequency")
    assert_close(ll, 2 * LOG(0.64), rtol=1e-12, name="corpus log-likelihood of {'ab': 2}", hint="sum_w f_w log P(w)")
    for _ in range(4):
        lp, corpus = _random_model(rng), _random_corpus(rng)
        counts, ll = learner.expected_counts(corpus, lp)
        want, want_ll = _bf_counts(corpus, lp)
        _dict_close(counts, want, name="expected_counts(random corpus)",
                    hint="alpha from the left, beta from the right, normalise by P(word), weight by frequency")
        assert_close(ll, want_ll, rtol=1e-10, name="corpus log-likelihood", hint="sum_w f_w log P(w)")


def test_em_step(learner, rng):
    """em_step equals the brute-force M-step (normalised expected counts), and EM never decreases the corpus likelihood."""
    lp, corpus = _random_model(rng), _random_corpus(rng)
    new = learner.em_step(corpus, lp)
    counts, _ = _bf_counts(corpus, lp)
    total = sum(counts.values())
    _dict_close(new, {p: math.log(c / total) for p, c in counts.items() if c > 0}, name="em_step",
                hint="new lp(x) = log(c(x) / sum_y c(y)), over ALL pieces of the corpus (not per word)")
    assert_close(sum(math.exp(v) for v in new.values()), 1.0, rtol=1e-12, name="sum of new probabilities")
    ll = [sum(f * _bf_loglik(w, lp) for w, f in corpus.items())]
    for _ in range(4):
        lp = learner.em_step(corpus, lp)
        ll.append(sum(f * _bf_loglik(w, lp) for w, f in corpus.items()))
    check(all(b >= a - 1e-9 for a, b in zip(ll, ll[1:])), f"the corpus log-likelihood over EM steps is {ll}",
          hint="EM cannot decrease the likelihood: check the E-step weights and the M-step normalisation")


def _ref_prune(corpus, lp, size):
    base = sum(f * _bf_loglik(w, lp) for w, f in corpus.items())
    losses = []
    for x, v in lp.items():
        if len(x) == 1:
            continue
        shift = math.log1p(-math.exp(v))
        rest = {y: u - shift for y, u in lp.items() if y != x}
        losses.append((base - sum(f * _bf_loglik(w, rest) for w, f in corpus.items()), x))
    removed = {x for _, x in sorted(losses)[:max(0, len(lp) - size)]}
    kept = {y: u for y, u in lp.items() if y not in removed}
    z = _lse(kept.values())
    return {y: u - z for y, u in kept.items()}


def test_prune(learner, rng):
    """prune keeps `size` pieces (never a single character), dropping the smallest likelihood losses, and renormalises."""
    for size in (8, 10):
        lp, corpus = _random_model(rng, n_multi=8), _random_corpus(rng, max_len=7)
        got = learner.prune(corpus, lp, size)
        want = _ref_prune(corpus, lp, size)
        check(len(got) == size, f"prune(..., size={size}) left {len(got)} pieces", hint="remove len(log_probs) - size pieces")
        check(set("abc") <= set(got), "prune removed a single character", hint="single characters are never removed")
        check(set(got) == set(want), f"prune kept {sorted(got)}, expected {sorted(want)}",
              hint="loss(x) = L(model) - L(model without x, renormalised), with L the corpus log-likelihood summed over "
                   "segmentations; remove the smallest losses, computed once against the current model")
        _dict_close(got, want, name=f"prune(size={size})", hint="renormalise the survivors so their probabilities sum to 1")
