"""Mutant: when the longest matching suffix's condition fails, the step goes on to try shorter suffixes (statement -> statem)."""

from __future__ import annotations

from typing import Callable, Optional

VOWELS = frozenset("aeiou")

Rule = tuple[str, str, Optional[Callable[[str], bool]]]  # (suffix, replacement, condition on the stem)


def is_consonant(word: str, i: int) -> bool:
    """True if word[i] is a consonant (y: a consonant at the start or after a vowel, else a vowel)."""
    ch = word[i]
    if ch in VOWELS:
        return False
    if ch == "y":
        return i == 0 or not is_consonant(word, i - 1)  # "toy": y after a vowel is a consonant
    return True


def _cv(stem: str) -> str:
    """The stem as a string of 'c' and 'v', e.g. 'trouble' -> 'ccvvccv'."""
    return "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))


def measure(stem: str) -> int:
    """m in [C](VC)^m[V]: the number of vowel-run -> consonant-run transitions."""
    return _cv(stem).count("vc")  # each VC pair has exactly one 'v' followed by a 'c'


def contains_vowel(stem: str) -> bool:
    """*v*: the stem has at least one vowel."""
    return "v" in _cv(stem)


def ends_double_consonant(stem: str) -> bool:
    """*d: the stem ends with two equal consonants."""
    return len(stem) >= 2 and stem[-1] == stem[-2] and is_consonant(stem, len(stem) - 1)


def ends_cvc(stem: str) -> bool:
    """*o: the stem ends consonant-vowel-consonant, the last not w, x or y."""
    # Classify inside the whole stem: whether y is a vowel depends on the letter before it.
    return len(stem) >= 3 and _cv(stem)[-3:] == "cvc" and stem[-1] not in "wxy"


def _apply(word: str, rules: list[Rule]) -> str:
    """Find the rule whose suffix the word ends with (rules are listed so the longest match comes first);
    replace it if the condition holds on the stem. Only that one rule is tried."""
    for suffix, replacement, condition in rules:
        if word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
            if condition is None or condition(stem):
                return stem + replacement
    return word


def _m_gt(k: int) -> Callable[[str], bool]:
    return lambda stem: measure(stem) > k


def step1a(word: str) -> str:
    """Plurals: sses -> ss, ies -> i, ss -> ss, s -> ''."""
    return _apply(word, [("sses", "ss", None), ("ies", "i", None), ("ss", "ss", None), ("s", "", None)])


def step1b(word: str) -> str:
    """-eed, -ed, -ing, with the tidy-up (at -> ate, hopp -> hop, fil -> file) after -ed/-ing."""
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word  # agreed -> agree, feed stays
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and contains_vowel(word[: -len(suffix)]):
            stem = word[: -len(suffix)]
            break
    else:
        return word  # bled, sing: no vowel before the suffix
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"  # conflat -> conflate, so that step 4 can see -ate
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]  # fall, hiss, fizz keep it; hopp -> hop
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"  # fil -> file
    return stem


def step1c(word: str) -> str:
    """(*v*) y -> i: happy -> happi, but sky stays (no vowel in 'sk')."""
    return _apply(word, [("y", "i", contains_vowel)])


STEP2: list[Rule] = [(s, r, _m_gt(0)) for s, r in [
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
    ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
    ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
    ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
]]

STEP3: list[Rule] = [(s, r, _m_gt(0)) for s, r in [
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
]]

STEP4: list[Rule] = [
    *[(s, "", _m_gt(1)) for s in ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"]],
    ("ion", "", lambda stem: measure(stem) > 1 and stem[-1:] in ("s", "t")),  # adoption -> adopt
    *[(s, "", _m_gt(1)) for s in ["ou", "ism", "ate", "iti", "ous", "ive", "ize"]],
]


def step2(word: str) -> str:
    """Double suffixes to single ones, if m(stem) > 0: relational -> relate."""
    return _apply(word, STEP2)


def step3(word: str) -> str:
    """-icate, -ative, -alize, -iciti, -ical, -ful, -ness, if m(stem) > 0: hopeful -> hope."""
    return _apply(word, STEP3)


def step4(word: str) -> str:
    """Drop the last derivational suffix if m(stem) > 1: adjustment -> adjust."""
    return _apply(word, STEP4)


def step5a(word: str) -> str:
    """Drop a final e if m > 1, or if m = 1 and the stem does not end cvc: probate -> probat, rate stays."""
    if word.endswith("e"):
        m = measure(word[:-1])
        if m > 1 or (m == 1 and not ends_cvc(word[:-1])):
            return word[:-1]
    return word


def step5b(word: str) -> str:
    """-ll -> -l if m > 1: controll -> control, roll stays."""
    if word.endswith("ll") and measure(word[:-1]) > 1:
        return word[:-1]
    return word


def stem(word: str) -> str:
    """The Porter stem of a word: lower-case it, then steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b in order."""
    word = word.lower()
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word
