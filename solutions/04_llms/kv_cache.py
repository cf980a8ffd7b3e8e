"""A KV cache for incremental decoding of a small causal transformer.

Goal
----
The decoder below (``TinyGPT``: token + learned position embeddings,
pre-LayerNorm blocks of causal multi-head attention and an MLP) generates
text by running the *whole* sequence again for every new token. Add a
key/value cache so that each step only processes the new token(s):

* ``KVCache``: per layer, keys and values of shape (B, n_heads, T, head_dim);
  ``update(layer, k, v)`` appends along T and returns the full cached keys
  and values; ``seq_len`` is the number of cached positions; ``nbytes()``
  the memory the tensors take;
* ``CausalSelfAttention.forward(x, cache=None, layer=0)``: attention of the
  new queries over all cached keys/values (the past plus the new ones), with
  a causal mask that accounts for the offset;
* ``TinyGPT.forward(idx, cache=None)``: the positions of the new tokens
  start at ``cache.seq_len``, not at 0;
* ``generate_greedy(model, idx, max_new_tokens, use_cache=True)``: prefill
  the prompt once, then feed one token per step;
* ``kv_cache_bytes(...)``: the cache's memory formula.

Why it matters
--------------
Without a cache, generating n tokens costs O(n^2) token-forwards (each
step re-encodes the prefix); with it, O(n): the keys and values of past
tokens never change in a causal model, so they are computed once and kept.
Every LLM inference engine (Hugging Face ``DynamicCache``, vLLM's
PagedAttention) is built around this cache, and its size, not the weights,
often limits the batch size and context length you can serve.

The maths
---------
Attention of queries Q (T_new positions) over keys K and values V of all
T = T_past + T_new positions (per head, head_dim d):

    A = softmax(Q K^T / sqrt(d) + M) V,   M[i, j] = 0 if j <= T_past + i else -inf

Query i sits at absolute position T_past + i; with T_past = 0 this is the
usual causal mask, and with one new token (T_new = 1) nothing is masked.
Position embeddings use the absolute positions T_past .. T_past + T_new - 1.

Memory: keys and values (the 2), for every layer and head,
head_dim numbers per position:

    bytes = 2 * n_layers * n_heads * head_dim * seq_len * batch_size * bytes_per_element

API
---
    KVCache(n_layers)
        .update(layer: int, k (B, H, T_new, hd), v (B, H, T_new, hd)) -> (k_all, v_all), each (B, H, T_past + T_new, hd)
        .seq_len -> int (0 when empty)        .nbytes() -> int
        .keys[layer], .values[layer]: the cached tensors (None until the first update)
    CausalSelfAttention(cfg).forward(x (B, T_new, d_model), cache=None, layer=0) -> (B, T_new, d_model)
    TinyGPT(cfg).forward(idx (B, T_new) int64, cache=None) -> logits (B, T_new, vocab)
        (with a cache: read ``cache.seq_len`` *before* the layers update it)
    generate_greedy(model, idx (B, T), max_new_tokens, use_cache=True) -> (B, T + max_new_tokens)
    kv_cache_bytes(n_layers, n_heads, head_dim, seq_len, batch_size=1, bytes_per_element=2) -> int

Worked example
--------------
Llama-2-7B: 32 layers, 32 heads of 128, a 4096-token context in float16:

    >>> kv_cache_bytes(32, 32, 128, 4096, batch_size=1, bytes_per_element=2)
    2147483648                            # 2 GiB per sequence

and for a model with a cache, ``model(idx[:, :5], cache)`` then
``model(idx[:, 5:6], cache)`` gives the same last logits as
``model(idx[:, :6])[:, -1]``, and ``cache.seq_len`` goes 0 -> 5 -> 6.

Reference
---------
Pope et al., "Efficiently Scaling Transformer Inference" (2022), section 2;
Hugging Face ``transformers``, ``cache_utils.py`` (``DynamicCache``);
Karpathy, nanoGPT ``model.py`` (the uncached model this one follows).
"""

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
    return 2 * n_layers * n_heads * head_dim * seq_len * batch_size * bytes_per_element


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
