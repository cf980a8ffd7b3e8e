"""Custom autograd Functions: a stable softplus, a straight-through clamp, a linear layer.

Goal
----
Write three ``torch.autograd.Function`` subclasses, each with a ``forward``
that computes the output from plain tensors and a ``backward`` that turns the
gradient of the loss with respect to the output into gradients with respect
to every input:

* ``StableSoftplus``: softplus(x) = log(1 + e^x), without overflow for large x
  and without losing the tiny values for very negative x;
* ``ClampSTE``: clamp(x, lo, hi) in the forward pass, but a *straight-through*
  backward that passes the gradient on unchanged, as if the clamp were the
  identity (the trick behind quantisation-aware training);
* ``LinearFunction``: y = x W^T + b for inputs of any number of leading
  dimensions, with the bias optional: two (or three) inputs, each with its own
  gradient.

The wrappers ``softplus``, ``clamp_ste`` and ``linear`` that call
``Function.apply`` are written for you.

Why it matters
--------------
``torch.autograd.Function`` is how PyTorch extensions add an op that autograd
cannot differentiate by itself (a fused CUDA kernel, a quantiser, a custom
numerically stable formula) or should differentiate differently (straight-
through estimators, gradient reversal, gradient clipping in the graph). Flash
attention, bitsandbytes and activation checkpointing are all written this way.
Getting one wrong is silent: autograd trusts your backward completely, so the
only defence is a numerical check against finite differences
(``torch.autograd.gradcheck``) and a comparison with a built-in op.

The maths
---------
Softplus. log(1 + e^x) overflows (e^x = inf) for x > 709 in float64 and
x > 88 in float32. Rewrite it with |x|:

    softplus(x) = max(x, 0) + log1p(e^-|x|)

e^-|x| is in (0, 1], so nothing overflows, and log1p keeps the tiny values
(softplus(-40) = 4.2e-18, while log(1 + 4.2e-18) = log(1.0) = 0). The
derivative is the logistic sigmoid: d softplus / dx = 1 / (1 + e^-x) =
sigmoid(x) (``torch.sigmoid`` is stable). The backward returns
grad_out * sigmoid(x), so the forward must keep x (or the output) for it.

Straight-through clamp. Forward: y = min(max(x, lo), hi). The true gradient is
1 inside [lo, hi] and 0 outside, which stops learning for clamped values; the
straight-through estimator pretends dy/dx = 1 everywhere, so backward returns
grad_out unchanged for x, and ``None`` for lo and hi (they are Python floats,
not tensors: every forward input gets one backward output, ``None`` for the
non-differentiable ones).

Linear. For x of shape (..., in), W (out, in), b (out,):

    y          = x W^T + b                     (..., out)
    dL/dx      = g W                           (..., in)     g = dL/dy
    dL/dW      = sum over all leading positions of g^T x:
                 g2^T x2 with g2 = g.reshape(-1, out), x2 = x.reshape(-1, in)
    dL/db      = g summed over every leading dimension   (out,)

The rules of ``torch.autograd.Function``:

* ``forward(ctx, *inputs)`` and ``backward(ctx, *grad_outputs)`` are
  ``@staticmethod`` s; ``ctx`` is the graph node that connects them.
* Keep tensors for the backward with ``ctx.save_for_backward(a, b)`` and read
  them back with ``a, b = ctx.saved_tensors``. Never as ``ctx.a = a``: that
  bypasses autograd's check that a saved tensor was not modified in place
  before backward (you would get a silently wrong gradient) and can keep
  memory alive in reference cycles. Plain Python numbers may be stored on
  ``ctx``.
* ``ctx.needs_input_grad`` is a tuple of booleans, one per forward input.
  Compute a gradient only when it is needed; return ``None`` otherwise. For a
  frozen weight (requires_grad=False) this skips the g^T x matrix product,
  half the backward's work.
* Return exactly one gradient per forward input, shaped like that input.

API
---
    StableSoftplus.apply(x)          -> softplus(x), same shape and dtype
    ClampSTE.apply(x, lo, hi)        -> x clamped to [lo, hi]; gradient passes straight through
    LinearFunction.apply(x, W, b)    -> x W^T + b, (..., out); b may be None
    softplus(x), clamp_ste(x, lo, hi), linear(x, W, b=None)   # the wrappers (given)

Worked example
--------------
    >>> x = torch.tensor([-1000.0, 0.0, 1000.0], dtype=torch.float64, requires_grad=True)
    >>> y = softplus(x); y                           # no inf, no nan
    tensor([0.0000e+00, 6.9315e-01, 1.0000e+03], dtype=torch.float64, grad_fn=<StableSoftplusBackward>)
    >>> y.sum().backward(); x.grad                   # sigmoid(x)
    tensor([0.0000, 0.5000, 1.0000], dtype=torch.float64)
    >>> x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> clamp_ste(x, -1.0, 1.0)
    tensor([-1.0000, 0.5000, 1.0000], grad_fn=<ClampSTEBackward>)
    >>> clamp_ste(x, -1.0, 1.0).sum().backward(); x.grad   # 1 everywhere, not [0, 1, 0]
    tensor([1., 1., 1.])

Check your backward with
``torch.autograd.gradcheck(linear, (x, W, b))`` on float64 inputs with
requires_grad=True: it compares your backward with central finite
differences of your forward.

Reference
---------
PyTorch docs, "Extending torch.autograd" (notes/extending.html) and
``torch.autograd.gradcheck``; Bengio, Leonard & Courville, "Estimating or
propagating gradients through stochastic neurons" (2013) for the
straight-through estimator.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


class StableSoftplus(torch.autograd.Function):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|); its derivative is sigmoid(x)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        """x: any shape, floating point. Returns softplus(x), same shape and dtype; never inf for finite x."""
        ctx.save_for_backward(x)  # sigmoid(x) is the derivative, so keep x
        # e^-|x| <= 1: no overflow; log1p keeps softplus(-40) = 4e-18 instead of log(1.0) = 0
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> Tensor:
        """grad_out: dL/dy, shaped like x. Returns dL/dx = grad_out * sigmoid(x)."""
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)  # torch.sigmoid is stable at +-1000


class ClampSTE(torch.autograd.Function):
    """clamp(x, lo, hi) forward; the straight-through estimator backward (dy/dx treated as 1 everywhere)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, lo: float, hi: float) -> Tensor:
        """x: any shape; lo <= hi are floats. Returns x clamped to [lo, hi]."""
        return x.clamp(lo, hi)  # the backward needs nothing: no save_for_backward at all

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor, None, None]:
        """Returns (dL/dx, None, None): the gradient passes through unchanged; lo and hi get no gradient."""
        return grad_out, None, None  # one output per forward input: x, lo, hi


class LinearFunction(torch.autograd.Function):
    """y = x W^T + b for x (..., in), W (out, in), b (out,) or None."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        """x: (..., in); weight: (out, in); bias: (out,) or None. Returns (..., out)."""
        ctx.save_for_backward(x, weight)  # dL/dW needs x, dL/dx needs W; dL/db needs neither
        y = x @ weight.T  # (..., out)
        if bias is not None:
            y = y + bias  # broadcasts over the leading dimensions
        return y

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        """grad_out: (..., out). Returns (dL/dx (..., in), dL/dW (out, in), dL/db (out,)), None where not needed."""
        x, weight = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_out @ weight  # (..., out) @ (out, in) -> (..., in)
        if ctx.needs_input_grad[1]:
            # every leading position contributes an outer product g x^T: flatten them into one matmul
            g2 = grad_out.reshape(-1, grad_out.shape[-1])  # (M, out)
            x2 = x.reshape(-1, x.shape[-1])  # (M, in)
            grad_w = g2.T @ x2  # (out, in)
        if ctx.needs_input_grad[2]:  # False when bias is None (None never requires grad)
            grad_b = grad_out.reshape(-1, grad_out.shape[-1]).sum(0)  # (out,)
        return grad_x, grad_w, grad_b


def softplus(x: Tensor) -> Tensor:
    """The stable softplus as a function."""
    return StableSoftplus.apply(x)


def clamp_ste(x: Tensor, lo: float, hi: float) -> Tensor:
    """clamp(x, lo, hi) with a straight-through gradient."""
    return ClampSTE.apply(x, lo, hi)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b through LinearFunction."""
    return LinearFunction.apply(x, weight, bias)
