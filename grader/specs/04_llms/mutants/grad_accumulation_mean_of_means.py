"""Mutant: normalize='tokens' averages the per-micro-batch means (every micro-batch weighs 1/K)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def token_loss_sum(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> tuple[torch.Tensor, int]:
    """Sum of cross-entropies over the real targets, and their number.

    Args:
        logits: (B, T, V).
        targets: (B, T), ignore_index where there is no target.

    Returns:
        (sum, count): a differentiable scalar tensor and an int.
    """
    total = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                            ignore_index=ignore_index, reduction="sum")  # 0 when nothing counts
    return total, int((targets != ignore_index).sum())


def accumulate_gradients(
    model: torch.nn.Module,
    micro_batches: list[tuple[torch.Tensor, torch.Tensor]],
    normalize: str = "tokens",
    ignore_index: int = -100,
) -> float:
    """Backward over every micro-batch so that .grad holds the gradient of the whole batch's loss.

    Args:
        model: maps inputs (B, T) to logits (B, T, V).
        micro_batches: [(inputs, targets), ...].
        normalize: "tokens" (mean over all real tokens: the large-batch loss) or
            "micro_batches" (mean of the per-micro-batch means).
        ignore_index: target value without a loss.

    Returns:
        The value of the loss whose gradient was accumulated.
    """
    if normalize not in ("tokens", "micro_batches"):
        raise ValueError(f"normalize must be 'tokens' or 'micro_batches', not {normalize!r}")
    n_total = sum(int((y != ignore_index).sum()) for _, y in micro_batches)  # known before any backward
    k = len(micro_batches)
    value = 0.0
    for x, y in micro_batches:
        loss_sum, n = token_loss_sum(model(x), y, ignore_index)
        if normalize == "tokens":
            loss = loss_sum / max(n, 1) / k
        else:
            loss = loss_sum / max(n, 1) / k      # the shortcut: every micro-batch weighs 1/K
        loss.backward()                          # adds into .grad; never zero in between
        value += loss.item()
    return value


def train_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    micro_batches: list[tuple[torch.Tensor, torch.Tensor]],
    ignore_index: int = -100,
) -> float:
    """zero_grad, token-normalised accumulation over the micro-batches, one optimizer step; returns the loss."""
    optimizer.zero_grad()
    loss = accumulate_gradients(model, micro_batches, "tokens", ignore_index)
    optimizer.step()
    return loss
