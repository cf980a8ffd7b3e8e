"""Mutant: random_crop draws a single (top, left) offset and crops every image of the batch at it."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

IntOrPair = int | tuple[int, int]


def _pair(v: IntOrPair) -> tuple[int, int]:
    """3 -> (3, 3); (2, 3) -> (2, 3)."""
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def random_crop(x: Tensor, size: IntOrPair, padding: int, generator: torch.Generator, mode: str = "zeros") -> Tensor:
    """Pad x (N, C, H, W) by `padding` ("zeros" or "reflect"), then crop (N, C, h, w) at a random offset per image."""
    h, w = _pair(size)
    N, C, H, W = x.shape
    if mode == "zeros":
        xp = F.pad(x, (padding,) * 4)  # (N, C, H + 2p, W + 2p)
    elif mode == "reflect":
        xp = F.pad(x, (padding,) * 4, mode="reflect")
    else:
        raise ValueError(f"mode must be 'zeros' or 'reflect', not {mode!r}")
    Hp, Wp = H + 2 * padding, W + 2 * padding
    tops = torch.randint(0, Hp - h + 1, (1,), generator=generator).expand(N)
    lefts = torch.randint(0, Wp - w + 1, (1,), generator=generator).expand(N)
    rows = tops[:, None] + torch.arange(h)  # (N, h)
    cols = lefts[:, None] + torch.arange(w)  # (N, w)
    n = torch.arange(N)[:, None, None, None]  # (N, 1, 1, 1)
    c = torch.arange(C)[None, :, None, None]  # (1, C, 1, 1)
    # advanced indexing broadcasts the four index tensors to (N, C, h, w)
    return xp[n, c, rows[:, None, :, None], cols[:, None, None, :]]


def random_horizontal_flip(x: Tensor, generator: torch.Generator, p: float = 0.5) -> Tensor:
    """Mirror each image of x (N, C, H, W) left-right with probability p (one draw per image)."""
    flip = torch.rand(x.shape[0], generator=generator) < p  # (N,)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)  # flip(-1): the width axis


def channel_stats(x: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and population std over images and pixels: x (N, C, H, W) -> ((C,), (C,))."""
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3), unbiased=False)


def normalize(x: Tensor, mean: Tensor | Sequence[float], std: Tensor | Sequence[float]) -> Tensor:
    """(x - mean[c]) / std[c] for each channel c of x (N, C, H, W)."""
    mean = torch.as_tensor(mean, dtype=x.dtype)[:, None, None]  # (C, 1, 1): broadcasts over N, H, W
    std = torch.as_tensor(std, dtype=x.dtype)[:, None, None]
    return (x - mean) / std


def augment(x: Tensor, generator: torch.Generator, mean: Tensor | Sequence[float], std: Tensor | Sequence[float],
            padding: int = 4, p_flip: float = 0.5) -> Tensor:
    """The CIFAR-10 recipe: random crop back to (H, W) after zero padding, random flip, normalise."""
    x = random_crop(x, (x.shape[2], x.shape[3]), padding, generator)  # offsets drawn first
    x = random_horizontal_flip(x, generator, p_flip)  # then the flips
    return normalize(x, mean, std)
