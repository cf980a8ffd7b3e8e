"""Spec for 03_nlp_transformers/glove.py: 1/d co-occurrence counts, the capped weighting, the weighted least-squares
loss and its gradients (torch autograd), AdaGrad (torch.optim.Adagrad), and training on a Wikipedia slice."""

from __future__ import annotations

import re
import warnings
from collections import Counter

import numpy as np
import pytest
import torch

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check


def _brute_cooc(ids, V, window):
    X = np.zeros((V, V))
    for i in range(len(ids)):
        for j in range(max(0, i - window), min(len(ids), i + window + 1)):
            if j != i:
                X[ids[i], ids[j]] += 1.0 / abs(i - j)
    return X


def _torch_loss(W, Wt, b, bt, X, x_max=100.0, alpha=0.75):
    """J in torch, written independently: sum over X > 0 of f(X) (w.w~ + b + b~ - log X)^2."""
    Xt = torch.as_tensor(X)
    nz = Xt > 0
    f = torch.clamp(Xt / x_max, max=1.0) ** alpha
    e = W @ Wt.T + b[:, None] + bt[None, :] - torch.log(torch.where(nz, Xt, torch.ones_like(Xt)))
    return (f * e ** 2)[nz].sum()


def _random_problem(rng, V=7, D=3, density=0.5):
    X = rng.uniform(0.2, 250.0, size=(V, V)) * (rng.uniform(size=(V, V)) < density)
    X = np.triu(X) + np.triu(X, 1).T  # symmetric, with zeros
    params = (rng.normal(size=(V, D)) * 0.3, rng.normal(size=(V, D)) * 0.3, rng.normal(size=V) * 0.3,
              rng.normal(size=V) * 0.3)
    return X, params


def test_cooccurrence_by_hand(learner):
    """[0, 1, 2] with window 2: neighbours count 1, words two apart 1/2, symmetric; [0, 0] with window 1 gives X[0,0] = 2
    (each occurrence is the other's context)."""
    got = learner.cooccurrence(np.array([0, 1, 2]), 3, 2)
    assert_shape(got, (3, 3), name="cooccurrence([0, 1, 2], 3, 2)")
    want = np.array([[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])
    assert_close(got, want, rtol=1e-12, name="cooccurrence([0, 1, 2], V=3, window=2)",
                 hint="each pair at distance d adds 1/d (not 1) in BOTH directions: X[a, b] and X[b, a]")
    assert_close(learner.cooccurrence(np.array([0, 0]), 1, 1), [[2.0]], rtol=1e-12, name="cooccurrence([0, 0], 1, 1)",
                 hint="a repeated word co-occurs with itself, once from each side; accumulate with np.add.at "
                      "(X[a, b] += ... with repeated index pairs adds only once)")


def test_cooccurrence_random(learner, rng):
    """On 80 random ids (V=9) with window 4 the matrix equals a brute-force double loop and is symmetric; a window wider
    than the sequence is clipped."""
    ids = rng.integers(0, 9, size=80)
    got = learner.cooccurrence(ids, 9, 4)
    assert_close(got, _brute_cooc(ids, 9, 4), rtol=1e-10, atol=1e-12, name="cooccurrence(ids, 9, 4)",
                 hint="X[ids[i], ids[j]] += 1 / |i - j| for every 1 <= |i - j| <= window; repeats must accumulate")
    assert_close(got, np.asarray(got).T, rtol=1e-12, name="X vs X.T", hint="the window is symmetric, so X is too")
    short = np.array([3, 1, 4])
    assert_close(learner.cooccurrence(short, 5, 10), _brute_cooc(short, 5, 10), rtol=1e-12,
                 name="cooccurrence(3 tokens, window=10)", hint="distances stop at the ends of the sequence")


def test_weighting(learner):
    """f(0) = 0, f(x_max/2) = 0.5^alpha, f(x_max) = 1, f(5 x_max) = 1 (capped); x_max and alpha are honoured."""
    got = learner.weighting(np.array([0.0, 50.0, 100.0, 500.0]))
    assert_close(got, [0.0, 0.5 ** 0.75, 1.0, 1.0], rtol=1e-12, atol=1e-15, name="weighting([0, 50, 100, 500])",
                 hint="f(x) = (x / x_max)^alpha below x_max and exactly 1 from x_max on (the cap)")
    got = learner.weighting(np.array([1.0, 2.0, 4.0, 8.0]), x_max=4.0, alpha=0.5)
    assert_close(got, [0.5, 2 ** -0.5, 1.0, 1.0], rtol=1e-12, name="weighting(x, x_max=4, alpha=0.5)",
                 hint="use the x_max and alpha arguments, not fixed 100 and 0.75")


def test_loss_by_hand(learner):
    """A 2-word case with one zero entry: J = f(X01) e01^2 + f(X10) e10^2 + f(X11) e11^2, the zero entry skipped."""
    X = np.array([[0.0, 200.0], [200.0, np.e]])
    W = np.array([[1.0], [2.0]])
    Wt = np.array([[0.5], [1.0]])
    b = np.array([0.1, -0.2])
    bt = np.array([0.3, 0.0])
    e01 = 1.0 * 1.0 + 0.1 + 0.0 - np.log(200.0)
    e10 = 2.0 * 0.5 - 0.2 + 0.3 - np.log(200.0)
    e11 = 2.0 * 1.0 - 0.2 + 0.0 - 1.0
    want = e01 ** 2 + e10 ** 2 + (np.e / 100) ** 0.75 * e11 ** 2
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        got = learner.glove_loss((W, Wt, b, bt), X)
    check(np.isfinite(got), f"glove_loss returned {got} on a matrix with a zero entry",
          hint="sum over the NONZERO entries only: log 0 = -inf and 0 * inf = nan")
    assert_close(got, want, rtol=1e-10, name="glove_loss (2 words)",
                 hint="e_ij = w_i . w~_j + b_i + b~_j - log X_ij with row i's b and column j's b~; J = sum f(X_ij) e_ij^2 "
                      "(no 1/2, no mean)")


@pytest.mark.points(2)
def test_loss_and_grads_match_autograd(learner, rng):
    """On a random symmetric X with zeros (V=7, D=3) glove_loss equals the torch loss and glove_grads its autograd
    gradients, with no floating-point warnings."""
    X, params = _random_problem(rng)
    tp = [torch.tensor(p, requires_grad=True) for p in params]
    loss = _torch_loss(*tp, X)
    loss.backward()
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        try:
            got_loss = learner.glove_loss(params, X)
            grads = learner.glove_grads(params, X)
        except (FloatingPointError, RuntimeWarning) as exc:
            check(False, f"a floating-point error on a matrix with zeros: {exc}",
                  hint="never take log(0): mask the zero entries (e.g. np.log(np.where(X > 0, X, 1))) and zero their weight")
    assert_close(got_loss, loss.item(), rtol=1e-10, name="glove_loss", hint="sum of f(X) e^2 over nonzero X")
    hint = ("with G = 2 f(X) * e (zero where X = 0): dW = G @ W_tilde, dW_tilde = G.T @ W, db = G.sum(1), "
            "db_tilde = G.sum(0); the 2 comes from the square")
    for name, g, t in zip(("dJ/dW", "dJ/dW_tilde", "dJ/db", "dJ/db_tilde"), grads, tp):
        assert_close(g, t.grad, rtol=1e-8, atol=1e-10, name=name, hint=hint)


def test_adagrad_matches_torch(learner, rng):
    """Five adagrad_step calls with accumulators starting at 1 match torch.optim.Adagrad(initial_accumulator_value=1,
    eps=1e-10) on the same gradients; the accumulator is updated in place."""
    theta = rng.normal(size=(4, 3))
    grads = [rng.normal(size=(4, 3)) * s for s in (1.0, 5.0, 0.1, 2.0, 0.5)]
    t = torch.tensor(theta, requires_grad=True)
    opt = torch.optim.Adagrad([t], lr=0.1, initial_accumulator_value=1.0, eps=1e-10)
    accum = np.ones_like(theta)
    p = theta.copy()
    for g in grads:
        t.grad = torch.tensor(g)
        opt.step()
        p = learner.adagrad_step(p, g, accum, 0.1)
    assert_close(accum, 1.0 + sum(g ** 2 for g in grads), rtol=1e-12, name="the accumulator after 5 steps",
                 hint="accum += grad ** 2 in place (accum is a numpy array the caller keeps)")
    assert_close(p, t.detach(), rtol=1e-10, atol=1e-12, name="param after 5 AdaGrad steps",
                 hint="add grad^2 to the accumulator FIRST, then step: param - lr * grad / (sqrt(accum) + eps)")


@pytest.mark.points(3)
def test_train_on_wikipedia(learner):
    """On 5 Wikipedia articles (150 most frequent words, window 5): the learner's co-occurrence matrix matches the
    spec's, and 25 steps of train_glove (D=16, lr=0.05) follow torch.optim.Adagrad on the torch loss step for step,
    leave the given arrays untouched, and cut J by at least 25%."""
    arts = data.load("wiki-excerpt", split="train")[:5]
    tokens = re.findall(r"[a-z]+", " ".join(a.text for a in arts).lower())
    vocab = [w for w, _ in Counter(tokens).most_common(150)]
    index = {w: i for i, w in enumerate(vocab)}
    ids = np.array([index[t] for t in tokens if t in index])
    V, D = len(vocab), 16

    X = np.asarray(learner.cooccurrence(ids, V, 5), dtype=float)
    want = np.zeros((V, V))
    for d in range(1, 6):
        np.add.at(want, (ids[:-d], ids[d:]), 1.0 / d)
        np.add.at(want, (ids[d:], ids[:-d]), 1.0 / d)
    assert_close(X, want, rtol=1e-10, atol=1e-10, name="cooccurrence on Wikipedia")

    r = np.random.default_rng(0)
    params = ((r.random((V, D)) - 0.5) / D, (r.random((V, D)) - 0.5) / D, np.zeros(V), np.zeros(V))
    before = [p.copy() for p in params]
    trained, losses = learner.train_glove(X, params, 25, 0.05)
    for p, q in zip(params, before):
        assert_equal(p, q, name="the params passed to train_glove", hint="copy the arrays before updating them")

    tp = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.Adagrad(tp, lr=0.05, initial_accumulator_value=1.0, eps=1e-10)
    ref_losses = []
    for _ in range(25):
        opt.zero_grad()
        loss = _torch_loss(*tp, X)
        ref_losses.append(loss.item())
        loss.backward()
        opt.step()
    check(len(losses) == 25, f"train_glove returned {len(losses)} losses for 25 steps",
          hint="losses[t] is J before step t")
    assert_close(losses, ref_losses, rtol=1e-6, name="losses",
                 hint="full-batch AdaGrad, accumulators starting at 1, one update of all four arrays per step")
    for name, p, t in zip(("W", "W_tilde", "b", "b_tilde"), trained, tp):
        assert_close(p, t.detach(), rtol=1e-5, atol=1e-8, name=f"trained {name}",
                     hint="each of the four arrays has its own accumulator; update all four from the SAME gradients")
    check(losses[-1] < 0.75 * losses[0], f"J went from {losses[0]:.1f} to {losses[-1]:.1f}; expected a 25% drop",
          hint="the update subtracts lr * g / (sqrt(accum) + eps)")
