"""Renderers for :class:`autograd.explain.Explanation`: terminal text, Markdown, LaTeX.

They only format what :func:`autograd.explain.explain` computed; no math happens here.
"""

from .naming import fmt, latex_name, numbers_of, placeholders, substitute

def backward_header(e):
    """The backward table's column titles, with the output's name (∂L/∂node, or ∂o/∂node)."""
    d = f"∂{e.out_name}/∂"
    return ("step", "node", d + "node", "local derivative ∂node/∂input", "local",
            "contribution", "running total")


def _forward_rows(e, digits):
    for s in e.forward:
        if s.op is None:
            yield (s.name, "=", fmt(s.value, digits), "", "", s.kind)
        else:
            yield (s.name, "=", s.expr, "=", numbers_of(s.node, digits),
                   f"= {fmt(s.value, digits)}")


def running_total(e, term, digits=6):
    """How a teacher says the running total: ``∂L/∂n2 = 0.915137`` for the first contribution
    into an input, ``∂L/∂x = 1.0 + 2.0 = 3.0`` when it adds to earlier ones (fan-out)."""
    d = f"∂{e.out_name}/∂{term.name} = "
    if term.nth == 1:
        return d + fmt(term.after, digits)
    return (d + f"{fmt(term.before, digits)} + {_p(fmt(term.product, digits))} = "
            f"{fmt(term.after, digits)}")


def leaf_note(e, step):
    """A leaf's row: nothing left to pass on; ``backward()`` adds the total into ``.grad``."""
    return f"leaf: ∂{e.out_name}/∂{step.name} is complete; backward() adds it to {step.name}.grad"


def step_rows(e, step, digits=6):
    """The backward table's rows for one step: one row per input term (a leaf: one note),
    with the columns of :func:`backward_header`."""
    head = (str(step.index), step.name, fmt(step.upstream, digits))
    if step.op is None:
        return [head + (leaf_note(e, step), "", "", "")]
    rows = []
    for t in step.terms:
        rows.append(head + (t.named, fmt(t.local, digits), fmt(t.product, digits),
                            running_total(e, t, digits)))
        head = ("", "", "")
    return rows


def _backward_rows(e, digits):
    for s in e.backward:
        yield from step_rows(e, s, digits)


def gradient_summary(e, digits=6):
    """``∂L/∂w = 0.457568, ∂L/∂x = -1.09816, ...``: every leaf's gradient, parameters first."""
    leaves = [s for s in e.forward if s.op is None]
    leaves.sort(key=lambda s: s.kind != "parameter")
    return ", ".join(f"∂{e.out_name}/∂{s.name} = {fmt(e.grad(s.node), digits)}" for s in leaves)


def align(rows, gap="  ", widest=40):
    """Rows of strings as text with every column padded to its widest cell. Two kinds of cell
    run on to the right instead of widening their column: a row's last non-empty cell (a
    leaf's note) and a cell longer than ``widest`` characters (the 4,000 terms of an ``add_n``
    spelled out): padding every row to such a cell would make the text grow with the square
    of the graph."""
    rows = [tuple(r) for r in rows]
    last = [max((i for i, c in enumerate(r) if c), default=0) for r in rows]
    widths = [max([len(r[i]) for r, k in zip(rows, last) if i < k and len(r[i]) <= widest]
                  or [0]) for i in range(len(rows[0]))]
    return "\n".join(gap.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def text(e, digits=6):
    """Aligned columns for a terminal: the forward pass, then each backward step."""
    out = [f"forward pass (inputs first; {_output_is(e)})",
           align(_forward_rows(e, digits)), "",
           *_backward_title(e, digits),
           align([backward_header(e), *_backward_rows(e, digits)]), "",
           "gradients: " + gradient_summary(e, digits)]
    return "\n".join(out)


def _output_is(e):
    name = e.names[e.output]
    return f"{name} is the output" if e.out_name == name else f"L = {name}, the output"


def _backward_title(e, digits, code=str):
    d = e.out_name
    return (f"backward pass (the order {code('backward()')} runs; seed ∂{d}/∂{e.names[e.output]}"
            f" = {fmt(e.seed, digits)})", f"each input gets contribution = ∂{d}/∂node × local, "
            f"added to its running total ∂{d}/∂input")


def _md_cell(s):
    return s.replace("|", "\\|")


def _md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def markdown(e, digits=6):
    """Two Markdown tables (forward, backward) and the gradients of the leaves."""
    fwd = [(s.name, s.expr or s.kind, numbers_of(s.node, digits), fmt(s.value, digits))
           for s in e.forward]
    return "\n".join([
        f"**Forward pass** (inputs first; {_output_is(e)})", "",
        _md_table(("value", "expression", "numbers", "result"), fwd), "",
        "**B" + ": ".join(_backward_title(e, digits, lambda c: f"`{c}`"))[1:].replace(
            " (", "** (", 1), "",
        _md_table(backward_header(e), _backward_rows(e, digits)), "",
        "**Gradients:** " + gradient_summary(e, digits)])


def latex(e, digits=6):
    r"""An ``aligned`` block: the forward values, then for each step and input
    :math:`\frac{\partial L}{\partial u} \mathrel{+}= \frac{\partial L}{\partial v}\cdot
    \frac{\partial v}{\partial u}` with its numbers."""
    ln = {v: latex_name(n) for v, n in e.names.items()}
    top = ln[e.output] if e.out_name != "L" else "L"
    lines = [r"\text{forward pass}"]
    for s in e.forward:
        if s.op is None:
            lines.append(rf"{ln[s.node]} &= {fmt(s.value, digits)}")
        else:
            expr = _latex_expr(s.op, s.node, ln)
            lines.append(rf"{ln[s.node]} &= {expr} = {fmt(s.value, digits)}")
    lines.append(r"\text{backward pass}")
    for s in e.backward:
        g = fmt(s.upstream, digits)
        if s.op is None:
            lines.append(rf"\frac{{\partial {top}}}{{\partial {ln[s.node]}}} &= {g}"
                         rf"\quad\text{{(step {s.index}, leaf)}}")
            continue
        inputs = s.node.inputs
        if s.op.arity is None:
            roles = {s.op.role(j, len(inputs)): ln[u] for j, u in enumerate(inputs)}
        else:
            mapping = placeholders(s.node, ln)
        for t in s.terms:
            formula = _latex_formula(s, t, ln, roles) if s.op.arity is None else \
                substitute(t.formula_latex, mapping)
            lines.append(
                rf"\frac{{\partial {top}}}{{\partial {ln[t.input]}}} &\mathrel{{+}}= "
                rf"\frac{{\partial {top}}}{{\partial {ln[s.node]}}}"
                rf"\frac{{\partial {ln[s.node]}}}{{\partial {ln[t.input]}}} = "
                rf"{g} \cdot {_p(fmt(t.local, digits))} = {fmt(t.product, digits)}"
                rf"\;\to\; {fmt(t.after, digits)}"
                rf"\qquad\text{{step {s.index}: }} {formula}")
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _latex_expr(op, node, ln):
    """The op applied to the node's inputs, in LaTeX (n-ary ops spelled out term by term)."""
    if op.arity is None:
        return op.expand([ln[u] for u in node.inputs]).replace(" * ", r" \cdot ")
    return substitute(op.latex, placeholders(node, ln))


def _latex_formula(step, term, ln, roles):
    """∂n_1/∂w_1 = x_1 for an n-ary op, in the inputs' own names (``roles``: the op's input
    names → this graph's). The node goes by its name: the whole sum in every term would make
    the text grow with the square of the input count."""
    d = step.op.deriv(term.index, len(step.node.inputs))
    return (rf"\frac{{\partial {ln[step.node]}}}{{\partial {ln[term.input]}}} = "
            rf"{roles.get(d, d)}")


def _p(s):
    return f"({s})" if s.startswith("-") else s
