"""Quantisation: int8 dynamic (PyTorch's), int8 static with calibration, int4 weight-only group-wise."""

from __future__ import annotations

import copy
import warnings
from typing import Iterable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .models import replace_linears

INT8_MAX = 127   # symmetric int8: [-127, 127] (leaving out -128 keeps the range symmetric)
INT4_MIN, INT4_MAX = -8, 7


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` layers are PyTorch's dynamic int8 layers (int8 weights,
    activations quantised on the fly per batch). The original is left untouched."""
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao's quantize_
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8)


def quantize_per_channel_int8(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8: scale_c = max_j |w[c, j]| / 127, q = round(w / scale_c).

    w (out, in) float -> (q int8 (out, in), scale float32 (out,)). An all-zero row gets scale 1.
    """
    amax = w.detach().abs().amax(dim=1).float()                      # (out,)
    scale = torch.where(amax > 0, amax / INT8_MAX, torch.ones_like(amax))
    q = torch.round(w.detach().float() / scale[:, None]).clamp(-INT8_MAX, INT8_MAX).to(torch.int8)  # (out, in)
    return q, scale


class Int8Linear(nn.Module):
    """Static int8 linear: int8 weights with per-channel scales, and a per-tensor activation scale fixed by
    calibration. forward: x_q = clamp(round(x / s_x), -127, 127); y = (x_q @ q^T) * (s_x * s_w) + b."""

    def __init__(self, q_weight: torch.Tensor, w_scale: torch.Tensor, act_scale: float, bias: torch.Tensor | None):
        super().__init__()
        self.register_buffer("q_weight", q_weight)                         # (out, in) int8
        self.register_buffer("w_scale", w_scale.float())                   # (out,)
        self.register_buffer("act_scale", torch.tensor(float(act_scale)))  # ()
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.in_features, self.out_features = q_weight.shape[1], q_weight.shape[0]

    @classmethod
    def from_float(cls, linear: nn.Linear, act_absmax: float) -> "Int8Linear":
        q, s = quantize_per_channel_int8(linear.weight)
        act_scale = act_absmax / INT8_MAX if act_absmax > 0 else 1.0
        return cls(q, s, act_scale, linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_q = torch.round(x / self.act_scale).clamp(-INT8_MAX, INT8_MAX)           # (..., in) integer-valued
        acc = x_q @ self.q_weight.t().to(x.dtype)                                   # (..., out) the int32 accumulator
        y = acc * (self.act_scale * self.w_scale)                                   # back to real units
        return y if self.bias is None else y + self.bias


@torch.no_grad()
def calibrate(model: nn.Module, batches: Iterable[dict], skip: Sequence[str] = ()) -> dict[str, float]:
    """Run ``model(**batch)`` over the calibration batches with an observer on every ``nn.Linear`` input:
    returns {linear name: max |input| seen}. The model is unchanged (hooks removed)."""
    absmax: dict[str, float] = {}
    hooks = []
    for name, m in model.named_modules():
        if type(m) is nn.Linear and not any(s in name for s in skip):
            def observe(mod, args, name=name):
                absmax[name] = max(absmax.get(name, 0.0), args[0].detach().abs().max().item())
            hooks.append(m.register_forward_pre_hook(observe))
    try:
        model.eval()
        for batch in batches:
            model(**batch)
    finally:
        for h in hooks:
            h.remove()
    return absmax


@torch.no_grad()
def quantize_static_int8(model: nn.Module, batches: Iterable[dict], skip: Sequence[str] = ()) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` (names containing an entry of ``skip`` left alone)
    replaced by an ``Int8Linear`` whose activation scale comes from ``calibrate`` on ``batches``."""
    model = copy.deepcopy(model)
    absmax = calibrate(model, batches, skip)
    return replace_linears(model, lambda name, lin: Int8Linear.from_float(lin, absmax.get(name, 0.0)), skip)


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """Pack int4 values (int8 tensor in [-8, 7], last dim even) two per byte: each value is stored as the
    nibble q + 8 (0..15); element 2j goes to the LOW nibble and element 2j+1 to the HIGH nibble of byte j.
    (..., n) -> uint8 (..., n // 2)."""
    if q.shape[-1] % 2:
        raise ValueError(f"the last dimension must be even, got {q.shape[-1]}")
    nib = (q.to(torch.int16) + 8).to(torch.uint8)                    # (..., n) in 0..15
    return nib[..., 0::2] | (nib[..., 1::2] << 4)                    # (..., n // 2)


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """Inverse of ``pack_int4``: uint8 (..., m) -> int8 (..., 2m) in [-8, 7]."""
    lo = (packed & 0x0F).to(torch.int8) - 8                          # elements 0, 2, 4, ...
    hi = (packed >> 4).to(torch.int8) - 8                            # elements 1, 3, 5, ...
    return torch.stack([lo, hi], dim=-1).flatten(-2)                 # interleave back: (..., 2m)


class QuantLinear(nn.Module):
    """Weight-only int4 linear, group-wise: each row of W is cut into groups of ``group_size`` inputs, and each
    group g has its own scale s_g = max |w in g| / 7 (float16) and int4 codes q = clamp(round(w / s_g), -8, 7)
    packed two per byte. forward dequantises W = q * s_g and runs F.linear in float."""

    def __init__(self, packed: torch.Tensor, scales: torch.Tensor, bias: torch.Tensor | None, group_size: int):
        super().__init__()
        self.register_buffer("packed", packed)          # (out, in // 2) uint8
        self.register_buffer("scales", scales)          # (out, in // group_size) float16
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.group_size = group_size
        self.out_features, self.in_features = packed.shape[0], packed.shape[1] * 2

    @classmethod
    def from_float(cls, linear: nn.Linear, group_size: int = 32) -> "QuantLinear":
        w = linear.weight.detach().float()                                   # (out, in)
        out_f, in_f = w.shape
        if in_f % group_size or group_size % 2:
            raise ValueError(f"in_features {in_f} must be a multiple of the (even) group size {group_size}")
        g = w.view(out_f, in_f // group_size, group_size)                    # (out, G, group)
        amax = g.abs().amax(-1)                                              # (out, G)
        scales = torch.where(amax > 0, amax / INT4_MAX, torch.ones_like(amax)).half()
        q = torch.round(g / scales.float()[..., None]).clamp(INT4_MIN, INT4_MAX).to(torch.int8)  # fp16 scale used
        return cls(pack_int4(q.view(out_f, in_f)), scales, linear.bias, group_size)

    def dequantize(self) -> torch.Tensor:
        """The float weight (out, in) these codes and scales stand for."""
        q = unpack_int4(self.packed).float()                                 # (out, in)
        g = q.view(self.out_features, -1, self.group_size) * self.scales.float()[..., None]
        return g.view(self.out_features, self.in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.dequantize().to(x.dtype), self.bias)


def quantize_int4(model: nn.Module, group_size: int = 32, skip: Sequence[str] = ()) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` (except ``skip`` names) replaced by a ``QuantLinear``."""
    model = copy.deepcopy(model)
    return replace_linears(model, lambda name, lin: QuantLinear.from_float(lin, group_size), skip)
