"""Blame the op: which node of a graph has a wrong local derivative.

A gradient check says *which input's* gradient disagrees; the chain rule multiplies every
node's local derivatives together, so one wrong rule anywhere spoils it. ``blame(L)`` checks
each node on its own: at the node's recorded inputs it compares the op table's rule
(``op.local``, what ``backward()`` multiplies by) with the central difference of the same op's
*forward*, one input at a time:

    ∂out/∂a  ≈  (forward(a + h, b) − forward(a − h, b)) / 2h,   h = 1e-6 · max(1, |a|)

Nothing else of the graph is involved, so a disagreement names the op, the input and the
formula from the table. Kinks are skipped: where ``op.valid`` says the op is not differentiable
(relu at 0, max on a tie) there is no derivative to compare.

A wrong rule can agree with the right one at a point (3·a equals 3·a² at a = 1), so
``blame(L, search=N)`` also tries each op of the graph at other points: a few special ones
(0, ±1, ±0.5, 2, ...) and ``N`` drawn by hypothesis (:func:`~autograd.testing.floats_in`),
which then shrinks a disagreement to a simple point. :func:`explain_blamed` marks the blamed
rows in :func:`autograd.explain`'s table.
"""

import math

from .. import ops as _ops
from ..engine import topological_order
from ..value import Value
from .results import within

__all__ = ["Finding", "blame", "check_rule", "explain_blamed", "DEFAULT_BLAME_TOLERANCE"]

DEFAULT_BLAME_TOLERANCE = (1e-5, 1e-8)       # (rtol, atol), as gradcheck's central differences
_ROUNDING = 2.0 ** -52
_SPECIAL = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, 3.0, -3.0)


class Finding:
    """One local derivative that disagrees with its op's forward.

    ``node``: the Value (None for a point found by search), ``op``: the op's name, ``input``:
    the input's index (0 for a, 1 for b), ``formula``: the rule's formula in the op table
    (``"3·a"``), ``analytic``: what the rule gives, ``numeric``: the central difference of the
    forward, ``at``: the inputs (a, b) where they were compared."""

    __slots__ = ("node", "op", "input", "formula", "analytic", "numeric", "at", "searched")

    def __init__(self, node, op, input, formula, analytic, numeric, at, searched=False):
        self.node, self.op, self.input, self.formula = node, op, input, formula
        self.analytic, self.numeric, self.at, self.searched = analytic, numeric, at, searched

    def __str__(self):
        op = _ops.OPS.get(self.op) or _ops.NARY.get(self.op)
        names = op.inputs() if op is not None and op.arity else ("a", "b")
        name = names[self.input] if self.input < len(names) else f"input {self.input}"
        at = ", ".join(f"{n} = {v:.6g}" for n, v in zip(names, self.at) if v is not None)
        where = "found by search" if self.searched else (
            f"node {self.node.label!r}" if self.node is not None and self.node.label else "")
        return (f"{self.op}, input {name}: the rule ∂/∂{name} = {self.formula} gives "
                f"{self.analytic:.6g}, the forward's central difference {self.numeric:.6g} "
                f"at {at}"
                + (f" ({where})" if where else ""))

    def __repr__(self):
        return f"Finding({self})"


def _partial(op, i, out, a, b):
    try:
        return op.partial(i, out, a, b)
    except (ArithmeticError, ValueError):
        return None                        # the rule has no value here (0 ** y's base)


def _shifted(values, i, delta):
    values = list(values)
    values[i] = values[i] + delta
    return values


def _numeric(forward, values, i):
    """Central difference of ``forward(*values)`` in ``values[i]`` and its rounding estimate;
    None when a shifted point leaves the domain."""
    x = values[i]
    h = 1e-6 * max(1.0, abs(x))
    try:
        up = forward(_shifted(values, i, h))
        down = forward(_shifted(values, i, -h))
    except (ArithmeticError, ValueError):
        return None
    if not (math.isfinite(up) and math.isfinite(down)):
        return None
    return (up - down) / (2 * h), 8 * _ROUNDING * max(abs(up), abs(down)) / h


def check_rule(op, a, b=None, *, rtol=None, atol=None, node=None, searched=False):
    """Findings for one op of the table at the point (a, b) (``b``: the second input, or the
    constant of a unary op): each input whose rule disagrees with the forward's central
    difference. Empty where they agree, at a kink (``op.valid`` false) or outside the domain."""
    rtol = DEFAULT_BLAME_TOLERANCE[0] if rtol is None else rtol
    atol = DEFAULT_BLAME_TOLERANCE[1] if atol is None else atol
    if op.valid is not None and not op.valid(a, b):
        return []
    try:
        out = op.forward(a, b)
    except (ArithmeticError, ValueError):
        return []
    if op.arity == 2:
        values, forward = [a, b], (lambda v: op.forward(v[0], v[1]))
    else:
        values, forward = [a], (lambda v: op.forward(v[0], b))
    findings = []
    for i in range(op.arity):
        analytic = _partial(op, i, out, a, b)
        num = _numeric(forward, values, i)
        if analytic is None or num is None:
            continue
        numeric, noise = num                  # finite: an infinite or NaN rule is a finding
        if not within(analytic, numeric, rtol, atol, noise):
            findings.append(Finding(node, op.name, i, op.derivs[i], analytic, numeric,
                                    (a, b), searched))
    return findings


def _check_nary(node, rtol, atol):
    op, xs = node.op, [c.data for c in node.inputs]
    local = op.local(node.data, xs)
    findings = []
    for i, analytic in enumerate(local):
        num = _numeric(op.forward, xs, i)
        if num is None:
            continue
        if not within(analytic, num[0], rtol, atol, num[1]):
            findings.append(Finding(node, op.name, i, op.deriv(i, len(xs)), analytic, num[0],
                                    tuple(xs)))
    return findings


def _point(node):
    """(a, b) recorded at a scalar node: its inputs' data, or (a, k) for a unary op."""
    prev = node.inputs
    a = prev[0].data
    if node.op.arity == 2:
        return a, prev[1].data
    return a, node.arg


def blame(L, *, search=0, rtol=None, atol=None):
    """Check every node's local derivatives in the graph of ``L`` (a Value) against central
    differences of the node's own forward at its recorded inputs.

    Returns a list of :class:`Finding` (empty when every rule agrees), in the order the graph
    was built, so ``blame(L)[0]`` is the first bad node. ``search=N`` also checks every op of the
    graph at special points and at ``N`` points drawn by hypothesis (needs hypothesis), for
    rules that happen to be right at the recorded inputs; those findings come last, with
    ``node=None`` and ``searched=True``.
    """
    if not isinstance(L, Value):
        raise TypeError(f"blame: L must be a Value (the output of a scalar graph), got "
                        f"{type(L).__name__}; for Tensors use gradcheck(f, inputs, fast=True) "
                        "or taylor_test(f, inputs)")
    rtol, atol = (DEFAULT_BLAME_TOLERANCE[0] if rtol is None else rtol,
                  DEFAULT_BLAME_TOLERANCE[1] if atol is None else atol)
    findings, seen = [], {}
    for node in topological_order(L):
        op = node.op
        if op is None:
            continue
        if op.arity is None:
            findings.extend(_check_nary(node, rtol, atol))
            continue
        a, b = _point(node)
        findings.extend(check_rule(op, a, b, rtol=rtol, atol=atol, node=node))
        seen.setdefault(op.name, set()).add(b if op.arity == 1 else None)
    if search:
        named = {(f.op, f.input) for f in findings}
        for name, constants in seen.items():
            for k in sorted(constants, key=repr):
                findings.extend(f for f in _search(_ops.OPS[name], k, search, rtol, atol)
                                if (f.op, f.input) not in named)
    return findings


def _search(op, k, examples, rtol, atol):
    """Findings for ``op`` away from the recorded points: special points first, then
    hypothesis (``find``: the first disagreement, shrunk to a simple point)."""
    for a in _SPECIAL:
        for b in (_SPECIAL if op.arity == 2 else (k,)):
            found = check_rule(op, a, b, rtol=rtol, atol=atol, searched=True)
            if found:
                return found
    from hypothesis import find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    from .strategies import floats_in

    points = st.tuples(floats_in(-4.0, 4.0), floats_in(-4.0, 4.0) if op.arity == 2
                       else st.just(k))
    try:
        a, b = find(points, lambda p: bool(check_rule(op, p[0], p[1], rtol=rtol, atol=atol)),
                    settings=settings(max_examples=examples, database=None, derandomize=True))
    except NoSuchExample:
        return []
    return check_rule(op, a, b, rtol=rtol, atol=atol, searched=True)


def explain_blamed(L, findings=None, digits=6):
    """:func:`autograd.explain` of ``L`` as text, with the row of each blamed local derivative
    marked ``◀ blame: ...`` (the findings of :func:`blame`, or those given)."""
    from ..explain import explain

    findings = blame(L) if findings is None else findings
    e = explain(L)
    lines = e.to_text(digits).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("backward pass"))
    for f in findings:
        if f.node is None:
            continue
        term = next(t for t in e.step(f.node).terms if t.index == f.input)
        for i in range(start, len(lines)):
            if term.named in lines[i] and "◀" not in lines[i]:
                lines[i] += (f"  ◀ blame: {f.op}'s rule gives {f.analytic:.6g}, its forward's "
                             f"central difference {f.numeric:.6g}")
                break
    return "\n".join(lines)
