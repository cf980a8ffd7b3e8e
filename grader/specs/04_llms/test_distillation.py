"""Spec for 04_llms/distillation.py: temperature-scaled KL distillation loss, its T^2 gradient scaling, a distillation run."""

from __future__ import annotations

import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.testing import assert_close, check


def _oracle(s, t, T):
    return F.kl_div(F.log_softmax(s / T, -1), F.log_softmax(t / T, -1), log_target=True, reduction="batchmean") * T * T


def test_worked_example(learner):
    """The docstring's example: s = [0, 0], t = [2, 0], T = 2 gives 4 * KL([0.731, 0.269] || [0.5, 0.5]) = 0.4438."""
    p = torch.softmax(torch.tensor([1.0, 0.0]), 0)
    expected = 4 * float((p * torch.log(p / 0.5)).sum())
    out = learner.distillation_loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[2.0, 0.0]]), 2.0)
    check(torch.is_tensor(out) and out.dim() == 0, f"distillation_loss returned {out!r}", hint="a 0-d tensor")
    assert_close(out, expected, rtol=1e-5, name="distillation_loss(s, t, T=2)",
                 hint="KL(teacher || student) = sum p (log p - log q) at temperature T, times T^2")


def test_equals_kl_div_batchmean(learner, seed):
    """On random logits and several temperatures, equals F.kl_div(log q, log p, log_target=True, 'batchmean') * T^2."""
    g = torch.Generator().manual_seed(seed)
    s, t = torch.randn(16, 10, generator=g) * 3, torch.randn(16, 10, generator=g) * 3
    for T in (1.0, 2.0, 4.5):
        assert_close(learner.distillation_loss(s, t, T), _oracle(s, t, T), rtol=1e-5, atol=1e-6, name=f"loss at T={T}",
                     hint="KL(softmax(t/T) || softmax(s/T)): the TEACHER is the target p; sum over classes, mean over "
                          "rows (batchmean, not mean over all elements); multiply by T^2")
    check(float(learner.distillation_loss(t, t, 3.0)) < 1e-6, "the loss of a student equal to its teacher is not 0",
          hint="KL(p || p) = 0")


def test_large_logits_are_finite(learner):
    """Logits of size 1000 (one-hot-like distributions) give a finite loss equal to the oracle: use log_softmax."""
    s = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 800.0, 0.0]])
    t = torch.tensor([[900.0, 100.0, 0.0], [0.0, 0.0, 500.0]])
    out = learner.distillation_loss(s, t, 1.0)
    check(bool(torch.isfinite(out)), f"distillation_loss is {float(out)} for large logits",
          hint="compute log q and log p with F.log_softmax; log(softmax(x)) underflows to log(0) = -inf")
    assert_close(out, _oracle(s, t, 1.0), rtol=1e-5, name="loss on large logits", hint="use log_softmax on both sides")


def test_gradient_scale_independent_of_temperature(learner, seed):
    """Thanks to T^2, the gradient norm w.r.t. the student logits changes by less than 30% between T = 5, 10 and 20
    (without T^2 it would shrink 4x per doubling of T)."""
    g = torch.Generator().manual_seed(seed)
    s0, t = torch.randn(8, 6, generator=g), torch.randn(8, 6, generator=g)
    norms = []
    for T in (5.0, 10.0, 20.0):
        s = s0.clone().requires_grad_(True)
        learner.distillation_loss(s, t, T).backward()
        check(s.grad is not None, "no gradient reached the student logits", hint="do not detach the student logits")
        norms.append(float(s.grad.norm()))
    ratios = [norms[1] / norms[0], norms[2] / norms[1]]
    check(all(0.7 < r < 1.3 for r in ratios), f"gradient norms at T = 5, 10, 20: {[f'{n:.2e}' for n in norms]}",
          hint="multiply the KL by T^2: dKL/ds is (q - p) / (N T) ~ (s - t) / (N C T^2) for large T")


def test_combined_loss(learner, seed):
    """combined_loss = alpha * distillation_loss + (1 - alpha) * cross_entropy(student, labels) (CE at temperature 1)."""
    g = torch.Generator().manual_seed(seed)
    s, t = torch.randn(12, 5, generator=g) * 2, torch.randn(12, 5, generator=g) * 2
    y = torch.randint(0, 5, (12,), generator=g)
    for alpha, T in [(0.7, 3.0), (0.0, 2.0), (1.0, 2.0)]:
        expected = alpha * _oracle(s, t, T) + (1 - alpha) * F.cross_entropy(s, y)
        assert_close(learner.combined_loss(s, t, y, T, alpha), expected, rtol=1e-5, atol=1e-6,
                     name=f"combined_loss(alpha={alpha}, T={T})",
                     hint="alpha weights the distillation term, 1 - alpha the hard-label cross-entropy (no temperature)")


def test_distillation_reduces_kl(learner, seed):
    """80 distill_step calls (Adam, lr 1e-2, T = 2, alpha = 0.9) halve the student-teacher KL on synthetic data;
    the teacher never changes, gets no gradients, and is left in eval mode."""
    torch.manual_seed(seed)
    teacher = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Dropout(0.5), nn.Linear(64, 5))
    student = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 5))
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 10, generator=g)
    teacher.eval()
    with torch.no_grad():
        t_logits = teacher(x) * 3
        teacher[-1].weight.mul_(3)
        teacher[-1].bias.mul_(3)
    labels = t_logits.argmax(-1)
    teacher.train()                                           # distill_step must switch it to eval itself
    before_state = copy.deepcopy(teacher.state_dict())
    opt = torch.optim.Adam(student.parameters(), lr=1e-2)
    with torch.no_grad():
        kl0 = float(_oracle(student(x), t_logits, 1.0))
    losses = [learner.distill_step(student, teacher, opt, x, labels, 2.0, 0.9) for _ in range(80)]
    with torch.no_grad():
        kl1 = float(_oracle(student(x), t_logits, 1.0))
    check(all(isinstance(v, float) and math.isfinite(v) for v in losses), "distill_step must return a finite float",
          hint="return loss.item()")
    check(all(p.grad is None for p in teacher.parameters()), "teacher parameters received gradients",
          hint="run the teacher under torch.no_grad() (its logits are a fixed target)")
    check(all(torch.equal(v, before_state[k]) for k, v in teacher.state_dict().items()), "the teacher's weights changed",
          hint="only the student's optimizer steps")
    check(not teacher.training, "the teacher is still in training mode (its dropout is active)", hint="teacher.eval()")
    check(kl1 < 0.5 * kl0, f"KL(teacher || student) went from {kl0:.3f} to {kl1:.3f} in 80 steps (needs to halve)",
          hint="zero_grad, loss.backward(), optimizer.step() on the combined loss; the teacher in eval mode (no dropout)")
