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
    raise NotImplementedError("count the words of tokenize(text) over all texts, then number them from 2")


def encode(text: str, vocab: dict[str, int]) -> list[int]:
    """Token ids of `text`; words outside the vocabulary become <unk> (1)."""
    raise NotImplementedError("look each token up in vocab")


def collate(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad with 0 to the longest sequence: ids (B, T) int64 and lengths (B,) int64."""
    raise NotImplementedError("a (B, T) tensor full of PAD, then copy each sequence into its row")


def pretrained_embeddings(vocab: dict[str, int], vectors, std: float = 0.1, seed: int = 0) -> torch.Tensor:
    """(V, d) matrix: pretrained vector where the word has one, zeros for <pad>, small random rows otherwise.

    `vectors` is a grader WordVectors: .vectors (n, d) float32, .index (word -> row), .vector(word)."""
    raise NotImplementedError("start from small random rows, overwrite the words the vectors know, zero <pad>")


class LSTMClassifier(nn.Module):
    """Embedding -> packed LSTM -> dropout -> linear head on the final hidden state."""

    def __init__(self, vocab_size: int, embed_dim: int = 64, hidden_dim: int = 64, num_classes: int = 2,
                 dropout: float = 0.2, pretrained: torch.Tensor | None = None):
        super().__init__()
        raise NotImplementedError("create self.embedding, self.lstm, self.dropout and self.head")

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (B, T) int64, lengths (B,) -> logits (B, num_classes)."""
        raise NotImplementedError("embed, pack by lengths, run the LSTM, classify h_n of the last layer")


def train(model: nn.Module, seqs: list[list[int]], labels, *, epochs: int = 10, batch_size: int = 32,
          lr: float = 3e-3, seed: int = 0) -> list[float]:
    """Adam + cross-entropy over shuffled mini-batches; returns the mean loss of each epoch."""
    raise NotImplementedError("model.train(); per epoch a torch.randperm, collate each batch, step Adam")


def predict(model: nn.Module, seqs: list[list[int]], batch_size: int = 256) -> np.ndarray:
    """Class ids (N,) int64: eval mode (dropout off) and no autograd graph."""
    raise NotImplementedError("model.eval(), torch.no_grad(), argmax of model(ids, lengths) per batch")
