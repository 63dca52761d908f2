"""The chain rule, step by step: the backward pass as data, then as text, Markdown or LaTeX.

>>> from autograd import Value
>>> from autograd.explain import explain
>>> x, y = Value(-5.0, label="x"), Value(-5.0, label="y")
>>> e = explain(x ** 2 + y ** 2)
>>> e.grad(x), e.grad(y)
(-10.0, -10.0)

Back-propagation visits each node ``v`` once, after every node that uses it, and applies the
chain rule to each of its inputs ``u``::

    ∂L/∂u  +=  ∂L/∂v · ∂v/∂u          (upstream gradient × local derivative)

The sum runs over every consumer ``v`` of ``u`` (fan-out adds up). :func:`explain` records each
of those steps, in exactly the order :meth:`Value.backward` runs them
(:func:`autograd.engine.backward_order`), with the local derivative's formula taken from the op
table (:mod:`autograd.ops`). It computes the gradients on the side: the graph's ``.grad`` values
are left alone unless ``apply=True``.

Names: a labelled value is called by its label; the others get stable names in topological
order, ``n1, n2, ...`` for computed values and ``c1, c2, ...`` for unlabelled leaves (constants
such as the ``1.0`` in ``x + 1``). :func:`names` exposes the mapping. Labelled leaves are
*inputs*, unless ``explain(..., params=model.parameters())`` says which are parameters.

An :class:`Explanation` prints as a text table (:mod:`autograd.explain_render`), and
``to_html(path)`` (or showing it in Jupyter) gives the interactive explorer
(:mod:`autograd.explorer`): the same steps, on the graph, one at a time.
"""

import numbers
import re
from dataclasses import dataclass, field

from .engine import backward_order
from .errors import OperandError
from .naming import (check_output, fmt, forward_order, kind, latex_name, names,
                     numbers_of, paren, placeholders, plugged_locals, substitute)
from .value import Value

# names, fmt, forward_order, kind, numbers_of, ... live in autograd.naming (shared with draw and
# the explorer); explain keeps exporting them, as it always has.
__all__ = ["explain", "explain_update", "Explanation", "Step", "Term", "ForwardStep", "Update",
           "Updates", "names", "fmt", "forward_order", "kind", "check_output", "substitute",
           "numbers_of", "plugged_locals"]


# ---- the data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ForwardStep:
    """One value of the forward pass: ``name = expr = numbers = value``."""

    node: object             # the Value
    name: str                # "n1"
    kind: str                # "parameter", "constant", "computed", "output"
    op: object               # the Op, or None for a leaf
    expr: str                # "w * x" ("" for a leaf)
    numbers: str             # "-1.2 * 0.5" ("" for a leaf)
    value: float


@dataclass(frozen=True)
class Term:
    """The chain rule for one input ``u`` of the node being processed:
    ``∂L/∂u += upstream × local``, running total ``before → after``."""

    input: object            # the input Value
    name: str                # "x"
    index: int               # 0 for the op's input a, 1 for b
    formula: str             # "∂(a * b)/∂a = b"          (the op table's words)
    formula_latex: str       # r"\frac{\partial (a \cdot b)}{\partial a} = b"
    named: str               # "∂(w * x)/∂w = x"          (the same with this graph's names)
    local: float             # ∂node/∂input, evaluated
    product: float           # upstream × local: this term's contribution
    before: float            # ∂L/∂input accumulated before this term
    after: float             # ... and after it
    nth: int = 1             # 1 for the first contribution into this input, 2 for the next...

    @property
    def update(self):
        """``x.grad += 6.0 → 8.0``"""
        return f"{self.name}.grad += {fmt(self.product)} → {fmt(self.after)}"


@dataclass(frozen=True)
class Step:
    """One node processed by back-propagation: its upstream gradient, passed to each input."""

    index: int               # 1, 2, ...
    node: object
    name: str
    kind: str
    op: object               # None for a leaf (a leaf's step only keeps its gradient)
    expr: str                # "w * x"
    upstream: float          # ∂L/∂node, complete when the node is processed
    terms: tuple = ()        # Term per input, in the order their contributions are added


class Rendered:
    """Shared display hooks: ``str()`` is the text; Jupyter shows Markdown or LaTeX."""

    def __str__(self):
        return self.to_text()

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return "$$" + self.to_latex() + "$$"


@dataclass
class Explanation(Rendered):
    """The forward and backward passes of ``output`` as data, with renderers.

    ``forward``: :class:`ForwardStep` per value, inputs first. ``backward``: :class:`Step` per
    value, in the order ``backward()`` processes them. ``grads``: ``{value: ∂L/∂value}`` (the
    values ``backward()`` gives on a graph whose leaf gradients start at 0).
    """

    __chainrule_explanation__ = True      # what the explorer checks (it does not import us)
    output: object
    seed: float
    names: dict
    forward: list
    backward: list
    grads: dict = field(repr=False)

    @property
    def out_name(self):
        """The name the tables differentiate: ∂L/∂x for an unlabelled output, ∂o/∂x for an
        output labelled ``o`` (the way the notebooks' prose writes it)."""
        return self.names[self.output] if self.output.label else "L"

    def grad(self, value):
        """∂L/∂``value`` from this explanation (0.0 for a value ``output`` does not depend on)."""
        return self.grads.get(value, 0.0)

    def step(self, value):
        """The backward :class:`Step` that processed ``value``."""
        for s in self.backward:
            if s.node is value:
                return s
        raise KeyError(f"{value!r} is not in this graph")

    def to_text(self, digits=6):
        from .explain_render import text
        return text(self, digits)

    def to_markdown(self, digits=6):
        from .explain_render import markdown
        return markdown(self, digits)

    def to_latex(self, digits=6):
        from .explain_render import latex
        return latex(self, digits)

    def to_html(self, path=None, digits=4, **options):
        """The interactive explorer (:mod:`autograd.explorer`): one self-contained HTML page
        that steps through the forward and backward passes; written to ``path`` when given.
        Returns the page's text."""
        from .explorer import to_html
        return to_html(self, path, digits=digits, **options)

    def _repr_html_(self):
        """Jupyter shows the explorer inline (``print(e)`` still gives the text table)."""
        from .explorer import notebook_html
        return notebook_html(self)


def forward_steps(output, order, name_of, digits=6, params=None):
    """The forward pass as data: each value from its inputs, in topological order.
    ``numbers`` uses ``digits``; renderers recompute it with theirs (:func:`numbers_of`)."""
    steps = []
    for v in order:
        op = v.op
        if op is None:
            expr = ""
        elif op.arity is None:             # n-ary (dot, add_n): spelled out with the names
            expr = op.expand([name_of[u] for u in v.inputs])
        else:
            expr = substitute(op.expr, placeholders(v, name_of))
        steps.append(ForwardStep(v, name_of[v], kind(v, output, params), op, expr,
                                 numbers_of(v, digits), v.data))
    return steps


def explain(output, grad=1.0, apply=False, params=None):
    """The backward pass from ``output`` as an :class:`Explanation` (data first).

    ``grad`` is the seed ∂L/∂output (1.0 for a scalar loss). The gradients are computed on the
    side with the engine's own visiting order and summation order, so :meth:`Explanation.grad`
    equals ``.grad`` after ``output.backward(grad)`` on a graph whose leaf gradients were 0.
    With ``apply=True`` they are also written into the graph as ``backward()`` would (leaves
    accumulate, computed values are overwritten). ``params``: the leaves to call parameters
    (``model.parameters()``); other labelled leaves are inputs.

    Its size is linear in the graph's: an n-ary node (``dot``, ``add_n``) spells out its
    expression once, and each of its terms names the node (``∂n1/∂w1 = x1``) instead of
    repeating the whole sum.
    """
    check_output(output, "explain")
    if isinstance(grad, Value) or not isinstance(grad, numbers.Real):
        raise OperandError(f"explain(grad=...) takes a number, got {grad!r}")
    params = set(params) if params is not None else None
    visit = list(backward_order(output))
    order = forward_order(output)
    name_of = names(output, order)
    total = {output: float(grad)}
    count = {}                                   # contributions received so far, per value
    steps = []
    for i, v in enumerate(visit, 1):
        g = total.get(v, 0.0)
        op = v.op
        if op is None:
            steps.append(Step(i, v, name_of[v], kind(v, output, params), None, "", g))
            continue
        inputs = v.inputs
        local = v.local_derivatives()
        n = len(inputs)
        nary = op.arity is None
        if nary:
            mapping = {op.role(j, n): name_of[u] for j, u in enumerate(inputs)}
            expr = op.expand([name_of[u] for u in inputs])
        else:
            mapping = placeholders(v, name_of)
            expr = substitute(op.expr, mapping)
        # The engine adds the last input's contribution first (it pushes inputs last one first,
        # so the first input is processed next); the order only shows when an input repeats.
        terms = {}
        for j in reversed(range(n)):
            u = inputs[j]
            before = total.get(u, 0.0)
            product = local[j] * g
            after = before + product
            total[u] = after
            count[u] = count.get(u, 0) + 1
            if nary:          # named by the node: repeating the whole sum per term is O(n²)
                d = op.deriv(j, n)
                named = f"∂{name_of[v]}/∂{name_of[u]} = {mapping.get(d, d)}"
                formulas = op.formula(j, n), op.formula_latex(j, n)
            else:
                named = f"∂{_wrap(expr)}/∂{name_of[u]} = {substitute(op.derivs[j], mapping)}"
                formulas = op.formula(j), op.formula_latex(j)
            terms[j] = Term(u, name_of[u], j, *formulas, named, local[j], product, before, after,
                            count[u])
        repeated = len(set(map(id, inputs))) < n
        shown = sorted(terms, reverse=repeated)   # with a repeated input, in the order added
        steps.append(Step(i, v, name_of[v], kind(v, output, params), op, expr, g,
                          tuple(terms[j] for j in shown)))
    if apply:
        for v, g in total.items():
            if v.is_leaf():
                v.grad += g
            else:
                v.grad = g
    return Explanation(output, float(grad), name_of,
                       forward_steps(output, order, name_of, params=params), steps, total)


def _wrap(expr):
    """``(a * b)`` but ``tanh(a)`` (a call needs no extra parentheses)."""
    if re.fullmatch(r"[^\s()]+\(.*\)", expr) and expr.count("(") == 1:
        return expr
    return f"({expr})"


# ---- parameter updates ------------------------------------------------------------------------

@dataclass(frozen=True)
class Update:
    """One gradient-descent step ``w ← w − η·∂L/∂w`` with its numbers."""

    param: object
    name: str
    before: float
    lr: float
    grad: float
    after: float

    def text(self, digits=6):
        n = self.name
        return (f"{n} ← {n} − η·∂L/∂{n} = {fmt(self.before, digits)} − {fmt(self.lr, digits)}·"
                f"{paren(fmt(self.grad, digits))} = {fmt(self.after, digits)}")

    def latex(self, digits=6):
        n = latex_name(self.name)
        return (rf"{n} \leftarrow {n} - \eta\,\frac{{\partial L}}{{\partial {n}}} = "
                rf"{fmt(self.before, digits)} - {fmt(self.lr, digits)} \cdot "
                rf"{paren(fmt(self.grad, digits))} = {fmt(self.after, digits)}")


class Updates(Rendered, list):
    """A list of :class:`Update` that renders itself (text, Markdown, LaTeX)."""

    def to_text(self, digits=6):
        return "\n".join(u.text(digits) for u in self)

    def to_markdown(self, digits=6):
        return "\n".join(f"- `{u.text(digits)}`" for u in self)

    def to_latex(self, digits=6):
        return r"\begin{aligned}" + r" \\ ".join(
            u.latex(digits).replace(r" \leftarrow", r" &\leftarrow", 1) for u in self) + \
            r"\end{aligned}"


def explain_update(params, lr, apply=False):
    """Gradient descent with the numbers shown: ``w ← w − η·∂L/∂w`` for each parameter.

    ``params``: Values (named by label, else ``p1, p2, ...``) or a ``{name: Value}`` dict, each
    with ``.grad`` already filled by ``backward()``. With ``apply=True`` the update is made.
    """
    items = params.items() if isinstance(params, dict) else (
        (p.label or f"p{i}", p) for i, p in enumerate(params, 1))
    updates = Updates()
    for name, p in items:
        after = p.data - lr * p.grad
        updates.append(Update(p, name, p.data, lr, p.grad, after))
        if apply:
            p.data = after
    return updates



