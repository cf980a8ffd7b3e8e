"""A training loop with evaluation, early stopping and checkpoints you can resume bit for bit.

Goal
----
Write the loop every PyTorch project rewrites, and get its four classic
details right:

* ``train_one_epoch``: one pass over the training loader (train mode,
  zero_grad / forward / backward / step), returning the mean loss per sample;
* ``evaluate``: the mean loss per sample over a loader, in eval mode and
  without building a graph;
* ``EarlyStopping``: stop when the validation loss has not improved by more
  than ``min_delta`` for ``patience`` epochs, and remember the best weights;
* ``save_checkpoint`` / ``load_checkpoint``: everything needed to continue a
  run exactly: model, optimizer, epoch and random-number-generator states;
* ``fit``: the epochs, put together, able to start from a loaded checkpoint.

The test: 2 epochs, a checkpoint, a *fresh* model, optimizer and loader that
load it, 2 more epochs gives parameters ``torch.equal`` to 4 epochs straight.

Why it matters
--------------
Long runs get interrupted (preemption, crashes, time limits), and a resumed
run that is not the same run makes bugs impossible to reproduce. Each piece
of state you forget changes the result: Adam's moment estimates and step
count (the optimizer's ``state_dict``), the shuffling order (the loader's
``torch.Generator``), dropout masks (torch's global RNG). Early stopping is
the cheapest regulariser there is, but only if "restore the best weights"
really restores them.

The maths
---------
Mean loss per sample. With ``loss_fn`` averaging over a batch of size n_b,
the epoch's mean is sum_b n_b * loss_b / sum_b n_b. The plain mean of the
batch losses over-weights a short last batch.

train / eval mode. ``model.train()`` turns dropout on (and makes batch norm
use batch statistics); ``model.eval()`` turns them off. ``evaluate`` must call
``model.eval()`` and run under ``torch.no_grad()`` (no graph, no memory for
activations); ``train_one_epoch`` must call ``model.train()``, because the
previous epoch's evaluation left the model in eval mode.

Early stopping. Keep best (initially +inf). After each epoch's validation
loss v:

    if v < best - min_delta:  best = v; best_epoch = epoch; counter = 0; snapshot the weights
    else:                     counter += 1
    stop when counter >= patience

At the end, load the snapshot back. The snapshot must be a *copy*:
``model.state_dict()`` returns references to the live parameter tensors, so
keeping it without cloning (``{k: v.detach().clone() ...}`` or
``copy.deepcopy``) "remembers" weights that keep changing under you.

A checkpoint is a dict saved with ``torch.save``:

    {"epoch": epochs completed, "model": model.state_dict(),
     "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
     "generator": the train loader's generator.get_state()}

(add Python's ``random.getstate()`` and ``np.random.get_state()`` if your
code draws from them). ``load_checkpoint`` restores each piece in place and
returns the epoch count, and ``fit(..., start_epoch=that)`` continues with
the next epoch. Save at the very end of an epoch, after evaluating, so the
RNG states are those the next epoch starts from. Load with
``torch.load(path, weights_only=False)``: the RNG states are not plain
weights.

API
---
    train_one_epoch(model, loader, optimizer, loss_fn)  -> float, mean training loss per sample
    evaluate(model, loader, loss_fn)                    -> float, mean loss per sample (eval mode, no grad)
    EarlyStopping(patience, min_delta=0.0)
        .step(val_loss, model, epoch) -> bool (True: stop now)
        .best_loss, .best_epoch, .counter, .best_state (a copied state_dict or None)
    save_checkpoint(path, model, optimizer, epoch, generator)
    load_checkpoint(path, model, optimizer, generator)  -> int, the epoch count stored
    fit(model, optimizer, loss_fn, train_loader, val_loader, epochs, *,
        early_stopping=None, checkpoint_path=None, start_epoch=0)
        -> {"train_loss": [...], "val_loss": [...]}, one entry per epoch run by this call

``fit`` runs epochs start_epoch, ..., epochs - 1; after each it evaluates,
saves a checkpoint (if a path is given) with ``train_loader.generator``, and
asks the early stopper (if any) whether to stop; when early stopping was
used, it loads the best weights back before returning.

Worked example
--------------
    >>> es = EarlyStopping(patience=2, min_delta=0.05)
    >>> [es.step(v, model, epoch) for epoch, v in enumerate([1.0, 0.9, 0.88, 0.95])]
    [False, False, False, True]
    >>> es.best_loss, es.best_epoch, es.counter
    (0.9, 1, 2)

0.88 is better than 0.9 but not by more than 0.05, so it counts as no
improvement: two epochs without one reach the patience of 2.

Reference
---------
Prechelt, "Early stopping - but when?" (1998); PyTorch docs, "Saving and
loading a general checkpoint for inference and/or resuming training" and
"Reproducibility" (notes/randomness.html).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torch.utils.data import DataLoader

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def train_one_epoch(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer, loss_fn: LossFn) -> float:
    """One pass over `loader` in train mode; returns the mean loss per sample (batches weighted by size)."""
    model.train()  # dropout on: the last evaluate() left the model in eval mode
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()  # gradients accumulate across backward() calls otherwise
        loss = loss_fn(model(xb), yb)  # the mean over this batch
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)  # weight by batch size: the last batch may be short
        count += len(xb)
    return total / count


@torch.no_grad()  # no graph: evaluation never calls backward
def evaluate(model: nn.Module, loader: DataLoader, loss_fn: LossFn) -> float:
    """The mean loss per sample over `loader`, in eval mode (dropout off) and without gradients."""
    model.eval()
    total, count = 0.0, 0
    for xb, yb in loader:
        total += loss_fn(model(xb), yb).item() * len(xb)
        count += len(xb)
    return total / count


class EarlyStopping:
    """Stop after `patience` epochs without an improvement of more than `min_delta`; keep the best weights."""

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        self.patience, self.min_delta = patience, min_delta
        self.best_loss = float("inf")
        self.best_epoch = -1
        self.counter = 0  # epochs since the last improvement
        self.best_state: dict[str, torch.Tensor] | None = None

    def step(self, val_loss: float, model: nn.Module, epoch: int) -> bool:
        """Record this epoch's validation loss; returns True when training should stop."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, epoch, 0
            # clone: state_dict() holds references to the live parameters, which the next steps overwrite
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.counter += 1
        return self.counter >= self.patience

    def restore_best(self, model: nn.Module) -> None:
        """Load the best weights seen back into `model` (no-op before the first step)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
                    generator: torch.Generator | None) -> None:
    """Save model, optimizer, epoch count and RNG states (torch's global one and the loader's generator)."""
    torch.save({
        "epoch": epoch,  # epochs completed
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),  # Adam's moments and step count live here
        "torch_rng": torch.get_rng_state(),  # dropout masks
        "generator": generator.get_state() if generator is not None else None,  # the shuffling order
    }, path)


def load_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer,
                    generator: torch.Generator | None) -> int:
    """Restore everything save_checkpoint stored, in place; returns the number of epochs completed."""
    ckpt = torch.load(path, weights_only=False)  # RNG states are not plain weights
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    torch.set_rng_state(ckpt["torch_rng"])
    if generator is not None and ckpt["generator"] is not None:
        generator.set_state(ckpt["generator"])
    return int(ckpt["epoch"])


def fit(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: LossFn, train_loader: DataLoader,
        val_loader: DataLoader, epochs: int, *, early_stopping: EarlyStopping | None = None,
        checkpoint_path: str | Path | None = None, start_epoch: int = 0) -> dict[str, list[float]]:
    """Train epochs start_epoch .. epochs-1, evaluating (and checkpointing) after each; returns the losses."""
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    for epoch in range(start_epoch, epochs):
        history["train_loss"].append(train_one_epoch(model, train_loader, optimizer, loss_fn))
        val_loss = evaluate(model, val_loader, loss_fn)
        history["val_loss"].append(val_loss)
        if checkpoint_path is not None:  # last thing in the epoch: the RNG states are the next epoch's
            save_checkpoint(checkpoint_path, model, optimizer, epoch + 1, train_loader.generator)
        if early_stopping is not None and early_stopping.step(val_loss, model, epoch):
            break
    if early_stopping is not None:
        early_stopping.restore_best(model)
    return history
