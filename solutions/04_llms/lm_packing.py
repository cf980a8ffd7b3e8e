"""Packing documents into next-token-prediction batches, and the causal LM loss.

Goal
----
Turn a list of documents into training examples for a decoder-only language
model, and write the loss it is trained with:

* ``token_stream``: tokenize every document, append the end-of-sequence
  token, concatenate everything into one stream of ids;
* ``make_windows``: cut the stream into windows of ``block_size + 1`` tokens;
* ``split_inputs_targets``: shift each window into (input, target);
* ``causal_lm_loss``: the mean next-token cross-entropy, computed from logits
  with a stable log-softmax, skipping targets equal to ``ignore_index``;
* ``pad_batch``: the alternative to packing, one document per row, padded,
  with the padding masked out of the loss.

The spec checks your loss against ``torch.nn.functional.cross_entropy`` and
against ``LlamaForCausalLM(input_ids, labels=...).loss`` of the course's
``tiny-llama-1m`` model on wiki-excerpt text.

Why it matters
--------------
Pretraining is "predict the next token" on trillions of tokens. Documents
have very different lengths; padding each to the longest wastes most of the
compute on pad tokens. Packing concatenates documents (separated by EOS, so
the model learns where a document ends and not to carry context across)
and cuts the stream into fixed-length blocks: every position of every batch
is a real token. Off-by-one errors here are silent and common: predicting
the current token instead of the next gives a loss that quickly goes to 0
and a model that learned nothing.

The maths
---------
Stream: ids = doc_1 + [eos] + doc_2 + [eos] + ... + doc_D + [eos].

Windows: window k = ids[k*B : k*B + B + 1] for k = 0 .. K-1, with
K = (len(ids) - 1) // B. Consecutive windows share one token (the last of
one is the first of the next), so every token after the first is a target
exactly once; a last incomplete window is dropped.

Shift: input = window[:-1], target = window[1:] (both length B): at position
t the model sees input[0..t] and must predict target[t] = window[t + 1].

Loss, with logits z of shape (N, T, V) and targets y of shape (N, T):

    log p(y | ...) = z[y] - logsumexp(z)       (subtract the max first)
    loss = - mean over positions with y != ignore_index of log p

A mean over counted positions, not over all N*T (padding must not dilute
the loss). With no counted position at all, the loss is 0.

Hugging Face's causal LMs do the shift inside: ``model(x, labels=x).loss``
compares logits[:, :-1] with labels[:, 1:]. So for a window w,
``model(w, labels=w).loss`` equals ``causal_lm_loss(model(w[:, :-1]).logits,
w[:, 1:])``: causal attention means the logits at positions < B do not
depend on the last token.

Padding instead of packing (``pad_batch``): for documents d_1..d_N (each
ending with eos), row i is d_i padded with ``pad_id`` to the longest length
L; input = row[:-1], target = row[1:] with every target that is padding
replaced by ``ignore_index`` (a target is padding when its position is at
or beyond len(d_i)). The attention mask is 1 on real tokens of the input.

API
---
    token_stream(texts, encode, eos_id)        -> list[int]
    make_windows(ids, block_size)              -> LongTensor (K, block_size + 1)
    split_inputs_targets(windows)              -> (inputs (K, B), targets (K, B))
    causal_lm_loss(logits, targets, ignore_index=-100) -> scalar tensor
    pad_batch(docs, pad_id, ignore_index=-100) -> (inputs, targets, attention_mask), each (N, L - 1)

``encode`` is any function text -> list of ids, WITHOUT special tokens, e.g.
``lambda s: tok(s, add_special_tokens=False)["input_ids"]`` for a Hugging
Face tokenizer.

Worked example
--------------
    >>> make_windows(list(range(11)), block_size=3)
    tensor([[0, 1, 2, 3],
            [3, 4, 5, 6],
            [6, 7, 8, 9]])                     # token 10 is dropped
    >>> x, y = split_inputs_targets(_); x[0], y[0]
    (tensor([0, 1, 2]), tensor([1, 2, 3]))
    >>> causal_lm_loss(torch.zeros(1, 2, 4), torch.tensor([[1, -100]]))
    tensor(1.3863)                            # log 4: uniform over 4 tokens, one position counted

Reference
---------
Radford et al., "Improving Language Understanding by Generative Pre-Training"
(GPT, 2018); Brown et al., "Language Models are Few-Shot Learners" (GPT-3,
2020), section 2.3 (packing with an end-of-text separator); Hugging Face
``run_clm.py`` (``group_texts``) and ``LlamaForCausalLM``'s loss; Karpathy's
nanoGPT ``train.py`` (``get_batch``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def token_stream(texts: list[str], encode: Callable[[str], list[int]], eos_id: int) -> list[int]:
    """Concatenate encode(text) + [eos_id] for every text, in order."""
    ids: list[int] = []
    for text in texts:
        ids.extend(encode(text))
        ids.append(eos_id)  # marks the document boundary
    return ids


def make_windows(ids: list[int] | torch.Tensor, block_size: int) -> torch.Tensor:
    """Windows of block_size + 1 tokens starting every block_size tokens; the incomplete tail is dropped.

    Returns:
        LongTensor (K, block_size + 1) with K = (len(ids) - 1) // block_size (0 rows if ids is too short).
    """
    ids = torch.as_tensor(ids, dtype=torch.long)
    k = max(0, (len(ids) - 1) // block_size)
    starts = torch.arange(k) * block_size                              # (K,)
    return ids[starts[:, None] + torch.arange(block_size + 1)[None, :]]  # (K, B + 1)


def split_inputs_targets(windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """input = window[:, :-1], target = window[:, 1:]: position t predicts the next token."""
    return windows[:, :-1], windows[:, 1:]


def causal_lm_loss(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean next-token cross-entropy over the targets that are not ignore_index.

    Args:
        logits: (N, T, V) unnormalised scores.
        targets: (N, T) token ids, or ignore_index where nothing is predicted.
        ignore_index: the target value that is left out of the mean.

    Returns:
        A scalar tensor, differentiable w.r.t. logits; 0 if every target is ignored.
    """
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()                                           # half-precision logits: softmax in fp32
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)    # (N, T, V), stable
    keep = targets != ignore_index                                        # (N, T)
    safe = targets.masked_fill(~keep, 0)                                  # any valid index for ignored slots
    nll = -log_probs.gather(-1, safe.unsqueeze(-1)).squeeze(-1)           # (N, T)
    return (nll * keep).sum() / keep.sum().clamp(min=1)                   # mean over counted positions


def pad_batch(
    docs: list[list[int]], pad_id: int, ignore_index: int = -100
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One document per row, padded to the longest, shifted, with padding masked.

    Args:
        docs: token id lists (each already ending with eos), at least one of length >= 2.
        pad_id: the id written into padded input positions.
        ignore_index: written into padded target positions.

    Returns:
        (inputs, targets, attention_mask), each (N, L - 1), L = the longest document's length;
        attention_mask is 1 where the input is a real token, 0 where it is padding.
    """
    n, longest = len(docs), max(map(len, docs))
    rows = torch.full((n, longest), pad_id, dtype=torch.long)   # (N, L)
    real = torch.zeros(n, longest, dtype=torch.bool)            # (N, L)
    for i, doc in enumerate(docs):
        rows[i, :len(doc)] = torch.as_tensor(doc, dtype=torch.long)
        real[i, :len(doc)] = True
    inputs, targets = rows[:, :-1], rows[:, 1:].masked_fill(~real[:, 1:], ignore_index)
    return inputs, targets, real[:, :-1].long()
