"""The metrics: corpus BLEU, ROUGE-N/L, SQuAD exact match and F1, expected calibration error."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from functools import lru_cache
from typing import Sequence

import numpy as np

# --------------------------------------------------------------------------- given: tokenisers
_13A_RULES = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # split off most punctuation and symbols
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),               # period / comma unless preceded by a digit
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),               # period / comma unless followed by a digit
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),                    # dash when preceded by a digit
]


@lru_cache(maxsize=2**16)
def tokenize_13a(line: str) -> tuple[str, ...]:
    """sacrebleu's default ``13a`` tokenisation (mteval-v13a, used by WMT) of one segment (cached, as sacrebleu's)."""
    line = line.rstrip().replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in _13A_RULES:
        line = pattern.sub(repl, line)
    return tuple(line.split())


def rouge_tokens(text: str) -> list[str]:
    """rouge_score's tokenisation without stemming: lower-case, non-alphanumerics become spaces, split."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    """Counts of the n-grams (tuples) of a token list."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


# --------------------------------------------------------------------------- BLEU
def bleu_statistics(hypothesis: str, reference: str, max_n: int = 4) -> np.ndarray:
    """One segment's sufficient statistics, int64 (2 + 2 max_n,):
    [hyp_len, ref_len, matches_1..matches_max_n, totals_1..totals_max_n] over 13a tokens,
    matches clipped by the reference counts, totals = number of hypothesis n-grams."""
    h, r = tokenize_13a(hypothesis), tokenize_13a(reference)
    matches, totals = [], []
    for n in range(1, max_n + 1):
        hc, rc = ngrams(h, n), ngrams(r, n)
        matches.append(sum(min(c, rc[g]) for g, c in hc.items()))  # clipped: a word counts as often as the ref has it
        totals.append(max(len(h) - n + 1, 0))
    return np.array([len(h), len(r), *matches, *totals], dtype=np.int64)


def bleu_from_statistics(stats: np.ndarray) -> float:
    """Corpus BLEU in [0, 100] from summed statistics, sacrebleu's defaults: brevity penalty on the corpus
    lengths, 'exp' smoothing, 0.0 when nothing matches or some order has no n-grams at all."""
    stats = np.asarray(stats)
    max_n = (len(stats) - 2) // 2
    sys_len, ref_len = int(stats[0]), int(stats[1])
    correct, total = stats[2:2 + max_n], stats[2 + max_n:]
    if not correct.any():
        return 0.0
    # brevity penalty over the whole corpus: sentences are not penalised one by one
    bp = 1.0 if sys_len >= ref_len else math.exp(1 - ref_len / sys_len)
    log_p, smooth = 0.0, 1.0
    for n in range(max_n):
        if total[n] == 0:                 # no n-grams of this order at all (all segments too short): BLEU 0
            return 0.0
        if correct[n] == 0:               # 'exp' smoothing (mteval): 1 / (2^k total) for the k-th empty order
            smooth *= 2
            log_p += math.log(1.0 / (smooth * total[n]))
        else:
            log_p += math.log(correct[n] / total[n])
    return 100.0 * bp * math.exp(log_p / max_n)  # geometric mean of the n-gram precisions


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 4) -> float:
    """Corpus BLEU in [0, 100], one reference per hypothesis, equal to ``sacrebleu.corpus_bleu(hyps, [refs]).score``."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    stats = sum((bleu_statistics(h, r, max_n) for h, r in zip(hypotheses, references)),
                np.zeros(2 + 2 * max_n, dtype=np.int64))
    return bleu_from_statistics(stats)


# --------------------------------------------------------------------------- ROUGE
def _f(overlap: int, n_pred: int, n_target: int) -> float:
    p, r = overlap / max(n_pred, 1), overlap / max(n_target, 1)
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_n(prediction: str, target: str, n: int = 1) -> float:
    """ROUGE-N F-measure of one prediction against one target (rouge_score's ``rouge{n}`` fmeasure)."""
    pc, tc = ngrams(rouge_tokens(prediction), n), ngrams(rouge_tokens(target), n)
    overlap = sum(min(c, pc[g]) for g, c in tc.items())
    return _f(overlap, sum(pc.values()), sum(tc.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (dynamic programming, one row at a time)."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l(prediction: str, target: str) -> float:
    """ROUGE-L F-measure: LCS over word tokens (rouge_score's ``rougeL`` fmeasure)."""
    p, t = rouge_tokens(prediction), rouge_tokens(target)
    if not p or not t:
        return 0.0
    lcs = lcs_length(p, t)
    return _f(lcs, len(p), len(t))


# --------------------------------------------------------------------------- SQuAD
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCT)
    return " ".join(s.split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals any normalised gold answer, else 0.0."""
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def _f1(prediction: str, gold: str) -> float:
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not p or not g:                    # SQuAD 2.0: two empty answers agree, one empty answer scores 0
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())  # bag-of-words overlap
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1: the best F1 of the prediction's bag of normalised tokens against any gold answer."""
    return max(_f1(prediction, g) for g in golds)


# --------------------------------------------------------------------------- calibration
def reliability_table(confidences, correct, n_bins: int = 10) -> dict[str, np.ndarray]:
    """Equal-width bins over [0, 1]: bin b = min(floor(conf * n_bins), n_bins - 1).

    Returns arrays of length n_bins: ``lower``, ``upper``, ``count``, ``confidence`` (mean confidence)
    and ``accuracy`` (mean of ``correct``), the last two NaN in empty bins.
    """
    conf = np.asarray(confidences, dtype=np.float64)            # (N,)
    acc = np.asarray(correct, dtype=np.float64)                 # (N,)
    b = np.minimum(np.floor(conf * n_bins).astype(np.int64), n_bins - 1)  # (N,) bin of each prediction
    count = np.bincount(b, minlength=n_bins)                    # (n_bins,)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(b, weights=conf, minlength=n_bins) / count
        mean_acc = np.bincount(b, weights=acc, minlength=n_bins) / count
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return {"lower": edges[:-1], "upper": edges[1:], "count": count, "confidence": mean_conf, "accuracy": mean_acc}


def expected_calibration_error(confidences, correct, n_bins: int = 10) -> float:
    """ECE = sum_b (n_b / N) |accuracy_b - confidence_b| over the non-empty equal-width bins."""
    if len(confidences) == 0:
        raise ValueError("ECE of an empty set is undefined")
    t = reliability_table(confidences, correct, n_bins)
    full = t["count"] > 0
    weights = t["count"][full] / t["count"].sum()               # each bin counts by its share of predictions
    return float(np.sum(weights * np.abs(t["accuracy"][full] - t["confidence"][full])))
