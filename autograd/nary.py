"""N-ary ops on Values: ``dot`` (a neuron's pre-activation) and ``add_n`` (a sum of many terms),
each ONE node instead of a chain of binary ones.

A neuron's ``b + w1·x1 + … + wn·xn`` written with ``+`` and ``*`` is 2n nodes; as one n-ary node
it is one, with its own local derivatives (∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1: ``ops.DOT``), which
is most of what makes an MLP step fast. For other kinds of number (duals, tensors) both fall
back to the same expression in ``+`` and ``*``.
"""

from . import ops as _ops
from .engine import STATE
from .errors import FloatOverflow, OperandError, ShapeError
from .value import Value, check_forward, constant_leaf, is_number, make_node

__all__ = ["dot", "add_n"]


def _constant(x, what):
    if x.__class__ is Value:
        return x
    if is_number(x):
        return constant_leaf(float(x))
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
        check_forward(op, out, xs)
    if STATE.enabled:
        return make_node(out, inputs, None, op)
    return make_node(out, None, None, None)


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
    return SOME_NUMBERS if all(x.__class__ is Value or is_number(x) for x in items) else OTHER


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
