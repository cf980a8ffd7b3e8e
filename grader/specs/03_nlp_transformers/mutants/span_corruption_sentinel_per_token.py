"""Mutant: every noise token gets its own sentinel instead of one sentinel per span."""

from __future__ import annotations

import torch
from torch import Tensor


def _random_segmentation(num_items: int, num_segments: int, generator: torch.Generator | None) -> Tensor:
    """Split num_items into num_segments random positive lengths (they sum to num_items)."""
    cuts = torch.randperm(num_items - 1, generator=generator)[: num_segments - 1] + 1  # distinct cut points in 1..m-1
    bounds = torch.cat([torch.tensor([0]), cuts.sort().values, torch.tensor([num_items])])
    return bounds.diff()  # (num_segments,) all >= 1


def random_spans_noise_mask(
    length: int,
    noise_density: float = 0.15,
    mean_noise_span_length: float = 3.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """T5's noise mask: round(density * length) noise tokens in round(noise / mean) spans, never starting with noise.

    Returns:
        A (length,) bool tensor, True at the tokens to drop.
    """
    num_noise = min(max(round(length * noise_density), 1), length - 1)  # at least one token kept and one dropped
    num_spans = max(round(num_noise / mean_noise_span_length), 1)
    num_keep = length - num_noise
    noise_lengths = _random_segmentation(num_noise, num_spans, generator)  # (n_spans,)
    keep_lengths = _random_segmentation(num_keep, num_spans, generator)  # (n_spans,)
    # keep_1, noise_1, keep_2, noise_2, ...: the sequence always starts with kept tokens.
    lengths = torch.stack([keep_lengths, noise_lengths], dim=1).reshape(-1)  # (2 * n_spans,)
    is_noise = torch.tensor([False, True]).repeat(num_spans)  # (2 * n_spans,)
    return torch.repeat_interleave(is_noise, lengths)  # (length,)


def span_corrupt(tokens, noise_mask, sentinel_ids: list[int], eos_id: int | None = None) -> tuple[list[int], list[int]]:
    """T5 inputs (each noise span -> one sentinel) and targets (sentinel + span, ..., final sentinel).

    Args:
        tokens: L token ids.
        noise_mask: L bools, True at the dropped tokens.
        sentinel_ids: sentinel_ids[k] is the id of <extra_id_k>; needs n_spans + 1 of them.
        eos_id: appended to both inputs and targets when given.

    Returns:
        (inputs, targets) as lists of int.
    """
    tokens = [int(t) for t in tokens]
    noise = [bool(m) for m in noise_mask]
    inputs, targets, k = [], [], 0
    for i, (tok, is_noise) in enumerate(zip(tokens, noise)):
        starts_span = is_noise
        if starts_span:
            inputs.append(sentinel_ids[k])  # one sentinel stands in for the whole span
            targets.append(sentinel_ids[k])  # and announces the span in the target
            k += 1
        (targets if is_noise else inputs).append(tok)
    targets.append(sentinel_ids[k])  # the final sentinel closes the last span
    if eos_id is not None:
        inputs.append(eos_id)
        targets.append(eos_id)
    return inputs, targets


def bart_infilling(tokens, noise_mask, mask_id: int) -> tuple[list[int], list[int]]:
    """BART inputs (each noise span -> ONE mask_id) and targets (the original tokens)."""
    tokens = [int(t) for t in tokens]
    noise = [bool(m) for m in noise_mask]
    inputs = []
    for i, (tok, is_noise) in enumerate(zip(tokens, noise)):
        if not is_noise:
            inputs.append(tok)
        elif i == 0 or not noise[i - 1]:
            inputs.append(mask_id)  # the span's first token becomes the single mask; the rest vanish
    return inputs, tokens
