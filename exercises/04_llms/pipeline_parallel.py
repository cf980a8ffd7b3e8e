"""GPipe pipeline parallelism: micro-batches flowing through stages on real ranks.

Goal
----
Split a model into p consecutive *stages*, one per rank, and train it with
the GPipe schedule: the batch is cut into m micro-batches; every stage runs
the forward pass of all m micro-batches, passing activations to the next stage
with ``dist.send`` / ``dist.recv``; then all backward passes run, in reverse
micro-batch order, passing gradients back. The result must equal running the
whole model on the whole batch in one process: the same loss, and the same
gradients in every stage. You write:

* ``bubble_fraction(p, m)``: the fraction of time a stage sits idle;
* ``forward_timeline(p, m)``: who works on which micro-batch at each tick;
* ``split_microbatches``: the m micro-batches of a batch;
* ``gpipe_step``: one GPipe forward + backward on this rank's stage.

``gpipe_step`` runs inside an initialised process group: rank s of p holds
stage s (the spec starts 2 or 4 gloo processes on this CPU).

Why it matters
--------------
Pipeline parallelism splits a model *by depth* when it does not fit on one
device: each device holds a few layers, and only activations (at the stage
boundaries) cross between devices, which makes it the parallelism of choice
across nodes with slower links. Its cost is the *bubble*: the first stage has
nothing to do while micro-batch 0 travels down the pipe at the start, and the
last while gradients travel up at the end. More micro-batches shrink the
bubble, at the cost of holding more activations (GPipe keeps all m until the
backward pass; 1F1B schedules, as in PipeDream and Megatron, bound that).

The maths
---------
Take one tick as the time of one stage's forward on one micro-batch. Stage s
forwards micro-batch i at tick s + i, so the forward phase takes m + p - 1
ticks, of which each stage works m: the idle fraction (the same for the
backward phase) is

    bubble = (p - 1) / (m + p - 1)

e.g. p = 4 stages: m = 1 gives 3/4 (only one stage ever works at once), m = 4
gives 3/7, m = 32 gives 3/35 < 9%. ``forward_timeline(p, m)`` is the table: one
row per tick t = 0 .. m + p - 2, entry s = the micro-batch stage s forwards at
tick t (t - s when 0 <= t - s < m), or None when stage s is idle.

Gradients: with m equal micro-batches and a loss that is a mean over rows, the
full-batch loss is L = (1/m) sum_i L_i. So the last stage backpropagates
L_i / m for each micro-batch, and gradients *accumulate* in the parameters
over the m backward passes (do not zero them between micro-batches): the sum
is exactly the full-batch gradient.

Communication (point-to-point, blocking; every send must meet a recv with the
same shape and dtype on the other rank):

    forward, micro-batch i:  stage s > 0 receives its input from s - 1; every
        stage but the last sends its output (detached) to s + 1; the received
        input must ``requires_grad_()`` so that its gradient can be sent back.
    backward, i = m-1 .. 0:  the last stage calls (L_i / m).backward(); the
        others receive dL/d(output_i) from s + 1 and call output_i.backward(grad);
        every stage but the first sends its input's .grad to s - 1.

All activations crossing stages here have the shape of a micro-batch of x,
(B / m, d), so receive buffers are ``torch.empty_like(x_micro)``.

API
---
    bubble_fraction(p, m) -> float                        (pure; ValueError if p < 1 or m < 1)
    forward_timeline(p, m) -> list of m + p - 1 lists of p entries (int or None)   (pure)
    split_microbatches(x, m) -> list of m tensors (B / m, ...)   (ValueError if m does not divide B)
    gpipe_step(stage, x, y, loss_fn, m) -> float | None
        every rank passes the same full batch (x, y); rank s runs stage s; the last stage
        returns the full-batch loss (sum of L_i / m) as a float, the others None; the
        gradients are left accumulated in stage's parameters

Worked example
--------------
    >>> bubble_fraction(4, 4)
    0.42857142857142855                 # 3 / 7
    >>> forward_timeline(2, 3)
    [[0, None], [1, 0], [2, 1], [None, 2]]   # stage 1 idle at tick 0, stage 0 at tick 3

Reference
---------
Huang et al., "GPipe: Efficient Training of Giant Neural Networks using
Pipeline Parallelism" (NeurIPS 2019), section 2.2 and figure 2; Narayanan et
al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
Megatron-LM" (2021), section 2.2 (the bubble); PyTorch docs,
``torch.distributed.send`` / ``recv`` and ``torch.distributed.pipelining``.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.distributed as dist
import torch.nn as nn


def bubble_fraction(p: int, m: int) -> float:
    """The idle fraction (p - 1) / (m + p - 1) of a GPipe pipeline of p stages and m micro-batches."""
    raise NotImplementedError("bubble_fraction: not written yet")


def forward_timeline(p: int, m: int) -> list[list[int | None]]:
    """Row t (t = 0 .. m+p-2): entry s is the micro-batch stage s forwards at tick t (t - s), or None if idle."""
    raise NotImplementedError("forward_timeline: not written yet")


def split_microbatches(x: torch.Tensor, m: int) -> list[torch.Tensor]:
    """x (B, ...) -> m consecutive micro-batches of B / m rows; ValueError if m does not divide B."""
    raise NotImplementedError("split_microbatches: not written yet")


def gpipe_step(
    stage: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    m: int,
) -> float | None:
    """One GPipe step of this rank's stage: all m forwards, then all m backwards in reverse order.

    Returns:
        On the last stage, the full-batch loss (1/m) sum_i L_i as a float; None on the others.
    """
    raise NotImplementedError("gpipe_step: all m forwards (recv, stage, send), then all m backwards in reverse")
