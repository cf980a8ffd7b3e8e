"""Mutant: the memory formula forgets the factor 2 (keys and values)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 64
    max_len: int = 64
    d_model: int = 32
    n_heads: int = 4
    n_layers: int = 2


class KVCache:
    """Per-layer cached keys and values, each (B, n_heads, T, head_dim)."""

    def __init__(self, n_layers: int):
        self.keys: list[torch.Tensor | None] = [None] * n_layers
        self.values: list[torch.Tensor | None] = [None] * n_layers

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append k, v (B, H, T_new, hd) to the layer's cache; return all keys and values (B, H, T_past + T_new, hd)."""
        if self.keys[layer] is None:
            self.keys[layer], self.values[layer] = k, v
        else:
            self.keys[layer] = torch.cat([self.keys[layer], k], dim=2)      # grow along the time axis
            self.values[layer] = torch.cat([self.values[layer], v], dim=2)
        return self.keys[layer], self.values[layer]

    @property
    def seq_len(self) -> int:
        """Number of cached positions (that of layer 0; 0 when empty)."""
        return 0 if self.keys[0] is None else self.keys[0].shape[2]

    def nbytes(self) -> int:
        """Bytes held by all cached key and value tensors."""
        return sum(t.numel() * t.element_size() for t in self.keys + self.values if t is not None)


def kv_cache_bytes(n_layers: int, n_heads: int, head_dim: int, seq_len: int, batch_size: int = 1,
                   bytes_per_element: int = 2) -> int:
    """Memory of a KV cache: 2 (K and V) * layers * heads * head_dim * seq_len * batch * bytes per element."""
    return n_layers * n_heads * head_dim * seq_len * batch_size * bytes_per_element


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.n_heads, self.head_dim = cfg.n_heads, cfg.d_model // cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        """x (B, T_new, d_model) -> (B, T_new, d_model); with a cache, attend over past and new positions."""
        B, T_new, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)                                          # 3 x (B, T_new, C)
        q, k, v = (t.view(B, T_new, self.n_heads, self.head_dim).transpose(1, 2) for t in (q, k, v))  # (B, H, T_new, hd)
        if cache is not None:
            k, v = cache.update(layer, k, v)                                           # (B, H, T_past + T_new, hd)
        T = k.shape[2]
        T_past = T - T_new
        att = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)                       # (B, H, T_new, T)
        # query i is at absolute position T_past + i and may see keys j <= T_past + i
        i = torch.arange(T_new).unsqueeze(1)
        j = torch.arange(T).unsqueeze(0)
        att = att.masked_fill(j > T_past + i, float("-inf"))
        y = att.softmax(dim=-1) @ v                                                    # (B, H, T_new, hd)
        return self.proj(y.transpose(1, 2).reshape(B, T_new, C))


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.mlp = nn.Sequential(nn.Linear(cfg.d_model, 4 * cfg.d_model), nn.GELU(), nn.Linear(4 * cfg.d_model, cfg.d_model))

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache, layer)
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos_emb = nn.Embedding(cfg.max_len, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """idx (B, T_new) -> logits (B, T_new, vocab); the new tokens sit at positions cache.seq_len onwards."""
        B, T_new = idx.shape
        start = 0 if cache is None else cache.seq_len                                 # read before the layers append
        pos = torch.arange(start, start + T_new, device=idx.device)                    # (T_new,)
        x = self.tok_emb(idx) + self.pos_emb(pos)                                      # (B, T_new, d_model)
        for layer, block in enumerate(self.blocks):
            x = block(x, cache, layer)
        return self.lm_head(self.ln_f(x))                                              # (B, T_new, vocab)


@torch.no_grad()
def generate_greedy(model: TinyGPT, idx: torch.Tensor, max_new_tokens: int, use_cache: bool = True) -> torch.Tensor:
    """Greedy decoding. With the cache: one forward over the prompt, then one token per step. (B, T) -> (B, T + n)."""
    cache = KVCache(len(model.blocks)) if use_cache else None
    logits = model(idx, cache)                                                         # prefill: (B, T, V)
    for _ in range(max_new_tokens):
        nxt = logits[:, -1].argmax(dim=-1, keepdim=True)                               # (B, 1)
        idx = torch.cat([idx, nxt], dim=1)
        logits = model(nxt, cache) if use_cache else model(idx)                        # only the new token with a cache
    return idx
