"""The report: bootstrap confidence intervals, and the results as a terminal table and a Markdown file."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np


def bootstrap_ci(values, statistic: Callable[[np.ndarray], float] = np.mean, *, n_resamples: int = 1000,
                 alpha: float = 0.05, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap (1 - alpha) interval of ``statistic(values)``.

    Draw all resamples at once: ``idx = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))``
    (with replacement, same size as the data); row r is resample r. The interval is the alpha/2 and
    1 - alpha/2 percentiles (``np.percentile``, linear) of the n_resamples statistics.
    """
    raise NotImplementedError("report.bootstrap_ci")


def format_row(row: dict) -> list[str]:
    """model, task, metric, value and CI as the strings both reports use (4 decimals)."""
    return [row["model"], row["task"], row["metric"], f"{row['value']:.4f}", f"[{row['lo']:.4f}, {row['hi']:.4f}]"]


HEADER = ["model", "task", "metric", "value", "95% CI"]


def render_table(rows: Sequence[dict]) -> str:
    """A plain-text table for the terminal (given)."""
    cells = [HEADER] + [format_row(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_markdown(rows: Sequence[dict], title: str = "Evaluation report") -> str:
    """A Markdown report: '# title', a blank line, then a pipe table with HEADER and one line per row
    (cells from format_row), e.g. '| heuristic | wiki-qa | f1 | 0.3127 | [0.2095, 0.4230] |'."""
    raise NotImplementedError("report.to_markdown")


def write_report(rows: Sequence[dict], path: str | Path, title: str = "Evaluation report") -> Path:
    """Write ``to_markdown(rows)`` to ``path`` and return the path."""
    raise NotImplementedError("report.write_report")
