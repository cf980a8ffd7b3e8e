"""Project 2: a convolutional network for CIFAR-10.

Goal
----
Build, train and evaluate an image classifier end to end: input
normalisation, data augmentation, a residual CNN with batch norm, a training
loop with a one-cycle learning-rate schedule (and mixed precision on a GPU),
and a prediction function that is safe to call on a trained model. You write:

* ``channel_stats`` and ``to_tensor``: per-channel standardisation, NHWC uint8
  -> NCHW float;
* ``augment``: random crops (4-pixel zero padding) and optional horizontal
  flips, on a batch;
* ``build_model``: the network;
* ``train``: fit the model, storing the normalisation it used on the model;
* ``predict``: class labels for new images, in eval mode and without
  gradients.

Grading has two tiers. The CPU tier (always) trains on ``digits-cifar``, an
offline stand-in with CIFAR-10's exact array layout (32 x 32 colour images of
handwritten digits on random colours: ``grader.data.load("digits-cifar",
split="train")`` / ``split="test"``), and needs test accuracy >= 0.80 within
the time limit on two CPU cores. The full tier (``course check --full``, after
``course data get cifar-10``) trains on the real CIFAR-10 50,000 images, on a
GPU if there is one, and needs >= 90% test accuracy.

Why it matters
--------------
Every piece here is something a practitioner gets wrong at least once:
statistics computed on the test set, augmentation applied at test time, a
model left in train mode at prediction (batch norm then normalises with the
statistics of the *prediction batch* and updates its running averages), a
learning rate too high without warm-up, float16 overflow without a gradient
scaler. CIFAR-10 at 90%+ is the classic benchmark where they all show.

The maths
---------
Standardisation: with x in [0, 1] (uint8 / 255), per channel c,
mean_c and std_c are computed over all training pixels of channel c, and
x' = (x - mean_c) / std_c. The same (training) statistics are applied to
every later input.

Random crop with padding p = 4: pad the image with p zeros on every side
(in the standardised space, zero = the mean colour) and cut a 32 x 32 window
at a uniformly random offset (dy, dx) in {0..2p}^2: a shift by up to 4 pixels.
Flip: with probability 1/2, mirror the image left-right (right for objects,
WRONG for digits, so ``train`` only flips when asked).

A residual block computes y = relu(x + BN(conv(relu(BN(conv(x)))))): the
identity path lets gradients skip the block, so deeper nets still train.
Batch norm (in train mode) normalises each channel with the batch's mean and
variance and updates running averages; in eval mode it uses the running
averages, so a prediction does not depend on the rest of the batch.

One-cycle schedule (``torch.optim.lr_scheduler.OneCycleLR``): the learning
rate rises from max_lr/25 to max_lr over the first ~25% of the steps, then
anneals to ~0. With AdamW and label smoothing 0.1 it trains a ResNet-9 to
CIFAR-10's 90%+ in a couple of dozen epochs.

API
---
    channel_stats(images uint8 (n, 32, 32, 3)) -> (mean (3,), std (3,)) float32, on the [0, 1] scale
    to_tensor(images, mean, std) -> float32 tensor (n, 3, 32, 32), standardised
    augment(x (n, 3, 32, 32), generator, flip=False, pad=4) -> tensor of the same shape
    build_model(num_classes=10, width=8) -> nn.Module: (B, 3, 32, 32) -> logits (B, num_classes)
    train(model, images, labels, epochs=6, batch_size=128, lr=3e-3, flip=False, device="cpu", seed=0)
        -> list of each epoch's mean training loss; sets model.mean, model.std (the training stats)
    predict(model, images, batch_size=500) -> int64 numpy array (n,) of class ids

Worked example
--------------
    >>> imgs = np.zeros((2, 32, 32, 3), np.uint8); imgs[1] = 255
    >>> channel_stats(imgs)
    (array([0.5, 0.5, 0.5], dtype=float32), array([0.5, 0.5, 0.5], dtype=float32))
    >>> to_tensor(imgs, *channel_stats(imgs))[:, :, 0, 0]
    tensor([[-1., -1., -1.], [ 1.,  1.,  1.]])

Reference
---------
He et al., "Deep Residual Learning for Image Recognition" (2016); Ioffe &
Szegedy, "Batch Normalization" (2015); Smith & Topin, "Super-Convergence"
(2019, one-cycle); Page, "How to train your ResNet" (2018, fast CIFAR-10);
the PyTorch docs for torch.autocast and torch.amp.GradScaler.
"""

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
    return x.permute(0, 3, 1, 2).contiguous()  # (n, 3, H, W): channels first for Conv2d


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
