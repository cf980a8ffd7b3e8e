"""Mutant: the straight-through clamp zeroes the gradient where x was clamped (torch.clamp's true gradient)."""

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
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor, None, None]:
        """Returns (dL/dx, None, None): the gradient passes through unchanged; lo and hi get no gradient."""
        (x,) = ctx.saved_tensors
        return grad_out * ((x >= ctx.lo) & (x <= ctx.hi)), None, None


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
