"""The plain result types loaders return, and the checks they run on what they read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from grader.errors import CourseError


@dataclass
class TextClassification:
    """Texts with integer labels: ``labels[i]`` is the class of ``texts[i]``, ``label_names[k]`` names class k."""

    texts: list[str]
    labels: np.ndarray  # int64, shape (n,)
    label_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class ImageSet:
    """Images as uint8 (n, height, width, channels) in 0..255, labels int64 (n,), ``label_names[k]`` names class k."""

    images: np.ndarray
    labels: np.ndarray
    label_names: tuple[str, ...]
    note: str = ""

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class WordVectors:
    """``vectors[i]`` is the vector of ``words[i]``; ``index[word]`` is i."""

    words: list[str]
    vectors: np.ndarray  # float32 (n, d)
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {w: i for i, w in enumerate(self.words)}

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.index[word]]


class Pretrained(NamedTuple):
    """A tokenizer, a model and the folder they came from: ``tok, model, folder = data.load(...)``."""

    tokenizer: Any
    model: Any
    path: Path


def bad(where: object, problem: str, fix: str = "") -> CourseError:
    return CourseError(f"{where}: {problem}", fix or "The file is damaged or not in the expected format; fetch it again.")


def check_array(where: object, what: str, a: np.ndarray, *, shape: tuple | None = None, dtype: Any = None,
                lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Raise a CourseError naming ``where`` unless ``a`` has the shape (None = any size on that axis), dtype and range."""
    if shape is not None and (a.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, a.shape))):
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
        raise bad(where, f"{what} has shape {tuple(a.shape)}, expected {want}")
    if dtype is not None and a.dtype != np.dtype(dtype):
        raise bad(where, f"{what} has dtype {a.dtype}, expected {np.dtype(dtype)}")
    if a.size and lo is not None and a.min() < lo:
        raise bad(where, f"{what} has values down to {a.min()}, expected at least {lo}")
    if a.size and hi is not None and a.max() > hi:
        raise bad(where, f"{what} has values up to {a.max()}, expected at most {hi}")
    if a.size and a.dtype.kind == "f" and not np.isfinite(a).all():
        raise bad(where, f"{what} has NaN or infinite values")
    return a


def check_split(split: str, allowed: tuple[str, ...]) -> str:
    if split not in allowed:
        raise CourseError(f"Unknown split {split!r}.", f"Use one of: {', '.join(allowed)}.")
    return split
