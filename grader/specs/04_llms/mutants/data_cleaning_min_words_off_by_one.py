"""Mutant: a line needs MORE than min_words words."""

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
    if len(line.split()) <= min_words:
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
