"""Mutant: the pooling takes position -1, which is padding under right padding."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def encode(tokenizer, texts: list[str], padding_side: str = "right", max_length: int = 64) -> dict[str, torch.Tensor]:
    """Tokenise a batch with the given padding side (the tokenizer's own setting is restored afterwards)."""
    old = tokenizer.padding_side
    tokenizer.padding_side = padding_side
    try:
        enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    finally:
        tokenizer.padding_side = old
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T) 0/1 mask -> (B,) long: the position of the last 1 in each row (right or left padding)."""
    T = attention_mask.shape[1]
    # flip so the last real token comes first; argmax finds the first maximum (the first 1)
    return (T - 1 - attention_mask.flip(-1).long().argmax(dim=-1)).long()


def last_token_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The hidden state of each row's last real token: (B, T, H), (B, T) -> (B, H)."""
    return hidden[:, -1]  # (B, H)


class GPTClassifier(nn.Module):
    """A pretrained causal LM's decoder, last-token pooling and a linear head."""

    def __init__(self, lm: nn.Module, n_classes: int = 2) -> None:
        super().__init__()
        self.lm = lm
        self.head = nn.Linear(lm.config.hidden_size, n_classes)

    def hidden_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The decoder's final (normalised) hidden states, (B, T, H); the LM head is skipped."""
        return self.lm.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pooled = last_token_pool(self.hidden_states(input_ids, attention_mask), attention_mask)  # (B, H)
        return self.head(pooled)  # (B, C)


def train_gpt_classifier(tokenizer, lm: nn.Module, texts: list[str], labels: np.ndarray, epochs: int = 8,
                         batch_size: int = 16, lr: float = 2e-3, seed: int = 0) -> GPTClassifier:
    """Fine-tune the decoder (lr) and a fresh head (10 x lr) with cross-entropy; returns the classifier in eval mode."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    clf = GPTClassifier(lm, n_classes=int(np.max(labels)) + 1)
    opt = torch.optim.AdamW([{"params": clf.lm.parameters(), "lr": lr},
                             {"params": clf.head.parameters(), "lr": 10 * lr}], weight_decay=0.01)
    batch = encode(tokenizer, texts)  # right padding; last_token_pool finds the real ends
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    clf.train()
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=g)
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            mask = batch["attention_mask"][idx]
            width = int(mask.sum(1).max())  # right padding: trim the all-pad columns
            loss = F.cross_entropy(clf(batch["input_ids"][idx, :width], mask[:, :width]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return clf.eval()


@torch.no_grad()
def predict_proba(clf: GPTClassifier, tokenizer, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """(N, C) class probabilities in eval mode."""
    clf.eval()
    out = []
    for start in range(0, len(texts), batch_size):
        b = encode(tokenizer, texts[start:start + batch_size])
        out.append(torch.softmax(clf(b["input_ids"], b["attention_mask"]), dim=-1))
    return torch.cat(out).numpy()


def predict(clf: GPTClassifier, tokenizer, texts: list[str]) -> np.ndarray:
    """(N,) the most probable class of each text."""
    return predict_proba(clf, tokenizer, texts).argmax(axis=1)
