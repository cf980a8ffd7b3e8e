"""Mutant: smoothing adds 1 to df only: ln(n / (1 + df)) + 1."""

from __future__ import annotations

import re

import numpy as np

TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def tokenize(text: str) -> list[str]:
    """Lower-case and split like CountVectorizer's defaults: runs of 2+ word characters."""
    return TOKEN_RE.findall(text.lower())


def build_vocabulary(docs: list[list[str]], min_df: int = 1, max_df: float = 1.0) -> dict[str, int]:
    """The terms with min_df <= df <= max_df * n_docs, sorted, mapped to column indices 0..V-1."""
    df: dict[str, int] = {}
    for doc in docs:
        for term in set(doc):  # a document counts once per term
            df[term] = df.get(term, 0) + 1
    keep = sorted(t for t, k in df.items() if min_df <= k <= max_df * len(docs))
    return {t: j for j, t in enumerate(keep)}


def count_matrix(docs: list[list[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """(n_docs, V) int64 counts; tokens outside the vocabulary are ignored."""
    counts = np.zeros((len(docs), len(vocabulary)), dtype=np.int64)
    for d, doc in enumerate(docs):
        for term in doc:
            j = vocabulary.get(term)
            if j is not None:
                counts[d, j] += 1
    return counts


def document_frequency(counts: np.ndarray) -> np.ndarray:
    """(V,) the number of documents (rows) in which each term occurs at least once."""
    return (np.asarray(counts) > 0).sum(axis=0).astype(np.int64)


def idf(counts: np.ndarray, smooth_idf: bool = True) -> np.ndarray:
    """(V,) inverse document frequency: ln((1+n)/(1+df)) + 1, or ln(n/df) + 1 without smoothing."""
    n = counts.shape[0]
    df = document_frequency(counts)
    if smooth_idf:
        return np.log(n / (1 + df)) + 1.0
    with np.errstate(divide="ignore"):
        return np.log(n / df) + 1.0  # inf for a term no document has, as in scikit-learn


def tfidf(counts: np.ndarray, smooth_idf: bool = True, sublinear_tf: bool = False,
          norm: str | None = "l2") -> np.ndarray:
    """(n_docs, V) TF-IDF weights: tf (raw or 1 + ln c) times idf, each row then l2-, l1- or not normalised."""
    c = np.asarray(counts, dtype=np.float64)
    if sublinear_tf:
        tf = np.zeros_like(c)
        np.log(c, out=tf, where=c > 0)  # ln c only where c > 0; zeros stay zero
        tf[c > 0] += 1.0
    else:
        tf = c
    w = tf * idf(c, smooth_idf)[None, :]  # (n, V)
    if norm is None:
        return w
    if norm == "l2":
        lengths = np.sqrt((w**2).sum(axis=1, keepdims=True))  # (n, 1)
    elif norm == "l1":
        lengths = np.abs(w).sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"norm must be 'l2', 'l1' or None, got {norm!r}")
    return w / np.where(lengths == 0, 1.0, lengths)  # an empty document stays all zero
