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
    raise NotImplementedError("channel_stats: not written yet")


def to_tensor(images: np.ndarray, mean: np.ndarray, std: np.ndarray) -> torch.Tensor:
    """uint8 (n, H, W, 3) -> standardised float32 (n, 3, H, W)."""
    raise NotImplementedError("to_tensor: not written yet")


def augment(x: torch.Tensor, generator: torch.Generator, flip: bool = False, pad: int = 4) -> torch.Tensor:
    """Random shifts by up to ``pad`` pixels (zero padding) and, if flip, random left-right mirroring."""
    raise NotImplementedError("augment: not written yet (zero-pad, random crop, optional flip)")


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
    raise NotImplementedError("build_model: not written yet")


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
    raise NotImplementedError("train: not written yet")


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Class ids (n,) int64 for uint8 (n, 32, 32, 3) images: eval mode (batch norm uses its running stats), no grad."""
    raise NotImplementedError("predict: not written yet (eval mode, no grad)")
