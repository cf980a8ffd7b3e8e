"""Mutant: the EOS that ends each reply is masked (-100), so the model never learns to stop."""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = -100  # the label F.cross_entropy / Hugging Face models skip


def encode(tokenizer, text: str) -> list[int]:
    """The ids of ``text``, without any special tokens added around it."""
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def render_chat(messages: list[dict], add_generation_prompt: bool = False,
                eos_token: str = "<|endoftext|>") -> str:
    """The conversation as one string in the template above.

    Args:
        messages: dicts with "role" and "content".
        add_generation_prompt: end with "<|assistant|>\\n" for inference.
        eos_token: the end-of-turn string.

    Returns:
        The rendered string.
    """
    text = "".join(f"<|{m['role']}|>\n{m['content']}{eos_token}\n" for m in messages)
    if add_generation_prompt:
        text += "<|assistant|>\n"
    return text


def tokenize_chat(tokenizer, messages: list[dict], max_length: int | None = None) -> dict[str, list[int]]:
    """Ids, labels (-100 outside assistant replies) and attention mask of one conversation.

    Args:
        tokenizer: a Hugging Face tokenizer with ``eos_token_id``.
        messages: dicts with "role" and "content".
        max_length: keep at most this many tokens (the first ones); None keeps all.

    Returns:
        {"input_ids": [T], "labels": [T], "attention_mask": [T]} as lists of ints,
        with T = min(total length, max_length).
    """
    eos = tokenizer.eos_token_id
    newline = encode(tokenizer, "\n")
    ids: list[int] = []
    labels: list[int] = []
    for m in messages:
        header = encode(tokenizer, f"<|{m['role']}|>\n")
        body = encode(tokenizer, m["content"])
        trained = m["role"] == "assistant"
        ids += header + body + [eos] + newline
        # role markers and separators are never targets; replies (incl. EOS) are, on every assistant turn
        labels += [IGNORE] * len(header) + (body if trained else [IGNORE] * len(body)) + [IGNORE] + [IGNORE] * len(newline)
    if max_length is not None:
        ids, labels = ids[:max_length], labels[:max_length]
    return {"input_ids": ids, "labels": labels, "attention_mask": [1] * len(ids)}


def collate(examples: list[dict[str, list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad tokenised chats to the longest one.

    Args:
        examples: outputs of ``tokenize_chat``.
        pad_id: the id written into padded input positions.

    Returns:
        "input_ids" (B, T) padded with pad_id, "labels" (B, T) padded with -100,
        "attention_mask" (B, T) with 0 on padding; all long tensors.
    """
    T = max(len(e["input_ids"]) for e in examples)
    out = {"input_ids": [], "labels": [], "attention_mask": []}
    for e in examples:
        pad = T - len(e["input_ids"])
        out["input_ids"].append(e["input_ids"] + [pad_id] * pad)
        out["labels"].append(e["labels"] + [IGNORE] * pad)  # padding is never a target
        out["attention_mask"].append(e["attention_mask"] + [0] * pad)
    return {k: torch.tensor(v, dtype=torch.long) for k, v in out.items()}


def masked_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over the positions whose label is not -100.

    Args:
        logits: (B, T, V) model outputs.
        labels: (B, T) targets aligned with the inputs (-100 = not a target).

    Returns:
        A scalar tensor: the average over counted tokens.
    """
    V = logits.size(-1)
    shift_logits = logits[:, :-1].reshape(-1, V)  # (B*(T-1), V): position t predicts t+1
    shift_labels = labels[:, 1:].reshape(-1)      # (B*(T-1),)
    return F.cross_entropy(shift_logits.float(), shift_labels, ignore_index=IGNORE)
