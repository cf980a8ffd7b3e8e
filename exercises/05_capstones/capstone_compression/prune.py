"""Pruning: unstructured magnitude pruning (masks), and structured pruning that removes MLP channels."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn

from .models import linear_names


def magnitude_masks(weights: dict[str, torch.Tensor], sparsity: float, scope: str = "global") -> dict[str, torch.Tensor]:
    """Masks (1 = keep, 0 = pruned, same shapes, float) that zero the ``round(sparsity * n)`` weights of
    smallest |w|: over all tensors together (``scope="global"``) or in each tensor (``"layer"``)."""
    raise NotImplementedError("zero the smallest |w|, globally or per tensor")


@torch.no_grad()
def prune_unstructured(model: nn.Module, sparsity: float, scope: str = "global",
                       skip: Sequence[str] = ()) -> dict[str, torch.Tensor]:
    """Zero, in place, the smallest-magnitude weights of every ``nn.Linear`` (names containing an entry of
    ``skip`` left alone); biases are kept. Returns the masks by linear name."""
    raise NotImplementedError("masks for every Linear weight, applied in place")


def sparsity(model: nn.Module, skip: Sequence[str] = ()) -> float:
    """The fraction of zero weights over the ``nn.Linear`` weights of ``model``."""
    raise NotImplementedError("fraction of zero Linear weights")


@torch.no_grad()
def channel_scores(ins: Sequence[nn.Linear], out: nn.Linear) -> torch.Tensor:
    """Importance of each hidden channel j of an MLP (ins produce it, out consumes it):
    score_j = prod over ins of ||W_in[j, :]||_2, times ||W_out[:, j]||_2. (hidden,)"""
    raise NotImplementedError("row norms of the in-layers times column norms of the out-layer")


@torch.no_grad()
def prune_channels(ins: Sequence[nn.Linear], out: nn.Linear, keep: int) -> tuple[list[nn.Linear], nn.Linear]:
    """Keep the ``keep`` highest-scoring hidden channels (in their original order): new, smaller layers
    whose in-layers have ``keep`` outputs (rows and biases sliced) and whose out-layer has ``keep`` inputs."""
    raise NotImplementedError("new, smaller Linear layers keeping the top channels")


def prune_mlps(model: nn.Module, keep_ratio: float) -> nn.Module:
    """Structured pruning, in place: keep ``round(keep_ratio * hidden)`` channels of every MLP.
    BERT (``model.encoder.layer[i]``): ins = [intermediate.dense], out = output.dense.
    Llama (``model.model.layers[i].mlp``): ins = [gate_proj, up_proj], out = down_proj. Returns ``model``."""
    raise NotImplementedError("prune_channels on every MLP of a BERT or Llama")
