"""Part-of-speech tagging with a hidden Markov model and the Viterbi algorithm.

Goal
----
Tag each word of a sentence with its part of speech ("the/DET dog/NOUN
barks/VERB") using a bigram hidden Markov model. You write:

* ``estimate``: the HMM's start, transition and emission probabilities from a
  tagged corpus, by counting with add-k smoothing, stored as logarithms;
* ``sequence_log_prob``: log p(tags, words) of one tagging;
* ``viterbi``: the most probable tag sequence and its log-probability, by
  dynamic programming in log space.

Why it matters
--------------
HMM taggers were the standard POS taggers for two decades, and Viterbi is the
template of every "best path through a lattice" algorithm: CRF decoding,
speech recognition, beam search's exact cousin, CTC alignment. A sentence of n
words has T^n taggings; Viterbi finds the best in O(n T^2). And it is the
classic underflow trap: a product of 200 probabilities around 1e-4 is 1e-800,
which is 0.0 in float64, so every path ties at zero. In log space the same
numbers are sums around -1842, perfectly representable.

The maths
---------
Tags t_1..t_n (from T tags), words w_1..w_n. The model:

    p(t, w) = pi(t_1) * prod_{i=2..n} A(t_{i-1}, t_i) * prod_{i=1..n} B(t_i, w_i)

Estimation with add-k smoothing from tagged sentences. Tags are the sorted
distinct tags of the corpus; the vocabulary is the sorted distinct words
(case kept) plus one extra column, UNK, for every word never seen in
training (its count is 0 in every tag, so its probability comes from
smoothing alone). With V known words there are V + 1 emission columns:

    pi(t)    = (#sentences starting with t + k) / (#sentences + k T)
    A(s, t)  = (#times t directly follows s + k) / (#times s is followed by any tag + k T)
    B(t, w)  = (#times w is tagged t + k) / (#times t occurs + k (V + 1))

Each row sums to 1. (There is no end-of-sentence transition in this model.)

Viterbi, in log space, with delta[i, t] = the best log-probability of any
tagging of w_1..w_i that ends in tag t:

    delta[1, t] = log pi(t) + log B(t, w_1)
    delta[i, t] = max_s (delta[i-1, s] + log A(s, t)) + log B(t, w_i)
    back[i, t]  = argmax_s (delta[i-1, s] + log A(s, t))

The best final tag is argmax_t delta[n, t]; follow ``back`` from the end to
recover the path. The answer's log-probability is max_t delta[n, t]. Ties go
to the smaller tag index (``np.argmax`` does that). An empty sentence returns
([], 0.0).

API
---
    HMM (given): tags: list[str], vocab: dict[str, int] (word -> column; column len(vocab) is UNK),
                 log_start (T,), log_trans (T, T), log_emit (T, V + 1); .word_index(w)
    estimate(tagged_sentences, k=1.0)       -> HMM
    sequence_log_prob(hmm, words, tags)     -> float, log p(tags, words)
    viterbi(hmm, words)                     -> (list of tags, float log-probability)

Worked example
--------------
    >>> corpus = [[("the", "DET"), ("dog", "NOUN"), ("barks", "VERB")],
    ...           [("a", "DET"), ("dog", "NOUN")]]
    >>> hmm = estimate(corpus, k=1.0)
    >>> hmm.tags, hmm.vocab
    (['DET', 'NOUN', 'VERB'], {'a': 0, 'barks': 1, 'dog': 2, 'the': 3})
    >>> np.exp(hmm.log_start)           # (2 + 1) / (2 + 3), then 1/5, 1/5
    array([0.6, 0.2, 0.2])
    >>> np.exp(hmm.log_emit[1])         # NOUN: dog twice; (0+1, 0+1, 2+1, 0+1, UNK 0+1) / (2 + 5)
    array([0.14285714, 0.14285714, 0.42857143, 0.14285714, 0.14285714])
    >>> viterbi(hmm, ["the", "dog", "barks"])[0]
    ['DET', 'NOUN', 'VERB']

Reference
---------
Jurafsky & Martin, *Speech and Language Processing* (3rd ed. draft), ch. 8
"Sequence Labeling for Parts of Speech and Named Entities", 8.4 (HMM
tagging, Viterbi); Rabiner (1989), "A tutorial on hidden Markov models and
selected applications in speech recognition".
"""

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
    log_emit = np.log((emit + k) / (emit.sum(axis=1, keepdims=True) + k * (V + 1)))
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
