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

A Value never turns into a plain float behind your back: ``float(v)``, ``math.exp(v)`` and
friends would drop the gradient silently (``w * math.exp(x)`` gives ``x.grad == 0``), so they
raise an :class:`~autograd.errors.OperandError` that names the method to use (``x.exp()``).
``v.item()`` and ``v.data`` give the number; formatting, ``round`` and comparisons work.
"""

import math
import numbers

from . import backprop as _backprop
from . import install as _install
from . import value_fast as _fast
from .backprop import LAZY
from .engine import STATE
from .errors import AnomalyError, ChainruleError, FloatOverflow, OperandError, with_label

_isfinite = math.isfinite
_FAST_NUMBERS = (float, int)   # exact-type check first: isinstance(x, numbers.Real) costs ~10 µs


def is_number(x):
    return type(x) in _FAST_NUMBERS or isinstance(x, numbers.Real)


class Value:
    """A scalar node of a computation graph.

    ``data`` is the number, ``grad`` is ∂L/∂(this value) after ``L.backward()``, ``label`` is an
    optional name used by ``repr``, ``explain`` and ``draw``.
    """

    # op: the Op that computed this value (None for a leaf). _a, _b: the inputs (None when
    # absent); for a unary op _b holds its constant parameter (the k of x ** k) or None; for an
    # n-ary op (dot, add_n) _a is the tuple of inputs and _b is None; for a leaf _b is CONSTANT
    # when the leaf is a number written into an expression, or an Argument (see grad).
    # The hot binary ops fold a plain-number operand into the node (x * 2.0: _b is 2.0, no
    # constant leaf); reading .inputs turns it into a constant leaf for good (_prev).
    # _da, _db: ∂self/∂_a and ∂self/∂_b as floats, stored by the hot ops in the forward pass
    # (None: that operand is a folded number, or absent); LAZY: ask the op table in backward.
    # _g: this backward pass's gradient; _n: consumers not yet processed during backward (0
    # when idle). _grad and _label hold .grad and .label, left unset (0.0 and "") by the hot
    # ops until backward or a user sets them. One object per op, and no more slots filled than
    # needed: Python's garbage collector traverses every slot of every node it tracks, again
    # and again while a graph grows.
    __slots__ = ("data", "_grad", "_label", "op", "_a", "_b", "_da", "_db", "_g", "_n")
    __chainrule_scalar__ = True

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
        self._grad = 0.0
        self._label = label
        self._a = self._b = self.op = None
        self._da = self._db = LAZY
        self._g = 0.0
        self._n = 0

    @classmethod
    def constant(cls, x):
        """A number as a leaf whose gradient nothing needs (what ``x * 2.0`` makes of the 2.0):
        backward never asks an op for its derivative with respect to a constant."""
        return constant_leaf(float(_real(x, "Value.constant")))

    @property
    def grad(self):
        """∂L/∂(this value) after ``L.backward()`` (0.0 before)."""
        try:
            return self._grad
        except AttributeError:             # a node no backward has reached yet
            return 0.0

    @grad.setter
    def grad(self, value):
        self._grad = value

    @property
    def label(self):
        """The name ``repr``, ``explain``, ``draw`` and error messages use ("" for none)."""
        try:
            return self._label
        except AttributeError:
            return ""

    @label.setter
    def label(self, value):
        self._label = value

    # ---- introspection (read by explain, draw and the tests) -------------------------------

    @property
    def _op(self):
        """The op's symbol as a string (``"*"``, ``"tanh"``, ``"**2"``; ``""`` for a leaf), as
        micrograd spells it, so graph code written for micrograd (``uid + n._op``) runs
        unchanged. The :class:`~autograd.ops.Op` itself is ``.op``."""
        op = self.op
        if op is None:
            return ""
        if op.name == "powc":              # micrograd writes the exponent in: "**2"
            return f"**{self._b}"
        return op.symbol

    @property
    def _prev(self):
        a, b = self._a, self._b
        if a is None:
            return ()
        if a.__class__ is tuple:           # an n-ary node (dot, add_n)
            return a
        if self.op.arity == 1:
            return (a,)
        if a.__class__ is not Value or b.__class__ is not Value:
            a, b = self._unfold()
        return (a, b)

    def _unfold(self):
        """Turn the plain-number operand a hot op folded into this node (the 2.0 of
        ``x * 2.0``) into a constant leaf, as every other op makes it: from now on the node
        looks and back-propagates like one built with two inputs (its constant gets a
        gradient, the local derivatives come from the op table)."""
        a, b = self._a, self._b
        if a.__class__ is not Value:
            self._a = a = constant_leaf(float(a))
        if b.__class__ is not Value:
            self._b = b = constant_leaf(float(b))
        self._da = self._db = LAZY
        return a, b

    @property
    def inputs(self):
        """The values this one was computed from (empty for a leaf)."""
        return self._prev

    @property
    def arg(self):
        """The constant parameter of the op (the ``k`` of ``x ** k``), or ``None``."""
        a = self._a
        if a is None or a.__class__ is tuple or self.op.arity != 1:
            return None
        return self._b

    def is_leaf(self):
        """True for a value that was not computed from other values in the graph."""
        return self._a is None

    def is_constant(self):
        """True for a number written into an expression (the 2.0 of ``x * 2.0``)."""
        return self._a is None and self._b is CONSTANT

    def argument_level(self):
        """For a leaf :func:`~autograd.grad` made for a plain number it was given, the nesting
        level of that call (a variable inside it, a constant to the calls around it); else 0."""
        b = self._b
        return b.level if self._a is None and b.__class__ is Argument else 0

    def local_derivatives(self):
        """``∂self/∂input`` for each input, evaluated at the current data (``()`` for a leaf).
        A derivative that does not exist with respect to a constant input (the base of
        ``0.0 ** y``) is NaN: nothing needs it, and it is not a number."""
        if self._a is None:
            return ()
        inputs = self._prev                    # a folded number becomes a constant leaf
        a, b = self._a, self._b
        if len(inputs) == 2:
            b = inputs[1]
        try:
            if a.__class__ is tuple:           # n-ary: local(out, [input values])
                return self.op.local(self.data, [c.data for c in a])
            return self.op.local(self.data, a.data, b.data if b.__class__ is Value else b)
        except ChainruleError:
            return _backprop.needed_locals(self)

    def item(self):
        """The number, as a plain float (the same as ``.data``)."""
        return self.data

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __format__(self, spec):
        return format(self.data, spec) if spec else repr(self)

    def __round__(self, ndigits=None):
        return round(self.data, ndigits)

    def __float__(self):
        raise OperandError(
            f"float() of a Value ({self.data!r}) would drop its gradient silently "
            "(math.exp(v), math.sin(v), float(v) see only the number): use the Value's own "
            "methods, v.exp(), v.sin(), v.log(), ..., to stay in the graph, or v.item() for "
            "the plain number")

    __int__ = __index__ = __complex__ = __float__

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
        _backprop.backward(self, float(grad), Value)

    # ---- operators ----------------------------------------------------------------------------
    # (filled in below from the op table)


def _number(x, what):
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return x
    if hasattr(x, "item") and getattr(x, "__chainrule_scalar__", False):
        return x.item()                 # a Dual: compare its plain value
    raise OperandError(f"{what}: cannot compare a Value with {x!r} of type {type(x).__name__}")


def _real(x, what):
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return x
    raise OperandError(f"{what}: expected a real number, got {x!r} of type {type(x).__name__}")


class _Constant:
    """The marker in a leaf's ``_b`` slot that says: a number written into an expression."""

    __slots__ = ()

    def __repr__(self):
        return "CONSTANT"


CONSTANT = _Constant()


class Argument:
    """The marker in the ``_b`` slot of a leaf that ``grad`` made for a plain number, at nesting
    ``level`` (1 for the outermost ``grad`` call): a variable inside that call, a constant to
    the calls that enclose it."""

    __slots__ = ("level",)

    def __init__(self, level):
        self.level = level

    def __repr__(self):
        return f"Argument({self.level})"


_new = object.__new__


def make_node(data, a, b, op):
    """A new node (no validation: ``data`` comes from an op's forward). Binary operators, the
    hottest path, inline these lines: a function call is a measurable share of an op's cost."""
    v = _new(Value)
    v.data = data
    v._grad = v._g = 0.0
    v._label = ""
    v._a = a
    v._b = b
    v.op = op
    v._da = v._db = LAZY
    v._n = 0
    return v


def constant_leaf(x):
    return make_node(x, None, CONSTANT, None)


def argument_leaf(x, level):
    """A leaf for a plain number given to a ``grad`` call at nesting ``level``: it gets a
    gradient there, and counts as a constant for the calls that enclose it."""
    return make_node(float(x), None, Argument(level), None)


def _lift(x, op):
    """Turn a plain number operand into a constant leaf; refuse anything else clearly."""
    if is_number(x):
        return constant_leaf(float(x))
    if getattr(x, "__chainrule_defer__", False):
        return NotImplemented        # let Tensor's (or Dual's) reflected operator handle it
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


def check_forward(op, out, inputs):
    if not _isfinite(out):
        shown = ", ".join(repr(x) for x in inputs)
        raise AnomalyError(f"anomaly: {op.name}({shown}) produced {out!r} in the forward pass")


def _binary(op, reflected=False):
    """``op`` as an operator: ``self op other`` (``other op self`` when ``reflected``). The hot
    ops get the written-out forms of :func:`_fast_binary`; this general form lifts a number
    operand into a constant leaf and leaves the local derivatives to the op table."""
    forward = op.forward

    def method(self, other):
        cls = other.__class__
        if cls is not Value:
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
            check_forward(op, out, (a.data, b.data))
        if STATE.enabled:
            return make_node(out, a, b, op)
        return make_node(out, None, None, None)

    fast = _fast.binary(op, reflected, method, Value)
    if fast is not None:
        fast.__doc__ = f"{op.expr}  (local derivatives: {', '.join(op.derivs)})"
        return fast
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
            check_forward(op, out, (self.data,))
        if STATE.enabled:
            return make_node(out, self, None, op)
        return make_node(out, None, None, None)

    method = _fast.unary(op, method, Value) or method
    method.__name__ = op.name
    method.__doc__ = f"{op.expr}; {op.formula()}"
    return method


def _power(pow_op, powc_op):
    """``__pow__``: ``x ** 3`` (a plain number: the unary op ``powc``, k = 3) or ``x ** y``."""
    pow_values = _binary(pow_op)
    forward = powc_op.forward

    def __pow__(self, other):
        cls = other.__class__
        if cls is Value:
            return pow_values(self, other)
        if not (cls is int or cls is float or is_number(other)):
            if getattr(other, "__chainrule_defer__", False):
                return NotImplemented
            raise OperandError(f"pow: unsupported exponent {other!r} of type {cls.__name__}; "
                               "use a number or a Value")
        try:
            out = forward(self.data, other)
        except (ChainruleError, OverflowError) as e:
            raise _fail(powc_op, e, (self.data, other), self.label) from None
        if STATE.anomaly:
            check_forward(powc_op, out, (self.data, other))
        if STATE.enabled:
            return make_node(out, self, other, powc_op)
        return make_node(out, None, None, None)

    numbers_fast = _fast.power(powc_op, __pow__, Value)

    def __pow__(self, other, general=__pow__):
        if other.__class__ is Value:
            return pow_values(self, other)
        return numbers_fast(self, other)

    __pow__.__doc__ = (f"``self ** other``: {powc_op.formula()} for a number k, "
                       f"{pow_op.formula(0)} and {pow_op.formula(1)} for a Value.")
    return __pow__


# Every op of the table becomes an operator or a method (autograd.install: the one installer).
_install.add_kind(Value, binary=_binary, unary=_unary, power=_power)


def register(op, name=None, replace=False):
    """The first edition's name of :func:`autograd.install.register_op`."""
    return _install.register_op(op, name, replace)
