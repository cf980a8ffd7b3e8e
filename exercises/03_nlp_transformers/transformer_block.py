"""A transformer encoder block, post-LN and pre-LN, equal to nn.TransformerEncoderLayer.

Goal
----
Assemble the repeating unit of every transformer: a self-attention sublayer
and a position-wise feed-forward sublayer, each wrapped in a residual
connection and a layer norm. You write:

* ``LayerNorm.forward``: normalise each vector over its last axis, then scale
  and shift;
* ``TransformerBlock.feed_forward``: linear -> ReLU or GELU -> linear;
* ``TransformerBlock.forward``: the two sublayers with residuals, with the
  norms placed after the residual sum (post-LN, the 2017 paper) or before the
  sublayer (pre-LN, GPT-2 and most LLMs since).

The attention sublayer is ``torch.nn.MultiheadAttention`` (you wrote your own
in the previous exercise); dropout is off (it would sit on each sublayer's
output).

Why it matters
--------------
Residual connections keep an identity path through the depth of the network,
so gradients reach early layers; layer norm keeps activations at a fixed
scale. Where the norm goes matters: post-LN normalises the residual stream
itself and needs learning-rate warm-up to train deep stacks, while pre-LN
leaves the stream untouched (x + f(norm(x))), which trains stably and is why
GPT-2, Llama and friends use it (usually with a final norm after the last
block).

The maths
---------
LayerNorm over the last axis (size D), per vector x:

    mu = mean(x),   var = mean((x - mu)^2)       (the BIASED variance, divide by D)
    LN(x) = (x - mu) / sqrt(var + eps) * weight + bias

Feed-forward, applied to every position independently:

    FF(x) = linear2(act(linear1(x)))    d_model -> d_ff -> d_model,
    act = ReLU, or GELU(x) = x * Phi(x) with Phi the standard normal CDF (the
    exact erf form, as torch's F.gelu; not the tanh approximation)

Attention sublayer: SA(x) = attn(x, x, x, attn_mask=..., key_padding_mask=...)[0]
(torch's mask conventions: True = blocked / padding).

    post-LN (norm_first=False):   x = ln1(x + SA(x));     x = ln2(x + FF(x))
    pre-LN  (norm_first=True):    x = x + SA(ln1(x));     x = x + FF(ln2(x))

Parameter names, and how the spec copies ``nn.TransformerEncoderLayer``'s
weights into yours (keep the names the stub creates):

    torch                      yours
    self_attn.*            ->  attn.*        (nn.MultiheadAttention, batch_first)
    linear1.weight/bias    ->  ff_in.weight/bias
    linear2.weight/bias    ->  ff_out.weight/bias
    norm1.weight/bias      ->  ln1.weight/bias     (the attention sublayer's norm)
    norm2.weight/bias      ->  ln2.weight/bias     (the feed-forward sublayer's norm)

API
---
    LayerNorm(d, eps=1e-5)                   .forward(x (..., d)) -> (..., d)
    TransformerBlock(d_model, n_heads, d_ff, activation="relu" | "gelu", norm_first=False, eps=1e-5)
        .feed_forward(x (B, L, d_model))     -> (B, L, d_model)
        .forward(x (B, L, d_model), attn_mask=None, key_padding_mask=None) -> (B, L, d_model)

Worked example
--------------
    >>> LayerNorm(4)(torch.tensor([1.0, 2.0, 3.0, 4.0]))     # mu = 2.5, var = 1.25
    tensor([-1.3416, -0.4472,  0.4472,  1.3416], grad_fn=...)
    >>> # If attn.out_proj and ff_out are all zeros, both sublayers output 0, so a
    >>> # pre-LN block is the identity and a post-LN block is ln2(ln1(x)).

Reference
---------
Vaswani et al., "Attention Is All You Need" (2017), section 3.1; Ba, Kiros &
Hinton, "Layer Normalization" (2016); Xiong et al., "On Layer Normalization
in the Transformer Architecture" (2020) for pre-LN vs post-LN; Hendrycks &
Gimpel, "Gaussian Error Linear Units" (2016); the source of
``torch.nn.TransformerEncoderLayer``.
"""

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
        raise NotImplementedError("LayerNorm.forward: not written yet (biased variance, eps inside the sqrt)")


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
        raise NotImplementedError("TransformerBlock.feed_forward: not written yet")

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
        raise NotImplementedError("TransformerBlock.forward: not written yet (post-LN or pre-LN, by norm_first)")
