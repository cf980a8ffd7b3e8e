"""Mutant: eps is added inside the square root: sqrt(v_hat + eps)."""

from __future__ import annotations

from typing import Iterable

import torch
import torch.distributed as dist
import torch.nn as nn


def partition(numel: int, world_size: int) -> tuple[int, int]:
    """Shard size s = ceil(numel / world_size) and the padded length world_size * s."""
    shard_size = -(-numel // world_size)  # ceil without floats
    return shard_size, shard_size * world_size


def flatten_padded(tensors: list[torch.Tensor], padded_numel: int) -> torch.Tensor:
    """The tensors flattened and concatenated, then zero-padded to padded_numel elements (given)."""
    flat = torch.cat([t.reshape(-1) for t in tensors])
    return torch.nn.functional.pad(flat, (0, padded_numel - flat.numel()))


def unflatten_into(flat: torch.Tensor, params: list[torch.Tensor]) -> None:
    """Copy consecutive slices of flat into each tensor of params, in place (padding at the end is ignored) (given)."""
    offset = 0
    with torch.no_grad():
        for p in params:
            p.copy_(flat[offset:offset + p.numel()].view_as(p))
            offset += p.numel()


class ZeroAdam:
    """Adam whose state is sharded across the ranks of the default process group (ZeRO stages 1-2)."""

    def __init__(self, params: Iterable[nn.Parameter], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.world = dist.get_world_size()
        numel = sum(p.numel() for p in self.params)
        self.shard_size, self.padded_numel = partition(numel, self.world)
        self.shard_start = dist.get_rank() * self.shard_size
        flat = flatten_padded([p.detach() for p in self.params], self.padded_numel)  # (W*s,)
        # This rank's slice only: 3 * s numbers instead of 3 * N on every rank.
        self.master = flat[self.shard_start:self.shard_start + self.shard_size].clone()  # (s,)
        self.exp_avg = torch.zeros_like(self.master)     # (s,) first moment m
        self.exp_avg_sq = torch.zeros_like(self.master)  # (s,) second moment v
        self.t = 0

    @torch.no_grad()
    def step(self) -> None:
        """reduce_scatter the gradients, Adam-update this rank's slice, all_gather the parameters."""
        self.t += 1
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        flat_grad = flatten_padded(grads, self.padded_numel)  # (W*s,)
        g = torch.empty_like(self.master)  # (s,)
        dist.reduce_scatter_single(g, flat_grad, op=dist.ReduceOp.SUM)  # slice r of the sum over ranks
        g /= self.world  # the data-parallel mean

        self.exp_avg.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
        self.exp_avg_sq.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        m_hat = self.exp_avg / (1 - self.beta1 ** self.t)
        v_hat = self.exp_avg_sq / (1 - self.beta2 ** self.t)
        self.master -= self.lr * m_hat / (v_hat + self.eps).sqrt()  # eps outside the sqrt, as torch does

        full = torch.empty(self.padded_numel, dtype=self.master.dtype)  # (W*s,)
        dist.all_gather_single(full, self.master)  # every rank's updated slice, in rank order
        unflatten_into(full, self.params)

    def zero_grad(self) -> None:
        """Drop every parameter's gradient."""
        for p in self.params:
            p.grad = None
