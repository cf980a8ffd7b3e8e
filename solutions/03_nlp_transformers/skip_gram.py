"""Skip-gram with negative sampling (word2vec's SGNS), in numpy.

Goal
----
Learn a vector for every word of a small Wikipedia slice so that words used in
similar contexts get similar vectors. You write the pieces of word2vec's
skip-gram with negative sampling (SGNS):

* ``context_pairs``: every (center, context) pair within a window;
* ``noise_distribution``: the unigram distribution raised to the power 3/4;
* ``sgns_loss`` and ``sgns_grads``: the loss of a batch and its gradients;
* ``train_sgns``: minibatch SGD over the pairs, with fresh negatives each step;
* ``most_similar``: nearest neighbours by cosine similarity.

Why it matters
--------------
Word2vec is where "a word is a vector" became standard; the same idea (predict
a token from its context, contrast it with sampled negatives) returns in
contrastive learning, in the embedding tables of every transformer and in the
retrieval models of RAG. Negative sampling is also the classic trick for a
softmax over a huge vocabulary: replace it with a few binary classifications.

The maths
---------
Each word w has two vectors: an input ("center") vector v_w, a row of W_in,
and an output ("context") vector u_w, a row of W_out, both of dimension D.

Context pairs: for the token at position i and every position j with
1 <= |i - j| <= window (inside the sequence), (ids[i], ids[j]) is one pair.
A sequence of length n has 2 * window pairs per position, fewer at the ends.

Noise distribution: with c_w the count of word w in the corpus,

    P_n(w) = c_w^0.75 / sum_x c_x^0.75

(the power flattens the distribution, so rare words are drawn more often than
their frequency and "the" less often).

For a pair (c, o) with K negatives n_1..n_K drawn from P_n, the SGNS loss is

    l = -log sigma(u_o . v_c) - sum_k log sigma(-u_{n_k} . v_c)

and a batch's loss is the mean of l over its B pairs. Write -log sigma(s) as
log(1 + e^-s) = np.logaddexp(0, -s): it never overflows and never takes log(0).

With s_o = u_o . v_c and s_k = u_{n_k} . v_c, the gradients of one pair's l are

    dl/dv_c   = (sigma(s_o) - 1) u_o + sum_k sigma(s_k) u_{n_k}
    dl/du_o   = (sigma(s_o) - 1) v_c
    dl/du_n_k = sigma(s_k) v_c

and those of the batch mean are these divided by B.

Training (``train_sgns``): W_in uniform in [-0.5/D, 0.5/D), W_out zeros (the
initialisation of the original word2vec, under which every pair's loss is
exactly (1 + K) log 2). Each epoch shuffles the pairs and walks through them in
batches of B; for each batch, draw B x K negatives from P_n, compute the
gradients of the batch *sum* (B times those of the mean, so a step is the same
size as word2vec's pair-by-pair SGD) and subtract lr times them from the rows
involved. A word can appear several times in one batch: its updates must add
up (``np.add.at``), not overwrite each other (fancy-index assignment keeps only
the last).

Nearest neighbours: cosine similarity cos(a, b) = a . b / (|a| |b|) between
rows of W_in; the word itself is excluded.

API
---
    context_pairs(ids, window)                         -> (P, 2) int64 rows (center, context)
    noise_distribution(counts, power=0.75)             -> (V,) float64 probabilities summing to 1
    sgns_loss(v_c, u_o, u_neg)                         -> float, the mean loss of the batch
    sgns_grads(v_c, u_o, u_neg)                        -> (g_vc (B, D), g_uo (B, D), g_neg (B, K, D))
    train_sgns(ids, counts, dim, window, k, lr, epochs, batch_size, seed)
                                                       -> (W_in (V, D), W_out (V, D), losses list[float])
    most_similar(W, index, topn)                       -> (topn,) int64 row indices, most similar first
    tokenize(text), build_vocab(tokens, max_size)      (implemented for you)

Worked example
--------------
    >>> context_pairs(np.array([7, 8, 9]), window=1)
    array([[7, 8], [8, 7], [8, 9], [9, 8]])            # any row order is fine
    >>> noise_distribution(np.array([16, 1]))
    array([0.888..., 0.111...])                          # 16^0.75 = 8 : 1
    >>> v = np.array([[1.0, 0.0]]); u = np.array([[2.0, 0.0]]); n = np.zeros((1, 1, 2))
    >>> sgns_loss(v, u, n)                               # log(1 + e^-2) + log 2
    0.8200...

Reference
---------
Mikolov et al., "Distributed Representations of Words and Phrases and their
Compositionality" (NeurIPS 2013), section 2.2; Goldberg & Levy, "word2vec
Explained" (arXiv:1402.3722) for the derivation; Jurafsky & Martin, *Speech and
Language Processing* (3rd ed.), chapter 6.8.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np


def tokenize(text: str) -> list[str]:
    """Lower-cased runs of letters: 'The cat's hat.' -> ['the', 'cat', 's', 'hat']."""
    return re.findall(r"[a-z]+", text.lower())


def build_vocab(tokens: list[str], max_size: int) -> tuple[list[str], np.ndarray]:
    """The ``max_size`` most frequent tokens (ties by first appearance) and their counts, most frequent first."""
    common = Counter(tokens).most_common(max_size)
    return [w for w, _ in common], np.array([c for _, c in common], dtype=np.int64)


def _sigmoid(s: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-s), elementwise and without overflow (a helper, implemented)."""
    e = np.exp(-np.abs(s))  # never overflows
    return np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def context_pairs(ids: np.ndarray, window: int) -> np.ndarray:
    """All (center, context) pairs with 1 <= |i - j| <= window.

    Args:
        ids: (n,) integer token ids, one sequence.
        window: the largest distance between center and context, >= 1.

    Returns:
        (P, 2) int64: column 0 the center id, column 1 the context id; P = 0 rows for n < 2.
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    chunks = []
    for d in range(1, window + 1):  # one vectorised slice per distance, both directions
        if d >= n:
            break
        chunks.append(np.stack([ids[:-d], ids[d:]], axis=1))  # context to the right
        chunks.append(np.stack([ids[d:], ids[:-d]], axis=1))  # context to the left
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), dtype=np.int64)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """P_n(w) = counts_w^power / sum_x counts_x^power, a (V,) float64 array summing to 1."""
    weights = np.asarray(counts, dtype=np.float64) ** power  # flattens: rare words gain, frequent ones lose
    return weights / weights.sum()


def sgns_loss(v_c: np.ndarray, u_o: np.ndarray, u_neg: np.ndarray) -> float:
    """The mean over the batch of -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c).

    Args:
        v_c: (B, D) center (input) vectors.
        u_o: (B, D) true-context (output) vectors.
        u_neg: (B, K, D) the K negatives' output vectors for each pair.

    Returns:
        A float; finite for any finite inputs (even dot products of +-1000).
    """
    s_o = np.einsum("bd,bd->b", u_o, v_c)  # (B,) scores of the true contexts
    s_neg = np.einsum("bkd,bd->bk", u_neg, v_c)  # (B, K) scores of the negatives
    # -log sigma(s) = log(1 + e^-s); -log sigma(-s) = log(1 + e^s)
    per_pair = np.logaddexp(0.0, -s_o) + np.logaddexp(0.0, s_neg).sum(axis=1)  # (B,)
    return float(per_pair.mean())


def sgns_grads(v_c: np.ndarray, u_o: np.ndarray, u_neg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``sgns_loss`` (the batch MEAN) with respect to v_c, u_o and u_neg.

    Returns:
        (g_vc (B, D), g_uo (B, D), g_neg (B, K, D)).
    """
    B = v_c.shape[0]
    s_o = np.einsum("bd,bd->b", u_o, v_c)  # (B,)
    s_neg = np.einsum("bkd,bd->bk", u_neg, v_c)  # (B, K)
    e_o = (_sigmoid(s_o) - 1.0) / B  # (B,) dl/ds_o, over B for the mean
    e_neg = _sigmoid(s_neg) / B  # (B, K) dl/ds_k
    g_vc = e_o[:, None] * u_o + np.einsum("bk,bkd->bd", e_neg, u_neg)  # (B, D)
    g_uo = e_o[:, None] * v_c  # (B, D)
    g_neg = e_neg[:, :, None] * v_c[:, None, :]  # (B, K, D)
    return g_vc, g_uo, g_neg


def train_sgns(
    ids: np.ndarray,
    counts: np.ndarray,
    dim: int = 50,
    window: int = 2,
    k: int = 5,
    lr: float = 0.05,
    epochs: int = 3,
    batch_size: int = 256,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Train SGNS by minibatch SGD (see the module docstring).

    Args:
        ids: (n,) token ids in [0, V), one sequence.
        counts: (V,) corpus counts of each id (V = len(counts)), for the noise distribution.
        dim, window, k: the vector size D, the context window and the negatives per pair.
        lr: the step size applied to the gradient of each batch's summed loss.
        epochs, batch_size: passes over the pairs and pairs per step.
        seed: seeds np.random.default_rng for the initialisation, shuffling and negatives.

    Returns:
        (W_in, W_out, losses): the (V, D) input and output vectors, and the mean loss of every batch in order.
    """
    rng = np.random.default_rng(seed)
    V = len(counts)
    W_in = (rng.random((V, dim)) - 0.5) / dim  # (V, D) small random: breaks the symmetry
    W_out = np.zeros((V, dim))  # (V, D) zeros: every initial score is 0, loss (1 + K) log 2
    pairs = context_pairs(ids, window)  # (P, 2)
    p_noise = noise_distribution(counts)
    losses: list[float] = []
    for _ in range(epochs):
        order = rng.permutation(len(pairs))
        for start in range(0, len(pairs), batch_size):
            c, o = pairs[order[start:start + batch_size]].T  # (B,), (B,)
            neg = rng.choice(V, size=(len(c), k), p=p_noise)  # (B, K) fresh negatives
            v_c, u_o, u_neg = W_in[c], W_out[o], W_out[neg]
            losses.append(sgns_loss(v_c, u_o, u_neg))
            g_vc, g_uo, g_neg = sgns_grads(v_c, u_o, u_neg)
            step = lr * len(c)  # gradient of the batch SUM = B x gradient of the mean
            # np.add.at accumulates repeated rows; W[c] -= ... would keep only one update per word
            np.add.at(W_in, c, -step * g_vc)
            np.add.at(W_out, o, -step * g_uo)
            np.add.at(W_out, neg.ravel(), -step * g_neg.reshape(-1, dim))
    return W_in, W_out, losses


def most_similar(W: np.ndarray, index: int, topn: int = 10) -> np.ndarray:
    """The ``topn`` rows of W with the highest cosine similarity to row ``index``, excluding ``index`` itself.

    Returns:
        (topn,) int64 row indices, most similar first.
    """
    norms = np.linalg.norm(W, axis=1)  # (V,)
    sims = W @ W[index] / (np.maximum(norms, 1e-12) * max(norms[index], 1e-12))  # (V,) cosines
    sims[index] = -np.inf  # never return the word itself
    return np.argsort(-sims, kind="stable")[:topn].astype(np.int64)
