"""Mutant: attention scores are divided by sqrt(d_model) instead of sqrt(d_head)."""

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
    return re.findall(r"\w+|[^\w\s]", text)


def detokenize(tokens: list[str]) -> str:
    """Join tokens with spaces, then glue hyphens to both neighbours and commas to the word before."""
    return " ".join(tokens).replace(" - ", "-").replace(" ,", ",")


class Vocab:
    """A word-level vocabulary: the four specials first, then every token of ``texts`` in sorted order."""

    def __init__(self, texts: list[str]) -> None:
        words = sorted({tok for t in texts for tok in tokenize(t)})
        self.itos = SPECIALS + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        return [self.stoi.get(tok, UNK) for tok in tokenize(text)]

    def decode(self, ids: list[int]) -> str:
        return detokenize([self.itos[i] for i in ids if i >= len(SPECIALS)])


def encode_batch(texts: list[str], vocab: Vocab, add_bos_eos: bool) -> torch.Tensor:
    """(B, T) long: each text's ids (wrapped in BOS ... EOS if add_bos_eos), right-padded with PAD."""
    rows = [vocab.encode(t) for t in texts]
    if add_bos_eos:
        rows = [[BOS] + r + [EOS] for r in rows]
    out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, :len(r)] = torch.tensor(r, dtype=torch.long)
    return out


# -------------------------------------------------------------------- masks ---

def padding_mask(ids: torch.Tensor, pad_id: int = PAD) -> torch.Tensor:
    """(B, T) bool: True at real tokens."""
    return ids != pad_id


def causal_mask(T: int) -> torch.Tensor:
    """(T, T) bool: entry (i, j) is True when j <= i (a position sees itself and the past)."""
    return torch.tril(torch.ones(T, T, dtype=torch.bool))


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
        B, Tq, d = x_q.shape
        Tk = x_kv.shape[1]
        # (B, T, d) -> (B, H, T, d_head): each head attends in its own subspace
        q = self.q_proj(x_q).view(B, Tq, self.n_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(x_kv).view(B, Tk, self.n_heads, self.d_head).transpose(1, 2)
        v = self.v_proj(x_kv).view(B, Tk, self.n_heads, self.d_head).transpose(1, 2)
        att = q @ k.transpose(-2, -1) / math.sqrt(d)  # (B, H, Tq, Tk); the scale keeps logits O(1)
        if mask is not None:
            att = att.masked_fill(~mask, float("-inf"))  # masked keys get exactly zero weight
        att = torch.softmax(att, dim=-1)
        out = (att @ v).transpose(1, 2).reshape(B, Tq, d)  # (B, Tq, d): heads concatenated
        return self.out_proj(out)


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
        h = self.ln1(x)
        x = x + self.drop(self.attn(h, h, src_mask4))  # pre-LN residual: the skip path is never normalised
        return x + self.ff(self.ln2(x))


class DecoderLayer(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(d_model), nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model, n_heads)
        self.cross_attn = MultiHeadAttention(d_model, n_heads)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, y: torch.Tensor, memory: torch.Tensor, tgt_mask4: torch.Tensor, src_mask4: torch.Tensor):
        h = self.ln1(y)
        y = y + self.drop(self.self_attn(h, h, tgt_mask4))  # causal: no peeking at later targets
        y = y + self.drop(self.cross_attn(self.ln2(y), memory, src_mask4))  # queries from y, keys/values from the source
        return y + self.ff(self.ln3(y))


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
    src_mask = padding_mask(src, pad_id)
    memory = model.encode(src, src_mask)  # the source is encoded once
    out = torch.full((src.shape[0], 1), bos_id, dtype=torch.long)
    done = torch.zeros(src.shape[0], dtype=torch.bool)
    for _ in range(max_len):
        logits = model.decode(out, memory, src_mask)[:, -1]  # (B, V): only the last position is new
        nxt = logits.argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)  # finished rows only get padding
        out = torch.cat([out, nxt[:, None]], dim=1)
        done |= nxt == eos_id
        if bool(done.all()):
            break
    result = []
    for row in out[:, 1:].tolist():
        row = row[: row.index(eos_id)] if eos_id in row else row
        result.append([t for t in row if t != pad_id])
    return result


# ----------------------------------------------------------------- training ---

@dataclass
class Translator:
    model: Transformer
    src_vocab: Vocab
    tgt_vocab: Vocab


def train_translation(pairs: list[tuple[str, str]], seed: int = 0, steps: int = 300, batch_size: int = 64,
                      lr: float = 3e-3) -> Translator:
    """Build the vocabularies and a small Transformer, and train it with teacher forcing (AdamW, warmup + cosine)."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    src_vocab, tgt_vocab = Vocab([s for s, _ in pairs]), Vocab([t for _, t in pairs])
    src_all = encode_batch([s for s, _ in pairs], src_vocab, add_bos_eos=False)  # (N, S)
    tgt_all = encode_batch([t for _, t in pairs], tgt_vocab, add_bos_eos=True)  # (N, T)
    model = Transformer(len(src_vocab), len(tgt_vocab), max_len=max(src_all.shape[1], tgt_all.shape[1]) + 8)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = 50
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(pairs), (batch_size,), generator=g)
        src, tgt = src_all[idx], tgt_all[idx]
        src = src[:, : int(padding_mask(src).sum(1).max())]  # trim columns that are padding in the whole batch
        tgt = tgt[:, : int(padding_mask(tgt).sum(1).max())]
        logits = model(src, tgt[:, :-1])  # teacher forcing: inputs BOS y_1 .. y_n, labels y_1 .. EOS
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    model.eval()
    return Translator(model, src_vocab, tgt_vocab)


def translate(translator: Translator, sentences: list[str], max_len: int = 40, batch_size: int = 250) -> list[str]:
    """Greedy translations of English sentences, detokenized."""
    out = []
    for i in range(0, len(sentences), batch_size):
        src = encode_batch(sentences[i:i + batch_size], translator.src_vocab, add_bos_eos=False)
        out += [translator.tgt_vocab.decode(ids) for ids in greedy_decode(translator.model, src, max_len)]
    return out
