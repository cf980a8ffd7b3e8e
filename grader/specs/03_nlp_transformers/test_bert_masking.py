"""Spec for 03_nlp_transformers/bert_masking.py: MLM masking (invariants and proportions) and NSP pairs, with MiniLM's
tokenizer as the oracle for special tokens and segment ids."""

from __future__ import annotations

import math

import pytest
import torch

from grader.testing import assert_equal, check

PAD, CLS, SEP, MASK, VOCAB = 0, 101, 102, 103, 30522
SPECIALS = [0, 100, 101, 102, 103]
RULE_HINT = ("of the selected tokens, 80% become [MASK]; of the other 20%, half (10% overall) become a random id in "
             "0..vocab_size-1 and half stay unchanged")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _batch(seed: int, B: int, L: int = 128) -> torch.Tensor:
    """Synthetic BERT inputs: [CLS] words [SEP] [PAD]..., lengths between L/2 and L."""
    g = _gen(seed + 1000)
    ids = torch.randint(1000, VOCAB, (B, L), generator=g)
    lengths = torch.randint(L // 2, L + 1, (B,), generator=g)
    ids[:, 0] = CLS
    for b, n in enumerate(lengths.tolist()):
        ids[b, n - 1] = SEP
        ids[b, n:] = PAD
    return ids


def _within(observed: float, p: float, n: int, what: str, hint: str, z: float = 5.0) -> None:
    """A proportion observed over n Bernoulli(p) trials must lie within z standard errors of p."""
    tol = z * math.sqrt(p * (1 - p) / n)
    check(abs(observed - p) <= tol,
          f"{what} is {observed:.4f} over n = {n}; expected {p} +- {tol:.4f} ({z:g} standard errors).", hint=hint)


def test_special_tokens_mask_by_hand(learner):
    """special_tokens_mask marks [CLS], [SEP], [PAD] and [MASK] (ids 101, 102, 0, 103) and nothing else."""
    ids = torch.tensor([[101, 2023, 2003, 102, 0], [101, 103, 102, 0, 0]])
    assert_equal(learner.special_tokens_mask(ids, SPECIALS),
                 torch.tensor([[True, False, False, True, True], [True, True, True, True, True]]),
                 name="special_tokens_mask(ids, specials)", hint="True wherever the id is one of special_ids")


def test_build_pair_by_hand(learner):
    """build_pair([7592], [2088, 999]) is [CLS] 7592 [SEP] 2088 999 [SEP] with token types [0, 0, 0, 1, 1, 1]; an
    empty B gives [CLS] A [SEP] [SEP]."""
    input_ids, types = learner.build_pair([7592], [2088, 999], cls_id=CLS, sep_id=SEP)
    assert_equal(list(input_ids), [101, 7592, 102, 2088, 999, 102], name="build_pair input_ids",
                 hint="[CLS] A [SEP] B [SEP]")
    assert_equal(list(types), [0, 0, 0, 1, 1, 1], name="build_pair token_type_ids",
                 hint="segment 0 covers [CLS], A and the first [SEP]; segment 1 covers B and the final [SEP]")
    input_ids, types = learner.build_pair([5, 6], [], cls_id=CLS, sep_id=SEP)
    assert_equal((list(input_ids), list(types)), ([101, 5, 6, 102, 102], [0, 0, 0, 0, 1]),
                 name="build_pair([5, 6], [])", hint="the final [SEP] belongs to segment 1 even when B is empty")


def test_mlm_extremes(learner):
    """mlm_probability=0, or a batch of only special tokens, selects nothing (labels all -100, ids unchanged);
    mlm_probability=1 selects every non-special token and no special one."""
    ids = _batch(0, 4, L=16)
    special = torch.isin(ids, torch.tensor(SPECIALS))
    cases = (("mlm_probability=0", 0.0, special, "labels are -100 wherever nothing was selected"),
             ("an all-special batch", 0.15, torch.ones_like(special),
              "special tokens are never selected: set their selection probability to 0 (special_mask)"))
    for name, p, sp, hint in cases:
        masked, labels = learner.mlm_mask(ids, sp, MASK, VOCAB, _gen(0), mlm_probability=p)
        assert_equal(labels, torch.full_like(ids, -100), name=f"labels with {name}", hint=hint)
        assert_equal(masked, ids, name=f"masked_ids with {name}", hint="nothing selected means nothing changes")
    _, labels = learner.mlm_mask(ids, special, MASK, VOCAB, _gen(0), mlm_probability=1.0)
    assert_equal(labels != -100, ~special, name="selected positions with mlm_probability=1",
                 hint="select each token with probability mlm_probability, except special tokens (probability 0)")


def test_mlm_invariants(learner, seed):
    """mlm_mask leaves its input untouched; labels are -100 except at selected positions, where they hold the
    ORIGINAL id; unselected tokens and all special tokens/padding are unchanged; the same seed gives the same result."""
    ids = _batch(seed, 32)
    original = ids.clone()
    special = torch.isin(ids, torch.tensor(SPECIALS))
    masked, labels = learner.mlm_mask(ids, special, MASK, VOCAB, _gen(seed))
    assert_equal(ids, original, name="input_ids after mlm_mask", hint="clone the ids before writing into them")
    check(masked.shape == ids.shape and labels.shape == ids.shape,
          f"shapes {tuple(masked.shape)}, {tuple(labels.shape)}; expected {tuple(ids.shape)} for both.")
    selected = labels != -100
    check(bool(selected.any()), "no token was selected.", hint="select each non-special token with probability 0.15")
    check(not bool((selected & special).any()),
          f"{int((selected & special).sum())} special or padding positions were selected for prediction.",
          hint="set the selection probability to 0 where special_mask is True ([CLS], [SEP], [PAD] are never masked)")
    assert_equal(labels[selected], original[selected], name="labels at selected positions",
                 hint="labels hold the ORIGINAL token (taken before any replacement), so the model learns to "
                      "recover it")
    assert_equal(masked[~selected], original[~selected], name="masked_ids at unselected positions",
                 hint="only selected tokens may change; labels are -100 (ignored) everywhere else")
    again = learner.mlm_mask(ids, special, MASK, VOCAB, _gen(seed))
    assert_equal(again[0], masked, name="masked_ids with the same seed",
                 hint="draw every random number from the generator argument (generator=generator)")
    other = learner.mlm_mask(ids, special, MASK, VOCAB, _gen(seed + 1))
    check(not torch.equal(other[1], labels), "two different seeds selected exactly the same tokens.",
          hint="draw the selection from the generator argument")


@pytest.mark.points(2)
def test_mlm_proportions(learner, seed):
    """Over ~20k tokens: ~15% of non-special tokens are selected; of those ~80% become [MASK], ~10% a random id
    (uniform over the vocabulary) and ~10% stay unchanged (each within 5 standard errors); mlm_probability=0.3 is
    honoured."""
    ids = _batch(seed, 200)
    special = torch.isin(ids, torch.tensor(SPECIALS))
    masked, labels = learner.mlm_mask(ids, special, MASK, VOCAB, _gen(seed))
    n = int((~special).sum())
    selected = labels != -100
    k = int(selected.sum())
    _within(k / n, 0.15, n, "the fraction of non-special tokens selected",
            "select each NON-special token independently with probability mlm_probability (torch.bernoulli)")
    to_mask = selected & (masked == MASK)
    unchanged = selected & (masked == ids)
    rand = selected & ~to_mask & ~unchanged
    _within(int(to_mask.sum()) / k, 0.8, k, "the fraction of selected tokens replaced by [MASK]", RULE_HINT)
    _within(int(rand.sum()) / k, 0.1, k, "the fraction of selected tokens replaced by a random token", RULE_HINT)
    _within(int(unchanged.sum()) / k, 0.1, k, "the fraction of selected tokens left unchanged", RULE_HINT)
    r = masked[rand].double()
    if len(r) > 30:
        tol = 5 * VOCAB / math.sqrt(12 * len(r))
        check(abs(float(r.mean()) - VOCAB / 2) <= tol,
              f"random replacements have mean id {float(r.mean()):.0f}; uniform over 0..{VOCAB - 1} gives "
              f"{VOCAB / 2:.0f} +- {tol:.0f}.", hint="draw random ids with torch.randint(vocab_size, ...)")
    _, labels = learner.mlm_mask(ids, special, MASK, VOCAB, _gen(seed), mlm_probability=0.3)
    _within(int((labels != -100).sum()) / n, 0.3, n, "the fraction selected with mlm_probability=0.3",
            "use the mlm_probability argument")


DOCS = [[f"doc{d} sentence {i}." for i in range(n)] for d, n in enumerate([6, 3, 9, 2, 5, 7, 4, 8, 6, 5, 7, 3])]


def test_nsp_pairs(learner, seed):
    """nsp_pairs gives one pair per consecutive sentence pair, in order; label 0 pairs are (d[i], d[i+1]); label 1
    pairs take B from another document; ~half are IsNext; the same seed gives the same pairs."""
    pairs = learner.nsp_pairs(DOCS, _gen(seed))
    expected_a = [doc[i] for doc in DOCS for i in range(len(doc) - 1)]
    check(len(pairs) == len(expected_a), f"nsp_pairs returned {len(pairs)} pairs; expected {len(expected_a)} "
                                         "(one per consecutive sentence pair).",
          hint="for every document d and every i in 0..len(d)-2, make one pair with A = d[i]")
    assert_equal([p[0] for p in pairs], expected_a, name="sentence A of each pair",
                 hint="walk the documents and sentences in order")
    where = {s: d for d, doc in enumerate(DOCS) for s in doc}
    for a, b, label in pairs:
        check(label in (0, 1), f"label {label!r} for ({a!r}, {b!r}); labels are 0 (IsNext) or 1 (NotNext).")
        d = where[a]
        i = DOCS[d].index(a)
        if label == 0:
            check(b == DOCS[d][i + 1], f"({a!r}, {b!r}) is labelled 0 (IsNext) but B is not the next sentence.",
                  hint="label 0 = IsNext (B = d[i + 1]), label 1 = NotNext: Hugging Face's next_sentence_label")
        else:
            check(where[b] != d, f"({a!r}, {b!r}) is labelled 1 (NotNext) but B comes from the same document.",
                  hint="draw the random sentence from a different document, or it may be the true next sentence")
    n = len(pairs)
    _within(sum(p[2] == 0 for p in pairs) / n, 0.5, n, "the fraction of IsNext pairs",
            "keep the true next sentence with probability 1/2 (torch.rand((), generator=generator) < 0.5)")
    assert_equal(learner.nsp_pairs(DOCS, _gen(seed)), pairs, name="nsp_pairs with the same seed",
                 hint="draw every random number from the generator argument")


@pytest.fixture(scope="module")
def tokenizer():
    """MiniLM's WordPiece tokenizer (the Rust `tokenizers` object behind transformers' BertTokenizerFast), unpadded."""
    from tokenizers import Tokenizer

    from grader import data

    tok = Tokenizer.from_file(str(data.path("minilm") / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


@pytest.mark.points(2)
def test_with_minilm_tokenizer(learner, tokenizer, seed):
    """With MiniLM's tokenizer: build_pair equals the tokenizer's own encoding of (a, b) (ids and type ids),
    special_tokens_mask equals the tokenizer's, and MLM on a padded batch of real sentences never touches
    [CLS], [SEP] or [PAD]."""
    cls_id, sep_id, pad_id = (tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]"))
    mask_id = tokenizer.token_to_id("[MASK]")
    special_ids = [tokenizer.token_to_id(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    pairs = [("The cat sat on the mat.", "It was very comfortable."),
             ("Transformers use attention.", "Tokenizers split words into word pieces like unbelievable."),
             ("A", "B")]
    for a, b in pairs:
        ref = tokenizer.encode(a, b)
        ids_a = tokenizer.encode(a, add_special_tokens=False).ids
        ids_b = tokenizer.encode(b, add_special_tokens=False).ids
        input_ids, types = learner.build_pair(ids_a, ids_b, cls_id, sep_id)
        assert_equal(list(input_ids), ref.ids, name=f"build_pair for ({a!r}, {b!r})", hint="[CLS] A [SEP] B [SEP]")
        assert_equal(list(types), ref.type_ids, name=f"token_type_ids for ({a!r}, {b!r})",
                     hint="0 for [CLS] A [SEP], 1 for B [SEP]")

    tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
    try:
        encs = tokenizer.encode_batch([a + " " + b for a, b in pairs] * 20)
    finally:
        tokenizer.no_padding()
    ids = torch.tensor([e.ids for e in encs])
    special = learner.special_tokens_mask(ids, special_ids)
    ref_special = torch.tensor([e.special_tokens_mask for e in encs], dtype=torch.bool)
    assert_equal(special, ref_special, name="special_tokens_mask vs the tokenizer's",
                 hint="True wherever the id is in special_ids")
    masked, labels = learner.mlm_mask(ids, special, mask_id, tokenizer.get_vocab_size(), _gen(seed))
    for name, tid in (("[CLS]", cls_id), ("[SEP]", sep_id), ("[PAD]", pad_id)):
        where = ids == tid
        check(bool((labels[where] == -100).all()) and bool((masked[where] == tid).all()),
              f"some {name} tokens were selected or replaced.", hint="special tokens and padding are never masked")
    check(bool((labels != -100).any()), "no token was selected in a batch of real sentences.")
