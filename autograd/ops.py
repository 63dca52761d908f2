"""THE op table: every primitive, once.

Each entry says what a primitive computes and what its local derivatives are:

* ``forward(a, b)``: the output value. For binary ops ``a`` and ``b`` are the two inputs; for
  unary ops ``b`` is a constant parameter (the ``k`` of ``a ** k``) or ``None``.
* ``local(out, a, b)``: a tuple with one local derivative per graph input, ∂out/∂a (and ∂out/∂b).
  ``out`` is passed so that ``tanh``, ``exp`` and ``sigmoid`` can reuse their output.
* ``expr`` and ``derivs``: the same math as a learner writes it on paper (``"a * b"`` and
  ``("b", "a")``), with LaTeX twins for notebooks.

``Value`` (scalar), ``Tensor`` (elementwise), the step-by-step explainer, the graph renderer and
forward mode all read this table, so a derivative is written exactly once. Adding an op means one
entry here plus its tests.

Domain checks live in ``forward``: they raise :class:`~autograd.errors.DomainError` (a
``ValueError``) naming the op and the value instead of returning NaN or a complex number.
"""

import math
import operator as _operator
from operator import mul as _mul

from .errors import DivisionByZero, DomainError


class Op:
    """One primitive: its forward function, its local derivatives and their formulas."""

    __slots__ = ("name", "arity", "forward", "local", "expr", "derivs", "latex", "d_latex",
                 "smooth", "valid", "doc", "symbol")

    def __init__(self, name, arity, forward, local, expr, derivs, latex, d_latex,
                 smooth=True, valid=None, doc="", symbol=None):
        self.name = name          # "mul"
        self.arity = arity        # number of graph inputs: 1 or 2
        self.forward = forward    # (a, b) -> float
        self.local = local        # (out, a, b) -> tuple of ∂out/∂input, one per graph input
        self.expr = expr          # "a * b"
        self.derivs = derivs      # ("b", "a")
        self.latex = latex        # r"a \cdot b"
        self.d_latex = d_latex    # ("b", "a")
        self.smooth = smooth      # analytic everywhere in its domain (complex-step works)
        self.valid = valid        # (a, b) -> bool: differentiable here (away from kinks/poles)
        self.doc = doc
        self.symbol = symbol or name   # the short text of an op node in a drawn graph: "*"

    def inputs(self):
        """Names of the graph inputs, in order: ``("a",)`` or ``("a", "b")``."""
        return ("a", "b")[: self.arity]

    def formula(self, i=0):
        """The local derivative of input ``i`` as a sentence: ``∂(a * b)/∂a = b``."""
        return f"∂({self.expr})/∂{self.inputs()[i]} = {self.derivs[i]}"

    def formula_latex(self, i=0):
        r"""The same in LaTeX: ``\frac{\partial (a \cdot b)}{\partial a} = b``."""
        return rf"\frac{{\partial ({self.latex})}}{{\partial {self.inputs()[i]}}} = {self.d_latex[i]}"

    def __repr__(self):
        return f"Op({self.name!r}: {self.expr})"


OPS = {}


def op(name, arity, expr, derivs, latex, d_latex, smooth=True, valid=None, symbol=None):
    """Decorator-free registration: ``op(...)(forward, local)`` adds an entry to ``OPS``."""

    def register(forward, local):
        doc = forward.__doc__ if getattr(forward, "__module__", None) == __name__ else ""
        entry = Op(name, arity, forward, local, expr, derivs, latex, d_latex, smooth, valid,
                   doc or "", symbol=symbol)
        OPS[name] = entry
        return entry

    return register


def _is_integer(x):
    return float(x).is_integer()


# ---- arithmetic -----------------------------------------------------------------------------

# The forwards of add, sub and mul are the C functions operator.add/sub/mul: the same math as
# ``lambda a, b: a + b``, a Python call cheaper on the hottest path of every graph.
ADD = op("add", 2, "a + b", ("1", "1"), "a + b", ("1", "1"), symbol="+")(
    _operator.add,
    lambda out, a, b: (1.0, 1.0))

SUB = op("sub", 2, "a - b", ("1", "-1"), "a - b", ("1", "-1"), symbol="-")(
    _operator.sub,
    lambda out, a, b: (1.0, -1.0))

MUL = op("mul", 2, "a * b", ("b", "a"), r"a \cdot b", ("b", "a"), symbol="*")(
    _operator.mul,
    lambda out, a, b: (b, a))


def _div(a, b):
    """a / b; b = 0 raises DivisionByZero."""
    if b == 0:
        raise DivisionByZero("div", b, f"div: division by zero in {a!r} / {b!r}")
    return a / b


DIV = op("div", 2, "a / b", ("1/b", "-a/b²"), r"\frac{a}{b}", (r"\frac{1}{b}", r"-\frac{a}{b^2}"),
         valid=lambda a, b: abs(b) > 1e-3, symbol="/")(
    _div,
    lambda out, a, b: (1.0 / b, -out / b))

NEG = op("neg", 1, "-a", ("-1",), "-a", ("-1",), symbol="-")(
    lambda a, k: -a,
    lambda out, a, k: (-1.0,))


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


def _pow_local(out, a, b):
    da = _powc_local(out, a, b)[0]
    if a > 0:
        db = out * math.log(a)
    elif a == 0 and b > 0:
        db = 0.0          # a ** b is 0 for every b > 0 around here
    else:
        raise DomainError("pow", a, f"pow: ∂(a ** b)/∂b = a**b·log(a) needs a > 0, got a={a!r}; "
                                    "for a constant exponent write x ** 3 with a plain number")
    return da, db


POW = op("pow", 2, "a ** b", ("b·a**(b-1)", "a**b·log(a)"), "a^{b}",
         (r"b\,a^{b-1}", r"a^{b}\ln a"), valid=lambda a, b: a > 1e-3 and abs(b) < 8,
         symbol="**")(
    _pow, _pow_local)


def _powc(a, k):
    """a ** k for a constant number k."""
    if a <= 0:
        _check_pow("pow", a, k)
    return float(a ** k)


def _powc_local(out, a, k):
    if k == 0:
        return (0.0,)
    if a == 0 and k < 1:
        raise DomainError("pow", a, f"pow: the derivative of a ** {k!r} at a=0 is infinite")
    return (k * a ** (k - 1),)


POWC = op("powc", 1, "a ** k", ("k·a**(k-1)",), "a^{k}", (r"k\,a^{k-1}",),
          valid=lambda a, k: abs(a) > 1e-3 and (a > 0 or _is_integer(k)), symbol="**")(
    _powc, _powc_local)

# ---- elementary functions -------------------------------------------------------------------

EXP = op("exp", 1, "exp(a)", ("exp(a)",), "e^{a}", ("e^{a}",), valid=lambda a, k: a < 50)(
    lambda a, k: math.exp(a),
    lambda out, a, k: (out,))


def _log(a, k):
    """Natural logarithm; a <= 0 raises DomainError."""
    if a <= 0:
        raise DomainError("log", a, f"log() needs a positive input, got {a!r}")
    return math.log(a)


LOG = op("log", 1, "log(a)", ("1/a",), r"\ln a", (r"\frac{1}{a}",),
         valid=lambda a, k: a > 1e-3)(
    _log,
    lambda out, a, k: (1.0 / a,))

TANH = op("tanh", 1, "tanh(a)", ("1 - tanh(a)²",), r"\tanh a", (r"1 - \tanh^2 a",))(
    lambda a, k: math.tanh(a),
    lambda out, a, k: (1.0 - out * out,))


def _sigmoid(a, k=None):
    """σ(a) = 1 / (1 + e^-a), computed without overflow for large |a|."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


SIGMOID = op("sigmoid", 1, "σ(a)", ("σ(a)·(1 - σ(a))",), r"\sigma(a)",
             (r"\sigma(a)\,(1 - \sigma(a))",), symbol="σ")(
    _sigmoid,
    lambda out, a, k: (out * (1.0 - out),))

RELU = op("relu", 1, "relu(a)", ("1 if a > 0 else 0",), r"\max(0, a)",
          (r"[a > 0]",), smooth=False, valid=lambda a, k: abs(a) > 1e-3)(
    lambda a, k: a if a > 0 else 0.0,
    lambda out, a, k: (1.0 if a > 0 else 0.0,))


def _sqrt(a, k):
    """Square root; a < 0 raises DomainError."""
    if a < 0:
        raise DomainError("sqrt", a, f"sqrt() needs a non-negative input, got {a!r}")
    return math.sqrt(a)


def _sqrt_local(out, a, k):
    if out == 0:
        raise DomainError("sqrt", a, "sqrt: the derivative 1/(2·sqrt(a)) is infinite at a=0")
    return (0.5 / out,)


SQRT = op("sqrt", 1, "sqrt(a)", ("1/(2·sqrt(a))",), r"\sqrt{a}", (r"\frac{1}{2\sqrt{a}}",),
          valid=lambda a, k: a > 1e-3)(
    _sqrt, _sqrt_local)

ABS = op("abs", 1, "|a|", ("sign(a)",), r"|a|", (r"\operatorname{sign}(a)",), smooth=False,
         valid=lambda a, k: abs(a) > 1e-3)(
    lambda a, k: abs(a),
    lambda out, a, k: (1.0 if a > 0 else -1.0 if a < 0 else 0.0,))

SIN = op("sin", 1, "sin(a)", ("cos(a)",), r"\sin a", (r"\cos a",))(
    lambda a, k: math.sin(a),
    lambda out, a, k: (math.cos(a),))

COS = op("cos", 1, "cos(a)", ("-sin(a)",), r"\cos a", (r"-\sin a",))(
    lambda a, k: math.cos(a),
    lambda out, a, k: (-math.sin(a),))

SOFTPLUS = op("softplus", 1, "softplus(a)", ("σ(a)",), r"\ln(1 + e^{a})", (r"\sigma(a)",))(
    lambda a, k: max(a, 0.0) + math.log1p(math.exp(-abs(a))),
    lambda out, a, k: (_sigmoid(a),))


def _split(a, b, first):
    # Ties split the gradient evenly, as torch.maximum / torch.minimum do.
    if a == b:
        return (0.5, 0.5)
    return (1.0, 0.0) if first else (0.0, 1.0)


MAX = op("max", 2, "max(a, b)", ("1 if a > b else 0", "1 if b > a else 0"), r"\max(a, b)",
         ("[a > b]", "[b > a]"), smooth=False, valid=lambda a, b: abs(a - b) > 1e-3)(
    lambda a, b: a if a >= b else b,
    lambda out, a, b: _split(a, b, a > b))

MIN = op("min", 2, "min(a, b)", ("1 if a < b else 0", "1 if b < a else 0"), r"\min(a, b)",
         ("[a < b]", "[b < a]"), smooth=False, valid=lambda a, b: abs(a - b) > 1e-3)(
    lambda a, b: a if a <= b else b,
    lambda out, a, b: _split(a, b, a < b))

UNARY = tuple(o for o in OPS.values() if o.arity == 1 and o.name not in ("powc",))
BINARY = tuple(o for o in OPS.values() if o.arity == 2)


# ---- n-ary ops --------------------------------------------------------------------------------
# A neuron's b + w1·x1 + … + wn·xn written with binary ops is 2n nodes; as one n-ary node it is
# one, which is most of what makes an MLP step fast. These ops take the list of their inputs'
# values: forward(xs) and local(out, xs) -> one derivative per input. They live in their own
# table, NARY, because they are not elementwise (Tensor, forward mode and the complex step
# build them from + and * instead).

NARY = {}


class NaryOp(Op):
    """An op over any number of inputs. ``role(i, n)`` names input ``i`` of ``n`` ("w2"),
    ``deriv(i, n)`` gives its local derivative in those names ("x2")."""

    __slots__ = ("role", "deriv", "expand")

    def __init__(self, name, forward, local, expr, latex, role, deriv, expand, doc="",
                 symbol=None):
        super().__init__(name, None, forward, local, expr, (), latex, (), True, None, doc,
                         symbol=symbol)
        self.role = role            # (i, n) -> "w2"
        self.deriv = deriv          # (i, n) -> "x2"
        self.expand = expand        # (names) -> "w1 * x1 + w2 * x2 + b"

    def inputs(self, n=2):
        return tuple(self.role(i, n) for i in range(n))

    def formula(self, i=0, n=2):
        """``∂(Σ wⱼ·xⱼ + b)/∂w1 = x1`` for input ``i`` of ``n``."""
        return f"∂({self.expr})/∂{self.role(i, n)} = {self.deriv(i, n)}"

    def formula_latex(self, i=0, n=2):
        return rf"\frac{{\partial ({self.latex})}}{{\partial {self.role(i, n)}}} = {self.deriv(i, n)}"


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
