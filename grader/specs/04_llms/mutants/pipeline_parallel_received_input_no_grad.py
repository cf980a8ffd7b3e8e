"""Mutant: the received activation does not requires_grad_(), so there is no input gradient to send back."""

from __future__ import annotations

from typing import Callable

import torch
import torch.distributed as dist
import torch.nn as nn


def bubble_fraction(p: int, m: int) -> float:
    """The idle fraction (p - 1) / (m + p - 1) of a GPipe pipeline of p stages and m micro-batches."""
    if p < 1 or m < 1:
        raise ValueError(f"need p >= 1 stages and m >= 1 micro-batches, got p={p}, m={m}")
    return (p - 1) / (m + p - 1)


def forward_timeline(p: int, m: int) -> list[list[int | None]]:
    """Row t (t = 0 .. m+p-2): entry s is the micro-batch stage s forwards at tick t (t - s), or None if idle."""
    return [[t - s if 0 <= t - s < m else None for s in range(p)] for t in range(m + p - 1)]


def split_microbatches(x: torch.Tensor, m: int) -> list[torch.Tensor]:
    """x (B, ...) -> m consecutive micro-batches of B / m rows; ValueError if m does not divide B."""
    if x.shape[0] % m != 0:
        raise ValueError(f"a batch of {x.shape[0]} rows does not split into {m} equal micro-batches")
    return list(x.split(x.shape[0] // m))


def gpipe_step(
    stage: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    m: int,
) -> float | None:
    """One GPipe step of this rank's stage: all m forwards, then all m backwards in reverse order.

    Returns:
        On the last stage, the full-batch loss (1/m) sum_i L_i as a float; None on the others.
    """
    rank, p = dist.get_rank(), dist.get_world_size()
    first, last = rank == 0, rank == p - 1
    xs, ys = split_microbatches(x, m), split_microbatches(y, m)
    inputs, outputs = [], []

    # Forward phase: micro-batch i reaches stage s at tick s + i.
    for i in range(m):
        if first:
            inp = xs[i]
        else:
            inp = torch.empty_like(xs[i])  # (B/m, d): the activation of stage s - 1
            dist.recv(inp, src=rank - 1)
        out = stage(inp)
        if last:
            out = loss_fn(out, ys[i]) / m  # L_i / m: the m parts add up to the full-batch mean
        else:
            dist.send(out.detach(), dst=rank + 1)
        inputs.append(inp)
        outputs.append(out)  # GPipe keeps every micro-batch's graph until backward

    # Backward phase, in reverse: gradients accumulate in the parameters.
    for i in reversed(range(m)):
        if last:
            outputs[i].backward()
        else:
            grad = torch.empty_like(outputs[i])  # dL/d(output_i) from stage s + 1
            dist.recv(grad, src=rank + 1)
            outputs[i].backward(grad)
        if not first:
            dist.send(inputs[i].grad, dst=rank - 1)

    return sum(out.item() for out in outputs) if last else None
