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
    path = Path(path)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, (example["input_ids"], example["attention_mask"]), str(path),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
    return path


def onnx_logits(path: str | Path, inputs: dict[str, torch.Tensor]) -> np.ndarray:
    """Run the exported model under onnxruntime (CPU): logits (B, n_classes) float32."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {k: v.numpy().astype(np.int64) for k, v in inputs.items()}
    return sess.run(["logits"], feed)[0]


MAX_CHARS = 2000


class ClassifyRequest(BaseModel):
    """The request body: one non-empty string of at most MAX_CHARS characters (a number is not a string)."""

    text: StrictStr = Field(min_length=1, max_length=MAX_CHARS)


class ClassifyResponse(BaseModel):
    label: str
    probabilities: dict[str, float]


def create_app(model: nn.Module, tokenizer, labels: Sequence[str] = ("neg", "pos")) -> FastAPI:
    """A FastAPI app with POST /classify: body {"text": str} -> 200 with {"label": str, "probabilities":
    {label: p}} (the arg-max label, softmax probabilities); a missing, empty, too long or non-string text
    is rejected with a 422 before the model runs."""
    app = FastAPI(title="sentence classifier")
    model.eval()

    @app.post("/classify", response_model=ClassifyResponse)
    def classify(req: ClassifyRequest) -> ClassifyResponse:
        with torch.no_grad():
            probs = model(**tokenize(tokenizer, [req.text])).softmax(-1)[0]   # (n_classes,)
        return ClassifyResponse(label=labels[int(probs.argmax())],
                                probabilities={l: float(p) for l, p in zip(labels, probs)})

    return app
