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
    t = clean(text).casefold()                      # casefold before the map: Cyrillic "Н" -> "н" -> "h"
    return "".join(CONFUSABLES.get(ch, ch) for ch in t)


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
