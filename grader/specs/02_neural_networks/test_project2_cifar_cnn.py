"""Spec for 02_neural_networks/project2_cifar_cnn.py: preprocessing, augmentation, model, predict; digits-cifar and CIFAR-10."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

CPU_TIER_ACCURACY = 0.80
FULL_TIER_ACCURACY = 0.90
FULL_TIER_BUDGET_S = 30 * 60  # on a GPU; a CPU will not make it


def _images(rng, n):
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)


def test_channel_stats_and_to_tensor(learner, rng):
    """channel_stats gives per-channel mean/std on the [0, 1] scale; to_tensor standardises and moves channels first."""
    imgs = np.zeros((2, 32, 32, 3), np.uint8)
    imgs[1] = 255
    mean, std = learner.channel_stats(imgs)
    assert_close(mean, [0.5, 0.5, 0.5], atol=1e-6, name="channel_stats mean", hint="divide by 255 first")
    assert_close(std, [0.5, 0.5, 0.5], atol=1e-6, name="channel_stats std",
                 hint="the population std over all pixels of the channel (numpy's default ddof=0)")
    imgs = _images(rng, 6)
    mean, std = learner.channel_stats(imgs)
    x01 = imgs.astype(np.float64) / 255.0
    assert_close(mean, x01.mean(axis=(0, 1, 2)), atol=1e-5, name="channel_stats mean",
                 hint="average over images, rows and columns, separately for each of the 3 channels (the LAST axis)")
    assert_close(std, x01.std(axis=(0, 1, 2)), atol=1e-5, name="channel_stats std")
    x = learner.to_tensor(imgs, mean, std)
    assert_shape(x, (6, 3, 32, 32), name="to_tensor(...)",
                 hint="Conv2d wants (N, C, H, W): permute(0, 3, 1, 2), not reshape")
    check(x.dtype == torch.float32, f"to_tensor should give float32, got {x.dtype}.")
    expected = torch.from_numpy(((x01 - mean) / std).transpose(0, 3, 1, 2)).float()
    assert_close(x, expected, atol=1e-5, name="to_tensor values",
                 hint="(images / 255 - mean) / std per channel, then permute to channels first (a reshape scrambles "
                      "the pixels)")


def test_augment_is_a_shift_with_zero_padding(learner, seed):
    """augment(x, g) keeps the shape and shifts each image by at most 4 pixels with zero fill; same generator state,
    same result; flip=True mirrors about half of the images."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(16, 3, 32, 32, generator=g) + 5.0  # no zeros inside the images
    out = learner.augment(x, torch.Generator().manual_seed(seed + 1))
    assert_shape(out, x.shape, name="augment(x)")
    again = learner.augment(x, torch.Generator().manual_seed(seed + 1))
    assert_close(again, out, atol=0, name="augment twice with the same generator seed",
                 hint="draw every random number from the generator argument, not the global RNG")
    shifted = 0
    for i in range(16):
        padded = torch.nn.functional.pad(x[i], (4, 4, 4, 4))
        match = [(dy, dx) for dy in range(9) for dx in range(9) if torch.equal(padded[:, dy : dy + 32, dx : dx + 32], out[i])]
        check(bool(match), f"augmented image {i} is not a crop of the zero-padded original at any offset in 0..8.",
              hint="pad by 4 with ZEROS (F.pad) and cut a 32 x 32 window at a random (dy, dx) in 0..8; no wrap-around "
                   "(torch.roll), no resize, no flip unless flip=True")
        shifted += match[0] != (4, 4)
    check(shifted >= 8, f"only {shifted} of 16 images were shifted at all.",
          hint="draw an independent offset per image")
    flipped = learner.augment(x, torch.Generator().manual_seed(seed + 2), flip=True, pad=0)
    n_flip = sum(torch.equal(flipped[i], x[i].flip(2)) for i in range(16))
    n_same = sum(torch.equal(flipped[i], x[i]) for i in range(16))
    check(n_flip + n_same == 16 and 2 <= n_flip <= 14, f"with flip=True, pad=0: {n_flip} mirrored, {n_same} unchanged.",
          hint="mirror left-right (the width axis, dim 3 of the batch) with probability 1/2 per image")


def test_model_shapes_and_size(learner):
    """build_model() maps (B, 3, 32, 32) to (B, 10) logits (and num_classes=7 to 7); 10 k - 20 M parameters."""
    torch.manual_seed(0)
    model = learner.build_model()
    check(isinstance(model, nn.Module), "build_model() must return an nn.Module.")
    n_params = sum(p.numel() for p in model.parameters())
    check(10_000 <= n_params <= 20_000_000, f"the model has {n_params:,} parameters.",
          hint="a CIFAR CNN has roughly 0.1-10 M; far fewer cannot fit, far more will not train in time")
    model.eval()
    with torch.no_grad():
        assert_shape(model(torch.randn(3, 3, 32, 32)), (3, 10), name="model(x)", hint="logits, one row per image")
        assert_shape(learner.build_model(num_classes=7).eval()(torch.randn(2, 3, 32, 32)), (2, 7),
                     name="build_model(num_classes=7)(x)")


def _quick(learner, rng, n=64):
    torch.manual_seed(0)
    imgs, labels = _images(rng, n), rng.integers(0, 10, size=n)
    model = learner.build_model()
    learner.train(model, imgs, labels, epochs=1, batch_size=32)
    return model, imgs


def test_predict_eval_mode_no_grad(learner, rng):
    """After a one-epoch run on 64 images, predict returns (n,) int64 ids, the same for an image alone or in a batch,
    leaves batch norm's running statistics untouched and creates no gradients."""
    model, imgs = _quick(learner, rng)
    model.zero_grad(set_to_none=True)
    buffers = {k: v.clone() for k, v in model.state_dict().items()}
    pred = learner.predict(model, imgs)
    check(isinstance(pred, np.ndarray) and pred.shape == (64,) and pred.dtype == np.int64,
          f"predict should return an int64 numpy array of shape (64,), got {type(pred).__name__} "
          f"{getattr(pred, 'shape', '')} {getattr(pred, 'dtype', '')}.")
    for k, v in model.state_dict().items():
        assert_close(v.float(), buffers[k].float(), atol=0, name=f"model state {k!r} after predict",
                     hint="call model.eval() in predict: in train mode batch norm updates its running averages (and "
                          "normalises with the batch's own statistics)")
    check(all(p.grad is None for p in model.parameters()), "predict created gradients.",
          hint="wrap predict in torch.no_grad() (or inference_mode)")
    alone = np.concatenate([learner.predict(model, imgs[i : i + 1]) for i in range(4)])
    assert_equal(alone, pred[:4], name="predict one image at a time vs in a batch",
                 hint="in eval mode a prediction cannot depend on the other images in the batch")


def test_predict_uses_training_statistics(learner, rng):
    """predict normalises new images with the TRAINING statistics (model.mean, model.std set by train)."""
    model, imgs = _quick(learner, rng)
    check(hasattr(model, "mean") and hasattr(model, "std"), "train() should store the training statistics as "
          "model.mean and model.std.")
    mean, std = learner.channel_stats(imgs)
    assert_close(np.asarray(model.mean), mean, atol=1e-6, name="model.mean", hint="channel_stats of the TRAINING images")
    # A probe "model" whose logits are the standardised mean colour of each image (classes 0-2): its predictions
    # show exactly which statistics predict() standardised with.
    probe = _Probe()
    probe.mean = np.array([0.2, 0.5, 0.8], np.float32)
    probe.std = np.array([0.1, 0.1, 0.1], np.float32)
    colours = np.array([[0.4, 0.6, 0.85], [0.5, 0.55, 0.85]])  # standardised with probe's stats: class 0 for both
    test = np.clip(colours[:, None, None, :] + rng.normal(scale=0.01, size=(2, 32, 32, 3)), 0, 1)
    test = np.round(test * 255).astype(np.uint8)
    x = (torch.from_numpy(test).float() / 255 - torch.from_numpy(probe.mean)) / torch.from_numpy(probe.std)
    expected = probe(x.permute(0, 3, 1, 2)).argmax(1).numpy()
    assert_equal(learner.predict(probe, test), expected, name="predict(probe model, two test images)",
                 hint="normalise with model.mean / model.std from training, never with the statistics of the images "
                      "being predicted, and do not augment at prediction time")


class _Probe(nn.Module):
    """logits = [mean of each standardised channel, then -1000 x 7]: argmax = the channel furthest above its mean."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.mean(dim=(2, 3))  # (B, 3)
        return torch.cat([m, torch.full((x.shape[0], 7), -1e3)], dim=1) + self.dummy


@pytest.mark.points(15)
def test_cpu_tier_digits_cifar(learner):
    """CPU tier: build_model() + train(model, images, labels) with its defaults on the 5,000 digits-cifar training
    images, then predict on the 1,000 test images: accuracy >= 0.80."""
    train_set = data.load("digits-cifar", split="train")
    test_set = data.load("digits-cifar", split="test")
    torch.manual_seed(0)
    model = learner.build_model()
    start = time.perf_counter()
    learner.train(model, train_set.images, train_set.labels)
    seconds = time.perf_counter() - start
    acc = float((learner.predict(model, test_set.images) == test_set.labels).mean())
    check(acc >= CPU_TIER_ACCURACY, f"digits-cifar test accuracy {acc:.3f} < {CPU_TIER_ACCURACY} (training took "
          f"{seconds:.0f} s).",
          hint="standardise with the training statistics, batch norm after each conv, a few epochs of SGD with "
               "momentum + one-cycle (or Adam), random-crop augmentation; no horizontal flips for digits")


@pytest.mark.full
@pytest.mark.points(15)
def test_full_tier_cifar10_accuracy(learner):
    """Full tier: on real CIFAR-10 (50,000 train / 10,000 test), on CUDA if available, test accuracy >= 0.90 within
    30 minutes of training (train(..., flip=True, device=...) with build_model(width=64))."""
    try:
        train_set = data.load("cifar-10", split="train")
        test_set = data.load("cifar-10", split="test")
    except Exception as exc:  # a CourseError that says how to fetch it
        pytest.fail(f"CIFAR-10 is not available: {exc}\nRun `course data get cifar-10` (170 MB) first.")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    model = learner.build_model(width=64)
    start = time.perf_counter()
    learner.train(model, train_set.images, train_set.labels, epochs=24, batch_size=512, flip=True, device=device)
    seconds = time.perf_counter() - start
    acc = float((learner.predict(model, test_set.images) == test_set.labels).mean())
    check(seconds <= FULL_TIER_BUDGET_S, f"training took {seconds:.0f} s on {device}, over the "
          f"{FULL_TIER_BUDGET_S} s budget.", hint="train on a GPU with bfloat16 autocast")
    check(acc >= FULL_TIER_ACCURACY, f"CIFAR-10 test accuracy {acc:.3f} < {FULL_TIER_ACCURACY} on {device}.",
          hint="a ResNet-9 (residual blocks, batch norm) at width 64, random crops + flips, AdamW with a one-cycle "
               "schedule, label smoothing 0.1, 24 epochs, bfloat16 autocast")
