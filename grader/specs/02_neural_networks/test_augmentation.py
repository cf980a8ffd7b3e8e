"""Spec for 02_neural_networks/augmentation.py: batched random crop, flip and normalisation from a torch.Generator."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

CROP_HINT = ("pad first, then draw tops = torch.randint(0, H + 2p - h + 1, (N,), generator=generator) and then "
             "lefts = torch.randint(0, W + 2p - w + 1, (N,), generator=generator): one offset per image, in that order")
FLIP_HINT = ("draw flip = torch.rand(N, generator=generator) < p (one draw per image) and mirror the WIDTH axis: "
             "torch.where(flip[:, None, None, None], x.flip(-1), x)")


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _ref_crop(x, h, w, p, g, mode):
    """The spec's own crop: a loop over images, the same draws."""
    xp = F.pad(x, (p,) * 4, mode="reflect") if mode == "reflect" else F.pad(x, (p,) * 4)
    N, _, Hp, Wp = xp.shape
    tops = torch.randint(0, Hp - h + 1, (N,), generator=g)
    lefts = torch.randint(0, Wp - w + 1, (N,), generator=g)
    return torch.stack([xp[n, :, t:t + h, l:l + w] for n, (t, l) in enumerate(zip(tops.tolist(), lefts.tolist()))])


def _ref_flip(x, g, p):
    flip = torch.rand(x.shape[0], generator=g) < p
    return torch.stack([xi.flip(-1) if f else xi for xi, f in zip(x, flip.tolist())])


def _images(seed, n=6, c=3, h=8, w=8):
    return torch.rand(n, c, h, w, generator=_gen(seed + 100))


def test_normalize_by_hand(learner):
    """normalize subtracts mean[c] and divides by std[c] channel by channel, also when W == C (a 3 x 3 RGB image,
    where a (C,) mean would silently line up with the width axis), and accepts lists."""
    out = learner.normalize(torch.ones(1, 2, 1, 1), torch.tensor([0.5, 1.0]), torch.tensor([0.25, 2.0]))
    assert_close(out, torch.tensor([[[[2.0]], [[0.0]]]]), name="normalize(ones (1, 2, 1, 1), [0.5, 1], [0.25, 2])",
                 hint="(x - mean[c]) / std[c]: reshape mean and std to (C, 1, 1) so they line up with the channel "
                      "axis of (N, C, H, W); as (C,) they broadcast against the width")
    x = torch.arange(27.0).reshape(1, 3, 3, 3)
    mean, std = [1.0, 2.0, 3.0], [1.0, 2.0, 4.0]
    want = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    got = learner.normalize(x, mean, std)
    assert_close(got, want, name="normalize of a 3-channel 3 x 3 image",
                 hint="reshape mean and std to (C, 1, 1) so they broadcast over the channel axis; a (C,) tensor "
                      "broadcasts against the last axis (the width)")
    check(torch.equal(x, torch.arange(27.0).reshape(1, 3, 3, 3)), "normalize modified its input in place")


def test_channel_stats_and_standardised_output(learner, seed):
    """channel_stats gives the per-channel mean and population std over dims (0, 2, 3); normalising with them gives
    each channel mean 0 and std 1."""
    x = torch.rand(5, 3, 4, 6, generator=_gen(seed), dtype=torch.float64) * torch.tensor([1.0, 5.0, 20.0]).view(1, 3, 1, 1)
    mean, std = learner.channel_stats(x)
    assert_shape(mean, (3,), name="channel_stats mean", hint="one value per channel: reduce dims 0, 2 and 3")
    assert_close(mean, x.mean(dim=(0, 2, 3)), rtol=1e-10, atol=1e-12, name="channel_stats mean")
    assert_close(std, x.std(dim=(0, 2, 3), unbiased=False), rtol=1e-10, atol=1e-12, name="channel_stats std",
                 hint="population std (unbiased=False / correction=0) over images and pixels of each channel")
    z = learner.normalize(x, mean, std)
    assert_close(z.mean(dim=(0, 2, 3)), torch.zeros(3, dtype=torch.float64), atol=1e-10, name="per-channel mean after normalize")
    assert_close(z.std(dim=(0, 2, 3), unbiased=False), torch.ones(3, dtype=torch.float64), rtol=1e-10,
                 name="per-channel std after normalize")


def test_flip_by_hand(learner, seed):
    """p = 1 mirrors every image left-right (the width axis), p = 0 none; the input is not modified."""
    x = torch.arange(12.0).reshape(1, 1, 3, 4).repeat(2, 2, 1, 1)  # (2, 2, 3, 4)
    keep = x.clone()
    assert_equal(learner.random_horizontal_flip(x, _gen(seed), p=1.0), keep.flip(-1), name="flip with p = 1",
                 hint="horizontal = left-right = the last axis (W): x.flip(-1), not x.flip(-2)")
    assert_equal(learner.random_horizontal_flip(x, _gen(seed), p=0.0), keep, name="flip with p = 0")
    check(torch.equal(x, keep), "random_horizontal_flip modified its input in place")


@pytest.mark.parametrize("p", [0.5, 0.3])
def test_flip_matches_reference(learner, seed, p):
    """For a fixed seed, random_horizontal_flip flips exactly the images where torch.rand(N, generator) < p."""
    x = _images(seed, n=16)
    got = learner.random_horizontal_flip(x, _gen(seed), p=p)
    assert_shape(got, tuple(x.shape), name="random_horizontal_flip(x)")
    assert_equal(got, _ref_flip(x, _gen(seed), p), name=f"random_horizontal_flip(x, seed {seed}, p={p})", hint=FLIP_HINT)


def test_flip_rate_is_p(learner, seed):
    """Over 4,000 images about a fraction p is flipped (within 5 standard errors) for p = 0.5 and p = 0.2, each
    image on its own draw."""
    x = torch.tensor([0.0, 1.0]).view(1, 1, 1, 2).repeat(4000, 1, 1, 1)
    for p in (0.5, 0.2):
        out = learner.random_horizontal_flip(x, _gen(seed), p=p)
        rate = (out[:, 0, 0, 0] == 1.0).double().mean().item()
        tol = 5 * (p * (1 - p) / 4000) ** 0.5
        check(abs(rate - p) < tol, f"{rate:.3f} of the images were flipped with p = {p}; expected {p} +- {tol:.3f}",
              hint="flip where torch.rand(N) < p, one independent draw per image (not one draw for the whole batch)")


def test_crop_by_hand(learner, seed):
    """Without padding and at full size the crop is the identity; with zero padding 1 every 2 x 2 crop of a 2 x 2
    image is a window of the zero-padded 4 x 4 image, and seed 0 gives [[0, 2], [0, 0]]."""
    x = _images(seed, n=3, h=5, w=5)
    assert_equal(learner.random_crop(x, 5, 0, _gen(seed)), x, name="random_crop(x, 5, padding=0) of 5 x 5 images",
                 hint="with no padding and the full size there is one possible offset, 0")
    x = torch.arange(4.0).reshape(1, 1, 2, 2)
    assert_equal(learner.random_crop(x, 2, 1, _gen(0)), torch.tensor([[[[0.0, 2.0], [0.0, 0.0]]]]),
                 name="random_crop([[0, 1], [2, 3]], 2, padding=1, seed 0)",
                 hint="seed 0 draws top = 2, then left = 0 on the zero-padded [[0,0,0,0],[0,0,1,0],[0,2,3,0],[0,0,0,0]]; "
                      + CROP_HINT)
    out = learner.random_crop(x.repeat(50, 1, 1, 1), 2, 1, _gen(seed))
    assert_shape(out, (50, 1, 2, 2), name="random_crop of 50 images")
    xp = F.pad(x, (1, 1, 1, 1))[0, 0]
    windows = {tuple(xp[t:t + 2, l:l + 2].flatten().tolist()) for t in range(3) for l in range(3)}
    seen = {tuple(o.flatten().tolist()) for o in out[:, 0]}
    check(seen <= windows, "a crop is not a 2 x 2 window of the zero-padded image", hint=CROP_HINT)
    check(len(seen) >= 5, f"50 crops of the same image show only {len(seen)} different windows out of 9",
          hint="each image needs its own offset: draw (N,) tops and lefts, not one offset for the batch")


@pytest.mark.parametrize("mode", ["zeros", "reflect"])
@pytest.mark.parametrize("size,padding", [(8, 4), ((6, 7), 2), (5, 0)])
def test_crop_matches_reference(learner, seed, mode, size, padding):
    """For a fixed seed, random_crop equals the spec's loop over images with the same draws (zeros and reflect
    padding, square and rectangular sizes)."""
    x = _images(seed, n=7)
    h, w = (size, size) if isinstance(size, int) else size
    got = learner.random_crop(x, size, padding, _gen(seed), mode=mode)
    assert_shape(got, (7, 3, h, w), name=f"random_crop(x (7, 3, 8, 8), {size}, {padding}, mode={mode!r})")
    hint = CROP_HINT + ("; reflect padding is F.pad(x, (p, p, p, p), mode='reflect')" if mode == "reflect" else "")
    assert_equal(got, _ref_crop(x, h, w, padding, _gen(seed), mode), name=f"random_crop {size}, padding {padding}, {mode}",
                 hint=hint)


def test_augment_pipeline(learner, seed):
    """augment = zero-padded random crop back to 32 x 32, then flip, then normalise, from one generator (crop draws
    first): equal to the spec's composition, float32 (N, 3, 32, 32), input untouched."""
    x = torch.rand(10, 3, 32, 32, generator=_gen(seed))
    keep = x.clone()
    mean, std = torch.tensor([0.49, 0.48, 0.45]), torch.tensor([0.25, 0.24, 0.26])
    got = learner.augment(x, _gen(seed), mean, std)
    assert_shape(got, (10, 3, 32, 32), name="augment(x (10, 3, 32, 32))")
    g = _gen(seed)
    want = _ref_flip(_ref_crop(x, 32, 32, 4, g, "zeros"), g, 0.5)
    want = (want - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    assert_close(got, want, name="augment(x)", hint="crop (padding 4, zeros) -> flip (p 0.5) -> normalize, all drawing "
                                                   "from the one generator, crop offsets first")
    check(torch.equal(x, keep), "augment modified its input in place")
