"""Elementwise Tensor ops: every op of the op table, on arrays, with NumPy broadcasting.

One record per table op (:class:`Elementwise`) keeps the three parts together:

* forward: ``op.forward`` on every pair of elements (a few hot ops through C-level kernels);
* backward (first order, flat lists): ∂L/∂a = g · ∂out/∂a with ``op.local`` evaluated on each
  element's floats, summed back over broadcast axes to a's shape
  (:func:`~autograd.shapes.reduce_to`);
* vjp (``create_graph=True``): the *same* rule, ``op.local`` evaluated on the Tensors
  themselves (the rules are written with the library's own ops, so on Tensors they build a
  graph), then :func:`unbroadcast` written with ``sum`` and ``reshape``.

The fast paths (add, sub, mul, neg, exp, tanh, relu) compute exactly what the rule computes;
``tests/test_tensor_kernels.py`` pins each of them to the op table.
"""

import numbers
from itertools import repeat
from operator import itemgetter, mul, neg

from . import install as _install
from . import kernels as K
from .errors import ChainruleError, FloatOverflow, OperandError
from .shapes import broadcast_shape, expand, reduce_to
from .tensor_base import Tensor, as_tensor, leaf, make

_first = itemgetter(0)
_second = itemgetter(1)


class Elementwise:
    """An op of the table applied element by element."""

    __slots__ = ("op",)

    def __init__(self, op):
        self.op = op

    @property
    def name(self):
        return self.op.name

    def backward(self, node, g):
        if self.op.arity == 2:
            return _backward_binary(self.op, node, g)
        return (_backward_unary(self.op, node, g),)

    def vjp(self, node, g):
        """The chain rule with the op table's rule evaluated on the tensors (a new graph)."""
        op = self.op
        inputs = node._inputs
        try:
            if op.arity == 2:
                a, b = inputs
                parts = [op.partial(i, node, a, b) if x.requires_grad else None
                         for i, x in enumerate(inputs)]
            else:
                parts = [op.partial(0, node, inputs[0], node._ctx)]
        except TypeError as e:            # a rule that branches on a value ("if a > 0")
            raise OperandError(f"gradients(create_graph=True): the derivative rule of "
                               f"{op.name} compares values, which tensors do not support yet "
                               f"({e})") from None
        return tuple(None if d is None else unbroadcast(g * d, x.shape)
                     for d, x in zip(parts, inputs))


_RECORDS = {}


def record(op):
    """The :class:`Elementwise` record of a table op (made once)."""
    r = _RECORDS.get(op)
    if r is None:
        r = _RECORDS[op] = Elementwise(op)
    return r


def unbroadcast(t, shape):
    """``t`` summed over the axes that broadcasting stretched, back to ``shape`` (in Tensor ops,
    so it can be differentiated again)."""
    if t.shape == tuple(shape):
        return t
    lead = len(t.shape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and t.shape[lead + i] != 1)
    return t.sum(axes, keepdims=True).reshape(shape) if axes else t.reshape(shape)


def _apply(op, xs, ks):
    """``op.forward`` over paired lists; a domain error names the first offending index."""
    try:
        return list(map(op.forward, xs, ks))
    except (ChainruleError, OverflowError) as e:
        for i, (x, k) in enumerate(zip(xs, ks)):
            try:
                op.forward(x, k)
            except (ChainruleError, OverflowError):
                args = f"{x!r}" if op.arity == 1 and k is None else f"{x!r}, {k!r}"
                if isinstance(e, ChainruleError):
                    e.args = (f"{e.args[0]} at flat index {i}",) + e.args[1:]
                    raise e from None
                raise FloatOverflow(op.name, x, f"{op.name}({args}) at flat index {i} is too "
                                                "large for a float") from None
        raise


def binary(op, a, b):
    """Elementwise ``a <op> b`` with NumPy broadcasting; values from ``op.forward``."""
    name = op.name
    a, b = as_tensor(a, name), as_tensor(b, name)
    shape = a.shape if a.shape == b.shape else broadcast_shape(a.shape, b.shape, name)
    ea, eb = expand(a.data, a.shape, shape), expand(b.data, b.shape, shape)
    if name == "add":
        out = K.add_same(ea, eb)
    elif name == "sub":
        out = K.sub_same(ea, eb)
    elif name == "mul":
        out = K.mul_same(ea, eb)
    else:
        out = _apply(op, ea, eb)
    return make(out, shape, record(op), (a, b))


def unary(op, x, k=None):
    """Elementwise ``op(x)`` (``k``: the op's constant, e.g. the exponent of ``powc``)."""
    name = op.name
    if name == "tanh":
        out = K.tanh_forward(x.data)
    elif name == "relu":
        out = K.relu_forward(x.data)
    elif name == "neg":
        out = list(map(neg, x.data))
    else:
        out = _apply(op, x.data, repeat(k))
    return make(out, x.shape, record(op), (x,), k)


def _backward_binary(op, node, g):
    """Chain rule per element: ∂L/∂a = g · ∂out/∂a (from ``op.local``), then summed back over
    broadcast axes to a's shape; the same for b."""
    a, b = node._inputs
    shape, name = node.shape, op.name
    if name == "add":
        ga, gb = g, g
    elif name == "sub":
        ga, gb = g, (list(map(neg, g)) if b.requires_grad else None)
    elif name == "mul":
        ga = K.mul_same(g, expand(b.data, b.shape, shape)) if a.requires_grad else None
        gb = K.mul_same(g, expand(a.data, a.shape, shape)) if b.requires_grad else None
    else:
        ea, eb = expand(a.data, a.shape, shape), expand(b.data, b.shape, shape)
        try:
            locs = list(map(op.local, node.data, ea, eb))
            da, db = map(_first, locs), map(_second, locs)
        except ChainruleError:     # ask only for the inputs that need it (0.0 ** y: not ∂/∂a)
            da = map(op.partial, repeat(0), node.data, ea, eb) if a.requires_grad else None
            db = map(op.partial, repeat(1), node.data, ea, eb) if b.requires_grad else None
        ga = list(map(mul, g, da)) if a.requires_grad else None
        gb = list(map(mul, g, db)) if b.requires_grad else None
    return (None if ga is None else reduce_to(ga, shape, a.shape),
            None if gb is None else reduce_to(gb, shape, b.shape))


def _backward_unary(op, node, g):
    """∂L/∂x = g · ∂out/∂x, the local derivative read from the op table."""
    (x,) = node._inputs
    name = op.name
    if name == "tanh":
        return K.tanh_backward(node.data, g)
    if name == "relu":
        return K.relu_backward(x.data, g)
    if name == "neg":
        return list(map(neg, g))
    if name == "exp":
        return K.mul_same(g, node.data)
    return list(map(mul, g, map(_first, map(op.local, node.data, x.data, repeat(node._ctx)))))


def piecewise(cls, f, *args):
    """``f`` applied element by element to the broadcast values of ``args`` (tensors or
    numbers), as a constant tensor: how ``ops.step``/``sign``/``split`` run on arrays."""
    ts = [as_tensor(x, "piecewise") for x in args]
    shape = ts[0].shape
    for t in ts[1:]:
        shape = broadcast_shape(shape, t.shape, "piecewise")
    return leaf(list(map(f, *(expand(t.data, t.shape, shape) for t in ts))), shape)


def _unary_method(op):
    def method(self):
        return unary(op, self)

    method.__doc__ = f"Elementwise {op.expr}; {op.formula()}"
    return method


def _binary_method(op, reflected=False):
    """``a <op> b`` as a method (``reflected``: ``self`` is the right operand, as in 2 - x)."""
    if reflected:
        def method(self, other):
            return binary(op, other, self)
        where = "other, b = self"
    else:
        def method(self, other):
            return binary(op, self, other)
        where = "self, b = other"
    method.__doc__ = (f"Elementwise {op.expr} with NumPy broadcasting (a = {where}); "
                      f"{op.formula(0)}, {op.formula(1)}")
    return method


def _power(pow_op, powc_op):
    def __pow__(self, other):
        """``x ** k`` for a number k (op ``powc``) or ``x ** y`` for a tensor y (op ``pow``)."""
        if isinstance(other, numbers.Real) and not isinstance(other, Tensor):
            return unary(powc_op, self, float(other))
        return binary(pow_op, self, other)
    return __pow__


Tensor.piecewise = classmethod(piecewise)
_install.add_kind(Tensor, binary=_binary_method, unary=_unary_method, power=_power, array=True)
