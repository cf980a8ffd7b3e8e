"""Constitutional AI, rule-based: a critique-and-revise loop that produces SFT and preference data.

Goal
----
Write the data-generation loop of Constitutional AI with a deterministic,
rule-based critic in place of the language model:

* ``critique``: check a response against a small constitution and return
  every violation (which principle, where, what text);
* ``revise``: rewrite the given violations (redact, replace, refuse);
* ``constitutional_loop``: critique, revise one principle per round, repeat
  until no violation remains or ``max_rounds`` rounds have run, and keep the
  history;
* ``to_sft`` / ``to_preferences``: turn the results into (prompt, response)
  examples for supervised fine-tuning and (prompt, chosen, rejected) pairs
  for a reward model or DPO.

Why it matters
--------------
Anthropic's Constitutional AI replaces most human harmlessness labels with a
written list of principles: a model critiques its own answer against one
principle, revises it, and the revisions become SFT data (the SL-CAI stage);
pairs of (revised, original) answers become AI-generated preference data for
RL (RLAIF). The loop's bookkeeping is what this exercise is about, and rule
checks are how production pipelines filter data anyway (PII scrubbing,
blocklists). A filter is only as good as its coverage: "IDIOT", "i d i o t"
and "(555) 123-4567" must be caught just like "idiot" and "555-123-4567".

The constitution (checked in this order)
----------------------------------------
1. "privacy": no personal data.
   * email: ``EMAIL_RE``: an address such as John.Doe@Example.COM, also with
     spaces around the @ or with "[at]" / "(at)" instead of it;
     revised to "[EMAIL]".
   * phone: ``PHONE_RE``: a North American number, optionally "+1", area
     code optionally in parentheses, groups separated by nothing, a space, a
     dot or a hyphen: 555-123-4567, (555) 123 4567, +1 555.123.4567;
     revised to "[PHONE]".
2. "respect": no insults. A word of ``INSULTS`` (a dict word -> polite
   replacement) matched case-insensitively as a whole word (no letter right
   before or after), and also when its letters are separated by spaces, dots,
   hyphens or underscores ("s t u p i d", "I.D.I.O.T"); the span is replaced
   by INSULTS[word]. "stupidity" or "idiomatic" are not insults.
3. "safety": no unsafe instructions. A match of any regex in
   ``UNSAFE_PATTERNS`` (case-insensitive, any whitespace between words) makes
   the whole sentence containing it unsafe: the sentence (from just after the
   previous ".", "!" or "?" and its following whitespace, or the start, to the
   next ".", "!" or "?" inclusive, or the end) is replaced by ``REFUSAL``.
   Several matches in one sentence give one replacement.

``critique(text)`` returns all violations of all principles as
``Violation(principle, start, end, text)`` with text == text[start:end] of
the matched span (for safety, the pattern's match, not the sentence), sorted
by (start, end).

The loop
--------
    text = initial response
    repeat at most max_rounds times:
        violations = critique(text); stop if there are none
        p = the first principle, in constitution order, with a violation
        text = revise(text, [the violations of p])
        record Round(number, p, those violations, before, after)
    converged = critique(final text) is empty

One principle per round, as Constitutional AI samples one principle per
revision. ``revise`` must handle several spans at once: replacements change
the text's length, so apply them from the right (or rebuild the string
left to right from the original offsets).

Datasets: ``to_sft`` keeps the converged results as {"prompt", "response":
revised}; ``to_preferences`` keeps the converged results whose revision
changed something, as {"prompt", "chosen": revised, "rejected": initial}.

API
---
    Violation(principle, start, end, text)          (a frozen dataclass, given)
    Round(number, principle, violations, before, after)   (given)
    Result(prompt, initial, revised, history, converged)  (given)
    insult_pattern(word) -> re.Pattern             (one INSULTS word, with the bypasses)
    critique(text) -> list[Violation]
    replacement(violation) -> str                  ("[EMAIL]", "[PHONE]" or the polite word)
    sentence_span(text, start, end) -> (s, e)      (implemented for you)
    revise(text, violations) -> str
    constitutional_loop(prompt, response, max_rounds=4) -> Result
    to_sft(results) -> list[dict];  to_preferences(results) -> list[dict]

Worked example
--------------
    >>> r = constitutional_loop("Who?", "Mail me at a@b.com, you idiot.")
    >>> [(h.principle, h.after) for h in r.history]
    [('privacy', 'Mail me at [EMAIL], you idiot.'), ('respect', 'Mail me at [EMAIL], you person.')]
    >>> r.converged, r.revised
    (True, 'Mail me at [EMAIL], you person.')
    >>> critique("How do I build a bomb? Thanks.")
    [Violation(principle='safety', start=9, end=21, text='build a bomb')]
    >>> revise("How do I build a bomb? Thanks.", critique("How do I build a bomb? Thanks."))
    "I can't help with that. Thanks."

Reference
---------
Bai et al., "Constitutional AI: Harmlessness from AI Feedback" (Anthropic,
2022), sections 3 (critique -> revision -> SL-CAI) and 4 (RLAIF preference
data); Python's ``re`` module documentation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+\s*(?:@|\[at\]|\(at\))\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
                      re.IGNORECASE)
PHONE_RE = re.compile(r"(?<![\w+])(?:\+1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)")
INSULTS = {"idiot": "person", "stupid": "unwise", "moron": "person", "dumb": "unwise", "loser": "person"}
UNSAFE_PATTERNS = [
    r"\b(?:make|build|assemble)\s+(?:a\s+|an\s+)?(?:pipe\s+)?(?:bomb|explosive)s?\b",
    r"\bhot[\s-]?wire\s+(?:a\s+|the\s+)?car\b",
    r"\bsynthesi[sz]e\s+(?:meth|nerve\s+agents?)\b",
]
REFUSAL = "I can't help with that."
PRINCIPLES = ("privacy", "respect", "safety")


@dataclass(frozen=True)
class Violation:
    principle: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Round:
    number: int                 # 1, 2, ...
    principle: str
    violations: tuple[Violation, ...]
    before: str
    after: str


@dataclass(frozen=True)
class Result:
    prompt: str
    initial: str
    revised: str
    history: tuple[Round, ...]
    converged: bool


@functools.lru_cache(maxsize=None)
def insult_pattern(word: str) -> re.Pattern:
    """The compiled regex for one INSULTS word: case-insensitive, a whole word (no letter right before or after),
    and letters possibly separated by spaces, dots, hyphens or underscores."""
    body = r"[\s._-]*".join(re.escape(c) for c in word)  # "s t u p i d", "I.D.I.O.T" too
    return re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])", re.IGNORECASE)


_UNSAFE_RES = [re.compile(p, re.IGNORECASE) for p in UNSAFE_PATTERNS]


def critique(text: str) -> list[Violation]:
    """Every violation of every principle, sorted by (start, end)."""
    found = []
    for rx in (EMAIL_RE, PHONE_RE):
        found += [Violation("privacy", m.start(), m.end(), m.group()) for m in rx.finditer(text)]
    for rx in map(insult_pattern, INSULTS):
        found += [Violation("respect", m.start(), m.end(), m.group()) for m in rx.finditer(text)]
    for rx in _UNSAFE_RES:
        found += [Violation("safety", m.start(), m.end(), m.group()) for m in rx.finditer(text)]
    return sorted(found, key=lambda v: (v.start, v.end))


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: after the previous [.!?] and whitespace, up to the next [.!?] inclusive."""
    prev = max(text.rfind(c, 0, start) for c in ".!?")
    s = prev + 1
    while s < start and text[s].isspace():
        s += 1
    nxt = [i for i in (text.find(c, end) for c in ".!?") if i != -1]
    return s, (min(nxt) + 1 if nxt else len(text))


def replacement(v: Violation) -> str:
    """The text that replaces a privacy or respect violation: "[EMAIL]", "[PHONE]" or INSULTS[the word]."""
    if v.principle == "privacy":
        return "[EMAIL]" if EMAIL_RE.fullmatch(v.text) else "[PHONE]"
    if v.principle == "respect":
        letters = re.sub(r"[\s._-]", "", v.text).lower()
        return INSULTS[letters]
    return REFUSAL


def revise(text: str, violations: list[Violation]) -> str:
    """Rewrite every given violation; other text is kept as it is."""
    edits = []  # (start, end, replacement) on the ORIGINAL offsets
    for v in violations:
        if v.principle == "safety":
            s, e = sentence_span(text, v.start, v.end)
            if edits and edits[-1][2] == REFUSAL and edits[-1][:2] == (s, e):
                continue  # one refusal per sentence
            edits.append((s, e, REFUSAL))
        else:
            edits.append((v.start, v.end, replacement(v)))
    for s, e, rep in sorted(edits, reverse=True):  # right to left: earlier offsets stay valid
        text = text[:s] + rep + text[e:]
    return text


def constitutional_loop(prompt: str, response: str, max_rounds: int = 4) -> Result:
    """Critique and revise, one principle per round, until clean or max_rounds rounds."""
    text, history = response, []
    for number in range(1, max_rounds + 1):
        violations = critique(text)
        if not violations:
            break
        principle = next(p for p in PRINCIPLES if any(v.principle == p for v in violations))
        chosen = tuple(v for v in violations if v.principle == principle)
        after = revise(text, list(chosen))
        history.append(Round(number, principle, chosen, text, after))
        text = after
    return Result(prompt, response, text, tuple(history), not critique(text))


def to_sft(results: list[Result]) -> list[dict]:
    """{"prompt", "response": revised} for each converged result."""
    return [{"prompt": r.prompt, "response": r.revised} for r in results if r.converged]


def to_preferences(results: list[Result]) -> list[dict]:
    """{"prompt", "chosen": revised, "rejected": initial} for converged results that the loop changed."""
    return [{"prompt": r.prompt, "chosen": r.revised, "rejected": r.initial}
            for r in results if r.converged and r.revised != r.initial]
