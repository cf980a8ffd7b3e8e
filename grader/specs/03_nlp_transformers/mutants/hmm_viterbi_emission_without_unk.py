"""Mutant: the emission denominator adds k * V instead of k * (V + 1), forgetting the UNK column (rows do not sum to 1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class HMM:
    tags: list[str]  # T tag names, sorted
    vocab: dict[str, int]  # known word -> emission column 0..V-1; column V is UNK
    log_start: np.ndarray  # (T,) log pi
    log_trans: np.ndarray  # (T, T) log A[s, t] = log p(t | s)
    log_emit: np.ndarray  # (T, V + 1) log B[t, w] = log p(w | t)

    def word_index(self, word: str) -> int:
        """The emission column of a word: its vocabulary index, or V (UNK) for an unseen word."""
        return self.vocab.get(word, len(self.vocab))


def estimate(tagged_sentences: list[list[tuple[str, str]]], k: float = 1.0) -> HMM:
    """Add-k smoothed start, transition and emission log-probabilities from (word, tag) sentences."""
    tags = sorted({t for sent in tagged_sentences for _, t in sent})
    vocab = {w: j for j, w in enumerate(sorted({w for sent in tagged_sentences for w, _ in sent}))}
    tag_id = {t: i for i, t in enumerate(tags)}
    T, V = len(tags), len(vocab)

    start = np.zeros(T)
    trans = np.zeros((T, T))
    emit = np.zeros((T, V + 1))  # the UNK column stays 0: only smoothing gives it mass
    for sent in tagged_sentences:
        ids = [tag_id[t] for _, t in sent]
        if ids:
            start[ids[0]] += 1
        for s, t in zip(ids[:-1], ids[1:]):
            trans[s, t] += 1
        for (w, _), t in zip(sent, ids):
            emit[t, vocab[w]] += 1

    n_sents = sum(1 for sent in tagged_sentences if sent)
    # Each denominator is the row's total count plus k for every cell of the row, so each row sums to 1.
    log_start = np.log((start + k) / (n_sents + k * T))
    log_trans = np.log((trans + k) / (trans.sum(axis=1, keepdims=True) + k * T))
    log_emit = np.log((emit + k) / (emit.sum(axis=1, keepdims=True) + k * V))
    return HMM(tags, vocab, log_start, log_trans, log_emit)


def sequence_log_prob(hmm: HMM, words: list[str], tags: list[str]) -> float:
    """log p(tags, words) = log pi(t1) + sum log A(t_{i-1}, t_i) + sum log B(t_i, w_i); 0.0 for an empty sentence."""
    if not words:
        return 0.0
    tag_id = {t: i for i, t in enumerate(hmm.tags)}
    ids = [tag_id[t] for t in tags]
    cols = [hmm.word_index(w) for w in words]
    lp = hmm.log_start[ids[0]]
    lp += sum(hmm.log_trans[s, t] for s, t in zip(ids[:-1], ids[1:]))
    lp += sum(hmm.log_emit[t, c] for t, c in zip(ids, cols))
    return float(lp)


def viterbi(hmm: HMM, words: list[str]) -> tuple[list[str], float]:
    """The most probable tag sequence for the words and its joint log-probability (log space: no underflow)."""
    n = len(words)
    if n == 0:
        return [], 0.0
    cols = [hmm.word_index(w) for w in words]
    T = len(hmm.tags)
    back = np.zeros((n, T), dtype=np.int64)
    delta = hmm.log_start + hmm.log_emit[:, cols[0]]  # (T,)
    for i in range(1, n):
        scores = delta[:, None] + hmm.log_trans  # (T_prev, T_next): best path into s, then s -> t
        back[i] = scores.argmax(axis=0)  # (T,) best previous tag for each t (ties: smaller index)
        delta = scores.max(axis=0) + hmm.log_emit[:, cols[i]]  # (T,)
    best = [int(delta.argmax())]
    for i in range(n - 1, 0, -1):  # follow the back-pointers from the end
        best.append(int(back[i, best[-1]]))
    best.reverse()
    return [hmm.tags[t] for t in best], float(delta.max())
