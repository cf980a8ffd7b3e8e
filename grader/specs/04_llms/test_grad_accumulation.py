"""Spec for 04_llms/grad_accumulation.py: token-normalised gradient accumulation equals the large-batch gradient."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_close, check

V = 13


class TinyLM(torch.nn.Module):
    """Embedding -> tanh MLP -> logits; enough parameters to make gradients informative."""

    def __init__(self, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.emb = torch.nn.Embedding(V, 8)
        self.hid = torch.nn.Linear(8, 16)
        self.out = torch.nn.Linear(16, V)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)

    def forward(self, x):
        return self.out(torch.tanh(self.hid(self.emb(x))))


def _micro_batches(g, sizes, lengths, pad_prob):
    """Micro-batches with different batch sizes, lengths and padding (targets -100)."""
    out = []
    for b, t, p in zip(sizes, lengths, pad_prob):
        x = torch.randint(0, V, (b, t), generator=g)
        y = torch.randint(0, V, (b, t), generator=g)
        y[torch.rand(b, t, generator=g) < p] = -100
        out.append((x, y))
    return out


def _reference_grads(model, micro_batches, normalize="tokens"):
    """One backward of the whole batch's loss, written independently."""
    model = copy.deepcopy(model)
    model.zero_grad()
    sums, counts = [], []
    for x, y in micro_batches:
        logits = model(x)
        sums.append(F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=-100, reduction="sum"))
        counts.append(int((y != -100).sum()))
    if normalize == "tokens":
        loss = torch.stack(sums).sum() / max(sum(counts), 1)
    else:
        loss = torch.stack([s / max(c, 1) for s, c in zip(sums, counts)]).mean()
    loss.backward()
    return loss.item(), {n: p.grad.clone() for n, p in model.named_parameters()}


def _grads(model):
    return {n: (p.grad.clone() if p.grad is not None else torch.zeros_like(p)) for n, p in model.named_parameters()}


ACC_HINT = ("count the real tokens of ALL micro-batches first (N), then backward token_loss_sum / N for each micro-batch, "
            "letting .grad accumulate (no zero_grad between micro-batches)")


def test_token_loss_sum(learner, seed):
    """token_loss_sum is the SUM of token cross-entropies over real targets, plus their count; 0 and 0 when all are padding."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 5, V, generator=g, dtype=torch.float64)
    y = torch.randint(0, V, (2, 5), generator=g)
    y[0, 3:] = -100
    total, count = learner.token_loss_sum(logits, y)
    want = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=-100, reduction="sum")
    assert_close(total, want, rtol=1e-10, name="token_loss_sum", hint="a sum over real tokens, not a mean")
    check(int(count) == 8, f"count is {count}, expected 8 real targets", hint="count targets != ignore_index, not all B*T")
    total, count = learner.token_loss_sum(logits, torch.full((2, 5), -7), ignore_index=-7)
    check(float(total) == 0.0 and int(count) == 0, f"all-padding micro-batch gives ({float(total)}, {count}), expected (0, 0)",
          hint="use the ignore_index argument; a sum over nothing is 0")


def test_worked_example(learner):
    """The docstring's example: one lone token of loss 3 vs three of loss 1: L = 1.5 (tokens), L' = 2.0 (micro_batches)."""

    class Fixed(torch.nn.Module):  # logits that give a chosen loss: target 0 with logit gap
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(()))

        def forward(self, x):  # x holds the desired loss per position; V = 2, logits [0, log(e^l - 1)] -> loss l
            z = torch.log(torch.expm1(x.double()))
            return torch.stack([torch.zeros_like(z) + self.w, z], dim=-1)

    mbs = [(torch.tensor([[3.0, 9.0]]), torch.tensor([[0, -100]])), (torch.tensor([[1.0, 1.0, 1.0]]), torch.tensor([[0, 0, 0]]))]
    got = learner.accumulate_gradients(Fixed(), mbs, "tokens")
    assert_close(got, 1.5, rtol=1e-9, name="loss with normalize='tokens'", hint="(3 + 1 + 1 + 1) / 4 real tokens")
    got = learner.accumulate_gradients(Fixed(), mbs, "micro_batches")
    assert_close(got, 2.0, rtol=1e-9, name="loss with normalize='micro_batches'", hint="(3/1 + 3/3) / 2 micro-batches")


def test_equal_token_counts_agree(learner, seed):
    """With no padding and equal micro-batch shapes both normalisations give the large-batch gradient."""
    g = torch.Generator().manual_seed(seed)
    model = TinyLM(seed)
    mbs = _micro_batches(g, [2, 2, 2], [6, 6, 6], [0.0, 0.0, 0.0])
    _, want = _reference_grads(model, mbs)
    for mode in ("tokens", "micro_batches"):
        model.zero_grad()
        learner.accumulate_gradients(model, mbs, mode)
        for n, gr in _grads(model).items():
            assert_close(gr, want[n], rtol=1e-5, atol=1e-7, name=f"grad of {n} (normalize={mode!r}, equal micro-batches)",
                         hint=ACC_HINT)


@pytest.mark.points(2)
def test_unequal_tokens_equal_large_batch(learner, seed):
    """Micro-batches of different sizes, lengths and padding: normalize='tokens' gives exactly the large-batch gradient."""
    g = torch.Generator().manual_seed(seed)
    model = TinyLM(seed)
    mbs = _micro_batches(g, [1, 3, 2, 4], [9, 4, 7, 3], [0.8, 0.1, 0.5, 0.0])
    want_loss, want = _reference_grads(model, mbs, "tokens")
    model.zero_grad()
    got_loss = learner.accumulate_gradients(model, mbs, "tokens")
    assert_close(got_loss, want_loss, rtol=1e-5, name="returned loss (tokens)", hint="return the sum of the per-micro-batch S_k / N")
    for n, gr in _grads(model).items():
        assert_close(gr, want[n], rtol=1e-5, atol=1e-7, name=f"accumulated grad of {n}", hint=ACC_HINT)


def test_micro_batch_mean_mode(learner, seed):
    """normalize='micro_batches' is the mean of per-micro-batch means, which differs from the large-batch gradient here."""
    g = torch.Generator().manual_seed(seed)
    model = TinyLM(seed)
    mbs = _micro_batches(g, [1, 3, 2], [9, 4, 7], [0.8, 0.0, 0.5])
    want_loss, want = _reference_grads(model, mbs, "micro_batches")
    model.zero_grad()
    got_loss = learner.accumulate_gradients(model, mbs, "micro_batches")
    assert_close(got_loss, want_loss, rtol=1e-5, name="returned loss (micro_batches)", hint="(1/K) sum_k S_k / n_k")
    for n, gr in _grads(model).items():
        assert_close(gr, want[n], rtol=1e-5, atol=1e-7, name=f"grad of {n} (micro_batches)",
                     hint="backward S_k / n_k / K for each micro-batch")


def test_all_padding_micro_batch(learner, seed):
    """A micro-batch whose targets are all padding contributes nothing (and no nan) to the accumulated gradient."""
    g = torch.Generator().manual_seed(seed)
    model = TinyLM(seed)
    mbs = _micro_batches(g, [2, 2], [5, 5], [0.2, 1.0])
    mbs[1][1][:] = -100
    _, want = _reference_grads(model, mbs[:1], "tokens")
    for mode in ("tokens", "micro_batches"):
        model.zero_grad()
        learner.accumulate_gradients(model, mbs, mode)
        for n, gr in _grads(model).items():
            check(torch.isfinite(gr).all().item(), f"grad of {n} has nan/inf with an all-padding micro-batch ({mode})",
                  hint="guard the division: max(count, 1)")
        if mode == "tokens":
            for n, gr in _grads(model).items():
                assert_close(gr, want[n], rtol=1e-5, atol=1e-7, name=f"grad of {n} with an all-padding micro-batch",
                             hint="an empty micro-batch adds 0 tokens to N and 0 to the sum")


def test_train_step_matches_large_batch_adamw(learner, seed):
    """Five train_step calls with AdamW on padded micro-batches give the same weights as five large-batch steps."""
    g = torch.Generator().manual_seed(seed)
    model_a = TinyLM(seed)
    model_b = copy.deepcopy(model_a)
    oa = torch.optim.AdamW(model_a.parameters(), lr=1e-2)
    ob = torch.optim.AdamW(model_b.parameters(), lr=1e-2)
    for step in range(5):
        mbs = _micro_batches(g, [1, 2, 3], [8, 5, 3], [0.6, 0.3, 0.0])
        model_a.zero_grad()
        model_a.emb.weight.grad = torch.full_like(model_a.emb.weight, 123.0)  # stale gradient: train_step must clear it
        loss = learner.train_step(model_a, oa, mbs)
        ob.zero_grad()
        want_loss, grads = _reference_grads(model_b, mbs)
        for n, p in model_b.named_parameters():
            p.grad = grads[n]
        ob.step()
        assert_close(loss, want_loss, rtol=1e-5, name=f"loss at step {step}")
        for (n, a), b in zip(model_a.named_parameters(), model_b.parameters()):
            assert_close(a, b, rtol=1e-5, atol=1e-6, name=f"{n} after step {step}",
                         hint="train_step: optimizer.zero_grad(), accumulate with normalize='tokens', optimizer.step()")
