"""Megatron-style tensor parallelism: column- and row-parallel linear layers on real ranks.

Goal
----
Split the weight matrices of a linear layer, and of a two-layer MLP, across W
ranks so that each rank stores and multiplies only 1/W of them, with results
(and gradients) equal to the unsplit layers'. You write:

* three autograd functions that wrap collectives: ``copy_to_parallel``
  (identity forward, all_reduce backward), ``reduce_from_parallel``
  (all_reduce forward, identity backward) and ``gather_from_parallel``
  (all_gather forward along the last dim, take-your-slice backward);
* ``ColumnParallelLinear``: each rank holds a slice of the *output* features;
* ``RowParallelLinear``: each rank holds a slice of the *input* features;
* ``ParallelMLP``: column-parallel fc1 -> GELU -> row-parallel fc2, with
  exactly one all_reduce in forward (and one in backward).

Everything except ``shard_slice`` runs inside an initialised process group
(the spec starts 2 or 4 gloo processes on this CPU).

Why it matters
--------------
Data parallelism needs the whole model on every device. When one layer's
weights (or its activations) do not fit, Megatron-LM splits each matrix
multiplication itself across the GPUs of a node. The trick is to pair the two
layers of an MLP (or attention: Q/K/V column-parallel by head, output
projection row-parallel) so that the elementwise GELU runs on the local slice
and the only communication is one all_reduce per block in forward and one in
backward.

The maths
---------
nn.Linear computes y = x A^T + b with A of shape (out, in).

Column-parallel: split A by rows (output features) into A_0 .. A_{W-1}, each
(out/W, in), and b likewise. Rank r computes y_r = x A_r^T + b_r, the output
columns [r out/W, (r+1) out/W). Concatenating the y_r along the last dim
(all_gather) gives y. In backward every rank's slice contributes to dL/dx:
dL/dx = sum_r dL/dy_r A_r, so the *input* needs an all_reduce of its gradient:
that is ``copy_to_parallel`` (identity forward, all_reduce backward).

Row-parallel: split A by columns (input features) into (out, in/W) pieces and x
likewise: x A^T = sum_r x_r A_r^T. Rank r computes the partial sum x_r A_r^T;
an all_reduce adds them (``reduce_from_parallel``: all_reduce forward, identity
backward, because dL/d(partial_r) = dL/dy on every rank). The bias is added
ONCE, after the reduction (added before it, it would be counted W times).

MLP: fc1 column-parallel *without* gathering (each rank keeps its hidden
slice), GELU elementwise on the slice, fc2 row-parallel on that slice: the
hidden layer is never assembled, and the one all_reduce is fc2's.

Autograd functions: subclass ``torch.autograd.Function`` with static
``forward(ctx, x)`` and ``backward(ctx, grad)``, and call them through
``.apply``. Collectives work in place, so clone before an all_reduce of a
tensor you do not own (e.g. the incoming gradient). Use ``dist.all_reduce`` and
``dist.all_gather`` (the spec counts calls of ``dist.all_reduce``).

Shards: rank r of W gets indices [r n/W, (r+1) n/W) of a dimension of size n;
n must be divisible by W (raise ValueError otherwise).

API
---
    shard_slice(n, rank, world_size) -> slice                        (pure)
    copy_to_parallel(x), reduce_from_parallel(x), gather_from_parallel(x)
    ColumnParallelLinear(linear: nn.Linear, gather_output=True)     copies its slice of linear's weights
    RowParallelLinear(linear: nn.Linear, input_is_parallel=False)   (False: it slices the full x itself)
    ParallelMLP(fc1: nn.Linear, fc2: nn.Linear)                      fc2(gelu(fc1(x))), split
    Each layer keeps its slices as nn.Parameters named ``weight`` and ``bias``.

Worked example
--------------
    >>> shard_slice(8, 1, 2)
    slice(4, 8, None)
    # On 2 ranks, nn.Linear(3, 4) column-parallel: rank 0 holds weight rows 0-1 and
    # bias[0:2], computes y[..., 0:2]; all_gather gives y. Row-parallel nn.Linear(4, 3):
    # rank 0 holds weight[:, 0:2], computes x[..., 0:2] @ weight[:, 0:2].T, the all_reduce
    # adds rank 1's x[..., 2:4] @ weight[:, 2:4].T, then + bias once.

Reference
---------
Shoeybi et al., "Megatron-LM: Training Multi-Billion Parameter Language Models
Using Model Parallelism" (2019), section 3 and its figure 3 (the f and g
operators); PyTorch docs, "Extending torch.autograd" and
``torch.distributed.tensor.parallel`` (ColwiseParallel, RowwiseParallel).
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


def shard_slice(n: int, rank: int, world_size: int) -> slice:
    """Indices [rank * n/W, (rank + 1) * n/W) of a dimension of size n; ValueError if W does not divide n."""
    raise NotImplementedError("shard_slice: not written yet")


class _CopyToParallel(torch.autograd.Function):
    """f: identity in forward; all_reduce (sum) of the gradient in backward."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("f forward: identity")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("f backward: all_reduce the gradient")


class _ReduceFromParallel(torch.autograd.Function):
    """g: all_reduce (sum) in forward; identity in backward."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("g forward: all_reduce")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("g backward: identity")


class _GatherFromParallel(torch.autograd.Function):
    """all_gather along the last dim in forward; keep this rank's slice of the gradient in backward."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError("gather forward: all_gather along the last dim")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("gather backward: keep your slice")


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
        raise NotImplementedError("ColumnParallelLinear.__init__: keep your rows of weight and bias")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in), the same on every rank -> (..., out) if gather_output else (..., out/W)."""
        raise NotImplementedError("ColumnParallelLinear.forward: not written yet")


class RowParallelLinear(nn.Module):
    """nn.Linear split by input features: this rank holds weight columns shard_slice(in) and the full bias."""

    def __init__(self, linear: nn.Linear, input_is_parallel: bool = False) -> None:
        raise NotImplementedError("RowParallelLinear.__init__: keep your columns of weight, and the full bias")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in/W) if input_is_parallel else (..., in) -> (..., out), the same on every rank."""
        raise NotImplementedError("RowParallelLinear.forward: not written yet")


class ParallelMLP(nn.Module):
    """fc2(gelu(fc1(x))) with fc1 column-parallel (not gathered) and fc2 row-parallel: one all_reduce."""

    def __init__(self, fc1: nn.Linear, fc2: nn.Linear) -> None:
        raise NotImplementedError("ParallelMLP.__init__: column-parallel fc1, row-parallel fc2")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., d) -> (..., d), the same on every rank."""
        raise NotImplementedError("ParallelMLP.forward: not written yet")
