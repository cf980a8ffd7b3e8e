"""Project 3: text classification with a pretrained decoder (GPT-style) by last-token pooling.

Goal
----
Use the course's tiny pretrained causal language model as a feature extractor
and classifier:

* ``last_token_index``: where each row's last real token is, for right OR left
  padding;
* ``last_token_pool``: the hidden state at that position;
* ``GPTClassifier``: the decoder's final hidden states -> last-token pooling ->
  a linear head;
* ``train_gpt_classifier``: fine-tuning (the head, optionally the decoder);
* ``predict_proba`` / ``predict``: evaluation in eval mode.

The model comes from the course's data packs:

    tokenizer, lm, _ = data.load("tiny-llama-1m")   # a tokenizer and a LlamaForCausalLM (4 layers, hidden 128)

pretrained on the ``wiki-excerpt`` train split. Its pad token is its
end-of-text token (id 0), as for GPT-2 and Llama: a real token and the padding
can have the same id, so positions must come from the attention mask, never
from ``input_ids == pad_token_id``.

The grader builds a topic-classification task from Wikipedia articles the
model has NOT seen (the ``wiki-excerpt`` test split): sentences from the
article "Anthropology" (label 0) or "Alkane" (label 1). It trains on 160
sentences and needs at least 80% accuracy on 80 held-out ones; the reference
solution reaches about 90% after 8 epochs, 15-20 CPU-seconds of training. (On
``movie-polarity`` the same model stays near chance: 1.2 M parameters trained
on encyclopaedia text know topics, not sentiment.)

Why it matters
--------------
Decoder-only models are the ones that scale, and "sequence classification"
heads on them (``LlamaForSequenceClassification``, GPT-2's) pool exactly this
way: in a causal model only the LAST token has attended to the whole text, so
its hidden state is the summary; the first token has seen only itself. The
bug everybody writes once is taking position -1: with right padding that is a
pad token that has read nothing useful, and with pad id = EOS id, searching
for the first pad id finds a real EOS. Left padding (common for generation)
puts the last real token at -1, so the pooling must handle both.

The maths
---------
With attention mask m (B, T), 1 for real tokens:

    right padding  [a b c 0 0]  ->  last index = sum(m) - 1 = 2
    left padding   [0 0 a b c]  ->  last index = T - 1 = 4
    in general     last index = T - 1 - (position of the first 1 in the reversed mask)
                              = the largest t with m_t = 1

    h      = decoder(input_ids, attention_mask).last_hidden_state   (B, T, H)  (after the final norm)
    pooled = h[b, last_index[b]]                                    (B, H)
    logits = W pooled + b                                           (B, C)

Train with cross-entropy, the whole model: the new head with a larger
learning rate (the reference: 2e-2) than the pretrained decoder (2e-3).

API
---
    last_token_index(attention_mask (B, T))        -> (B,) long
    last_token_pool(hidden (B, T, H), attention_mask) -> (B, H)
    GPTClassifier(lm, n_classes=2)                 attributes .lm (the LlamaForCausalLM) and .head (nn.Linear(H, C))
        .hidden_states(input_ids, attention_mask)  -> (B, T, H), the base model's last_hidden_state
        .forward(input_ids, attention_mask)         -> logits (B, C)
    train_gpt_classifier(tokenizer, lm, texts, labels, epochs=8, batch_size=16, lr=2e-3, seed=0) -> GPTClassifier
    predict_proba(clf, tokenizer, texts, batch_size=64) -> (N, C) numpy;  predict(...) -> (N,) int
    encode(tokenizer, texts, padding_side="right", max_length=64) -> dict of input_ids, attention_mask (implemented)

Worked example
--------------
    >>> last_token_index(torch.tensor([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]))
    tensor([2, 4, 4])
    >>> h = torch.arange(10.0).reshape(1, 5, 2)           # positions 0..4, vectors [0,1], [2,3], ...
    >>> last_token_pool(h, torch.tensor([[1, 1, 0, 0, 0]]))
    tensor([[2., 3.]])

Reference
---------
Radford et al., "Improving Language Understanding by Generative
Pre-Training" (2018), section 3.2 (a linear head on the last token); the
transformers source of ``LlamaForSequenceClassification`` (how it finds the
last non-pad token); Hugging Face docs, "Padding and truncation".
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def encode(tokenizer, texts: list[str], padding_side: str = "right", max_length: int = 64) -> dict[str, torch.Tensor]:
    """Tokenise a batch with the given padding side (the tokenizer's own setting is restored afterwards)."""
    old = tokenizer.padding_side
    tokenizer.padding_side = padding_side
    try:
        enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    finally:
        tokenizer.padding_side = old
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T) 0/1 mask -> (B,) long: the position of the last 1 in each row (right or left padding)."""
    raise NotImplementedError("last_token_index: the position of the last 1 in each row of the mask")


def last_token_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The hidden state of each row's last real token: (B, T, H), (B, T) -> (B, H)."""
    raise NotImplementedError("last_token_pool: gather hidden[b, last_token_index[b]]")


class GPTClassifier(nn.Module):
    """A pretrained causal LM's decoder, last-token pooling and a linear head."""

    def __init__(self, lm: nn.Module, n_classes: int = 2) -> None:
        super().__init__()
        self.lm = lm
        self.head = nn.Linear(lm.config.hidden_size, n_classes)

    def hidden_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The decoder's final (normalised) hidden states, (B, T, H); the LM head is skipped."""
        raise NotImplementedError("GPTClassifier.hidden_states: self.lm.model(...).last_hidden_state")

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("GPTClassifier.forward: hidden states, last-token pooling, head")


def train_gpt_classifier(tokenizer, lm: nn.Module, texts: list[str], labels: np.ndarray, epochs: int = 8,
                         batch_size: int = 16, lr: float = 2e-3, seed: int = 0) -> GPTClassifier:
    """Fine-tune the decoder (lr) and a fresh head (10 x lr) with cross-entropy; returns the classifier in eval mode."""
    raise NotImplementedError("train_gpt_classifier: a GPTClassifier, AdamW (head at 10x lr), cross-entropy over shuffled batches")


@torch.no_grad()
def predict_proba(clf: GPTClassifier, tokenizer, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """(N, C) class probabilities in eval mode."""
    raise NotImplementedError("predict_proba: eval mode, no_grad, encode, softmax of the logits")


def predict(clf: GPTClassifier, tokenizer, texts: list[str]) -> np.ndarray:
    """(N,) the most probable class of each text."""
    return predict_proba(clf, tokenizer, texts).argmax(axis=1)
