"""Masks, teacher forcing and label-smoothed cross-entropy for sequence models.

Goal
----
The plumbing around a transformer decoder, where most of the silent bugs
live. You write:

* ``causal_mask``: which keys each position may see (itself and the past);
* ``padding_mask``: which tokens are real and which are padding;
* ``to_additive``: a boolean mask as 0 / -inf to add to the scores;
* ``combine_masks``: a causal mask and a padding mask as one (B, 1, L, L) mask;
* ``teacher_forcing``: decoder inputs and labels from target sequences;
* ``label_smoothed_cross_entropy``: the training loss, equal to
  ``F.cross_entropy(logits, targets, label_smoothing=eps, ignore_index=...)``.

Why it matters
--------------
A causal mask that is off by one either lets the model read the token it must
predict (a perfect, useless training loss) or hides the current token from
itself. Padding that is not masked lets real tokens attend to garbage, and
padding that is not ignored in the loss trains the model to predict pad.
Teacher forcing feeds the model the true previous token at every step, so a
whole sequence trains in one parallel pass; the inputs and labels are the
same sequence shifted by one. Label smoothing (Szegedy et al. 2016, used by
the original Transformer with eps = 0.1) keeps the model from becoming
over-confident.

The maths
---------
Boolean masks here use ``F.scaled_dot_product_attention``'s convention:
True = may attend / is a real token.

    causal_mask(L)[i, j] = (j <= i)          position i sees 0..i, itself included
    padding_mask(ids, pad_id)[b, t] = ids[b, t] != pad_id
    to_additive(mask)   = 0.0 where True, -inf where False (float32)
    combine_masks(causal (L, L), padding (B, L))[b, 0, i, j] = causal[i, j] and padding[b, j]

(the padding mask masks KEYS: a real query must not read a padded key.
Padded queries still get a row; their outputs are ignored by the loss.)

Teacher forcing, for a target sequence y_1 .. y_n (without BOS/EOS):

    decoder input:  BOS  y_1  y_2 ... y_n            length n + 1
    labels:         y_1  y_2  ...  y_n  EOS          length n + 1

so at step t the model has seen BOS, y_1..y_{t-1} and must predict y_t.
A batch is right-padded to the longest sequence: inputs with pad_id, labels
with ignore_index (-100 by default), so padding never counts in the loss.

Label-smoothed cross-entropy with C classes, smoothing eps, target c:

    q_k = (1 - eps) [k == c] + eps / C            (the uniform part includes c)
    loss = -sum_k q_k log p_k,   log p = log_softmax(logits)
         = (1 - eps) * (-log p_c) + eps * mean_k(-log p_k)

averaged over the targets that are not ignore_index. Compute log p with a
stable log-softmax (logits - logsumexp), never log(softmax), which gives
log(0) = -inf for logits that differ by more than ~100.

API
---
    causal_mask(L)                                   -> (L, L) bool
    padding_mask(ids (B, L), pad_id)                 -> (B, L) bool
    to_additive(mask, dtype=torch.float32)           -> float mask of the same shape
    combine_masks(causal (L, L), padding (B, L))     -> (B, 1, L, L) bool
    teacher_forcing(sequences: list[list[int]], bos_id, eos_id, pad_id, ignore_index=-100)
                                                     -> (inputs (B, T), labels (B, T)) long, T = max n + 1
    label_smoothed_cross_entropy(logits (..., C), targets (...), eps=0.0, ignore_index=-100)
                                                     -> scalar tensor

Worked example
--------------
    >>> causal_mask(3)
    tensor([[ True, False, False],
            [ True,  True, False],
            [ True,  True,  True]])
    >>> teacher_forcing([[5, 6, 7], [8]], bos_id=1, eos_id=2, pad_id=0)
    (tensor([[1, 5, 6, 7],
             [1, 8, 0, 0]]),
     tensor([[   5,    6,    7,    2],
             [   8,    2, -100, -100]]))
    >>> label_smoothed_cross_entropy(torch.tensor([[math.log(3.0), 0.0]]), torch.tensor([0]), eps=0.2)
    tensor(0.3975)      # q = [0.9, 0.1], p = [0.75, 0.25]: -(0.9 log 0.75 + 0.1 log 0.25)

Reference
---------
Vaswani et al., "Attention Is All You Need" (2017), sections 3.2.3 and 5.4;
Szegedy et al., "Rethinking the Inception Architecture" (2016), section 7
(label smoothing); the PyTorch docs of ``torch.nn.functional.cross_entropy``
(``ignore_index``, ``label_smoothing``) and ``scaled_dot_product_attention``.
"""

from __future__ import annotations

import torch
from torch import Tensor


def causal_mask(L: int) -> Tensor:
    """(L, L) bool: True at [i, j] when j <= i (position i sees 0..i)."""
    raise NotImplementedError("causal_mask: not written yet (position i sees 0..i)")


def padding_mask(ids: Tensor, pad_id: int) -> Tensor:
    """(B, L) bool: True at real tokens, False at pad_id."""
    raise NotImplementedError("padding_mask: not written yet")


def to_additive(mask: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """A boolean mask as an additive one: 0.0 where True, -inf where False, in the given dtype."""
    raise NotImplementedError("to_additive: not written yet")


def combine_masks(causal: Tensor, padding: Tensor) -> Tensor:
    """(L, L) causal and (B, L) padding masks -> (B, 1, L, L): allowed iff causal[i, j] and padding[b, j]."""
    raise NotImplementedError("combine_masks: not written yet")


def teacher_forcing(
    sequences: list[list[int]], bos_id: int, eos_id: int, pad_id: int, ignore_index: int = -100
) -> tuple[Tensor, Tensor]:
    """Decoder inputs [BOS, y_1..y_n] and labels [y_1..y_n, EOS], right-padded to the longest.

    Args:
        sequences: B target sequences of token ids, without BOS/EOS (possibly empty).

    Returns:
        (inputs, labels), each (B, max n + 1) long: inputs padded with pad_id, labels with ignore_index.
    """
    raise NotImplementedError("teacher_forcing: not written yet")


def label_smoothed_cross_entropy(
    logits: Tensor, targets: Tensor, eps: float = 0.0, ignore_index: int = -100
) -> Tensor:
    """Mean over non-ignored targets of -sum_k q_k log p_k, q = (1 - eps) one_hot + eps / C.

    Args:
        logits: (..., C) unnormalised scores.
        targets: (...) class indices, or ignore_index.

    Returns:
        A scalar tensor, equal to F.cross_entropy(..., label_smoothing=eps, ignore_index=ignore_index).
    """
    raise NotImplementedError("label_smoothed_cross_entropy: not written yet")
