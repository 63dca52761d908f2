"""The interactive explorer's data: an :class:`~autograd.explain.Explanation` as plain JSON.

The page (:mod:`autograd.explorer`) draws nothing the engine did not compute: every node,
local derivative, contribution and running total it shows comes from :func:`explorer_data`,
which reads them off :func:`~autograd.explain.explain`'s steps and formats them with the same
:func:`~autograd.explain.fmt` as the text table (so the page and ``print(explain(L))`` agree
digit for digit). The browser only looks strings up and compares floats.

The shape (``version`` 1), as the page's script reads it::

    {"out": "L", "output": 5, "digits": 4, "seed": 1.0, "tolerance": {"rel": .., "abs": ..},
     "header": [...], "gradients": "∂L/∂w = 0.4576, ...",
     "nodes": [{"name": "w", "kind": "input", "valueText": "-1.2", "gradText": "0.4576",
                "op": null, "inputs": [], "step": 4, ...}, ...],          # forward order
     "steps": [{"index": 1, "node": 5, "upstream": 1.0, "terms": [{"input": 4, "slot": 0,
                "named": "∂tanh(n2)/∂n2 = 1 - tanh(n2)²", "plugged": "1 - tanh(-0.3)²",
                "local": 0.915.., "product": .., "after": .., "total": "∂L/∂n2 = 0.9151",
                "edge": "cr-e5-0", ...}], "rows": [[...table cells...]],
                "practice": {"answer": 1.0, "slips": [{"slip": "fanout", "value": ..,
                             "message": ".."}]}}, ...]}                   # backward order

Node ``i`` of ``nodes`` is drawn as the SVG element with id ``cr-v{i}`` (its op as
``cr-v{i}op``); the edge that carries term ``slot`` of node ``i`` has id ``cr-e{i}-{slot}``
(see :func:`autograd.explorer.graph_dot`).

**Practice.** At each backward step the learner types ∂L/∂node before it is shown. Right
means within ``tolerance`` (1 % of the answer). Each step also lists the answers that three
common slips give, so the page can say which one fits a wrong answer: forgetting to add a
fan-out's contributions (one contribution, or a partial sum), dropping the upstream factor
(the local derivative alone), or a wrong local derivative (1, the input's own value, the
node's value, or the sign flipped, in place of one term's local derivative).
"""

import math

from .errors import ChainruleError
from .naming import fmt, numbers_of, plugged_locals
from .explain_render import backward_header, gradient_summary, running_total, step_rows

VERSION = 1
TOLERANCE = {"rel": 0.01, "abs": 1e-9}


class NotFinite(ChainruleError, ValueError):
    """A value or gradient is NaN or infinite: there is nothing to step through."""


def _p(s):
    return f"({s})" if s.startswith("-") else s


def close(typed, answer, tolerance=TOLERANCE):
    """The practice check: ``typed`` within ``rel·|answer| + abs`` of ``answer``."""
    return abs(typed - answer) <= tolerance["rel"] * abs(answer) + tolerance["abs"]


def _finite(x, what):
    if not math.isfinite(x):
        raise NotFinite(f"explorer: {what} is {x!r}; the page shows only finite numbers")
    return x


def explorer_data(e, digits=4):
    """The explorer's JSON-ready dict for the explanation ``e`` (see the module docstring).

    ``digits``: significant digits of every number shown (the page's default is 4, as in
    ``draw``; the text table uses 6). Raises :class:`NotFinite` for a NaN or infinite value.
    """
    index = {s.node: i for i, s in enumerate(e.forward)}
    step_of = {s.node: s.index for s in e.backward}
    nodes = []
    for s in e.forward:
        v = s.node
        grad = _finite(e.grad(v), f"∂{e.out_name}/∂{s.name}")
        nodes.append({
            "name": s.name, "kind": s.kind, "op": None if s.op is None else s.op.name,
            "expr": s.expr, "numbers": numbers_of(v, digits),
            "value": _finite(s.value, s.name), "valueText": fmt(s.value, digits),
            "grad": grad, "gradText": fmt(grad, digits),
            "inputs": [index[u] for u in v.inputs], "step": step_of[v]})
    received = {}                     # node -> [(step, term)] so far: the practice questions
    steps = []
    for s in e.backward:
        i = index[s.node]
        steps.append({
            "index": s.index, "node": i, "name": s.name, "leaf": s.op is None,
            "expr": s.expr, "upstream": s.upstream, "upstreamText": fmt(s.upstream, digits),
            "terms": _terms(e, s, i, index, digits),
            "rows": [list(r) for r in step_rows(e, s, digits)],
            "practice": _practice(e, s, received.get(s.node, []), digits)})
        for t in s.terms:
            received.setdefault(t.input, []).append((s, t))
    return {"format": "chainrule-explorer", "version": VERSION, "digits": digits,
            "out": e.out_name, "output": index[e.output], "seed": e.seed,
            "seedText": fmt(e.seed, digits), "tolerance": dict(TOLERANCE),
            "header": list(backward_header(e)), "gradients": gradient_summary(e, digits),
            "nodes": nodes, "steps": steps}


def _terms(e, s, i, index, digits):
    if s.op is None:
        return []
    plugged = plugged_locals(s.node, digits)
    terms = []
    for t in s.terms:
        _finite(t.product, f"the contribution of {s.name} to ∂{e.out_name}/∂{t.name}")
        terms.append({
            "input": index[t.input], "name": t.name, "slot": t.index,
            "edge": f"cr-e{i}-{t.index}", "formula": t.formula, "named": t.named,
            "plugged": plugged[t.index], "local": t.local, "localText": fmt(t.local, digits),
            "product": t.product, "productText": fmt(t.product, digits),
            "before": t.before, "after": t.after, "afterText": fmt(t.after, digits),
            "nth": t.nth, "total": running_total(e, t, digits),
            "label": edge_label(s.upstream, t.local, t.product, digits)})
    return terms


def edge_label(upstream, local, product, digits=4):
    """What an edge shows at its step: ``upstream × local = contribution``."""
    return f"{fmt(upstream, digits)} × {_p(fmt(local, digits))} = {fmt(product, digits)}"


def _practice(e, s, received, digits):
    """The question at step ``s`` (∂L/∂node), its answer, how it is made, and the slips."""
    d = f"∂{e.out_name}/∂{s.name}"
    answer = s.upstream
    if not received:                  # the output: its gradient is the seed
        return {"question": f"{d} = ?", "answer": answer, "answerText": fmt(answer, digits),
                "how": f"{d} = {fmt(answer, digits)}: the seed (∂{e.out_name}/∂{e.out_name} "
                       "= 1 for a loss)", "slips": []}
    parts = [_p(fmt(t.product, digits)) for _, t in received]
    how = (f"{d} = " + " + ".join(parts) + f" = {fmt(answer, digits)}" if len(parts) > 1
           else f"{d} = {fmt(answer, digits)}")
    how += "; " + "; ".join(
        f"from {c.name}: {fmt(c.upstream, digits)} × {_p(fmt(t.local, digits))}"
        for c, t in received)
    slips = []

    def add(slip, value, message):
        if not math.isfinite(value) or close(value, answer) or \
                any(close(value, x["value"]) for x in slips):
            return
        slips.append({"slip": slip, "value": value, "message": message})

    if len(received) > 1:
        users = ", ".join(dict.fromkeys(c.name for c, _ in received))
        why = (f"{s.name} is used {len(received)} times (by {users}), and the chain rule adds "
               f"one contribution per use: {how}")
        for _, t in received:
            add("fanout", t.product, "That is one contribution only, not the sum: " + why)
        for _, t in received[:-1]:
            add("fanout", t.after, "That is a partial sum: a contribution is missing. " + why)
    add("upstream", sum(t.local for _, t in received),
        "That is the local derivative alone: multiply it by the gradient arriving from above "
        "(the upstream factor). " + how)
    for c, t in received:
        for wrong in _wrong_locals(c, t):
            value = answer - t.product + c.upstream * wrong
            add("local", value, f"That fits a wrong local derivative at {c.name}: it is "
                                f"{t.named} = {fmt(t.local, digits)}, so the contribution is "
                                f"{fmt(c.upstream, digits)} × {_p(fmt(t.local, digits))} = "
                                f"{fmt(t.product, digits)}. " + how)
    return {"question": f"{d} = ?", "answer": answer, "answerText": fmt(answer, digits),
            "how": how, "slips": slips}


def _wrong_locals(consumer, term):
    """Local derivatives a learner plausibly uses instead of the right one: 1 (passing the
    gradient straight through, as for +), the input's own value (a product's *other* factor
    is right), the node's own value (tanh(a) for 1 - tanh²(a)), and the sign flipped."""
    return (1.0, term.input.data, consumer.node.data, -term.local)
