"""2-D convolution as one matrix product (im2col), and max / average pooling.

Goal
----
Implement the forward passes of a convolutional layer and of the two pooling
layers from tensor indexing and one matmul, without ``torch.nn.functional``'s
conv / unfold / pool functions (the grader hides them):

* ``conv_output_size``: the size of a feature map after a convolution or a
  pooling window;
* ``im2col``: every receptive field of the (padded) input laid out as a column;
* ``conv2d``: convolution = the weights, flattened, times those columns, plus
  the bias; with stride, zero padding, dilation and many channels;
* ``max_pool2d`` and ``avg_pool2d``: the same columns, reduced by a max or a
  mean per channel.

Why it matters
--------------
Every CNN is built from these layers, and their shapes are the first thing
that goes wrong when you design one: the output-size formula is how you check
that a 32 x 32 image still has a 5 x 5 map after two conv/pool stages.
im2col is also how convolutions were (and often still are) made fast: it
turns the sliding window into a single large matrix multiplication (GEMM),
the operation BLAS libraries and GPUs are best at, at the cost of copying
each input pixel up to kh * kw times.

The maths
---------
Shapes: input x (N, C_in, H, W); weight (C_out, C_in, kh, kw); bias (C_out,).
A kernel of size k with dilation d spans d (k - 1) + 1 input pixels, so with
padding p on both sides and stride s the output size is

    out = floor((size + 2 p - d (k - 1) - 1) / s) + 1

(the same formula, with d = 1, gives a pooling layer's output size).

im2col. Pad x with p zeros on every side. Output position (i, j) sees the
input pixels at rows i s + a d and columns j s + b d for a < kh, b < kw. The
column for (i, j) lists those pixels for every channel, channel first, then
kernel row a, then kernel column b (C_in * kh * kw values, the order of
``weight.reshape(C_out, -1)``), and the columns are ordered row by row over
the L = out_h * out_w output positions:

    cols[n, (c, a, b), i * out_w + j] = x_padded[n, c, i s + a d, j s + b d]   (N, C_in kh kw, L)

Convolution (really cross-correlation: the kernel is not flipped) is then

    out[n] = weight.reshape(C_out, C_in kh kw) @ cols[n] + bias[:, None]      (N, C_out, L)

reshaped to (N, C_out, out_h, out_w). You do not need a loop over the L
positions: for each of the kh * kw kernel offsets (a, b), the pixels it sees
at every output position are one strided slice,
x_padded[:, :, a d : a d + s (out_h - 1) + 1 : s, b d : ... : s].

Pooling works per channel on the same windows (no dilation here):

* max pooling pads with -inf, so a padded position can never win (with 0 it
  would beat a window of negative activations);
* average pooling pads with zeros and divides by kh * kw, padded positions
  included (PyTorch's default, ``count_include_pad=True``);
* a pooling layer's stride defaults to its kernel size (non-overlapping
  windows), a convolution's to 1.

Arguments given as an int mean the same value for height and width; a pair
(h, w) sets them separately. ``_pair`` does that conversion for you.

API
---
    conv_output_size(size, kernel, stride=1, padding=0, dilation=1)      -> int
    im2col(x, kernel_size, stride=1, padding=0, dilation=1)              -> (N, C kh kw, L), like F.unfold
    conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1)        -> (N, C_out, out_h, out_w)
    max_pool2d(x, kernel_size, stride=None, padding=0)                   -> (N, C, out_h, out_w)
    avg_pool2d(x, kernel_size, stride=None, padding=0)                   -> (N, C, out_h, out_w)

Worked example
--------------
    >>> conv_output_size(32, 5)                         # LeNet's first conv: 32 -> 28
    28
    >>> conv_output_size(7, 3, stride=2, padding=1, dilation=2)
    3
    >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)       # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    >>> im2col(x, 2)[0]                                 # 4 windows of 2 x 2, one per column
    tensor([[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]])
    >>> conv2d(x, torch.ones(1, 1, 2, 2))               # the sum of each window
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    >>> max_pool2d(x, 2, stride=1), avg_pool2d(x, 3, padding=1)[0, 0, 0, 0]
    (tensor([[[[4., 5.], [7., 8.]]]]), tensor(0.8889))   # (0 + 1 + 3 + 4) / 9

Reference
---------
Chellapilla, Puri & Simard, "High performance convolutional neural networks
for document processing" (2006), the im2col idea; Dumoulin & Visin, "A guide
to convolution arithmetic for deep learning" (2016) for the output sizes;
PyTorch docs for ``torch.nn.Conv2d``, ``torch.nn.Unfold``, ``MaxPool2d`` and
``AvgPool2d`` (the shape formulas).
"""

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
    raise NotImplementedError("conv_output_size: not written yet")


def im2col(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
           dilation: IntOrPair = 1, pad_value: float = 0.0) -> Tensor:
    """Receptive fields as columns: x (N, C, H, W) -> (N, C * kh * kw, out_h * out_w), ordered like F.unfold.

    pad_value fills the padding (0 for convolution; pooling may want another value).
    """
    raise NotImplementedError("im2col: not written yet (one strided slice per kernel offset)")


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrPair = 1,
           padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Tensor:
    """x (N, C_in, H, W), weight (C_out, C_in, kh, kw), bias (C_out,) or None -> (N, C_out, out_h, out_w)."""
    raise NotImplementedError("conv2d: not written yet (im2col, then one matmul)")


def max_pool2d(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0) -> Tensor:
    """The max of each window, per channel; padding never wins. x (N, C, H, W) -> (N, C, out_h, out_w)."""
    raise NotImplementedError("max_pool2d: not written yet")


def avg_pool2d(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0) -> Tensor:
    """The mean of each window, per channel, zero padding counted. x (N, C, H, W) -> (N, C, out_h, out_w)."""
    raise NotImplementedError("avg_pool2d: not written yet")
