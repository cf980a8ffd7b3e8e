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

from collections import Counter

Span = tuple[str, int, int]  # (type, start, end exclusive)


def _split(tag: str) -> tuple[str, str | None]:
    """'B-PER' -> ('B', 'PER'); 'O' -> ('O', None); anything else is an error."""
    if tag == "O":
        return "O", None
    prefix, sep, etype = tag.partition("-")
    if prefix not in ("B", "I") or not sep or not etype:
        raise ValueError(f"not a BIO tag: {tag!r} (expected 'O', 'B-TYPE' or 'I-TYPE')")
    return prefix, etype


def extract_spans(tags: list[str]) -> list[Span]:
    """The entities encoded by BIO/IOB1 tags, read with the CoNLL rules (I- without B- starts an entity)."""
    spans: list[Span] = []
    start, etype = None, None  # the entity being read, if any
    for i, tag in enumerate(tags):
        prefix, t = _split(tag)
        # The open entity ends at O, at any B-, and at a change of type.
        if start is not None and (prefix != "I" or t != etype):
            spans.append((etype, start, i))
            start, etype = None, None
        # A new entity starts at any non-O tag that did not just continue the open one.
        if prefix != "O" and start is None:
            start, etype = i, t
    if start is not None:
        spans.append((etype, start, len(tags)))
    return spans


def spans_to_bio(spans: list[Span], length: int) -> list[str]:
    """BIO tags of the given length for non-overlapping spans (type, start, end exclusive)."""
    tags = ["O"] * length
    for etype, start, end in sorted(spans, key=lambda s: s[1]):
        if not (0 <= start < end <= length) or any(t != "O" for t in tags[start:end]):
            raise ValueError(f"span {(etype, start, end)} is out of range or overlaps another span")
        tags[start] = f"B-{etype}"
        tags[start + 1:end] = [f"I-{etype}"] * (end - start - 1)
    return tags


def iob1_to_bio(tags: list[str]) -> list[str]:
    """IOB1 (B- only between adjacent same-type entities) -> BIO (every entity starts with B-)."""
    return spans_to_bio(extract_spans(tags), len(tags))


def bio_to_iob1(tags: list[str]) -> list[str]:
    """BIO -> IOB1: an entity's first tag is I-, unless the token before it ends an entity of the same type."""
    out = ["O"] * len(tags)
    prev_end, prev_type = None, None
    for etype, start, end in extract_spans(tags):
        adjacent_same = prev_end == start and prev_type == etype
        out[start] = f"B-{etype}" if adjacent_same else f"I-{etype}"
        out[start + 1:end] = [f"I-{etype}"] * (end - start - 1)
        prev_end, prev_type = end, etype
    return out


def bio_to_bioes(tags: list[str]) -> list[str]:
    """BIO -> BIOES: S- for one-token entities; B-, I-..., E- for longer ones."""
    out = ["O"] * len(tags)
    for etype, start, end in extract_spans(tags):
        if end - start == 1:
            out[start] = f"S-{etype}"
        else:
            out[start:end] = [f"B-{etype}"] + [f"I-{etype}"] * (end - start - 2) + [f"E-{etype}"]
    return out


def _check_lengths(true_seqs: list[list[str]], pred_seqs: list[list[str]]) -> None:
    if len(true_seqs) != len(pred_seqs) or any(len(a) != len(b) for a, b in zip(true_seqs, pred_seqs)):
        raise ValueError("true and predicted tag sequences must have the same number of sentences and tokens")


def count_matches(true_seqs: list[list[str]], pred_seqs: list[list[str]]) -> tuple[int, int, int]:
    """(tp, n_pred, n_true) summed over sentences; a match needs the same type, start and end."""
    _check_lengths(true_seqs, pred_seqs)
    tp = n_pred = n_true = 0
    for true, pred in zip(true_seqs, pred_seqs):
        t, p = set(extract_spans(true)), set(extract_spans(pred))
        tp += len(t & p)  # spans are compared per sentence: the same span in two sentences is two entities
        n_pred += len(p)
        n_true += len(t)
    return tp, n_pred, n_true


def _prf(tp: int, n_pred: int, n_true: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def precision_recall_f1(true_seqs: list[list[str]], pred_seqs: list[list[str]]) -> tuple[float, float, float]:
    """Micro-averaged entity-level precision, recall and F1 (0 where a denominator is 0)."""
    return _prf(*count_matches(true_seqs, pred_seqs))


def per_type_scores(true_seqs: list[list[str]],
                    pred_seqs: list[list[str]]) -> dict[str, tuple[float, float, float, int]]:
    """{type: (precision, recall, f1, support)} for every type in either side, sorted by type name."""
    _check_lengths(true_seqs, pred_seqs)
    tp, n_pred, n_true = Counter(), Counter(), Counter()
    for true, pred in zip(true_seqs, pred_seqs):
        t, p = set(extract_spans(true)), set(extract_spans(pred))
        tp.update(s[0] for s in t & p)
        n_pred.update(s[0] for s in p)
        n_true.update(s[0] for s in t)
    types = sorted(set(n_pred) | set(n_true))
    return {e: (*_prf(tp[e], n_pred[e], n_true[e]), n_true[e]) for e in types}
