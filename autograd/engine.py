"""The graph walk shared by ``Value`` and ``Tensor``, and the recording switches.

A node is any object with ``_prev``: the tuple of nodes it was computed from. Back-propagation
visits nodes in reverse topological order, so every node's gradient is complete before it is
passed on to its inputs.

Two rules keep the graph cheap:

* **Iterative topological sort** (an explicit stack, no recursion): a chain of a million nodes
  back-propagates without ``RecursionError`` and without touching the recursion limit.
* **No reference cycles**: a node holds its inputs, never a closure over itself, so a graph is
  freed by reference counting the moment the last reference to its output goes away, and
  Python's cyclic garbage collector has nothing to chase.
"""

import contextlib


class _State:
    """Process-wide switches read by every op: is a graph being recorded, is anomaly mode on;
    ``fast`` (recording and no anomaly mode) is kept up to date for the hot ops, which read one
    switch instead of two."""

    __slots__ = ("enabled", "anomaly", "patched", "fast")

    def __init__(self):
        self.enabled = True
        self.anomaly = False
        self.patched = 0          # hot ops whose table rule differs from their written-out form

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if name != "fast":
            object.__setattr__(self, "fast", getattr(self, "enabled", True)
                               and not getattr(self, "anomaly", False)
                               and not getattr(self, "patched", 0))


STATE = _State()


def count_consumers(root):
    """Pass 1 of back-propagation: every node reachable from ``root``, each with ``_n`` set to
    the number of reachable nodes that use it (its fan-out) and ``_g`` set to None (no
    gradient yet; scalars read it as 0.0).

    Nodes carry ``_n == 0`` between walks; this pass raises it, pass 2 brings it back to 0.
    """
    reached = [root]
    root._n = 0
    root._g = None
    stack = [root]
    push, pop, keep = stack.append, stack.pop, reached.append
    while stack:
        for child in pop()._prev:
            if child._n:
                child._n += 1
            else:
                child._n = 1
                child._g = None
                push(child)
                keep(child)
    return reached


def backward_order(root):
    """Yield the nodes reachable from ``root`` in the order back-propagation processes them.

    Kahn's algorithm on the reversed graph: a node is processed once every node that uses it
    has been, so its gradient is complete when it is passed on. An explicit stack, so O(nodes +
    edges), deterministic, and no recursion however deep the graph.
    """
    reached = count_consumers(root)
    try:
        stack = [root]
        while stack:
            node = stack.pop()
            yield node
            for child in reversed(node._prev):
                child._n -= 1
                if not child._n:
                    stack.append(child)
    finally:
        for node in reached:          # leave every node ready for the next walk
            node._n = 0


def topological_order(root):
    """Every node reachable from ``root``, inputs before the nodes computed from them."""
    order = list(backward_order(root))
    order.reverse()
    return order


class _Switch(contextlib.ContextDecorator):
    """Set one of ``STATE``'s switches for a ``with`` block (or a decorated function) and put
    back what it was on the way out, so blocks nest."""

    switch = value = None

    def __enter__(self):
        self._before = getattr(STATE, self.switch)
        setattr(STATE, self.switch, self.value)
        return self

    def __exit__(self, *exc):
        setattr(STATE, self.switch, self._before)
        return False


class no_grad(_Switch):
    """Compute without recording a graph (inference, parameter updates).

    >>> from autograd import Value
    >>> w, x = Value(2.0), Value(3.0)
    >>> with no_grad():
    ...     y = w * x          # y has no inputs; y.backward() only touches y
    >>> y.data, y.is_leaf()
    (6.0, True)
    """

    switch, value = "enabled", False


class enable_grad(_Switch):
    """Record a graph again inside a ``no_grad()`` block."""

    switch, value = "enabled", True


class detect_anomaly(_Switch):
    """Raise :class:`~autograd.errors.AnomalyError` at the first op whose output, or whose
    contribution to a gradient during ``backward()``, is NaN or infinite.

    It costs one ``math.isfinite`` per op, so it is off by default.
    """

    switch, value = "anomaly", True


def is_grad_enabled():
    """True when ops record the graph (the default)."""
    return STATE.enabled
