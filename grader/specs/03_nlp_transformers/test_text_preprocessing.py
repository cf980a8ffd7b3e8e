"""Spec for 03_nlp_transformers/text_preprocessing.py: a regex tokenizer (clitics, numbers, URLs) and normalisation."""

from __future__ import annotations

import re
import unicodedata

import pytest
from nltk.tokenize import TreebankWordTokenizer
from sklearn.feature_extraction.text import strip_accents_unicode

from grader.testing import assert_equal, check

CLITIC_HINT = ("Penn Treebank clitics: a word stem that is followed by n't stops before the n ('do' + \"n't\", "
               "'ca' + \"n't\", 'wo' + \"n't\"), and 's 'm 'd 'll 're 've are tokens of their own; try a rule "
               r"\w+(?=n't\b) for the stem BEFORE the general word rule")
NUMBER_HINT = (r"numbers come before words in the alternation: (?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)? keeps "
               "'1,000,000.5' whole, and a thousands group is exactly three digits ('1,23' is 1 , 23)")
URL_HINT = ("a URL is non-space characters, but trailing . , ; : ! ? ) ] ' \" before a space or the end belong to the "
            "sentence, not the URL: use a lazy \\S+? with a lookahead for [.,;:!?)\\]'\"]*(?:\\s|$)")


def _tok(learner, text, **kw):
    got = learner.tokenize(text, **kw)
    check(isinstance(got, list), f"tokenize returned {type(got).__name__}, expected a list of str", hint="return a list")
    return [str(t) for t in got]


@pytest.mark.parametrize("text, expected", [
    ("I don't know", ["I", "do", "n't", "know"]),
    ("can't won't isn't", ["ca", "n't", "wo", "n't", "is", "n't"]),
    ("DON'T Shouldn't", ["DO", "N'T", "Should", "n't"]),
    ("I'm sure they'll say we've won, she'd agree", ["I", "'m", "sure", "they", "'ll", "say", "we", "'ve", "won", ",",
                                                       "she", "'d", "agree"]),
    ("it's John's and you're IT'S", ["it", "'s", "John", "'s", "and", "you", "'re", "IT", "'S"]),
    ("couldn't've", ["could", "n't", "'ve"]),
])
def test_contractions(learner, text, expected):
    """Contractions split as in the Penn Treebank: do|n't, ca|n't, wo|n't, I|'m, they|'ll, John|'s, any case."""
    assert_equal(_tok(learner, text), expected, name=f"tokenize({text!r})", hint=CLITIC_HINT)


def test_punctuation(learner):
    """Punctuation: each symbol is a token, except '...' and '--' which are one token each; trailing ' is a token."""
    cases = [
        ("Hello, world! How are you?", ["Hello", ",", "world", "!", "How", "are", "you", "?"]),
        ("Wait... (really) -- yes; no: maybe.", ["Wait", "...", "(", "really", ")", "--", "yes", ";", "no", ":",
                                                "maybe", "."]),
        ('He said "hi" to the students\' dog.', ["He", "said", '"', "hi", '"', "to", "the", "students", "'", "dog",
                                                 "."]),
        ("a....b", ["a", "...", ".", "b"]),
        ("", []),
        ("   \n\t ", []),
    ]
    for text, expected in cases:
        assert_equal(_tok(learner, text), expected, name=f"tokenize({text!r})",
                     hint="rule 7: '...' and '--' first, then any single non-word non-space character; whitespace is "
                          "skipped, never returned")


@pytest.mark.parametrize("text, expected", [
    ("It costs $1,000.50 or 3.14, up 50%.", ["It", "costs", "$", "1,000.50", "or", "3.14", ",", "up", "50", "%", "."]),
    ("1,000,000 people in 2020.", ["1,000,000", "people", "in", "2020", "."]),
    ("1,23 and 12,3456", ["1", ",", "23", "and", "12", ",", "3456"]),
    ("the 3rd of 4 a 3,000-strong force of 19-year-olds", ["the", "3rd", "of", "4", "a", "3,000-strong", "force", "of",
                                                          "19-year-olds"]),
])
def test_numbers(learner, text, expected):
    """Numbers keep thousands groups and decimals ('1,000.50'), '1,23' is not a group, '3rd' and '3,000-strong' are one."""
    assert_equal(_tok(learner, text), expected, name=f"tokenize({text!r})", hint=NUMBER_HINT)


def test_words_with_inner_hyphens_and_apostrophes(learner):
    """Inner single hyphens and non-clitic apostrophes stay in the word (state-of-the-art, O'Connor); '--' is a dash."""
    cases = [
        ("a state-of-the-art e-mail on COVID-19", ["a", "state-of-the-art", "e-mail", "on", "COVID-19"]),
        ("O'Connor's rock'n'roll", ["O'Connor", "'s", "rock'n'roll"]),
        ("yes--no -x y-", ["yes", "--", "no", "-", "x", "y", "-"]),
        ("snake_case café naïve", ["snake_case", "café", "naïve"]),
    ]
    for text, expected in cases:
        assert_equal(_tok(learner, text), expected, name=f"tokenize({text!r})",
                     hint=r"rule 6: \w+ runs joined by ONE inner hyphen or an apostrophe that does not start 's 'm 'd "
                          "'ll 're 've; letters are Unicode letters (\\w), not just a-z")


def test_urls_and_emails(learner):
    """URLs and e-mails are single tokens; sentence punctuation after a URL is not part of it."""
    cases = [
        ("see https://x.org/a/b.html.", ["see", "https://x.org/a/b.html", "."]),
        ("(www.example.com/x?y=1&z=2), ok", ["(", "www.example.com/x?y=1&z=2", ")", ",", "ok"]),
        ("go to http://a.b/c?!", ["go", "to", "http://a.b/c", "?", "!"]),
        ("Mail first.last+tag@mail.example.co.uk, now", ["Mail", "first.last+tag@mail.example.co.uk", ",", "now"]),
        ("me@x.com.", ["me@x.com", "."]),
    ]
    for text, expected in cases:
        assert_equal(_tok(learner, text), expected, name=f"tokenize({text!r})",
                     hint=URL_HINT + "; URL and e-mail rules come first in the alternation")


def test_lower_option(learner):
    """lower=True lower-cases every token except URLs (their paths are case sensitive); lower=False changes nothing."""
    text = "See HTTPS://X.org/ReadMe. It's GREAT, Ann@X.COM!"
    assert_equal(_tok(learner, text, lower=True),
                 ["see", "HTTPS://X.org/ReadMe", ".", "it", "'s", "great", ",", "ann@x.com", "!"],
                 name="tokenize(..., lower=True)",
                 hint="lower-case the tokens after matching, but leave the ones the URL rule matched as they are "
                      "(m.lastgroup names the rule that matched)")
    assert_equal(_tok(learner, text), ["See", "HTTPS://X.org/ReadMe", ".", "It", "'s", "GREAT", ",", "Ann@X.COM", "!"],
                 name="tokenize(..., lower=False)", hint="the default keeps the case (and URLs match case-insensitively)")


def test_normalize_text(learner):
    """normalize_text: NFKC (ligatures, full-width, no-break space, …), ASCII quotes/dashes, accents, whitespace."""
    cases = [
        ("  Café  “ﬁne” ", 'Cafe "fine"'),
        ("don’t ‘x’ １２\u00a0ｍ…", "don't 'x' 12 m..."),
        ("1990–2000 yes—no", "1990-2000 yes--no"),
        ("a\t\n b", "a b"),
    ]
    for text, expected in cases:
        assert_equal(learner.normalize_text(text), expected, name=f"normalize_text({text!r})",
                     hint="NFKC first, then ‘’ -> ', “” -> \", – -> -, — -> --, then strip accents, then ' '.join(split())")
    assert_equal(learner.normalize_text("Crème brûlée à\u00a0Noël", strip_accents=False), "Crème brûlée à Noël",
                 name="normalize_text(..., strip_accents=False)",
                 hint="without strip_accents the accents stay (NFKC composes them)")
    for word in ["Ångström", "naïve façade", "Dvořák", "Ελληνικά", "déjà vu", "e\u0301t\u00e9"]:
        assert_equal(learner.normalize_text(word), strip_accents_unicode(unicodedata.normalize("NFKC", word)),
                     name=f"normalize_text({word!r})",
                     hint="decompose with NFKD and drop the characters where unicodedata.combining(c) is non-zero "
                          "(sklearn's strip_accents_unicode)")


def test_tokenize_normalize_option(learner):
    """tokenize(normalize=True) normalises first: a curly apostrophe then splits like a straight one."""
    assert_equal(_tok(learner, "I don’t “like” ﬁsh…", normalize=True),
                 ["I", "do", "n't", '"', "like", '"', "fish", "..."],
                 name="tokenize('I don’t “like” ﬁsh…', normalize=True)",
                 hint="call normalize_text(text, strip_accents=True) before matching when normalize=True")
    assert_equal(_tok(learner, "Café", normalize=True, lower=True), ["cafe"], name="tokenize('Café', normalize, lower)",
                 hint="normalize strips accents, lower lower-cases")
    check(_tok(learner, "don’t") != ["do", "n't"],
          "tokenize('don’t') (curly apostrophe, normalize=False) gave ['do', \"n't\"]",
          hint="without normalize=True the text is used exactly as given")


def test_no_character_lost(learner, rng):
    """On random strings of letters, digits, symbols and spaces, the tokens joined equal the text minus whitespace."""
    alphabet = list("abcXYZ0129 ,.;:!?'\"-()$%@/_é ") + ["n't", "'s", "...", "--", "http://", "1,000", " "]
    for _ in range(200):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 25))))
        toks = _tok(learner, text)
        check("".join(toks) == re.sub(r"\s+", "", text) and all(t and not any(c.isspace() for c in t) for t in toks),
              f"tokenize({text!r}) = {toks}: joined, the tokens should equal the text without its whitespace, and no "
              "token may be empty or contain whitespace",
              hint="every non-space character must be matched by some rule; the punctuation rule [^\\w\\s] is the "
                   "catch-all, and finditer silently skips characters that no rule matches")


_WORDS = ["the", "dog", "John's", "don't", "can't", "won't", "isn't", "I'm", "we've", "they'll", "she'd", "you're",
          "it's", "state-of-the-art", "O'Brien", "1,000", "3.5", "2,000-strong", "42", "apples", "Sydney", "ran",
          "couldn't", "students'", ",", ",", ";", ":", "?", "!", "(", ")", "$", "%", "--", "..."]


def test_matches_treebank_on_generated_sentences(learner, rng):
    """On random sentences of words, contractions, numbers and punctuation ending in '.', tokens equal nltk's
    TreebankWordTokenizer's."""
    treebank = TreebankWordTokenizer()
    for _ in range(150):
        words = list(rng.choice(_WORDS, size=int(rng.integers(1, 12))))
        text = " ".join(["Then", *words]) + "."
        expected = treebank.tokenize(text)
        assert_equal(_tok(learner, text), expected, name=f"tokenize({text!r})",
                     hint="on plain sentences the rules agree with the Penn Treebank: " + CLITIC_HINT)


@pytest.mark.points(2)
def test_matches_treebank_on_lee_corpus(learner):
    """On ~1850 plain sentences of the Lee news corpus (letters, digits, commas, apostrophes, one final '.'), tokens equal
    nltk's TreebankWordTokenizer's."""
    from grader import data

    treebank = TreebankWordTokenizer()
    sentences = [s.strip() for doc in data.load("lee-corpus") for s in re.split(r"(?<=\.)\s+", doc)]
    plain = [s for s in sentences
             if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,'%$-]*[a-z]\.", s)
             and not re.search(r"(?i)cannot|gonna|wanna|gotta|gimme|lemme|d'ye|'tis|'twas|more'n|(^|\s)'", s)]
    check(len(plain) > 1500, f"only {len(plain)} plain sentences found in the Lee corpus", hint="the data pack changed?")
    for s in plain:
        assert_equal(_tok(learner, s), treebank.tokenize(s), name=f"tokenize({s!r})",
                     hint="thousands groups ('200,000', '3,000-strong'), names like O'Connor and clitics "
                          "(year|'s) must match the Treebank here")
