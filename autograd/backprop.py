"""``Value.backward()``'s walk: the chain rule over a graph of scalar nodes, on floats.

Two passes over the nodes reachable from the output (Kahn's algorithm on the reversed graph,
:func:`autograd.engine.backward_order` specialised for scalars, where the time goes):

1. reach every node once and count its consumers (``_n``), zeroing its pass gradient (``_g``);
2. start from the output with ``_g = grad``; a node is processed once all its consumers have
   been, so its ``_g`` is complete: each input ``c`` gets ``c._g += ∂node/∂c · node._g``, and an
   input whose consumers are all done is pushed. Inputs are pushed last one first, so the
   first input is processed next (the order :mod:`autograd.explain` narrates).

Where the local derivatives ``∂node/∂c`` come from:

* the hot ops (``+ - * /``, ``x ** k``, ``tanh``, ``relu``, ``exp``, ...) stored them as floats
  in the node's ``_da``/``_db`` when the forward pass ran (``None`` for an operand that is a
  plain number folded into the node: nothing to send it), so the walk is the same three lines
  for all of them, with no call and no tuple per node;
* every other op (``_da is LAZY``: n-ary ``dot``/``add_n``, ops added with ``register_op``,
  nodes whose folded numbers were turned into constant leaves) asks the op table,
  ``op.local(out, a, b)``, at the data the inputs hold now.

Why not walk in reverse creation order instead (no counting pass)? It needs a sequence number
stored by every op and a sort of the reached nodes; measured with callgrind on the 100,000-op
benchmark graph it saved ~6% of the backward instructions and cost more than that in the
forward pass. Kahn's walk touches only the nodes that lead to the output, needs no global
state, and frees nothing early or late.

A leaf adds its pass gradient into ``.grad`` (PyTorch's accumulation: two ``backward()`` calls
double it); an interior node shows the gradient of the latest pass.
"""

from .engine import STATE
from .errors import AnomalyError, ChainruleError, with_label

import math

_isfinite = math.isfinite


class _Lazy:
    """The marker in ``_da``/``_db`` that says: ask the op table during backward."""

    __slots__ = ()

    def __repr__(self):
        return "LAZY"


LAZY = _Lazy()


def backward(root, grad, cls):
    """Back-propagate ``grad`` from ``root`` through its graph of ``cls`` nodes (``Value``)."""
    reached = [root]
    root._n = 0
    stack = [root]
    push, pop, keep = stack.append, stack.pop, reached.append
    while stack:                              # pass 1: reach and count
        node = pop()
        a = node._a
        if a is None:
            continue
        if a.__class__ is cls:
            if a._n:
                a._n += 1
            else:
                a._n = 1
                a._g = 0.0
                push(a)
                keep(a)
        elif a.__class__ is tuple:
            for c in a:
                if c._n:
                    c._n += 1
                else:
                    c._n = 1
                    c._g = 0.0
                    push(c)
                    keep(c)
        b = node._b
        if b.__class__ is cls:
            if b._n:
                b._n += 1
            else:
                b._n = 1
                b._g = 0.0
                push(b)
                keep(b)
    root._g = grad
    anomaly = STATE.anomaly
    push(root)                                # the stack is empty again after pass 1
    node = root
    try:
        while stack:                          # pass 2: the chain rule
            node = pop()
            g = node._g
            a = node._a
            if a is None:                     # a leaf: accumulate this pass, once
                node._grad += g               # (.grad; every leaf has it set)
                continue
            node._grad = g                    # an interior node: this pass's gradient
            da = node._da
            if da is LAZY:
                _from_table(node, g, a, push)
            else:                             # stored in the forward pass
                db = node._db
                if db is not None:
                    b = node._b
                    b._g += db * g
                    b._n -= 1
                    if not b._n:
                        push(b)
                if da is not None:
                    a._g += da * g
                    a._n -= 1
                    if not a._n:
                        push(a)
            if anomaly:
                _check_backward(node, g)
    except BaseException as e:
        for n in reached:                     # leave every node ready for the next walk
            n._n = 0
        if isinstance(e, ChainruleError):
            raise with_label(e, node.label) from None
        raise


def _from_table(node, g, a, push):
    """The chain rule for a node whose local derivatives the op table computes now."""
    b = node._b
    if a.__class__ is tuple:                  # n-ary: local(out, [input values])
        local = node.op.local(node.data, [c.data for c in a])
        for c, d in zip(reversed(a), reversed(local)):
            c._g += d * g
            c._n -= 1
            if not c._n:
                push(c)
        return
    if b.__class__ is a.__class__:            # binary: both inputs are nodes
        try:
            da, db = node.op.local(node.data, a.data, b.data)
        except ChainruleError:                # e.g. ∂(0.0 ** y)/∂base: ask for needed ones
            da, db = needed_locals(node)
        b._g += db * g
        b._n -= 1
        if not b._n:
            push(b)
    else:                                     # unary: b is the op's constant (or None)
        (da,) = node.op.local(node.data, a.data, b)
    a._g += da * g
    a._n -= 1
    if not a._n:
        push(a)


def needed_locals(node):
    """The local derivatives of ``node`` asked one input at a time, after ``op.local`` failed
    for all of them at once: an input that is a constant gets NaN when its own derivative does
    not exist (nothing reads it); a failure for any other input is raised."""
    inputs = node._prev
    a, b, op = node._a, node._b, node.op
    xs = [c.data for c in inputs]
    nary = a.__class__ is tuple
    arg = xs if nary else xs[0]
    second = None if nary else xs[1] if len(xs) == 2 else b
    out = []
    for i, c in enumerate(inputs):
        try:
            out.append(op.partial(i, node.data, arg, second))
        except ChainruleError:
            if not c.is_constant():
                raise
            out.append(math.nan)
    return tuple(out)


def _check_backward(node, g):
    for child, d in zip(node._prev, node.local_derivatives()):
        if not _isfinite(d * g) and not child.is_constant():
            name = f" (node {node.label!r})" if node.label else ""
            raise AnomalyError(
                f"anomaly: backward of {node.op.name}{name} at data={node.data!r} gave "
                f"local derivative {d!r} × upstream {g!r} for input {child.data!r}")
