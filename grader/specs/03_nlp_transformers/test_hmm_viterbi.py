"""Spec for 03_nlp_transformers/hmm_viterbi.py: add-k HMM estimation, joint log-probability, Viterbi vs brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader.testing import assert_close, assert_equal, assert_shape, check

SMOOTH_HINT = ("add-k: (count + k) / (row total + k * number of cells in the row); the emission rows have V + 1 cells "
               "(the UNK column), the transition denominator counts how often s is FOLLOWED by a tag (not how often "
               "s occurs: a sentence-final s has no successor)")
VITERBI_HINT = ("delta[i, t] = max_s(delta[i-1, s] + log A[s, t]) + log B[t, w_i], starting from log pi + log B[:, w_1]; "
                "keep the argmax as a back-pointer and follow the pointers back from the best final tag (greedy "
                "tag-by-tag choices are not the best path)")
UNDERFLOW_HINT = ("stay in log space throughout: add log-probabilities, never multiply probabilities (a product of "
                  "thousands of them is 0.0 in float64)")

TINY = [[("the", "DET"), ("dog", "NOUN"), ("barks", "VERB")], [("a", "DET"), ("dog", "NOUN")]]

CORPUS_TEXT = """\
the/DET dog/NOUN barks/VERB ./PUNCT
a/DET cat/NOUN sleeps/VERB on/ADP the/DET mat/NOUN ./PUNCT
the/DET old/ADJ man/NOUN saw/VERB a/DET dog/NOUN ./PUNCT
she/PRON runs/VERB fast/ADV ./PUNCT
the/DET quick/ADJ fox/NOUN jumps/VERB over/ADP the/DET lazy/ADJ dog/NOUN ./PUNCT
he/PRON saw/VERB the/DET saw/NOUN ./PUNCT
time/NOUN flies/VERB like/ADP an/DET arrow/NOUN ./PUNCT
fruit/NOUN flies/NOUN like/VERB a/DET banana/NOUN ./PUNCT
they/PRON can/VERB fish/VERB ./PUNCT
we/PRON eat/VERB fish/NOUN in/ADP the/DET park/NOUN ./PUNCT
the/DET big/ADJ dog/NOUN runs/VERB very/ADV fast/ADV ./PUNCT
a/DET man/NOUN walks/VERB the/DET dog/NOUN ./PUNCT
old/ADJ men/NOUN like/VERB old/ADJ songs/NOUN ./PUNCT
she/PRON sleeps/VERB ./PUNCT
the/DET cat/NOUN saw/VERB the/DET old/ADJ fox/NOUN in/ADP a/DET park/NOUN ./PUNCT"""


def _corpus():
    return [[tuple(tok.rsplit("/", 1)) for tok in line.split()] for line in CORPUS_TEXT.splitlines()]


def _brute_force(log_start, log_trans, log_emit, cols):
    """Every tag sequence's joint log-probability: (T^n, n) sequences and (T^n,) scores."""
    T, n = len(log_start), len(cols)
    seqs = np.array(list(itertools.product(range(T), repeat=n)))  # (T^n, n)
    lp = log_start[seqs[:, 0]] + log_emit[seqs, np.array(cols)[None, :]].sum(axis=1)
    if n > 1:
        lp = lp + log_trans[seqs[:, :-1], seqs[:, 1:]].sum(axis=1)
    return seqs, lp


def _ref_viterbi_logp(log_start, log_trans, log_emit, cols):
    delta = log_start + log_emit[:, cols[0]]
    for c in cols[1:]:
        delta = (delta[:, None] + log_trans).max(axis=0) + log_emit[:, c]
    return delta.max()


def _random_hmm(learner, rng, T, V, scale=1.0):
    def log_rows(shape):
        p = rng.dirichlet(np.full(shape[-1], scale), size=shape[:-1]) if len(shape) > 1 else rng.dirichlet(
            np.full(shape[0], scale))
        return np.log(np.maximum(p, 1e-300))

    tags = [f"T{i}" for i in range(T)]
    vocab = {f"w{j}": j for j in range(V)}
    return learner.HMM(tags, vocab, log_rows((T,)), log_rows((T, T)), log_rows((T, V + 1)))


def _score(hmm, tags, cols):
    tid = {t: i for i, t in enumerate(hmm.tags)}
    ids = [tid[t] for t in tags]
    lp = hmm.log_start[ids[0]] + sum(hmm.log_emit[t, c] for t, c in zip(ids, cols))
    return lp + sum(hmm.log_trans[s, t] for s, t in zip(ids[:-1], ids[1:]))


def test_estimate_by_hand(learner):
    """estimate on [the/DET dog/NOUN barks/VERB], [a/DET dog/NOUN] with k=1: start [3,1,1]/5, trans rows
    DET [1,3,1]/5, NOUN [1,1,2]/4, VERB uniform; NOUN emissions [1,1,3,1,1]/7 (last = UNK)."""
    hmm = learner.estimate(TINY, k=1.0)
    assert_equal(list(hmm.tags), ["DET", "NOUN", "VERB"], name="hmm.tags", hint="the sorted distinct tags")
    assert_equal(dict(hmm.vocab), {"a": 0, "barks": 1, "dog": 2, "the": 3}, name="hmm.vocab",
                 hint="the sorted distinct words -> 0..V-1 (UNK is column V, not in the dict)")
    assert_close(np.exp(hmm.log_start), np.array([3, 1, 1]) / 5, atol=1e-12, name="exp(log_start)",
                 hint="(#sentences starting with t + k) / (#sentences + k T); store LOG-probabilities")
    assert_close(np.exp(hmm.log_trans), [[1 / 5, 3 / 5, 1 / 5], [1 / 4, 1 / 4, 2 / 4], [1 / 3, 1 / 3, 1 / 3]],
                 atol=1e-12, name="exp(log_trans)", hint=SMOOTH_HINT)
    assert_shape(hmm.log_emit, (3, 5), name="log_emit", hint="T rows, V + 1 columns (the last is UNK)")
    assert_close(np.exp(hmm.log_emit[1]), np.array([1, 1, 3, 1, 1]) / 7, atol=1e-12, name="exp(log_emit[NOUN])",
                 hint=SMOOTH_HINT)
    assert_close(np.exp(hmm.log_emit[0]), np.array([2, 1, 1, 2, 1]) / 7, atol=1e-12, name="exp(log_emit[DET])",
                 hint=SMOOTH_HINT)
    half = learner.estimate(TINY, k=0.5)
    assert_close(np.exp(half.log_trans[1]), np.array([0.5, 0.5, 1.5]) / 2.5, atol=1e-12,
                 name="exp(log_trans[NOUN]) with k=0.5", hint="use k, not 1: " + SMOOTH_HINT)


def test_estimate_rows_are_distributions(learner):
    """On a 15-sentence corpus with k in {1, 0.1}: every start/transition/emission row sums to 1, UNK has mass, and the
    most frequent word of NOUN is 'dog'."""
    corpus = _corpus()
    for k in (1.0, 0.1):
        hmm = learner.estimate(corpus, k=k)
        T, V = len(hmm.tags), len(hmm.vocab)
        check(T == 8 and V == 40, f"got {T} tags and {V} words, expected 8 and 40", hint="distinct tags and words")
        assert_close(np.exp(hmm.log_start).sum(), 1.0, atol=1e-12, name=f"sum of pi (k={k})", hint=SMOOTH_HINT)
        assert_close(np.exp(hmm.log_trans).sum(axis=1), np.ones(T), atol=1e-12, name=f"row sums of A (k={k})",
                     hint=SMOOTH_HINT)
        assert_close(np.exp(hmm.log_emit).sum(axis=1), np.ones(T), atol=1e-12, name=f"row sums of B (k={k})",
                     hint=SMOOTH_HINT)
        noun = hmm.tags.index("NOUN")
        check(hmm.log_emit[noun].argmax() == hmm.vocab["dog"], "NOUN's most probable word should be 'dog'",
              hint="emission counts go to log_emit[tag, vocab[word]]")


def test_sequence_log_prob(learner):
    """sequence_log_prob('the dog barks', DET NOUN VERB) = log(3/5 * 3/5 * 2/4 * 2/7 * 3/7 * 2/7); unknown words use
    the UNK column; the empty sentence has log-probability 0."""
    hmm = learner.estimate(TINY, k=1.0)
    expected = np.log(3 / 5 * 3 / 5 * 2 / 4 * 2 / 7 * 3 / 7 * 2 / 6)
    assert_close(learner.sequence_log_prob(hmm, ["the", "dog", "barks"], ["DET", "NOUN", "VERB"]), expected,
                 atol=1e-12, name="sequence_log_prob(the dog barks)",
                 hint="log pi(t1) + sum log A(t_{i-1}, t_i) + sum log B(t_i, w_i)")
    expected = np.log(1 / 5) + np.log(1 / 7)  # NOUN starts, emits UNK
    assert_close(learner.sequence_log_prob(hmm, ["zebra"], ["NOUN"]), expected, atol=1e-12,
                 name="sequence_log_prob(['zebra'], ['NOUN'])", hint="an unseen word uses column V (hmm.word_index)")
    assert_close(learner.sequence_log_prob(hmm, [], []), 0.0, atol=0, name="sequence_log_prob([], [])",
                 hint="the empty product is 1")


def test_viterbi_by_hand(learner):
    """viterbi on the tiny model: 'the dog barks' -> DET NOUN VERB with the log-probability of that path; an unknown
    word gets a tag; the empty sentence gives ([], 0.0)."""
    hmm = learner.estimate(TINY, k=1.0)
    tags, lp = learner.viterbi(hmm, ["the", "dog", "barks"])
    assert_equal(list(tags), ["DET", "NOUN", "VERB"], name="viterbi(the dog barks) tags", hint=VITERBI_HINT)
    assert_close(lp, np.log(3 / 5 * 3 / 5 * 2 / 4 * 2 / 7 * 3 / 7 * 2 / 6), atol=1e-12,
                 name="viterbi(the dog barks) log-probability", hint="return max_t delta[n, t], a log-probability")
    tags, lp = learner.viterbi(hmm, ["a", "zebra"])
    assert_equal(list(tags), ["DET", "NOUN"], name="viterbi(a zebra) tags", hint="unknown words use the UNK column")
    tags, lp = learner.viterbi(hmm, [])
    check(list(tags) == [] and float(lp) == 0.0, f"viterbi(hmm, []) returned ({tags!r}, {lp!r}), expected ([], 0.0)",
          hint="an empty sentence has one (empty) tagging, of probability 1: return ([], 0.0)")


def test_tags_new_sentences(learner):
    """Trained on the 15-sentence corpus (k=0.1), the tagger gets new sentences right, including the two readings of
    'saw' (VERB after a pronoun, NOUN after an adjective) and an unseen word ('garden')."""
    hmm = learner.estimate(_corpus(), k=0.1)
    cases = [("the dog saw a cat .", "DET NOUN VERB DET NOUN PUNCT"),
             ("she saw the old saw .", "PRON VERB DET ADJ NOUN PUNCT"),
             ("the lazy cat runs fast .", "DET ADJ NOUN VERB ADV PUNCT"),
             ("they eat banana in a garden .", "PRON VERB NOUN ADP DET NOUN PUNCT")]
    for sentence, expected in cases:
        tags, _ = learner.viterbi(hmm, sentence.split())
        assert_equal(list(tags), expected.split(), name=f"viterbi({sentence!r})", hint=VITERBI_HINT)


def _check_against_brute_force(learner, hmm, words):
    cols = [hmm.word_index(w) for w in words]
    seqs, lp = _brute_force(hmm.log_start, hmm.log_trans, hmm.log_emit, cols)
    tags, got_lp = learner.viterbi(hmm, words)
    best = lp.max()
    assert_close(got_lp, best, rtol=0, atol=1e-9, name=f"viterbi({words}) log-probability",
                 hint=VITERBI_HINT + f" (brute force over all {len(lp)} taggings)")
    check(len(tags) == len(words), f"viterbi returned {len(tags)} tags for {len(words)} words", hint="one tag per word")
    assert_close(_score(hmm, tags, cols), best, rtol=0, atol=1e-9, name=f"log-probability of the returned path {tags}",
                 hint="the returned tags must be the path that achieves the returned score: " + VITERBI_HINT)


@pytest.mark.points(2)
def test_viterbi_matches_brute_force(learner, rng):
    """On the corpus model (sentences of 1-4 words, ambiguous ones like 'time flies like an arrow' included) and on
    random 3- and 4-tag HMMs (1-6 words), Viterbi finds the best of all T^n taggings."""
    hmm = learner.estimate(_corpus(), k=0.5)
    words = list(hmm.vocab) + ["unseen"]
    for sent in [["time", "flies", "like"], ["they", "can", "fish"], ["saw"], ["the", "saw", "saw", "fish"]]:
        _check_against_brute_force(learner, hmm, sent)
    for _ in range(6):
        _check_against_brute_force(learner, hmm, list(rng.choice(words, size=int(rng.integers(1, 5)))))
    for T in (3, 4):
        for _ in range(8):
            rh = _random_hmm(learner, rng, T, V=5, scale=0.5)
            sent = [f"w{j}" if j < 5 else "unk" for j in rng.integers(0, 6, size=int(rng.integers(1, 7)))]
            _check_against_brute_force(learner, rh, sent)


def test_long_sentence_no_underflow(learner, rng):
    """A 3000-word sentence from a random 5-tag HMM with tiny probabilities (p(path) ~ 1e-20000): the log-probability is
    finite, equals a reference Viterbi's, and the returned path scores exactly that."""
    hmm = _random_hmm(learner, rng, T=5, V=2000, scale=0.3)
    sent = [f"w{j}" for j in rng.integers(0, 2000, size=3000)]
    cols = [hmm.word_index(w) for w in sent]
    with np.errstate(all="ignore"):
        tags, lp = learner.viterbi(hmm, sent)
    expected = _ref_viterbi_logp(hmm.log_start, hmm.log_trans, hmm.log_emit, cols)
    check(np.isfinite(lp), f"viterbi returned log-probability {lp} for a 3000-word sentence", hint=UNDERFLOW_HINT)
    assert_close(lp, expected, rtol=1e-10, atol=1e-6, name="viterbi log-probability (3000 words)", hint=UNDERFLOW_HINT)
    assert_close(_score(hmm, tags, cols), expected, rtol=1e-10, atol=1e-6, name="score of the returned 3000-tag path",
                 hint=UNDERFLOW_HINT + "; follow the back-pointers from the best final tag")
