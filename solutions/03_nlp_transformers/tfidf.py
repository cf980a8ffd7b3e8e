"""Bag of words and TF-IDF, exactly as scikit-learn computes them.

Goal
----
Turn tokenized documents into a document-term matrix and weight it by TF-IDF.
You write:

* ``build_vocabulary``: the sorted list of terms, with document-frequency
  cut-offs (``min_df``, ``max_df``), as a term -> column dict;
* ``count_matrix``: the bag of words, counts[d, j] = how often term j occurs
  in document d;
* ``document_frequency`` and ``idf``: how many documents contain each term,
  and the inverse document frequency, plain or smoothed;
* ``tfidf``: term frequency (raw or sublinear) times idf, then each row
  normalised (l2, l1 or not at all).

``tokenize`` (lower-case, then scikit-learn's default token pattern: runs of 2+
word characters) is given, so your output can be checked against
``CountVectorizer`` / ``TfidfVectorizer`` with their default settings.

Why it matters
--------------
A bag of words forgets word order but keeps what a document is about, and it
is still a strong baseline for search, spam filtering and topic
classification. Raw counts overrate words that are everywhere ("the",
"said"); TF-IDF down-weights a term by how many documents contain it, so the
rare, specific words dominate. The same matrix feeds cosine-similarity search,
naive Bayes, logistic regression and LSA.

The maths
---------
n documents, vocabulary of V terms (sorted alphabetically, as scikit-learn
does), counts c[d, j] >= 0:

    df[j]          = number of documents d with c[d, j] > 0
    idf[j]         = ln((1 + n) / (1 + df[j])) + 1     smooth_idf=True (default)
    idf[j]         = ln(n / df[j]) + 1                 smooth_idf=False
    tf[d, j]       = c[d, j]                           sublinear_tf=False (default)
    tf[d, j]       = 1 + ln(c[d, j]) if c[d, j] > 0 else 0     sublinear_tf=True
    w[d, j]        = tf[d, j] * idf[j]
    l2 norm:  row / sqrt(sum_j w[d, j]^2);   l1 norm:  row / sum_j |w[d, j]|

The "+ 1" in the idf means a term that occurs in every document keeps weight
1 instead of 0. Smoothing acts as if one extra document contained every term
once, which avoids a division by zero for a vocabulary term no document has.
An all-zero row (an empty document) stays all zero: never divide by a zero
norm.

Vocabulary cut-offs: keep term t only if min_df <= df(t) <= max_df * n
(min_df an integer count, max_df a fraction of the documents), exactly like
``CountVectorizer(min_df=int, max_df=float)``.

API
---
    tokenize(text)                                   -> list[str]   (given)
    build_vocabulary(docs, min_df=1, max_df=1.0)     -> dict[str, int]   sorted terms -> 0..V-1
    count_matrix(docs, vocabulary)                   -> (n, V) int64; unknown tokens ignored
    document_frequency(counts)                       -> (V,) int64
    idf(counts, smooth_idf=True)                     -> (V,) float64
    tfidf(counts, smooth_idf=True, sublinear_tf=False, norm="l2")   -> (n, V) float64

``docs`` are lists of tokens (already tokenized), e.g. [tokenize(t) for t in texts].

Worked example
--------------
    >>> docs = [["a", "b", "b"], ["b", "c"], []]
    >>> vocab = build_vocabulary(docs); vocab
    {'a': 0, 'b': 1, 'c': 2}
    >>> C = count_matrix(docs, vocab); C
    array([[1, 2, 0],
           [0, 1, 1],
           [0, 0, 0]])
    >>> idf(C)                    # ln(4/2)+1, ln(4/3)+1, ln(4/2)+1
    array([1.69314718, 1.28768207, 1.69314718])
    >>> tfidf(C, norm=None)[0]    # [1 * 1.693, 2 * 1.288, 0]
    array([1.69314718, 2.57536414, 0.        ])
    >>> tfidf(C)[2]               # the empty document: zeros, not nan
    array([0., 0., 0.])

Reference
---------
Manning, Raghavan & Schütze, *Introduction to Information Retrieval*, ch. 6
(tf-idf weighting, sublinear tf); scikit-learn's user guide, "Tf-idf term
weighting" (the exact smooth-idf formula); Spärck Jones (1972), "A statistical
interpretation of term specificity".
"""

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
        return np.log((1 + n) / (1 + df)) + 1.0  # one imaginary document contains every term
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
