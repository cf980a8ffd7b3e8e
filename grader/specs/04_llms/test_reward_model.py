"""Spec for 04_llms/reward_model.py: last-token index, stable Bradley-Terry loss, accuracy, rewards vs HF, training."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

LOSS_HINT = ("loss = -F.logsigmoid(r_chosen - r_rejected).mean(): -log(sigmoid(d)) becomes log(0) = -inf once sigmoid "
             "rounds to 0, and the order matters (chosen minus rejected)")
LAST_HINT = ("read the hidden state at each row's last REAL token (the last 1 of attention_mask), not at position T-1, "
             "which is padding for shorter rows")


class _CumBackbone(nn.Module):
    """A cheap causal backbone: running mean of the real tokens' embeddings, then an MLP (HF-style output)."""

    def __init__(self, vocab: int, d: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.Tanh())

    def forward(self, input_ids, attention_mask):
        e = self.emb(input_ids) * attention_mask[..., None]
        h = e.cumsum(1) / attention_mask.cumsum(1).clamp(min=1)[..., None]  # (B, T, d), causal
        return SimpleNamespace(last_hidden_state=self.mlp(h))


def _preferences(seed, n=32, T=10):
    """Pairs over the same random text: the chosen answer has token 7 three times, the rejected once."""
    g = torch.Generator().manual_seed(seed)
    base = torch.randint(1, 32, (n, T), generator=g)
    base[base == 7] = 8
    chosen, rejected = base.clone(), base.clone()
    lens = torch.randint(6, T + 1, (n,), generator=g)
    for i in range(n):
        p = torch.randperm(int(lens[i]), generator=g)
        chosen[i, p[:3]] = 7
        rejected[i, p[3:4]] = 7
    mask = (torch.arange(T)[None] < lens[:, None]).long()
    return {"chosen_ids": chosen * mask, "chosen_mask": mask, "rejected_ids": rejected * mask, "rejected_mask": mask.clone()}


def test_last_token_index(learner):
    """Right padding, left padding, no padding and a single token: the index of each row's last 1."""
    mask = torch.tensor([[1, 1, 1, 0], [0, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 1, 0]])
    assert_equal(learner.last_token_index(mask), torch.tensor([2, 3, 3, 0, 2]), name="last_token_index",
                 hint="the position of the LAST 1 in each row: T - 1 - mask.flip(1).argmax(1); mask.sum(1) - 1 is wrong "
                      "for left padding")


def test_loss_hand(learner):
    """(log(1 + e^-1) + log 2) / 2 for margins [1, 0]; log 2 at a tie; adding a constant to all rewards changes nothing."""
    got = learner.bradley_terry_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0]))
    assert_close(got, (math.log1p(math.exp(-1.0)) + math.log(2.0)) / 2, rtol=1e-6, atol=1e-7,
                 name="loss(chosen=[1, 0], rejected=[0, 0])", hint=LOSS_HINT + "; average over pairs")
    got = learner.bradley_terry_loss(torch.tensor([3.0]), torch.tensor([1.0]))
    assert_close(got, math.log1p(math.exp(-2.0)), rtol=1e-6, atol=1e-7, name="loss(3, 1)",
                 hint="a correctly ranked pair (margin +2) has a SMALL loss log(1 + e^-2): " + LOSS_HINT)
    a, b = torch.tensor([0.3, -1.2, 2.0]), torch.tensor([1.0, 0.5, -0.5])
    assert_close(learner.bradley_terry_loss(a + 100.0, b + 100.0), learner.bradley_terry_loss(a, b), rtol=1e-5, atol=1e-6,
                 name="loss after adding 100 to every reward", hint="the loss depends only on r_chosen - r_rejected")


def test_loss_extreme_margins(learner):
    """Margins of +-1000 and +-80 in float32: finite loss equal to softplus(-d), and finite gradients in [-1, 0]."""
    rc = torch.tensor([1000.0, 0.0, 80.0, -40.0], requires_grad=True)
    rr = torch.tensor([0.0, 1000.0, 0.0, 40.0])
    loss = learner.bradley_terry_loss(rc, rr)
    check(bool(torch.isfinite(loss)), f"loss is {loss.item()} for margins [1000, -1000, 80, -80]", hint=LOSS_HINT)
    d = torch.tensor([1000.0, -1000.0, 80.0, -80.0])
    assert_close(loss, F.softplus(-d).mean(), rtol=1e-6, atol=1e-6, name="loss at huge margins", hint=LOSS_HINT)
    loss.backward()
    check(bool(torch.isfinite(rc.grad).all()), f"gradient {rc.grad.tolist()} is not finite", hint=LOSS_HINT)
    assert_close(rc.grad, -torch.sigmoid(-d) / 4, rtol=1e-6, atol=1e-7, name="d loss / d r_chosen",
                 hint="the gradient of mean softplus(-d) is -sigmoid(-d) / N")


def test_loss_random_vs_logsigmoid(learner, seed):
    """Random rewards: value and gradients equal -F.logsigmoid(rc - rr).mean()."""
    g = torch.Generator().manual_seed(seed)
    rc = (3 * torch.randn(50, generator=g, dtype=torch.float64)).requires_grad_()
    rr = (3 * torch.randn(50, generator=g, dtype=torch.float64)).requires_grad_()
    got = learner.bradley_terry_loss(rc, rr)
    gc, gr = torch.autograd.grad(got, (rc, rr))
    want = -F.logsigmoid(rc - rr).mean()
    wc, wr = torch.autograd.grad(want, (rc, rr))
    assert_close(got, want, rtol=1e-10, atol=1e-12, name="loss", hint=LOSS_HINT)
    assert_close(gc, wc, rtol=1e-8, atol=1e-12, name="d loss / d r_chosen", hint=LOSS_HINT)
    assert_close(gr, wr, rtol=1e-8, atol=1e-12, name="d loss / d r_rejected", hint=LOSS_HINT)


def test_pair_accuracy(learner):
    """Strict comparison: [2, 1, 0] vs [1, 1, 1] is 1/3 (the tie is a miss); all correct is 1.0."""
    assert_close(learner.pair_accuracy(torch.tensor([2.0, 1.0, 0.0]), torch.tensor([1.0, 1.0, 1.0])), 1 / 3,
                 name="pair_accuracy with a tie", hint="count r_chosen > r_rejected strictly: a tie is not a win")
    assert_close(learner.pair_accuracy(torch.tensor([5.0, -1.0]), torch.tensor([4.0, -2.0])), 1.0,
                 name="pair_accuracy, all correct", hint="the fraction of pairs with r_chosen > r_rejected")


def test_rewards_match_hf_sequence_classification(learner, seed):
    """A small random LlamaForSequenceClassification(num_labels=1): RewardModel(its backbone, same score weights) gives its
    logits on a right-padded batch, shape (B,)."""
    from transformers import LlamaConfig, LlamaForSequenceClassification

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=40, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=4, max_position_embeddings=32, pad_token_id=0, num_labels=1)
    hf = LlamaForSequenceClassification(cfg).eval()
    rm = learner.RewardModel(hf.model, 32).eval()
    with torch.no_grad():
        rm.score.weight.copy_(hf.score.weight)
    g = torch.Generator().manual_seed(seed)
    lens = torch.tensor([9, 4, 7, 1])
    mask = (torch.arange(9)[None] < lens[:, None]).long()
    ids = torch.randint(1, 40, (4, 9), generator=g) * mask  # pad id 0 after the real tokens
    with torch.no_grad():
        want = hf(input_ids=ids, attention_mask=mask).logits[:, 0]
        got = rm(ids, mask)
    assert_shape(got, (4,), name="rewards", hint="one scalar per sequence: squeeze the head's last dimension")
    assert_close(got, want, rtol=1e-5, atol=1e-5, name="rewards vs LlamaForSequenceClassification", hint=LAST_HINT)


def test_reward_ignores_padding(learner, seed):
    """The reward of a sequence does not depend on how much padding follows it."""
    torch.manual_seed(seed)
    rm = learner.RewardModel(_CumBackbone(32, 16), 16).eval()
    ids = torch.randint(1, 32, (1, 5), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        alone = rm(ids, torch.ones(1, 5, dtype=torch.long))
        padded = rm(torch.cat([ids, torch.zeros(1, 6, dtype=torch.long)], 1),
                    torch.cat([torch.ones(1, 5), torch.zeros(1, 6)], 1).long())
    assert_close(padded, alone, rtol=1e-5, atol=1e-6, name="reward with 6 padding tokens appended", hint=LAST_HINT)


@pytest.mark.points(2)
def test_training_learns_preferences(learner, seed):
    """15 full-batch Adam steps (lr 0.05) on 32 synthetic pairs (chosen has more 7s): the recorded loss falls below 0.1 and pair
    accuracy reaches >= 0.95 on the training pairs and >= 0.85 on fresh pairs."""
    torch.manual_seed(seed)
    rm = learner.RewardModel(_CumBackbone(32, 16), 16)
    pairs = _preferences(seed)
    losses = learner.train_reward_model(rm, pairs, steps=15, lr=0.05)
    check(len(losses) == 15, f"{len(losses)} losses returned for 15 steps", hint="record loss.item() once per step")
    check(losses[-1] < 0.1 and losses[-1] < losses[0], f"losses went from {losses[0]:.3f} to {losses[-1]:.3f}",
          hint="minimise bradley_terry_loss(model(chosen), model(rejected)) with Adam over the model's parameters")
    rm.eval()
    with torch.no_grad():
        acc = learner.pair_accuracy(rm(pairs["chosen_ids"], pairs["chosen_mask"]),
                                    rm(pairs["rejected_ids"], pairs["rejected_mask"]))
        fresh = _preferences(seed + 1000)
        acc_new = learner.pair_accuracy(rm(fresh["chosen_ids"], fresh["chosen_mask"]),
                                        rm(fresh["rejected_ids"], fresh["rejected_mask"]))
    check(acc >= 0.95 and acc_new >= 0.85, f"pair accuracy after training: {acc:.2f} (train), {acc_new:.2f} (fresh pairs)",
          hint="the loss must push r_chosen above r_rejected: -logsigmoid(r_chosen - r_rejected)")
