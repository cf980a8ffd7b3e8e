"""Mutant: restore_stem never puts a silent e back ('hoping' -> 'hop')."""

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

VOWELS = "aeiou"
PENN_TO_POS = {"NN": "n", "VB": "v", "JJ": "a"}


def _is_cons(ch: str) -> bool:
    return ch not in VOWELS


def needs_e(stem: str) -> bool:
    """True if the stem lost a silent e (hop(e), lov(e), danc(e), caus(e), larg(e), handl(e)); rules a-d."""
    if len(stem) >= 3 and _is_cons(stem[-3]) and not _is_cons(stem[-2]) and _is_cons(stem[-1]) \
            and stem[-1] not in "wxy":
        # (a) c-v-c with a single vowel run: a one-syllable word with a short-looking vowel
        runs = sum(1 for i, ch in enumerate(stem) if ch in VOWELS and (i == 0 or stem[i - 1] not in VOWELS))
        if runs == 1:
            return True
    if stem.endswith(("v", "c", "u", "z")):  # (b) English words do not end in v, and rarely in c/u/z after -e
        return True
    if len(stem) >= 2 and stem[-2] in VOWELS and stem[-1] in "sg":  # (c) caus(e), damag(e)
        return True
    return stem.endswith(("rg", "dg")) or (len(stem) >= 2 and stem[-1] == "l" and stem[-2] in "bcdfgkptz")  # (d)


def restore_stem(stem: str) -> str:
    """Repair a stem left by -ed/-ing/-er/-est: undo a doubled consonant (not l/s/z/f), else add a silent e if needed."""
    if len(stem) >= 2 and stem[-1] == stem[-2] and _is_cons(stem[-1]):
        return stem if stem[-1] in "lszf" else stem[:-1]  # fall, pass stay; stopp -> stop
    return stem


def lemmatize(word: str, pos: str) -> str:
    """The lemma of word as part of speech pos ("n", "v" or "a"): lookup first, then the first fitting suffix rule."""
    if pos not in RULES:
        raise ValueError(f"pos must be one of {sorted(RULES)}, got {pos!r}")
    w = word.lower()
    if w in IRREGULAR[pos]:  # the exceptions win over every rule
        return IRREGULAR[pos][w]
    for suffix, replacement in RULES[pos]:
        if not w.endswith(suffix):
            continue
        stem = w[: len(w) - len(suffix)]
        lemma = restore_stem(stem) if replacement == FIX else stem + replacement
        if len(lemma) >= 3 and any(ch in "aeiouy" for ch in lemma):
            return lemma
        # too short to be a word ("py" from "pies", "s" from "sing"): try the next rule
    return w


def lemmatize_tagged(pairs: list[tuple[str, str]]) -> list[str]:
    """Lemmatize (word, Penn Treebank tag) pairs: NN* -> noun, VB* -> verb, JJ* -> adjective, else lower-case only."""
    out = []
    for word, tag in pairs:
        pos = PENN_TO_POS.get(tag[:2])
        out.append(lemmatize(word, pos) if pos else word.lower())
    return out
