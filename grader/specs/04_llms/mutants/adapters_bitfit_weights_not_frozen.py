"""Mutant: BitFit marks biases trainable but never freezes the weights."""

from __future__ import annotations

import torch
import torch.nn as nn


class Adapter(nn.Module):
    """h + up(act(down(h))), with up's weight and bias zero so the adapter starts as the identity."""

    def __init__(self, dim: int, bottleneck: int, activation: type[nn.Module] = nn.GELU):
        """Args:
            dim: the hidden size d of the sub-layer output.
            bottleneck: m, the inner size.
            activation: the nonlinearity's class.
        """
        super().__init__()
        self.down = nn.Linear(dim, bottleneck)  # default init: the projection must be random to learn anything
        self.act = activation()
        self.up = nn.Linear(bottleneck, dim)
        nn.init.zeros_(self.up.weight)  # zero up-projection: adapter(h) = h at initialisation
        nn.init.zeros_(self.up.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """(..., dim) -> (..., dim)."""
        return h + self.up(self.act(self.down(h)))  # residual around the bottleneck


class WithAdapter(nn.Module):
    """A sub-layer followed by an adapter on its output."""

    def __init__(self, sublayer: nn.Module, adapter: Adapter):
        super().__init__()
        self.sublayer = sublayer
        self.adapter = adapter

    def forward(self, *args, **kwargs) -> torch.Tensor:
        """adapter(sublayer(*args, **kwargs))."""
        return self.adapter(self.sublayer(*args, **kwargs))


def add_adapters(model: nn.Module, target_modules: list[str], bottleneck: int) -> list[str]:
    """Freeze ``model`` and wrap each target nn.Linear as WithAdapter(layer, Adapter(out_features, bottleneck)), in place.

    Args:
        model: any nn.Module.
        target_modules: names t; a module named n matches if n == t or n ends with "." + t.
        bottleneck: the adapters' inner size m.

    Returns:
        The names of the wrapped modules, in ``named_modules`` order.
    """
    for p in model.parameters():
        p.requires_grad_(False)  # the backbone is frozen; the new adapters are created trainable
    targets = [n for n, m in model.named_modules()
               if isinstance(m, nn.Linear) and any(n == t or n.endswith("." + t) for t in target_modules)]
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        layer = getattr(parent, child)
        adapter = Adapter(layer.out_features, bottleneck).to(layer.weight.device, layer.weight.dtype)
        setattr(parent, child, WithAdapter(layer, adapter))
    return targets


def bitfit(model: nn.Module) -> list[str]:
    """Make only the bias terms trainable (every parameter whose own name ends with "bias").

    Returns:
        The names (as in ``named_parameters``) of the trainable parameters, in order.
    """
    trainable = []
    for name, p in model.named_parameters():
        is_bias = name.rpartition(".")[2].endswith("bias")  # bias, in_proj_bias, ... ; not just ".bias"
        if is_bias:
            trainable.append(name)
    return trainable


def count_trainable(model: nn.Module) -> int:
    """The number of scalar parameters with requires_grad (shared tensors once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
