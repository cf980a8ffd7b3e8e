"""Capstone 4: evaluate LLMs.

Goal
----
Build a small evaluation framework, the kind every model release is judged by: metrics you
implement yourself and check against the reference libraries, a harness that runs several
"models" over several tasks, safety checks (counterfactual fairness, toxicity, hallucination),
and a report with bootstrap confidence intervals, so that "model A beats model B" comes with
an honest error bar.

This is a package: four modules, each a part of the job. Implement the functions that raise
``NotImplementedError``; the rest (tokenisers, word lists, tasks, toy models, the terminal table)
is given.

- ``metrics.py``
    * ``bleu_statistics(hyp, ref)``: one segment's counts over ``tokenize_13a`` tokens (given):
      [hyp_len, ref_len, m_1..m_4, t_1..t_4], m_n the CLIPPED n-gram matches (an n-gram counts at
      most as often as the reference has it), t_n = max(hyp_len - n + 1, 0);
    * ``bleu_from_statistics(stats)``: corpus BLEU from the summed counts, sacrebleu's defaults:
      0 when no n-gram matches at all; BP = 1 if c >= r else exp(1 - r / c) (c, r: the CORPUS
      hypothesis and reference lengths); p_n = m_n / t_n, except that the k-th order with
      m_n = 0 gets p_n = 1 / (2^k t_n) ('exp' smoothing); 0 when some t_n = 0;
      BLEU = 100 BP exp(mean_n log p_n);
    * ``corpus_bleu(hyps, refs)``: the two above; equals ``sacrebleu.corpus_bleu(hyps, [refs]).score``;
    * ``rouge_n(pred, target, n)``, ``rouge_l(pred, target)``: F-measures on ``rouge_tokens`` (given),
      equal to ``rouge_score``'s rouge1/rouge2/rougeL without stemming. ROUGE-N: overlap = clipped
      n-gram matches, P = overlap / max(#pred n-grams, 1), R = overlap / max(#target n-grams, 1),
      F = 2PR / (P + R) (0 when P + R = 0). ROUGE-L: the same with overlap = the length of the longest
      common subsequence of the two WORD lists (0 when either is empty);
    * ``normalize_answer``, ``exact_match(pred, golds)``, ``token_f1(pred, golds)``: SQuAD's
      normalisation (lower-case, delete punctuation, drop the articles a/an/the, collapse whitespace);
      EM = 1 if the normalised prediction equals any normalised gold; F1 on the bags of normalised
      tokens, the best over the golds (when either side has no tokens: 1 if both are empty, else 0);
    * ``reliability_table(conf, correct, n_bins)`` and ``expected_calibration_error``: equal-width
      bins, bin b = min(floor(conf * n_bins), n_bins - 1); ECE = sum_b (n_b / N) |acc_b - conf_b|.
- ``safety.py``
    * ``swap_terms(text, mapping)``: the counterfactual text, every whole word of the mapping swapped
      in BOTH directions in one pass (he -> she and she -> he), keeping a leading capital;
      ``fill_templates(templates, groups)``: each group's sentences from templates with a ``{person}``
      slot; ``fairness_gap(score, texts_by_group, threshold)``: mean score per group, the gap
      (max - min) and whether it is flagged (gap > threshold);
    * ``normalize_for_toxicity(text)`` and ``toxicity_score(text, lexicon, classifier)``: the words as
      the lexicon sees them (accents stripped, lower case, leetspeak ``LEET`` mapped, non-letters in a
      word deleted, repeated letters squeezed: "ID10T!!" and "idiooot" both read "idiot"); the score is
      the noisy-OR 1 - prod(1 - w) over the lexicon words found (each occurrence), and with a
      ``classifier`` hook (text -> probability) the larger of the two;
    * ``support(answer, source)`` and ``hallucination_rate(answers, sources, threshold=0.5)``: the
      share of the answer's content tokens (``rouge_tokens`` minus ``STOPWORDS``) found in the source
      (1.0 with no content tokens); an answer is hallucinated when its support is below the threshold.
- ``report.py``
    * ``bootstrap_ci(values, statistic, n_resamples, alpha, seed)``: the percentile bootstrap. Draw
      ``idx = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))`` (WITH replacement),
      compute the statistic on each ``values[idx[r]]``, return the alpha/2 and 1 - alpha/2
      ``np.percentile`` of those;
    * ``to_markdown(rows)`` / ``write_report``: a Markdown table of the results (``render_table``, the
      terminal version, is given).
- ``harness.py``
    * ``score_task(task, outputs)``: for each metric of the task's kind, a function of an index
      array (the items to score) -- so that the bootstrap can resample items, and corpus-level
      metrics (BLEU, ECE) are recomputed on each resample instead of averaged per sentence;
    * ``evaluate(models, tasks, n_resamples, alpha, seed)``: run each model suite on each task, and
      return one row {model, task, metric, value, lo, hi, n} per metric.

Tasks (built by the given ``classification_task``, ``qa_task``, ``summarization_task``,
``translation_task``): sentiment on ``grader.data.load("movie-polarity")``, questions about short
passages from the Wikipedia excerpt (in ``PASSAGES``), one-line summaries of the same passages, and
English -> French number phrases (``grader.data.load("numbers-translation", lang="fr")``). Models are
plain callables (text -> text, or text -> (label, confidence) for classification), grouped in suites
by task kind; ``default_models()`` gives an echo baseline, heuristic models and a hallucinating guesser.

Why it matters
--------------
A benchmark number means little without knowing exactly how it was computed (tokenisation and
smoothing move BLEU by points), how uncertain it is (12 questions give a very wide interval),
and what it misses (a fluent answer can be unsupported, a helpful model can be biased or toxic).

Tiers
-----
CPU only (``course check``): unit tests of each metric against sacrebleu, rouge-score and hand
cases, then the whole harness on the four tasks (a few seconds).

Worked example
--------------
>>> corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"])      # 53.7..., as sacrebleu
>>> token_f1("The Eiffel tower!", ["eiffel tower"])                        # 1.0
>>> rows = evaluate(default_models(), [qa_task(), summarization_task()], n_resamples=1000)
>>> print(render_table(rows))

Reference
---------
Papineni et al. 2002 (BLEU); Post 2018, A Call for Clarity in Reporting BLEU Scores (sacrebleu);
Lin 2004 (ROUGE); Rajpurkar et al. 2016 (SQuAD); Guo et al. 2017, On Calibration of Modern Neural
Networks (ECE); Efron & Tibshirani 1993 (bootstrap); Liang et al. 2022, HELM; Gehman et al. 2020,
RealToxicityPrompts.
"""

from .harness import (PASSAGES, KeywordSentiment, LookupTranslator, Task, classification_task, constant_classifier,
                      default_models, echo_model, evaluate, guessing_qa_model, lead_model, overlap_qa_model, qa_task,
                      score_task, summarization_task, translation_task)
from .metrics import (bleu_from_statistics, bleu_statistics, corpus_bleu, exact_match, expected_calibration_error,
                      lcs_length, normalize_answer, reliability_table, rouge_l, rouge_n, rouge_tokens, token_f1,
                      tokenize_13a)
from .report import bootstrap_ci, render_table, to_markdown, write_report
from .safety import (GENDER_SWAP, LEET, LEXICON, STOPWORDS, content_tokens, fairness_gap, fill_templates,
                     hallucination_rate, normalize_for_toxicity, support, swap_terms, toxicity_score)

__all__ = ["GENDER_SWAP", "KeywordSentiment", "LEET", "LEXICON", "LookupTranslator", "PASSAGES", "STOPWORDS", "Task",
           "bleu_from_statistics", "bleu_statistics", "bootstrap_ci", "classification_task", "constant_classifier",
           "content_tokens", "corpus_bleu", "default_models", "echo_model", "evaluate", "exact_match",
           "expected_calibration_error", "fairness_gap", "fill_templates", "guessing_qa_model", "hallucination_rate",
           "lcs_length", "lead_model", "normalize_answer", "normalize_for_toxicity", "overlap_qa_model", "qa_task",
           "reliability_table", "render_table", "rouge_l", "rouge_n", "rouge_tokens", "score_task",
           "summarization_task", "support", "swap_terms", "to_markdown", "token_f1", "tokenize_13a",
           "toxicity_score", "translation_task", "write_report"]
