"""Spec for 04_llms/wordpiece.py: BERT basic tokenization + WordPiece, ids equal to the MiniLM tokenizer's."""

from __future__ import annotations

from functools import lru_cache

import pytest

from grader import data
from grader.testing import check

TOY = {"[UNK]": 0, "un": 1, "una": 2, "##ffa": 3, "##ble": 4, "##aff": 5, "##able": 6, "a": 7, "##a": 8, "able": 9,
       "b": 10, "##b": 11, "[CLS]": 12, "[SEP]": 13}


class _HF:
    """The MiniLM pack's tokenizer.json through the `tokenizers` library: the same Rust tokenizer that
    AutoTokenizer.from_pretrained(data.path("minilm")) wraps, without importing transformers (seconds)."""

    def __init__(self, folder):
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.no_truncation()  # the pack's file truncates and pads to 128; the plain tokenizer does neither
        self.tok.no_padding()

    def __call__(self, text):
        return {"input_ids": self.tok.encode(text).ids}

    def convert_ids_to_tokens(self, ids):
        return [self.tok.id_to_token(int(i)) for i in ids]

    def get_vocab(self):
        return self.tok.get_vocab()


@lru_cache(maxsize=1)
def _minilm():
    tok = _HF(data.path("minilm"))
    return tok, dict(tok.get_vocab())


def _same(actual, expected, *, name, hint=""):
    check(list(actual) == list(expected), f"{name} is {list(actual)!r}, expected {list(expected)!r}", hint=hint)


def test_basic_tokenize_punctuation_and_case(learner):
    """basic_tokenize lower-cases, splits on whitespace and makes every punctuation character its own token."""
    _same(learner.basic_tokenize("Hello, World!"), ["hello", ",", "world", "!"], name="basic_tokenize('Hello, World!')",
          hint="lower-case, split on whitespace, then split each word at every punctuation character")
    _same(learner.basic_tokenize("it's $100+ <b>a^b</b>"), ["it", "'", "s", "$", "100", "+", "<", "b", ">", "a", "^", "b", "<",
                                                            "/", "b", ">"],
          name="basic_tokenize(\"it's $100+ <b>a^b</b>\")",
          hint="every punctuation character (use the given _is_punctuation: ASCII symbols like $ + < ^ count) is a token by itself")
    _same(learner.basic_tokenize("  many   spaces\tand\nlines  "), ["many", "spaces", "and", "lines"],
          name="basic_tokenize(runs of whitespace)", hint="str.split() with no argument drops empty strings")
    _same(learner.basic_tokenize(""), [], name="basic_tokenize('')")


def test_basic_tokenize_accents_cjk_control(learner):
    """Accents are stripped (NFD, drop Mn marks), CJK ideographs become single-character words, control characters vanish."""
    _same(learner.basic_tokenize("Naïve CAFÉ ΑΘΗΝΑ"), ["naive", "cafe", "αθηνα"], name="basic_tokenize('Naïve CAFÉ ΑΘΗΝΑ')",
          hint="strip accents: unicodedata.normalize('NFD', w), then drop characters whose category is 'Mn'")
    _same(learner.basic_tokenize("我爱东京tower"), ["我", "爱", "东", "京", "tower"], name="basic_tokenize('我爱东京tower')",
          hint="put a space before and after every character for which _is_cjk is true, before splitting on whitespace")
    _same(learner.basic_tokenize("a\x00b\ufffdc\u200bd e\u00a0f"), ["abcd", "e", "f"],
          name="basic_tokenize('a\\x00b\\ufffdc\\u200bd e\\u00a0f')",
          hint="drop \\x00, \\ufffd and control/format characters (_is_control); the no-break space \\u00a0 is whitespace")


def test_wordpiece_longest_match_first(learner):
    """Greedy LONGEST match at each position, with '##' on continuation pieces."""
    _same(learner.wordpiece("unaffable", TOY), ["una", "##ffa", "##ble"], name="wordpiece('unaffable', toy vocab)",
          hint="at each position try the longest substring first (end from len(word) down), so 'una' beats 'un'")
    _same(learner.wordpiece("able", TOY), ["able"], name="wordpiece('able')", hint="the first piece has no '##'")
    _same(learner.wordpiece("aab", TOY), ["a", "##a", "##b"], name="wordpiece('aab')",
          hint="pieces after the first are looked up as '##' + substring")
    _same(learner.wordpiece("", TOY), [], name="wordpiece('')", hint="an empty word has no pieces")


def test_wordpiece_unknown_words(learner):
    """A word that cannot be split completely is ONE [UNK] (no partial pieces); so is a word longer than max_chars."""
    _same(learner.wordpiece("unafx", TOY), ["[UNK]"], name="wordpiece('unafx')",
          hint="if some position has no matching piece, return [unk] for the WHOLE word, dropping the pieces found so far")
    _same(learner.wordpiece("xab", TOY), ["[UNK]"], name="wordpiece('xab')", hint="no piece matches at position 0")
    _same(learner.wordpiece("ble", TOY), ["[UNK]"], name="wordpiece('ble')",
          hint="'##ble' is a continuation piece: it cannot start a word")
    _same(learner.wordpiece("a" * 7, TOY, max_chars=6), ["[UNK]"], name="wordpiece('aaaaaaa', max_chars=6)",
          hint="words longer than max_chars are [unk] without trying")
    _same(learner.wordpiece("a" * 6, TOY, max_chars=6), ["a"] + ["##a"] * 5, name="wordpiece('aaaaaa', max_chars=6)",
          hint="a word of exactly max_chars characters is still split")
    _same(learner.wordpiece("xyz", TOY, unk="<unk>"), ["<unk>"], name="wordpiece('xyz', unk='<unk>')", hint="use the unk argument")


def test_encode_special_tokens(learner):
    """encode wraps the ids in [CLS] ... [SEP]; tokenize is basic_tokenize then wordpiece per word."""
    _same(learner.encode("", TOY), [12, 13], name="encode('', toy vocab)", hint="[CLS] and [SEP] even for empty text")
    _same(learner.tokenize("Una-ffable? Aab", {**TOY, "-": 14, "?": 15, "ffable": 16}),
          ["una", "-", "ffable", "?", "a", "##a", "##b"], name="tokenize('Una-ffable? Aab')",
          hint="punctuation splits words before WordPiece, so 'ffable' starts a new word (no '##')")


def test_tricky_strings_match_minilm(learner):
    """On strings with accents, CJK, kana, Hangul, control and zero-width characters, emoji and long words, ids equal MiniLM's."""
    tok, vocab = _minilm()
    for s in ["Héllo, World! 東京", "naïve café Ωmega ΑΘΗΝΑ", "İstanbul ǅ ﬁ ①②", "tab\tnew\nline\x00\ufffd\u200b zero\u200dwidth",
              "$100+ <tags> a^b `x` ~y|z", "¿Qué? «quoted» — dash … ellipsis", "日本語のテキスト 한국어", "x" * 101, "a" * 100,
              "unaffable supercalifragilisticexpialidocious", "🙂 emoji 😀", "Ｆｕｌｌｗｉｄｔｈ ﬀ"]:
        want = tok(s)["input_ids"]
        got = learner.encode(s, vocab)
        check(list(got) == want, f"encode({s!r}) gives tokens {tok.convert_ids_to_tokens(list(got))}, MiniLM gives "
              f"{tok.convert_ids_to_tokens(want)}",
              hint="check the order: clean, space out CJK, split on whitespace, lower-case + strip accents, split punctuation, "
                   "then WordPiece (longest match first, whole word -> [UNK] on failure, > 100 characters -> [UNK])")


@pytest.mark.points(2)
def test_polarity_matches_minilm(learner):
    """All 200 movie-polarity sentences encode to exactly the MiniLM tokenizer's ids."""
    tok, vocab = _minilm()
    texts = data.load("movie-polarity").texts
    for text in texts:
        want = tok(text)["input_ids"]
        got = learner.encode(text, vocab)
        check(list(got) == want, f"encode({text!r}) gives tokens {tok.convert_ids_to_tokens(list(got))}, MiniLM gives "
              f"{tok.convert_ids_to_tokens(want)}", hint="compare token by token: the first difference names the rule")
