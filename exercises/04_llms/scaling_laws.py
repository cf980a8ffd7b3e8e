"""Scaling laws: fitting L(N) and the Chinchilla L(N, D), and compute-optimal model sizes.

Goal
----
Given the final losses of training runs of different sizes, fit the laws
that predict the loss of bigger runs, and use them to split a compute budget
between parameters and data. You write:

* ``power_law`` and ``fit_power_law``: L(N) = a N^-alpha + c, fitted by least
  squares on log L;
* ``chinchilla_loss`` and ``fit_chinchilla``: L(N, D) = E + A / N^alpha + B / D^beta;
* ``compute_optimal``: the N and D that minimise L(N, D) when the compute
  C = 6 N D is fixed (closed form);
* ``twenty_tokens_rule``: the "20 tokens per parameter" rule of thumb for the
  same C, to compare with.

Why it matters
--------------
Training a frontier model once costs millions; scaling laws let you choose
its size from runs 1000x cheaper. Kaplan et al. (2020) found smooth power
laws in parameters N, data D and compute C, and concluded that N should grow
much faster than D; Hoffmann et al. (2022, "Chinchilla") refitted with
better-tuned runs and found that N and D should grow at about the same rate,
about 20 tokens per parameter: the 70B-parameter Chinchilla trained on 1.4T
tokens beat the 280B Gopher trained on 300B tokens with the same compute.
(Models meant to be served cheaply are now trained far past that point:
Llama 3 8B saw 15T tokens, ~1900 per parameter, because inference cost
depends on N only.)

The maths
---------
Power law with an irreducible loss c (the entropy of text, which no model
beats):

    L(N) = a * N^(-alpha) + c,       a > 0, alpha > 0, 0 <= c < min(L)

Fit by least squares on the LOG of the loss (losses of small and large runs
differ by a factor; log residuals weigh every run by its relative error):

    minimise  sum_i (log L_i - log(a N_i^(-alpha) + c))^2

This is not convex. For a FIXED c it is nearly linear: log(L - c) =
log a - alpha log N is a straight line in log N, fitted in closed form by
linear least squares (np.polyfit). So: try a grid of c in [0, min L) (e.g.
200 values), fit the line for each, keep the c with the smallest objective,
then refine (a, alpha, c) from there with ``scipy.optimize.least_squares`` on
the log residuals, with bounds alpha >= 0, 0 <= c < min L.

Chinchilla's parametric law ("approach 3"):

    L(N, D) = E + A / N^alpha + B / D^beta

Fit the same way on log L: residuals log L_i - log(L(N_i, D_i)), minimised
by least_squares from several starts (e.g. alpha, beta in {0.2, 0.35, 0.5},
with E, A, B for each start from a linear least-squares fit of
L = E + A x + B y, x = N^-alpha, y = D^-beta); keep the best. Parameterise A
and B by their logs so they stay positive.

Compute-optimal allocation. Training costs C ~ 6 N D FLOPs (2 for the
forward multiply-add per parameter per token, 4 for the backward). Minimise
L(N, C / (6N)) over N: setting the derivative to 0 gives

    G = (alpha A / (beta B))^(1 / (alpha + beta))
    N_opt = G * (C / 6)^(beta / (alpha + beta))
    D_opt = (1 / G) * (C / 6)^(alpha / (alpha + beta))

(so N_opt * D_opt = C / 6). With alpha ~ beta both grow like sqrt(C).

The rule of thumb: D = 20 N and C = 6 N D = 120 N^2, so N = sqrt(C / 120).

API
---
    power_law(N, a, alpha, c)                      -> array like N
    fit_power_law(N, L)                            -> (a, alpha, c)
    chinchilla_loss(N, D, E, A, alpha, B, beta)    -> array
    fit_chinchilla(N, D, L)                        -> (E, A, alpha, B, beta)
    compute_optimal(C, A, alpha, B, beta)          -> (N_opt, D_opt)
    twenty_tokens_rule(C)                          -> (N, D)

Worked example
--------------
    >>> power_law(np.array([1e6, 1e8]), a=100.0, alpha=0.5, c=2.0)
    array([2.1 , 2.01])
    >>> # Chinchilla's fitted law (Hoffmann et al. 2022, approach 3):
    >>> E, A, alpha, B, beta = 1.69, 406.4, 0.34, 410.7, 0.28
    >>> N, D = compute_optimal(5.76e23, A, alpha, B, beta)   # Gopher's budget
    >>> round(N / 1e9, 1), round(D / 1e12, 2), round(D / N, 1)
    (32.2, 2.98, 92.6)
    >>> twenty_tokens_rule(5.76e23)                         # ~69B params, 1.4T tokens
    (69282032302.7551, 1385640646055.102)

(The parametric fit's optimum differs from the paper's other two approaches,
which gave ~20 tokens per parameter; the spread is part of the story.)

Reference
---------
Kaplan et al., "Scaling Laws for Neural Language Models" (2020); Hoffmann et
al., "Training Compute-Optimal Large Language Models" (2022), section 3 and
appendix D; Besiroglu et al., "Chinchilla Scaling: A replication attempt"
(2024); scipy.optimize.least_squares documentation.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import least_squares


def power_law(N: np.ndarray, a: float, alpha: float, c: float) -> np.ndarray:
    """L(N) = a N^-alpha + c."""
    raise NotImplementedError("power_law: not written yet")


def fit_power_law(N: np.ndarray, L: np.ndarray) -> tuple[float, float, float]:
    """Least squares on log L for L(N) = a N^-alpha + c: a grid over c with a line fit each, then refinement.

    Args:
        N: (n,) model sizes, > 0.
        L: (n,) losses, > 0; n >= 3 and at least 3 distinct N.

    Returns:
        (a, alpha, c).
    """
    raise NotImplementedError("fit_power_law: not written yet (grid over c + line fits, then refine)")


def chinchilla_loss(N, D, E: float, A: float, alpha: float, B: float, beta: float) -> np.ndarray:
    """L(N, D) = E + A / N^alpha + B / D^beta."""
    raise NotImplementedError("chinchilla_loss: not written yet")


def fit_chinchilla(N: np.ndarray, D: np.ndarray, L: np.ndarray) -> tuple[float, float, float, float, float]:
    """Least squares on log L for L = E + A N^-alpha + B D^-beta, from a grid of starting exponents.

    Returns:
        (E, A, alpha, B, beta).
    """
    raise NotImplementedError("fit_chinchilla: not written yet")


def compute_optimal(C: float, A: float, alpha: float, B: float, beta: float) -> tuple[float, float]:
    """argmin over N of L(N, C / (6N)): (N_opt, D_opt) with 6 N_opt D_opt = C."""
    raise NotImplementedError("compute_optimal: not written yet")


def twenty_tokens_rule(C: float) -> tuple[float, float]:
    """D = 20 N with C = 6 N D: N = sqrt(C / 120)."""
    raise NotImplementedError("twenty_tokens_rule: not written yet")
