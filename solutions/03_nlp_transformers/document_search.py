"""Document search: rank documents by the cosine similarity of their TF-IDF vectors.

Goal
----
Build the core of a classic search engine over the Lee news corpus
(``grader.data.load("lee-corpus")``, 300 Australian news articles). The
TF-IDF index is given (``build_index`` fits scikit-learn's ``TfidfVectorizer``);
you write:

* ``cosine_similarity(A, B)``: every pairwise cosine between the rows of A
  and the rows of B, with 0 (not nan) for an all-zero row;
* ``top_k(scores, k)``: the indices of the k largest scores, best first, ties
  broken by the smaller index;
* ``search(index, query, k)``: the k best documents for a text query, as
  (document index, score) pairs, leaving out documents that share no term with
  the query;
* ``more_like_this(index, doc_id, k)``: the k documents most similar to
  document ``doc_id``, itself excluded.

Why it matters
--------------
This is how search worked for decades (and how BM25 baselines and "related
articles" widgets still work): represent documents and query in the same
vector space and rank by the angle between them. Cosine ignores document
length: a long article and a short one about the same thing point the same
way. The same top-k-by-cosine step is the retrieval half of
retrieval-augmented generation, with learned embeddings in place of TF-IDF.

The maths
---------
    cos(a, b) = a . b / (||a|| ||b||)          in [-1, 1]; in [0, 1] for TF-IDF
    cos(a, b) = 0 if a = 0 or b = 0            (the convention scikit-learn uses)

For matrices, normalise each row to unit length (leave zero rows at zero) and
multiply: S = A_hat @ B_hat.T, shape (n, m). TF-IDF rows from the index are
already unit length, so for them cosine is a plain dot product, but
``cosine_similarity`` must work for any vectors.

Ranking rules:

* ``top_k``: sort by score descending; equal scores keep index order (a
  *stable* sort of -scores); k larger than the number of scores returns them
  all; k <= 0 returns an empty array.
* ``search``: vectorise the query with ``index.vectorizer.transform``, score
  every document, drop documents with score <= 0 (they share no term with the
  query), return the best k of the rest as a list of (int, float). An empty
  query, or one whose words are all unknown, returns [].
* ``more_like_this``: like ``search``, with document doc_id's own vector as
  the query and doc_id itself excluded (it would always come first).

API
---
    build_index(texts)                 -> SearchIndex (given): .vectorizer, .doc_vectors (n_docs, V) float64
    cosine_similarity(A, B)            -> (n, m) float64
    top_k(scores, k)                   -> (min(k, len),) int64 indices
    search(index, query, k=10)         -> list[(doc_index, score)]
    more_like_this(index, doc_id, k=10)-> list[(doc_index, score)]

Worked example
--------------
    >>> cosine_similarity(np.array([[1.0, 0], [1, 1], [0, 0]]), np.array([[1.0, 0], [0, 2]]))
    array([[1.        , 0.        ],
           [0.70710678, 0.70710678],
           [0.        , 0.        ]])
    >>> top_k(np.array([0.2, 0.9, 0.2, 0.5]), 3)
    array([1, 3, 0])
    >>> index = build_index(["the cat sat", "the dog sat", "a cat and a dog"])
    >>> search(index, "cat")               # "the dog sat" has no 'cat': left out
    [(0, 0.5773502691896257), (2, 0.5178561161676976)]
    >>> search(index, ""), search(index, "zebra")
    ([], [])

Reference
---------
Manning, Raghavan & Schütze, *Introduction to Information Retrieval*, 6.3
(the vector space model, cosine scoring) and 7.1 (efficient top-k);
scikit-learn's ``sklearn.metrics.pairwise.cosine_similarity``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass
class SearchIndex:
    vectorizer: TfidfVectorizer  # fitted on the documents; .transform([query]) gives a (1, V) sparse row
    doc_vectors: np.ndarray  # (n_docs, V) float64, unit-length TF-IDF rows (zero rows for empty documents)


def build_index(texts: list[str]) -> SearchIndex:
    """Fit a TfidfVectorizer (default settings: lower-case, l2-normalised rows) on the documents."""
    vectorizer = TfidfVectorizer()
    doc_vectors = vectorizer.fit_transform(texts).toarray()
    return SearchIndex(vectorizer, doc_vectors)


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)  # (n, 1)
    return X / np.where(norms == 0, 1.0, norms)  # a zero row stays zero: its cosine with anything is 0


def cosine_similarity(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(n, m) cosines between the rows of A (n, d) and of B (m, d); 0 where either row is all zero."""
    A = np.atleast_2d(np.asarray(A, dtype=np.float64))
    B = np.atleast_2d(np.asarray(B, dtype=np.float64))
    return _unit_rows(A) @ _unit_rows(B).T  # (n, d) @ (d, m)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first; equal scores in index order; all if k > len; none if k <= 0."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-np.asarray(scores), kind="stable")  # stable: ties keep increasing index order
    return order[:k].astype(np.int64)


def _rank(scores: np.ndarray, k: int, exclude: int | None = None) -> list[tuple[int, float]]:
    scores = scores.copy()
    if exclude is not None:
        scores[exclude] = 0.0  # drop it like a non-match
    best = [int(i) for i in top_k(scores, k) if scores[i] > 0]  # zero-score documents share no term with the query
    return [(i, float(scores[i])) for i in best]


def search(index: SearchIndex, query: str, k: int = 10) -> list[tuple[int, float]]:
    """The k documents most similar to the query, as (index, cosine), best first; score-0 documents left out."""
    q = index.vectorizer.transform([query]).toarray()  # (1, V); all zero for an empty or unknown query
    scores = cosine_similarity(q, index.doc_vectors)[0]  # (n_docs,)
    return _rank(scores, k)


def more_like_this(index: SearchIndex, doc_id: int, k: int = 10) -> list[tuple[int, float]]:
    """The k documents most similar to document doc_id (itself excluded), as (index, cosine), best first."""
    scores = cosine_similarity(index.doc_vectors[doc_id], index.doc_vectors)[0]  # (n_docs,)
    return _rank(scores, k, exclude=doc_id)
