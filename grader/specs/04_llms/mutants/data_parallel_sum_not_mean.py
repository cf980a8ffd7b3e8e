"""Mutant: average_gradients all-reduces with SUM but never divides by the world size."""

from __future__ import annotations

from typing import Callable

import torch
import torch.distributed as dist
import torch.nn as nn


def shard_batch(x: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rows [rank * b, (rank + 1) * b) of x, with b = len(x) // world_size.

    Args:
        x: (B, ...) a batch; B must be divisible by world_size.
        rank: this process's rank, 0 <= rank < world_size.
        world_size: the number of ranks W.

    Returns:
        (B / W, ...) this rank's contiguous shard.

    Raises:
        ValueError: if B is not divisible by world_size.
    """
    if x.shape[0] % world_size != 0:
        raise ValueError(f"batch of {x.shape[0]} rows does not split evenly over {world_size} ranks")
    b = x.shape[0] // world_size
    return x[rank * b:(rank + 1) * b]  # (b, ...)


def make_buckets(numels: list[int], bucket_numel: int) -> list[list[int]]:
    """Group parameter indices, in order, into buckets of at most bucket_numel elements.

    Args:
        numels: the number of elements of each parameter, in order.
        bucket_numel: the capacity of a bucket, > 0.

    Returns:
        A list of buckets, each a non-empty list of consecutive indices; a
        parameter larger than bucket_numel is alone in its bucket.
    """
    buckets: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, n in enumerate(numels):
        if current and size + n > bucket_numel:  # would overflow: close this bucket
            buckets.append(current)
            current, size = [], 0
        current.append(i)
        size += n
    if current:
        buckets.append(current)
    return buckets


def broadcast_parameters(model: nn.Module, src: int = 0) -> None:
    """Overwrite every parameter with rank ``src``'s copy, in place (call inside a process group)."""
    with torch.no_grad():
        for p in model.parameters():
            dist.broadcast(p.data, src=src)


def average_gradients(model: nn.Module) -> None:
    """Replace every p.grad by the mean of p.grad over all ranks: all_reduce(SUM) then / W, in place."""
    world = dist.get_world_size()
    for p in model.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)  # every rank now holds the sum


def average_gradients_bucketed(model: nn.Module, bucket_numel: int) -> None:
    """average_gradients, with one all_reduce per bucket of flattened gradients (see make_buckets)."""
    world = dist.get_world_size()
    params = [p for p in model.parameters() if p.grad is not None]
    for bucket in make_buckets([p.numel() for p in params], bucket_numel):
        flat = torch.cat([params[i].grad.reshape(-1) for i in bucket])  # (sum of numels,), a copy
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat /= world
        offset = 0
        for i in bucket:  # write each slice back: cat copied, so p.grad is not updated by itself
            g = params[i].grad
            g.copy_(flat[offset:offset + g.numel()].view_as(g))
            offset += g.numel()


def train_data_parallel(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    lr: float,
    n_steps: int,
    bucket_numel: int | None = None,
) -> nn.Module:
    """Data-parallel SGD on the full batch (x, y), which every rank passes in whole.

    Starts by broadcasting rank 0's parameters. Each step: forward and backward
    on this rank's shard (loss_fn returns a mean over rows), average the
    gradients across ranks (bucketed when bucket_numel is given), then
    p -= lr * p.grad and clear the gradients.

    Returns:
        The model, trained in place.
    """
    rank, world = dist.get_rank(), dist.get_world_size()
    broadcast_parameters(model)  # identical starting points, or the copies drift apart
    x_shard, y_shard = shard_batch(x, rank, world), shard_batch(y, rank, world)  # (B/W, ...)
    for _ in range(n_steps):
        model.zero_grad(set_to_none=True)
        loss_fn(model(x_shard), y_shard).backward()
        if bucket_numel is None:
            average_gradients(model)
        else:
            average_gradients_bucketed(model, bucket_numel)
        with torch.no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p -= lr * p.grad
    return model
