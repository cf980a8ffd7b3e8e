"""Spec for 04_llms/ppo.py: KL-shaped rewards, GAE vs a reference loop, clipped policy/value losses, entropy."""

from __future__ import annotations

import math

import torch

from grader.testing import assert_close, check

GAE_HINT = ("delta_t = r_t + gamma * V_{t+1} * (1 - done_t) - V_t and A_t = delta_t + gamma * lam * (1 - done_t) * A_{t+1}, "
            "computed backwards from t = T-1 with V_T = last_value and A_T = 0")
CLIP_HINT = ("loss = -masked_mean(min(ratio * A, clamp(ratio, 1 - eps, 1 + eps) * A)) with ratio = exp(logp - old_logp): "
             "the MIN (pessimistic) and the minus sign both matter")


def _ref_gae(r, v, d, last, gamma, lam):
    """Element-by-element reference loop in float64."""
    B, T = r.shape
    adv = torch.zeros(B, T, dtype=torch.float64)
    for b in range(B):
        a_next, v_next = 0.0, float(last[b])
        for t in range(T - 1, -1, -1):
            nd = 1.0 - float(d[b, t])
            delta = float(r[b, t]) + gamma * v_next * nd - float(v[b, t])
            a_next = delta + gamma * lam * nd * a_next
            adv[b, t] = a_next
            v_next = float(v[b, t])
    return adv, adv + v.double()


def test_gae_worked_example(learner):
    """The docstring's example (A = [0.5, 0.5], returns [1, 1]) and a gamma = 0.9, lam = 0.8 case by hand."""
    adv, ret = learner.gae(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]), torch.zeros(1, 2), torch.zeros(1), 1.0, 1.0)
    assert_close(adv, torch.tensor([[0.5, 0.5]]), atol=1e-6, name="advantages", hint=GAE_HINT)
    assert_close(ret, torch.tensor([[1.0, 1.0]]), atol=1e-6, name="returns", hint="returns = advantages + values")
    # r = [1, 0, 2], V = [1, 2, 3], V_3 = 4: delta = [1 + 1.8 - 1, 0 + 2.7 - 2, 2 + 3.6 - 3] = [1.8, 0.7, 2.6]
    # A_2 = 2.6, A_1 = 0.7 + 0.72 * 2.6 = 2.572, A_0 = 1.8 + 0.72 * 2.572 = 3.65184
    adv, _ = learner.gae(torch.tensor([[1.0, 0.0, 2.0]]), torch.tensor([[1.0, 2.0, 3.0]]), torch.zeros(1, 3),
                         torch.tensor([4.0]), 0.9, 0.8)
    assert_close(adv, torch.tensor([[3.65184, 2.572, 2.6]]), rtol=1e-5, atol=1e-5, name="advantages (gamma 0.9, lam 0.8)",
                 hint=GAE_HINT)


def test_gae_dones(learner):
    """An episode ending at t = 1: nothing from t >= 2 (nor last_value) leaks into t <= 1; a done at T-1 ignores last_value."""
    r = torch.tensor([[1.0, 1.0, 5.0, 5.0]])
    v = torch.zeros(1, 4)
    d = torch.tensor([[0.0, 1.0, 0.0, 1.0]])
    adv, _ = learner.gae(r, v, d, torch.tensor([100.0]), 0.5, 1.0)
    assert_close(adv, torch.tensor([[1.5, 1.0, 7.5, 5.0]]), atol=1e-6, name="advantages with dones [0, 1, 0, 1]",
                 hint="(1 - done_t) must multiply both the bootstrap gamma * V_{t+1} and the recursion term gamma*lam*A_{t+1}")


def test_gae_random_vs_loop(learner, seed):
    """Random rewards, values and dones (B=4, T=9, float64): equal to a reference loop; lam=1 gives discounted returns - V,
    lam=0 gives the TD errors."""
    g = torch.Generator().manual_seed(seed)
    r, v = torch.randn(4, 9, generator=g, dtype=torch.float64), torch.randn(4, 9, generator=g, dtype=torch.float64)
    d = (torch.rand(4, 9, generator=g) < 0.2).double()
    last = torch.randn(4, generator=g, dtype=torch.float64)
    for gamma, lam in ((0.99, 0.95), (0.9, 1.0), (0.9, 0.0)):
        adv, ret = learner.gae(r, v, d, last, gamma, lam)
        want_adv, want_ret = _ref_gae(r, v, d, last, gamma, lam)
        assert_close(adv, want_adv, rtol=1e-9, atol=1e-9, name=f"advantages (gamma {gamma}, lam {lam})", hint=GAE_HINT)
        assert_close(ret, want_ret, rtol=1e-9, atol=1e-9, name=f"returns (gamma {gamma}, lam {lam})",
                     hint="returns = advantages + values")


def test_kl_penalized_rewards(learner):
    """-kl_coef * (logp - ref_logp) on response tokens, 0 on padding, plus the score on each row's last response token."""
    logp = torch.tensor([[-1.0, -2.0, -0.5], [-1.0, -1.0, -3.0]])
    ref = torch.tensor([[-1.5, -1.0, -0.5], [-2.0, -1.0, -1.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    got = learner.kl_penalized_rewards(torch.tensor([3.0, -1.0]), logp, ref, mask, kl_coef=0.1)
    want = torch.tensor([[-0.05, 0.1 + 3.0, 0.0], [-0.1, 0.0, 0.2 - 1.0]])
    assert_close(got, want, rtol=1e-6, atol=1e-6, name="rewards",
                 hint="penalise -kl_coef * (logp - ref_logp) (a token the policy likes MORE than ref is penalised), "
                      "zero it on padding, and add the score at the LAST response token of each row")


def test_policy_loss_hand(learner):
    """The clip cases: ratio 1.5 with A=+1 gives 1.2; ratio 0.5 with A=-1 gives 0.8 (clipped); ratio 1.5 with A=-1 gives 1.5
    (unclipped, pessimistic); no gradient flows through a clipped token."""
    logp = torch.log(torch.tensor([[1.5, 0.5, 1.5, 1.0]])).requires_grad_()
    old = torch.zeros(1, 4)
    adv = torch.tensor([[1.0, -1.0, -1.0, 2.0]])
    mask = torch.ones(1, 4)
    loss, clipfrac = learner.policy_loss(logp, old, adv, mask, 0.2)
    # per token objective: min(1.5, 1.2) = 1.2; min(-0.5, -0.8) = -0.8; min(-1.5, -1.2) = -1.5; 2
    assert_close(loss, -(1.2 - 0.8 - 1.5 + 2.0) / 4, rtol=1e-6, atol=1e-6, name="policy loss", hint=CLIP_HINT)
    assert_close(clipfrac, 0.75, atol=1e-6, name="clipfrac", hint="the fraction of real tokens with |ratio - 1| > eps")
    loss.backward()
    g = logp.grad[0]
    check(abs(float(g[0])) < 1e-7 and abs(float(g[1])) < 1e-7 and float(g[2]) > 0 and float(g[3]) < 0,
          f"d loss / d logp = {g.tolist()}; expected 0 on the two clipped tokens, > 0 for token 2, < 0 for token 3",
          hint=CLIP_HINT)
    one, _ = learner.policy_loss(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([[1.0, 3.0]]), torch.ones(1, 2), 0.2)
    assert_close(one, -2.0, atol=1e-6, name="policy loss at ratio 1", hint="at ratio 1 the loss is -mean(A): minimising it "
                 "increases the probability of tokens with positive advantage")


def test_policy_loss_random_and_mask(learner, seed):
    """Random log-probs and advantages with padding: equals a reference; padded tokens (even with huge values) change nothing."""
    g = torch.Generator().manual_seed(seed)
    logp = -torch.rand(3, 7, generator=g, dtype=torch.float64) * 3
    old = logp + 0.3 * torch.randn(3, 7, generator=g, dtype=torch.float64)
    adv = torch.randn(3, 7, generator=g, dtype=torch.float64)
    mask = torch.ones(3, 7, dtype=torch.float64)
    mask[0, 5:] = 0
    mask[2, 2:] = 0
    ratio = torch.exp(logp - old)
    obj = torch.minimum(ratio * adv, ratio.clamp(0.8, 1.2) * adv)
    want = -(obj * mask).sum() / mask.sum()
    loss, clipfrac = learner.policy_loss(logp, old, adv, mask, 0.2)
    assert_close(loss, want, rtol=1e-9, atol=1e-12, name="policy loss", hint=CLIP_HINT + "; average over real tokens only")
    assert_close(clipfrac, (((ratio - 1).abs() > 0.2).double() * mask).sum() / mask.sum(), rtol=1e-9, atol=1e-12,
                 name="clipfrac", hint="masked mean of (|ratio - 1| > eps)")
    logp2, adv2 = logp.clone(), adv.clone()
    logp2[mask == 0], adv2[mask == 0] = 50.0, 1e6
    loss2, _ = learner.policy_loss(logp2, old, adv2, mask, 0.2)
    assert_close(loss2, want, rtol=1e-9, atol=1e-12, name="policy loss with garbage on padding",
                 hint="padding must not enter the mean: sum(x * mask) / sum(mask)")


def test_value_loss(learner, seed):
    """Hand case (the max of clipped and unclipped errors) and a random masked case against a reference."""
    got = learner.value_loss(torch.tensor([[2.0, 0.0]]), torch.tensor([[1.0, 0.0]]), torch.tensor([[3.0, 1.0]]),
                             torch.ones(1, 2), 0.5)
    # token 0: unclipped (2-3)^2 = 1, clipped 1.5 -> (1.5-3)^2 = 2.25, max 2.25; token 1: 1 and 1 -> 1
    assert_close(got, 0.5 * (2.25 + 1.0) / 2, rtol=1e-6, atol=1e-6, name="value loss",
                 hint="0.5 * masked_mean(max((v - R)^2, (old + clamp(v - old, -eps, eps) - R)^2))")
    g = torch.Generator().manual_seed(seed)
    v, old, ret = (torch.randn(2, 6, generator=g, dtype=torch.float64) for _ in range(3))
    mask = torch.ones(2, 6, dtype=torch.float64)
    mask[1, 4:] = 0
    vc = old + (v - old).clamp(-0.2, 0.2)
    want = 0.5 * (torch.maximum((v - ret) ** 2, (vc - ret) ** 2) * mask).sum() / mask.sum()
    assert_close(learner.value_loss(v, old, ret, mask, 0.2), want, rtol=1e-9, atol=1e-12, name="value loss (random, masked)",
                 hint="clip the value's change from old_values, take the larger squared error, halve, masked mean")


def test_entropy(learner, seed):
    """Uniform over 4 gives log 4; random logits match torch.distributions.Categorical; logits of 1e4 give no nan."""
    assert_close(learner.entropy(torch.zeros(1, 1, 4), torch.ones(1, 1)), math.log(4), rtol=1e-6, atol=1e-6,
                 name="entropy of a uniform distribution over 4", hint="H = -sum p log p")
    g = torch.Generator().manual_seed(seed)
    logits = 3 * torch.randn(2, 5, 11, generator=g, dtype=torch.float64)
    logits[0, 0, 3] = 1e4  # a (numerically) one-hot distribution
    logits[1, 2] = torch.tensor([-1e4] * 10 + [1e4], dtype=torch.float64)
    mask = torch.ones(2, 5, dtype=torch.float64)
    mask[1, 3:] = 0
    got = learner.entropy(logits, mask)
    check(bool(torch.isfinite(got)), f"entropy is {got.item()} with logits of 1e4",
          hint="use log_softmax: softmax then log gives log(0) = -inf and 0 * -inf = nan")
    want = (torch.distributions.Categorical(logits=logits).entropy() * mask).sum() / mask.sum()
    assert_close(got, want, rtol=1e-9, atol=1e-12, name="masked mean entropy vs Categorical(logits).entropy()",
                 hint="H = -(exp(logp) * logp).sum(-1) with logp = log_softmax(logits), then the masked mean")
