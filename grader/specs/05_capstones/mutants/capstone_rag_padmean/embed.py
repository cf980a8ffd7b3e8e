"""Sentence embeddings with MiniLM: mean pooling over the real tokens, then L2 normalisation."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def mean_pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T, H) token states and a (B, T) 0/1 mask -> (B, H): the mean over the positions where mask is 1."""
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)  # (B, T, 1)
    return last_hidden_state.mean(dim=1)  # every position, padding included


class Embedder:
    """Texts -> float32 (n, dim) unit vectors, as sentence-transformers' all-MiniLM-L6-v2 computes them."""

    def __init__(self, tokenizer, model, batch_size: int = 32, max_length: int = 256):
        self.tokenizer, self.model = tokenizer, model.eval()
        self.batch_size, self.max_length = batch_size, max_length
        self.dim = model.config.hidden_size

    @torch.inference_mode()
    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # sort by length so that each batch pads to similar lengths (much less wasted compute), then unsort
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), self.batch_size):
            idx = order[b:b + self.batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
            h = self.model(**enc).last_hidden_state                      # (B, T, H)
            e = mean_pool(h, enc["attention_mask"])                       # (B, H)
            e = torch.nn.functional.normalize(e, p=2, dim=1)              # unit length: inner product = cosine
            out[idx] = e.float().numpy()
        return out
