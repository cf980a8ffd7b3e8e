"""Spec for 03_nlp_transformers/lemmatizer.py: irregular lookup, POS suffix rules, doubling and silent-e repair."""

from __future__ import annotations

import re

import pytest

from grader.testing import assert_equal, check

LOOKUP_HINT = "look the lower-cased word up in IRREGULAR[pos] BEFORE trying any suffix rule; the table wins"
FIT_HINT = ("a rule fits only if its candidate lemma (stem + replacement, or restore_stem(stem) for FIX) has at least 3 "
            "letters and a vowel (aeiouy); if it does not fit, go on to the NEXT rule, and if none fits return the "
            "word unchanged")
DOUBLE_HINT = ("restore_stem: a doubled final consonant loses one letter (stopp -> stop, bigg -> big), EXCEPT l, s, z, f "
               "(fall, pass, buzz, stuff stay); only when there is no double consonant ask needs_e")
E_HINT = ("needs_e is true if (a) the stem ends c-v-c, last consonant not w/x/y, with ONE vowel run (hop, mak, nic); "
          "(b) it ends in v, c, u or z; (c) a vowel then s or g (caus, damag); (d) rg, dg, or [bcdfgkptz] + l; "
          "vowels are aeiou here")

# The rule tables of the exercise, copied so that the reference below is independent of the learner's module.
FIX = object()
RULES = {
    "n": [("ies", "y"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"), ("zzes", "zz"),
          ("ss", "ss"), ("us", "us"), ("is", "is"), ("s", "")],
    "v": [("ies", "y"), ("ied", "y"), ("eed", "eed"), ("sses", "ss"), ("shes", "sh"), ("ches", "ch"),
          ("xes", "x"), ("zzes", "zz"), ("ss", "ss"), ("s", ""), ("ing", FIX), ("ed", FIX)],
    "a": [("iest", "y"), ("ier", "y"), ("est", FIX), ("er", FIX)],
}


def _ref_needs_e(stem):
    """Rules a-d, written with regular expressions."""
    return bool(
        (re.search(r"[^aeiou][aeiou][^aeiouwxy]$", stem) and len(re.findall(r"[aeiou]+", stem)) == 1)
        or re.search(r"[vcuz]$", stem)
        or re.search(r"[aeiou][sg]$", stem)
        or re.search(r"(rg|dg|[bcdfgkptz]l)$", stem)
    )


def _ref_restore(stem):
    m = re.search(r"([^aeiou])\1$", stem)
    if m:
        return stem if m.group(1) in "lszf" else stem[:-1]
    return stem + "e" if _ref_needs_e(stem) else stem


def _ref_rules(w, pos):
    """The suffix rules only (no lookup), for words that are not in IRREGULAR."""
    for suffix, rep in RULES[pos]:
        if w.endswith(suffix):
            stem = w[: len(w) - len(suffix)]
            cand = _ref_restore(stem) if rep is FIX else stem + rep
            if len(cand) >= 3 and re.search(r"[aeiouy]", cand):
                return cand
    return w


def _check_table(learner, pos, table, hint):
    for word, lemma in table.items():
        assert_equal(learner.lemmatize(word, pos), lemma, name=f"lemmatize({word!r}, {pos!r})", hint=hint)


def test_needs_e(learner):
    """needs_e on each of its four rules, and on stems that must NOT get an e (visit, open, rain, play, walk, show)."""
    yes = ["hop", "mak", "writ", "nic", "lat", "lov", "danc", "argu", "siz", "caus", "clos", "damag", "larg", "judg",
           "handl", "simpl", "settl", "puzzl"]
    no = ["visit", "open", "rain", "play", "walk", "show", "fix", "jump", "look", "wait", "hopp", "fall", "sing",
          "listen", "happen", "clean", "new", "stay", "help"]
    for stem in yes:
        check(bool(learner.needs_e(stem)), f"needs_e({stem!r}) is {learner.needs_e(stem)!r}, expected True", hint=E_HINT)
    for stem in no:
        check(not learner.needs_e(stem), f"needs_e({stem!r}) is {learner.needs_e(stem)!r}, expected False",
              hint=E_HINT + "; 'visit' and 'open' have two vowel runs, 'rain' ends v-v-c, 'play'/'show'/'fix' end in y/w/x")


def test_restore_stem(learner):
    """restore_stem: stopp -> stop, bigg -> big, but fall, pass, buzz, stuff stay; hop -> hope; walk stays."""
    table = {"stopp": "stop", "runn": "run", "bigg": "big", "hott": "hot", "admitt": "admit", "fall": "fall",
             "pass": "pass", "buzz": "buzz", "stuff": "stuff", "hop": "hope", "mak": "make", "lov": "love",
             "walk": "walk", "visit": "visit", "see": "see", "agree": "agree", "tr": "tr"}
    for stem, expected in table.items():
        assert_equal(learner.restore_stem(stem), expected, name=f"restore_stem({stem!r})",
                     hint=DOUBLE_HINT + "; " + E_HINT)


def test_irregular_lookup_comes_first(learner):
    """Irregular forms come from IRREGULAR before any rule: went -> go, children -> child, better -> good, and the POS
    decides: leaves/n -> leaf but leaves/v -> leave; saw/v -> see but saw/n -> saw."""
    _check_table(learner, "v", {"went": "go", "was": "be", "ran": "run", "thought": "think", "dying": "die",
                                "tried": "try", "added": "add"}, LOOKUP_HINT)
    _check_table(learner, "n", {"children": "child", "mice": "mouse", "leaves": "leaf", "series": "series",
                                "news": "news", "analyses": "analysis"}, LOOKUP_HINT)
    _check_table(learner, "a", {"better": "good", "worst": "bad", "clever": "clever", "honest": "honest"}, LOOKUP_HINT)
    assert_equal(learner.lemmatize("leaves", "v"), "leave", name="lemmatize('leaves', 'v')",
                 hint="use the table of the given POS only: IRREGULAR['v'] has no 'leaves', so the 's' rule applies")
    assert_equal(learner.lemmatize("saw", "n"), "saw", name="lemmatize('saw', 'n')",
                 hint="'saw' -> 'see' is a VERB entry; as a noun no rule matches and the word is returned")


def test_noun_rules(learner):
    """Plural nouns: cities -> city, classes -> class, boxes -> box, churches -> church, cats -> cat; glass, virus,
    analysis stay (identity rules); pies -> pie (the 'ies' rule does not fit, the 's' rule does); bus, gas stay."""
    table = {"cities": "city", "classes": "class", "boxes": "box", "churches": "church", "dishes": "dish",
             "buzzes": "buzz", "cats": "cat", "days": "day", "toys": "toy", "glass": "glass", "virus": "virus",
             "analysis": "analysis", "pies": "pie", "bus": "bus", "gas": "gas", "eyes": "eye", "houses": "house"}
    _check_table(learner, "n", table, "nouns: the rules in order, first fitting one wins; " + FIT_HINT)


def test_verb_rules(learner):
    """Verbs: -s/-es/-ies, -ied, -ing and -ed with doubling and silent-e repair (stopped -> stop, hoping -> hope,
    hopping -> hop, falling -> fall, visited -> visit, caused -> cause, handled -> handle)."""
    table = {"tries": "try", "carried": "carry", "passes": "pass", "watches": "watch", "fixes": "fix", "runs": "run",
             "makes": "make", "dies": "die", "walking": "walk", "stopped": "stop", "running": "run",
             "hoping": "hope", "hopping": "hop", "making": "make", "loved": "love", "argued": "argue",
             "danced": "dance", "judged": "judge", "handled": "handle", "caused": "cause", "damaged": "damage",
             "falling": "fall", "passed": "pass", "buzzing": "buzz", "stuffed": "stuff", "visited": "visit",
             "opened": "open", "played": "play", "showed": "show", "fixed": "fix", "needed": "need",
             "seeing": "see", "agreeing": "agree", "writing": "write", "quitting": "quit", "trying": "try"}
    _check_table(learner, "v", table, DOUBLE_HINT + "; " + E_HINT)


def test_adjective_rules(learner):
    """Comparatives and superlatives: happier/happiest -> happy, bigger -> big, hottest -> hot, nicer -> nice,
    larger -> large, simpler -> simple, truer -> true, tallest -> tall, fewer -> few, greener -> green."""
    table = {"happier": "happy", "happiest": "happy", "easier": "easy", "bigger": "big", "hottest": "hot",
             "nicer": "nice", "larger": "large", "simpler": "simple", "truer": "true", "wiser": "wise",
             "tallest": "tall", "fewer": "few", "greener": "green", "newer": "new", "later": "late",
             "redder": "red", "bluest": "blue", "shyer": "shy", "strongest": "strong"}
    _check_table(learner, "a", table, "ier/iest -> y first, then est/er with restore_stem; " + DOUBLE_HINT)


def test_rules_that_do_not_fit(learner):
    """Words no rule fits come back unchanged (lower-cased): sing, bring, string, need, proceed, her, ed; the '-eed'
    identity rule keeps need/proceed from losing their 'ed'."""
    cases = [("sing", "v"), ("bring", "v"), ("string", "v"), ("need", "v"), ("proceed", "v"), ("speed", "v"),
             ("her", "a"), ("ed", "v"), ("is", "n"), ("yes", "n"), ("s", "n"), ("", "n"), ("red", "a")]
    for word, pos in cases:
        assert_equal(learner.lemmatize(word, pos), word, name=f"lemmatize({word!r}, {pos!r})", hint=FIT_HINT)


def test_case_pos_and_tagged(learner):
    """Input is lower-cased ('Cities' -> 'city', 'WENT' -> 'go'); an unknown pos raises ValueError; lemmatize_tagged
    maps NN*/VB*/JJ* tags to n/v/a and only lower-cases other words."""
    assert_equal(learner.lemmatize("Cities", "n"), "city", name="lemmatize('Cities', 'n')", hint="lower-case first")
    assert_equal(learner.lemmatize("WENT", "v"), "go", name="lemmatize('WENT', 'v')",
                 hint="lower-case before the table lookup")
    with pytest.raises(ValueError):
        learner.lemmatize("cats", "x")
    pairs = [("The", "DT"), ("mice", "NNS"), ("were", "VBD"), ("running", "VBG"), ("faster", "RBR"),
             ("than", "IN"), ("bigger", "JJR"), ("Dogs", "NNPS"), ("tries", "VBZ"), ("happiest", "JJS")]
    assert_equal(learner.lemmatize_tagged(pairs),
                 ["the", "mouse", "be", "run", "faster", "than", "big", "dog", "try", "happy"],
                 name="lemmatize_tagged(...)",
                 hint="the first two letters of the tag decide: NN -> 'n', VB -> 'v', JJ -> 'a'; RBR, IN, DT are not "
                      "lemmatized, only lower-cased")


def test_random_words_match_reference(learner, rng):
    """On 600 random made-up words (stems + inflectional suffixes) for each POS, lemmatize equals an independent
    implementation of the documented rules."""
    cons, vows = list("bcdfghjklmnprstvwxyz"), list("aeiou")
    suffixes = {"n": ["s", "es", "ies", "sses", "shes", "ches", "xes", "zzes", "ss", "us", "is", ""],
                "v": ["s", "es", "ies", "ied", "ed", "ing", "eed", "ss", ""],
                "a": ["er", "est", "ier", "iest", ""]}
    for pos in "nva":
        table = learner.IRREGULAR[pos] if hasattr(learner, "IRREGULAR") else {}
        for _ in range(200):
            n = int(rng.integers(1, 6))
            stem = "".join(rng.choice(vows if (i % 2) == int(rng.integers(0, 2)) else cons) for i in range(n))
            if rng.random() < 0.3:
                stem += stem[-1]  # doubled letters
            word = stem + str(rng.choice(suffixes[pos]))
            if word in table:
                continue
            assert_equal(learner.lemmatize(word, pos), _ref_rules(word, pos), name=f"lemmatize({word!r}, {pos!r})",
                         hint=FIT_HINT + "; " + DOUBLE_HINT)
