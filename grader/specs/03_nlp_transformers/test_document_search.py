"""Spec for 03_nlp_transformers/document_search.py: cosine similarity, stable top-k, TF-IDF search on the Lee corpus."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

from grader.testing import assert_close, assert_equal, assert_shape, check

ZERO_HINT = ("divide each row by its norm, but divide a zero row by 1 instead (np.where(norm == 0, 1, norm)): its "
             "cosine with anything is 0, as in scikit-learn, not nan")
TIE_HINT = ("ties must keep index order: np.argsort(-scores, kind='stable'); np.argsort(scores)[::-1] reverses the order "
            "of equal scores, and the default quicksort is not stable")
ZERO_SCORE_HINT = "documents with score <= 0 share no term with the query: leave them out (an empty query returns [])"


def _strict(fn, *args, what):
    try:
        with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            return fn(*args)
    except (FloatingPointError, RuntimeWarning) as exc:
        check(False, f"{what} hit a floating-point error: {exc}", hint=ZERO_HINT)


def _pairs(result):
    check(isinstance(result, list), f"expected a list of (index, score) pairs, got {type(result).__name__}",
          hint="return [(int(i), float(score)), ...]")
    return [(int(i), float(s)) for i, s in result]


def test_cosine_by_hand(learner):
    """cos of [1,0],[1,1],[0,0] with [1,0],[0,2]: [[1,0],[0.7071,0.7071],[0,0]]; the zero row gives 0, not nan."""
    A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    B = np.array([[1.0, 0.0], [0.0, 2.0]])
    got = _strict(learner.cosine_similarity, A, B, what="cosine_similarity with a zero row")
    assert_shape(got, (3, 2), name="cosine_similarity(A, B)", hint="one row per row of A, one column per row of B")
    r = 1 / np.sqrt(2)
    assert_close(got, [[1, 0], [r, r], [0, 0]], rtol=0, atol=1e-12, name="cosine_similarity(A, B)",
                 hint="a . b / (||a|| ||b||); " + ZERO_HINT)


def test_cosine_matches_sklearn(learner, rng):
    """On random matrices (negative entries, different scales, zero rows), cosine_similarity equals sklearn's to 1e-12;
    it is scale invariant and 1 on the diagonal of cos(A, A) for non-zero rows."""
    for n, m, d in [(5, 7, 3), (1, 4, 10), (6, 1, 2)]:
        A = rng.normal(size=(n, d)) * rng.uniform(0.01, 100, size=(n, 1))
        B = rng.normal(size=(m, d))
        A[0] = 0.0
        B[-1] = 0.0
        got = _strict(learner.cosine_similarity, A, B, what="cosine_similarity")
        assert_close(got, sk_cosine(A, B), rtol=0, atol=1e-12, name=f"cosine_similarity ({n}x{d}, {m}x{d})",
                     hint="normalise the rows of BOTH matrices, then A_hat @ B_hat.T; " + ZERO_HINT)
        assert_close(learner.cosine_similarity(7.5 * A, B), got, rtol=0, atol=1e-12, name="cos(7.5 A, B)",
                     hint="cosine ignores vector length")
    A = rng.normal(size=(4, 3))
    assert_close(np.diag(learner.cosine_similarity(A, A)), np.ones(4), atol=1e-12, name="diag cos(A, A)",
                 hint="every non-zero vector has cosine 1 with itself")


def test_top_k(learner):
    """top_k: best first, ties in index order, k > n returns all, k = 0 returns none."""
    s = np.array([0.2, 0.9, 0.2, 0.5, 0.9, 0.2])
    cases = [(3, [1, 4, 3]), (5, [1, 4, 3, 0, 2]), (10, [1, 4, 3, 0, 2, 5]), (1, [1]), (0, [])]
    for k, expected in cases:
        got = np.asarray(learner.top_k(s, k)).astype(int).tolist()
        assert_equal(got, expected, name=f"top_k({s.tolist()}, k={k})", hint=TIE_HINT)
    assert_equal(np.asarray(learner.top_k(np.zeros(4), 4)).astype(int).tolist(), [0, 1, 2, 3],
                 name="top_k(zeros(4), 4)", hint=TIE_HINT)
    assert_equal(np.asarray(learner.top_k(np.array([-1.0, -3.0, 2.0]), 2)).astype(int).tolist(), [2, 0],
                 name="top_k([-1, -3, 2], 2)", hint="sort descending by score, negative scores included")


def test_top_k_random_ties(learner, rng):
    """On random scores drawn from few distinct values (many ties), top_k equals a stable descending sort."""
    for _ in range(30):
        s = rng.integers(0, 4, size=int(rng.integers(1, 40))) / 4.0
        k = int(rng.integers(0, 45))
        expected = sorted(range(len(s)), key=lambda i: (-s[i], i))[:k]
        assert_equal(np.asarray(learner.top_k(s, k)).astype(int).tolist(), expected, name=f"top_k(s, {k})",
                     hint=TIE_HINT)


def _tiny_index(learner):
    docs = ["the cat sat on the mat", "the dog sat", "a cat and a dog", "the cat sat on the mat", "", "birds fly"]
    return learner.build_index(docs)


def test_search_by_hand(learner):
    """search on a tiny corpus with a duplicated document: duplicates tie and come in index order; documents without
    any query term are left out; empty and unknown queries return []."""
    index = _tiny_index(learner)
    got = _pairs(learner.search(index, "cat", k=10))
    assert_equal([i for i, _ in got], [2, 0, 3], name="documents returned by search('cat')",
                 hint="score all documents, drop score 0, order by score with ties by index; " + TIE_HINT)
    q = index.vectorizer.transform(["cat"]).toarray()
    expected = sk_cosine(q, index.doc_vectors)[0]
    assert_close([s for _, s in got], expected[[2, 0, 3]], rtol=0, atol=1e-12, name="scores of search('cat')",
                 hint="the score is the cosine between the query's TF-IDF vector and the document's")
    assert_equal([i for i, _ in _pairs(learner.search(index, "cat", k=2))], [2, 0], name="search('cat', k=2)",
                 hint="return at most k results")
    for query in ["", "zebra unicorn", "   "]:
        got = _strict(learner.search, index, query, 5, what=f"search({query!r})")
        assert_equal(_pairs(got), [], name=f"search({query!r})", hint=ZERO_SCORE_HINT + "; " + ZERO_HINT)
    got = _pairs(learner.search(index, "the sat", k=3))
    check(all(i not in (2, 4, 5) for i, _ in got), f"search('the sat') returned {got}; documents 2, 4, 5 contain neither "
          "word", hint=ZERO_SCORE_HINT)


def test_more_like_this(learner):
    """more_like_this excludes the document itself, so a duplicate comes first; the empty document has no neighbours."""
    index = _tiny_index(learner)
    got = _pairs(learner.more_like_this(index, 0, k=3))
    check(got and got[0][0] == 3 and all(i != 0 for i, _ in got),
          f"more_like_this(index, 0) = {got}: document 3 (an exact duplicate of 0) should come first, and 0 itself "
          "must not appear", hint="score every document against doc_id's vector, then exclude doc_id itself")
    assert_close(got[0][1], 1.0, atol=1e-12, name="score of the duplicate", hint="identical TF-IDF rows have cosine 1")
    got4 = _strict(learner.more_like_this, index, 4, 3, what="more_like_this of the empty document")
    assert_equal(_pairs(got4), [], name="more_like_this(index, 4) (an empty document)", hint=ZERO_SCORE_HINT)


@pytest.mark.points(2)
def test_lee_corpus_queries_match_oracle(learner):
    """20 of the 50 Lee test articles, used as queries against the 300 training articles, get the same top 10
    (documents and scores to 1e-12) as sklearn's cosine_similarity with a stable sort; more_like_this too."""
    from grader import data

    index = learner.build_index(data.load("lee-corpus"))
    queries = data.load("lee-corpus", split="test")[::5] + data.load("lee-corpus", split="test")[1::5]
    Q = index.vectorizer.transform(queries).toarray()
    S = sk_cosine(Q, index.doc_vectors)  # (50, 300)
    for qi, query in enumerate(queries):
        order = [i for i in sorted(range(S.shape[1]), key=lambda i: (-S[qi, i], i)) if S[qi, i] > 0][:10]
        got = _pairs(learner.search(index, query, k=10))
        assert_equal([i for i, _ in got], order, name=f"search(test article {qi}) documents", hint=TIE_HINT)
        assert_close([s for _, s in got], S[qi, order], rtol=0, atol=1e-12, name=f"search(test article {qi}) scores",
                     hint="cosine of the TF-IDF vectors")
    ids = (0, 17, 299)
    D = dict(zip(ids, sk_cosine(index.doc_vectors[list(ids)], index.doc_vectors)))
    for doc_id in ids:
        order = [i for i in sorted(range(len(D[doc_id])), key=lambda i: (-D[doc_id][i], i)) if D[doc_id][i] > 0
                 and i != doc_id][:5]
        got = _pairs(learner.more_like_this(index, doc_id, k=5))
        assert_equal([i for i, _ in got], order, name=f"more_like_this(index, {doc_id}, k=5)",
                     hint="exclude the document itself; " + TIE_HINT)
