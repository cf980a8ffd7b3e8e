"""Chunking: articles to overlapping passages of whole sentences, each at most ``max_chars`` long."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

# A sentence ends after . ! or ? followed by spaces and a capital, digit or opening quote/bracket; a line break
# (paragraph, heading, list item) always ends one.
_BREAK = re.compile(r"(?<=[.!?])[ \t]+(?=[\"'(\[]?[A-Z0-9])|\n+")


@dataclass(frozen=True)
class Chunk:
    """One passage: ``text == article_text[start:end]``."""

    article_id: int
    title: str
    start: int
    end: int
    text: str

    @property
    def embed_text(self) -> str:
        """What gets embedded: the title first, so that "He was born in 1894." still says whose birth it is."""
        return f"{self.title}: {self.text}"


def sentence_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Given. Split ``text`` into contiguous units (start, end) covering it exactly: sentences and lines, each
    with its trailing whitespace; a unit longer than ``max_chars`` is cut at its last space before the limit
    (or hard at the limit). Empty text gives []."""
    bounds = [0] + [m.end() for m in _BREAK.finditer(text)] + [len(text)]
    spans = []
    for a, b in zip(bounds, bounds[1:]):
        while b - a > max_chars:
            cut = text.rfind(" ", a + 1, a + max_chars)
            cut = cut + 1 if cut > a else a + max_chars
            spans.append((a, cut))
            a = cut
        if b > a:
            spans.append((a, b))
    return spans


def chunk_text(text: str, max_chars: int, overlap: int = 1) -> list[tuple[int, int]]:
    """Pack the units of ``sentence_spans(text, max_chars)`` greedily into chunks (start, end) of at most
    ``max_chars`` characters. When a chunk holds units i .. j-1, the next one starts at unit max(j - overlap, i + 1)
    (it repeats the last ``overlap`` units, never the whole chunk), or later if needed for unit j to fit: each chunk
    brings at least one new unit."""
    raise NotImplementedError("chunk_text")


def chunk_articles(articles: Sequence, max_chars: int, overlap: int = 1) -> list[Chunk]:
    """Chunk every article (objects with ``id``, ``title``, ``text``), in order: a flat list of Chunks."""
    raise NotImplementedError("chunk_articles")
