"""A scalar ``Value`` in the style of Karpathy's microgpt (2026), for benchmarks only.

microgpt's gist states no licence, so this is written from its published design, not copied:

* ``__slots__`` (``data``, ``grad``, ``_children``, ``_local_grads``): no ``__dict__`` per node;
* the forward pass stores the children **and their local gradients** as tuples, so backward is
  one generic loop ``child.grad += local * v.grad`` with no closure and no reference cycle;
* a number operand is wrapped in a ``Value`` of its own;
* ``backward()`` sorts the graph topologically with a **recursive** depth-first search and a
  ``visited`` set, then walks it in reverse.

The recursive sort needs ``sys.setrecursionlimit`` raised for deep graphs (the benchmarks do
that for it) and can crash an interpreter whose C stack is smaller than the limit allows.
It is the engine chainrule's scalar speed is measured against (``bench_scalar.py``,
``bench_mlp.py``); it is never imported by the library.
"""

import math


class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return Value(self.data ** k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad
