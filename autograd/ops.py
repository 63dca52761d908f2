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
arithmetic operators and the functions of this module (:func:`cos`, :func:`log`,
:func:`sigmoid`, :func:`step`, ...), never with ``math.*``. On floats (what ``backward()``
passes) it computes numbers, as fast as float code. On :class:`~autograd.Value` nodes it builds
the derivative as a graph of its own, so a backward pass can itself be back-propagated
(``gradients(..., create_graph=True)``, ``grad(grad(f))``); on ``Dual`` numbers it gives forward
mode that nests. That is how HIPS autograd, JAX and tinygrad get higher derivatives for free.
Two habits keep a rule right on every kind: branch with ``<``/``>`` (on a Value ``==`` is
identity, so that Values can be dict keys), and write kinks with the piecewise-constant helpers
(:func:`step`, :func:`sign`, :func:`split`), whose own derivative is zero.

Domain checks live in ``forward``: they raise :class:`~autograd.errors.DomainError` (a
``ValueError``) naming the op and the value instead of returning NaN or a complex number. A local
derivative that does not exist (∂√a/∂a at a = 0) raises in ``local``; the engines ask a rule only
for the derivatives something needs (``0.0 ** y`` never asks for ∂/∂base), see :meth:`Op.partial`.
NaN is never hidden: ``relu(nan)``, ``max(nan, 1)`` and ``max(1, nan)`` are all NaN.
"""

import math
import operator as _operator
from operator import mul as _mul

from .errors import ChainruleError, DivisionByZero, DomainError, OperandError


class OpDefinitionError(ChainruleError, ValueError):
    """An op table entry that cannot work: wrong arity, missing formulas, a clashing name."""


class Op:
    """One primitive: its forward function, its local derivatives and their formulas.

    ``str(op)`` is its symbol (``"*"``, ``"tanh"``), so code that expects micrograd's string
    ``_op`` (``uid + n._op``) runs unchanged.
    """

    __slots__ = ("name", "arity", "forward", "local", "partials", "expr", "derivs", "latex",
                 "d_latex", "smooth", "valid", "doc", "symbol", "complex", "method",
                 "array_method", "dunder")

    def __init__(self, name, arity, forward, local, expr, derivs, latex, d_latex,
                 smooth=True, valid=None, doc="", symbol=None, *, partials=None, complex=None,
                 method=True, array_method=None, dunder=None):
        self.name = name          # "mul"
        self.arity = arity        # number of graph inputs: 1 or 2 (None: n-ary)
        self.forward = forward    # (a, b) -> float
        self.partials = partials  # one function (out, a, b) -> ∂out/∂input per input, or None
        if local is None and partials is not None:
            local = _joined(partials)
        self.local = local        # (out, a, b) -> tuple of ∂out/∂input, one per graph input
        self.expr = expr          # "a * b"
        self.derivs = derivs      # ("b", "a")
        self.latex = latex        # r"a \cdot b"
        self.d_latex = d_latex    # ("b", "a")
        self.smooth = smooth      # analytic everywhere in its domain (complex-step works)
        self.valid = valid        # (a, b) -> bool: differentiable here (away from kinks/poles)
        self.doc = doc
        self.symbol = symbol or name   # the short text of an op node in a drawn graph: "*"
        self.complex = complex    # a cmath twin of forward for the complex step, or None
        if method is True:
            method = None if dunder or arity is None else name
        self.method = method      # the method name on every kind of number ("tanh"), or None
        self.array_method = array_method or method   # the name on arrays ("maximum")
        self.dunder = dunder      # the operator: "add" -> __add__/__radd__, "neg" -> __neg__

    def inputs(self):
        """Names of the graph inputs, in order: ``("a",)`` or ``("a", "b")``."""
        return ("a", "b")[: self.arity]

    def partial(self, i, out, a, b=None):
        """∂out/∂(input ``i``) alone. Engines call it for the inputs that need a gradient when
        ``local`` fails for one they do not need (the base of ``0.0 ** y``)."""
        if self.partials is not None:
            return self.partials[i](out, a, b)
        return self.local(out, a, b)[i]

    def formula(self, i=0):
        """The local derivative of input ``i`` as a sentence: ``∂(a * b)/∂a = b``."""
        return f"∂({self.expr})/∂{self.inputs()[i]} = {self.derivs[i]}"

    def formula_latex(self, i=0):
        r"""The same in LaTeX: ``\frac{\partial (a \cdot b)}{\partial a} = b``."""
        return rf"\frac{{\partial ({self.latex})}}{{\partial {self.inputs()[i]}}} = {self.d_latex[i]}"

    def __repr__(self):
        return f"Op({self.name!r}: {self.expr})"

    # micrograd's graph code treats ``_op`` as a string: "id" + op, label=op, f"{op}"
    def __str__(self):
        return self.symbol

    def __format__(self, spec):
        return format(self.symbol, spec)

    def __add__(self, other):
        if isinstance(other, str):
            return self.symbol + other
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, str):
            return other + self.symbol
        return NotImplemented


def _joined(partials):
    """``local`` from per-input rules: all of them at once."""
    if len(partials) == 1:
        (da,) = partials
        return lambda out, a, b: (da(out, a, b),)
    da, db = partials
    return lambda out, a, b: (da(out, a, b), db(out, a, b))


OPS = {}
KINDS = {}      # class -> its autograd.install.Kind: how ops run on Values, Duals, Tensors, ...


def op(name, arity=1, expr=None, derivs=None, latex=None, d_latex=None, smooth=True,
       valid=None, symbol=None, *, forward=None, local=None, partials=None, complex=None,
       method=True, array_method=None, dunder=None, doc=""):
    """Add an op to the table and return it. With keyword arguments, in one call::

        cube = ops.op("cube", arity=1, expr="a³", derivs=("3·a²",),
                      forward=lambda a, k: a ** 3,
                      local=lambda out, a, k: (3 * a * a,))
        register_op(cube)          # x.cube() on Value, Tensor, Dual and the complex step

    ``forward(a, b)`` computes on floats (``b`` is the constant ``k`` or None for a unary op);
    ``local(out, a, b)`` returns one local derivative per input, written with operators and this
    module's functions so that it works on every kind of number (or give ``partials``, one
    function per input). ``expr``/``derivs`` are the formulas a learner reads (``latex`` and
    ``d_latex`` default to them); ``symbol`` is the text of the op in a drawn graph; ``valid``
    says where the op is differentiable (for the test strategies); ``smooth=False`` marks kinks;
    ``complex`` is a ``cmath`` twin of ``forward`` for the complex step (default: ``forward``
    itself, which works when it is plain arithmetic); ``method`` is the method name (default:
    the op's name).

    The first edition's positional form still works: ``op(name, arity, expr, derivs, latex,
    d_latex)(forward, local)``.
    """

    def register(forward, local=None, partials=None):
        _check_definition(name, arity, expr, derivs, forward, local, partials)
        fdoc = forward.__doc__ if getattr(forward, "__module__", None) == __name__ else ""
        entry = Op(name, arity, forward, local, expr, tuple(derivs),
                   expr if latex is None else latex,
                   tuple(derivs if d_latex is None else d_latex), smooth, valid,
                   doc or fdoc or "", symbol=symbol, partials=partials, complex=complex,
                   method=method,
                   array_method=array_method, dunder=dunder)
        OPS[name] = entry
        return entry

    if forward is None:
        if local is not None or partials is not None:
            raise OpDefinitionError(f"op {name!r}: forward= is missing")
        return register
    return register(forward, local, partials)


def _check_definition(name, arity, expr, derivs, forward, local, partials):
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise OpDefinitionError(f"op: the name must be an identifier, got {name!r}")
    if arity not in (1, 2):
        raise OpDefinitionError(f"op {name!r}: arity must be 1 or 2, got {arity!r}")
    if not isinstance(expr, str) or not expr:
        raise OpDefinitionError(f"op {name!r}: expr= (the formula, e.g. 'a³') is missing")
    if isinstance(derivs, str) or not isinstance(derivs, (tuple, list)) or len(derivs) != arity:
        raise OpDefinitionError(f"op {name!r}: derivs= needs {arity} formula(s), one per input, "
                                f"got {derivs!r}")
    if not callable(forward):
        raise OperandError(f"op {name!r}: forward must be a function, got {forward!r}")
    if (local is None) == (partials is None):
        raise OpDefinitionError(f"op {name!r}: give exactly one of local= (all derivatives at "
                                "once) and partials= (one function per input)")
    if local is not None and not callable(local):
        raise OperandError(f"op {name!r}: local must be a function, got {local!r}")
    if partials is not None and (len(partials) != arity or not all(map(callable, partials))):
        raise OpDefinitionError(f"op {name!r}: partials= needs {arity} function(s)")


# ---- the functions rules are written with ---------------------------------------------------------
# Each runs on floats (the op's forward) and on anything else through that kind's own method, so a
# rule such as ``(cos(a),)`` is a float on floats and a graph node on Values.

def call(op, a, b=None):
    """``op`` applied to ``a`` (and ``b``) of any kind of number: floats through ``op.forward``,
    Values, Duals, Tensors as their own operators and methods compute it (the kinds registered
    with :mod:`autograd.install`). ``b`` is the second input, or the constant of a unary op."""
    if a.__class__ is float and (op.arity == 1 or b.__class__ is float):
        return op.forward(a, b)
    kind = KINDS.get(a.__class__) or (op.arity == 2 and KINDS.get(b.__class__))
    if kind:
        return kind.call(op, a, b)
    if isinstance(a, (int, float)) and (op.arity == 1 or isinstance(b, (int, float))):
        return op.forward(float(a), b if op.arity == 1 else float(b))
    return _by_name(op, a, b)


def _by_name(op, a, b):
    """Anything else with Value's interface (a torch tensor): its operator or method of the
    op's name."""
    if op.dunder == "pow":
        return a ** b
    if op.dunder:
        if op.arity == 2:
            return getattr(_operator, op.dunder)(a, b)
        return getattr(_operator, op.dunder)(a)
    if op.method and hasattr(a, op.method):
        return getattr(a, op.method)() if op.arity == 1 else getattr(a, op.method)(b)
    raise OperandError(f"{op.name}: cannot compute with {a!r}" + ("" if op.arity == 1 else
                                                                f" and {b!r}"))


def _function(name):
    def function(a):
        if a.__class__ is float:
            return OPS[name].forward(a, None)
        return call(OPS[name], a)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{name}(a)`` on any kind of number (the op table's ``{name}``)."
    return function


exp, log, sqrt, tanh, sigmoid, sin, cos = map(_function, ("exp", "log", "sqrt", "tanh", "sigmoid",
                                                           "sin", "cos"))


def primal(x):
    """The plain float inside any kind of scalar (a Value's data, a Dual's value, recursively)."""
    while x.__class__ is not float:
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return float(x)
        x = x.item()
    return x


def _piecewise(f, *args):
    """``f`` of the inputs' values, as a constant: its derivative is zero. For scalars a plain
    number comes back; arrays map ``f`` element by element."""
    for x in args:
        if getattr(x, "__chainrule_array__", False):
            return type(x).piecewise(f, *args)
    return f(*map(primal, args))


def _step(a):
    return 1.0 if a > 0 else 0.0


def _sign(a):
    return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


def _split(a, b):
    # 1 where a > b, 0 where a < b; a tie splits the gradient evenly (as torch.maximum does); a
    # NaN input gets the whole gradient, so the NaN reaches whatever depends on it
    if a > b:
        return 1.0
    if a < b:
        return 0.0
    if a == b:
        return 0.5
    return 1.0 if a != a else 0.0


def step(a):
    """1 where a > 0, else 0 (the derivative of relu). Piecewise constant: derivative 0."""
    if a.__class__ is float:
        return 1.0 if a > 0 else 0.0
    return _piecewise(_step, a)


def sign(a):
    """1, 0 or -1 by the sign of a (the derivative of |a|). Piecewise constant."""
    if a.__class__ is float:
        return 1.0 if a > 0 else -1.0 if a < 0 else 0.0
    return _piecewise(_sign, a)


def split(a, b):
    """∂max(a, b)/∂a: 1 where a > b, 0 where a < b, ½ on a tie. Piecewise constant."""
    if a.__class__ is float and b.__class__ is float:
        return _split(a, b)
    return _piecewise(_split, a, b)


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

    def partial(self, i, out, xs, b=None):
        return self.local(out, xs)[i]

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
