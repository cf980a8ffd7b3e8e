"""Binary logistic regression by gradient descent, with an L2 penalty.

Goal
----
Train a linear classifier for labels y in {0, 1}. The model turns a score
(the *logit*) z = x . w + b into a probability p = sigmoid(z) = 1 / (1 + e^-z)
that y = 1, and is fitted by gradient descent on the average log-loss plus an
L2 penalty on the weights. You write the five pieces:

* ``sigmoid``: numerically stable, for any float input;
* ``log_loss``: the mean binary cross-entropy, computed from logits;
* ``gradient``: the gradient of the objective J below;
* ``fit``: batch gradient descent on J;
* ``predict_proba`` and ``predict``: apply the fitted model.

Why it matters
--------------
This is the smallest model that has every part of a neural-network classifier:
logits, a sigmoid (softmax's two-class case), cross-entropy, weight decay,
and a training loop. It also has the classic numerical trap: e^-z overflows
for z < -709 in float64, and log(sigmoid(z)) is log(0) = -inf once the
sigmoid rounds to 0 or 1. Large logits are common (unscaled features,
separable data, a confident model), so the formulas must never take those
paths.

The maths
---------
With z_i = x_i . w + b and labels y_i in {0, 1} (not {-1, +1}):

    log-loss  l(y, z) = -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]
                      = log(1 + e^z) - y z             (the stable form)
    objective J(w, b) = (1/N) sum_i l(y_i, z_i) + (lam/2) ||w||^2

The bias b is not penalised. Multiplying J by 1/lam gives scikit-learn's
objective, C sum_i l(y_i, z_i) + (1/2) ||w||^2, with C = 1 / (N * lam): both
have the same minimiser, so ``LogisticRegression(C=1/(N*lam))`` is the oracle.

The gradient is remarkably simple (sigmoid'(z) = p (1 - p) cancels out):

    dJ/dw = (1/N) X^T (p - y) + lam * w         (D,)
    dJ/db = (1/N) sum_i (p_i - y_i)              a scalar

Fit by gradient descent from w = 0, b = 0: n_steps times, w -= lr * dJ/dw
and b -= lr * dJ/db. J is convex, so on standardised features a learning rate
around 1 reaches the minimum in a few thousand steps.

Numerical stability:

* sigmoid: for z >= 0 use 1 / (1 + e^-z); for z < 0 the equal form
  e^z / (1 + e^z). Both only ever exponentiate a number <= 0, so nothing
  overflows. (``np.where`` evaluates BOTH branches on every element before
  choosing, so each branch must be safe for every z, not just its own.)
* log(1 + e^z) is ``np.logaddexp(0, z)``, which never overflows either.

Predictions: class 1 where p > threshold (strictly; at p = 0.5 exactly, i.e.
z = 0, the answer is 0, as scikit-learn's decision rule z > 0 gives).

API
---
    sigmoid(z)                         -> array shaped like z, values in [0, 1]
    log_loss(y, logits)                -> float, the mean log-loss
    objective(X, y, w, b, lam)         -> float, J(w, b) (implemented for you)
    gradient(X, y, w, b, lam)          -> (grad_w (D,), grad_b float)
    fit(X, y, lam, lr, n_steps)        -> (w (D,), b float)
    predict_proba(X, w, b)             -> (N,) probabilities of class 1
    predict(X, w, b, threshold=0.5)    -> (N,) integer labels in {0, 1}

Worked example
--------------
    >>> sigmoid(np.array([0.0, np.log(3.0), -1000.0, 1000.0]))
    array([0.5 , 0.75, 0.  , 1.  ])                # and no overflow warning
    >>> log_loss(np.array([1.0, 0.0]), np.array([0.0, 1000.0]))
    500.34657359027995                             # (log 2 + 1000) / 2
    >>> X = np.array([[1.0], [-1.0]]); y = np.array([1.0, 0.0])
    >>> gradient(X, y, np.array([2.0]), 0.0, lam=0.5)
    (array([0.88079708]), -6.938893903907228e-17)  # grad_b is 0 up to rounding

By hand: z = [2, -2], p = [0.8808, 0.1192], p - y = [-0.1192, 0.1192];
grad_w = (1/2)(1 * -0.1192 + -1 * 0.1192) + 0.5 * 2 = 0.8808 and
grad_b = (1/2)(-0.1192 + 0.1192) = 0.

Reference
---------
Bishop, *Pattern Recognition and Machine Learning*, 4.3.2 (logistic
regression and its gradient); scikit-learn's user guide, "Logistic regression"
(its objective and C); for the stable sigmoid, Blanchard, Higham & Higham,
"Accurately computing the log-sum-exp and softmax functions" (2021).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z), elementwise, without overflow.

    Args:
        z: an array of any shape (or a float).

    Returns:
        An array of the same shape with values in [0, 1]; no overflow warning
        even for |z| = 1000.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: e^(-|z|) cannot overflow
    # z >= 0: 1 / (1 + e^-z);  z < 0: e^z / (1 + e^z). The same function, each safe on its side.
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_loss(y: np.ndarray, logits: np.ndarray) -> float:
    """The mean binary cross-entropy (1/N) sum_i [log(1 + e^z_i) - y_i z_i].

    Args:
        y: (N,) labels in {0, 1}.
        logits: (N,) scores z = X w + b (not probabilities).

    Returns:
        The mean log-loss, a float; finite for any finite logits.
    """
    # logaddexp(0, z) = log(e^0 + e^z) = log(1 + e^z), computed without overflow;
    # it never takes log(sigmoid(z)), which is -inf once sigmoid(z) rounds to 0.
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


def objective(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, lam: float) -> float:
    """J(w, b) = log_loss(y, X w + b) + (lam/2) ||w||^2 (the bias is not penalised)."""
    return log_loss(y, X @ w + b) + 0.5 * lam * float(w @ w)


def gradient(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, lam: float
) -> tuple[np.ndarray, float]:
    """The gradient of J(w, b) = (1/N) sum log-loss + (lam/2) ||w||^2.

    Args:
        X: (N, D) features.
        y: (N,) labels in {0, 1}.
        w: (D,) weights.
        b: the bias.
        lam: the L2 penalty strength, >= 0.

    Returns:
        (grad_w, grad_b): dJ/dw of shape (D,) and dJ/db, a float.
    """
    N = X.shape[0]
    p = sigmoid(X @ w + b)  # (N,) predicted P(y = 1)
    err = p - y  # (N,) dl/dz: sigmoid's derivative cancels against the log
    grad_w = X.T @ err / N + lam * w  # (D,): mean over samples, plus the weight decay
    grad_b = err.mean()  # the bias is not penalised
    return grad_w, float(grad_b)


def fit(
    X: np.ndarray, y: np.ndarray, lam: float, lr: float, n_steps: int
) -> tuple[np.ndarray, float]:
    """Minimise J by batch gradient descent, starting from w = 0, b = 0.

    Args:
        X: (N, D) features, ideally standardised.
        y: (N,) labels in {0, 1}.
        lam: the L2 penalty strength, >= 0.
        lr: the learning rate.
        n_steps: how many updates to make.

    Returns:
        (w, b): (D,) weights and the bias (a float).
    """
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_steps):
        grad_w, grad_b = gradient(X, y, w, b, lam)
        w = w - lr * grad_w  # downhill
        b = b - lr * grad_b
    return w, float(b)


def predict_proba(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """P(y = 1 | x) = sigmoid(x . w + b) for each row: an (N,) array."""
    return sigmoid(X @ w + b)  # (N,)


def predict(X: np.ndarray, w: np.ndarray, b: float, threshold: float = 0.5) -> np.ndarray:
    """Labels: 1 where predict_proba > threshold (strictly), else 0; an (N,) integer array."""
    return (predict_proba(X, w, b) > threshold).astype(int)  # (N,)
