"""Spec for 04_llms/zero_optimizer.py: padding arithmetic, sharded Adam state on real gloo ranks, == torch.optim.Adam."""

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

LR, BETAS, EPS = 0.05, (0.8, 0.95), 1e-8

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


def test_partition_by_hand(learner):
    """partition(10, 4) == (3, 12), partition(8, 2) == (4, 8), partition(1, 2) == (1, 2), partition(26, 3) == (9, 27)."""
    for args, expected in [((10, 4), (3, 12)), ((8, 2), (4, 8)), ((1, 2), (1, 2)), ((26, 3), (9, 27)), ((7, 1), (7, 7))]:
        got = tuple(int(v) for v in learner.partition(*args))
        check(got == expected, f"partition{args} returned {got}, expected {expected}",
              hint="s = ceil(numel / W) (not floor: the last elements must belong to some rank) and the padded "
                   "length is W * s")


def test_partition_properties(learner, rng):
    """For random sizes, W * s >= numel (every element is owned), W * s - numel < W (minimal padding) and
    padded == W * s."""
    for numel, world in zip(rng.integers(1, 10_000, 30), rng.integers(1, 9, 30)):
        s, padded = (int(v) for v in learner.partition(int(numel), int(world)))
        check(padded == world * s and padded >= numel and padded - numel < world,
              f"partition({numel}, {world}) returned ({s}, {padded})",
              hint="s = -(-numel // W) (ceil), padded = W * s")


def _model():
    torch.manual_seed(1234)
    return nn.Sequential(nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 2)).double()  # 26 parameters


def _data(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(12, 5, generator=g, dtype=torch.float64), torch.randn(12, 2, generator=g, dtype=torch.float64)


def _zero_worker(rank, world, learner, x, y, n_steps, shard_data):
    model = _model()
    opt = learner.ZeroAdam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    init = {"master": opt.master.clone(), "shard_start": int(opt.shard_start), "shard_size": int(opt.shard_size)}
    if shard_data:  # data parallel: each rank sees its own contiguous rows
        b = len(x) // world
        x, y = x[rank * b:(rank + 1) * b], y[rank * b:(rank + 1) * b]
    for _ in range(n_steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    grads_none = None
    if n_steps:
        opt.zero_grad()
        grads_none = all(p.grad is None for p in model.parameters())
    return {"init": init, "params": [p.detach() for p in model.parameters()], "exp_avg": opt.exp_avg.clone(),
            "exp_avg_sq": opt.exp_avg_sq.clone(), "master": opt.master.clone(), "grads_none": grads_none}


def _reference(x, y, n_steps):
    model = _model()
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    for _ in range(n_steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    params = list(model.parameters())
    flat = lambda ts: torch.cat([t.detach().reshape(-1) for t in ts])  # noqa: E731
    state = [opt.state[p] for p in params] if n_steps else None
    return {"params": [p.detach() for p in params], "flat": flat(params),
            "exp_avg": flat([s["exp_avg"] for s in state]) if state else None,
            "exp_avg_sq": flat([s["exp_avg_sq"] for s in state]) if state else None}


@pytest.mark.parametrize("world", [2, 3])
def test_state_is_sharded(learner, tmp_path, world):
    """Before any step, rank r owns elements [r * s, (r + 1) * s) of the 26 flattened parameters (s = 13 on 2
    ranks, 9 on 3, the last slice zero-padded): shard_start, shard_size, and master / exp_avg / exp_avg_sq of s
    elements each: ~1/W of the state, not 26."""
    x, y = _data(0)
    results = run_ranks(_zero_worker, world, tmp_path, learner, x, y, 0, False)
    s = -(-26 // world)
    flat = torch.nn.functional.pad(_reference(x, y, 0)["flat"], (0, s * world - 26))
    for rank, res in enumerate(results):
        init = res["init"]
        check(init["shard_size"] == s and init["shard_start"] == rank * s,
              f"rank {rank} of {world}: shard_start={init['shard_start']}, shard_size={init['shard_size']}; "
              f"expected {rank * s} and {s}", hint="s = ceil(N / W) and rank r starts at r * s")
        for name in ("exp_avg", "exp_avg_sq", "master"):
            check(tuple(res[name].shape) == (s,), f"rank {rank}'s {name} has shape {tuple(res[name].shape)}, "
                  f"expected ({s},)", hint="each rank keeps only its slice of the state: 1-D tensors of s elements")
        assert_close(init["master"], flat[rank * s:(rank + 1) * s], rtol=0, atol=0,
                     name=f"rank {rank}'s master slice at construction",
                     hint="master = the flattened, zero-padded parameters [shard_start : shard_start + s], cloned")
        assert_close(res["exp_avg"], torch.zeros(s, dtype=torch.float64), atol=0, name=f"rank {rank}'s exp_avg at start",
                     hint="Adam's moments start at zero")


@pytest.mark.points(2)
def test_one_step_matches_adam(learner, tmp_path):
    """With the same batch on both ranks, one ZeroAdam step (lr 0.05, betas (0.8, 0.95)) gives exactly the
    parameters of one torch.optim.Adam step, on every rank, and rank r's exp_avg is slice r of Adam's."""
    x, y = _data(1)
    results = run_ranks(_zero_worker, 2, tmp_path, learner, x, y, 1, False)
    ref = _reference(x, y, 1)
    exp_avg = ref["exp_avg"]  # 26 elements; 2 ranks own 13 each, no padding
    for rank, res in enumerate(results):
        assert_close(res["exp_avg"], exp_avg[rank * 13:(rank + 1) * 13], rtol=1e-9, atol=1e-14,
                     name=f"rank {rank}'s exp_avg after one step",
                     hint="both ranks hold the same gradient g here, so reduce_scatter returns 2 g: divide by W for the "
                          "mean; then m = (1 - beta1) * g on the first step")
        for i, (p, e) in enumerate(zip(res["params"], ref["params"])):
            assert_close(p, e, rtol=1e-9, atol=1e-12, name=f"rank {rank}'s parameter {i} after one step",
                         hint="m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (m / (1-b1^t)) / "
                              "(sqrt(v / (1-b2^t)) + eps) with t = 1 on the first step; then all_gather the "
                              "updated slices and copy them into every parameter")


@pytest.mark.points(3)
@pytest.mark.parametrize("world", [2, 3])
def test_data_parallel_matches_adam(learner, tmp_path, seed, world):
    """Data parallel on 2 or 3 ranks (each its own 1/W of a 12-row batch), 5 ZeroAdam steps equal 5 full-batch
    torch.optim.Adam steps: every rank's parameters, and rank r's exp_avg / exp_avg_sq equal slice r of Adam's."""
    x, y = _data(seed)
    results = run_ranks(_zero_worker, world, tmp_path, learner, x, y, 5, True)
    ref = _reference(x, y, 5)
    s = -(-26 // world)
    pad = lambda t: torch.nn.functional.pad(t, (0, s * world - 26))  # noqa: E731
    for rank, res in enumerate(results):
        for i, (p, e) in enumerate(zip(res["params"], ref["params"])):
            assert_close(p, e, rtol=1e-8, atol=1e-10, name=f"rank {rank} of {world}: parameter {i} after 5 steps",
                         hint="reduce_scatter SUMs the ranks' gradients: divide by W for the data-parallel mean; "
                              "update only your own slice, then all_gather every slice")
        assert_close(res["exp_avg"], pad(ref["exp_avg"])[rank * s:(rank + 1) * s], rtol=1e-8, atol=1e-12,
                     name=f"rank {rank}'s exp_avg after 5 steps",
                     hint="rank r's moments belong to elements [r * s, (r + 1) * s) of the flat vector")
        assert_close(res["exp_avg_sq"], pad(ref["exp_avg_sq"])[rank * s:(rank + 1) * s], rtol=1e-8, atol=1e-14,
                     name=f"rank {rank}'s exp_avg_sq after 5 steps", hint="v = b2 v + (1 - b2) g^2, with g the mean gradient")
        check(res["grads_none"], f"rank {rank}: zero_grad left some p.grad set", hint="zero_grad sets p.grad = None")
