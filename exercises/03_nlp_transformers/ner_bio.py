"""Named entity recognition utilities: BIO tags, entity spans, entity-level F1.

Goal
----
A named entity recognizer labels every token with a tag such as B-PER
(Beginning of a PERson), I-PER (Inside it) or O (Outside any entity). Models
are trained on tags but judged on *entities*. You write:

* ``extract_spans``: the entities (type, start, end) that a tag sequence
  encodes, reading malformed sequences the way the CoNLL evaluation script
  does;
* ``spans_to_bio``: the reverse;
* scheme conversions: ``iob1_to_bio``, ``bio_to_iob1``, ``bio_to_bioes``;
* entity-level scoring: ``count_matches``, ``precision_recall_f1`` and
  ``per_type_scores``, where an entity counts only if its type AND both
  boundaries are exactly right.

Why it matters
--------------
Token accuracy flatters a tagger: in "Barack Obama visited Paris" tagged
B-PER O O B-LOC, 3 of 4 tokens are right, but one of the two entities is
wrong, and with most tokens O, a model that predicts O everywhere scores 90%.
The CoNLL-2003 shared task (and seqeval, which every Hugging Face token-
classification example uses) reports entity-level precision, recall and F1
instead. Models also emit ill-formed sequences (I-LOC after O, I-PER right
after I-ORG), so the decoder must decide what they mean; the CoNLL rules are
the standard answer.

The schemes
-----------
Tags are "O", "B-TYPE" or "I-TYPE" (TYPE any non-empty string without
changing the prefix: "B-MISC", "I-PER"). Anything else raises ValueError.

* BIO (also called IOB2): every entity starts with B-; later tokens are I-.
      Alex/B-PER Smith/I-PER lives/O in/O New/B-LOC York/I-LOC
* IOB1: I- everywhere; B- only for the first token of an entity that directly
  follows another entity of the SAME type.
      Alex/I-PER Smith/I-PER and/O Bo/I-PER Li/I-PER  (no B- needed)
      Alex/I-PER Bo/B-PER                             (two adjacent persons)
* BIOES (IOBES): B- begin, I- inside, E- end of a multi-token entity, S- a
  single-token entity:  New/B-LOC York/E-LOC is/O big/O ,/O Paris/S-LOC

Reading tags as entities (the CoNLL / seqeval default rules), for tags
t_0..t_{n-1}: an entity STARTS at token i when t_i is not O and

    t_i is B-X, or i = 0, or t_{i-1} is O, or t_{i-1}'s type differs from X;

it continues through the following tokens that are I-X with the same type X,
and ends before the first token that is O, a B-, or a different type. So
"I-LOC I-LOC" (no B-) is one LOC entity, "B-PER I-LOC" is a PER and a LOC,
and "B-PER B-PER" is two persons. Spans are (type, start, end) with end
EXCLUSIVE, in order of start.

Scoring. Over all sentences, with predicted and true spans compared as sets
per sentence:

    tp = number of predicted spans that are exactly a true span (type, start, end)
    precision = tp / #predicted   (0 if nothing is predicted)
    recall    = tp / #true        (0 if there is nothing to find)
    F1        = 2 P R / (P + R)   (0 if P + R = 0)

These are micro-averages: the counts are summed over all sentences first.
``per_type_scores`` does the same per entity type and adds the support (the
number of true entities of that type), for every type seen in either side.
Sentences must have equal lengths in both inputs (ValueError otherwise).

API
---
    extract_spans(tags)                       -> list[(type, start, end)]
    spans_to_bio(spans, length)               -> list[str]   (ValueError if spans overlap)
    iob1_to_bio(tags), bio_to_iob1(tags)      -> list[str]
    bio_to_bioes(tags)                        -> list[str]
    count_matches(true_seqs, pred_seqs)       -> (tp, n_pred, n_true)
    precision_recall_f1(true_seqs, pred_seqs) -> (precision, recall, f1)
    per_type_scores(true_seqs, pred_seqs)     -> {type: (precision, recall, f1, support)}, sorted by type

Worked example
--------------
    >>> extract_spans(["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"])
    [('PER', 0, 2), ('LOC', 3, 5), ('LOC', 5, 6), ('ORG', 6, 7)]
    >>> iob1_to_bio(["I-PER", "I-PER", "O", "I-LOC", "B-LOC"])
    ['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC']
    >>> bio_to_bioes(["B-LOC", "I-LOC", "O", "B-PER"])
    ['B-LOC', 'E-LOC', 'O', 'S-PER']
    >>> true = [["B-PER", "I-PER", "O", "B-LOC"]]
    >>> pred = [["B-PER", "O", "O", "B-LOC"]]       # PER's boundary is wrong
    >>> count_matches(true, pred), precision_recall_f1(true, pred)
    ((1, 2, 2), (0.5, 0.5, 0.5))

Reference
---------
Tjong Kim Sang & De Meulder (2003), "Introduction to the CoNLL-2003 shared
task: language-independent named entity recognition" (and its conlleval
script); Ramshaw & Marcus (1995) for IOB; seqeval
(https://github.com/chakki-works/seqeval), the metric behind Hugging Face's
token-classification examples; Jurafsky & Martin, ch. 8.3.
"""

from __future__ import annotations

Span = tuple[str, int, int]  # (type, start, end exclusive)


def extract_spans(tags: list[str]) -> list[Span]:
    """The entities encoded by BIO/IOB1 tags, read with the CoNLL rules (I- without B- starts an entity).

    Raises:
        ValueError: for a tag that is not "O", "B-TYPE" or "I-TYPE".
    """
    raise NotImplementedError("extract_spans: not written yet")


def spans_to_bio(spans: list[Span], length: int) -> list[str]:
    """BIO tags of the given length for non-overlapping spans (type, start, end exclusive); ValueError on overlap."""
    raise NotImplementedError("spans_to_bio: not written yet")


def iob1_to_bio(tags: list[str]) -> list[str]:
    """IOB1 (B- only between adjacent same-type entities) -> BIO (every entity starts with B-)."""
    raise NotImplementedError("iob1_to_bio: not written yet")


def bio_to_iob1(tags: list[str]) -> list[str]:
    """BIO -> IOB1: an entity's first tag is I-, unless the token before it ends an entity of the same type."""
    raise NotImplementedError("bio_to_iob1: not written yet")


def bio_to_bioes(tags: list[str]) -> list[str]:
    """BIO -> BIOES: S- for one-token entities; B-, I-..., E- for longer ones."""
    raise NotImplementedError("bio_to_bioes: not written yet")


def count_matches(true_seqs: list[list[str]], pred_seqs: list[list[str]]) -> tuple[int, int, int]:
    """(tp, n_pred, n_true) summed over sentences; a match needs the same type, start and end.

    Raises:
        ValueError: if the sentence counts or any sentence lengths differ.
    """
    raise NotImplementedError("count_matches: not written yet")


def precision_recall_f1(true_seqs: list[list[str]], pred_seqs: list[list[str]]) -> tuple[float, float, float]:
    """Micro-averaged entity-level precision, recall and F1 (0 where a denominator is 0)."""
    raise NotImplementedError("precision_recall_f1: not written yet")


def per_type_scores(true_seqs: list[list[str]],
                    pred_seqs: list[list[str]]) -> dict[str, tuple[float, float, float, int]]:
    """{type: (precision, recall, f1, support)} for every type in either side, sorted by type name."""
    raise NotImplementedError("per_type_scores: not written yet")
