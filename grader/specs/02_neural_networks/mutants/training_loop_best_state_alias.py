"""Mutant: EarlyStopping keeps model.state_dict() itself, whose tensors are the live parameters, instead of a copy."""

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
            self.best_state = model.state_dict()
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
