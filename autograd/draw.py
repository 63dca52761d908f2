"""Computation graphs as images (graphviz), and back-propagation as a sequence of frames.

>>> from autograd.draw import draw, render
>>> g = draw(L)                      # a graphviz.Digraph; Jupyter shows it inline as SVG
>>> render(g, "graph.svg")           # or g.pipe(format="png"): both stop dot after a timeout

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
activation collapse into one box with its weights. ``summary`` may also be a function
``name -> group or None`` used in place of the label prefix.

The python package ``graphviz`` is needed (``pip install 'chainrule[viz]'``) and, to make
images (not DOT text), the Graphviz ``dot`` program.
"""

import io
import os

from .errors import ChainruleError
from .fileio import atomic_write
from .explain import _const, check_output, explain, fmt, forward_order, kind, names
from .render import (FORMATS, GraphvizError, GraphvizMissing, GraphvizTimeout,  # noqa: F401
                     format_of, graph_class, graphviz_module, render, render_bytes)

COLOURS = {"parameter": "#cfe2ff", "input": "#d1f2d9", "constant": "#e9ecef",
           "output": "#ffe08a", "computed": "#ffffff"}
HIGHLIGHT = "#d62728"
MAX_EDGES = 2000


class GraphTooLarge(ChainruleError, ValueError):
    """A graph too big to read as one picture, or to lay out in reasonable time."""


def _digraph(format, rankdir):
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
        return f"{op.symbol}{_const(value.arg)}"
    return op.symbol


def draw(output, format="svg", rankdir="LR", show_grads=True, max_nodes=500, summary=False,
         params=None, grads=None, highlight=None, digits=4, max_edges=MAX_EDGES):
    """The graph of ``output`` as a ``graphviz.Digraph`` (rendered as ``format``).

    ``show_grads``: show each value's ``.grad`` (or ``grads[value]`` when a dict is given).
    ``params``: values to colour as parameters (default: none; labelled leaves are inputs).
    ``highlight``: a value to outline in red, with its op and input edges (used by frames).
    ``max_nodes`` / ``summary`` / ``max_edges``: the size guards (see the module docstring).
    """
    check_output(output, "draw")
    graphviz_module()
    order = forward_order(output)
    if max_nodes is not None and len(order) > max_nodes:
        if not summary:
            raise GraphTooLarge(
                f"the graph has {len(order)} values, more than max_nodes={max_nodes}: "
                "pass summary=True to collapse it by label prefix, or max_nodes=None")
        return _summary(output, order, format, rankdir, summary, max_edges)
    name_of = names(output, order)
    params = set(params) if params is not None else None
    dot = _digraph(format, rankdir)
    ids = {v: f"v{i}" for i, v in enumerate(order)}
    edges = []
    for v in order:
        grad = v.grad if grads is None else grads.get(v)
        fields = [_escape(name_of[v]), f"data {fmt(v.data, digits)}"]
        if show_grads:
            fields.append("grad " + ("·" if grad is None else fmt(grad, digits)))
        label = " | ".join(fields)
        if rankdir in ("LR", "RL"):          # a record's fields run across the rank direction
            label = "{ " + label + " }"
        hot = v is highlight
        dot.node(ids[v], label=label, shape="record", style="filled",
                 fillcolor=COLOURS[kind(v, output, params)],
                 color=HIGHLIGHT if hot else "black", penwidth="3" if hot else "1")
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
    dot = _digraph(format, rankdir)
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


def draw_backward_frames(output, directory, format="png", gif=False, rankdir="LR",
                         grad=1.0, duration_ms=900):
    """One image per backward step: ``frame_001.png``, ... in ``directory``.

    Frame ``i`` outlines the node processed at step ``i`` (and its op and input edges) and
    shows every gradient accumulated so far (``·`` for none yet). The graph's ``.grad``
    values are not touched. With ``gif=True`` and ``format="png"``, also writes
    ``backward.gif`` when Pillow is installed (skipped silently otherwise). Returns the list of
    paths written (frames, then the GIF if any).
    """
    check_output(output, "draw_backward_frames")
    e = explain(output, grad)
    os.makedirs(directory, exist_ok=True)
    partial = {output: e.seed}
    paths = []
    width = max(3, len(str(len(e.backward))))
    for step in e.backward:
        for t in step.terms:
            partial[t.input] = t.after
        dot = draw(output, format=format, rankdir=rankdir, grads=dict(partial),
                   highlight=step.node, max_nodes=None)
        dot.attr(label=f"step {step.index}: {step.name}, ∂L/∂{step.name} = "
                       f"{fmt(step.upstream, 4)}", labelloc="t")
        path = os.path.join(directory, f"frame_{step.index:0{width}d}.{format}")
        paths.append(render(dot, path, format))
    if gif and format == "png":
        made = _gif(paths, os.path.join(directory, "backward.gif"), duration_ms)
        if made:
            paths.append(made)
    return paths


def _gif(paths, target, duration_ms):
    try:
        from PIL import Image
    except ImportError:
        return None
    frames = [Image.open(p).convert("RGB") for p in paths]
    w = max(f.width for f in frames)
    h = max(f.height for f in frames)
    padded = []
    for f in frames:
        canvas = Image.new("RGB", (w, h), "white")
        canvas.paste(f, (0, 0))
        padded.append(canvas)
    buffer = io.BytesIO()
    padded[0].save(buffer, format="GIF", save_all=True, append_images=padded[1:],
                   duration=duration_ms, loop=0)
    return atomic_write(target, buffer.getvalue())
