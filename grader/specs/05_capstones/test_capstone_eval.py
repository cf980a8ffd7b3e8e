"""Capstone 4: evaluate LLMs.

Unit tests of each part first (BLEU, ROUGE, SQuAD EM/F1, ECE, the bootstrap, fairness, toxicity,
hallucination, the Markdown report), checked against sacrebleu, rouge-score and hand-computed cases;
then the whole harness on the four tasks, every number re-derived here from the reference libraries.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter

import numpy as np
import pytest
import sacrebleu
from rouge_score import rouge_scorer

from grader import data
from grader.testing import assert_close, assert_equal, check

N_TRANSLATION = 100
N_RESAMPLES = 200


def _sacre(hyps, refs):
    return sacrebleu.corpus_bleu(list(hyps), [list(refs)]).score


# --------------------------------------------------------------------------- references used by the spec
def _ref_ece(conf, correct, n_bins=10):
    conf, correct = np.asarray(conf, float), np.asarray(correct, float)
    b = np.minimum(np.floor(conf * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for k in range(n_bins):
        m = b == k
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return ece


def _ref_bootstrap(values, statistic, n_resamples, alpha, seed):
    values = np.asarray(values)
    idx = np.random.default_rng(seed).integers(0, len(values), size=(n_resamples, len(values)))
    stats = [statistic(values[i]) for i in idx]
    return tuple(np.percentile(stats, [100 * alpha / 2, 100 * (1 - alpha / 2)]))


def _ref_norm(s):
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", s).split())


def _ref_f1(pred, golds):
    best = 0.0
    for g in golds:
        p, t = _ref_norm(pred).split(), _ref_norm(g).split()
        if not p or not t:
            best = max(best, float(p == t))
            continue
        common = sum((Counter(p) & Counter(t)).values())
        if common:
            pr, rc = common / len(p), common / len(t)
            best = max(best, 2 * pr * rc / (pr + rc))
    return best


# --------------------------------------------------------------------------- BLEU
def test_bleu_hand_cases(learner):
    """corpus_bleu: 100 for a perfect match, 0 with no matching word, the brevity penalty exp(1 - r/c) for a short
    hypothesis, 'exp' smoothing for an empty n-gram order, and clipped n-gram counts -- each equal to sacrebleu."""
    cases = {
        "perfect match": (["a b c d e f"], ["a b c d e f"]),
        "no word matches": (["x y z w"], ["a b c d"]),
        "short hypothesis (brevity penalty)": (["a b c d"], ["a b c d e f g h"]),
        "one word wrong (smoothed 4-gram order)": (["the cat sat on the mat"], ["the cat sat on a mat"]),
        "repeated word (clipping)": (["the the the the the"], ["the cat is on the mat"]),
        "hypothesis too short for 4-grams": (["the cat"], ["the cat sat"]),
        "punctuation (13a tokens)": (["Hello, world. It's 1,000!"], ["Hello world. It's 1,000 !"]),
    }
    for name, (h, r) in cases.items():
        assert_close(learner.corpus_bleu(h, r), _sacre(h, r), rtol=0, atol=1e-9, name=f"corpus_bleu, {name}",
                     hint="BP = exp(1 - ref_len / hyp_len) when the hypothesis is shorter; clip each n-gram's matches "
                          "by its count in the reference; the k-th order with no match gets 1 / (2^k * total).")
    assert_close(learner.corpus_bleu(["a b c d"], ["a b c d e f g h"]), 100 * math.exp(-1), rtol=1e-12,
                 name="BLEU of a perfect but half-length hypothesis",
                 hint="all precisions are 1, so only the brevity penalty exp(1 - 8/4) is left.")


def test_bleu_statistics_are_clipped_counts(learner):
    """bleu_statistics: [hyp_len, ref_len, matches_1..4, totals_1..4], matches clipped by the reference counts."""
    got = np.asarray(learner.bleu_statistics("the the the cat", "the cat sat"))
    assert_equal(got.tolist(), [4, 3, 2, 1, 0, 0, 4, 3, 2, 1], name="bleu_statistics('the the the cat', 'the cat sat')",
                 hint="'the' appears once in the reference, so it matches once; totals are hyp_len - n + 1.")
    got = np.asarray(learner.bleu_statistics("", "a b"))
    assert_equal(got.tolist(), [0, 2, 0, 0, 0, 0, 0, 0, 0, 0], name="bleu_statistics of an empty hypothesis",
                 hint="an empty hypothesis has no n-grams: totals are max(len - n + 1, 0).")


def test_bleu_matches_sacrebleu_on_numbers_translation(learner, rng):
    """corpus_bleu equals sacrebleu.corpus_bleu (default 13a, exp smoothing) to 1e-9 on the numbers-translation pack:
    the English source as the 'translation', perturbed references, and a corpus of short outputs."""
    pairs = data.load("numbers-translation", split="test", lang="fr")[:200]
    src, ref = [a for a, _ in pairs], [b for _, b in pairs]
    drop = []                                          # references with random words dropped: short hypotheses
    for r in ref:
        words = r.split()
        keep = [w for w in words if rng.random() > 0.3] or words[:1]
        drop.append(" ".join(keep))
    first = [r.split()[0] for r in ref]                # one word each: the 4-gram order is empty
    for name, hyps in {"English source": src, "words dropped": drop, "first word only": first,
                       "reference with one extra word": [r + " et" for r in ref]}.items():
        assert_close(learner.corpus_bleu(hyps, ref), _sacre(hyps, ref), rtol=0, atol=1e-9,
                     name=f"corpus_bleu on numbers-translation ({name})",
                     hint="BLEU is a corpus statistic: sum matches, totals and lengths over all sentences first, then "
                          "compute the precisions and ONE brevity penalty from the corpus lengths.")


# --------------------------------------------------------------------------- ROUGE
def test_rouge_matches_rouge_score(learner, rng):
    """rouge_n (n = 1, 2) and rouge_l F-measures equal rouge_score's RougeScorer(use_stemmer=False), on hand pairs
    (empty strings, punctuation, reordered words) and random word sequences."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    words = "the cat sat on a mat dog ran fast big red".split()
    pairs = [("the cat sat on the mat", "the cat was on the mat"), ("police killed the gunman", "the gunman killed police"),
             ("", "anything"), ("Hello, World!", "hello world"), ("abc", "cab"), ("ab cd", "abcd")]
    for _ in range(60):
        a = " ".join(rng.choice(words, size=int(rng.integers(0, 10))))
        b = " ".join(rng.choice(words, size=int(rng.integers(1, 10))))
        pairs.append((a, b))
    for pred, target in pairs:
        want = scorer.score(target, pred)
        for key, got in (("rouge1", learner.rouge_n(pred, target, 1)), ("rouge2", learner.rouge_n(pred, target, 2)),
                         ("rougeL", learner.rouge_l(pred, target))):
            assert_close(got, want[key].fmeasure, rtol=0, atol=1e-12, name=f"{key} F of {pred!r} vs {target!r}",
                         hint="ROUGE works on rouge_tokens (words), never characters; P = overlap / #prediction "
                              "units, R = overlap / #target units; ROUGE-L's overlap is the LCS of the word lists.")


# --------------------------------------------------------------------------- SQuAD
def test_squad_exact_match_and_f1(learner):
    """normalize_answer, exact_match and token_f1 on hand cases: case, punctuation, articles, several golds, empty."""
    assert_equal(learner.normalize_answer("  The  Eiffel-Tower, (Paris)! "), "eiffeltower paris",
                 name="normalize_answer", hint="lower-case, DELETE punctuation (not replace it), drop a/an/the, "
                                               "collapse whitespace.")
    assert_equal(learner.normalize_answer("An apple a day"), "apple day", name="normalize_answer('An apple a day')",
                 hint="the articles a, an and the are removed as whole words.")
    em = [learner.exact_match("a plea", ["plea"]), learner.exact_match("Gershwin.", ["George Gershwin", "gershwin"]),
          learner.exact_match("George", ["George Gershwin"])]
    assert_equal(em, [1.0, 1.0, 0.0], name="exact_match on ('a plea' vs 'plea', 'Gershwin.' vs 2 golds, 'George')",
                 hint="compare NORMALISED strings, and take the best over all gold answers.")
    cases = [("the cat sat", ["a cat sat down"], 0.8), ("George", ["George Gershwin", "Gershwin"], 2 / 3),
             ("an apple", ["the apple"], 1.0), ("the", ["a"], 1.0), ("the", ["cat"], 0.0),
             ("red red blue", ["red blue blue"], 2 / 3), ("red red red", ["red red"], 0.8)]
    for pred, golds, want in cases:
        assert_close(learner.token_f1(pred, golds), want, rtol=1e-12, atol=1e-12,
                     name=f"token_f1({pred!r}, {golds})",
                     hint="F1 of the BAGS (Counter &, repeats count) of normalised tokens, articles removed; the best over the golds; "
                          "when either side has no tokens left the score is 1 if both are empty, else 0.")


# --------------------------------------------------------------------------- calibration
def test_expected_calibration_error(learner, rng):
    """reliability_table and expected_calibration_error: equal-width bins, each bin weighted by its share of the
    predictions, against a hand case and the spec's reference on random data."""
    conf = [0.25, 0.25, 0.75, 0.75, 0.75, 0.95, 1.0]
    correct = [1, 0, 1, 1, 0, 1, 1]
    # bins 2 (n=2, acc .5, conf .25), 7 (n=3, acc 2/3, conf .75), 9 (n=2, acc 1, conf .975)
    want = 2 / 7 * 0.25 + 3 / 7 * (0.75 - 2 / 3) + 2 / 7 * 0.025
    assert_close(learner.expected_calibration_error(conf, correct, n_bins=10), want, rtol=1e-12, atol=1e-15,
                 name="ECE of the hand case", hint="ECE = sum_b (n_b / N) |acc_b - conf_b|: weight each bin by how "
                                                   "many predictions it holds; confidence 1.0 goes in the last bin.")
    t = learner.reliability_table(conf, correct, n_bins=10)
    assert_equal(np.asarray(t["count"]).tolist(), [0, 0, 2, 0, 0, 0, 0, 3, 0, 2], name="reliability_table count",
                 hint="bin b = min(floor(conf * n_bins), n_bins - 1).")
    assert_close(np.asarray(t["accuracy"])[[2, 7, 9]], [0.5, 2 / 3, 1.0], rtol=1e-12, name="reliability_table accuracy")
    for n_bins in (5, 10, 15):
        c = rng.uniform(0.3, 1.0, size=300) ** 2
        y = (rng.uniform(size=300) < c ** 0.5).astype(int)
        assert_close(learner.expected_calibration_error(c, y, n_bins=n_bins), _ref_ece(c, y, n_bins), rtol=1e-10,
                     atol=1e-12, name=f"ECE on random data, {n_bins} bins",
                     hint="weight each non-empty bin by n_b / N, not equally.")


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_ci_matches_the_percentile_bootstrap(learner, rng, seed):
    """bootstrap_ci: rng = default_rng(seed); idx = rng.integers(0, n, (n_resamples, n)); percentiles of the statistic;
    the interval contains the point estimate and narrows with more data."""
    values = rng.normal(size=41)
    for stat, name in ((np.mean, "mean"), (np.median, "median")):
        got = learner.bootstrap_ci(values, stat, n_resamples=500, alpha=0.1, seed=seed)
        want = _ref_bootstrap(values, stat, 500, 0.1, seed)
        assert_close(np.asarray(got, float), np.asarray(want), rtol=1e-12, atol=1e-12,
                     name=f"bootstrap_ci of the {name} (seed {seed}, alpha 0.1)",
                     hint="draw ALL resamples at once with rng.integers(0, n, size=(n_resamples, n)) -- with "
                          "replacement -- and take np.percentile at 100 alpha/2 and 100 (1 - alpha/2).")
    lo, hi = learner.bootstrap_ci(values, np.mean, n_resamples=500, seed=seed)
    check(lo < values.mean() < hi and hi - lo > 0.1, f"CI [{lo:.4f}, {hi:.4f}] for a mean of {values.mean():.4f} "
          "over 41 standard normals", hint="resampling without replacement gives every resample the same mean.")


# --------------------------------------------------------------------------- fairness, toxicity, hallucination
def test_counterfactual_swap_and_fairness_gap(learner):
    """swap_terms swaps both directions in one pass and keeps capitals; fill_templates and fairness_gap flag a
    scorer that favours one group."""
    m = {"he": "she", "his": "her", "man": "woman"}
    assert_equal(learner.swap_terms("He told her that she is the man.", m), "She told his that he is the woman.",
                 name="swap_terms('He told her that she is the man.')",
                 hint="swap in ONE pass over the words (a regex callback): replacing he -> she and then she -> he "
                      "turns everything back; 'the' and 'there' must not be touched (whole words only).")
    assert_equal(learner.swap_terms("There, his hat.", m), "There, her hat.", name="swap_terms('There, his hat.')")
    texts = learner.fill_templates(["{person} is brilliant.", "I met {person}."], {"f": ["Mary", "Ann"], "m": ["John"]})
    assert_equal(texts, {"f": ["Mary is brilliant.", "Ann is brilliant.", "I met Mary.", "I met Ann."],
                         "m": ["John is brilliant.", "I met John."]}, name="fill_templates",
                 hint="template-major order: for each template, each of the group's terms.")
    biased = lambda t: 0.9 if "John" in t else 0.6  # noqa: E731
    out = learner.fairness_gap(biased, texts, threshold=0.1)
    assert_close(out["gap"], 0.3, rtol=1e-12, name="fairness gap of a scorer that favours John")
    check(out["flagged"] is True or out["flagged"] == True, "a gap of 0.3 over a threshold of 0.1 must be flagged")  # noqa: E712
    fair = learner.fairness_gap(lambda t: 0.5, texts, threshold=0.1)
    check(fair["gap"] == 0 and not fair["flagged"], f"a constant scorer has no gap, got {fair}")


def test_toxicity_lexicon_resists_tricks(learner):
    """toxicity_score: noisy-OR of lexicon weights; case, punctuation, accents, leetspeak and repeated letters do not
    hide a word; a classifier hook raises the score."""
    lex = learner.LEXICON
    w_idiot, w_stupid = lex["idiot"], lex["stupid"]
    cases = {"You are an idiot": w_idiot, "You IDIOT!!!": w_idiot, "id10t": w_idiot, "idiooooot": w_idiot,
             "ìdíôt": w_idiot, "i.d.i.o.t": w_idiot, "stupid idiot": 1 - (1 - w_stupid) * (1 - w_idiot),
             "what a lovely day": 0.0, "Idiotic? no: ideas.": 0.0}
    for text, want in cases.items():
        assert_close(learner.toxicity_score(text), want, rtol=1e-12, atol=1e-12, name=f"toxicity_score({text!r})",
                     hint="normalise each whitespace word: strip accents (NFKD), lower-case, map LEET, delete "
                          "non-letters, squeeze repeated letters; combine the weights as 1 - prod(1 - w).")
    assert_close(learner.toxicity_score("nice", lexicon={"nice": 0.25}), 0.25, name="toxicity with a custom lexicon")
    assert_close(learner.toxicity_score("lovely day", classifier=lambda t: 0.7), 0.7, name="score with a classifier hook",
                 hint="with a classifier, the score is max(lexicon score, classifier(text)).")
    assert_close(learner.toxicity_score("idiot", classifier=lambda t: 0.1), w_idiot, name="hook lower than the lexicon")


def test_hallucination_support_and_rate(learner):
    """support = share of the answer's content tokens found in the source; hallucinated when below the threshold."""
    src = "George Gershwin wrote An American in Paris in 1928."
    assert_close(learner.support("Gershwin, in 1928", src), 1.0, name="support of a supported answer")
    assert_close(learner.support("Gershwin in 1930 Vienna", src), 1 / 3, rtol=1e-12, name="support, 1 of 3 content tokens",
                 hint="content tokens are rouge_tokens without STOPWORDS ('in' does not count).")
    assert_close(learner.support("the", src), 1.0, name="support of an answer with no content tokens")
    rate = learner.hallucination_rate(["Gershwin", "Mozart in Vienna", "1928 Paris", "Paris 1812 Napoleon"], [src] * 4)
    assert_close(rate, 0.5, rtol=1e-12, name="hallucination_rate of 4 answers (2 unsupported)",
                 hint="an answer is hallucinated when its support is BELOW the threshold 0.5 (1/3 is, 1/2 is not).")
    rate = learner.hallucination_rate(["Paris Vienna"], [src], threshold=0.5)
    assert_close(rate, 0.0, name="support exactly at the threshold is not a hallucination")


def test_markdown_report(learner, tmp_path):
    """to_markdown / write_report: a title, a header row and one '| model | task | metric | value | [lo, hi] |' line
    per result, values with 4 decimals."""
    rows = [{"model": "m1", "task": "qa", "metric": "f1", "value": 0.31274, "lo": 0.2, "hi": 0.41, "n": 12},
            {"model": "m2", "task": "mt", "metric": "bleu", "value": 73.39141, "lo": 69.78, "hi": 76.3047, "n": 100}]
    path = learner.write_report(rows, tmp_path / "report.md")
    text = (tmp_path / "report.md").read_text()
    check(str(path) == str(tmp_path / "report.md"), "write_report returns the path it wrote")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("|")]
    check(len(lines) == 4, f"expected a header, a separator and 2 rows, got {len(lines)} table lines:\n{text}")
    check(lines[2] == "| m1 | qa | f1 | 0.3127 | [0.2000, 0.4100] |" and
          lines[3] == "| m2 | mt | bleu | 73.3914 | [69.7800, 76.3047] |",
          f"the table rows are\n{lines[2]}\n{lines[3]}", hint="use format_row for the cells.")


# --------------------------------------------------------------------------- the whole harness
def test_harness_end_to_end_matches_the_references(learner, seed):
    """evaluate(default_models(), four tasks): every value re-derived from sacrebleu, rouge-score and the SQuAD/ECE
    definitions, every CI equal to the percentile bootstrap with the same seed, and containing the value."""
    mp = data.load("movie-polarity")
    pairs = data.load("numbers-translation", split="test", lang="fr")[:N_TRANSLATION]
    tasks = [learner.classification_task(mp.texts, mp.labels), learner.qa_task(), learner.summarization_task(),
             learner.translation_task(pairs)]
    models = learner.default_models()
    rows = learner.evaluate(models, tasks, n_resamples=N_RESAMPLES, alpha=0.05, seed=seed)
    got = {(r["model"], r["task"], r["metric"]): r for r in rows}
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    expected_keys = set()
    for mname, suite in models.items():
        for task in tasks:
            if task.kind not in suite:
                continue
            out = [suite[task.kind](x) for x in task.inputs]
            refs = task.references
            per_item, corpus = {}, {}
            if task.kind == "classification":
                corr = np.array([o[0] == y for o, y in zip(out, refs)], float)
                conf = np.array([o[1] for o in out], float)
                per_item["accuracy"] = corr
                corpus["ece"] = lambda idx, c=conf, y=corr: _ref_ece(c[idx], y[idx])
            elif task.kind == "qa":
                per_item["exact_match"] = np.array([float(any(_ref_norm(o) == _ref_norm(g) for g in gs))
                                                    for o, gs in zip(out, refs)])
                per_item["f1"] = np.array([_ref_f1(o, gs) for o, gs in zip(out, refs)])
                per_item["hallucination"] = np.array([learner.support(o, c) < 0.5 for o, c in zip(out, task.contexts)],
                                                     float)
                per_item["toxicity"] = np.array([learner.toxicity_score(o) for o in out])
            elif task.kind == "summarization":
                sc = [scorer.score(r, o) for o, r in zip(out, refs)]
                for k in ("rouge1", "rouge2", "rougeL"):
                    per_item[k] = np.array([s[k].fmeasure for s in sc])
                per_item["toxicity"] = np.array([learner.toxicity_score(o) for o in out])
            else:
                # sacrebleu's own per-sentence statistics, summed per resample (what corpus_score does inside)
                bleu = sacrebleu.BLEU()
                st = np.array(bleu._extract_corpus_statistics(out, [refs]), dtype=np.int64)
                check(abs(bleu._compute_score_from_stats(st.sum(0).tolist()).score - _sacre(out, refs)) < 1e-9,
                      "internal: sacrebleu statistics")
                corpus["bleu"] = lambda idx, st=st, b=bleu: b._compute_score_from_stats(st[idx].sum(0).tolist()).score
            fns = {k: (lambda idx, v=v: float(v[idx].mean())) for k, v in per_item.items()} | corpus
            idx = np.arange(len(task.inputs))
            for metric, fn in fns.items():
                key = (mname, task.name, metric)
                expected_keys.add(key)
                check(key in got, f"no result row for {key}; rows: {sorted(got)[:8]}...",
                      hint="score_task returns every metric of the task's kind (see its docstring).")
                row = got[key]
                assert_close(row["value"], fn(idx), rtol=1e-9, atol=1e-9, name=f"value of {key}",
                             hint="each metric is computed on all the task's items; BLEU and ECE on the whole set, "
                                  "not averaged per sentence.")
                lo, hi = _ref_bootstrap(idx, fn, N_RESAMPLES, 0.05, seed)
                assert_close([row["lo"], row["hi"]], [lo, hi], rtol=1e-9, atol=1e-9, name=f"95% CI of {key}",
                             hint="bootstrap_ci over the item indices with the same seed for every metric; the "
                                  "statistic recomputes the metric on each resample.")
                check(row["lo"] - 1e-12 <= row["value"] <= row["hi"] + 1e-12,
                      f"{key}: value {row['value']:.4f} outside its CI [{row['lo']:.4f}, {row['hi']:.4f}]")
    check(set(got) == expected_keys, f"unexpected rows: {sorted(set(got) - expected_keys)}")
    table = learner.render_table(rows)
    check("heuristic" in table and "bleu" in table, "render_table shows every model and metric")
