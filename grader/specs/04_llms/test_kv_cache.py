"""Spec for 04_llms/kv_cache.py: KV cache append, offset causal mask and positions, incremental = full logits, memory."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check


def _model(learner, seed, **kw):
    torch.manual_seed(seed)
    cfg = learner.Config(**kw)
    return learner.TinyGPT(cfg).eval(), cfg


def _reference_logits(model, idx):
    """The uncached forward, written with F.scaled_dot_product_attention(is_causal=True) on the model's weights."""
    B, T = idx.shape
    x = model.tok_emb(idx) + model.pos_emb(torch.arange(T))
    for blk in model.blocks:
        h = blk.ln1(x)
        C = h.shape[-1]
        H = blk.attn.n_heads
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in blk.attn.qkv(h).split(C, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + blk.attn.proj(y)
        x = x + blk.mlp(blk.ln2(x))
    return model.lm_head(model.ln_f(x))


def test_memory_formula(learner):
    """kv_cache_bytes = 2 * layers * heads * head_dim * seq_len * batch * bytes: Llama-2-7B at 4096 tokens in fp16 is 2 GiB."""
    assert_equal(int(learner.kv_cache_bytes(32, 32, 128, 4096, batch_size=1, bytes_per_element=2)), 2 ** 31,
                 name="kv_cache_bytes(Llama-2-7B, 4096 tokens, fp16)",
                 hint="2 (keys AND values) * n_layers * n_heads * head_dim * seq_len * batch_size * bytes_per_element")
    assert_equal(int(learner.kv_cache_bytes(2, 4, 8, 10, batch_size=3, bytes_per_element=4)), 2 * 2 * 4 * 8 * 10 * 3 * 4,
                 name="kv_cache_bytes(2, 4, 8, 10, batch 3, fp32)", hint="multiply by the batch size too")


def test_cache_update_appends(learner):
    """KVCache.update appends along the time axis (dim 2), returns everything cached, and seq_len counts positions."""
    cache = learner.KVCache(2)
    check(cache.seq_len == 0, f"an empty cache has seq_len {cache.seq_len}", hint="0 before the first update")
    k1, v1 = torch.randn(2, 4, 3, 8), torch.randn(2, 4, 3, 8)
    k, v = cache.update(0, k1, v1)
    assert_close(k, k1, name="keys after the first update", hint="the first update stores k as is")
    k2, v2 = torch.randn(2, 4, 1, 8), torch.randn(2, 4, 1, 8)
    k, v = cache.update(0, k2, v2)
    assert_shape(k, (2, 4, 4, 8), name="keys after 3 + 1 positions", hint="torch.cat([old, new], dim=2): the time axis")
    assert_close(k, torch.cat([k1, k2], 2), name="cached keys", hint="append the new keys after the old ones")
    assert_close(v, torch.cat([v1, v2], 2), name="cached values", hint="append the new values after the old ones")
    check(cache.seq_len == 4, f"seq_len is {cache.seq_len} after caching 4 positions", hint="keys[0].shape[2]")
    check(cache.keys[1] is None, "layer 1 was touched by updates of layer 0", hint="one list entry per layer")
    assert_equal(int(cache.nbytes()), 2 * 2 * 4 * 4 * 8 * 4, name="nbytes() of 4 float32 positions in layer 0",
                 hint="sum numel * element_size over every cached key and value tensor")


def test_full_forward_without_cache(learner, seed):
    """Without a cache, TinyGPT.forward equals the reference causal transformer (scaled_dot_product_attention, is_causal)."""
    model, cfg = _model(learner, seed)
    idx = torch.randint(0, cfg.vocab_size, (2, 9), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        assert_close(model(idx), _reference_logits(model, idx), atol=1e-5, rtol=1e-5, name="logits without a cache",
                     hint="causal mask j <= i, scores scaled by 1/sqrt(head_dim), positions 0..T-1")


def test_incremental_decoding_matches_full(learner, seed):
    """Prefill 5 tokens, then feed 7 tokens one by one: each step's logits equal the full recomputation (atol 1e-5)
    and every layer's cache grows by exactly one position per step."""
    model, cfg = _model(learner, seed)
    idx = torch.randint(0, cfg.vocab_size, (3, 12), generator=torch.Generator().manual_seed(seed + 1))
    cache = learner.KVCache(cfg.n_layers)
    with torch.no_grad():
        full = _reference_logits(model, idx)                                   # (3, 12, V)
        out = model(idx[:, :5], cache)
        assert_close(out, full[:, :5], atol=1e-5, rtol=1e-5, name="prefill logits (5 tokens, empty cache)",
                     hint="with an empty cache the forward is the ordinary causal one")
        for t in range(5, 12):
            check(cache.seq_len == t, f"cache.seq_len is {cache.seq_len} before feeding token {t}",
                  hint="every layer appends its new keys/values exactly once per forward")
            for layer in range(cfg.n_layers):
                assert_shape(cache.keys[layer], (3, cfg.n_heads, t, cfg.d_model // cfg.n_heads),
                             name=f"layer {layer} cached keys before token {t}", hint="(B, n_heads, T, head_dim)")
            out = model(idx[:, t:t + 1], cache)
            assert_close(out[:, -1], full[:, t], atol=1e-5, rtol=1e-5, name=f"logits of token {t} fed alone",
                         hint="the new token sits at position cache.seq_len (read before updating), and attends over "
                              "all cached keys/values plus its own")


def test_chunked_prefill_uses_offset_mask(learner, seed):
    """Feeding 4, then 3, then 5 tokens with the cache reproduces the full logits at every position: queries at absolute
    position T_past + i may attend keys j <= T_past + i only."""
    model, cfg = _model(learner, seed)
    idx = torch.randint(0, cfg.vocab_size, (2, 12), generator=torch.Generator().manual_seed(seed + 2))
    cache = learner.KVCache(cfg.n_layers)
    with torch.no_grad():
        full = _reference_logits(model, idx)
        outs = [model(idx[:, a:b], cache) for a, b in [(0, 4), (4, 7), (7, 12)]]
    assert_close(torch.cat(outs, 1), full, atol=1e-5, rtol=1e-5, name="logits of 3 chunks through the cache",
                 hint="with T_past cached positions the mask is j <= T_past + i (not the plain T_new x T_new tril), and "
                      "positions start at T_past")


def test_generate_with_and_without_cache(learner, seed):
    """generate_greedy gives the same tokens with and without the cache; with it, each step after the prefill feeds one token."""
    model, cfg = _model(learner, seed)
    idx = torch.randint(0, cfg.vocab_size, (2, 6), generator=torch.Generator().manual_seed(seed + 3))
    lengths = []
    hook = model.tok_emb.register_forward_hook(lambda m, inp, out: lengths.append(inp[0].shape[1]))
    try:
        fast = learner.generate_greedy(model, idx, 10, use_cache=True)
    finally:
        hook.remove()
    slow = learner.generate_greedy(model, idx, 10, use_cache=False)
    assert_shape(fast, (2, 16), name="generate_greedy output", hint="prompt followed by max_new_tokens tokens")
    assert_equal(fast.tolist(), slow.tolist(), name="tokens with the cache vs without",
                 hint="cached decoding must be exactly the same computation")
    assert_equal(fast[:, :6].tolist(), idx.tolist(), name="prompt part", hint="keep the prompt at the start")
    check(lengths[0] == 6 and all(n == 1 for n in lengths[1:]) and len(lengths) >= 10,
          f"with the cache the model saw inputs of lengths {lengths}; expected 6 then 1, 1, ...",
          hint="prefill the prompt once, then feed only the newly chosen token")
    with torch.no_grad():
        ref = idx
        for _ in range(10):
            ref = torch.cat([ref, _reference_logits(model, ref)[:, -1].argmax(-1, keepdim=True)], 1)
    assert_equal(fast.tolist(), ref.tolist(), name="greedy tokens vs the reference model", hint="argmax of the last logits")
