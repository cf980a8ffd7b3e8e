"""Spec for 02_neural_networks/data_loading.py: image and text Datasets, a padding collate_fn, seeded DataLoaders."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

LAYOUT_HINT = ("move the channel axis with image.permute(2, 0, 1) (or np.transpose(image, (2, 0, 1))); "
               "reshape/view(C, H, W) keeps the memory order and scrambles the pixels")


@pytest.fixture(scope="module")
def images():
    """32 digits-cifar training images, uint8 (32, 32, 32, 3), and their labels."""
    s = data.load("digits-cifar", split="train", n=32)
    return s.images, s.labels


@pytest.fixture(scope="module")
def polarity():
    """The 200 movie-polarity sentences and labels."""
    s = data.load("movie-polarity")
    return list(s.texts), np.asarray(s.labels)


class _Indices(Dataset):
    """Item i is i: shows the order a loader visits a dataset in."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def _same_batches(got, want, name, hint=""):
    check(got == want, f"{name}: got {got}, expected {want}", hint=hint)


def test_to_chw_float_by_hand(learner):
    """A 2 x 2 RGB image: out[c, h, w] = image[h, w, c] / 255, float32, shape (3, 2, 2)."""
    img = np.array([[[255, 0, 51], [0, 102, 0]],
                    [[0, 0, 255], [153, 0, 0]]], dtype=np.uint8)  # (H=2, W=2, C=3)
    out = learner.to_chw_float(img)
    check(isinstance(out, torch.Tensor), f"to_chw_float returned {type(out).__name__}, not a torch.Tensor")
    assert_shape(out, (3, 2, 2), name="to_chw_float(image (2, 2, 3))", hint="channels first: (C, H, W)")
    check(out.dtype == torch.float32, f"to_chw_float returned {out.dtype}", hint="convert with .float() (float32)")
    expected = torch.tensor([[[1.0, 0.0], [0.0, 0.6]],     # red plane
                             [[0.0, 0.4], [0.0, 0.0]],     # green plane
                             [[0.2, 0.0], [1.0, 0.0]]])    # blue plane
    assert_close(out, expected, name="to_chw_float(image)",
                 hint="values in [0, 1] (divide by 255) and " + LAYOUT_HINT)


def test_image_dataset_items(learner, images):
    """ImageDataset over digits-cifar: len, items (float32 (3, 32, 32) = image.transpose(2, 0, 1) / 255, int64
    label), and a default-collated DataLoader batch of shape (8, 3, 32, 32)."""
    imgs, labels = images
    ds = learner.ImageDataset(imgs, labels)
    check(len(ds) == 32, f"len(ImageDataset) = {len(ds)}, expected 32")
    for i in (0, 5, 31):
        x, y = ds[i]
        assert_shape(x, (3, 32, 32), name=f"ds[{i}][0]", hint="items are (C, H, W) images")
        check(x.dtype == torch.float32, f"ds[{i}] image dtype {x.dtype}", hint="float32, via to_chw_float")
        assert_close(x, torch.from_numpy(imgs[i].transpose(2, 0, 1) / 255.0).float(), name=f"ds[{i}] image",
                     hint=LAYOUT_HINT)
        check(isinstance(y, torch.Tensor) and y.dtype == torch.int64 and y.ndim == 0,
              f"ds[{i}] label is {y!r}; expected an int64 scalar tensor", hint="torch.as_tensor(labels, dtype=torch.int64)[i]")
        check(int(y) == int(labels[i]), f"ds[{i}] label {int(y)} != labels[{i}] = {labels[i]}")
    xb, yb = next(iter(DataLoader(ds, batch_size=8)))
    assert_shape(xb, (8, 3, 32, 32), name="a DataLoader batch of images")
    assert_equal(yb, torch.as_tensor(labels[:8]), name="a DataLoader batch of labels")


def test_image_transform_runs_per_item(learner, images):
    """The transform receives the (3, 32, 32) float image and runs inside __getitem__ on every read: a random
    transform gives a fresh draw each time the same index is read."""
    imgs, labels = images
    seen = []
    noise = torch.Generator().manual_seed(0)

    def transform(x):
        seen.append((tuple(x.shape), x.dtype))
        return x + torch.rand((), generator=noise)  # a random brightness shift

    ds = learner.ImageDataset(imgs, labels, transform=transform)
    first, second = ds[3][0], ds[3][0]
    check(len(seen) >= 2 and seen[-1] == ((3, 32, 32), torch.float32),
          f"the transform saw {seen[-2:]} for two reads of ds[3]; expected two calls on a float32 (3, 32, 32) image",
          hint="call self.transform(x) in __getitem__, after converting the image to float (C, H, W)")
    check(not torch.equal(first, second), "reading ds[3] twice gave the same image although the transform is random",
          hint="apply the transform in __getitem__, not once in __init__: augmentation must draw anew on every read")
    base = torch.from_numpy(imgs[3].transpose(2, 0, 1) / 255.0).float()
    shift = (first - base).flatten()
    assert_close(shift, shift[:1].expand_as(shift), name="transform(image) - image",
                 hint="return self.transform(image) for the converted image, unchanged otherwise")


def test_build_vocab(learner, polarity):
    """build_vocab: <pad> = 0, <unk> = 1, then words by decreasing count with ties alphabetical; min_freq drops
    rare words; on movie-polarity it matches a Counter-based reference."""
    vocab = learner.build_vocab(["b a c b", "c b d"])
    assert_equal(list(vocab.items()), [("<pad>", 0), ("<unk>", 1), ("b", 2), ("c", 3), ("a", 4), ("d", 5)],
                 name="build_vocab(['b a c b', 'c b d']) items",
                 hint="b appears 3 times, c twice, a and d once (tie broken alphabetically); ids start at 2")
    vocab = learner.build_vocab(["b a c b", "c b d"], min_freq=2)
    assert_equal(sorted(vocab.items(), key=lambda kv: kv[1]), [("<pad>", 0), ("<unk>", 1), ("b", 2), ("c", 3)],
                 name="build_vocab(..., min_freq=2)", hint="keep words seen at least min_freq times")
    texts, _ = polarity
    from collections import Counter
    counts = Counter(w for t in texts for w in t.split())
    ref = ["<pad>", "<unk>"] + sorted(counts, key=lambda w: (-counts[w], w))
    vocab = learner.build_vocab(texts)
    check(len(vocab) == len(ref), f"the movie-polarity vocabulary has {len(vocab)} entries, expected {len(ref)}")
    got = sorted(vocab, key=vocab.get)
    assert_equal(got[:50], ref[:50], name="the 50 lowest ids of the movie-polarity vocabulary",
                 hint="order by decreasing count, then alphabetically")
    check(sorted(vocab.values()) == list(range(len(ref))), "vocabulary ids are not 0..V-1 without gaps")


def test_text_dataset_items(learner, polarity):
    """TextDataset: item i is (int64 ids of text i's whitespace tokens, int64 label); unknown words get <unk>'s id
    and max_len keeps the first max_len tokens."""
    vocab = {"<pad>": 0, "<unk>": 1, "good": 2, "film": 3, "bad": 4}
    ds = learner.TextDataset(["good film", "bad bad plot", "x"], [1, 0, 1], vocab)
    check(len(ds) == 3, f"len(TextDataset) = {len(ds)}, expected 3")
    ids, y = ds[1]
    assert_equal(ids, torch.tensor([4, 4, 1]), name="ds[1] ids for 'bad bad plot'",
                 hint="split on whitespace and map each word with vocab.get(word, vocab['<unk>'])")
    check(ids.dtype == torch.int64, f"ids dtype {ids.dtype}", hint="token ids are int64 (what nn.Embedding takes)")
    check(isinstance(y, torch.Tensor) and int(y) == 0, f"ds[1] label {y!r}, expected tensor(0)")
    short = learner.TextDataset(["good film", "bad bad plot"], [1, 0], vocab, max_len=2)
    assert_equal(short[1][0], torch.tensor([4, 4]), name="ds[1] ids with max_len=2",
                 hint="truncate to the first max_len tokens")
    texts, labels = polarity
    vocab = learner.build_vocab(texts)
    ds = learner.TextDataset(texts, labels, vocab)
    for i in (0, 150, 199):
        assert_equal(ds[i][0], torch.tensor([vocab[w] for w in texts[i].split()]), name=f"movie-polarity ds[{i}] ids")


def test_pad_collate_by_hand(learner):
    """pad_collate of sequences [5, 6, 7], [8], [] pads to length 3 with pad_id, with lengths [3, 1, 0], the
    attention mask of the real tokens and the labels; pad_id = 99 pads with 99."""
    batch = [(torch.tensor([5, 6, 7]), torch.tensor(1)), (torch.tensor([8]), torch.tensor(0)),
             (torch.tensor([], dtype=torch.int64), torch.tensor(1))]
    out = learner.pad_collate(batch)
    check(isinstance(out, dict), f"pad_collate returned {type(out).__name__}, expected a dict")
    for key in ("input_ids", "attention_mask", "lengths", "labels"):
        check(key in out, f"pad_collate's result has no key {key!r} (keys: {list(out)})")
    assert_equal(out["input_ids"], torch.tensor([[5, 6, 7], [8, 0, 0], [0, 0, 0]]), name="input_ids",
                 hint="pad each sequence on the right to the longest length in the batch")
    assert_equal(out["attention_mask"], torch.tensor([[1, 1, 1], [1, 0, 0], [0, 0, 0]]), name="attention_mask",
                 hint="1 for real tokens (t < length), 0 for padding")
    assert_equal(out["lengths"], torch.tensor([3, 1, 0]), name="lengths")
    assert_equal(out["labels"], torch.tensor([1, 0, 1]), name="labels")
    for key in ("input_ids", "attention_mask", "lengths", "labels"):
        check(out[key].dtype == torch.int64, f"{key} has dtype {out[key].dtype}, expected int64")
    out = learner.pad_collate(batch[:2], pad_id=99)
    assert_equal(out["input_ids"], torch.tensor([[5, 6, 7], [8, 99, 99]]), name="input_ids with pad_id=99",
                 hint="fill with the pad_id argument (pad_sequence's default padding_value is 0)")
    assert_equal(out["attention_mask"], torch.tensor([[1, 1, 1], [1, 0, 0]]), name="attention_mask with pad_id=99")
    out = learner.pad_collate([(torch.tensor([0, 0]), 1), (torch.tensor([3]), 0)])
    assert_equal(out["attention_mask"], torch.tensor([[1, 1], [1, 0]]),
                 name="attention_mask when a real token's id equals pad_id",
                 hint="build the mask from the lengths (t < length), not from input_ids != pad_id")


def test_loader_shuffles_reproducibly(learner, seed):
    """make_loader(shuffle=True, seed) visits the data in exactly the order of a DataLoader with
    generator=torch.Generator().manual_seed(seed), whatever else used the global RNG; a new loader with the same
    seed repeats it, later epochs reshuffle, and shuffle=False keeps the order."""
    ds = _Indices(23)
    ref = DataLoader(ds, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(seed))
    ref_epochs = [[b.tolist() for b in ref] for _ in range(2)]
    hint = ("pass generator=torch.Generator().manual_seed(seed) to the DataLoader; torch.manual_seed or no generator "
            "ties the order to the global RNG, which other code consumes")
    loader = learner.make_loader(ds, 5, True, seed)
    torch.manual_seed(seed + 1000)
    torch.rand(7)  # someone else uses the global RNG in between
    got = [b.tolist() for b in loader]
    assert_equal([len(b) for b in got], [5, 5, 5, 5, 3], name="batch sizes for 23 items, batch_size=5")
    _same_batches(got, ref_epochs[0], "first epoch's batches", hint=hint)
    _same_batches([b.tolist() for b in loader], ref_epochs[1], "second epoch's batches",
                  hint="create the generator once, in make_loader, so each epoch continues its stream: "
                       "a new order every epoch, the same orders every run")
    again = [b.tolist() for b in learner.make_loader(ds, 5, True, seed)]
    _same_batches(again, ref_epochs[0], "first epoch of a second loader with the same seed", hint=hint)
    other = [b.tolist() for b in learner.make_loader(ds, 5, True, seed + 1)]
    check(other != again, "seeds seed and seed + 1 gave the same order", hint="use the seed argument")
    plain = [b.tolist() for b in learner.make_loader(ds, 5, False, seed, drop_last=True)]
    assert_equal(plain, [list(range(i, i + 5)) for i in range(0, 20, 5)], name="shuffle=False, drop_last=True",
                 hint="pass shuffle and drop_last on to the DataLoader")


def test_text_loader_end_to_end(learner, polarity, seed):
    """make_loader(TextDataset(movie-polarity), 16, shuffle, seed, collate_fn=pad_collate): 13 batches covering
    each sentence once, each padded to its own longest sentence with a mask that sums to the lengths."""
    texts, labels = polarity
    vocab = learner.build_vocab(texts)
    ds = learner.TextDataset(texts, labels, vocab)
    loader = learner.make_loader(ds, 16, True, seed, collate_fn=learner.pad_collate)
    batches = list(loader)
    check(len(batches) == 13, f"{len(batches)} batches for 200 sentences at batch_size=16, expected 13")
    seen = []
    for batch in batches:
        ids, mask, lengths = batch["input_ids"], batch["attention_mask"], batch["lengths"]
        check(ids.shape[1] == int(lengths.max()),
              f"a batch is padded to {ids.shape[1]} but its longest sentence has {int(lengths.max())} tokens",
              hint="pad to the longest sequence of this batch, not of the dataset")
        assert_equal(mask.sum(1), lengths, name="attention_mask.sum(1) vs lengths")
        for row, n in zip(ids, lengths.tolist()):
            seen.append(tuple(row[:n].tolist()))
    expected = sorted(tuple(vocab[w] for w in t.split()) for t in texts)
    check(sorted(seen) == expected, "the batches do not hold each sentence's ids exactly once",
          hint="the loader shuffles the dataset's items; pad_collate must keep every sequence's real tokens")
