"""Word analogies: "man is to king as woman is to ?" with 3CosAdd and 3CosMul.

Goal
----
Evaluate word vectors the way Mikolov et al. did: on analogy questions
a : b :: c : d ("athens greece baghdad iraq"), predict d from a, b and c and
report the accuracy per section of the question set. You write:

* ``unit_rows``: each vector divided by its length (cosine becomes a dot product);
* ``three_cos_add`` and ``three_cos_mul``: the score of every vocabulary word
  as the answer;
* ``solve``: the best-scoring word, never one of the three question words;
* ``evaluate``: per-section (correct, total) over the questions the vocabulary
  covers.

The vectors come from the course's data packs, e.g.
``data.load("word-vectors", which="polarity")`` (a ``WordVectors`` with
``.words``, ``.vectors`` and ``.index``) and the questions from
``data.load("word-analogies")`` (a dict: section -> list of (a, b, c, d)).

Why it matters
--------------
The analogy test made "king - man + woman = queen" famous and was for years
the standard intrinsic evaluation of embeddings. Doing it right has traps that
every evaluation has: the three question words must be excluded (otherwise
the answer is almost always b or c itself), vectors must be normalised, and
accuracy is only meaningful over the questions the vocabulary covers, which
must be reported alongside it.

The maths
---------
Let x^ = x / |x| be the unit vector of x (a zero vector stays zero) and
cos(x, y) = x^ . y^.

3CosAdd (Mikolov et al. 2013): the answer is the word closest to b - a + c,

    score_add(x) = cos(x, b^ - a^ + c^)

(normalise a, b, c FIRST, then add; and the score is a cosine, so the target
b^ - a^ + c^ is normalised too; this does not change the ranking but it
makes the scores comparable with gensim's).

3CosMul (Levy & Goldberg 2014): multiply instead of add, so that one large
similarity cannot dominate; cosines are shifted to [0, 1] first,

    s(x, y)       = (1 + cos(x, y)) / 2
    score_mul(x)  = s(x, b) * s(x, c) / (s(x, a) + eps)          eps = 1e-6

The prediction is argmax over the vocabulary of the score, with a, b and c
themselves excluded (ties: the lowest index).

Evaluation: lower-case the four words of each question; a question counts only
if all four are in the vocabulary; it is correct when the prediction is d.
Report, per section with at least one question counted, (correct, total).

On the packs' small vectors (10 to 100 dimensions, trained on a few hundred
documents) only about 80 of the 19,544 questions are covered and almost none
is answered right: that is expected. Published accuracies (60-75%) come from
vectors trained on billions of words; the evaluation code is the same.

API
---
    unit_rows(vectors)                          -> (n, dim) float64, rows of length 1 (or 0)
    three_cos_add(unit, a, b, c)                -> (n,) scores for every word; a, b, c are row indices
    three_cos_mul(unit, a, b, c, eps=1e-6)      -> (n,) scores
    solve(unit, a, b, c, method="add")          -> int, the predicted row ("add" or "mul")
    evaluate(words, vectors, sections, method="add")
                                                -> dict section -> (correct, total)
    accuracy(results)                           -> float, sum correct / sum total (implemented)

Worked example
--------------
    >>> V = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 2.0]])   # a, b, c, d = rows 0, 1, 2, 3
    >>> U = unit_rows(V)          # row 2 becomes [0.7071, 0.7071], row 3 becomes [0, 1]
    >>> three_cos_add(U, 0, 1, 2)  # target b^ - a^ + c^ = [-0.2929, 1.7071]
    array([-0.169..., 0.985..., 0.581..., 0.985...])
    >>> solve(U, 0, 1, 2)          # rows 0, 1 and 2 are excluded
    3

Reference
---------
Mikolov, Yih & Zweig, "Linguistic Regularities in Continuous Space Word
Representations" (NAACL 2013); Levy & Goldberg, "Linguistic Regularities in
Sparse and Explicit Word Representations" (CoNLL 2014) for 3CosMul;
gensim's ``KeyedVectors.most_similar`` and ``most_similar_cosmul``.
"""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row divided by its Euclidean norm; all-zero rows stay zero (no division by 0).

    Args:
        vectors: (n, dim).

    Returns:
        (n, dim) float64.
    """
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)  # (n, 1)
    return v / np.where(norms > 0, norms, 1.0)  # a zero row divided by 1 stays zero


def three_cos_add(unit: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """cos(x, b^ - a^ + c^) for every row x of ``unit`` (rows already unit length).

    Returns:
        (n,) float64 cosine similarities.
    """
    target = unit[b] - unit[a] + unit[c]  # (dim,) the offset b - a applied to c
    return unit @ (target / np.linalg.norm(target))  # (n,) cosines (the rows are unit already)


def three_cos_mul(unit: np.ndarray, a: int, b: int, c: int, eps: float = 1e-6) -> np.ndarray:
    """s(x, b) s(x, c) / (s(x, a) + eps) with s = (1 + cos) / 2, for every row x.

    Returns:
        (n,) float64 scores.
    """
    s = lambda i: (1.0 + unit @ unit[i]) / 2.0  # noqa: E731 - (n,) cosines shifted into [0, 1]
    return s(b) * s(c) / (s(a) + eps)


def solve(unit: np.ndarray, a: int, b: int, c: int, method: str = "add") -> int:
    """The best-scoring row for a : b :: c : ?, excluding a, b and c ("add" = 3CosAdd, "mul" = 3CosMul)."""
    if method == "add":
        scores = three_cos_add(unit, a, b, c)
    elif method == "mul":
        scores = three_cos_mul(unit, a, b, c)
    else:
        raise ValueError(f"method must be 'add' or 'mul', got {method!r}")
    scores = scores.copy()
    scores[[a, b, c]] = -np.inf  # the question words are never answers
    return int(np.argmax(scores))  # argmax: the first index among ties


def evaluate(
    words: list[str], vectors: np.ndarray, sections: dict[str, list[tuple[str, str, str, str]]], method: str = "add"
) -> dict[str, tuple[int, int]]:
    """Per-section (correct, total) over the questions whose four lower-cased words are all in ``words``.

    Sections where no question is covered are left out.
    """
    index = {w: i for i, w in enumerate(words)}
    unit = unit_rows(vectors)  # normalise once, not per question
    results: dict[str, tuple[int, int]] = {}
    for section, questions in sections.items():
        correct = total = 0
        for question in questions:
            q = [w.lower() for w in question]
            if not all(w in index for w in q):
                continue  # not covered: neither right nor wrong
            a, b, c, d = (index[w] for w in q)
            total += 1
            correct += solve(unit, a, b, c, method) == d
        if total:
            results[section] = (correct, total)
    return results


def accuracy(results: dict[str, tuple[int, int]]) -> float:
    """Overall accuracy: total correct / total questions counted (0.0 if none)."""
    correct = sum(c for c, _ in results.values())
    total = sum(t for _, t in results.values())
    return correct / total if total else 0.0
