"""Mutant: special tokens and padding can be selected."""

from __future__ import annotations

import torch
from torch import Tensor


def special_tokens_mask(input_ids: Tensor, special_ids: list[int]) -> Tensor:
    """(B, L) bool: True where input_ids holds one of special_ids."""
    return torch.isin(input_ids, torch.tensor(list(special_ids), dtype=input_ids.dtype))


def mlm_mask(
    input_ids: Tensor,
    special_mask: Tensor,
    mask_token_id: int,
    vocab_size: int,
    generator: torch.Generator,
    mlm_probability: float = 0.15,
) -> tuple[Tensor, Tensor]:
    """BERT's masking: select ~p of the non-special tokens, then 80% [MASK] / 10% random / 10% unchanged.

    Args:
        input_ids: (B, L) token ids (not modified).
        special_mask: (B, L) bool, True at special tokens and padding (never selected).
        mask_token_id: the id of [MASK].
        vocab_size: random replacements are drawn uniformly from 0 .. vocab_size - 1.
        generator: the source of every random draw.
        mlm_probability: the selection probability p.

    Returns:
        (masked_ids, labels), both (B, L) long: labels hold the original ids at selected positions, -100 elsewhere.
    """
    ids = input_ids.clone()  # never modify the caller's tensor
    probs = torch.full(ids.shape, mlm_probability)

    selected = torch.bernoulli(probs, generator=generator).bool()  # (B, L)
    labels = torch.where(selected, ids, torch.full_like(ids, -100))  # the loss only sees selected positions

    # 80% of the selected -> [MASK]
    to_mask = selected & (torch.rand(ids.shape, generator=generator) < 0.8)
    ids[to_mask] = mask_token_id
    # half of the remaining 20% (10% overall) -> a random token; the other 10% stay unchanged
    to_random = selected & ~to_mask & (torch.rand(ids.shape, generator=generator) < 0.5)
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator, dtype=ids.dtype)
    ids[to_random] = random_ids[to_random]
    return ids, labels


def build_pair(ids_a: list[int], ids_b: list[int], cls_id: int, sep_id: int) -> tuple[list[int], list[int]]:
    """[CLS] A [SEP] B [SEP] and its token_type_ids (0 for [CLS] A [SEP], 1 for B [SEP])."""
    input_ids = [cls_id, *ids_a, sep_id, *ids_b, sep_id]
    token_type_ids = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
    return input_ids, token_type_ids


def nsp_pairs(documents: list[list[str]], generator: torch.Generator) -> list[tuple[str, str, int]]:
    """Next-sentence pairs: for each consecutive (d[i], d[i+1]), keep it (label 0) or swap B for a random sentence of
    another document (label 1), with probability 1/2 each.

    Returns:
        One (sentence_a, sentence_b, label) per consecutive pair, documents and sentences in order.
    """
    if len(documents) < 2:
        raise ValueError("nsp_pairs needs at least 2 documents to draw NotNext sentences from")
    pairs = []
    for d, doc in enumerate(documents):
        for i in range(len(doc) - 1):
            if torch.rand((), generator=generator) < 0.5:
                pairs.append((doc[i], doc[i + 1], 0))  # IsNext
                continue
            # NotNext: a random OTHER document (draw among the n - 1 others, skipping d), then a random sentence.
            other = int(torch.randint(len(documents) - 1, (), generator=generator))
            other += other >= d
            j = int(torch.randint(len(documents[other]), (), generator=generator))
            pairs.append((doc[i], documents[other][j], 1))
    return pairs
