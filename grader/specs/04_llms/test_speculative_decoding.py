"""Spec for 04_llms/speculative_decoding.py: the accept/resample/bonus rule (exact target distribution), greedy vs target."""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import chisquare

from grader.testing import assert_close, assert_equal, check

P_VALUE_FLOOR = 1e-6      # a correct step fails with probability 1e-6 per test, for any seed

P_TABLE = torch.tensor([[0.05, 0.40, 0.10, 0.30, 0.15],
                        [0.30, 0.05, 0.25, 0.10, 0.30],
                        [0.20, 0.20, 0.20, 0.20, 0.20]])
Q_TABLE = torch.tensor([[0.40, 0.10, 0.30, 0.05, 0.15],
                        [0.10, 0.50, 0.10, 0.20, 0.10]])


def _run(learner, p, q, n, seed):
    """n independent steps: the spec samples the draft tokens from q, the learner accepts/rejects."""
    g_draft = torch.Generator().manual_seed(seed + 10_000)
    g = torch.Generator().manual_seed(seed)
    results = []
    for _ in range(n):
        draft = torch.stack([torch.multinomial(q[i], 1, generator=g_draft)[0] for i in range(q.shape[0])])
        results.append(learner.speculative_step(p, q, draft, g))
    return results


def test_identical_models_accept_everything(learner, seed):
    """With p == q every draft token is accepted and a bonus token from p_k follows: k + 1 tokens, n_accepted = k."""
    p = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.0, 0.0, 1.0]])
    for tokens, n_acc in _run(learner, p, p[:2], 50, seed):
        check(len(tokens) == 3 and n_acc == 2, f"with p == q got tokens {tokens}, n_accepted {n_acc}",
              hint="p / q = 1 >= r always: accept all k drafts, then add the bonus token sampled from p[k]")
        check(tokens[2] == 2, f"the bonus token {tokens[2]} was not drawn from p[k] = [0, 0, 1]",
              hint="the bonus comes from the target's distribution after the last draft token, p[k]")


def test_rejection_samples_from_residual(learner, seed):
    """When p puts no mass where the draft proposed, the draft is always rejected and the token comes from
    norm(max(0, p - q)), never from a token where p <= q."""
    p = torch.tensor([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    q = torch.tensor([[0.9, 0.0, 0.1]])
    # the draft always proposes 0 or 2; p(0) = 0 -> reject 0; residual max(0, p - q) = [0, 0.5, 0.4]
    seen = set()
    for tokens, n_acc in _run(learner, p, q, 200, seed):
        check(len(tokens) == 1 or tokens[0] == 2, f"a draft token with p = 0 was accepted: {tokens}",
              hint="accept x only if r < p(x) / q(x)")
        if n_acc == 0:
            check(len(tokens) == 1, f"after a rejection the step emitted {tokens}", hint="stop after the resampled token")
            seen.add(tokens[0])
    check(seen <= {1, 2} and 0 not in seen, f"resampled tokens {sorted(seen)} include token 0, where p - q < 0",
          hint="resample from max(0, p - q) normalised, not from p")


def test_worked_example(learner, seed):
    """The docstring's example: q = [0.9, 0.1] proposes, p = [0.6, 0.4]: the first emitted token is 0 with probability 0.6
    (not 0.9), chi-square over 4,000 steps; acceptance rate close to sum min(p, q) = 0.7."""
    p = torch.tensor([[0.6, 0.4], [0.5, 0.5]])
    q = torch.tensor([[0.9, 0.1]])
    res = _run(learner, p, q, 4000, seed)
    first = np.bincount([t[0] for t, _ in res], minlength=2)
    stat, pvalue = chisquare(first, np.array([0.6, 0.4]) * len(res))
    check(pvalue > P_VALUE_FLOOR, f"first-token counts {first.tolist()} vs expected [2400, 1600] (p-value {pvalue:.1e})",
          hint="accept with probability min(1, p(x) / q(x)); on rejection draw from norm(max(0, p - q))")
    acc = np.mean([n for _, n in res])
    check(abs(acc - 0.7) < 6 * np.sqrt(0.21 / len(res)), f"acceptance rate {acc:.3f}, expected 0.7 = sum min(p, q)",
          hint="accept when a uniform draw r < p(x) / q(x)")


def test_emitted_tokens_follow_the_target(learner, seed):
    """k = 2 draft positions, 5-token vocabulary, explicit p and q tables: the first emitted token follows p[0], the
    second (when present) follows p[1], and a bonus third follows p[2] (chi-square, 12,000 steps, p-value > 1e-6)."""
    res = _run(learner, P_TABLE, Q_TABLE, 12_000, seed)
    for pos in range(3):
        toks = [t[pos] for t, _ in res if len(t) > pos]
        counts = np.bincount(toks, minlength=5)
        expected = P_TABLE[pos].double().numpy()
        expected = expected / expected.sum() * counts.sum()
        stat, pvalue = chisquare(counts, expected)
        check(pvalue > P_VALUE_FLOOR, f"position {pos}: counts {counts.tolist()} vs expected "
              f"{np.round(expected).astype(int).tolist()} (chi-square {stat:.1f}, p-value {pvalue:.1e})",
              hint="the emitted tokens must follow the TARGET p: accept with min(1, p/q), resample the residual "
                   "max(0, p - q) normalised, bonus from p[k]; discard everything after a rejection")
    lengths = np.bincount([len(t) for t, _ in res], minlength=4)[1:]
    a0 = float(torch.minimum(P_TABLE[0], Q_TABLE[0]).sum())
    check(abs(lengths[0] / len(res) - (1 - a0)) < 6 * np.sqrt(a0 * (1 - a0) / len(res)),
          f"{lengths[0]} of {len(res)} steps stopped at the first position; expected rejection rate {1 - a0:.2f}",
          hint="the first draft is accepted with probability sum_x min(p(x), q(x))")


def test_greedy_equals_target_greedy(learner):
    """Greedy speculative decoding with tiny-llama-1m as draft and tiny-llama-8m as target gives exactly the target's greedy
    tokens (12 new tokens, k = 3), with fewer target calls than tokens, and an acceptance rate in [0, 1]."""
    from grader import data

    tok, target_model, _ = data.load("tiny-llama-8m")
    _, draft_model, _ = data.load("tiny-llama-1m")
    prompt = tok("The history of the city").input_ids
    calls = []

    def target(ids):
        calls.append(ids.shape[1])
        return target_model(ids).logits

    def draft(ids):
        return draft_model(ids).logits

    with torch.no_grad():
        ref = list(prompt)
        for _ in range(12):
            ref.append(int(target_model(torch.tensor([ref])).logits[0, -1].argmax()))
        tokens, rate = learner.speculative_greedy(target, draft, list(prompt), 12, 3)
    assert_equal([int(t) for t in tokens], ref[len(prompt):], name="speculative greedy tokens vs the target's greedy tokens",
                 hint="accept draft tokens while they equal the target's argmax at their position; at the first mismatch "
                      "emit the target's argmax; if all match add the target's argmax after them")
    check(0.0 <= rate <= 1.0, f"acceptance rate {rate}", hint="accepted draft tokens / proposed draft tokens")
    check(len(calls) < 12, f"the target was called {len(calls)} times for 12 tokens",
          hint="one target call per round scores all k draft tokens at once")
    check(rate > 0, "acceptance rate 0: the draft never agreed with the target", hint="count accepted draft tokens")
    rounds = len(calls)
    accepted = rate * 3 * rounds
    check(abs(accepted - round(accepted)) < 1e-6 and 12 - rounds <= round(accepted) <= 12 - rounds + 3,
          f"acceptance rate {rate:.3f} is inconsistent with {rounds} target calls for 12 tokens (k = 3)",
          hint="acceptance_rate = accepted draft tokens / (k * rounds); each round emits accepted + 1 tokens")
