"""Mutant: pruning drops the least probable pieces instead of those with the smallest likelihood loss."""

from __future__ import annotations

import math


def _logsumexp(values: list[float]) -> float:
    """log(sum(exp(v))) without underflow; -inf for an empty list or all -inf."""
    m = max(values, default=-math.inf)
    if m == -math.inf:
        return -math.inf
    return m + math.log(sum(math.exp(v - m) for v in values))


def _spans(text: str, log_probs: dict[str, float]):
    """(i, j, lp) for every span text[i:j] that is a piece."""
    longest = max(map(len, log_probs), default=0)
    for i in range(len(text)):
        for j in range(i + 1, min(len(text), i + longest) + 1):
            lp = log_probs.get(text[i:j])
            if lp is not None:
                yield i, j, lp


def viterbi(text: str, log_probs: dict[str, float]) -> tuple[list[str] | None, float]:
    """The most probable segmentation of text and its log-probability.

    Args:
        text: the string to segment.
        log_probs: piece -> log-probability.

    Returns:
        (pieces, score); (None, -inf) if no segmentation exists; ([], 0.0) for "".
    """
    n = len(text)
    best = [0.0] + [-math.inf] * n  # best[j]: best score of text[:j]
    back = [0] * (n + 1)            # back[j]: where the last piece of that best segmentation starts
    for i, j, lp in sorted(_spans(text, log_probs), key=lambda s: s[0]):  # by start, so best[i] is final
        if best[i] + lp > best[j]:
            best[j], back[j] = best[i] + lp, i
    if best[n] == -math.inf:
        return None, -math.inf
    pieces, j = [], n
    while j > 0:
        pieces.append(text[back[j]:j])
        j = back[j]
    return pieces[::-1], best[n]


def _forward_backward(text: str, log_probs: dict[str, float]):
    """alpha, beta (lists of n + 1 log-values) and the spans."""
    n = len(text)
    spans = list(_spans(text, log_probs))
    ending: list[list[tuple[int, float]]] = [[] for _ in range(n + 1)]
    starting: list[list[tuple[int, float]]] = [[] for _ in range(n + 1)]
    for i, j, lp in spans:
        ending[j].append((i, lp))
        starting[i].append((j, lp))
    alpha = [0.0] + [-math.inf] * n
    for j in range(1, n + 1):
        alpha[j] = _logsumexp([alpha[i] + lp for i, lp in ending[j]])
    beta = [-math.inf] * n + [0.0]
    for i in range(n - 1, -1, -1):
        beta[i] = _logsumexp([lp + beta[j] for j, lp in starting[i]])
    return alpha, beta, spans


def log_likelihood(text: str, log_probs: dict[str, float]) -> float:
    """log P(text) = log of the sum over all segmentations of their probabilities (-inf if none)."""
    alpha, _, _ = _forward_backward(text, log_probs)
    return alpha[-1]


def expected_counts(corpus: dict[str, int], log_probs: dict[str, float]) -> tuple[dict[str, float], float]:
    """E-step: expected piece counts under the posterior over segmentations, and the corpus log-likelihood.

    Args:
        corpus: word -> frequency.
        log_probs: piece -> log-probability.

    Returns:
        (counts, loglik): counts[x] = sum_w f_w E[#uses of x in a segmentation of w] (only pieces
        with a positive count appear); loglik = sum_w f_w log P(w).
    """
    counts: dict[str, float] = {}
    loglik = 0.0
    for word, freq in corpus.items():
        alpha, beta, spans = _forward_backward(word, log_probs)
        z = alpha[-1]
        loglik += freq * z
        for i, j, lp in spans:
            posterior = math.exp(alpha[i] + lp + beta[j] - z)  # P(span [i, j) is a piece | word)
            if posterior > 0:
                piece = word[i:j]
                counts[piece] = counts.get(piece, 0.0) + freq * posterior
    return counts, loglik


def em_step(corpus: dict[str, int], log_probs: dict[str, float]) -> dict[str, float]:
    """One EM iteration: new lp(x) = log(c(x) / sum c), for pieces with c(x) > 0."""
    counts, _ = expected_counts(corpus, log_probs)
    total = sum(counts.values())
    return {piece: math.log(c / total) for piece, c in counts.items() if c > 0}


def _corpus_loglik(corpus: dict[str, int], log_probs: dict[str, float]) -> float:
    return sum(freq * log_likelihood(word, log_probs) for word, freq in corpus.items())


def prune(corpus: dict[str, int], log_probs: dict[str, float], size: int) -> dict[str, float]:
    """Remove the pieces whose removal costs the least corpus log-likelihood, down to size pieces.

    Single characters are never removed. Losses are all computed against the current model,
    the smallest removed first (ties: alphabetical order), and the survivors renormalised.
    """
    base = _corpus_loglik(corpus, log_probs)
    losses = []
    for piece, lp in log_probs.items():
        if len(piece) == 1:
            continue  # the alphabet keeps every word segmentable
        shift = math.log1p(-math.exp(lp))  # log(1 - p): renormalise without the piece
        rest = {y: v - shift for y, v in log_probs.items() if y != piece}
        losses.append((lp, piece))
    n_remove = max(0, len(log_probs) - size)
    removed = {piece for _, piece in sorted(losses)[:n_remove]}
    kept = {y: v for y, v in log_probs.items() if y not in removed}
    log_total = _logsumexp(list(kept.values()))
    return {y: v - log_total for y, v in kept.items()}
