"""Pretrained models: the MiniLM encoder, the course's tiny Llamas, and the hub models once downloaded.

Every loader checks the model's files against their sha256, then calls
transformers' ``from_pretrained(local_folder)`` with ``local_files_only=True``:
no loader ever reaches the network. Each returns
``Pretrained(tokenizer, model, path)``, in eval mode, float32, on the CPU.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from grader.data.loaders.types import Pretrained
from grader.errors import CourseError

ENCODER_HEADS = {
    None: "AutoModel",
    "base": "AutoModel",
    "sequence-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "masked-lm": "AutoModelForMaskedLM",
}


def _quiet_transformers() -> None:
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging

        logging.set_verbosity_error()
    except Exception:  # noqa: BLE001 - logging setup must never break a load
        pass


def _from_folder(folder: Path, auto_class: str, name: str, **model_kwargs: Any) -> Pretrained:
    _quiet_transformers()
    import torch
    import transformers

    cls = getattr(transformers, auto_class)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = cls.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32, **model_kwargs)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise CourseError(f"{name}: transformers could not load the model in {folder}: {type(exc).__name__}: {exc}",
                          f"Run `course data verify {name}`; reinstall or re-fetch it if a file is damaged.") from None
    model.eval()
    return Pretrained(tokenizer, model, folder)


def load_minilm(src, head: str | None = None, **model_kwargs: Any) -> Pretrained:
    """all-MiniLM-L6-v2 (BERT family): ``head`` None/'base' -> BertModel, or 'sequence-classification',
    'token-classification', 'masked-lm' (a fresh head on the pretrained encoder; pass num_labels=...)."""
    if head not in ENCODER_HEADS:
        raise CourseError(f"Unknown head {head!r} for {src.name}.", f"Use one of: {', '.join(str(h) for h in ENCODER_HEADS)}.")
    return _from_folder(src.folder(), ENCODER_HEADS[head], src.name, **model_kwargs)


def load_hub_encoder(src, head: str | None = None, **model_kwargs: Any) -> Pretrained:
    return load_minilm(src, head=head, **model_kwargs)


def load_hub_causal_lm(src, **model_kwargs: Any) -> Pretrained:
    return _from_folder(src.folder(), "AutoModelForCausalLM", src.name, **model_kwargs)


def load_hub_seq2seq(src, **model_kwargs: Any) -> Pretrained:
    return _from_folder(src.folder(), "AutoModelForSeq2SeqLM", src.name, **model_kwargs)


def load_tiny_llama(src, **model_kwargs: Any) -> Pretrained:
    """One of the course's own tiny Llama-architecture causal LMs (grader/data/packs/), float32, eval mode."""
    out = _from_folder(src.folder(), "AutoModelForCausalLM", src.name, **model_kwargs)
    if type(out.model).__name__ != "LlamaForCausalLM":
        raise CourseError(f"{src.name}: expected a LlamaForCausalLM in {out.path}, found {type(out.model).__name__}.")
    return out


# ------------------------------------------------------------- evaluation ---

def token_stream(tokenizer, texts: list[str]) -> list[int]:
    """One stream of token ids: each text followed by the end-of-text token (how the tiny Llamas were trained)."""
    eos = tokenizer.eos_token_id
    ids: list[int] = []
    for batch_start in range(0, len(texts), 64):
        enc = tokenizer(texts[batch_start:batch_start + 64], add_special_tokens=False)["input_ids"]
        for row in enc:
            ids.extend(row)
            ids.append(eos)
    return ids


def perplexity(model, ids: list[int], *, block: int = 128, batch: int = 16, max_blocks: int | None = None) -> float:
    """exp(mean next-token cross-entropy) over consecutive, non-overlapping blocks of ``block`` tokens.

    Each block is scored on its own (no context carried across blocks), so the
    number depends only on the ids, the block size and the model.
    """
    import torch

    n_blocks = len(ids) // block
    if max_blocks is not None:
        n_blocks = min(n_blocks, max_blocks)
    if n_blocks == 0:
        raise ValueError(f"need at least {block} tokens, got {len(ids)}")
    data = torch.tensor(ids[: n_blocks * block], dtype=torch.long).view(n_blocks, block)
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for i in range(0, n_blocks, batch):
            x = data[i:i + batch]
            logits = model(input_ids=x).logits[:, :-1].float()
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1),
                                                     reduction="sum")
            total += float(loss)
            count += x[:, 1:].numel()
    model.train(was_training)
    return math.exp(total / count)
