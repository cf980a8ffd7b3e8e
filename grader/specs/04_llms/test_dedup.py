"""Spec for 04_llms/dedup.py: exact dedup, shingles, MinHash and LSH banding, against datasketch on wiki-excerpt."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

P = (1 << 61) - 1
MAX = (1 << 32) - 1


def _h32(s):
    return struct.unpack("<I", hashlib.sha1(s.encode("utf-8")).digest()[:4])[0]


def _perms(n, seed):
    gen = np.random.default_rng(seed)
    return gen.integers(1, 1 << 32, size=n, dtype=np.uint64), gen.integers(0, 1 << 32, size=n, dtype=np.uint64)


def _ref_minhash(shingle_set, n, seed):
    """Python-int reference: exact, no numpy arithmetic."""
    a, b = _perms(n, seed)
    out = []
    for ai, bi in zip(a.tolist(), b.tolist()):
        out.append(min([((ai * _h32(s) + bi) % P) & MAX for s in shingle_set], default=MAX))
    return np.array(out, dtype=np.uint64)


def _jac(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


def _same(actual, expected, *, name, hint=""):
    check(actual == expected, f"{name} is {actual!r}, expected {expected!r}", hint=hint)


def test_normalize_and_exact_dedup(learner):
    """normalize lower-cases and keeps the \\w+ words joined by single spaces; exact_dedup keeps the first of each group."""
    _same(learner.normalize("Hello,   World!"), "hello world", name="normalize('Hello,   World!')",
          hint="' '.join(re.findall(r'\\w+', text.lower()))")
    _same(learner.normalize("  Tab\tand\nnewline--dash  "), "tab and newline dash", name="normalize(tabs, newlines, dashes)",
          hint="split on anything that is not a word character, not only on spaces")
    _same(learner.normalize(""), "", name="normalize('')")
    docs = ["Hello, world!", "a b", "hello world", "A  B.", "something else", "HELLO WORLD?!", "Something  else"]
    _same(list(learner.exact_dedup(docs)), [0, 1, 4], name=f"exact_dedup({docs})",
          hint="hash normalize(doc), not the raw doc, and keep the FIRST index of each hash, in increasing order")
    _same(list(learner.exact_dedup([])), [], name="exact_dedup([])")


def test_shingles(learner):
    """Word k-shingles of the normalised text; short texts give one shingle, empty texts none."""
    _same(learner.shingles("The cat sat on the mat", k=3), {"the cat sat", "cat sat on", "sat on the", "on the mat"},
          name="shingles('The cat sat on the mat', k=3)",
          hint="k consecutive words of normalize(text), joined by single spaces; there are len(words) - k + 1 of them")
    _same(learner.shingles("a b a b a", k=2), {"a b", "b a"}, name="shingles('a b a b a', k=2)",
          hint="return a set: repeated shingles count once")
    _same(learner.shingles("Two words!", k=3), {"two words"}, name="shingles('Two words!', k=3)",
          hint="a text with fewer than k words is one shingle made of all its words")
    _same(learner.shingles(" ... ", k=3), set(), name="shingles(' ... ', k=3)", hint="no words: no shingles")


def test_minhash_exact_values(learner, rng):
    """minhash equals min over shingles of ((a*x + b) mod (2^61-1)) mod 2^32 with make_permutations(num_perm, seed)."""
    words = [f"w{int(i)}" for i in rng.integers(0, 1000, size=12)]
    s = {" ".join(words[i:i + 2]) for i in range(11)}
    for n, seed in [(16, 1), (7, 42)]:
        got = learner.minhash(s, num_perm=n, seed=seed)
        assert_shape(got, (n,), name=f"minhash(num_perm={n})")
        assert_equal(np.asarray(got).astype(np.uint64), _ref_minhash(s, n, seed), name=f"minhash(12 shingles, num_perm={n}, seed={seed})",
                     hint="for each i: min over shingles of ((a[i] * hash32(s) + b[i]) % (2**61 - 1)) & (2**32 - 1), with "
                          "(a, b) = make_permutations(num_perm, seed): the MIN, one (a[i], b[i]) per position, and the "
                          "modulus before the 32-bit mask")
    got = learner.minhash(set(), num_perm=8)
    assert_equal(np.asarray(got).astype(np.uint64), np.full(8, MAX, dtype=np.uint64), name="minhash(empty set)",
                 hint="the empty set's signature is 2^32 - 1 everywhere")


def test_minhash_union_property(learner, rng):
    """The signature of A | B is the elementwise minimum of the signatures of A and B (MinHash is a min over the set)."""
    a = {f"s{int(i)}" for i in rng.integers(0, 500, size=30)}
    b = {f"s{int(i)}" for i in rng.integers(0, 500, size=30)}
    sa, sb, sab = (np.asarray(learner.minhash(x, num_perm=64, seed=3)) for x in (a, b, a | b))
    assert_equal(sab, np.minimum(sa, sb), name="minhash(A | B)", hint="each position is a minimum over the shingles")


def test_estimate_jaccard_vs_truth_and_datasketch(learner, rng):
    """On 30 random set pairs (J from 0 to 1), the estimate is within 5 sigma of the true Jaccard per pair and as accurate as datasketch's on average."""
    n = 256
    errors, ds_errors = [], []
    for t in range(30):
        common = {f"c{t}_{i}" for i in range(int(rng.integers(0, 80)))}
        a = common | {f"a{t}_{i}" for i in range(int(rng.integers(1, 40)))}
        b = common | {f"b{t}_{i}" for i in range(int(rng.integers(1, 40)))}
        j = _jac(a, b)
        est = learner.estimate_jaccard(learner.minhash(a, n, seed=7), learner.minhash(b, n, seed=7))
        sigma = np.sqrt(j * (1 - j) / n)
        check(abs(est - j) <= 5 * sigma + 0.02, f"estimate_jaccard = {est:.3f} for a pair with true Jaccard {j:.3f} "
              f"(sigma = {sigma:.3f} at num_perm = {n})",
              hint="the estimate is np.mean(sig1 == sig2); if it is 0 or 1 for every pair, every position uses the same hash")
        ma, mb = MinHash(num_perm=n, seed=7), MinHash(num_perm=n, seed=7)
        ma.update_batch([s.encode() for s in a])
        mb.update_batch([s.encode() for s in b])
        errors.append(abs(est - j))
        ds_errors.append(abs(ma.jaccard(mb) - j))
    check(np.mean(errors) <= 2 * np.mean(ds_errors) + 0.01,
          f"mean |estimate - Jaccard| = {np.mean(errors):.4f}, datasketch's = {np.mean(ds_errors):.4f}",
          hint="each of the num_perm positions needs its own independent hash (a[i], b[i])")


def test_lsh_candidate_probability(learner):
    """P(candidate) = 1 - (1 - s^r)^b at hand-computed points."""
    for s, b, r, want in [(0.8, 20, 5, 1 - (1 - 0.8**5) ** 20), (0.5, 1, 1, 0.5), (0.3, 16, 8, 1 - (1 - 0.3**8) ** 16),
                          (0.0, 10, 3, 0.0), (1.0, 10, 3, 1.0), (0.6, 4, 2, 1 - 0.64**4)]:
        assert_close(learner.lsh_candidate_probability(s, b, r), want, rtol=1e-12, atol=1e-15,
                     name=f"lsh_candidate_probability(s={s}, b={b}, r={r})",
                     hint="a band matches with probability s^r (all r rows); no band matches with (1 - s^r)^b")


def test_lsh_candidates_by_hand(learner):
    """Hand-made signatures, b=2 bands of r=2 rows (the 5th row is unused): pairs must agree on a whole band, in the SAME band."""
    sig = np.array([[1, 2, 3, 4, 9],    # 0
                    [1, 2, 7, 7, 8],    # 1: band 0 equals doc 0's
                    [3, 4, 1, 2, 0],    # 2: doc 0's bands, swapped: not a candidate
                    [5, 5, 3, 4, 1],    # 3: band 1 equals doc 0's
                    [1, 2, 3, 4, 10],   # 4: both bands equal doc 0's; only row 5 differs
                    [1, 6, 6, 4, 9]],   # 5: agrees with doc 0 on 3 of 5 rows, but on no whole band
                   dtype=np.uint64)
    want = {(0, 1), (0, 3), (0, 4), (1, 4), (3, 4)}
    got = {tuple(map(int, p)) for p in learner.lsh_candidates(sig, 2, 2)}
    _same(got, want, name="lsh_candidates(6 hand-made signatures, b=2, r=2)",
          hint="use one bucket table per band (key on the band index too: equal values in different bands do not count), "
               "a band is r CONSECUTIVE rows [band*r, (band+1)*r), and report pairs as (i, j) with i < j")


def _corpus(rng, n_base=50, n_dup=10):
    arts = data.load("wiki-excerpt", split="test")
    paras = [p for a in arts for p in a.text.split("\n\n") if len(p.split()) >= 40]
    base = [paras[i] for i in rng.choice(len(paras), n_base, replace=False)]
    docs = list(base)
    for i in range(n_dup):  # a near duplicate: 1 word in 40 replaced, then some case/punctuation noise
        words = base[i].split()
        for j in rng.choice(len(words), max(1, len(words) // 40), replace=False):
            words[j] = "zzz"
        docs.append(" ".join(words).upper() + "!!")
    order = rng.permutation(len(docs))
    return [docs[i] for i in order]


@pytest.mark.points(2)
def test_near_duplicates_vs_datasketch(learner, rng):
    """wiki-excerpt paragraphs plus 10 synthetic near duplicates: near_duplicates finds exactly the pairs with Jaccard >= 0.5,
    as datasketch's MinHashLSH (same b, r) does."""
    docs = _corpus(rng)
    k, n, b, r, thr = 3, 128, 32, 4, 0.5
    sets = [learner.shingles(d, k) for d in docs]
    truth = {(i, j) for i in range(len(docs)) for j in range(i + 1, len(docs)) if _jac(sets[i], sets[j]) >= thr}
    check(len(truth) == 10, f"the spec's corpus should hold 10 near-duplicate pairs, found {len(truth)}",
          hint="shingles() must normalise case and punctuation: the copies are upper-cased with '!!' appended")
    lsh = MinHashLSH(num_perm=n, params=(b, r))
    for i, s in enumerate(sets):
        m = MinHash(num_perm=n)
        m.update_batch([x.encode() for x in s])
        lsh.insert(i, m)
    ds_pairs = set()
    for i, s in enumerate(sets):
        m = MinHash(num_perm=n)
        m.update_batch([x.encode() for x in s])
        ds_pairs |= {(min(i, j), max(i, j)) for j in lsh.query(m) if j != i and _jac(sets[i], sets[j]) >= thr}
    check(ds_pairs == truth, "datasketch disagrees with the exact pairs (a spec problem, not yours)")
    got = {tuple(map(int, p)) for p in learner.near_duplicates(docs, k, n, b, r, thr)}
    _same(got, truth, name="near_duplicates(50 paragraphs + 10 near copies)",
          hint="shingle, MinHash each document, take the LSH candidate pairs, then keep those with exact Jaccard >= threshold")
