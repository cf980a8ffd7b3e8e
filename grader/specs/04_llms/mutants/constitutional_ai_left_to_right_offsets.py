"""Mutant: replacements are applied left to right on shifting offsets, garbling later spans."""

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
    for s, e, rep in sorted(edits):
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
