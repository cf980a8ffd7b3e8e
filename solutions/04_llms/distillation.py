"""Knowledge distillation: a student learns the teacher's temperature-softened distribution.

Goal
----
Write the distillation loss of Hinton et al. and use it to train a small
student from a larger teacher:

* ``distillation_loss``: KL(softmax(t / T) || softmax(s / T)) * T^2,
  averaged over the batch ("batchmean");
* ``combined_loss``: alpha * distillation + (1 - alpha) * cross-entropy
  with the hard labels;
* ``distill_step``: one optimisation step of the student (the teacher is
  frozen: evaluated without gradients, in eval mode).

Why it matters
--------------
The teacher's full output distribution says much more than the one-hot
label ("this 7 looks a bit like a 1"): Hinton called these relative
probabilities of wrong answers "dark knowledge". Distillation is how
DistilBERT (40% smaller, 97% of BERT), TinyLlama-style students and most
small production models are made, and it is the loss behind sequence-level
distillation of LLMs.

The maths
---------
Student logits s, teacher logits t (N rows, C classes), temperature T >= 1:

    p = softmax(t / T),  log q = log_softmax(s / T)
    L_KD = T^2 * (1 / N) * sum_n sum_c p[n, c] * (log p[n, c] - log q[n, c])

"batchmean": sum over classes, mean over rows (PyTorch's ``reduction="mean"``
would also divide by C). Use log_softmax for both sides (never
log(softmax(.)), which gives -inf and NaN for large logits).

Why T^2: the gradient is dL_KD/ds = (T / N) (q - p), and for large T,
q - p ~ (s - t) / (C T) (zero-mean logits), so without the T^2 factor the
gradient would shrink like 1 / T^2; with it, its size hardly depends on T
and the same alpha works for any temperature.

Combined: L = alpha * L_KD + (1 - alpha) * CE(s, y) (CE at temperature 1,
mean over the batch).

API
---
    distillation_loss(student_logits (N, C), teacher_logits (N, C), temperature) -> 0-d tensor
    combined_loss(student_logits, teacher_logits, labels (N,) int64, temperature, alpha) -> 0-d tensor
    distill_step(student, teacher, optimizer, x, labels, temperature, alpha) -> float (the combined loss)

Worked example
--------------
    >>> s = torch.tensor([[0.0, 0.0]]); t = torch.tensor([[2.0, 0.0]])
    >>> distillation_loss(s, t, 2.0)     # p = softmax([1, 0]) = [0.731, 0.269], q = [0.5, 0.5]
    tensor(0.4438)                       # 4 * (0.731 log(0.731 / 0.5) + 0.269 log(0.269 / 0.5))

Reference
---------
Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network"
(2015), section 2; Sanh et al., "DistilBERT" (2019); PyTorch docs,
``torch.nn.functional.kl_div`` (``log_target``, ``batchmean``).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(t / T) || softmax(s / T)), summed over classes, averaged over rows."""
    log_q = F.log_softmax(student_logits / temperature, dim=-1)       # (N, C) student
    log_p = F.log_softmax(teacher_logits / temperature, dim=-1)       # (N, C) teacher (the target)
    kl = (log_p.exp() * (log_p - log_q)).sum(dim=-1).mean()          # batchmean
    return kl * temperature ** 2                                      # keeps the gradient scale independent of T


def combined_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor,
                  temperature: float, alpha: float) -> torch.Tensor:
    """alpha * distillation_loss + (1 - alpha) * cross_entropy(student_logits, labels)."""
    kd = distillation_loss(student_logits, teacher_logits, temperature)
    ce = F.cross_entropy(student_logits, labels)
    return alpha * kd + (1 - alpha) * ce


def distill_step(student: nn.Module, teacher: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                 labels: torch.Tensor, temperature: float, alpha: float) -> float:
    """One step on the student; the teacher runs in eval mode without gradients. Returns the combined loss."""
    teacher.eval()
    student.train()
    with torch.no_grad():
        teacher_logits = teacher(x)                                   # (N, C): a fixed target
    loss = combined_loss(student(x), teacher_logits, labels, temperature, alpha)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
