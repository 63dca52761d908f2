"""The backward pass as one interactive page: step through the chain rule in a browser, offline.

>>> from autograd import Value
>>> from autograd.explain import explain
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> L = (w * x).tanh()
>>> explain(L).to_html("explorer.html")      # CLI: chainrule explain ... --html  # doctest: +SKIP
>>> "data-chainrule-explorer" in explain(L)._repr_html_()   # in Jupyter: the page, inline
True

The page shows the graph and, step by step, what ``backward()`` does: the node being processed,
``upstream × local = contribution`` on each of its input edges, the inputs' running totals (a
value used twice visibly receives two contributions), and the matching row of the
:func:`~autograd.explain.explain` table. Clicking (or focusing) a node shows its local
derivatives as formulas, then with the numbers plugged in. A practice mode hides the gradients
and asks for each one before showing it, and says which common slip a wrong answer fits.
Keys: ← → (previous/next), Home/End, Space (play/pause).

The page is built in three separable parts, so that it can also run where there is no ``dot``
program (a browser running chainrule in Pyodide, with Graphviz compiled to WebAssembly):

1. :func:`~autograd.explorer_data.explorer_data`: the numbers, as JSON, from ``explain(L)``;
2. :func:`graph_dot`: the graph as DOT text, with element ids the script finds
   (``cr-v3``: node 3, ``cr-e3-0``: the edge carrying term 0 of node 3);
3. a layout function, DOT text -> SVG text: :func:`layout_svg` runs Graphviz's ``dot`` (with a
   timeout; a clear error when it is missing). :func:`page` puts data, SVG, CSS and script into
   one HTML file with no request of any kind. In a browser, the same script
   (:func:`script`) mounts on any element: ``chainruleExplorer.mount(element, data,
   {svg: text})``, or ``{layout: dot => promiseOfSvgText}`` to lay the graph out itself.

Test contract: the explorer's root element has ``data-chainrule-explorer``, ``data-steps`` (the
number of backward steps) and ``data-step`` (0 when the page opens; the forward steps come
before it and leave it at 0); the node being processed has the class ``current`` and every node
has ``data-node`` (its name in the explain table).
"""

import html
import json
import re
from importlib import resources

from .draw import COLOURS, MAX_EDGES, GraphTooLarge, edge_segments, op_symbol
from .errors import OperandError
from .explorer_data import explorer_data
from .explain_render import text
from .fileio import atomic_write
from .render import run_dot

MAX_NODES = 150           # values; beyond that a page of steps is no longer readable
_ASSETS = "explorer_assets"


def check_size(e, max_nodes=MAX_NODES, max_edges=MAX_EDGES):
    """Refuse a graph too big to step through on one page (``max_nodes`` values) or to lay out
    in reasonable time (``max_edges`` edge segments, counted as :func:`autograd.draw.draw`
    counts them), with :class:`~autograd.draw.GraphTooLarge`."""
    n = len(e.forward)
    if max_nodes is not None and n > max_nodes:
        raise GraphTooLarge(
            f"the graph has {n} values, more than max_nodes={max_nodes}: too many to step "
            "through on one page; explore a smaller piece (one neuron's loss), or read the "
            "text table (chainrule explain without --html; print(explain(L)) in Python); "
            "to_html(max_nodes=None) lifts the limit")
    if max_edges is not None:
        index = {s.node: i for i, s in enumerate(e.forward)}
        edges = [(index[u], ~i) for i, s in enumerate(e.forward) for u in s.node.inputs]
        edges += [(~i, i) for i, s in enumerate(e.forward) if s.op is not None]
        segments = edge_segments(edges)
        if segments > max_edges:
            raise GraphTooLarge(
                f"the graph's {len(edges):,} edges cross {segments:,} ranks in all, more than "
                f"max_edges={max_edges:,}: Graphviz would take minutes to lay it out; explore "
                "a smaller expression, or pass max_edges=None")


def _quote(s):
    """A DOT string literal of text that :func:`_record` escaped, or of our own numbers (a
    newline becomes a centred line break). Backslashes are left alone: they are the record
    escapes, which the DOT string passes through as they are."""
    return '"' + s.replace("\n", "\\n") + '"'


def _record(s):
    """Any text (a label) made safe inside a DOT string and one field of a record: the record
    specials and the quote get a backslash, ``&`` is not read as an HTML entity, a newline is a
    space."""
    s = s.replace("\\", "\\\\").replace("\n", " ").replace("&", "&amp;")
    for ch in "{}|<>\"":
        s = s.replace(ch, "\\" + ch)
    return s


def graph_dot(e, data=None, rankdir="LR"):
    """The graph of the explanation ``e`` as DOT text, laid out as :func:`autograd.draw.draw`
    lays it out (records ``name | data | grad``, an ellipse per op, the same colours), with the
    ids the page's script looks for. Each input edge carries its ``upstream × local =
    contribution`` label from the start (hidden until its step), and each record is as wide as
    its longest running total, so nothing moves while the page steps. Standard library only."""
    data = explorer_data(e) if data is None else data
    nodes = data["nodes"]
    widest = {i: [n["gradText"]] for i, n in enumerate(nodes)}
    labels = {}
    for step in data["steps"]:
        for t in step["terms"]:
            widest[t["input"]].append(t["afterText"])
            a, _, b = t["label"].rpartition(" = ")     # two short lines: a narrower graph
            labels[(step["node"], t["slot"])] = f"{a}\n= {b}"
    lines = ["digraph explorer {",
             f"  graph [rankdir={rankdir} fontname=Helvetica bgcolor=transparent "
             "nodesep=0.18 ranksep=0.3 pad=0.15]",
             "  node [fontname=Helvetica fontsize=10 height=0.3]",
             "  edge [fontname=Helvetica fontsize=10 arrowsize=0.7]"]
    for i, (n, s) in enumerate(zip(nodes, e.forward)):
        grad = max(widest[i], key=len)
        fields = " | ".join(_record(f) for f in (n["name"], "data " + n["valueText"],
                                                   "grad " + grad))
        # fields stacked along the rank: narrow boxes leave room for the edge labels
        label = fields if rankdir in ("LR", "RL") else "{ " + fields + " }"
        lines.append(f'  v{i} [id="cr-v{i}" shape=record style=filled '
                     f"fillcolor={_quote(COLOURS[n['kind']])} label={_quote(label)}]")
        if s.op is not None:
            symbol = _quote(_record(op_symbol(s.node)))
            lines.append(f'  v{i}op [id="cr-v{i}op" shape=ellipse fontsize=10 width=0.3 '
                         f"height=0.3 margin=0.02 label={symbol}]")
            lines.append(f'  v{i}op -> v{i} [id="cr-o{i}"]')
            for slot, u in enumerate(n["inputs"]):
                label = _quote(labels.get((i, slot), ""))
                lines.append(f'  v{u} -> v{i}op [id="cr-e{i}-{slot}" label={label}]')
    lines.append("}")
    return "\n".join(lines) + "\n"


def layout_svg(dot_source, timeout=None):
    """SVG text for the DOT text ``dot_source``, laid out by Graphviz's ``dot`` program
    (:func:`autograd.render.run_dot`: a timeout, and a clear error when ``dot`` is missing),
    without the XML prolog and comments, ready to inline in HTML."""
    svg = run_dot(dot_source, "svg", timeout).decode("utf-8")
    return inline_svg(svg)


def inline_svg(svg):
    """An SVG document as an element to inline in HTML: from ``<svg`` on, comments dropped."""
    start = svg.find("<svg")
    if start < 0:
        raise OperandError(f"explorer: the layout gave no <svg> element: {svg[:80]!r}")
    body = svg[start:]
    while "<!--" in body:
        a = body.index("<!--")
        b = body.find("-->", a)
        body = body[:a] + body[b + 3:] if b >= 0 else body[:a]
    return body.strip()


def asset(name):
    """The text of one of the page's files (``explorer.js``, ``explorer.css``, ``page.html``),
    shipped inside the package."""
    return resources.files(__package__).joinpath(_ASSETS, name).read_text(encoding="utf-8")


def script():
    """The page's script: defines ``window.chainruleExplorer.mount(root, data, options)``
    (``explorer.js``) and its practice mode (``practice.js``)."""
    return asset("explorer.js") + "\n" + asset("practice.js")


def _json_for_html(data):
    """JSON that cannot end the ``<script>`` element it sits in, whatever the labels say."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(data, svg, table_text="", title=None):
    """One self-contained HTML page: ``data`` (:func:`explorer_data`), the graph's ``svg``
    (:func:`layout_svg`, or any layout of :func:`graph_dot`'s text), the CSS and the script,
    all inline. ``table_text`` (the text table) is shown when scripts are off."""
    if title is None:
        out = data["nodes"][data["output"]]["name"]
        title = "chainrule explorer: " + (out if data["out"] == out else f"{data['out']} = {out}")
    parts = {
        "TITLE": html.escape(title),
        "STEPS": str(len(data["steps"])),
        "CSS": asset("explorer.css"),
        "SVG": svg,
        "NOSCRIPT": html.escape(table_text),
        "DATA": _json_for_html(data),
        "SCRIPT": script(),
    }
    pieces = re.split(r"\{\{([A-Z]+)\}\}", asset("page.html"))
    # one pass: text that came from the data is never scanned for slots again
    return "".join(parts[p] if i % 2 else p for i, p in enumerate(pieces))


def to_html(e, path=None, digits=4, layout=layout_svg, max_nodes=MAX_NODES,
            max_edges=MAX_EDGES, rankdir="LR", title=None):
    """The explorer page of the explanation ``e`` (see the module docstring), written
    atomically to ``path`` when given; returns the HTML text.

    ``layout``: DOT text -> SVG text (default :func:`layout_svg`, Graphviz's ``dot``).
    ``max_nodes``/``max_edges``: the size guard (:func:`check_size`)."""
    if not getattr(e, "__chainrule_explanation__", False):
        raise OperandError(f"to_html: expected an Explanation (explain(L)), got {e!r}")
    check_size(e, max_nodes, max_edges)
    data = explorer_data(e, digits)
    svg = inline_svg(layout(graph_dot(e, data, rankdir)))
    result = page(data, svg, text(e), title)
    if path is not None:
        atomic_write(path, result.encode("utf-8"))
    return result


def notebook_html(e, height=None, layout=None):
    """The explorer for Jupyter: the page inside an ``<iframe srcdoc>``, so that its styles,
    keys and ids stay its own. Without ``dot``, or for a graph too big, one line says why and
    the text table follows (``print(e)`` always gives the table)."""
    from .render import GraphvizError

    try:
        document = to_html(e, layout=layout or layout_svg)
    except (GraphvizError, GraphTooLarge) as err:
        return (f"<p><b>(no explorer)</b> {html.escape(str(err))}</p>"
                f"<pre>{html.escape(text(e))}</pre>")
    rows = sum(len(s.terms) or 1 for s in e.backward)
    height = height or min(1400, 560 + 24 * rows)
    return (f'<iframe title="chainrule explorer" srcdoc="{html.escape(document, quote=True)}" '
            f'style="width:100%;height:{height}px;border:1px solid #ccc" '
            'sandbox="allow-scripts"></iframe>')
