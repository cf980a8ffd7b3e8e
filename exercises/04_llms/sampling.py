"""Decoding by sampling: greedy, temperature, top-k and top-p (nucleus) filtering.

Goal
----
Turn a language model's next-token logits into a next token the way
Hugging Face ``generate`` does:

* ``greedy``: the most likely token (argmax);
* ``apply_temperature``: divide the logits by a temperature T > 0;
* ``top_k_filter``: keep the k largest logits, set every other one to -inf;
* ``top_p_filter``: keep the smallest set of most likely tokens whose
  probability adds up to at least p (the *nucleus*), -inf elsewhere;
* ``process_logits``: the three warpers combined in Hugging Face's order
  (temperature, then top-k, then top-p);
* ``sample``: process, softmax, and draw one token per row with a
  ``torch.Generator`` (reproducible, independent of the global seed).

Why it matters
--------------
The same model writes dull, repetitive text under greedy decoding and
incoherent text under pure sampling. Temperature sharpens (T < 1) or
flattens (T > 1) the distribution; top-k and top-p cut its long tail of
unlikely tokens, the source of most "derailments". Every chat API exposes
exactly these knobs (temperature, top_k, top_p).

The maths
---------
Logits z (V,), probabilities softmax(z).

* Temperature: z / T. T -> 0 tends to greedy, T = 1 leaves z unchanged.
* Top-k: with t the k-th largest logit of the row, remove every z_i < t.
  Ties with the k-th value are all kept (so more than k tokens can survive;
  this is Hugging Face's ``TopKLogitsWarper``). k >= V keeps everything.
* Top-p: sort the probabilities in decreasing order, q_1 >= q_2 >= ...,
  and let m be the first rank at which q_1 + ... + q_m >= p. Keep those m
  tokens: **the token that crosses p is kept**. Equivalently a token is
  removed when the probability of the tokens ranked strictly above it
  already reaches p. At least one token (the most likely) is always kept,
  even for tiny p. Ties: a token with the same probability as the last
  kept one is kept too, so the result does not depend on how the sort
  orders equal values. p >= 1 keeps every token.
* Removed tokens get the logit -inf (``float("-inf")``), so their
  probability after softmax is exactly 0.
* Combined order: temperature, then top-k, then top-p (top-p is computed
  on the *tempered* distribution, so the order matters).

API
---
    greedy(logits (..., V)) -> LongTensor (...)
    apply_temperature(logits (..., V), temperature: float) -> (..., V)
    top_k_filter(logits (..., V), k: int) -> (..., V)
    top_p_filter(logits (..., V), p: float) -> (..., V)
    process_logits(logits (..., V), temperature=1.0, top_k=0, top_p=1.0) -> (..., V)
        (top_k=0 means no top-k, top_p=1.0 means no top-p)
    sample(logits (B, V), temperature=1.0, top_k=0, top_p=1.0, generator=None) -> LongTensor (B,)

All functions return new tensors and leave their input unchanged.

Worked example
--------------
    >>> z = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    >>> top_k_filter(z, 2).exp()
    tensor([0.5000, 0.3000, 0.0000, 0.0000])
    >>> top_p_filter(z, 0.6).exp()        # 0.5 < 0.6, 0.5 + 0.3 >= 0.6: keep 2
    tensor([0.5000, 0.3000, 0.0000, 0.0000])
    >>> top_p_filter(z, 0.85).exp()       # 0.8 < 0.85, 0.95 >= 0.85: keep 3
    tensor([0.5000, 0.3000, 0.1500, 0.0000])

Reference
---------
Holtzman et al., "The Curious Case of Neural Text Degeneration" (2020),
section 3.1 (nucleus sampling); Fan et al., "Hierarchical Neural Story
Generation" (2018) (top-k); Hugging Face ``transformers``,
``generation/logits_process.py`` (``TemperatureLogitsWarper``,
``TopKLogitsWarper``, ``TopPLogitsWarper``).
"""

from __future__ import annotations

import torch

NEG_INF = float("-inf")


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """The index of the largest logit of each row: (..., V) -> (...) int64."""
    raise NotImplementedError("greedy: not implemented yet")


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature, temperature > 0 (raise ValueError otherwise). (..., V) -> (..., V)."""
    raise NotImplementedError("apply_temperature: not implemented yet")


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row (and ties with the k-th), -inf elsewhere. (..., V) -> (..., V)."""
    raise NotImplementedError("top_k_filter: not implemented yet")


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the nucleus: the most likely tokens up to and including the one whose cumulative probability reaches p.

    At least one token is kept; tokens tied with the last kept one are kept. (..., V) -> (..., V).
    """
    raise NotImplementedError("top_p_filter: not implemented yet")


def process_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0,
                   top_p: float = 1.0) -> torch.Tensor:
    """Temperature, then top-k (if top_k > 0), then top-p (if top_p < 1), as Hugging Face orders them."""
    raise NotImplementedError("process_logits: not implemented yet")


def sample(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """One token per row from softmax(process_logits(...)), drawn with ``generator``. (B, V) -> (B,) int64."""
    raise NotImplementedError("sample: not implemented yet")
