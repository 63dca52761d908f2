"""``Value``: a scalar that remembers how it was computed.

>>> from autograd import Value
>>> w, x, b = Value(-1.2, label="w"), Value(0.5, label="x"), Value(0.3, label="b")
>>> L = ((w * x + b).tanh() - 1.0) ** 2
>>> L.backward()
>>> round(w.grad, 6)
-1.181728

Every operator looks its math up in :mod:`autograd.ops`: ``forward`` gives ``data``, and during
``backward()`` the local derivatives ``∂out/∂input`` are multiplied by the upstream gradient
``∂L/∂out`` and added into each input (the chain rule, with fan-out summed).

A node stores its inputs (``_a``, ``_b``), its op and, for ``x ** k``, the constant ``k``; never a
closure over itself. So there are no reference cycles, and a graph is freed as soon as the last
reference to its output goes away.
"""

import math
import numbers

from . import ops as _ops
from .engine import STATE
from .errors import (AnomalyError, ChainruleError, FloatOverflow, OperandError, ShapeError,
                     with_label)

_isfinite = math.isfinite
_FAST_NUMBERS = (float, int)   # exact-type check first: isinstance(x, numbers.Real) costs ~10 µs


def _is_number(x):
    return type(x) in _FAST_NUMBERS or isinstance(x, numbers.Real)


class Value:
    """A scalar node of a computation graph.

    ``data`` is the number, ``grad`` is ∂L/∂(this value) after ``L.backward()``, ``label`` is an
    optional name used by ``repr``, ``explain`` and ``draw``.
    """

    # _a, _b: the inputs (None when absent); for a unary op _b holds its constant parameter
    # (the k of x ** k) or None; for an n-ary op (dot, add_n) _a is the tuple of inputs and _b
    # is None. _op: the Op; _g: this backward pass's gradient; _n: consumers not yet processed
    # during backward (0 when idle). Few slots = less work for Python's garbage collector,
    # which still traverses every node it allocates.
    __slots__ = ("data", "grad", "label", "_a", "_b", "_op", "_g", "_n")

    def __init__(self, data, label=""):
        if isinstance(data, Value):
            raise OperandError(f"Value() takes a number, got a Value ({data!r}); "
                               "use it directly or pass its .data")
        if not isinstance(data, numbers.Real):
            raise OperandError(f"Value() takes a real number, got {data!r} "
                               f"of type {type(data).__name__}")
        if not isinstance(label, str):
            raise OperandError(f"Value(label=...) takes a string, got {label!r}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._a = self._b = self._op = None
        self._g = 0.0
        self._n = 0

    # ---- introspection (read by explain, draw and the tests) -------------------------------

    @property
    def op(self):
        """The :class:`~autograd.ops.Op` that produced this value, or ``None`` for a leaf."""
        return self._op

    @property
    def _prev(self):
        a, b = self._a, self._b
        if a is None:
            return ()
        if a.__class__ is tuple:           # an n-ary node (dot, add_n)
            return a
        return (a, b) if b.__class__ is Value else (a,)

    @property
    def inputs(self):
        """The values this one was computed from (empty for a leaf)."""
        return self._prev

    @property
    def arg(self):
        """The constant parameter of the op (the ``k`` of ``x ** k``), or ``None``."""
        b = self._b
        return None if b.__class__ is Value or b.__class__ is tuple else b

    def is_leaf(self):
        """True for a value that was not computed from other values in the graph."""
        return self._a is None

    def local_derivatives(self):
        """``∂self/∂input`` for each input, evaluated at the current data (``()`` for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if a.__class__ is tuple:           # n-ary: local(out, [input values])
            return self._op.local(self.data, [c.data for c in a])
        return self._op.local(self.data, a.data, b.data if b.__class__ is Value else b)

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __format__(self, spec):
        return format(self.data, spec) if spec else repr(self)

    def __float__(self):
        return self.data

    # comparisons look at data and return bools; == stays identity so Values can be dict keys
    def __lt__(self, other):
        return self.data < _number(other, "<")

    def __le__(self, other):
        return self.data <= _number(other, "<=")

    def __gt__(self, other):
        return self.data > _number(other, ">")

    def __ge__(self, other):
        return self.data >= _number(other, ">=")

    __hash__ = object.__hash__

    # ---- back-propagation -------------------------------------------------------------------

    def backward(self, grad=1.0):
        """Fill ``.grad`` of every value this one depends on with ∂self/∂value, times ``grad``.

        Gradients add up, as in PyTorch: leaves *accumulate* (calling ``backward()`` twice on
        the same graph leaves every leaf gradient exactly doubled; reset with ``v.grad = 0`` or
        a module's ``zero_grad()``). Interior nodes show the gradient of the latest pass.
        """
        if isinstance(grad, Value) or not isinstance(grad, numbers.Real):
            raise OperandError(f"backward(grad=...) takes a number, got {grad!r}")
        # Pass 1: reach every node, count its consumers (_n), zero its pass gradient (_g).
        # Pass 2 (Kahn): a node is processed once all its consumers are, so its _g is complete;
        # its inputs are updated and pushed last one first, so the first input is processed
        # next. This is engine.backward_order() inlined for scalars, where the time goes.
        reached = [self]
        self._n = 0
        stack = [self]
        push, pop, keep = stack.append, stack.pop, reached.append
        while stack:
            node = pop()
            a = node._a
            if a is None:
                continue
            b = node._b
            for c in a if a.__class__ is tuple else (a, b) if b.__class__ is Value else (a,):
                if c._n:
                    c._n += 1
                else:
                    c._n = 1
                    c._g = 0.0
                    push(c)
                    keep(c)
        self._g = float(grad)
        anomaly = STATE.anomaly
        push(self)                            # the stack is empty again after pass 1
        try:
            while stack:
                node = pop()
                g = node._g
                a = node._a
                if a is None:                 # a leaf: accumulate this pass, once
                    node.grad += g
                    continue
                node.grad = g                 # an interior node: this pass's gradient
                # The chain rule for each input c: ∂L/∂c += ∂L/∂node · ∂node/∂c. Unary and binary
                # nodes (nearly all of them) spell it out: a shared loop costs +30% here.
                b = node._b
                if a.__class__ is tuple:      # n-ary: local(out, [input values])
                    local = node._op.local(node.data, [c.data for c in a])
                    for c, d in zip(reversed(a), reversed(local)):
                        c._g += d * g
                        c._n -= 1
                        if not c._n:
                            push(c)
                else:
                    if b.__class__ is Value:
                        da, db = node._op.local(node.data, a.data, b.data)
                        b._g += db * g
                        b._n -= 1
                        if not b._n:
                            push(b)
                    else:                     # unary: b is the op's constant (or None)
                        (da,) = node._op.local(node.data, a.data, b)
                    a._g += da * g
                    a._n -= 1
                    if not a._n:
                        push(a)
                if anomaly:
                    _check_backward(node, g)
        except BaseException as e:
            for n in reached:                 # leave every node ready for the next walk
                n._n = 0
            if isinstance(e, ChainruleError):
                raise with_label(e, node.label) from None
            raise

    # ---- operators ----------------------------------------------------------------------------
    # (filled in below from the op table)


def _number(x, what):
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return x
    raise OperandError(f"{what}: cannot compare a Value with {x!r} of type {type(x).__name__}")


_new = object.__new__


def _node(data, a, b, op):
    """A new node (no validation: ``data`` comes from an op's forward). Binary operators, the
    hottest path, inline these lines: a function call is a measurable share of an op's cost."""
    v = _new(Value)
    v.data = data
    v.grad = v._g = 0.0
    v.label = ""
    v._a = a
    v._b = b
    v._op = op
    v._n = 0
    return v


def _lift(x, op):
    """Turn a plain number operand into a constant leaf; refuse anything else clearly."""
    if _is_number(x):
        return _node(float(x), None, None, None)
    if getattr(x, "__chainrule_tensor__", False):
        return NotImplemented        # let Tensor's reflected operator handle Value ⊕ Tensor
    raise OperandError(f"{op.name}: unsupported operand {x!r} of type {type(x).__name__}; "
                       "use a number or a Value")


def _blame(error, a, b):
    """The label of the input a forward error is about: the one whose value the error names
    (the divisor of ``x / 0``, the base of ``(-2) ** 0.5``), checking ``b`` first."""
    value = getattr(error, "value", None)
    for v in (b, a):
        if v.__class__ is Value and v.label and v.data == value:
            return v.label
    return a.label or (b.label if b.__class__ is Value else "")


def _fail(op, error, inputs, label):
    """Re-raise a forward error with the op's name and the node's label."""
    if isinstance(error, ChainruleError):
        return with_label(error, label)
    values = ", ".join(repr(v) for v in inputs)
    return with_label(FloatOverflow(op.name, inputs[0],
                                    f"{op.name}({values}) is too large for a float"), label)


def _check_forward(op, out, inputs):
    if not _isfinite(out):
        shown = ", ".join(repr(x) for x in inputs)
        raise AnomalyError(f"anomaly: {op.name}({shown}) produced {out!r} in the forward pass")


def _check_backward(node, g):
    for child, d in zip(node._prev, node.local_derivatives()):
        if not _isfinite(d * g):
            name = f" (node {node.label!r})" if node.label else ""
            raise AnomalyError(
                f"anomaly: backward of {node._op.name}{name} at data={node.data!r} gave "
                f"local derivative {d!r} × upstream {g!r} for input {child.data!r}")


def _binary(op, reflected=False):
    forward = op.forward

    def method(self, other):
        cls = other.__class__
        if cls is not Value:
            if cls is float or cls is int:          # the common case, inlined: a constant leaf
                c = _new(Value)
                c.data = float(other)
                c.grad = c._g = 0.0
                c.label = ""
                c._a = c._b = c._op = None
                c._n = 0
                other = c
            else:
                other = _lift(other, op)
                if other is NotImplemented:
                    return NotImplemented
        if reflected:
            a, b = other, self
        else:
            a, b = self, other
        try:
            out = forward(a.data, b.data)
        except (ChainruleError, OverflowError) as e:
            raise _fail(op, e, (a.data, b.data), _blame(e, a, b)) from None
        if STATE.anomaly:
            _check_forward(op, out, (a.data, b.data))
        v = _new(Value)
        v.data = out
        v.grad = v._g = 0.0
        v.label = ""
        v._n = 0
        if STATE.enabled:
            v._a = a
            v._b = b
            v._op = op
        else:
            v._a = v._b = v._op = None
        return v

    method.__name__ = f"__{'r' if reflected else ''}{op.name}__"
    method.__doc__ = f"{op.expr}  (local derivatives: {', '.join(op.derivs)})"
    return method


def _unary(op):
    forward = op.forward

    def method(self):
        try:
            out = forward(self.data, None)
        except (ChainruleError, OverflowError) as e:
            raise _fail(op, e, (self.data,), self.label) from None
        if STATE.anomaly:
            _check_forward(op, out, (self.data,))
        if STATE.enabled:
            return _node(out, self, None, op)
        return _node(out, None, None, None)

    method.__name__ = op.name
    method.__doc__ = f"{op.expr}; {op.formula()}"
    return method


_pow_values = _binary(_ops.POW)


def _pow(self, other):
    """``self ** other``: a constant number exponent (``x ** 2``) or a Value (``x ** y``)."""
    cls = other.__class__
    if cls is Value:
        return _pow_values(self, other)
    if not (cls is int or cls is float or _is_number(other)):
        if getattr(other, "__chainrule_tensor__", False):
            return NotImplemented
        raise OperandError(f"pow: unsupported exponent {other!r} of type {cls.__name__}; "
                           "use a number or a Value")
    try:
        out = _powc_forward(self.data, other)
    except (ChainruleError, OverflowError) as e:
        raise _fail(_ops.POWC, e, (self.data, other), self.label) from None
    if STATE.anomaly:
        _check_forward(_ops.POWC, out, (self.data, other))
    if STATE.enabled:
        return _node(out, self, other, _POWC)
    return _node(out, None, None, None)


_POWC = _ops.POWC
_powc_forward = _ops.POWC.forward


Value.__add__ = _binary(_ops.ADD)
Value.__radd__ = _binary(_ops.ADD, reflected=True)
Value.__sub__ = _binary(_ops.SUB)
Value.__rsub__ = _binary(_ops.SUB, reflected=True)
Value.__mul__ = _binary(_ops.MUL)
Value.__rmul__ = _binary(_ops.MUL, reflected=True)
Value.__truediv__ = _binary(_ops.DIV)
Value.__rtruediv__ = _binary(_ops.DIV, reflected=True)
Value.__pow__ = _pow
Value.__rpow__ = _binary(_ops.POW, reflected=True)     # 2 ** x: the base is a constant leaf
Value.__neg__ = _unary(_ops.NEG)
Value.__abs__ = _unary(_ops.ABS)
Value.max = _binary(_ops.MAX)
Value.min = _binary(_ops.MIN)
for _op in _ops.UNARY:
    if _op.name != "neg":
        setattr(Value, _op.name, _unary(_op))
del _op


def _constant(x, what):
    if x.__class__ is Value:
        return x
    if _is_number(x):
        return _node(float(x), None, None, None)
    raise OperandError(f"{what}: unsupported operand {x!r} of type {type(x).__name__}; "
                       "use numbers or Values")


def _nary(op, inputs, lift):
    """One node for ``op`` over ``inputs`` (Values; with ``lift``, numbers become constant
    leaves first)."""
    inputs = tuple([_constant(x, op.name) for x in inputs]) if lift else tuple(inputs)
    xs = [v.data for v in inputs]
    try:
        out = op.forward(xs)
    except OverflowError:
        raise FloatOverflow(op.name, xs, f"{op.name}: the result is too large for a float") \
            from None
    if STATE.anomaly:
        _check_forward(op, out, xs)
    if STATE.enabled:
        return _node(out, inputs, None, op)
    return _node(out, None, None, None)


_ONLY_VALUES = frozenset([Value])
_VALUES_AND_NUMBERS = frozenset([Value, float, int])
ALL_VALUES, SOME_NUMBERS, OTHER = 0, 1, 2


def _classify(items, what):
    """ALL_VALUES, SOME_NUMBERS (Values and plain numbers: one n-ary node after lifting the
    numbers) or OTHER (duals, tensors: compose + and * instead); an error for non-numbers.
    ``set(map(type, items))`` looks at every item in one C loop: this runs once per neuron."""
    kinds = set(map(type, items))
    if kinds <= _ONLY_VALUES:
        return ALL_VALUES
    if kinds <= _VALUES_AND_NUMBERS:
        return SOME_NUMBERS
    for x in items:
        if isinstance(x, (str, bytes, list, tuple, dict, set)) or x is None:
            raise OperandError(f"{what}: unsupported operand {x!r} of type {type(x).__name__}; "
                               "use numbers or Values")
    return SOME_NUMBERS if all(x.__class__ is Value or _is_number(x) for x in items) else OTHER


def dot(ws, xs, b=None):
    """``b + Σ wᵢ·xᵢ`` as ONE node (a neuron's pre-activation), not 2n binary nodes.

    ``ws``, ``xs``: equally long sequences of Values or numbers; ``b``: a Value, a number or
    None. Local derivatives: ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1. The value and the gradients are
    the same as ``sum(w * x for w, x in zip(ws, xs)) + b`` up to rounding; the graph is smaller
    and back-propagates several times faster. For objects that are not Values (forward-mode
    duals, tensors) it falls back to exactly that expression.
    """
    ws, xs = list(ws), list(xs)
    if len(ws) != len(xs):
        raise ShapeError(f"dot: {len(ws)} weights but {len(xs)} inputs")
    if not ws:
        raise ShapeError("dot: needs at least one weight and input")
    inputs = ws + xs + ([] if b is None else [b])
    kind = _classify(inputs, "dot")
    if kind == OTHER:
        out = sum(w * x for w, x in zip(ws, xs))
        return out if b is None else out + b
    return _nary(_ops.DOT, inputs, kind == SOME_NUMBERS)


def add_n(values):
    """``a1 + a2 + … + an`` as ONE node (e.g. a loss summed over a batch). Every local
    derivative is 1. Falls back to ``+`` for objects that are not Values."""
    values = list(values)
    if not values:
        raise ShapeError("add_n: needs at least one value")
    kind = _classify(values, "add_n")
    if kind == OTHER:
        out = values[0]
        for v in values[1:]:
            out = out + v
        return out
    return _nary(_ops.ADD_N, values, kind == SOME_NUMBERS)


def register(op, name=None, replace=False):
    """Make a new :class:`~autograd.ops.Op` a Value method: ``x.name()`` for a unary op,
    ``x.name(y)`` for a binary one. Returns the method.

    >>> from autograd import ops, Value, register_op
    >>> cube = ops.op("cube", 1, "a³", ("3·a²",), "a^3", ("3a^2",))(
    ...     lambda a, k: a ** 3, lambda out, a, k: (3 * a * a,))
    >>> _ = register_op(cube)
    >>> Value(2.0).cube().data
    8.0

    The op is also added to ``ops.OPS`` (by ``ops.op``), so explain and draw know its formula.
    """
    if not isinstance(op, _ops.Op):
        raise OperandError(f"register_op: expected an autograd.ops.Op, got {op!r}")
    name = name or op.name
    if not name.isidentifier() or name.startswith("_"):
        raise OperandError(f"register_op: {name!r} is not a usable method name")
    if hasattr(Value, name) and not replace:
        raise OperandError(f"register_op: Value already has {name!r}; pass replace=True to "
                           "replace it")
    method = _binary(op) if op.arity == 2 else _unary(op)
    setattr(Value, name, method)
    return method
