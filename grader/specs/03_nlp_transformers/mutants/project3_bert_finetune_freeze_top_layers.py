"""Mutant: freezing keeps the BOTTOM n_trainable layers trainable instead of the top ones."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def tokenize_batch(tokenizer, texts: list[str], max_length: int = 64) -> dict[str, torch.Tensor]:
    """The model's tokenizer on a batch: special tokens added, padded to the longest text, truncated at max_length."""
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors where attention_mask is 1: (B, T, H), (B, T) -> (B, H)."""
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp_min(1e-9)  # padding contributes neither sum nor count


class Classifier(nn.Module):
    """A pretrained encoder, mean pooling, dropout and a linear head."""

    def __init__(self, encoder: nn.Module, n_classes: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)
        return self.head(self.dropout(mean_pool(hidden, attention_mask)))  # (B, n_classes)


def freeze_lower_layers(classifier: Classifier, n_trainable: int) -> int:
    """Freeze the embeddings and all but the top ``n_trainable`` encoder layers; return the trainable parameter count."""
    enc = classifier.encoder
    layers = enc.encoder.layer  # BertModel: embeddings, encoder.layer[0..L-1], pooler
    for p in enc.embeddings.parameters():
        p.requires_grad = False
    for i, layer in enumerate(layers):
        for p in layer.parameters():
            p.requires_grad = i < n_trainable
    return sum(p.numel() for p in classifier.parameters() if p.requires_grad)


def train_classifier(tokenizer, encoder: nn.Module, texts: list[str], labels: np.ndarray, epochs: int = 4,
                     batch_size: int = 16, lr: float = 1e-4, n_trainable: int = 2, seed: int = 0) -> Classifier:
    """Fine-tune ``encoder`` (modified in place) with a fresh head on (texts, labels); returns the Classifier in eval mode."""
    torch.manual_seed(seed)  # the head's initialisation and dropout
    g = torch.Generator().manual_seed(seed)
    clf = Classifier(encoder, n_classes=int(np.max(labels)) + 1)
    freeze_lower_layers(clf, n_trainable)
    head_params = list(clf.head.parameters())
    body_params = [p for p in clf.encoder.parameters() if p.requires_grad]
    # the fresh head needs a larger step than the pretrained layers
    opt = torch.optim.AdamW([{"params": body_params, "lr": lr}, {"params": head_params, "lr": 10 * lr}],
                            weight_decay=0.01)
    batch_all = tokenize_batch(tokenizer, texts)  # tokenise once; padding is trimmed per batch below
    y_all = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    clf.train()  # dropout on while training
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=g)
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            mask = batch_all["attention_mask"][idx]
            width = int(mask.sum(1).max())  # the longest text in this batch
            logits = clf(batch_all["input_ids"][idx, :width], mask[:, :width])
            loss = F.cross_entropy(logits, y_all[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return clf.eval()


@torch.no_grad()
def predict_proba(classifier: Classifier, tokenizer, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Class probabilities (N, n_classes), computed in eval mode (dropout off) without building a graph."""
    classifier.eval()
    out = []
    for start in range(0, len(texts), batch_size):
        batch = tokenize_batch(tokenizer, texts[start:start + batch_size])
        out.append(torch.softmax(classifier(batch["input_ids"], batch["attention_mask"]), dim=-1))
    return torch.cat(out).numpy()


def predict(classifier: Classifier, tokenizer, texts: list[str]) -> np.ndarray:
    """The most probable class of each text: (N,) int."""
    return predict_proba(classifier, tokenizer, texts).argmax(axis=1)
