"""Mutant: the output-size formula uses the kernel size instead of the dilated span d (k - 1) + 1."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

IntOrPair = int | tuple[int, int]


def _pair(v: IntOrPair) -> tuple[int, int]:
    """3 -> (3, 3); (2, 3) -> (2, 3)."""
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """The output length along one axis: floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1."""
    span = kernel
    return (size + 2 * padding - span) // stride + 1


def im2col(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
           dilation: IntOrPair = 1, pad_value: float = 0.0) -> Tensor:
    """Receptive fields as columns: x (N, C, H, W) -> (N, C * kh * kw, out_h * out_w), ordered like F.unfold.

    pad_value fills the padding (0 for convolution; pooling may want another value).
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = map(_pair, (kernel_size, stride, padding, dilation))
    N, C, H, W = x.shape
    out_h = conv_output_size(H, kh, sh, ph, dh)
    out_w = conv_output_size(W, kw, sw, pw, dw)
    xp = F.pad(x, (pw, pw, ph, ph), value=pad_value)  # (N, C, H + 2ph, W + 2pw)
    patches = []
    for a in range(kh):  # one strided slice per kernel offset (a, b): what it sees at every output position
        for b in range(kw):
            rows = slice(a * dh, a * dh + sh * (out_h - 1) + 1, sh)
            cols = slice(b * dw, b * dw + sw * (out_w - 1) + 1, sw)
            patches.append(xp[:, :, rows, cols])  # (N, C, out_h, out_w)
    cols = torch.stack(patches, dim=2)  # (N, C, kh * kw, out_h, out_w): channel first, then (a, b)
    return cols.reshape(N, C * kh * kw, out_h * out_w)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrPair = 1,
           padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Tensor:
    """x (N, C_in, H, W), weight (C_out, C_in, kh, kw), bias (C_out,) or None -> (N, C_out, out_h, out_w)."""
    N, _, H, W = x.shape
    C_out, _, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw) = map(_pair, (stride, padding, dilation))
    cols = im2col(x, (kh, kw), stride, padding, dilation)  # (N, C_in kh kw, L)
    out = weight.reshape(C_out, -1) @ cols  # (C_out, C_in kh kw) @ (N, C_in kh kw, L) -> (N, C_out, L)
    if bias is not None:
        out = out + bias[:, None]  # one bias per output channel, broadcast over positions
    out_h, out_w = conv_output_size(H, kh, sh, ph, dh), conv_output_size(W, kw, sw, pw, dw)
    return out.reshape(N, C_out, out_h, out_w)


def _pool_windows(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair,
                  pad_value: float) -> tuple[Tensor, int, int]:
    """Each channel's windows: (N, C, kh * kw, L), plus out_h and out_w."""
    (kh, kw), (ph, pw) = _pair(kernel_size), _pair(padding)
    sh, sw = _pair(kernel_size if stride is None else stride)  # pooling's default stride is the window size
    N, C, H, W = x.shape
    cols = im2col(x, (kh, kw), (sh, sw), (ph, pw), 1, pad_value=pad_value)  # (N, C kh kw, L)
    out_h, out_w = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
    return cols.reshape(N, C, kh * kw, out_h * out_w), out_h, out_w


def max_pool2d(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0) -> Tensor:
    """The max of each window, per channel; padding never wins. x (N, C, H, W) -> (N, C, out_h, out_w)."""
    windows, out_h, out_w = _pool_windows(x, kernel_size, stride, padding, pad_value=float("-inf"))
    return windows.amax(dim=2).reshape(x.shape[0], x.shape[1], out_h, out_w)


def avg_pool2d(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0) -> Tensor:
    """The mean of each window, per channel, zero padding counted. x (N, C, H, W) -> (N, C, out_h, out_w)."""
    windows, out_h, out_w = _pool_windows(x, kernel_size, stride, padding, pad_value=0.0)
    return windows.mean(dim=2).reshape(x.shape[0], x.shape[1], out_h, out_w)  # mean over kh * kw, pads included
