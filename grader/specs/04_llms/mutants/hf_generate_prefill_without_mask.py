"""Mutant: the prefill forward is called without the attention mask, so short rows attend to the pads."""


from __future__ import annotations

import torch
from accelerate import init_empty_weights, load_checkpoint_and_dispatch
from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig


def load_dispatched(folder: str, device_map: dict | None = None):
    """Build the model empty (meta device), tie weights, load and place the checkpoint with accelerate; eval mode."""
    config = AutoConfig.from_pretrained(folder)
    with init_empty_weights():                      # parameters on "meta": no memory, no random init
        model = AutoModelForCausalLM.from_config(config)
    model.tie_weights()                             # lm_head shares embed_tokens (the checkpoint stores it once)
    model = load_checkpoint_and_dispatch(model, folder, device_map=device_map or {"": "cpu"},
                                         no_split_module_classes=["LlamaDecoderLayer"])
    return model.eval()


def make_generation_config(max_new_tokens: int, eos_token_id: int, pad_token_id: int, do_sample: bool = False,
                           temperature: float = 1.0, top_k: int = 50,
                           repetition_penalty: float = 1.0) -> GenerationConfig:
    """A GenerationConfig: greedy (do_sample=False) or sampling with temperature and top-k."""
    if not do_sample:                               # greedy ignores temperature / top_k: leave them at defaults
        return GenerationConfig(do_sample=False, max_new_tokens=max_new_tokens, eos_token_id=eos_token_id,
                                pad_token_id=pad_token_id, repetition_penalty=repetition_penalty)
    return GenerationConfig(do_sample=True, temperature=temperature, top_k=top_k, max_new_tokens=max_new_tokens,
                            eos_token_id=eos_token_id, pad_token_id=pad_token_id,
                            repetition_penalty=repetition_penalty)


def apply_repetition_penalty(logits: torch.Tensor, input_ids: torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL's penalty on every id present in the row: positive logits / penalty, others * penalty.

    Args:
        logits: (B, V) next-token logits.
        input_ids: (B, T) the tokens so far.
        penalty: > 0; 1.0 changes nothing.

    Returns:
        (B, V), a new tensor.
    """
    seen = torch.gather(logits, 1, input_ids)                              # (B, T) logits of seen ids
    seen = torch.where(seen > 0, seen / penalty, seen * penalty)          # both lower the logit for penalty > 1
    return logits.scatter(1, input_ids, seen)                             # duplicates write the same value


def encode_left_padded(tokenizer, prompts: list[str]):
    """Tokenize a batch with padding on the LEFT; returns input_ids and attention_mask as (B, T) tensors."""
    tokenizer.padding_side = "left"                 # decoder-only: every row must end with its real last token
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer(prompts, return_tensors="pt", padding=True)


@torch.no_grad()
def generate_texts(model, tokenizer, prompts: list[str], config: GenerationConfig, seed: int | None = None) -> list[str]:
    """Batched model.generate with left padding; returns only the generated continuations, special tokens removed."""
    enc = encode_left_padded(tokenizer, prompts)
    if seed is not None:
        torch.manual_seed(seed)                     # sampling draws from torch's global generator
    out = model.generate(**enc, generation_config=config)                # (B, T + n_new)
    new = out[:, enc["input_ids"].shape[1]:]                             # (B, n_new): drop the prompt
    return tokenizer.batch_decode(new, skip_special_tokens=True)


@torch.no_grad()
def greedy_generate(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, max_new_tokens: int,
                    eos_token_id: int, pad_token_id: int) -> torch.Tensor:
    """Greedy decoding with the KV cache over a left-padded batch; finished rows emit pad_token_id.

    Args:
        input_ids, attention_mask: (B, T), left padded.

    Returns:
        (B, n_new) new token ids, n_new <= max_new_tokens (stops once every row has produced eos).
    """
    position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)   # (B, T): real tokens count from 0
    out = model(input_ids=input_ids, position_ids=position_ids, use_cache=True)
    past, logits = out.past_key_values, out.logits[:, -1]                # (B, V)
    done = torch.zeros(input_ids.shape[0], dtype=torch.bool)
    new = []
    for _ in range(max_new_tokens):
        nxt = logits.argmax(-1)                                          # (B,)
        nxt = torch.where(done, torch.full_like(nxt, pad_token_id), nxt)  # finished rows only pad
        new.append(nxt)
        done |= nxt == eos_token_id
        if done.all():
            break
        attention_mask = torch.cat([attention_mask, torch.ones_like(attention_mask[:, :1])], dim=1)
        position_ids = position_ids[:, -1:] + 1                          # (B, 1)
        out = model(input_ids=nxt[:, None], attention_mask=attention_mask, position_ids=position_ids,
                    past_key_values=past, use_cache=True)
        past, logits = out.past_key_values, out.logits[:, -1]
    return torch.stack(new, dim=1)
