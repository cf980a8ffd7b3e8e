"""ONNX export: a transformer block and the tiny Llama to ONNX, checked and run with onnxruntime.

Goal
----
Take PyTorch models out of Python:

* ``export_onnx``: export a model with ``torch.onnx.export`` with named
  inputs/outputs and DYNAMIC axes (batch and sequence length), then validate
  the file with ``onnx.checker``;
* ``dynamic_dims``: read an ONNX graph's input shapes back (a named dynamic
  axis is a string, a fixed one an int);
* ``run_onnx``: run the file with an ``onnxruntime.InferenceSession`` on the
  CPU;
* ``LogitsOnly`` and ``export_causal_lm``: export the course's tiny Llama
  (``data.load("tiny-llama-1m")``) as a cache-free forward
  ``(input_ids, attention_mask) -> logits``.

The ONNX logits must equal PyTorch's within 1e-4 for batch sizes and
sequence lengths other than the example used for the export.

Why it matters
--------------
ONNX is a framework-neutral graph format: one file runs under onnxruntime,
TensorRT, OpenVINO, in a browser or on a phone, without Python or PyTorch.
The exporter runs the model once on example inputs and records the graph;
every dimension it saw is baked in as a constant unless it is declared
dynamic, so a model exported with a (2, 5) example and no dynamic axes
refuses a batch of 3. Comparing the exported model's outputs with PyTorch's
on fresh shapes is the standard check that the export is faithful.

This exercise uses the TorchScript-based exporter (``dynamo=False``): on
torch 2.13 it still works offline and exports these models in about a
second. The newer ``dynamo=True`` exporter (``torch.export``-based, with
``dynamic_shapes={"x": {0: torch.export.Dim("batch"), ...}}``) also works
here but takes tens of seconds to start; it is the default in new torch
releases and the legacy one is deprecated.

The maths
---------
Nothing new: the exported graph computes the same function. Float32 kernels
differ in summation order, so compare with a tolerance (1e-4 absolute is
ample for these sizes; typical differences are around 1e-6).

API
---
    TinyBlock(d_model=16, n_heads=2)                   (given) pre-norm causal block, (B, T, d) -> (B, T, d)
    export_onnx(model, example_inputs, path, input_names, output_names, dynamic_axes) -> path
        dynamic_axes: {name: {axis: "label"}} as in torch.onnx.export
    dynamic_dims(path) -> {input name: [int or str per axis]}
    run_onnx(path, feeds: {name: np.ndarray}) -> list[np.ndarray]   (outputs in the graph's order)
    LogitsOnly(model): nn.Module, forward(input_ids, attention_mask) -> logits (B, T, vocab), no KV cache
    export_causal_lm(model, path, example_len=8) -> path
        inputs "input_ids", "attention_mask" (int64, (batch, seq)); output "logits" (batch, seq, vocab)

Worked example
--------------
    >>> block = TinyBlock().eval()
    >>> export_onnx(block, (torch.randn(2, 5, 16),), "block.onnx", ["x"], ["y"],
    ...             {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})
    'block.onnx'
    >>> dynamic_dims("block.onnx")
    {'x': ['batch', 'seq', 16]}
    >>> x = np.random.randn(3, 7, 16).astype(np.float32)   # a shape the export never saw
    >>> np.abs(run_onnx("block.onnx", {"x": x})[0] - block(torch.from_numpy(x)).detach().numpy()).max() < 1e-4
    True

Reference
---------
PyTorch docs, "torch.onnx" (``torch.onnx.export``, ``dynamic_axes``,
``dynamo``); ONNX docs, "onnx.checker"; onnxruntime docs, "Python API"
(``InferenceSession``, ``run``).
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyBlock(nn.Module):
    """A pre-norm causal transformer block (given): (B, T, d_model) -> (B, T, d_model)."""

    def __init__(self, d_model: int = 16, n_heads: int = 2):
        super().__init__()
        self.n_heads = n_heads
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv, self.proj = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, d_model)
        self.fc1, self.fc2 = nn.Linear(d_model, 4 * d_model), nn.Linear(4 * d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_heads, -1).transpose(1, 2) for t in self.qkv(self.ln1(x)).split(C, dim=-1))
        att = q @ k.transpose(-2, -1) / (C // self.n_heads) ** 0.5                  # (B, H, T, T)
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()         # built from T: stays dynamic
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(B, T, C))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


def export_onnx(model: nn.Module, example_inputs: tuple, path: str, input_names: list[str],
                output_names: list[str], dynamic_axes: dict[str, dict[int, str]]) -> str:
    """Export ``model`` (in eval mode) to ``path`` with the given names and dynamic axes; check it; return path."""
    raise NotImplementedError("export_onnx: not written yet (torch.onnx.export(..., dynamo=False), then onnx.checker)")


def dynamic_dims(path: str) -> dict[str, list[int | str]]:
    """Each graph input's shape: an int for a fixed axis, the axis label (dim_param) for a dynamic one."""
    raise NotImplementedError("dynamic_dims: not written yet")


def run_onnx(path: str, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Run the ONNX file with onnxruntime on the CPU; outputs in the graph's output order."""
    raise NotImplementedError("run_onnx: not written yet")


class LogitsOnly(nn.Module):
    """Wrap a Hugging Face causal LM as a plain tensor function (input_ids, attention_mask) -> logits, no cache."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) int64 ids and mask -> (B, T, vocab) logits."""
        raise NotImplementedError("LogitsOnly.forward: not written yet")


def export_causal_lm(model: nn.Module, path: str, example_len: int = 8) -> str:
    """Export LogitsOnly(model) with dynamic batch and sequence axes on both inputs and the logits."""
    raise NotImplementedError("export_causal_lm: not written yet")
