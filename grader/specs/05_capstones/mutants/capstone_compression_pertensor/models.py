"""The two pretrained models to compress (given): a MiniLM sentence classifier and the tiny Llama."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SentenceClassifier(nn.Module):
    """A sentence encoder (MiniLM's BertModel), mean pooling over real tokens, then a linear head.

    ``forward(input_ids, attention_mask) -> logits (B, n_classes)``: plain tensors in and out, so the
    same module runs in PyTorch, under onnxruntime and behind the API.
    """

    def __init__(self, encoder: nn.Module, head: nn.Linear):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, C)
        m = attention_mask.unsqueeze(-1).to(h.dtype)                                         # (B, T, 1)
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)                                      # (B, C)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(input_ids, attention_mask))                              # (B, n_classes)


def tokenize(tokenizer, texts: Sequence[str], max_length: int = 32) -> dict[str, torch.Tensor]:
    """Padded ``input_ids`` and ``attention_mask`` (B, T), truncated to ``max_length`` tokens."""
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


@torch.no_grad()
def predict_logits(model: nn.Module, tokenizer, texts: Sequence[str], batch_size: int = 32) -> torch.Tensor:
    """Logits (n, n_classes) for ``texts``, in batches sorted by length (less padding, same answers)."""
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = [None] * len(texts)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        logits = model(**tokenize(tokenizer, [texts[i] for i in idx]))
        for i, row in zip(idx, logits):
            out[i] = row
    return torch.stack(out) if out else torch.zeros(0, 2)


def accuracy(model: nn.Module, tokenizer, texts: Sequence[str], labels) -> float:
    """Fraction of ``texts`` whose arg-max class is the label."""
    pred = predict_logits(model, tokenizer, texts).argmax(-1)
    return float((pred == torch.as_tensor(np.asarray(labels))).float().mean())


def build_classifier(encoder: nn.Module, tokenizer, texts: Sequence[str], labels, C: float = 1.0) -> SentenceClassifier:
    """Freeze ``encoder``, embed ``texts`` once, fit a logistic regression on the embeddings (scikit-learn)
    and return the classifier with that regression as a 2-class linear head."""
    from sklearn.linear_model import LogisticRegression

    encoder.eval().requires_grad_(False)
    head = nn.Linear(encoder.config.hidden_size, 2)
    clf = SentenceClassifier(encoder, head).eval()
    with torch.no_grad():
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        emb = torch.zeros(len(texts), encoder.config.hidden_size)
        for s in range(0, len(order), 32):
            idx = order[s:s + 32]
            emb[idx] = clf.embed(**tokenize(tokenizer, [texts[i] for i in idx]))
    lr = LogisticRegression(C=C, max_iter=2000).fit(emb.numpy(), np.asarray(labels))
    w = torch.tensor(lr.coef_[0], dtype=torch.float32)
    b = float(lr.intercept_[0])
    with torch.no_grad():  # softmax([-z/2, z/2]) = [1 - sigmoid(z), sigmoid(z)]: the regression's probabilities
        head.weight.copy_(torch.stack([-w / 2, w / 2]))
        head.bias.copy_(torch.tensor([-b / 2, b / 2]))
    return clf


@torch.no_grad()
def perplexity(model: nn.Module, ids: Sequence[int] | torch.Tensor, block: int = 128, max_blocks: int | None = None) -> float:
    """exp(mean next-token cross-entropy) of a causal LM over consecutive ``block``-token windows."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    n = len(ids) // block if max_blocks is None else min(len(ids) // block, max_blocks)
    if n == 0:
        raise ValueError(f"need at least {block} tokens, got {len(ids)}")
    x = ids[: n * block].view(n, block)                                   # (n, block)
    model.eval()
    logits = model(input_ids=x).logits[:, :-1].float()                    # (n, block - 1, vocab)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1))
    return math.exp(loss.item())


def replace_linears(model: nn.Module, make, skip: Sequence[str] = ()) -> nn.Module:
    """Swap every ``nn.Linear`` in ``model`` (in place) for ``make(name, linear)``, except names containing
    an entry of ``skip``. Returns ``model``."""
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if type(child) is nn.Linear and not any(s in full for s in skip):
                setattr(module, child_name, make(full, child))
    return model


def linear_names(model: nn.Module, skip: Sequence[str] = ()) -> list[str]:
    """Names of the ``nn.Linear`` modules of ``model`` (those ``replace_linears`` would touch)."""
    return [n for n, m in model.named_modules() if type(m) is nn.Linear and not any(s in n for s in skip)]
