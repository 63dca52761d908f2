r"""Turning a graph into an image: Graphviz's ``dot`` program, bounded in time.

>>> from autograd import Value
>>> from autograd.draw import draw
>>> from autograd.render import render, render_bytes
>>> L = Value(2.0, label="x").tanh()
>>> render(draw(L), "graph.svg")     # the format from the extension  # doctest: +SKIP
>>> render_bytes(draw(L), "png", timeout=60)[:8]
b'\x89PNG\r\n\x1a\n'

``dot`` runs as a subprocess (``dot -Kdot -Tpng``, the DOT text on its standard input) with a
timeout (:data:`DOT_TIMEOUT` seconds unless told otherwise): some small graphs take Graphviz
minutes to lay out (``x*x*…*x`` with 100 factors: each use of ``x`` is an edge that crosses
every rank between ``x`` and its product), so a render is stopped, and says so, instead of
hanging. :func:`autograd.draw.draw` refuses the worst of them before ``dot`` is ever run.

Errors: :class:`GraphvizMissing` (no ``dot`` on PATH: how to install it),
:class:`GraphvizTimeout` (stopped after ``timeout`` seconds), :class:`GraphvizError` (``dot``
failed; its first line of complaint). The python package ``graphviz`` only builds the DOT text.
"""

import functools
import os
import shutil

from .errors import ChainruleError
from .fileio import atomic_write

DOT_TIMEOUT = 30.0          # seconds; the README's graphs take well under one
INSTALL_DOT = ("the Graphviz 'dot' program was not found: install Graphviz "
               "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
               "conda: conda install graphviz)")
FORMATS = ("svg", "png", "pdf", "dot", "gv", "jpg", "jpeg", "gif")
SAME_FORMAT = {"jpeg": "jpg", "gv": "dot"}      # two names for one format


class GraphvizError(ChainruleError, RuntimeError):
    """Graphviz's ``dot`` program failed to make the image."""


class GraphvizMissing(GraphvizError):
    """The Graphviz ``dot`` program is not installed."""


class GraphvizTimeout(GraphvizError):
    """``dot`` did not finish within the timeout and was stopped."""


def graphviz_module():
    """The ``graphviz`` python package, or an ImportError that says what to install."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the graphviz python package: "
                          "pip install 'chainrule[viz]'  (and the Graphviz program: "
                          "apt-get install graphviz / brew install graphviz)") from None
    return graphviz


def run_dot(source, format, timeout=None, engine="dot"):
    """The bytes ``dot -K<engine> -T<format>`` makes of the DOT text ``source``, stopped after
    ``timeout`` seconds (default :data:`DOT_TIMEOUT`)."""
    import subprocess

    timeout = DOT_TIMEOUT if timeout is None else timeout
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(INSTALL_DOT)
    try:
        done = subprocess.run([program, f"-K{engine}", f"-T{format}"], input=source.encode(),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:           # subprocess.run has killed dot by now
        raise GraphvizTimeout(
            f"Graphviz's dot did not finish laying out the graph within {timeout:g} s and was "
            "stopped: draw a smaller graph (or summary=True), or pass a longer timeout") from None
    if done.returncode != 0:
        complaint = done.stderr.decode(errors="replace").strip().splitlines()
        raise GraphvizError(f"Graphviz's dot failed (exit code {done.returncode})"
                            + (f": {complaint[0]}" if complaint else ""))
    return done.stdout


@functools.lru_cache(maxsize=None)
def graph_class():
    """``graphviz.Digraph`` as :func:`autograd.draw.draw` returns it. Its ``pipe`` (and so
    Jupyter's inline picture) runs :func:`run_dot`, bounded by the graph's ``timeout``
    attribute; in Jupyter a missing ``dot`` or a timeout shows as one line instead of a
    traceback, and the notebook goes on."""
    graphviz = graphviz_module()

    class Graph(graphviz.Digraph):
        timeout = DOT_TIMEOUT

        def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
                 quiet=False, *, engine=None, encoding=None):
            if renderer or formatter or neato_no_op:     # graphviz's own options: its own path
                try:
                    return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                        engine=engine, encoding=encoding)
                except graphviz.ExecutableNotFound:
                    raise GraphvizMissing(INSTALL_DOT) from None
            raw = run_dot(self.source, format or self.format, self.timeout,
                          engine or self.engine)
            return raw.decode(encoding) if encoding else raw

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except GraphvizError as e:           # one line in the notebook, no traceback
                return {"text/plain": f"(no picture) {e}"}

    Graph.__name__ = Graph.__qualname__ = "Graph"
    Graph.__module__ = __name__
    return Graph


def render_bytes(dot, format=None, timeout=None):
    """The image of the graph ``dot`` as bytes (``format`` defaults to the graph's; ``"dot"``
    gives the DOT text itself, without running Graphviz)."""
    format = format or dot.format
    if format in ("dot", "gv"):
        return dot.source.encode()
    return run_dot(dot.source, format, timeout, getattr(dot, "engine", "dot"))


def format_of(path, default=None):
    """The image format a file name asks for: its extension when it is one of ``FORMATS``
    (``"g.JPG"`` → ``"jpg"``), else ``default``."""
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    return ext if ext in FORMATS else default


def render(dot, path, format=None, timeout=None):
    """Write ``dot`` to ``path`` as ``format`` (default: the file's extension, else the
    graph's format), atomically. Returns ``path``."""
    if format is None:
        format = format_of(path, dot.format)
    atomic_write(path, render_bytes(dot, format, timeout))
    return path
