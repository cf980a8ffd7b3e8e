"""Lemmatization: an irregular-form lookup, then suffix rules by part of speech.

Goal
----
Map an inflected word and its part of speech to its dictionary form (its
*lemma*): "went"/v -> "go", "children"/n -> "child", "stopped"/v -> "stop",
"hoping"/v -> "hope", "happier"/a -> "happy". You write:

* ``lemmatize(word, pos)``: lower-case, look the word up in ``IRREGULAR``
  (given), else apply the first suffix rule of ``RULES[pos]`` (given) that fits;
* ``restore_stem(stem)``: the spelling repair after -ed, -ing, -er, -est
  (undo a doubled consonant, or put back a silent e);
* ``needs_e(stem)``: the silent-e test that ``restore_stem`` uses;
* ``lemmatize_tagged(pairs)``: lemmatize (word, Penn Treebank tag) pairs.

Why it matters
--------------
A stemmer chops ("studies" -> "studi"); a lemmatizer returns a real word, and
uses the part of speech to do it ("leaves"/n -> "leaf" but "leaves"/v ->
"leave"; "saw"/v -> "see" but "saw"/n -> "saw"). Lemmas shrink a vocabulary
without making it unreadable, and are what search engines, keyword extraction
and classic feature pipelines (spaCy's lemma_, WordNet's morphy) provide.
Writing one shows why real lemmatizers need a dictionary: English spelling
rules are almost regular, and the exceptions must be listed.

The rules
---------
``lemmatize(word, pos)``, pos one of "n" (noun), "v" (verb), "a" (adjective);
any other pos raises ``ValueError``.

1. w = word.lower(). If w is a key of IRREGULAR[pos], return its value.
2. Try the rules of RULES[pos] in order. For a rule (suffix, replacement)
   with w ending in the suffix, let stem = w minus the suffix; the candidate
   lemma is stem + replacement, or ``restore_stem(stem)`` when the
   replacement is ``FIX``. The rule fits if the candidate is at least 3
   letters long and contains a vowel (a, e, i, o, u or y); the first rule that
   fits gives the lemma. A rule that does not fit is skipped and the next is
   tried ("pies"/n: "ies" gives "py", too short, so the "s" rule gives "pie").
3. If no rule fits, return w unchanged ("gas": "ga" is too short; "sing":
   "s" is too short; "string": "str" has no vowel).

Identity rules such as ("ss", "ss") stop a shorter rule from firing: "glass"
matches "ss" first and stays "glass".

``restore_stem(stem)`` repairs the stem left by -ed, -ing, -er, -est:

1. doubled final consonant (two equal letters, not a vowel): if it is l, s, z
   or f the stem is right as it is ("fall", "pass", "buzz", "stuff"); any
   other, drop one ("stopp" -> "stop", "runn" -> "run", "bigg" -> "big");
2. otherwise, if ``needs_e(stem)``, add "e" ("hop" -> "hope");
3. otherwise the stem is the lemma ("walk", "visit", "open").

``needs_e(stem)`` (vowels here are a, e, i, o, u only) is true if ANY of:

a. the stem ends consonant-vowel-consonant, the last consonant is not w, x or
   y, and the stem has exactly one run of vowels: "hop", "mak", "writ",
   "nic" (but not "visit" or "open": two vowel runs; not "rain": vv; not
   "play", "show", "fix");
b. it ends in v, c, u or z: "lov", "danc", "argu", "siz";
c. it ends in a vowel followed by s or g: "caus", "clos", "damag";
d. it ends in rg or dg, or in one of b c d f g k p t z followed by l:
   "larg", "judg", "handl", "simpl", "settl".

The limits are real and intended: "decided" -> "decid", "created" -> "creat",
"changed" -> "chang" (telling "chang(e)" from "sing" needs a dictionary). Real
lemmatizers (WordNet's morphy) generate such candidates and keep the first
one found in the lexicon.

``lemmatize_tagged(pairs)``: tags starting NN -> "n" (NN, NNS, NNP, NNPS),
VB -> "v" (VB, VBD, VBG, VBN, VBP, VBZ), JJ -> "a" (JJ, JJR, JJS); a word with
any other tag (DT, IN, RB, PRP, ...) is only lower-cased.

API
---
    IRREGULAR: dict[pos, dict[form, lemma]]          (given)
    RULES: dict[pos, list[(suffix, replacement)]]     (given; replacement FIX = restore_stem)
    needs_e(stem)              -> bool
    restore_stem(stem)         -> str
    lemmatize(word, pos)       -> str
    lemmatize_tagged(pairs)    -> list[str]           pairs: [(word, penn_tag), ...]

Worked example
--------------
    >>> [lemmatize(w, "v") for w in ["went", "stopped", "hoping", "walked", "tries", "falling"]]
    ['go', 'stop', 'hope', 'walk', 'try', 'fall']
    >>> lemmatize("leaves", "n"), lemmatize("leaves", "v"), lemmatize("Cities", "n")
    ('leaf', 'leave', 'city')
    >>> lemmatize("happiest", "a"), lemmatize("bigger", "a"), lemmatize("nicer", "a")
    ('happy', 'big', 'nice')
    >>> lemmatize_tagged([("The", "DT"), ("mice", "NNS"), ("were", "VBD"), ("running", "VBG")])
    ['the', 'mouse', 'be', 'run']

"hoping": IRREGULAR has no entry; "ing" fits (stem "hop": 3 letters, a vowel);
restore_stem("hop"): no double consonant; needs_e: h-o-p is c v c with one
vowel run -> "hope". "hopping": stem "hopp", doubled p -> "hop".

Reference
---------
Jurafsky & Martin, *Speech and Language Processing* (3rd ed. draft), 2.4.4
"Lemmatization"; WordNet's morphy (https://wordnet.princeton.edu/documentation/morphy7wn);
spaCy's rule-based lemmatizer; Quirk et al. on English spelling (doubling,
silent e).
"""

from __future__ import annotations

FIX = "<restore>"  # replacement meaning "restore_stem(stem)"

IRREGULAR: dict[str, dict[str, str]] = {
    "n": {
        "children": "child", "men": "man", "women": "woman", "people": "person", "mice": "mouse",
        "geese": "goose", "feet": "foot", "teeth": "tooth", "oxen": "ox", "leaves": "leaf", "wolves": "wolf",
        "knives": "knife", "wives": "wife", "lives": "life", "halves": "half", "buses": "bus",
        "analyses": "analysis", "crises": "crisis", "theses": "thesis", "criteria": "criterion",
        "phenomena": "phenomenon", "news": "news", "series": "series", "species": "species", "sheep": "sheep",
        "fish": "fish", "deer": "deer",
    },
    "v": {
        "am": "be", "are": "be", "is": "be", "was": "be", "were": "be", "been": "be", "being": "be",
        "has": "have", "had": "have", "having": "have", "does": "do", "did": "do", "done": "do", "doing": "do",
        "goes": "go", "went": "go", "gone": "go", "going": "go", "ran": "run", "saw": "see", "seen": "see",
        "took": "take", "taken": "take", "made": "make", "said": "say", "got": "get", "gotten": "get",
        "came": "come", "knew": "know", "known": "know", "thought": "think", "ate": "eat", "eaten": "eat",
        "wrote": "write", "written": "write", "began": "begin", "begun": "begin", "gave": "give",
        "given": "give", "found": "find", "told": "tell", "left": "leave", "felt": "feel", "kept": "keep",
        "brought": "bring", "bought": "buy", "sat": "sit", "stood": "stand", "dying": "die", "lying": "lie",
        "tying": "tie", "died": "die", "tied": "tie", "lied": "lie", "tried": "try", "cried": "cry",
        "dried": "dry", "fried": "fry", "used": "use", "agreed": "agree", "freed": "free", "added": "add",
        "adding": "add", "bled": "bleed", "fed": "feed", "led": "lead", "fled": "flee",
    },
    "a": {
        "better": "good", "best": "good", "worse": "bad", "worst": "bad", "further": "far", "furthest": "far",
        "farther": "far", "farthest": "far", "more": "many", "most": "many", "less": "little",
        "least": "little", "elder": "old", "eldest": "old", "freer": "free", "freest": "free", "odder": "odd",
        "oddest": "odd", "other": "other", "clever": "clever", "proper": "proper", "bitter": "bitter",
        "tender": "tender", "eager": "eager", "honest": "honest", "modest": "modest",
    },
}

RULES: dict[str, list[tuple[str, str]]] = {
    "n": [("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"), ("zzes", "zz"),
          ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", "")],
    "v": [("ies", "y"), ("ied", "y"), ("eed", "eed"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"),
          ("xes", "x"), ("zzes", "zz"), ("ss", "ss"), ("s", ""), ("ing", FIX), ("ed", FIX)],
    "a": [("iest", "y"), ("ier", "y"), ("est", FIX), ("er", FIX)],
}


def needs_e(stem: str) -> bool:
    """True if the stem lost a silent e (hop(e), lov(e), danc(e), caus(e), larg(e), handl(e)): rules a-d."""
    raise NotImplementedError("needs_e: not written yet")


def restore_stem(stem: str) -> str:
    """Repair a stem left by -ed/-ing/-er/-est: undo a doubled consonant (not l/s/z/f), else add a silent e if needed."""
    raise NotImplementedError("restore_stem: not written yet")


def lemmatize(word: str, pos: str) -> str:
    """The lemma of word as part of speech pos ("n", "v" or "a"): lookup first, then the first fitting suffix rule.

    Raises:
        ValueError: if pos is not one of "n", "v", "a".
    """
    raise NotImplementedError("lemmatize: not written yet")


def lemmatize_tagged(pairs: list[tuple[str, str]]) -> list[str]:
    """Lemmatize (word, Penn Treebank tag) pairs: NN* -> noun, VB* -> verb, JJ* -> adjective, else lower-case only."""
    raise NotImplementedError("lemmatize_tagged: not written yet")
