"""A ZeRO-style sharded Adam: each rank keeps 1/W of the optimizer state.

Goal
----
Write ``ZeroAdam``, an Adam optimizer for data-parallel training in which rank
r of W stores the Adam moments (and an owned copy of the parameters) for only
one contiguous 1/W slice of all the model's parameters, flattened into one
vector. One step:

1. flatten all gradients into one vector, zero-padded to W * s elements;
2. ``reduce_scatter``: sum the gradient vectors of all ranks and hand rank r
   only slice r (s elements); divide by W for the data-parallel average;
3. Adam-update slice r of the parameters with slice r of the moments;
4. ``all_gather`` the W updated slices into the full parameter vector and
   copy it back into the model, so every rank again holds every parameter.

You also write ``partition``, the padding arithmetic. The update must equal
``torch.optim.Adam`` on the full batch, step for step.

Why it matters
--------------
Adam keeps two float32 moments per parameter, and mixed-precision training
adds a float32 master copy: 12 bytes of optimizer state per parameter against
2 for bf16 weights. For a 7B model that is 84 GB of state on every
data-parallel rank. ZeRO (stage 1: shard the optimizer state; stage 2: also
the gradients, which reduce_scatter gives for free) divides it by W, at no
extra communication: reduce_scatter + all_gather move the same bytes as the
all_reduce of plain data parallelism (an all_reduce *is* a reduce_scatter
followed by an all_gather). DeepSpeed's ZeRO and PyTorch's
``ZeroRedundancyOptimizer`` and FSDP are built on this.

The maths
---------
Partition: with N parameters in total, s = ceil(N / W) and the flat vectors are
padded with zeros to W * s, so every rank's slice has the same length (the
collectives need equal sizes). Rank r owns elements [r * s, (r + 1) * s).

Adam on the owned slice, exactly as ``torch.optim.Adam`` (t counts steps from 1):

    g   = (sum over ranks of slice r of the flat gradient) / W
    m   = beta1 * m + (1 - beta1) * g
    v   = beta2 * v + (1 - beta2) * g^2
    m^  = m / (1 - beta1^t)         v^ = v / (1 - beta2^t)
    p  -= lr * m^ / (sqrt(v^) + eps)

The padding elements have gradient 0, so they stay 0 and never matter.

Collectives (in place, inside an initialised process group; ``*_single`` are
the names in torch >= 2.13, ``reduce_scatter_tensor`` and
``all_gather_into_tensor`` the older ones):

    dist.reduce_scatter_single(out (s,), inp (W*s,), op=dist.ReduceOp.SUM)
    dist.all_gather_single(out (W*s,), inp (s,))

API
---
    partition(numel, world_size) -> (shard_size s, padded_numel W*s)   (pure)
    flatten_padded(tensors, padded_numel) -> (padded_numel,)            (given)
    unflatten_into(flat, params)                                        (given)
    ZeroAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        .shard_start, .shard_size          this rank's slice of the flat vector
        .master (s,)                       this rank's slice of the parameters
        .exp_avg (s,), .exp_avg_sq (s,)    this rank's slice of the Adam moments
        .step()                            one update of every parameter, as above
        .zero_grad()                       p.grad = None for every parameter

Worked example
--------------
    >>> partition(10, 4)        # 4 slices of 3: elements 10 and 11 are padding
    (3, 12)
    >>> partition(8, 2)
    (4, 8)
    # A model with 26 parameters on 3 ranks: s = 9, padded to 27; rank 2 owns
    # elements 18..26 (the last one padding). Its exp_avg has 9 elements,
    # against 26 for torch.optim.Adam's state on every rank.

Reference
---------
Rajbhandari, Rasley, Ruwase & He, "ZeRO: Memory Optimizations Toward Training
Trillion Parameter Models" (SC 2020); Kingma & Ba, "Adam" (2015); PyTorch docs,
``torch.optim.Adam`` (the update above) and
``torch.distributed.optim.ZeroRedundancyOptimizer``.
"""

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
        self.master -= self.lr * m_hat / (v_hat.sqrt() + self.eps)  # eps outside the sqrt, as torch does

        full = torch.empty(self.padded_numel, dtype=self.master.dtype)  # (W*s,)
        dist.all_gather_single(full, self.master)  # every rank's updated slice, in rank order
        unflatten_into(full, self.params)

    def zero_grad(self) -> None:
        """Drop every parameter's gradient."""
        for p in self.params:
            p.grad = None
