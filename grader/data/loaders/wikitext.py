"""WikiText (raw): ``wiki.train.raw``, ``wiki.valid.raw``, ``wiki.test.raw`` read from the release zip."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from grader.data.loaders.types import bad, check_split

SPLITS = ("train", "valid", "test")


def read_wikitext(path: str | Path, split: str = "train", *, max_chars: int | None = None) -> str:
    """The raw text of one split (UTF-8, articles marked by `` = Title = `` lines), or its first ``max_chars``."""
    check_split(split, SPLITS)
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(f"/wiki.{split}.raw")]
            if len(names) != 1:
                raise bad(path, f"has {len(names)} members named */wiki.{split}.raw, expected 1")
            with zf.open(names[0]) as fh:
                raw = fh.read(-1 if max_chars is None else max_chars * 4 + 4)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise bad(path, f"not a readable WikiText zip ({exc})") from None
    try:  # an incremental decoder leaves a character cut by max_chars undecoded instead of failing
        text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=max_chars is None)
    except UnicodeDecodeError as exc:
        raise bad(f"{path}!{names[0]}", f"not UTF-8 ({exc})") from None
    if max_chars is not None:
        text = text[:max_chars]
    if not text.strip():
        raise bad(f"{path}!{names[0]}", "is empty")
    return text


def load_wikitext(src, split: str = "train", max_chars: int | None = None) -> str:
    """WikiText raw text of split 'train', 'valid' or 'test' (``max_chars``: only the start)."""
    name = src.entry.downloads[0].name
    return read_wikitext(src.file(name), split, max_chars=max_chars)
