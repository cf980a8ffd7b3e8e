"""The training loop: AdamW, warmup + cosine decay, clipping, bf16 autocast, compile, checkpoints, MFU."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

from .data import get_batch
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
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if step >= cfg.max_steps:
        return cfg.min_lr
    ratio = (step - cfg.warmup_steps) / (cfg.max_steps - cfg.warmup_steps)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.lr - cfg.min_lr)


def configure_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices (dim >= 2) only: never on biases, norms' gains."""
    params = [p for p in model.parameters() if p.requires_grad]  # .parameters() yields the tied matrix once
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    fused = next(model.parameters()).is_cuda
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), fused=fused)


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
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    losses = []
    for _ in range(n_batches):
        x, y = get_batch(data, model.cfg.block_size, batch_size, gen, device)
        with autocast_for(device, cfg or TrainConfig()):
            _, loss = model(x, y)
        losses.append(loss.item())
    model.train(was_training)
    return sum(losses) / len(losses)


def estimate_mfu(flops_per_token: float, tokens_per_sec: float, peak_flops: float = H100_BF16_PEAK) -> float:
    """Model FLOPs utilisation: the FLOP/s the model's arithmetic needs, over the hardware's peak."""
    return flops_per_token * tokens_per_sec / peak_flops


def save_checkpoint(path: str | Path, model: GPT, optimizer: torch.optim.Optimizer, step: int,
                    generator: torch.Generator, cfg: TrainConfig) -> None:
    """Everything needed to continue exactly: weights, optimizer moments, step, and the data RNG."""
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
             "generator": generator.get_state(), "torch_rng": torch.get_rng_state(), "train_config": asdict(cfg)}
    tmp = Path(str(path) + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # atomic: a crash mid-save never leaves a half-written checkpoint


def train(model: GPT, train_data: torch.Tensor, val_data: torch.Tensor, cfg: TrainConfig, *,
          device: str | torch.device = "cpu", checkpoint_path: str | Path | None = None, resume: bool = False,
          stop_at: int | None = None, log: Callable[[str, float, int], None] | None = None,
          peak_flops: float = H100_BF16_PEAK) -> dict:
    """Train ``model`` in place; returns {"step", "train_loss", "val_loss", "tokens_per_sec", "mfu"}.

    ``stop_at`` ends the run early (after that step, a checkpoint is written) without changing the
    schedule, so that resuming from the checkpoint continues the very same run.
    """
    device = torch.device(device)
    model.to(device)
    optimizer = configure_optimizer(model, cfg)
    generator = torch.Generator().manual_seed(cfg.seed)
    step = 0
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        state = torch.load(checkpoint_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        step = state["step"]
    fwd = torch.compile(model) if cfg.compile else model
    B, T = cfg.batch_size, model.cfg.block_size
    history: dict = {"train_loss": [], "val_loss": []}
    end = cfg.max_steps if stop_at is None else min(stop_at, cfg.max_steps)
    start, timed_from, timed_tokens = time.perf_counter(), None, 0
    model.train()
    while step < end:
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg)
        x, y = get_batch(train_data, T, B, generator, device)
        with autocast_for(device, cfg):
            _, loss = fwd(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        step += 1
        history["train_loss"].append(loss.item())  # .item() syncs: the timing below is honest
        if log:
            log("train loss", history["train_loss"][-1], step)
        if timed_from is None and step >= min(10, end):  # skip compilation and warm-up steps
            timed_from = time.perf_counter()
        elif timed_from is not None:
            timed_tokens += B * T
        if step % cfg.eval_interval == 0 or step == cfg.max_steps:
            val = evaluate(model, val_data, B, cfg.eval_batches, device=device, cfg=cfg)
            history["val_loss"].append((step, val))
            if log:
                log("val loss", val, step)
        if cfg.time_budget is not None and time.perf_counter() - start > cfg.time_budget:
            break
    if checkpoint_path is not None:
        save_checkpoint(checkpoint_path, model, optimizer, step, generator, cfg)
    elapsed = time.perf_counter() - timed_from if timed_from is not None else 0.0
    tps = timed_tokens / elapsed if elapsed > 0 and timed_tokens else 0.0
    history.update(step=step, tokens_per_sec=tps, mfu=estimate_mfu(model.flops_per_token(), tps, peak_flops))
    return history
