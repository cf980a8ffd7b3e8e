"""GloVe: word vectors from a weighted least-squares fit to log co-occurrence counts.

Goal
----
Build GloVe from its three ingredients and train it for a few steps:

* ``cooccurrence``: the co-occurrence matrix X of a token sequence, each pair
  weighted by 1/distance inside a symmetric window;
* ``weighting``: the function f(x) that decides how much each entry counts;
* ``glove_loss`` and ``glove_grads``: the weighted least-squares objective and
  its gradients;
* ``adagrad_step`` and ``train_glove``: full-batch AdaGrad on that objective.

Why it matters
--------------
Skip-gram streams over the corpus pair by pair; GloVe first counts, then fits:
the word vectors are a low-rank model of the log co-occurrence matrix. Levy &
Goldberg showed the two are close relatives (SGNS implicitly factorises a shifted
PMI matrix). Counting then fitting is also a template you will meet again:
a cheap pass over the data builds sufficient statistics, and the model is fitted
to those. And AdaGrad, GloVe's optimiser, is the ancestor of RMSProp and Adam.

The maths
---------
Co-occurrence (symmetric window of size w): for every position i and every
position j with 1 <= d = |i - j| <= w,

    X[ids[i], ids[j]] += 1 / d

so X is symmetric, and a word right next to another counts 1, two apart 1/2.

Weighting (x_max = 100 and alpha = 3/4 in the paper):

    f(x) = (x / x_max)^alpha   if x < x_max
         = 1                   otherwise              (so f(0) = 0)

Rare co-occurrences are noisy and get small weights; very frequent ones
("of the") are capped at 1 so they do not dominate.

Model and loss: each word i has a vector w_i (row of W), a context vector
w~_i (row of W_tilde), and biases b_i, b~_i. Over the NONZERO entries of X only
(log 0 is undefined, and f(0) = 0 anyway):

    e_ij = w_i . w~_j + b_i + b~_j - log X_ij
    J    = sum_{ij: X_ij > 0} f(X_ij) e_ij^2

Gradients (with g_ij = 2 f(X_ij) e_ij, and g_ij = 0 where X_ij = 0):

    dJ/dw_i  = sum_j g_ij w~_j        dJ/dW       = G @ W_tilde
    dJ/dw~_j = sum_i g_ij w_i         dJ/dW_tilde = G^T @ W
    dJ/db_i  = sum_j g_ij             dJ/db~_j    = sum_i g_ij

AdaGrad, per parameter array, with an accumulator A that starts at 1 (as in
the GloVe reference code):

    A     <- A + g^2
    theta <- theta - lr * g / (sqrt(A) + eps)          (eps = 1e-10)

This is exactly ``torch.optim.Adagrad(params, lr, initial_accumulator_value=1,
eps=1e-10)``. Each parameter gets its own step size: one that has seen large
gradients moves less.

After training, GloVe uses W + W_tilde as the word vectors.

API
---
    cooccurrence(ids, vocab_size, window)                  -> (V, V) float64, symmetric
    weighting(x, x_max=100.0, alpha=0.75)                  -> array shaped like x
    glove_loss(params, X, x_max=100.0, alpha=0.75)         -> float J
    glove_grads(params, X, x_max=100.0, alpha=0.75)        -> (gW, gW_tilde, gb, gb_tilde)
    adagrad_step(param, grad, accum, lr, eps=1e-10)        -> the new param (accum updated in place)
    train_glove(X, params, n_steps, lr, x_max=100.0, alpha=0.75)
                                                           -> (params after training, losses)

``params`` is a tuple (W (V, D), W_tilde (V, D), b (V,), b_tilde (V,)).
``train_glove`` does not modify the arrays it is given; ``losses[t]`` is J
before step t, so losses has n_steps entries.

Worked example
--------------
    >>> cooccurrence(np.array([0, 1, 2]), vocab_size=3, window=2)
    array([[0. , 1. , 0.5],
           [1. , 0. , 1. ],
           [0.5, 1. , 0. ]])
    >>> weighting(np.array([0.0, 50.0, 100.0, 500.0]))
    array([0.    , 0.5946, 1.    , 1.    ])          # 0.5 ** 0.75 = 0.5946

Reference
---------
Pennington, Socher & Manning, "GloVe: Global Vectors for Word Representation"
(EMNLP 2014), section 3; Duchi, Hazan & Singer, "Adaptive Subgradient Methods"
(JMLR 2011) for AdaGrad; Levy & Goldberg, "Neural Word Embedding as Implicit
Matrix Factorization" (NeurIPS 2014).
"""

from __future__ import annotations

import numpy as np

Params = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # (W, W_tilde, b, b_tilde)


def cooccurrence(ids: np.ndarray, vocab_size: int, window: int) -> np.ndarray:
    """X[a, b] = sum over positions i != j with ids a, b and d = |i - j| <= window of 1 / d.

    Args:
        ids: (n,) token ids in [0, vocab_size).
        vocab_size: V.
        window: the symmetric window size w >= 1.

    Returns:
        (V, V) float64, symmetric.
    """
    raise NotImplementedError("cooccurrence: X[ids[i], ids[j]] += 1 / |i - j| for 1 <= |i - j| <= window")


def weighting(x: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """f(x) = (x / x_max)^alpha below x_max, 1 from x_max on; f(0) = 0."""
    raise NotImplementedError("weighting: (x / x_max) ** alpha, capped at 1")


def _residuals(params: Params, X: np.ndarray, x_max: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The weights f(X) and the errors e_ij, both (V, V) and 0 where X = 0 (a shared helper; optional)."""
    raise NotImplementedError("_residuals: f(X) and e = W W_tilde^T + b + b_tilde - log X, both zero where X == 0")


def glove_loss(params: Params, X: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> float:
    """J = sum over nonzero X_ij of f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2."""
    raise NotImplementedError("glove_loss: sum of f(X) * e ** 2")


def glove_grads(params: Params, X: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> Params:
    """Gradients of ``glove_loss``: (dJ/dW (V, D), dJ/dW_tilde (V, D), dJ/db (V,), dJ/db_tilde (V,))."""
    raise NotImplementedError("glove_grads: from G = 2 f(X) e")


def adagrad_step(param: np.ndarray, grad: np.ndarray, accum: np.ndarray, lr: float, eps: float = 1e-10) -> np.ndarray:
    """One AdaGrad update: accum += grad^2 (in place), then return param - lr * grad / (sqrt(accum) + eps)."""
    raise NotImplementedError("adagrad_step: accumulate grad ** 2, then step")


def train_glove(
    X: np.ndarray, params: Params, n_steps: int, lr: float, x_max: float = 100.0, alpha: float = 0.75
) -> tuple[Params, list[float]]:
    """Full-batch AdaGrad on J from ``params`` (left unmodified); accumulators start at 1.

    Returns:
        (the trained (W, W_tilde, b, b_tilde), losses) with losses[t] = J before step t.
    """
    raise NotImplementedError("train_glove: copy the params, accumulators of ones, then n_steps AdaGrad steps")
