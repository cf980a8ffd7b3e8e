"""Mutant: the shift goes the wrong way: logits[:, 1:] against labels[:, :-1]."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def causal_lm_loss(logits: Tensor, labels: Tensor, ignore_index: int = -100) -> Tensor:
    """Mean cross-entropy of predicting labels[:, t + 1] from logits[:, t], skipping ignore_index.

    Args:
        logits: (B, T, V) next-token scores at every position.
        labels: (B, T) token ids (usually the input ids), ignore_index where nothing is to be predicted.

    Returns:
        A scalar tensor: the mean over all counted target tokens in the batch.
    """
    V = logits.shape[-1]
    shift_logits = logits[:, 1:, :].reshape(-1, V)
    shift_labels = labels[:, :-1].reshape(-1)
    return F.cross_entropy(shift_logits.float(), shift_labels, ignore_index=ignore_index)  # mean over counted tokens


def sample_next(logits: Tensor, temperature: float = 0.0, generator: torch.Generator | None = None) -> Tensor:
    """(B, V) logits -> (B,) tokens: argmax if temperature == 0, else a sample from softmax(logits / temperature)."""
    if temperature == 0.0:
        return logits.argmax(dim=-1)  # greedy
    probs = torch.softmax(logits.float() / temperature, dim=-1)  # (B, V); stable for tiny temperatures
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)  # (B,)


def next_token_logits(model, ids: Tensor) -> Tensor:
    """The model's logits at the last position: (B, T) ids -> (B, V)."""
    out = model(ids)
    logits = out.logits if hasattr(out, "logits") else out  # a Hugging Face output or a plain tensor
    return logits[:, -1, :]


@torch.no_grad()
def generate(
    model,
    input_ids: Tensor,
    max_new_tokens: int,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    eos_token_id: int | None = None,
    pad_token_id: int | None = None,
) -> Tensor:
    """Extend input_ids (B, T0) by up to max_new_tokens tokens, stopping when every sequence has produced EOS.

    Returns:
        (B, T0 + n) long ids, the prompt included; finished sequences are filled with pad_token_id (EOS by default).
    """
    pad = eos_token_id if pad_token_id is None else pad_token_id
    ids = input_ids
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)  # (B,)
    for _ in range(max_new_tokens):
        nxt = sample_next(next_token_logits(model, ids), temperature, generator)  # (B,)
        if eos_token_id is not None:
            nxt = torch.where(finished, torch.full_like(nxt, pad), nxt)  # done sequences only receive padding
            finished |= nxt == eos_token_id
        ids = torch.cat([ids, nxt[:, None].to(ids.dtype)], dim=1)  # (B, T + 1)
        if eos_token_id is not None and bool(finished.all()):
            break
    return ids
