"""Spec for 01_foundations/bias_variance.py: simulated bias-variance decomposition of polynomial fits."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.polynomial import polynomial as P

from grader.testing import assert_close, assert_shape, check

KEYS = ("bias2", "variance", "noise", "error")
HINTS = {
    "bias2": "bias^2 is the mean over test points of (h_bar(t) - f(t))^2, with h_bar the mean prediction over the D fits "
             "(axis 0) and f the TRUE function, not the noisy targets; square each point's bias before averaging",
    "variance": "variance is the mean over test points of mean_d (h_d(t) - h_bar(t))^2: the spread over the fits "
                "(axis 0), divided by D, not D - 1 (np.var's default ddof=0, not ddof=1)",
    "noise": "noise is the mean of (y_test - f_test)^2 over all targets and test points",
    "error": "error averages (y_test[r, t] - h_d(t))^2 over EVERY pair (r, d) of a target and a fit, then over t: "
             "mean_r y^2 - 2 y_bar h_bar + mean_d h^2 at each t",
}


def f_true(x):
    return np.sin(2.0 * np.pi * x)


def _decompose(learner, H, f_test, y_test):
    out = learner.decompose(np.asarray(H, dtype=float), np.asarray(f_test, dtype=float), np.asarray(y_test, dtype=float))
    check(isinstance(out, dict), f"decompose should return a dict; got {type(out).__name__}.", "a missing `return`?")
    missing = [k for k in KEYS if k not in out]
    check(not missing, f"decompose's dict lacks the keys {missing}; it has {sorted(out)}.",
          "return {'bias2': ..., 'variance': ..., 'noise': ..., 'error': ...}")
    return {k: float(out[k]) for k in KEYS}


def _oracle(H, f_test, y_test):
    """The definitions, term by term, with the (R, D, T) array built explicitly."""
    h_bar = H.mean(axis=0)
    return {"bias2": np.mean((h_bar - f_test) ** 2), "variance": np.mean((H - h_bar) ** 2),
            "noise": np.mean((y_test - f_test) ** 2),
            "error": np.mean((y_test[:, None, :] - H[None, :, :]) ** 2)}


def _check_terms(got, expected, where, rtol=1e-10, atol=1e-12):
    for key in KEYS:
        assert_close(got[key], expected[key], rtol=rtol, atol=atol, name=f"{key}{where}", hint=HINTS[key])


@pytest.mark.points(2)
def test_decompose_worked_example(learner):
    """The docstring's example: bias2 = variance = noise = 1 and error = 3; with the single target row [0, 6], error = 5."""
    H = np.array([[1.0, 3.0], [3.0, 5.0]])
    f_test = np.array([1.0, 5.0])
    got = _decompose(learner, H, f_test, [[0.0, 6.0], [2.0, 4.0]])
    _check_terms(got, {"bias2": 1.0, "variance": 1.0, "noise": 1.0, "error": 3.0}, " on the worked example")
    # One target per point, [0, 6]: each is 1 from f, but now y_bar != f, so error = 3 + 2 = 5 (the cross term).
    got = _decompose(learner, H, f_test, [[0.0, 6.0]])
    _check_terms(got, {"bias2": 1.0, "variance": 1.0, "noise": 1.0, "error": 5.0}, " with y_test = [[0, 6]]")


@pytest.mark.points(2)
def test_identity_is_exact_with_balanced_targets(learner, rng):
    """Random fits and targets that average to f at every test point (pairs f + e, f - e): error = bias2 + variance + noise to 1e-10."""
    D, T, R = 40, 9, 30
    f_test = rng.normal(size=T)
    H = f_test + rng.normal(0.5, 1.0, size=T) + rng.normal(size=(D, T)) * rng.uniform(0.1, 2.0, size=T)
    e = rng.normal(0.0, 0.7, size=(R // 2, T))
    y_test = f_test + np.concatenate([e, -e])  # (R, T): y_bar(t) = f(t) exactly
    got = _decompose(learner, H, f_test, y_test)
    total = got["bias2"] + got["variance"] + got["noise"]
    assert_close(total, got["error"], rtol=1e-10, atol=1e-12, name="bias2 + variance + noise (vs error)",
                 hint="the identity is exact only if variance divides by D (ddof=0), bias^2 is measured against f and "
                      "squared per point, and error averages over all (target, fit) pairs")
    _check_terms(got, _oracle(H, f_test, y_test), " on random balanced data")


def test_decompose_matches_definitions(learner, rng):
    """Random fits and random targets: each term equals its definition, and error - (bias2 + variance + noise) is the cross term."""
    for D, T, R in [(25, 6, 13), (3, 1, 50), (200, 11, 2)]:
        f_test = rng.normal(size=T)
        H = f_test + rng.normal(size=T) + 0.5 * rng.normal(size=(D, T))
        y_test = f_test + rng.normal(0.0, 0.8, size=(R, T))
        got = _decompose(learner, H, f_test, y_test)
        _check_terms(got, _oracle(H, f_test, y_test), f" (D={D}, T={T}, R={R})")
        cross = -2.0 * np.mean((y_test.mean(axis=0) - f_test) * (H.mean(axis=0) - f_test))
        assert_close(got["error"] - got["bias2"] - got["variance"] - got["noise"], cross, rtol=1e-8, atol=1e-10,
                     name=f"error - (bias2 + variance + noise) (D={D}, T={T}, R={R})", hint=HINTS["error"])


def test_decompose_single_fit(learner, rng):
    """With one fit (D = 1) the variance is exactly 0 and bias2 is the fit's own mean squared error against f."""
    f_test = rng.normal(size=5)
    H = f_test + rng.normal(size=(1, 5))
    y_test = f_test + rng.normal(size=(4, 5))
    got = _decompose(learner, H, f_test, y_test)
    assert_close(got["variance"], 0.0, atol=1e-15, rtol=0.0, name="variance of a single fit", hint=HINTS["variance"])
    assert_close(got["bias2"], np.mean((H[0] - f_test) ** 2), rtol=1e-12, atol=1e-15, name="bias2 of a single fit",
                 hint=HINTS["bias2"])


@pytest.mark.points(2)
def test_simulate_predictions_follows_protocol(learner, seed):
    """simulate_predictions draws rng.normal(0, noise_std, size=(D, N)) once and fits every row: equal to the reference with the same seed."""
    x_train, x_test = np.linspace(0.0, 1.0, 12), np.linspace(0.1, 0.9, 5)
    for degree in (0, 1, 3):
        got = learner.simulate_predictions(f_true, x_train, x_test, degree, 0.3, 20, np.random.default_rng(seed))
        assert_shape(got, (20, 5), name=f"simulate_predictions(degree={degree})",
                     hint="one row per training set, one column per test point: (n_datasets, T)")
        noise = np.random.default_rng(seed).normal(0.0, 0.3, size=(20, 12))
        expected = P.polyval(x_test, P.polyfit(x_train, (f_true(x_train) + noise).T, degree))
        assert_close(got, expected, rtol=1e-9, atol=1e-9, name=f"simulate_predictions(degree={degree})",
                     hint="draw ALL the noise with one call rng.normal(0.0, noise_std, size=(n_datasets, N)), row d "
                          "for training set d, add it to f(x_train), and fit each row with fit_predict_polynomial; use "
                          "only the rng argument (np.random.normal ignores it), and a fresh noise row per training set")
    again = learner.simulate_predictions(f_true, x_train, x_test, 3, 0.3, 20, np.random.default_rng(seed))
    check(np.array_equal(np.asarray(again), np.asarray(got)),
          "two calls with generators seeded alike gave different predictions.",
          "draw every random number from the rng argument, never from np.random's global functions")


@pytest.mark.points(2)
def test_curve_bias_falls_variance_rises(learner, rng):
    """sin(2 pi x), 15 training points, noise 0.3, 1000 fits: bias2 falls over degrees 0, 1, 3, 5, variance rises over 0, 1, 3, 5, 7, 9."""
    degrees = [0, 1, 3, 5, 7, 9]
    out = learner.bias_variance_curve(f_true, np.linspace(0.0, 1.0, 15), np.linspace(0.05, 0.95, 19), degrees, 0.3,
                                      1000, 4000, rng)
    for key in KEYS:
        check(key in out, f"bias_variance_curve's dict lacks the key {key!r}.")
        assert_shape(out[key], (len(degrees),), name=f"curve[{key!r}]", hint="one value per degree")
    bias2, variance = np.asarray(out["bias2"]), np.asarray(out["variance"])
    # Expected: bias2 about [0.53, 0.19, 6e-3, 1e-4], each at least 2x below the previous.
    check(np.all(bias2[1:4] < 0.5 * bias2[:3]),
          f"bias2 over degrees 0, 1, 3, 5 is {np.round(bias2[:4], 6).tolist()}: it should fall by more than half at "
          "each step as the polynomial gets flexible enough to follow the sine.", HINTS["bias2"])
    # Expected: variance about [0.006, 0.01, 0.02, 0.028, 0.042, 0.06]: each at least 15% above the previous.
    check(np.all(variance[1:] > 1.15 * variance[:-1]),
          f"variance over degrees {degrees} is {np.round(variance, 5).tolist()}: it should grow with every step in "
          "degree (more parameters chase more of the noise).",
          "variance must come from D independent training sets: draw a fresh noise row for each one (a single draw "
          "reused for all gives variance 0). " + HINTS["variance"])


@pytest.mark.points(2)
def test_curve_underfit_overfit_and_identity(learner, rng):
    """Test error is U-shaped in the degree (lowest at 3 or 5), noise is about 0.3^2, and error = bias2 + variance + noise within 3%."""
    degrees = [0, 1, 3, 5, 7, 9]
    out = learner.bias_variance_curve(f_true, np.linspace(0.0, 1.0, 15), np.linspace(0.05, 0.95, 19), degrees, 0.3,
                                      1000, 4000, rng)
    error, noise = np.asarray(out["error"], dtype=float), np.asarray(out["noise"], dtype=float)
    assert_close(noise, np.full(len(degrees), 0.09), rtol=0.05, atol=0.0, name="curve['noise']",
                 hint="the noise term is the mean squared deviation of the test targets from f, close to noise_std^2 "
                      "= 0.09; draw the targets once, f(x_test) + rng.normal(0, noise_std, size=(n_targets, T))")
    best = int(np.argmin(error))
    check(degrees[best] in (3, 5) and error[0] > 2 * error[best] and error[-1] > 1.1 * error[best],
          f"error over degrees {degrees} is {np.round(error, 4).tolist()}: expected it to fall from underfitting "
          "(degree 0) to a minimum at degree 3 or 5 and rise again when overfitting (degree 9).", HINTS["error"])
    total = np.asarray(out["bias2"]) + np.asarray(out["variance"]) + noise
    # With 4000 random targets per point the cross term is below 1% of the error; 3% leaves a wide margin.
    assert_close(total, error, rtol=0.03, atol=0.0, name="bias2 + variance + noise (vs error) per degree",
                 hint="compute every degree's four terms with decompose from the same targets; " + HINTS["error"])
