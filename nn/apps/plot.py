"""Line charts as SVG, standard library only: the loss and accuracy curves of a training run.

``line_chart(series, ...)`` draws one panel (axes, ticks, grid, labelled lines, a legend) and
``training_curves(history)`` puts two panels side by side: loss per epoch (train, test) and
accuracy per epoch (train, test). Text is escaped; numbers are plain decimals, so the file is
well-formed XML that any browser shows.
"""

import math
from xml.sax.saxutils import escape

__all__ = ["line_chart", "training_curves", "nice_ticks"]

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd")


def nice_ticks(lo, hi, count=6):
    """About ``count`` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10ᵏ)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"nice_ticks: the range [{lo}, {hi}] is not finite")
    if hi <= lo:
        lo, hi = lo - 0.5, lo + 0.5
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    k = 0
    while first + k * step <= hi + step * 1e-9:
        ticks.append(round(first + k * step, 12))
        k += 1
    if ticks[-1] < hi:
        ticks.append(round(first + k * step, 12))
    return ticks


def _fmt(v):
    return f"{v:.6g}"


def line_chart(series, title="", xlabel="", ylabel="", width=420, height=300, x0=0, y0=0,
               legend="top"):
    """One chart as an SVG ``<g>`` element (a string), placed at (x0, y0).

    ``series``: ``{name: [(x, y), ...]}``; points with a non-finite y are skipped.
    ``legend``: ``"top"`` or ``"bottom"`` right corner (put it where the curves are not: the
    top for falling losses, the bottom for rising accuracies).
    """
    if legend not in ("top", "bottom"):
        raise ValueError(f"line_chart: legend must be 'top' or 'bottom', got {legend!r}")
    pts = [(x, y) for s in series.values() for x, y in s if math.isfinite(y)]
    left, right, top, bottom = 58, 12, 30, 44
    pw, ph = width - left - right, height - top - bottom
    out = [f'<g transform="translate({x0},{y0})">']
    if title:
        out.append(f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14" '
                   f'font-weight="bold">{escape(title)}</text>')
    if not pts:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text>'
                   "</g>")
        return "".join(out)
    xs = nice_ticks(min(p[0] for p in pts), max(p[0] for p in pts))
    ys = nice_ticks(min(p[1] for p in pts), max(p[1] for p in pts))
    xlo, xhi, ylo, yhi = xs[0], xs[-1], ys[0], ys[-1]

    def sx(x):
        return left + (x - xlo) / (xhi - xlo) * pw

    def sy(y):
        return top + ph - (y - ylo) / (yhi - ylo) * ph

    for t in ys:
        out.append(f'<line x1="{left}" y1="{sy(t):.2f}" x2="{left + pw}" y2="{sy(t):.2f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{sy(t) + 4:.2f}" text-anchor="end" '
                   f'font-size="11">{_fmt(t)}</text>')
    for t in xs:
        out.append(f'<line x1="{sx(t):.2f}" y1="{top + ph}" x2="{sx(t):.2f}" y2="{top + ph + 4}" '
                   'stroke="#333"/>')
        out.append(f'<text x="{sx(t):.2f}" y="{top + ph + 17}" text-anchor="middle" '
                   f'font-size="11">{_fmt(t)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               'stroke="#333"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle" '
               f'font-size="12">{escape(xlabel)}</text>')
    out.append(f'<text transform="translate(14,{top + ph / 2}) rotate(-90)" '
               f'text-anchor="middle" font-size="12">{escape(ylabel)}</text>')
    for k, (name, s) in enumerate(series.items()):
        color = COLORS[k % len(COLORS)]
        good = [(x, y) for x, y in s if math.isfinite(y)]
        if not good:
            continue
        path = " ".join(f"{sx(x):.2f},{sy(y):.2f}" for x, y in good)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in good:
            out.append(f'<circle cx="{sx(x):.2f}" cy="{sy(y):.2f}" r="2.5" fill="{color}"/>')
        ly = top + 14 + 16 * k if legend == "top" else top + ph - 8 - 16 * (len(series) - 1 - k)
        out.append(f'<line x1="{left + pw - 110}" y1="{ly - 4}" x2="{left + pw - 92}" '
                   f'y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{left + pw - 88}" y="{ly}" font-size="11">{escape(name)}</text>')
    out.append("</g>")
    return "".join(out)


def training_curves(history, title=""):
    """A complete SVG document: loss and accuracy (in %) per epoch from a training history."""
    ep = [r["epoch"] for r in history]
    loss = {"train loss": list(zip(ep, (r["loss"] for r in history))),
            "test loss": list(zip(ep, (r["test_loss"] for r in history)))}
    acc = {"train accuracy": list(zip(ep, (100 * r["train_acc"] for r in history))),
           "test accuracy": list(zip(ep, (100 * r["test_acc"] for r in history)))}
    w, h, head = 440, 300, 28 if title else 0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h + head}" '
             f'viewBox="0 0 {2 * w} {h + head}" font-family="Helvetica, Arial, sans-serif">',
             f'<rect width="{2 * w}" height="{h + head}" fill="white"/>']
    if title:
        parts.append(f'<text x="{w}" y="20" text-anchor="middle" font-size="15">'
                     f'{escape(title)}</text>')
    parts.append(line_chart(loss, "Loss", "epoch", "mean loss", w, h, 0, head))
    parts.append(line_chart(acc, "Accuracy", "epoch", "accuracy (%)", w, h, w, head,
                            legend="bottom"))
    parts.append("</svg>\n")
    return "\n".join(parts)
