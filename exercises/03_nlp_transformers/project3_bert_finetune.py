"""Project 3: fine-tune a pretrained BERT-family encoder (MiniLM) for sentiment classification.

Goal
----
Turn the course's pretrained MiniLM encoder into a sentiment classifier for
movie-review sentences, on a CPU, in well under a minute of training:

* ``tokenize_batch``: the model's own WordPiece tokenizer, padded and truncated;
* ``mean_pool``: the average of the token vectors, padding excluded;
* ``Classifier``: encoder -> mean pooling -> dropout -> linear head;
* ``freeze_lower_layers``: train only the top layers (and the head);
* ``train_classifier``: the fine-tuning loop (AdamW, cross-entropy);
* ``predict_proba`` and ``predict``: evaluation, in eval mode, without gradients.

The encoder and its tokenizer come from the course's data packs:

    tokenizer, encoder, _ = data.load("minilm")      # a BertTokenizer(Fast) and a BertModel, eval mode

(all-MiniLM-L6-v2: 6 layers, hidden size 384, 22.7 M parameters) and the
data from ``data.load("movie-polarity")`` (200 short review sentences with
labels 0 = negative, 1 = positive). The grader trains on 140 of them and
needs at least 65% accuracy on the other 60 (chance is 50%); the reference
solution reaches about 70-75% after 4 epochs, about 25 CPU-seconds. That is
not much above a linear probe on the frozen sentence vectors (65-73%): 140
sentences are very little data, and sentence-level sentiment is hard (BERT-base
with 10,000 training sentences gets about 88%).

Why it matters
--------------
"Pretrain once, fine-tune everywhere" is how BERT changed NLP: a model that
has read a lot of text already has features that separate positive from
negative reviews, and a few hundred labelled sentences are enough to bend it
to the task. The details are where fine-tuning goes wrong in practice: using
the model's own tokenizer (and its special tokens, [CLS] ... [SEP]), passing
the attention mask so padding is ignored, pooling without averaging in the
padding vectors, a small learning rate for the pretrained weights (large
ones destroy what pretraining learned), and switching dropout off at
evaluation time (``model.eval()``).

The maths
---------
With token vectors h_t (B, T, H) from the encoder's last layer and the
attention mask m_t (1 for real tokens, 0 for padding):

    pooled = sum_t m_t h_t / max(sum_t m_t, 1e-9)          (B, H)
    logits = W dropout(pooled) + b                          (B, 2)
    loss   = cross-entropy(logits, labels)

Mean pooling is what this MiniLM checkpoint was trained with (as a sentence
encoder), so it gives better features than the [CLS] vector here.

Freezing: with ``n_trainable`` = k, the embeddings and encoder layers
0 .. 5-k get requires_grad = False; layers 6-k .. 5 and the head train.
Fewer trainable layers = faster steps (no backward pass below them) and less
overfitting on 140 sentences.

API
---
    tokenize_batch(tokenizer, texts, max_length=64)   -> dict with "input_ids", "attention_mask" (B, T) long tensors
    mean_pool(hidden (B, T, H), attention_mask (B, T)) -> (B, H)
    Classifier(encoder, n_classes=2, dropout=0.1)      attributes .encoder and .head (nn.Linear(H, n_classes))
        .forward(input_ids, attention_mask)             -> logits (B, n_classes)
    freeze_lower_layers(classifier, n_trainable)        -> int, the number of trainable parameters
    train_classifier(tokenizer, encoder, texts, labels, epochs=4, batch_size=16, lr=1e-4,
                     n_trainable=2, seed=0)              -> a trained Classifier
    predict_proba(classifier, tokenizer, texts, batch_size=32) -> (N, n_classes) numpy, rows sum to 1
    predict(classifier, tokenizer, texts)               -> (N,) numpy int labels

Worked example
--------------
    >>> tokenizer, encoder, _ = data.load("minilm")
    >>> batch = tokenize_batch(tokenizer, ["a gem .", "dull"])
    >>> batch["input_ids"]            # [CLS] a gem . [SEP] / [CLS] dull [SEP] [PAD] [PAD]
    tensor([[ 101, 1037, 17070, 1012, 102], [ 101, 10634, 102, 0, 0]])
    >>> mean_pool(torch.tensor([[[1.0], [3.0], [100.0]]]), torch.tensor([[1, 1, 0]]))
    tensor([[2.]])

Reference
---------
Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for
Language Understanding" (NAACL 2019), section 4; Reimers & Gurevych,
"Sentence-BERT" (EMNLP 2019) for mean pooling; Sun et al., "How to Fine-Tune
BERT for Text Classification?" (2019); the Hugging Face course, chapter 3.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def tokenize_batch(tokenizer, texts: list[str], max_length: int = 64) -> dict[str, torch.Tensor]:
    """The model's tokenizer on a batch: special tokens added, padded to the longest text, truncated at max_length."""
    raise NotImplementedError("tokenize_batch: the tokenizer with padding, truncation, max_length and return_tensors='pt'")


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors where attention_mask is 1: (B, T, H), (B, T) -> (B, H)."""
    raise NotImplementedError("mean_pool: sum of mask * hidden over T, divided by the number of real tokens")


class Classifier(nn.Module):
    """A pretrained encoder, mean pooling, dropout and a linear head."""

    def __init__(self, encoder: nn.Module, n_classes: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Classifier.forward: encoder with the attention mask, mean pooling, dropout, head")


def freeze_lower_layers(classifier: Classifier, n_trainable: int) -> int:
    """Freeze the embeddings and all but the top ``n_trainable`` encoder layers; return the trainable parameter count."""
    raise NotImplementedError("freeze_lower_layers: requires_grad False below the top n_trainable layers")


def train_classifier(tokenizer, encoder: nn.Module, texts: list[str], labels: np.ndarray, epochs: int = 4,
                     batch_size: int = 16, lr: float = 1e-4, n_trainable: int = 2, seed: int = 0) -> Classifier:
    """Fine-tune ``encoder`` (modified in place) with a fresh head on (texts, labels); returns the Classifier in eval mode."""
    raise NotImplementedError("train_classifier: a Classifier, freezing, AdamW, cross-entropy over shuffled batches")


@torch.no_grad()
def predict_proba(classifier: Classifier, tokenizer, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Class probabilities (N, n_classes), computed in eval mode (dropout off) without building a graph."""
    raise NotImplementedError("predict_proba: eval mode, no_grad, tokenize_batch, softmax")


def predict(classifier: Classifier, tokenizer, texts: list[str]) -> np.ndarray:
    """The most probable class of each text: (N,) int."""
    return predict_proba(classifier, tokenizer, texts).argmax(axis=1)
