"""Mutant: B is initialised randomly like A, so the adapted model no longer starts as the pretrained one."""

from __future__ import annotations

import math

import torch
import torch.nn as nn


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update (alpha / r) B A on a dropout side path."""

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0, init: str = "kaiming"):
        """Wrap ``base`` (frozen here) with A (r, in) randomly initialised and B (out, r) zero.

        Args:
            base: the pretrained layer; its weight and bias stop requiring grad.
            r: the rank, >= 1.
            alpha: the scale numerator; the update is multiplied by alpha / r.
            dropout: dropout probability on the LoRA path's input.
            init: "kaiming" (kaiming_uniform_ with a = sqrt(5)) or "gaussian" (normal, std 1/r) for A.
        """
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=base.weight.dtype, device=base.weight.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=base.weight.dtype, device=base.weight.device))
        self.dropout = nn.Dropout(dropout)
        self.merged = False
        if init == "kaiming":
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # nn.Linear's default: U(-1/sqrt(in), 1/sqrt(in))
        elif init == "gaussian":
            nn.init.normal_(self.lora_A, std=1.0 / r)
        else:
            raise ValueError(f"unknown init {init!r}")
        nn.init.kaiming_uniform_(self.lora_B, a=math.sqrt(5))

    def delta_weight(self) -> torch.Tensor:
        """The update (alpha / r) B A, shape (out, in)."""
        return self.scaling * (self.lora_B @ self.lora_A)  # (out, r) @ (r, in) -> (out, in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """h = base(x) + (alpha / r) B A dropout(x), or just base(x) while merged.

        Args:
            x: (..., in).

        Returns:
            (..., out).
        """
        h = self.base(x)  # (..., out); the base path never sees dropout
        if not self.merged:  # once merged, W already contains the update
            h = h + self.scaling * (self.dropout(x) @ self.lora_A.T @ self.lora_B.T)  # (..., r) -> (..., out)
        return h

    @torch.no_grad()
    def merge(self) -> None:
        """W <- W + (alpha / r) B A; afterwards forward skips the LoRA path. No-op if merged."""
        if not self.merged:
            self.base.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """W <- W - (alpha / r) B A; afterwards forward adds the LoRA path again. No-op if not merged."""
        if self.merged:
            self.base.weight -= self.delta_weight()
            self.merged = False


def inject_lora(model: nn.Module, target_modules: list[str], r: int, alpha: float,
                dropout: float = 0.0, init: str = "kaiming") -> list[str]:
    """Freeze ``model`` and replace its target nn.Linear layers by LoRALinear, in place.

    Args:
        model: any nn.Module.
        target_modules: names t; a module named n matches if n == t or n ends with "." + t.
        r, alpha, dropout, init: passed to LoRALinear.

    Returns:
        The names of the replaced modules, in ``named_modules`` order.
    """
    for p in model.parameters():
        p.requires_grad_(False)  # everything frozen; only the new A, B will train
    targets = [name for name, m in model.named_modules()
               if isinstance(m, nn.Linear) and any(name == t or name.endswith("." + t) for t in target_modules)]
    for name in targets:  # collect first, then replace: never mutate a module tree while iterating it
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(getattr(parent, child), r, alpha, dropout, init))
    return targets


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) numbers of parameters; shared (tied) tensors count once."""
    params = list(model.parameters())  # .parameters() already yields each shared tensor once
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)
