"""Bottleneck adapters and BitFit: two more ways to fine-tune a few parameters.

Goal
----
Write two parameter-efficient fine-tuning methods and the bookkeeping that
makes them work (which parameters train, and how many):

* ``Adapter``: Houlsby's bottleneck adapter, a small residual MLP
  h + up(act(down(h))) whose up-projection starts at zero;
* ``WithAdapter``: runs a sub-layer, then an adapter on its output;
* ``add_adapters``: freeze a model and put an adapter after each named
  target sub-layer;
* ``bitfit``: freeze everything except the bias terms;
* ``count_trainable``: the number of trainable parameters.

Why it matters
--------------
Adapters (Houlsby et al., 2019) were the first PEFT method for transformers:
per task, only ~1-4% new parameters are trained and stored, and the frozen
backbone is shared. Their key trick is the initialisation: with the
up-projection at zero, the adapter is the identity, so the adapted model
starts out computing exactly what the pretrained one did, and fine-tuning
departs from it smoothly. BitFit (Ben Zaken et al., 2022) goes further: it
trains only the biases (~0.1% of a BERT), and does surprisingly well. Both
rely on freezing done right: a parameter that is "frozen" but still updated
by the optimizer (or one that was forgotten) silently turns PEFT into
full fine-tuning.

The maths
---------
An adapter on a hidden vector h (..., d), with bottleneck m << d:

    adapter(h) = h + W_up act(W_down h + b_down) + b_up
    W_down (m, d), b_down (m,)  : nn.Linear(d, m), default init
    W_up   (d, m), b_up   (d,)  : nn.Linear(m, d), weight AND bias set to 0

so adapter(h) = h exactly at initialisation. It has 2 d m + m + d
parameters. ``WithAdapter(sublayer, adapter)(x) = adapter(sublayer(x))``:
the adapter sees the sub-layer's output (in a transformer: after the
attention output projection and after the feed-forward's down-projection,
before the residual addition). Houlsby also trains the layer norms; here,
only the adapters train.

Target names follow peft's rule: a module named n (in ``named_modules``) is a
target if n == t or n ends with "." + t, and it must be an ``nn.Linear``;
the adapter's d is its ``out_features``.

BitFit: a parameter trains if and only if its own name (the part after the
last ".") ends with "bias". That includes LayerNorm biases and names such as
``nn.MultiheadAttention``'s ``in_proj_bias``; a test on ``.bias`` alone
misses those.

API
---
    Adapter(dim, bottleneck, activation=nn.GELU)   .down, .up (nn.Linear); forward(h (..., dim)) -> (..., dim)
    WithAdapter(sublayer, adapter)                 .sublayer, .adapter; forward(*args, **kwargs)
    add_adapters(model, target_modules, bottleneck) -> list[str], the wrapped module names
    bitfit(model)                                  -> list[str], the names of the parameters left trainable
    count_trainable(model)                         -> int

Worked example
--------------
    >>> a = Adapter(dim=4, bottleneck=2)
    >>> h = torch.randn(3, 4); bool((a(h) == h).all())
    True                                           # identity at init
    >>> count_trainable(a)                         # 2*4*2 + 2 + 4
    22
    >>> enc = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> bitfit(enc)
    ['self_attn.in_proj_bias', 'self_attn.out_proj.bias', 'linear1.bias', 'linear2.bias', 'norm1.bias', 'norm2.bias']

Reference
---------
Houlsby et al., "Parameter-Efficient Transfer Learning for NLP" (ICML 2019),
figure 2; Ben Zaken, Ravfogel & Goldberg, "BitFit: Simple Parameter-efficient
Fine-tuning for Transformer-based Masked Language-models" (ACL 2022).
"""

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
        p.requires_grad_(is_bias)
        if is_bias:
            trainable.append(name)
    return trainable


def count_trainable(model: nn.Module) -> int:
    """The number of scalar parameters with requires_grad (shared tensors once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
