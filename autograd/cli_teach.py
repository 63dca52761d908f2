"""``chainrule explain`` and ``chainrule graph``: the chain rule and the graph of an expression.

    chainrule explain "tanh(w*x + b)" --at x=0.5 w=-1.2 b=0.3 [--format text|markdown|latex]
                      [--html explorer.html]
    chainrule graph   "tanh(w*x + b)" --at x=0.5 w=-1.2 b=0.3 -o graph.svg
                      [--format svg|png|pdf|jpg|gif|dot]
                      [--no-grads] [--rankdir TB] [--frames DIR [--gif]]

The expression is parsed safely (:mod:`autograd.expr`, never ``eval``). Bad input (a rejected
expression, a missing or malformed ``--at`` value, a domain error such as ``log(-1)``) prints
one line to stderr and exits with code 2; a missing Graphviz program, or one that takes too
long, exits with code 1. An ``--at`` value the expression does not use gets a warning line.
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
            swallowed = [w for w in getattr(parser, "at_words", []) if not _is_binding(w)]
            if swallowed:       # explain --at x=2 "x*x": --at took the expression too
                message = (f"the expression is missing: --at took {swallowed[-1]!r} as one of "
                           "its values (--at reads every word after it); put the expression "
                           f"before --at: chainrule {command} \"{swallowed[-1]}\" --at ...")
            else:
                message += " (an expression that starts with '-' needs a space first: \" -x\")"
        print(f"chainrule {command}: error: {message}", file=sys.stderr)
        raise SystemExit(2)

    parser.error = error
    return parser


def _is_binding(word):
    """Whether ``word`` reads as --at values (``x=2`` or ``x=2,y=3``) rather than an expression."""
    items = [item for item in word.split(",") if item.strip()]
    return bool(items) and all("=" in item and item.partition("=")[0].strip().isidentifier()
                               for item in items)


class _AtValues(argparse.Action):
    """``--at`` collects words like ``action="extend"``, and remembers them on the parser so
    that a missing expression can be traced to ``--at`` having taken it."""

    def __call__(self, parser, namespace, values, option_string=None):
        words = list(getattr(namespace, self.dest, None) or []) + list(values)
        setattr(namespace, self.dest, words)
        parser.at_words = words


def _common(p):
    from .expr import function_names

    p.add_argument("expression", help='e.g. "tanh(w*x + b)"; functions: '
                   + " ".join(function_names()))
    p.add_argument("--at", nargs="+", action=_AtValues, default=[], metavar="NAME=VALUE",
                   help="values of the variables, e.g. --at x=0.5 w=-1.2 b=0.3")


def register(subparsers):
    p = subparsers.add_parser(
        "explain", help="print the forward pass and each chain-rule step of backward()",
        description="Print the forward pass and every back-propagation step: upstream "
                    "gradient, local derivative (formula and value), product, running total.",
        epilog=f"example: {EXAMPLE}")
    _common(p)
    p.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    p.add_argument("--html", metavar="FILE",
                   help="write the interactive explorer (one offline HTML page) instead of "
                        "printing the table")
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
    p.add_argument("--gif", action="store_true",
                   help="with --frames: also write DIR/backward.gif, the steps as an animation "
                        "(needs Pillow)")
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
        values = parse_bindings(args.at)
        with detect_anomaly():
            out, leaves = build(args.expression, values)
    except ChainruleError as e:            # ExprError, DomainError, FloatOverflow, Anomaly...
        return None, _fail(command, str(e))
    args.unused = [f"{name}={values[name]:g}" for name in values if name not in leaves]
    return out, leaves


def _warn_unused(args, command):
    """One line on stderr for ``--at`` values the expression does not use (a typo, usually)."""
    if args.unused:
        print(f"chainrule {command}: warning: --at {' '.join(args.unused)}: not in the "
              f"expression {args.expression!r}, unused", file=sys.stderr)


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
    if args.html:
        code = _write_explorer(e, args.html)
        if code:
            return code
    else:
        render = {"text": e.to_text, "markdown": e.to_markdown,
                  "latex": e.to_latex}[args.format]
        print(render())
    _warn_unused(args, "explain")
    return 0


def _write_explorer(e, path):
    """``--html``: the explorer page (:mod:`autograd.explorer`) at ``path``; an exit code on
    failure (1: no ``dot`` or it failed, or the file cannot be written; 2: a graph too big)."""
    from .render import GraphvizError

    try:
        e.to_html(path)
    except GraphvizError as err:
        return _fail("explain", str(err), 1)
    except ChainruleError as err:          # GraphTooLarge
        return _fail("explain", str(err))
    except OSError as err:
        return _fail("explain", f"cannot write {err.filename or path}: {err.strerror or err}", 1)
    print(f"wrote {path}")
    return 0


def run_graph(args):
    out, leaves = _build(args, "graph")
    if out is None:
        return leaves
    from .draw import draw
    from .frames import draw_backward_frames
    from .fileio import atomic_write
    from .render import SAME_FORMAT, GraphvizError, format_of, render_bytes

    ext = os.path.splitext(args.output)[1]
    named = format_of(args.output)
    fmt = args.format or named
    if fmt is None:
        if ext:       # an image format we cannot write: refuse rather than mislabel SVG text
            return _fail("graph", f"cannot tell the image format of {args.output!r} from "
                                  f"{ext!r}: use one of .{', .'.join(IMAGE_FORMATS)} or --format")
        fmt = "svg"
    if args.gif and not args.frames:
        return _fail("graph", "--gif needs --frames DIR: backward.gif is written there, "
                              "beside the frames")
    if named and SAME_FORMAT.get(named, named) != SAME_FORMAT.get(fmt, fmt):
        return _fail("graph", f"-o {args.output} names a .{named} file but --format is {fmt}: "
                              f"name the file .{fmt}, or leave out --format")

    try:
        if args.grads:
            from .engine import detect_anomaly
            with detect_anomaly():
                out.backward()
        image = render_bytes(draw(out, format=fmt, rankdir=args.rankdir, show_grads=args.grads))
        # the frames first: they create their directory, which -o may name (--frames f -o f/g.png)
        frames = args.frames and draw_backward_frames(out, args.frames, format=fmt,
                                                      rankdir=args.rankdir, gif=args.gif)
        atomic_write(args.output, image)
    except (GraphvizError, ImportError) as e:   # no dot program or package, dot timed out
        return _fail("graph", str(e), 1)
    except ChainruleError as e:
        return _fail("graph", str(e))
    except OSError as e:
        where = e.filename or args.output       # the frames directory, a frame or -o
        return _fail("graph", f"cannot write {where}: {e.strerror or e}", 1)
    print(f"wrote {args.output}")
    if frames:
        gif = " and backward.gif" if args.gif else ""
        print(f"wrote {len(frames) - bool(args.gif)} frames{gif} to {args.frames}")
    _warn_unused(args, "graph")
    return 0
