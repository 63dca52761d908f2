"""Computation graphs as images (graphviz). (Back-propagation as a sequence of frames:
:mod:`autograd.frames`.)

>>> from autograd import Value
>>> from autograd.draw import draw, render
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> L = (w * x).tanh(); L.label = "L"; L.backward()
>>> g = draw(L)                      # a graphviz.Digraph; Jupyter shows it inline as SVG
>>> import graphviz
>>> isinstance(g, graphviz.Digraph), g.source.count("shape=record")     # x, w, w*x and L
(True, 4)
>>> render(g, "graph.svg")           # or g.pipe(format="png"); both time out  # doctest: +SKIP

Each value is a record ``name | data | grad``; each op is a small ellipse between its inputs
and its output. Colours: parameters (the leaves in ``params``) blue, other labelled leaves
(inputs) green, constants (unlabelled leaves) grey, the output gold, computed values white.

Size guards: a graph whose edges Graphviz would take minutes to lay out raises
:class:`GraphTooLarge` (``max_edges``, counted by :func:`edge_segments`: a few nodes can
make a slow layout); rendering stops ``dot`` after a timeout (:mod:`autograd.render`).
A graph with more than ``max_nodes`` values raises :class:`GraphTooLarge` too, unless
``summary=True``: then values are grouped by the prefix of their label before the last ``.``
(``"layer0.neuron3.w1"`` → ``"layer0.neuron3"``); an unlabelled value joins the group of its
first input that has one (a labelled leaf input first), so a neuron's products, sums and
activation collapse into one box with its weights; a constant (an unlabelled leaf, such as a
plain float passed to a neuron) joins the group of the first value that uses it. ``summary``
may also be a function ``name -> group or None`` used in place of the label prefix; it
applies at any size.

The python package ``graphviz`` is needed (``pip install 'chainrule[viz]'``) and, to make
images (not DOT text), the Graphviz ``dot`` program.
"""


from .errors import ChainruleError
from .naming import check_output, const_text, fmt, forward_order, kind, names
from .render import (FORMATS, GraphvizError, GraphvizMissing, GraphvizTimeout,  # noqa: F401
                     format_of, graph_class, graphviz_module, render, render_bytes, run_dot)

COLOURS = {"parameter": "#cfe2ff", "input": "#d1f2d9", "constant": "#e9ecef",
           "output": "#ffe08a", "computed": "#ffffff"}
HIGHLIGHT = "#d62728"
HIGHLIGHT_FILL = "#f7c6c7"        # the node a backward frame processes
RECEIVED_FILL = "#fff2b3"         # ... and the inputs its contributions go to
MAX_EDGES = 2000


class GraphTooLarge(ChainruleError, ValueError):
    """A graph too big to read as one picture, or to lay out in reasonable time."""


def digraph(format, rankdir):
    return graph_class()(format=format, graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"})


def edge_segments(edges):
    """How much edge Graphviz must route: each edge ``(tail, head)`` counted once per rank it
    crosses. Ranks are longest paths from the sources, and a source sits just before its
    first consumer (nodes on a cycle, which a summary can have, keep the rank reached so far).
    ``x*x*…*x`` with ``n`` factors has ``3(n-1)`` edges but ``n² - 1`` segments (``x`` feeds
    every product), and ``dot``'s time grows faster still: ~1,600 segments take it 0.4 s,
    3,600 take 15 s, 10,000 more than two minutes."""
    heads, waiting = {}, {}
    for tail, head in edges:
        heads.setdefault(tail, []).append(head)
        waiting[head] = waiting.get(head, 0) + 1
        waiting.setdefault(tail, 0)
    sources = [n for n, count in waiting.items() if count == 0]
    rank = dict.fromkeys(waiting, 0)
    ready = list(sources)
    while ready:                              # Kahn's order: a node after all its tails
        node = ready.pop()
        for head in heads.get(node, ()):
            rank[head] = max(rank[head], rank[node] + 1)
            waiting[head] -= 1
            if waiting[head] == 0:
                ready.append(head)
    for node in sources:
        rank[node] = min(rank[h] for h in heads[node]) - 1
    return sum(max(1, abs(rank[head] - rank[tail])) for tail, head in edges)


def _escape(s):
    """Text safe inside a graphviz record label."""
    for ch in "\\{}|<>\"":
        s = s.replace(ch, "\\" + ch)
    return s


def op_symbol(value):
    """The short text of an op node: the op table's ``symbol`` (``*``, ``+``, ``tanh``, ``σ``),
    with the constant for a constant power (``**2``)."""
    op = value.op
    if op.name == "powc" and value.arg is not None:
        return f"{op.symbol}{const_text(value.arg)}"
    return op.symbol


def draw(output, format="svg", rankdir="LR", show_grads=True, max_nodes=500, summary=False,
         params=None, grads=None, highlight=None, digits=4, max_edges=MAX_EDGES):
    """The graph of ``output`` as a ``graphviz.Digraph`` (rendered as ``format``).

    ``show_grads``: show each value's ``.grad`` (or ``grads[value]`` when a dict is given).
    ``params``: values to colour as parameters (default: none; labelled leaves are inputs).
    ``highlight``: a value to outline and fill in red, with its op and input edges (frames).
    ``summary``: one box per group of values, at any size (see the module docstring);
    ``max_nodes`` / ``max_edges``: the size guards.
    """
    check_output(output, "draw")
    graphviz_module()
    order = forward_order(output)
    if summary:
        return _summary(output, order, format, rankdir, summary, max_edges)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(order)} values, more than max_nodes={max_nodes}: "
            "pass summary=True to collapse it by label prefix, or max_nodes=None")
    return values_graph(output, order, format, rankdir, show_grads, params, grads, highlight,
                         digits, max_edges)


def values_graph(output, order, format, rankdir, show_grads, params, grads, highlight, digits,
                  max_edges, widths=None, received=()):
    """The full graph: a record per value, an ellipse per op. ``widths``: a minimum width in
    inches per value (frames give every frame the same layout); ``received``: values to fill
    as receiving a gradient contribution."""
    name_of = names(output, order)
    params = set(params) if params is not None else None
    dot = digraph(format, rankdir)
    ids = {v: f"v{i}" for i, v in enumerate(order)}
    edges = []
    for v in order:
        hot = v is highlight
        fill = (HIGHLIGHT_FILL if hot else RECEIVED_FILL if v in received
                else COLOURS[kind(v, output, params)])
        extra = {"width": f"{widths[v]:.4f}"} if widths else {}
        fields = record_fields(v, name_of, show_grads, grads, digits)
        dot.node(ids[v], label=record_label(fields, rankdir),
                 shape="record", style="filled", fillcolor=fill,
                 color=HIGHLIGHT if hot else "black", penwidth="3" if hot else "1", **extra)
        if v.op is not None:
            op_id = ids[v] + "op"
            dot.node(op_id, label=_escape(op_symbol(v)), shape="ellipse", fontsize="10",
                     width="0.3", height="0.3", margin="0.02",
                     color=HIGHLIGHT if hot else "black")
            dot.edge(op_id, ids[v], color=HIGHLIGHT if hot else "black")
            for u in v.inputs:
                dot.edge(ids[u], op_id, color=HIGHLIGHT if hot else "black",
                         penwidth="2" if hot else "1")
                edges.append((ids[u], op_id))
            edges.append((op_id, ids[v]))
    _check_layout(edges, max_edges)
    return dot


def record_fields(v, name_of, show_grads, grads, digits):
    """A value's record fields, unescaped: name, data and (with ``show_grads``) grad."""
    fields = [name_of[v], f"data {fmt(v.data, digits)}"]
    if show_grads:
        grad = v.grad if grads is None else grads.get(v)
        fields.append("grad " + ("·" if grad is None else fmt(grad, digits)))
    return fields


def record_label(fields, rankdir):
    label = " | ".join(map(_escape, fields))
    return "{ " + label + " }" if rankdir in ("LR", "RL") else label   # fields across ranks


def _check_layout(edges, max_edges):
    """Refuse a graph whose layout would keep ``dot`` busy for minutes (:func:`edge_segments`)."""
    if max_edges is None:
        return
    segments = edge_segments(edges)
    if segments > max_edges:
        raise GraphTooLarge(
            f"the graph's {len(edges):,} edges cross {segments:,} ranks in all, more than "
            f"max_edges={max_edges:,}: Graphviz would take minutes to lay it out (a value used "
            "many times far from where it is made, like x in x*x*…*x, crosses every rank in "
            "between); draw a smaller expression, or pass max_edges=None and a longer timeout "
            "to render")


def _group_of(summary):
    if callable(summary):
        return summary

    def by_prefix(name):
        return name.rsplit(".", 1)[0] if "." in name else None

    return by_prefix


def _summary(output, order, format, rankdir, summary, max_edges):
    """One box per group (see the module docstring) and the values outside every group."""
    key = _group_of(summary)
    group = {}
    for v in order:
        g = key(v.label) if v.label else None
        if g is None and not v.is_leaf():
            labelled = [u for u in v.inputs if u.is_leaf() and group.get(u)]
            others = [u for u in v.inputs if group.get(u)]
            g = group[(labelled or others)[0]] if (labelled or others) else None
        group[v] = g
    for v in order:              # a constant (a plain-float input) joins the value using it
        for u in v.inputs:
            if group[v] is not None and u.is_leaf() and not u.label and group[u] is None:
                group[u] = group[v]
    dot = digraph(format, rankdir)
    name_of = names(output, order)
    counts = {}
    for v in order:
        counts[group[v]] = counts.get(group[v], 0) + 1
    ids, nodes, edges, edge_list = {}, set(), set(), []
    box = {g: f"g{i}" for i, g in enumerate(counts)}
    for i, v in enumerate(order):
        g = group[v]
        ids[v] = box[g] if g is not None else f"v{i}"
        if ids[v] not in nodes:
            nodes.add(ids[v])
            if g is not None:
                dot.node(ids[v], label=f"{_escape(g)} | {counts[g]} values", shape="record",
                         style="filled", fillcolor=COLOURS["parameter"])
            else:
                dot.node(ids[v], label=f"{_escape(name_of[v])} | data {fmt(v.data, 4)}",
                         shape="record", style="filled",
                         fillcolor=COLOURS[kind(v, output)])
        for u in v.inputs:
            if ids[u] != ids[v] and (ids[u], ids[v]) not in edges:
                edges.add((ids[u], ids[v]))
                edge_list.append((ids[u], ids[v]))
                dot.edge(ids[u], ids[v])
    if len(nodes) > 2000:
        raise GraphTooLarge(f"even the summary has {len(nodes)} boxes; label the values "
                            "with 'group.name' prefixes or pass summary=<function>")
    _check_layout(edge_list, max_edges)
    return dot
