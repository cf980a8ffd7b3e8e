"""Mutant: padding found by value (target == pad_id), which also drops real eos targets when pad_id == eos."""

from __future__ import annotations

from collections.abc import Callable

import torch


def token_stream(texts: list[str], encode: Callable[[str], list[int]], eos_id: int) -> list[int]:
    """Concatenate encode(text) + [eos_id] for every text, in order."""
    ids: list[int] = []
    for text in texts:
        ids.extend(encode(text))
        ids.append(eos_id)  # marks the document boundary
    return ids


def make_windows(ids: list[int] | torch.Tensor, block_size: int) -> torch.Tensor:
    """Windows of block_size + 1 tokens starting every block_size tokens; the incomplete tail is dropped.

    Returns:
        LongTensor (K, block_size + 1) with K = (len(ids) - 1) // block_size (0 rows if ids is too short).
    """
    ids = torch.as_tensor(ids, dtype=torch.long)
    k = max(0, (len(ids) - 1) // block_size)
    starts = torch.arange(k) * block_size                              # (K,)
    return ids[starts[:, None] + torch.arange(block_size + 1)[None, :]]  # (K, B + 1)


def split_inputs_targets(windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """input = window[:, :-1], target = window[:, 1:]: position t predicts the next token."""
    return windows[:, :-1], windows[:, 1:]


def causal_lm_loss(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean next-token cross-entropy over the targets that are not ignore_index.

    Args:
        logits: (N, T, V) unnormalised scores.
        targets: (N, T) token ids, or ignore_index where nothing is predicted.
        ignore_index: the target value that is left out of the mean.

    Returns:
        A scalar tensor, differentiable w.r.t. logits; 0 if every target is ignored.
    """
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()                                           # half-precision logits: softmax in fp32
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)    # (N, T, V), stable
    keep = targets != ignore_index                                        # (N, T)
    safe = targets.masked_fill(~keep, 0)                                  # any valid index for ignored slots
    nll = -log_probs.gather(-1, safe.unsqueeze(-1)).squeeze(-1)           # (N, T)
    return (nll * keep).sum() / keep.sum().clamp(min=1)                   # mean over counted positions


def pad_batch(
    docs: list[list[int]], pad_id: int, ignore_index: int = -100
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One document per row, padded to the longest, shifted, with padding masked.

    Args:
        docs: token id lists (each already ending with eos), at least one of length >= 2.
        pad_id: the id written into padded input positions.
        ignore_index: written into padded target positions.

    Returns:
        (inputs, targets, attention_mask), each (N, L - 1), L = the longest document's length;
        attention_mask is 1 where the input is a real token, 0 where it is padding.
    """
    n, longest = len(docs), max(map(len, docs))
    rows = torch.full((n, longest), pad_id, dtype=torch.long)   # (N, L)
    real = torch.zeros(n, longest, dtype=torch.bool)            # (N, L)
    for i, doc in enumerate(docs):
        rows[i, :len(doc)] = torch.as_tensor(doc, dtype=torch.long)
        real[i, :len(doc)] = True
    inputs, targets = rows[:, :-1], rows[:, 1:].masked_fill(rows[:, 1:] == pad_id, ignore_index)
    return inputs, targets, real[:, :-1].long()
