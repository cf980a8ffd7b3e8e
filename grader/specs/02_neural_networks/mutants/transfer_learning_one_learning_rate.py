"""Mutant: param_groups puts every trainable parameter in one group with the head's learning rate."""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


def replace_head(model: nn.Module, num_classes: int, head_attr: str = "fc") -> nn.Linear:
    """Replace model.<head_attr> (an nn.Linear) by a fresh nn.Linear(in_features, num_classes); return it."""
    old = getattr(model, head_attr)
    head = nn.Linear(old.in_features, num_classes)  # new weights: the old classes mean nothing here
    setattr(model, head_attr, head)  # registers it as a submodule, replacing the old one
    return head


def _frozen_bn(module: nn.Module) -> bool:
    """A batch norm layer all of whose parameters (if any) are frozen."""
    return isinstance(module, _BatchNorm) and not any(p.requires_grad for p in module.parameters())


def freeze_backbone(model: nn.Module, head_attr: str = "fc", trainable: Sequence[str] = ()) -> None:
    """requires_grad = False for every parameter outside the head whose name starts with none of `trainable`;
    then puts the frozen batch norm layers in eval mode."""
    for name, p in model.named_parameters():
        keep = name.startswith(head_attr + ".") or any(name.startswith(t) for t in trainable)
        p.requires_grad_(keep)
    for m in model.modules():
        if _frozen_bn(m):
            m.eval()  # running stats are buffers: requires_grad does not protect them, eval mode does


def set_train_mode(model: nn.Module) -> None:
    """model.train(), except that frozen batch norm layers stay in eval mode."""
    model.train()  # recurses into every submodule, frozen BN included...
    for m in model.modules():
        if _frozen_bn(m):
            m.eval()  # ...so switch those back


def param_groups(model: nn.Module, backbone_lr: float, head_lr: float, head_attr: str = "fc") -> list[dict]:
    """[{"params": trainable backbone params, "lr": backbone_lr} (only if any), {"params": head params, "lr": head_lr}]."""
    backbone, head = [], []
    for name, p in model.named_parameters():
        if name.startswith(head_attr + "."):
            head.append(p)
        elif p.requires_grad:  # frozen parameters belong to no group
            backbone.append(p)
    return [{"params": backbone + head, "lr": head_lr}]


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor,
               loss_fn: Callable[[Tensor, Tensor], Tensor]) -> float:
    """One step: set_train_mode, zero_grad, forward, backward, step. Returns the loss as a float."""
    set_train_mode(model)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
