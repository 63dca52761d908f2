"""How fast can a pure-Python scalar node be? A floor for ``bench_scalar.py``'s graph.

    python benchmarks/scalar_floor.py [--ops 100000] [--repeat 5]

Issue 16 asks for chainrule's forward+backward on the 100k-op graph at 1/3 of the microgpt-style
``Value``'s. This script measures what the cheapest node that can still back-propagate costs on
exactly that graph (``bench_scalar.build_graph``, the same op sequence), interleaved with
chainrule and the microgpt-style ``Value`` in one run, so the bar can be judged against what
CPython allows rather than against a guess:

* **bare node**: ``__slots__`` and nothing else: seven slots, the local derivatives stored as
  floats in the forward pass, a number operand folded into the node, no op, no label, no
  switch read per op, no error checks, no higher order; backward is the same two-pass Kahn walk
  as chainrule's (``autograd/backprop.py``) without its error handling. Everything chainrule
  promises beyond the gradient is gone, so chainrule cannot be faster than this.
* **bare node, free order**: the same node, and the forward also appends every node to a list,
  so backward is one loop over that list reversed: no counting pass, no stack. Not an engine
  (the list keeps every node of every graph alive and walks unrelated graphs too), a bound: no
  walk can cost less than visiting each node once.

Both come from one class factory, ``node_class``; the one test of a closure constant per op
that this shares between them costs a few ns of a forward of several hundred.

Both bare nodes' leaf gradients are checked against chainrule's before anything is timed.
"""

import argparse
import gc
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":
    sys.path.insert(0, os.path.join(HERE, ".."))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_scalar  # noqa: E402
import microgpt_value  # noqa: E402
from autograd import Value  # noqa: E402

_new = object.__new__


def node_class(name, tape=None):
    """``name``: the smallest node that back-propagates: data, grad, two inputs, their local
    derivatives, a consumer count (``_b`` is None when the second operand was a number).
    With ``tape`` (a list), every op also appends its node there and backward walks the list
    reversed; without, backward is a two-pass Kahn walk like chainrule's."""
    taped = tape is not None
    keep = tape.append if taped else None

    class Node:
        __slots__ = ("data", "grad", "_a", "_b", "_da", "_db", "_n")

        def __init__(self, data):
            self.data = data
            self.grad = 0.0
            self._a = self._b = None
            self._n = 0

        def __add__(self, other):
            v = _new(Node)
            if other.__class__ is Node:
                v.data = self.data + other.data
                v._b = other
                v._db = 1.0
            else:
                v.data = self.data + other
                v._b = None
            v._a = self
            v._da = 1.0
            v._n = 0
            if taped:
                v.grad = 0.0
                keep(v)
            return v

        def __mul__(self, other):
            v = _new(Node)
            if other.__class__ is Node:
                v.data = self.data * other.data
                v._b = other
                v._da = other.data
                v._db = self.data
            else:
                v.data = self.data * other
                v._b = None
                v._da = other
            v._a = self
            v._n = 0
            if taped:
                v.grad = 0.0
                keep(v)
            return v

        def __pow__(self, k):
            v = _new(Node)
            x = self.data
            v.data = x ** k
            v._a = self
            v._b = None
            v._da = k * x ** (k - 1)
            v._n = 0
            if taped:
                v.grad = 0.0
                keep(v)
            return v

        def relu(self):
            v = _new(Node)
            x = self.data
            if x > 0.0:
                v.data = x
                v._da = 1.0
            else:
                v.data = 0.0
                v._da = 0.0
            v._a = self
            v._b = None
            v._n = 0
            if taped:
                v.grad = 0.0
                keep(v)
            return v

        def backward(self):
            if taped:
                self.grad = 1.0
                for node in reversed(tape):
                    g = node.grad
                    b = node._b
                    if b is not None:
                        b.grad += node._db * g
                    node._a.grad += node._da * g
                tape.clear()
                return
            stack = [self]
            push, pop = stack.append, stack.pop
            while stack:                          # pass 1: reach and count consumers
                node = pop()
                a = node._a
                if a is None:
                    continue
                for c in (a, node._b):
                    if c is None:
                        continue
                    if c._n:
                        c._n += 1
                    else:
                        c._n = 1
                        if c._a is not None:
                            c.grad = 0.0
                        push(c)
            self.grad = 1.0
            push(self)
            while stack:                          # pass 2: the chain rule
                node = pop()
                a = node._a
                if a is None:
                    continue
                g = node.grad
                b = node._b
                if b is not None:
                    b.grad += node._db * g
                    b._n -= 1
                    if not b._n:
                        push(b)
                a.grad += node._da * g
                a._n -= 1
                if not a._n:
                    push(a)

    Node.__name__ = Node.__qualname__ = name
    return Node


TAPE = []
Bare = node_class("Bare")
Taped = node_class("Taped", TAPE)


def leaf_grads(out):
    """{leaf data: leaf grad} of a graph of chainrule or bare nodes (their leaves have
    ``_a is None``; the leaves' data are distinct)."""
    seen, stack, grads = set(), [out], {}
    while stack:
        v = stack.pop()
        if id(v) in seen or not hasattr(v, "_a"):
            continue
        seen.add(id(v))
        if v._a is None:
            grads[v.data] = v.grad
        else:
            stack.extend(c for c in (v._a, v._b) if c is not None)
    return grads


def check(seq):
    """The bare nodes compute chainrule's gradients (to rounding) on the benchmark graph."""
    want = None
    for V in (Value, Bare, Taped):
        TAPE.clear()
        out, _ = bench_scalar.build_graph(V, seq)
        out.backward()
        got = leaf_grads(out)
        if want is None:
            want = got
            continue
        if got.keys() != want.keys():
            sys.exit(f"{V.__name__}: reached {len(got)} leaves, chainrule {len(want)}")
        bad = [x for x in want if abs(got[x] - want[x]) > 1e-9 * max(1.0, abs(want[x]))]
        if bad:
            sys.exit(f"{V.__name__}: leaf gradients differ from chainrule's at the leaves "
                     f"with data {bad[:3]}: {[got[x] for x in bad[:3]]} against "
                     f"{[want[x] for x in bad[:3]]}")
    return len(want)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=bench_scalar.positive, default=100_000,
                   help="ops in the random graph")
    p.add_argument("--repeat", type=bench_scalar.positive, default=5, help="interleaved rounds")
    args = p.parse_args(argv)
    print(bench_scalar.header("scalar_floor.py", argv))
    seq = bench_scalar.op_sequence(args.ops)
    leaves = check(seq)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * args.ops + 1000))  # microgpt's sort
    engines = {"chainrule Value": Value, "bare node": Bare, "bare node, free order": Taped,
               "microgpt-style Value": microgpt_value.Value}

    def runner(V):
        def run():
            TAPE.clear()
            return bench_scalar.time_graph(V, seq)
        return run

    runs = bench_scalar.interleaved({k: runner(V) for k, V in engines.items()}, args.repeat)
    gc.collect()
    ops = runs["chainrule Value"][0][4]
    print(f"\nGraph of {ops:,} ops, {args.repeat} interleaved rounds (leaf gradients of both bare "
          f"nodes equal chainrule's on all {leaves} leaves). CPU ns per op, min / median:\n")
    print("| engine | forward | backward | total | ÷ microgpt-style (min) |")
    print("|---|---:|---:|---:|---:|")
    med = statistics.median
    tot = {k: [r[2] + r[3] for r in rs] for k, rs in runs.items()}
    base = min(tot["microgpt-style Value"])
    for name, rs in runs.items():
        f, b, t = [r[2] for r in rs], [r[3] for r in rs], tot[name]
        cell = " | ".join(f"{min(x) / ops * 1e9:,.0f} / {med(x) / ops * 1e9:,.0f}"
                          for x in (f, b, t))
        print(f"| {name} | {cell} | **{min(t) / base:.2f}** |")
    print(f"\n({bench_scalar.load_text()} at the end.)")


if __name__ == "__main__":
    main()
