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
    model.eval()
    predictions = model(ids, lengths).argmax(dim=1)  # (B,)
    return float((predictions == labels).float().mean())
