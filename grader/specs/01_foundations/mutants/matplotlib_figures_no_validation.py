"""Mutant: never checks the shapes, so mismatched inputs fail deep inside matplotlib or plot silently."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def plot_learning_curve(
    train_sizes: np.ndarray,
    train_scores: np.ndarray,
    val_scores: np.ndarray,
    *,
    title: str = "Learning curve",
    ylabel: str = "score",
    ax: Axes | None = None,
) -> Figure:
    """Plot mean train and validation scores against training-set size, with +-1 std bands.

    Args:
        train_sizes: (S,) numbers of training samples.
        train_scores: (S, K) training scores, K folds per size.
        val_scores: (S, K) validation scores.
        title: the Axes title.
        ylabel: the y-axis label.
        ax: an Axes to draw on; None makes a new Figure (not registered with pyplot).

    Returns:
        The Figure that holds the plot (``ax.figure`` when ax is given).

    Raises:
        ValueError: if the scores are not 2-D, differ in shape, or do not have
            one row per training-set size.
    """
    train_sizes = np.asarray(train_sizes)
    train_scores = np.asarray(train_scores, dtype=float)
    val_scores = np.asarray(val_scores, dtype=float)
    if ax is None:
        fig = Figure(figsize=(6, 4))  # a plain Figure: pyplot never hears of it, so nothing leaks
        ax = fig.add_subplot()
    for scores, label in ((train_scores, "train"), (val_scores, "validation")):
        mean = scores.mean(axis=1)  # (S,) average over the folds
        std = scores.std(axis=1)  # (S,) spread over the folds, ddof=0
        (line,) = ax.plot(train_sizes, mean, "o-", label=label)
        # The band takes its line's colour, translucent, so the pair reads as one curve.
        ax.fill_between(train_sizes, mean - std, mean + std, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("training set size")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax.figure


def compare_learning_curves(
    curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    ylabel: str = "score",
) -> Figure:
    """One learning-curve panel per model, side by side, sharing the y axis.

    Args:
        curves: {model name: (train_sizes (S,), train_scores (S, K), val_scores (S, K))}.
        ylabel: the y-axis label of every panel.

    Returns:
        A new Figure with one row of len(curves) Axes, in the dict's order,
        each titled with its model's name.
    """
    fig = Figure(figsize=(4 * len(curves), 4))
    # squeeze=False: a (1, n) array of Axes even when n == 1, so one loop handles every case.
    axes = fig.subplots(1, len(curves), sharey=True, squeeze=False)[0]
    for ax, (name, (sizes, train, val)) in zip(axes, curves.items()):
        plot_learning_curve(sizes, train, val, title=name, ylabel=ylabel, ax=ax)
    return fig
