"""Mutant: the KL is averaged over all elements (reduction='mean') instead of batchmean."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """T^2 * KL(softmax(t / T) || softmax(s / T)), summed over classes, averaged over rows."""
    log_q = F.log_softmax(student_logits / temperature, dim=-1)       # (N, C) student
    log_p = F.log_softmax(teacher_logits / temperature, dim=-1)       # (N, C) teacher (the target)
    kl = (log_p.exp() * (log_p - log_q)).mean()          # batchmean
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
