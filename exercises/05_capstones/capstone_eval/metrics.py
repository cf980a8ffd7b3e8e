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
    raise NotImplementedError("metrics.bleu_statistics")


def bleu_from_statistics(stats: np.ndarray) -> float:
    """Corpus BLEU in [0, 100] from summed statistics, sacrebleu's defaults: brevity penalty on the corpus
    lengths, 'exp' smoothing, 0.0 when nothing matches or some order has no n-grams at all."""
    raise NotImplementedError("metrics.bleu_from_statistics")


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 4) -> float:
    """Corpus BLEU in [0, 100], one reference per hypothesis, equal to ``sacrebleu.corpus_bleu(hyps, [refs]).score``."""
    raise NotImplementedError("metrics.corpus_bleu")


# --------------------------------------------------------------------------- ROUGE
def rouge_n(prediction: str, target: str, n: int = 1) -> float:
    """ROUGE-N F-measure of one prediction against one target (rouge_score's ``rouge{n}`` fmeasure)."""
    raise NotImplementedError("metrics.rouge_n")


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (dynamic programming, one row at a time)."""
    raise NotImplementedError("metrics.lcs_length")


def rouge_l(prediction: str, target: str) -> float:
    """ROUGE-L F-measure: LCS over word tokens (rouge_score's ``rougeL`` fmeasure)."""
    raise NotImplementedError("metrics.rouge_l")


# --------------------------------------------------------------------------- SQuAD
def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace."""
    raise NotImplementedError("metrics.normalize_answer")


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals any normalised gold answer, else 0.0."""
    raise NotImplementedError("metrics.exact_match")


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1: the best F1 of the prediction's bag of normalised tokens against any gold answer."""
    raise NotImplementedError("metrics.token_f1")


# --------------------------------------------------------------------------- calibration
def reliability_table(confidences, correct, n_bins: int = 10) -> dict[str, np.ndarray]:
    """Equal-width bins over [0, 1]: bin b = min(floor(conf * n_bins), n_bins - 1).

    Returns arrays of length n_bins: ``lower``, ``upper``, ``count``, ``confidence`` (mean confidence)
    and ``accuracy`` (mean of ``correct``), the last two NaN in empty bins.
    """
    raise NotImplementedError("metrics.reliability_table")


def expected_calibration_error(confidences, correct, n_bins: int = 10) -> float:
    """ECE = sum_b (n_b / N) |accuracy_b - confidence_b| over the non-empty equal-width bins."""
    raise NotImplementedError("metrics.expected_calibration_error")
