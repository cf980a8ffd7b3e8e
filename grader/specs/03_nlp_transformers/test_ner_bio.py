"""Spec for 03_nlp_transformers/ner_bio.py: BIO/IOB1/BIOES tags, CoNLL span reading, entity-level P/R/F1."""

from __future__ import annotations

import pytest
from nltk.chunk import conlltags2tree
from nltk.chunk.util import ChunkScore

from grader.testing import assert_close, assert_equal, check

SPAN_HINT = ("an entity starts at a non-O tag that is B-, or follows O, or follows a tag of another type (so an I- with "
             "no B- before it still starts an entity); it continues over I- tags of the SAME type and ends before O, "
             "B- or a type change; spans are (type, start, end) with end exclusive")
MATCH_HINT = ("an entity is correct only if type, start AND end all match; count tp, #predicted and #true per sentence "
              "and sum them over sentences BEFORE dividing (micro-average)")

TYPES = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG", "B-MISC"]


def _spans(learner, tags):
    return [tuple(s) for s in learner.extract_spans(list(tags))]


def _nltk_spans(tags):
    tree = conlltags2tree([(str(i), "X", t) for i, t in enumerate(tags)])
    out, i = [], 0
    for node in tree:
        if hasattr(node, "label"):
            out.append((node.label(), i, i + len(node)))
            i += len(node)
        else:
            i += 1
    return out


def _random_tags(rng, n):
    return [str(t) for t in rng.choice(TYPES, size=n)]


@pytest.mark.parametrize("tags, expected", [
    (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 2), ("LOC", 3, 4)]),
    (["O", "I-LOC", "I-LOC", "O"], [("LOC", 1, 3)]),
    (["I-PER"], [("PER", 0, 1)]),
    (["B-PER", "I-LOC", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 3)]),
    (["B-PER", "B-PER", "I-PER"], [("PER", 0, 1), ("PER", 1, 3)]),
    (["I-ORG", "B-ORG", "I-ORG", "I-MISC", "O", "B-MISC"], [("ORG", 0, 1), ("ORG", 1, 3), ("MISC", 3, 4),
                                                            ("MISC", 5, 6)]),
    (["O", "O"], []),
    ([], []),
    (["B-PER", "I-PER", "I-PER"], [("PER", 0, 3)]),
])
def test_extract_spans_by_hand(learner, tags, expected):
    """extract_spans follows the CoNLL rules: I- without B- starts an entity, a type change or a B- ends one."""
    assert_equal(_spans(learner, tags), expected, name=f"extract_spans({tags})", hint=SPAN_HINT)


def test_invalid_tags_raise(learner):
    """Tags other than 'O', 'B-TYPE', 'I-TYPE' raise ValueError (E-PER, b-PER, I_PER, B-, X)."""
    for bad in ["X", "B-", "E-PER", "b-PER", "I_PER", "", "S-LOC"]:
        with pytest.raises(ValueError):
            learner.extract_spans(["O", bad])


def test_spans_to_bio(learner):
    """spans_to_bio writes B- then I-...; it round-trips with extract_spans; overlapping spans raise ValueError."""
    assert_equal(list(learner.spans_to_bio([("LOC", 3, 5), ("PER", 0, 1), ("PER", 1, 3)], 6)),
                 ["B-PER", "B-PER", "I-PER", "B-LOC", "I-LOC", "O"], name="spans_to_bio([...], 6)",
                 hint="every span gets B- on its first token and I- on the rest; end is exclusive")
    assert_equal(list(learner.spans_to_bio([], 3)), ["O", "O", "O"], name="spans_to_bio([], 3)", hint="all O")
    with pytest.raises(ValueError):
        learner.spans_to_bio([("PER", 0, 2), ("LOC", 1, 3)], 4)


def test_scheme_conversions_by_hand(learner):
    """iob1_to_bio, bio_to_iob1 and bio_to_bioes on hand-checked sequences."""
    cases = [
        ("iob1_to_bio", ["I-PER", "I-PER", "O", "I-LOC", "B-LOC"], ["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]),
        ("iob1_to_bio", ["I-PER", "I-LOC", "O"], ["B-PER", "B-LOC", "O"]),
        ("bio_to_iob1", ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-PER"],
         ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-PER"]),
        ("bio_to_iob1", ["B-PER", "B-LOC"], ["I-PER", "I-LOC"]),
        ("bio_to_bioes", ["B-LOC", "I-LOC", "O", "B-PER"], ["B-LOC", "E-LOC", "O", "S-PER"]),
        ("bio_to_bioes", ["B-ORG", "I-ORG", "I-ORG", "B-ORG", "I-MISC"], ["B-ORG", "I-ORG", "E-ORG", "S-ORG", "S-MISC"]),
        ("bio_to_bioes", [], []),
    ]
    hints = {"iob1_to_bio": "read the entities with the CoNLL rules and write each one as B- then I-",
             "bio_to_iob1": "an entity starts with I- unless the entity just before it (ending at the previous token) "
                            "has the same type, in which case it starts with B-",
             "bio_to_bioes": "one-token entities become S-; longer ones B-, I-..., E- on the last token"}
    for fn, tags, expected in cases:
        assert_equal(list(getattr(learner, fn)(tags)), expected, name=f"{fn}({tags})", hint=hints[fn])


def test_scores_by_hand(learner):
    """3 sentences with hand-counted entities: tp = 1, 4 predicted, 3 true, so P = 1/4, R = 1/3, F1 = 2/7; per type
    LOC (0, 0, 0, 1), MISC (0, 0, 0, 0), ORG (0, 0, 0, 1), PER (1, 1, 1, 1)."""
    true = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG", "I-ORG", "I-ORG"], ["O", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG", "I-ORG", "O"], ["B-MISC", "O"]]
    assert_equal(tuple(int(x) for x in learner.count_matches(true, pred)), (1, 4, 3), name="count_matches",
                 hint=MATCH_HINT + " (ORG 1-3 vs true ORG 1-4 is a boundary error; B-ORG at 3 has the wrong type)")
    assert_close(learner.precision_recall_f1(true, pred), (0.25, 1 / 3, 2 / 7), atol=1e-12,
                 name="precision_recall_f1", hint=MATCH_HINT)
    got = learner.per_type_scores(true, pred)
    check(list(got) == ["LOC", "MISC", "ORG", "PER"], f"per_type_scores keys {list(got)}",
          hint="every type that appears in the true OR the predicted tags, sorted")
    for etype, expected in {"LOC": (0, 0, 0, 1), "MISC": (0, 0, 0, 0), "ORG": (0, 0, 0, 1), "PER": (1, 1, 1, 1)}.items():
        assert_close(got[etype], expected, atol=1e-12, name=f"per_type_scores[{etype!r}]",
                     hint="(precision, recall, f1, support) per type, 0 where a denominator is 0; support = #true")


def test_scores_edge_cases(learner):
    """Same span in two sentences counts twice; all-O prediction gives F1 0 despite 90% token accuracy; nothing to
    find and nothing predicted gives (0, 0, 0); perfect prediction gives 1; length mismatches raise ValueError."""
    assert_equal(tuple(int(x) for x in learner.count_matches([["B-PER"], ["B-PER"]], [["B-PER"], ["O"]])), (1, 1, 2),
                 name="count_matches([[B-PER],[B-PER]], [[B-PER],[O]])",
                 hint="compare spans sentence by sentence: two sentences with PER at 0 are two entities")
    true = [["O"] * 9 + ["B-LOC"]]
    assert_close(learner.precision_recall_f1(true, [["O"] * 10]), (0.0, 0.0, 0.0), atol=0,
                 name="all-O prediction", hint="no prediction: precision is 0 (not nan), recall 0, F1 0")
    assert_close(learner.precision_recall_f1([["O", "O"]], [["O", "O"]]), (0.0, 0.0, 0.0), atol=0,
                 name="no entities anywhere", hint="0 where a denominator is 0, never a ZeroDivisionError")
    seqs = [["B-PER", "I-PER", "O"], ["I-LOC", "B-LOC"]]
    assert_close(learner.precision_recall_f1(seqs, [list(s) for s in seqs]), (1.0, 1.0, 1.0), atol=1e-12,
                 name="perfect prediction", hint=MATCH_HINT)
    with pytest.raises(ValueError):
        learner.count_matches([["O", "O"]], [["O"]])
    with pytest.raises(ValueError):
        learner.precision_recall_f1([["O"], ["O"]], [["O"]])


def test_conversion_properties(learner, rng):
    """On random tag sequences: iob1_to_bio keeps the entities and is idempotent; bio_to_iob1 then iob1_to_bio is the
    identity on BIO; bio_to_bioes has one S- or B- per entity; spans_to_bio(extract_spans(x)) == iob1_to_bio(x)."""
    for _ in range(200):
        tags = _random_tags(rng, int(rng.integers(0, 12)))
        spans = _spans(learner, tags)
        bio = list(learner.iob1_to_bio(tags))
        check(_spans(learner, bio) == spans, f"iob1_to_bio({tags}) = {bio} changes the entities",
              hint="convert by reading the entities and writing them back as BIO")
        check(list(learner.iob1_to_bio(bio)) == bio, f"iob1_to_bio is not idempotent on {bio}", hint=SPAN_HINT)
        check(list(learner.spans_to_bio(spans, len(tags))) == bio, f"spans_to_bio(extract_spans({tags})) != {bio}",
              hint="both must write each entity as B- then I-")
        back = list(learner.iob1_to_bio(learner.bio_to_iob1(bio)))
        check(back == bio, f"iob1_to_bio(bio_to_iob1({bio})) = {back}",
              hint="bio_to_iob1 keeps B- only where an entity directly follows one of the same type")
        bioes = list(learner.bio_to_bioes(bio))
        check(sum(t[:1] in "BS" and t != "O" for t in bioes) == len(spans),
              f"bio_to_bioes({bio}) = {bioes}: expected one B- or S- per entity ({len(spans)})",
              hint="S- for single-token entities, B- ... E- for longer ones")


@pytest.mark.points(2)
def test_matches_nltk_conll_reading_and_chunkscore(learner, rng):
    """On random (partly malformed) tag sequences, extract_spans equals nltk's conlltags2tree reading, and
    precision/recall/F1 over 40 random sentence pairs equal nltk's ChunkScore."""
    for _ in range(300):
        tags = _random_tags(rng, int(rng.integers(0, 14)))
        assert_equal(_spans(learner, tags), _nltk_spans(tags), name=f"extract_spans({tags})", hint=SPAN_HINT)
    for _ in range(5):
        score, true_seqs, pred_seqs = ChunkScore(), [], []
        for _ in range(40):
            n = int(rng.integers(1, 12))
            t, p = _random_tags(rng, n), _random_tags(rng, n)
            true_seqs.append(t)
            pred_seqs.append(p)
            score.score(conlltags2tree([(str(i), "X", g) for i, g in enumerate(t)]),
                        conlltags2tree([(str(i), "X", g) for i, g in enumerate(p)]))
        assert_close(learner.precision_recall_f1(true_seqs, pred_seqs),
                     (score.precision(), score.recall(), score.f_measure()), atol=1e-12,
                     name="precision_recall_f1 vs nltk ChunkScore", hint=MATCH_HINT)
