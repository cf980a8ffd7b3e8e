"""Mutant: accuracy forgets model.eval()."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

PAD, UNK = 0, 1


def build_vocab(texts: list[str], min_freq: int = 1) -> dict[str, int]:
    """Word -> id: "<pad>" = 0, "<unk>" = 1, then words seen >= min_freq times, in order of first appearance."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in text.split():
            counts[word] = counts.get(word, 0) + 1  # dicts keep insertion order: first appearance
    vocab = {"<pad>": PAD, "<unk>": UNK}
    for word, n in counts.items():
        if n >= min_freq:
            vocab[word] = len(vocab)
    return vocab


def encode(texts: list[str], vocab: dict[str, int], max_len: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded id batch.

    Returns:
        ids: (B, T) int64, right-padded with 0, T = the longest (truncated) length;
        lengths: (B,) int64, each >= 1 (an empty text is encoded as [UNK]).
    """
    seqs = [[vocab.get(w, UNK) for w in text.split()][:max_len] or [UNK] for text in texts]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)  # (B,)
    ids = torch.full((len(seqs), int(lengths.max())), PAD, dtype=torch.long)  # (B, T)
    for b, s in enumerate(seqs):
        ids[b, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, lengths


def last_valid_state(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """outputs[b, lengths[b] - 1] for every b: (B, T, H), (B,) -> (B, H)."""
    index = (lengths.to(outputs.device) - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[2])  # (B, 1, H)
    return outputs.gather(1, index).squeeze(1)  # (B, H)


class RNNClassifier(nn.Module):
    """Embedding -> one-layer LSTM/GRU (packed) -> the last real state -> linear logits."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_dim: int, num_classes: int, cell: str = "lstm"):
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', not {cell!r}")
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(embed_dim, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (B, T), lengths (B,) -> logits (B, num_classes)."""
        x = self.embedding(ids)  # (B, T, E)
        # Packing makes the RNN stop each sequence at its own length (lengths must live on the CPU).
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h_n = self.rnn(packed)
        if isinstance(h_n, tuple):  # the LSTM returns (h_n, c_n)
            h_n = h_n[0]
        return self.head(h_n[-1])  # h_n[-1]: (B, H), the state after each sequence's last real token


def train_classifier(
    model: nn.Module,
    ids: torch.Tensor,
    lengths: torch.Tensor,
    labels: torch.Tensor,
    epochs: int = 10,
    lr: float = 3e-3,
    batch_size: int = 16,
    seed: int = 0,
) -> list[float]:
    """Adam on the mean cross-entropy, reshuffling the minibatches every epoch; returns each epoch's mean loss."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    n = len(labels)
    history = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            logits = model(ids[batch], lengths[batch])  # (b, C)
            loss = nn.functional.cross_entropy(logits, labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / n)
    return history


@torch.no_grad()
def accuracy(model: nn.Module, ids: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of correct argmax predictions, computed in eval mode."""
    predictions = model(ids, lengths).argmax(dim=1)  # (B,)
    return float((predictions == labels).float().mean())
