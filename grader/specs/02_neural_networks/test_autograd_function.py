"""Spec for 02_neural_networks/autograd_function.py: custom autograd Functions vs gradcheck and torch's built-in ops."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from grader.testing import assert_close, assert_equal, assert_shape, check

F64 = torch.float64
SOFTPLUS_HINT = ("log(1 + exp(x)) overflows to inf for x > 709 (float64) or x > 88 (float32); write it as "
                 "x.clamp(min=0) + torch.log1p(torch.exp(-x.abs())), which only exponentiates numbers <= 0")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _gradcheck(fn, inputs, what: str, hint: str) -> None:
    """torch.autograd.gradcheck, turning its exception into a teaching failure."""
    try:
        ok = torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)
    except Exception as exc:  # noqa: BLE001  (GradcheckError, or a shape error from a wrong backward)
        check(False, f"torch.autograd.gradcheck failed for {what}:\n{str(exc)[:1500]}", hint=hint)
    check(ok, f"torch.autograd.gradcheck returned False for {what}", hint=hint)


def test_softplus_values_by_hand(learner):
    """softplus(0) = log 2, softplus(log(e - 1)) = 1, and at x = -1000 / 1000 it is 0 / 1000: never inf or nan;
    the output keeps the input's shape and dtype."""
    x = torch.tensor([0.0, float(torch.log(torch.tensor(torch.e - 1.0, dtype=F64))), -1000.0, 1000.0], dtype=F64)
    y = learner.softplus(x)
    assert_shape(y, (4,), name="softplus(x)", hint="softplus works elementwise")
    check(y.dtype == F64, f"softplus returned {y.dtype} for a float64 input", hint="do not change the dtype")
    check(torch.isfinite(y).all(), f"softplus([0, log(e-1), -1000, 1000]) = {y.tolist()}: not finite", hint=SOFTPLUS_HINT)
    assert_close(y, [float(torch.log(torch.tensor(2.0, dtype=F64))), 1.0, 0.0, 1000.0], rtol=1e-12, atol=1e-300,
                 name="softplus([0, log(e-1), -1000, 1000])", hint=SOFTPLUS_HINT)
    y32 = learner.softplus(torch.tensor([100.0, -100.0, 0.0]))
    check(torch.isfinite(y32).all(), f"softplus in float32 at [100, -100, 0] gave {y32.tolist()}",
          hint="float32's exp overflows already at x = 89: " + SOFTPLUS_HINT)
    assert_close(y32, [100.0, 0.0, 0.6931472], name="softplus (float32) at [100, -100, 0]", hint=SOFTPLUS_HINT)


def test_softplus_matches_torch_and_keeps_tiny_values(learner, seed):
    """On float64 x in [-60, 20] softplus equals F.softplus to 1e-12 relative, including the tiny values
    softplus(-40) = 4.2e-18 that log(1 + e^x) rounds to 0; random shapes are kept."""
    x = torch.linspace(-60.0, 20.0, 161, dtype=F64)
    assert_close(learner.softplus(x), F.softplus(x, beta=1.0, threshold=50.0), rtol=1e-12, atol=0.0,
                 name="softplus(x) for x in [-60, 20]",
                 hint="use torch.log1p(torch.exp(-|x|)): log(1 + 1e-18) is exactly 0 in floating point, log1p is not")
    x = torch.randn(3, 4, 5, generator=_gen(seed), dtype=F64) * 10
    assert_close(learner.softplus(x), F.softplus(x, threshold=50.0), rtol=1e-12, atol=0.0,
                 name="softplus on a random (3, 4, 5) tensor", hint=SOFTPLUS_HINT)


def test_softplus_gradient(learner, seed):
    """d softplus / dx = sigmoid(x): exact at x = +-1000 (0 and 1, no nan), equal to torch.sigmoid on random x,
    and torch.autograd.gradcheck passes in float64."""
    x = torch.tensor([-1000.0, 0.0, 1000.0], dtype=F64, requires_grad=True)
    learner.softplus(x).sum().backward()
    check(x.grad is not None, "x.grad is None after backward", hint="StableSoftplus.backward must return dL/dx")
    assert_close(x.grad, [0.0, 0.5, 1.0], rtol=1e-12, atol=1e-300, name="softplus'(x) at [-1000, 0, 1000]",
                 hint="the derivative is torch.sigmoid(x) (stable); e^x / (1 + e^x) is inf / inf = nan at x = 1000")
    x = (torch.randn(4, 6, generator=_gen(seed), dtype=F64) * 5).requires_grad_()
    g = torch.randn(4, 6, generator=_gen(seed + 1), dtype=F64)
    learner.softplus(x).backward(g)
    assert_close(x.grad, g * torch.sigmoid(x.detach()), rtol=1e-12, atol=1e-15, name="x.grad for upstream grad g",
                 hint="backward returns grad_out * sigmoid(x): multiply by the incoming gradient (chain rule)")
    _gradcheck(learner.softplus, (torch.randn(5, generator=_gen(seed + 2), dtype=F64).requires_grad_(),),
               "softplus", hint="backward must return grad_out * sigmoid(x) for the x saved in forward")


def test_clamp_ste_forward_and_straight_through(learner, seed):
    """clamp_ste(x, lo, hi) equals torch.clamp in the forward pass, and its backward passes the upstream gradient
    through unchanged, also where x was clamped (the straight-through estimator)."""
    x = torch.tensor([-2.0, -1.0, 0.5, 1.0, 3.0], requires_grad=True)
    y = learner.clamp_ste(x, -1.0, 1.0)
    assert_equal(y.detach(), torch.tensor([-1.0, -1.0, 0.5, 1.0, 1.0]), name="clamp_ste([-2, -1, 0.5, 1, 3], -1, 1)",
                 hint="the forward pass is x.clamp(lo, hi)")
    g = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    y.backward(g)
    check(x.grad is not None, "x.grad is None after backward", hint="ClampSTE.backward must return a gradient for x")
    assert_equal(x.grad, g, name="x.grad through the straight-through clamp",
                 hint="straight-through means dL/dx = dL/dy everywhere: do not zero the gradient where x was "
                      "clamped (that is torch.clamp's own gradient); return (grad_out, None, None)")
    x = (torch.randn(3, 7, generator=_gen(seed), dtype=F64) * 3).requires_grad_()
    g = torch.randn(3, 7, generator=_gen(seed + 1), dtype=F64)
    y = learner.clamp_ste(x, -0.5, 2.0)
    assert_close(y, x.detach().clamp(-0.5, 2.0), rtol=0, atol=0, name="clamp_ste on random x")
    y.backward(g)
    assert_equal(x.grad, g, name="x.grad through the straight-through clamp (random x)",
                 hint="return grad_out unchanged for x and None for lo and hi")


def test_linear_forward_matches_F_linear(learner, seed):
    """linear(x, W, b) equals F.linear for 2-D and 3-D inputs, with and without a bias (float32 tolerances)."""
    g = _gen(seed)
    W, b = torch.randn(4, 3, generator=g), torch.randn(4, generator=g)
    x = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, -1.0]])
    assert_close(learner.linear(x, W, b), x @ W.T + b, name="linear(x, W, b) on a hand-picked x",
                 hint="y = x @ W.T + b: W has shape (out, in), so it is transposed")
    for shape in [(6, 3), (2, 5, 3)]:
        x = torch.randn(*shape, generator=g)
        y = learner.linear(x, W, b)
        assert_shape(y, (*shape[:-1], 4), name=f"linear(x of shape {shape}, W (4, 3), b)",
                     hint="only the last dimension changes, from in to out")
        assert_close(y, F.linear(x, W, b), name=f"linear vs F.linear, x {shape}")
        assert_close(learner.linear(x, W), F.linear(x, W), name=f"linear without a bias, x {shape}",
                     hint="bias=None means y = x @ W.T with nothing added")


def _ref_grads(x, W, b, g):
    xs = [t.detach().clone().requires_grad_() for t in (x, W, b)]
    F.linear(*xs).backward(g)
    return [t.grad if t is not None else None for t in xs]


def _learner_grads(learner, x, W, b, g):
    xs = [t.detach().clone().requires_grad_() for t in (x, W, b)]
    learner.linear(*xs).backward(g)
    return [t.grad for t in xs]


def test_linear_gradients_match_autograd_and_gradcheck(learner, seed):
    """linear's gradients for x, W and b equal those autograd finds through F.linear, for 2-D and 3-D x (dL/dW and
    dL/db sum over every leading dimension); gradcheck passes in float64 with and without a bias."""
    g = _gen(seed)
    W, b = torch.randn(4, 3, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64)
    for shape in [(6, 3), (2, 5, 3)]:
        x = torch.randn(*shape, generator=g, dtype=F64)
        up = torch.randn(*shape[:-1], 4, generator=g, dtype=F64)
        got, want = _learner_grads(learner, x, W, b, up), _ref_grads(x, W, b, up)
        for name, a, e, hint in [
            ("dL/dx", got[0], want[0], "dL/dx = grad_out @ W, shape (..., in)"),
            ("dL/dW", got[1], want[1], "dL/dW = g2.T @ x2 with g2 = grad_out.reshape(-1, out) and x2 = "
                                       "x.reshape(-1, in): sum over every leading position, not just the first"),
            ("dL/db", got[2], want[2], "dL/db sums grad_out over every leading dimension (a sum, not a mean)"),
        ]:
            check(a is not None, f"{name} is None for x of shape {shape}",
                  hint="backward must return a gradient for every input whose needs_input_grad is True")
            assert_close(a, e, rtol=1e-10, atol=1e-12, name=f"{name} for x of shape {shape}", hint=hint)
    x = torch.randn(3, 2, 3, generator=g, dtype=F64).requires_grad_()
    Wg, bg = W.clone().requires_grad_(), b.clone().requires_grad_()
    _gradcheck(learner.linear, (x, Wg, bg), "linear(x, W, b) with x of shape (3, 2, 3)",
               hint="return (grad_out @ W, g2.T @ x2, grad_out summed over the leading dims)")
    _gradcheck(lambda x, W: learner.linear(x, W, None), (x, Wg), "linear(x, W) without a bias",
               hint="with bias=None, return None as its gradient")


def test_needs_input_grad_skips_unneeded_gradients(learner, seed):
    """With some inputs frozen (requires_grad=False), backward returns None for them instead of computing a
    gradient nobody asked for (read from the graph node's own backward: y.grad_fn.apply(grad_out))."""
    g = _gen(seed)
    x0, W0, b0 = torch.randn(8, 5, generator=g), torch.randn(6, 5, generator=g), torch.randn(6, generator=g)
    hint = ("check ctx.needs_input_grad[i] before computing input i's gradient and return None when it is False: "
            "data x and a frozen W need no gradient, and computing one anyway costs a whole matrix product")
    for flags in [(False, True, True), (True, False, True), (False, False, True), (True, True, False)]:
        x, W, b = (t.clone().requires_grad_(f) for t, f in zip((x0, W0, b0), flags))
        y = learner.linear(x, W, b)
        raw = y.grad_fn.apply(torch.ones_like(y))
        check(isinstance(raw, tuple) and len(raw) == 3,
              f"LinearFunction.backward returned {type(raw).__name__} of length {len(raw) if isinstance(raw, tuple) else '?'}",
              hint="return a tuple with one entry per forward input: (grad_x, grad_W, grad_b)")
        names = [n + (" (needed)" if f else " (frozen)") for n, f in zip(("x", "W", "b"), flags)]
        for name, f, r in zip(names, flags, raw):
            if f:
                check(r is not None, f"backward returned None for {name}", hint="compute it when needs_input_grad is True")
            else:
                check(r is None, f"backward computed a gradient for {name}, whose requires_grad is False "
                      f"(requires_grad of x, W, b = {flags})", hint=hint)


def test_tensors_saved_with_save_for_backward(learner, seed):
    """Tensors reach backward through ctx.save_for_backward (not as ctx attributes): the graph node holds no tensor
    attributes, and modifying a saved input in place before backward raises autograd's version-counter error."""
    g = _gen(seed)
    W = torch.randn(4, 3, generator=g, requires_grad=True)
    b = torch.randn(4, generator=g, requires_grad=True)
    for name, make in [("linear", lambda x: learner.linear(x, W, b)), ("softplus", learner.softplus)]:
        base = torch.randn(5, 3, generator=g, requires_grad=True)
        x = base * 1.0  # a non-leaf, so it may be modified in place
        y = make(x)
        node = y.grad_fn
        check(node is not None, f"{name}'s output has no grad_fn", hint="call the Function through .apply")
        stored = [k for k, v in vars(node).items() if isinstance(v, torch.Tensor)]
        check(not stored, f"{name}'s ctx holds tensors as attributes: {stored}",
              hint="keep tensors with ctx.save_for_backward(...) and read them with ctx.saved_tensors; ctx.x = x "
                   "skips autograd's in-place check and can leak memory (plain numbers on ctx are fine)")
        check(len(node.saved_tensors) >= 1, f"{name} saved no tensors, but its backward needs its input",
              hint="ctx.save_for_backward(x) in forward")
        x.add_(1.0)  # invalidates the saved x
        try:
            y.sum().backward()
        except RuntimeError as exc:
            check("inplace" in str(exc) or "modified" in str(exc), f"unexpected error: {exc}")
        else:
            check(False, f"{name}: modifying the saved input in place before backward went unnoticed",
                  hint="tensors saved with ctx.save_for_backward are version-checked; ctx attributes are not")
