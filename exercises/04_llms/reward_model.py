"""A reward model for RLHF: a scalar head on a transformer, trained with the Bradley-Terry loss.

Goal
----
Build and train the reward model of RLHF, the network that turns "humans
preferred answer A to answer B" into a number a policy can be optimised
against:

* ``last_token_index``: where each sequence's last real token is, for right
  or left padding;
* ``RewardModel``: a transformer backbone plus a linear head that maps the
  hidden state at that token to one scalar reward;
* ``bradley_terry_loss``: -log sigmoid(r_chosen - r_rejected), averaged,
  computed stably;
* ``pair_accuracy``: how often the chosen answer gets the higher reward;
* ``train_reward_model``: a few full-batch Adam steps on preference pairs.

The spec checks the rewards against Hugging Face's
``LlamaForSequenceClassification`` (same backbone and head), the loss against
``F.logsigmoid`` at margins up to 1000, and that training raises the pair
accuracy on a synthetic preference set.

Why it matters
--------------
Humans cannot give consistent absolute scores to text, but they can compare
two answers. The Bradley-Terry model turns comparisons into scores: it
assumes P(A preferred to B) = sigmoid(r(A) - r(B)), and the reward model is
fitted by maximum likelihood on labelled pairs. InstructGPT, Llama 2 and
most RLHF pipelines train exactly this (TRL's ``RewardTrainer``), then use it
to score the policy's samples in PPO. Only reward differences are identified:
adding a constant to every reward leaves the loss unchanged.

The maths
---------
For a pair with rewards r_c (chosen) and r_r (rejected), d = r_c - r_r:

    loss = -log sigmoid(d) = log(1 + e^-d) = softplus(-d)

averaged over pairs. Written naively, sigmoid(d) rounds to 0 for d < -17
(float32) or so and log(0) = -inf; use ``F.logsigmoid`` (or softplus),
which is exact and finite for any d, including d = -1000 (loss 1000).
The gradient dl/dd = -sigmoid(-d) lies in (-1, 0).

The reward of a sequence is the head applied to the backbone's last hidden
state at its LAST REAL token (the one the whole sequence has been read by,
under causal attention), not at the last position of the padded row:

    last = the largest t with attention_mask[b, t] = 1
    r_b  = score(h[b, last_b])          score = nn.Linear(hidden, 1, bias=False)

Pair accuracy: the fraction of pairs with r_c > r_r (strictly; a tie is a
miss).

API
---
    last_token_index(attention_mask (B, T))      -> (B,) long
    RewardModel(backbone, hidden_size)           .backbone, .score (nn.Linear(hidden, 1, bias=False))
        forward(input_ids (B, T), attention_mask (B, T)) -> (B,) rewards
        (backbone(input_ids=..., attention_mask=...).last_hidden_state is (B, T, hidden),
         as for a Hugging Face LlamaModel)
    bradley_terry_loss(r_chosen (N,), r_rejected (N,)) -> scalar tensor
    pair_accuracy(r_chosen, r_rejected)           -> float in [0, 1]
    train_reward_model(model, pairs, steps, lr)   -> list of the loss before each step
        pairs: dict with "chosen_ids", "chosen_mask", "rejected_ids", "rejected_mask" (N, T) tensors

Worked example
--------------
    >>> last_token_index(torch.tensor([[1, 1, 1, 0], [0, 1, 1, 1], [1, 1, 1, 1]]))
    tensor([2, 3, 3])
    >>> bradley_terry_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0]))
    tensor(0.5032)                                  # (log(1 + e^-1) + log 2) / 2
    >>> bradley_terry_loss(torch.tensor([0.0]), torch.tensor([1000.0]))
    tensor(1000.)                                   # not inf
    >>> pair_accuracy(torch.tensor([2.0, 1.0, 0.0]), torch.tensor([1.0, 1.0, 1.0]))
    0.3333333333333333                              # the tie is a miss

Reference
---------
Bradley & Terry, "Rank analysis of incomplete block designs" (1952);
Ouyang et al., "Training language models to follow instructions with human
feedback" (2022), section 3.5; Hugging Face TRL, ``RewardTrainer``;
transformers' ``LlamaForSequenceClassification``.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """The position of the last 1 in each row of a (B, T) 0/1 mask, for right or left padding: (B,) long."""
    raise NotImplementedError("last_token_index: not written yet (mind left padding)")


class RewardModel(nn.Module):
    """A backbone and a scalar head read at each sequence's last real token."""

    def __init__(self, backbone: nn.Module, hidden_size: int):
        super().__init__()
        self.backbone = backbone
        self.score = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Rewards, (B,).

        Args:
            input_ids: (B, T) token ids.
            attention_mask: (B, T), 1 on real tokens, 0 on padding.
        """
        raise NotImplementedError("RewardModel.forward: not written yet")


def bradley_terry_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    """Mean of -log sigmoid(r_chosen - r_rejected), finite for any margin. Inputs (N,); returns a scalar."""
    raise NotImplementedError("bradley_terry_loss: not written yet (stable for any margin)")


def pair_accuracy(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> float:
    """The fraction of pairs with r_chosen > r_rejected (ties are misses)."""
    raise NotImplementedError("pair_accuracy: not written yet")


def train_reward_model(model: RewardModel, pairs: dict[str, torch.Tensor], steps: int, lr: float) -> list[float]:
    """Full-batch Adam on the Bradley-Terry loss.

    Args:
        model: the reward model (trained in place, in train mode).
        pairs: "chosen_ids", "chosen_mask", "rejected_ids", "rejected_mask", each (N, T).
        steps: the number of optimizer steps.
        lr: Adam's learning rate.

    Returns:
        The loss before each step (a list of ``steps`` floats).
    """
    raise NotImplementedError("train_reward_model: not written yet")
