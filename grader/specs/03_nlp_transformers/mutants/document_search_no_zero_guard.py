"""Mutant: rows are divided by their norm without a guard, so a zero row (an empty query) gives nan."""

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
    return X / norms


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
