"""Derivatives as functions: ``grad``, ``gradients``, ``hessian``, ``jvp``, ``vjp``, ``hvp``.

``backward()`` fills ``.grad`` with numbers. The functions here return the derivatives instead,
and can return them as *graphs*: every rule of the op table is written with the library's own
ops (:mod:`autograd.ops`), so the backward pass, run on Values instead of floats, records a new
graph whose output is the derivative. Back-propagate that graph and you get a second
derivative; repeat for a third::

    >>> from autograd import grad
    >>> import math
    >>> d3 = grad(grad(grad(lambda x: x.sin())))     # d³ sin / dx³ = -cos
    >>> round(d3(0.4) + math.cos(0.4), 12)
    0.0

The walk (:func:`gradients`) is the one ``backward()`` does: reverse topological order, the chain
rule ``∂L/∂u += ∂L/∂v · ∂v/∂u`` at every node, fan-out summed. It keeps its sums in a local
dict (HIPS autograd's ``backward_pass`` does the same), so walks can run inside walks, and it
asks an op only for the local derivatives some requested input depends on.

* ``create_graph=False``: floats, exactly the numbers ``backward()`` would put in ``.grad``.
* ``create_graph=True``: Values, part of the caller's graph (PyTorch's
  ``torch.autograd.grad(..., create_graph=True)``).

Leaves' ``.grad`` are never touched here. Tensors go through the same walk
(:func:`autograd.tensor_functional.tensor_gradients`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .engine import enable_grad, no_grad, topological_order
from .errors import ChainruleError, OperandError, with_label
from .forward import Dual, jvp
from .value import Value, argument_leaf

__all__ = ["gradients", "grad", "hessian", "jvp", "vjp", "hvp"]


def _is_tensor(x):
    return getattr(x, "__chainrule_array__", False)


def gradients(output: Any, inputs: Any, create_graph: bool = False, grad: Any = 1.0) -> Any:
    """∂output/∂input for each of ``inputs`` (a list of Values, or one Value), as a list.

    ``grad`` seeds ∂output/∂output (1.0 for a scalar loss; a Value is allowed with
    ``create_graph=True``). An input ``output`` does not depend on gets 0.0. With
    ``create_graph=True`` the results are Values recorded in the graph (so they can be
    back-propagated again); otherwise floats equal to what ``output.backward(grad)`` would add
    into each input's ``.grad``. No ``.grad`` is changed.
    """
    single = isinstance(inputs, Value) or _is_tensor(inputs)
    inputs = [inputs] if single else list(inputs)
    if _is_tensor(output) or any(map(_is_tensor, inputs)):
        from .tensor_functional import tensor_gradients
        results = tensor_gradients(output, inputs, create_graph, grad)
        return results[0] if single else results
    if not isinstance(output, Value):
        raise OperandError(f"gradients: output must be a Value (or a Tensor), got {output!r}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise OperandError(f"gradients: inputs[{i}] must be a Value, got {x!r} of type "
                               f"{type(x).__name__}")
    if isinstance(grad, Value):
        if not create_graph:
            raise OperandError("gradients: a Value seed (grad=...) needs create_graph=True")
    elif not isinstance(grad, numbers.Real):
        raise OperandError(f"gradients(grad=...) takes a number, got {grad!r}")
    else:
        grad = float(grad)
    with enable_grad() if create_graph else no_grad():
        totals = _walk(output, inputs, grad, create_graph)
    results = [totals.get(x, 0.0) for x in inputs]
    if create_graph:
        results = [g if isinstance(g, Value) else Value.constant(g) for g in results]
    return results[0] if single else results


def _walk(output, inputs, seed, create_graph):
    """The backward walk with its sums in a dict: {node: ∂output/∂node} for the nodes that lie
    on a path from ``output`` to an input."""
    order = topological_order(output)             # inputs first
    wanted = set(inputs)
    needed = set()
    for v in order:                               # v leads to a requested input
        if v in wanted or any(c in needed for c in v._prev):
            needed.add(v)
    totals = {output: seed}
    for node in reversed(order):                  # the order backward() processes them
        if node.is_leaf() or node not in needed:
            continue
        g = totals.get(node)
        if g is None:
            continue
        children = node._prev
        for i in reversed(range(len(children))):  # the last input's contribution first, as
            child = children[i]                    # backward() adds them
            if child not in needed:
                continue
            d = _local(node, i, create_graph)
            contribution = g if d.__class__ is float and d == 1.0 else g * d
            before = totals.get(child)
            totals[child] = contribution if before is None else before + contribution
    return totals


def _local(node, i, create_graph):
    """∂node/∂(input i): on the graph's Values (a new graph) or on their floats."""
    a, b, op = node._a, node._b, node.op
    try:
        if a.__class__ is tuple:                  # n-ary: local(out, inputs)
            xs = list(a) if create_graph else [c.data for c in a]
            return op.partial(i, node if create_graph else node.data, xs)
        if create_graph:
            return op.partial(i, node, a, b)
        return op.partial(i, node.data, a.data, b.data if b.__class__ is Value else b)
    except ChainruleError as e:
        raise with_label(e, node.label) from None


class _Level:
    """How deep in nested ``grad`` calls we are (JAX calls these levels): a leaf a call makes
    for a number is a variable at its level and a constant to the levels around it."""

    depth = 0


LEVEL = _Level()


class _deeper:
    """One level deeper for the duration of a ``with`` block."""

    def __enter__(self):
        LEVEL.depth += 1

    def __exit__(self, *exc):
        LEVEL.depth -= 1
        return False


def _leaf_for(x, what):
    """A fresh node to differentiate with respect to: a leaf for a number (or a constant
    tensor), ``+x`` (a node of the caller's graph) for a Value (or a tensor in a graph), so two
    nested derivatives never confuse their inputs."""
    if isinstance(x, Value):
        return +x
    if x.__class__ is Dual:
        raise OperandError(f"{what}: got a Dual number ({x!r}) where it takes numbers or "
                           "Values. For Hessian-vector products use hvp(f, primals, tangents)")
    if isinstance(x, numbers.Real):
        return argument_leaf(x, LEVEL.depth)
    if _is_tensor(x):
        return +x if x.requires_grad else type(x)(x.data, x.shape, requires_grad=True)
    raise OperandError(f"{what}: the argument to differentiate must be a number or a Value, "
                       f"got {x!r} of type {type(x).__name__}")


def _depends_on_outside(out, mine):
    """True when ``out`` reaches a leaf that is none of ``mine``, no constant and no number an
    inner ``grad`` call was given: ``f`` closed over Values of the caller (or of an enclosing
    ``grad``), whose gradients must not be cut off."""
    depth = LEVEL.depth
    for v in topological_order(out):
        if v.is_leaf() and v not in mine:
            if _is_tensor(v):
                return True                     # a tensor leaf in a graph requires a gradient
            if not v.is_constant():
                level = v.argument_level()
                if not level or level < depth:
                    return True
    return False


def _in_graph(x):
    return isinstance(x, Value) or (_is_tensor(x) and x.requires_grad)


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The function ``x ↦ ∂f/∂x``: ``grad(f)(x)``, with ``argnums`` (an int or a tuple of ints)
    choosing which positional arguments to differentiate with respect to.

    Numbers in give numbers out; a Value in (or an ``f`` that closes over Values of the caller)
    gives Values that are part of the caller's graph, so ``grad`` nests to any order:
    ``grad(grad(grad(f)))(0.4)``. With a tuple ``argnums`` the result is a tuple.
    """
    many = not isinstance(argnums, int)
    nums = tuple(argnums) if many else (argnums,)
    if not nums or not all(isinstance(i, int) and not isinstance(i, bool) for i in nums):
        raise OperandError(f"grad: argnums must be an int or a tuple of ints, got {argnums!r}")
    name = getattr(f, "__name__", "f")

    def gradient(*args, **kwargs):
        if any(a.__class__ is Dual for a in args):        # jvp(grad(f), ...)
            return _forward_over_reverse(f, name, args, kwargs, nums, many)
        args = list(args)
        for i in nums:
            if not -len(args) <= i < len(args):
                raise OperandError(f"grad({name}): argnums {i} is out of range for "
                                   f"{len(args)} positional arguments")
        values_in = any(map(_in_graph, list(args) + list(kwargs.values())))
        mine = []
        with _deeper(), enable_grad():
            for i in nums:
                args[i] = _leaf_for(args[i], f"grad({name})")
                mine.append(args[i])
            out = f(*args, **kwargs)
            graph = values_in or (_in_graph(out) and _depends_on_outside(out, set(mine)))
        if isinstance(out, numbers.Real) and not isinstance(out, Value):
            zeros = [_zero_like(x, values_in) for x in mine]            # f is constant
            return tuple(zeros) if many else zeros[0]
        if not (isinstance(out, Value) or _is_tensor(out)):
            raise OperandError(f"grad({name}): f must return a scalar Value, a one-element "
                               f"Tensor or a number, got {out!r}")
        gs = gradients(out, mine, create_graph=graph)
        return tuple(gs) if many else gs[0]

    gradient.__name__ = f"grad_{name}"
    gradient.__doc__ = f"∂{name}/∂(argument {argnums}) (made by autograd.grad)."
    return gradient


def _forward_over_reverse(f, name, args, kwargs, nums, many):
    """``grad(f)`` at Dual arguments ``x + t·ε``: ``Dual(∇f(x), H(x)·t)`` for the requested
    arguments, which is what forward mode through the gradient computes (forward-over-reverse,
    JAX's ``jvp(grad(f))``). The tangent H·t is computed reverse-over-reverse (:func:`hvp`'s
    two backward passes), which costs the same few passes and needs no Value of Duals."""
    tags = {a.tag for a in args if a.__class__ is Dual}
    plain = all(isinstance(p, numbers.Real) and not isinstance(p, Value)
                for a in args for p in ((a.value, a.tangent) if a.__class__ is Dual else (a,)))
    if len(tags) > 1 or not plain or any(v.__class__ is Dual for v in kwargs.values()):
        raise OperandError(f"grad({name}): forward-over-reverse (jvp of a grad) works on Duals "
                           "of plain numbers from one jvp call, as positional arguments; for "
                           "anything else use hvp(f, primals, tangents)")
    (tag,) = tags
    xs = [a.value if a.__class__ is Dual else a for a in args]
    ts = [a.tangent if a.__class__ is Dual else 0.0 for a in args]
    for i in nums:
        if not -len(xs) <= i < len(xs):
            raise OperandError(f"grad({name}): argnums {i} is out of range for {len(xs)} "
                               "positional arguments")
    with _deeper(), enable_grad():
        leaves = [argument_leaf(float(x), LEVEL.depth) for x in xs]
        out = f(*leaves, **kwargs)
        if not isinstance(out, Value):
            if isinstance(out, numbers.Real):                 # f is constant
                zeros = [Dual(0.0, 0.0, tag) for _ in nums]
                return tuple(zeros) if many else zeros[0]
            raise OperandError(f"grad({name}): f must return a scalar Value or a number, "
                               f"got {out!r}")
        first = gradients(out, leaves, create_graph=True)
        dot = None
        for g, t in zip(first, ts):
            if t:
                dot = g * t if dot is None else dot + g * t
    second = gradients(dot, leaves) if dot is not None else [0.0] * len(leaves)
    duals = [Dual(first[i].data, second[i], tag) for i in nums]
    return tuple(duals) if many else duals[0]


def _zero_like(x, graph):
    if _is_tensor(x):
        return type(x).zeros(x.shape)
    return Value.constant(0.0) if graph else 0.0


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """The function ``(x1, ..., xn) ↦ H`` with ``H[i][j] = ∂²f/∂xi∂xj``, as nested lists of
    floats: one backward pass recording the gradient as a graph, then one backward pass per
    row over that graph."""
    name = getattr(f, "__name__", "f")

    def hess(*args):
        for i, x in enumerate(args):
            if _is_tensor(x):
                raise OperandError(f"hessian({name}): argument {i} is a Tensor; hessian takes "
                                   "numbers or Values (one row and column each). For Tensors "
                                   "use hvp(f, primals, tangents), which gives H·v without "
                                   "forming H")
        with _deeper(), enable_grad():
            xs = [_leaf_for(x, f"hessian({name})") for x in args]
            out = f(*xs)
        if isinstance(out, numbers.Real) and not isinstance(out, Value):
            return [[0.0] * len(xs) for _ in xs]                   # f is constant
        if not isinstance(out, Value):
            raise OperandError(f"hessian({name}): f must return a scalar Value or a number, "
                               f"got {out!r}")
        first = gradients(out, xs, create_graph=True)
        return [gradients(g, xs) for g in first]

    hess.__name__ = f"hessian_{name}"
    return hess


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., tuple]]:
    """``(f(*primals), pullback)``: ``pullback(c)`` gives ``c · ∂f/∂primal_i`` for each primal
    (a tuple), from one recorded forward pass; call it as often as you like.

    Numbers, Values or Tensors. For a Tensor-valued ``f`` the cotangent ``c`` is a Tensor (or
    nested list) of ``f``'s shape; 1.0, the default, is allowed for a one-element result."""
    values_in = any(map(_in_graph, primals))
    with _deeper(), enable_grad():
        xs = [_leaf_for(x, "vjp") for x in primals]
        out = f(*xs)
    if isinstance(out, numbers.Real) and not isinstance(out, Value):
        value = out                                                # f is constant
    elif isinstance(out, Value):
        value = out if values_in else out.data
    elif _is_tensor(out):
        value = out if values_in else out.detach()
    else:
        raise OperandError(f"vjp: f must return a Value, a Tensor or a number, got {out!r}")

    def pullback(cotangent=1.0):
        if not (isinstance(out, Value) or _is_tensor(out)):
            return tuple(_zero_like(x, False) for x in xs)
        graph = values_in or _in_graph(cotangent)
        if _is_tensor(out):
            one = isinstance(cotangent, numbers.Real) and cotangent == 1.0
            seed = None if one else cotangent
            return tuple(gradients(out, xs, create_graph=graph, grad=seed))
        return tuple(gradients(out, xs, create_graph=graph, grad=cotangent))

    return value, pullback


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> list:
    """The Hessian-vector product H·v of ``f`` at ``primals`` along ``tangents``, without
    forming H: H·v = ∇(∇f · v), the gradient of the gradient's dot product with v (two
    backward passes, the second over the graph the first recorded), so it costs a few passes
    over ``f`` whatever the number of inputs. Numbers or Tensors; returns a list like
    ``primals``."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise OperandError(f"hvp: {len(primals)} primals but {len(tangents)} tangents")
    with _deeper(), enable_grad():
        xs = [_leaf_for(x, "hvp") for x in primals]
        out = f(*xs)
        if not (isinstance(out, Value) or _is_tensor(out)):
            return [_zero_like(x, False) for x in xs]
        first = gradients(out, xs, create_graph=True)
        dot = None
        for g, v in zip(first, tangents):
            term = (g * v).sum() if _is_tensor(g) else g * v
            dot = term if dot is None else dot + term
    return gradients(dot, xs)
