"""The real sentiment datasets, read straight from their archives: SST-2 (GLUE) and IMDB (aclImdb)."""

from __future__ import annotations

import csv
import io
import re
import tarfile
import zipfile
from pathlib import Path

import numpy as np

from grader.data.loaders.types import TextClassification, bad, check_array, check_split

SST2_FILES = {"train": "SST-2/train.tsv", "valid": "SST-2/dev.tsv", "test": "SST-2/test.tsv"}
SST2_COUNTS = {"train": 67349, "valid": 872, "test": 1821}


def read_sst2_tsv(raw: bytes, where: str, *, labelled: bool) -> tuple[list[str], np.ndarray]:
    """GLUE SST-2: a header line, then ``sentence<TAB>label`` (train, dev) or ``index<TAB>sentence`` (test)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad(where, f"not UTF-8 ({exc})") from None
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        raise bad(where, "is empty")
    header, body = [h.strip() for h in rows[0]], [r for r in rows[1:] if r]
    want = ["sentence", "label"] if labelled else ["index", "sentence"]
    if header != want:
        raise bad(where, f"header {header}, expected {want}")
    texts, labels = [], []
    for n, row in enumerate(body, 2):
        if len(row) != 2:
            raise bad(where, f"line {n} has {len(row)} fields, expected 2")
        if labelled:
            if row[1] not in ("0", "1"):
                raise bad(where, f"line {n} has label {row[1]!r}, expected 0 or 1")
            texts.append(row[0].strip())
            labels.append(int(row[1]))
        else:
            texts.append(row[1].strip())
            labels.append(-1)
    return texts, np.asarray(labels, dtype=np.int64)


def read_sst2(path: str | Path, split: str = "train", *, expected: int | None = None) -> TextClassification:
    check_split(split, tuple(SST2_FILES))
    path = Path(path)
    member = SST2_FILES[split]
    try:
        with zipfile.ZipFile(path) as zf:
            raw = zf.read(member)
    except KeyError:
        raise bad(path, f"has no {member}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise bad(path, f"not a readable zip archive ({exc})") from None
    texts, labels = read_sst2_tsv(raw, f"{path}!{member}", labelled=split != "test")
    if expected is not None and len(texts) != expected:
        raise bad(f"{path}!{member}", f"{len(texts)} sentences, expected {expected}")
    check_array(f"{path}!{member}", "the labels", labels, shape=(len(texts),), lo=-1 if split == "test" else 0, hi=1)
    return TextClassification(texts, labels, ("negative", "positive"))


def load_sst2(src, split: str = "train") -> TextClassification:
    """SST-2: split 'train' (67,349), 'valid' (GLUE dev, 872) or 'test' (1,821, no labels: all -1)."""
    check_split(split, tuple(SST2_FILES))
    return read_sst2(src.file("SST-2.zip"), split, expected=SST2_COUNTS[split])


IMDB_COUNTS = {"train": 25_000, "test": 25_000}
_IMDB_NAME = re.compile(r"^aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def read_imdb(path: str | Path, split: str = "train", *, expected: int | None = None) -> TextClassification:
    """aclImdb_v1.tar.gz: ``aclImdb/{train,test}/{neg,pos}/ID_RATING.txt``; neg then pos, each by id. Raw text."""
    check_split(split, ("train", "test"))
    path = Path(path)
    found: list[tuple[int, int, str]] = []
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                match = _IMDB_NAME.match(m.name)
                if not (m.isfile() and match and match.group(1) == split):
                    continue
                rating = int(match.group(4))
                label = 1 if match.group(2) == "pos" else 0
                if (label == 1 and rating < 7) or (label == 0 and rating > 4):
                    raise bad(f"{path}!{m.name}", f"rating {rating} does not fit the {match.group(2)} folder")
                fh = tar.extractfile(m)
                raw = fh.read() if fh is not None else b""
                try:
                    found.append((label, int(match.group(3)), raw.decode("utf-8")))
                except UnicodeDecodeError as exc:
                    raise bad(f"{path}!{m.name}", f"not UTF-8 ({exc})") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise bad(path, f"not a readable IMDB archive ({type(exc).__name__}: {exc})") from None
    if not found:
        raise bad(path, f"has no aclImdb/{split}/pos or neg reviews")
    found.sort(key=lambda r: (r[0], r[1]))
    if expected is not None and len(found) != expected:
        raise bad(path, f"the {split} split has {len(found)} reviews, expected {expected}")
    labels = np.asarray([r[0] for r in found], dtype=np.int64)
    return TextClassification([r[2] for r in found], labels, ("neg", "pos"))


def load_imdb(src, split: str = "train") -> TextClassification:
    """IMDB: split 'train' or 'test', 25,000 raw reviews each (half negative, then half positive)."""
    check_split(split, ("train", "test"))
    return read_imdb(src.file("aclImdb_v1.tar.gz"), split, expected=IMDB_COUNTS[split])
