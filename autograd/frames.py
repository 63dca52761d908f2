"""Back-propagation as a sequence of images: one frame per step of ``explain(L)``.

Frame ``i`` fills the node processed at step ``i`` and the inputs its contributions go to,
shows every value's gradient as it stands after that step, and captions each contribution
``∂L/∂node × local = upstream × local = product`` with its running total. All frames have one
size (the record widths are measured by ``dot`` across every frame), so flipping through them
does not jump; ``gif=True`` adds ``backward.gif`` (Pillow, the ``viz`` extra).
"""

import html
import io
import os

from .draw import MAX_EDGES, digraph, record_label, values_graph
from .explain import explain
from .fileio import atomic_write
from .naming import check_output, fmt, forward_order, names
from .render import graphviz_module, render_bytes, run_dot

__all__ = ["draw_backward_frames"]


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
        dot = values_graph(output, order, format, rankdir, True, None, grads, step.node, 4,
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
    dot = digraph("plain", rankdir)
    owner = {}
    for i, v in enumerate(order):
        texts = {"·" if g.get(v) is None else fmt(g[v], 4) for g in grads_at}
        for k, grad in enumerate(sorted(texts)):
            fields = [name_of[v], f"data {fmt(v.data, 4)}", f"grad {grad}"]
            dot.node(f"m{i}_{k}", label=record_label(fields, rankdir), shape="record", width="0.01")
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
