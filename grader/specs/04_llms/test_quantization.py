"""Spec for 04_llms/quantization.py: int8 absmax / zero-point, per-channel, int4 groups and packing, quantised linear, dynamic quantisation."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn as nn

from grader.testing import assert_close, assert_equal, assert_shape, check

ROUND_HINT = "round to nearest (torch.round), not floor or .to(int8) (which truncates): the error must stay within scale / 2"


def _weights(seed, rows=16, cols=64):
    g = torch.Generator().manual_seed(seed)
    # rows of very different magnitudes: where per-channel scales pay off
    return torch.randn(rows, cols, generator=g) * 10 ** (torch.rand(rows, 1, generator=g) * 4 - 3)


def _check_bound(x, x_hat, scale, name, hint=ROUND_HINT):
    err = (x - x_hat).abs()
    bound = (scale / 2) * (1 + 1e-5) + 1e-12
    bad = err > bound
    check(not bool(bad.any()), f"{name}: {int(bad.sum())} elements break |x - x_hat| <= scale / 2 "
          f"(worst error {float((err / (scale / 2)).max()):.3f} x scale / 2)", hint=hint)


def test_worked_example(learner):
    """The docstring's examples: absmax of [0.5, -1.27, 0], zero-point of [-1, 0, 1.55], packing [1, -2] into 105."""
    q, s = learner.absmax_quantize(torch.tensor([0.5, -1.27, 0.0]))
    check(q.dtype == torch.int8, f"absmax q has dtype {q.dtype}", hint="return q as torch.int8")
    assert_equal(q.tolist(), [50, -127, 0], name="absmax q", hint="q = round(x / (max|x| / 127))")
    assert_close(s, torch.tensor(0.01), name="absmax scale", hint="scale = max|x| / 127")
    q, s, z = learner.zeropoint_quantize(torch.tensor([-1.0, 0.0, 1.55]))
    check(q.dtype == torch.uint8, f"zero-point q has dtype {q.dtype}", hint="return q as torch.uint8")
    assert_close(s, torch.tensor(0.01), name="zero-point scale", hint="scale = (max - min) / 255")
    assert_close(z, torch.tensor(100.0), name="zero point", hint="zero_point = round(-min / scale)")
    assert_equal(q.tolist(), [0, 100, 255], name="zero-point q", hint="q = clamp(round(x / scale) + zero_point, 0, 255)")
    p = learner.pack_int4(torch.tensor([1, -2], dtype=torch.int8))
    check(p.dtype == torch.uint8, f"pack_int4 returned dtype {p.dtype}", hint="pack into torch.uint8")
    assert_equal(p.tolist(), [105], name="pack_int4([1, -2])", hint="(q[0] + 8) | ((q[1] + 8) << 4): the even element "
                 "in the LOW nibble")


def test_absmax_bound_per_tensor_and_per_channel(learner, seed):
    """Absmax int8: the dequantisation error is <= scale / 2 for every element; per-channel scales are (rows, 1), each
    <= the per-tensor scale, and give a much smaller error on rows of small weights."""
    w = _weights(seed)
    q_t, s_t = learner.absmax_quantize(w)
    q_c, s_c = learner.absmax_quantize(w, per_channel=True)
    assert_close(s_t, w.abs().max() / 127, rtol=1e-6, name="per-tensor scale", hint="max|x| / 127 over the whole tensor")
    assert_shape(s_c, (16, 1), name="per-channel scale", hint="one scale per row: amax(dim=1, keepdim=True) / 127")
    assert_close(s_c, w.abs().amax(1, keepdim=True) / 127, rtol=1e-6, name="per-channel scales", hint="row max|x| / 127")
    _check_bound(w, learner.absmax_dequantize(q_t, s_t), s_t, "per-tensor int8")
    _check_bound(w, learner.absmax_dequantize(q_c, s_c), s_c, "per-channel int8")
    check(int(q_c.abs().max()) == 127 and q_c.dtype == torch.int8, "per-channel q does not reach +-127 or is not int8",
          hint="each row's largest |x| maps to +-127")
    e_t = (w - learner.absmax_dequantize(q_t, s_t)).abs().mean()
    e_c = (w - learner.absmax_dequantize(q_c, s_c)).abs().mean()
    check(e_c < e_t / 3, f"per-channel mean error {float(e_c):.2e} is not well below per-tensor {float(e_t):.2e}",
          hint="per_channel=True must compute one scale per row")


def test_zeropoint_bound_and_exact_zero(learner, seed):
    """Zero-point uint8: error <= scale / 2, the range always contains 0 (so 0 dequantises to exactly 0), per-channel works."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(8, 40, generator=g) * 3 + 0.5                  # all positive: 0 is outside [min x, max x]
    x[:, ::7] = 0.0
    for per_channel in (False, True):
        q, s, z = learner.zeropoint_quantize(x, per_channel=per_channel)
        check(q.dtype == torch.uint8, f"q has dtype {q.dtype}", hint="torch.uint8")
        check(torch.equal(z, torch.round(z)), "the zero point is not an integer", hint="zero_point = round(-lo / scale)")
        x_hat = learner.zeropoint_dequantize(q, s, z)
        _check_bound(x, x_hat, s, f"zero-point (per_channel={per_channel})",
                     hint="take lo = min(x.min(), 0), hi = max(x.max(), 0) so no value is clipped, and round to nearest")
        check(bool((x_hat[:, ::7] == 0).all()), "0.0 does not dequantise to exactly 0",
              hint="include 0 in the range (lo <= 0 <= hi): then zero_point is an integer code for 0")
    x_pos = torch.rand(6, 30, generator=g) * 3 + 0.5              # strictly positive, no zero at all
    q, s, z = learner.zeropoint_quantize(x_pos)
    _check_bound(x_pos, learner.zeropoint_dequantize(q, s, z), s, "zero-point of values in [0.5, 3.5]",
                 hint="the range is [min(x.min(), 0), max(x.max(), 0)]: with lo = 0.5 the zero point clamps to 0 and "
                      "the top values clip at 255")
    w = _weights(seed) - 0.3 * _weights(seed + 1).abs()
    q, s, z = learner.zeropoint_quantize(w, per_channel=True)
    assert_shape(s, (16, 1), name="per-channel scale", hint="one (scale, zero point) per row")
    _check_bound(w, learner.zeropoint_dequantize(q, s, z), s, "per-channel zero-point")


def test_zero_tensors_and_rows(learner):
    """An all-zero tensor or row quantises without NaN/inf and dequantises to zeros (absmax, zero-point and int4)."""
    w = torch.randn(4, 32)
    w[1] = 0
    for x, pc in [(torch.zeros(5), False), (w, True)]:
        q, s = learner.absmax_quantize(x, per_channel=pc)
        x_hat = learner.absmax_dequantize(q, s)
        check(torch.isfinite(x_hat).all(), "absmax of a zero tensor/row gives NaN or inf",
              hint="max|x| = 0 gives 0 / 0: use scale 1 (any scale) where max|x| is 0")
        q, s, z = learner.zeropoint_quantize(x, per_channel=pc)
        x_hat = learner.zeropoint_dequantize(q, s, z)
        check(torch.isfinite(x_hat).all() and bool((x_hat[x == 0] == 0).all()),
              "zero-point of a zero tensor/row gives NaN/inf or non-zero values", hint="hi == lo: use scale 1, zero point 0")
    q, s = learner.quantize_int4(w, group_size=8)
    check(torch.isfinite(learner.dequantize_int4(q, s, group_size=8)).all(), "int4 of a zero group gives NaN/inf",
          hint="scale 1 where a group is all zeros")


def test_int4_groupwise(learner, seed):
    """Int4: per-group scales max|w| / 7 of shape (out, in / group_size), q in [-8, 7], error <= scale / 2 per group."""
    w = _weights(seed, 8, 64)
    q, s = learner.quantize_int4(w, group_size=16)
    assert_shape(s, (8, 4), name="int4 scales", hint="one scale per group of 16 consecutive columns of each row")
    assert_close(s, w.reshape(8, 4, 16).abs().amax(-1) / 7, rtol=1e-6, name="int4 scales",
                 hint="scale = max|w| / 7 over each group (q then spans [-7, 7])")
    check(q.dtype == torch.int8 and int(q.min()) >= -8 and int(q.max()) <= 7, "int4 q out of [-8, 7] or not int8",
          hint="clamp(round(w / scale), -8, 7).to(torch.int8)")
    w_hat = learner.dequantize_int4(q, s, group_size=16)
    assert_shape(w_hat, (8, 64), name="dequantize_int4 output", hint="back to (out, in)")
    _check_bound(w, w_hat, s.repeat_interleave(16, dim=1), "int4 group-wise",
                 hint="scale = max|w| / 7 (with / 8 the largest weight clips at 7), and round to nearest")
    with pytest.raises(ValueError):
        learner.quantize_int4(torch.randn(2, 20), group_size=16)


def test_pack_unpack_int4(learner):
    """pack_int4 / unpack_int4 round-trip all 256 pairs, halve the last dimension, keep leading dimensions, low nibble first."""
    a = torch.arange(-8, 8, dtype=torch.int8)
    pairs = torch.cartesian_prod(a, a).to(torch.int8)                # (256, 2)
    packed = learner.pack_int4(pairs)
    assert_shape(packed, (256, 1), name="pack_int4 of (256, 2)", hint="two values per byte along the last dimension")
    assert_equal(sorted(packed.flatten().tolist()), list(range(256)), name="the 256 packed bytes",
                 hint="each pair (a, b) must map to a distinct byte: (a + 8) | ((b + 8) << 4)")
    assert_equal(packed[:, 0].tolist(), ((pairs[:, 0].int() + 8) | ((pairs[:, 1].int() + 8) << 4)).tolist(),
                 name="packed bytes", hint="element 2i goes in the low nibble, 2i + 1 in the high nibble")
    out = learner.unpack_int4(packed)
    check(out.dtype == torch.int8, f"unpack_int4 returned {out.dtype}", hint="torch.int8 in [-8, 7]")
    assert_equal(out.tolist(), pairs.tolist(), name="unpack_int4(pack_int4(x))", hint="undo the +8 offset and the nibbles")
    x = torch.randint(-8, 8, (3, 4, 10), dtype=torch.int8)
    assert_equal(learner.unpack_int4(learner.pack_int4(x)).tolist(), x.tolist(), name="round-trip of a (3, 4, 10) tensor",
                 hint="interleave low and high nibbles back: stack([low, high], -1).flatten(-2)")


def test_quantized_linear(learner, seed):
    """QuantizedLinear stores int8 per-channel weights and its output error obeys |y - y_float| <= |x| @ (scale / 2)^T."""
    torch.manual_seed(seed)
    lin = nn.Linear(48, 24)
    ql = learner.QuantizedLinear.from_float(lin)
    check(ql.weight_q.dtype == torch.int8 and tuple(ql.weight_q.shape) == (24, 48),
          f"weight_q is {ql.weight_q.dtype} {tuple(ql.weight_q.shape)}", hint="int8 weights of shape (out, in)")
    assert_shape(ql.scale, (24, 1), name="QuantizedLinear.scale", hint="per output channel")
    x = torch.randn(5, 48)
    with torch.no_grad():
        y, y_ref = ql(x), lin(x)
    bound = x.abs().sum(-1, keepdim=True) * (ql.scale / 2).T + 1e-5   # (5, 24): sum_j |x_j| * scale_o / 2
    err = (y - y_ref).abs()
    check(bool((err <= bound).all()), f"output error {float(err.max()):.2e} exceeds the rounding bound",
          hint="y = x @ (q * scale)^T + bias with per-row scales; keep the float bias")
    check(float(err.max()) > 0, "the quantised layer gives exactly the float output",
          hint="forward must use the int8 weights, not the original ones")


def test_dynamic_quantization_size_and_error(learner, seed):
    """quantize_dynamic_model (torch.ao.quantization.quantize_dynamic) leaves the model untouched, shrinks the state dict
    under 35% of the float one and keeps outputs within 5% (relative L2)."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 64)).eval()
    x = torch.randn(32, 128)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qmodel = learner.quantize_dynamic_model(model)
        with torch.no_grad():
            y, y_q = model(x), qmodel(x)
        f_bytes, q_bytes = learner.state_dict_bytes(model), learner.state_dict_bytes(qmodel)
    check(isinstance(model[0], nn.Linear) and type(model[0]) is nn.Linear, "the float model was modified in place",
          hint="quantize a deepcopy (quantize_dynamic(..., inplace=False) copies too)")
    check(type(qmodel[0]) is not nn.Linear, "the returned model still has float nn.Linear layers",
          hint="torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)")
    n_params = sum(p.numel() for p in model.parameters())
    check(4 * n_params <= f_bytes < 4 * n_params + 20_000, f"state_dict_bytes(float model) = {f_bytes} for {n_params} "
          "float32 parameters", hint="len of torch.save(model.state_dict()) into an io.BytesIO")
    check(q_bytes < 0.35 * f_bytes, f"quantised state dict {q_bytes} B is not under 35% of {f_bytes} B",
          hint="int8 weights take 1 byte instead of 4")
    rel = float((y_q - y).norm() / y.norm())
    check(rel < 0.05, f"dynamic int8 model relative error {rel:.3f}", hint="quantize the Linear layers with dtype=torch.qint8")
