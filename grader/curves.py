"""Training curves: a small helper that specs and learner code call while they train.

    from grader.curves import log_point
    for step in range(steps):
        ...
        log_point("train loss", loss.item(), step)

During a check the points go to the grading run's scratch folder; the runner
attaches them to the result, the workspace keeps the last check's curves, the
dashboard plots them and `course plot ID` draws them to a PNG. Outside a check
(your own script) they go to ``course-curves.jsonl`` in the current folder, or
to ``$COURSE_CURVES`` when set. One JSON object per line: {"name", "step", "value"}.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "COURSE_CURVES"
FILE = "course-curves.jsonl"
MAX_POINTS = 5000  # per curve, kept when read back


def log_point(name: str, value: float, step: int | float | None = None) -> None:
    """Record one point of the curve ``name`` (``step`` defaults to the next index)."""
    path = Path(os.environ.get(ENV, FILE))
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"name": str(name), "step": step, "value": float(value)}) + "\n")


def read(path: Path) -> dict[str, list[list[float]]]:
    """Curves from a points file: {name: [[step, value], ...]}; unreadable lines are skipped."""
    curves: dict[str, list[list[float]]] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return curves
    for line in lines:
        try:
            p = json.loads(line)
            points = curves.setdefault(str(p["name"]), [])
            step = p.get("step")
            points.append([float(len(points) if step is None else step), float(p["value"])])
        except (ValueError, KeyError, TypeError):
            continue
    return {k: v[-MAX_POINTS:] for k, v in curves.items()}


def plot_png(curves: dict[str, list[list[float]]], title: str, out: Path) -> Path:
    """Draw the curves with matplotlib (Agg) to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=120)
    ax = fig.add_subplot()
    for name, points in curves.items():
        ax.plot([p[0] for p in points], [p[1] for p in points], label=name)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    return out
