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
    ids = np.asarray(ids, dtype=np.int64)
    X = np.zeros((vocab_size, vocab_size))
    for d in range(1, min(window, len(ids) - 1) + 1):
        left, right = ids[:-d], ids[d:]  # every pair at distance d
        np.add.at(X, (left, right), 1.0 / d)  # add.at: the same pair of words can occur many times
        np.add.at(X, (right, left), 1.0 / d)  # and the other direction: X is symmetric
    return X


def weighting(x: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """f(x) = (x / x_max)^alpha below x_max, 1 from x_max on; f(0) = 0."""
    x = np.asarray(x, dtype=np.float64)
    return np.minimum(x / x_max, 1.0) ** alpha  # capping the ratio at 1 caps f at 1


def _residuals(params: Params, X: np.ndarray, x_max: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The weights f(X) and the errors e_ij, both (V, V) and 0 where X = 0 (a shared helper; optional)."""
    W, W_tilde, b, b_tilde = params
    nz = X > 0
    logX = np.log(np.where(nz, X, 1.0))  # log only where X > 0; the 1.0 is a placeholder, masked below
    e = W @ W_tilde.T + b[:, None] + b_tilde[None, :] - logX  # (V, V)
    f = np.where(nz, weighting(X, x_max, alpha), 0.0)
    return f, np.where(nz, e, 0.0)


def glove_loss(params: Params, X: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> float:
    """J = sum over nonzero X_ij of f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2."""
    f, e = _residuals(params, X, x_max, alpha)
    return float(np.sum(f * e ** 2))


def glove_grads(params: Params, X: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> Params:
    """Gradients of ``glove_loss``: (dJ/dW (V, D), dJ/dW_tilde (V, D), dJ/db (V,), dJ/db_tilde (V,))."""
    W, W_tilde, _, _ = params
    f, e = _residuals(params, X, x_max, alpha)
    G = 2.0 * f * e  # (V, V) dJ/de_ij; zero where X_ij = 0
    return G @ W_tilde, G.T @ W, G.sum(axis=1), G.sum(axis=0)


def adagrad_step(param: np.ndarray, grad: np.ndarray, accum: np.ndarray, lr: float, eps: float = 1e-10) -> np.ndarray:
    """One AdaGrad update: accum += grad^2 (in place), then return param - lr * grad / (sqrt(accum) + eps)."""
    accum += grad ** 2  # the running sum of squared gradients, per coordinate
    return param - lr * grad / (np.sqrt(accum) + eps)


def train_glove(
    X: np.ndarray, params: Params, n_steps: int, lr: float, x_max: float = 100.0, alpha: float = 0.75
) -> tuple[Params, list[float]]:
    """Full-batch AdaGrad on J from ``params`` (left unmodified); accumulators start at 1.

    Returns:
        (the trained (W, W_tilde, b, b_tilde), losses) with losses[t] = J before step t.
    """
    params = tuple(np.array(p, dtype=np.float64) for p in params)  # copies: the caller's arrays stay as they were
    accums = [np.ones_like(p) for p in params]  # GloVe's reference code starts the sums of squares at 1
    losses = []
    for _ in range(n_steps):
        losses.append(glove_loss(params, X, x_max, alpha))
        grads = glove_grads(params, X, x_max, alpha)
        params = tuple(adagrad_step(p, g, a, lr) for p, g, a in zip(params, grads, accums))
    return params, losses
