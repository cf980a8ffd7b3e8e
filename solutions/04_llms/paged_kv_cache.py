"""Paged KV cache and continuous batching: the two ideas behind vLLM, built small.

Goal
----
Serve many generation requests with one model and a fixed pool of KV-cache
memory, the way vLLM does:

* ``BlockAllocator``: a free list of fixed-size cache blocks;
* ``PagedKVCache``: per-sequence block tables that map token positions to
  slots in a shared pool of blocks, allocated on demand and freed at the end;
* ``paged_attention``: attention whose keys and values are read through a
  block table instead of from one contiguous tensor;
* ``serve``: a continuous-batching scheduler. Requests arrive over time; every
  step runs ONE batched forward over all running sequences (prefill for the
  newly admitted, one decode token for the others); finished sequences free
  their blocks at once and waiting requests are admitted as soon as the
  freed blocks allow.

The generated tokens must be exactly those of greedy generation one request
at a time with a plain (dense) causal forward.

Why it matters
--------------
A KV cache stored as one contiguous (max_len, ...) tensor per request wastes
the memory of every token the request never generates, and the free space
fragments. Paging (as in an operating system's virtual memory) allocates
small blocks only when a sequence grows into them, so almost no memory is
wasted and many more requests fit in the same GPU. Static batching waits for
the whole batch to finish; continuous (iteration-level) batching refills a
slot the moment a sequence ends. Together they gave vLLM 2-4x the throughput
of earlier servers.

The maths
---------
Blocks hold ``block_size`` tokens. Token position p of a sequence lives in
block ``table[p // block_size]`` at offset ``p % block_size``, i.e. at the
flat slot ``table[p // block_size] * block_size + p % block_size`` of the pool
viewed as (num_blocks * block_size, n_heads, head_dim). A sequence of L
tokens holds ceil(L / block_size) blocks.

Attention for the n newest tokens of a sequence whose cache holds
``context_len`` tokens (the n new ones included, at positions
context_len - n .. context_len - 1): gather K, V for positions
0 .. context_len - 1 through the table, then for each head

    out_i = softmax(q_i K^T / sqrt(head_dim) + causal mask) V

where query i (position context_len - n + i) sees positions <= its own.
Slots past ``context_len`` in the last block hold garbage: never read them.

Scheduling (one step of ``serve``, steps counted from 0):

1. admission: waiting requests whose ``arrival <= step`` are admitted in
   arrival (FCFS) order while fewer than ``max_batch`` sequences run and the
   pool can guarantee the request's whole lifetime: a request's cache ends up
   holding len(prompt) + max_new_tokens - 1 tokens (the last generated token
   is never fed back), so it needs ``blocks_needed`` of that many tokens.
   Admit only if  free blocks - blocks still owed to running sequences
   >= that need. Stop at the first request that does not fit (no overtaking).
   This never runs out of blocks, so no preemption is needed.
2. one call of ``model.forward_paged``: newly admitted sequences feed their
   whole prompt (prefill), running ones feed their last generated token;
3. greedy: append argmax of each sequence's last logits; a sequence that has
   ``max_new_tokens`` tokens finishes and frees its blocks in the same step.

Steps where nothing runs (the next request has not arrived) call no model.

API
---
    OutOfBlocks(RuntimeError)                          (given)
    BlockAllocator(num_blocks)
        .allocate() -> int          a free block id; raises OutOfBlocks when none is free
        .free(block)                return it; ValueError if it is not allocated (double free)
        .num_free -> int
    blocks_needed(n_tokens, block_size) -> int         ceil(n_tokens / block_size)
    PagedKVCache(num_blocks, block_size, n_layers, n_heads, head_dim)
        .k, .v: (n_layers, num_blocks, block_size, n_heads, head_dim) zero tensors
        .allocator, .block_size, .block_tables: dict[seq_id, list[int]], .lengths: dict[seq_id, int]
        .append(seq_id, n) -> LongTensor (n,)          flat slots of the n new positions
        .free(seq_id)
    paged_attention(q, k_cache, v_cache, block_table, context_len, block_size) -> (n, n_heads, head_dim)
    Request(rid, arrival, prompt, max_new_tokens)      (given)
    serve(model, requests, num_blocks, block_size, max_batch) -> dict[rid, list[int]]
    TinyDecoder                                        (given; forward_dense and forward_paged)

Worked example
--------------
    >>> cache = PagedKVCache(num_blocks=4, block_size=2, n_layers=1, n_heads=1, head_dim=2)
    >>> cache.append("a", 3)            # "a" gets blocks 0 and 1 (any free ids are fine)
    tensor([0, 1, 2])
    >>> cache.append("b", 1)            # "b" gets its own block
    tensor([4])
    >>> cache.append("a", 1)            # position 3 still fits in "a"'s second block
    tensor([3])
    >>> cache.allocator.num_free
    1
    >>> cache.free("a"); cache.allocator.num_free
    3

Reference
---------
Kwon et al., "Efficient Memory Management for Large Language Model Serving
with PagedAttention" (SOSP 2023); Yu et al., "Orca: A Distributed Serving
System for Transformer-Based Generative Models" (OSDI 2022) for
iteration-level scheduling; vLLM, ``vllm/core/block_manager.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


class OutOfBlocks(RuntimeError):
    """Raised by BlockAllocator.allocate when every block is in use."""


class BlockAllocator:
    """A free list of block ids 0 .. num_blocks - 1."""

    def __init__(self, num_blocks: int):
        self.num_blocks = num_blocks
        self._free = list(range(num_blocks - 1, -1, -1))  # pop() hands out 0, 1, 2, ... first
        self._used: set[int] = set()

    def allocate(self) -> int:
        """Take a free block id; raise OutOfBlocks when there is none."""
        if not self._free:
            raise OutOfBlocks(f"all {self.num_blocks} blocks are in use")
        block = self._free.pop()
        self._used.add(block)
        return block

    def free(self, block: int) -> None:
        """Give ``block`` back; ValueError if it is not currently allocated."""
        if block not in self._used:
            raise ValueError(f"block {block} is not allocated (double free?)")
        self._used.remove(block)
        self._free.append(block)  # reused by the next allocate()

    @property
    def num_free(self) -> int:
        return len(self._free)


def blocks_needed(n_tokens: int, block_size: int) -> int:
    """ceil(n_tokens / block_size): the blocks that hold n_tokens tokens."""
    return -(-n_tokens // block_size)


class PagedKVCache:
    """A shared pool of KV blocks plus a block table and a length per sequence."""

    def __init__(self, num_blocks: int, block_size: int, n_layers: int, n_heads: int, head_dim: int):
        self.block_size = block_size
        self.allocator = BlockAllocator(num_blocks)
        self.k = torch.zeros(n_layers, num_blocks, block_size, n_heads, head_dim)
        self.v = torch.zeros(n_layers, num_blocks, block_size, n_heads, head_dim)
        self.block_tables: dict = {}
        self.lengths: dict = {}

    def append(self, seq_id, n: int) -> torch.Tensor:
        """Grow ``seq_id`` by n positions, allocating blocks on demand; return their flat slots (n,)."""
        table = self.block_tables.setdefault(seq_id, [])
        start = self.lengths.get(seq_id, 0)
        while len(table) < blocks_needed(start + n, self.block_size):
            table.append(self.allocator.allocate())
        self.lengths[seq_id] = start + n
        pos = torch.arange(start, start + n)                                 # (n,)
        blocks = torch.tensor(table, dtype=torch.long)[pos // self.block_size]  # (n,)
        return blocks * self.block_size + pos % self.block_size

    def free(self, seq_id) -> None:
        """Return every block of ``seq_id`` to the allocator and forget the sequence."""
        for block in self.block_tables.pop(seq_id, []):
            self.allocator.free(block)
        self.lengths.pop(seq_id, None)


def paged_attention(q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, block_table: list[int],
                    context_len: int, block_size: int) -> torch.Tensor:
    """Causal attention of the n newest positions of one sequence, reading K/V through its block table.

    Args:
        q: (n, n_heads, head_dim), the queries of positions context_len - n .. context_len - 1.
        k_cache, v_cache: (num_blocks, block_size, n_heads, head_dim), one layer's pool.
        block_table: the sequence's block ids, in position order.
        context_len: tokens in the cache for this sequence (the n new ones included).
        block_size: tokens per block.

    Returns:
        (n, n_heads, head_dim).
    """
    n, _, d = q.shape
    pos = torch.arange(context_len)                                           # (L,)
    slots = torch.tensor(block_table, dtype=torch.long)[pos // block_size] * block_size + pos % block_size
    K = k_cache.flatten(0, 1)[slots]                                          # (L, H, D), no garbage slots
    V = v_cache.flatten(0, 1)[slots]                                          # (L, H, D)
    scores = torch.einsum("nhd,lhd->hnl", q, K) / math.sqrt(d)               # (H, n, L)
    q_pos = torch.arange(context_len - n, context_len)                        # (n,)
    scores = scores.masked_fill(pos[None, :] > q_pos[:, None], float("-inf"))  # query i sees positions <= its own
    return torch.einsum("hnl,lhd->nhd", scores.softmax(-1), V)               # (n, H, D)


@dataclass
class Request:
    """A generation request: ``prompt`` token ids, arriving at step ``arrival``."""
    rid: int
    arrival: int
    prompt: list[int]
    max_new_tokens: int


def serve(model: "TinyDecoder", requests: list[Request], num_blocks: int, block_size: int,
          max_batch: int) -> dict[int, list[int]]:
    """Continuous batching with a paged KV cache; returns {rid: generated token ids} (greedy).

    Raises ValueError if a request can never fit in ``num_blocks`` blocks.
    """
    cache = PagedKVCache(num_blocks, block_size, model.n_layers, model.n_heads, model.head_dim)
    need = {r.rid: blocks_needed(len(r.prompt) + r.max_new_tokens - 1, block_size) for r in requests}
    for r in requests:
        if need[r.rid] > num_blocks:
            raise ValueError(f"request {r.rid} needs {need[r.rid]} blocks but the cache has only {num_blocks}")
    waiting = sorted(requests, key=lambda r: r.arrival)  # stable: ties keep list order
    running: list[Request] = []
    out: dict[int, list[int]] = {}
    step = 0
    while waiting or running:
        # 1. admission: FCFS while the pool can guarantee each admitted request's whole lifetime
        owed = sum(need[r.rid] - len(cache.block_tables.get(r.rid, [])) for r in running)
        admitted = []
        while (waiting and waiting[0].arrival <= step and len(running) < max_batch
               and cache.allocator.num_free - owed >= need[waiting[0].rid]):
            r = waiting.pop(0)
            owed += need[r.rid]
            running.append(r)
            admitted.append(r)
            out[r.rid] = []
        if running:
            # 2. one batched forward: prefill for the new, one decode token for the others
            batch = [(r.rid, list(r.prompt)) if r in admitted else (r.rid, [out[r.rid][-1]]) for r in running]
            logits = model.forward_paged(batch, cache)                        # (B, V)
            # 3. greedy append; finished sequences free their blocks now
            for r, tok in zip(list(running), logits.argmax(-1).tolist()):
                out[r.rid].append(tok)
                if len(out[r.rid]) == r.max_new_tokens:
                    cache.free(r.rid)
                    running.remove(r)
        step += 1
    return out


class TinyDecoder(nn.Module):
    """A small pre-norm causal transformer with learned positions (given; not the point of the exercise)."""

    def __init__(self, vocab: int = 48, d_model: int = 32, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 128, seed: int = 0):
        super().__init__()
        self.n_layers, self.n_heads, self.head_dim = n_layers, n_heads, d_model // n_heads
        torch.manual_seed(seed)
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.layers = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(d_model), qkv=nn.Linear(d_model, 3 * d_model), proj=nn.Linear(d_model, d_model),
            ln2=nn.LayerNorm(d_model), fc1=nn.Linear(d_model, 4 * d_model), fc2=nn.Linear(4 * d_model, d_model),
        )) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)
        self.eval()

    def _mlp(self, layer: nn.ModuleDict, x: torch.Tensor) -> torch.Tensor:
        return layer["fc2"](F.gelu(layer["fc1"](layer["ln2"](x))))

    @torch.no_grad()
    def forward_dense(self, tokens: list[int]) -> torch.Tensor:
        """Plain causal forward of one sequence, no cache: logits (T, vocab)."""
        T = len(tokens)
        x = self.tok(torch.tensor(tokens)) + self.pos(torch.arange(T))       # (T, d)
        for layer in self.layers:
            q, k, v = layer["qkv"](layer["ln1"](x)).view(T, 3, self.n_heads, self.head_dim).unbind(1)
            a = F.scaled_dot_product_attention(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), is_causal=True)
            x = x + layer["proj"](a.transpose(0, 1).reshape(T, -1))
            x = x + self._mlp(layer, x)
        return self.head(self.ln_f(x))

    @torch.no_grad()
    def forward_paged(self, batch: list[tuple[object, list[int]]], cache: PagedKVCache) -> torch.Tensor:
        """One batched step: each (seq_id, new_tokens) is appended to the cache and run.

        All sequences' new tokens are flattened into one (N, d) batch for the
        projections and MLPs; attention runs per sequence through its block
        table. Returns the logits of each sequence's last new token, (B, vocab).
        """
        starts = [cache.lengths.get(sid, 0) for sid, _ in batch]
        slots = torch.cat([cache.append(sid, len(toks)) for sid, toks in batch])           # (N,)
        tokens = torch.tensor([t for _, toks in batch for t in toks])                       # (N,)
        positions = torch.cat([torch.arange(s, s + len(toks)) for s, (_, toks) in zip(starts, batch)])
        sizes = [len(toks) for _, toks in batch]
        N = len(tokens)
        x = self.tok(tokens) + self.pos(positions)                                          # (N, d)
        for li, layer in enumerate(self.layers):
            q, k, v = layer["qkv"](layer["ln1"](x)).view(N, 3, self.n_heads, self.head_dim).unbind(1)
            cache.k[li].flatten(0, 1)[slots] = k                                            # write new K/V
            cache.v[li].flatten(0, 1)[slots] = v
            outs = [paged_attention(qi, cache.k[li], cache.v[li], cache.block_tables[sid],
                                    cache.lengths[sid], cache.block_size)
                    for qi, (sid, _) in zip(q.split(sizes), batch)]
            x = x + layer["proj"](torch.cat(outs).reshape(N, -1))
            x = x + self._mlp(layer, x)
        last = torch.tensor(sizes).cumsum(0) - 1                                            # (B,)
        return self.head(self.ln_f(x[last]))
