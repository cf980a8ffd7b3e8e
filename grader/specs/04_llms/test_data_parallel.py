"""Spec for 04_llms/data_parallel.py: batch shards, buckets, gradient all-reduce on real gloo ranks, DP == 1-process SGD."""

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


def run_ranks(fn, world, tmp_path, *args, timeout=15.0):
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
        raise AssertionError(msg)
    missing = sorted(set(range(world)) - set(results))
    check(not missing, f"rank(s) {missing} of {world} did not finish within {timeout:.0f} s",
          hint="a collective is waiting for a rank that never calls it: every rank must call the same "
               "collectives (all_reduce, broadcast, ...) in the same order, with tensors of the same shape")
    return [results[r] for r in range(world)]


# ----------------------------------------------------------------- pure functions


def test_shard_batch_by_hand(learner):
    """shard_batch(arange(6), r, 2) gives [0, 1, 2] and [3, 4, 5]; with 3 ranks, [0, 1], [2, 3], [4, 5]; rows of a
    2-D batch stay whole."""
    x = torch.arange(6)
    for world, expected in [(2, [[0, 1, 2], [3, 4, 5]]), (3, [[0, 1], [2, 3], [4, 5]]), (1, [[0, 1, 2, 3, 4, 5]])]:
        for r in range(world):
            assert_equal(learner.shard_batch(x, r, world), expected[r], name=f"shard_batch(arange(6), rank={r}, world_size={world})",
                         hint="rank r gets the contiguous rows [r * b, (r + 1) * b) with b = B // W")
    x2 = torch.arange(24.0).reshape(8, 3)
    assert_equal(learner.shard_batch(x2, 1, 4), x2[2:4], name="shard_batch((8, 3) batch, rank=1, world_size=4)",
                 hint="shard along the first (batch) dimension only")


def test_shard_batch_uneven_raises(learner):
    """A batch of 7 rows cannot be split evenly over 2 ranks: shard_batch raises ValueError instead of silently
    giving one rank fewer rows (which would weight that rank's rows more in the gradient average)."""
    with pytest.raises(ValueError):
        learner.shard_batch(torch.arange(7), 0, 2)


def _buckets_equal(got, expected, name, hint):
    got = [[int(i) for i in b] for b in got]
    check(got == expected, f"{name} returned {got}, expected {expected}", hint=hint)


def test_make_buckets_by_hand(learner):
    """make_buckets([3, 5, 2, 8, 1], 8) == [[0, 1], [2], [3], [4]]; a parameter bigger than the cap is alone:
    make_buckets([2, 20, 2, 2], 5) == [[0], [1], [2, 3]]."""
    _buckets_equal(learner.make_buckets([3, 5, 2, 8, 1], 8), [[0, 1], [2], [3], [4]],
                 name="make_buckets([3, 5, 2, 8, 1], 8)",
                 hint="add parameters in order while the bucket's total stays <= bucket_numel (3 + 5 = 8 fits)")
    _buckets_equal(learner.make_buckets([2, 20, 2, 2], 5), [[0], [1], [2, 3]], name="make_buckets([2, 20, 2, 2], 5)",
                 hint="never split a parameter: one larger than the cap gets a bucket of its own")
    _buckets_equal(learner.make_buckets([4], 100), [[0]], name="make_buckets([4], 100)", hint="the last bucket must "
                 "be appended too")


def test_make_buckets_properties(learner, rng):
    """On random sizes: the buckets list every index once, in order; each bucket fits (or is one parameter); and
    the buckets are greedy (a bucket plus the next parameter would overflow)."""
    for _ in range(20):
        numels = [int(v) for v in rng.integers(1, 40, size=int(rng.integers(1, 15)))]
        cap = int(rng.integers(5, 60))
        buckets = learner.make_buckets(numels, cap)
        assert_equal([int(i) for b in buckets for i in b], list(range(len(numels))),
                     name=f"concatenated buckets of make_buckets({numels}, {cap})",
                     hint="every parameter index appears exactly once, in order")
        for b in buckets:
            size = sum(numels[i] for i in b)
            check(size <= cap or len(b) == 1, f"bucket {b} of make_buckets({numels}, {cap}) holds {size} > {cap} elements",
                  hint="start a new bucket when adding the next parameter would exceed bucket_numel")
        for b, nxt in zip(buckets, buckets[1:]):
            check(sum(numels[i] for i in b) + numels[nxt[0]] > cap,
                  f"make_buckets({numels}, {cap}) closed bucket {b} although parameter {nxt[0]} still fits",
                  hint="greedy: keep adding while the total stays <= bucket_numel")


# ----------------------------------------------------------------- real collectives


def _model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def _avg_worker(rank, world, learner, bucketed):
    model = _model(0)
    frozen = nn.Linear(2, 2)  # a parameter without a gradient must be left alone
    frozen.requires_grad_(False)
    model.append(frozen)
    for i, p in enumerate(model.parameters()):
        if p.requires_grad:
            p.grad = torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape) * (rank + 1) + i
    calls = [0]
    real = dist.all_reduce

    def counting(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    dist.all_reduce = counting
    try:
        if bucketed:
            learner.average_gradients_bucketed(model, bucketed)
        else:
            learner.average_gradients(model)
    finally:
        dist.all_reduce = real
    return {"grads": [p.grad for p in model.parameters() if p.grad is not None], "calls": calls[0],
            "frozen_grad_none": frozen.weight.grad is None}


def _expected_avg(world):
    model = _model(0)
    out = []
    for i, p in enumerate(model.parameters()):
        base = torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape)
        out.append(sum(base * (r + 1) + i for r in range(world)) / world)
    return out


@pytest.mark.points(2)
@pytest.mark.parametrize("world", [2, 3])
def test_average_gradients(learner, tmp_path, world):
    """On real gloo ranks whose gradients differ (rank r holds base * (r + 1) + i), average_gradients leaves every
    rank with the mean over ranks; a frozen parameter (grad None) is skipped."""
    results = run_ranks(_avg_worker, world, tmp_path, learner, None)
    expected = _expected_avg(world)
    for rank, res in enumerate(results):
        check(len(res["grads"]) == len(expected), f"rank {rank} ends with {len(res['grads'])} gradients, "
              f"expected {len(expected)}", hint="average p.grad in place for every parameter whose grad is not None")
        for i, (g, e) in enumerate(zip(res["grads"], expected)):
            assert_close(g, e, rtol=1e-6, atol=1e-6, name=f"rank {rank}'s gradient {i} after average_gradients",
                         hint=f"all_reduce(SUM) adds the {world} ranks' gradients; divide by the world size "
                              f"(dist.get_world_size(), not a hard-coded 2) to get the mean")


@pytest.mark.points(2)
@pytest.mark.parametrize("bucket_numel", [20, 1000])
def test_bucketed_average_gradients(learner, tmp_path, bucket_numel):
    """average_gradients_bucketed gives the same means as average_gradients, and calls dist.all_reduce once per
    bucket (parameters of 32, 8, 16 and 2 elements: 3 buckets [32], [8], [16, 2] with a cap of 20, 1 with a cap of 1000)."""
    results = run_ranks(_avg_worker, 2, tmp_path, learner, bucket_numel)
    expected = _expected_avg(2)
    n_buckets = {20: 3, 1000: 1}[bucket_numel]
    for rank, res in enumerate(results):
        for i, (g, e) in enumerate(zip(res["grads"], expected)):
            assert_close(g, e, rtol=1e-6, atol=1e-6, name=f"rank {rank}'s gradient {i} after the bucketed average",
                         hint="torch.cat copies: after the all_reduce and / W, copy each slice of the flat bucket "
                              "back into its p.grad (p.grad.copy_(flat[o:o + n].view_as(p.grad)))")
        assert_equal(res["calls"], n_buckets, name=f"number of dist.all_reduce calls with bucket_numel={bucket_numel}",
                     hint="flatten each bucket's gradients with torch.cat and all-reduce the bucket once")


def _broadcast_worker(rank, world, learner):
    model = _model(100 + rank)  # every rank starts different
    learner.broadcast_parameters(model)
    return [p.detach() for p in model.parameters()]


def test_broadcast_parameters(learner, tmp_path):
    """After broadcast_parameters, all 3 ranks (initialised with different seeds) hold rank 0's parameters."""
    results = run_ranks(_broadcast_worker, 3, tmp_path, learner)
    expected = [p.detach() for p in _model(100).parameters()]
    for rank, params in enumerate(results):
        for i, (p, e) in enumerate(zip(params, expected)):
            assert_close(p, e, rtol=0, atol=0, name=f"rank {rank}'s parameter {i} after broadcast_parameters",
                         hint="dist.broadcast(p.data, src=0) for every parameter: it overwrites the tensor in place")


def _train_worker(rank, world, learner, x, y, bucket_numel):
    model = _model(100 + rank)  # different on every rank: train_data_parallel must broadcast first
    learner.train_data_parallel(model, x, y, nn.functional.mse_loss, 0.2, 6, bucket_numel)
    return [p.detach() for p in model.parameters()]


@pytest.mark.points(3)
@pytest.mark.parametrize("world,bucket_numel", [(2, None), (3, None), (2, 20)])
def test_training_matches_single_process(learner, tmp_path, seed, world, bucket_numel):
    """6 steps of data-parallel SGD (lr 0.2, MSE) on 2 or 3 ranks, plain or bucketed, leave every rank with exactly
    the parameters of 6 full-batch SGD steps in one process from rank 0's initialisation (atol 1e-6)."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(12, 4, generator=g), torch.randn(12, 2, generator=g)
    results = run_ranks(_train_worker, world, tmp_path, learner, x, y, bucket_numel)

    ref = _model(100)
    for _ in range(6):
        ref.zero_grad()
        nn.functional.mse_loss(ref(x), y).backward()
        with torch.no_grad():
            for p in ref.parameters():
                p -= 0.2 * p.grad
    for rank, params in enumerate(results):
        for i, (p, e) in enumerate(zip(params, ref.parameters())):
            assert_close(p, e.detach(), rtol=1e-5, atol=1e-6,
                         name=f"rank {rank}'s parameter {i} after 6 data-parallel steps (world {world})",
                         hint="broadcast rank 0's parameters first; each rank runs forward/backward on its own "
                              "shard only; average (not sum) the gradients; then p -= lr * p.grad and clear grads")
