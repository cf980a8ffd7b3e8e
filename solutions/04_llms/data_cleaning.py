"""C4-style cleaning and Gopher-style quality filters for pretraining text.

Goal
----
Write the heuristic filters that turn raw web-like text into pretraining data:

* ``clean_line``: the C4 line rules (keep a line only if it ends in terminal
  punctuation, has enough words, and does not mention JavaScript);
* ``c4_clean``: the C4 page rules around them (drop the whole page for
  "lorem ipsum", a curly brace or a bad word; clean its lines; drop it if
  fewer than ``min_sentences`` sentences survive);
* ``mean_word_length``, ``symbol_to_word_ratio``, ``bullet_line_fraction`` and
  ``gopher_keep``: three of the Gopher quality filters;
* ``clean_corpus``: the whole pipeline over a list of documents, with counts
  of why each dropped document was dropped.

Why it matters
--------------
Web crawls are mostly boilerplate: menus, cookie notices, code, placeholder
text, lists of links, keyword spam. Models trained on cleaned text are better
at the same compute (Raffel et al. 2020 measured it on C4; Rae et al. 2021 on
MassiveWeb). The rules are crude and cheap, which is the point: they run over
billions of pages. Crude rules have crude failures, and the classic one is the
"Scunthorpe problem": a bad-word filter that matches substrings drops every
page about Scunthorpe, or about "analysis". Match whole words.

The rules
---------
Lines (``clean_line``), after stripping surrounding whitespace, a line is kept
only if ALL hold:

    1. it ends with a terminal mark: one of  .  !  ?  "   (and not with "...")
    2. it has at least ``min_words`` whitespace-separated words (default 3)
    3. it does not contain "javascript" (any case)

Pages (``c4_clean``), in this order:

    1. "lorem ipsum" anywhere (any case)         -> drop the page: "lorem_ipsum"
    2. a curly brace "{" anywhere                 -> drop the page: "curly_brace"
    3. any word of ``bad_words`` as a WHOLE word  -> drop the page: "bad_words"
       (words are ``re.findall(r"\\w+", text.lower())``; "hamster" is not "ham")
    4. keep the lines that pass ``clean_line`` (joined by "\\n")
    5. fewer than ``min_sentences`` sentences in what is left (default 5,
       counted by the given ``count_sentences``)  -> drop: "too_few_sentences"
    otherwise the cleaned page is kept, with reason "ok".

Gopher quality filters (``gopher_keep``), on the raw page, with words being
``text.split()`` and lines the non-blank lines:

    mean word length   = mean of len(word) over words; keep if 3 <= it <= 10
    symbol-to-word     = max(count of "#", count of "..." plus "…") / #words;
                         keep if <= 0.1
    bullet fraction    = fraction of non-blank lines whose first non-space
                         character is one of BULLETS; keep if <= 0.9

A page with no words at all fails the mean word length test (its mean is 0).

The pipeline (``clean_corpus``): for each document, the Gopher filters first
(reasons "mean_word_length", "symbol_ratio", "bullets", checked in that
order), then ``c4_clean``. It returns the kept cleaned texts and a dict of
counts: one entry per reason (including "ok" for kept documents; reasons with
no documents may be left out), plus "lines_kept" and "lines_dropped": the
numbers of non-blank lines kept and dropped by the line rules, summed over
the documents that reached step 4 of ``c4_clean``.

API
---
    count_sentences(text)                          -> int (implemented for you)
    clean_line(line, min_words=3)                  -> stripped line, or None
    c4_clean(text, min_words=3, min_sentences=5, bad_words=BAD_WORDS)
                                                   -> (cleaned or None, reason)
    mean_word_length(text)                         -> float
    symbol_to_word_ratio(text)                     -> float
    bullet_line_fraction(text)                     -> float
    gopher_keep(text)                              -> (bool, reason)
    clean_corpus(docs, **c4_kwargs)                -> (kept texts, counts dict)

Worked example
--------------
    >>> clean_line("  The cat sat on the mat.  ")
    'The cat sat on the mat.'
    >>> clean_line("Home | About | Contact")        # no terminal mark
    >>> clean_line("Please enable JavaScript to view this page.")
    >>> c4_clean("One two three. " * 1)             # 1 sentence < 5
    (None, 'too_few_sentences')
    >>> mean_word_length("a bb ccc")
    2.0
    >>> symbol_to_word_ratio("#ai #ml rocks")       # 2 hashes / 3 words
    0.6666666666666666

Reference
---------
Raffel et al., "Exploring the Limits of Transfer Learning with a Unified
Text-to-Text Transformer" (T5, 2020), section 2.2 (C4), and TensorFlow
Datasets' ``c4_utils.py``; Rae et al., "Scaling Language Models: Methods,
Analysis & Insights from Training Gopher" (2021), appendix A.1.1 (quality
filters); Penedo et al., "The FineWeb Datasets" (2024), for how these rules
are still used.
"""

from __future__ import annotations

import re

TERMINAL_MARKS = (".", "!", "?", '"')
ELLIPSES = ("...", "…")
BULLETS = ("•", "-", "*", "‣", "–", "·", "●")
# A tiny stand-in for the "List of Dirty, Naughty, Obscene or Otherwise Bad Words" that C4 used.
BAD_WORDS = frozenset({"porn", "porno", "xxx", "nsfw", "viagra", "hentai", "camgirl"})

_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")


def count_sentences(text: str) -> int:
    """A crude sentence count: runs of . ! ? (optionally followed by closing quotes/brackets) before a space or the end."""
    return len(_SENTENCE_END.findall(text))


def clean_line(line: str, min_words: int = 3) -> str | None:
    """The C4 line rules: return the stripped line if it passes all three, else None.

    Args:
        line: one line of a page (no newline inside).
        min_words: the fewest whitespace-separated words a kept line may have.

    Returns:
        ``line.strip()`` if it ends in . ! ? or " (but not "..."), has at least
        ``min_words`` words and does not contain "javascript" in any case; else None.
    """
    line = line.strip()
    if not line.endswith(TERMINAL_MARKS) or line.endswith(ELLIPSES):
        return None  # menus, headings, truncated snippets
    if len(line.split()) < min_words:
        return None
    if "javascript" in line.lower():
        return None  # "please enable JavaScript" boilerplate
    return line


def c4_clean(
    text: str,
    min_words: int = 3,
    min_sentences: int = 5,
    bad_words: frozenset[str] | set[str] = BAD_WORDS,
) -> tuple[str | None, str]:
    """The C4 page rules: (cleaned text, "ok") or (None, reason).

    Reasons, checked in this order: "lorem_ipsum", "curly_brace", "bad_words",
    "too_few_sentences". Bad words match whole words only (``\\w+`` tokens of
    the lower-cased page). The cleaned text is the kept lines joined by "\\n".
    """
    lower = text.lower()
    if "lorem ipsum" in lower:
        return None, "lorem_ipsum"  # placeholder text
    if "{" in text:
        return None, "curly_brace"  # code, not prose
    if not bad_words.isdisjoint(re.findall(r"\w+", lower)):
        return None, "bad_words"  # whole words: "Scunthorpe" must survive
    kept = [ok for ok in (clean_line(line, min_words) for line in text.split("\n")) if ok is not None]
    cleaned = "\n".join(kept)
    if count_sentences(cleaned) < min_sentences:
        return None, "too_few_sentences"
    return cleaned, "ok"


def mean_word_length(text: str) -> float:
    """Mean len(word) over ``text.split()``; 0.0 for a page with no words."""
    words = text.split()
    return sum(map(len, words)) / len(words) if words else 0.0


def symbol_to_word_ratio(text: str) -> float:
    """max(#"#", #"..." + #"…") / #words (words = ``text.split()``); 0.0 for a page with no words."""
    words = text.split()
    if not words:
        return 0.0
    hashes = text.count("#")
    ellipses = sum(text.count(e) for e in ELLIPSES)
    return max(hashes, ellipses) / len(words)  # Gopher: either symbol on its own


def bullet_line_fraction(text: str) -> float:
    """Fraction of non-blank lines whose first non-space character is a bullet; 0.0 with no such lines."""
    lines = [line.lstrip() for line in text.split("\n") if line.strip()]
    if not lines:
        return 0.0
    return sum(line.startswith(BULLETS) for line in lines) / len(lines)


def gopher_keep(text: str) -> tuple[bool, str]:
    """The three Gopher filters in order: (True, "ok") or (False, "mean_word_length" / "symbol_ratio" / "bullets")."""
    if not 3.0 <= mean_word_length(text) <= 10.0:
        return False, "mean_word_length"
    if symbol_to_word_ratio(text) > 0.1:
        return False, "symbol_ratio"
    if bullet_line_fraction(text) > 0.9:
        return False, "bullets"
    return True, "ok"


def clean_corpus(docs: list[str], **c4_kwargs) -> tuple[list[str], dict[str, int]]:
    """Gopher filters, then ``c4_clean`` (with ``c4_kwargs``), on every document.

    Returns:
        (kept, counts): the cleaned texts of the kept documents, in order, and
        counts of each reason ("ok" for kept ones) plus "lines_kept" and
        "lines_dropped" (non-blank lines judged by ``clean_line``, over the
        documents that got as far as the line rules).
    """
    min_words = c4_kwargs.get("min_words", 3)
    kept: list[str] = []
    counts: dict[str, int] = {"lines_kept": 0, "lines_dropped": 0}
    for doc in docs:
        ok, reason = gopher_keep(doc)
        if ok:
            cleaned, reason = c4_clean(doc, **c4_kwargs)
            if reason in ("ok", "too_few_sentences"):  # these pages went through the line rules
                lines = [line for line in doc.split("\n") if line.strip()]
                n_kept = sum(clean_line(line, min_words) is not None for line in lines)
                counts["lines_kept"] += n_kept
                counts["lines_dropped"] += len(lines) - n_kept
            if cleaned is not None:
                kept.append(cleaned)
        counts[reason] = counts.get(reason, 0) + 1
    return kept, counts
