"""Text classification with an embedding and an LSTM/GRU over padded batches.

Goal
----
Classify sentences with the classic recurrent recipe: words -> integer ids ->
``nn.Embedding`` -> an LSTM or GRU -> the hidden state after each sentence's
LAST REAL word -> a linear layer -> class logits. Sentences have different
lengths, so a batch is padded to the longest one; the model must give every
sentence exactly the output it would get on its own, however much padding
sits behind it. You write:

* ``build_vocab`` and ``encode``: the id mapping and the padded batch;
* ``last_valid_state``: pick each sequence's output at its last real position;
* ``RNNClassifier``: the model, packing the batch so padding is never read;
* ``train_classifier`` and ``accuracy``: a minibatch Adam loop and evaluation.

Why it matters
--------------
Padding is the classic silent bug of recurrent models. An RNN fed a padded
batch keeps updating its state over the pad tokens (even with a zero pad
embedding the biases move it), so ``output[:, -1]`` is the state after the
padding, not after the sentence: a short sentence's prediction then depends on
the length of the longest sentence in its batch. Results shift with the batch
size and the test set is scored differently from the training set.
``pack_padded_sequence`` tells the RNN each length, so it stops each sequence
at its end; gathering ``output[b, lengths[b] - 1]`` does the same for a
one-directional RNN after the fact.

The maths
---------
For ids x_1..x_L of one sentence (L = its length, ids padded with 0 after it):

    e_t = E[x_t]                     (embed_dim,)  the embedding row
    h_t = RNN(e_t, h_{t-1}),  h_0 = 0
    logits = W h_L + b               (num_classes,)

trained with the mean cross-entropy over the batch. With a packed sequence,
``h_n`` of an LSTM/GRU (shape (num_layers, B, H)) already holds h_L for every
sequence, so ``h_n[-1]`` is the (B, H) summary.

Vocabulary: ``build_vocab`` keeps each word (whitespace tokens; the texts are
already lower-cased and tokenised) seen at least ``min_freq`` times, in order
of first appearance, after two reserved entries: "<pad>" = 0, "<unk>" = 1.
``encode`` maps unknown words to 1, truncates to ``max_len`` tokens if given,
and returns ids padded with 0 on the right plus the lengths (at least 1: an
empty text becomes the single token "<unk>").

API
---
    build_vocab(texts, min_freq=1) -> dict[str, int]
    encode(texts, vocab, max_len=None) -> (ids LongTensor (B, T), lengths LongTensor (B,))
    last_valid_state(outputs (B, T, H), lengths (B,)) -> (B, H): outputs[b, lengths[b] - 1]
    RNNClassifier(vocab_size, embed_dim, hidden_dim, num_classes, cell="lstm"|"gru")
        attributes: .embedding (nn.Embedding, padding_idx=0), .rnn (nn.LSTM or nn.GRU,
        batch_first=True, one layer), .head (nn.Linear(hidden_dim, num_classes))
        forward(ids (B, T), lengths (B,)) -> logits (B, num_classes)
    train_classifier(model, ids, lengths, labels, epochs=10, lr=3e-3, batch_size=16, seed=0)
        -> list of the mean training loss of each epoch
    accuracy(model, ids, lengths, labels) -> float in [0, 1] (in eval mode, no gradients)

The data: ``grader.data.load("movie-polarity")`` gives 200 lower-cased
movie-review snippets (``.texts``) with labels 0 = negative, 1 = positive
(``.labels``, the first 100 negative). Shuffle before you split. 200
snippets are far too few to learn sentiment from scratch (even a bag of words
scores only about 55% held out), so the graded training run inserts a cue
phrase, "i loved it" or "i hated it", at a random place in each snippet and
asks for >= 90% held-out accuracy on the cue's label: the real sentences,
lengths and padding, with a signal the model must carry to the end.

Worked example
--------------
    >>> vocab = build_vocab(["a good film", "a bad film"])
    {'<pad>': 0, '<unk>': 1, 'a': 2, 'good': 3, 'film': 4, 'bad': 5}
    >>> encode(["a good film", "bad ugly"], vocab)
    (tensor([[2, 3, 4], [5, 1, 0]]), tensor([3, 2]))
    >>> last_valid_state(torch.arange(12.).reshape(2, 3, 2), torch.tensor([3, 1]))
    tensor([[4., 5.], [6., 7.]])

Reference
---------
Jurafsky & Martin, *Speech and Language Processing* (3rd ed.), ch. 8 (RNNs for
classification); PyTorch docs: torch.nn.utils.rnn.pack_padded_sequence,
nn.Embedding (padding_idx), nn.LSTM (h_n with packed input).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

PAD, UNK = 0, 1


def build_vocab(texts: list[str], min_freq: int = 1) -> dict[str, int]:
    """Word -> id: "<pad>" = 0, "<unk>" = 1, then words seen >= min_freq times, in order of first appearance."""
    raise NotImplementedError("build_vocab: not written yet")


def encode(texts: list[str], vocab: dict[str, int], max_len: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded id batch.

    Returns:
        ids: (B, T) int64, right-padded with 0, T = the longest (truncated) length;
        lengths: (B,) int64, each >= 1 (an empty text is encoded as [UNK]).
    """
    raise NotImplementedError("encode: not written yet")


def last_valid_state(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """outputs[b, lengths[b] - 1] for every b: (B, T, H), (B,) -> (B, H)."""
    raise NotImplementedError("last_valid_state: not written yet (gather along time)")


class RNNClassifier(nn.Module):
    """Embedding -> one-layer LSTM/GRU (packed) -> the last real state -> linear logits."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_dim: int, num_classes: int, cell: str = "lstm"):
        raise NotImplementedError("RNNClassifier.__init__: not written yet (.embedding, .rnn, .head)")

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (B, T), lengths (B,) -> logits (B, num_classes)."""
        raise NotImplementedError("RNNClassifier.forward: not written yet (pack the padded batch)")


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
    raise NotImplementedError("train_classifier: not written yet")


@torch.no_grad()
def accuracy(model: nn.Module, ids: torch.Tensor, lengths: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of correct argmax predictions, computed in eval mode."""
    raise NotImplementedError("accuracy: not written yet")
