"""Attention for seq2seq: Bahdanau's additive and Luong's multiplicative scores, masks, teacher forcing.

Goal
----
Build the attention layer of an RNN encoder-decoder, and the encoder-decoder
around it, trained with teacher forcing:

* ``shift_right``: the decoder's inputs under teacher forcing, [BOS, y_1, ..., y_{T-1}];
* ``source_mask``: True at real source tokens, False at padding;
* ``masked_softmax``: a softmax in which masked positions get EXACTLY zero
  weight, and a row with no valid position gives all zeros instead of nan;
* ``AdditiveAttention`` (Bahdanau) and ``MultiplicativeAttention`` (Luong's
  "general" and "dot"): scores, weights and the context vector;
* ``Seq2Seq``: a GRU encoder, a GRU decoder and one of the attentions;
* ``seq2seq_loss``: cross-entropy of the teacher-forced logits, padding ignored.

Why it matters
--------------
Attention was invented here, to let a translation decoder look back at every
source word instead of squeezing the sentence into one vector. A transformer's
scaled dot-product attention is Luong's "dot" score divided by sqrt(d); the
masks and the teacher-forced, shifted targets are exactly those of a
transformer decoder. Getting padding right matters: a pad token that gets
weight leaks garbage into the context, and a row that is all padding must not
turn into nan (softmax of all -inf is 0/0).

The maths
---------
A query q (a decoder state, size d_q) scores each key k_s (an encoder output,
size d_k) for s = 1..S:

    additive (Bahdanau)   score(q, k) = v^T tanh(W_q q + W_k k)     W_q: (H, d_q), W_k: (H, d_k), v: (H,)
    general  (Luong)      score(q, k) = q^T W k                      W: (d_q, d_k)
    dot      (Luong)      score(q, k) = q^T k                        (needs d_q = d_k)

With a mask m_s (True = a real token), the weights and the context are

    a_s = exp(score_s) / sum_{s': m_s'} exp(score_s')    where m_s,   a_s = 0 where not m_s
    context = sum_s a_s value_s                          (the values are the encoder outputs too)

Implement masked_softmax by filling masked scores with -inf, taking a stable
softmax (subtract the row max), and replacing the rows whose mask is all False
by zeros: torch.softmax of an all -inf row is nan. (Filling with a large
negative number like -1e9 instead gives the masked positions tiny but non-zero
weight when every score is very negative, and a uniform distribution over pads
when the row is all padding: both wrong.)

Teacher forcing: to predict y_t the decoder is given the TRUE previous token
y_{t-1}, not its own guess. With targets y (B, T) (ending in EOS, then PAD),
the decoder input is y shifted right by one with BOS in front:

    y         = [y_1, y_2, ..., y_T]
    dec_in    = [BOS, y_1, ..., y_{T-1}]

and the loss is cross-entropy between logits(dec_in) and y, ignoring positions
where y is PAD.

The model (Luong's "global attention" architecture, with either scorer):

    enc_out, h = GRU_enc(Embed_src(src))                      (B, S, H), (1, B, H)
    dec_out, _ = GRU_dec(Embed_tgt(dec_in), h)                (B, T, H): the queries
    context, _ = attention(dec_out, enc_out, enc_out, mask)   (B, T, H)
    logits     = W_out tanh(W_c [context; dec_out])           (B, T, V)

(Bahdanau's original decoder feeds the context back into the RNN step by step;
the attention score is the same.) Because the decoder is a left-to-right RNN,
logits at step t depend on dec_in[:, :t+1] only.

API (mask: (B, S) bool, True = real token)
---
    shift_right(tgt, bos_id)                    -> (B, T) long
    source_mask(src, pad_id)                    -> (B, S) bool
    masked_softmax(scores, mask)                -> weights like scores (..., S); mask broadcasts as (B, 1, S)
    AdditiveAttention(d_q, d_k, hidden)         attributes W_q, W_k: nn.Linear(bias=False); v: nn.Linear(hidden, 1, bias=False)
        .score(q (B, T, d_q), k (B, S, d_k))    -> (B, T, S)
        .forward(q, k, values (B, S, d_v), mask) -> (context (B, T, d_v), weights (B, T, S))
    MultiplicativeAttention(d_q, d_k, kind)     kind "general" (attribute W: nn.Linear(d_k, d_q, bias=False)) or "dot"
        .score / .forward                       as above
    Seq2Seq(src_vocab, tgt_vocab, emb, hidden, attention="additive"|"general"|"dot")
        .forward(src, mask, dec_in)             -> logits (B, T, tgt_vocab)
    seq2seq_loss(model, src, tgt, bos_id, pad_id) -> scalar tensor

Worked example
--------------
    >>> shift_right(torch.tensor([[5, 6, 2, 0]]), bos_id=1)
    tensor([[1, 5, 6, 2]])
    >>> masked_softmax(torch.tensor([[1.0, 1.0, 9.0]]), torch.tensor([[True, True, False]]))
    tensor([[0.5000, 0.5000, 0.0000]])
    >>> masked_softmax(torch.tensor([[1.0, 2.0]]), torch.tensor([[False, False]]))
    tensor([[0., 0.]])

Reference
---------
Bahdanau, Cho & Bengio, "Neural Machine Translation by Jointly Learning to
Align and Translate" (ICLR 2015); Luong, Pham & Manning, "Effective Approaches
to Attention-based Neural Machine Translation" (EMNLP 2015), section 3.1;
Jurafsky & Martin, *Speech and Language Processing* (3rd ed.), chapter 9.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def shift_right(tgt: torch.Tensor, bos_id: int) -> torch.Tensor:
    """Teacher-forced decoder inputs: [BOS, y_1, ..., y_{T-1}] for each row of tgt (B, T); returns (B, T) long."""
    bos = torch.full_like(tgt[:, :1], bos_id)  # (B, 1)
    return torch.cat([bos, tgt[:, :-1]], dim=1)  # (B, T): the last target is never an input


def source_mask(src: torch.Tensor, pad_id: int) -> torch.Tensor:
    """(B, S) bool: True at real tokens, False at padding."""
    return src != pad_id


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis with masked positions at exactly 0; all-masked rows give all zeros.

    Args:
        scores: (B, T, S) or (B, S).
        mask: (B, S) bool, True = may be attended to.

    Returns:
        weights shaped like scores.
    """
    if scores.dim() == 3:
        mask = mask[:, None, :]  # (B, 1, S): the same source mask for every query
    scores = scores.masked_fill(~mask, float("-inf"))  # exp(-inf) = 0: exactly zero weight
    row_max = scores.amax(dim=-1, keepdim=True)  # (..., 1)
    row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))  # all-masked rows: avoid inf-inf
    e = torch.exp(scores - row_max)  # (..., S) stable: the largest valid entry is e^0 = 1
    denom = e.sum(dim=-1, keepdim=True)
    return e / denom.clamp_min(torch.finfo(e.dtype).tiny)  # all-masked: 0 / tiny = 0, not 0 / 0 = nan


class AdditiveAttention(nn.Module):
    """Bahdanau: score(q, k) = v^T tanh(W_q q + W_k k)."""

    def __init__(self, d_q: int, d_k: int, hidden: int) -> None:
        super().__init__()
        self.W_q = nn.Linear(d_q, hidden, bias=False)
        self.W_k = nn.Linear(d_k, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)

    def score(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """q (B, T, d_q), k (B, S, d_k) -> scores (B, T, S)."""
        # broadcast every query against every key: (B, T, 1, H) + (B, 1, S, H) -> (B, T, S, H)
        h = torch.tanh(self.W_q(q)[:, :, None, :] + self.W_k(k)[:, None, :, :])
        return self.v(h).squeeze(-1)  # (B, T, S)

    def forward(self, q, k, values, mask):
        """Returns (context (B, T, d_v), weights (B, T, S))."""
        weights = masked_softmax(self.score(q, k), mask)  # (B, T, S)
        return weights @ values, weights  # (B, T, S) @ (B, S, d_v) -> (B, T, d_v)


class MultiplicativeAttention(nn.Module):
    """Luong: "general" score(q, k) = q^T W k, or "dot" score(q, k) = q^T k."""

    def __init__(self, d_q: int, d_k: int, kind: str = "general") -> None:
        super().__init__()
        if kind not in ("general", "dot"):
            raise ValueError(f"kind must be 'general' or 'dot', got {kind!r}")
        if kind == "dot" and d_q != d_k:
            raise ValueError("the dot score needs d_q == d_k")
        self.kind = kind
        if kind == "general":
            self.W = nn.Linear(d_k, d_q, bias=False)  # maps a key into query space: W k

    def score(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """q (B, T, d_q), k (B, S, d_k) -> scores (B, T, S)."""
        keys = self.W(k) if self.kind == "general" else k  # (B, S, d_q)
        return q @ keys.transpose(1, 2)  # (B, T, d_q) @ (B, d_q, S) -> (B, T, S)

    def forward(self, q, k, values, mask):
        """Returns (context (B, T, d_v), weights (B, T, S))."""
        weights = masked_softmax(self.score(q, k), mask)  # (B, T, S)
        return weights @ values, weights


class Seq2Seq(nn.Module):
    """GRU encoder, GRU decoder, attention over the encoder outputs (Luong's global attention)."""

    def __init__(self, src_vocab: int, tgt_vocab: int, emb: int = 32, hidden: int = 64,
                 attention: str = "additive") -> None:
        super().__init__()
        self.src_emb = nn.Embedding(src_vocab, emb)
        self.tgt_emb = nn.Embedding(tgt_vocab, emb)
        self.encoder = nn.GRU(emb, hidden, batch_first=True)
        self.decoder = nn.GRU(emb, hidden, batch_first=True)
        if attention == "additive":
            self.attention = AdditiveAttention(hidden, hidden, hidden)
        else:
            self.attention = MultiplicativeAttention(hidden, hidden, attention)
        self.W_c = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, tgt_vocab)

    def forward(self, src: torch.Tensor, mask: torch.Tensor, dec_in: torch.Tensor) -> torch.Tensor:
        """src (B, S), mask (B, S) bool, dec_in (B, T) -> logits (B, T, tgt_vocab)."""
        enc_out, h = self.encoder(self.src_emb(src))  # (B, S, H), (1, B, H)
        dec_out, _ = self.decoder(self.tgt_emb(dec_in), h)  # (B, T, H): one query per target step
        context, _ = self.attention(dec_out, enc_out, enc_out, mask)  # (B, T, H)
        return self.out(torch.tanh(self.W_c(torch.cat([context, dec_out], dim=-1))))  # (B, T, V)


def seq2seq_loss(model: Seq2Seq, src: torch.Tensor, tgt: torch.Tensor, bos_id: int, pad_id: int) -> torch.Tensor:
    """Teacher-forced cross-entropy: logits of shift_right(tgt) against tgt, PAD targets ignored (mean over the rest)."""
    logits = model(src, source_mask(src, pad_id), shift_right(tgt, bos_id))  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), ignore_index=pad_id)
