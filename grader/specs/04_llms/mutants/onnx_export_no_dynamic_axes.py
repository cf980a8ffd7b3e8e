"""Mutant: export_onnx drops dynamic_axes, so the example's shape is baked into the graph."""


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
    model.eval()                                    # no dropout / batch-norm updates in the recorded graph
    torch.onnx.export(model, example_inputs, path, input_names=input_names, output_names=output_names,
                      opset_version=17, dynamo=False)
    onnx.checker.check_model(onnx.load(path))       # raises onnx.checker.ValidationError on a malformed graph
    return path


def dynamic_dims(path: str) -> dict[str, list[int | str]]:
    """Each graph input's shape: an int for a fixed axis, the axis label (dim_param) for a dynamic one."""
    graph = onnx.load(path).graph
    return {inp.name: [d.dim_param if d.dim_param else d.dim_value for d in inp.type.tensor_type.shape.dim]
            for inp in graph.input}


def run_onnx(path: str, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Run the ONNX file with onnxruntime on the CPU; outputs in the graph's output order."""
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)                 # None: every output, in order


class LogitsOnly(nn.Module):
    """Wrap a Hugging Face causal LM as a plain tensor function (input_ids, attention_mask) -> logits, no cache."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        # use_cache=False: a cache object is not a tensor and has no ONNX output
        return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits


def export_causal_lm(model: nn.Module, path: str, example_len: int = 8) -> str:
    """Export LogitsOnly(model) with dynamic batch and sequence axes on both inputs and the logits."""
    ids = torch.randint(0, model.config.vocab_size, (2, example_len))            # (B, T) example
    axes = {0: "batch", 1: "seq"}
    return export_onnx(LogitsOnly(model), (ids, torch.ones_like(ids)), path, ["input_ids", "attention_mask"],
                       ["logits"], {"input_ids": axes, "attention_mask": axes, "logits": axes})
