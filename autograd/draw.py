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
activation collapse into one box with its weights; a constant (an unlabelled leaf, such as a
plain float passed to a neuron) joins the group of the first value that uses it. ``summary``
may also be a function ``name -> group or None`` used in place of the label prefix; it
applies at any size.

The python package ``graphviz`` is needed (``pip install 'chainrule[viz]'``) and, to make
images (not DOT text), the Graphviz ``dot`` program.
"""

import html
import io
import os

from .errors import ChainruleError
from .fileio import atomic_write
from .explain import _const, check_output, explain, fmt, forward_order, kind, names
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
    return _values_graph(output, order, format, rankdir, show_grads, params, grads, highlight,
                         digits, max_edges)


def _values_graph(output, order, format, rankdir, show_grads, params, grads, highlight, digits,
                  max_edges, widths=None, received=()):
    """The full graph: a record per value, an ellipse per op. ``widths``: a minimum width in
    inches per value (frames give every frame the same layout); ``received``: values to fill
    as receiving a gradient contribution."""
    name_of = names(output, order)
    params = set(params) if params is not None else None
    dot = _digraph(format, rankdir)
    ids = {v: f"v{i}" for i, v in enumerate(order)}
    edges = []
    for v in order:
        hot = v is highlight
        fill = (HIGHLIGHT_FILL if hot else RECEIVED_FILL if v in received
                else COLOURS[kind(v, output, params)])
        extra = {"width": f"{widths[v]:.4f}"} if widths else {}
        dot.node(ids[v], label=_record(_fields(v, name_of, show_grads, grads, digits), rankdir),
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


def _fields(v, name_of, show_grads, grads, digits):
    """A value's record fields, unescaped: name, data and (with ``show_grads``) grad."""
    fields = [name_of[v], f"data {fmt(v.data, digits)}"]
    if show_grads:
        grad = v.grad if grads is None else grads.get(v)
        fields.append("grad " + ("·" if grad is None else fmt(grad, digits)))
    return fields


def _record(fields, rankdir):
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
                         grad=1.0, duration_ms=900, timeout=None):
    """One image per backward step, ``frame_001.png``, ... in ``directory`` (made if missing).

    Frame ``i`` fills and outlines in red the node processed at step ``i`` (with its op and
    input edges), fills in yellow the inputs it passes contributions to, and shows every
    gradient accumulated so far (``·`` for none yet). A caption above says what the step does:
    for an op node, each input's contribution ``∂L/∂node × local derivative``, with the
    numbers, and its running total; for a leaf, that its gradient is complete. Every frame has
    the same size and layout, so flipping through them only changes what the step changes.
    The graph's ``.grad`` values are not touched. ``gif=True`` also writes ``backward.gif``
    (an animation of the frames, whatever ``format`` they are in; it needs Pillow, ``pip
    install 'chainrule[viz]'``). Returns the paths written (frames, then the GIF).
    """
    check_output(output, "draw_backward_frames")
    graphviz_module()
    if gif:
        _pillow()                          # before any frame is written
    e = explain(output, grad)
    order = forward_order(output)
    name_of = names(output, order)
    grads_at, partial = [], {output: e.seed}
    for step in e.backward:
        for t in step.terms:
            partial[t.input] = t.after
        grads_at.append(dict(partial))
    captions = [_caption(e, step, len(e.backward)) for step in e.backward]
    rows = max(len(c) for c in captions)
    if format in ("dot", "gv") and not gif:     # DOT text has no size: no dot program needed
        widths, caption_width = None, 0.0
    else:
        widths, caption_width = _frame_sizes(order, name_of, grads_at, captions, rankdir,
                                             timeout)
    os.makedirs(directory, exist_ok=True)
    paths, gif_frames = [], []
    digits = max(3, len(str(len(e.backward))))
    for step, grads, caption in zip(e.backward, grads_at, captions):
        received = {t.input for t in step.terms}
        dot = _values_graph(output, order, format, rankdir, True, None, grads, step.node, 4,
                            MAX_EDGES, widths, received)
        dot.attr(label=_caption_label(caption, rows, caption_width), labelloc="t",
                 labeljust="l")
        path = os.path.join(directory, f"frame_{step.index:0{digits}d}.{format}")
        raw = render_bytes(dot, format, timeout)
        atomic_write(path, raw)
        paths.append(path)
        if gif:
            gif_frames.append(raw if format == "png" else render_bytes(dot, "png", timeout))
    if gif:
        paths.append(atomic_write(os.path.join(directory, "backward.gif"),
                                  _gif(gif_frames, duration_ms)))
    return paths


CAPTION_SIZE = 12
MAX_TERM_ROWS = 4


def _caption(e, step, steps):
    """The lines above a frame: what step ``step`` does, in words and numbers."""
    L, n, up = e.out_name, step.name, fmt(step.upstream, 4)
    if step.op is None:
        return [f"step {step.index} of {steps}: {n}, a leaf",
                f"∂{L}/∂{n} = {up} is complete: {n} has no inputs to pass it to, so "
                f"backward() adds it to {n}.grad"]
    lines = [f"step {step.index} of {steps}: {n} = {step.expr}",
             f"∂{L}/∂{n} = {up} is complete; each input gets ∂{L}/∂{n} × its local "
             "derivative, added to its running total:"]
    terms = step.terms
    shown = terms if len(terms) <= MAX_TERM_ROWS else terms[:MAX_TERM_ROWS - 1]
    for t in shown:
        local = t.named.partition(" = ")[0]
        total = (f"{fmt(t.before, 4)} + {fmt(t.product, 4)} = {fmt(t.after, 4)}" if t.nth > 1
                 else fmt(t.after, 4))
        lines.append(f"∂{L}/∂{n} × {local} = {up} × {fmt(t.local, 4)} = {fmt(t.product, 4)}"
                     f"   →   ∂{L}/∂{t.name} = {total}")
    if len(shown) < len(terms):
        lines.append(f"… and {len(terms) - len(shown)} more inputs, each the same way")
    return lines


def _caption_label(lines, rows, width):
    """An HTML-like label: ``rows`` lines of ``width`` points (blank ones to fill), the first
    bold, so that every frame's caption takes the same room."""
    cells = []
    for i in range(rows):
        text = html.escape(lines[i]) if i < len(lines) else " "
        if i == 0:
            text = f"<B>{text}</B>"
        cells.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" WIDTH="{width + 4:.0f}" HEIGHT="18">'
                     f"{text}</TD></TR>")
    return (f'<<FONT POINT-SIZE="{CAPTION_SIZE}"><TABLE BORDER="0" CELLSPACING="0" '
            f'CELLPADDING="1">{"".join(cells)}</TABLE></FONT>>')


def _frame_sizes(order, name_of, grads_at, captions, rankdir, timeout):
    """``(widths, caption_width)``: per value the width in inches of its widest record in any
    frame, and the widest caption line in points, measured by ``dot`` itself (one layout of
    every variant, ``-Tplain``), so no frame lays out wider than another whatever the fonts."""
    dot = _digraph("plain", rankdir)
    owner = {}
    for i, v in enumerate(order):
        texts = {"·" if g.get(v) is None else fmt(g[v], 4) for g in grads_at}
        for k, grad in enumerate(sorted(texts)):
            fields = [name_of[v], f"data {fmt(v.data, 4)}", f"grad {grad}"]
            dot.node(f"m{i}_{k}", label=_record(fields, rankdir), shape="record", width="0.01")
            owner[f"m{i}_{k}"] = v
    lines = {line for caption in captions for line in caption[1:]}
    for j, line in enumerate([f"<B>{html.escape(c[0])}</B>" for c in captions]
                             + [html.escape(line) for line in sorted(lines)]):
        dot.node(f"c{j}", label=f'<<FONT POINT-SIZE="{CAPTION_SIZE}">{line}</FONT>>',
                 shape="plaintext", width="0.01", margin="0")
    widths, caption = {}, 0.0
    for row in run_dot(dot.source, "plain", timeout).decode().splitlines():
        parts = row.split()
        if parts and parts[0] == "node":
            name, width = parts[1], float(parts[4])
            if name in owner:
                widths[owner[name]] = max(widths.get(owner[name], 0.0), width)
            else:
                caption = max(caption, width * 72)
    return widths, caption


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("backward.gif needs Pillow: pip install 'chainrule[viz]' "
                          "(or pip install pillow)") from None
    return Image


def _gif(pngs, duration_ms):
    """An animated GIF (looping) of PNG images, each shown ``duration_ms``."""
    Image = _pillow()
    frames = [Image.open(io.BytesIO(raw)).convert("RGB") for raw in pngs]
    w = max(f.width for f in frames)
    h = max(f.height for f in frames)
    padded = []
    for f in frames:                       # frames have one size; pad in case one does not
        canvas = Image.new("RGB", (w, h), "white")
        canvas.paste(f, (0, 0))
        padded.append(canvas)
    buffer = io.BytesIO()
    padded[0].save(buffer, format="GIF", save_all=True, append_images=padded[1:],
                   duration=duration_ms, loop=0)
    return buffer.getvalue()
