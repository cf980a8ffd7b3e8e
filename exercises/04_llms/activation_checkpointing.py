"""Activation checkpointing: trade a second forward pass for activation memory.

Goal
----
Wrap a stack of residual blocks so that, during training, each *segment* of
k consecutive blocks runs under ``torch.utils.checkpoint.checkpoint`` with
``use_reentrant=False``, and measure how much memory that saves. You write:

* ``CheckpointedStack.forward``: run the blocks, checkpointing one segment of
  ``segment_size`` blocks at a time (``segment_size=0`` turns checkpointing
  off; the last segment may be shorter);
* ``saved_activation_bytes``: the bytes autograd keeps for backward after one
  forward pass, counted with ``torch.autograd.graph.saved_tensors_hooks``;
* ``memory_saving``: the bytes saved with and without checkpointing, and the
  fraction saved.

Why it matters
--------------
Training memory is parameters + gradients + optimizer state + *activations*,
and for a transformer the activations grow with batch x sequence x depth: a
long-context model runs out of memory on activations long before parameters.
Backward needs the intermediate results of forward (a Linear needs its input
to form dW = x^T dy, a GELU its input, a LayerNorm its normalised values...),
so autograd *saves* them. Checkpointing keeps only each segment's input and
throws the rest away; in backward it re-runs the segment's forward to get them
back. Cost: about one extra forward pass (~33% more compute). Saving: the
activations of all blocks become the inputs of the segments, plus one
segment's worth, recomputed briefly during backward. Every large-model trainer
(Megatron, DeepSpeed, FSDP's ``checkpoint_wrapper``, HF's
``gradient_checkpointing_enable``) does this.

The maths
---------
For n blocks whose forward saves A bytes each, with input h of H bytes:

    no checkpointing:       saved ~ n * A
    segments of k blocks:   saved ~ ceil(n / k) * H          (after forward)
                            peak  ~ ceil(n / k) * H + k * A  (during backward)

k = sqrt(n) minimises the peak (Chen et al.), giving O(sqrt(n)) memory for
O(n) extra compute. Gradients are *exactly* those of the plain stack: the
recomputation runs the same operations on the same inputs. (Dropout would need
the same random numbers; ``checkpoint`` saves and restores the RNG state for
that, by default.)

Two flavours of ``checkpoint`` exist. The old "reentrant" one (
``use_reentrant=True``) runs backward inside a custom autograd Function and
only produces gradients if one of the segment's *tensor inputs* requires
grad: checkpoint the first segment, whose input is the data, and its
parameters silently get no gradient. The non-reentrant one
(``use_reentrant=False``, recommended by PyTorch) has no such trap.

Counting saved bytes: ``saved_tensors_hooks(pack, unpack)`` calls ``pack(t)``
for every tensor autograd saves for backward while the context is active. Count
each distinct storage once (``t.untyped_storage()``: its ``data_ptr()`` and
``nbytes()``), because the same tensor is often saved by two operations, and do
not count the parameters (they are in memory anyway, whatever autograd does; a
saved ``weight.t()`` is a view of the parameter's storage). With
non-reentrant checkpointing, the hook sees the segment inputs that checkpoint
keeps, but not the recomputed tensors.

API
---
    Block(dim, hidden)                           a pre-LayerNorm residual MLP block (given)
    CheckpointedStack(blocks, segment_size=1)    an nn.Module
        .forward(x) -> (..., dim)                checkpointed when training and grad is enabled
    saved_activation_bytes(model, x) -> int      bytes saved for backward by model(x)
    memory_saving(model_plain, model_ckpt, x) -> dict with
        "baseline": int, "checkpointed": int, "saved_fraction": float in [0, 1)

Worked example
--------------
    >>> lin = nn.Linear(16, 4); x = torch.randn(8, 16)
    >>> saved_activation_bytes(lin, x)      # Linear saves its input: 8*16*4 bytes
    512
    >>> blocks = [Block(16, 64) for _ in range(4)]
    >>> memory_saving(CheckpointedStack(blocks, 0), CheckpointedStack(blocks, 1), x)
    {'baseline': 20736, 'checkpointed': 2048, 'saved_fraction': 0.901...}

Each plain block saves 5184 bytes (LayerNorm's input 512, its mean and rstd
32 + 32, fc1's input 512, GELU's input 2048, fc2's input 2048): 4 * 5184 =
20736. Checkpointed with k = 1, only the 4 block inputs remain: 4 * 512.

Reference
---------
Chen, Xu, Zhang & Guestrin, "Training Deep Nets with Sublinear Memory Cost"
(2016); Korthikanti et al., "Reducing Activation Recomputation in Large
Transformer Models" (2022); PyTorch docs, ``torch.utils.checkpoint`` and
"Hooks for saved tensors" (autograd mechanics).
"""

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
        raise NotImplementedError("CheckpointedStack.forward: checkpoint each segment of segment_size blocks")


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
    raise NotImplementedError("saved_activation_bytes: count distinct saved storages with saved_tensors_hooks")


def memory_saving(model_plain: nn.Module, model_ckpt: nn.Module, x: torch.Tensor) -> dict:
    """Saved-for-backward bytes without and with checkpointing, and the fraction saved.

    Returns:
        {"baseline": int, "checkpointed": int, "saved_fraction": 1 - checkpointed / baseline}
    """
    raise NotImplementedError("memory_saving: not written yet")
