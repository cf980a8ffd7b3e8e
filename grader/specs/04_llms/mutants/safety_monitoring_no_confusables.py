"""Mutant: normalize skips the look-alike map, so Cyrillic and Greek letters get through."""


from __future__ import annotations

import math
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field

# look-alike letters (after case folding) -> the Latin letter they imitate (given)
CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ӏ": "l", "ԛ": "q", "ԝ": "w",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w",
}
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen


def clean(text: str) -> str:
    """NFKC and zero-width removal, case kept (given): the text PII spans refer to."""
    return unicodedata.normalize("NFKC", text).translate({ord(c): None for c in ZERO_WIDTH})


def normalize(text: str) -> str:
    """NFKC, zero-width characters removed, casefold, look-alikes mapped to Latin."""
    t = clean(text).casefold()                      # casefold before the map: Cyrillic "Н" -> "н" -> "h"
    return t


def words(text: str) -> list[str]:
    """Whitespace-separated words of normalize(text) with non-[a-z0-9] characters removed; runs of 2+ single
    letters joined into one word."""
    toks = [re.sub(r"[^a-z0-9]", "", w) for w in normalize(text).split()]
    toks = [w for w in toks if w]
    out: list[str] = []
    run: list[str] = []
    for w in toks + [""]:                           # "" flushes the last run
        if len(w) == 1:
            run.append(w)
            continue
        out.extend(["".join(run)] if len(run) >= 2 else run)   # "h e l l" -> "hell"; a lone "a" stays
        run = []
        if w:
            out.append(w)
    return out


def find_blocked(text: str, lexicon: list[str]) -> list[str]:
    """The lexicon terms present as whole words (multi-word terms as consecutive words), sorted."""
    ws = words(text)
    found = set()
    for term in lexicon:
        tw = words(term)
        k = len(tw)
        if k and any(ws[i:i + k] == tw for i in range(len(ws) - k + 1)):
            found.add(term)
    return sorted(found)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a digit string."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:                              # every second digit from the right
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) > 0 and total % 10 == 0


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ ]?|\d{2,4}[ .-])(?:\d{2,4}[ .-]){0,3}\d{2,4}(?![\d])")


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) spans of emails, Luhn-valid card numbers and phone numbers in clean(text), sorted."""
    t = clean(text)
    spans = [("email", m.start(), m.end()) for m in EMAIL.finditer(t)]
    taken = [(s, e) for _, s, e in spans]

    def free(s, e):
        return all(e <= a or s >= b for a, b in taken)

    for m in CARD.finditer(t):
        if free(m.start(), m.end()) and luhn_valid(re.sub(r"\D", "", m.group())):
            spans.append(("card", m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in PHONE.finditer(t):
        n_digits = len(re.sub(r"\D", "", m.group()))
        if 10 <= n_digits <= 15 and free(m.start(), m.end()):
            spans.append(("phone", m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(spans, key=lambda s: s[1])


@dataclass
class FilterResult:
    allowed: bool
    text: str
    reasons: list[str] = field(default_factory=list)


def filter_text(text: str, lexicon: list[str], pii: str = "redact") -> FilterResult:
    """Reject blocked terms; reject or redact PII (pii = "reject" or "redact")."""
    blocked = find_blocked(text, lexicon)
    if blocked:
        return FilterResult(False, text, [f"blocked:{t}" for t in blocked])
    spans = find_pii(text)
    if spans and pii == "reject":
        return FilterResult(False, text, [f"pii:{k}" for k in sorted({k for k, _, _ in spans})])
    out = clean(text)
    for kind, s, e in reversed(spans):              # right to left: earlier offsets stay valid
        out = out[:s] + f"[{kind.upper()}]" + out[e:]
    return FilterResult(True, out, [f"redacted:{k}" for k, _, _ in spans])


class Monitor:
    """Latency percentiles, tokens per second and error rate over the last ``window`` requests."""

    def __init__(self, window: int = 100):
        self.events: deque = deque(maxlen=window)   # (latency_s, n_tokens, ok); the oldest falls out

    def record(self, latency_s: float, n_tokens: int, ok: bool = True) -> None:
        self.events.append((float(latency_s), int(n_tokens), bool(ok)))

    @staticmethod
    def _percentile(sorted_x: list[float], p: float) -> float:
        r = p / 100 * (len(sorted_x) - 1)           # numpy's "linear" rank
        i = math.floor(r)
        if i >= len(sorted_x) - 1:
            return sorted_x[-1]
        return sorted_x[i] + (r - i) * (sorted_x[i + 1] - sorted_x[i])

    def percentiles(self) -> dict[str, float]:
        """p50, p95, p99 of every latency in the window (nan when empty)."""
        xs = sorted(lat for lat, _, _ in self.events)
        if not xs:
            return {"p50": math.nan, "p95": math.nan, "p99": math.nan}
        return {f"p{p}": self._percentile(xs, p) for p in (50, 95, 99)}

    def tokens_per_second(self) -> float:
        """Tokens of successful requests / their total latency (0.0 if none)."""
        tok = sum(n for _, n, ok in self.events if ok)
        sec = sum(lat for lat, _, ok in self.events if ok)
        return tok / sec if sec > 0 else 0.0

    def error_rate(self) -> float:
        """Failed requests / requests in the window (0.0 when empty)."""
        return sum(not ok for _, _, ok in self.events) / len(self.events) if self.events else 0.0
