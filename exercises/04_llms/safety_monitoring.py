"""Safety filters and monitoring for an LLM API: normalisation, blocked terms, PII, latency percentiles.

Goal
----
Build the guard rails that sit around a deployed model:

* ``normalize``: text -> a canonical form that defeats cheap bypasses:
  Unicode NFKC (full-width letters, ligatures), zero-width characters
  removed, case folded, Cyrillic/Greek look-alikes mapped to Latin
  (``CONFUSABLES``, given);
* ``words``: the normalised text as words, with punctuation inside a word
  removed ("h.e.l.l" -> "hell") and runs of single letters joined
  ("h e l l" -> "hell");
* ``find_blocked``: the lexicon terms that occur as WHOLE words (so "hell"
  does not fire on "shell" or "hello": the Scunthorpe problem);
* ``luhn_valid`` and ``find_pii``: emails, phone numbers and payment-card
  numbers (13-19 digits that pass the Luhn check);
* ``filter_text``: reject text with a blocked term; for PII, reject or
  redact (replace each span by [EMAIL], [PHONE], [CARD]);
* ``Monitor``: a sliding window over the last ``window`` requests with
  latency percentiles (p50/p95/p99), tokens per second and error rate.

Why it matters
--------------
Input and output filters are the first line of safety for a public model
endpoint, and users actively try to get around them: "H E L L", "h.e.l.l",
"һеll" with Cyrillic letters, zero-width spaces. Substring matching catches
those but also bans "Scunthorpe" and "assessment". Normalising first and then
matching whole words gets both right. PII must not leak into logs or
outputs. And a service is run by its percentiles: the mean hides the slow
tail that users notice, so dashboards show p50/p95/p99 over a recent window.

The maths
---------
Luhn check: from the rightmost digit, double every second digit (the 2nd,
4th, ... from the right), subtract 9 from any result above 9, sum all
digits; valid iff the sum is divisible by 10.

Percentile p of n values (numpy's default "linear" method): sort them as
x_0 <= ... <= x_{n-1}; rank r = p / 100 * (n - 1); with i = floor(r) and
f = r - i, the percentile is x_i + f * (x_{i+1} - x_i) (x_i if i = n - 1).
Write it yourself; ``numpy.percentile`` is the test's oracle.

Tokens per second over the window = (sum of tokens of successful requests)
/ (sum of their latencies). Error rate = errors / requests in the window.

PII patterns (on the text after NFKC and zero-width removal, case kept):

* email: ``[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}``
* card: 13-19 digits, optionally grouped by single spaces or hyphens, that
  pass Luhn (not preceded or followed by another digit);
* phone: an optional "+", then 10-15 digits in groups separated by single
  spaces, hyphens, dots or a parenthesised area code ("(555) 123-4567",
  "+44 20 7946 0958", "555.123.4567"), not part of a card match.
  Plain numbers such as "2023" or "1,000,000" are not phones.

API
---
    CONFUSABLES: dict[str, str]                 (given) look-alike -> Latin letter
    ZERO_WIDTH: str                             (given) the characters to delete
    normalize(text) -> str
    words(text) -> list[str]
    find_blocked(text, lexicon) -> list[str]    lexicon terms found (as written in the lexicon), sorted
    luhn_valid(digits) -> bool                  digits: a string of 0-9
    find_pii(text) -> list[(kind, start, end)]  kind in {"email", "phone", "card"}, spans in clean(text), sorted
    clean(text) -> str                          (given) NFKC + zero-width removal
    filter_text(text, lexicon, pii="redact") -> FilterResult(allowed, text, reasons)
        blocked term: allowed False, reasons ["blocked:<term>", ...];
        PII with pii="reject": allowed False, reasons ["pii:<kind>", ...];
        PII with pii="redact": allowed True, text = clean(text) with spans replaced by [EMAIL]/[PHONE]/[CARD]
    Monitor(window=100): .record(latency_s, n_tokens, ok=True); .percentiles() -> {"p50", "p95", "p99"};
        .tokens_per_second() -> float; .error_rate() -> float  (0.0 for an empty window)

Worked example
--------------
    >>> normalize("ＨＥ\\u200bLL һеll")       # full-width, zero-width space, Cyrillic һ and е
    'hell hell'
    >>> words("h.e.l.l, and s h e l l!")
    ['hell', 'and', 'shell']
    >>> find_blocked("What the h e l l?", ["hell"]), find_blocked("Shell Scunthorpe", ["hell"])
    (['hell'], [])
    >>> filter_text("mail me: bob@example.com", ["hell"]).text
    'mail me: [EMAIL]'
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)

Reference
---------
Unicode Technical Standard #39, "Unicode Security Mechanisms"
(confusables, skeletons); Unicode Standard Annex #15 (NFKC); ISO/IEC 7812
(Luhn); Beyer et al., "Site Reliability Engineering" (2016), chapter 6
(latency percentiles); numpy.percentile's documentation (method="linear").
"""

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
    raise NotImplementedError("normalize: not written yet")


def words(text: str) -> list[str]:
    """Whitespace-separated words of normalize(text) with non-[a-z0-9] characters removed; runs of 2+ single
    letters joined into one word."""
    raise NotImplementedError("words: not written yet")


def find_blocked(text: str, lexicon: list[str]) -> list[str]:
    """The lexicon terms present as whole words (multi-word terms as consecutive words), sorted."""
    raise NotImplementedError("find_blocked: not written yet")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a digit string."""
    raise NotImplementedError("luhn_valid: not written yet")


# the PII patterns of the docstring (given); a card match still has to pass luhn_valid, a phone needs 10-15 digits
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ ]?|\d{2,4}[ .-])(?:\d{2,4}[ .-]){0,3}\d{2,4}(?![\d])")


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) spans of emails, Luhn-valid card numbers and phone numbers in clean(text), sorted.
    Spans do not overlap: emails first, then cards, then phones."""
    raise NotImplementedError("find_pii: not written yet")


@dataclass
class FilterResult:
    allowed: bool
    text: str
    reasons: list[str] = field(default_factory=list)


def filter_text(text: str, lexicon: list[str], pii: str = "redact") -> FilterResult:
    """Reject blocked terms; reject or redact PII (pii = "reject" or "redact")."""
    raise NotImplementedError("filter_text: not written yet")


class Monitor:
    """Latency percentiles, tokens per second and error rate over the last ``window`` requests."""

    def __init__(self, window: int = 100):
        """Keep the last ``window`` (latency_s, n_tokens, ok) events."""
        raise NotImplementedError("Monitor.__init__: not written yet")

    def record(self, latency_s: float, n_tokens: int, ok: bool = True) -> None:
        """Add one finished request; the oldest falls out of a full window."""
        raise NotImplementedError("Monitor.record: not written yet")

    def percentiles(self) -> dict[str, float]:
        """p50, p95, p99 of every latency in the window (nan when empty), numpy's linear definition."""
        raise NotImplementedError("Monitor.percentiles: not written yet")

    def tokens_per_second(self) -> float:
        """Tokens of successful requests / their total latency (0.0 if none)."""
        raise NotImplementedError("Monitor.tokens_per_second: not written yet")

    def error_rate(self) -> float:
        """Failed requests / requests in the window (0.0 when empty)."""
        raise NotImplementedError("Monitor.error_rate: not written yet")
