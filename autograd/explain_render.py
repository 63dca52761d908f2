"""Renderers for :class:`autograd.explain.Explanation`: terminal text, Markdown, LaTeX.

They only format what :func:`autograd.explain.explain` computed; no math happens here.
"""

from .explain import _latex_name, _placeholders, fmt, numbers_of, substitute

_BACKWARD_HEADER = ("step", "node", "∂L/∂node", "local derivative ∂node/∂input", "local",
                    "∂L/∂node·local", "input gradient (running total)")


def _forward_rows(e, digits):
    for s in e.forward:
        if s.op is None:
            yield (s.name, "=", fmt(s.value, digits), "", "", s.kind)
        else:
            yield (s.name, "=", s.expr, "=", numbers_of(s.node, digits),
                   f"= {fmt(s.value, digits)}")


def _backward_rows(e, digits):
    for s in e.backward:
        head = (str(s.index), s.name, fmt(s.upstream, digits))
        if s.op is None:
            yield head + (f"leaf: {s.name}.grad += {fmt(s.upstream, digits)}", "", "", "")
            continue
        for t in s.terms:
            yield head + (t.named, fmt(t.local, digits), fmt(t.product, digits),
                          f"{t.name}.grad += {fmt(t.product, digits)} → {fmt(t.after, digits)}")
            head = ("", "", "")


def _leaf_summary(e, digits):
    leaves = [s for s in e.forward if s.op is None]
    leaves.sort(key=lambda s: s.kind != "parameter")
    return ", ".join(f"∂L/∂{s.name} = {fmt(e.grad(s.node), digits)}" for s in leaves)


def align(rows, gap="  "):
    """Rows of strings as text with every column padded to its widest cell."""
    rows = [tuple(r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(gap.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def text(e, digits=6):
    """Aligned columns for a terminal: the forward pass, then each backward step."""
    out = [f"forward pass (inputs first, L = {e.names[e.output]})",
           align(_forward_rows(e, digits)), "",
           f"backward pass (the order backward() runs; seed ∂L/∂{e.names[e.output]} = "
           f"{fmt(e.seed, digits)}; chain rule: ∂L/∂input += ∂L/∂node · ∂node/∂input)",
           align([_BACKWARD_HEADER, *_backward_rows(e, digits)]), "",
           "gradients: " + _leaf_summary(e, digits)]
    return "\n".join(out)


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
        "**Forward pass** (inputs first)", "",
        _md_table(("value", "expression", "numbers", "result"), fwd), "",
        f"**Backward pass** (the order `backward()` runs; seed ∂L/∂{e.names[e.output]} = "
        f"{fmt(e.seed, digits)})", "",
        _md_table(_BACKWARD_HEADER, _backward_rows(e, digits)), "",
        "**Gradients:** " + _leaf_summary(e, digits)])


def latex(e, digits=6):
    r"""An ``aligned`` block: the forward values, then for each step and input
    :math:`\frac{\partial L}{\partial u} \mathrel{+}= \frac{\partial L}{\partial v}\cdot
    \frac{\partial v}{\partial u}` with its numbers."""
    ln = {v: _latex_name(n) for v, n in e.names.items()}
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
            lines.append(rf"\frac{{\partial L}}{{\partial {ln[s.node]}}} &= {g}"
                         rf"\quad\text{{(step {s.index}, leaf)}}")
            continue
        mapping = _placeholders(s.node, ln)
        for t in s.terms:
            formula = _latex_formula(s, t, ln) if s.op.arity is None else \
                substitute(t.formula_latex, mapping)
            lines.append(
                rf"\frac{{\partial L}}{{\partial {ln[t.input]}}} &\mathrel{{+}}= "
                rf"\frac{{\partial L}}{{\partial {ln[s.node]}}}"
                rf"\frac{{\partial {ln[s.node]}}}{{\partial {ln[t.input]}}} = "
                rf"{g} \cdot {_p(fmt(t.local, digits))} = {fmt(t.product, digits)}"
                rf"\;\to\; {fmt(t.after, digits)}"
                rf"\qquad\text{{step {s.index}: }} {formula}")
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _latex_expr(op, node, ln):
    """The op applied to the node's inputs, in LaTeX (n-ary ops spelled out term by term)."""
    if op.arity is None:
        return op.expand([ln[u] for u in node.inputs]).replace(" * ", r" \cdot ")
    return substitute(op.latex, _placeholders(node, ln))


def _latex_formula(step, term, ln):
    """∂(w_1 x_1 + … + b)/∂w_1 = x_1 for an n-ary op, in the inputs' own names."""
    inputs = step.node.inputs
    n = len(inputs)
    roles = {step.op.role(j, n): ln[u] for j, u in enumerate(inputs)}
    d = step.op.deriv(term.index, n)
    return (rf"\frac{{\partial ({_latex_expr(step.op, step.node, ln)})}}"
            rf"{{\partial {ln[term.input]}}} = {roles.get(d, d)}")


def _p(s):
    return f"({s})" if s.startswith("-") else s
