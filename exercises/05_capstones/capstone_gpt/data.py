"""The data: articles to one stream of token ids, and random (input, target) windows from it."""

from __future__ import annotations

from typing import Sequence

import torch


def token_stream(tokenizer, texts: Sequence[str], eos_id: int) -> torch.Tensor:
    """Encode each text (a `tokenizers.Tokenizer`), follow it with ``eos_id``, and concatenate: int64 (n,)."""
    raise NotImplementedError


def get_batch(data: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator,
              device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` windows at random offsets: x = data[i : i+T], y = data[i+1 : i+1+T], both (B, T)."""
    raise NotImplementedError
