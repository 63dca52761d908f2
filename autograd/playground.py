"""What the browser playground asks the engine: one call per thing a learner does, JSON out.

The playground page (:mod:`nn.apps.playground_site` builds it) runs this very package in
Pyodide, CPython compiled to WebAssembly, and calls these functions from its script; the same
calls run in CPython, so a test can tell a broken page from a broken engine.

>>> import json
>>> r = json.loads(explain_expression("tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3"))
>>> r["grads"]["w"], r["grads"]["x"], r["grads"]["b"]
(0.4575684809133146, -1.098164354191955, 0.9151369618266292)
>>> print(json.loads(explain_expression("__import__('os')", ""))["error"][:40])
col 1: unknown function '__import__' (kn

The expression goes through the CLI's whitelist parser (:mod:`autograd.expr`, never ``eval``)
and the values through its ``--at`` syntax (``x=0.5 w=-1.2``, or commas); bad input of any
kind becomes ``{"ok": false, "error": one line}``, the line ``chainrule explain`` prints.
"""

import json
import math

from .errors import ChainruleError


def _fail(message):
    return json.dumps({"ok": False, "error": " ".join(str(message).split())})


def explain_expression(expression, at="", digits=4, rankdir="LR"):
    """``explain`` of ``expression`` at the values ``at``, as a JSON string:

    - ``ok``: true; ``out``: the output's value; ``grads``: ``{name: ∂out/∂name}`` (floats, the
      same bits as CPython) and ``gradsText`` (as the table prints them); ``outName``: the
      output's name in the table (``L``); ``table``: the text table of ``chainrule explain``;
    - ``explorer``: :func:`~autograd.explorer_data.explorer_data`, ``dot``: the graph as DOT text
      (:func:`~autograd.explorer.graph_dot`), for ``chainruleExplorer.mount(el, explorer,
      {dot, layout})``; both ``null`` with a ``note`` when the graph is too big to step through;
    - ``unused``: ``at`` names the expression does not use (a typo, usually).

    Or ``{"ok": false, "error": "one line"}``."""
    from .engine import detect_anomaly
    from .explain import explain
    from .explain_render import text
    from .explorer import GraphTooLarge, check_size, graph_dot
    from .explorer_data import explorer_data
    from .expr import build, parse_bindings
    from .naming import fmt

    try:
        values = parse_bindings(str(at).split())
        with detect_anomaly():
            out, leaves = build(str(expression), values)
        e = explain(out)
    except ChainruleError as err:      # ExprError, DomainError, FloatOverflow, AnomalyError...
        return _fail(err)
    except RecursionError:
        return _fail("the expression is nested too deeply to explain")
    grads = {name: e.grads[leaf] for name, leaf in leaves.items()}
    bad = [g for g in e.grads.values() if not math.isfinite(g)]
    if bad:
        return _fail(f"a gradient overflowed to {bad[0]!r}: the values are too large to explain")
    result = {"ok": True, "out": out.data, "grads": grads, "table": text(e), "outName": e.out_name,
              "gradsText": {name: fmt(g) for name, g in grads.items()},
              "unused": [name for name in values if name not in leaves],
              "explorer": None, "dot": None, "note": None}
    try:
        check_size(e)
        data = explorer_data(e, digits)
        result.update(explorer=data, dot=graph_dot(e, data, rankdir))
    except GraphTooLarge as err:
        result["note"] = str(err)
    except ChainruleError as err:      # NotFinite: a value the page cannot show
        result["note"] = str(err)
    return json.dumps(result, allow_nan=False)
