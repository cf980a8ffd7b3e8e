"""Hugging Face generation: accelerate's device placement, GenerationConfig, batched left-padded decoding.

Goal
----
Use the Hugging Face stack the way inference code does, on the course's tiny
Llama (``data.load("tiny-llama-1m")`` gives ``(tokenizer, model, folder)``;
the folder holds ``config.json`` and ``model.safetensors``):

* ``load_dispatched``: build the model on the meta device (no memory) with
  accelerate's ``init_empty_weights``, tie its weights, and let
  ``load_checkpoint_and_dispatch`` load the checkpoint straight into the
  modules a ``device_map`` places (here every device is "cpu"; on a machine
  with GPUs the same map spreads layers across them);
* ``make_generation_config``: a ``GenerationConfig`` for greedy or seeded
  sampling, with max_new_tokens, eos/pad ids and a repetition penalty;
* ``apply_repetition_penalty``: the CTRL repetition penalty, by hand;
* ``encode_left_padded`` and ``generate_texts``: batched generation with LEFT
  padding and an attention mask, decoded with ``skip_special_tokens``;
* ``greedy_generate``: the greedy loop ``model.generate`` runs, by hand, with
  the KV cache and the position ids that left padding requires.

Why it matters
--------------
A decoder-only model continues the LAST token of each row. With right
padding the last token of a short prompt is a pad, so a batch would continue
pads; left padding puts every prompt's real end at the last column. The pads
must then be hidden by the attention mask, or the short rows attend to pad
embeddings and the batch no longer equals one-by-one generation. Positions
should count real tokens only (``generate`` passes cumsum(mask) - 1): that
matters for absolute position embeddings (GPT-2); rotary embeddings (Llama)
only see position differences, so a constant shift changes nothing. ``device_map`` / ``max_memory`` are
how a model too big for one GPU is split over GPUs, CPU RAM and disk.

The maths
---------
Left padding: row b = [pad] * (T - len_b) + prompt_b, mask = [0] * (T - len_b) + [1] * len_b.
Position ids: position = cumsum(mask) - 1, clamped at 0 for the pads, so
every prompt starts at position 0; each new token's position is the
previous one + 1 and the mask grows by a column of ones.

Greedy step: next = argmax(logits[:, -1]). A row that has produced eos is
finished: from then on it emits pad_token_id. Stop when every row is
finished or after max_new_tokens.

Repetition penalty (Keskar et al. 2019, as in transformers'
``RepetitionPenaltyLogitsProcessor``): for every token id that occurs in the
row's input_ids, logit <- logit / penalty if logit > 0, logit * penalty
otherwise (both push it down for penalty > 1). Other ids are untouched.

API
---
    load_dispatched(folder, device_map=None) -> LlamaForCausalLM (eval mode)
        device_map None means {"": "cpu"}; a dict maps module names to devices
    make_generation_config(max_new_tokens, eos_token_id, pad_token_id, do_sample=False,
                           temperature=1.0, top_k=50, repetition_penalty=1.0) -> GenerationConfig
    apply_repetition_penalty(logits (B, V), input_ids (B, T), penalty) -> (B, V)
    encode_left_padded(tokenizer, prompts) -> BatchEncoding with input_ids, attention_mask (B, T) tensors
    generate_texts(model, tokenizer, prompts, config, seed=None) -> list[str]   (only the new text)
    greedy_generate(model, input_ids, attention_mask, max_new_tokens, eos_token_id, pad_token_id)
        -> LongTensor (B, n_new), n_new <= max_new_tokens

Worked example
--------------
    >>> tok, model, folder = data.load("tiny-llama-1m")
    >>> enc = encode_left_padded(tok, ["Hi", "The history of"])
    >>> enc["attention_mask"]                       # "Hi" is 2 tokens, the other 3
    tensor([[0, 1, 1],
            [1, 1, 1]])
    >>> cfg = make_generation_config(8, tok.eos_token_id, tok.pad_token_id)
    >>> generate_texts(model, tok, ["The history of"], cfg)   # greedy: the same every time
    [' the United States, and the first time']

Reference
---------
Hugging Face docs: "Generation strategies", "Text generation"
(``GenerationConfig``, ``generate``), "Big model inference"
(``init_empty_weights``, ``load_checkpoint_and_dispatch``, ``device_map``);
Keskar et al., "CTRL" (2019), section 4.1 (repetition penalty).
"""

from __future__ import annotations

import torch
from accelerate import init_empty_weights, load_checkpoint_and_dispatch
from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig


def load_dispatched(folder: str, device_map: dict | None = None):
    """Build the model empty (meta device), tie weights, load and place the checkpoint with accelerate; eval mode."""
    raise NotImplementedError("load_dispatched: not written yet (init_empty_weights, from_config, tie_weights, "
                              "load_checkpoint_and_dispatch)")


def make_generation_config(max_new_tokens: int, eos_token_id: int, pad_token_id: int, do_sample: bool = False,
                           temperature: float = 1.0, top_k: int = 50,
                           repetition_penalty: float = 1.0) -> GenerationConfig:
    """A GenerationConfig: greedy (do_sample=False) or sampling with temperature and top-k."""
    raise NotImplementedError("make_generation_config: not written yet")


def apply_repetition_penalty(logits: torch.Tensor, input_ids: torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL's penalty on every id present in the row: positive logits / penalty, others * penalty.

    Args:
        logits: (B, V) next-token logits.
        input_ids: (B, T) the tokens so far.
        penalty: > 0; 1.0 changes nothing.

    Returns:
        (B, V), a new tensor.
    """
    raise NotImplementedError("apply_repetition_penalty: not written yet")


def encode_left_padded(tokenizer, prompts: list[str]):
    """Tokenize a batch with padding on the LEFT; returns input_ids and attention_mask as (B, T) tensors."""
    raise NotImplementedError("encode_left_padded: not written yet")


@torch.no_grad()
def generate_texts(model, tokenizer, prompts: list[str], config: GenerationConfig, seed: int | None = None) -> list[str]:
    """Batched model.generate with left padding; returns only the generated continuations, special tokens removed."""
    raise NotImplementedError("generate_texts: not written yet")


@torch.no_grad()
def greedy_generate(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, max_new_tokens: int,
                    eos_token_id: int, pad_token_id: int) -> torch.Tensor:
    """Greedy decoding with the KV cache over a left-padded batch; finished rows emit pad_token_id.

    Args:
        input_ids, attention_mask: (B, T), left padded.

    Returns:
        (B, n_new) new token ids, n_new <= max_new_tokens (stops once every row has produced eos).
    """
    raise NotImplementedError("greedy_generate: not written yet (prefill with the mask, then one token at a time "
                              "with past_key_values)")
