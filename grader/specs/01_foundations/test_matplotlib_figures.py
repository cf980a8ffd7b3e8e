"""Spec for 01_foundations/matplotlib_figures.py: learning-curve figures built with the object-oriented API."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no window, no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from grader.testing import assert_close, assert_equal, check  # noqa: E402

LABELS = ("train", "validation")
NO_PYPLOT_HINT = ("build the figure with matplotlib.figure.Figure() and fig.add_subplot() (or fig.subplots()), "
                  "not plt.figure() / plt.subplots(): pyplot keeps every figure it creates alive until plt.close().")


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    """Record calls to plt.show / Figure.show, and close whatever pyplot figures a test leaves behind."""
    calls = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: calls.append("plt.show()"))
    monkeypatch.setattr(Figure, "show", lambda self, *a, **k: calls.append("fig.show()"))
    yield calls
    plt.close("all")


def _data(rng, s=6, k=5):
    sizes = np.sort(rng.choice(np.arange(10, 500), size=s, replace=False))
    train = np.clip(0.95 - 0.1 * rng.random((s, 1)) + 0.03 * rng.normal(size=(s, k)), 0, 1)
    val = np.clip(0.6 + 0.3 * np.linspace(0, 1, s)[:, None] + 0.05 * rng.normal(size=(s, k)), 0, 1)
    return sizes, train, val


def _plot(learner, no_show, *args, what="plot_learning_curve(...)", **kwargs):
    """Call a plotting function; check it returns a Figure, shows nothing and leaves pyplot untouched."""
    before = plt.get_fignums()
    fig = getattr(learner, what.split("(")[0])(*args, **kwargs)
    after = plt.get_fignums()
    check(not no_show, f"{what} called {(no_show or ['show()'])[0]}.",
          "never call plt.show() in a function that returns a figure: on a server it does nothing or blocks, and "
          "it makes the function untestable. Return the figure and let the caller show or save it.")
    check(fig is not None, f"{what} returned None.", "return the Figure (fig), not the result of plt.show().")
    check(isinstance(fig, Figure), f"{what} should return a matplotlib Figure; got {type(fig).__name__}.",
          "return fig (a matplotlib.figure.Figure), not the Axes or the list of lines.")
    check(after == before,
          f"{what} left pyplot with {len(after) - len(before)} more open figure(s) (plt.get_fignums() was {before}, "
          f"is now {after}).", NO_PYPLOT_HINT)
    return fig


def _line(ax, label):
    lines = [ln for ln in ax.get_lines() if ln.get_label() == label]
    check(len(lines) == 1,
          f"expected exactly one line labelled {label!r}; the Axes has lines labelled "
          f"{[ln.get_label() for ln in ax.get_lines()]}.",
          "draw each curve with ax.plot(train_sizes, mean, label='train') (and label='validation').")
    return lines[0]


def _check_lines(ax, sizes, train, val, where=""):
    for label, scores in zip(LABELS, (train, val)):
        line = _line(ax, label)
        assert_close(np.asarray(line.get_xdata(), dtype=float), np.asarray(sizes, dtype=float), rtol=0, atol=0,
                     name=f"x data of the {label!r} line{where}", hint="x is train_sizes itself.")
        assert_close(np.asarray(line.get_ydata(), dtype=float), scores.mean(axis=1), rtol=1e-12, atol=1e-12,
                     name=f"y data of the {label!r} line{where}",
                     hint="y is the mean score over the folds at each size: scores.mean(axis=1), one value per row "
                          "(axis=0 would average over the sizes instead).")


def _band_vertices(coll):
    return np.concatenate([p.vertices for p in coll.get_paths()])


# --------------------------------------------------------------------- tests


@pytest.mark.points(2)
def test_worked_example(learner, no_show):
    """The docstring's example: one Axes with 'train' and 'validation' lines through the fold means."""
    sizes = np.array([10, 20, 40])
    train = np.array([[1.0, 1.0], [0.875, 1.0], [0.875, 0.875]])
    val = np.array([[0.5, 0.75], [0.75, 0.75], [0.75, 1.0]])
    fig = _plot(learner, no_show, sizes, train, val, title="SVM")
    check(len(fig.axes) == 1, f"the figure has {len(fig.axes)} Axes; expected 1.",
          "one fig.add_subplot(): both curves go on the same Axes.")
    ax = fig.axes[0]
    _check_lines(ax, sizes, train, val)
    assert_equal(_line(ax, "train").get_ydata(), [1.0, 0.9375, 0.875], name="the train line's y data")
    assert_equal(_line(ax, "validation").get_ydata(), [0.625, 0.75, 0.875], name="the validation line's y data")


def test_labels_title_legend(learner, no_show, rng):
    """Axis labels 'training set size' and ylabel, the title, and a legend listing 'train' and 'validation'."""
    sizes, train, val = _data(rng)
    fig = _plot(learner, no_show, sizes, train, val, title="Random forest, 5 folds", ylabel="accuracy")
    ax = fig.axes[0]
    assert_equal(ax.get_xlabel(), "training set size", name="x label",
                 hint="ax.set_xlabel('training set size')")
    assert_equal(ax.get_ylabel(), "accuracy", name="y label (ylabel='accuracy')", hint="ax.set_ylabel(ylabel)")
    assert_equal(ax.get_title(), "Random forest, 5 folds", name="title", hint="ax.set_title(title)")
    legend = ax.get_legend()
    check(legend is not None, "the Axes has no legend.",
          "label each line (ax.plot(..., label='train')) and call ax.legend().")
    texts = sorted(t.get_text() for t in legend.get_texts())
    assert_equal(texts == sorted(LABELS), True, name=f"legend texts {texts} == ['train', 'validation']",
                 hint="only the two lines should be labelled; a band with a label adds a third entry.")
    # Defaults.
    fig = _plot(learner, no_show, sizes, train, val)
    assert_equal(fig.axes[0].get_title(), "Learning curve", name="default title")
    assert_equal(fig.axes[0].get_ylabel(), "score", name="default y label")


@pytest.mark.points(2)
def test_means_over_folds(learner, no_show, rng):
    """Random scores, with S != K and with S == K (where a wrong axis still has the right length): y = mean over folds."""
    for s, k in ((5, 5), (7, 3), (2, 9), (4, 1)):
        sizes, train, val = _data(rng, s, k)
        fig = _plot(learner, no_show, sizes, train, val)
        _check_lines(fig.axes[0], sizes, train, val, where=f" (S={s} sizes, K={k} folds)")


@pytest.mark.points(2)
def test_std_bands(learner, no_show, rng):
    """Each line has a fill_between band from mean - std to mean + std (ddof=0), in its colour, translucent."""
    sizes, train, val = _data(rng, 6, 5)
    ax = _plot(learner, no_show, sizes, train, val).axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    check(len(bands) == 2, f"expected 2 shaded bands (ax.fill_between), found {len(bands)}.",
          "one ax.fill_between(train_sizes, mean - std, mean + std, ...) per curve.")
    for label, scores in zip(LABELS, (train, val)):
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        want = np.concatenate([np.c_[sizes, mean - std], np.c_[sizes, mean + std]])  # (2S, 2) corner points
        found = None
        for band in bands:
            verts = _band_vertices(band)
            dist = np.abs(verts[:, None, :] - want[None, :, :]).max(axis=2)  # (V, 2S)
            if dist.min(axis=0).max() < 1e-9 and dist.min(axis=1).max() < 1e-9:
                found = band
        if found is None:
            lo = [_band_vertices(b)[:, 1].min() for b in bands]
            hi = [_band_vertices(b)[:, 1].max() for b in bands]
            check(False,
                  f"no band runs exactly from mean - std to mean + std of the {label!r} scores "
                  f"(expected y from {want[:, 1].min():.4f} to {want[:, 1].max():.4f}; the bands span "
                  + ", ".join(f"{a:.4f}..{b:.4f}" for a, b in zip(lo, hi)) + ").",
                  "std = scores.std(axis=1) (over the folds, with numpy's default ddof=0; pandas' .std() and ddof=1 "
                  "give a wider band) and ax.fill_between(train_sizes, mean - std, mean + std): one standard "
                  "deviation, not two, not the variance.")
        line_rgb = to_rgba(_line(ax, label).get_color())[:3]
        face = found.get_facecolor()[0]
        assert_close(face[:3], line_rgb, atol=1e-6, name=f"RGB colour of the {label!r} band",
                     hint="give the band its line's colour: color=line.get_color(), where line, = ax.plot(...).")
        check(face[3] < 1, f"the {label!r} band is opaque (alpha {face[3]}): it hides the line and the other band.",
              "fill_between(..., alpha=0.2).")


@pytest.mark.points(2)
def test_no_show_no_pyplot_leak(learner, no_show, rng):
    """Twenty calls leave plt.get_fignums() unchanged, never call show(), and every figure saves to PNG."""
    sizes, train, val = _data(rng)
    for _ in range(20):
        fig = _plot(learner, no_show, sizes, train, val)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    check(buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n", "fig.savefig(..., format='png') did not write a PNG.")


def test_draws_on_given_axes(learner, no_show, rng):
    """With ax= given, the curves go on that Axes, the other Axes stay empty, and ax's own figure is returned."""
    sizes, train, val = _data(rng)
    fig = Figure()
    left, right = fig.subplots(1, 2)
    out = _plot(learner, no_show, sizes, train, val, title="given", ax=right)
    check(out is fig, "with ax given, plot_learning_curve should return ax.figure, the figure that holds ax; "
                      "it returned a different figure.",
          "if ax is None create Figure() and fig.add_subplot(); otherwise draw on ax and return ax.figure.")
    check(len(fig.axes) == 2, f"the caller's figure now has {len(fig.axes)} Axes; it had 2.",
          "draw on the Axes you are given; do not add subplots to its figure.")
    check(not left.get_lines(), "lines were drawn on the wrong Axes (the one not passed as ax).")
    _check_lines(right, sizes, train, val, where=" on the given Axes")
    assert_equal(right.get_title(), "given", name="title of the given Axes")


def test_shape_errors(learner):
    """Scores that are not (S, K), differ in shape, or have a row count other than len(train_sizes) raise ValueError."""
    sizes = np.array([10, 20, 30])
    good = np.full((3, 4), 0.5)
    bad_cases = {
        "train_sizes of length 4 with (3, 4) scores": (np.array([10, 20, 30, 40]), good, good),
        "train (3, 4) but validation (3, 5)": (sizes, good, np.full((3, 5), 0.5)),
        "1-D scores": (sizes, good[:, 0], good[:, 0]),
    }
    for what, args in bad_cases.items():
        try:
            learner.plot_learning_curve(*args)
        except ValueError:
            continue
        finally:
            plt.close("all")
        check(False, f"plot_learning_curve with {what} did not raise ValueError.",
              "check train_scores.ndim == 2, train_scores.shape == val_scores.shape and "
              "len(train_sizes) == train_scores.shape[0] first; raise ValueError otherwise.")


@pytest.mark.points(2)
def test_compare_learning_curves(learner, no_show, rng):
    """Three models: one row of three Axes in dict order, titled by name, sharing y, each with its own curves."""
    curves = {"ridge": _data(rng, 5, 4), "forest": _data(rng, 6, 3), "svm": _data(rng, 4, 5)}
    fig = _plot(learner, no_show, curves, ylabel="R^2", what="compare_learning_curves(curves)")
    check(len(fig.axes) == 3, f"the figure has {len(fig.axes)} Axes for 3 models; expected 3.",
          "fig.subplots(1, len(curves), sharey=True, squeeze=False)[0] gives one Axes per model.")
    axes = sorted(fig.axes, key=lambda a: a.get_position().x0)  # left to right
    assert_equal(" | ".join(a.get_title() for a in axes), "ridge | forest | svm",
                 name="panel titles from left to right", hint="title=name for each (name, data) in curves.items().")
    for ax, (name, (sizes, train, val)) in zip(axes, curves.items()):
        _check_lines(ax, sizes, train, val, where=f" in the {name!r} panel")
    shared = all(axes[0].get_shared_y_axes().joined(axes[0], a) for a in axes[1:])
    check(shared, "the panels do not share their y axis, so their scores are not on the same scale.",
          "fig.subplots(1, n, sharey=True).")
    # A single model still works (fig.subplots(1, 1) returns a bare Axes unless squeeze=False).
    fig = _plot(learner, no_show, {"only": curves["svm"]}, what="compare_learning_curves({one model})")
    check(len(fig.axes) == 1, f"with one model the figure has {len(fig.axes)} Axes; expected 1.")
    _check_lines(fig.axes[0], *curves["svm"], where=" in the single panel")
