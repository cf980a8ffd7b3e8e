"""Mutant: scores scaled by sqrt(embed_dim) instead of sqrt(head_dim)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(B, L, E) -> (B, H, L, E/H): head h gets features h*d .. (h+1)*d - 1 of every position."""
    B, L, E = x.shape
    return x.view(B, L, num_heads, E // num_heads).transpose(1, 2)  # split the FEATURE axis, then move heads out


def merge_heads(x: Tensor) -> Tensor:
    """(B, H, L, d) -> (B, L, H*d), the inverse of split_heads."""
    B, H, L, d = x.shape
    return x.transpose(1, 2).reshape(B, L, H * d)  # reshape copies: the transpose is not contiguous


class MultiHeadAttention(nn.Module):
    """Multi-head attention with torch.nn.MultiheadAttention's parameters and mask conventions (batch_first)."""

    def __init__(self, embed_dim: int, num_heads: int) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))  # W_q; W_k; W_v stacked
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        nn.init.xavier_uniform_(self.in_proj_weight)  # torch's initialisation
        nn.init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        attn_mask: Tensor | None = None,
        need_weights: bool = True,
        average_attn_weights: bool = True,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from query (B, L, E) to key/value (B, S, E).

        Args:
            key_padding_mask: (B, S) bool, True at padded keys (ignored).
            attn_mask: (L, S) bool (True = blocked) or float (added to the scores).

        Returns:
            (output (B, L, E), weights): weights are (B, L, S) averaged over heads, (B, H, L, S)
            if average_attn_weights is False, or None if need_weights is False.
        """
        H = self.num_heads
        w_q, w_k, w_v = self.in_proj_weight.chunk(3)  # (E, E) each
        b_q, b_k, b_v = self.in_proj_bias.chunk(3)  # (E,) each
        q = split_heads(nn.functional.linear(query, w_q, b_q), H)  # (B, H, L, d)
        k = split_heads(nn.functional.linear(key, w_k, b_k), H)  # (B, H, S, d)
        v = split_heads(nn.functional.linear(value, w_v, b_v), H)  # (B, H, S, d)

        scores = q @ k.transpose(-2, -1) / math.sqrt(self.embed_dim)  # (B, H, L, S): scale by the HEAD size
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                scores = scores.masked_fill(attn_mask, float("-inf"))  # (L, S) broadcasts over B, H
            else:
                scores = scores + attn_mask  # additive: 0 = allowed, -inf = blocked
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))  # (B, 1, 1, S)
        weights = torch.softmax(scores, dim=-1)  # (B, H, L, S), over the keys

        out = self.out_proj(merge_heads(weights @ v))  # (B, L, E)
        if not need_weights:
            return out, None
        return out, weights.mean(dim=1) if average_attn_weights else weights
