"""Spec for 03_nlp_transformers/porter_stemmer.py: Porter's conditions and steps, and nltk's ORIGINAL_ALGORITHM."""

from __future__ import annotations

import re

import pytest
from nltk.stem import PorterStemmer

from grader.testing import assert_equal, check

Y_HINT = ("y is a consonant at the start of a word or after a vowel, and a VOWEL after a consonant: "
          "'toy' = c v c, 'syzygy' = c v c v c v, 'by' = c v")
MEASURE_HINT = ("m counts VC pairs in [C](VC)^m[V]: map the stem to a c/v string and count the places where a vowel "
                "is directly followed by a consonant ('trouble' = ccvvccv has one 'vc'); a trailing vowel run does "
                "not count")
ONE_RULE_HINT = ("within a step only the rule with the longest matching suffix is tried; if its condition fails the "
                 "step stops there (it does not fall through to a shorter suffix)")

PAPER = {
    "step1a": {"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat"},
    "step1b": {"feed": "feed", "agreed": "agree", "plastered": "plaster", "bled": "bled", "motoring": "motor",
               "sing": "sing", "conflated": "conflate", "troubled": "trouble", "sized": "size", "hopping": "hop",
               "tanned": "tan", "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
               "filing": "file"},
    "step1c": {"happy": "happi", "sky": "sky"},
    "step2": {"relational": "relate", "conditional": "condition", "rational": "rational", "valenci": "valence",
              "hesitanci": "hesitance", "digitizer": "digitize", "conformabli": "conformable",
              "radicalli": "radical", "differentli": "different", "vileli": "vile", "analogousli": "analogous",
              "vietnamization": "vietnamize", "predication": "predicate", "operator": "operate",
              "feudalism": "feudal", "decisiveness": "decisive", "hopefulness": "hopeful",
              "callousness": "callous", "formaliti": "formal", "sensitiviti": "sensitive",
              "sensibiliti": "sensible"},
    "step3": {"triplicate": "triplic", "formative": "form", "formalize": "formal", "electriciti": "electric",
              "electrical": "electric", "hopeful": "hope", "goodness": "good"},
    "step4": {"revival": "reviv", "allowance": "allow", "inference": "infer", "airliner": "airlin",
              "gyroscopic": "gyroscop", "adjustable": "adjust", "defensible": "defens", "irritant": "irrit",
              "replacement": "replac", "adjustment": "adjust", "dependent": "depend", "adoption": "adopt",
              "homologou": "homolog", "communism": "commun", "activate": "activ", "angulariti": "angular",
              "homologous": "homolog", "effective": "effect", "bowdlerize": "bowdler"},
    "step5a": {"probate": "probat", "rate": "rate", "cease": "ceas"},
    "step5b": {"controll": "control", "roll": "roll"},
}
STEPS = list(PAPER)


def _nltk():
    return PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


def _vocabulary():
    from grader import data

    return sorted({w for doc in data.load("lee-corpus") for w in re.findall(r"[a-z]+", doc.lower())})


def test_is_consonant(learner):
    """is_consonant on Porter's examples: 'toy' = c v c, 'syzygy' = c v c v c v, 'yes' starts with a consonant y."""
    for word, pattern in [("toy", "cvc"), ("syzygy", "cvcvcv"), ("yes", "cvc"), ("happy", "cvccv"), ("by", "cv"),
                          ("sayyid", "cvcvvc"), ("tree", "ccvv")]:
        got = "".join("c" if learner.is_consonant(word, i) else "v" for i in range(len(word)))
        assert_equal(got, pattern, name=f"consonant/vowel pattern of {word!r}", hint=Y_HINT)


def test_measure_paper_examples(learner):
    """measure: m=0 for tr, ee, tree, y, by; m=1 for trouble, oats, trees, ivy; m=2 for troubles, private, oaten, orrery."""
    for m, words in [(0, ["", "tr", "ee", "tree", "y", "by"]), (1, ["trouble", "oats", "trees", "ivy"]),
                     (2, ["troubles", "private", "oaten", "orrery"]), (5, ["generalizat"])]:
        for w in words:
            assert_equal(int(learner.measure(w)), m, name=f"measure({w!r})", hint=MEASURE_HINT + "; " + Y_HINT)


def test_conditions(learner):
    """*v* (contains_vowel), *d (ends_double_consonant) and *o (ends_cvc, last letter not w, x, y) on small stems."""
    cases = [
        ("contains_vowel", {"sk": False, "by": True, "y": False, "tr": False, "plaster": True, "cr": False,
                            "syzyg": True}),
        ("ends_double_consonant", {"hopp": True, "fall": True, "fee": False, "hop": False, "h": False, "": False}),
        ("ends_cvc", {"hop": True, "wil": True, "fil": True, "snow": False, "box": False, "tray": False,
                      "hoop": False, "eat": False, "ho": False, "toyen": True}),
    ]
    for fn, table in cases:
        for w, expected in table.items():
            assert_equal(bool(getattr(learner, fn)(w)), expected, name=f"{fn}({w!r})",
                         hint={"contains_vowel": "*v*: any vowel, where y after a consonant counts as one (" + Y_HINT + ")",
                               "ends_double_consonant": "*d: the last two letters are equal AND consonants",
                               "ends_cvc": "*o: the last three letters are c v c (classified inside the whole stem) "
                                           "and the last is not w, x or y"}[fn])


@pytest.mark.parametrize("step", STEPS)
def test_steps_paper_examples(learner, step):
    """Each step on the examples of Porter's paper (step1b: feed -> feed, agreed -> agree, hopping -> hop, filing -> file...)."""
    fn = getattr(learner, step)
    hints = {
        "step1a": "sses -> ss, ies -> i, ss -> ss, s -> '' (the longest match only)",
        "step1b": "eed -> ee only if m>0 (and a word ending -eed never reaches the ed rule); ed/ing go if the stem has "
                  "a vowel, then at/bl/iz -> +e, a double consonant other than l/s/z loses a letter, m=1 and *o -> +e",
        "step1c": "(*v*) y -> i: 'sk' has no vowel, so sky stays",
        "step2": "the twenty rules, each with condition m>0 on the stem; " + ONE_RULE_HINT,
        "step3": "icate -> ic, ative -> '', alize -> al, iciti -> ic, ical -> ic, ful -> '', ness -> '', if m>0",
        "step4": "drop the suffix if m>1; -ion only when the stem ends in s or t; " + ONE_RULE_HINT,
        "step5a": "drop e if m>1, or if m=1 and the stem does not end cvc (*o)",
        "step5b": "ll -> l if m>1 (the measure of the word without its last l)",
    }
    for word, expected in PAPER[step].items():
        assert_equal(fn(word), expected, name=f"{step}({word!r})", hint=hints[step])


def test_one_rule_per_step(learner):
    """Only the longest matching suffix's rule is tried: 'feed' stays (eed fails m>0, and ed is not tried), 'statement'
    stays in step 4 (ement fails m>1; ment and ent are not tried)."""
    assert_equal(learner.step1b("feed"), "feed", name="step1b('feed')",
                 hint="a word ending -eed is done with after the eed rule, even when m>0 fails: 'fe' must not appear")
    assert_equal(learner.step2("rational"), "rational", name="step2('rational')", hint=ONE_RULE_HINT)
    assert_equal(learner.step4("statement"), "statement", name="step4('statement')",
                 hint="-ement matches and fails m>1 ('stat' has m = 1), so step 4 stops; trying -ment or -ent next "
                      "would wrongly give 'statem'. " + ONE_RULE_HINT)
    assert_equal(learner.step4("ion"), "ion", name="step4('ion')", hint="the stem '' has m = 0 and no last letter")
    assert_equal(learner.step1a("s"), "", name="step1a('s')", hint="S -> '' has no condition")


@pytest.mark.points(2)
def test_steps_match_nltk_on_lee_vocabulary(learner):
    """Each step, fed nltk's output of the previous steps, equals nltk's step on the ~7000 words of the Lee corpus."""
    ref = _nltk()
    ref_steps = [ref._step1a, ref._step1b, ref._step1c, ref._step2, ref._step3, ref._step4, ref._step5a, ref._step5b]
    for word in _vocabulary():
        w = word
        for name, ref_step in zip(STEPS, ref_steps):
            expected = ref_step(w)
            got = getattr(learner, name)(w)
            if got != expected:
                assert_equal(got, expected, name=f"{name}({w!r}) (from the word {word!r})",
                             hint="compare the measure and the y rule first: " + MEASURE_HINT)
            w = expected


@pytest.mark.points(2)
def test_stem_matches_nltk(learner):
    """stem(word) equals nltk's PorterStemmer(ORIGINAL_ALGORITHM) on the Lee vocabulary, the paper's words, and
    capitalised, short and y-heavy words."""
    ref = _nltk()
    words = _vocabulary() + [w for table in PAPER.values() for w in table]
    words += ["Connections", "CONNECTED", "as", "a", "is", "y", "yy", "by", "syzygy", "enjoyment", "crying", "spied",
              "generalizations", "oscillators", "universe", "university", "sayyid", "yyyyy", "aaa"]
    for w in words:
        assert_equal(learner.stem(w), ref.stem(w), name=f"stem({w!r})",
                     hint="lower-case, then steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b in exactly that order, each on the "
                          "previous output, with no shortcut for short words")
    check(learner.stem("connected") == learner.stem("connecting") == learner.stem("connection") == "connect",
          "connected / connecting / connection should all stem to 'connect'", hint="the whole pipeline")
