"""Metamorphic checks: laws every correct gradient obeys (no numerical reference needed)."""

import random

from ..engine import topological_order
from ..value import Value
from .results import GradcheckResult, Mismatch, input_name, within

__all__ = ["check_linearity", "check_chain_rule", "check_sum_reassociation",
           "check_backward_twice"]


def _leaf_grads(out, leaves):
    """∂out/∂leaf for each leaf (Values), leaving their .grad as found."""
    saved = [v.grad for v in leaves]
    try:
        for v in leaves:
            v.grad = 0.0
        out.backward()
        return [v.grad for v in leaves]
    finally:
        for v, g in zip(leaves, saved):
            v.grad = g


def _compare(title, names, expected, got, rtol, atol, method, raise_on_failure):
    mismatches = [Mismatch(n, None, g, e, method) for n, e, g in zip(names, expected, got)
                  if not within(g, e, rtol, atol)]
    result = GradcheckResult(title, len(names), mismatches)
    return result.raise_if_failed() if raise_on_failure else result


def _as_list(inputs):
    return [inputs] if isinstance(inputs, Value) else list(inputs)


def check_linearity(f, g, inputs, a, b, *, rtol=1e-12, atol=1e-12, raise_on_failure=False):
    """∇(a·f + b·g) = a·∇f + b·∇g: the gradient is linear in the function.

    ``f``, ``g`` take the Values ``inputs``; ``a``, ``b`` are numbers. The report's "analytic"
    is ∇(a·f + b·g), its "numeric" the combination a·∇f + b·∇g."""
    inputs = _as_list(inputs)
    df = _leaf_grads(f(*inputs), inputs)
    dg = _leaf_grads(g(*inputs), inputs)
    dh = _leaf_grads(a * f(*inputs) + b * g(*inputs), inputs)
    combo = [a * x + b * y for x, y in zip(df, dg)]
    names = [input_name(x, i) for i, x in enumerate(inputs)]
    return _compare("linearity ∇(a·f + b·g) = a·∇f + b·∇g", names, combo, dh, rtol, atol,
                    "a·∇f + b·∇g", raise_on_failure)


def check_chain_rule(outer, inner, x, *, rtol=1e-12, atol=1e-12, raise_on_failure=False):
    """d outer(inner(x))/dx = outer'(u) · ∂u/∂x with u = inner(x): backward through the
    composition equals the product of the two separately computed derivatives.

    ``x``: a Value or a sequence of Values (``inner`` takes them all and returns one Value;
    ``outer`` takes one Value)."""
    xs = _as_list(x)
    u = inner(*xs)
    du = _leaf_grads(u, xs)
    U = Value(u.data, label="u")
    douter = _leaf_grads(outer(U), [U])[0]
    composite = _leaf_grads(outer(inner(*xs)), xs)
    names = [input_name(v, i) for i, v in enumerate(xs)]
    return _compare("chain rule d outer(inner(x))/dx = outer'(u)·inner'(x)", names,
                    [douter * d for d in du], composite, rtol, atol, "outer'(u)·inner'(x)",
                    raise_on_failure)


def check_sum_reassociation(terms, *, seed=0, rtol=1e-12, atol=1e-12, raise_on_failure=False):
    """The gradient of a sum does not depend on how it is bracketed or ordered:
    ((a + b) + c), (a + (b + c)), and a shuffled order give the same gradient for every leaf
    under the terms (exactly 1 for a term that is itself a leaf).

    ``terms``: a sequence of at least two Values (leaves or expressions)."""
    terms = list(terms)
    if len(terms) < 2:
        raise ValueError("check_sum_reassociation needs at least two terms")
    leaves = []
    for t in terms:
        for node in topological_order(t):
            if node.is_leaf() and all(node is not seen for seen in leaves):
                leaves.append(node)

    def left(ts):
        s = ts[0]
        for t in ts[1:]:
            s = s + t
        return s

    def right(ts):
        s = ts[-1]
        for t in reversed(ts[:-1]):
            s = t + s
        return s

    shuffled = terms[:]
    random.Random(seed).shuffle(shuffled)
    reference = _leaf_grads(left(terms), leaves)
    names = [input_name(v, i) for i, v in enumerate(leaves)]
    results = []
    for how, total in (("right-nested", right(terms)), ("shuffled", left(shuffled))):
        results.append(_compare(f"sum re-association ({how} vs left-nested)", names, reference,
                                _leaf_grads(total, leaves), rtol, atol, "left-nested",
                                False))
    result = GradcheckResult("sum re-association", sum(r.checked for r in results),
                             [m for r in results for m in r.mismatches])
    return result.raise_if_failed() if raise_on_failure else result


def check_backward_twice(f, inputs, *, raise_on_failure=False):
    """Calling ``backward()`` twice on the same graph leaves every input's gradient exactly
    doubled (leaves accumulate, as in PyTorch). Compared bit for bit."""
    inputs = _as_list(inputs)
    saved = [v.grad for v in inputs]
    try:
        for v in inputs:
            v.grad = 0.0
        out = f(*inputs)
        out.backward()
        once = [v.grad for v in inputs]
        out.backward()
        twice = [v.grad for v in inputs]
    finally:
        for v, g in zip(inputs, saved):
            v.grad = g
    names = [input_name(v, i) for i, v in enumerate(inputs)]
    return _compare("backward twice = 2 × backward once", names, [2 * g for g in once], twice,
                    0.0, 0.0, "2 × first pass", raise_on_failure)
