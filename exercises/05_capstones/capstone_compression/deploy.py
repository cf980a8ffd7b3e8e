"""Deployment: export the chosen classifier to ONNX, check it under onnxruntime, serve it with FastAPI."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn as nn
from fastapi import FastAPI
from pydantic import BaseModel, Field, StrictStr

from .models import tokenize


def export_onnx(model: nn.Module, example: dict[str, torch.Tensor], path: str | Path) -> Path:
    """Export ``model(input_ids, attention_mask) -> logits`` to ONNX at ``path`` with the batch and
    sequence dimensions dynamic (TorchScript exporter, opset 17). Returns the path.

    Trace with a PADDED example (some attention_mask zeros): the tracer freezes Python-level branches,
    and an all-ones mask lets the encoder skip masking altogether."""
    raise NotImplementedError("torch.onnx.export with dynamic axes")


def onnx_logits(path: str | Path, inputs: dict[str, torch.Tensor]) -> np.ndarray:
    """Run the exported model under onnxruntime (CPU): logits (B, n_classes) float32."""
    raise NotImplementedError("an onnxruntime InferenceSession")


MAX_CHARS = 2000


class ClassifyRequest(BaseModel):
    """The request body: one non-empty string of at most MAX_CHARS characters (a number is not a string)."""

    text: str  # TODO: validation (a non-empty string of at most MAX_CHARS characters; 42 is not a string)


class ClassifyResponse(BaseModel):
    label: str
    probabilities: dict[str, float]


def create_app(model: nn.Module, tokenizer, labels: Sequence[str] = ("neg", "pos")) -> FastAPI:
    """A FastAPI app with POST /classify: body {"text": str} -> 200 with {"label": str, "probabilities":
    {label: p}} (the arg-max label, softmax probabilities); a missing, empty, too long or non-string text
    is rejected with a 422 before the model runs."""
    raise NotImplementedError("FastAPI with POST /classify")
