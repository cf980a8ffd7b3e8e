"""Spec for 03_nlp_transformers/positional_encoding.py: sinusoidal encodings and RoPE (vs Hugging Face's Llama)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_shape, check

SIN_HINT = ("PE[pos, 2i] = sin(pos / base^(2i/d)) and PE[pos, 2i+1] = cos(pos / base^(2i/d)): sin and cos are "
            "INTERLEAVED (even/odd columns), not the first and second halves, and the exponent is 2i/d for the pair i")
ROPE_HINT = ("rope(x) = x * cos + rotate_half(x) * sin, with rotate_half(x) = cat(-x2, x1) and cos/sin tables "
             "cat(angles, angles), angles[m, i] = m * base^(-2i/d)")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _numpy_pe(n: int, d: int, base: float = 10000.0) -> np.ndarray:
    pe = np.zeros((n, d))
    for pos in range(n):
        for i in range(d // 2):
            pe[pos, 2 * i] = math.sin(pos / base ** (2 * i / d))
            pe[pos, 2 * i + 1] = math.cos(pos / base ** (2 * i / d))
    return pe


def test_sinusoidal_by_hand(learner):
    """sinusoidal_encoding(2, 4): row 0 is [0, 1, 0, 1]; row 1 is [sin 1, cos 1, sin 0.01, cos 0.01]."""
    pe = learner.sinusoidal_encoding(2, 4)
    assert_shape(pe, (2, 4), name="sinusoidal_encoding(2, 4)", hint="one row per position, one column per dimension")
    expected = [[0.0, 1.0, 0.0, 1.0], [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)]]
    assert_close(pe, expected, atol=1e-6, name="sinusoidal_encoding(2, 4)", hint=SIN_HINT)


def test_sinusoidal_table(learner):
    """sinusoidal_encoding(60, 16) and (5, 6, base=100) match the formula; the result is float32; odd d_model raises
    ValueError."""
    pe = learner.sinusoidal_encoding(60, 16)
    check(pe.dtype == torch.float32, f"the table's dtype is {pe.dtype}, expected torch.float32.",
          hint="return a float32 tensor (compute in float64 if you like, then .float())")
    assert_close(pe, _numpy_pe(60, 16), atol=2e-6, name="sinusoidal_encoding(60, 16)", hint=SIN_HINT)
    assert_close(learner.sinusoidal_encoding(5, 6, base=100.0), _numpy_pe(5, 6, 100.0), atol=2e-6,
                 name="sinusoidal_encoding(5, 6, base=100)", hint="use the base argument, not a hard-coded 10000")
    with pytest.raises(ValueError):
        learner.sinusoidal_encoding(4, 5)


def test_rope_frequencies_and_tables(learner):
    """rope_frequencies(8, base=10000) = [1, 0.1, 0.01, 0.001]; rope_cos_sin(positions, 4) holds cos/sin(m theta_i)
    as cat(angles, angles)."""
    theta = learner.rope_frequencies(8)
    assert_shape(theta, (4,), name="rope_frequencies(8)", hint="one frequency per coordinate pair: head_dim // 2")
    assert_close(theta, [1.0, 0.1, 0.01, 0.001], rtol=1e-5, name="rope_frequencies(8)",
                 hint="theta_i = base^(-2i/d): 10000^(0/8), 10000^(-2/8), 10000^(-4/8), 10000^(-6/8)")
    cos, sin = learner.rope_cos_sin(torch.tensor([0, 1, 3]), 4, base=100.0)
    assert_shape(cos, (3, 4), name="cos", hint="(*positions.shape, head_dim)")
    angles = np.array([0.0, 1.0, 3.0])[:, None] * np.array([1.0, 0.1])
    angles = np.concatenate([angles, angles], axis=1)
    hint = "the half-split layout writes the d/2 angles twice, cat(angles, angles), not interleaved"
    assert_close(cos, np.cos(angles), atol=1e-6, name="cos table", hint=hint)
    assert_close(sin, np.sin(angles), atol=1e-6, name="sin table", hint=hint)


def test_rope_by_hand(learner):
    """rotate_half([1, 2, 3, 4]) = [-3, -4, 1, 2]; a 2-d vector (1, 0) at position m becomes (cos m, sin m); position 0
    changes nothing."""
    assert_close(learner.rotate_half(torch.tensor([1.0, 2.0, 3.0, 4.0])), [-3.0, -4.0, 1.0, 2.0], atol=0,
                 name="rotate_half([1, 2, 3, 4])", hint="x1 = x[:d/2], x2 = x[d/2:]; return cat(-x2, x1)")
    pos = torch.tensor([0, 1, 2, 5])
    x = torch.tensor([[1.0, 0.0]]).repeat(4, 1)  # (4, 2)
    got = learner.apply_rope(x, pos)
    expected = torch.stack([torch.cos(pos.float()), torch.sin(pos.float())], dim=-1)
    assert_close(got, expected, atol=1e-6, name="apply_rope((1, 0) at positions [0, 1, 2, 5])",
                 hint="(a, b) -> (a cos - b sin, b cos + a sin): a counter-clockwise rotation by m * theta_0 = m "
                      "(mind the sign in rotate_half)")
    g = _gen(0)
    x = torch.randn(3, 8, generator=g)
    assert_close(learner.apply_rope(x, torch.zeros(3, dtype=torch.long)), x, atol=1e-6, name="apply_rope at position 0",
                 hint="at m = 0 every angle is 0: cos = 1, sin = 0, nothing moves")


def test_rope_relative_property(learner, seed):
    """RoPE is a rotation: norms are kept, and rope(q, m) . rope(k, n) depends only on n - m (shifting both positions by
    7 changes nothing), in both pair layouts."""
    g = _gen(seed)
    q, k = torch.randn(16, generator=g, dtype=torch.float64), torch.randn(16, generator=g, dtype=torch.float64)
    for interleaved in (False, True):
        def score(m, n):
            qm = learner.apply_rope(q[None].float(), torch.tensor([m]), interleaved=interleaved)[0]
            kn = learner.apply_rope(k[None].float(), torch.tensor([n]), interleaved=interleaved)[0]
            return float(qm.double() @ kn.double())
        layout = "interleaved" if interleaved else "half-split"
        qm = learner.apply_rope(q[None].float(), torch.tensor([5]), interleaved=interleaved)[0]
        assert_close(qm.norm(), q.float().norm(), rtol=1e-5, name=f"|rope(q, 5)| ({layout})",
                     hint="a rotation keeps lengths: each pair (a, b) must use the same angle for cos and sin")
        for m, n in ((2, 5), (9, 3), (0, 11)):
            assert_close(score(m + 7, n + 7), score(m, n), rtol=1e-4, atol=1e-4,
                         name=f"rope(q, {m + 7}) . rope(k, {n + 7}) vs rope(q, {m}) . rope(k, {n}) ({layout})",
                         hint="the score must depend on n - m only: both halves of a pair must use the same "
                              "theta_i (" + ("x[2i], x[2i+1]" if interleaved else "x[i], x[i + d/2]") + ")")


def test_rope_layouts_are_a_permutation(learner, seed):
    """apply_rope(interleaved=True) on x equals the half-split apply_rope on x's coordinates reordered
    (x[0], x[2], ..., x[1], x[3], ...), reordered back."""
    g = _gen(seed)
    x = torch.randn(2, 3, 6, 8, generator=g)  # (B, heads, L, d)
    pos = torch.arange(6) * 3
    perm = torch.cat([torch.arange(0, 8, 2), torch.arange(1, 8, 2)])  # neighbour pairs -> halves
    inv = torch.argsort(perm)
    got = learner.apply_rope(x, pos, interleaved=True)
    assert_shape(got, (2, 3, 6, 8), name="apply_rope(x, interleaved=True)", hint="the output has x's shape")
    expected = learner.apply_rope(x[..., perm], pos)[..., inv]
    assert_close(got, expected, rtol=1e-5, atol=1e-5, name="apply_rope(x, interleaved=True)",
                 hint="interleaved pairs are (x[2i], x[2i+1]) and both use theta_i; the half-split pairs are "
                      "(x[i], x[i + d/2])")


@pytest.mark.points(2)
def test_rope_matches_hf_llama(learner, seed):
    """On (B=2, heads=3, L=7, d=16) queries and keys with base 500, apply_rope matches Hugging Face's
    LlamaRotaryEmbedding + apply_rotary_pos_emb, including non-contiguous positions."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    cfg = LlamaConfig(hidden_size=48, num_attention_heads=3, head_dim=16, rope_theta=500.0)
    rotary = LlamaRotaryEmbedding(cfg)
    g = _gen(seed)
    q, k = torch.randn(2, 3, 7, 16, generator=g), torch.randn(2, 3, 7, 16, generator=g)
    pos = torch.tensor([0, 1, 2, 3, 10, 11, 40])
    cos, sin = rotary(q, pos[None])  # (1, L, d)
    q_ref, k_ref = apply_rotary_pos_emb(q, k, cos, sin)
    assert_close(learner.apply_rope(q, pos, base=500.0), q_ref, rtol=1e-5, atol=1e-5,
                 name="apply_rope(q) vs transformers' apply_rotary_pos_emb", hint=ROPE_HINT)
    assert_close(learner.apply_rope(k, pos, base=500.0), k_ref, rtol=1e-5, atol=1e-5,
                 name="apply_rope(k) vs transformers' apply_rotary_pos_emb", hint=ROPE_HINT)
