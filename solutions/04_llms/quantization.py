"""Quantisation: int8 absmax and zero-point, per-tensor vs per-channel, int4 groups packed two per byte.

Goal
----
Store weights in 8 or 4 bits instead of 32 and measure what it costs:

* ``absmax_quantize`` / ``absmax_dequantize``: symmetric int8, one scale
  per tensor or per output channel (row);
* ``zeropoint_quantize`` / ``zeropoint_dequantize``: asymmetric (affine)
  uint8 with a scale and an integer zero point;
* ``quantize_int4`` / ``dequantize_int4``: symmetric 4-bit, one scale per
  group of ``group_size`` consecutive weights of a row, with
  ``pack_int4`` / ``unpack_int4`` storing two 4-bit values per byte;
* ``QuantizedLinear``: an int8 (per-channel) weight-only linear layer;
* ``quantize_dynamic_model`` and ``state_dict_bytes``: PyTorch's own
  dynamic int8 quantisation, to compare sizes and errors.

Why it matters
--------------
A 7B-parameter model is 28 GB in float32, 7 GB in int8, 3.5 GB in int4:
quantisation is what makes LLMs fit on one GPU or a laptop (bitsandbytes
LLM.int8, GPTQ, AWQ, llama.cpp's Q4 formats). Decoding is memory-bound, so
fewer bytes per weight is also faster. The price is a rounding error that
you can bound exactly.

The maths
---------
Symmetric (absmax) int8: scale s = max|x| / 127 (over the tensor, or over
each row for per-channel), q = clamp(round(x / s), -127, 127) as int8,
x_hat = q * s. A group or row of zeros gets s = 1 (any s works; avoid 0/0).

Asymmetric (zero-point) uint8: with lo = min(min x, 0) and hi = max(max x, 0)
(the range always contains 0, so 0 is stored exactly),
s = (hi - lo) / 255, z = clamp(round(-lo / s), 0, 255) (an integer),
q = clamp(round(x / s) + z, 0, 255) as uint8, x_hat = (q - z) * s.
All-zero input: s = 1, z = 0.

Rounding to nearest gives, for every element not clipped,

    |x - x_hat| <= s / 2

(``round``, not ``floor`` or a cast, which truncates: that error reaches s).
Per-channel scales are each <= the per-tensor scale, so the bound is tighter
for every row, and much tighter for rows of small weights.

Int4, symmetric, group-wise: split each row of W (out, in) into groups of
``group_size`` consecutive columns (in % group_size == 0); per group
s = max|w| / 7, q = clamp(round(w / s), -8, 7) (so q in [-7, 7] in practice).
Scales have shape (out, in // group_size).

Packing: two values per uint8, the even-indexed one in the low nibble:
byte = (q[2i] + 8) | ((q[2i+1] + 8) << 4), so ``pack_int4`` maps
(..., 2n) int8 in [-8, 7] to (..., n) uint8 and ``unpack_int4`` inverts it.

PyTorch's dynamic quantisation (``torch.ao.quantization.quantize_dynamic``)
replaces every nn.Linear by a version with int8 weights (per tensor) that
also quantises each input batch on the fly; it serialises to about a quarter
of the float size.

API
---
    absmax_quantize(x, per_channel=False) -> (q int8 same shape, scale)
        scale: 0-d tensor, or (rows, 1) for per_channel (x 2-D, one scale per row)
    absmax_dequantize(q, scale) -> float32
    zeropoint_quantize(x, per_channel=False) -> (q uint8, scale, zero_point)
        scale/zero_point: 0-d, or (rows, 1); zero_point is an integer-valued tensor
    zeropoint_dequantize(q, scale, zero_point) -> float32
    quantize_int4(w (out, in), group_size=32) -> (q int8 in [-8, 7] (out, in), scales (out, in // group_size))
    dequantize_int4(q, scales, group_size=32) -> float32 (out, in)
    pack_int4(q (..., 2n) int8) -> (..., n) uint8;  unpack_int4(packed (..., n) uint8) -> (..., 2n) int8
    QuantizedLinear.from_float(linear) -> QuantizedLinear  (.weight_q int8 (out, in), .scale (out, 1), .bias)
        .forward(x (..., in)) -> (..., out)
    quantize_dynamic_model(model) -> a copy of the model with int8 dynamic nn.Linear layers (model untouched)
    state_dict_bytes(model) -> int: the size of torch.save(model.state_dict())

Worked example
--------------
    >>> q, s = absmax_quantize(torch.tensor([0.5, -1.27, 0.0]))
    >>> q, s                              # s = 1.27 / 127 = 0.01
    (tensor([  50, -127,    0], dtype=torch.int8), tensor(0.0100))
    >>> q, s, z = zeropoint_quantize(torch.tensor([-1.0, 0.0, 1.55]))
    >>> s, z, q                           # s = 2.55 / 255 = 0.01, z = round(1 / 0.01) = 100
    (tensor(0.0100), tensor(100.), tensor([  0, 100, 255], dtype=torch.uint8))
    >>> pack_int4(torch.tensor([1, -2], dtype=torch.int8))      # (1 + 8) | ((-2 + 8) << 4) = 9 | 96
    tensor([105], dtype=torch.uint8)

Reference
---------
Dettmers et al., "LLM.int8(): 8-bit Matrix Multiplication for Transformers
at Scale" (2022), section 2 (absmax and zero-point); Jacob et al.,
"Quantization and Training of Neural Networks for Efficient
Integer-Arithmetic-Only Inference" (2018); Frantar et al., "GPTQ" (2023)
(group-wise int4); PyTorch docs, "Quantization" (``quantize_dynamic``).
"""

from __future__ import annotations

import copy
import io

import torch
import torch.nn as nn


def _absmax(x: torch.Tensor, per_channel: bool) -> torch.Tensor:
    """max |x| over the tensor (0-d) or over each row ((rows, 1))."""
    return x.abs().amax(dim=1, keepdim=True) if per_channel else x.abs().max()


def absmax_quantize(x: torch.Tensor, per_channel: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8: scale = max|x| / 127, q = clamp(round(x / scale), -127, 127)."""
    amax = _absmax(x.float(), per_channel)
    scale = torch.where(amax > 0, amax / 127, torch.ones_like(amax))   # a zero tensor/row: any scale is exact
    q = torch.clamp(torch.round(x / scale), -127, 127).to(torch.int8)
    return q, scale


def absmax_dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x_hat = q * scale (float32); scale broadcasts (0-d or (rows, 1))."""
    return q.float() * scale


def zeropoint_quantize(x: torch.Tensor, per_channel: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Asymmetric uint8 over the range [min(x, 0), max(x, 0)]: scale = range / 255, integer zero point."""
    x = x.float()
    if per_channel:
        lo, hi = x.amin(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)  # (rows, 1)
    else:
        lo, hi = x.min(), x.max()
    lo, hi = lo.clamp(max=0), hi.clamp(min=0)                               # the range contains 0: 0 is exact
    scale = torch.where(hi > lo, (hi - lo) / 255, torch.ones_like(lo))
    zero_point = torch.clamp(torch.round(-lo / scale), 0, 255)
    q = torch.clamp(torch.round(x / scale) + zero_point, 0, 255).to(torch.uint8)
    return q, scale, zero_point


def zeropoint_dequantize(q: torch.Tensor, scale: torch.Tensor, zero_point: torch.Tensor) -> torch.Tensor:
    """x_hat = (q - zero_point) * scale (float32; subtract in float, uint8 arithmetic would wrap around)."""
    return (q.float() - zero_point) * scale


def quantize_int4(w: torch.Tensor, group_size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int4 per group of ``group_size`` columns: scale = max|w| / 7. (out, in) -> q (out, in), scales (out, in/g)."""
    out_f, in_f = w.shape
    if in_f % group_size:
        raise ValueError(f"in_features {in_f} is not a multiple of group_size {group_size}")
    groups = w.float().reshape(out_f, in_f // group_size, group_size)       # (out, n_groups, g)
    amax = groups.abs().amax(dim=-1, keepdim=True)                           # (out, n_groups, 1)
    scale = torch.where(amax > 0, amax / 7, torch.ones_like(amax))
    q = torch.clamp(torch.round(groups / scale), -8, 7).to(torch.int8)
    return q.reshape(out_f, in_f), scale.squeeze(-1)


def dequantize_int4(q: torch.Tensor, scales: torch.Tensor, group_size: int = 32) -> torch.Tensor:
    """q (out, in) int8, scales (out, in / group_size) -> w_hat (out, in) float32."""
    out_f, in_f = q.shape
    groups = q.float().reshape(out_f, in_f // group_size, group_size)       # (out, n_groups, g)
    return (groups * scales.unsqueeze(-1)).reshape(out_f, in_f)


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """(..., 2n) int8 in [-8, 7] -> (..., n) uint8; element 2i in the low nibble, 2i+1 in the high one."""
    u = (q.to(torch.int16) + 8).to(torch.uint8)                               # [-8, 7] -> [0, 15]
    return u[..., 0::2] | (u[..., 1::2] << 4)


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """(..., n) uint8 -> (..., 2n) int8 in [-8, 7]."""
    low = (packed & 0x0F).to(torch.int8) - 8
    high = (packed >> 4).to(torch.int8) - 8
    return torch.stack([low, high], dim=-1).flatten(-2)                       # interleave: low, high, low, ...


class QuantizedLinear(nn.Module):
    """Weight-only int8 linear layer: per-output-channel absmax weights, float activations."""

    def __init__(self, weight_q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        self.register_buffer("weight_q", weight_q)        # (out, in) int8
        self.register_buffer("scale", scale)              # (out, 1)
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)

    @classmethod
    def from_float(cls, linear: nn.Linear) -> "QuantizedLinear":
        q, scale = absmax_quantize(linear.weight.detach(), per_channel=True)
        return cls(q, scale, linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = absmax_dequantize(self.weight_q, self.scale)  # (out, in): dequantise on the fly
        return nn.functional.linear(x, w, self.bias)


def quantize_dynamic_model(model: nn.Module) -> nn.Module:
    """PyTorch's dynamic int8 quantisation of every nn.Linear, on a copy of the model."""
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)


def state_dict_bytes(model: nn.Module) -> int:
    """Size in bytes of torch.save(model.state_dict()) written to an io.BytesIO."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes
