"""Fully sharded data parallelism with PyTorch's FSDP2 (``fully_shard``), on real ranks.

Goal
----
Shard a model with ``torch.distributed.fsdp.fully_shard`` so that each of W
ranks stores only 1/W of every parameter, train it data-parallel, and check
that nothing changed numerically. You write:

* ``shard_rows``: which rows of a parameter rank r stores (FSDP2's layout);
* ``apply_fsdp``: make every child module with parameters its own FSDP unit,
  then the root;
* ``local_numel``: how many parameter elements this rank really stores;
* ``gather_full_params``: the full (unsharded) parameters, for checkpoints and
  comparisons;
* ``train_fsdp``: data-parallel SGD on the sharded model.

Everything except ``shard_rows`` runs inside an initialised gloo process group
(the spec starts 2 or 3 processes on this CPU). FSDP2 runs on CPU with gloo
exactly as on GPUs with NCCL.

Why it matters
--------------
ZeRO shards the optimizer state; FSDP (ZeRO stage 3) shards the parameters and
gradients too, so a model far larger than one device's memory trains on many.
Each FSDP *unit* (here: each Linear) keeps its parameters as 1/W shards; just
before the unit's forward, an all_gather rebuilds the full weights, which are
freed again right after ("reshard after forward"); backward all-gathers them
again, and a reduce_scatter leaves each rank with the averaged gradient of its
own shard only. Peak memory is one shard of everything plus the full weights
of one unit at a time, which is why the model is wrapped unit by unit: wrapping
only the root would all-gather the whole model at once.

The maths
---------
FSDP2 represents each sharded parameter as a ``DTensor`` with placement
``Shard(0)``: the rows (dim 0) are split as ``torch.chunk`` splits them. With
c = ceil(d0 / W), rank r holds rows [min(r c, d0), min((r + 1) c, d0)): every
rank but the last few holds c rows, the remainder goes to the next, and ranks
past the end hold 0 rows. (Internally the shard is padded to c rows so the
collectives see equal sizes; the padding is not part of the local tensor.)
E.g. a (7, 5) weight on 3 ranks: c = 3, rows 0-2, 3-5 and 6.

Gradients: each rank computes a mean loss on its own B/W rows; FSDP's
reduce_scatter *averages* over ranks, giving the full-batch gradient of every
shard, as plain data parallelism would.

API (torch 2.13)
----------------
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard, FSDPModule
    mesh = init_device_mesh("cpu", (world_size,))
    fully_shard(module, mesh=mesh)    # in place; module becomes an FSDPModule
    p.to_local()                      # a DTensor parameter's local shard (a plain tensor)
    p.full_tensor()                   # all-gathers the full tensor (a collective: call on every rank)

Your functions:
    shard_rows(dim0, rank, world_size) -> (start, length)              (pure)
    apply_fsdp(model: nn.Sequential, mesh) -> model      every child with parameters, then the root
    local_numel(model) -> int                            elements stored on this rank
    gather_full_params(model) -> {name: full tensor}     a collective
    train_fsdp(model, x, y, lr, n_steps) -> {"losses": [float, ...], "params": {name: tensor}}
        x, y: the full batch on every rank; each rank trains on its contiguous B/W rows; losses are
        the full-batch losses (the mean over ranks of each rank's mean loss) before each step

Worked example
--------------
    >>> [shard_rows(7, r, 3) for r in range(3)]
    [(0, 3), (3, 3), (6, 1)]
    >>> [shard_rows(3, r, 4) for r in range(4)]
    [(0, 1), (1, 1), (2, 1), (3, 0)]
    # Linear(5, 7) -> Tanh -> Linear(7, 3) (66 parameters) on 2 ranks: rank 0 stores
    # 4*5 + 4 + 2*7 + 2 = 40 elements, rank 1 stores 3*5 + 3 + 1*7 + 1 = 26.

Reference
---------
Zhao et al., "PyTorch FSDP: Experiences on Scaling Fully Sharded Data Parallel"
(VLDB 2023); PyTorch docs, "Getting Started with Fully Sharded Data Parallel
(FSDP2)" and ``torch.distributed.fsdp.fully_shard``; Rajbhandari et al.,
"ZeRO" (2020), stage 3.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard


def shard_rows(dim0: int, rank: int, world_size: int) -> tuple[int, int]:
    """The (start row, number of rows) of a dim-0 shard, as torch.chunk splits dim0 rows into world_size parts."""
    raise NotImplementedError("shard_rows: not written yet (torch.chunk semantics)")


def apply_fsdp(model: nn.Sequential, mesh) -> nn.Sequential:
    """fully_shard every child that has parameters (one FSDP unit each), then the root; returns the model."""
    raise NotImplementedError("apply_fsdp: fully_shard each child with parameters, then the root")


def local_numel(model: nn.Module) -> int:
    """Parameter elements stored on this rank (DTensor.numel() is the *global* size: use to_local())."""
    raise NotImplementedError("local_numel: not written yet")


def gather_full_params(model: nn.Module) -> dict[str, torch.Tensor]:
    """{name: the full parameter}, all-gathered from the shards (every rank must call it)."""
    raise NotImplementedError("gather_full_params: not written yet")


def train_fsdp(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, lr: float, n_steps: int) -> dict:
    """Shard model over all ranks, then n_steps of SGD with MSE on this rank's rows of (x, y).

    Returns:
        {"losses": the full-batch loss before each step (n_steps floats, the same on every rank),
         "params": gather_full_params(model) after training}
    """
    raise NotImplementedError("train_fsdp: not written yet")
