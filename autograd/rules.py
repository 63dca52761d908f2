"""How an op is written: the :class:`Op` record, :func:`op` to define one, and the functions
its derivative rules are written with.

A rule is written once and works on every kind of number. ``local(out, a, b)`` uses arithmetic
operators and the functions below (:func:`cos`, :func:`log`, :func:`sigmoid`, :func:`step`,
...), never ``math.*``: on floats (what ``backward()`` passes) they compute numbers as fast as
float code; on :class:`~autograd.Value` nodes they build the derivative as a graph of its own
(so a backward pass can itself be back-propagated); on ``Dual`` numbers they give forward mode
that nests; on Tensors they work element by element. Each function is the op table's own op,
applied through :func:`call`. Two habits keep a rule right on every kind: branch with ``<``/``>``
(on a Value ``==`` is identity, so that Values can be dict keys) and write kinks with the
piecewise-constant helpers :func:`step`, :func:`sign`, :func:`split`, whose derivative is 0.

The table itself is :mod:`autograd.ops`.
"""

import operator as _operator

from .errors import ChainruleError, OperandError


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

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        for watch in WATCHERS:            # e.g. Value's written-out hot ops (a test that
            watch(self, name)             # patches a rule must see the engine use it)

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
        top, bottom = self.latex, self.inputs()[i]
        return rf"\frac{{\partial ({top})}}{{\partial {bottom}}} = {self.d_latex[i]}"

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


WATCHERS = []   # functions (op, attribute name) called whenever an Op's attribute is set
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


# ---- the functions rules are written with --------------------------------------------------------
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
        top, bottom = self.latex, self.role(i, n)
        return rf"\frac{{\partial ({top})}}{{\partial {bottom}}} = {self.deriv(i, n)}"
