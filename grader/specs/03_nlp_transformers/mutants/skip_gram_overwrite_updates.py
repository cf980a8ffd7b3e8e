"""Mutant: updates use fancy-index assignment, so a word repeated in a batch keeps only one update."""

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
            W_out[o] -= step * g_uo
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
