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
    raise NotImplementedError("PyTorch's dynamic int8 on a deepcopy")


def quantize_per_channel_int8(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8: scale_c = max_j |w[c, j]| / 127, q = round(w / scale_c).

    w (out, in) float -> (q int8 (out, in), scale float32 (out,)). An all-zero row gets scale 1.
    """
    raise NotImplementedError("one symmetric scale per output row")


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
        raise NotImplementedError("per-channel weight codes and the activation scale")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("quantise x with the fixed scale, integer matmul, rescale")


@torch.no_grad()
def calibrate(model: nn.Module, batches: Iterable[dict], skip: Sequence[str] = ()) -> dict[str, float]:
    """Run ``model(**batch)`` over the calibration batches with an observer on every ``nn.Linear`` input:
    returns {linear name: max |input| seen}. The model is unchanged (hooks removed)."""
    raise NotImplementedError("forward pre-hooks recording max |input| per Linear")


@torch.no_grad()
def quantize_static_int8(model: nn.Module, batches: Iterable[dict], skip: Sequence[str] = ()) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` (names containing an entry of ``skip`` left alone)
    replaced by an ``Int8Linear`` whose activation scale comes from ``calibrate`` on ``batches``."""
    raise NotImplementedError("calibrate a copy, then replace its Linears")


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """Pack int4 values (int8 tensor in [-8, 7], last dim even) two per byte: each value is stored as the
    nibble q + 8 (0..15); element 2j goes to the LOW nibble and element 2j+1 to the HIGH nibble of byte j.
    (..., n) -> uint8 (..., n // 2)."""
    raise NotImplementedError("two nibbles per byte, element 2j low")


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """Inverse of ``pack_int4``: uint8 (..., m) -> int8 (..., 2m) in [-8, 7]."""
    raise NotImplementedError("the inverse of pack_int4")


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
        raise NotImplementedError("group-wise float16 scales and packed int4 codes")

    def dequantize(self) -> torch.Tensor:
        """The float weight (out, in) these codes and scales stand for."""
        raise NotImplementedError("codes times their group's scale")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("dequantise, then F.linear")


def quantize_int4(model: nn.Module, group_size: int = 32, skip: Sequence[str] = ()) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` (except ``skip`` names) replaced by a ``QuantLinear``."""
    raise NotImplementedError("replace the Linears of a copy")
