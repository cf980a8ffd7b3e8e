"""Exact and near-duplicate detection: hashing, MinHash and LSH banding.

Goal
----
Find duplicated documents in a pretraining corpus, two ways:

* exact duplicates: hash a normalised form of each document and keep the
  first document of every hash (``normalize``, ``exact_dedup``);
* near duplicates: represent each document by its set of word k-shingles,
  compress each set into a MinHash signature whose agreement rate estimates
  the Jaccard similarity (``shingles``, ``minhash``, ``estimate_jaccard``),
  and find candidate pairs without comparing all pairs, by LSH banding
  (``lsh_candidate_probability``, ``lsh_candidates``, ``near_duplicates``).

Why it matters
--------------
Web corpora are full of copies: mirrored pages, boilerplate, quoted articles,
templated product pages. Duplicates waste compute, make a model memorise and
regurgitate text, and leak test sets into training data (Lee et al. 2022
found 1-in-3 C4 validation examples have a near duplicate in training).
Comparing all N^2/2 pairs of a billion documents is impossible; MinHash + LSH
finds similar pairs in about linear time, and is what GPT-3, The Pile,
RefinedWeb and FineWeb used.

The maths
---------
Jaccard similarity of two sets: J(A, B) = |A & B| / |A | B|.

MinHash. Let h be a random hash function on shingles. The shingle of A | B
with the smallest hash is equally likely to be any of them, and it lies in
A & B with probability J; so P[min h(A) = min h(B)] = J. With num_perm
independent hashes h_1..h_n, the signature of A is the vector
(min h_1(A), ..., min h_n(A)), and the fraction of positions where two
signatures agree is an unbiased estimate of J, with standard deviation
sqrt(J (1 - J) / num_perm).

The hashes come from one base hash and universal hashing: each shingle s is
first hashed to a 32-bit integer x = hash32(s) (given), then

    h_i(x) = ((a_i * x + b_i) mod P) mod 2^32,     P = 2^61 - 1 (a prime)

with a_i in [1, 2^32) and b_i in [0, 2^32) drawn by ``make_permutations``
(given). With x, a_i, b_i all below 2^32, a_i * x + b_i < 2^64, so numpy
uint64 arithmetic is exact. The signature of the empty set is 2^32 - 1
everywhere (the largest value, as if the minimum were taken over nothing).

LSH banding. Cut each signature into b bands of r rows (b * r <= num_perm;
the first b * r rows are used). Two documents become a CANDIDATE pair if
they agree on all r rows of at least one band. For a pair with Jaccard s,

    P(candidate) = 1 - (1 - s^r)^b

an S-curve that rises steeply around s* ~ (1/b)^(1/r): pairs well above s*
are almost always found, pairs well below almost never. Put the documents
in one bucket table per band, keyed by (band index, the band's r values),
and every bucket with two or more documents yields candidate pairs. The band
index matters: equal values in DIFFERENT bands say nothing.

``near_duplicates`` then keeps the candidates whose exact Jaccard similarity
of shingle sets is >= threshold, so LSH only decides which pairs to check.

Definitions used here:

* ``normalize(text)``: the ``\\w+`` words of ``text.lower()`` joined by single
  spaces (case, punctuation and whitespace differences vanish);
* ``shingles(text, k)``: the set of k consecutive words of ``normalize(text)``
  joined by spaces; a text with 1 to k-1 words has one shingle (all its
  words); an empty text has none;
* ``exact_dedup``: the indices of the documents kept (the first of each
  group whose normalised texts have the same SHA-256), in increasing order.

API
---
    normalize(text)                                -> str
    exact_dedup(docs)                              -> list[int], kept indices
    shingles(text, k=3)                            -> set[str]
    hash32(shingle), make_permutations(n, seed)    (implemented for you)
    minhash(shingle_set, num_perm=128, seed=1)     -> (num_perm,) uint64
    estimate_jaccard(sig1, sig2)                   -> float
    lsh_candidate_probability(s, b, r)             -> float
    lsh_candidates(signatures, b, r)               -> set of (i, j), i < j
    near_duplicates(docs, k, num_perm, b, r, threshold, seed=1)
                                                   -> set of (i, j), i < j

Worked example
--------------
    >>> normalize("Hello,   World!")
    'hello world'
    >>> exact_dedup(["Hello, world!", "a b", "hello world", "A  B."])
    [0, 1]
    >>> sorted(shingles("The cat sat on the mat", k=3))
    ['cat sat on', 'on the mat', 'sat on the', 'the cat sat']
    >>> round(lsh_candidate_probability(0.8, b=20, r=5), 4)
    0.9996

Reference
---------
Broder, "On the resemblance and containment of documents" (1997);
Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, chapter 3
(MinHash and LSH banding); Lee et al., "Deduplicating Training Data Makes
Language Models Better" (2022); the ``datasketch`` library's MinHash and
MinHashLSH, which the spec uses as an oracle.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections import defaultdict
from itertools import combinations

import numpy as np

MERSENNE_PRIME = (1 << 61) - 1
MAX_HASH = (1 << 32) - 1


def hash32(shingle: str) -> int:
    """A fixed 32-bit hash of a string: the first 4 bytes of its SHA-1, little-endian (datasketch's sha1_hash32)."""
    return struct.unpack("<I", hashlib.sha1(shingle.encode("utf-8")).digest()[:4])[0]


def make_permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(a, b): two (num_perm,) uint64 arrays, a in [1, 2^32), b in [0, 2^32), from default_rng(seed)."""
    gen = np.random.default_rng(seed)
    a = gen.integers(1, 1 << 32, size=num_perm, dtype=np.uint64)
    b = gen.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
    return a, b


def jaccard(a: set, b: set) -> float:
    """Exact Jaccard similarity |a & b| / |a | b| (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def normalize(text: str) -> str:
    """The \\w+ words of text.lower(), joined by single spaces."""
    raise NotImplementedError('normalize: not written yet')


def exact_dedup(docs: list[str]) -> list[int]:
    """Indices of the documents to keep: the first one of each SHA-256 of normalize(doc), in order."""
    raise NotImplementedError('exact_dedup: not written yet (hash the normalised text)')


def shingles(text: str, k: int = 3) -> set[str]:
    """The set of word k-shingles of normalize(text); one shingle if 1..k-1 words, none if empty."""
    raise NotImplementedError('shingles: not written yet')


def minhash(shingle_set: set[str], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The MinHash signature: for each i, min over shingles of ((a_i x + b_i) mod P) mod 2^32, x = hash32(shingle).

    Args:
        shingle_set: the document's shingles.
        num_perm: the signature length n.
        seed: passed to make_permutations.

    Returns:
        (num_perm,) uint64 array; all 2^32 - 1 for an empty set.
    """
    raise NotImplementedError('minhash: not written yet (one universal hash per position, take the min)')


def estimate_jaccard(sig1: np.ndarray, sig2: np.ndarray) -> float:
    """The fraction of positions where two signatures agree."""
    raise NotImplementedError('estimate_jaccard: not written yet')


def lsh_candidate_probability(s: float, b: int, r: int) -> float:
    """P(a pair of Jaccard s shares at least one of b bands of r rows) = 1 - (1 - s^r)^b."""
    raise NotImplementedError('lsh_candidate_probability: not written yet')


def lsh_candidates(signatures: np.ndarray, b: int, r: int) -> set[tuple[int, int]]:
    """Candidate pairs (i, j), i < j, that agree on every row of at least one band.

    Args:
        signatures: (N, num_perm) MinHash signatures, num_perm >= b * r.
        b: number of bands.
        r: rows per band.
    """
    raise NotImplementedError('lsh_candidates: not written yet (one bucket table per band)')


def near_duplicates(
    docs: list[str], k: int, num_perm: int, b: int, r: int, threshold: float, seed: int = 1
) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, that LSH proposes AND whose exact shingle Jaccard is >= threshold."""
    raise NotImplementedError('near_duplicates: not written yet')
