"""Mutant: LayerNorm variance as E[x^2] - E[x]^2, which cancels catastrophically in float32."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class LayerNorm(nn.Module):
    """Layer normalisation over the last axis, with a learnt scale (weight) and shift (bias)."""

    def __init__(self, d: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x: Tensor) -> Tensor:
        """(..., d) -> (..., d): (x - mean) / sqrt(biased var + eps) * weight + bias, per vector."""
        mu = x.mean(dim=-1, keepdim=True)  # (..., 1)
        xc = x - mu  # centre first: mean(xc^2) avoids the cancellation of E[x^2] - E[x]^2
        var = (x * x).mean(dim=-1, keepdim=True) - mu * mu  # (..., 1)
        return xc * torch.rsqrt(var + self.eps) * self.weight + self.bias  # eps inside the sqrt


class TransformerBlock(nn.Module):
    """One encoder block: self-attention and feed-forward sublayers with residuals and layer norms."""

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        activation: str = "relu",
        norm_first: bool = False,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        if activation not in ("relu", "gelu"):
            raise ValueError(f"activation must be 'relu' or 'gelu', got {activation!r}")
        self.activation, self.norm_first = activation, norm_first
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=0.0, batch_first=True)
        self.ff_in = nn.Linear(d_model, d_ff)
        self.ff_out = nn.Linear(d_ff, d_model)
        self.ln1 = LayerNorm(d_model, eps)  # goes with the attention sublayer
        self.ln2 = LayerNorm(d_model, eps)  # goes with the feed-forward sublayer

    def feed_forward(self, x: Tensor) -> Tensor:
        """(B, L, d_model) -> (B, L, d_model): ff_out(act(ff_in(x))), act = ReLU or exact GELU."""
        h = self.ff_in(x)  # (B, L, d_ff)
        h = F.relu(h) if self.activation == "relu" else F.gelu(h)  # exact (erf) GELU, like torch's layer
        return self.ff_out(h)  # (B, L, d_model)

    def self_attention(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None) -> Tensor:
        """SA(x): self-attention of x with torch's masks, the output only (implemented for you)."""
        return self.attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False)[0]

    def forward(
        self, x: Tensor, attn_mask: Tensor | None = None, key_padding_mask: Tensor | None = None
    ) -> Tensor:
        """(B, L, d_model) -> (B, L, d_model), post-LN or pre-LN according to norm_first.

        Args:
            attn_mask: optional (L, L) mask, torch's convention (bool True = blocked, or additive float).
            key_padding_mask: optional (B, L) bool, True at padding.
        """
        if self.norm_first:
            # Pre-LN: the residual stream x is never normalised; each sublayer reads a normalised copy.
            x = x + self.self_attention(self.ln1(x), attn_mask, key_padding_mask)
            x = x + self.feed_forward(self.ln2(x))
        else:
            # Post-LN: normalise after adding each sublayer's output to the stream.
            x = self.ln1(x + self.self_attention(x, attn_mask, key_padding_mask))
            x = self.ln2(x + self.feed_forward(x))
        return x
