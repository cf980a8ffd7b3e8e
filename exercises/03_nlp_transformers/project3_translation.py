"""Project 3: a transformer that translates numbers from English to French, written from scratch.

Goal
----
Build the original encoder-decoder transformer yourself and train it on the
``numbers-translation`` pack: "seventy-five thousand, seven hundred and
ninety" -> "soixante-quinze mille sept cent quatre-vingt-dix". You may use
``nn.Linear``, ``nn.LayerNorm``, ``nn.Embedding``, ``nn.Dropout`` and the
activation functions; you write the attention, the masks and the blocks:

* ``tokenize`` / ``detokenize`` and a word-level ``Vocab``;
* ``encode_batch``: token ids, padded into a (B, T) tensor;
* ``padding_mask`` and ``causal_mask``;
* ``MultiHeadAttention``: scaled dot-product attention over H heads;
* ``EncoderLayer``, ``DecoderLayer`` and ``Transformer``;
* ``train_translation``: teacher-forced training with AdamW;
* ``greedy_decode`` and ``translate``: generation one token at a time.

The grader loads ``data.load("numbers-translation", split="train")`` (10,000
(English, French) pairs; "test" holds 1,000 numbers never seen in training),
calls ``train_translation(train_pairs, seed=seed)``, translates test sentences
with ``translate`` and scores them with sacrebleu's corpus BLEU: it must be
above 85, with all of the spec (training included) running in under about a
minute and a half on 2 CPU cores. The reference solution trains for about
25 CPU-seconds (300 AdamW steps of 64 pairs) and scores above 99 BLEU.

Why it matters
--------------
This is "Attention Is All You Need" end to end at toy scale: every LLM is the
decoder half of this model. Writing it yourself is how you learn where the
masks go (padding in the encoder and in cross-attention; padding AND the
causal mask in the decoder), why attention is scaled by 1/sqrt(d_head), how
teacher forcing trains all positions in parallel, and why generation is a
loop. Number translation is a good first task: a small vocabulary, long-range
reordering ("quatre-vingt-dix" for ninety, "vingt et un" for twenty-one) and
an exact answer.

The maths
---------
Tokens: words, with commas and hyphens as tokens of their own, so
"thirty-two" -> ["thirty", "-", "two"] and the vocabulary stays small; the
special tokens are PAD = 0, BOS = 1, EOS = 2, UNK = 3.

Scaled dot-product attention, per head h (d_head = d_model / H):

    Q = X_q W_q,  K = X_kv W_k,  V = X_kv W_v               (then split into H heads)
    A = softmax(Q K^T / sqrt(d_head) + M)  V                 M = 0 where allowed, -inf where masked
    MHA(X_q, X_kv) = concat_h(A_h) W_o

Masks are boolean, True = may attend, broadcast to (B, H, T_q, T_k):

    padding_mask(ids)  (B, T):   ids != PAD                  -> used as [:, None, None, :]
    causal_mask(T)     (T, T):   j <= i (lower triangle)      -> position i sees positions 0..i

Pre-LN blocks (more stable than the original post-LN at small scale):

    encoder:  x = x + SelfAttn(LN(x), pad mask of src)
              x = x + FFN(LN(x))                            FFN = Linear(d, d_ff) -> ReLU -> Linear(d_ff, d)
    decoder:  y = y + SelfAttn(LN(y), causal AND pad mask of the decoder input)
              y = y + CrossAttn(LN(y), memory, pad mask of src)
              y = y + FFN(LN(y))

Inputs are token embedding + learned position embedding; the encoder and the
decoder stacks each end with a LayerNorm; the output layer maps d_model to
the target vocabulary.

Training (teacher forcing): target ids [BOS, y_1, ..., y_n, EOS, PAD...];
decoder input = all but the last column, labels = all but the first, loss =
cross-entropy ignoring PAD. Decoding (greedy): start from [BOS], append the
argmax token, stop at EOS or max_len.

API
---
    tokenize(text) -> list[str];  detokenize(tokens) -> str   (detokenize(tokenize(s)) == s on the pack)
    Vocab(texts): .itos, .stoi, .encode(text) -> list[int] (UNK for unknown words), .decode(ids) -> str
    encode_batch(texts, vocab, add_bos_eos) -> (B, T) long, PAD-padded
    padding_mask(ids, pad_id=0) -> (B, T) bool;  causal_mask(T) -> (T, T) bool
    MultiHeadAttention(d_model, n_heads): q_proj, k_proj, v_proj, out_proj (nn.Linear with bias)
        .forward(x_q (B, Tq, d), x_kv (B, Tk, d), mask (broadcastable to (B, H, Tq, Tk)) or None) -> (B, Tq, d)
    Transformer(src_vocab, tgt_vocab, d_model, n_heads, n_layers, d_ff, max_len, dropout)
        .encode(src, src_mask (B, S)) -> memory (B, S, d)
        .decode(tgt_in, memory, src_mask) -> logits (B, T, tgt_vocab)
        .forward(src, tgt_in) -> logits
    greedy_decode(model, src, max_len, bos_id=1, eos_id=2, pad_id=0) -> list[list[int]] (each without BOS/EOS)
    train_translation(pairs, seed=0, ...) -> Translator(model, src_vocab, tgt_vocab)
    translate(translator, sentences, max_len=40) -> list[str]

The constructors (``__init__``), ``Vocab``, ``FeedForward`` and the ``Translator``
record are written for you; change them if you like: the spec relies only on
the API above (and on the projection names of ``MultiHeadAttention``).

Worked example
--------------
    >>> tokenize("twenty-one thousand, and five")
    ['twenty', '-', 'one', 'thousand', ',', 'and', 'five']
    >>> detokenize(['vingt', 'et', 'un', 'mille', 'quatre', '-', 'vingt', '-', 'dix'])
    'vingt et un mille quatre-vingt-dix'
    >>> causal_mask(3)
    tensor([[ True, False, False],
            [ True,  True, False],
            [ True,  True,  True]])

Reference
---------
Vaswani et al., "Attention Is All You Need" (NeurIPS 2017); Xiong et al.,
"On Layer Normalization in the Transformer Architecture" (ICML 2020) for
pre-LN; "The Annotated Transformer" (Harvard NLP); Post, "A Call for Clarity in
Reporting BLEU Scores" (WMT 2018) for sacrebleu.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"]


# ------------------------------------------------------------- tokenisation ---

def tokenize(text: str) -> list[str]:
    """Words, with commas and hyphens (and any other punctuation) as separate tokens."""
    raise NotImplementedError("tokenize: words, and each punctuation mark as its own token")


def detokenize(tokens: list[str]) -> str:
    """Join tokens with spaces, then glue hyphens to both neighbours and commas to the word before."""
    raise NotImplementedError("detokenize: join with spaces, then glue hyphens and commas back")


class Vocab:
    """A word-level vocabulary: the four specials first, then every token of ``texts`` in sorted order."""

    def __init__(self, texts: list[str]) -> None:
        words = sorted({tok for t in texts for tok in tokenize(t)})
        self.itos = SPECIALS + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        raise NotImplementedError("Transformer.encode: embeddings + positions, encoder layers with the source padding mask, final LayerNorm")

    def decode(self, ids: list[int]) -> str:
        raise NotImplementedError("Transformer.decode: embeddings + positions, decoder layers with causal & padding masks, LayerNorm, head")


def encode_batch(texts: list[str], vocab: Vocab, add_bos_eos: bool) -> torch.Tensor:
    """(B, T) long: each text's ids (wrapped in BOS ... EOS if add_bos_eos), right-padded with PAD."""
    raise NotImplementedError("encode_batch: encode each text, optionally wrap in BOS/EOS, right-pad with PAD")


# -------------------------------------------------------------------- masks ---

def padding_mask(ids: torch.Tensor, pad_id: int = PAD) -> torch.Tensor:
    """(B, T) bool: True at real tokens."""
    raise NotImplementedError("padding_mask: ids != pad_id")


def causal_mask(T: int) -> torch.Tensor:
    """(T, T) bool: entry (i, j) is True when j <= i (a position sees itself and the past)."""
    raise NotImplementedError("causal_mask: True on and below the diagonal")


# ------------------------------------------------------------------- blocks ---

class MultiHeadAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x_q: torch.Tensor, x_kv: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError("MultiHeadAttention.forward: project, split heads, scaled scores, mask, softmax, merge heads, out_proj")


class FeedForward(nn.Module):
    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class EncoderLayer(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, src_mask4: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("EncoderLayer.forward: pre-LN self-attention and feed-forward, each with a residual")


class DecoderLayer(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(d_model), nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model, n_heads)
        self.cross_attn = MultiHeadAttention(d_model, n_heads)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, y: torch.Tensor, memory: torch.Tensor, tgt_mask4: torch.Tensor, src_mask4: torch.Tensor):
        raise NotImplementedError("DecoderLayer.forward: pre-LN causal self-attention, cross-attention to memory, feed-forward")


class Transformer(nn.Module):
    def __init__(self, src_vocab: int, tgt_vocab: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 d_ff: int = 128, max_len: int = 64, dropout: float = 0.0) -> None:
        super().__init__()
        self.src_tok, self.tgt_tok = nn.Embedding(src_vocab, d_model), nn.Embedding(tgt_vocab, d_model)
        self.src_pos, self.tgt_pos = nn.Embedding(max_len, d_model), nn.Embedding(max_len, d_model)
        self.enc = nn.ModuleList(EncoderLayer(d_model, n_heads, d_ff, dropout) for _ in range(n_layers))
        self.dec = nn.ModuleList(DecoderLayer(d_model, n_heads, d_ff, dropout) for _ in range(n_layers))
        self.enc_ln, self.dec_ln = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, tgt_vocab)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> torch.Tensor:
        """src (B, S), src_mask (B, S) bool -> memory (B, S, d)."""
        pos = torch.arange(src.shape[1], device=src.device)
        x = self.src_tok(src) + self.src_pos(pos)  # (B, S, d)
        m4 = src_mask[:, None, None, :]  # (B, 1, 1, S): every query may see every real source token
        for layer in self.enc:
            x = layer(x, m4)
        return self.enc_ln(x)

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor, src_mask: torch.Tensor) -> torch.Tensor:
        """tgt_in (B, T), memory (B, S, d), src_mask (B, S) -> logits (B, T, tgt_vocab)."""
        T = tgt_in.shape[1]
        pos = torch.arange(T, device=tgt_in.device)
        y = self.tgt_tok(tgt_in) + self.tgt_pos(pos)  # (B, T, d)
        tgt_m4 = causal_mask(T).to(tgt_in.device)[None, None] & padding_mask(tgt_in)[:, None, None, :]  # (B, 1, T, T)
        src_m4 = src_mask[:, None, None, :]  # (B, 1, 1, S)
        for layer in self.dec:
            y = layer(y, memory, tgt_m4, src_m4)
        return self.head(self.dec_ln(y))

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        src_mask = padding_mask(src)
        return self.decode(tgt_in, self.encode(src, src_mask), src_mask)


# ----------------------------------------------------------------- decoding ---

@torch.no_grad()
def greedy_decode(model, src: torch.Tensor, max_len: int, bos_id: int = BOS, eos_id: int = EOS,
                  pad_id: int = PAD) -> list[list[int]]:
    """Greedy generation for a batch: encode once, then append the argmax token until EOS or max_len tokens.

    Returns:
        One list of token ids per source row, without BOS and without EOS.
    """
    raise NotImplementedError("greedy_decode: encode once; loop: decode, argmax of the last position, append; stop at EOS")


# ----------------------------------------------------------------- training ---

@dataclass
class Translator:
    model: Transformer
    src_vocab: Vocab
    tgt_vocab: Vocab


def train_translation(pairs: list[tuple[str, str]], seed: int = 0, steps: int = 300, batch_size: int = 64,
                      lr: float = 3e-3) -> Translator:
    """Build the vocabularies and a small Transformer, and train it with teacher forcing (AdamW, warmup + cosine)."""
    raise NotImplementedError("train_translation: vocabularies, tensors, a Transformer, AdamW with teacher forcing")


def translate(translator: Translator, sentences: list[str], max_len: int = 40, batch_size: int = 250) -> list[str]:
    """Greedy translations of English sentences, detokenized."""
    raise NotImplementedError("translate: encode_batch, greedy_decode, vocab.decode")
