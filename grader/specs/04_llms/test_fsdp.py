"""Spec for 04_llms/fsdp.py: FSDP2 (fully_shard) on real gloo ranks: shard layout, per-rank sizes, same loss/grads/training."""

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
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import FSDPModule

# fully_shard imports torch._dynamo lazily (~4 s or more). Importing it once here, before the ranks are forked,
# spares every forked rank that import.
import torch._dynamo  # noqa: E402,F401

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


def _expected_rows(dim0, world):
    """(start, length) per rank, from torch.chunk itself (missing chunks are empty)."""
    sizes = [len(c) for c in torch.arange(dim0).chunk(world)]
    sizes += [0] * (world - len(sizes))
    starts = list(itertools.accumulate([0] + sizes[:-1]))
    return list(zip(starts, sizes))


def test_shard_rows_by_hand(learner):
    """shard_rows(7, r, 3) for r = 0, 1, 2 is (0, 3), (3, 3), (6, 1); shard_rows(3, r, 4) gives (0, 1), (1, 1),
    (2, 1), (3, 0): the last rank holds nothing; shard_rows(8, r, 2) gives (0, 4), (4, 4)."""
    for dim0, world in [(7, 3), (3, 4), (8, 2), (7, 2)]:
        got = [tuple(int(v) for v in learner.shard_rows(dim0, r, world)) for r in range(world)]
        expected = _expected_rows(dim0, world)
        check(got == expected, f"shard_rows({dim0}, r, {world}) for r = 0..{world - 1} gave {got}, expected {expected}",
              hint="FSDP2 splits dim 0 like torch.chunk: c = ceil(d0 / W) rows per rank, start = min(r * c, d0), "
                   "length = min(c, d0 - start) (0 for ranks past the end)")


def test_shard_rows_properties(learner, rng):
    """For random sizes, the shards match torch.chunk's, tile the rows exactly once in rank order, and none is
    longer than ceil(d0 / W)."""
    for dim0, world in zip(rng.integers(1, 50, 40), rng.integers(1, 9, 40)):
        dim0, world = int(dim0), int(world)
        got = [tuple(int(v) for v in learner.shard_rows(dim0, r, world)) for r in range(world)]
        check(got == _expected_rows(dim0, world), f"shard_rows({dim0}, r, {world}) gave {got}, expected "
              f"{_expected_rows(dim0, world)}", hint="c = -(-d0 // W); start = min(r * c, d0); length = min(c, d0 - start)")


def _model():
    torch.manual_seed(321)
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))  # 66 parameters


def _layout_worker(rank, world, learner):
    model = _model()
    mesh = init_device_mesh("cpu", (world,))
    out = learner.apply_fsdp(model, mesh)
    check(out is model, "apply_fsdp must return the model it sharded (fully_shard works in place)")
    return {"units": [isinstance(m, FSDPModule) for m in (model, model[0], model[2])],
            "local_shapes": {n: tuple(p.to_local().shape) for n, p in model.named_parameters()},
            "local_numel": int(learner.local_numel(model))}


@pytest.mark.parametrize("world", [2, 3])
def test_apply_fsdp_shards_every_linear(learner, tmp_path, world):
    """After apply_fsdp, the root and both Linears are FSDP units, and each rank's local shard of every parameter
    has the rows torch.chunk gives it (a (7, 5) weight on 3 ranks: 3, 3 and 1 rows)."""
    results = run_ranks(_layout_worker, world, tmp_path, learner, timeout=30.0)
    for rank, res in enumerate(results):
        check(res["units"][1] and res["units"][2],
              f"rank {rank}: the Linear children are not FSDP units (FSDPModule: root, Linear 0, Linear 2 = {res['units']})",
              hint="call fully_shard(child, mesh=mesh) on every child that has parameters, then on the root; sharding "
                   "only the root would all-gather the whole model at once")
        check(res["units"][0], f"rank {rank}: the root is not an FSDP unit", hint="finish with fully_shard(model, mesh=mesh)")
        for name, shape in res["local_shapes"].items():
            full = tuple(_model().get_parameter(name).shape)
            rows = _expected_rows(full[0], world)[rank][1]
            assert_equal(list(shape), [rows, *full[1:]], name=f"rank {rank}'s local shard of {name} {full}",
                         hint="fully_shard shards dim 0 of every parameter over the mesh")


@pytest.mark.parametrize("world", [2, 3])
def test_local_numel(learner, tmp_path, world):
    """local_numel counts the elements this rank stores (66 in total, split ~1/W per rank: 40 + 26 on 2 ranks,
    not 66 on each)."""
    results = run_ranks(_layout_worker, world, tmp_path, learner, timeout=30.0)
    counts = [res["local_numel"] for res in results]
    expected = [sum(int(np.prod(s)) for s in res["local_shapes"].values()) for res in results]
    check(counts != [66] * world, "local_numel is 66 on every rank: that is the full model",
          hint="a DTensor's numel() is its global size; count p.to_local().numel()")
    assert_equal(counts, expected, name=f"local_numel on each of {world} ranks",
                 hint="sum p.to_local().numel() over model.parameters()")
    assert_equal(sum(counts), 66, name="local_numel summed over ranks", hint="the shards tile the parameters exactly")


def _grad_worker(rank, world, learner, x, y):
    model = _model()
    learner.apply_fsdp(model, init_device_mesh("cpu", (world,)))
    full_before = learner.gather_full_params(model)
    loss = nn.functional.mse_loss(model(x), y)  # the same full batch on every rank
    loss.backward()
    grads = {n: p.grad.full_tensor() for n, p in model.named_parameters()}
    return {"loss": loss.item(), "grads": grads, "params": full_before}


@pytest.mark.points(2)
def test_sharded_forward_backward_matches_unsharded(learner, tmp_path, seed):
    """The FSDP-sharded model's loss and gradients (gathered with full_tensor) equal the unsharded model's, and
    gather_full_params returns the full initial parameters, on 2 ranks."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(6, 5, generator=g), torch.randn(6, 3, generator=g)
    results = run_ranks(_grad_worker, 2, tmp_path, learner, x, y, timeout=30.0)
    ref = _model()
    loss = nn.functional.mse_loss(ref(x), y)
    loss.backward()
    for rank, res in enumerate(results):
        assert_close(res["loss"], loss.item(), rtol=1e-5, atol=1e-6, name=f"rank {rank}'s loss", hint="sharding "
                     "must not change the forward pass")
        for name, p in ref.named_parameters():
            check(name in res["params"], f"gather_full_params has no entry {name!r} (keys: {sorted(res['params'])})",
                  hint="key by model.named_parameters() names")
            assert_close(res["params"][name], p.detach(), rtol=0, atol=0, name=f"gather_full_params()[{name!r}] on rank {rank}",
                         hint="p.full_tensor() all-gathers the shards into the full parameter")
            assert_close(res["grads"][name], p.grad, rtol=1e-5, atol=1e-6, name=f"rank {rank}'s gradient of {name}",
                         hint="FSDP averages gradients over ranks; with the same batch everywhere that is the "
                              "unsharded gradient")


def _train_worker(rank, world, learner, x, y):
    return learner.train_fsdp(_model(), x, y, 0.3, 4)


@pytest.mark.points(3)
@pytest.mark.parametrize("world", [2, 3])
def test_training_matches_single_process(learner, tmp_path, seed, world):
    """4 SGD steps (lr 0.3, MSE) with FSDP on 2 or 3 ranks, each on its B/W rows, give the full-batch losses
    before each step and the final parameters of 4 full-batch SGD steps in one process."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(12, 5, generator=g), torch.randn(12, 3, generator=g)
    results = run_ranks(_train_worker, world, tmp_path, learner, x, y, timeout=30.0)
    ref = _model()
    opt = torch.optim.SGD(ref.parameters(), lr=0.3)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = nn.functional.mse_loss(ref(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for rank, res in enumerate(results):
        for name, p in ref.named_parameters():
            assert_close(res["params"][name], p.detach(), rtol=1e-5, atol=1e-6,
                         name=f"rank {rank} of {world}: {name} after 4 FSDP steps",
                         hint="build the optimizer AFTER fully_shard (it replaces the parameters with DTensors: an "
                              "optimizer built before holds the old tensors and updates nothing); each rank trains "
                              "on its own rows x[r*b:(r+1)*b]")
        assert_close(res["losses"], losses, rtol=1e-5, atol=1e-6, name=f"rank {rank}'s losses",
                     hint="the full-batch loss is the all-reduced sum of the ranks' mean losses divided by W, "
                          "recorded before each step")
