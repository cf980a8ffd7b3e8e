"""Spec for 01_foundations/autodiff.py: a scalar reverse-mode autodiff engine, checked against torch.autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.testing import assert_close, assert_equal, check

ACCUMULATE_HINT = ("every _backward must ADD into .grad (self.grad += ...), never assign: a value used twice "
                   "(a * a, or a used by two operations) must receive both contributions")
ORDER_HINT = ("call _backward on the nodes in REVERSE topological order, each exactly once: a node passes its "
              "gradient back only after every node that uses it has added its share (a plain DFS/BFS from the "
              "output visits a shared node too early or twice)")
CHAIN_HINT = "each local derivative must be multiplied by out.grad (the chain rule), not used on its own"


# --------------------------------------------------------------------- helpers


def _run_both(learner, expr, xs):
    """Evaluate expr on learner Values and on float64 torch tensors; backprop both.

    expr(leaves) may only use +, -, *, /, ** (number), .exp(), .log(), .tanh(), .relu(), which both types share.
    Returns (out_value, leaves, torch_out, torch_grads).
    """
    leaves = [learner.Value(float(x)) for x in xs]
    out = expr(leaves)
    check(isinstance(out, learner.Value), f"the expression returned {type(out).__name__}, not a Value.",
          hint="every operation must return a new Value (did an operator return None or a float?)")
    out.backward()
    tleaves = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in xs]
    tout = expr(tleaves)
    tout.backward()
    tgrads = [0.0 if t.grad is None else t.grad.item() for t in tleaves]
    return out, leaves, tout.item(), tgrads


def _compare(learner, expr, xs, what, hint, rtol=1e-9, atol=1e-12):
    out, leaves, tval, tgrads = _run_both(learner, expr, xs)
    assert_close(out.data, tval, rtol=rtol, atol=atol, name=f"{what}: the output's .data",
                 hint="the forward value is wrong; check each operation's arithmetic")
    assert_close([v.grad for v in leaves], tgrads, rtol=rtol, atol=atol,
                 name=f"{what}: the inputs' .grad (torch.autograd is the reference)", hint=hint)


def _mlp(leaves):
    """A 2-3-1 MLP (tanh hidden layer, linear output) on 4 samples with a squared-error loss: 13 parameters,
    each used once per sample. leaves = 13 parameters; the data is fixed."""
    W1, b1, W2, b2 = leaves[0:6], leaves[6:9], leaves[9:12], leaves[12]
    X = [(0.5, -1.0), (1.5, 0.3), (-0.7, 0.8), (0.1, 0.1)]
    Y = [1.0, -1.0, 0.5, 0.0]
    loss = 0.0
    for (x0, x1), y in zip(X, Y):
        h = [(W1[2 * j] * x0 + W1[2 * j + 1] * x1 + b1[j]).tanh() for j in range(3)]
        pred = h[0] * W2[0] + h[1] * W2[1] + h[2] * W2[2] + b2
        loss = loss + (pred - y) ** 2
    return loss / len(X)


# --------------------------------------------------------------------- tests


def test_forward_values_by_hand(learner):
    """With a = 2 and b = -3: a + b, a * b, a ** 3, a - b, a / b, 1 / a, 2 - a, 3 * a, -a, exp, log, tanh and relu
    give the right numbers as Values."""
    a, b = learner.Value(2.0), learner.Value(-3.0)
    cases = [
        ("a + b", lambda: a + b, -1.0), ("a * b", lambda: a * b, -6.0), ("a ** 3", lambda: a ** 3, 8.0),
        ("a - b", lambda: a - b, 5.0), ("a / b", lambda: a / b, -2.0 / 3.0), ("1 / a", lambda: 1 / a, 0.5),
        ("2 - a", lambda: 2 - a, 0.0), ("3 * a", lambda: 3 * a, 6.0), ("a + 1", lambda: a + 1, 3.0),
        ("-a", lambda: -a, -2.0), ("a.exp()", lambda: a.exp(), math.exp(2.0)), ("a.log()", lambda: a.log(), math.log(2.0)),
        ("b.tanh()", lambda: b.tanh(), math.tanh(-3.0)), ("b.relu()", lambda: b.relu(), 0.0), ("a.relu()", lambda: a.relu(), 2.0),
    ]
    for what, fn, expected in cases:
        got = fn()
        check(isinstance(got, learner.Value), f"{what} returned {type(got).__name__}, not a Value.",
              hint="each operation builds and returns a new Value(result, (inputs...), op); numbers on either side are "
                   "wrapped with _as_value")
        assert_close(got.data, expected, rtol=1e-12, atol=1e-12, name=f"({what}).data", hint="the forward arithmetic")
    check(a.data == 2.0 and b.data == -3.0, "an operation changed its inputs' .data.",
          hint="build a new Value for the result; never modify self or other")


def test_worked_example(learner):
    """The docstring's example: L = a * b + a with a = 2, b = -3 gives a.grad = -2, b.grad = 2, c.grad = 1."""
    a, b = learner.Value(2.0), learner.Value(-3.0)
    c = a * b
    L = c + a
    L.backward()
    assert_close(L.grad, 1.0, name="L.grad", hint="backward starts by setting the output's grad to 1 (dL/dL)")
    assert_close(c.grad, 1.0, name="c.grad", hint="the addition passes out.grad unchanged to both inputs")
    assert_close(b.grad, 2.0, name="b.grad", hint="d(a*b)/db = a, times out.grad")
    assert_close(a.grad, -2.0, name="a.grad",
                 hint="a is used twice: -3 through the product plus 1 through the sum. " + ACCUMULATE_HINT)


OPS = {
    "a + b": lambda a, b: a + b,
    "a * b": lambda a, b: a * b,
    "a ** 3": lambda a, b: a ** 3 + b,
    "a ** -2": lambda a, b: a ** -2 + b,
    "a ** 0.5": lambda a, b: a ** 0.5 + b,
    "a - b": lambda a, b: a - b,
    "a / b": lambda a, b: a / b,
    "2.5 / a - b": lambda a, b: 2.5 / a - b,
    "a.exp()": lambda a, b: a.exp() + b,
    "a.log()": lambda a, b: a.log() + b,
    "a.tanh()": lambda a, b: a.tanh() + b,
    "a.relu() (a > 0)": lambda a, b: a.relu() + b,
    "(-a).relu() (-a < 0)": lambda a, b: (-a).relu() + b,
}


@pytest.mark.points(2)
@pytest.mark.parametrize("op", list(OPS))
def test_each_operation_matches_torch(learner, rng, op):
    """For each operation, L = 1.7 * op(a, b) on random positive a, b: the value and dL/da, dL/db equal torch's.
    The factor 1.7 makes out.grad != 1, so a local derivative that forgets the chain-rule factor shows."""
    a, b = rng.uniform(0.5, 2.0, size=2)
    hint = {
        "a ** 3": "d(a ** n)/da = n * a ** (n - 1), times out.grad",
        "a ** -2": "d(a ** n)/da = n * a ** (n - 1), also for negative n (division uses a ** -1)",
        "a ** 0.5": "d(a ** n)/da = n * a ** (n - 1), also for fractional n",
        "a / b": "a / b is a * b ** -1: check __mul__ and __pow__ (n * a ** (n - 1) with n = -1)",
        "2.5 / a - b": "2.5 / a is 2.5 * a ** -1: check __pow__; - b is b * -1: check __mul__",
        "a.exp()": "d(e^a)/da = e^a, which is out.data",
        "a.log()": "d(log a)/da = 1 / a (self.data, not out.data)",
        "a.tanh()": "d(tanh a)/da = 1 - tanh(a)^2 = 1 - out.data ** 2",
        "a.relu() (a > 0)": "relu passes the gradient through where its input is > 0",
        "(-a).relu() (-a < 0)": "relu passes nothing back where its input is <= 0",
    }.get(op, "")
    _compare(learner, lambda v: 1.7 * OPS[op](v[0], v[1]), [a, b], f"L = 1.7 * ({op})",
             hint=(hint + ". " if hint else "") + CHAIN_HINT)


@pytest.mark.points(2)
def test_reused_nodes_get_every_contribution(learner, rng):
    """A node used more than once receives the sum of its gradients: a * a, a + a, and an intermediate x = a * b
    used three times in x * x + x.tanh(); all against torch."""
    a = rng.uniform(0.5, 1.5)
    _compare(learner, lambda v: v[0] * v[0], [a], "L = a * a (dL/da = 2a)", hint=ACCUMULATE_HINT)
    _compare(learner, lambda v: v[0] + v[0], [a], "L = a + a (dL/da = 2)", hint=ACCUMULATE_HINT)

    def shared(v):
        x = v[0] * v[1]
        return x * x + x.tanh()

    _compare(learner, shared, [a, -0.8], "x = a * b; L = x * x + x.tanh()", hint=ACCUMULATE_HINT + "; and " + ORDER_HINT)


def test_diamond_graph_order(learner):
    """A diamond: x = a * 3, y = x + 1, z = x * 2, L = y * z. x feeds two nodes, so its gradient is complete only
    after both; a.grad must equal torch's (walking the nodes in the wrong order or twice gives a wrong a.grad)."""

    def diamond(v):
        x = v[0] * 3.0
        y = x.exp()
        z = x * 2.0 + y.tanh()
        return (y * z).log()

    _compare(learner, diamond, [0.4], "the diamond L = log(exp(x) * (2x + tanh(exp(x)))), x = 3a", hint=ORDER_HINT)


@pytest.mark.points(2)
def test_deep_chain_matches_torch(learner, rng):
    """A 40-layer chain x <- tanh(w_k * x + b_k) with 81 leaves, whose output is the sum of every layer's x: the output
    and every leaf's gradient equal torch's (to 1e-9 relative)."""
    depth = 40
    xs = np.concatenate([[0.3], rng.normal(scale=1.2, size=2 * depth)])

    def chain(v):
        x, total = v[0], 0.0
        for k in range(depth):
            w, b = v[1 + 2 * k], v[2 + 2 * k]
            x = (w * x + b).tanh()
            total = total + x  # each layer's x feeds the next layer AND the sum
        return total

    _compare(learner, chain, xs, "a 40-layer tanh chain", hint=ORDER_HINT + "; " + CHAIN_HINT)


@pytest.mark.points(2)
def test_neuron_and_mlp_match_torch(learner, rng):
    """A neuron tanh(w . x + b) and a 2-3-1 tanh MLP's mean squared error on 4 samples: every parameter's gradient
    equals torch's. Each weight is used once per sample, so accumulation and order both matter."""
    x = [0.5, -1.2, 2.0]

    def neuron(v):
        return (v[0] * x[0] + v[1] * x[1] + v[2] * x[2] + v[3]).tanh()

    _compare(learner, neuron, rng.normal(scale=0.5, size=4), "the neuron tanh(w . x + b): [w0, w1, w2, b]",
             hint="the neuron's output node is a tanh of a sum of products; " + CHAIN_HINT)
    _compare(learner, _mlp, rng.normal(scale=0.7, size=13), "the MLP's loss: [W1 (6), b1 (3), W2 (3), b2]",
             hint=ACCUMULATE_HINT + "; " + ORDER_HINT)


def test_topological_order(learner):
    """topological_order() on a small graph lists every node exactly once, each after all of its inputs, with the
    output last; a node used twice appears once."""
    a, b = learner.Value(1.0), learner.Value(2.0)
    x = a * b
    y = x + a
    L = (y * x).tanh()
    order = L.topological_order()
    check(isinstance(order, list), f"topological_order() returned {type(order).__name__}, expected a list of Values.")
    ids = [id(v) for v in order]
    expected = {id(v) for v in (a, b, x, y, L)}
    check(len(ids) == len(set(ids)), f"topological_order() lists {len(ids)} entries but only {len(set(ids))} distinct "
          "nodes: a shared node appears more than once.", hint="remember which nodes you have visited (a set)")
    check(expected <= set(ids), f"topological_order() misses {len(expected - set(ids))} of the graph's nodes.",
          hint="visit every input (v._prev) of every node, recursively, starting from the output")
    pos = {i: k for k, i in enumerate(ids)}
    for v in order:
        for child in v._prev:
            check(id(child) in pos and pos[id(child)] < pos[id(v)],
                  f"in topological_order(), the node {v!r} comes before one of its inputs {child!r}.",
                  hint="append a node to the list only AFTER all of its inputs have been visited (post-order DFS)")
    check(order[-1] is L, "the output is not the last node of topological_order().",
          hint="the output depends on everything, so post-order DFS appends it last")


@pytest.mark.points(2)
def test_backward_accumulates_and_zero_grad(learner):
    """Like PyTorch: a second backward() doubles the leaves' gradients (intermediates are recomputed, not
    compounded); zero_grad() sets every node to 0; one more backward() gives the single-call gradients again."""
    def build():
        a, b = learner.Value(0.7), learner.Value(-1.3)
        x = a * b
        h = (x + a).tanh()
        L = h * h + x
        return a, b, x, h, L

    a, b, x, h, L = build()
    L.backward()
    once = {"a": a.grad, "b": b.grad, "x": x.grad, "h": h.grad}
    L.backward()
    assert_close([a.grad, b.grad], [2 * once["a"], 2 * once["b"]], rtol=1e-12, atol=1e-12,
                 name="the leaves' .grad after two backward() calls",
                 hint="backward() adds to the leaves' grads, so two calls give exactly twice the gradient; before "
                      "propagating, reset every INTERMEDIATE node (one with inputs) to 0 and the output to 1, or old "
                      "intermediate gradients are passed back again and compound (3x, 4x... deeper in the graph)")
    assert_close([x.grad, h.grad], [once["x"], once["h"]], rtol=1e-12, atol=1e-12,
                 name="the intermediates' .grad after two backward() calls",
                 hint="intermediate nodes start each backward() at 0: only leaves accumulate")
    L.zero_grad()
    assert_equal([a.grad, b.grad, x.grad, h.grad, L.grad], [0.0] * 5, name="every .grad after zero_grad()",
                 hint="zero_grad() walks the whole graph (topological_order) and sets each node's grad to 0")
    L.backward()
    assert_close([a.grad, b.grad], [once["a"], once["b"]], rtol=1e-12, atol=1e-12,
                 name="the leaves' .grad after zero_grad() then backward()", hint="zero_grad() should reset leaves too")


def test_extreme_inputs(learner):
    """tanh(+-1000) is +-1 with gradient 0 (no OverflowError, no nan); relu at exactly 0 passes gradient 0, as torch
    does; exp and log of moderate values are exact."""
    for x in (1000.0, -1000.0, 400.0):
        v = learner.Value(x)
        try:
            t = v.tanh()
            t.backward()
        except OverflowError as exc:
            check(False, f"Value({x}).tanh() raised OverflowError: {exc}",
                  hint="(e^2x - 1) / (e^2x + 1) overflows for x > 355; use math.tanh(x), which saturates at +-1")
        assert_close(t.data, math.copysign(1.0, x), rtol=0, atol=1e-15, name=f"Value({x}).tanh().data",
                     hint="use math.tanh; the exp-based formula overflows or returns nan")
        assert_close(v.grad, 0.0, atol=1e-15, name=f"d tanh(x)/dx at x = {x}", hint="1 - tanh(x)^2 = 0 when tanh saturates")
    z = learner.Value(0.0)
    r = z.relu()
    r.backward()
    assert_close(r.data, 0.0, atol=0, name="relu(0).data")
    assert_close(z.grad, 0.0, atol=0, name="d relu(x)/dx at x = 0",
                 hint="relu's derivative at exactly 0 is taken as 0 (PyTorch's convention): pass back only where x > 0")
