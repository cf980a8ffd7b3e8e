"""Spec for 04_llms/pipeline_parallel.py: the bubble, the GPipe timeline, micro-batches, a real GPipe step on gloo ranks."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import time
import traceback

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.nn as nn

from grader.testing import assert_close, assert_equal, check

# Tensor.backward(gradient) imports torch.fx.experimental.symbolic_shapes (and sympy) on first use, ~3 s or more.
# Importing it once here, before the ranks are forked, spares every forked rank that import.
import torch.fx.experimental.symbolic_shapes  # noqa: E402,F401

# ----------------------------------------------------------------- running ranks for real
# Every distributed test starts `world` processes on this machine, forked from the grading process (so they
# already hold the learner's module), joins them into a gloo process group through a FileStore in tmp_path
# (no ports to collide), runs fn(rank, world, *args) on each, and collects the results through a queue.


_STORES = itertools.count()


def _to_plain(obj):
    """Tensors -> numpy arrays (recursively), so results cross the process boundary by plain pickling."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone().numpy()
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_plain(v) for v in obj)
    return obj


def _rank_main(rank, world, store, fn, args, q):
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)
    try:
        dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
        q.put((rank, "ok", _to_plain(fn(rank, world, *args))))
    except BaseException:  # noqa: BLE001 - report anything to the parent
        q.put((rank, "error", traceback.format_exc()))
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def run_ranks(fn, world, tmp_path, *args, timeout=15.0, error_hint=""):
    """fn(rank, world, *args) on `world` gloo ranks; returns the list of results, rank 0 first."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    store = tmp_path / f"gloo_store_{next(_STORES)}"
    procs = [ctx.Process(target=_rank_main, args=(r, world, str(store), fn, args, q), daemon=True)
             for r in range(world)]
    for p in procs:
        p.start()
    results, errors = {}, {}
    deadline = time.monotonic() + timeout
    try:
        while len(results) < world and not errors:
            try:
                rank, status, payload = q.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            (results if status == "ok" else errors)[rank] = payload
    finally:
        for p in procs:
            p.join(timeout=2.0 if not errors and len(results) == world else 0.2)
            if p.is_alive():
                p.kill()
                p.join()
    if errors:
        rank, tb = min(errors.items())
        msg = f"rank {rank} of {world} raised an exception:\n{tb[-4000:]}"
        if "gloo" in tb or "Connection closed" in tb:
            msg += ("\nLikely cause: the ranks did not call the same collectives: one rank left (or skipped) a "
                    "collective that another was waiting in; every rank must call the same collectives in the same "
                    "order, with tensors of the same shape")
        elif error_hint:
            msg += f"\nLikely cause: {error_hint}"
        raise AssertionError(msg)
    missing = sorted(set(range(world)) - set(results))
    check(not missing, f"rank(s) {missing} of {world} did not finish within {timeout:.0f} s",
          hint="a collective is waiting for a rank that never calls it: every rank must call the same "
               "collectives (all_reduce, broadcast, ...) in the same order, with tensors of the same shape")
    return [results[r] for r in range(world)]


# ----------------------------------------------------------------- pure functions first


def test_bubble_fraction_by_hand(learner):
    """bubble_fraction(4, 4) = 3/7, (4, 1) = 3/4, (2, 1) = 1/2, (1, 8) = 0 (one stage never waits), (4, 32) = 3/35."""
    for (p, m), expected in [((4, 4), 3 / 7), ((4, 1), 3 / 4), ((2, 1), 1 / 2), ((1, 8), 0.0), ((4, 32), 3 / 35),
                             ((8, 2), 7 / 9)]:
        assert_close(learner.bubble_fraction(p, m), expected, rtol=1e-12, atol=1e-12, name=f"bubble_fraction(p={p}, m={m})",
                     hint="the forward phase lasts m + p - 1 ticks and each stage works m of them: idle fraction "
                          "(p - 1) / (m + p - 1) (not (p - 1) / m, which is idle time relative to work)")


def test_bubble_fraction_invalid(learner):
    """bubble_fraction raises ValueError for p = 0 stages or m = 0 micro-batches."""
    for p, m in [(0, 4), (4, 0)]:
        with pytest.raises(ValueError):
            learner.bubble_fraction(p, m)


def test_forward_timeline_by_hand(learner):
    """forward_timeline(2, 3) == [[0, None], [1, 0], [2, 1], [None, 2]] and forward_timeline(1, 2) == [[0], [1]]."""
    for (p, m), expected in [((2, 3), [[0, None], [1, 0], [2, 1], [None, 2]]), ((1, 2), [[0], [1]]),
                             ((3, 1), [[0, None, None], [None, 0, None], [None, None, 0]])]:
        got = [[None if v is None else int(v) for v in row] for row in learner.forward_timeline(p, m)]
        check(got == expected, f"forward_timeline({p}, {m}) returned {got}, expected {expected}",
              hint="m + p - 1 rows (ticks); at tick t stage s forwards micro-batch t - s when 0 <= t - s < m, "
                   "else None")


def test_timeline_idle_fraction_is_the_bubble(learner, rng):
    """For random p and m, the fraction of None entries in forward_timeline(p, m) equals bubble_fraction(p, m),
    and every stage forwards micro-batches 0 .. m-1 in order."""
    for p, m in zip(rng.integers(1, 9, 15), rng.integers(1, 17, 15)):
        p, m = int(p), int(m)
        table = learner.forward_timeline(p, m)
        check(len(table) == m + p - 1 and all(len(r) == p for r in table),
              f"forward_timeline({p}, {m}) is {len(table)} rows by {[len(r) for r in table][:3]}...",
              hint="m + p - 1 rows of p entries")
        idle = sum(v is None for row in table for v in row) / (p * (m + p - 1))
        assert_close(learner.bubble_fraction(p, m), idle, rtol=1e-12, atol=1e-12,
                     name=f"bubble_fraction({p}, {m}) vs the timeline's idle fraction",
                     hint="both count idle (stage, tick) slots over p * (m + p - 1)")
        for s in range(p):
            assert_equal([int(row[s]) for row in table if row[s] is not None], list(range(m)),
                         name=f"micro-batches forwarded by stage {s} of forward_timeline({p}, {m})",
                         hint="each stage forwards micro-batches 0, 1, ..., m-1, one per tick")


def test_split_microbatches(learner):
    """split_microbatches(arange(8), 4) gives [0, 1], [2, 3], [4, 5], [6, 7]; 8 rows into 3 raises ValueError."""
    parts = learner.split_microbatches(torch.arange(8), 4)
    check(len(parts) == 4, f"got {len(parts)} micro-batches, expected 4")
    for i, part in enumerate(parts):
        assert_equal(part, [2 * i, 2 * i + 1], name=f"micro-batch {i} of arange(8)",
                     hint="consecutive rows: micro-batch i is x[i*b:(i+1)*b] with b = B / m")
    with pytest.raises(ValueError):
        learner.split_microbatches(torch.arange(8), 3)


# ----------------------------------------------------------------- a real pipeline


D = 6
PIPE_ERROR_HINT = ("if dist.send was given None: the received input of stage s > 0 must requires_grad_() before the "
                   "stage runs, so that its .grad exists after backward and can be sent back to stage s - 1")


def _blocks(p, seed):
    torch.manual_seed(5000 + seed)
    blocks = [nn.Sequential(nn.Linear(D, D), nn.Tanh()) for _ in range(p - 1)]
    blocks.append(nn.Sequential(nn.Linear(D, D), nn.Tanh(), nn.Linear(D, 2)))
    return blocks


def _pipe_worker(rank, world, learner, seed, x, y, m):
    stage = _blocks(world, seed)[rank]
    events = []
    stage.register_forward_pre_hook(lambda mod, args: events.append("F"))
    next(stage.parameters()).register_hook(lambda g: events.append("B"))
    loss = learner.gpipe_step(stage, x, y, nn.functional.mse_loss, m)
    return {"loss": None if loss is None else float(loss), "events": "".join(events),
            "grads": [None if p.grad is None else p.grad for p in stage.parameters()]}


def _reference(p, seed, x, y):
    model = nn.Sequential(*_blocks(p, seed))
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    return loss.item(), [[q.grad for q in block.parameters()] for block in model]


@pytest.mark.points(3)
@pytest.mark.parametrize("world,m", [(2, 4), (4, 2), (4, 1), (2, 8)])
def test_gpipe_step_matches_sequential(learner, tmp_path, seed, world, m):
    """A GPipe step over 2 or 4 stages with m micro-batches (8 rows) gives the last stage the full-batch MSE of the
    sequential model, None on the other stages, and every stage the full-batch gradients of its parameters."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(8, D, generator=g), torch.randn(8, 2, generator=g)
    results = run_ranks(_pipe_worker, world, tmp_path, learner, seed, x, y, m, error_hint=PIPE_ERROR_HINT)
    loss, grads = _reference(world, seed, x, y)
    check(results[-1]["loss"] is not None, "the last stage returned None instead of the loss",
          hint="the last stage returns sum_i L_i / m as a float")
    assert_close(results[-1]["loss"], loss, rtol=1e-5, atol=1e-6, name=f"the last stage's loss (p={world}, m={m})",
                 hint="each micro-batch's loss is a mean over its rows: divide it by m so the m parts add up to "
                      "the full-batch mean")
    for rank in range(world - 1):
        check(results[rank]["loss"] is None, f"stage {rank} (not the last) returned {results[rank]['loss']!r}",
              hint="only the last stage computes the loss; the others return None")
    for rank, res in enumerate(results):
        for i, (got, e) in enumerate(zip(res["grads"], grads[rank])):
            check(got is not None, f"stage {rank}'s parameter {i} has no gradient",
                  hint="stage s > 0 must requires_grad_() its received input and every stage must call backward "
                       "(the last on L_i / m, the others on output_i with the gradient received from s + 1)")
            assert_close(got, e, rtol=1e-5, atol=1e-6, name=f"stage {rank}'s gradient of parameter {i} (p={world}, m={m})",
                         hint="accumulate over the m micro-batches (do not zero between them), with L_i / m at "
                              "the last stage; send inputs[i].grad back to stage s - 1")


def test_gpipe_schedule_all_forwards_then_all_backwards(learner, tmp_path, seed):
    """GPipe order on each of 3 stages with m = 4: the stage's forward runs 4 times, then its backward 4 times
    (FFFFBBBB), not forward and backward interleaved per micro-batch."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(8, D, generator=g), torch.randn(8, 2, generator=g)
    results = run_ranks(_pipe_worker, 3, tmp_path, learner, seed, x, y, 4, error_hint=PIPE_ERROR_HINT)
    for rank, res in enumerate(results):
        assert_equal(res["events"], "FFFFBBBB", name=f"stage {rank}'s sequence of forwards (F) and backwards (B)",
                     hint="GPipe: run the forward of all m micro-batches first (keeping their graphs), then the "
                          "backward of all m, last micro-batch first")
