"""Mutant: shard_rows uses floor(d0 / W) rows per rank and gives the remainder to the last rank."""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard


def shard_rows(dim0: int, rank: int, world_size: int) -> tuple[int, int]:
    """The (start row, number of rows) of a dim-0 shard, as torch.chunk splits dim0 rows into world_size parts."""
    chunk = dim0 // world_size
    start = rank * chunk
    return start, (dim0 - start if rank == world_size - 1 else chunk)


def apply_fsdp(model: nn.Sequential, mesh) -> nn.Sequential:
    """fully_shard every child that has parameters (one FSDP unit each), then the root; returns the model."""
    for child in model.children():
        if any(True for _ in child.parameters()):
            fully_shard(child, mesh=mesh)  # this child's weights are gathered / freed on their own
    fully_shard(model, mesh=mesh)  # the root: drives the units and holds any leftover parameters
    return model


def local_numel(model: nn.Module) -> int:
    """Parameter elements stored on this rank (DTensor.numel() is the *global* size: use to_local())."""
    return sum(p.to_local().numel() for p in model.parameters())


def gather_full_params(model: nn.Module) -> dict[str, torch.Tensor]:
    """{name: the full parameter}, all-gathered from the shards (every rank must call it)."""
    return {name: p.full_tensor().detach().clone() for name, p in model.named_parameters()}


def train_fsdp(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, lr: float, n_steps: int) -> dict:
    """Shard model over all ranks, then n_steps of SGD with MSE on this rank's rows of (x, y).

    Returns:
        {"losses": the full-batch loss before each step (n_steps floats, the same on every rank),
         "params": gather_full_params(model) after training}
    """
    rank, world = dist.get_rank(), dist.get_world_size()
    mesh = init_device_mesh("cpu", (world,))
    apply_fsdp(model, mesh)
    # After fully_shard: the parameters are new DTensor objects, so the
    # optimizer must be built now (one built before holds the old tensors).
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    b = x.shape[0] // world
    x_local, y_local = x[rank * b:(rank + 1) * b], y[rank * b:(rank + 1) * b]  # (B/W, ...)
    losses = []
    for _ in range(n_steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x_local), y_local)
        loss.backward()  # FSDP reduce-scatters (averages) each unit's gradients into the shards
        opt.step()
        total = loss.detach().clone()
        dist.all_reduce(total)  # the full-batch loss is the mean of the ranks' means
        losses.append(total.item() / world)
    return {"losses": losses, "params": gather_full_params(model)}
