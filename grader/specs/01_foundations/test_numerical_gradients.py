"""Spec for 01_foundations/numerical_gradients.py: finite differences and gradient checking."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import assert_close, assert_shape, check

CENTRAL_HINT = ("central difference: (f(x + h e_i) - f(x - h e_i)) / (2 h), with the 2 in the denominator and BOTH "
                "points perturbed around the same saved value")
FORWARD_HINT = "forward difference: (f(x + h e_i) - f(x)) / h, with f(x) at the unperturbed x"
RESTORE_HINT = ("save old = x[i], evaluate at old + h and old - h, then put it back by assignment, x[i] = old: "
                "adding and subtracting h leaves rounding errors (old + h - 2h + h != old), and forgetting to restore "
                "shifts every later entry")
RELERR_HINT = ("rel(a, n) = |a - n| / max(|a|, |n|, tiny): the denominator is the larger of the two magnitudes "
               "(so it is symmetric and 0 vs 0 gives 0), floored at tiny")


def f_matrix(W):
    """A scalar function of a (3, 4) matrix: sum(tanh(W v)) + 0.5 ||W||^2."""
    v = np.array([0.5, -1.0, 2.0, 0.3])
    return float(np.sum(np.tanh(W @ v)) + 0.5 * np.sum(W**2))


def grad_matrix(W):
    v = np.array([0.5, -1.0, 2.0, 0.3])
    return np.outer(1.0 - np.tanh(W @ v) ** 2, v) + W  # (3, 4)


class Recorder:
    """Wraps f and records, for every call, how many entries of its input differ from the original x."""

    def __init__(self, f, x):
        self.f, self.x0, self.changed = f, np.array(x, dtype=float), []

    def __call__(self, x):
        self.changed.append(int(np.sum(np.asarray(x) != self.x0)))
        return self.f(x)


def test_by_hand_quadratic(learner):
    """f = sum(x^2) at [1, 2, 3] with h = 0.1: central gives [2, 4, 6] (exact for a quadratic), forward [2.1, 4.1, 6.1]; integer x works too."""
    f = lambda x: float(np.sum(x**2))  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    got = learner.numerical_gradient(f, x, h=0.1)
    assert_shape(got, (3,), name="numerical_gradient", hint="one partial derivative per entry of x: x's shape")
    assert_close(got, [2.0, 4.0, 6.0], rtol=1e-10, atol=1e-10, name="central difference of sum(x^2), h = 0.1",
                 hint=CENTRAL_HINT)
    got = learner.numerical_gradient(f, x, h=0.1, method="forward")
    assert_close(got, [2.1, 4.1, 6.1], rtol=1e-10, atol=1e-10, name="forward difference of sum(x^2), h = 0.1",
                 hint=FORWARD_HINT)
    got = learner.numerical_gradient(f, np.array([1, 2, 3]), h=0.1)
    assert_close(got, [2.0, 4.0, 6.0], rtol=1e-10, atol=1e-10, name="central difference at the INTEGER array [1, 2, 3]",
                 hint="convert x to float first (np.asarray(x, dtype=float)): an integer entry set to 1 + 0.1 becomes 1 "
                      "again, so every difference is 0")
    try:
        learner.numerical_gradient(f, x, method="backward")
    except ValueError:
        return
    check(False, "numerical_gradient(..., method='backward') did not raise ValueError.",
          "accept only 'central' and 'forward'; raise ValueError for anything else")


@pytest.mark.points(2)
def test_matrix_input(learner, rng):
    """x of shape (3, 4) (and its transpose, a non-contiguous view): the numerical gradient matches the analytic one to 1e-7."""
    W = rng.normal(size=(3, 4))
    got = learner.numerical_gradient(f_matrix, W)
    assert_shape(got, (3, 4), name="numerical_gradient at a (3, 4) matrix",
                 hint="return an array of x's shape: loop over np.ndindex(x.shape), not only the first axis")
    assert_close(got, grad_matrix(W), rtol=1e-7, atol=1e-9, name="numerical gradient of f(W) = sum(tanh(W v)) + ||W||^2/2",
                 hint=CENTRAL_HINT)
    # The same matrix handed over as the transpose of a (4, 3) array: same values, but not contiguous in memory.
    Wt = np.ascontiguousarray(W.T).T
    check(not Wt.flags["C_CONTIGUOUS"], "internal: the test matrix should be non-contiguous")
    got = learner.numerical_gradient(f_matrix, Wt)
    assert_close(got, grad_matrix(W), rtol=1e-7, atol=1e-9, name="numerical gradient at a non-contiguous (3, 4) view",
                 hint="x.reshape(-1) (or x.ravel()) of a non-contiguous array is a COPY: perturbing it leaves x, and so "
                      "f, unchanged and the gradient comes out 0. Index x itself, x[i] with i from np.ndindex(x.shape)")


@pytest.mark.points(2)
def test_input_left_unchanged(learner, rng):
    """After numerical_gradient and gradient_check, x holds exactly its old values, and every call to f saw x with exactly one entry changed."""
    for x in (np.array([0.1, 0.7, 1.3, 2.9]), rng.normal(size=(3, 4))):
        for method in ("central", "forward"):
            x_before = x.copy()
            recorder = Recorder(lambda z: float(np.sum(np.sin(z))), x)
            learner.numerical_gradient(recorder, x, h=1e-5, method=method)
            bad = np.flatnonzero(x != x_before)
            check(bad.size == 0,
                  f"after numerical_gradient(method={method!r}), {bad.size} of the {x.size} entries of x differ from "
                  f"before (first: flat index {bad[0] if bad.size else 0}, {float(x_before.flat[bad[0]]) if bad.size else 0.0!r} "
                  f"became {float(x.flat[bad[0]]) if bad.size else 0.0!r}).", RESTORE_HINT)
            extra = [c for c in recorder.changed if c > 1]
            check(not extra, f"f was called with {max(extra) if extra else 0} entries of x changed at once "
                  f"(method={method!r}); each evaluation should perturb exactly one entry.", RESTORE_HINT)
    W = rng.normal(size=(3, 4))
    W_before = W.copy()
    learner.gradient_check(f_matrix, grad_matrix, W)
    check(np.array_equal(W, W_before), "gradient_check changed x.", RESTORE_HINT)


@pytest.mark.points(2)
def test_order_of_accuracy(learner, rng):
    """f = sum(exp(x)): dividing h by 10 divides the central error by ~100 (O(h^2)) and the forward error by ~10 (O(h))."""
    x = rng.uniform(-1.0, 1.0, size=6)
    f = lambda z: float(np.sum(np.exp(z)))  # noqa: E731
    exact = np.exp(x)
    err = {}
    for method in ("central", "forward"):
        for h in (1e-2, 1e-3):
            got = np.asarray(learner.numerical_gradient(f, x.copy(), h=h, method=method), dtype=float)
            err[method, h] = np.linalg.norm(got - exact) / np.linalg.norm(exact)
    central_ratio = err["central", 1e-2] / err["central", 1e-3]
    forward_ratio = err["forward", 1e-2] / err["forward", 1e-3]
    check(60.0 < central_ratio < 160.0,
          f"central: relative error {err['central', 1e-2]:.3g} at h = 1e-2 and {err['central', 1e-3]:.3g} at h = 1e-3, "
          f"a ratio of {central_ratio:.3g}; second order means about 100 (the error is h^2/6 f''').", CENTRAL_HINT)
    check(7.0 < forward_ratio < 13.0,
          f"forward: relative error {err['forward', 1e-2]:.3g} at h = 1e-2 and {err['forward', 1e-3]:.3g} at h = 1e-3, "
          f"a ratio of {forward_ratio:.3g}; first order means about 10 (the error is h/2 f'').", FORWARD_HINT)
    assert_close(err["central", 1e-3], 1e-6 / 6.0, rtol=0.05, atol=0.0, name="central relative error at h = 1e-3",
                 hint="for exp the central error is h^2/6 = 1.67e-7 relative; " + CENTRAL_HINT)


def test_scalar_and_single_entry_inputs(learner):
    """A 0-d array x = 2 with f = x^3 gives 12 (shape ()); a (1, 1) array works too, and the result keeps x's shape."""
    cube = lambda x: float(np.sum(x**3))  # noqa: E731
    got = learner.numerical_gradient(cube, np.array(2.0))
    assert_shape(got, (), name="numerical_gradient at a 0-d array",
                 hint="np.zeros_like(x) and np.ndindex(x.shape) handle 0-d arrays (one index, the empty tuple ())")
    assert_close(got, 12.0, rtol=1e-8, atol=0.0, name="d(x^3)/dx at x = 2", hint=CENTRAL_HINT)
    got = learner.numerical_gradient(cube, np.array([[-1.0]]))
    assert_shape(got, (1, 1), name="numerical_gradient at a (1, 1) array", hint="return an array of x's shape")
    assert_close(got, [[3.0]], rtol=1e-8, atol=0.0, name="d(x^3)/dx at x = -1", hint=CENTRAL_HINT)


def test_relative_error_by_hand(learner, rng):
    """rel([1, 0, -2, 0, 1e-20], [1.1, 0, 2, 1e-3, 0]) = [1/11, 0, 2, 1, 1e-8]; symmetric in a and n, and scale-free."""
    a = np.array([1.0, 0.0, -2.0, 0.0, 1e-20])
    n = np.array([1.1, 0.0, 2.0, 1e-3, 0.0])
    got = learner.relative_error(a, n)
    assert_shape(got, (5,), name="relative_error", hint="elementwise: one value per entry")
    with np.errstate(all="ignore"):
        got = np.asarray(got, dtype=float)
    check(np.all(np.isfinite(got)), f"relative_error gave {got.tolist()}: not all finite.",
          "0 vs 0 must give 0 and 0 vs 1e-3 must give 1: divide by max(|a|, |n|, tiny), never by |a| alone")
    assert_close(got, [0.1 / 1.1, 0.0, 2.0, 1.0, 1e-8], rtol=1e-9, atol=0.0, name="relative_error(a, n)",
                 hint=RELERR_HINT)
    a, n = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert_close(learner.relative_error(n, a), learner.relative_error(a, n), rtol=1e-14, atol=0.0,
                 name="relative_error(n, a) vs relative_error(a, n)", hint=RELERR_HINT)
    assert_close(learner.relative_error(1e6 * a, 1e6 * n), learner.relative_error(a, n), rtol=1e-12, atol=0.0,
                 name="relative_error of values scaled by 1e6", hint=RELERR_HINT)


@pytest.mark.points(2)
def test_gradient_check_flags_wrong_gradients(learner, rng):
    """Correct gradients score below 1e-7; a missing factor 2, a missing transpose and a wrong sign score above 1e-2."""
    X = rng.normal(size=(4, 4))
    f = lambda W: float(np.sum((W @ X) ** 2))  # noqa: E731
    right = lambda W: 2.0 * (W @ X) @ X.T  # noqa: E731
    wrongs = {"a missing factor 2": lambda W: (W @ X) @ X.T,
              "X instead of X^T": lambda W: 2.0 * (W @ X) @ X,
              "a wrong sign": lambda W: -2.0 * (W @ X) @ X.T}
    W = rng.normal(size=(3, 4))
    score = learner.gradient_check(f, right, W)
    check(isinstance(score, (float, np.floating)), f"gradient_check returned {type(score).__name__}; expected a float.",
          "return float(np.max(relative_error(analytic, numerical)))")
    check(score < 1e-7, f"gradient_check gave {float(score):.3g} for a CORRECT gradient of sum((W X)^2); expected < 1e-7.",
          "compare grad_f(x) with the central-difference gradient (h = 1e-5) entry by entry and return the largest "
          "relative error; " + CENTRAL_HINT)
    score = learner.gradient_check(f_matrix, grad_matrix, rng.normal(size=(3, 4)))
    check(score < 1e-7, f"gradient_check gave {float(score):.3g} for the correct gradient of f(W) = sum(tanh(W v)) + ||W||^2/2.",
          CENTRAL_HINT)
    for what, wrong in wrongs.items():
        score = float(learner.gradient_check(f, wrong, W))
        expected = float(np.max(np.abs(wrong(W) - right(W)) / np.maximum(np.abs(wrong(W)), np.abs(right(W)))))
        check(score > 1e-2, f"gradient_check gave {score:.3g} for a gradient with {what}: it should flag it (> 1e-2).",
              "return the MAXIMUM relative error over the entries, not the mean or the error of the sums")
        assert_close(score, expected, rtol=1e-4, atol=0.0, name=f"gradient_check score for {what}",
                     hint="the score is the MAXIMUM over the entries of relative_error(grad_f(x), numerical gradient) "
                          "(not the mean, which hides a few wrong entries); " + RELERR_HINT)
