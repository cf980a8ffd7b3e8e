"""The model: a GPT-style decoder (token and position embeddings, pre-LN blocks, tied head)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 4096
    block_size: int = 128   # the longest context the model sees
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False      # biases in Linear and LayerNorm layers (off: slightly better and faster)


class GPT(nn.Module):
    """Decoder-only transformer. Attributes the spec relies on: ``cfg``, ``wte``, ``wpe``, ``lm_head``.

    Suggested pieces (your own classes): CausalSelfAttention (one Linear to 3*n_embd for q, k, v;
    heads as a batch dimension; F.scaled_dot_product_attention(..., is_causal=True); an output
    Linear ``proj``), MLP (n_embd -> 4 n_embd -> n_embd with GELU, output Linear ``proj``),
    Block (pre-LN, two residual branches).
    """

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        raise NotImplementedError("build wte, wpe, the blocks, ln_f and a tied lm_head; initialise the weights")

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameters, each tensor counted once; without the position table (wpe) by default."""
        raise NotImplementedError

    def flops_per_token(self) -> float:
        """Training FLOPs per token: 6 * num_params() + 12 * n_layer * n_embd * block_size."""
        raise NotImplementedError

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """idx (B, T) int64 -> (logits (B, T, vocab_size), mean cross-entropy loss or None)."""
        raise NotImplementedError

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Sample ``max_new_tokens`` tokens after ``idx`` (B, T); temperature 0 is greedy. (Given.)"""
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.cfg.block_size:])
            logits = logits[:, -1, :].float()
            if temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        return idx
