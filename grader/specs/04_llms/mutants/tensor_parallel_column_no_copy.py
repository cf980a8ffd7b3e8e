"""Mutant: ColumnParallelLinear skips copy_to_parallel, so dL/dx holds only this rank's share."""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


def shard_slice(n: int, rank: int, world_size: int) -> slice:
    """Indices [rank * n/W, (rank + 1) * n/W) of a dimension of size n; ValueError if W does not divide n."""
    if n % world_size != 0:
        raise ValueError(f"dimension {n} is not divisible by the world size {world_size}")
    size = n // world_size
    return slice(rank * size, (rank + 1) * size)


class _CopyToParallel(torch.autograd.Function):
    """f: identity in forward; all_reduce (sum) of the gradient in backward."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()  # all_reduce works in place: do not overwrite autograd's tensor
        dist.all_reduce(grad)  # every rank's slice of the layer contributed to dL/dx
        return grad


class _ReduceFromParallel(torch.autograd.Function):
    """g: all_reduce (sum) in forward; identity in backward."""

    @staticmethod
    def forward(ctx, x):
        x = x.clone()
        dist.all_reduce(x)  # add the partial sums of all ranks
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad  # y = sum_r partial_r, so dL/dpartial_r = dL/dy, already on every rank


class _GatherFromParallel(torch.autograd.Function):
    """all_gather along the last dim in forward; keep this rank's slice of the gradient in backward."""

    @staticmethod
    def forward(ctx, x):
        world = dist.get_world_size()
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts, dim=-1)  # (..., W * n_local)

    @staticmethod
    def backward(ctx, grad):
        cols = shard_slice(grad.shape[-1], dist.get_rank(), dist.get_world_size())
        return grad[..., cols].contiguous()  # y's columns from this rank came from this rank's x


def copy_to_parallel(x: torch.Tensor) -> torch.Tensor:
    """Identity forward, all_reduce of the gradient backward."""
    return _CopyToParallel.apply(x)


def reduce_from_parallel(x: torch.Tensor) -> torch.Tensor:
    """all_reduce (sum) forward, identity backward."""
    return _ReduceFromParallel.apply(x)


def gather_from_parallel(x: torch.Tensor) -> torch.Tensor:
    """(..., n) per rank -> (..., W * n), rank order; backward keeps this rank's slice of the gradient."""
    return _GatherFromParallel.apply(x)


class ColumnParallelLinear(nn.Module):
    """nn.Linear split by output features: this rank holds weight rows / bias entries shard_slice(out)."""

    def __init__(self, linear: nn.Linear, gather_output: bool = True) -> None:
        super().__init__()
        rows = shard_slice(linear.out_features, dist.get_rank(), dist.get_world_size())
        self.weight = nn.Parameter(linear.weight.detach()[rows].clone())  # (out/W, in)
        self.bias = nn.Parameter(linear.bias.detach()[rows].clone())      # (out/W,)
        self.gather_output = gather_output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in), the same on every rank -> (..., out) if gather_output else (..., out/W)."""
        y = F.linear(x, self.weight, self.bias)  # (..., out/W): this rank's output columns
        return gather_from_parallel(y) if self.gather_output else y


class RowParallelLinear(nn.Module):
    """nn.Linear split by input features: this rank holds weight columns shard_slice(in) and the full bias."""

    def __init__(self, linear: nn.Linear, input_is_parallel: bool = False) -> None:
        super().__init__()
        self.cols = shard_slice(linear.in_features, dist.get_rank(), dist.get_world_size())
        self.weight = nn.Parameter(linear.weight.detach()[:, self.cols].clone())  # (out, in/W)
        self.bias = nn.Parameter(linear.bias.detach().clone())                    # (out,)
        self.input_is_parallel = input_is_parallel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in/W) if input_is_parallel else (..., in) -> (..., out), the same on every rank."""
        if not self.input_is_parallel:
            x = copy_to_parallel(x)[..., self.cols]  # (..., in/W); gradient of the full x summed over ranks
        partial = x @ self.weight.T  # (..., out): this rank's share of x A^T
        return reduce_from_parallel(partial) + self.bias  # bias once, after the sum


class ParallelMLP(nn.Module):
    """fc2(gelu(fc1(x))) with fc1 column-parallel (not gathered) and fc2 row-parallel: one all_reduce."""

    def __init__(self, fc1: nn.Linear, fc2: nn.Linear) -> None:
        super().__init__()
        self.fc1 = ColumnParallelLinear(fc1, gather_output=False)
        self.fc2 = RowParallelLinear(fc2, input_is_parallel=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., d) -> (..., d), the same on every rank."""
        h = F.gelu(self.fc1(x))  # (..., hidden/W): GELU is elementwise, so it runs on the slice
        return self.fc2(h)
