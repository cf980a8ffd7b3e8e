"""Bias and variance: measure under- and overfitting of polynomial fits by simulation.

Goal
----
Fit polynomials of increasing degree to many noisy samples of a known
function and split their expected test error into its three parts:

* ``simulate_predictions``: draw ``n_datasets`` training sets (fresh noise on
  the same inputs), fit a polynomial to each, predict at the test points;
* ``decompose``: turn those predictions into bias^2, variance, noise and the
  measured expected squared error;
* ``bias_variance_curve``: do both for a list of degrees.

Why it matters
--------------
A model *underfits* when it is too simple to follow the truth (a line
through a sine wave): it is wrong in the same way whatever data it sees,
which is *bias*. It *overfits* when it is flexible enough to chase the noise
(a degree-9 polynomial through 15 points): it changes wildly from one
training set to the next, which is *variance*. Test error is the sum of the
two plus noise that no model can remove, so the best model is the one that
balances them: error falls, then rises again as the degree grows. The same
trade-off later decides tree depth, the number of neighbours in k-NN,
regularisation strength and when to stop training a network.

The maths
---------
Data come from y = f(x) + eps, eps ~ Normal(0, noise_std^2). Fix the training
inputs x_1..x_N and the test inputs t_1..t_T. Draw D training sets (the same
inputs, fresh noise each time), fit each, and call h_d(t) the prediction of
fit d at test point t: a (D, T) array H. Draw R fresh noisy targets at each
test point: a (R, T) array Y with Y[r, t] = f(t) + eps. Then, at each test
point t (means over d run over the D fits, over r over the R targets):

    h_bar(t)    = mean_d h_d(t)                     the average prediction
    bias^2(t)   = (h_bar(t) - f(t))^2               squared error of the average fit
    variance(t) = mean_d (h_d(t) - h_bar(t))^2      spread of the fits (divide by D, not D - 1)
    noise(t)    = mean_r (Y[r, t] - f(t))^2         the irreducible error, about noise_std^2
    error(t)    = mean over all (r, d) pairs of (Y[r, t] - h_d(t))^2

and each reported number is the mean of these over the T test points (bias^2
is the mean of the squared biases, not the square of the mean bias).

Expanding the square gives, exactly,

    error = bias^2 + variance + noise - 2 mean_t (y_bar(t) - f(t)) (h_bar(t) - f(t)),

with y_bar(t) = mean_r Y[r, t]. The last term vanishes in expectation (the
test noise is independent of the fits) and is exactly 0 when the targets at
every test point average to f(t); then error = bias^2 + variance + noise up
to rounding (1e-10 here). With random targets it is small and shrinks like
1/sqrt(R). Averaging over all R * D pairs needs no (R, D, T) array:
mean_{r,d} (y_r - h_d)^2 = mean_r y_r^2 - 2 y_bar h_bar + mean_d h_d^2.

Resampling protocol (so that results are reproducible and comparable):
``simulate_predictions`` draws all training noise in one call,
``rng.normal(0.0, noise_std, size=(n_datasets, N))`` (row d for training set
d), and fits with the helper ``fit_predict_polynomial``, which accepts all D
training sets at once. ``bias_variance_curve`` first draws the test targets,
``f(x_test) + rng.normal(0.0, noise_std, size=(n_targets, T))``, then for each
degree calls ``simulate_predictions`` with the *same* rng. Use only the
``rng`` you are given, never ``np.random.*`` functions.

API
---
    fit_predict_polynomial(x_train, y_train, x_test, degree)            (given)
    simulate_predictions(f, x_train, x_test, degree, noise_std, n_datasets, rng) -> (D, T)
    decompose(predictions, f_test, y_test) -> {"bias2", "variance", "noise", "error"} (floats)
    bias_variance_curve(f, x_train, x_test, degrees, noise_std, n_datasets, n_targets, rng)
        -> {"bias2", "variance", "noise", "error"}, each a (len(degrees),) array

Worked example
--------------
Two fits (D = 2) at two test points (T = 2), f = [1, 5]:

    >>> H = np.array([[1.0, 3.0], [3.0, 5.0]])
    >>> decompose(H, np.array([1.0, 5.0]), np.array([[0.0, 6.0], [2.0, 4.0]]))
    {'bias2': 1.0, 'variance': 1.0, 'noise': 1.0, 'error': 3.0}

h_bar = [2, 4], so the biases are +1 and -1 (bias^2 = 1, while the square of
the mean bias would be 0); each fit is 1 away from h_bar (variance 1); each
target is 1 away from f (noise 1). At t = 0 the four (y, h) pairs are (0, 1),
(0, 3), (2, 1), (2, 3), squared errors 1, 9, 1, 1: mean 3, and the same at
t = 1. The targets average to f at both points, so 1 + 1 + 1 = 3 exactly.

Reference
---------
Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*,
2.9 and 7.3 (the bias-variance decomposition); Geman, Bienenstock & Doursat,
"Neural networks and the bias/variance dilemma" (1992).
"""

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
    raise NotImplementedError("simulate_predictions: one noise draw of shape (n_datasets, N), then fit every training set")


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
    raise NotImplementedError("decompose: average fit h_bar over axis 0, then the four terms averaged over test points")


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
    raise NotImplementedError("bias_variance_curve: draw the test targets once, then simulate and decompose each degree")
