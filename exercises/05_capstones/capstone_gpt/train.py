"""The training loop: AdamW, warmup + cosine decay, clipping, bf16 autocast, compile, checkpoints, MFU."""

from __future__ import annotations

import math  # noqa: F401 (you will need these)
import time  # noqa: F401
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

from .data import get_batch  # noqa: F401
from .model import GPT

H100_BF16_PEAK = 989.5e12  # dense bf16 FLOP/s of an H100 SXM


@dataclass
class TrainConfig:
    max_steps: int = 300
    batch_size: int = 16
    lr: float = 3e-3
    min_lr: float = 3e-4
    warmup_steps: int = 30
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0          # 0 turns clipping off
    eval_interval: int = 100
    eval_batches: int = 8
    dtype: str = "auto"             # autocast dtype: "auto" = bfloat16 on CUDA, float32 (no autocast) on CPU
    compile: bool = False           # torch.compile the model for training
    time_budget: float | None = None  # stop after this many seconds, whatever max_steps says
    seed: int = 0


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to ``lr`` over ``warmup_steps``, then cosine decay to ``min_lr`` at ``max_steps``."""
    raise NotImplementedError("warmup, then cosine decay to min_lr")


def configure_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices (dim >= 2) only: never on biases, norms' gains."""
    raise NotImplementedError("AdamW with two parameter groups")


def autocast_for(device: torch.device, cfg: TrainConfig):
    """The autocast context for a training/eval step: bf16 on CUDA by default, off (float32) on CPU."""
    dtype = cfg.dtype
    if dtype == "auto":
        dtype = "bfloat16" if device.type == "cuda" else "float32"
    if dtype == "float32":
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=getattr(torch, dtype))


@torch.no_grad()
def evaluate(model: GPT, data: torch.Tensor, batch_size: int, n_batches: int, *, seed: int = 1234,
             device: str | torch.device = "cpu", cfg: TrainConfig | None = None) -> float:
    """Mean next-token loss over ``n_batches`` random windows (its own generator: training's is untouched)."""
    raise NotImplementedError("mean loss over random windows, in eval mode, without grad")


def estimate_mfu(flops_per_token: float, tokens_per_sec: float, peak_flops: float = H100_BF16_PEAK) -> float:
    """Model FLOPs utilisation: the FLOP/s the model's arithmetic needs, over the hardware's peak."""
    raise NotImplementedError("achieved FLOP/s over peak")


def save_checkpoint(path: str | Path, model: GPT, optimizer: torch.optim.Optimizer, step: int,
                    generator: torch.Generator, cfg: TrainConfig) -> None:
    """Everything needed to continue exactly: weights, optimizer moments, step, and the data RNG."""
    raise NotImplementedError("weights, optimizer state, step, generator state")


def train(model: GPT, train_data: torch.Tensor, val_data: torch.Tensor, cfg: TrainConfig, *,
          device: str | torch.device = "cpu", checkpoint_path: str | Path | None = None, resume: bool = False,
          stop_at: int | None = None, log: Callable[[str, float, int], None] | None = None,
          peak_flops: float = H100_BF16_PEAK) -> dict:
    """Train ``model`` in place; returns {"step", "train_loss", "val_loss", "tokens_per_sec", "mfu"}.

    ``stop_at`` ends the run early (after that step, a checkpoint is written) without changing the
    schedule, so that resuming from the checkpoint continues the very same run.
    """
    raise NotImplementedError("the training loop")
