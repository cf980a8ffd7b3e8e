"""Spec for 04_llms/paged_kv_cache.py: block allocator, paged KV cache, paged attention, continuous batching."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, check

# every tensor here is tiny: intra-op threads only add overhead (30x on a busy machine)
torch.set_num_threads(1)


def _dense_greedy(model, prompt, n):
    """The oracle: greedy generation one token at a time with a full causal forward (no cache)."""
    toks = list(prompt)
    for _ in range(n):
        toks.append(int(model.forward_dense(toks)[-1].argmax()))
    return toks[len(prompt):]


def _requests(learner, rng, n, max_arrival=6, max_prompt=9, max_new=8):
    return [learner.Request(i, int(rng.integers(0, max_arrival + 1)),
                            [int(t) for t in rng.integers(0, 48, size=int(rng.integers(1, max_prompt + 1)))],
                            int(rng.integers(1, max_new + 1))) for i in range(n)]


def _instrument(model):
    """Wrap model.forward_paged to record every call: the batch's seq ids and the cache's free blocks after it."""
    calls = []
    inner = model.forward_paged

    def wrapped(batch, cache):
        out = inner(batch, cache)
        calls.append(dict(ids=[sid for sid, _ in batch], sizes=[len(t) for _, t in batch],
                          free=cache.allocator.num_free, cache=cache))
        return out

    model.forward_paged = wrapped
    return calls


def _serve(learner, model, reqs, **kw):
    try:
        return learner.serve(model, reqs, **kw)
    except learner.OutOfBlocks as e:
        check(False, f"serve ran out of KV blocks ({e})",
              hint="admission must guarantee each request's whole lifetime: free blocks minus the blocks still owed to "
                   "running sequences >= blocks_needed(len(prompt) + max_new_tokens - 1, block_size)")


def test_allocator(learner):
    """BlockAllocator hands out distinct ids, raises OutOfBlocks when empty, reuses freed blocks, rejects a double free."""
    a = learner.BlockAllocator(3)
    got = [a.allocate() for _ in range(3)]
    assert_equal(sorted(got), [0, 1, 2], name="the three allocated block ids",
                 hint="hand out each id 0 .. num_blocks - 1 once")
    assert_equal(a.num_free, 0, name="num_free after allocating everything")
    with pytest.raises(learner.OutOfBlocks):
        a.allocate()
    a.free(got[1])
    assert_equal(a.num_free, 1, name="num_free after one free")
    assert_equal(a.allocate(), got[1], name="the block allocated after freeing one",
                 hint="a freed block goes back on the free list and is handed out again")
    a.free(got[0])
    with pytest.raises(ValueError):
        a.free(got[0])


def test_blocks_needed(learner):
    """blocks_needed is ceil(n_tokens / block_size)."""
    for n, bs, want in [(0, 4, 0), (1, 4, 1), (4, 4, 1), (5, 4, 2), (16, 16, 1), (17, 16, 2)]:
        assert_equal(learner.blocks_needed(n, bs), want, name=f"blocks_needed({n}, {bs})",
                     hint="ceil division: -(-n // block_size)")


def test_cache_append_and_free(learner):
    """The docstring example: blocks are allocated only when a sequence grows into them; slots are
    block * block_size + offset; free returns every block."""
    cache = learner.PagedKVCache(num_blocks=4, block_size=2, n_layers=1, n_heads=1, head_dim=2)
    sa = cache.append("a", 3)
    check(len(cache.block_tables["a"]) == 2, f"'a' holds {len(cache.block_tables['a'])} blocks after 3 tokens, expected 2",
          hint="allocate ceil(length / block_size) blocks, no more (allocation is on demand)")
    ta = cache.block_tables["a"]
    assert_equal(sa.tolist(), [ta[0] * 2, ta[0] * 2 + 1, ta[1] * 2], name="slots of a's first 3 tokens",
                 hint="slot = block_table[p // block_size] * block_size + p % block_size")
    sb = cache.append("b", 1)
    tb = cache.block_tables["b"]
    check(len(tb) == 1 and tb[0] not in ta, f"'b' got blocks {tb} while 'a' holds {ta}",
          hint="every sequence gets its own blocks from the allocator")
    assert_equal(sb.tolist(), [tb[0] * 2], name="slot of b's first token")
    s3 = cache.append("a", 1)
    assert_equal(s3.tolist(), [ta[1] * 2 + 1], name="slot of a's 4th token",
                 hint="position 3 still fits in a's second block (offset 1): no new block")
    assert_equal(cache.lengths["a"], 4, name="lengths['a']")
    assert_equal(cache.allocator.num_free, 1, name="free blocks with a: 2 blocks, b: 1 block")
    cache.free("a")
    assert_equal(cache.allocator.num_free, 3, name="free blocks after freeing a",
                 hint="free gives every block in the sequence's table back")
    check("a" not in cache.block_tables, "the freed sequence is still in block_tables", hint="pop it")


def test_paged_attention_matches_dense(learner, seed):
    """paged_attention through a shuffled block table equals causal SDPA over contiguous K/V, for decode (n=1),
    a chunk (n=3) and prefill (n=context_len), with a partly filled last block."""
    g = torch.Generator().manual_seed(seed)
    num_blocks, bs, H, D, L = 9, 4, 2, 8, 14
    table = torch.randperm(num_blocks, generator=g)[:4].tolist()         # 4 blocks hold 14 tokens
    K = torch.randn(L, H, D, generator=g)
    V = torch.randn(L, H, D, generator=g)
    k_cache = torch.randn(num_blocks, bs, H, D, generator=g) * 1e4       # garbage everywhere else
    v_cache = torch.randn(num_blocks, bs, H, D, generator=g) * 1e4
    for p in range(L):
        k_cache[table[p // bs], p % bs] = K[p]
        v_cache[table[p // bs], p % bs] = V[p]
    Q = torch.randn(L, H, D, generator=g)
    ref = F.scaled_dot_product_attention(Q.transpose(0, 1), K.transpose(0, 1), V.transpose(0, 1),
                                         is_causal=True).transpose(0, 1)  # (L, H, D)
    for n in (1, 3, L):
        out = learner.paged_attention(Q[L - n:], k_cache, v_cache, table, L, bs)
        assert_close(out, ref[L - n:], atol=1e-5, rtol=1e-5, name=f"paged attention of the last {n} positions",
                     hint="gather K/V at slots table[p // bs] * bs + p % bs for p < context_len only (the rest of "
                          "the last block is garbage), scale by 1/sqrt(head_dim), and mask keys after each query's "
                          "position context_len - n + i")


def test_single_request_equals_dense_greedy(learner):
    """One request through serve generates exactly the dense greedy tokens, with one model call per token."""
    model = learner.TinyDecoder(seed=1)
    calls = _instrument(model)
    req = learner.Request(0, 0, [3, 14, 15, 9, 2, 6], 7)
    out = _serve(learner, model, [req], num_blocks=4, block_size=4, max_batch=2)
    assert_equal(out[0], _dense_greedy(model, req.prompt, 7), name="generated tokens",
                 hint="prefill the whole prompt once, then feed back only the last generated token each step")
    assert_equal(len(calls), 7, name="model calls for 7 new tokens",
                 hint="one forward_paged per step: the prefill yields the first token")
    assert_equal(calls[-1]["cache"].allocator.num_free, 4, name="free blocks after the request finished",
                 hint="a finished sequence frees its blocks in the same step")


def test_continuous_batching_outputs_and_accounting(learner, rng):
    """Staggered requests: outputs equal dense greedy; each step is ONE batched call; sequences join while others run;
    no leaked blocks at the end; freed blocks are reused."""
    model = learner.TinyDecoder(seed=2)
    calls = _instrument(model)
    reqs = _requests(learner, rng, 6, max_new=6)
    out = _serve(learner, model, reqs, num_blocks=6, block_size=4, max_batch=4)
    for r in reqs:
        assert_equal(out[r.rid], _dense_greedy(model, r.prompt, r.max_new_tokens), name=f"tokens of request {r.rid}",
                     hint="each sequence's attention must read only its own blocks (through its block table)")
    total_new = sum(r.max_new_tokens for r in reqs)
    check(len(calls) < total_new, f"{len(calls)} model calls for {total_new} generated tokens: nothing was batched",
          hint="each step runs all running sequences in one forward_paged call")
    check(max(len(c["ids"]) for c in calls) >= 2, "no step ever ran two sequences together",
          hint="admit waiting requests while blocks and max_batch allow")
    check(all(len(c["ids"]) <= 4 for c in calls), "a step ran more than max_batch = 4 sequences",
          hint="admit only while len(running) < max_batch")
    cache = calls[-1]["cache"]
    assert_equal(cache.allocator.num_free, 6, name="free blocks after all requests finished",
                 hint="free every finished sequence's blocks (cache.free(rid)): they leaked")
    check(not cache.block_tables, f"block tables left after serving: {list(cache.block_tables)}", hint="cache.free(rid)")


def test_admission_under_memory_pressure(learner, rng):
    """With a pool that fits one or two requests at a time, serve never runs out of blocks, never exceeds the pool,
    admits in FCFS order, still matches dense greedy, and rejects a request that can never fit."""
    model = learner.TinyDecoder(seed=3)
    calls = _instrument(model)
    reqs = [learner.Request(i, 0, [int(t) for t in rng.integers(0, 48, size=6)], 7) for i in range(3)]
    # each request holds 6 + 7 - 1 = 12 tokens = 3 blocks of 4 at the end; the pool has 5 blocks
    out = _serve(learner, model, reqs, num_blocks=5, block_size=4, max_batch=4)
    for r in reqs:
        assert_equal(out[r.rid], _dense_greedy(model, r.prompt, r.max_new_tokens), name=f"tokens of request {r.rid}")
    check(all(len(c["ids"]) == 1 for c in calls),
          f"batch sizes {[len(c['ids']) for c in calls]}: two 3-block requests ran together in a 5-block pool",
          hint="admit a request only if free blocks minus the blocks still owed to running sequences cover its "
               "whole lifetime, blocks_needed(len(prompt) + max_new_tokens - 1)")
    order = []
    for c in calls:
        for sid in c["ids"]:
            if sid not in order:
                order.append(sid)
    assert_equal(order, [0, 1, 2], name="admission order", hint="first come, first served")
    with pytest.raises(ValueError):
        learner.serve(model, [learner.Request(0, 0, [1] * 20, 5)], num_blocks=5, block_size=4, max_batch=2)


def test_no_overtaking_and_idle_steps(learner):
    """A big request at the head of the queue is not overtaken by a later small one; steps before the first
    arrival call no model."""
    model = learner.TinyDecoder(seed=4)
    calls = _instrument(model)
    reqs = [learner.Request(0, 3, [1, 2, 3, 4, 5], 4),         # 8 tokens: 2 blocks
            learner.Request(1, 3, [7, 8, 9, 10, 11, 12], 7),    # 12 tokens: 3 blocks, must wait
            learner.Request(2, 4, [5], 2)]                      # 2 tokens: 1 block, fits but must not overtake
    out = _serve(learner, model, reqs, num_blocks=4, block_size=4, max_batch=4)
    for r in reqs:
        assert_equal(out[r.rid], _dense_greedy(model, r.prompt, r.max_new_tokens), name=f"tokens of request {r.rid}")
    first = {}
    for i, c in enumerate(calls):
        for sid in c["ids"]:
            first.setdefault(sid, i)
    check(first[2] >= first[1], f"request 2 started at call {first[2]}, before request 1 (call {first[1]})",
          hint="stop admitting at the first waiting request that does not fit (FCFS, no overtaking)")
    assert_equal(len(calls), 4 + 7, name="model calls",
                 hint="idle steps (nothing arrived yet) call no model; request 0 runs alone for 4 steps, then 1 and 2 "
                      "are admitted together and 1 runs 7 steps")
