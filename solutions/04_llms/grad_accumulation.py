"""Gradient accumulation that equals the large-batch gradient, token-weighted.

Goal
----
Train with a batch too large for memory by splitting it into micro-batches,
running forward/backward on each and letting the gradients add up in
``.grad`` before one optimizer step. You write:

* ``token_loss_sum``: the SUM of next-token cross-entropies over the targets
  that are not ``ignore_index``, and how many there are;
* ``accumulate_gradients``: backward over all micro-batches so that the
  accumulated gradient equals the gradient of the large batch's loss, the
  mean over all its real tokens (``normalize="tokens"``); or, for
  comparison, the common shortcut, the mean of the micro-batch means
  (``normalize="micro_batches"``);
* ``train_step``: zero the gradients, accumulate, take one optimizer step.

Why it matters
--------------
LLM batches are measured in tokens (GPT-3: 3.2M tokens per step), far more
than fit on a device; accumulation is how small hardware reproduces a large
batch. The catch is normalisation. The large-batch loss is

    L = (sum over all real tokens of the token losses) / (number of real tokens)

If each micro-batch computes its own mean and the means are averaged, every
micro-batch gets the same weight, however many real tokens it holds: tokens
in short, padded micro-batches count more. With equal token counts the two
agree, which is why the bug survives simple tests. Hugging Face's Trainer had
exactly this bug until late 2024 (transformers 4.46, "gradient accumulation
fix").

The maths
---------
Micro-batch k has targets with n_k real tokens (targets != ignore_index) and
token-loss sum S_k. With N = n_1 + ... + n_K:

    tokens:         L = (S_1 + ... + S_K) / N
                    grad L = sum_k grad(S_k / N)   -> backward S_k / N for each k
    micro_batches:  L' = (1/K) sum_k S_k / n_k      (wrong unless all n_k agree)

Both are a sum over micro-batches of something that only needs micro-batch k,
so backward can run micro-batch by micro-batch; gradients add up in .grad
as long as you do NOT zero them between micro-batches. N must be known before
the first backward: count the real tokens of all micro-batches first (cheap:
no forward pass needed). A micro-batch with no real token contributes 0
(and must not produce a nan).

Token losses use a stable log-softmax: loss_t = logsumexp(z_t) - z_t[y_t]
(``torch.nn.functional.cross_entropy(..., reduction="sum", ignore_index=...)``
is fine here).

API
---
    token_loss_sum(logits, targets, ignore_index=-100) -> (sum: scalar tensor, count: int)
    accumulate_gradients(model, micro_batches, normalize="tokens", ignore_index=-100) -> float
    train_step(model, optimizer, micro_batches, ignore_index=-100) -> float

``model(inputs)`` returns logits (B, T, V); ``micro_batches`` is a list of
(inputs (B_k, T_k), targets (B_k, T_k)) pairs; T_k may differ between
micro-batches. ``accumulate_gradients`` assumes the gradients are zero (or
None) on entry and returns the loss value it differentiated (L or L').

Worked example
--------------
Two micro-batches with n_1 = 1 real token (loss 3.0) and n_2 = 3 (losses
1.0 each):

    tokens:         L  = (3 + 3) / 4        = 1.5
    micro_batches:  L' = (3/1 + 3/3) / 2    = 2.0   (the lone token weighs 3x)

Reference
---------
Hugging Face blog, "Fixing Gradient Accumulation" (October 2024); PyTorch
docs, "Automatic differentiation package" (gradients accumulate in .grad);
Goyal et al., "Accurate, Large Minibatch SGD" (2017), on large-batch
equivalence.
"""

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
            loss = loss_sum / max(n_total, 1)    # this micro-batch's share of the global mean
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
