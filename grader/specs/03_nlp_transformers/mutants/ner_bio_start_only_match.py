"""Mutant: a predicted entity counts as correct when its type and start match, whatever its end."""

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
        tp += len({s[:2] for s in t} & {s[:2] for s in p})
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
