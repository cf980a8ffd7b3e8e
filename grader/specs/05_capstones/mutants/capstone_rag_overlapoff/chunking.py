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
    if max_chars < 1 or overlap < 0:
        raise ValueError(f"need max_chars >= 1 and overlap >= 0, got {max_chars}, {overlap}")
    units = sentence_spans(text, max_chars)
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i + 1  # units i .. j-1 go in this chunk; one unit always fits (units are <= max_chars)
        while j < len(units) and units[j][1] - units[i][0] <= max_chars:
            j += 1
        chunks.append((units[i][0], units[j - 1][1]))
        if j == len(units):
            break
        i = max(j - overlap + 1, i + 1)  # repeat the last `overlap` units (never the whole chunk again) ...
        while units[j][1] - units[i][0] > max_chars:  # ... fewer when unit j would not fit with them
            i += 1
    return chunks


def chunk_articles(articles: Sequence, max_chars: int, overlap: int = 1) -> list[Chunk]:
    """Chunk every article (objects with ``id``, ``title``, ``text``), in order: a flat list of Chunks."""
    return [Chunk(a.id, a.title, s, e, a.text[s:e])
            for a in articles for s, e in chunk_text(a.text, max_chars, overlap)]
