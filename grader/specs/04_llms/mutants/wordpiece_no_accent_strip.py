"""Mutant: accents are not stripped (no NFD + dropping combining marks)."""

from __future__ import annotations

import unicodedata
from pathlib import Path


def load_vocab(path: str | Path) -> dict[str, int]:
    """Read a BERT vocab.txt: one token per line, the id is the line number."""
    with open(path, encoding="utf-8") as f:
        return {line.rstrip("\n"): i for i, line in enumerate(f)}


def _is_whitespace(ch: str) -> bool:
    """Space, tab, newline, carriage return, or any Unicode space separator (Zs)."""
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    """A control/format character (category C*), except tab/newline/CR, which count as whitespace."""
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    """ASCII non-alphanumeric printable characters (so $ + < = > ^ ` | ~ count) or any Unicode P* character."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(ch: str) -> bool:
    """A CJK Unified Ideograph (the blocks BERT singles out; Japanese kana and Hangul are not included)."""
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _strip_accents(word: str) -> str:
    """NFD-decompose, then drop the combining marks: 'café' -> 'cafe'."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn")


def _split_punctuation(word: str) -> list[str]:
    """Every punctuation character becomes its own token: "it's" -> ["it", "'", "s"]."""
    out: list[str] = []
    current = ""
    for ch in word:
        if _is_punctuation(ch):
            if current:
                out.append(current)
            out.append(ch)
            current = ""
        else:
            current += ch
    if current:
        out.append(current)
    return out


def basic_tokenize(text: str) -> list[str]:
    """Clean, space out CJK, split on whitespace, lower-case, strip accents, split punctuation.

    Args:
        text: any string.

    Returns:
        The list of words and punctuation marks, e.g. "Héllo, World!" -> ["hello", ",", "world", "!"].
    """
    cleaned = []
    for ch in text:
        if ch in "\x00\ufffd" or _is_control(ch):
            continue  # invisible junk
        if _is_whitespace(ch):
            cleaned.append(" ")
        elif _is_cjk(ch):
            cleaned.append(f" {ch} ")  # each ideograph is a word
        else:
            cleaned.append(ch)
    tokens: list[str] = []
    for word in "".join(cleaned).split():
        word = word.lower()
        tokens.extend(_split_punctuation(word))
    return tokens


def wordpiece(word: str, vocab: dict[str, int], unk: str = "[UNK]", max_chars: int = 100) -> list[str]:
    """Greedy longest-match-first split of one word into vocabulary pieces ("##" marks continuations).

    Args:
        word: one word from basic_tokenize (no spaces).
        vocab: token -> id.
        unk: returned, alone, for a word that cannot be split.
        max_chars: longer words are unk.

    Returns:
        The pieces, e.g. ["un", "##aff", "##able"], or [unk].
    """
    if len(word) > max_chars:
        return [unk]
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end = len(word)
        while end > start:  # longest candidate first
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
            end -= 1
        else:
            return [unk]  # some position has no match: the whole word is unknown
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text: str, vocab: dict[str, int]) -> list[str]:
    """basic_tokenize, then wordpiece on every word."""
    return [piece for word in basic_tokenize(text) for piece in wordpiece(word, vocab)]


def encode(text: str, vocab: dict[str, int]) -> list[int]:
    """[CLS] + the ids of tokenize(text) + [SEP]."""
    return [vocab["[CLS]"]] + [vocab[t] for t in tokenize(text, vocab)] + [vocab["[SEP]"]]
