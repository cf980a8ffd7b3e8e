"""Mutant: the additive score leaves out the tanh."""

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
        h = self.W_q(q)[:, :, None, :] + self.W_k(k)[:, None, :, :]
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
