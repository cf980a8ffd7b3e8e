"""Spec for 03_nlp_transformers/skip_gram.py: context pairs, the 3/4-power noise distribution, the SGNS loss and its
gradients (against torch autograd), one exact SGD step, then training on a Wikipedia slice."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from grader import data
from grader.testing import assert_close, assert_equal, assert_shape, check

LOSS_HINT = ("write -log sigma(s) as np.logaddexp(0, -s) and -log sigma(-s) as np.logaddexp(0, s): "
             "np.log(sigmoid(s)) is log(0) = -inf once sigmoid rounds to 0")


def _brute_pairs(ids, window):
    out = []
    for i in range(len(ids)):
        for j in range(max(0, i - window), min(len(ids), i + window + 1)):
            if j != i:
                out.append((ids[i], ids[j]))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _sorted_rows(a):
    a = np.asarray(a).reshape(-1, 2)
    return a[np.lexsort((a[:, 1], a[:, 0]))]


def _torch_loss(v_c, u_o, u_neg):
    """The SGNS batch-mean loss in torch, written independently of the learner."""
    s_o = (u_o * v_c).sum(-1)  # (B,)
    s_neg = torch.einsum("bkd,bd->bk", u_neg, v_c)  # (B, K)
    return (torch.nn.functional.softplus(-s_o) + torch.nn.functional.softplus(s_neg).sum(-1)).mean()


def test_context_pairs_by_hand(learner):
    """context_pairs([7, 8, 9], 1) is {(7,8), (8,7), (8,9), (9,8)}; window 2 on 4 tokens gives 10 pairs; a single token
    gives none (shape (0, 2))."""
    got = np.asarray(learner.context_pairs(np.array([7, 8, 9]), 1))
    assert_shape(got, (4, 2), name="context_pairs([7, 8, 9], window=1)",
                 hint="each position pairs with every OTHER position within the window; not with itself")
    assert_equal(_sorted_rows(got), _sorted_rows([[7, 8], [8, 7], [8, 9], [9, 8]]), name="pairs (sorted)",
                 hint="rows are (center, context), in both directions")
    got = np.asarray(learner.context_pairs(np.array([1, 2, 3, 4]), 2))
    assert_equal(_sorted_rows(got), _sorted_rows(_brute_pairs([1, 2, 3, 4], 2)), name="context_pairs([1,2,3,4], 2)",
                 hint="window 2 includes distance 1 AND distance 2: 1 <= |i - j| <= window (check range() bounds)")
    got = np.asarray(learner.context_pairs(np.array([5]), 3))
    check(got.size == 0, f"a single token has no context pairs, got {got.tolist()}",
          hint="a window wider than the sequence must be clipped to the sequence")


def test_context_pairs_random(learner, rng):
    """On a random sequence of 60 ids with window 3, the pairs are exactly the brute-force multiset (any order)."""
    ids = rng.integers(0, 12, size=60)
    got = np.asarray(learner.context_pairs(ids, 3))
    want = _brute_pairs(ids.tolist(), 3)
    assert_shape(got, want.shape, name="context_pairs(ids, 3)",
                 hint="2 * window pairs per position, fewer near the two ends")
    assert_equal(_sorted_rows(got), _sorted_rows(want), name="pairs (sorted)",
                 hint="column 0 is the center id, column 1 the context id; repeats of a word are separate pairs")


def test_noise_distribution(learner, rng):
    """noise_distribution([16, 1]) = [8/9, 1/9] (16^0.75 = 8); on random counts it is counts^0.75 normalised, and the
    power argument is honoured."""
    assert_close(learner.noise_distribution(np.array([16, 1])), [8 / 9, 1 / 9], rtol=1e-12, atol=1e-12,
                 name="noise_distribution([16, 1])",
                 hint="raise the counts to the power 3/4 BEFORE normalising: P_n(w) = c_w^0.75 / sum c^0.75")
    counts = rng.integers(1, 1000, size=50)
    p = np.asarray(learner.noise_distribution(counts))
    assert_close(p.sum(), 1.0, rtol=1e-12, name="sum of P_n", hint="normalise by the sum of the powered counts")
    assert_close(p, counts ** 0.75 / (counts ** 0.75).sum(), rtol=1e-10, name="noise_distribution(counts)",
                 hint="P_n(w) = c_w^0.75 / sum_x c_x^0.75 (not the raw unigram frequencies)")
    assert_close(learner.noise_distribution(counts, power=1.0), counts / counts.sum(), rtol=1e-10,
                 name="noise_distribution(counts, power=1.0)", hint="use the power argument instead of a fixed 0.75")


def test_sgns_loss_by_hand(learner):
    """v=[1,0], u_o=[2,0], one zero negative: log(1 + e^-2) + log 2; a batch's loss is the MEAN of the pairs' losses."""
    v = np.array([[1.0, 0.0]])
    u = np.array([[2.0, 0.0]])
    n = np.zeros((1, 1, 2))
    assert_close(learner.sgns_loss(v, u, n), math.log1p(math.exp(-2)) + math.log(2), rtol=1e-12,
                 name="sgns_loss (worked example)",
                 hint="l = -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c); a zero negative costs log 2")
    # two pairs, two negatives each: pair 0 has s_o = 0, s_neg = [1, -1]; pair 1 has s_o = 3, s_neg = [0, 0]
    v = np.array([[1.0, 0.0], [0.0, 1.0]])
    u = np.array([[0.0, 5.0], [0.0, 3.0]])
    n = np.array([[[1.0, 0.0], [-1.0, 0.0]], [[4.0, 0.0], [0.0, 0.0]]])
    sp = lambda x: math.log1p(math.exp(x))  # noqa: E731 - softplus
    want = ((sp(0) + sp(1) + sp(-1)) + (sp(-3) + 2 * sp(0))) / 2
    assert_close(learner.sgns_loss(v, u, n), want, rtol=1e-12, name="sgns_loss (B=2, K=2)",
                 hint="sum the K negative terms within a pair, then take the MEAN over the B pairs; negatives score "
                      "-log sigma(-s), i.e. the probability that they are NOT the context")


@pytest.mark.points(2)
def test_sgns_loss_large_scores(learner):
    """Dot products of +-1000 give a finite loss: 0 when every score is right, 1000 per wrong score, no overflow."""
    v = np.array([[1.0]])
    good = bad = None
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        try:
            good = learner.sgns_loss(v, np.array([[1000.0]]), np.array([[[-1000.0]]]))
            bad = learner.sgns_loss(v, np.array([[-1000.0]]), np.array([[[1000.0]]]))
        except (FloatingPointError, RuntimeWarning) as exc:
            check(False, f"sgns_loss hit a floating-point error at scores +-1000: {exc}", hint=LOSS_HINT)
    assert_close(good, 0.0, atol=1e-12, name="loss with confident right scores", hint=LOSS_HINT)
    assert_close(bad, 2000.0, rtol=1e-12, name="loss with confident wrong scores", hint=LOSS_HINT)


@pytest.mark.points(2)
def test_sgns_grads_match_autograd(learner, seed):
    """sgns_grads equals torch autograd's gradient of the batch-mean SGNS loss (B=4, K=3, D=5, float64), and sgns_loss
    equals the loss value."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(4, 5, generator=g, dtype=torch.float64, requires_grad=True)
    u = torch.randn(4, 5, generator=g, dtype=torch.float64, requires_grad=True)
    n = torch.randn(4, 3, 5, generator=g, dtype=torch.float64, requires_grad=True)
    loss = _torch_loss(v, u, n)
    loss.backward()
    assert_close(learner.sgns_loss(v.detach().numpy(), u.detach().numpy(), n.detach().numpy()), loss.item(),
                 rtol=1e-10, name="sgns_loss", hint="the batch mean of the per-pair losses")
    g_vc, g_uo, g_neg = learner.sgns_grads(v.detach().numpy(), u.detach().numpy(), n.detach().numpy())
    assert_shape(g_neg, (4, 3, 5), name="g_neg", hint="one gradient per negative vector: (B, K, D)")
    hint = ("dl/dv_c = (sigma(s_o) - 1) u_o + sum_k sigma(s_k) u_k; dl/du_o = (sigma(s_o) - 1) v_c; "
            "dl/du_k = sigma(s_k) v_c; all divided by B for the mean")
    assert_close(g_uo, u.grad, rtol=1e-8, atol=1e-12, name="g_uo", hint=hint)
    assert_close(g_neg, n.grad, rtol=1e-8, atol=1e-12, name="g_neg",
                 hint="a negative is pushed AWAY from v_c: its gradient is +sigma(s_k) v_c / B, not (sigma(s_k) - 1) v_c / B. " + hint)
    assert_close(g_vc, v.grad, rtol=1e-8, atol=1e-12, name="g_vc", hint=hint)


def test_most_similar(learner):
    """most_similar ranks by COSINE (not dot product), most similar first, and never returns the word itself."""
    W = np.array([[1.0, 0.0], [10.0, 1.0], [0.9, 0.5], [0.0, 1.0], [-1.0, 0.0]])
    got = np.asarray(learner.most_similar(W, 0, 3))
    assert_equal(got.tolist(), [1, 2, 3], name="most_similar(W, 0, 3)",
                 hint="cosine = a.b / (|a| |b|); exclude the query row; sort descending")
    got = np.asarray(learner.most_similar(W, 2, 4))
    check(2 not in got.tolist(), f"most_similar(W, 2, 4) returned the query row itself: {got.tolist()}",
          hint="set the query's own similarity to -inf before sorting")
    assert_equal(got.tolist(), [1, 0, 3, 4], name="most_similar(W, 2, 4)",
                 hint="rank by cosine; row 1 has the largest norm but that must not matter")


@pytest.mark.points(2)
def test_one_sgd_step_exact(learner):
    """With k=0 and one batch holding every pair, one epoch is one exact step: W_out starts at zero, so W_in does not
    move and W_out[o] = lr/2 * (sum of W_in[c] over the pairs with context o); repeated words' updates add up."""
    ids = np.array([0, 1, 0, 2, 0, 1, 3, 0])
    counts = np.bincount(ids, minlength=4)
    lr, dim = 0.3, 4
    W_in, W_out, losses = learner.train_sgns(ids, counts, dim=dim, window=2, k=0, lr=lr, epochs=1,
                                             batch_size=1000, seed=3)
    W_in, W_out = np.asarray(W_in, dtype=float), np.asarray(W_out, dtype=float)
    assert_shape(W_in, (4, dim), name="W_in")
    check(np.all(np.abs(W_in) <= 0.5 / dim), f"W_in has entries up to {np.abs(W_in).max():.3g}; expected the "
          f"initialisation uniform in [-0.5/D, 0.5/D) = [-{0.5 / dim}, {0.5 / dim})",
          hint="W_in = (rng.random((V, D)) - 0.5) / D, and with W_out = 0 the first step leaves W_in unchanged")
    check(len(losses) == 1, f"one epoch with one batch should record one loss, got {len(losses)}",
          hint="append the mean loss of every batch")
    assert_close(losses[0], math.log(2), rtol=1e-10, name="the first batch's loss",
                 hint="with W_out = 0 every score is 0 and each pair costs log 2 (k=0: no negatives)")
    pairs = _brute_pairs(ids.tolist(), 2)
    want = np.zeros((4, dim))
    np.add.at(want, pairs[:, 1], 0.5 * lr * W_in[pairs[:, 0]])
    assert_close(W_out, want, rtol=1e-8, atol=1e-12, name="W_out after one step",
                 hint="accumulate with np.add.at(W_out, o, -lr * B * g_uo): W_out[o] -= ... with repeated o keeps only "
                      "one update per word; and the step uses the gradient of the batch SUM (lr * B * mean-gradient)")


def _ppmi_neighbours(ids, V, window, rows, topn):
    pairs = _brute_window_pairs(ids, window)
    C = np.zeros((V, V))
    np.add.at(C, (pairs[:, 0], pairs[:, 1]), 1.0)
    total = C.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(C * total / np.outer(C.sum(1), C.sum(0)))
    P = np.where(np.isfinite(pmi), np.maximum(pmi, 0.0), 0.0)
    P = P / np.maximum(np.linalg.norm(P, axis=1, keepdims=True), 1e-12)
    out = {}
    for r in rows:
        s = P @ P[r]
        s[r] = -np.inf
        out[r] = set(np.argsort(-s)[:topn].tolist())
    return out


def _brute_window_pairs(ids, window):
    chunks = []
    for d in range(1, window + 1):
        chunks += [np.stack([ids[:-d], ids[d:]], 1), np.stack([ids[d:], ids[:-d]], 1)]
    return np.concatenate(chunks)


@pytest.mark.points(3)
def test_train_on_wikipedia(learner, seed):
    """Trained on 10 Wikipedia articles (vocabulary: ranks 30-629, 3 epochs, D=32), the SGNS loss on a fixed sample
    falls to under 75% of its starting value (1 + K) log 2, and the 10 nearest neighbours of the 40 most frequent words
    overlap their co-occurrence (PPMI) neighbours at least 4x more than chance."""
    arts = data.load("wiki-excerpt", split="train")[:10]
    tokens = learner.tokenize(" ".join(a.text for a in arts))
    words, counts = learner.build_vocab(tokens, 630)
    words, counts = words[30:], np.asarray(counts[30:])  # drop the 30 most frequent (function) words
    index = {w: i for i, w in enumerate(words)}
    ids = np.array([index[t] for t in tokens if t in index])
    V, K = len(words), 5
    W_in, W_out, losses = learner.train_sgns(ids, counts, dim=32, window=2, k=K, lr=0.025, epochs=3,
                                             batch_size=512, seed=seed)
    W_in, W_out = np.asarray(W_in, dtype=float), np.asarray(W_out, dtype=float)
    check(np.all(np.isfinite(W_in)) and np.all(np.isfinite(W_out)), "training produced non-finite vectors",
          hint="check the signs of the gradients and that each step subtracts lr * gradient")

    # the spec's own loss estimate: 5000 random pairs, negatives from the 3/4-power distribution
    rng = np.random.default_rng(1234)
    pairs = _brute_window_pairs(ids, 2)[rng.choice(len(ids) * 4 - 6, 5000, replace=False)]
    p = counts ** 0.75 / (counts ** 0.75).sum()
    neg = rng.choice(V, size=(5000, K), p=p)
    loss = _torch_loss(torch.from_numpy(W_in[pairs[:, 0]]), torch.from_numpy(W_out[pairs[:, 1]]),
                       torch.from_numpy(W_out[neg])).item()
    start = (1 + K) * math.log(2)
    check(loss < 0.75 * start, f"after training the SGNS loss is {loss:.3f}; the start is {start:.3f} and it should "
          f"fall below {0.75 * start:.3f}.",
          hint="is W_out initialised to zeros, are updates accumulated with np.add.at, is the step lr * B * mean-gradient?")

    rows = list(range(40))
    ppmi = _ppmi_neighbours(ids, V, 2, rows, 10)
    overlap = np.mean([len(set(np.asarray(learner.most_similar(W_in, r, 10)).tolist()) & ppmi[r]) / 10 for r in rows])
    chance = 10 / (V - 1)
    examples = "; ".join(f"{words[r]}: {[words[j] for j in np.asarray(learner.most_similar(W_in, r, 5))]}"
                         for r in rows[:4])
    check(overlap > 4 * chance, f"the neighbours overlap the co-occurrence neighbours {overlap:.3f} of the time; "
          f"chance is {chance:.3f} and at least {4 * chance:.3f} is expected. Examples: {examples}",
          hint="neighbours come from W_in (the center vectors) by cosine; if the loss fell, check most_similar")
