"""Datasets, DataLoaders and a padding collate_fn: feeding images and text to a model.

Goal
----
Build the input pipeline a PyTorch training loop iterates over:

* ``to_chw_float``: one uint8 image (H, W, C), as image files and the
  ``digits-cifar`` pack store them, to a float32 tensor (C, H, W) in [0, 1],
  the layout ``nn.Conv2d`` expects;
* ``ImageDataset``: a ``torch.utils.data.Dataset`` over an image array and its
  labels; ``dataset[i]`` converts image i and applies an optional
  ``transform`` to it *at that moment*, every time it is read;
* ``build_vocab`` and ``TextDataset``: whitespace tokens to integer ids, for
  the ``movie-polarity`` sentences; ``dataset[i]`` is a 1-D LongTensor of ids
  whose length varies from sentence to sentence;
* ``pad_collate``: the ``collate_fn`` that turns a list of such items into one
  batch: ids padded to the longest sequence in the batch, the true lengths,
  an attention mask and the labels;
* ``make_loader``: a ``DataLoader`` whose shuffling is reproducible: the same
  seed gives the same batches in the same order, in any process.

Why it matters
--------------
A model only ever sees what the loader hands it. Two classic silent bugs live
here: ``image.reshape(C, H, W)`` instead of a permute (the shapes are right and
the pixels are scrambled, so the model trains on noise), and padded positions
that the model treats as real tokens. Reproducible shuffling is what makes a
training run repeatable and a resumed run identical to an uninterrupted one.

The maths
---------
Layout. An (H, W, C) array stores the C channel values of a pixel next to
each other; a (C, H, W) tensor stores each channel as a whole plane. The
conversion moves axes (``permute(2, 0, 1)``): out[c, h, w] = image[h, w, c] / 255.
A reshape keeps the memory order and only relabels it, which is a different
(wrong) image of the same shape.

Per-item transforms. A Dataset's ``__getitem__`` runs each time a sample is
read, once per epoch per sample, so a random transform (augmentation) there
gives a new variant every epoch. Applying it once in ``__init__`` would freeze
one variant forever.

Vocabulary. Id 0 is ``"<pad>"``, id 1 is ``"<unk>"`` (words not in the
vocabulary); the words seen at least ``min_freq`` times follow, by decreasing
count, ties broken alphabetically, so the vocabulary does not depend on the
order of the texts.

Padding. For a batch of B sequences with lengths L_1..L_B and L = max L_i:

    input_ids[b, t]      = ids_b[t] for t < L_b, pad_id after       (B, L) int64
    attention_mask[b, t] = 1 for t < L_b, 0 after                   (B, L) int64
    lengths[b]           = L_b                                      (B,)   int64
    labels[b]            = label_b                                  (B,)   int64

L is the longest sequence of *this* batch, not of the dataset, which keeps
batches of short sentences small. An empty sequence is a row of pads with a
zero mask.

Reproducible shuffling. ``DataLoader(shuffle=True)`` draws each epoch's
permutation from its ``generator`` argument; without one it seeds itself from
torch's *global* random state, which anything else in the program may have
consumed. Give it its own ``torch.Generator().manual_seed(seed)``: the first
epoch's order is then a function of the seed alone, and each later epoch
continues that generator's stream (a new order every epoch, the same sequence
of orders every run).

API
---
    to_chw_float(image)                           -> float32 (C, H, W) in [0, 1]
    ImageDataset(images, labels, transform=None)  dataset[i] -> (float32 (C, H, W), int64 scalar tensor)
    build_vocab(texts, min_freq=1)                -> dict word -> id, {"<pad>": 0, "<unk>": 1, ...}
    TextDataset(texts, labels, vocab, max_len=None)
                                                  dataset[i] -> (int64 (L_i,), int64 scalar tensor)
    pad_collate(batch, pad_id=0)                  -> dict of input_ids, attention_mask, lengths, labels
    make_loader(dataset, batch_size, shuffle, seed, collate_fn=None, drop_last=False) -> DataLoader

The data: ``from grader import data``; ``data.load("digits-cifar", split="train",
n=64)`` gives ``.images`` uint8 (64, 32, 32, 3) and ``.labels``;
``data.load("movie-polarity")`` gives ``.texts`` (200 tokenised, lower-cased
sentences) and ``.labels``. The grader passes such arrays and lists in.

Worked example
--------------
    >>> vocab = build_vocab(["a b a", "b c"]); vocab
    {'<pad>': 0, '<unk>': 1, 'a': 2, 'b': 3, 'c': 4}        # a and b twice (tie: alphabetical), c once
    >>> ds = TextDataset(["a b a", "c zzz"], [1, 0], vocab)
    >>> ds[1]
    (tensor([4, 1]), tensor(0))                              # zzz is unknown: id 1
    >>> batch = pad_collate([ds[0], ds[1]])
    >>> batch["input_ids"], batch["attention_mask"], batch["lengths"], batch["labels"]
    (tensor([[2, 3, 2], [4, 1, 0]]), tensor([[1, 1, 1], [1, 1, 0]]), tensor([3, 2]), tensor([1, 0]))

Reference
---------
PyTorch docs, "Datasets & DataLoaders" tutorial, ``torch.utils.data``
(Dataset, DataLoader, collate_fn, "Reproducibility": the generator argument)
and ``torch.nn.utils.rnn.pad_sequence``.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

PAD, UNK = "<pad>", "<unk>"


def to_chw_float(image: np.ndarray) -> Tensor:
    """One uint8 image (H, W, C) -> float32 tensor (C, H, W) with values in [0, 1]."""
    x = torch.from_numpy(np.asarray(image))  # (H, W, C) uint8, shares memory with the array
    # permute moves the channel axis to the front; reshape(C, H, W) would scramble the pixels
    return x.permute(2, 0, 1).float() / 255.0  # (C, H, W) float32, a new tensor


class ImageDataset(Dataset):
    """Images uint8 (N, H, W, C) with labels (N,); items are (float32 (C, H, W), int64 label)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray,
                 transform: Callable[[Tensor], Tensor] | None = None) -> None:
        """images: uint8 (N, H, W, C); labels: (N,) integers; transform: applied to each (C, H, W) float image."""
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images  # kept as uint8: 4x smaller than float32, converted item by item
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)  # (N,)
        self.transform = transform

    def __len__(self) -> int:
        """The number of images N."""
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        """(image float32 (C, H, W) in [0, 1] after the transform, label int64 scalar tensor)."""
        x = to_chw_float(self.images[i])  # (C, H, W)
        if self.transform is not None:
            x = self.transform(x)  # here, not in __init__: a random transform draws anew on every read
        return x, self.labels[i]


def build_vocab(texts: Sequence[str], min_freq: int = 1) -> dict[str, int]:
    """Whitespace-token vocabulary: {"<pad>": 0, "<unk>": 1}, then words with count >= min_freq by
    decreasing count, ties alphabetical."""
    counts = Counter(word for text in texts for word in text.split())
    words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
    return {PAD: 0, UNK: 1, **{w: i + 2 for i, w in enumerate(words)}}


class TextDataset(Dataset):
    """Texts as id sequences: item i is (int64 (L_i,) token ids, int64 label)."""

    def __init__(self, texts: Sequence[str], labels: Sequence[int] | np.ndarray, vocab: dict[str, int],
                 max_len: int | None = None) -> None:
        """texts: N strings, tokens separated by whitespace; labels: N integers; vocab from build_vocab;
        max_len: keep at most the first max_len tokens (None: all)."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        self.texts, self.vocab, self.max_len = list(texts), vocab, max_len
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)  # (N,)

    def __len__(self) -> int:
        """The number of texts N."""
        return len(self.texts)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        """(token ids int64 (L_i,), label int64 scalar tensor); unknown words map to vocab["<unk>"]."""
        unk = self.vocab[UNK]
        tokens = self.texts[i].split()[: self.max_len]  # [:None] keeps everything
        ids = torch.tensor([self.vocab.get(t, unk) for t in tokens], dtype=torch.int64)  # (L_i,)
        return ids, self.labels[i]


def pad_collate(batch: Sequence[tuple[Tensor, Tensor | int]], pad_id: int = 0) -> dict[str, Tensor]:
    """Stack B (ids (L_i,), label) items into a padded batch.

    Returns a dict of int64 tensors: input_ids (B, L) padded with pad_id to the batch's longest L,
    attention_mask (B, L) (1 = real token, 0 = padding), lengths (B,) and labels (B,).
    """
    seqs = [torch.as_tensor(ids, dtype=torch.int64) for ids, _ in batch]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.int64)  # (B,)
    L = int(lengths.max()) if len(seqs) else 0
    input_ids = torch.full((len(seqs), L), pad_id, dtype=torch.int64)  # (B, L), all padding to start
    for b, s in enumerate(seqs):
        input_ids[b, : len(s)] = s
    # position t is real iff t < length: built from the lengths, so a real token equal to pad_id stays real
    attention_mask = (torch.arange(L)[None, :] < lengths[:, None]).long()  # (B, L)
    labels = torch.tensor([int(y) for _, y in batch], dtype=torch.int64)  # (B,)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "lengths": lengths, "labels": labels}


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool, seed: int,
                collate_fn: Callable | None = None, drop_last: bool = False) -> DataLoader:
    """A single-process DataLoader whose shuffling comes from its own torch.Generator seeded with `seed`."""
    generator = torch.Generator().manual_seed(seed)  # private stream: untouched by anything else's randomness
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator,
                      collate_fn=collate_fn, drop_last=drop_last, num_workers=0)
