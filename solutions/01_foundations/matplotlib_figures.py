"""Figures with matplotlib's object-oriented API: learning curves with error bands.

Goal
----
Write two plotting functions that *return* a figure instead of showing it:

* ``plot_learning_curve``: the mean training and validation scores against
  the training-set size, each with a shaded band of +-1 standard deviation
  across the cross-validation folds;
* ``compare_learning_curves``: one such plot per model, side by side, with a
  shared y axis so that the panels can be compared at a glance.

Why it matters
--------------
A learning curve is the quickest diagnosis of a model. A large gap between the
training and validation curves means high variance (more data or more
regularisation helps); two low curves that meet mean high bias (a richer model
helps); a validation curve still rising at the right edge means more data will
pay off. The band shows how much of a difference is noise between folds.

How you build the figure matters as much as what is on it. ``plt.plot`` and
friends draw on pyplot's "current" figure, a global that every other piece of
code shares; pyplot also keeps every figure it creates alive until it is
closed, so a function called in a training loop leaks memory, and one that
calls ``plt.show()`` blocks (or does nothing) on a server and cannot be
tested. Library code should build a ``matplotlib.figure.Figure`` directly (or
draw on an ``Axes`` it is given), never touch pyplot's global state, and
return the figure: the caller decides whether to show it, save it
(``fig.savefig("curve.png")``) or put it in a report.

The object-oriented API in five lines:

    from matplotlib.figure import Figure
    fig = Figure(figsize=(6, 4))           # not registered with pyplot
    ax = fig.add_subplot()                 # or axes = fig.subplots(1, 3, sharey=True)
    line, = ax.plot(x, y, "o-", label="train")
    ax.fill_between(x, lower, upper, color=line.get_color(), alpha=0.2)

The rules (the grader inspects the figure)
------------------------------------------
``train_scores`` and ``val_scores`` have shape (S, K): K fold scores at each of
the S training-set sizes, as ``sklearn.model_selection.learning_curve``
returns them. On a single Axes:

* two lines, labelled exactly ``"train"`` and ``"validation"``, drawn with
  ``ax.plot``: x = train_sizes, y = the mean over the folds (axis 1);
* for each line one ``ax.fill_between`` band from mean - std to mean + std
  (population std, numpy's default ddof=0), in the line's colour with
  alpha < 1 so the line stays visible;
* x label ``"training set size"``, y label ``ylabel``, title ``title``;
* a legend showing the two labels.

If ``ax`` is given, draw on it (and return ``ax.figure``); otherwise make a new
``Figure`` with one Axes. Raise ``ValueError`` if the shapes do not agree.

``compare_learning_curves(curves)`` takes a dict {model name: (train_sizes,
train_scores, val_scores)} and returns one new Figure with a single row of
len(curves) Axes (in the dict's order) sharing their y axis, each drawn by
``plot_learning_curve(..., title=name, ax=that_axes)``.

Neither function may call ``plt.show()`` or leave a figure registered with
pyplot (``plt.get_fignums()`` must be the same before and after).

API
---
    plot_learning_curve(train_sizes, train_scores, val_scores, *,
                        title="Learning curve", ylabel="score", ax=None) -> Figure
    compare_learning_curves(curves, *, ylabel="score") -> Figure

Worked example
--------------
    >>> sizes = np.array([10, 20, 40])
    >>> train = np.array([[1.0, 1.0], [0.875, 1.0], [0.875, 0.875]])
    >>> val = np.array([[0.5, 0.75], [0.75, 0.75], [0.75, 1.0]])
    >>> fig = plot_learning_curve(sizes, train, val, title="SVM")
    >>> ax, = fig.axes
    >>> [(l.get_label(), l.get_ydata().tolist()) for l in ax.get_lines()]
    [('train', [1.0, 0.9375, 0.875]), ('validation', [0.625, 0.75, 0.875])]
    >>> plt.get_fignums()                  # pyplot knows nothing of it
    []

The validation band runs from 0.5 to 0.75 at size 10 (mean 0.625, std
0.125) and has zero width at size 20, where both folds score 0.75.

Reference
---------
matplotlib's "Quick start guide" (the two interfaces: explicit Axes versus
pyplot) and "Embedding in a web application server" (why servers must not
use pyplot); scikit-learn's user guide, "Validation curves: plotting scores to
evaluate models" (learning curves).
"""

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
    if (train_scores.ndim != 2 or train_scores.shape != val_scores.shape
            or train_sizes.shape != (train_scores.shape[0],)):
        raise ValueError(f"need train_sizes (S,) and scores (S, K) of equal shapes; got {train_sizes.shape}, "
                         f"{train_scores.shape} and {val_scores.shape}")
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
