"""Mutant: pack_int4 puts the even element in the high nibble (unpack agrees, so round-trips still pass)."""

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
    return (u[..., 0::2] << 4) | u[..., 1::2]


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """(..., n) uint8 -> (..., 2n) int8 in [-8, 7]."""
    high = (packed & 0x0F).to(torch.int8) - 8
    low = (packed >> 4).to(torch.int8) - 8
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
