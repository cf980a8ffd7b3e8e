"""Mixed precision: autocast to bfloat16, and dynamic loss scaling for float16.

Goal
----
Write the two tools behind mixed-precision training:

* ``fp16_roundtrip``: what happens to a gradient stored in float16, with and
  without a loss scale (the reason loss scaling exists);
* ``DynamicLossScaler``: the loss scaler of ``torch.amp.GradScaler``: scale
  the loss, unscale the gradients, skip the optimizer step and halve the
  scale when a gradient is inf/nan, and double the scale after
  ``growth_interval`` good steps in a row;
* ``mixed_precision_step``: one training step with the forward pass under
  ``torch.autocast("cpu", dtype=torch.bfloat16)``, fp32 master weights, an
  fp32 loss, and your scaler.

The spec compares your scaler's whole trajectory (scale, growth tracker,
parameters) with ``torch.amp.GradScaler("cpu")`` on the same gradients.

Why it matters
--------------
Matrix multiplies in 16-bit formats run several times faster and halve the
activation memory, so every large model is trained in mixed precision: the
weights stay in float32 ("master weights"), while autocast runs matmuls and
convolutions in 16 bits and keeps precision-sensitive ops in float32.

* bfloat16 has float32's 8 exponent bits (range up to ~3e38) but only 8 bits
  of mantissa: no overflow or underflow problems, just coarse rounding.
* float16 has 5 exponent bits: its smallest subnormal is ~6e-8 and its
  largest value 65504. Gradients are often smaller than 6e-8: they flush to
  zero and learning stops. Multiplying the loss by a scale S (say 2^16)
  multiplies every gradient by S (backprop is linear), lifting them into
  range; dividing by S before the optimizer step undoes it. Too large an S
  overflows to inf, so the scale is adjusted dynamically.

The algorithm (torch.amp.GradScaler's)
--------------------------------------
State: scale S (init_scale), growth_tracker = 0, and per step a found_inf
flag and whether the gradients were already unscaled.

    scale(loss)          -> loss * S
    unscale_(optimizer)  grads *= 1 / S for every parameter with a gradient in
                         optimizer.param_groups; found_inf = any grad has an
                         inf or nan; calling it twice in one step is an error
                         (raise RuntimeError)
    step(optimizer)      unscale_ first if it was not called this step; then
                         if found_inf: skip (no optimizer.step()), else
                         optimizer.step(); return whether the step was taken
    update()             if found_inf:  S *= backoff_factor; growth_tracker = 0
                         else:          growth_tracker += 1
                                        if growth_tracker == growth_interval:
                                            S *= growth_factor; growth_tracker = 0
                         then reset the per-step state (next step starts clean)

Scales are powers of two, so multiplying by 1/S is exact.

fp16_roundtrip(x, scale) = float(float16(x * scale)) / scale, computed in
float32: the value a gradient x has after being stored in float16 with that
loss scale and unscaled again (0 if it underflowed, inf if it overflowed).

mixed_precision_step(model, loss_fn, x, y, optimizer, scaler):

    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(x)                  # Linear layers run in bf16
    loss = loss_fn(out.float(), y)      # the loss in float32, outside autocast
    scaler.scale(loss).backward()
    stepped = scaler.step(optimizer)
    scaler.update()
    return loss.detach(), stepped

(bf16 does not need loss scaling; the step uses it anyway so that the same
code serves float16. With bf16 the scaler just never sees an inf.)

API
---
    fp16_roundtrip(x, scale=1.0)                       -> float32 tensor like x
    DynamicLossScaler(init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000)
        .scale(loss) .unscale_(optimizer) .step(optimizer) -> bool
        .update() .get_scale() -> float  .growth_tracker (int)
    mixed_precision_step(model, loss_fn, x, y, optimizer, scaler) -> (loss, stepped)

Worked example
--------------
    >>> fp16_roundtrip(torch.tensor([1e-8, 1.0, 1000.0]))
    tensor([0., 1., 1000.])                       # 1e-8 underflows in float16
    >>> fp16_roundtrip(torch.tensor([1e-8, 1.0, 1000.0]), scale=2.0**12)
    tensor([9.9972e-09, 1.0000e+00, inf])         # 1000 * 4096 > 65504
    >>> s = DynamicLossScaler(init_scale=8.0, growth_interval=2)
    >>> # steps with found_inf = F, T, F, F  ->  scales 8, 4, 4, 8

Reference
---------
Micikevicius et al., "Mixed Precision Training" (ICLR 2018); PyTorch docs,
"Automatic Mixed Precision" (torch.autocast, torch.amp.GradScaler) and the
source of ``torch/amp/grad_scaler.py``; Kalamkar et al., "A Study of BFLOAT16
for Deep Learning Training" (2019).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def fp16_roundtrip(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """float(float16(x * scale)) / scale in float32: a gradient after fp16 storage with a loss scale."""
    raise NotImplementedError("fp16_roundtrip: not written yet")


class DynamicLossScaler:
    """torch.amp.GradScaler's dynamic loss scaling, in plain PyTorch."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000) -> None:
        self._scale = float(init_scale)
        self.growth_factor = growth_factor
        self.backoff_factor = backoff_factor
        self.growth_interval = growth_interval
        self.growth_tracker = 0   # good steps in a row since the last change of scale
        self._found_inf = False   # per-step state, reset by update()
        self._unscaled = False

    def get_scale(self) -> float:
        return self._scale

    def scale(self, loss: torch.Tensor) -> torch.Tensor:
        """loss * S: backward then yields gradients multiplied by S."""
        raise NotImplementedError("scale: not written yet")

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        """Multiply every gradient by 1/S in place and record whether any is inf/nan (at most once per step)."""
        raise NotImplementedError("unscale_: not written yet")

    def step(self, optimizer: torch.optim.Optimizer) -> bool:
        """Unscale if needed; take the optimizer step only if every gradient is finite. Returns whether it stepped."""
        raise NotImplementedError("step: not written yet")

    def update(self) -> None:
        """Back off on overflow, grow after growth_interval good steps; then start a fresh step."""
        raise NotImplementedError("update: not written yet")


def mixed_precision_step(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scaler: DynamicLossScaler,
) -> tuple[torch.Tensor, bool]:
    """One step: bf16 autocast forward, fp32 loss, scaled backward, scaler.step, scaler.update.

    Returns:
        (loss, stepped): the unscaled float32 loss (detached) and whether the optimizer stepped.
    """
    raise NotImplementedError("mixed_precision_step: not written yet")
