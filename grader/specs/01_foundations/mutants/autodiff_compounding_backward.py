"""Mutant: backward does not reset intermediate grads, so a second call passes old gradients back again (compounding)."""

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
