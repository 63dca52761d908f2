"""One installer: the op table's entries become operators and methods of every kind of number.

A *kind* is a class that computes with the op table: :class:`~autograd.Value` (reverse mode),
:class:`~autograd.Dual` (forward mode), :class:`~autograd.Tensor` (arrays, elementwise) and the
complex-step number of :mod:`autograd.testing`. Each registers itself once with
:func:`add_kind`, giving three small factories that turn an :class:`~autograd.ops.Op` into one
of its methods:

* ``binary(op, reflected=False)`` → ``method(self, other)`` (reflected: ``self`` is the right
  operand, as in ``2 - x``);
* ``unary(op)`` → ``method(self)``;
* ``power(pow_op, powc_op)`` → ``__pow__(self, other)``: ``x ** 3`` (a plain number) is the
  unary ``powc``, ``x ** y`` the binary ``pow``.

Every op of :data:`autograd.ops.OPS`, the ones defined in ``ops.py`` and any added later with
:func:`register_op`, is then attached to every kind by the same rule:

* an op with a ``dunder`` becomes that operator: ``add`` → ``__add__`` and ``__radd__``,
  ``neg`` → ``__neg__``, ``pow`` → ``__pow__`` and ``__rpow__``;
* any other op becomes a method named ``op.method`` (``x.tanh()``, ``x.max(y)``); arrays use
  ``op.array_method`` where NumPy's name differs (``T.maximum(U)``, because ``T.max()`` is a
  reduction), and scalars get that name too, so ``x.maximum(y)`` works on both.

There is no other list of ops anywhere: a new op is one table entry and it reaches every kind.
"""

from . import ops as _ops
from .errors import OperandError


class Kind:
    """A class that computes with the op table, and the factories that make its methods."""

    __slots__ = ("cls", "binary", "unary", "power", "array", "_methods")

    def __init__(self, cls, binary, unary, power, array):
        self.cls = cls
        self.binary = binary
        self.unary = unary
        self.power = power
        self.array = array
        self._methods = {}

    def call(self, op, a, b=None):
        """``op`` on ``a`` (and ``b``) where one of them is of this kind, whether or not the op
        is a method yet (``ops.call`` and the expression parser come here)."""
        if op.arity == 1:
            if op.dunder == "pow":                        # a ** k
                return self._method(op, "power")(a, b)
            return self._method(op, "unary")(a)
        if isinstance(a, self.cls):
            return self._method(op, "binary")(a, b)
        return self._method(op, "reflected")(b, a)

    def _method(self, op, form):
        key = (op, form)
        m = self._methods.get(key)
        if m is None:
            if form == "power":
                m = self.power(_ops.OPS["pow"], op)
            elif form == "unary":
                m = self.unary(op)
            else:
                m = self.binary(op, form == "reflected")
            self._methods[key] = m
        return m

    def names(self, op, alias=None):
        """The attribute names ``op`` gets on this kind."""
        names = ()
        if op.dunder and not (op.arity == 1 and op.dunder == "pow"):
            names = ((f"__{op.dunder}__",) if op.arity == 1 else
                     (f"__{op.dunder}__", f"__r{op.dunder}__"))
        if alias:
            return names + (alias,)
        if self.array:
            return names + ((op.array_method,) if op.array_method else ())
        return names + tuple(dict.fromkeys(n for n in (op.method, op.array_method) if n))

    def install(self, op, alias=None):
        cls = self.cls
        for name in self.names(op, alias):
            if name == "__pow__":
                method = self.power(op, _ops.OPS["powc"])
            elif name.startswith("__r") and op.arity == 2:
                method = self.binary(op, True)
            elif op.arity == 2:
                method = self.binary(op, False)
            else:
                method = self.unary(op)
            method.__name__ = method.__qualname__ = name
            setattr(cls, name, method)
            INSTALLED.add((cls, name))


KINDS = []
INSTALLED = set()          # (class, attribute) pairs this module made: the ones it may replace
_ALIASES = {}              # op name -> method name given to register_op(op, name)


def add_kind(cls, *, binary, unary, power, array=False):
    """Register a kind of number and give it every op of the table."""
    kind = Kind(cls, binary, unary, power, array)
    KINDS.append(kind)
    _ops.KINDS[cls] = kind
    for op in list(_ops.OPS.values()):
        kind.install(op, _ALIASES.get(op.name))
    return kind


def register_op(op, name=None, replace=False):
    """Make an :class:`~autograd.ops.Op` an operator or method of every kind of number
    (``Value``, ``Tensor``, ``Dual`` and the complex step): ``x.name()`` for a unary op,
    ``x.name(y)`` for a binary one. ``name`` overrides the method name; ``replace=True``
    replaces an op method of the same name. Returns the op.

    >>> from autograd import ops, Value, register_op, unregister_op
    >>> cube = ops.op("cube", arity=1, expr="a³", derivs=("3·a²",),
    ...               forward=lambda a, k: a ** 3, local=lambda out, a, k: (3 * a * a,))
    >>> _ = register_op(cube)
    >>> Value(2.0).cube().data
    8.0
    >>> unregister_op(cube)          # off every kind again (and out of ops.OPS)

    The op is in ``ops.OPS`` too (``ops.op`` put it there), so explain, draw and the expression
    parser know its formula.
    """
    if not isinstance(op, _ops.Op) or isinstance(op, _ops.NaryOp):
        raise OperandError(f"register_op: expected an autograd.ops.Op made by ops.op(...), "
                           f"got {op!r}")
    if name is not None and (not isinstance(name, str) or not name.isidentifier()
                             or name.startswith("_")):
        raise OperandError(f"register_op: {name!r} is not a usable method name")
    if op.dunder is None and name is None and not op.method:
        raise OperandError(f"register_op: op {op.name!r} has no method name; pass name=")
    for kind in KINDS:
        for attr in kind.names(op, name):
            if not hasattr(kind.cls, attr):
                continue
            if not replace:
                raise OperandError(f"register_op: {kind.cls.__name__} already has {attr!r}; "
                                   "pass replace=True to replace it")
            if (kind.cls, attr) not in INSTALLED:
                raise OperandError(f"register_op: {kind.cls.__name__}.{attr} is not an op "
                                   "method; choose another name")
    _ops.OPS[op.name] = op
    if name is not None:
        _ALIASES[op.name] = name
    for kind in KINDS:
        kind.install(op, name)
    return op


def unregister_op(op):
    """Take an op added with :func:`register_op` off every kind and out of ``ops.OPS`` (tests
    and mutation runs that add an op for a while)."""
    name = _ALIASES.pop(op.name, None)
    for kind in KINDS:
        for attr in kind.names(op, name):
            if (kind.cls, attr) in INSTALLED and attr in vars(kind.cls):
                delattr(kind.cls, attr)
                INSTALLED.discard((kind.cls, attr))
    if _ops.OPS.get(op.name) is op:
        del _ops.OPS[op.name]
