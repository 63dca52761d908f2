"""THE op table: every primitive, once.

Each entry says what a primitive computes and what its local derivatives are:

* ``forward(a, b)``: the output value, on plain floats (the fast path). For binary ops ``a`` and
  ``b`` are the two inputs; for unary ops ``b`` is a constant parameter (the ``k`` of
  ``a ** k``) or ``None``.
* ``local(out, a, b)``: a tuple with one local derivative per graph input, ∂out/∂a (and ∂out/∂b).
  ``out`` is passed so that ``tanh``, ``exp`` and ``sigmoid`` can reuse their output.
* ``expr`` and ``derivs``: the same math as a learner writes it on paper (``"a * b"`` and
  ``("b", "a")``), with LaTeX twins for notebooks.

``Value`` (scalar), ``Tensor`` (elementwise), ``Dual`` (forward mode), the complex-step checker,
the step-by-step explainer and the graph renderer all read this table, and
:mod:`autograd.install` turns each entry into operators and methods of every one of those kinds
of number: adding an op means one entry here (or one :func:`op` call anywhere) plus its tests.

**A rule is written once and works on every kind of number.** ``local`` is written with
arithmetic operators and the functions of :mod:`autograd.rules` (``cos``, ``log``, ``sigmoid``,
``step``, ...), never with ``math.*``. On floats (what ``backward()`` passes) it computes
numbers, as fast as float code. On :class:`~autograd.Value` nodes it builds the derivative as a
graph of its own, so a backward pass can itself be back-propagated
(``gradients(..., create_graph=True)``, ``grad(grad(f))``); on ``Dual`` numbers it gives forward
mode that nests. That is how HIPS autograd, JAX and tinygrad get higher derivatives for free.
:mod:`autograd.rules` says how to write one (and what ``Op`` and ``op()`` are).

Domain checks live in ``forward``: they raise :class:`~autograd.errors.DomainError` (a
``ValueError``) naming the op and the value instead of returning NaN or a complex number. A local
derivative that does not exist (∂√a/∂a at a = 0) raises in ``local``; the engines ask a rule only
for the derivatives something needs (``0.0 ** y`` never asks for ∂/∂base), see :meth:`Op.partial`.
NaN is never hidden: ``relu(nan)``, ``max(nan, 1)`` and ``max(1, nan)`` are all NaN.
"""

import math
import operator as _operator
from operator import mul as _mul

from .errors import DivisionByZero, DomainError
from .rules import (KINDS, OPS, NaryOp, Op, OpDefinitionError, call, cos, exp, log, op, primal,
                    sigmoid, sign, sin, split, sqrt, step, tanh)

__all__ = ["OPS", "NARY", "KINDS", "Op", "NaryOp", "OpDefinitionError", "op", "call", "primal",
           "step", "sign", "split", "exp", "log", "sqrt", "tanh", "sigmoid", "sin", "cos",
           "unary_ops", "binary_ops", "UNARY", "BINARY"]

def _is_integer(x):
    return float(x).is_integer()


# ---- arithmetic -----------------------------------------------------------------------------

# The forwards of add, sub and mul are the C functions operator.add/sub/mul: the same math as
# ``lambda a, b: a + b``, a Python call cheaper on the hottest path of every graph.
ADD = op("add", 2, "a + b", ("1", "1"), symbol="+", dunder="add",
         forward=_operator.add, local=lambda out, a, b: (1.0, 1.0),
         complex=_operator.add)

SUB = op("sub", 2, "a - b", ("1", "-1"), symbol="-", dunder="sub",
         forward=_operator.sub, local=lambda out, a, b: (1.0, -1.0),
         complex=_operator.sub)

MUL = op("mul", 2, "a * b", ("b", "a"), r"a \cdot b", symbol="*", dunder="mul",
         forward=_operator.mul, local=lambda out, a, b: (b, a),
         complex=_operator.mul)


def _div(a, b):
    """a / b; b = 0 raises DivisionByZero."""
    if b == 0:
        raise DivisionByZero("div", b, f"div: division by zero in {a!r} / {b!r}")
    return a / b


DIV = op("div", 2, "a / b", ("1/b", "-a/b²"), r"\frac{a}{b}", (r"\frac{1}{b}", r"-\frac{a}{b^2}"),
         valid=lambda a, b: abs(b) > 1e-3, symbol="/", dunder="truediv",
         forward=_div, local=lambda out, a, b: (1.0 / b, -out / b),
         complex=_operator.truediv)

NEG = op("neg", 1, "-a", ("-1",), symbol="-", dunder="neg",
         forward=lambda a, k: -a, local=lambda out, a, k: (-1.0,),
         complex=lambda a, k: -a)

POS = op("pos", 1, "+a", ("1",), symbol="+", dunder="pos",
         forward=lambda a, k: +a, local=lambda out, a, k: (1.0,),
         complex=lambda a, k: a, doc="The identity, as a node of its own (grad wraps inputs "
                                     "in it so nested derivatives never confuse two of them).")


def _check_pow(name, a, b):
    if a < 0 and not _is_integer(b):
        raise DomainError(name, a, f"{name}: a negative base to a non-integer power has no real "
                                   f"value: ({a!r}) ** {b!r}")
    if a == 0 and b < 0:
        raise DivisionByZero(name, a, f"{name}: zero to a negative power divides by zero: "
                                      f"0.0 ** {b!r}")


def _pow(a, b):
    """a ** b with both a and b in the graph (a > 0 for ∂/∂b)."""
    _check_pow("pow", a, b)
    return float(a ** b)


def _power_rule(out, a, k):
    """∂(a ** k)/∂a = k·a**(k-1), infinite at a = 0 when k < 1 (k a number or a graph input)."""
    if k.__class__ is float and k == 0:
        return 0.0                          # a ** 0 = 1 for every a
    try:
        return k * a ** (k - 1)
    except ZeroDivisionError:               # 0 ** (negative): the slope is vertical at 0
        raise DomainError("pow", 0.0, f"pow: the derivative of a ** {primal(k)!r} at a=0 is "
                                      "infinite") from None


def _pow_db(out, a, b):
    """∂(a ** b)/∂b = a**b·log(a) for a > 0; 0 at a = 0 (a ** b is 0 for every b > 0 there)."""
    try:
        return out * log(a)
    except DomainError:                         # log(a) for a <= 0
        if not getattr(a, "__chainrule_array__", False) and primal(a) == 0:
            return 0.0
        raise DomainError("pow", 0.0 if getattr(a, "__chainrule_array__", False) else primal(a),
                          "pow: ∂(a ** b)/∂b = a**b·log(a) needs a > 0; for a constant exponent "
                          "write x ** 3 with a plain number") from None


def _pow_complex(a, b):
    import cmath
    return cmath.exp(b * cmath.log(a)) if a.real > 0 else a ** b


POW = op("pow", 2, "a ** b", ("b·a**(b-1)", "a**b·log(a)"), "a^{b}", (r"b\,a^{b-1}", r"a^{b}\ln a"),
         valid=lambda a, b: a > 1e-3 and abs(b) < 8, symbol="**", dunder="pow",
         forward=_pow, partials=(lambda out, a, b: _power_rule(out, a, b), _pow_db),
         complex=_pow_complex)


def _powc(a, k):
    """a ** k for a constant number k."""
    if a <= 0:
        _check_pow("pow", a, k)
    return float(a ** k)


POWC = op("powc", 1, "a ** k", ("k·a**(k-1)",), "a^{k}", (r"k\,a^{k-1}",),
          valid=lambda a, k: abs(a) > 1e-3 and (a > 0 or _is_integer(k)), symbol="**",
          dunder="pow", forward=_powc, local=lambda out, a, k: (_power_rule(out, a, k),),
          complex=lambda a, k: a ** k)

# ---- elementary functions -------------------------------------------------------------------


def _exp(a, k=None):
    """e^a."""
    return math.exp(a)


EXP = op("exp", 1, "exp(a)", ("exp(a)",), "e^{a}", ("e^{a}",), valid=lambda a, k: a < 50,
         forward=_exp, local=lambda out, a, k: (out,), complex=lambda a, k: _cmath().exp(a))


def _log(a, k=None):
    """Natural logarithm; a <= 0 raises DomainError."""
    if a <= 0:
        raise DomainError("log", a, f"log() needs a positive input, got {a!r}")
    return math.log(a)


LOG = op("log", 1, "log(a)", ("1/a",), r"\ln a", (r"\frac{1}{a}",), valid=lambda a, k: a > 1e-3,
         forward=_log, local=lambda out, a, k: (1.0 / a,), complex=lambda a, k: _cmath().log(a))

TANH = op("tanh", 1, "tanh(a)", ("1 - tanh(a)²",), r"\tanh a", (r"1 - \tanh^2 a",),
          forward=lambda a, k: math.tanh(a), local=lambda out, a, k: (1.0 - out * out,),
          complex=lambda a, k: _cmath().tanh(a))


def _sigmoid(a, k=None):
    """σ(a) = 1 / (1 + e^-a), computed without overflow for large |a|."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sigmoid_complex(a, k=None):
    cm = _cmath()
    return 1 / (1 + cm.exp(-a)) if a.real >= 0 else cm.exp(a) / (1 + cm.exp(a))


SIGMOID = op("sigmoid", 1, "σ(a)", ("σ(a)·(1 - σ(a))",), r"\sigma(a)",
             (r"\sigma(a)\,(1 - \sigma(a))",), symbol="σ",
             forward=_sigmoid, local=lambda out, a, k: (out * (1.0 - out),),
             complex=_sigmoid_complex)

RELU = op("relu", 1, "relu(a)", ("1 if a > 0 else 0",), r"\max(0, a)", (r"[a > 0]",),
          smooth=False, valid=lambda a, k: abs(a) > 1e-3,
          forward=lambda a, k: a if not a <= 0 else 0.0,     # relu(nan) is nan
          local=lambda out, a, k: (step(a),),
          complex=lambda a, k: a if a.real > 0 else 0j)


def _sqrt(a, k=None):
    """Square root; a < 0 raises DomainError."""
    if a < 0:
        raise DomainError("sqrt", a, f"sqrt() needs a non-negative input, got {a!r}")
    return math.sqrt(a)


def _sqrt_local(out, a, k):
    try:
        return (0.5 / out,)
    except ZeroDivisionError:
        raise DomainError("sqrt", primal(a), "sqrt: the derivative 1/(2·sqrt(a)) is infinite "
                                             "at a=0") from None


SQRT = op("sqrt", 1, "sqrt(a)", ("1/(2·sqrt(a))",), r"\sqrt{a}", (r"\frac{1}{2\sqrt{a}}",),
          valid=lambda a, k: a > 1e-3, forward=_sqrt, local=_sqrt_local,
          complex=lambda a, k: _cmath().sqrt(a))

ABS = op("abs", 1, "|a|", ("sign(a)",), r"|a|", (r"\operatorname{sign}(a)",), smooth=False,
         valid=lambda a, k: abs(a) > 1e-3, dunder="abs", method="abs",
         forward=lambda a, k: abs(a), local=lambda out, a, k: (sign(a),),
         complex=lambda a, k: a if a.real >= 0 else -a)


def _finite(name, fn):
    def forward(a, k=None):
        try:
            return fn(a)
        except ValueError:                  # math.sin(inf): "math domain error"
            raise DomainError(name, a, f"{name}() needs a finite input, got {a!r}") from None
    forward.__name__ = name
    forward.__doc__ = f"{name}(a); infinite a raises DomainError."
    return forward


SIN = op("sin", 1, "sin(a)", ("cos(a)",), r"\sin a", (r"\cos a",),
         forward=_finite("sin", math.sin), local=lambda out, a, k: (cos(a),),
         complex=lambda a, k: _cmath().sin(a))

COS = op("cos", 1, "cos(a)", ("-sin(a)",), r"\cos a", (r"-\sin a",),
         forward=_finite("cos", math.cos), local=lambda out, a, k: (-sin(a),),
         complex=lambda a, k: _cmath().cos(a))


def _softplus(a, k=None):
    """log(1 + e^a) = max(a, 0) + log1p(e^-|a|), without overflow."""
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _softplus_complex(a, k=None):
    cm = _cmath()
    return a + cm.log(1 + cm.exp(-a)) if a.real > 0 else cm.log(1 + cm.exp(a))


SOFTPLUS = op("softplus", 1, "softplus(a)", ("σ(a)",), r"\ln(1 + e^{a})", (r"\sigma(a)",),
              forward=_softplus, local=lambda out, a, k: (sigmoid(a),),
              complex=_softplus_complex)

MAX = op("max", 2, "max(a, b)", ("1 if a > b else 0", "1 if b > a else 0"), r"\max(a, b)",
         ("[a > b]", "[b > a]"), smooth=False, valid=lambda a, b: abs(a - b) > 1e-3,
         array_method="maximum",
         forward=lambda a, b: a if a >= b or a != a else b,      # NaN wins, either side
         local=lambda out, a, b: (split(a, b), split(b, a)),
         complex=lambda a, b: a if a.real >= b.real else b)

MIN = op("min", 2, "min(a, b)", ("1 if a < b else 0", "1 if b < a else 0"), r"\min(a, b)",
         ("[a < b]", "[b < a]"), smooth=False, valid=lambda a, b: abs(a - b) > 1e-3,
         array_method="minimum",
         forward=lambda a, b: a if a <= b or a != a else b,
         local=lambda out, a, b: (split(b, a), split(a, b)),
         complex=lambda a, b: a if a.real <= b.real else b)


def _cmath():
    import cmath
    return cmath


def unary_ops():
    """Every unary op of the table but ``x ** k`` (``powc``), including ops added later."""
    return tuple(o for o in OPS.values() if o.arity == 1 and o.name != "powc")


def binary_ops():
    """Every binary op of the table, including ops added later."""
    return tuple(o for o in OPS.values() if o.arity == 2)


# The first edition's snapshots (ops defined above this line); prefer unary_ops()/binary_ops(),
# which also see ops registered later.
UNARY = unary_ops()
BINARY = binary_ops()


# ---- n-ary ops --------------------------------------------------------------------------------
# A neuron's b + w1·x1 + … + wn·xn written with binary ops is 2n nodes; as one n-ary node it is
# one, which is most of what makes an MLP step fast. These ops take the list of their inputs'
# values: forward(xs) and local(out, xs) -> one derivative per input. They live in their own
# table, NARY, because they are not elementwise (Tensor, forward mode and the complex step
# build them from + and * instead).

NARY = {}


def _dot(xs):
    """b + Σ wᵢ·xᵢ over inputs laid out as (w1..wn, x1..xn[, b])."""
    n = len(xs) // 2
    out = sum(map(_mul, xs[:n], xs[n:2 * n]))
    return out + xs[-1] if len(xs) % 2 else out


def _dot_local(out, xs):
    n = len(xs) // 2
    local = (*xs[n:2 * n], *xs[:n])        # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
    return local + (1.0,) if len(xs) % 2 else local   # ∂/∂b = 1


def _dot_role(i, n):
    k = n // 2
    return f"w{i + 1}" if i < k else f"x{i - k + 1}" if i < 2 * k else "b"


def _dot_deriv(i, n):
    k = n // 2
    return f"x{i + 1}" if i < k else f"w{i - k + 1}" if i < 2 * k else "1"


def _dot_expand(names):
    k = len(names) // 2
    terms = [f"{w} * {x}" for w, x in zip(names[:k], names[k:2 * k])]
    return " + ".join(terms + ([names[-1]] if len(names) % 2 else []))


DOT = NARY["dot"] = NaryOp(
    "dot", _dot, _dot_local, "Σ wᵢ·xᵢ + b", r"\sum_i w_i x_i + b",
    _dot_role, _dot_deriv, _dot_expand, "A neuron's pre-activation as one node.", symbol="Σ w·x")

ADD_N = NARY["add_n"] = NaryOp(
    "add_n", lambda xs: sum(xs), lambda out, xs: (1.0,) * len(xs), "Σ aᵢ", r"\sum_i a_i",
    lambda i, n: f"a{i + 1}", lambda i, n: "1", lambda names: " + ".join(names),
    "A sum of many terms as one node (a loss over a batch).", symbol="Σ")
