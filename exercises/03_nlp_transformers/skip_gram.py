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
    raise NotImplementedError("context_pairs: one (center, context) row for every 1 <= |i - j| <= window")



def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """P_n(w) = counts_w^power / sum_x counts_x^power, a (V,) float64 array summing to 1."""
    raise NotImplementedError("noise_distribution: counts ** power, normalised to sum to 1")



def sgns_loss(v_c: np.ndarray, u_o: np.ndarray, u_neg: np.ndarray) -> float:
    """The mean over the batch of -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c).

    Args:
        v_c: (B, D) center (input) vectors.
        u_o: (B, D) true-context (output) vectors.
        u_neg: (B, K, D) the K negatives' output vectors for each pair.

    Returns:
        A float; finite for any finite inputs (even dot products of +-1000).
    """
    raise NotImplementedError("sgns_loss: mean over the batch of -log sigma(s_o) - sum_k log sigma(-s_k), with np.logaddexp")



def sgns_grads(v_c: np.ndarray, u_o: np.ndarray, u_neg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``sgns_loss`` (the batch MEAN) with respect to v_c, u_o and u_neg.

    Returns:
        (g_vc (B, D), g_uo (B, D), g_neg (B, K, D)).
    """
    raise NotImplementedError("sgns_grads: the gradients of the batch-mean loss, from sigma(s_o) - 1 and sigma(s_k)")



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
    raise NotImplementedError("train_sgns: init, pairs, noise distribution, then minibatch SGD with np.add.at updates")



def most_similar(W: np.ndarray, index: int, topn: int = 10) -> np.ndarray:
    """The ``topn`` rows of W with the highest cosine similarity to row ``index``, excluding ``index`` itself.

    Returns:
        (topn,) int64 row indices, most similar first.
    """
    raise NotImplementedError("most_similar: cosine similarities to row index, itself excluded, top n")
