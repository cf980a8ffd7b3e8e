"""GPT-style causal language modelling: the shifted loss and a generation loop.

Goal
----
A decoder-only model such as GPT-2 or Llama outputs, at every position t, a
distribution over the NEXT token. You write the two pieces that turn those
logits into training and into text:

* ``causal_lm_loss``: the training loss, equal to the ``loss`` that Hugging
  Face's ``GPT2LMHeadModel(input_ids, labels=labels)`` returns;
* ``sample_next``: pick the next token from a row of logits, greedily
  (temperature 0) or by sampling at a temperature with a ``torch.Generator``;
* ``generate``: the autoregressive loop (append the chosen token, run the
  model again) with ``max_new_tokens`` and stopping at EOS, equal to
  ``model.generate(do_sample=False)`` for greedy decoding.

Why it matters
--------------
Hugging Face models take ``labels`` equal to ``input_ids`` and shift them
INSIDE the loss; writing that shift yourself is the classic off-by-one: if
position t is scored against token t instead of t + 1 the model learns to
copy its input and the loss collapses to ~0. The generation loop is what
every chat model runs; temperature trades diversity for accuracy, and
greedy decoding is the deterministic baseline.

The maths
---------
Loss, with logits (B, T, V) and labels (B, T) (usually the input ids, with
-100 at positions that must not count, e.g. padding or the prompt):

    predict token t + 1 from position t:  logits[:, :-1]  vs  labels[:, 1:]
    loss = mean over the (b, t) with labels[b, t+1] != -100 of
           -log softmax(logits[b, t])[labels[b, t+1]]

(the last position has no next token; labels[:, 0] is never a target). The
mean runs over all counted tokens of the batch together, not per sequence.

Next token, from logits z (B, V) and temperature tau:

    tau == 0:  argmax_v z_v                             (greedy)
    tau > 0:   sample from softmax(z / tau)             (tau < 1 sharper, > 1 flatter)

use ``torch.multinomial(probs, 1, generator=generator)``.

Generation, from input_ids (B, T0): repeat at most max_new_tokens times:
logits of the last position -> next token -> append. With an eos_token_id, a
sequence that has produced EOS is finished: from then on it receives
pad_token_id (EOS itself when pad_token_id is None), and the loop stops early
once every sequence is finished. The result is (B, T0 + n) with n <= max_new_tokens,
the prompt included, as ``model.generate`` returns. (No KV cache here: the
whole sequence is re-run each step, which is fine for short outputs.)

API
---
    causal_lm_loss(logits (B, T, V), labels (B, T), ignore_index=-100)   -> scalar tensor
    sample_next(logits (B, V), temperature=0.0, generator=None)          -> (B,) long
    next_token_logits(model, ids (B, T))                                  -> (B, V)   (implemented)
    generate(model, input_ids (B, T0), max_new_tokens, temperature=0.0, generator=None,
             eos_token_id=None, pad_token_id=None)                        -> (B, T0 + n) long

``model`` is any callable mapping ids (B, T) to logits (B, T, V), or to an
object with a ``.logits`` attribute (a Hugging Face model).

Worked example
--------------
    >>> logits = torch.tensor([[[math.log(3.0), 0.0], [9.0, 9.0]]])   # B=1, T=2, V=2
    >>> causal_lm_loss(logits, torch.tensor([[1, 0]]))   # position 0 predicts labels[0, 1] = 0
    tensor(0.2877)                                          # -log 0.75; position 1 has no target
    >>> succ = lambda ids: 10 * F.one_hot((ids + 1) % 5, 5).float()   # "next token = last + 1"
    >>> generate(succ, torch.tensor([[0]]), max_new_tokens=6, eos_token_id=3)
    tensor([[0, 1, 2, 3]])                                  # stops after producing EOS

Reference
---------
Radford et al., "Language Models are Unsupervised Multitask Learners" (GPT-2,
2019); Karpathy's nanoGPT (``model.py``: the loss and ``generate``); Hugging
Face transformers, ``loss/loss_utils.py`` (``ForCausalLMLoss``) and the
"Generation strategies" guide.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def causal_lm_loss(logits: Tensor, labels: Tensor, ignore_index: int = -100) -> Tensor:
    """Mean cross-entropy of predicting labels[:, t + 1] from logits[:, t], skipping ignore_index.

    Args:
        logits: (B, T, V) next-token scores at every position.
        labels: (B, T) token ids (usually the input ids), ignore_index where nothing is to be predicted.

    Returns:
        A scalar tensor: the mean over all counted target tokens in the batch.
    """
    V = logits.shape[-1]
    shift_logits = logits[:, :-1, :].reshape(-1, V)  # (B*(T-1), V): position t ...
    shift_labels = labels[:, 1:].reshape(-1)  # (B*(T-1),): ... predicts token t + 1
    return F.cross_entropy(shift_logits.float(), shift_labels, ignore_index=ignore_index)  # mean over counted tokens


def sample_next(logits: Tensor, temperature: float = 0.0, generator: torch.Generator | None = None) -> Tensor:
    """(B, V) logits -> (B,) tokens: argmax if temperature == 0, else a sample from softmax(logits / temperature)."""
    if temperature == 0.0:
        return logits.argmax(dim=-1)  # greedy
    probs = torch.softmax(logits.float() / temperature, dim=-1)  # (B, V); stable for tiny temperatures
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)  # (B,)


def next_token_logits(model, ids: Tensor) -> Tensor:
    """The model's logits at the last position: (B, T) ids -> (B, V)."""
    out = model(ids)
    logits = out.logits if hasattr(out, "logits") else out  # a Hugging Face output or a plain tensor
    return logits[:, -1, :]


@torch.no_grad()
def generate(
    model,
    input_ids: Tensor,
    max_new_tokens: int,
    temperature: float = 0.0,
    generator: torch.Generator | None = None,
    eos_token_id: int | None = None,
    pad_token_id: int | None = None,
) -> Tensor:
    """Extend input_ids (B, T0) by up to max_new_tokens tokens, stopping when every sequence has produced EOS.

    Returns:
        (B, T0 + n) long ids, the prompt included; finished sequences are filled with pad_token_id (EOS by default).
    """
    pad = eos_token_id if pad_token_id is None else pad_token_id
    ids = input_ids
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)  # (B,)
    for _ in range(max_new_tokens):
        nxt = sample_next(next_token_logits(model, ids), temperature, generator)  # (B,)
        if eos_token_id is not None:
            nxt = torch.where(finished, torch.full_like(nxt, pad), nxt)  # done sequences only receive padding
            finished |= nxt == eos_token_id
        ids = torch.cat([ids, nxt[:, None].to(ids.dtype)], dim=1)  # (B, T + 1)
        if eos_token_id is not None and bool(finished.all()):
            break
    return ids
