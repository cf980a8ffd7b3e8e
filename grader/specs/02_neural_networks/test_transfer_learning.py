"""Spec for 02_neural_networks/transfer_learning.py: new head, frozen backbone and batch norm, per-group learning rates."""

from __future__ import annotations

import torch
from torch import nn

from grader.testing import assert_close, assert_shape, check

LOSS = nn.CrossEntropyLoss()


class SmallNet(nn.Module):
    """The 'pretrained' backbone: two conv / BN / ReLU stages, global average pooling, and a 10-way fc head."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.features(x))


class _SGD:
    """Plain SGD over param groups, duck-typed like torch.optim.SGD (torch.optim's first use costs seconds of imports)."""

    def __init__(self, groups):
        self.param_groups = [dict(g, params=list(g["params"])) for g in groups]
        seen = [id(p) for g in self.param_groups for p in g["params"]]
        check(len(seen) == len(set(seen)), "a parameter appears in two param groups", hint="torch.optim raises for this")
        check(all(g["params"] for g in self.param_groups), "a param group is empty",
              hint="leave out a group with no parameters")

    def zero_grad(self, set_to_none: bool = True):
        for g in self.param_groups:
            for p in g["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-g["lr"])


def _pretrained(seed: int) -> SmallNet:
    """A SmallNet with non-trivial weights and BN running statistics, as a pretrained model would have."""
    torch.manual_seed(seed)
    model = SmallNet()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.num_batches_tracked.fill_(1000)
    model.eval()
    return model


def _batch(seed: int, n: int = 8, classes: int = 4):
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randn(n, 3, 8, 8, generator=g) * 2 + 1, torch.randint(0, classes, (n,), generator=g)


def _snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


BN_HINT = ("frozen BatchNorm layers must be in eval mode: running_mean / running_var are buffers, which "
           "requires_grad=False does not protect; model.train() switches every submodule back to train mode, so put "
           "the frozen BN layers back in eval() after it")


def test_replace_head(learner, seed):
    """replace_head(model, 4) puts a fresh nn.Linear(16, 4) at model.fc (returned too): outputs become (N, 4), the
    backbone is untouched and the new head trains."""
    model = _pretrained(seed)
    before = _snapshot(model.features)
    head = learner.replace_head(model, 4)
    check(isinstance(head, nn.Linear) and model.fc is head,
          f"replace_head returned {type(head).__name__} and model.fc is {'the same object' if model.fc is head else 'another'}",
          hint="create nn.Linear(old.in_features, num_classes), setattr(model, head_attr, it) and return it")
    check(head.in_features == 16 and head.out_features == 4 and tuple(head.weight.shape) == (4, 16),
          f"the new head is Linear({head.in_features}, {head.out_features}) with weight {tuple(head.weight.shape)}; "
          "expected Linear(16, 4)", hint="changing .out_features does not resize the weight: build a new nn.Linear")
    x, _ = _batch(seed)
    assert_shape(model(x), (8, 4), name="model(x) after replace_head(model, 4)")
    check(all(p.requires_grad for p in head.parameters()), "the new head's parameters do not require grad")
    check(all(torch.equal(v, model.features.state_dict()[k]) for k, v in before.items()),
          "replace_head changed the backbone", hint="only model.fc is replaced")
    head2 = learner.replace_head(model, 7, head_attr="fc")
    check(model.fc is head2 and head2.out_features == 7, "replace_head(model, 7, head_attr='fc') did not replace model.fc")


def test_freeze_backbone_requires_grad(learner, seed):
    """freeze_backbone sets requires_grad=False on every backbone parameter and leaves the head trainable; with
    trainable=('features.3.',) the second conv stays trainable too."""
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model)
    trainable = sorted(n for n, p in model.named_parameters() if p.requires_grad)
    check(trainable == ["fc.bias", "fc.weight"], f"after freeze_backbone(model) the trainable parameters are {trainable}",
          hint="for every parameter whose name does not start with 'fc.': p.requires_grad_(False); model.eval() or "
               "torch.no_grad() do not freeze anything")
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model, trainable=("features.3.",))
    trainable = sorted(n for n, p in model.named_parameters() if p.requires_grad)
    check(trainable == ["fc.bias", "fc.weight", "features.3.bias", "features.3.weight"],
          f"with trainable=('features.3.',) the trainable parameters are {trainable}",
          hint="keep requires_grad=True for names starting with the head prefix or any of the trainable prefixes")


def test_frozen_batchnorm_stays_in_eval_mode(learner, seed):
    """After freeze_backbone and set_train_mode, the model and head are in train mode but the frozen BatchNorm layers
    are in eval mode; a BN listed in `trainable` stays in train mode."""
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model)
    learner.set_train_mode(model)
    bn = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    check(model.training and model.fc.training, "set_train_mode left the model (or its head) in eval mode",
          hint="start with model.train()")
    check(not any(m.training for m in bn), f"frozen BatchNorm layers in train mode after set_train_mode: "
          f"{[m.training for m in bn]}", hint=BN_HINT)
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model, trainable=("features.4.",))
    learner.set_train_mode(model)
    check(not model.features[1].training and model.features[4].training,
          f"with trainable=('features.4.',): features.1 (frozen BN) training={model.features[1].training}, "
          f"features.4 (fine-tuned BN) training={model.features[4].training}; expected False and True",
          hint="only the BatchNorm layers whose parameters are all frozen go to eval mode")


def test_param_groups(learner, seed):
    """param_groups gives {"params": trainable backbone params, "lr": backbone_lr} and {"params": head params,
    "lr": head_lr}, with no frozen parameter, no duplicate and no empty group."""
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model, trainable=("features.3.",))
    groups = learner.param_groups(model, 1e-4, 1e-2)
    summary = ([(len(g.get("params", [])), g.get("lr")) for g in groups] if isinstance(groups, list)
               and all(isinstance(g, dict) for g in groups) else type(groups).__name__)
    check(isinstance(groups, list) and len(groups) == 2,
          f"expected 2 groups (backbone, head); got (number of params, lr) = {summary}",
          hint="a list of two dicts, each with 'params' and 'lr': the backbone's trainable params with backbone_lr, "
               "the head's with head_lr (one group with one lr trains the backbone as fast as the new head)")
    names = {id(p): n for n, p in model.named_parameters()}
    got = [(sorted(names[id(p)] for p in g["params"]), g["lr"]) for g in groups]
    want = [(["features.3.bias", "features.3.weight"], 1e-4), (["fc.bias", "fc.weight"], 1e-2)]
    check(got == want, f"param groups (names, lr): {got}; expected {want}",
          hint="backbone group: the parameters outside the head with requires_grad=True, lr=backbone_lr; then the "
               "head group with lr=head_lr; frozen parameters go in no group")
    _SGD(groups)
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model)
    groups = learner.param_groups(model, 1e-4, 1e-2)
    names = {id(p): n for n, p in model.named_parameters()}
    got = [(sorted(names[id(p)] for p in g["params"]), g["lr"]) for g in groups]
    check(got == [(["fc.bias", "fc.weight"], 1e-2)],
          f"with the whole backbone frozen the groups are {got}; expected only the head group",
          hint="leave the backbone group out when nothing in it trains (an empty group is an error waiting to happen)")


def test_train_step_updates_only_the_head(learner, seed):
    """Three train_steps with everything but the head frozen: backbone weights AND batch-norm running statistics are
    bit-for-bit unchanged, frozen parameters get no .grad, the head moves, and train_step returns the loss."""
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model)
    opt = _SGD(learner.param_groups(model, 1e-3, 0.1))
    before = _snapshot(model)
    head_before = model.fc.weight.detach().clone()
    x, y = _batch(seed)
    model.eval()
    with torch.no_grad():
        want_loss = LOSS(model(x), y).item()  # BN frozen: the first step's forward equals eval mode's
    losses = [learner.train_step(model, opt, x, y, LOSS) for _ in range(3)]
    check(isinstance(losses[0], float), f"train_step returned {type(losses[0]).__name__}, expected a float")
    assert_close(losses[0], want_loss, rtol=1e-5, atol=1e-6, name="the first train_step's loss",
                 hint="return loss.item() of the forward pass; with frozen BN it equals the eval-mode loss")
    after = model.state_dict()
    for k, v in before.items():
        if k.startswith("fc."):
            continue
        check(torch.equal(v, after[k]), f"{k} changed during training although the backbone is frozen",
              hint=BN_HINT if "running" in k or "num_batches" in k else "set requires_grad=False on the backbone")
    check(all(p.grad is None for n, p in model.named_parameters() if not n.startswith("fc.")),
          "frozen backbone parameters received gradients", hint="requires_grad=False means no .grad at all")
    check(not torch.equal(model.fc.weight, head_before), "the head did not change after 3 steps",
          hint="the head's parameters must be in the optimizer and train_step must call optimizer.step()")


def test_learning_rates_per_group(learner, seed):
    """Fine-tuning features.3 with backbone_lr = 1e-3 and the head with head_lr = 0.1 (plain SGD): one train_step
    moves each parameter by exactly -lr * grad with its own group's learning rate (an SGD over the groups)."""
    model = _pretrained(seed)
    learner.replace_head(model, 4)
    learner.freeze_backbone(model, trainable=("features.3.",))
    opt = _SGD(learner.param_groups(model, 1e-3, 0.1))
    before = _snapshot(model)
    x, y = _batch(seed)
    learner.train_step(model, opt, x, y, LOSS)
    for name, lr in [("features.3.weight", 1e-3), ("features.3.bias", 1e-3), ("fc.weight", 0.1), ("fc.bias", 0.1)]:
        p = dict(model.named_parameters())[name]
        check(p.grad is not None, f"{name} has no gradient after train_step")
        assert_close(p.detach(), before[name] - lr * p.grad, rtol=1e-5, atol=1e-7, name=f"{name} after one SGD step",
                     hint=f"{name} belongs to the group with lr={lr}: backbone params use backbone_lr, the head head_lr")
