"""Text preprocessing: Unicode normalisation and a regex word tokenizer.

Goal
----
Turn raw text into a list of word tokens, the first step of every NLP
pipeline. You write:

* ``normalize_text``: Unicode NFKC, typographic quotes and dashes to ASCII,
  optional accent stripping, whitespace collapsed;
* ``tokenize``: one regular expression, applied left to right, that knows
  about URLs, e-mail addresses, numbers, contractions, hyphenated words and
  punctuation; with ``lower`` and ``normalize`` options.

Why it matters
--------------
Splitting on whitespace gives "world!" and "world" as two different words,
"1,000" or "https://x.org/a." broken or glued to the full stop, and "don't" as
an unknown word. Every count-based model (bag of words, TF-IDF, n-gram
language models, HMM taggers) inherits the tokenizer's mistakes, and the
tokenizer's conventions decide what a "word" is for the rest of the pipeline.
Subword tokenizers (BPE, WordPiece) still run a "pre-tokenizer" much like this
one first.

The conventions (Penn Treebank style for clitics)
-------------------------------------------------
Scan the text left to right; at each position take the FIRST of these rules
that matches (order matters), skip whitespace, and never drop a character that
is not whitespace:

1. URL: ``http://``, ``https://`` or ``www.`` followed by non-space
   characters, but trailing ``. , ; : ! ? ) ] ' "`` before a space or the end
   of the text are not part of it ("see https://x.org/a." -> the URL is
   "https://x.org/a", then ".").
2. E-mail: ``name@host.tld`` (name: letters, digits, ``. _ + -``; host:
   dot-separated parts of letters, digits, ``_ -``).
3. Number: digits with optional thousands groups and an optional decimal
   part: "42", "3.14", "1,000", "1,000,000.5", and hyphenated compounds that
   start with one: "3,000-strong", "19-year-old". A number must not run into a
   letter or digit ("3rd" is a word, rule 6), and "1,23" is not a thousands
   group: "1", ",", "23".
4. Contraction stem + "n't": "don't" -> "do", "n't"; "can't" -> "ca", "n't";
   "won't" -> "wo", "n't" (the Penn Treebank split: the clitic is "n't").
5. Clitics: "'s", "'m", "'d", "'ll", "'re", "'ve" (any case) when they end a
   word: "it's" -> "it", "'s"; "John's" -> "John", "'s"; "they'll" -> "they",
   "'ll".
6. Word: runs of letters/digits/underscore joined by single inner hyphens or
   apostrophes: "state-of-the-art", "e-mail", "COVID-19", "3rd", "O'Connor".
   An apostrophe that starts a clitic of rule 5 is not inner ("it's" stays
   "it", "'s"), and a double hyphen is a dash: "yes--no" -> "yes", "--", "no".
7. Punctuation: "..." and "--" as one token each; any other non-space,
   non-word character is a token of its own ("$", "%", "(", "'", "!", ...).

Options:

* ``lower=True`` lower-cases every token EXCEPT URLs (a URL's path is case
  sensitive: "https://x.org/ReadMe" must survive).
* ``normalize=True`` applies ``normalize_text(text, strip_accents=True)``
  before tokenizing, so "don’t" (a curly apostrophe) splits like "don't".

``normalize_text(text, strip_accents)``:

1. ``unicodedata.normalize("NFKC", text)``: compatibility characters become
   plain ones ("ﬁ" -> "fi", full-width "１２" -> "12", a no-break space -> " ",
   "…" -> "...");
2. curly single quotes ‘ ’ -> ', curly double quotes “ ” -> ", en dash – -> -,
   em dash — -> --;
3. if ``strip_accents``: decompose (NFKD) and drop the combining marks
   ("café" -> "cafe"), exactly like scikit-learn's ``strip_accents_unicode``;
4. collapse every run of whitespace to one space and strip both ends.

Where these rules and the Penn Treebank agree (plain sentences ending in a full
stop, with commas and contractions), the result equals nltk's
``TreebankWordTokenizer``. They differ on purpose elsewhere: the Treebank
keeps "Mr." and inner full stops attached, rewrites quotes as `` and '',
splits "cannot" and "gonna", and breaks URLs apart.

API
---
    normalize_text(text, strip_accents=True)            -> str
    tokenize(text, lower=False, normalize=False)        -> list[str]

Worked example
--------------
    >>> tokenize("I can't pay $1,000.50 -- e-mail me@x.com!")
    ['I', 'ca', "n't", 'pay', '$', '1,000.50', '--', 'e-mail', 'me@x.com', '!']
    >>> tokenize("See HTTPS://X.org/A. It's GREAT", lower=True)
    ['see', 'HTTPS://X.org/A', '.', 'it', "'s", 'great']
    >>> normalize_text("  Café  “ﬁne” ")
    'Cafe "fine"'

Reference
---------
Jurafsky & Martin, *Speech and Language Processing* (3rd ed. draft), 2.4
"Text normalization" (tokenization, the Penn Treebank conventions); the
Python ``re`` docs ("Writing a Tokenizer"); Unicode Standard Annex #15
(normalization forms); nltk's ``TreebankWordTokenizer``.
"""

from __future__ import annotations

import re
import unicodedata

# One alternation, tried in order at each position: the first matching rule wins.
TOKEN_RE = re.compile(
    r"""
      (?P<url>(?:https?://|www\.)\S+?(?=[.,;:!?)\]'"]*(?:\s|$)))   # 1. URL, trailing punctuation left out
    | (?P<email>[\w.+-]+@\w[\w-]*(?:\.\w[\w-]*)+)                  # 2. e-mail
    | (?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:-\w+)*(?![\w-]))  # 3. 1,000.5, 3,000-strong (not 3rd)
    | (?P<stem>\w+(?=n't\b))                                       # 4a. do|n't, ca|n't, wo|n't
    | (?P<clitic>n't\b|'(?:s|m|d|ll|re|ve)\b)                      # 4b/5. n't 's 'm 'd 'll 're 've
    | (?P<word>\w+(?:-\w+|'(?!(?:s|m|d|ll|re|ve)\b)\w+)*)          # 6. e-mail, O'Connor (not it's)
    | (?P<punct>\.\.\.|--|[^\w\s])                                 # 7. ... -- and single symbols
    """,
    re.VERBOSE | re.IGNORECASE,
)

_QUOTES_AND_DASHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                                    "\u2013": "-", "\u2014": "--"})


def normalize_text(text: str, strip_accents: bool = True) -> str:
    """NFKC, ASCII quotes and dashes, optional accent stripping, whitespace collapsed.

    Args:
        text: any string.
        strip_accents: drop combining marks after an NFKD decomposition ("café" -> "cafe").

    Returns:
        The normalised string, with single spaces and no leading/trailing whitespace.
    """
    text = unicodedata.normalize("NFKC", text)  # ligatures, full-width forms, no-break spaces, "…"
    text = text.translate(_QUOTES_AND_DASHES)
    if strip_accents:
        # é = e + U+0301 after NFKD; the combining mark is dropped.
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.split())


def tokenize(text: str, lower: bool = False, normalize: bool = False) -> list[str]:
    """Split text into tokens by the rules in the module docstring.

    Args:
        text: the raw text.
        lower: lower-case every token except URLs.
        normalize: apply ``normalize_text(text, strip_accents=True)`` first.

    Returns:
        The tokens, in order; "".join(tokens) equals the text with whitespace removed
        (no character other than whitespace is ever dropped).
    """
    if normalize:
        text = normalize_text(text, strip_accents=True)
    tokens = []
    for m in TOKEN_RE.finditer(text):  # every non-space character matches some rule (punct is the catch-all)
        tok = m.group()
        if lower and m.lastgroup != "url":
            tok = tok.lower()
        tokens.append(tok)
    return tokens
