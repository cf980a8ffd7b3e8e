"""Positional information: sinusoidal encodings and rotary embeddings (RoPE).

Goal
----
Attention is permutation-invariant: shuffle the tokens and each output is
shuffled the same way, so without help a transformer cannot tell "dog bites
man" from "man bites dog". You write the two classic fixes:

* ``sinusoidal_encoding``: the fixed table that the original Transformer adds
  to its token embeddings;
* ``rope_frequencies``, ``rope_cos_sin``, ``rotate_half`` and ``apply_rope``:
  rotary position embeddings, which rotate queries and keys by an angle
  proportional to their position, as Llama, Mistral, Qwen and most modern LLMs
  do.

Why it matters
--------------
Sinusoids give every position a unique pattern of waves with wavelengths from
2 pi to about 10000 * 2 pi, and PE(pos + k) is a fixed linear function of
PE(pos), which makes relative offsets easy to learn. RoPE builds relativity
in exactly: after rotating q by m theta and k by n theta, their dot product
depends on m and n only through m - n, so attention scores see relative
distances while the code stays a cheap elementwise operation.

The maths
---------
Sinusoidal encoding, for position pos and i = 0 .. d_model/2 - 1:

    PE[pos, 2i]     = sin(pos / base^(2i / d_model))
    PE[pos, 2i + 1] = cos(pos / base^(2i / d_model))

with base = 10000: sin on the even columns, cos on the odd ones, each (sin,
cos) column pair sharing one frequency. d_model must be even (raise
ValueError otherwise).

RoPE, for a head of even size d and i = 0 .. d/2 - 1, uses the frequencies

    theta_i = base^(-2i / d)                (so theta_0 = 1, decreasing)

and rotates each pair of coordinates (a, b) of a vector at position m by the
angle m * theta_i:

    (a, b)  ->  (a cos(m theta_i) - b sin(m theta_i),  b cos(m theta_i) + a sin(m theta_i))

Which coordinates form a pair is a convention:

* the RoFormer paper pairs neighbours: (x[2i], x[2i+1])  ("interleaved");
* Llama and Hugging Face transformers pair the two halves: (x[i], x[i + d/2]).
  Then the whole rotation is one vectorised line,

      rope(x) = x * cos + rotate_half(x) * sin,   rotate_half(x) = cat(-x2, x1)

  where x1, x2 are the first and second halves of x, and cos, sin are
  (L, d) tables whose column j holds cos/sin(m * theta_{j mod d/2}), i.e. the
  d/2 angles written out twice: cat(angles, angles).

The two conventions give the same dot products and differ only by a fixed
permutation of the coordinates. ``apply_rope`` defaults to the half-split
(Llama) layout and uses the neighbour pairs when ``interleaved=True``.

Relative property: a rotation R(m) satisfies R(m)^T R(n) = R(n - m), so
rope(q, m) . rope(k, n) = q . R(n - m) k depends only on n - m.

API
---
    sinusoidal_encoding(n_positions, d_model, base=10000.0) -> (n_positions, d_model) float32
    rope_frequencies(head_dim, base=10000.0)                 -> (head_dim // 2,) theta_i
    rope_cos_sin(positions, head_dim, base=10000.0)           -> (cos, sin), each (*positions.shape, head_dim),
                                                                in the half-split layout cat(angles, angles)
    rotate_half(x)                                            -> cat(-x2, x1) on the last axis
    apply_rope(x, positions, base=10000.0, interleaved=False) -> x rotated, x's shape
        x: (..., L, head_dim); positions: (L,) integer positions (or any shape broadcastable
        to x's without its last axis)

Worked example
--------------
    >>> sinusoidal_encoding(2, 4)
    tensor([[0.0000, 1.0000, 0.0000, 1.0000],
            [0.8415, 0.5403, 0.0100, 0.9999]])     # sin 1, cos 1, sin 0.01, cos 0.01
    >>> rope_frequencies(4, base=100.0)
    tensor([1.0000, 0.1000])                         # 100^0, 100^(-2/4)
    >>> apply_rope(torch.tensor([[1.0, 0.0]]), torch.tensor([2]))   # d = 2: rotate (1, 0) by 2 rad
    tensor([[-0.4161,  0.9093]])                      # (cos 2, sin 2)

Reference
---------
Vaswani et al., "Attention Is All You Need" (2017), section 3.5; Su et al.,
"RoFormer: Enhanced Transformer with Rotary Position Embedding" (2021);
Hugging Face transformers, ``models/llama/modeling_llama.py``
(``LlamaRotaryEmbedding``, ``rotate_half``, ``apply_rotary_pos_emb``).
"""

from __future__ import annotations

import torch
from torch import Tensor


def sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> Tensor:
    """The (n_positions, d_model) float32 table of Vaswani et al.: sin on even columns, cos on odd ones.

    Raises:
        ValueError: if d_model is odd.
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even, got {d_model}")
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]  # (n, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (d/2,): 0, 2, 4, ...
    angles = pos / base ** (two_i / d_model)  # (n, d/2); float64 keeps large positions accurate
    pe = torch.empty(n_positions, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angles)  # even columns
    pe[:, 1::2] = torch.cos(angles)  # odd columns share the same frequency as their left neighbour
    return pe.float()


def rope_frequencies(head_dim: int, base: float = 10000.0) -> Tensor:
    """theta_i = base^(-2i / head_dim) for i = 0 .. head_dim/2 - 1: a (head_dim // 2,) float32 tensor."""
    two_i = torch.arange(0, head_dim, 2, dtype=torch.float32)  # (d/2,)
    return 1.0 / base ** (two_i / head_dim)


def rope_cos_sin(positions: Tensor, head_dim: int, base: float = 10000.0) -> tuple[Tensor, Tensor]:
    """cos and sin of m * theta in the half-split layout.

    Args:
        positions: integer positions m, any shape P (usually (L,)).
        head_dim: d, even.

    Returns:
        (cos, sin), each of shape (*P, head_dim): column j holds cos/sin(m * theta_{j mod d/2}).
    """
    angles = positions[..., None].float() * rope_frequencies(head_dim, base)  # (*P, d/2)
    angles = torch.cat((angles, angles), dim=-1)  # (*P, d): pair (i, i + d/2) shares theta_i
    return angles.cos(), angles.sin()


def rotate_half(x: Tensor) -> Tensor:
    """cat(-x2, x1) where x1, x2 are the first and second halves of the last axis."""
    x1, x2 = x.chunk(2, dim=-1)  # (..., d/2) each
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x: Tensor, positions: Tensor, base: float = 10000.0, interleaved: bool = False) -> Tensor:
    """Rotate each coordinate pair of x by the angle m * theta_i of its position m.

    Args:
        x: (..., L, head_dim) queries or keys, head_dim even.
        positions: (L,) integer positions (broadcastable to x's shape without its last axis).
        base: the RoPE base (10000 in the paper; Llama 3 uses 500000).
        interleaved: False pairs (x[i], x[i + d/2]) (Llama / Hugging Face); True pairs
            (x[2i], x[2i+1]) (the RoFormer paper).

    Returns:
        The rotated tensor, x's shape and dtype.
    """
    d = x.shape[-1]
    cos, sin = rope_cos_sin(positions, d, base)  # (L, d) each, broadcast over leading axes
    if not interleaved:
        # (a, b) = (x[i], x[i + d/2]) -> (a cos - b sin, b cos + a sin), all pairs at once.
        return (x * cos + rotate_half(x) * sin).to(x.dtype)
    # Neighbour pairs: view the last axis as (d/2, 2) and rotate each (a, b) row.
    a, b = x[..., 0::2], x[..., 1::2]  # (..., L, d/2)
    c, s = cos[..., : d // 2], sin[..., : d // 2]  # (L, d/2): one angle per pair
    return torch.stack((a * c - b * s, b * c + a * s), dim=-1).flatten(-2).to(x.dtype)  # (..., L, d)
