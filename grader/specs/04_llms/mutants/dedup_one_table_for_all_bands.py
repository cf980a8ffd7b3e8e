"""Mutant: one bucket table shared by all bands (the key lacks the band index)."""

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
    return " ".join(re.findall(r"\w+", text.lower()))


def exact_dedup(docs: list[str]) -> list[int]:
    """Indices of the documents to keep: the first one of each SHA-256 of normalize(doc), in order."""
    seen: set[str] = set()
    keep = []
    for i, doc in enumerate(docs):
        digest = hashlib.sha256(normalize(doc).encode("utf-8")).hexdigest()  # store 32 bytes, not the text
        if digest not in seen:
            seen.add(digest)
            keep.append(i)
    return keep


def shingles(text: str, k: int = 3) -> set[str]:
    """The set of word k-shingles of normalize(text); one shingle if 1..k-1 words, none if empty."""
    words = normalize(text).split()
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def minhash(shingle_set: set[str], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The MinHash signature: for each i, min over shingles of ((a_i x + b_i) mod P) mod 2^32, x = hash32(shingle).

    Args:
        shingle_set: the document's shingles.
        num_perm: the signature length n.
        seed: passed to make_permutations.

    Returns:
        (num_perm,) uint64 array; all 2^32 - 1 for an empty set.
    """
    a, b = make_permutations(num_perm, seed)                               # (n,), (n,)
    signature = np.full(num_perm, MAX_HASH, dtype=np.uint64)               # (n,)
    if not shingle_set:
        return signature
    x = np.array([hash32(s) for s in shingle_set], dtype=np.uint64)       # (S,)
    hashed = (x[:, None] * a[None, :] + b[None, :]) % np.uint64(MERSENNE_PRIME)  # (S, n), exact: < 2^64
    hashed &= np.uint64(MAX_HASH)                                          # keep 32 bits
    return np.minimum(signature, hashed.min(axis=0))                       # (n,)


def estimate_jaccard(sig1: np.ndarray, sig2: np.ndarray) -> float:
    """The fraction of positions where two signatures agree."""
    return float(np.mean(sig1 == sig2))


def lsh_candidate_probability(s: float, b: int, r: int) -> float:
    """P(a pair of Jaccard s shares at least one of b bands of r rows) = 1 - (1 - s^r)^b."""
    return 1.0 - (1.0 - s**r) ** b


def lsh_candidates(signatures: np.ndarray, b: int, r: int) -> set[tuple[int, int]]:
    """Candidate pairs (i, j), i < j, that agree on every row of at least one band.

    Args:
        signatures: (N, num_perm) MinHash signatures, num_perm >= b * r.
        b: number of bands.
        r: rows per band.
    """
    n, num_perm = signatures.shape
    assert b * r <= num_perm, f"b * r = {b * r} > num_perm = {num_perm}"
    candidates: set[tuple[int, int]] = set()
    buckets: dict[bytes, list[int]] = defaultdict(list)
    for band in range(b):
        rows = signatures[:, band * r:(band + 1) * r]        # (N, r)
        for i in range(n):
            buckets[rows[i].tobytes()].append(i)
    for members in buckets.values():
        candidates.update(combinations(sorted(set(members)), 2))
    return candidates


def near_duplicates(
    docs: list[str], k: int, num_perm: int, b: int, r: int, threshold: float, seed: int = 1
) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, that LSH proposes AND whose exact shingle Jaccard is >= threshold."""
    sets = [shingles(doc, k) for doc in docs]
    signatures = np.stack([minhash(s, num_perm, seed) for s in sets])  # (N, num_perm)
    return {(i, j) for i, j in lsh_candidates(signatures, b, r) if jaccard(sets[i], sets[j]) >= threshold}
