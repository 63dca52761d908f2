"""hypothesis strategies for gradients: leaf Values, random expression DAGs, tensors, shapes.

hypothesis is imported only when a strategy is built, so the rest of ``autograd.testing``
works without it.
"""

import math

from .. import ops as _ops
from ..value import Value

__all__ = ["floats_in", "values", "expressions", "graphs", "Expression", "apply_op", "tensors",
           "shapes", "broadcastable_shapes", "TensorData"]


def _hypothesis():
    try:
        import hypothesis.strategies as st
    except ImportError:
        raise ImportError("autograd.testing strategies need hypothesis: "
                          "pip install 'chainrule[test]' (or pip install hypothesis)") from None
    return st


def floats_in(lo, hi, *, margin=None):
    """Finite floats in [lo + margin, hi − margin] (default margin: 1e-3 · (hi − lo)), no NaN,
    no infinities, no subnormals: inputs kept away from the ends of a domain."""
    st = _hypothesis()
    if not lo < hi:
        raise ValueError(f"floats_in: need lo < hi, got {lo!r}, {hi!r}")
    margin = 1e-3 * (hi - lo) if margin is None else margin
    return st.floats(lo + margin, hi - margin, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def values(lo=-3.0, hi=3.0, *, label="x", margin=None):
    """Leaf :class:`~autograd.Value` objects with data drawn by :func:`floats_in`."""
    st = _hypothesis()
    # builds(), not .map(lambda d: Value(d, label=label)): a falsifying example then prints as
    # Value(1.0, label='w'), not as the lambda's source text "Value(1.0, label=label)"
    return st.builds(Value, floats_in(lo, hi, margin=margin), label=st.just(label))


_POWC_EXPONENTS = (2, 3, -1, 0.5, 1.5, -2)
_CONSTANTS = (2.0, -0.5, 1.5, 3.0)   # numbers written into an expression: x * 2.0, x - 1.5
_COMFORT = 0.1        # distance kept from every kink and pole (op.valid checked within ±_COMFORT)
_BOUND = 1e3          # |value| limit for every node of a generated expression
_SLOPE = 1e2          # |local derivative| limit: steep nodes (x ** -2 at 0.06: -8192) make
                      # central differences miss by more than their tolerance downstream


class Expression:
    """A random expression DAG, kept as a program so it can be replayed on fresh inputs.

    ``steps``: one tuple per node after the leaves, ``(op_name, a, b)`` where ``a`` and ``b`` are
    node indices (ints) or, for ``b``, a constant (``("const", number)``) or None. Node ``i < n``
    is leaf ``i``. ``output`` is the index of the result. Call ``expr(*leaves)`` with Values (or
    ComplexValues, or torch tensors via ``replay(..., apply=...)``); ``expr.leaves()`` makes fresh
    leaf Values labelled x0, x1, ...
    """

    def __init__(self, data, steps, output):
        self.data = list(data)
        self.steps = list(steps)
        self.output = output

    def leaves(self):
        return [Value(d, label=f"x{i}") for i, d in enumerate(self.data)]

    def replay(self, leaves, apply=None):
        apply = apply or apply_op
        nodes = list(leaves)
        for name, a, b in self.steps:
            b = b[1] if isinstance(b, tuple) else (nodes[b] if isinstance(b, int) else b)
            nodes.append(apply(name, nodes[a], b))
        return nodes[self.output]

    def __call__(self, *leaves):
        return self.replay(leaves)

    def ops(self):
        return [s[0] for s in self.steps]

    def __repr__(self):
        names = [f"x{i}" for i in range(len(self.data))]
        for name, a, b in self.steps:
            b = repr(b[1]) if isinstance(b, tuple) else (names[b] if isinstance(b, int) else b)
            names.append(_render(name, names[a], b))
        return f"Expression({names[self.output]} at x={self.data!r})"


def _render(name, a, b):
    op = _ops.OPS[name]
    if name == "powc":
        return f"({a}) ** {b}"
    if op.arity == 2 and name in ("max", "min"):
        return f"{name}({a}, {b})"
    if op.arity == 2:
        return f"({a} {op.expr.split()[1]} {b})"      # "a * b" -> "*"
    return "-(" + a + ")" if name == "neg" else f"{name}({a})"


def apply_op(name, a, b=None):
    """Apply the op called ``name`` to ``a`` (and ``b``) of any kind of number (Values,
    ComplexValues, Duals, Tensors: ``ops.call``), as the kind's own operators compute it."""
    return _ops.call(_ops.OPS[name], a, b)


def _comfortable(op, a, b):
    """op.valid holds at (a, b) and everywhere within _COMFORT of it, the output is finite and
    within _BOUND and the local derivatives within _SLOPE: gradients there are smooth and finite
    differences are accurate."""
    try:
        out = op.forward(a, b)
        slopes = op.local(out, a, b)
    except (ArithmeticError, ValueError):
        return False
    if not (math.isfinite(out) and abs(out) <= _BOUND):
        return False
    if not all(abs(d) <= _SLOPE for d in slopes):
        return False
    if op.valid is None:
        return True
    # op.valid marks a kink or pole with a margin of about 1e-3, so a walk in steps of
    # _COMFORT / 70 (< 1.5e-3) over ±_COMFORT cannot step over one: along a, along b, and
    # along both at once (max and min have their kink on the diagonal a = b)
    steps = [_COMFORT * k / 70 for k in range(-70, 71)]
    if op.arity == 1:
        return all(op.valid(a + x, b) for x in steps)
    return all(op.valid(a + x, b) and op.valid(a, b + x) and op.valid(a + x, b - x)
               and op.valid(a + x, b + x) for x in steps)


def expressions(*, ops=None, min_leaves=1, max_leaves=3, max_nodes=8, max_depth=6, lo=-3.0,
                hi=3.0):
    """Random expression DAGs over the op table, as :class:`Expression` objects.

    Leaves get data in [lo, hi]; each new node applies an op (drawn from ``ops``, names of
    ``OPS``; default all) to any earlier node(s), so sub-expressions are shared (fan-out), or
    now and then a binary op to a node and a plain number (a constant leaf). A node
    whose inputs sit near a kink or pole, or outside the domain (checked with each Op's
    ``valid`` predicate at ±0.1 around them), is rebuilt on positive inputs softplus(x) + 0.5;
    if that does not help it is dropped. ``max_depth`` limits the longest path; the output is the
    sum of the nodes nobody uses (so every node counts).
    """
    st = _hypothesis()
    names = list(_ops.OPS) if ops is None else list(ops)
    unknown = [n for n in names if n not in _ops.OPS]
    if unknown:
        raise ValueError(f"expressions: unknown ops {unknown}; choose from {sorted(_ops.OPS)}")

    @st.composite
    def build(draw):
        n = draw(st.integers(min_leaves, max_leaves))
        data = [draw(floats_in(lo, hi)) for _ in range(n)]
        vals, depth, used, steps = list(data), [0] * n, [False] * n, []

        def add(name, a, b, value):
            steps.append((name, a, b))
            vals.append(value)
            depth.append(1 + max(depth[a], depth[b] if isinstance(b, int) else 0))
            used.append(False)
            used[a] = True
            if isinstance(b, int):
                used[b] = True
            return len(vals) - 1

        def positive(i):      # softplus(x) + 0.5 > 0.5: inside every op's domain
            s = add("softplus", i, None, _ops.SOFTPLUS.forward(vals[i], None))
            return add("add", s, ("const", 0.5), vals[s] + 0.5)

        for _ in range(draw(st.integers(1, max_nodes))):
            op = _ops.OPS[draw(st.sampled_from(names))]
            shallow = [i for i in range(len(vals)) if depth[i] < max_depth - 2] or [0]
            a = draw(st.sampled_from(shallow))
            if op.arity == 2:                   # a node, or now and then a plain number
                b = (("const", draw(st.sampled_from(_CONSTANTS))) if draw(st.integers(0, 3)) == 0
                     else draw(st.sampled_from(shallow)))
            elif op.name == "powc":
                b = ("const", draw(st.sampled_from(_POWC_EXPONENTS)))
            else:
                b = None
            if not _comfortable(op, vals[a], _num(b, vals)):
                a = positive(a)
                if op.arity == 2 and isinstance(b, int):
                    b = positive(b)
                if not _comfortable(op, vals[a], _num(b, vals)):
                    continue
            add(op.name, a, b, op.forward(vals[a], _num(b, vals)))
        sinks = [i for i in range(len(vals)) if not used[i]]
        out = sinks[0]
        for s in sinks[1:]:
            out = add("add", out, s, vals[out] + vals[s])
        return Expression(data, steps, out)

    return build()


def _num(b, vals):
    if isinstance(b, tuple):
        return b[1]
    return vals[b] if isinstance(b, int) else b


def graphs(**kwargs):
    """Like :func:`expressions`, but draws a built graph: ``(leaves, output)``, fresh Values."""
    def build(expr):
        leaves = expr.leaves()
        return leaves, expr(*leaves)
    return expressions(**kwargs).map(build)


class TensorData:
    """Pure data for a tensor: a flat row-major ``data`` list and a ``shape`` tuple."""

    __slots__ = ("data", "shape")

    def __init__(self, data, shape):
        self.data, self.shape = list(data), tuple(shape)

    def nested(self):
        """The data as nested lists (a scalar for shape ())."""
        def build(flat, shape):
            if not shape:
                return flat[0]
            step = len(flat) // shape[0] if shape[0] else 0
            return [build(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
        return build(self.data, self.shape)

    def __repr__(self):
        return f"TensorData(shape={self.shape}, data={self.data!r})"


def shapes(*, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tensor shapes: tuples of ``min_dims``..``max_dims`` sides, each in min_side..max_side."""
    st = _hypothesis()
    return st.lists(st.integers(min_side, max_side), min_size=min_dims,
                    max_size=max_dims).map(tuple)


def tensors(shape=None, *, lo=-3.0, hi=3.0, elements=None):
    """:class:`TensorData` of the given shape (or a drawn one) with elements in [lo, hi]."""
    st = _hypothesis()
    elements = floats_in(lo, hi) if elements is None else elements
    shape_strategy = shapes() if shape is None else st.just(tuple(shape))

    def fill(s):
        return st.lists(elements, min_size=math.prod(s),
                        max_size=math.prod(s)).map(lambda d: TensorData(d, s))

    return shape_strategy.flatmap(fill)


def broadcastable_shapes(*, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Pairs of shapes that broadcast together (NumPy rules): from a common shape, each side
    drops some leading dimensions and sets some sides to 1."""
    st = _hypothesis()

    @st.composite
    def pair(draw):
        base = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                           max_side=max_side))

        def variant():
            keep = draw(st.integers(min(min_dims, len(base)), len(base)))
            s = base[len(base) - keep:]
            return tuple(1 if draw(st.booleans()) else side for side in s)

        return variant(), variant()

    return pair()
