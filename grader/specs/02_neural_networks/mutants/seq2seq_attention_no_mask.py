"""Mutant: attention forgets to mask the padded source positions."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, BOS, VOCAB = 0, 1, 12  # digits d are tokens d + 2


def reversal_batch(
    n: int, min_len: int, max_len: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A random batch of the reversal task (given).

    Returns:
        src (n, max_len) digit tokens padded with PAD; src_lengths (n,);
        tgt_in (n, max_len) = [BOS, y_1 .. y_{L-1}] padded; tgt_out (n, max_len) = [y_1 .. y_L] padded,
        where y = the source reversed.
    """
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=generator)
    src = torch.randint(2, VOCAB, (n, max_len), generator=generator)
    positions = torch.arange(max_len)
    src[positions[None, :] >= lengths[:, None]] = PAD
    tgt_out = torch.full_like(src, PAD)
    for b in range(n):
        tgt_out[b, : lengths[b]] = src[b, : lengths[b]].flip(0)
    tgt_in = torch.cat([torch.full((n, 1), BOS), tgt_out[:, :-1]], dim=1)
    tgt_in[positions[None, :] >= lengths[:, None]] = PAD
    return src, lengths, tgt_in, tgt_out


def attention(query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention of one query per sequence over its source states.

    Args:
        query: (B, H) the decoder state.
        keys: (B, S, H) the encoder states (also the values).
        mask: (B, S) bool, True at real source positions, False at padding.

    Returns:
        (context (B, H), weights (B, S)): weights sum to 1 over the real positions and are 0 on padding.
    """
    scores = (keys @ query.unsqueeze(-1)).squeeze(-1) / math.sqrt(query.shape[-1])  # (B, S)
    weights = torch.softmax(scores, dim=-1)  # (B, S), softmax subtracts the max: safe for large scores
    context = (weights.unsqueeze(1) @ keys).squeeze(1)  # (B, 1, S) @ (B, S, H) -> (B, H)
    return context, weights


class Seq2Seq(nn.Module):
    """GRU encoder, GRU-cell decoder with input feeding and dot-product attention."""

    def __init__(self, vocab_size: int = VOCAB, embed_dim: int = 32, hidden_dim: int = 64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)  # shared by encoder and decoder
        self.encoder = nn.GRU(embed_dim, hidden_dim, batch_first=True)
        self.decoder = nn.GRUCell(embed_dim + hidden_dim, hidden_dim)
        self.out = nn.Linear(2 * hidden_dim, vocab_size)

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """src (B, S), src_lengths (B,) -> (enc_states (B, S, H), zeros at padding; h (B, H) = last real state)."""
        packed = pack_padded_sequence(self.embedding(src), src_lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.encoder(packed)
        enc_states, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (B, S, H)
        return enc_states, h_n[-1]  # h_n[-1]: (B, H), the state after each source's last real token

    def step(
        self, y_prev: torch.Tensor, h: torch.Tensor, context: torch.Tensor, enc_states: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One decoder step: (B,), (B, H), (B, H), (B, S, H), (B, S) -> logits (B, V), h, context, weights (B, S)."""
        x = torch.cat([self.embedding(y_prev), context], dim=-1)  # (B, E + H): input feeding
        h = self.decoder(x, h)  # (B, H)
        context, weights = attention(h, enc_states, mask)  # (B, H), (B, S)
        logits = self.out(torch.cat([h, context], dim=-1))  # (B, V)
        return logits, h, context, weights

    def forward(
        self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: step t reads the true token tgt_in[:, t]. -> (logits (B, T, V), weights (B, T, S))."""
        enc_states, h = self.encode(src, src_lengths)
        mask = src != PAD  # (B, S)
        context = torch.zeros_like(h)  # (B, H)
        all_logits, all_weights = [], []
        for t in range(tgt_in.shape[1]):
            logits, h, context, weights = self.step(tgt_in[:, t], h, context, enc_states, mask)
            all_logits.append(logits)
            all_weights.append(weights)
        return torch.stack(all_logits, dim=1), torch.stack(all_weights, dim=1)

    @torch.no_grad()
    def greedy_decode(
        self, src: torch.Tensor, src_lengths: torch.Tensor, max_len: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Feed back the argmax token, starting from BOS. -> (tokens (B, max_len), weights (B, max_len, S))."""
        enc_states, h = self.encode(src, src_lengths)
        mask = src != PAD
        context = torch.zeros_like(h)
        y = torch.full((src.shape[0],), BOS, dtype=torch.long, device=src.device)  # (B,)
        tokens, all_weights = [], []
        for _ in range(max_len):
            logits, h, context, weights = self.step(y, h, context, enc_states, mask)
            y = logits.argmax(dim=-1)  # (B,) the model's own guess becomes the next input
            tokens.append(y)
            all_weights.append(weights)
        return torch.stack(tokens, dim=1), torch.stack(all_weights, dim=1)


def train_seq2seq(
    model: Seq2Seq,
    steps: int,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    min_len: int = 3,
    max_len: int = 8,
) -> list[float]:
    """Adam with teacher forcing on fresh reversal batches; the loss ignores PAD targets. Returns each step's loss."""
    g = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        src, lengths, tgt_in, tgt_out = reversal_batch(batch_size, min_len, max_len, g)
        logits, _ = model(src, lengths, tgt_in)  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # recurrent nets: keep an occasional spike from derailing
        optimizer.step()
        losses.append(loss.item())
    return losses
