"""Parallel sentences generated with num2words: English number phrases and their translation.

    pairs = data.load("numbers-translation", split="train", lang="fr")
    pairs[0]  # ('forty-two thousand, one hundred and seven', 'quarante-deux mille cent sept')

The numbers are drawn log-uniformly below one million by a seeded generator
(numpy's PCG64), without repeats, then split in order: no number appears in
two splits. The same seed and size give the same pairs on every machine.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from grader.data.loaders.types import check_split
from grader.errors import CourseError

LANGS = ("fr", "de", "es", "it", "pt", "nl")
SPLITS = ("train", "valid", "test")
SIZE = 12_000


def numbers(seed: int = 0, size: int = SIZE) -> list[int]:
    """``size`` distinct integers in [0, 1_000_000), log-uniform (small numbers are as common as large ones)."""
    if not 12 <= size <= 200_000:
        raise CourseError(f"size={size} is out of range.", "Use a size between 12 and 200000.")
    rng = np.random.default_rng(seed)
    seen: dict[int, None] = {}
    while len(seen) < size:
        draw = np.floor(10.0 ** rng.uniform(0.0, 6.0, size=size)).astype(np.int64) - 1
        for n in draw.tolist():
            if n not in seen:
                seen[n] = None
                if len(seen) == size:
                    break
    return list(seen)


def _generate(lang: str, seed: int, size: int) -> list[tuple[str, str]]:
    from num2words import num2words

    out = []
    for n in numbers(seed, size):
        en, tgt = num2words(n, lang="en"), num2words(n, lang=lang)
        if not en or not tgt:
            raise CourseError(f"num2words gave an empty phrase for {n} ({lang}).", "Reinstall num2words.")
        out.append((en, tgt))
    return out


@lru_cache(maxsize=8)
def _pairs(lang: str, seed: int, size: int) -> tuple[tuple[str, str], ...]:
    """Generated once (num2words takes seconds for 12,000 numbers), then read from the cache folder."""
    import importlib.metadata

    from grader.data import cache

    try:
        version = importlib.metadata.version("num2words")
    except importlib.metadata.PackageNotFoundError:
        raise CourseError("numbers-translation needs the package num2words, which is not installed.",
                          "pip install num2words") from None
    rows = cache.derived(f"numbers-translation-{lang}-{seed}-{size}-num2words{version}-v1",
                         lambda: _generate(lang, seed, size))
    pairs = tuple((str(a), str(b)) for a, b in rows)  # type: ignore[union-attr]
    if len(pairs) != size or not all(a and b for a, b in pairs):
        raise CourseError(f"The cached numbers-translation pairs ({lang}, seed {seed}) are damaged.",
                          f"Delete {cache.cache_dir() / 'derived'} and load again.")
    return pairs


def split_bounds(size: int) -> dict[str, tuple[int, int]]:
    held = size // 12
    return {"train": (0, size - 2 * held), "valid": (size - 2 * held, size - held), "test": (size - held, size)}


def load_numbers_translation(src, split: str = "train", lang: str = "fr", seed: int = 0,
                             size: int = SIZE) -> list[tuple[str, str]]:
    """(English, target) pairs of split 'train' (10/12 of ``size``), 'valid' or 'test' (1/12 each)."""
    check_split(split, SPLITS)
    if lang not in LANGS:
        raise CourseError(f"Unknown language {lang!r} for numbers-translation.", f"Use one of: {', '.join(LANGS)}.")
    lo, hi = split_bounds(size)[split]
    return list(_pairs(lang, int(seed), int(size))[lo:hi])


def fingerprint(src) -> str:
    """sha256 of the default output (lang='fr', seed=0, every split in order), as recorded in the registry."""
    text = "\n".join(f"{a}\t{b}" for a, b in _generate("fr", 0, SIZE))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
