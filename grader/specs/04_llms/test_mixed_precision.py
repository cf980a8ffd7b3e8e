"""Spec for 04_llms/mixed_precision.py: fp16 range, a dynamic loss scaler equal to torch.amp.GradScaler("cpu"), a bf16 autocast step."""

from __future__ import annotations

import warnings

import pytest
import torch

from grader.testing import assert_close, assert_equal, check

warnings.filterwarnings("ignore", message=".*GradScaler.*")


def _params(g, n=3):
    return [torch.nn.Parameter(torch.randn(4, generator=g)) for _ in range(n)]


def _set_grads(params, grads):
    for p, gr in zip(params, grads):
        p.grad = gr.clone()


def test_fp16_roundtrip(learner):
    """Small gradients underflow in float16 without a loss scale and survive with one; too large a scale overflows to inf."""
    x = torch.tensor([1e-8, 3e-7, 1.0, 1000.0])
    got = learner.fp16_roundtrip(x)
    check(got[0].item() == 0.0, f"fp16_roundtrip(1e-8) = {got[0].item()}, expected 0 (below float16's smallest subnormal)",
          hint="cast x * scale to torch.float16 and back to float32, then divide by scale")
    assert_close(got[2:], x[2:], rtol=1e-3, name="fp16_roundtrip([1, 1000])")
    got = learner.fp16_roundtrip(x, 2.0**12)
    assert_close(got[:3], x[:3], rtol=1e-2, name="fp16_roundtrip([1e-8, 3e-7, 1], scale=2**12)",
                 hint="scale BEFORE the cast to float16 and unscale after it, in float32")
    check(torch.isinf(got[3]).item(), f"fp16_roundtrip(1000, scale=2**12) = {got[3].item()}, expected inf (4.1e6 > 65504)")
    check(got.dtype == torch.float32, f"fp16_roundtrip returned {got.dtype}", hint="return float32")


def test_scale_and_unscale_by_hand(learner):
    """scale multiplies the loss by S; unscale_ divides every gradient by S and flags inf/nan; a second unscale_ is an error."""
    s = learner.DynamicLossScaler(init_scale=8.0)
    assert_close(s.scale(torch.tensor(1.5)), 12.0, atol=0, name="scale(1.5) with S = 8")
    p1, p2, p3 = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    p1.grad, p2.grad = torch.tensor([8.0, -16.0]), torch.tensor([4.0, 0.0])  # p3 has no gradient
    opt = torch.optim.SGD([{"params": [p1]}, {"params": [p2, p3]}], lr=1.0)
    s.unscale_(opt)
    assert_close(p1.grad, [1.0, -2.0], atol=0, name="p1.grad after unscale_", hint="multiply the gradients by 1/S in place")
    assert_close(p2.grad, [0.5, 0.0], atol=0, name="p2.grad (second param group)", hint="visit every param group's params")
    with pytest.raises(RuntimeError):
        s.unscale_(opt)


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), -float("inf")])
def test_skip_and_back_off(learner, bad):
    """A step with an inf or nan gradient is skipped (weights and optimizer state unchanged), S is halved, the tracker reset."""
    s = learner.DynamicLossScaler(init_scale=1024.0, growth_interval=3)
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0, 2.0, 3.0])
    check(s.step(opt) is True, "step() with finite gradients should return True")
    s.update()
    before = p.detach().clone()
    p.grad = torch.tensor([1.0, bad, 3.0])
    stepped = s.step(opt)
    check(stepped is False, f"step() with a {bad} gradient returned {stepped}, expected False",
          hint="after unscale_, if any gradient is inf or nan, do not call optimizer.step()")
    assert_equal(p.detach(), before, name="weights after a skipped step", hint="skip optimizer.step() when found_inf")
    check(opt.state[p]["step"].item() == 1, "Adam's step count changed on a skipped step", hint="do not call optimizer.step()")
    s.update()
    assert_close(s.get_scale(), 512.0, atol=0, name="scale after an overflow", hint="S *= backoff_factor when found_inf")
    check(s.growth_tracker == 0, f"growth_tracker is {s.growth_tracker} after an overflow, expected 0",
          hint="an overflow resets the count of good steps")


def test_growth_by_hand(learner):
    """With growth_interval=2 and found_inf = F, T, F, F, F, F the scales after update() are 8, 4, 4, 8, 8, 16."""
    s = learner.DynamicLossScaler(init_scale=8.0, growth_interval=2)
    p = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([p], lr=0.0)
    scales = []
    for bad in [False, True, False, False, False, False]:
        p.grad = torch.tensor([float("inf") if bad else 1.0])
        s.step(opt)
        s.update()
        scales.append(s.get_scale())
    check(scales == [8.0, 4.0, 4.0, 8.0, 8.0, 16.0], f"scales {scales}, expected [8, 4, 4, 8, 8, 16]",
          hint="grow only after growth_interval CONSECUTIVE good steps (reset the tracker on overflow and after growing)")


def test_trajectory_matches_torch_grad_scaler(learner, seed):
    """40 steps of SGD with momentum, random inf/nan gradients, and unscale_ + grad clipping on some steps:
    scale, growth tracker and weights equal torch.amp.GradScaler("cpu")'s at every step."""
    g = torch.Generator().manual_seed(seed)
    kw = dict(init_scale=2.0**10, growth_factor=2.0, backoff_factor=0.5, growth_interval=4)
    mine, ref = learner.DynamicLossScaler(**kw), torch.amp.GradScaler("cpu", **kw)
    pa = _params(g)
    pb = [torch.nn.Parameter(p.detach().clone()) for p in pa]
    oa, ob = torch.optim.SGD(pa, lr=0.05, momentum=0.9), torch.optim.SGD(pb, lr=0.05, momentum=0.9)
    for step in range(40):
        grads = [torch.randn(4, generator=g) * 1024 for _ in pa]
        r = torch.rand(1, generator=g).item()
        if r < 0.2:
            grads[1][2] = float("inf")
        elif r < 0.3:
            grads[0][0] = float("nan")
        clip = torch.rand(1, generator=g).item() < 0.3
        for params, opt, scaler in ((pa, oa, mine), (pb, ob, ref)):
            scaler.scale(torch.ones(()))  # GradScaler sets itself up on its first scale() call
            _set_grads(params, [gr * scaler.get_scale() / 1024 for gr in grads])
            if clip:
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(params, 1e6)
            scaler.step(opt)
            scaler.update()
        assert_close(mine.get_scale(), ref.get_scale(), atol=0, name=f"scale after step {step}",
                     hint="found_inf -> S *= backoff, tracker = 0; else tracker += 1 and grow when it reaches growth_interval")
        check(mine.growth_tracker == int(ref._get_growth_tracker()),
              f"growth_tracker after step {step} is {mine.growth_tracker}, GradScaler's is {int(ref._get_growth_tracker())}")
        for a, b in zip(pa, pb):
            assert_close(a, b, rtol=1e-6, atol=1e-6, name=f"weights after step {step}",
                         hint="step() must not unscale again when unscale_() was already called this step, and update() "
                              "must reset that flag for the next step")


def test_autocast_step(learner, seed):
    """mixed_precision_step: a bf16 autocast forward, fp32 master weights and loss; 6 steps equal the same loop written with
    torch.autocast + torch.amp.GradScaler("cpu")."""
    torch.manual_seed(seed)
    model_a = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    model_b = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    model_b.load_state_dict(model_a.state_dict())
    seen = []
    model_a[2].register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    oa, ob = torch.optim.AdamW(model_a.parameters(), lr=1e-2), torch.optim.AdamW(model_b.parameters(), lr=1e-2)
    sa = learner.DynamicLossScaler(init_scale=2.0**8, growth_interval=2)
    sb = torch.amp.GradScaler("cpu", init_scale=2.0**8, growth_interval=2)
    loss_fn = torch.nn.functional.cross_entropy
    g = torch.Generator().manual_seed(seed)
    for step in range(6):
        x, y = torch.randn(32, 8, generator=g), torch.randint(0, 3, (32,), generator=g)
        loss_a, stepped = learner.mixed_precision_step(model_a, loss_fn, x, y, oa, sa)
        ob.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = model_b(x)
        loss_b = loss_fn(out.float(), y)
        sb.scale(loss_b).backward()
        sb.step(ob)
        sb.update()
        check(seen[-1] == torch.bfloat16, f"the last Linear produced {seen[-1]} inside the step",
              hint="run the forward pass under torch.autocast('cpu', dtype=torch.bfloat16)")
        check(loss_a.dtype == torch.float32, f"the returned loss is {loss_a.dtype}", hint="compute the loss on out.float()")
        assert_close(loss_a, loss_b.detach(), rtol=1e-6, atol=1e-6, name=f"loss at step {step}",
                     hint="return the UNSCALED loss (before scaler.scale)")
        check(stepped is True, "a bf16 step should never overflow")
    for (name, a), b in zip(model_a.named_parameters(), model_b.parameters()):
        check(a.dtype == torch.float32, f"{name} is {a.dtype} after training", hint="never cast the model: autocast casts per op")
        assert_close(a, b, rtol=1e-5, atol=1e-6, name=f"{name} after 6 steps",
                     hint="zero_grad, autocast forward, fp32 loss, scaler.scale(loss).backward(), scaler.step(opt), scaler.update()")
    assert_close(sa.get_scale(), sb.get_scale(), atol=0, name="final scale")
