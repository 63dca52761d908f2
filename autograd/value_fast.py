"""The hot ops of ``Value`` written out: ``+ - * /``, ``x ** k``, ``neg``, ``tanh``, ``relu``,
``exp``, ``log``, ``sigmoid``.

These are the same ops as the table's (:mod:`autograd.ops`): the same forward, the same local
derivatives, bit for bit (the tests compare every one with the table). What is written out is
what an op costs in CPython:

* **One object per op.** A plain-number operand (``x * 2.0``, ``1.0 - y``) is folded into the
  node, not wrapped in a constant leaf (one more object for the garbage collector to track and
  traverse). ``Value.inputs`` turns it into a constant leaf when something looks (explain,
  draw): the graph then reads as before.
* **Local derivatives stored in the forward pass**, as floats in ``_da``/``_db`` (``∂out/∂a``,
  ``∂out/∂b``; ``None`` for a folded number), so ``backward()`` runs the same three lines for
  every hot node, with no call to the table and no tuple.
* **One switch read per op**: ``STATE.fast`` (recording on, anomaly mode off). Anything else
  (``no_grad``, ``detect_anomaly``, a division by zero, an overflow, a negative base, an operand
  of another type) goes to the general form, which raises the op's clear errors.

Each factory gets ``general``, the general form of the same operator, and ``cls``, ``Value``.
"""

import math

from . import rules as _rules
from .engine import STATE
from .ops import ADD, DIV, EXP, LOG, MUL, NEG, POWC, RELU, SIGMOID, SUB, TANH

_new = object.__new__
_tanh, _exp, _log = math.tanh, math.exp, math.log


def binary(op, reflected, general, cls):
    """The written-out form of a hot binary op (``None`` for any other op)."""
    if op is ADD:
        return _radd(general, cls) if reflected else _add(general, cls)
    if op is SUB:
        return _rsub(general, cls) if reflected else _sub(general, cls)
    if op is MUL:
        return _rmul(general, cls) if reflected else _mul(general, cls)
    if op is DIV:
        return _rdiv(general, cls) if reflected else _div(general, cls)
    return None


# Each operator below: with another Value, both local derivatives; with a number c folded in,
# one (the other is None). The number's class is checked exactly: bool and other Reals go to
# the general form. Each makes its node inline (a new object and the eight slots it needs;
# .grad and .label stay unset, read as 0.0 and ""): a helper function would cost one more
# Python call per op, a measurable share of it.

def _add(general, cls):
    def __add__(self, other):
        if STATE.fast:
            k = other.__class__
            if k is cls:
                v = _new(cls)
                v.data = self.data + other.data
                v.op = ADD
                v._a = self
                v._b = other
                v._da = 1.0
                v._db = 1.0
                v._n = 0
                return v
            if k is float or k is int:
                c = other if k is float else float(other)
                v = _new(cls)
                v.data = self.data + c
                v.op = ADD
                v._a = self
                v._b = c
                v._da = 1.0
                v._db = None
                v._n = 0
                return v
        return general(self, other)
    return __add__


def _radd(general, cls):
    def __radd__(self, other):                   # other + self
        if STATE.fast:
            k = other.__class__
            if k is float or k is int:
                c = other if k is float else float(other)
                v = _new(cls)
                v.data = c + self.data
                v.op = ADD
                v._a = c
                v._b = self
                v._da = None
                v._db = 1.0
                v._n = 0
                return v
        return general(self, other)
    return __radd__


def _sub(general, cls):
    def __sub__(self, other):
        if STATE.fast:
            k = other.__class__
            if k is cls:
                v = _new(cls)
                v.data = self.data - other.data
                v.op = SUB
                v._a = self
                v._b = other
                v._da = 1.0
                v._db = -1.0
                v._n = 0
                return v
            if k is float or k is int:
                c = other if k is float else float(other)
                v = _new(cls)
                v.data = self.data - c
                v.op = SUB
                v._a = self
                v._b = c
                v._da = 1.0
                v._db = None
                v._n = 0
                return v
        return general(self, other)
    return __sub__


def _rsub(general, cls):
    def __rsub__(self, other):                   # other - self
        if STATE.fast:
            k = other.__class__
            if k is float or k is int:
                c = other if k is float else float(other)
                v = _new(cls)
                v.data = c - self.data
                v.op = SUB
                v._a = c
                v._b = self
                v._da = None
                v._db = -1.0
                v._n = 0
                return v
        return general(self, other)
    return __rsub__


def _mul(general, cls):
    def __mul__(self, other):
        if STATE.fast:
            k = other.__class__
            if k is cls:
                a, b = self.data, other.data
                v = _new(cls)
                v.data = a * b
                v.op = MUL
                v._a = self
                v._b = other
                v._da = b
                v._db = a
                v._n = 0
                return v
            if k is float or k is int:
                c = other if k is float else float(other)
                v = _new(cls)
                v.data = self.data * c
                v.op = MUL
                v._a = self
                v._b = c
                v._da = c
                v._db = None
                v._n = 0
                return v
        return general(self, other)
    return __mul__


def _rmul(general, cls):
    def __rmul__(self, other):                   # other * self
        if STATE.fast:
            k = other.__class__
            if k is float or k is int:
                c = other if k is float else float(other)
                v = _new(cls)
                v.data = c * self.data
                v.op = MUL
                v._a = c
                v._b = self
                v._da = None
                v._db = c
                v._n = 0
                return v
        return general(self, other)
    return __rmul__


def _div(general, cls):
    def __truediv__(self, other):
        if STATE.fast:
            k = other.__class__
            if k is cls:
                b = other.data
                if b != 0:                       # 0: the general form raises DivisionByZero
                    out = self.data / b
                    v = _new(cls)
                    v.data = out
                    v.op = DIV
                    v._a = self
                    v._b = other
                    v._da = 1.0 / b
                    v._db = -out / b
                    v._n = 0
                    return v
            elif k is float or k is int:
                c = other if k is float else float(other)
                if c != 0:
                    v = _new(cls)
                    v.data = self.data / c
                    v.op = DIV
                    v._a = self
                    v._b = c
                    v._da = 1.0 / c
                    v._db = None
                    v._n = 0
                    return v
        return general(self, other)
    return __truediv__


def _rdiv(general, cls):
    def __rtruediv__(self, other):               # other / self
        if STATE.fast:
            k = other.__class__
            b = self.data
            if (k is float or k is int) and b != 0:
                out = float(other) / b
                v = _new(cls)
                v.data = out
                v.op = DIV
                v._a = float(other)
                v._b = self
                v._da = None
                v._db = -out / b
                v._n = 0
                return v
        return general(self, other)
    return __rtruediv__


def unary(op, general, cls):
    """The written-out form of a hot unary op (``None`` for any other op)."""
    if op is NEG:
        def __neg__(self):
            if STATE.fast:
                v = _new(cls)
                v.data = -self.data
                v.op = NEG
                v._a = self
                v._b = None
                v._da = -1.0
                v._db = None
                v._n = 0
                return v
            return general(self)
        return __neg__
    if op is TANH:
        def tanh(self):
            if STATE.fast:
                out = _tanh(self.data)
                v = _new(cls)
                v.data = out
                v.op = TANH
                v._a = self
                v._b = None
                v._da = 1.0 - out * out
                v._db = None
                v._n = 0
                return v
            return general(self)
        return tanh
    if op is RELU:
        def relu(self):
            if STATE.fast:
                a = self.data
                if a > 0:
                    v = _new(cls)
                    v.data = a
                    v.op = RELU
                    v._a = self
                    v._b = None
                    v._da = 1.0
                    v._db = None
                    v._n = 0
                    return v
                if a <= 0:
                    v = _new(cls)
                    v.data = 0.0
                    v.op = RELU
                    v._a = self
                    v._b = None
                    v._da = 0.0
                    v._db = None
                    v._n = 0
                    return v
            return general(self)                 # NaN
        return relu
    if op is EXP:
        def exp(self):
            if STATE.fast:
                try:
                    out = _exp(self.data)
                except OverflowError:
                    return general(self)
                v = _new(cls)
                v.data = out
                v.op = EXP
                v._a = self
                v._b = None
                v._da = out
                v._db = None
                v._n = 0
                return v
            return general(self)
        return exp
    if op is LOG:
        def log(self):
            a = self.data
            if STATE.fast and a > 0:
                v = _new(cls)
                v.data = _log(a)
                v.op = LOG
                v._a = self
                v._b = None
                v._da = 1.0 / a
                v._db = None
                v._n = 0
                return v
            return general(self)
        return log
    if op is SIGMOID:
        forward = op.forward

        def sigmoid(self):
            if STATE.fast:
                out = forward(self.data, None)
                v = _new(cls)
                v.data = out
                v.op = SIGMOID
                v._a = self
                v._b = None
                v._da = out * (1.0 - out)
                v._db = None
                v._n = 0
                return v
            return general(self)
        return sigmoid
    return None


def power(powc_op, general, cls):
    """``x ** k`` for a number ``k`` (int or float): written out for a positive base, and for
    ``k == 2`` with any base; everything else (and any overflow) goes to ``general``."""
    def __pow__(self, k):
        if STATE.fast:
            c = k.__class__
            a = self.data
            if (c is float or c is int) and (a > 0 or k == 2):
                try:
                    out = float(a ** k)
                    da = 0.0 if c is float and k == 0 else k * a ** (k - 1)
                except (OverflowError, ZeroDivisionError):
                    return general(self, k)
                v = _new(cls)
                v.data = out
                v.op = powc_op
                v._a = self
                v._b = k
                v._da = da
                v._db = None
                v._n = 0
                return v
        return general(self, k)
    return __pow__


# A written-out op must never hide a change to its rule in the table (a test that injects a
# wrong derivative, or a user who patches one, must see backward() use it): while any hot op's
# forward or derivative differs from what was written out, every op takes its general form.
_HOT = (ADD, SUB, MUL, DIV, NEG, TANH, RELU, EXP, LOG, SIGMOID, POWC)
_WRITTEN = {op: (op.forward, op.local, op.partials) for op in _HOT}
_CHANGED = set()


def _watch(op, name):
    if op in _WRITTEN and name in ("forward", "local", "partials"):
        if (op.forward, op.local, op.partials) == _WRITTEN[op]:
            _CHANGED.discard(op)
        else:
            _CHANGED.add(op)
        STATE.patched = len(_CHANGED)


_rules.WATCHERS.append(_watch)
