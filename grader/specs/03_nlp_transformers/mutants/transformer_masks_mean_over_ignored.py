"""Mutant: ignored targets contribute zero but still count in the mean's denominator."""

from __future__ import annotations

import torch
from torch import Tensor


def causal_mask(L: int) -> Tensor:
    """(L, L) bool: True at [i, j] when j <= i (position i sees 0..i)."""
    return torch.ones(L, L, dtype=torch.bool).tril()  # tril keeps the diagonal: i sees itself


def padding_mask(ids: Tensor, pad_id: int) -> Tensor:
    """(B, L) bool: True at real tokens, False at pad_id."""
    return ids != pad_id


def to_additive(mask: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """A boolean mask as an additive one: 0.0 where True, -inf where False, in the given dtype."""
    out = torch.zeros(mask.shape, dtype=dtype)
    return out.masked_fill(~mask, float("-inf"))  # e^-inf = 0 after the softmax


def combine_masks(causal: Tensor, padding: Tensor) -> Tensor:
    """(L, L) causal and (B, L) padding masks -> (B, 1, L, L): allowed iff causal[i, j] and padding[b, j]."""
    return causal[None, None, :, :] & padding[:, None, None, :]  # padding masks the key axis (last)


def teacher_forcing(
    sequences: list[list[int]], bos_id: int, eos_id: int, pad_id: int, ignore_index: int = -100
) -> tuple[Tensor, Tensor]:
    """Decoder inputs [BOS, y_1..y_n] and labels [y_1..y_n, EOS], right-padded to the longest.

    Args:
        sequences: B target sequences of token ids, without BOS/EOS (possibly empty).

    Returns:
        (inputs, labels), each (B, max n + 1) long: inputs padded with pad_id, labels with ignore_index.
    """
    T = max(len(s) for s in sequences) + 1
    inputs = torch.full((len(sequences), T), pad_id, dtype=torch.long)
    labels = torch.full((len(sequences), T), ignore_index, dtype=torch.long)
    for b, seq in enumerate(sequences):
        n = len(seq)
        inputs[b, : n + 1] = torch.tensor([bos_id] + list(seq))  # the model sees BOS, y_1 .. y_n
        labels[b, : n + 1] = torch.tensor(list(seq) + [eos_id])  # and predicts y_1 .. y_n, EOS
    return inputs, labels


def label_smoothed_cross_entropy(
    logits: Tensor, targets: Tensor, eps: float = 0.0, ignore_index: int = -100
) -> Tensor:
    """Mean over non-ignored targets of -sum_k q_k log p_k, q = (1 - eps) one_hot + eps / C.

    Args:
        logits: (..., C) unnormalised scores.
        targets: (...) class indices, or ignore_index.

    Returns:
        A scalar tensor, equal to F.cross_entropy(..., label_smoothing=eps, ignore_index=ignore_index).
    """
    C = logits.shape[-1]
    logp = torch.log_softmax(logits.reshape(-1, C), dim=-1)  # (N, C), stable: logits - logsumexp
    targets = targets.reshape(-1)  # (N,)
    keep = targets != ignore_index  # (N,)
    nll = -logp.gather(1, targets.clamp_min(0)[:, None]).squeeze(1)  # (N,)
    smooth = -logp.mean(dim=-1)  # (N,)
    return (((1.0 - eps) * nll + eps * smooth) * keep).mean()
