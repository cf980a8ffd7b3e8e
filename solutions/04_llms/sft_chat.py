"""Supervised fine-tuning data: a chat template, tokenisation and loss masking.

Goal
----
Turn conversations into training examples for supervised fine-tuning (SFT,
also called instruction tuning) of a causal language model:

* ``render_chat``: write a conversation as one string with the chat template
  below (the same string as a Hugging Face tokenizer's
  ``apply_chat_template`` with the Jinja template given here);
* ``tokenize_chat``: tokenise it piece by piece and build ``labels`` in which
  only the assistant's replies (and the end-of-turn token that closes each
  reply) count; everything else, the system prompt, the user's turns and the
  role markers, is -100, the label cross-entropy ignores;
* ``collate``: pad a list of tokenised chats into a batch;
* ``masked_lm_loss``: the shifted next-token cross-entropy averaged over the
  tokens whose label is not -100.

The spec checks the rendering against ``apply_chat_template`` on the
course's ``tiny-llama-1m`` tokenizer, the ids against tokenising the whole
rendered string, and the loss against ``LlamaForCausalLM(..., labels=).loss``
and a log-prob sum over the response tokens only.

Why it matters
--------------
A base model continues text; a chat model answers. SFT teaches the answer
format by training on (prompt, response) conversations. Two details decide
whether it works: the template (role markers that the model will see again at
inference time, so training and serving must render chats identically, byte
for byte) and the loss mask. Training on the prompt tokens too wastes
capacity on modelling users' questions (and the model learns to write the
next user turn); forgetting the end-of-turn token in the labels gives a model
that never stops talking.

The template (Zephyr's)
-----------------------
Each message, whatever its role ("system", "user" or "assistant"), becomes

    "<|" + role + "|>\\n" + content + EOS + "\\n"

with EOS = "<|endoftext|>" (the tokenizer's end-of-sequence token), and the
messages are concatenated in order. With ``add_generation_prompt=True`` the
string ends with "<|assistant|>\\n", the header the model completes at
inference time. As a Jinja template (what ``tokenizer.chat_template`` holds)::

    {% for message in messages %}<|{{ message['role'] }}|>
    {{ message['content'] }}{{ eos_token }}
    {% endfor %}{% if add_generation_prompt %}<|assistant|>
    {% endif %}

Tokenising and masking
----------------------
Tokenise each message as four pieces, in order, with ``encode`` (below):

    header  "<|role|>\\n"           label -100
    content                        label = its ids if role == "assistant", else -100
    EOS     (the id eos_token_id)  label = eos id if role == "assistant", else -100
    "\\n"                           label -100

and concatenate. Because the pieces meet where the byte-level BPE's
pre-tokenizer splits anyway (at newlines and at the special EOS token), the
ids equal ``encode(render_chat(messages))``; tokenising the pieces is what
tells you which ids belong to which piece. ``labels[i]`` is the target for
position i itself (as in Hugging Face): the one-position shift happens in the
loss. Every assistant turn counts, not only the last. With ``max_length``,
keep the first ``max_length`` ids (and their labels and mask).

The loss: with logits (B, T, V) and labels (B, T), position t predicts token
t + 1, so

    loss = mean over {(b, t) : labels[b, t+1] != -100} of
           -log_softmax(logits[b, t])[labels[b, t+1]]

API
---
    encode(tokenizer, text)                       -> list[int] (implemented for you)
    render_chat(messages, add_generation_prompt=False, eos_token="<|endoftext|>") -> str
    tokenize_chat(tokenizer, messages, max_length=None)
        -> {"input_ids": list[int], "labels": list[int], "attention_mask": list[int]}
    collate(examples, pad_id)                     -> {"input_ids", "labels", "attention_mask"}: (B, T) long tensors
    masked_lm_loss(logits (B, T, V), labels (B, T)) -> scalar tensor

A message is a dict ``{"role": ..., "content": ...}``.

Worked example
--------------
    >>> render_chat([{"role": "user", "content": "Hi"},
    ...              {"role": "assistant", "content": "Hello!"}])
    '<|user|>\\nHi<|endoftext|>\\n<|assistant|>\\nHello!<|endoftext|>\\n'

If "<|assistant|>\\n" is 5 tokens, "Hello!" 2 and "\\n" 1, the assistant
message contributes labels [-100]*5 + [h1, h2, eos] + [-100]; the user
message contributes only -100s.

Reference
---------
Ouyang et al., "Training language models to follow instructions with human
feedback" (2022), the SFT stage; Hugging Face docs, "Chat templates"
(``apply_chat_template``) and TRL's ``SFTTrainer`` (assistant-only loss);
Tunstall et al., "Zephyr: Direct distillation of LM alignment" (2023).
"""

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
        body = encode(tokenizer, m["content"]) + [eos]  # the reply and the token that ends it
        trained = m["role"] == "assistant"
        ids += header + body + newline
        # role markers and separators are never targets; replies (incl. EOS) are, on every assistant turn
        labels += [IGNORE] * len(header) + (body if trained else [IGNORE] * len(body)) + [IGNORE] * len(newline)
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
