"""Mutant: step() always unscales, dividing the gradients twice after a manual unscale_()."""

from __future__ import annotations

from collections.abc import Callable

import torch


def fp16_roundtrip(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """float(float16(x * scale)) / scale in float32: a gradient after fp16 storage with a loss scale."""
    return (x.float() * scale).half().float() / scale


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
        return loss * self._scale

    def unscale_(self, optimizer: torch.optim.Optimizer) -> None:
        """Multiply every gradient by 1/S in place and record whether any is inf/nan (at most once per step)."""
        if self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        inv_scale = 1.0 / self._scale  # exact: S is a power of two
        found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.grad.mul_(inv_scale)
                found_inf |= not torch.isfinite(p.grad).all().item()
        self._found_inf = found_inf
        self._unscaled = True

    def step(self, optimizer: torch.optim.Optimizer) -> bool:
        """Unscale if needed; take the optimizer step only if every gradient is finite. Returns whether it stepped."""
        self._unscaled = False
        self.unscale_(optimizer)
        if self._found_inf:
            return False  # skipped: inf/nan gradients would corrupt the weights (and Adam's moments)
        optimizer.step()
        return True

    def update(self) -> None:
        """Back off on overflow, grow after growth_interval good steps; then start a fresh step."""
        if self._found_inf:
            self._scale *= self.backoff_factor
            self.growth_tracker = 0
        else:
            self.growth_tracker += 1
            if self.growth_tracker == self.growth_interval:
                self._scale *= self.growth_factor
                self.growth_tracker = 0
        self._found_inf = False
        self._unscaled = False


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
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(x)                    # matmuls in bf16; the weights stay fp32
    loss = loss_fn(out.float(), y)        # reductions like the loss in fp32
    scaler.scale(loss).backward()
    stepped = scaler.step(optimizer)
    scaler.update()
    return loss.detach(), stepped
