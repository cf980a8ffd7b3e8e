"""Pruning: unstructured magnitude pruning (masks), and structured pruning that removes MLP channels."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn

from .models import linear_names


def magnitude_masks(weights: dict[str, torch.Tensor], sparsity: float, scope: str = "global") -> dict[str, torch.Tensor]:
    """Masks (1 = keep, 0 = pruned, same shapes, float) that zero the ``round(sparsity * n)`` weights of
    smallest |w|: over all tensors together (``scope="global"``) or in each tensor (``"layer"``)."""
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    if scope == "layer":
        return {k: magnitude_masks({k: w}, sparsity)[k] for k, w in weights.items()}
    if scope != "global":
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    scores = torch.cat([w.detach().abs().flatten() for w in weights.values()])   # (N,) magnitudes, not signed values
    k = round(sparsity * scores.numel())
    flat = torch.ones_like(scores)
    if k > 0:
        flat[torch.topk(scores, k, largest=False).indices] = 0.0               # the k smallest magnitudes
    masks, start = {}, 0
    for name, w in weights.items():
        masks[name] = flat[start:start + w.numel()].view_as(w)
        start += w.numel()
    return masks


@torch.no_grad()
def prune_unstructured(model: nn.Module, sparsity: float, scope: str = "global",
                       skip: Sequence[str] = ()) -> dict[str, torch.Tensor]:
    """Zero, in place, the smallest-magnitude weights of every ``nn.Linear`` (names containing an entry of
    ``skip`` left alone); biases are kept. Returns the masks by linear name."""
    modules = dict(model.named_modules())
    names = linear_names(model, skip)
    masks = magnitude_masks({n: modules[n].weight for n in names}, sparsity, scope)
    for n in names:
        modules[n].weight.mul_(masks[n])
    return masks


def sparsity(model: nn.Module, skip: Sequence[str] = ()) -> float:
    """The fraction of zero weights over the ``nn.Linear`` weights of ``model``."""
    modules = dict(model.named_modules())
    ws = [modules[n].weight for n in linear_names(model, skip)]
    return sum(int((w == 0).sum()) for w in ws) / max(1, sum(w.numel() for w in ws))


@torch.no_grad()
def channel_scores(ins: Sequence[nn.Linear], out: nn.Linear) -> torch.Tensor:
    """Importance of each hidden channel j of an MLP (ins produce it, out consumes it):
    score_j = prod over ins of ||W_in[j, :]||_2, times ||W_out[:, j]||_2. (hidden,)"""
    score = out.weight.norm(dim=0)                       # (hidden,) column j: how much channel j is read
    for lin in ins:
        score = score * lin.weight.norm(dim=1)           # (hidden,) row j: how strongly channel j is written
    return score


@torch.no_grad()
def prune_channels(ins: Sequence[nn.Linear], out: nn.Linear, keep: int) -> tuple[list[nn.Linear], nn.Linear]:
    """Keep the ``keep`` highest-scoring hidden channels (in their original order): new, smaller layers
    whose in-layers have ``keep`` outputs (rows and biases sliced) and whose out-layer has ``keep`` inputs."""
    hidden = out.in_features
    if not 1 <= keep <= hidden:
        raise ValueError(f"keep must be in [1, {hidden}], got {keep}")
    idx = torch.topk(channel_scores(ins, out), keep).indices.sort().values      # (keep,)
    new_ins = []
    for lin in ins:
        new = nn.Linear(lin.in_features, keep, bias=lin.bias is not None)
        new.weight.copy_(lin.weight[idx])                                        # (keep, in)
        if lin.bias is not None:
            new.bias.copy_(lin.bias[idx])
        new_ins.append(new)
    new_out = nn.Linear(keep, out.out_features, bias=out.bias is not None)
    new_out.weight.copy_(out.weight[:, idx])                                     # (out, keep)
    if out.bias is not None:
        new_out.bias.copy_(out.bias)
    return new_ins, new_out


def prune_mlps(model: nn.Module, keep_ratio: float) -> nn.Module:
    """Structured pruning, in place: keep ``round(keep_ratio * hidden)`` channels of every MLP.
    BERT (``model.encoder.layer[i]``): ins = [intermediate.dense], out = output.dense.
    Llama (``model.model.layers[i].mlp``): ins = [gate_proj, up_proj], out = down_proj. Returns ``model``."""
    if hasattr(model, "encoder") and hasattr(model.encoder, "layer"):
        for layer in model.encoder.layer:
            keep = max(1, round(keep_ratio * layer.output.dense.in_features))
            (up,), down = prune_channels([layer.intermediate.dense], layer.output.dense, keep)
            layer.intermediate.dense, layer.output.dense = up, down
    elif hasattr(model, "model") and hasattr(model.model, "layers"):
        for layer in model.model.layers:
            mlp = layer.mlp
            keep = max(1, round(keep_ratio * mlp.down_proj.in_features))
            (gate, up), down = prune_channels([mlp.gate_proj, mlp.up_proj], mlp.down_proj, keep)
            mlp.gate_proj, mlp.up_proj, mlp.down_proj = gate, up, down
    else:
        raise TypeError(f"don't know where the MLPs of a {type(model).__name__} are")
    return model
