"""``chainrule explain`` and ``chainrule graph``: the chain rule and the graph of an expression.

    chainrule explain "tanh(w*x + b)" --at x=0.5 w=-1.2 b=0.3 [--format text|markdown|latex]
    chainrule graph   "tanh(w*x + b)" --at x=0.5 w=-1.2 b=0.3 -o graph.svg [--format svg|png|pdf|jpg|gif|dot]
                      [--no-grads] [--rankdir TB] [--frames DIR]

The expression is parsed safely (:mod:`autograd.expr`, never ``eval``). Bad input (a rejected
expression, a missing or malformed ``--at`` value, a domain error such as ``log(-1)``) prints
one line to stderr and exits with code 2; a missing Graphviz program exits with code 1.
"""

import argparse
import math
import os
import sys

from .errors import ChainruleError

IMAGE_FORMATS = ("svg", "png", "pdf", "jpg", "gif", "dot")   # draw.FORMATS, minus aliases
EXAMPLE = 'chainrule explain "tanh(w*x + b)" --at x=0.5 w=-1.2 b=0.3'


def _one_line_errors(parser, command):
    """argparse errors of this subcommand as one line on stderr (argparse prints usage too)."""

    def error(message):
        if "required: expression" in message:
            message += " (an expression that starts with '-' needs a space first: \" -x\")"
        print(f"chainrule {command}: error: {message}", file=sys.stderr)
        raise SystemExit(2)

    parser.error = error
    return parser


def _common(p):
    from .expr import function_names

    p.add_argument("expression", help='e.g. "tanh(w*x + b)"; functions: '
                   + " ".join(function_names()))
    p.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help="values of the variables, e.g. --at x=0.5 w=-1.2 b=0.3")


def register(subparsers):
    p = subparsers.add_parser(
        "explain", help="print the forward pass and each chain-rule step of backward()",
        description="Print the forward pass and every back-propagation step: upstream "
                    "gradient, local derivative (formula and value), product, running total.",
        epilog=f"example: {EXAMPLE}")
    _common(p)
    p.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    p.set_defaults(func=run_explain)
    _one_line_errors(p, "explain")

    p = subparsers.add_parser(
        "graph", help="draw the computation graph (values, gradients, ops) with graphviz",
        description="Draw the graph of an expression after backward(): one record per value "
                    "(name | data | grad), one node per op.",
        epilog='example: chainrule graph "tanh(w*x + b)" --at x=0.5 w=-1.2 b=0.3 -o graph.svg')
    _common(p)
    p.add_argument("-o", "--output", required=True, help="image file to write")
    p.add_argument("--format", choices=IMAGE_FORMATS, default=None,
                   help="image format (default: from the file extension, else svg)")
    p.add_argument("--grads", action=argparse.BooleanOptionalAction, default=True,
                   help="show gradients (default) or not")
    p.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR")
    p.add_argument("--frames", metavar="DIR",
                   help="also write one image per backward step into DIR (frame_001.svg, ...)")
    p.set_defaults(func=run_graph)
    _one_line_errors(p, "graph")


def _fail(command, message, code=2):
    print(f"chainrule {command}: error: {message}", file=sys.stderr)
    return code


def _build(args, command):
    """``(output, leaves)`` or ``(None, exit code)`` after printing one line.

    Computed under ``detect_anomaly()``: an infinite or NaN value (``x*x`` at ``x=1e200``) is
    an error naming the op, not a table of ``inf``."""
    from .engine import detect_anomaly
    from .expr import build, parse_bindings

    try:
        with detect_anomaly():
            return build(args.expression, parse_bindings(args.at))
    except ChainruleError as e:            # ExprError, DomainError, FloatOverflow, Anomaly...
        return None, _fail(command, str(e))


def run_explain(args):
    from .explain import explain

    out, leaves = _build(args, "explain")
    if out is None:
        return leaves
    try:
        e = explain(out)
    except ChainruleError as err:          # e.g. an infinite derivative: sqrt at 0
        return _fail("explain", str(err))
    bad = [v for v in e.grads.values() if not math.isfinite(v)]
    if bad:                                # a finite graph can still overflow going back
        return _fail("explain", f"a gradient overflowed to {bad[0]!r}: the values are too "
                                "large to explain")
    render = {"text": e.to_text, "markdown": e.to_markdown, "latex": e.to_latex}[args.format]
    print(render())
    return 0


def run_graph(args):
    out, leaves = _build(args, "graph")
    if out is None:
        return leaves
    from .draw import draw, draw_backward_frames
    from .render import GraphvizError, format_of, render

    fmt = args.format or format_of(args.output)
    if fmt is None:
        ext = os.path.splitext(args.output)[1]
        if ext:       # an image format we cannot write: refuse rather than mislabel SVG text
            return _fail("graph", f"cannot tell the image format of {args.output!r} from "
                                  f"{ext!r}: use one of .{', .'.join(IMAGE_FORMATS)} or --format")
        fmt = "svg"

    try:
        if args.grads:
            from .engine import detect_anomaly
            with detect_anomaly():
                out.backward()
        dot = draw(out, format=fmt, rankdir=args.rankdir, show_grads=args.grads)
        render(dot, args.output, fmt)
        frames = args.frames and draw_backward_frames(out, args.frames, format=fmt,
                                                      rankdir=args.rankdir)
    except (GraphvizError, ImportError) as e:   # no dot program or package, dot timed out
        return _fail("graph", str(e), 1)
    except ChainruleError as e:
        return _fail("graph", str(e))
    except OSError as e:
        where = e.filename or args.output       # the frames directory, a frame or -o
        return _fail("graph", f"cannot write {where}: {e.strerror or e}", 1)
    print(f"wrote {args.output}")
    if frames:
        print(f"wrote {len(frames)} frames to {args.frames}")
    return 0
