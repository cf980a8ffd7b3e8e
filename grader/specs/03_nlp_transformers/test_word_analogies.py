"""Spec for 03_nlp_transformers/word_analogies.py: unit rows, 3CosAdd and 3CosMul scores, excluding the question words,
and per-section evaluation, against gensim's KeyedVectors.most_similar / most_similar_cosmul on the pack's vectors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

# gensim's most_similar_cosmul calls its own deprecated init_sims(): not the learner's concern
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EXAMPLE = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 2.0]])


def _kv(words, vectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], dtype=np.float64)
    kv.add_vectors(list(words), np.asarray(vectors, dtype=np.float64))
    return kv


def _covered(words, sections):
    index = set(words)
    return [tuple(w.lower() for w in q) for qs in sections.values() for q in qs
            if all(w.lower() in index for w in q)]


def _gensim_eval(kv, sections, method):
    out = {}
    for name, qs in sections.items():
        correct = total = 0
        for q in qs:
            a, b, c, d = (w.lower() for w in q)
            if not all(w in kv.key_to_index for w in (a, b, c, d)):
                continue
            total += 1
            f = kv.most_similar if method == "add" else kv.most_similar_cosmul
            correct += f(positive=[b, c], negative=[a], topn=1)[0][0] == d
        if total:
            out[name] = (correct, total)
    return out


def test_unit_rows(learner):
    """unit_rows scales each row to length 1 ([3, 4] -> [0.6, 0.8]) and leaves an all-zero row at zero, without nan."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            got = learner.unit_rows(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]]))
        except RuntimeWarning as exc:
            check(False, f"unit_rows warned on an all-zero row: {exc}",
                  hint="divide by np.where(norms > 0, norms, 1) so a zero row stays zero")
    assert_shape(got, (3, 2), name="unit_rows(...)")
    assert_close(got, [[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]], rtol=1e-12, atol=1e-15, name="unit_rows",
                 hint="divide each ROW by its own Euclidean norm (axis=1, keepdims=True); zero rows stay zero")


def test_three_cos_add_worked_example(learner):
    """On the docstring's 4 vectors, three_cos_add(U, 0, 1, 2) = cos(x, b^ - a^ + c^) = [-0.169, 0.986, 0.577, 0.986]."""
    U = EXAMPLE / np.linalg.norm(EXAMPLE, axis=1, keepdims=True)
    target = U[1] - U[0] + U[2]
    want = U @ target / np.linalg.norm(target)
    got = learner.three_cos_add(U, 0, 1, 2)
    assert_shape(got, (4,), name="three_cos_add(U, 0, 1, 2)", hint="one score per vocabulary row")
    assert_close(got, want, rtol=1e-10, atol=1e-12, name="three_cos_add(U, 0, 1, 2)",
                 hint="the target is b - a + c (b minus a, plus c) built from UNIT vectors, and the score is a cosine: "
                      "divide by the target's norm too")


def test_three_cos_mul_by_hand(learner, rng):
    """three_cos_mul = s(x,b) s(x,c) / (s(x,a) + 1e-6) with s = (1 + cos) / 2, on the example and on random unit rows."""
    U = EXAMPLE / np.linalg.norm(EXAMPLE, axis=1, keepdims=True)
    s = lambda i: (1 + U @ U[i]) / 2  # noqa: E731
    hint = ("shift every cosine into [0, 1] first: s = (1 + cos) / 2; then s(x, b) * s(x, c) / (s(x, a) + eps); "
            "without the shift a negative cosine flips the sign of the product")
    assert_close(learner.three_cos_mul(U, 0, 1, 2), s(1) * s(2) / (s(0) + 1e-6), rtol=1e-10,
                 name="three_cos_mul(U, 0, 1, 2)", hint=hint)
    R = rng.normal(size=(30, 6))
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    s = lambda i: (1 + R @ R[i]) / 2  # noqa: E731
    assert_close(learner.three_cos_mul(R, 4, 7, 9), s(7) * s(9) / (s(4) + 1e-6), rtol=1e-10,
                 name="three_cos_mul(random, a=4, b=7, c=9)", hint=hint)


def test_solve_excludes_question_words(learner):
    """solve never answers a, b or c, even when one of them scores highest; ties go to the lowest index; "mul" works."""
    U = EXAMPLE / np.linalg.norm(EXAMPLE, axis=1, keepdims=True)
    # b = row 1 scores as high as row 3 and c is close behind: only row 3 may be returned
    assert_equal(learner.solve(U, 0, 1, 2), 3, name="solve(U, 0, 1, 2)",
                 hint="set the scores of a, b and c to -inf before the argmax")
    W = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.6, 0.8], [0.6, 0.8], [0.0, 1.0]])
    # a=3, b=1, c=2: rows 1, 2 and 5 are identical; 5 is the only candidate tied with the excluded b and c
    assert_equal(learner.solve(W, 3, 1, 2), 5, name="solve(W, 3, 1, 2)",
                 hint="exclude exactly the three question rows; the identical row 5 must still win")
    assert_equal(learner.solve(U, 0, 1, 2, method="mul"), 3, name="solve(U, 0, 1, 2, method='mul')",
                 hint="method='mul' uses three_cos_mul, with the same exclusion")
    T = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # rows 3 and 4 tie exactly
    assert_equal(learner.solve(T, 0, 1, 2), 3, name="solve with a tie", hint="np.argmax returns the first maximum")


@pytest.mark.points(2)
def test_matches_gensim_most_similar(learner):
    """On the pack's 'lee' fastText vectors, solve(method='add') answers every covered question as
    KeyedVectors.most_similar(positive=[b, c], negative=[a], topn=1) does, with the same cosine score."""
    wv = data.load("word-vectors", which="lee")
    kv = _kv(wv.words, wv.vectors)
    U = learner.unit_rows(wv.vectors)
    for a, b, c, d in _covered(wv.words, data.load("word-analogies"))[::2]:
        ia, ib, ic = (wv.index[w] for w in (a, b, c))
        want_word, want_score = kv.most_similar(positive=[b, c], negative=[a], topn=1)[0]
        got = learner.solve(U, ia, ib, ic)
        check(wv.words[got] == want_word, f"{a} : {b} :: {c} : ? -> learner {wv.words[got]!r}, gensim {want_word!r}",
              hint="3CosAdd over unit vectors, the question words excluded")
        assert_close(learner.three_cos_add(U, ia, ib, ic)[got], want_score, rtol=1e-6,
                     name=f"3CosAdd score of {want_word!r}", hint="cos(x, b^ - a^ + c^)")


@pytest.mark.points(2)
def test_matches_gensim_cosmul(learner):
    """On the pack's 'polarity' vectors, solve(method='mul') answers every covered question as
    KeyedVectors.most_similar_cosmul does, with the same score."""
    wv = data.load("word-vectors", which="polarity")
    kv = _kv(wv.words, wv.vectors)
    U = learner.unit_rows(wv.vectors)
    for a, b, c, d in _covered(wv.words, data.load("word-analogies"))[::3]:
        ia, ib, ic = (wv.index[w] for w in (a, b, c))
        want_word, want_score = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0]
        got = learner.solve(U, ia, ib, ic, method="mul")
        check(wv.words[got] == want_word, f"{a} : {b} :: {c} : ? (3CosMul) -> learner {wv.words[got]!r}, "
              f"gensim {want_word!r}", hint="3CosMul: s(x,b) s(x,c) / (s(x,a) + 1e-6) with s = (1 + cos) / 2")
        assert_close(learner.three_cos_mul(U, ia, ib, ic)[got], want_score, rtol=1e-6,
                     name=f"3CosMul score of {want_word!r}", hint="eps = 1e-6 in the denominator")


def _planted(rng):
    """Words x0..x11 and y0..y11 with y_i = x_i + offset (a planted analogy), plus noise words."""
    d = 16
    X = rng.normal(size=(12, d))
    offset = 2.5 * rng.normal(size=d)
    Y = X + offset + 0.2 * rng.normal(size=(12, d))
    noise = rng.normal(size=(20, d))
    words = [f"x{i}" for i in range(12)] + [f"y{i}" for i in range(12)] + [f"n{i}" for i in range(20)]
    vectors = np.concatenate([X, Y, noise]) * rng.uniform(0.5, 3.0, size=(44, 1))  # unequal norms
    sections = {
        "pairs": [(f"x{i}", f"y{i}", f"x{j}", f"y{j}") for i in range(6) for j in range(6, 12)],
        "shouted": [(f"X{i}", f"Y{i}", f"X{j}", f"Y{j}") for i in range(3) for j in range(3, 6)],
        "out-of-vocabulary": [("x1", "y1", "zebra", "y2"), ("x1", "y1", "x2", "unicorn")],
        "mixed": [("x0", "y0", "x1", "y1"), ("x0", "y0", "nope", "y1"), ("n0", "n1", "n2", "n3")],
    }
    return words, vectors.astype(np.float32), sections


def test_evaluate_planted(learner, rng):
    """On planted vectors (y_i = x_i + offset, unequal norms) evaluate counts per section exactly as gensim does:
    upper-case questions are lower-cased, questions with an unknown word are skipped, empty sections are left out."""
    words, vectors, sections = _planted(rng)
    want = _gensim_eval(_kv(words, vectors), sections, "add")
    got = learner.evaluate(words, vectors, sections)
    check(set(got) == set(want), f"evaluate returned sections {sorted(got)}; expected {sorted(want)}",
          hint="lower-case the question words before looking them up; leave out a section with no covered question")
    for name in want:
        assert_equal(tuple(int(x) for x in got[name]), want[name], name=f"(correct, total) for section {name!r}",
                     hint="total counts the questions whose 4 lower-cased words are in the vocabulary; correct those "
                          "whose prediction (question words excluded, vectors normalised) is d")
    check(want["pairs"][0] > 18, "internal: the planted analogy should mostly be solvable")
    mul = learner.evaluate(words, vectors, sections, method="mul")
    assert_equal({k: tuple(int(x) for x in v) for k, v in mul.items()}, _gensim_eval(_kv(words, vectors), sections, "mul"),
                 name="evaluate(..., method='mul')", hint="pass the method on to solve")


@pytest.mark.points(2)
def test_evaluate_on_pack_vectors(learner):
    """On the 'lee' vectors and the full question set, evaluate's per-section (correct, total) equals gensim's
    most_similar-based count (78 covered questions in 6 sections)."""
    wv = data.load("word-vectors", which="lee")
    sections = data.load("word-analogies")
    want = _gensim_eval(_kv(wv.words, wv.vectors), sections, "add")
    got = learner.evaluate(wv.words, wv.vectors, sections)
    assert_equal({k: tuple(int(x) for x in v) for k, v in got.items()}, want, name="evaluate on the lee vectors",
                 hint="normalise the vectors (unit_rows) before scoring; a raw dot product favours long vectors")
    assert_close(learner.accuracy(got), sum(c for c, _ in want.values()) / 78, rtol=1e-12, name="accuracy")
