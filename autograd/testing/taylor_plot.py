"""The Taylor test's picture: residual r(h) against h on log-log axes, as SVG (standard library).

On log-log axes a power law r = c·hᵖ is a straight line of slope p, so the right gradient draws
a line parallel to the slope-2 guide and a wrong one a line parallel to the slope-1 guide; the
dashed line is the rounding floor, where every residual ends up for tiny h.
"""

import math
from xml.sax.saxutils import escape

__all__ = ["taylor_svg", "loglog_svg"]

_COLORS = ("#1f77b4", "#9467bd", "#ff7f0e", "#8c564b")
_GUIDES = ("#2ca02c", "#d62728")          # slope 2: green, slope 1: red


def _decades(lo, hi):
    return list(range(math.floor(lo), math.ceil(hi) + 1))


def loglog_svg(series, guides=(), title="", xlabel="h", ylabel="residual", width=520,
               height=340, floor=None):
    """A complete SVG document: ``series`` ``{name: [(x, y), ...]}`` on log-log axes (points
    with y <= 0 or None are left out), ``guides`` ``[(label, slope, (x, y))]`` dotted lines of
    the given slope through a point, ``floor`` ``[(x, y)]`` a dashed line."""
    pts = [(x, y) for s in list(series.values()) + [floor or []] for x, y in s
           if y and y > 0 and x > 0]
    if not pts:
        raise ValueError("loglog_svg: no positive points to draw")
    lx = [math.log10(x) for x, _ in pts]
    ly = [math.log10(y) for _, y in pts]
    xs, ys = _decades(min(lx), max(lx)), _decades(min(ly), max(ly))
    if len(ys) < 2:
        ys = [ys[0] - 1, ys[0]]
    left, right, top, bottom = 64, 16, 34, 46
    pw, ph = width - left - right, height - top - bottom

    def sx(x):
        return left + (math.log10(x) - xs[0]) / (xs[-1] - xs[0]) * pw

    def sy(y):
        return top + ph - (math.log10(y) - ys[0]) / (ys[-1] - ys[0]) * ph

    def inside(x, y):
        return xs[0] <= math.log10(x) <= xs[-1] and ys[0] <= math.log10(y) <= ys[-1]

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" '
           f'font-weight="bold">{escape(title)}</text>',
           f'<clipPath id="plot"><rect x="{left}" y="{top}" width="{pw}" height="{ph}"/>'
           '</clipPath>']
    step = max(1, math.ceil(len(ys) / 9))
    for d in ys[::step]:
        y = sy(10.0 ** d)
        out.append(f'<line x1="{left}" y1="{y:.2f}" x2="{left + pw}" y2="{y:.2f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.2f}" text-anchor="end" font-size="11">'
                   f'1e{d}</text>')
    step = max(1, math.ceil(len(xs) / 9))
    for d in xs[::step]:
        x = sx(10.0 ** d)
        out.append(f'<line x1="{x:.2f}" y1="{top}" x2="{x:.2f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.2f}" y="{top + ph + 17}" text-anchor="middle" '
                   f'font-size="11">1e{d}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               'stroke="#333"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle" '
               f'font-size="12">{escape(xlabel)}</text>')
    out.append(f'<text transform="translate(16,{top + ph / 2}) rotate(-90)" '
               f'text-anchor="middle" font-size="12">{escape(ylabel)}</text>')
    out.append('<g clip-path="url(#plot)">')
    if floor:
        good = [(x, y) for x, y in floor if y and y > 0]
        path = " ".join(f"{sx(x):.2f},{sy(y):.2f}" for x, y in good)
        out.append(f'<polyline points="{path}" fill="none" stroke="#999" '
                   'stroke-dasharray="6 4" stroke-width="1.5"/>')
    x_lo, x_hi = 10.0 ** xs[0], 10.0 ** xs[-1]
    for k, (_, slope, (x0, y0)) in enumerate(guides):
        ends = [(x, y0 * (x / x0) ** slope) for x in (x_lo, x_hi)]
        out.append(f'<line x1="{sx(ends[0][0]):.2f}" y1="{sy(ends[0][1]):.2f}" '
                   f'x2="{sx(ends[1][0]):.2f}" y2="{sy(ends[1][1]):.2f}" '
                   f'stroke="{_GUIDES[k % 2]}" stroke-width="1.2" stroke-dasharray="2 3"/>')
    for k, s in enumerate(series.values()):
        color = _COLORS[k % len(_COLORS)]
        good = [(x, y) for x, y in s if y and y > 0 and x > 0]
        path = " ".join(f"{sx(x):.2f},{sy(y):.2f}" for x, y in good)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        out.extend(f'<circle cx="{sx(x):.2f}" cy="{sy(y):.2f}" r="2.5" fill="{color}"/>'
                   for x, y in good)
    out.append("</g>")
    legend = [(name, _COLORS[k % len(_COLORS)], "") for k, name in enumerate(series)]
    legend += [(label, _GUIDES[k % 2], "2 3") for k, (label, _, _) in enumerate(guides)]
    if floor:
        legend.append(("rounding floor", "#999", "6 4"))
    for k, (name, color, dash) in enumerate(legend):
        y = top + 14 + 16 * k
        out.append(f'<line x1="{left + 10}" y1="{y - 4}" x2="{left + 28}" y2="{y - 4}" '
                   f'stroke="{color}" stroke-width="2"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(f'<text x="{left + 32}" y="{y}" font-size="11">{escape(name)}</text>')
    out.append("</svg>\n")
    return "\n".join(out)


def taylor_svg(result, title="Taylor test"):
    """The plot of one :class:`~autograd.testing.taylor.TaylorResult`."""
    points = [(h, r) for h, r in zip(result.hs, result.residuals) if r]
    if not points:
        raise ValueError("taylor_test: every residual is zero or failed; nothing to plot")
    anchor = points[len(points) // 2]
    name = ("residual |f(x+hv) − f(x) − h·g·v|" if result.slope is None else
            f"residual, slope {result.slope:.2f}")
    return loglog_svg({name: points},
                      guides=[("slope 2 (gradient right)", 2, anchor),
                              ("slope 1 (gradient wrong)", 1, anchor)],
                      title=title, floor=list(zip(result.hs, result.floor)))
