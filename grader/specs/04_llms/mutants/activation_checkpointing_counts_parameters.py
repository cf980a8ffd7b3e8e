"""Mutant: saved_activation_bytes also counts the parameters (and weight.t() views) that autograd saves."""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Block(nn.Module):
    """A pre-LayerNorm residual MLP block: x + W2 gelu(W1 LN(x)) (given)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln(x))))


class CheckpointedStack(nn.Module):
    """Blocks run in order; in training, each segment of ``segment_size`` blocks is checkpointed."""

    def __init__(self, blocks: list[nn.Module], segment_size: int = 1) -> None:
        super().__init__()
        if segment_size < 0:
            raise ValueError("segment_size must be >= 0 (0 turns checkpointing off)")
        self.blocks = nn.ModuleList(blocks)
        self.segment_size = segment_size

    def _run_segment(self, h: torch.Tensor, start: int, end: int) -> torch.Tensor:
        """Blocks start..end-1 applied to h (given)."""
        for block in self.blocks[start:end]:
            h = block(h)
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., dim) -> (..., dim); the same values whatever segment_size is."""
        k, n = self.segment_size, len(self.blocks)
        if k == 0 or not (self.training and torch.is_grad_enabled()):
            return self._run_segment(x, 0, n)  # nothing to save memory for: run plainly
        h = x
        for start in range(0, n, k):  # the last segment may be shorter than k
            # Only h (the segment's input) is kept; the segment's insides are
            # recomputed in backward. Non-reentrant: gradients reach the
            # parameters even when h does not require grad (the first segment).
            h = checkpoint(self._run_segment, h, start, min(start + k, n), use_reentrant=False)
        return h


def saved_activation_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes that autograd saves for backward during ``model(x)`` (model in training mode).

    Args:
        model: any nn.Module; its parameters require grad.
        x: the input (it need not require grad).

    Returns:
        The total ``nbytes`` of the distinct storages of the tensors packed by
        ``saved_tensors_hooks`` during the forward pass, leaving out the
        storages of the model's parameters.
    """
    param_storages = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}  # storage data_ptr -> nbytes, so each storage counts once

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t  # keep the tensor itself: we only count, we do not change what is saved

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    del out  # the graph (and what it saved) goes; we only wanted the count
    return sum(seen.values())


def memory_saving(model_plain: nn.Module, model_ckpt: nn.Module, x: torch.Tensor) -> dict:
    """Saved-for-backward bytes without and with checkpointing, and the fraction saved.

    Returns:
        {"baseline": int, "checkpointed": int, "saved_fraction": 1 - checkpointed / baseline}
    """
    baseline = saved_activation_bytes(model_plain, x)
    checkpointed = saved_activation_bytes(model_ckpt, x)
    return {"baseline": baseline, "checkpointed": checkpointed, "saved_fraction": 1.0 - checkpointed / baseline}
