"""Spec for 04_llms/dpo.py: shifted, masked sequence log-probs, the DPO loss and rewards, a batch on two small Llamas."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_shape, check

SHIFT_HINT = ("logits[:, t-1] predicts input_ids[:, t]: gather log_softmax(logits[:, :-1]) at input_ids[:, 1:] and "
              "multiply by response_mask[:, 1:] before summing over t (a sum, not a mean: log of a product of probabilities)")
DPO_HINT = ("z = beta * ((pi_c - ref_c) - (pi_r - ref_r)); loss = -F.logsigmoid(z).mean(); "
            "rewards = beta * (pi - ref), detached")


def _ref_seq_logp(logits, ids, mask):
    """Reference: loop over positions, float64."""
    lp = torch.log_softmax(logits.double(), dim=-1)
    out = torch.zeros(ids.shape[0], dtype=torch.float64)
    for b in range(ids.shape[0]):
        for t in range(1, ids.shape[1]):
            if mask[b, t]:
                out[b] += lp[b, t - 1, ids[b, t]]
    return out


def _ref_dpo(pi_c, pi_r, ref_c, ref_r, beta):
    z = beta * ((pi_c - ref_c) - (pi_r - ref_r))
    return -F.logsigmoid(z).mean()


def test_sequence_logprobs_hand(learner):
    """V = 2, T = 3, prompt = token 0, response = tokens 1 and 2: log p = log_softmax(logits[0])[ids[1]] + (...)[1][ids[2]]."""
    logits = torch.tensor([[[0.0, math.log(3.0)], [math.log(4.0), 0.0], [5.0, 5.0]]])  # last row predicts nothing
    ids = torch.tensor([[1, 1, 0]])
    mask = torch.tensor([[0, 1, 1]])
    want = math.log(0.75) + math.log(0.8)  # p(1) = 3/4 at t=0; p(0) = 4/5 at t=1
    got = learner.sequence_logprobs(logits, ids, mask)
    assert_shape(got, (1,), name="sequence_logprobs", hint="one number per sequence: sum over the time axis")
    assert_close(got, torch.tensor([want]), rtol=1e-6, atol=1e-6, name="sequence log-prob", hint=SHIFT_HINT)


def test_sequence_logprobs_masks_and_padding(learner, seed):
    """Random logits, prompts of different lengths, right padding: equals a position-by-position reference; the logits at
    masked positions and at the last position cannot change the result."""
    g = torch.Generator().manual_seed(seed)
    B, T, V = 4, 12, 9
    logits = 4 * torch.randn(B, T, V, generator=g)
    ids = torch.randint(0, V, (B, T), generator=g)
    mask = torch.zeros(B, T, dtype=torch.long)
    for b, (p, end) in enumerate([(3, 12), (1, 7), (5, 6), (6, 12)]):
        mask[b, p:end] = 1
    got = learner.sequence_logprobs(logits, ids, mask)
    assert_close(got, _ref_seq_logp(logits, ids, mask), rtol=1e-5, atol=1e-4, name="sequence log-probs", hint=SHIFT_HINT)
    noisy = logits.clone()
    noisy[:, -1] = 1e4 * torch.randn(B, V, generator=g)  # the last position predicts beyond the sequence
    assert_close(learner.sequence_logprobs(noisy, ids, mask), got, rtol=1e-6, atol=1e-5,
                 name="sequence log-probs with garbage logits at the last position",
                 hint="drop the last position's logits (logits[:, :-1]): it predicts nothing in the sequence")


def test_sequence_logprobs_long_and_large(learner, seed):
    """T = 2048 responses with logits of magnitude 100: finite sums (around -10^5) equal the reference to rtol 1e-5."""
    g = torch.Generator().manual_seed(seed)
    logits = 100 * torch.randn(2, 2048, 16, generator=g)
    ids = torch.randint(0, 16, (2, 2048), generator=g)
    mask = torch.ones(2, 2048, dtype=torch.long)
    mask[0, :10] = 0
    mask[1, 1500:] = 0
    got = learner.sequence_logprobs(logits, ids, mask)
    check(bool(torch.isfinite(got).all()), f"sequence log-probs {got.tolist()} are not finite",
          hint="use F.log_softmax (log(softmax) underflows to log 0 = -inf for logits of magnitude 100)")
    lp = torch.log_softmax(logits.double(), -1)[:, :-1].gather(-1, ids[:, 1:, None]).squeeze(-1)
    assert_close(got, (lp * mask[:, 1:]).sum(-1), rtol=1e-5, atol=1e-2, name="long sequence log-probs",
                 hint=SHIFT_HINT)


def test_dpo_loss_worked_example(learner):
    """The docstring's example: z = 1, loss = log(1 + e^-1), rewards 0.5 and -0.5; policy = reference gives log 2."""
    loss, rc, rr = learner.dpo_loss(torch.tensor([-10.0]), torch.tensor([-12.0]), torch.tensor([-11.0]),
                                    torch.tensor([-11.0]), beta=0.5)
    assert_close(loss, math.log1p(math.exp(-1.0)), rtol=1e-6, atol=1e-6, name="DPO loss", hint=DPO_HINT)
    assert_close(rc, torch.tensor([0.5]), atol=1e-6, name="chosen_rewards", hint="chosen reward = beta * (pi_c - ref_c)")
    assert_close(rr, torch.tensor([-0.5]), atol=1e-6, name="rejected_rewards", hint="rejected reward = beta * (pi_r - ref_r)")
    same = torch.tensor([-40.0, -3.0])
    loss, rc, rr = learner.dpo_loss(same, same - 5, same, same - 5, beta=0.1)
    assert_close(loss, math.log(2.0), rtol=1e-6, atol=1e-6, name="DPO loss when policy = reference",
                 hint="z = 0 when the policy equals the reference, and -log sigmoid(0) = log 2")


def test_dpo_loss_random_and_gradients(learner, seed):
    """Random float64 log-probs: loss equals a reference, gradients match autograd's of the reference; rewards are detached."""
    g = torch.Generator().manual_seed(seed)
    pi_c, pi_r = (-50 * torch.rand(6, generator=g, dtype=torch.float64)).requires_grad_(), \
        (-50 * torch.rand(6, generator=g, dtype=torch.float64)).requires_grad_()
    ref_c, ref_r = -50 * torch.rand(6, generator=g, dtype=torch.float64), -50 * torch.rand(6, generator=g, dtype=torch.float64)
    loss, rc, rr = learner.dpo_loss(pi_c, pi_r, ref_c, ref_r, beta=0.2)
    want = _ref_dpo(pi_c, pi_r, ref_c, ref_r, 0.2)
    assert_close(loss, want, rtol=1e-10, atol=1e-12, name="DPO loss", hint=DPO_HINT)
    got_g = torch.autograd.grad(loss, (pi_c, pi_r))
    want_g = torch.autograd.grad(want, (pi_c, pi_r))
    assert_close(got_g[0], want_g[0], rtol=1e-8, atol=1e-12, name="d loss / d pi_c", hint=DPO_HINT)
    assert_close(got_g[1], want_g[1], rtol=1e-8, atol=1e-12, name="d loss / d pi_r", hint=DPO_HINT)
    check(not rc.requires_grad and not rr.requires_grad, "the implicit rewards carry gradients",
          hint="the rewards are metrics: return (beta * (pi - ref)).detach()")
    assert_close(rc, 0.2 * (pi_c - ref_c).detach(), rtol=1e-10, atol=1e-12, name="chosen_rewards",
                 hint="beta * (pi_c - ref_c)")


def test_dpo_loss_extreme(learner):
    """Log-prob gaps of thousands (long responses, beta = 1): the loss is finite, ~0 when right and ~|z| when wrong."""
    pi_c = torch.tensor([-1000.0, -9000.0])
    pi_r = torch.tensor([-9000.0, -1000.0])
    ref = torch.tensor([-5000.0, -5000.0])
    loss, _, _ = learner.dpo_loss(pi_c, pi_r, ref, ref, beta=1.0)
    check(bool(torch.isfinite(loss)), f"loss is {loss.item()} for z = +-8000",
          hint="use F.logsigmoid(z): torch.log(torch.sigmoid(-8000)) is log(0) = -inf")
    assert_close(loss, 4000.0, rtol=1e-6, atol=1e-3, name="loss for z = [8000, -8000]",
                 hint="-logsigmoid(8000) = 0 and -logsigmoid(-8000) = 8000; their mean is 4000")


def _models(seed):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=50, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=4, max_position_embeddings=64, pad_token_id=0)
    ref = LlamaForCausalLM(cfg).eval()
    policy = copy.deepcopy(ref)
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return policy, ref


def _batch(seed, B=3, T=14):
    g = torch.Generator().manual_seed(seed)
    batch = {}
    for kind in ("chosen", "rejected"):
        ids = torch.randint(1, 50, (B, T), generator=g)
        attn = torch.ones(B, T, dtype=torch.long)
        resp = torch.zeros(B, T, dtype=torch.long)
        for b in range(B):
            prompt, end = 3 + b, T - (2 * b if kind == "chosen" else b)
            attn[b, end:] = 0
            ids[b, end:] = 0
            resp[b, prompt:end] = 1
        batch.update({f"{kind}_ids": ids, f"{kind}_attention": attn, f"{kind}_response": resp})
    return batch


@pytest.mark.points(2)
def test_batch_loss_on_two_llamas(learner, seed):
    """Policy and reference Llamas on a padded batch: loss and rewards equal a reference computation; the policy gets
    gradients, the reference none."""
    policy, ref = _models(seed)
    batch = _batch(seed)

    def logps(model, kind):
        with torch.no_grad():
            out = model(input_ids=batch[f"{kind}_ids"], attention_mask=batch[f"{kind}_attention"]).logits
        return _ref_seq_logp(out, batch[f"{kind}_ids"], batch[f"{kind}_response"])

    pc, pr, rc, rr = logps(policy, "chosen"), logps(policy, "rejected"), logps(ref, "chosen"), logps(ref, "rejected")
    want = _ref_dpo(pc, pr, rc, rr, 0.1)
    loss, chosen_rewards, rejected_rewards = learner.dpo_batch_loss(policy, ref, batch, beta=0.1)
    assert_close(loss, want, rtol=1e-4, atol=1e-5, name="DPO loss on the batch", hint=SHIFT_HINT + "; " + DPO_HINT)
    assert_close(chosen_rewards, 0.1 * (pc - rc), rtol=1e-4, atol=1e-5, name="chosen_rewards",
                 hint="beta * (policy - reference) sequence log-probs of the chosen responses")
    assert_close(rejected_rewards, 0.1 * (pr - rr), rtol=1e-4, atol=1e-5, name="rejected_rewards",
                 hint="beta * (policy - reference) sequence log-probs of the rejected responses")
    loss.backward()
    check(all(p.grad is None for p in ref.parameters()), "the reference model received gradients",
          hint="run the reference model under torch.no_grad(): it is frozen")
    check(any(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in policy.parameters()),
          "the policy received no gradient", hint="the policy's forward must stay in the graph")
