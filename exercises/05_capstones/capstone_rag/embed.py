"""Sentence embeddings with MiniLM: mean pooling over the real tokens, then L2 normalisation."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def mean_pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T, H) token states and a (B, T) 0/1 mask -> (B, H): the mean over the positions where mask is 1."""
    raise NotImplementedError("mean_pool")


class Embedder:
    """Texts -> float32 (n, dim) unit vectors, as sentence-transformers' all-MiniLM-L6-v2 computes them."""

    def __init__(self, tokenizer, model, batch_size: int = 32, max_length: int = 256):
        raise NotImplementedError("Embedder.__init__")

    @torch.inference_mode()
    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError("Embedder.__call__")
