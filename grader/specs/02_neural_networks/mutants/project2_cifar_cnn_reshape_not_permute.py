"""Mutant: to_tensor reshapes NHWC to NCHW instead of permuting, scrambling the pixels."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of uint8 (n, H, W, 3) images, on the [0, 1] scale: two (3,) arrays."""
    x = images.reshape(-1, images.shape[-1]).astype(np.float64) / 255.0  # (n*H*W, 3)
    return x.mean(axis=0).astype(np.float32), x.std(axis=0).astype(np.float32)


def to_tensor(images: np.ndarray, mean: np.ndarray, std: np.ndarray) -> torch.Tensor:
    """uint8 (n, H, W, 3) -> standardised float32 (n, 3, H, W)."""
    x = torch.from_numpy(images).float().div_(255.0)  # (n, H, W, 3) in [0, 1]
    x = (x - torch.as_tensor(mean)) / torch.as_tensor(std)  # broadcasts over the channel axis, last
    return x.reshape(x.shape[0], 3, x.shape[1], x.shape[2])  # (n, 3, H, W): channels first for Conv2d


def augment(x: torch.Tensor, generator: torch.Generator, flip: bool = False, pad: int = 4) -> torch.Tensor:
    """Random shifts by up to ``pad`` pixels (zero padding) and, if flip, random left-right mirroring."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))  # (n, C, h + 2p, w + 2p), zeros = the mean colour
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :]).to(x.device)  # (n, h) source rows of each crop
    cols = (dx[:, None] + torch.arange(w)[None, :]).to(x.device)  # (n, w)
    batch = torch.arange(n, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (n, C, h, w)
    if flip:
        mirror = (torch.rand(n, generator=generator) < 0.5).to(x.device)
        out = torch.where(mirror[:, None, None, None], out.flip(3), out)
    return out.contiguous()


def conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 convolution (no bias: batch norm has one) + batch norm + ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class Residual(nn.Module):
    """x + f(x) with f = two conv-bn-relu layers at the same width."""

    def __init__(self, c: int):
        super().__init__()
        self.f = nn.Sequential(conv_bn(c, c), conv_bn(c, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.f(x)


def build_model(num_classes: int = 10, width: int = 8) -> nn.Module:
    """A ResNet-9-style network (Page 2018) at ``width`` channels in the first layer (64 gives ~6.5 M parameters)."""
    w = width
    return nn.Sequential(
        conv_bn(3, w),  # (B, w, 32, 32)
        conv_bn(w, 2 * w), nn.MaxPool2d(2),  # (B, 2w, 16, 16)
        Residual(2 * w),
        conv_bn(2 * w, 4 * w), nn.MaxPool2d(2),  # (B, 4w, 8, 8)
        conv_bn(4 * w, 8 * w), nn.MaxPool2d(2),  # (B, 8w, 4, 4)
        Residual(8 * w),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),  # (B, 8w)
        nn.Linear(8 * w, num_classes),  # (B, num_classes)
    )


def train(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    epochs: int = 6,
    batch_size: int = 128,
    lr: float = 3e-3,
    flip: bool = False,
    device: str = "cpu",
    seed: int = 0,
) -> list[float]:
    """Train with AdamW + one-cycle + label smoothing (bfloat16 autocast on CUDA); returns each epoch's mean loss.

    Stores the training statistics as model.mean, model.std, so predict() normalises new images the same way.
    """
    model.mean, model.std = channel_stats(images)  # training-set statistics only
    x_all = to_tensor(images, model.mean, model.std).to(device)  # (n, 3, 32, 32)
    y_all = torch.as_tensor(labels, dtype=torch.long, device=device)
    model.to(device).train()
    g = torch.Generator().manual_seed(seed)
    n = len(y_all)
    steps_per_epoch = (n + batch_size - 1) // batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    use_amp = device.startswith("cuda")  # bfloat16 needs no GradScaler: its range is float32's
    history = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=g).to(device)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            x = augment(x_all[idx], g, flip=flip)  # a fresh random shift (and flip) every time
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=use_amp):
                loss = F.cross_entropy(model(x), y_all[idx], label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        history.append(total / n)
    return history


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Class ids (n,) int64 for uint8 (n, 32, 32, 3) images: eval mode (batch norm uses its running stats), no grad."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(images), batch_size):
        x = to_tensor(images[start : start + batch_size], model.mean, model.std).to(device)  # no augmentation
        out.append(model(x).argmax(dim=1).cpu())
    return torch.cat(out).numpy().astype(np.int64)
