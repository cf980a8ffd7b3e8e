"""Mutant: pad_collate pads with 0 whatever pad_id is, and builds the mask as input_ids != 0."""

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
    input_ids = torch.full((len(seqs), L), 0, dtype=torch.int64)  # (B, L), all padding to start
    for b, s in enumerate(seqs):
        input_ids[b, : len(s)] = s
    # position t is real iff t < length: built from the lengths, so a real token equal to pad_id stays real
    attention_mask = (input_ids != 0).long()  # (B, L)
    labels = torch.tensor([int(y) for _, y in batch], dtype=torch.int64)  # (B,)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "lengths": lengths, "labels": labels}


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool, seed: int,
                collate_fn: Callable | None = None, drop_last: bool = False) -> DataLoader:
    """A single-process DataLoader whose shuffling comes from its own torch.Generator seeded with `seed`."""
    generator = torch.Generator().manual_seed(seed)  # private stream: untouched by anything else's randomness
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator,
                      collate_fn=collate_fn, drop_last=drop_last, num_workers=0)
