"""Spec for 04_llms/tensor_parallel.py: f/g/gather autograd collectives, column/row-parallel Linear, parallel MLP on gloo."""

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


def test_shard_slice_by_hand(learner):
    """shard_slice(8, 1, 2) == slice(4, 8); shard_slice(8, r, 4) == slice(2r, 2r + 2); 6 over 4 ranks raises ValueError."""
    for n, world in [(8, 2), (8, 4), (6, 3), (5, 1)]:
        for r in range(world):
            got = np.arange(n)[learner.shard_slice(n, r, world)]
            size = n // world
            assert_equal(got, np.arange(r * size, (r + 1) * size), name=f"indices of shard_slice({n}, {r}, {world})",
                         hint="rank r owns the contiguous block [r * n/W, (r + 1) * n/W)")
    with pytest.raises(ValueError):
        learner.shard_slice(6, 0, 4)


class _CountAllReduce:
    """Counts dist.all_reduce calls made while active (patched on the torch.distributed module)."""

    def __enter__(self):
        self.calls, self.real = 0, dist.all_reduce

        def counting(*a, **k):
            self.calls += 1
            return self.real(*a, **k)

        dist.all_reduce = counting
        return self

    def __exit__(self, *exc):
        dist.all_reduce = self.real


def _collectives_worker(rank, world, learner, x_all, g_all, which):
    x = x_all[rank].clone().requires_grad_(True)
    x_before = x.detach().clone()
    fn = {"reduce": learner.reduce_from_parallel, "copy": learner.copy_to_parallel,
          "gather": learner.gather_from_parallel}[which]
    y = fn(x)
    g = g_all[rank]  # the upstream gradient, different on every rank
    g_before = g.clone()
    y.backward(g)
    return {"y": y.detach(), "grad": x.grad, "x_changed": not torch.equal(x.detach(), x_before),
            "g_changed": not torch.equal(g, g_before)}


def _xg(world, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(world, 3, 4, generator=gen), torch.randn(world, 3, 4, generator=gen)


def test_reduce_from_parallel(learner, tmp_path, seed):
    """reduce_from_parallel: forward gives every rank the sum of the ranks' inputs (without changing its input);
    backward passes the incoming gradient through unchanged (identity), on 2 ranks."""
    x_all, g_all = _xg(2, seed)
    for rank, res in enumerate(run_ranks(_collectives_worker, 2, tmp_path, learner, x_all, g_all, "reduce")):
        assert_close(res["y"], x_all.sum(0), rtol=1e-6, atol=1e-6, name=f"rank {rank}: reduce_from_parallel(x)",
                     hint="forward is an all_reduce with SUM: y = x_0 + x_1 on every rank")
        check(not res["x_changed"], f"rank {rank}: reduce_from_parallel changed its input x in place",
              hint="dist.all_reduce works in place: all-reduce a clone of x and return it")
        assert_close(res["grad"], g_all[rank], rtol=1e-6, atol=1e-6, name=f"rank {rank}: x.grad through reduce_from_parallel",
                     hint="backward of g is the identity: y = sum_r x_r, so dL/dx_r = dL/dy, which every rank "
                          "already holds; all-reducing it again would multiply the gradient by W")


def test_copy_to_parallel(learner, tmp_path, seed):
    """copy_to_parallel: forward is the identity; backward all-reduces (sums) the gradients of the ranks."""
    x_all, g_all = _xg(2, seed)
    for rank, res in enumerate(run_ranks(_collectives_worker, 2, tmp_path, learner, x_all, g_all, "copy")):
        assert_close(res["y"], x_all[rank], rtol=0, atol=0, name=f"rank {rank}: copy_to_parallel(x)",
                     hint="forward of f is the identity")
        assert_close(res["grad"], g_all.sum(0), rtol=1e-6, atol=1e-6, name=f"rank {rank}: x.grad through copy_to_parallel",
                     hint="backward of f all-reduces (SUM) the gradient: each rank's shard of the next layer "
                          "contributed part of dL/dx")
        check(not res["g_changed"], f"rank {rank}: copy_to_parallel's backward changed the incoming gradient in place",
              hint="dist.all_reduce works in place: all-reduce grad.clone(), not the gradient autograd handed you")


def test_gather_from_parallel(learner, tmp_path, seed):
    """gather_from_parallel: forward concatenates the ranks' (3, 4) inputs along the last dim in rank order,
    giving (3, 8); backward hands each rank its own columns of the gradient."""
    x_all, _ = _xg(2, seed)
    g_all = torch.randn(2, 3, 8, generator=torch.Generator().manual_seed(seed + 1))  # (W, 3, W * 4)
    for rank, res in enumerate(run_ranks(_collectives_worker, 2, tmp_path, learner, x_all, g_all, "gather")):
        assert_close(res["y"], torch.cat(list(x_all), dim=-1), rtol=0, atol=0, name=f"rank {rank}: gather_from_parallel(x)",
                     hint="all_gather into a list of W tensors, then torch.cat(..., dim=-1)")
        assert_close(res["grad"], g_all[rank][..., rank * 4:(rank + 1) * 4], rtol=0, atol=0,
                     name=f"rank {rank}: x.grad through gather_from_parallel",
                     hint="backward keeps this rank's slice of the gradient's last dim: grad[..., r*n:(r+1)*n]")


def _full_layers(seed):
    torch.manual_seed(1000 + seed)
    return nn.Linear(8, 12), nn.Linear(12, 8)


def _layer_worker(rank, world, learner, seed, kind, flag, x, g):
    lin1, lin2 = _full_layers(seed)
    x = x.clone().requires_grad_(True)
    with _CountAllReduce() as count:
        if kind == "column":
            layer = learner.ColumnParallelLinear(lin1, gather_output=flag)
            inp = x
        elif kind == "row":
            layer = learner.RowParallelLinear(lin2, input_is_parallel=flag)
            inp = x[..., rank * 12 // world:(rank + 1) * 12 // world] if flag else x
        else:
            layer = learner.ParallelMLP(lin1, lin2)
            inp = x
        fwd_before = count.calls
        y = layer(inp)
        fwd = count.calls - fwd_before
        gg = g if (kind != "column" or flag) else g[..., rank * 12 // world:(rank + 1) * 12 // world]
        (y * gg).sum().backward()
        bwd = count.calls - fwd_before - fwd
    return {"y": y.detach(), "x_grad": x.grad, "fwd": fwd, "bwd": bwd,
            "grads": {n: p.grad for n, p in layer.named_parameters()},
            "names": [n for n, _ in layer.named_parameters()]}


def _ref(seed, kind, x, g):
    lin1, lin2 = _full_layers(seed)
    x = x.clone().requires_grad_(True)
    model = {"column": lin1, "row": lin2, "mlp": nn.Sequential(lin1, nn.GELU(), lin2)}[kind]
    y = model(x)
    (y * g).sum().backward()
    return y.detach(), x.grad, lin1, lin2


def _inputs(seed, d_in, d_out):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(2, 3, d_in, generator=gen), torch.randn(2, 3, d_out, generator=gen)


@pytest.mark.points(2)
@pytest.mark.parametrize("world,gather", [(2, True), (4, True), (2, False)])
def test_column_parallel_linear(learner, tmp_path, seed, world, gather):
    """ColumnParallelLinear(nn.Linear(8, 12)) on 2 or 4 ranks: the (gathered) output equals the full layer's (or, with
    gather_output=False, this rank's 12/W output columns); weight.grad / bias.grad equal the full layer's gradient
    rows for this rank; x.grad equals the full dL/dx."""
    x, g = _inputs(seed, 8, 12)
    results = run_ranks(_layer_worker, world, tmp_path, learner, seed, "column", gather, x, g)
    y, x_grad, lin1, _ = _ref(seed, "column", x, g)
    for rank, res in enumerate(results):
        rows = slice(rank * 12 // world, (rank + 1) * 12 // world)
        assert_close(res["y"], y if gather else y[..., rows], rtol=1e-5, atol=1e-6,
                     name=f"rank {rank} of {world}: ColumnParallelLinear output (gather_output={gather})",
                     hint="rank r holds weight rows (output features) [r*out/W, (r+1)*out/W) and the same bias "
                          "entries; gather the (..., out/W) outputs along the last dim only when gather_output")
        check(set(res["names"]) == {"weight", "bias"}, f"rank {rank}: parameters are {res['names']}",
              hint="keep the slices as nn.Parameters named weight and bias")
        assert_close(res["grads"]["weight"], lin1.weight.grad[rows], rtol=1e-5, atol=1e-6,
                     name=f"rank {rank}: ColumnParallelLinear weight.grad", hint="the weight slice is weight[rows], rows of the "
                     "(out, in) matrix")
        assert_close(res["grads"]["bias"], lin1.bias.grad[rows], rtol=1e-5, atol=1e-6,
                     name=f"rank {rank}: ColumnParallelLinear bias.grad", hint="the bias is split like the output features")
        assert_close(res["x_grad"], x_grad, rtol=1e-5, atol=1e-6, name=f"rank {rank}: x.grad through ColumnParallelLinear",
                     hint="pass x through copy_to_parallel first: each rank's slice only gives part of dL/dx, "
                          "and the backward all_reduce sums the parts")


@pytest.mark.points(2)
@pytest.mark.parametrize("world,parallel_input", [(2, False), (4, False), (2, True)])
def test_row_parallel_linear(learner, tmp_path, seed, world, parallel_input):
    """RowParallelLinear(nn.Linear(12, 8)) on 2 or 4 ranks, fed the full x or (input_is_parallel) its 12/W input
    columns: the output equals the full layer's on every rank, the bias counted once; weight.grad equals the full
    gradient's columns for this rank, bias.grad the full bias gradient; x.grad (full input) equals dL/dx."""
    x, g = _inputs(seed, 12, 8)
    results = run_ranks(_layer_worker, world, tmp_path, learner, seed, "row", parallel_input, x, g)
    y, x_grad, _, lin2 = _ref(seed, "row", x, g)
    for rank, res in enumerate(results):
        cols = slice(rank * 12 // world, (rank + 1) * 12 // world)
        assert_close(res["y"], y, rtol=1e-5, atol=1e-6, name=f"rank {rank} of {world}: RowParallelLinear output",
                     hint="all-reduce the partial products x_r @ weight_r.T, THEN add the full bias once (adding it "
                          "before the all_reduce counts it W times)")
        assert_close(res["grads"]["weight"], lin2.weight.grad[:, cols], rtol=1e-5, atol=1e-6,
                     name=f"rank {rank}: RowParallelLinear weight.grad", hint="the weight slice is weight[:, cols], "
                     "the input-feature columns of rank r")
        assert_close(res["grads"]["bias"], lin2.bias.grad, rtol=1e-5, atol=1e-6, name=f"rank {rank}: RowParallelLinear bias.grad",
                     hint="every rank holds the full bias and adds it after the reduction; reduce_from_parallel's "
                          "backward is the identity")
        expected_xg = x_grad[..., cols] if parallel_input else x_grad
        got_xg = res["x_grad"][..., cols] if parallel_input else res["x_grad"]
        assert_close(got_xg, expected_xg, rtol=1e-5, atol=1e-6, name=f"rank {rank}: x.grad through RowParallelLinear",
                     hint="with a full input, slice it after copy_to_parallel so the ranks' column gradients are "
                          "summed into the full dL/dx")


@pytest.mark.points(3)
@pytest.mark.parametrize("world", [2, 4])
def test_parallel_mlp(learner, tmp_path, seed, world):
    """ParallelMLP(fc1 (8 -> 12), fc2 (12 -> 8)) on 2 or 4 ranks equals fc2(gelu(fc1(x))) in output, x.grad and
    every parameter gradient slice, with exactly one dist.all_reduce in forward and one in backward."""
    x, g = _inputs(seed, 8, 8)
    results = run_ranks(_layer_worker, world, tmp_path, learner, seed, "mlp", None, x, g)
    y, x_grad, lin1, lin2 = _ref(seed, "mlp", x, g)
    for rank, res in enumerate(results):
        h = slice(rank * 12 // world, (rank + 1) * 12 // world)
        assert_close(res["y"], y, rtol=1e-5, atol=1e-6, name=f"rank {rank} of {world}: ParallelMLP output",
                     hint="fc1 column-parallel WITHOUT gathering, GELU on the local hidden slice, fc2 row-parallel "
                          "with input_is_parallel=True")
        assert_close(res["x_grad"], x_grad, rtol=1e-5, atol=1e-6, name=f"rank {rank}: x.grad through ParallelMLP")
        expected = {"fc1.weight": lin1.weight.grad[h], "fc1.bias": lin1.bias.grad[h], "fc2.weight": lin2.weight.grad[:, h],
                    "fc2.bias": lin2.bias.grad}
        for name, e in expected.items():
            check(name in res["grads"], f"rank {rank}: ParallelMLP has no parameter {name!r} ({sorted(res['grads'])})",
                  hint="keep the two layers as self.fc1 and self.fc2")
            assert_close(res["grads"][name], e, rtol=1e-5, atol=1e-6, name=f"rank {rank}: ParallelMLP {name}.grad")
        assert_equal(res["fwd"], 1, name="dist.all_reduce calls in ParallelMLP's forward",
                     hint="do not gather fc1's output: the only forward collective is fc2's all_reduce")
        assert_equal(res["bwd"], 1, name="dist.all_reduce calls in ParallelMLP's backward",
                     hint="the only backward collective is copy_to_parallel's, at fc1's input")
