"""Names and numbers as a learner reads them, shared by ``explain``, its renderers, the explorer
and ``draw`` (a leaf module: it imports none of them).

* :func:`names`: ``{value: name}``: labels as given, then ``n1, n2, ...`` for computed values and
  ``c1, c2, ...`` for unlabelled leaves, in the order Python evaluated them (:func:`forward_order`);
* :func:`fmt`: a float with 6 significant digits, always with a point or an exponent (``-10.0``);
* :func:`substitute`: the op table's formulas with this graph's names or numbers in place of its
  placeholders ``a``, ``b``, ``k`` (``∂(w * x)/∂w = x``, ``1 - tanh(-0.3)²``).
"""

import numbers
import re

from .errors import OperandError
from .value import Value

__all__ = ["names", "check_output", "forward_order", "kind", "fmt", "substitute", "number_text",
           "const_text", "placeholders", "numbers_of", "plugged_locals", "latex_name", "paren"]


def names(output, order=None):
    """``{value: name}`` for every value ``output`` depends on (``output`` included).

    A label is used as is (repeats get ``#2``, ``#3``); unlabelled values are numbered in
    topological order (inputs first): ``n1, n2, ...`` computed, ``c1, c2, ...`` leaves.
    """
    order = forward_order(output) if order is None else order
    taken = {v.label for v in order if v.label}
    result, seen, counters = {}, {}, {"n": 0, "c": 0}
    for v in order:
        if v.label:
            seen[v.label] = seen.get(v.label, 0) + 1
            result[v] = v.label if seen[v.label] == 1 else f"{v.label}#{seen[v.label]}"
            continue
        prefix = "c" if v.is_leaf() else "n"
        while True:
            counters[prefix] += 1
            name = f"{prefix}{counters[prefix]}"
            if name not in taken:
                break
        result[v] = name
    return result


def check_output(output, who):
    """Refuse anything but a :class:`~autograd.value.Value` with an error that says what came."""
    if not isinstance(output, Value):
        raise OperandError(f"{who}: expected a Value, got {output!r}"
                           + (" (a plain number has no graph to show)"
                              if isinstance(output, numbers.Real) else ""))


def forward_order(output):
    """Every value ``output`` depends on, inputs first, in the order Python evaluated them
    (an iterative depth-first post-order: ``w, x, w*x, b, w*x + b``)."""
    order, done = [], set()
    stack = [(output, False)]
    while stack:
        v, expanded = stack.pop()
        if v in done:
            continue
        if expanded:
            done.add(v)
            order.append(v)
            continue
        stack.append((v, True))
        for u in reversed(v.inputs):
            if u not in done:
                stack.append((u, False))
    return order


def kind(value, output=None, params=None):
    """The role of ``value`` in the graph of ``output``: ``"output"``, ``"computed"``,
    ``"parameter"`` (a leaf in ``params``), ``"input"`` (any other labelled leaf: in
    ``tanh(w*x + b)`` all of ``w``, ``x``, ``b`` are inputs of the function until the caller
    says which are parameters) or ``"constant"`` (an unlabelled leaf, such as the ``1.0`` in
    ``x + 1``)."""
    if value is output:
        return "output"
    if not value.is_leaf():
        return "computed"
    if params is not None and value in params:
        return "parameter"
    return "input" if value.label else "constant"


# ---- numbers and formulas --------------------------------------------------------------

def fmt(x, digits=6):
    """A float for people: ``digits`` significant digits, always with a decimal point or an
    exponent (``-10.0``, ``0.09916``, ``1e-07``)."""
    s = f"{x:.{digits}g}"
    if s.lstrip("-").isdigit():
        s += ".0"
    return s


_SYMBOL = re.compile(r"(?<![A-Za-z_])[abk](?![A-Za-z_])")


def substitute(text, mapping, wrap_negative=False):
    """Replace the op table's placeholders ``a``, ``b``, ``k`` in ``text`` by ``mapping``'s
    strings (one pass, so a value named ``b`` is not replaced twice). With ``wrap_negative``,
    a negative number gets parentheses unless it leads a product or sum or sits alone inside
    ``(...)``/``|...|``: ``(-1.3) ** 2``, ``0.3 + (-0.6)`` but ``-0.6 + 0.3``, ``tanh(-0.3)``."""

    def replace(m):
        s = mapping.get(m.group(0), m.group(0))
        if wrap_negative and s.startswith("-"):
            before = text[m.start() - 1] if m.start() else ""
            after = text[m.end()] if m.end() < len(text) else ""
            alone = before and before in "(|" and after in ")|,"
            first = not before and not text[m.end():].lstrip().startswith("**")
            if not (alone or first):
                return f"({s})"
        return s

    return _SYMBOL.sub(replace, text)


def number_text(x, digits):
    """A number for an n-ary expansion: negative ones in parentheses, ``w1 * (-0.5)``."""
    s = fmt(x, digits)
    return f"({s})" if s.startswith("-") else s


def const_text(k):
    return str(int(k)) if float(k).is_integer() and abs(k) < 1e15 else repr(k)


def placeholders(value, name_of, numbers=False, digits=6):
    """``{"a": ..., "b": ..., "k": ...}`` for ``value``'s op: input names (or their numbers)."""
    inputs = value.inputs
    mapping = {}
    for symbol, u in zip("ab", inputs):
        mapping[symbol] = fmt(u.data, digits) if numbers else name_of[u]
    if value.arg is not None:
        mapping["k"] = const_text(value.arg)
    return mapping


def numbers_of(value, digits=6):
    """``value``'s op applied to its inputs' numbers, ``digits`` significant digits each:
    ``-1.23 * 0.5`` ("" for a leaf). The renderers call it with their own ``digits``."""
    op = value.op
    if op is None:
        return ""
    if op.arity is None:                   # n-ary (dot, add_n): spelled out term by term
        return op.expand([number_text(u.data, digits) for u in value.inputs])
    return substitute(op.expr, placeholders(value, None, numbers=True, digits=digits),
                      wrap_negative=True)


def plugged_locals(value, digits=6):
    """Each local derivative of ``value``'s op with its inputs' numbers in place of their
    names, one string per input: ``("1 - tanh(-0.3)²",)`` for ``tanh(n2)`` at -0.3,
    ``("0.5", "-1.2")`` for ``w * x`` (``()`` for a leaf). Linear in the input count, also for
    an n-ary op (its input names are mapped once)."""
    op = value.op
    if op is None:
        return ()
    if op.arity is None:
        n = len(value.inputs)
        numbers = {op.role(j, n): fmt(u.data, digits) for j, u in enumerate(value.inputs)}
        return tuple(numbers.get(d, d) for d in (op.deriv(j, n) for j in range(n)))
    mapping = placeholders(value, None, numbers=True, digits=digits)
    return tuple(substitute(d, mapping, wrap_negative=True) for d in op.derivs)


def latex_name(name):
    """``w1`` → ``w_{1}``; anything unusual goes in ``\\mathrm{}``."""
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    return r"\mathrm{" + re.sub(r"([_#%&$])", r"\\\1", name) + "}"

def paren(s):
    return f"({s})" if s.startswith("-") else s
