"""Forward mode: dual numbers, for contrast with back-propagation.

A dual number carries a value and a tangent, ``x + ẋ·ε`` with ``ε² = 0``. Pushing it through
``f`` gives ``f(x) + f'(x)·ẋ·ε``: every op computes its value with the op table's ``forward``
and its tangent with the op table's ``local`` derivatives (the same table ``Value`` uses)::

    tangent_out = Σ_i  ∂out/∂input_i · tangent_i

One forward pass gives the derivative along one direction (a Jacobian-vector product). The
full gradient of ``f: Rⁿ → R`` therefore costs ``n`` passes, against one forward and one
backward pass in reverse mode: :func:`gradient_forward` and :func:`gradient_reverse` count both.

>>> derivative(lambda x: x * x + x, 3.0)
7.0

Functions written with operators and methods (``x * w + b``, ``x.tanh()``, ``a.max(b)``) work
with both :class:`Dual` and :class:`~autograd.value.Value`.
"""

import numbers
from dataclasses import dataclass

from . import ops as _ops
from .errors import ChainruleError, FloatOverflow, OperandError


class _Counter:
    """How many dual-number ops ran (read by :func:`gradient_forward`)."""

    ops = 0


COUNTER = _Counter()


class Dual:
    """``value + tangent·ε`` with ``ε² = 0``: a value and its derivative along one direction."""

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        self.value = _real(value, "value")
        self.tangent = _real(tangent, "tangent")

    def __repr__(self):
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    def __float__(self):
        return self.value

    def __lt__(self, other):
        return self.value < _lift(other).value

    def __le__(self, other):
        return self.value <= _lift(other).value

    def __gt__(self, other):
        return self.value > _lift(other).value

    def __ge__(self, other):
        return self.value >= _lift(other).value

    def __pow__(self, other):
        if isinstance(other, Dual):
            return apply(_ops.POW, self, other)
        if isinstance(other, numbers.Real):
            return apply(_ops.POWC, self, k=other)
        return _refuse(other, _ops.POW)

    def __rpow__(self, other):
        return apply(_ops.POW, _lift(other), self)


def _real(x, what):
    """``float(x)`` for a real number; ``Dual("1")`` or ``Dual(Value(1))`` is refused (a string
    or a graph node would be silently turned into a constant)."""
    if isinstance(x, numbers.Real) and not hasattr(x, "_op"):
        return float(x)
    raise OperandError(f"Dual: the {what} must be a real number, got {x!r} of type "
                       f"{type(x).__name__}" + ("; pass value.data" if hasattr(x, "data") else ""))


def _refuse(x, op):
    """NotImplemented for a Tensor (its reflected operator handles it), else a clear error."""
    if getattr(x, "__chainrule_tensor__", False):
        return NotImplemented
    raise OperandError(f"Dual {op.name}: unsupported operand {x!r} of type "
                       f"{type(x).__name__}; use a number or a Dual")


def _lift(x):
    if isinstance(x, Dual):
        return x
    if isinstance(x, numbers.Real):
        return Dual(x, 0.0)
    raise OperandError(f"Dual: unsupported operand {x!r} of type {type(x).__name__}; "
                       "use a number or a Dual")


def apply(op, a, b=None, k=None):
    """One op on dual numbers: ``op.forward`` for the value, ``Σ op.local·tangent`` for the
    tangent. ``b`` is the second input of a binary op; ``k`` the constant of a unary op."""
    COUNTER.ops += 1
    try:
        if op.arity == 2:
            out = op.forward(a.value, b.value)
            da, db = op.local(out, a.value, b.value)
            tangent = 0.0
            if a.tangent:
                tangent += da * a.tangent
            if b.tangent:
                tangent += db * b.tangent
            return Dual(out, tangent)
        out = op.forward(a.value, k)
        (da,) = op.local(out, a.value, k)
        return Dual(out, da * a.tangent if a.tangent else 0.0)
    except ChainruleError:
        raise
    except OverflowError:          # math.exp(1000.0), 10.0 ** 400: name the op, as Value does
        values = ", ".join(repr(x) for x in ((a.value, b.value) if op.arity == 2 else
                                             (a.value,) if k is None else (a.value, k)))
        raise FloatOverflow(op.name, a.value,
                            f"{op.name}({values}) is too large for a float (forward mode)") \
            from None


def _binary(op, reflected=False):
    def method(self, other):
        if not isinstance(other, (Dual, numbers.Real)) or hasattr(other, "_op"):
            return _refuse(other, op)
        other = _lift(other)
        return apply(op, other, self) if reflected else apply(op, self, other)

    method.__name__ = op.name
    method.__doc__ = f"{op.expr}, tangent from {', '.join(op.derivs)}"
    return method


def _unary(op):
    def method(self):
        return apply(op, self)

    method.__name__ = op.name
    method.__doc__ = f"{op.expr}; {op.formula()}"
    return method


for _name, _op in (("add", _ops.ADD), ("sub", _ops.SUB), ("mul", _ops.MUL),
                   ("truediv", _ops.DIV)):
    setattr(Dual, f"__{_name}__", _binary(_op))
    setattr(Dual, f"__r{_name}__", _binary(_op, reflected=True))
Dual.max = _binary(_ops.MAX)
Dual.min = _binary(_ops.MIN)
Dual.__neg__ = _unary(_ops.NEG)
Dual.__abs__ = _unary(_ops.ABS)
for _op in _ops.UNARY:
    if _op.name != "neg":
        setattr(Dual, _op.name, _unary(_op))
del _name, _op


# ---- derivatives with dual numbers ---------------------------------------------------------------

def _value_and_tangent(y):
    if isinstance(y, Dual):
        return y.value, y.tangent
    return float(y), 0.0          # f ignored its input: a constant


def jvp(f, inputs, tangents):
    """``(f(inputs), ∇f(inputs)·tangents)``: the value and the directional derivative, in one
    forward pass."""
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: {len(inputs)} inputs but {len(tangents)} tangents")
    return _value_and_tangent(f(*(Dual(x, t) for x, t in zip(inputs, tangents))))


def derivative(f, x):
    """``f'(x)`` for ``f: R → R`` in one forward pass (tangent 1 on the input)."""
    return jvp(f, (x,), (1.0,))[1]


@dataclass(frozen=True)
class GradientResult:
    """``f(inputs)``, its gradient, and what it cost: passes over ``f`` and ops executed."""

    value: float
    gradient: tuple
    passes: int
    ops: int


def gradient_forward(f, inputs):
    """∇f at ``inputs`` by forward mode: one pass per input ``i`` with tangent ``e_i``.

    Cost: ``n`` passes of ``f`` (``ops`` counts every dual-number op), against reverse mode's
    single forward + backward pass (:func:`gradient_reverse`).
    """
    inputs = [float(x) for x in inputs]
    start = COUNTER.ops
    value, grad = None, []
    for i in range(len(inputs)):
        seed = [0.0] * len(inputs)
        seed[i] = 1.0
        value, d = jvp(f, inputs, seed)
        grad.append(d)
    if value is None:                       # no inputs: evaluate once for the value
        value = _value_and_tangent(f())[0]
    return GradientResult(value, tuple(grad), len(inputs), COUNTER.ops - start)


def gradient_reverse(f, inputs):
    """∇f at ``inputs`` by reverse mode, for comparison: one forward pass building the graph
    and one backward pass over it. ``ops`` counts the graph's op nodes (each one is run
    forward once and back-propagated once)."""
    from .engine import topological_order
    from .value import Value

    xs = [Value(float(x)) for x in inputs]
    y = f(*xs)
    if not isinstance(y, Value):
        return GradientResult(float(y), tuple(0.0 for _ in xs), 1, 0)
    y.backward()
    ops = sum(1 for v in topological_order(y) if not v.is_leaf())
    return GradientResult(y.data, tuple(x.grad for x in xs), 2, ops)
