"""LoRA from scratch: low-rank adapters on frozen linear layers, merging, injection.

Goal
----
Write Low-Rank Adaptation (LoRA) the way the ``peft`` library does, and match
it number for number:

* ``LoRALinear``: wraps a frozen ``nn.Linear`` and adds a trainable low-rank
  update on a side path;
* ``merge`` / ``unmerge``: fold the update into the base weight (for
  inference at zero extra cost) and take it out again;
* ``inject_lora``: freeze a whole model and replace its named target linear
  layers by ``LoRALinear``s;
* ``count_parameters``: (trainable, total), the numbers ``peft``'s
  ``print_trainable_parameters`` prints.

Why it matters
--------------
Full fine-tuning of a 7B model needs the optimizer state of 7B parameters.
LoRA freezes the pretrained weight W (out x in) and learns a low-rank update
delta W = (alpha / r) B A with A (r x in) and B (out x r), r around 4-64:
less than 1% of the parameters are trained, the base model is shared by many
adapters, and after merging, inference is exactly as fast as before. It is
the most used parameter-efficient fine-tuning (PEFT) method.

The maths
---------
For an input x (..., in), with W, b the frozen base weight and bias:

    h = W x + b + (alpha / r) * B A dropout(x)

Dropout (probability ``dropout``) acts on the LoRA path only; the base path
sees x unchanged. Initialisation (as in the paper and in peft):

* B = 0, so at initialisation h is exactly the base layer's output and
  training starts from the pretrained model;
* A random: ``init="kaiming"`` is nn.Linear's default,
  ``nn.init.kaiming_uniform_(A, a=math.sqrt(5))``, i.e. uniform in
  [-1/sqrt(in), 1/sqrt(in)] (peft's ``init_lora_weights=True``);
  ``init="gaussian"`` is normal with std 1/r (peft's "gaussian").

(A cannot be zero too: with A = B = 0 both gradients are zero forever. With
B = 0 only, dL/dA = 0 at the first step but dL/dB is not, and A moves once B
does.)

Merging: W_merged = W + (alpha / r) B A. While merged, forward must not add
the LoRA path again; ``unmerge`` subtracts the same product. Both are no-ops
when already in the requested state.

Injection: a module named ``name`` (as in ``model.named_modules()``) is a
target when ``name == t`` or ``name.endswith("." + t)`` for some ``t`` in
``target_modules`` (peft's rule), and it must be an ``nn.Linear``. Every
parameter of the model is frozen first; only the new A and B train.

API
---
    LoRALinear(base: nn.Linear, r, alpha, dropout=0.0, init="kaiming")
        .base (the wrapped nn.Linear), .lora_A (r, in), .lora_B (out, r) nn.Parameters,
        .scaling = alpha / r, .merged: bool
        .forward(x (..., in)) -> (..., out)
        .delta_weight() -> (out, in)
        .merge(), .unmerge()
    inject_lora(model, target_modules, r, alpha, dropout=0.0, init="kaiming") -> list[str] (the replaced names)
    count_parameters(model) -> (trainable, total)

Worked example
--------------
    >>> base = nn.Linear(2, 1); base.weight.data = torch.tensor([[1., 2.]]); base.bias.data.zero_()
    >>> lora = LoRALinear(base, r=1, alpha=2.0)
    >>> lora(torch.tensor([[1., 1.]]))                 # B = 0: the base output, 1 + 2
    tensor([[3.]])
    >>> lora.lora_A.data = torch.tensor([[1., 0.]]); lora.lora_B.data = torch.tensor([[0.5]])
    >>> lora(torch.tensor([[1., 1.]]))                 # 3 + (2/1) * 0.5 * 1
    tensor([[4.]])

Reference
---------
Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models" (2021),
section 4.1; Hugging Face ``peft``, ``peft/tuners/lora/layer.py``
(``LoraLayer.update_layer``, ``Linear.merge``); microsoft/LoRA ``loralib``.
"""

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
        # B stays zero: at initialisation the layer computes exactly base(x)

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
