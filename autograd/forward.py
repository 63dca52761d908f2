"""Forward mode: dual numbers, for contrast with back-propagation, and for nesting.

A dual number carries a value and a tangent, ``x + ẋ·ε`` with ``ε² = 0``. Pushing it through
``f`` gives ``f(x) + f'(x)·ẋ·ε``: every op computes its value with the op table and its tangent
with the op table's ``local`` derivatives (the same rules ``Value`` uses)::

    tangent_out = Σ_i  ∂out/∂input_i · tangent_i

One forward pass gives the derivative along one direction (a Jacobian-vector product). The
full gradient of ``f: Rⁿ → R`` therefore costs ``n`` passes, against one forward and one
backward pass in reverse mode: :func:`gradient_forward` and :func:`gradient_reverse` count both.

>>> derivative(lambda x: x * x + x, 3.0)
7.0

**Nesting.** The value and the tangent of a Dual may be any kind of number: floats, Values
(a Dual of Values: forward mode whose result is a graph, so it can be back-propagated:
reverse-over-forward gives Hessian-vector products) or Duals (forward over forward: higher
derivatives). Each :func:`jvp` call gives its Duals a fresh ``tag``; an op between Duals of
different tags treats the older one as a constant number, so a derivative taken inside another
never mixes the two perturbations (the "perturbation confusion" of naive nested dual numbers):

>>> derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 2.0)   # d/dx [x · 1] = 1
1.0

Functions written with operators and methods (``x * w + b``, ``x.tanh()``, ``a.max(b)``) work
with both :class:`Dual` and :class:`~autograd.value.Value`.
"""

import itertools
import numbers
from dataclasses import dataclass

from . import install as _install
from . import ops as _ops
from .errors import ChainruleError, FloatOverflow, OperandError, ShapeError


class _Counter:
    """How many dual-number ops ran (read by :func:`gradient_forward`)."""

    ops = 0


COUNTER = _Counter()
_TAGS = itertools.count(1)


class Dual:
    """``value + tangent·ε`` with ``ε² = 0``: a value and its derivative along one direction.

    ``value`` and ``tangent`` are numbers, Values or Duals; ``tag`` names the perturbation
    (0 unless made by :func:`jvp`, which takes a fresh one per call)."""

    __slots__ = ("value", "tangent", "tag")
    __chainrule_defer__ = True       # Value ⊕ Dual: the Dual's reflected operator handles it
    __chainrule_scalar__ = True

    def __init__(self, value, tangent=0.0, tag=0):
        self.value = _number(value, "value")
        self.tangent = _number(tangent, "tangent")
        self.tag = tag

    @classmethod
    def constant(cls, x):
        """``x`` with tangent 0."""
        return cls(x, 0.0)

    def item(self):
        """The plain float inside (the value's value, for a Dual of Values or Duals)."""
        return _ops.primal(self.value)

    def __repr__(self):
        tag = f", tag={self.tag}" if self.tag else ""
        return f"Dual(value={self.value!r}, tangent={self.tangent!r}{tag})"

    def __float__(self):
        raise OperandError(
            f"float() of a Dual ({self!r}) would drop its tangent silently (math.exp(d) and "
            "friends cannot see it): use the Dual's methods (d.exp(), d.sin(), ...) or "
            "d.item() / d.value for the plain number")

    __int__ = __index__ = __complex__ = __float__

    def __format__(self, spec):
        return format(self.item(), spec) if spec else repr(self)

    def __lt__(self, other):
        return self.item() < _compare(other)

    def __le__(self, other):
        return self.item() <= _compare(other)

    def __gt__(self, other):
        return self.item() > _compare(other)

    def __ge__(self, other):
        return self.item() >= _compare(other)

    __hash__ = object.__hash__


def _is_graph_number(x):
    return getattr(x, "__chainrule_scalar__", False)


def _number(x, what):
    """A float for a real number; a Value or a Dual as it is; anything else is refused."""
    if isinstance(x, numbers.Real):
        return float(x)
    if _is_graph_number(x):
        return x
    raise OperandError(f"Dual: the {what} must be a real number, a Value or a Dual, got {x!r} "
                       f"of type {type(x).__name__}")


def _compare(x):
    if isinstance(x, numbers.Real):
        return x
    if _is_graph_number(x):
        return x.item()
    raise OperandError(f"Dual: cannot compare with {x!r} of type {type(x).__name__}")


def _refuse(x, op):
    """NotImplemented for a Tensor (its reflected operator handles it), else a clear error."""
    if getattr(x, "__chainrule_defer__", False) and not isinstance(x, Dual):
        return NotImplemented
    raise OperandError(f"Dual {op.name}: unsupported operand {x!r} of type "
                       f"{type(x).__name__}; use a number, a Value or a Dual")


def _part(x, tag):
    """(value, tangent) of ``x`` for perturbation ``tag``: anything else is a constant here."""
    if x.__class__ is Dual and x.tag == tag:
        return x.value, x.tangent
    return x, 0.0


def _nonzero(t):
    return t.__class__ is not float or t != 0.0


def apply(op, a, b=None, k=None):
    """One op on dual numbers: the op applied to the values (``ops.call``: floats, Values or
    Duals), ``Σ local·tangent`` for the tangent, asking the rule only for the inputs whose
    tangent is not zero. ``b`` is the second input of a binary op; ``k`` the constant of a
    unary op."""
    COUNTER.ops += 1
    binary = op.arity == 2
    tag = max(x.tag for x in ((a, b) if binary else (a,)) if x.__class__ is Dual)
    av, at = _part(a, tag)
    bv, bt = _part(b, tag) if binary else (k, 0.0)
    try:
        out = _ops.call(op, av, bv)
        need = (_nonzero(at), binary and _nonzero(bt))
        tangent = 0.0
        if any(need):
            try:
                local = op.local(out, av, bv)
            except ChainruleError:     # ask only for what is needed (0.0 ** y: not ∂/∂base)
                local = [op.partial(i, out, av, bv) if n else 0.0 for i, n in enumerate(need)]
            if need[0]:
                tangent = local[0] * at
            if need[1]:
                tangent = tangent + local[1] * bt
        return Dual(out, tangent, tag)
    except ChainruleError:
        raise
    except OverflowError:          # math.exp(1000.0), 10.0 ** 400: name the op, as Value does
        values = ", ".join(repr(x) for x in ((av, bv) if binary else
                                             (av,) if k is None else (av, k)))
        raise FloatOverflow(op.name, av, f"{op.name}({values}) is too large for a float "
                                         "(forward mode)") from None


def _binary(op, reflected=False):
    def method(self, other):
        if not (isinstance(other, numbers.Real) or _is_graph_number(other)):
            return _refuse(other, op)
        return apply(op, other, self) if reflected else apply(op, self, other)

    method.__doc__ = f"{op.expr}, tangent from {', '.join(op.derivs)}"
    return method


def _unary(op):
    def method(self):
        return apply(op, self)

    method.__doc__ = f"{op.expr}; {op.formula()}"
    return method


def _power(pow_op, powc_op):
    def __pow__(self, other):
        if isinstance(other, numbers.Real):
            return apply(powc_op, self, k=other)
        if _is_graph_number(other):
            return apply(pow_op, self, other)
        return _refuse(other, pow_op)
    return __pow__


_install.add_kind(Dual, binary=_binary, unary=_unary, power=_power)


# ---- derivatives with dual numbers ---------------------------------------------------------------

def _value_and_tangent(y, tag):
    if y.__class__ is Dual and y.tag == tag:
        return y.value, y.tangent
    if isinstance(y, numbers.Real):
        return float(y), 0.0      # f ignored its input: a constant
    if _is_graph_number(y):
        return y, 0.0
    raise OperandError(f"jvp: f must return a number, a Value or a Dual, got {y!r}")


def jvp(f, primals, tangents):
    """``(f(primals), ∇f(primals)·tangents)``: the value and the directional derivative, in
    one forward pass. Floats in give floats out; Values in (or Values as tangents) give Values
    that are part of the caller's graph, so the result can be back-propagated."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ShapeError(f"jvp: {len(primals)} inputs but {len(tangents)} tangents")
    for what, xs in (("primals", primals), ("tangents", tangents)):
        for i, x in enumerate(xs):
            if getattr(x, "__chainrule_array__", False):
                raise OperandError(f"jvp: {what}[{i}] is a Tensor; forward mode (Dual numbers) "
                                   "works on numbers and Values. For Tensors use vjp or "
                                   "gradients (reverse mode), or hvp(f, primals, tangents)")
    tag = next(_TAGS)
    return _value_and_tangent(f(*(Dual(x, t, tag) for x, t in zip(primals, tangents))), tag)


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
        value = _value_and_tangent(f(), None)[0]
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
