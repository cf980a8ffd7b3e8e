"""Multi-head attention, equal to torch.nn.MultiheadAttention.

Goal
----
Write multi-head attention as an ``nn.Module`` whose parameters have the same
names and shapes as ``torch.nn.MultiheadAttention(embed_dim, num_heads,
batch_first=True)``, so that loading torch's ``state_dict`` into yours gives
the same outputs and the same attention weights. You write:

* ``split_heads`` / ``merge_heads``: reshape (B, L, E) <-> (B, H, L, E/H);
* ``MultiHeadAttention.forward``: project, split, attend per head with the two
  masks, merge, project out, and return the head-averaged attention weights.

Why it matters
--------------
One attention head computes one weighted average, so it can follow one kind
of relation at a time. H heads of size E/H cost the same as one head of size
E but can attend to H different places (the previous token, the subject of
the verb, the matching bracket...). Every transformer layer is built on this
module, and reading torch's (or Hugging Face's) implementation requires
knowing its packed weights and its mask conventions, which are the OPPOSITE
of ``F.scaled_dot_product_attention``'s.

The maths
---------
With E = embed_dim, H = num_heads, d = E / H, query (B, L, E), key and value
(B, S, E):

    W_q, W_k, W_v = in_proj_weight.chunk(3)          each (E, E), in that order
    b_q, b_k, b_v = in_proj_bias.chunk(3)
    Q = query W_q^T + b_q,  K = key W_k^T + b_k,  V = value W_v^T + b_v
    split each into H heads: (B, L, E) -> (B, L, H, d) -> (B, H, L, d)
    A_h = softmax(Q_h K_h^T / sqrt(d) + mask)        (B, H, L, S), per head
    O_h = A_h V_h                                    (B, H, L, d)
    merge: (B, H, L, d) -> (B, L, H, d) -> (B, L, E)
    output = O W_o^T + b_o                           (out_proj)

Note the scale: sqrt(d), the HEAD size, not sqrt(E).

Masks (torch.nn.MultiheadAttention's conventions: True means "do NOT attend"):

* ``key_padding_mask`` (B, S) bool: True at padded KEY positions; those keys
  get weight 0 for every query of that sequence;
* ``attn_mask`` (L, S): if bool, True where query i may NOT attend to key j
  (a causal mask is True above the diagonal); if float, it is ADDED to the
  scores (0 = allowed, -inf = blocked).

Every query must keep at least one key (a fully masked row is not tested).

Returned weights: with ``average_attn_weights=True`` the mean of A_h over the
H heads, (B, L, S); with False, all of them, (B, H, L, S); with
``need_weights=False``, None.

API
---
    split_heads(x (B, L, E), num_heads)   -> (B, H, L, E/H)
    merge_heads(x (B, H, L, d))           -> (B, L, H*d)
    MultiHeadAttention(embed_dim, num_heads)    parameters: in_proj_weight (3E, E),
        in_proj_bias (3E,), out_proj (nn.Linear(E, E)): the names torch uses
    .forward(query, key, value, key_padding_mask=None, attn_mask=None,
             need_weights=True, average_attn_weights=True) -> (output (B, L, E), weights or None)

Worked example
--------------
    >>> x = torch.arange(8.0).view(1, 2, 4)          # B=1, L=2, E=4
    >>> split_heads(x, 2)                            # H=2, d=2
    tensor([[[[0., 1.], [4., 5.]],                    # head 0: features 0-1 of both positions
             [[2., 3.], [6., 7.]]]])                  # head 1: features 2-3
    >>> mha = MultiHeadAttention(4, 2)
    >>> ref = torch.nn.MultiheadAttention(4, 2, batch_first=True)
    >>> _ = mha.load_state_dict(ref.state_dict())     # same names, same shapes
    >>> torch.allclose(mha(x, x, x)[0], ref(x, x, x)[0], atol=1e-6)
    True

Reference
---------
Vaswani et al., "Attention Is All You Need" (2017), section 3.2.2; the
PyTorch docs of ``torch.nn.MultiheadAttention`` (argument conventions) and
``torch.nn.functional.multi_head_attention_forward`` (its source).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(B, L, E) -> (B, H, L, E/H): head h gets features h*d .. (h+1)*d - 1 of every position."""
    raise NotImplementedError("split_heads: not written yet (split the feature axis, then move the heads forward)")


def merge_heads(x: Tensor) -> Tensor:
    """(B, H, L, d) -> (B, L, H*d), the inverse of split_heads."""
    raise NotImplementedError("merge_heads: not written yet")


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
        raise NotImplementedError("MultiHeadAttention.forward: not written yet")
