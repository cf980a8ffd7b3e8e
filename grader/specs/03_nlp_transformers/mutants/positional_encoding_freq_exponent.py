"""Mutant: RoPE frequencies use base^(-i/d) instead of base^(-2i/d)."""

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
    two_i = torch.arange(0, head_dim // 2, dtype=torch.float32)  # (d/2,)
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
