"""Mutant: contractions in n't are not split: only 's 'm 'd 'll 're 've are clitics, so "don't" stays one word."""

from __future__ import annotations

import re
import unicodedata

# One alternation, tried in order at each position: the first matching rule wins.
TOKEN_RE = re.compile(
    r"""
      (?P<url>(?:https?://|www\.)\S+?(?=[.,;:!?)\]'"]*(?:\s|$)))   # 1. URL, trailing punctuation left out
    | (?P<email>[\w.+-]+@\w[\w-]*(?:\.\w[\w-]*)+)                  # 2. e-mail
    | (?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:-\w+)*(?![\w-]))  # 3. 1,000.5, 3,000-strong (not 3rd)
    | (?P<clitic>'(?:s|m|d|ll|re|ve)\b)                      # 4b/5. n't 's 'm 'd 'll 're 've
    | (?P<word>\w+(?:-\w+|'(?!(?:s|m|d|ll|re|ve)\b)\w+)*)          # 6. e-mail, O'Connor (not it's)
    | (?P<punct>\.\.\.|--|[^\w\s])                                 # 7. ... -- and single symbols
    """,
    re.VERBOSE | re.IGNORECASE,
)

_QUOTES_AND_DASHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                                    "\u2013": "-", "\u2014": "--"})


def normalize_text(text: str, strip_accents: bool = True) -> str:
    """NFKC, ASCII quotes and dashes, optional accent stripping, whitespace collapsed.

    Args:
        text: any string.
        strip_accents: drop combining marks after an NFKD decomposition ("café" -> "cafe").

    Returns:
        The normalised string, with single spaces and no leading/trailing whitespace.
    """
    text = unicodedata.normalize("NFKC", text)  # ligatures, full-width forms, no-break spaces, "…"
    text = text.translate(_QUOTES_AND_DASHES)
    if strip_accents:
        # é = e + U+0301 after NFKD; the combining mark is dropped.
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.split())


def tokenize(text: str, lower: bool = False, normalize: bool = False) -> list[str]:
    """Split text into tokens by the rules in the module docstring.

    Args:
        text: the raw text.
        lower: lower-case every token except URLs.
        normalize: apply ``normalize_text(text, strip_accents=True)`` first.

    Returns:
        The tokens, in order; "".join(tokens) equals the text with whitespace removed
        (no character other than whitespace is ever dropped).
    """
    if normalize:
        text = normalize_text(text, strip_accents=True)
    tokens = []
    for m in TOKEN_RE.finditer(text):  # every non-space character matches some rule (punct is the catch-all)
        tok = m.group()
        if lower and m.lastgroup != "url":
            tok = tok.lower()
        tokens.append(tok)
    return tokens
