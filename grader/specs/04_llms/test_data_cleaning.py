"""Spec for 04_llms/data_cleaning.py: C4 line/page rules, Gopher quality filters, the pipeline on wiki-excerpt."""

from __future__ import annotations

import re

import pytest

from grader import data
from grader.testing import assert_close, check

SENTS5 = "The first one is here. The second one is here. The third one is here. The fourth one is here. The fifth one is here."


# ------------------------------------------------ an independent reference ---

def _ref_line(line, min_words=3):
    s = line.strip()
    ok = (s[-1:] in {".", "!", "?", '"'} and not s.endswith("...") and not s.endswith("…")
          and len(s.split()) >= min_words and "javascript" not in s.lower())
    return s if ok else None


def _ref_sentences(text):
    return len(re.findall(r"[.!?]+[\"')\]]*(?=\s|$)", text))


def _ref_pipeline(docs, min_words=3, min_sentences=5, bad_words=frozenset({"porn", "porno", "xxx", "nsfw", "viagra", "hentai", "camgirl"})):
    counts = {"lines_kept": 0, "lines_dropped": 0}
    kept = []
    for doc in docs:
        words = doc.split()
        mwl = sum(len(w) for w in words) / len(words) if words else 0.0
        ratio = max(doc.count("#"), doc.count("...") + doc.count("…")) / len(words) if words else 0.0
        lines = [ln.strip() for ln in doc.split("\n") if ln.strip()]
        bullets = sum(ln[0] in "•-*‣–·●" for ln in lines) / len(lines) if lines else 0.0
        if not 3 <= mwl <= 10:
            reason = "mean_word_length"
        elif ratio > 0.1:
            reason = "symbol_ratio"
        elif bullets > 0.9:
            reason = "bullets"
        elif "lorem ipsum" in doc.lower():
            reason = "lorem_ipsum"
        elif "{" in doc:
            reason = "curly_brace"
        elif set(re.findall(r"\w+", doc.lower())) & set(bad_words):
            reason = "bad_words"
        else:
            good = [g for g in (_ref_line(ln, min_words) for ln in lines) if g is not None]
            counts["lines_kept"] += len(good)
            counts["lines_dropped"] += len(lines) - len(good)
            text = "\n".join(good)
            reason = "ok" if _ref_sentences(text) >= min_sentences else "too_few_sentences"
            if reason == "ok":
                kept.append(text)
        counts[reason] = counts.get(reason, 0) + 1
    return kept, counts


def _same(actual, expected, *, name, hint=""):
    """Exact equality for any Python values (None included), with a readable message."""
    check(actual == expected, f"{name} is {actual!r}, expected {expected!r}", hint=hint)


def _nonzero(counts):
    return {k: v for k, v in counts.items() if v or k in ("lines_kept", "lines_dropped")}


# ------------------------------------------------------------------- tests ---

def test_clean_line_terminal_marks(learner):
    """A line is kept (stripped) only if it ends in . ! ? or a closing double quote, and not in an ellipsis."""
    for line in ["  The cat sat on the mat.  ", "Is this a question?", "What a day it was!", 'He said "go home now."',
                 'She replied "not today"']:
        _same(learner.clean_line(line), line.strip(), name=f"clean_line({line!r})",
                     hint='terminal marks are . ! ? and " ; return line.strip() when the line is kept')
    for line in ["Home | About | Contact", "Chapter one begins here", "and so it goes on and on...", "Prices from 10:",
                 "The list continues,", ""]:
        _same(learner.clean_line(line), None, name=f"clean_line({line!r})",
                     hint="lines that do not end in . ! ? or \" are dropped, and so are lines ending in '...' "
                          "(a truncated snippet ends in '.', so check for the ellipsis separately)")


def test_clean_line_min_words_and_javascript(learner):
    """At least min_words whitespace words (3 by default; exactly min_words is enough); 'javascript' in any case drops the line."""
    _same(learner.clean_line("Go home now."), "Go home now.", name="clean_line('Go home now.') (3 words)",
                 hint="a line with exactly min_words words is kept: drop it only when len(line.split()) < min_words")
    _same(learner.clean_line("Go home."), None, name="clean_line('Go home.') (2 words)",
                 hint="count words with line.split() and drop lines with fewer than min_words")
    _same(learner.clean_line("One two three four five.", min_words=5), "One two three four five.",
                 name="clean_line(5 words, min_words=5)", hint="use the min_words argument, not a constant")
    _same(learner.clean_line("One two three four.", min_words=5), None, name="clean_line(4 words, min_words=5)",
                 hint="use the min_words argument, not a constant")
    for line in ["Please enable JavaScript to continue.", "This site needs javascript to work.", "Turn on JAVASCRIPT now!"]:
        _same(learner.clean_line(line), None, name=f"clean_line({line!r})",
                     hint="compare in lower case: 'javascript' in line.lower()")


def test_c4_page_rules(learner):
    """'lorem ipsum' and '{' drop the whole page (in that order of precedence), and so does a bad word matched as a WHOLE word."""
    _same(learner.c4_clean(SENTS5 + "\nLorem Ipsum dolor sit amet."), (None, "lorem_ipsum"),
                 name="c4_clean(page with 'Lorem Ipsum')", hint="'lorem ipsum' in any case drops the page, not just the line")
    _same(learner.c4_clean(SENTS5 + "\nfunction f() { return 1; }"), (None, "curly_brace"),
                 name="c4_clean(page with a '{')", hint="any '{' anywhere drops the whole page (it is code)")
    _same(learner.c4_clean("lorem ipsum {" + SENTS5), (None, "lorem_ipsum"), name="c4_clean(lorem ipsum and '{')",
                 hint="check the page rules in order: lorem ipsum, curly brace, bad words")
    bad = {"ham"}
    _same(learner.c4_clean(SENTS5 + " I like ham.", bad_words=bad), (None, "bad_words"),
                 name="c4_clean(page with the bad word 'ham', bad_words={'ham'})", hint="drop the page if any \\w+ word is in bad_words")
    _same(learner.c4_clean(SENTS5 + " HAM, again.", bad_words=bad), (None, "bad_words"),
                 name="c4_clean(page with 'HAM,')", hint="lower-case the page and split it into \\w+ words first")
    page = SENTS5 + " Birmingham has a hamster called Graham."
    got, reason = learner.c4_clean(page, bad_words=bad)
    _same(reason, "ok", name="reason for a page with 'Birmingham', 'hamster', 'Graham' (bad_words={'ham'})",
                 hint="the Scunthorpe problem: match bad words as whole words (re.findall(r'\\w+', text.lower())), not substrings")
    _same(got, page, name="the cleaned page")


def test_c4_sentences_after_line_cleaning(learner):
    """Only kept lines survive (joined by newlines), and min_sentences counts sentences in what is LEFT."""
    page = "Menu\n" + SENTS5 + "\nShort one.\nPlease enable JavaScript. It is needed. Really it is."
    _same(learner.c4_clean(page), (SENTS5, "ok"), name="c4_clean(page with a menu, a short line and a JavaScript line)",
                 hint="keep only the lines clean_line keeps, stripped, joined by '\\n'")
    four = "The first one is here. The second one is here. The third one is here. The fourth one is here."
    _same(learner.c4_clean(four), (None, "too_few_sentences"), name="c4_clean(4 sentences)",
                 hint="a page needs at least min_sentences (5) sentences")
    page = four + "\nA dropped line. With two. Sentences in it and no end"
    _same(learner.c4_clean(page), (None, "too_few_sentences"), name="c4_clean(4 kept sentences + a dropped line)",
                 hint="count sentences AFTER removing the bad lines, not on the raw page")
    _same(learner.c4_clean(four, min_sentences=4), (four, "ok"), name="c4_clean(4 sentences, min_sentences=4)",
                 hint="use the min_sentences argument; exactly min_sentences is enough")


def test_gopher_measures(learner):
    """mean_word_length, symbol_to_word_ratio (the MAX of hashes and ellipses, not their sum) and bullet_line_fraction by hand."""
    assert_close(learner.mean_word_length("a bb ccc"), 2.0, atol=1e-12, name="mean_word_length('a bb ccc')",
                 hint="mean of len(w) over text.split(); spaces are not part of words")
    assert_close(learner.mean_word_length("Hello,  world!\nok"), 14 / 3, atol=1e-12, name="mean_word_length('Hello,  world!\\nok')",
                 hint="words are text.split() (punctuation stays attached); divide by the number of words")
    assert_close(learner.mean_word_length(""), 0.0, atol=0, name="mean_word_length('')", hint="no words: return 0.0")
    assert_close(learner.symbol_to_word_ratio("#ai #ml rocks"), 2 / 3, atol=1e-12, name="symbol_to_word_ratio('#ai #ml rocks')",
                 hint="count '#' characters and divide by the number of words")
    assert_close(learner.symbol_to_word_ratio("wait... what… #really so on"), 2 / 5, atol=1e-12,
                 name="symbol_to_word_ratio('wait... what… #really so on')",
                 hint="ellipses are '...' and '…' counted together; the ratio is max(hashes, ellipses) / words, "
                      "each symbol on its own, not hashes + ellipses")
    assert_close(learner.symbol_to_word_ratio("   "), 0.0, atol=0, name="symbol_to_word_ratio('   ')", hint="no words: 0.0")
    text = "• one\n\n- two\n   * three\nfour\n  \nfive -"
    assert_close(learner.bullet_line_fraction(text), 3 / 5, atol=1e-12, name="bullet_line_fraction(3 of 5 non-blank lines)",
                 hint="skip blank lines entirely, and look at the first character after lstrip()")
    assert_close(learner.bullet_line_fraction("\n\n"), 0.0, atol=0, name="bullet_line_fraction(only blank lines)",
                 hint="no non-blank lines: 0.0")


def test_gopher_keep_boundaries(learner):
    """The Gopher filters keep 3 <= mean word length <= 10, ratio <= 0.1 and bullet fraction <= 0.9 (bounds included)."""
    cases = [
        ("abc " * 20, (True, "ok")),
        ("abcdefghij " * 20, (True, "ok")),
        ("ab " * 20, (False, "mean_word_length")),
        ("abcdefghijk " * 20, (False, "mean_word_length")),
        ("", (False, "mean_word_length")),
        ("#tag " + "word " * 9, (True, "ok")),
        ("#tag #two " + "word " * 8, (False, "symbol_ratio")),
        ("\n".join(["- itemized entries"] * 9 + ["The end."]), (True, "ok")),
        ("\n".join(["- itemized entries"] * 10 + ["The end."]), (False, "bullets")),
    ]
    for text, want in cases:
        _same(tuple(learner.gopher_keep(text)), want, name=f"gopher_keep({text[:30]!r}...)",
                     hint="drop only strictly outside the bounds: mean word length < 3 or > 10, ratio > 0.1, bullets > 0.9; "
                          "check them in the order mean_word_length, symbol_ratio, bullets")


def test_clean_corpus_synthetic(learner):
    """clean_corpus on six hand-made documents: Gopher first, then the C4 page rules; the right reasons and line counts."""
    docs = [
        "Menu\n" + SENTS5,                         # ok: 1 line kept, 1 dropped
        "ab cd ef gh.",                           # mean word length 2.5
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do.",
        "A short page. Only two sentences.",      # too few sentences: 1 kept line
        "\n".join(["- bullet item here"] * 10),  # bullets
        SENTS5 + "\nviagra cheap cheap buy.",     # bad word
    ]
    kept, counts = learner.clean_corpus(docs)
    _same(list(kept), [SENTS5], name="kept documents", hint="return the cleaned text of each kept document")
    want = {"ok": 1, "mean_word_length": 1, "lorem_ipsum": 1, "too_few_sentences": 1, "bullets": 1, "bad_words": 1,
            "lines_kept": 2, "lines_dropped": 1}
    _same(_nonzero(dict(counts)), want, name="counts",
                 hint="one count per reason; lines_kept/lines_dropped sum over documents that reached the line rules "
                      "(kept ones and 'too_few_sentences' ones)")


@pytest.mark.points(2)
def test_wiki_excerpt_counts(learner):
    """On the wiki-excerpt test articles, and on their paragraphs as separate documents, the counts equal the reference pipeline's."""
    articles = [a.text for a in data.load("wiki-excerpt", split="test")]
    paragraphs = [p for text in articles for p in text.split("\n\n")] + ["{ function parameters }\nvalue = compute();", "### ### ###"]
    for name, docs, kwargs in [("articles", articles, {}), ("paragraphs (min_sentences=2)", paragraphs, {"min_sentences": 2})]:
        want_kept, want = _ref_pipeline(docs, **kwargs)
        kept, counts = learner.clean_corpus(docs, **kwargs)
        _same(_nonzero(dict(counts)), want, name=f"clean_corpus counts on wiki-excerpt {name}",
                     hint="run each rule on its own hand case first; the usual culprits are the line rules (strip, "
                          "ellipsis, min_words) and counting lines only for documents that reach them")
        check(list(kept) == want_kept, f"the kept cleaned texts on wiki-excerpt {name} differ from the reference",
              hint="a kept document is its kept lines, stripped, joined by '\\n'")
