"""The benchmark harness: size on disk, latency, throughput and quality per variant; a table and a plot."""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn as nn


def size_bytes(model: nn.Module) -> int:
    """Bytes of ``torch.save(model.state_dict())``: what the variant costs on disk (every buffer counts:
    packed int4 codes, their scales, int8 weights and PyTorch's packed params)."""
    raise NotImplementedError("bytes of the serialised state_dict")


def measure_latency(fn: Callable[[], object], repeats: int = 20, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` timed calls, after ``warmup`` untimed ones
    (first calls pay for allocation and caches; the median ignores the odd slow call)."""
    raise NotImplementedError("warm-up, then the median of timed calls")


@torch.no_grad()
def benchmark(variants: dict[str, nn.Module], quality: Callable[[nn.Module], float], single: dict,
              batch: dict, repeats: int = 10, warmup: int = 2) -> list[dict]:
    """One row per variant: {"variant", "size_bytes", "params", "latency_ms" (batch-1 median),
    "throughput" (items/s at the batch's size), "quality" (``quality(model)``)}.
    ``single`` and ``batch`` are keyword inputs for ``model(**inputs)``; their first dimension is the batch."""
    raise NotImplementedError("one row per variant")


def format_table(rows: Sequence[dict], quality_name: str = "quality") -> str:
    """The rows as a fixed-width text table."""
    head = f"{'variant':<22}{'size MB':>9}{'params':>11}{'lat ms':>9}{'items/s':>10}{quality_name:>12}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['variant']:<22}{r['size_bytes'] / 1e6:>9.2f}{r['params']:>11,}{r['latency_ms']:>9.2f}"
                     f"{r['throughput']:>10.1f}{r['quality']:>12.4g}")
    return "\n".join(lines)


def plot_tradeoff(rows: Sequence[dict], path: str | Path, quality_name: str = "quality") -> Path:
    """Two panels, size (MB) vs quality and batch-1 latency (ms) vs quality, one labelled point per
    variant; written to ``path`` as a PNG with the Agg backend. Returns the path."""
    raise NotImplementedError("two scatter panels, saved as a PNG")
