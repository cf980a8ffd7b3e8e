"""Self-attention: Q/K/V projections and scaled dot-product attention.

Goal
----
Write the core of every transformer: one head of self-attention. You write
three pieces:

* ``masked_softmax``: a softmax over the last axis that ignores masked-out
  entries, is stable for huge scores, and gives all-zero weights (not nan)
  to a row whose every entry is masked out;
* ``scaled_dot_product_attention``: softmax(Q K^T / sqrt(d_k)) V, with an
  optional boolean mask, returning both the output and the attention weights;
* ``SelfAttention.forward``: project the same sequence x into queries, keys
  and values with three linear layers, then attend.

There is no dropout here (think of it as a model in eval mode).

Why it matters
--------------
Attention lets every position read from every other position, with weights
the model computes from the data. Each query asks "which keys look like
me?" (a dot product), the softmax turns the similarities into a probability
distribution over positions, and the output is the matching mixture of
values. The 1/sqrt(d_k) factor keeps the dot products of d_k-dimensional
vectors at unit scale, so the softmax does not saturate into a one-hot
distribution with vanishing gradients as d_k grows. Masks are how decoders
stay causal and how padding is kept out, and both produce rows with -inf
scores, which is where naive code produces nan.

The maths
---------
For queries Q (Lq, d_k), keys K (Lk, d_k) and values V (Lk, d_v):

    scores  S = Q K^T / sqrt(d_k)                          (Lq, Lk)
    weights A = softmax(S) over the key axis (each row sums to 1)
    output  O = A V                                        (Lq, d_v)

Softmax is softmax(s)_j = e^{s_j} / sum_i e^{s_i}. Computed literally, e^{s}
overflows to inf for s > 88 in float32 (inf / inf = nan); subtracting the row
maximum first, e^{s_j - max s} / sum_i e^{s_i - max s}, gives the same value
and never overflows.

Mask convention (the same as ``torch.nn.functional.scaled_dot_product_attention``):
a boolean tensor broadcastable to S's shape, True where the query MAY attend
to the key, False where it may not. A masked-out entry gets weight exactly 0
(set its score to -inf before the softmax). A query row with no allowed key
at all is defined to have all-zero weights, hence an all-zero output; a
plain softmax over a row of -inf would give nan there.

Self-attention uses one sequence x (L, d_model) for all three roles:

    Q = x W_q^T + b_q,   K = x W_k^T + b_k,   V = x W_v^T + b_v

with ``nn.Linear`` layers ``q_proj``, ``k_proj`` (d_model -> d_k) and
``v_proj`` (d_model -> d_v).

Any number of leading batch axes (batch, heads, ...) is allowed: they are
carried through unchanged.

API
---
    masked_softmax(scores, mask=None)              -> weights, scores' shape
    scaled_dot_product_attention(q, k, v, mask=None)
        q (..., Lq, d_k), k (..., Lk, d_k), v (..., Lk, d_v)
        -> (output (..., Lq, d_v), weights (..., Lq, Lk))
    SelfAttention(d_model, d_k, d_v=None)          (d_v defaults to d_k)
        .forward(x (..., L, d_model), mask=None)   -> (output (..., L, d_v), weights (..., L, L))

Worked example
--------------
    >>> q = torch.tensor([[2.0, 0.0, 0.0, 0.0]])                  # d_k = 4, sqrt(d_k) = 2
    >>> k = torch.tensor([[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    >>> v = torch.tensor([[1.0], [0.0]])
    >>> out, w = scaled_dot_product_attention(q, k, v)
    >>> w                                    # softmax([4/2, 0/2]) = softmax([2, 0])
    tensor([[0.8808, 0.1192]])
    >>> out                                  # 0.8808 * 1 + 0.1192 * 0
    tensor([[0.8808]])
    >>> masked_softmax(torch.tensor([[1000.0, 0.0], [5.0, 6.0]]),
    ...                torch.tensor([[True, True], [False, False]]))
    tensor([[1., 0.],
            [0., 0.]])                       # no overflow; the fully masked row is zeros

Reference
---------
Vaswani et al., "Attention Is All You Need" (2017), section 3.2.1; the
PyTorch docs of ``torch.nn.functional.scaled_dot_product_attention`` (its
reference implementation and boolean-mask convention); Jay Alammar, "The
Illustrated Transformer".
"""

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
    raise NotImplementedError("masked_softmax: not written yet (subtract the row max; a fully masked row gives zeros)")


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
    raise NotImplementedError("scaled_dot_product_attention: not written yet")


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
        raise NotImplementedError("SelfAttention.forward: not written yet (project x to q, k, v, then attend)")
