"""The chain rule as code: a scalar reverse-mode autodiff engine (micrograd).

Goal
----
Build ``Value``, a float that remembers how it was computed, so that one call
to ``backward()`` fills in d(output)/d(v) for every Value v the output depends
on. You write:

* the operations ``+``, ``*``, ``**`` (a number exponent), ``exp``, ``log``,
  ``tanh`` and ``relu``: each computes its result AND records a small closure,
  ``_backward``, that applies its local derivative (``-``, ``/`` and the
  reflected forms like ``2 * v`` are built from these and come implemented);
* ``topological_order``: every node of the graph once, inputs before outputs;
* ``backward``: the chain rule over that order, from the output back;
* ``zero_grad``: reset the gradients before the next step.

Why it matters
--------------
This is what ``loss.backward()`` does in PyTorch, scaled down to scalars:
every neural network in the rest of the course is trained by this algorithm.
Writing it once makes three facts concrete: gradients flow backwards through
local derivatives; a value used twice receives BOTH contributions; and
gradients accumulate until something zeroes them.

The maths
---------
If out = f(a, b), the chain rule says that for the final output L

    dL/da = dL/dout * dout/da          (and the same for b)

dL/dout is ``out.grad`` (already complete when out's turn comes) and
dout/da is the local derivative of one operation:

    out = a + b         dout/da = 1               dout/db = 1
    out = a * b         dout/da = b               dout/db = a
    out = a ** n        dout/da = n * a ** (n - 1)            (n a number)
    out = exp(a)        dout/da = exp(a) = out
    out = log(a)        dout/da = 1 / a
    out = tanh(a)       dout/da = 1 - tanh(a)**2 = 1 - out**2
    out = relu(a)       dout/da = 1 if a > 0 else 0           (0 at a = 0, like PyTorch)

When a value feeds several operations, its gradient is the SUM over them
(the multivariate chain rule), so every ``_backward`` ADDS into ``.grad``
(``+=``, never ``=``). ``a * a`` is the smallest case: d(a*a)/da = 2a, one
a from each operand.

A node's gradient is complete only once every node that uses it has passed
its contribution back. Reverse topological order guarantees that: list the
nodes so that each comes after all of its inputs (a depth-first search that
appends a node after visiting its inputs), then call ``_backward`` on them
from last (the output) to first.

Accumulation, like PyTorch: ``backward()`` first sets the output's grad to 1
and every intermediate node's grad (a node with inputs) to 0, then runs the
chain rule. Leaves (inputs and parameters, nodes with no inputs) keep what
they had and ADD the new gradient, so two calls to ``backward()`` give leaves
twice the gradient, and summing gradients over several losses (gradient
accumulation) is just calling ``backward()`` on each. ``zero_grad()`` sets
every node of the graph back to 0: call it between optimisation steps.

Numerical care: tanh(x) = (e^2x - 1)/(e^2x + 1) overflows for x > 355 (a
Python float's ``math.exp`` raises OverflowError); use ``math.tanh``.

API
---
    Value(data)                       a leaf; .data (float), .grad (float, starts at 0)
    a + b, a * b, a ** n              Values or numbers on either side (n a number)
    a - b, -a, a / b                  implemented from the above
    a.exp(), a.log(), a.tanh(), a.relu()
    a._prev                           the tuple of input Values (empty for a leaf)
    out.topological_order()           -> list[Value], each node once, inputs first, out last
    out.backward()                    fills .grad of every node in out's graph
    out.zero_grad()                   sets .grad = 0 on every node in out's graph

Worked example
--------------
    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b          # -6
    >>> L = c + a          # -4: a is used twice
    >>> L.backward()
    >>> a.grad, b.grad, c.grad
    (-2.0, 2.0, 1.0)

By hand: dL/dc = 1; dL/db = dL/dc * a = 2; a gets 1 * b = -3 through c and
1 through the addition: -3 + 1 = -2.

Reference
---------
Karpathy, "The spelled-out intro to neural networks and backpropagation:
building micrograd" (2022) and github.com/karpathy/micrograd; Baydin et al.,
"Automatic differentiation in machine learning: a survey", JMLR (2018);
Goodfellow, Bengio & Courville, *Deep Learning*, 6.5.
"""

from __future__ import annotations

import math
from typing import Callable, Union

Number = Union[int, float]


class Value:
    """A scalar in a computation graph: its value, its gradient and how it was made."""

    def __init__(self, data: Number, _prev: tuple["Value", ...] = (), _op: str = ""):
        self.data = float(data)
        self.grad = 0.0  # dL/d(self), filled in by backward()
        self._prev = tuple(_prev)  # the inputs this value was computed from
        self._op = _op  # for printing only
        self._backward: Callable[[], None] = lambda: None  # a leaf passes nothing back

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------ the operations you write

    def __add__(self, other: "Value | Number") -> "Value":
        """self + other; d/dself = d/dother = 1."""
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad  # += : self may be used elsewhere too
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: "Value | Number") -> "Value":
        """self * other; d/dself = other, d/dother = self."""
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            # for a * a both lines hit the same node: 2a, as it should be
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, n: Number) -> "Value":
        """self ** n for a number n; d/dself = n * self ** (n - 1)."""
        assert isinstance(n, (int, float)), "only number exponents are supported"
        out = Value(self.data**n, (self,), f"**{n}")

        def _backward() -> None:
            self.grad += n * self.data ** (n - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> "Value":
        """e ** self; the derivative is the output itself."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> "Value":
        """The natural log (self > 0); d/dself = 1 / self."""
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> "Value":
        """tanh(self), safe for any input; d/dself = 1 - tanh(self) ** 2."""
        out = Value(math.tanh(self.data), (self,), "tanh")  # math.tanh never overflows

        def _backward() -> None:
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> "Value":
        """max(0, self); d/dself = 1 where self > 0, else 0."""
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward() -> None:
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    # ------------------------------------------------------------ the graph walks you write

    def topological_order(self) -> list["Value"]:
        """Every node that self depends on (and self), each once, every node after all of its inputs."""
        order: list[Value] = []
        seen: set[int] = set()

        def visit(v: Value) -> None:
            if id(v) in seen:
                return
            seen.add(id(v))
            for child in v._prev:
                visit(child)
            order.append(v)  # only after all of v's inputs are in

        visit(self)
        return order  # self is last

    def backward(self) -> None:
        """Fill in d(self)/d(v) for every node v of the graph; leaves accumulate, like PyTorch."""
        order = self.topological_order()
        for v in order:
            if v._prev:
                v.grad = 0.0  # intermediates start fresh; leaves keep accumulating
        self.grad = 1.0  # dL/dL
        for v in reversed(order):  # v.grad is complete: everything that uses v came first
            v._backward()

    def zero_grad(self) -> None:
        """Set .grad = 0 on every node of self's graph (leaves included)."""
        for v in self.topological_order():
            v.grad = 0.0

    # ------------------------------------------------------------ built from the above (implemented)

    def __neg__(self) -> "Value":
        return self * -1

    def __radd__(self, other: Number) -> "Value":  # other + self
        return self + other

    def __sub__(self, other: "Value | Number") -> "Value":
        return self + (-_as_value(other))

    def __rsub__(self, other: Number) -> "Value":  # other - self
        return _as_value(other) + (-self)

    def __rmul__(self, other: Number) -> "Value":  # other * self
        return self * other

    def __truediv__(self, other: "Value | Number") -> "Value":
        return self * _as_value(other) ** -1

    def __rtruediv__(self, other: Number) -> "Value":  # other / self
        return _as_value(other) * self**-1


def _as_value(x: "Value | Number") -> Value:
    """Wrap a number as a leaf Value; pass Values through."""
    return x if isinstance(x, Value) else Value(x)
