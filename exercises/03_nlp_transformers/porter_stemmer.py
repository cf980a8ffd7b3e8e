"""The Porter stemmer: suffix stripping by measure-conditioned rules.

Goal
----
Implement M. F. Porter's 1980 stemming algorithm exactly as published, so that
"connected", "connecting", "connection" and "connections" all become
"connect". You write the four conditions (the consonant test, the measure m,
*v*, *d, *o), the eight steps (1a, 1b, 1c, 2, 3, 4, 5a, 5b), and ``stem``,
which runs them in order.

Why it matters
--------------
Stemming conflates the inflected and derived forms of a word so that a search
for "connection" finds "connected", and a bag of words has one column instead
of four. It is crude (it makes "universe" and "university" the same stem,
"univers") but fast and needs no dictionary, and the Porter stemmer is still
the default in Lucene-style search, in many IR baselines, and in ROUGE.

The maths
---------
Consonants and vowels. A, E, I, O, U are vowels. Y is a consonant at the
start of a word or after a vowel, and a vowel after a consonant: in "toy" the
consonants are t and y; in "syzygy" they are s, z and g. Every other letter is
a consonant.

The measure. Write c for a consonant and v for a vowel, C for a run of
consonants and V for a run of vowels. Every word has the form
[C](VC)^m[V]; m is its *measure*, the number of VC pairs:

    m = 0   tr, ee, tree, y, by
    m = 1   trouble, oats, trees, ivy
    m = 2   troubles, private, oaten, orrery

Conditions on the stem S (the word with the suffix removed):

    (m>k)   the measure of S is greater than k
    *v*     S contains a vowel
    *d      S ends with a double consonant (-tt, -ss)
    *o      S ends c v c, where the last c is not w, x or y (-wil, -hop)
    *L *S *Z   S ends with that letter

A rule ``(condition) SUFFIX -> REPLACEMENT`` replaces the suffix when the word
ends with it and the stem satisfies the condition. Within a step, only the
rule with the LONGEST matching suffix is considered; if its condition fails,
the step does nothing (it does not go on to a shorter suffix). The rules:

    Step 1a  SSES -> SS;  IES -> I;  SS -> SS;  S -> (nothing)
    Step 1b  (m>0) EED -> EE     (a word ending -eed is finished with step 1b,
                                   whether or not m>0 held)
             (*v*) ED  ->        (*v*) ING ->
             and if ED or ING was removed, tidy up with the first of:
                 AT -> ATE;  BL -> BLE;  IZ -> IZE;
                 (*d and not (*L or *S or *Z)) -> drop the last letter
                 (m=1 and *o) -> add E
    Step 1c  (*v*) Y -> I
    Step 2   (m>0)  ATIONAL -> ATE   TIONAL -> TION   ENCI -> ENCE
                    ANCI -> ANCE     IZER -> IZE      ABLI -> ABLE
                    ALLI -> AL       ENTLI -> ENT     ELI -> E
                    OUSLI -> OUS     IZATION -> IZE   ATION -> ATE
                    ATOR -> ATE      ALISM -> AL      IVENESS -> IVE
                    FULNESS -> FUL   OUSNESS -> OUS   ALITI -> AL
                    IVITI -> IVE     BILITI -> BLE
    Step 3   (m>0)  ICATE -> IC  ATIVE ->  ALIZE -> AL  ICITI -> IC
                    ICAL -> IC   FUL ->    NESS ->
    Step 4   (m>1)  AL ANCE ENCE ER IC ABLE IBLE ANT EMENT MENT ENT
                    ION (only if S ends in s or t) OU ISM ATE ITI OUS IVE IZE
                    -> (nothing)
    Step 5a  (m>1) E ->;  (m=1 and not *o) E ->
    Step 5b  (m>1 and *d and *L) -> drop the last letter   (controll -> control)

In step 5b, m is the measure of the word without its final l.

``stem(word)`` lower-cases the word and applies 1a, 1b, 1c, 2, 3, 4, 5a, 5b
in that order, each to the previous step's output. Words of any length go
through every step (this is nltk's ``ORIGINAL_ALGORITHM`` mode: "as" -> "a").

API
---
    is_consonant(word, i)      -> bool     (word is lower case)
    measure(stem)              -> int      m of [C](VC)^m[V]
    contains_vowel(stem)       -> bool     *v*
    ends_double_consonant(stem)-> bool     *d
    ends_cvc(stem)             -> bool     *o
    step1a(word) ... step5b(word) -> str   one step each
    stem(word)                 -> str      the whole algorithm

Worked example
--------------
    >>> measure("trouble"), measure("troubles"), measure("tree")
    (1, 2, 0)
    >>> step1b("hopping"), step1b("filing"), step1b("feed"), step2("relational")
    ('hop', 'file', 'feed', 'relate')
    >>> [stem(w) for w in ["Connections", "generalizations", "happy", "sky"]]
    ['connect', 'gener', 'happi', 'sky']

"generalizations" -> 1a "generalization" -> 2 "generalize" -> 3 "general"
-> 4 "gener" (m("gener") = 2 > 1, so AL goes).

Reference
---------
M. F. Porter, "An algorithm for suffix stripping", *Program* 14(3), 130-137
(1980), https://tartarus.org/martin/PorterStemmer/def.txt; nltk's
``nltk.stem.PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)``.
"""

from __future__ import annotations

VOWELS = frozenset("aeiou")


def is_consonant(word: str, i: int) -> bool:
    """True if word[i] is a consonant (y: a consonant at the start or after a vowel, else a vowel)."""
    raise NotImplementedError("is_consonant: not written yet")


def measure(stem: str) -> int:
    """m in [C](VC)^m[V]: the number of VC pairs ('trouble' -> 1, 'tree' -> 0)."""
    raise NotImplementedError("measure: not written yet")


def contains_vowel(stem: str) -> bool:
    """*v*: the stem has at least one vowel (y after a consonant counts)."""
    raise NotImplementedError("contains_vowel: not written yet")


def ends_double_consonant(stem: str) -> bool:
    """*d: the stem ends with two equal consonants."""
    raise NotImplementedError("ends_double_consonant: not written yet")


def ends_cvc(stem: str) -> bool:
    """*o: the stem ends consonant-vowel-consonant, the last not w, x or y."""
    raise NotImplementedError("ends_cvc: not written yet")


def step1a(word: str) -> str:
    """Plurals: sses -> ss, ies -> i, ss -> ss, s -> ''."""
    raise NotImplementedError("step1a: not written yet")


def step1b(word: str) -> str:
    """-eed, -ed, -ing, with the tidy-up (at -> ate, hopp -> hop, fil -> file) after -ed/-ing."""
    raise NotImplementedError("step1b: not written yet")


def step1c(word: str) -> str:
    """(*v*) y -> i: happy -> happi, but sky stays."""
    raise NotImplementedError("step1c: not written yet")


def step2(word: str) -> str:
    """Double suffixes to single ones, if m(stem) > 0: relational -> relate."""
    raise NotImplementedError("step2: not written yet")


def step3(word: str) -> str:
    """-icate, -ative, -alize, -iciti, -ical, -ful, -ness, if m(stem) > 0: hopeful -> hope."""
    raise NotImplementedError("step3: not written yet")


def step4(word: str) -> str:
    """Drop the last derivational suffix if m(stem) > 1: adjustment -> adjust."""
    raise NotImplementedError("step4: not written yet")


def step5a(word: str) -> str:
    """Drop a final e if m > 1, or if m = 1 and the stem does not end cvc: probate -> probat, rate stays."""
    raise NotImplementedError("step5a: not written yet")


def step5b(word: str) -> str:
    """-ll -> -l if m > 1: controll -> control, roll stays."""
    raise NotImplementedError("step5b: not written yet")


def stem(word: str) -> str:
    """The Porter stem of a word: lower-case it, then steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b in order."""
    raise NotImplementedError("stem: not written yet")
