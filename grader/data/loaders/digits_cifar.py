"""``digits-cifar``: a CIFAR-10-shaped STAND-IN built from scikit-learn's 8 x 8 digits.

Not CIFAR-10. Each image is one of the 1797 handwritten digits, warped onto a
32 x 32 canvas (random scale 2.4-3.6x, rotation up to about 15 degrees, shift),
painted in a random foreground colour on a random background colour with a
linear shading, plus noise, stored as uint8 (32, 32, 3) like CIFAR-10. Train
images are made only from digits 0-1437 and test images only from 1438-1796,
so the test set holds writers' digits the model never saw.

Everything is plain float64 arithmetic on numpy's seeded PCG64 uniforms (no
sin, exp or log), so the same seed gives the same bytes on every machine.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache

import numpy as np

from grader.data.loaders.types import ImageSet, bad, check_array, check_split

N_TRAIN, N_TEST = 5000, 1000
SOURCE_SPLIT = 1438  # digits [0, 1438) make train images, [1438, 1797) test images
VERSION = 1  # bump when generate() changes: it names the cached arrays
LABEL_NAMES = tuple(f"digit {d}" for d in range(10))
NOTE = "STAND-IN for CIFAR-10: handwritten digits 0-9 at CIFAR-10's shape, not CIFAR-10's object classes"


def read_digits(path) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits.csv.gz: 1797 rows of 64 pixel values (0..16) and the label."""
    try:
        with gzip.open(path, "rt") as fh:
            raw = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    except (OSError, ValueError, EOFError) as exc:
        raise bad(path, f"could not be read as gzipped CSV ({exc})") from None
    check_array(path, "the digits table", raw, shape=(1797, 65))
    pixels, labels = raw[:, :64].reshape(-1, 8, 8).astype(np.float64) / 16.0, raw[:, 64]
    check_array(path, "the pixels", pixels, lo=0.0, hi=1.0)
    check_array(path, "the labels", labels, lo=0, hi=9)
    return pixels, labels


def _warp(src: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Bilinear-sample each 8 x 8 ``src`` image at a 32 x 32 grid mapped through its inverse affine transform.

    ``params`` rows: (a, b, c, d, tx, ty): source (x, y) = [[a, b], [c, d]] @ (u - 16, v - 16) + (tx, ty).
    """
    n = len(src)
    padded = np.zeros((n, 10, 10))
    padded[:, 1:9, 1:9] = src
    v, u = np.meshgrid(np.arange(32, dtype=np.float64) + 0.5 - 16.0, np.arange(32, dtype=np.float64) + 0.5 - 16.0,
                       indexing="ij")
    a, b, c, d, tx, ty = (params[:, k, None, None] for k in range(6))
    x = a * u + b * v + tx + 1.0  # +1: the zero border of ``padded``
    y = c * u + d * v + ty + 1.0
    x = np.clip(x, 0.0, 9.0 - 1e-9)
    y = np.clip(y, 0.0, 9.0 - 1e-9)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    idx = np.arange(n)[:, None, None]
    p00 = padded[idx, y0, x0]
    p01 = padded[idx, y0, x0 + 1]
    p10 = padded[idx, y0 + 1, x0]
    p11 = padded[idx, y0 + 1, x0 + 1]
    return (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy


def _colours(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and background colours whose luminances differ by at least 0.3."""
    lum = np.array([0.299, 0.587, 0.114])
    fg, bg = rng.uniform(size=(n, 3)), rng.uniform(size=(n, 3))
    for _ in range(100):
        weak = np.abs(fg @ lum - bg @ lum) < 0.3
        if not weak.any():
            break
        fg[weak], bg[weak] = rng.uniform(size=(int(weak.sum()), 3)), rng.uniform(size=(int(weak.sum()), 3))
    return fg, bg


def generate(pixels: np.ndarray, labels: np.ndarray, split: str, n: int, seed: int) -> ImageSet:
    lo, hi = (0, SOURCE_SPLIT) if split == "train" else (SOURCE_SPLIT, len(labels))
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    pool = np.arange(lo, hi)
    order = np.concatenate([rng.permutation(pool) for _ in range(-(-n // len(pool)))])[:n]
    scale = rng.uniform(2.4, 3.6, size=n)  # output pixels per source pixel
    t = rng.uniform(-0.13, 0.13, size=n)  # tan(angle / 2): up to about 15 degrees, without trigonometry
    cos, sin = (1 - t * t) / (1 + t * t), 2 * t / (1 + t * t)
    shift = rng.uniform(-3.5, 3.5, size=(n, 2))
    inv = 1.0 / scale
    params = np.stack([cos * inv, sin * inv, -sin * inv, cos * inv,
                       4.0 - shift[:, 0] * inv, 4.0 - shift[:, 1] * inv], axis=1)
    fg, bg = _colours(rng, n)
    shade = rng.uniform(-0.25, 0.25, size=(n, 2))
    ramp = np.linspace(-0.5, 0.5, 32)
    images = np.empty((n, 32, 32, 3), dtype=np.uint8)
    for start in range(0, n, 500):  # in chunks: small temporaries, and the same numbers for any chunking of n
        sl = slice(start, min(n, start + 500))
        k = sl.stop - sl.start
        mask = _warp(pixels[order[sl]], params[sl])[..., None]  # (k, 32, 32, 1) in 0..1
        light = shade[sl, 0, None, None] * ramp[None, :, None] + shade[sl, 1, None, None] * ramp[None, None, :]
        img = np.clip(bg[sl, None, None, :] + light[..., None], 0.0, 1.0)
        img += (fg[sl, None, None, :] - img) * mask
        img += (rng.random((k, 32, 32, 3)) + rng.random((k, 32, 32, 3)) - 1.0) * 0.08
        np.clip(img, 0.0, 1.0, out=img)
        images[sl] = np.floor(img * 255.0 + 0.5)
    return ImageSet(images, labels[order].astype(np.int64), LABEL_NAMES, NOTE)


@lru_cache(maxsize=4)
def _cached(path: str, split: str, n: int, seed: int) -> ImageSet:
    """Generated once per machine (a few seconds), then read from the cache folder as .npz."""
    from grader.data import cache

    def build() -> dict[str, np.ndarray]:
        pixels, labels = read_digits(path)
        s = generate(pixels, labels, split, n, seed)
        return {"images": s.images, "labels": s.labels}

    arrays = cache.derived_arrays(f"digits-cifar-{split}-{n}-{seed}-v{VERSION}", build)
    return ImageSet(arrays["images"], arrays["labels"], LABEL_NAMES, NOTE)


def load_digits_cifar(src, split: str = "train", seed: int = 0, n: int | None = None) -> ImageSet:
    """ImageSet(images uint8 (n, 32, 32, 3), labels int64 (n,) in 0..9): split 'train' (5000) or 'test' (1000)."""
    check_split(split, ("train", "test"))
    n = n or (N_TRAIN if split == "train" else N_TEST)
    path = src.file("digits.csv.gz")
    out = _cached(str(path), split, int(n), int(seed))
    check_array(path, "the generated images", out.images, shape=(n, 32, 32, 3), dtype=np.uint8)
    check_array(path, "the generated labels", out.labels, shape=(n,), dtype=np.int64, lo=0, hi=9)
    return ImageSet(out.images.copy(), out.labels.copy(), out.label_names, out.note)


def fingerprint(src) -> str:
    """sha256 of the default output: train then test images and labels (seed 0), regenerated from scratch."""
    pixels, labels = read_digits(src.file("digits.csv.gz"))
    h = hashlib.sha256()
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        s = generate(pixels, labels, split, n, 0)
        h.update(s.images.tobytes())
        h.update(s.labels.astype("<i8").tobytes())
    return h.hexdigest()
