"""The data: articles to one stream of token ids, and random (input, target) windows from it."""

from __future__ import annotations

from typing import Sequence

import torch


def token_stream(tokenizer, texts: Sequence[str], eos_id: int) -> torch.Tensor:
    """Encode each text (a `tokenizers.Tokenizer`), follow it with ``eos_id``, and concatenate: int64 (n,)."""
    ids: list[int] = []
    for enc in tokenizer.encode_batch(list(texts), add_special_tokens=False):
        ids.extend(enc.ids)
        ids.append(eos_id)  # the model learns where one document ends and the next begins
    return torch.tensor(ids, dtype=torch.long)


def get_batch(data: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator,
              device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` windows at random offsets: x = data[i : i+T], y = data[i+1 : i+1+T], both (B, T)."""
    if len(data) < block_size + 1:
        raise ValueError(f"need at least block_size + 1 = {block_size + 1} tokens, got {len(data)}")
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix.tolist()])
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)
