"""Spec for 03_nlp_transformers/tfidf.py: bag of words and TF-IDF against scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from grader.testing import assert_close, assert_equal, assert_shape, check

IDF_HINT = ("idf = ln((1 + n) / (1 + df)) + 1 with smooth_idf, ln(n / df) + 1 without: natural log, and the '+ 1' "
            "outside the log keeps a term that is in every document at weight 1")
NORM_HINT = ("normalise AFTER multiplying by idf: l2 divides each row by sqrt(sum w^2), l1 by sum |w|; a zero row "
             "must stay zero (divide by 1 where the norm is 0)")
SUBLINEAR_HINT = "sublinear tf is 1 + ln(count) where count > 0, and 0 where count = 0 (not ln(count), not ln(1 + count))"

DOCS = [["a", "b", "b"], ["b", "c"], []]


def _counts(learner, docs, **kw):
    vocab = learner.build_vocabulary(docs, **kw)
    return vocab, np.asarray(learner.count_matrix(docs, vocab))


def test_bag_of_words_by_hand(learner):
    """docs [a b b], [b c], []: vocabulary {a:0, b:1, c:2}; counts [[1,2,0],[0,1,1],[0,0,0]]; unknown tokens ignored."""
    vocab, C = _counts(learner, DOCS)
    assert_equal(dict(vocab), {"a": 0, "b": 1, "c": 2}, name="build_vocabulary",
                 hint="the distinct terms, sorted alphabetically, mapped to 0..V-1")
    assert_equal(C, np.array([[1, 2, 0], [0, 1, 1], [0, 0, 0]]), name="count_matrix",
                 hint="counts[d, vocab[t]] += 1 for every token t of document d; an empty document is a zero row")
    C2 = np.asarray(learner.count_matrix([["z", "a", "a", "q"]], vocab))
    assert_equal(C2, np.array([[2, 0, 0]]), name="count_matrix([['z','a','a','q']], {a,b,c})",
                 hint="tokens that are not in the vocabulary are skipped, not added")
    assert_equal(np.asarray(learner.document_frequency(C)), np.array([1, 2, 1]), name="document_frequency",
                 hint="df counts DOCUMENTS containing the term (count > 0), not occurrences: b occurs 3 times in 2 docs")


def test_vocabulary_cutoffs(learner):
    """min_df (a count) and max_df (a fraction of documents) keep terms with min_df <= df <= max_df * n."""
    docs = [["x", "y", "z"], ["x", "y"], ["x", "w"], ["x", "y", "v", "v"]]  # df: x 4, y 3, z 1, w 1, v 1
    for kw, expected in [({"min_df": 2}, ["x", "y"]), ({"max_df": 0.75}, ["v", "w", "y", "z"]),
                         ({"min_df": 2, "max_df": 0.75}, ["y"]), ({"max_df": 0.74}, ["v", "w", "z"]),
                         ({}, ["v", "w", "x", "y", "z"])]:
        vocab = learner.build_vocabulary(docs, **kw)
        assert_equal(sorted(vocab, key=vocab.get), expected, name=f"build_vocabulary(docs, {kw})",
                     hint="keep t iff min_df <= df(t) <= max_df * n_docs (df = number of documents, a term counts "
                          "once per document), then sort and number 0..V-1")


def test_idf_by_hand(learner):
    """idf of [[1,2,0],[0,1,1],[0,0,0]]: smooth ln(4/2)+1, ln(4/3)+1, ln(4/2)+1; plain ln(3/1)+1, ln(3/2)+1, ln(3/1)+1."""
    C = np.array([[1, 2, 0], [0, 1, 1], [0, 0, 0]])
    assert_close(learner.idf(C), np.log([2.0, 4 / 3, 2.0]) + 1, rtol=0, atol=1e-12, name="idf(C, smooth_idf=True)",
                 hint=IDF_HINT)
    assert_close(learner.idf(C, smooth_idf=False), np.log([3.0, 1.5, 3.0]) + 1, rtol=0, atol=1e-12,
                 name="idf(C, smooth_idf=False)", hint=IDF_HINT)
    every = np.array([[1, 3], [2, 0], [5, 1]])  # term 0 is in every document
    assert_close(learner.idf(every, smooth_idf=False)[0], 1.0, atol=1e-12, name="idf of a term in every document",
                 hint="ln(n/n) + 1 = 1: the +1 stops ubiquitous terms from being zeroed out")
    assert_close(learner.idf(every)[0], 1.0, atol=1e-12, name="smooth idf of a term in every document",
                 hint="ln((1+n)/(1+n)) + 1 = 1")


def test_tfidf_by_hand(learner):
    """tfidf of the hand matrix: raw rows [1*idf_a, 2*idf_b, 0]; l2 and l1 rows; sublinear 1 + ln 2 for count 2;
    the empty document stays zero (no nan)."""
    C = np.array([[1, 2, 0], [0, 1, 1], [0, 0, 0]])
    idf = np.log([2.0, 4 / 3, 2.0]) + 1
    raw = C * idf
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        try:
            got = {nm: np.asarray(learner.tfidf(C, norm=nm)) for nm in ("l2", "l1", None)}
            sub = np.asarray(learner.tfidf(C, sublinear_tf=True, norm=None))
        except (FloatingPointError, RuntimeWarning) as exc:
            check(False, f"tfidf hit a floating-point error on a matrix with an empty document: {exc}", hint=NORM_HINT)
    assert_shape(got[None], (3, 3), name="tfidf(C)")
    assert_close(got[None], raw, rtol=0, atol=1e-12, name="tfidf(C, norm=None)",
                 hint="w = tf * idf, column j multiplied by idf[j]")
    assert_close(got["l2"], raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-300), rtol=0, atol=1e-12,
                 name="tfidf(C, norm='l2')", hint=NORM_HINT)
    assert_close(got["l1"], raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300), rtol=0, atol=1e-12,
                 name="tfidf(C, norm='l1')", hint=NORM_HINT)
    assert_close(sub[0], [idf[0], (1 + np.log(2)) * idf[1], 0.0], rtol=0, atol=1e-12,
                 name="tfidf(C, sublinear_tf=True, norm=None)[0]", hint=SUBLINEAR_HINT)
    assert_equal(got["l2"][2], np.zeros(3), name="l2 row of the empty document", hint=NORM_HINT)


def test_term_in_every_document_keeps_weight(learner):
    """A term present in every document gets idf 1, so in a document of only that term its l2 weight is 1, not 0/nan."""
    C = np.array([[3, 0], [1, 2], [1, 0]])
    W = np.asarray(learner.tfidf(C, smooth_idf=False))
    assert_close(W[0], [1.0, 0.0], atol=1e-12, name="tfidf row of a document made only of the ubiquitous term",
                 hint=IDF_HINT + "; " + NORM_HINT)
    assert_close(W[2], [1.0, 0.0], atol=1e-12, name="tfidf row 2", hint=IDF_HINT)


def test_random_counts_match_sklearn_transformer(learner, rng):
    """On random sparse count matrices, every (smooth_idf, sublinear_tf, norm) combination equals sklearn's
    TfidfTransformer to 1e-12."""
    for _ in range(4):
        n, v = int(rng.integers(2, 12)), int(rng.integers(1, 15))
        C = rng.poisson(1.5, size=(n, v)) * (rng.random((n, v)) < 0.5)
        C[-1] = 0  # an empty document
        C[0, (C > 0).sum(0) == 0] = 1  # every df > 0, so that smooth_idf=False stays finite
        for smooth in (True, False):
            for sub in (True, False):
                for nm in ("l2", "l1", None):
                    exp = TfidfTransformer(smooth_idf=smooth, sublinear_tf=sub, norm=nm).fit_transform(C).toarray()
                    got = learner.tfidf(C, smooth_idf=smooth, sublinear_tf=sub, norm=nm)
                    assert_close(got, exp, rtol=0, atol=1e-12,
                                 name=f"tfidf(C, smooth_idf={smooth}, sublinear_tf={sub}, norm={nm!r})",
                                 hint=f"{IDF_HINT}; {SUBLINEAR_HINT}; {NORM_HINT}")


@pytest.mark.points(2)
def test_lee_corpus_matches_sklearn(learner):
    """On the 300 Lee news articles (tokenize given), vocabulary and counts equal CountVectorizer's (also with
    min_df=2, max_df=0.5), and tfidf equals TfidfTransformer's for six option combinations to 1e-12."""
    from grader import data

    texts = data.load("lee-corpus")
    docs = [learner.tokenize(t) for t in texts]
    for kw in ({}, {"min_df": 2, "max_df": 0.5}):
        cv = CountVectorizer(**kw)
        expected = cv.fit_transform(texts)
        vocab, C = _counts(learner, docs, **kw)
        check(dict(vocab) == cv.vocabulary_,
              f"build_vocabulary(docs, {kw}) has {len(vocab)} terms, CountVectorizer {len(cv.vocabulary_)}; "
              f"first differences: {sorted(set(vocab) ^ set(cv.vocabulary_))[:5]}",
              hint="sorted terms with min_df <= df <= max_df * n_docs")
        assert_equal(C, expected.toarray(), name=f"count_matrix on the Lee corpus ({kw})", hint="count every token")
    for smooth, sub, nm in [(True, False, "l2"), (False, False, "l2"), (True, True, "l2"), (True, False, "l1"),
                            (False, True, None), (True, True, None)]:
        exp = TfidfTransformer(smooth_idf=smooth, sublinear_tf=sub, norm=nm).fit_transform(expected).toarray()
        assert_close(learner.tfidf(C, smooth_idf=smooth, sublinear_tf=sub, norm=nm), exp, rtol=0, atol=1e-12,
                     name=f"tfidf(Lee counts, smooth_idf={smooth}, sublinear_tf={sub}, norm={nm!r})",
                     hint=f"{IDF_HINT}; {SUBLINEAR_HINT}; {NORM_HINT}")
