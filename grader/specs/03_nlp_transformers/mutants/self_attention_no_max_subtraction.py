"""Mutant: softmax exponentiates the raw scores without subtracting the row max (overflows for large scores)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def masked_softmax(scores: Tensor, mask: Tensor | None = None) -> Tensor:
    """Softmax over the last axis, with masked-out entries given weight 0.

    Args:
        scores: (..., Lk) real scores, possibly huge (|s| ~ 1e4).
        mask: optional boolean tensor broadcastable to scores' shape; True = keep.

    Returns:
        Weights of scores' shape: each row sums to 1 over its kept entries, masked
        entries are exactly 0, and a row with nothing kept is all zeros (never nan).
    """
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # e^-inf = 0: masked keys get no weight
    # Subtract the row max so the largest exponent is e^0 = 1: nothing overflows.
    row_max = scores.amax(dim=-1, keepdim=True)  # (..., 1)
    e = torch.exp(scores)  # (..., Lk), values in [0, 1]
    denom = e.sum(dim=-1, keepdim=True)  # (..., 1), >= 1 unless the whole row is masked
    # A fully masked row has e = 0 everywhere: define its weights as 0 instead of 0/0.
    return e / denom.clamp_min(torch.finfo(e.dtype).tiny)


def scaled_dot_product_attention(
    q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """softmax(q k^T / sqrt(d_k)) v, over the key axis, with an optional boolean mask.

    Args:
        q: (..., Lq, d_k) queries.
        k: (..., Lk, d_k) keys.
        v: (..., Lk, d_v) values.
        mask: optional boolean, broadcastable to (..., Lq, Lk); True = the query may
            attend to that key.

    Returns:
        (output (..., Lq, d_v), weights (..., Lq, Lk)); a query with no allowed key
        has all-zero weights and an all-zero output.
    """
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., Lq, Lk): keeps scores ~ unit variance
    weights = masked_softmax(scores, mask)  # (..., Lq, Lk), rows sum to 1 over allowed keys
    return weights @ v, weights  # (..., Lq, d_v)


class SelfAttention(nn.Module):
    """One head of self-attention: q, k, v are linear projections of the same x."""

    def __init__(self, d_model: int, d_k: int, d_v: int | None = None, bias: bool = True) -> None:
        super().__init__()
        d_v = d_k if d_v is None else d_v
        self.q_proj = nn.Linear(d_model, d_k, bias=bias)
        self.k_proj = nn.Linear(d_model, d_k, bias=bias)
        self.v_proj = nn.Linear(d_model, d_v, bias=bias)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Attend from x to itself.

        Args:
            x: (..., L, d_model) a sequence (with any leading batch axes).
            mask: optional boolean, broadcastable to (..., L, L); True = may attend.

        Returns:
            (output (..., L, d_v), weights (..., L, L)).
        """
        q = self.q_proj(x)  # (..., L, d_k)
        k = self.k_proj(x)  # (..., L, d_k)
        v = self.v_proj(x)  # (..., L, d_v)
        return scaled_dot_product_attention(q, k, v, mask)
