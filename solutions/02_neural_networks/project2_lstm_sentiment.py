"""Project 2: an LSTM sentiment classifier, from raw text to predictions.

Goal
----
Build the whole text-classification pipeline around ``nn.LSTM``:

* ``build_vocab`` / ``encode``: words to integer ids, with two reserved ids,
  ``<pad>`` = 0 (filler for short sequences) and ``<unk>`` = 1 (any word not in
  the vocabulary);
* ``collate``: a batch of id lists of different lengths -> one padded
  (B, T) tensor plus the true lengths;
* ``pretrained_embeddings``: an embedding matrix initialised from pretrained
  word vectors (``grader.data.load("word-vectors", which="polarity")``);
* ``LSTMClassifier``: embedding -> LSTM over a *packed* batch -> a linear
  classifier on the final hidden state of each sequence;
* ``train`` and ``predict``.

Why it matters
--------------
A bag of words throws away order, so it cannot tell "not good" from "good,
not" or see that "never boring" is praise. A recurrent network reads the
words in order and can learn that a negator flips the word after it. The
plumbing is where real projects go wrong: padding that leaks into the final
state (the "last" time step of a short sentence in a padded batch is a <pad>),
unknown words that collide with padding, and a model left in training mode
(dropout on) at prediction time.

The maths
---------
For tokens w_1 .. w_n with embeddings x_t = E[w_t], the LSTM computes
(h_t, c_t) = LSTM(x_t, h_{t-1}, c_{t-1}) for t = 1..n and the logits are
W h_n + b, where n is the sequence's OWN length. In a padded batch of width
T > n, running the LSTM over all T steps and taking h_T reads T - n pads.
``nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
enforce_sorted=False)`` makes the LSTM stop each sequence at its length, and
its final hidden state ``h_n`` (shape (num_layers, B, H)) then holds h at the
true last token of every sequence. So the logits of a sentence must not depend
on how much padding its batch has.

Training minimises the cross-entropy of the logits with Adam; gradient-norm
clipping (1.0) keeps the recurrent gradients tame.

API
---
    tokenize(text)                 -> list[str]   (given: lower-case, split on spaces)
    build_vocab(texts, min_freq=1) -> dict[str, int]
        {"<pad>": 0, "<unk>": 1, then every word seen >= min_freq times, most
        frequent first, ties in alphabetical order, ids 2, 3, ...}
    encode(text, vocab)            -> list[int]   (unknown words -> 1)
    collate(seqs)                  -> (ids LongTensor (B, T), lengths LongTensor (B,))
        T = the longest sequence; pad on the right with 0. Every seq is non-empty.
    pretrained_embeddings(vocab, vectors, std=0.1, seed=0) -> FloatTensor (V, d)
        row i = vectors.vector(word) when the word has a vector, row 0 (<pad>)
        = zeros, other rows ~ N(0, std^2) from torch.Generator().manual_seed(seed).
    LSTMClassifier(vocab_size, embed_dim=64, hidden_dim=64, num_classes=2,
                   dropout=0.2, pretrained=None)
        attributes: embedding (nn.Embedding, padding_idx=0; copied from
        `pretrained` (V, d) when given, and then embed_dim = d), lstm (nn.LSTM,
        one layer, batch_first=True), dropout (nn.Dropout), head (nn.Linear);
        forward(ids (B, T), lengths (B,)) -> logits (B, num_classes).
    train(model, seqs, labels, *, epochs=10, batch_size=32, lr=3e-3, seed=0) -> list[float]
        mean training loss per epoch; shuffle with torch.Generator().manual_seed(seed).
    predict(model, seqs, batch_size=256) -> int64 numpy array (N,) of class ids,
        in eval mode and under torch.no_grad(); model(ids, lengths) per batch.

Worked example
--------------
    >>> vocab = build_vocab(["not good", "good fun"])
    >>> vocab
    {'<pad>': 0, '<unk>': 1, 'good': 2, 'fun': 3, 'not': 4}
    >>> encode("not very good", vocab)
    [4, 1, 2]
    >>> collate([[4, 1, 2], [3]])
    (tensor([[4, 1, 2], [3, 0, 0]]), tensor([3, 1]))

Data: the grader builds the CPU-tier task from the movie-polarity sentences
and passes texts in; for the pretrained vectors call
``grader.data.load("word-vectors", which="polarity")`` (1,694 words x 100).
The full tier (``course check --full``) trains on SST-2: ``grader.data.load(
"sst2", split="train")`` after ``course data get sst2``.

Reference
---------
Hochreiter & Schmidhuber, "Long Short-Term Memory" (1997); Socher et al.,
"Recursive Deep Models for Semantic Compositionality Over a Sentiment
Treebank" (2013, SST); PyTorch docs: torch.nn.LSTM,
torch.nn.utils.rnn.pack_padded_sequence.
"""

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
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)  # h_n: (1, B, H), back in the batch's original order
        return self.head(self.dropout(h_n[-1]))  # (B, C)


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
