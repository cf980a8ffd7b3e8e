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
    return sum(p.numel() * p.element_size() for p in model.parameters())


def measure_latency(fn: Callable[[], object], repeats: int = 20, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` timed calls, after ``warmup`` untimed ones
    (first calls pay for allocation and caches; the median ignores the odd slow call)."""
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@torch.no_grad()
def benchmark(variants: dict[str, nn.Module], quality: Callable[[nn.Module], float], single: dict,
              batch: dict, repeats: int = 10, warmup: int = 2) -> list[dict]:
    """One row per variant: {"variant", "size_bytes", "params", "latency_ms" (batch-1 median),
    "throughput" (items/s at the batch's size), "quality" (``quality(model)``)}.
    ``single`` and ``batch`` are keyword inputs for ``model(**inputs)``; their first dimension is the batch."""
    rows = []
    n = next(iter(batch.values())).shape[0]
    for name, model in variants.items():
        model.eval()
        lat = measure_latency(lambda: model(**single), repeats, warmup)
        t_batch = measure_latency(lambda: model(**batch), max(1, repeats // 2), 1)
        rows.append({"variant": name, "size_bytes": size_bytes(model),
                     "params": sum(p.numel() for p in model.parameters()),
                     "latency_ms": 1000 * lat, "throughput": n / t_batch, "quality": float(quality(model))})
    return rows


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], "size_bytes", "size on disk (MB)"), (axes[1], "latency_ms", "latency, batch 1 (ms)")):
        for r in rows:
            x = r[key] / 1e6 if key == "size_bytes" else r[key]
            ax.scatter(x, r["quality"])
            ax.annotate(r["variant"], (x, r["quality"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_xlabel(label)
        ax.set_ylabel(quality_name)
        ax.grid(alpha=0.3)
    fig.suptitle("compression trade-off")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png", dpi=80)
    plt.close(fig)
    return path
