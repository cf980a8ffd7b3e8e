"""Mutant: decompose measures the bias against the mean noisy target instead of the true function f."""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.polynomial import polynomial as P


def fit_predict_polynomial(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares polynomial fit of the given degree, evaluated at x_test.

    Args:
        x_train: (N,) inputs.
        y_train: (N,) targets, or (N, K) to fit K training sets at once.
        x_test: (T,) inputs to predict at.
        degree: the polynomial degree (0 = a constant).

    Returns:
        (T,) predictions, or (K, T) when y_train is (N, K).
    """
    coef = P.polyfit(x_train, y_train, degree)  # (degree+1,) or (degree+1, K)
    return P.polyval(x_test, coef)  # (T,) or (K, T)


def simulate_predictions(
    f: Callable[[np.ndarray], np.ndarray],
    x_train: np.ndarray,
    x_test: np.ndarray,
    degree: int,
    noise_std: float,
    n_datasets: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Fit a degree-``degree`` polynomial to ``n_datasets`` noisy training sets.

    Args:
        f: the true function, applied elementwise to an array of inputs.
        x_train: (N,) training inputs, the same for every training set.
        x_test: (T,) test inputs.
        degree: polynomial degree.
        noise_std: standard deviation of the Gaussian noise on the targets.
        n_datasets: D, the number of training sets.
        rng: the only source of randomness; draws rng.normal(0.0, noise_std, size=(D, N)).

    Returns:
        (D, T) predictions, row d from the fit to training set d.
    """
    noise = rng.normal(0.0, noise_std, size=(n_datasets, len(x_train)))  # (D, N): one fresh draw per training set
    Y = f(x_train)[None, :] + noise  # (D, N)
    return fit_predict_polynomial(x_train, Y.T, x_test, degree)  # (D, T): all D fits in one least-squares call


def decompose(predictions: np.ndarray, f_test: np.ndarray, y_test: np.ndarray) -> dict[str, float]:
    """Bias^2, variance, noise and expected squared error, averaged over the test points.

    Args:
        predictions: (D, T) predictions of D fits at T test points.
        f_test: (T,) true function values at the test points.
        y_test: (R, T) noisy targets at the test points.

    Returns:
        {"bias2", "variance", "noise", "error"}: Python floats, each the mean over
        the T test points of the per-point quantity.
    """
    h_bar = predictions.mean(axis=0)  # (T,) the average fit
    bias2 = np.mean((h_bar - y_test.mean(axis=0)) ** 2)  # measured against the noisy targets, not the true f

    variance = np.mean((predictions - h_bar) ** 2)  # 1/D, not 1/(D-1): this is what makes the identity exact
    noise = np.mean((y_test - f_test) ** 2)
    # Mean over all (r, d) pairs of (y_r - h_d)^2, expanded so that no (R, D, T) array is built.
    error = np.mean((y_test**2).mean(axis=0) - 2.0 * y_test.mean(axis=0) * h_bar + (predictions**2).mean(axis=0))
    return {"bias2": float(bias2), "variance": float(variance), "noise": float(noise), "error": float(error)}


def bias_variance_curve(
    f: Callable[[np.ndarray], np.ndarray],
    x_train: np.ndarray,
    x_test: np.ndarray,
    degrees: list[int],
    noise_std: float,
    n_datasets: int,
    n_targets: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The decomposition for each degree in turn.

    Args:
        f, x_train, x_test, noise_std, n_datasets: as for ``simulate_predictions``.
        degrees: the polynomial degrees to try, in order.
        n_targets: R, the number of noisy test targets per test point.
        rng: the only source of randomness.

    Returns:
        {"bias2", "variance", "noise", "error"}: each a (len(degrees),) float array.
    """
    f_test = f(x_test)  # (T,)
    y_test = f_test + rng.normal(0.0, noise_std, size=(n_targets, len(x_test)))  # (R, T), shared by every degree
    rows = [decompose(simulate_predictions(f, x_train, x_test, d, noise_std, n_datasets, rng), f_test, y_test)
            for d in degrees]
    return {key: np.array([row[key] for row in rows]) for key in ("bias2", "variance", "noise", "error")}
