"""Mutant: no packing: the classifier reads the LSTM output at the last PADDED time step."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

PAD, UNK = 0, 1


def tokenize(text: str) -> list[str]:
    """Lower-case and split on whitespace (the texts come pre-tokenized)."""
    return text.lower().split()


def build_vocab(texts: list[str], min_freq: int = 1) -> dict[str, int]:
    """<pad> = 0, <unk> = 1, then words with count >= min_freq, most frequent first, ties alphabetical."""
    counts = Counter(w for t in texts for w in tokenize(t))
    words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
    vocab = {"<pad>": PAD, "<unk>": UNK}
    for w in words:
        vocab[w] = len(vocab)
    return vocab


def encode(text: str, vocab: dict[str, int]) -> list[int]:
    """Token ids of `text`; words outside the vocabulary become <unk> (1), never <pad> (0)."""
    return [vocab.get(w, UNK) for w in tokenize(text)]


def collate(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad with 0 to the longest sequence: ids (B, T) int64 and lengths (B,) int64."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)  # (B,)
    ids = torch.full((len(seqs), int(lengths.max())), PAD, dtype=torch.long)  # (B, T)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, lengths


def pretrained_embeddings(vocab: dict[str, int], vectors, std: float = 0.1, seed: int = 0) -> torch.Tensor:
    """(V, d) matrix: pretrained vector where the word has one, zeros for <pad>, small random rows otherwise."""
    g = torch.Generator().manual_seed(seed)
    d = vectors.vectors.shape[1]
    weight = torch.randn(len(vocab), d, generator=g) * std  # (V, d)
    for word, i in vocab.items():
        if word in vectors.index:
            weight[i] = torch.from_numpy(np.asarray(vectors.vector(word), dtype=np.float32))
    weight[PAD] = 0.0  # padding contributes nothing and gets no gradient
    return weight


class LSTMClassifier(nn.Module):
    """Embedding -> packed LSTM -> dropout -> linear head on the final hidden state."""

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden_dim: int = 64, num_classes: int = 2,
                 dropout: float = 0.2, pretrained: torch.Tensor | None = None):
        super().__init__()
        if pretrained is not None:
            vocab_size, embed_dim = pretrained.shape
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        if pretrained is not None:
            with torch.no_grad():
                self.embedding.weight.copy_(pretrained)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim, num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids)  # (B, T, E)
        # packing stops each sequence at its own length, so no pad is ever read
        out, _ = self.lstm(x)  # (B, T, H)
        return self.head(self.dropout(out[:, -1]))  # (B, C)


def train(model: nn.Module, seqs: list[list[int]], labels, *, epochs: int = 10, batch_size: int = 32,
          lr: float = 3e-3, seed: int = 0) -> list[float]:
    """Adam + cross-entropy over shuffled mini-batches; returns the mean loss of each epoch."""
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)  # (N,)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    model.train()
    for _ in range(epochs):
        total, order = 0.0, torch.randperm(len(seqs), generator=g)
        for start in range(0, len(seqs), batch_size):
            idx = order[start : start + batch_size]
            ids, lengths = collate([seqs[i] for i in idx])
            loss = F.cross_entropy(model(ids, lengths), y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # LSTMs occasionally spike
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / len(seqs))
    return history


def predict(model: nn.Module, seqs: list[list[int]], batch_size: int = 256) -> np.ndarray:
    """Class ids (N,) int64: eval mode (dropout off) and no autograd graph."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(seqs), batch_size):
            ids, lengths = collate(seqs[start : start + batch_size])
            out.append(model(ids, lengths).argmax(dim=-1))
    return torch.cat(out).numpy().astype(np.int64)
