"""BERT's pre-training data: masked language modelling and next-sentence pairs.

Goal
----
Build the two self-supervised tasks BERT was pre-trained on, from raw token
ids and sentences. You write:

* ``special_tokens_mask``: which positions hold special tokens ([CLS], [SEP],
  [PAD], ...), which must never be masked;
* ``mlm_mask``: BERT's masking rule, driven by a ``torch.Generator``;
* ``build_pair``: the two-segment input [CLS] A [SEP] B [SEP] with its
  ``token_type_ids``;
* ``nsp_pairs``: sentence pairs for next-sentence prediction, half of them
  consecutive, half random.

Why it matters
--------------
Masked language modelling is how encoders (BERT, RoBERTa, MiniLM, ...) learn
from unlabelled text: hide some tokens and predict them from both sides. The
80/10/10 rule exists because [MASK] never appears at fine-tuning time: if the
model only ever had to predict at [MASK] positions it would learn nothing
useful about the other tokens' representations, so some selected tokens are
left alone or replaced by noise and the model must stay alert everywhere.
Labels of -100 are PyTorch's ``ignore_index``: the loss only counts the
selected positions. Next-sentence prediction (later dropped by RoBERTa) is
the source of the [SEP] and segment (token type) machinery every BERT-style
tokenizer still produces.

The maths
---------
MLM, for a batch of ids (B, L) with a boolean special-token mask:

1. select each non-special token independently with probability p = 0.15
   (a Bernoulli draw); special tokens and padding are never selected;
2. of the selected tokens: with probability 0.8 replace by [MASK]; otherwise,
   with probability 0.5 (so 10% overall) replace by a token drawn uniformly
   from 0 .. vocab_size - 1; otherwise (the last 10%) keep it unchanged;
3. labels = the ORIGINAL id at selected positions, -100 everywhere else.

Draw every random number from the ``generator`` argument (torch.rand,
torch.bernoulli and torch.randint all take ``generator=``), so that the same
seed gives the same masking. The input tensor must not be modified.

Two-segment inputs, for sentence ids A = a_1..a_n and B = b_1..b_m (without
special tokens):

    input_ids      = [CLS] a_1 .. a_n [SEP] b_1 .. b_m [SEP]
    token_type_ids =   0    0  ..  0    0    1  ..  1    1

exactly what a BERT tokenizer returns for ``tokenizer(text_a, text_b)``.

NSP pairs, from documents (each a list of sentences, at least 2 documents):
for every document d and every i = 0 .. len(d) - 2, in order, with A = d[i]:
draw u = torch.rand((), generator=generator); if u < 0.5, B = d[i + 1] and
the label is 0 (IsNext); else B is a uniformly random sentence of a uniformly
random OTHER document and the label is 1 (NotNext). (0 = IsNext is Hugging
Face's ``next_sentence_label`` convention.)

API
---
    special_tokens_mask(input_ids (B, L), special_ids)        -> (B, L) bool
    mlm_mask(input_ids (B, L), special_mask (B, L), mask_token_id, vocab_size,
             generator, mlm_probability=0.15)                  -> (masked_ids (B, L), labels (B, L))
    build_pair(ids_a, ids_b, cls_id, sep_id)                   -> (input_ids, token_type_ids), lists of int
    nsp_pairs(documents: list[list[str]], generator)           -> list of (sentence_a, sentence_b, label)

The spec tests with the MiniLM tokenizer of the course's data pack (BERT's
uncased WordPiece vocabulary: [PAD] = 0, [UNK] = 100, [CLS] = 101,
[SEP] = 102, [MASK] = 103, 30522 tokens). To try it yourself:
``AutoTokenizer.from_pretrained(grader.data.path("minilm"))``.

Worked example
--------------
    >>> ids = torch.tensor([[101, 2023, 2003, 102, 0]])
    >>> special_tokens_mask(ids, [0, 101, 102, 103])
    tensor([[ True, False, False,  True,  True]])
    >>> build_pair([7592], [2088, 999], cls_id=101, sep_id=102)
    ([101, 7592, 102, 2088, 999, 102], [0, 0, 0, 1, 1, 1])
    >>> g = torch.Generator().manual_seed(0)
    >>> masked, labels = mlm_mask(ids, special_tokens_mask(ids, [0, 101, 102, 103]), 103, 30522, g, 0.999)
    >>> labels      # both real tokens selected (p = 0.999); the specials never are
    tensor([[-100, 2023, 2003, -100, -100]])

Reference
---------
Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for
Language Understanding" (2019), section 3.1 and appendix A.1; Hugging Face
transformers' ``DataCollatorForLanguageModeling`` (``torch_mask_tokens``).
"""

from __future__ import annotations

import torch
from torch import Tensor


def special_tokens_mask(input_ids: Tensor, special_ids: list[int]) -> Tensor:
    """(B, L) bool: True where input_ids holds one of special_ids."""
    raise NotImplementedError("special_tokens_mask: not written yet")


def mlm_mask(
    input_ids: Tensor,
    special_mask: Tensor,
    mask_token_id: int,
    vocab_size: int,
    generator: torch.Generator,
    mlm_probability: float = 0.15,
) -> tuple[Tensor, Tensor]:
    """BERT's masking: select ~p of the non-special tokens, then 80% [MASK] / 10% random / 10% unchanged.

    Args:
        input_ids: (B, L) token ids (not modified).
        special_mask: (B, L) bool, True at special tokens and padding (never selected).
        mask_token_id: the id of [MASK].
        vocab_size: random replacements are drawn uniformly from 0 .. vocab_size - 1.
        generator: the source of every random draw.
        mlm_probability: the selection probability p.

    Returns:
        (masked_ids, labels), both (B, L) long: labels hold the original ids at selected positions, -100 elsewhere.
    """
    raise NotImplementedError("mlm_mask: not written yet (select, then 80% [MASK] / 10% random / 10% unchanged)")


def build_pair(ids_a: list[int], ids_b: list[int], cls_id: int, sep_id: int) -> tuple[list[int], list[int]]:
    """[CLS] A [SEP] B [SEP] and its token_type_ids (0 for [CLS] A [SEP], 1 for B [SEP])."""
    raise NotImplementedError("build_pair: not written yet")


def nsp_pairs(documents: list[list[str]], generator: torch.Generator) -> list[tuple[str, str, int]]:
    """Next-sentence pairs: for each consecutive (d[i], d[i+1]), keep it (label 0) or swap B for a random sentence of
    another document (label 1), with probability 1/2 each.

    Returns:
        One (sentence_a, sentence_b, label) per consecutive pair, documents and sentences in order.
    """
    raise NotImplementedError("nsp_pairs: not written yet")
