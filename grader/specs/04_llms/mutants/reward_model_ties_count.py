"""Mutant: pair accuracy counts ties as correct (>=)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """The position of the last 1 in each row of a (B, T) 0/1 mask, for right or left padding: (B,) long."""
    T = attention_mask.size(1)
    # argmax finds the FIRST maximum; flipping the row turns "last 1" into "first 1"
    return T - 1 - attention_mask.flip(1).long().argmax(dim=1)


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
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)
        last = last_token_index(attention_mask)                                                 # (B,)
        h_last = h[torch.arange(h.size(0), device=h.device), last]                              # (B, H)
        return self.score(h_last).squeeze(-1)                                                   # (B,)


def bradley_terry_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    """Mean of -log sigmoid(r_chosen - r_rejected), finite for any margin. Inputs (N,); returns a scalar."""
    return -F.logsigmoid(r_chosen - r_rejected).mean()  # logsigmoid never takes log(0)


def pair_accuracy(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> float:
    """The fraction of pairs with r_chosen > r_rejected (ties are misses)."""
    return (r_chosen >= r_rejected).float().mean().item()


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
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        r_c = model(pairs["chosen_ids"], pairs["chosen_mask"])      # (N,)
        r_r = model(pairs["rejected_ids"], pairs["rejected_mask"])  # (N,)
        loss = bradley_terry_loss(r_c, r_r)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
