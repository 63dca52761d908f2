"""Property-test gradients: ``gradcheck``, metamorphic checks and hypothesis strategies.

Six lines to property-test your own function::

    from hypothesis import given
    from autograd.testing import gradcheck, values

    @given(values(-3, 3), values(0.5, 3))
    def test_my_loss(x, y):
        assert gradcheck(lambda x, y: (x * y).tanh() + y.log(), [x, y])

**gradcheck** compares reverse-mode gradients (``out.backward()``) with two numerical estimates:

* *central differences*: ∂f/∂x ≈ (f(x + h) − f(x − h)) / 2h with a step scaled to the input,
  h = eps · max(1, |x|), eps = 1e-6. The error is O(h²) (truncation) plus about
  2⁻⁵² · |f| / h (rounding); the rounding part is added to the tolerance automatically.
* the *complex step*: ∂f/∂x = Im f(x + i·h) / h with h = 1e-20. There is no subtraction, so it
  is exact to rounding (~1e-15). ``f`` is re-run on :class:`ComplexValue` proxies, which
  implement every op of :data:`autograd.ops.OPS` (the real part by the op table's own
  ``forward``, so domain errors are the engine's; the imaginary part by a ``cmath`` twin). The
  piecewise ops (relu, abs, max, min) choose their branch on the real part, which is exact away
  from the kink. When ``f`` does something the proxy cannot follow (``math.exp(x.data)``, an op
  without a twin, a Tensor input) gradcheck falls back to central differences and says so.

Tolerances: a partial passes when |analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|)
(+ the rounding estimate for central differences). Defaults: central rtol=1e-5, atol=1e-8;
complex step rtol=1e-9, atol=1e-11. Passing ``rtol``/``atol`` sets both.

Inputs are :class:`~autograd.Value` objects or tensor-likes: anything with a flat ``.data`` list,
a ``.shape`` tuple and a ``.grad`` (None or a flat list), perturbed element by element in place
and restored. ``f`` must return a scalar (a Value, or a one-element tensor-like with
``.backward()``). gradcheck leaves every input's ``.grad`` as it found it.

hypothesis is imported only by the strategy functions, so ``gradcheck`` and the metamorphic
checks work without it.
"""

import math
import random
from collections.abc import Mapping

from . import install as _install
from . import ops as _ops
from .engine import no_grad, topological_order
from .value import Value

__all__ = [
    "gradcheck", "GradcheckResult", "GradcheckError", "Mismatch", "ComplexValue",
    "COMPLEX_TWINS", "check_linearity", "check_chain_rule", "check_sum_reassociation",
    "check_backward_twice", "floats_in", "values", "expressions", "graphs", "Expression",
    "tensors", "shapes", "broadcastable_shapes", "TensorData",
]

DEFAULT_EPS = 1e-6          # central differences: h = eps * max(1, |x|)
COMPLEX_STEP = 1e-20        # complex step: h (no cancellation, so it can be tiny)
TOLERANCES = {"central": (1e-5, 1e-8), "complex": (1e-9, 1e-11)}   # (rtol, atol)
_ROUNDING = 2.0 ** -52


# ---- results ----------------------------------------------------------------------------------

class Mismatch:
    """One partial derivative where reverse mode and a numerical estimate disagree."""

    __slots__ = ("input", "index", "analytic", "numeric", "method", "abs_error", "rel_error")

    def __init__(self, input, index, analytic, numeric, method):
        self.input = input            # the input's name: its label, or "inputs[i]"
        self.index = index            # element index for tensor inputs (a tuple), None for Values
        self.analytic = analytic      # from backward()
        self.numeric = numeric        # from central differences or the complex step
        self.method = method          # "central" or "complex"
        self.abs_error = abs(analytic - numeric)
        scale = max(abs(analytic), abs(numeric))
        self.rel_error = self.abs_error / scale if scale else 0.0

    @property
    def where(self):
        return self.input if self.index is None else f"{self.input}[{', '.join(map(str, self.index))}]"

    def __repr__(self):
        return (f"Mismatch({self.where}: analytic={self.analytic!r}, numeric={self.numeric!r}, "
                f"{self.method}, rel_error={self.rel_error:.3g})")


class GradcheckResult:
    """What a check found: truthy when every partial agrees; ``str()`` is a readable report."""

    def __init__(self, title, checked, mismatches, notes=()):
        self.title = title
        self.checked = checked                # number of partial derivatives compared
        self.mismatches = list(mismatches)
        self.notes = list(notes)

    def __bool__(self):
        return not self.mismatches

    def __str__(self):
        lines = [f"{self.title}: {'ok' if self else 'FAILED'}, {len(self.mismatches)} of "
                 f"{self.checked} partial derivatives disagree"]
        for m in self.mismatches:
            lines.append(f"  ∂f/∂{m.where}: backward gives {m.analytic!r}, {m.method} gives "
                         f"{m.numeric!r} (abs error {m.abs_error:.3g}, rel error {m.rel_error:.3g})")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    __repr__ = __str__

    def raise_if_failed(self):
        if not self:
            raise GradcheckError(self)
        return self


class GradcheckError(AssertionError):
    """A gradient check failed; ``.result`` holds the :class:`GradcheckResult`."""

    def __init__(self, result):
        super().__init__(str(result))
        self.result = result


# ---- inputs: Values and tensor-likes ------------------------------------------------------------

def _is_value(x):
    return isinstance(x, Value)


def _name(x, i):
    return x.label if _is_value(x) and x.label else f"inputs[{i}]"


def _elements(x):
    """The flat element list of an input: [x.data] for a Value, x.data for a tensor-like."""
    return [x.data] if _is_value(x) else list(x.data)


def _multi_index(flat, shape):
    index = []
    for side in reversed(shape):
        flat, r = divmod(flat, side)
        index.append(r)
    return tuple(reversed(index))


def _set(x, k, v):
    if _is_value(x):
        x.data = v
    else:
        x.data[k] = v


def _scalar(out, what="f"):
    if _is_value(out):
        return out.data
    data = getattr(out, "data", None)
    if isinstance(data, list) and len(data) == 1:
        return data[0]
    raise TypeError(f"{what} must return a scalar (a Value or a one-element tensor), got {out!r}")


def _read_grad(x):
    """A flat list of partials: a Value's float, or a tensor-like's ``.grad`` (None = zeros; a
    tensor whose flat ``.data`` holds the partials, like ``autograd.Tensor``; or a flat list)."""
    if _is_value(x):
        return [x.grad]
    g = x.grad
    if g is None:
        return [0.0] * len(x.data)
    return list(g.data) if isinstance(getattr(g, "data", None), list) else list(g)


def _analytic(f, inputs):
    """Reverse-mode gradients of f at inputs: ([f value], [per input: flat list of partials]).
    Inputs' ``.grad`` are zeroed for the pass and restored afterwards."""
    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            if _is_value(x):
                x.grad = 0.0
            else:
                x.grad = None            # a tensor-like's "no gradient yet"
        out = f(*inputs)
        value = _scalar(out)
        out.backward()
        return value, [_read_grad(x) for x in inputs]
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g


def _central(f, inputs, i, k, eps):
    """(f(x + h) − f(x − h)) / 2h for element k of input i, and the rounding-error estimate."""
    x = inputs[i]
    x0 = _elements(x)[k]
    h = eps * max(1.0, abs(x0))
    try:
        with no_grad():
            _set(x, k, x0 + h)
            up = _scalar(f(*inputs))
            _set(x, k, x0 - h)
            down = _scalar(f(*inputs))
    finally:
        _set(x, k, x0)
    noise = 8 * _ROUNDING * max(abs(up), abs(down)) / h
    return (up - down) / (2 * h), noise


def _complex_step(f, inputs, i):
    """Im f(x + ih) / h for Value input i, f re-run on ComplexValue proxies."""
    args = [ComplexValue(complex(x.data, COMPLEX_STEP if j == i else 0.0))
            for j, x in enumerate(inputs)]
    out = f(*args)
    if not isinstance(out, ComplexValue):
        out = ComplexValue(out)
    return out.z.imag / COMPLEX_STEP


def _check_inputs(inputs):
    """``inputs`` as a list, each a Value or a tensor-like; clear errors for anything else."""
    if _is_value(inputs) or hasattr(inputs, "shape"):
        return [inputs]
    try:
        inputs = list(inputs)
    except TypeError:
        raise TypeError(
            f"gradcheck: inputs must be a Value, a tensor-like or a sequence of them, got "
            f"{type(inputs).__name__} {inputs!r}") from None
    if not inputs:
        raise ValueError("gradcheck: no inputs given, so there is no gradient to check")
    for i, x in enumerate(inputs):
        if not (_is_value(x) or all(hasattr(x, a) for a in ("data", "shape", "grad"))):
            raise TypeError(
                f"gradcheck: inputs[{i}] is {type(x).__name__} {x!r}, neither a Value nor a "
                "tensor-like with .data, .shape and .grad (wrap plain numbers in Value)")
    return inputs


def gradcheck(f, inputs, *, eps=None, rtol=None, atol=None, method="central",
              raise_on_failure=False):
    """Compare the gradients ``backward()`` gives for ``f(*inputs)`` with numerical ones.

    ``inputs``: a Value, or a sequence of Values / tensor-likes (see the module docstring).
    ``method``: ``"central"`` (any f), ``"complex"`` (smooth f over the op table's ops: exact to
    ~1e-15; falls back to central when f cannot run on complex numbers) or ``"both"``.
    ``eps``: relative central-difference step, h = eps · max(1, |x|) (default 1e-6).
    ``rtol``/``atol``: tolerances (defaults per method, see :data:`TOLERANCES`).

    Returns a :class:`GradcheckResult` (truthy when all agree); with ``raise_on_failure=True``
    a failure raises :class:`GradcheckError` (an ``AssertionError``) carrying the report.
    """
    if method not in ("central", "complex", "both"):
        raise ValueError(f"gradcheck: method must be 'central', 'complex' or 'both', got {method!r}")
    inputs = _check_inputs(inputs)
    eps = DEFAULT_EPS if eps is None else eps
    _, grads = _analytic(f, inputs)
    methods = ["central", "complex"] if method == "both" else [method]
    notes, mismatches, checked = [], [], 0

    if "complex" in methods:
        if not all(_is_value(x) for x in inputs):
            notes.append("complex step needs Value inputs; used central differences")
            methods = ["central"]
        else:
            try:
                complex_grads = [_complex_step(f, inputs, i) for i in range(len(inputs))]
            except (TypeError, AttributeError, ValueError, ArithmeticError) as e:
                notes.append(f"complex step not possible ({type(e).__name__}: {e}); "
                             "used central differences")
                methods = ["central"]

    for m in methods:
        rtol_m, atol_m = TOLERANCES[m]
        rtol_m = rtol_m if rtol is None else rtol
        atol_m = atol_m if atol is None else atol
        for i, x in enumerate(inputs):
            shape = None if _is_value(x) else tuple(x.shape)
            for k, analytic in enumerate(grads[i]):
                checked += 1
                if m == "complex":
                    numeric, noise = complex_grads[i], 0.0
                else:
                    numeric, noise = _central(f, inputs, i, k, eps)
                allowed = atol_m + rtol_m * max(abs(analytic), abs(numeric)) + noise
                if not abs(analytic - numeric) <= allowed:      # also catches NaN
                    index = None if shape is None else _multi_index(k, shape)
                    mismatches.append(Mismatch(_name(x, i), index, analytic, numeric, m))
    result = GradcheckResult("gradcheck", checked, mismatches, notes)
    return result.raise_if_failed() if raise_on_failure else result


# ---- the complex step: the op table on complex numbers ------------------------------------------

class _Twins(Mapping):
    """``{op name: cmath twin of its forward}``, read live from the op table (``Op.complex``;
    an op without one uses its own ``forward``, which works when it is plain arithmetic)."""

    def __getitem__(self, name):
        op = _ops.OPS[name]
        return op.complex or op.forward

    def __iter__(self):
        return iter(_ops.OPS)

    def __len__(self):
        return len(_ops.OPS)


#: The ``cmath`` twins of the op table's forwards, for the complex step (``Op.complex``).
#: Piecewise ops branch on the real part.
COMPLEX_TWINS = _Twins()


class ComplexValue:
    """A stand-in for :class:`~autograd.Value` carrying a complex number ``z``, for the complex
    step. Same operators and methods as Value (``autograd.install`` gives it every op of the
    table); each computes the real part with the op's ``forward`` (so domain errors are the
    engine's) and the imaginary part with the op's complex twin."""

    __slots__ = ("z",)
    __chainrule_defer__ = True       # makes Value's operators return NotImplemented: Value ⊕ this

    def __init__(self, z):
        self.z = complex(z.data if isinstance(z, Value) else z)

    @classmethod
    def constant(cls, x):
        return cls(x)

    @property
    def data(self):
        return self.z

    def item(self):
        return self.z.real

    def __repr__(self):
        return f"ComplexValue({self.z!r})"


def _z(x, op):
    if isinstance(x, ComplexValue):
        return x.z
    if isinstance(x, Value):
        return complex(x.data)
    if isinstance(x, (int, float)):
        return complex(x)
    raise TypeError(f"{op.name}: the complex step cannot follow an operand of type "
                    f"{type(x).__name__}")


def _apply_complex(op, a, b):
    twin = op.complex or op.forward
    real = op.forward(a.real, b.real if isinstance(b, complex) else b)   # domain checks
    return ComplexValue(complex(real, complex(twin(a, b)).imag))


def _complex_binary(op, reflected=False):
    def method(self, other):
        a, b = self.z, _z(other, op)
        return _apply_complex(op, b, a) if reflected else _apply_complex(op, a, b)
    return method


def _complex_unary(op):
    return lambda self: _apply_complex(op, self.z, None)


def _complex_power(pow_op, powc_op):
    def __pow__(self, other):
        if isinstance(other, (int, float)):
            return _apply_complex(powc_op, self.z, other)
        return _apply_complex(pow_op, self.z, _z(other, pow_op))
    return __pow__


_install.add_kind(ComplexValue, binary=_complex_binary, unary=_complex_unary,
                  power=_complex_power)


# ---- metamorphic checks -------------------------------------------------------------------------

def _leaf_grads(out, leaves):
    """∂out/∂leaf for each leaf (Values), leaving their .grad as found."""
    saved = [v.grad for v in leaves]
    try:
        for v in leaves:
            v.grad = 0.0
        out.backward()
        return [v.grad for v in leaves]
    finally:
        for v, g in zip(leaves, saved):
            v.grad = g


def _compare(title, names, expected, got, rtol, atol, method, raise_on_failure):
    mismatches = [Mismatch(n, None, g, e, method) for n, e, g in zip(names, expected, got)
                  if not abs(g - e) <= atol + rtol * max(abs(g), abs(e))]
    result = GradcheckResult(title, len(names), mismatches)
    return result.raise_if_failed() if raise_on_failure else result


def _as_list(inputs):
    return [inputs] if isinstance(inputs, Value) else list(inputs)


def check_linearity(f, g, inputs, a, b, *, rtol=1e-12, atol=1e-12, raise_on_failure=False):
    """∇(a·f + b·g) = a·∇f + b·∇g: the gradient is linear in the function.

    ``f``, ``g`` take the Values ``inputs``; ``a``, ``b`` are numbers. The report's "analytic"
    is ∇(a·f + b·g), its "numeric" the combination a·∇f + b·∇g."""
    inputs = _as_list(inputs)
    df = _leaf_grads(f(*inputs), inputs)
    dg = _leaf_grads(g(*inputs), inputs)
    dh = _leaf_grads(a * f(*inputs) + b * g(*inputs), inputs)
    combo = [a * x + b * y for x, y in zip(df, dg)]
    names = [_name(x, i) for i, x in enumerate(inputs)]
    return _compare("linearity ∇(a·f + b·g) = a·∇f + b·∇g", names, combo, dh, rtol, atol,
                    "a·∇f + b·∇g", raise_on_failure)


def check_chain_rule(outer, inner, x, *, rtol=1e-12, atol=1e-12, raise_on_failure=False):
    """d outer(inner(x))/dx = outer'(u) · ∂u/∂x with u = inner(x): backward through the
    composition equals the product of the two separately computed derivatives.

    ``x``: a Value or a sequence of Values (``inner`` takes them all and returns one Value;
    ``outer`` takes one Value)."""
    xs = _as_list(x)
    u = inner(*xs)
    du = _leaf_grads(u, xs)
    U = Value(u.data, label="u")
    douter = _leaf_grads(outer(U), [U])[0]
    composite = _leaf_grads(outer(inner(*xs)), xs)
    names = [_name(v, i) for i, v in enumerate(xs)]
    return _compare("chain rule d outer(inner(x))/dx = outer'(u)·inner'(x)", names,
                    [douter * d for d in du], composite, rtol, atol, "outer'(u)·inner'(x)",
                    raise_on_failure)


def check_sum_reassociation(terms, *, seed=0, rtol=1e-12, atol=1e-12, raise_on_failure=False):
    """The gradient of a sum does not depend on how it is bracketed or ordered:
    ((a + b) + c), (a + (b + c)), and a shuffled order give the same gradient for every leaf
    under the terms (exactly 1 for a term that is itself a leaf).

    ``terms``: a sequence of at least two Values (leaves or expressions)."""
    terms = list(terms)
    if len(terms) < 2:
        raise ValueError("check_sum_reassociation needs at least two terms")
    leaves = []
    for t in terms:
        for node in topological_order(t):
            if node.is_leaf() and all(node is not seen for seen in leaves):
                leaves.append(node)

    def left(ts):
        s = ts[0]
        for t in ts[1:]:
            s = s + t
        return s

    def right(ts):
        s = ts[-1]
        for t in reversed(ts[:-1]):
            s = t + s
        return s

    shuffled = terms[:]
    random.Random(seed).shuffle(shuffled)
    reference = _leaf_grads(left(terms), leaves)
    names = [_name(v, i) for i, v in enumerate(leaves)]
    results = []
    for how, total in (("right-nested", right(terms)), ("shuffled", left(shuffled))):
        results.append(_compare(f"sum re-association ({how} vs left-nested)", names, reference,
                                _leaf_grads(total, leaves), rtol, atol, "left-nested",
                                False))
    result = GradcheckResult("sum re-association", sum(r.checked for r in results),
                             [m for r in results for m in r.mismatches])
    return result.raise_if_failed() if raise_on_failure else result


def check_backward_twice(f, inputs, *, raise_on_failure=False):
    """Calling ``backward()`` twice on the same graph leaves every input's gradient exactly
    doubled (leaves accumulate, as in PyTorch). Compared bit for bit."""
    inputs = _as_list(inputs)
    saved = [v.grad for v in inputs]
    try:
        for v in inputs:
            v.grad = 0.0
        out = f(*inputs)
        out.backward()
        once = [v.grad for v in inputs]
        out.backward()
        twice = [v.grad for v in inputs]
    finally:
        for v, g in zip(inputs, saved):
            v.grad = g
    names = [_name(v, i) for i, v in enumerate(inputs)]
    return _compare("backward twice = 2 × backward once", names, [2 * g for g in once], twice,
                    0.0, 0.0, "2 × first pass", raise_on_failure)


# ---- hypothesis strategies --------------------------------------------------------------------

def _hypothesis():
    try:
        import hypothesis.strategies as st
    except ImportError:
        raise ImportError("autograd.testing strategies need hypothesis: "
                          "pip install 'chainrule[test]' (or pip install hypothesis)") from None
    return st


def floats_in(lo, hi, *, margin=None):
    """Finite floats in [lo + margin, hi − margin] (default margin: 1e-3 · (hi − lo)), no NaN,
    no infinities, no subnormals: inputs kept away from the ends of a domain."""
    st = _hypothesis()
    if not lo < hi:
        raise ValueError(f"floats_in: need lo < hi, got {lo!r}, {hi!r}")
    margin = 1e-3 * (hi - lo) if margin is None else margin
    return st.floats(lo + margin, hi - margin, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def values(lo=-3.0, hi=3.0, *, label="x", margin=None):
    """Leaf :class:`~autograd.Value` objects with data drawn by :func:`floats_in`."""
    return floats_in(lo, hi, margin=margin).map(lambda d: Value(d, label=label))


_POWC_EXPONENTS = (2, 3, -1, 0.5, 1.5, -2)
_COMFORT = 0.1        # distance kept from every kink and pole (op.valid checked at ±_COMFORT)
_BOUND = 1e3          # |value| limit for every node of a generated expression


class Expression:
    """A random expression DAG, kept as a program so it can be replayed on fresh inputs.

    ``steps``: one tuple per node after the leaves, ``(op_name, a, b)`` where ``a`` and ``b`` are
    node indices (ints) or, for ``b``, a constant (``("const", number)``) or None. Node ``i < n``
    is leaf ``i``. ``output`` is the index of the result. Call ``expr(*leaves)`` with Values (or
    ComplexValues, or torch tensors via ``replay(..., apply=...)``); ``expr.leaves()`` makes fresh
    leaf Values labelled x0, x1, ...
    """

    def __init__(self, data, steps, output):
        self.data = list(data)
        self.steps = list(steps)
        self.output = output

    def leaves(self):
        return [Value(d, label=f"x{i}") for i, d in enumerate(self.data)]

    def replay(self, leaves, apply=None):
        apply = apply or apply_op
        nodes = list(leaves)
        for name, a, b in self.steps:
            b = b[1] if isinstance(b, tuple) else (nodes[b] if isinstance(b, int) else b)
            nodes.append(apply(name, nodes[a], b))
        return nodes[self.output]

    def __call__(self, *leaves):
        return self.replay(leaves)

    def ops(self):
        return [s[0] for s in self.steps]

    def __repr__(self):
        names = [f"x{i}" for i in range(len(self.data))]
        for name, a, b in self.steps:
            b = repr(b[1]) if isinstance(b, tuple) else (names[b] if isinstance(b, int) else b)
            names.append(_render(name, names[a], b))
        return f"Expression({names[self.output]} at x={self.data!r})"


def _render(name, a, b):
    op = _ops.OPS[name]
    if name == "powc":
        return f"({a}) ** {b}"
    if op.arity == 2 and name in ("max", "min"):
        return f"{name}({a}, {b})"
    if op.arity == 2:
        return f"({a} {op.expr.split()[1]} {b})"      # "a * b" -> "*"
    return "-(" + a + ")" if name == "neg" else f"{name}({a})"


def apply_op(name, a, b=None):
    """Apply the op called ``name`` to ``a`` (and ``b``) of any kind of number (Values,
    ComplexValues, Duals, Tensors: ``ops.call``), as the kind's own operators compute it."""
    return _ops.call(_ops.OPS[name], a, b)


def _comfortable(op, a, b):
    """op.valid holds at (a, b) and everywhere within _COMFORT of it, and the output is finite
    and within _BOUND: gradients there are smooth and finite differences are accurate."""
    try:
        out = op.forward(a, b)
    except (ArithmeticError, ValueError):
        return False
    if not (math.isfinite(out) and abs(out) <= _BOUND):
        return False
    if op.valid is None:
        return True
    da = (-_COMFORT, 0.0, _COMFORT)
    db = da if op.arity == 2 else (0.0,)
    return all(op.valid(a + x, (b + y) if op.arity == 2 else b) for x in da for y in db)


def expressions(*, ops=None, min_leaves=1, max_leaves=3, max_nodes=8, max_depth=6, lo=-3.0,
                hi=3.0):
    """Random expression DAGs over the op table, as :class:`Expression` objects.

    Leaves get data in [lo, hi]; each new node applies an op (drawn from ``ops``, names of
    ``OPS``; default all) to any earlier node(s), so sub-expressions are shared (fan-out). A node
    whose inputs sit near a kink or pole, or outside the domain (checked with each Op's
    ``valid`` predicate at ±0.1 around them), is rebuilt on positive inputs softplus(x) + 0.5;
    if that does not help it is dropped. ``max_depth`` limits the longest path; the output is the
    sum of the nodes nobody uses (so every node counts).
    """
    st = _hypothesis()
    names = list(_ops.OPS) if ops is None else list(ops)
    unknown = [n for n in names if n not in _ops.OPS]
    if unknown:
        raise ValueError(f"expressions: unknown ops {unknown}; choose from {sorted(_ops.OPS)}")

    @st.composite
    def build(draw):
        n = draw(st.integers(min_leaves, max_leaves))
        data = [draw(floats_in(lo, hi)) for _ in range(n)]
        vals, depth, used, steps = list(data), [0] * n, [False] * n, []

        def add(name, a, b, value):
            steps.append((name, a, b))
            vals.append(value)
            depth.append(1 + max(depth[a], depth[b] if isinstance(b, int) else 0))
            used.append(False)
            used[a] = True
            if isinstance(b, int):
                used[b] = True
            return len(vals) - 1

        def positive(i):      # softplus(x) + 0.5 > 0.5: inside every op's domain
            s = add("softplus", i, None, _ops.SOFTPLUS.forward(vals[i], None))
            return add("add", s, ("const", 0.5), vals[s] + 0.5)

        for _ in range(draw(st.integers(1, max_nodes))):
            op = _ops.OPS[draw(st.sampled_from(names))]
            shallow = [i for i in range(len(vals)) if depth[i] < max_depth - 2] or [0]
            a = draw(st.sampled_from(shallow))
            if op.arity == 2:
                b = draw(st.sampled_from(shallow))
            elif op.name == "powc":
                b = ("const", draw(st.sampled_from(_POWC_EXPONENTS)))
            else:
                b = None
            if not _comfortable(op, vals[a], _num(b, vals)):
                a = positive(a)
                if op.arity == 2:
                    b = positive(b)
                if not _comfortable(op, vals[a], _num(b, vals)):
                    continue
            add(op.name, a, b, op.forward(vals[a], _num(b, vals)))
        sinks = [i for i in range(len(vals)) if not used[i]]
        out = sinks[0]
        for s in sinks[1:]:
            out = add("add", out, s, vals[out] + vals[s])
        return Expression(data, steps, out)

    return build()


def _num(b, vals):
    if isinstance(b, tuple):
        return b[1]
    return vals[b] if isinstance(b, int) else b


def graphs(**kwargs):
    """Like :func:`expressions`, but draws a built graph: ``(leaves, output)``, fresh Values."""
    def build(expr):
        leaves = expr.leaves()
        return leaves, expr(*leaves)
    return expressions(**kwargs).map(build)


class TensorData:
    """Pure data for a tensor: a flat row-major ``data`` list and a ``shape`` tuple."""

    __slots__ = ("data", "shape")

    def __init__(self, data, shape):
        self.data, self.shape = list(data), tuple(shape)

    def nested(self):
        """The data as nested lists (a scalar for shape ())."""
        def build(flat, shape):
            if not shape:
                return flat[0]
            step = len(flat) // shape[0] if shape[0] else 0
            return [build(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
        return build(self.data, self.shape)

    def __repr__(self):
        return f"TensorData(shape={self.shape}, data={self.data!r})"


def shapes(*, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tensor shapes: tuples of ``min_dims``..``max_dims`` sides, each in min_side..max_side."""
    st = _hypothesis()
    return st.lists(st.integers(min_side, max_side), min_size=min_dims,
                    max_size=max_dims).map(tuple)


def tensors(shape=None, *, lo=-3.0, hi=3.0, elements=None):
    """:class:`TensorData` of the given shape (or a drawn one) with elements in [lo, hi]."""
    st = _hypothesis()
    elements = floats_in(lo, hi) if elements is None else elements
    shape_strategy = shapes() if shape is None else st.just(tuple(shape))

    def fill(s):
        return st.lists(elements, min_size=math.prod(s),
                        max_size=math.prod(s)).map(lambda d: TensorData(d, s))

    return shape_strategy.flatmap(fill)


def broadcastable_shapes(*, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Pairs of shapes that broadcast together (NumPy rules): from a common shape, each side
    drops some leading dimensions and sets some sides to 1."""
    st = _hypothesis()

    @st.composite
    def pair(draw):
        base = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                           max_side=max_side))

        def variant():
            keep = draw(st.integers(min(min_dims, len(base)), len(base)))
            s = base[len(base) - keep:]
            return tuple(1 if draw(st.booleans()) else side for side in s)

        return variant(), variant()

    return pair()
