"""The structural Tensor ops, each one record with its forward next to its backward.

Every record states its chain rule in its docstring and has three parts: ``__call__`` (the
forward), ``backward(node, g)`` (flat lists through :mod:`autograd.kernels`: the fast first-order
path) and ``vjp(node, G)`` (the same rule written with Tensor ops, so that
``gradients(..., create_graph=True)`` can differentiate the backward pass again). This module
has the products and the reductions (``@``, ``sum``, ``mean``, ``max``); the layout ops are in
:mod:`autograd.tensor_layout`, softmax and the loss in :mod:`autograd.tensor_softmax`. Each
module attaches its methods to :class:`~autograd.tensor_base.Tensor` at its end.

Reductions follow NumPy where it defines them: a sum over an empty axis is 0, ``mean`` and
``max`` over nothing raise a clear error, NaN propagates through ``max``.
"""


from . import kernels as K
from .errors import ShapeError
from .shapes import expand, lanes, normalize_axis
from .shapes import size_of, unlanes
from .tensor_base import Tensor, TensorOp, as_tensor, leaf, make


def _reduced(shape, axis, keepdims):
    if keepdims:
        return shape[:axis] + (1,) + shape[axis + 1:]
    return shape[:axis] + shape[axis + 1:]


def _broadcast_back(g, shape, keep_shape):
    """The gradient of a reduction, ``g`` (of ``keep_shape``, the kept-dims shape), spread over
    ``shape`` in Tensor ops (an add with zeros: broadcasting, differentiable)."""
    return g.reshape(keep_shape) + Tensor.zeros(shape)


# ---- products -----------------------------------------------------------------------------------

class MatMul(TensorOp):
    """C = A @ B for A (n × k), B (k × m): ∂L/∂A = G · Bᵀ, ∂L/∂B = Aᵀ · G."""

    name, symbol, expr, derivs = "matmul", "@", "A @ B", ("G @ Bᵀ", "Aᵀ @ G")

    def __call__(self, a, b):
        (n, k), m = a.shape, b.shape[1]
        out = K.matmul(a.data, n, k, b.data, m) if n and k and m else [0.0] * (n * m)
        return make(out, (n, m), self, (a, b))

    def backward(self, node, g):
        a, b = node._inputs
        (n, k), m = a.shape, b.shape[1]
        if not (n and k and m):                  # an empty axis: the gradients are all zeros
            return ([0.0] * (n * k) if a.requires_grad else None,
                    [0.0] * (k * m) if b.requires_grad else None)
        ga = K.products(K.tuple_rows(g, m), K.tuple_rows(b.data, m)) if a.requires_grad else None
        gb = K.products(K.columns(a.data, k), K.columns(g, m)) if b.requires_grad else None
        return ga, gb

    def vjp(self, node, g):
        a, b = node._inputs
        return (g @ b.T if a.requires_grad else None, a.T @ g if b.requires_grad else None)


class BatchMatMul(TensorOp):
    """C[i] = A[i] @ B[i] over a batch axis: (b, n, k) @ (b, k, m); the rule of matmul per i."""

    name, symbol, expr, derivs = "batch_matmul", "@", "A[i] @ B[i]", ("G[i] @ B[i]ᵀ",
                                                                      "A[i]ᵀ @ G[i]")

    def __call__(self, a, b):
        (nb, n, k), m = a.shape, b.shape[2]
        out = []
        for i in range(nb):
            out.extend(K.matmul(a.data[i * n * k:(i + 1) * n * k], n, k,
                                b.data[i * k * m:(i + 1) * k * m], m) if n and k and m
                       else [0.0] * (n * m))
        return make(out, (nb, n, m), self, (a, b))

    def backward(self, node, g):
        a, b = node._inputs
        (nb, n, k), m = a.shape, b.shape[2]
        ga, gb = [], []
        for i in range(nb):
            gi = g[i * n * m:(i + 1) * n * m]
            ai, bi = a.data[i * n * k:(i + 1) * n * k], b.data[i * k * m:(i + 1) * k * m]
            if not (n and k and m):
                ga.extend([0.0] * (n * k))
                gb.extend([0.0] * (k * m))
                continue
            ga.extend(K.products(K.tuple_rows(gi, m), K.tuple_rows(bi, m)))
            gb.extend(K.products(K.columns(ai, k), K.columns(gi, m)))
        return (ga if a.requires_grad else None, gb if b.requires_grad else None)

    def vjp(self, node, g):
        a, b = node._inputs
        return (BATCH_MATMUL(g, b.transpose(0, 2, 1)) if a.requires_grad else None,
                BATCH_MATMUL(a.transpose(0, 2, 1), g) if b.requires_grad else None)


MATMUL, BATCH_MATMUL = MatMul(), BatchMatMul()


def matmul(a, b):
    """``a @ b`` as NumPy does it: 2-d @ 2-d; a vector on either side (as a row on the left, a
    column on the right, dropped from the result); a stack (..., n, k) @ (k, m); and batches
    (..., n, k) @ (..., k, m) with the same leading sizes."""
    b = as_tensor(b, "matmul")
    sa, sb = a.shape, b.shape
    if not sa or not sb:
        raise ShapeError(f"matmul: {sa} @ {sb}: a 0-d tensor has no rows (use * to scale)")
    if len(sb) == 1:                             # (..., k) @ (k,): a column, dropped after
        if sa[-1] != sb[0]:
            raise ShapeError(f"matmul: {sa} @ {sb}: inner sizes {sa[-1]} and {sb[0]} differ")
        if len(sa) == 1:
            return matmul(a.reshape(1, sa[0]), b.reshape(sb[0], 1)).reshape(())
        return matmul(a, b.reshape(sb[0], 1)).reshape(sa[:-1])
    if len(sa) == 1:                             # (k,) @ (..., k, m): a row, dropped after
        if sa[0] != sb[-2]:
            raise ShapeError(f"matmul: {sa} @ {sb}: inner sizes {sa[0]} and {sb[-2]} differ")
        if len(sb) == 2:
            return matmul(a.reshape(1, sa[0]), b).reshape(sb[1:])
        swapped = tuple(range(len(sb) - 2)) + (len(sb) - 1, len(sb) - 2)
        return matmul(b.transpose(swapped), a)
    if sa[-1] != sb[-2]:
        raise ShapeError(f"matmul: {sa} @ {sb}: inner sizes {sa[-1]} and {sb[-2]} differ")
    if len(sb) == 2:
        if len(sa) == 2:
            return MATMUL(a, b)
        rows = MATMUL(a.reshape(size_of(sa[:-1]), sa[-1]), b)
        return rows.reshape(sa[:-1] + (sb[1],))          # a stack: one 2-d product
    if sa[:-2] != sb[:-2]:
        raise ShapeError(f"matmul: {sa} @ {sb}: batched products need the same leading sizes "
                         f"({sa[:-2]} and {sb[:-2]} differ), or a 2-d right operand")
    nb = size_of(sa[:-2])
    out = BATCH_MATMUL(a.reshape((nb,) + sa[-2:]), b.reshape((nb,) + sb[-2:]))
    return out.reshape(sa[:-1] + sb[-1:])


# ---- reductions ---------------------------------------------------------------------------------

class Sum(TensorOp):
    """Σ over one axis (or all): ∂/∂x = 1 for every summed x, so the gradient is broadcast
    back over the summed axis. A sum over an empty axis is 0."""

    name, symbol, expr, derivs = "sum", "Σ", "Σ x", ("1 (G broadcast back)",)

    def __call__(self, x, axis, keepdims):
        if axis is None:
            return make([sum(x.data)], (1,) * x.ndim if keepdims else (), self, (x,), None)
        shape = _reduced(x.shape, axis, keepdims)
        if size_of(x.shape) == 0:
            out = [0.0] * size_of(shape)
        else:
            out = list(map(sum, lanes(x.data, x.shape, axis)))
        return make(out, shape, self, (x,), axis)

    def backward(self, node, g):
        (x,) = node._inputs
        axis = node._ctx
        if axis is None:
            return ([g[0]] * x.size,)
        return (expand(g, _reduced(x.shape, axis, True), x.shape),)

    def vjp(self, node, g):
        (x,) = node._inputs
        axis = node._ctx
        keep = (1,) * x.ndim if axis is None else _reduced(x.shape, axis, True)
        return (_broadcast_back(g, x.shape, keep),)


class Max(TensorOp):
    """The largest entry over one axis (or all); the gradient goes to the first largest entry
    (or the first NaN: NaN is never hidden), the others get 0."""

    name, symbol, expr, derivs = "amax", "max", "max x", ("1 at the argmax, else 0",)

    def __call__(self, x, axis, keepdims):
        if axis is None and x.size == 0:
            raise ShapeError(f"max: empty tensor of shape {x.shape} (a maximum of nothing is "
                             "undefined)")
        if axis is not None and x.shape[axis] == 0:
            raise ShapeError(f"max: axis {axis} of shape {x.shape} is empty (a maximum of "
                             "nothing is undefined)")
        if axis is None:
            where = [_argmax(x.data)]
            out, shape = [x.data[where[0]]], (1,) * x.ndim if keepdims else ()
        else:
            ls = lanes(x.data, x.shape, axis) if x.size else []    # another axis is empty
            where = list(map(_argmax, ls))
            out = [lane[w] for lane, w in zip(ls, where)]
            shape = _reduced(x.shape, axis, keepdims)
        return make(out, shape, self, (x,), (axis, where))

    def _mask(self, node):
        (x,) = node._inputs
        axis, where = node._ctx
        if axis is None:
            out = [0.0] * x.size
            out[where[0]] = 1.0
            return out
        ls = []
        for w in where:
            lane = [0.0] * x.shape[axis]
            lane[w] = 1.0
            ls.append(lane)
        return unlanes(ls, x.shape, axis)

    def backward(self, node, g):
        (x,) = node._inputs
        axis, where = node._ctx
        if axis is None:
            out = [0.0] * x.size
            out[where[0]] = g[0]
            return (out,)
        ls = []
        for w, gi in zip(where, g):
            lane = [0.0] * x.shape[axis]
            lane[w] = gi
            ls.append(lane)
        return (unlanes(ls, x.shape, axis),)

    def vjp(self, node, g):
        (x,) = node._inputs
        axis = node._ctx[0]
        keep = (1,) * x.ndim if axis is None else _reduced(x.shape, axis, True)
        return (_broadcast_back(g, x.shape, keep) * leaf(self._mask(node), x.shape),)


def _argmax(lane):
    m = max(lane)
    if m != m or any(v != v for v in lane):      # a NaN: max() would skip it
        return next(i for i, v in enumerate(lane) if v != v)
    return lane.index(m)


SUM, MAX = Sum(), Max()


def _axes(axis, ndim, what):
    """A tuple of distinct normalized axes from an int or a tuple of ints."""
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(normalize_axis(a, ndim, what) for a in axes)
    if len(set(out)) != len(out):
        raise ShapeError(f"{what}: axis {axis!r} repeats an axis")
    return out


def tensor_sum(x, axis=None, keepdims=False):
    """Σ over ``axis``: None (all), an int or a tuple of ints (one sum per axis)."""
    if axis is None:
        return SUM(x, None, keepdims)
    axes = _axes(axis, x.ndim, "sum")
    out = x
    for ax in sorted(axes, reverse=True):
        out = SUM(out, ax, True)
    return out if keepdims else out.reshape(tuple(s for i, s in enumerate(x.shape)
                                                  if i not in axes))


def tensor_mean(x, axis=None, keepdims=False):
    """Σ / count over ``axis`` (None, an int or a tuple of ints)."""
    axes = tuple(range(x.ndim)) if axis is None else _axes(axis, x.ndim, "mean")
    count = size_of(tuple(x.shape[a] for a in axes))
    if count == 0:
        raise ShapeError(f"mean: no elements to average over axis {axis!r} of shape {x.shape} "
                         "(the mean of nothing is undefined)")
    return tensor_sum(x, axis, keepdims) * (1.0 / count)


def tensor_max(x, axis=None, keepdims=False):
    """The largest entry over ``axis``: None (all), an int or a tuple of ints (one axis after
    the other). Over an empty axis it is an error; the other axes may be empty (as in NumPy:
    the maximum over axis 1 of a (0, 3) tensor has shape (0,))."""
    if axis is None:
        return MAX(x, None, keepdims)
    axes = _axes(axis, x.ndim, "max")
    if len(axes) == 1:
        return MAX(x, axes[0], keepdims)
    empty = [a for a in axes if x.shape[a] == 0]
    if empty:
        raise ShapeError(f"max: axis {empty[0]} of shape {x.shape} is empty (a maximum of "
                         "nothing is undefined)")
    out = x
    for ax in sorted(axes, reverse=True):
        out = MAX(out, ax, True)
    return out if keepdims else out.reshape(tuple(s for i, s in enumerate(x.shape)
                                                  if i not in axes))


def argmax(x, axis=-1):
    """Index of the (first) largest entry along ``axis`` as plain ints (no gradient): a list
    over the other axes, or one int for ``axis=None`` or a 1-d tensor."""
    if x.size == 0:
        raise ShapeError(f"argmax: empty tensor of shape {x.shape}")
    if axis is None or x.ndim <= 1:
        return _argmax(x.data)
    axis = normalize_axis(axis, x.ndim, "argmax")
    return [_argmax(lane) for lane in lanes(x.data, x.shape, axis)]


# ---- the methods ---------------------------------------------------------------------------------

Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(as_tensor(other, "matmul"), self)
Tensor.sum = tensor_sum
Tensor.mean = tensor_mean
Tensor.max = tensor_max
Tensor.argmax = argmax
