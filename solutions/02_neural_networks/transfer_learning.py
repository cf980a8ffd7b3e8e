"""Transfer learning: a new head, a frozen backbone (batch norm included) and per-group learning rates.

Goal
----
Adapt a network trained on one task to another, the way you fine-tune an
ImageNet ResNet on your own classes:

* ``replace_head``: swap the final ``nn.Linear`` for a fresh one with the new
  number of classes (same input features);
* ``freeze_backbone``: stop every parameter outside the head from training
  (``requires_grad = False``), except the submodules you choose to fine-tune;
* ``set_train_mode``: ``model.train()``, but with the batch norm layers of the
  frozen part kept in eval mode;
* ``param_groups``: optimizer parameter groups with a small learning rate for
  the trainable part of the backbone and a large one for the new head;
* ``train_step``: one optimisation step that respects all of the above.

Why it matters
--------------
Fine-tuning a pretrained backbone beats training from scratch whenever your
data set is small, and it is the everyday use of a CNN (and, with other
names, of an LLM: adapters and LoRA are the same idea). The pretrained
features are the valuable part, so the head must not wreck them: a randomly
initialised head sends large, noisy gradients back, hence the frozen or
slow backbone and the fast head. Batch norm is the classic trap. Its running
mean and variance are buffers, not parameters: ``requires_grad = False`` does
not stop them, and every forward pass in train mode overwrites them with the
statistics of your (small, different) data set, which silently changes the
"frozen" features.

The maths
---------
Model layout: ``model.<head_attr>`` (``"fc"`` by default, as in torchvision's
ResNets) is the classifier, an ``nn.Linear(in_features, old_classes)``;
everything else is the backbone. A parameter belongs to the head if its name
(from ``model.named_parameters()``) starts with ``head_attr + "."``.

Freezing. For every backbone parameter, ``requires_grad = False``, unless
its name starts with one of the ``trainable`` prefixes (e.g. ``"layer4."``:
fine-tune the last stage too). Frozen parameters get no gradient (their
``.grad`` stays None) and cost no backward work.

Batch norm. A BatchNorm layer whose parameters are all frozen is frozen:
in train mode it would still update running_mean, running_var and
num_batches_tracked and normalise with batch statistics. Put such layers in
eval mode after every ``model.train()`` call (``train()`` recurses into every
submodule and would switch them back):

    model.train()
    for each BatchNorm m in the model: if no parameter of m requires grad: m.eval()

Learning rates. SGD applies theta <- theta - lr_g * grad to each parameter
of group g, so:

    [{"params": trainable backbone parameters, "lr": backbone_lr},
     {"params": head parameters,                "lr": head_lr}]

A group must not be empty (leave the backbone group out when nothing in it
trains), frozen parameters belong in no group, and no parameter may appear in
two groups (torch raises).

API
---
    replace_head(model, num_classes, head_attr="fc")          -> the new nn.Linear (also set on the model)
    freeze_backbone(model, head_attr="fc", trainable=())      -> None (sets requires_grad, puts frozen BN in eval)
    set_train_mode(model)                                     -> None (train mode, frozen BN in eval mode)
    param_groups(model, backbone_lr, head_lr, head_attr="fc") -> list of dicts for torch.optim
    train_step(model, optimizer, x, y, loss_fn)               -> float, the loss before the step

Worked example
--------------
    >>> model = SmallNet()   # features = Sequential(Conv2d(3, 8), BN(8), ReLU, Conv2d(8, 16), BN(16), ReLU,
    ...                      #                       AdaptiveAvgPool2d(1), Flatten); fc = Linear(16, 10)
    >>> replace_head(model, 3)
    Linear(in_features=16, out_features=3, bias=True)
    >>> freeze_backbone(model, trainable=("features.3.",))
    >>> [n for n, p in model.named_parameters() if p.requires_grad]
    ['features.3.weight', 'features.3.bias', 'fc.weight', 'fc.bias']
    >>> [(len(g["params"]), g["lr"]) for g in param_groups(model, 1e-4, 1e-2)]
    [(2, 0.0001), (2, 0.01)]

Reference
---------
Yosinski et al., "How transferable are features in deep neural networks?"
(2014); PyTorch tutorial "Transfer learning for computer vision" (the
fixed-feature-extractor and fine-tuning variants); PyTorch docs,
``torch.optim`` "Per-parameter options" and ``nn.BatchNorm2d``
(track_running_stats, eval mode).
"""

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
    groups = [{"params": backbone, "lr": backbone_lr}] if backbone else []
    return groups + [{"params": head, "lr": head_lr}]


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor,
               loss_fn: Callable[[Tensor, Tensor], Tensor]) -> float:
    """One step: set_train_mode, zero_grad, forward, backward, step. Returns the loss as a float."""
    set_train_mode(model)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
