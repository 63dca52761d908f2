"""The structural Tensor ops, each one record with its forward next to its backward.

Every record states its chain rule in its docstring and has three parts: ``__call__`` (the
forward), ``backward(node, g)`` (flat lists through :mod:`autograd.kernels`: the fast first-order
path) and ``vjp(node, G)`` (the same rule written with Tensor ops, so that
``gradients(..., create_graph=True)`` can differentiate the backward pass again). The methods
of :class:`~autograd.tensor_base.Tensor` that use them (``@``, ``sum``, ``reshape``, ...) are at
the end of this file.

Reductions follow NumPy where it defines them: a sum over an empty axis is 0, ``mean`` and
``max`` over nothing raise a clear error, NaN propagates through ``max``.
"""

import math
from operator import itemgetter, mul

from . import kernels as K
from .errors import OperandError, ShapeError
from .shapes import check_lanes, check_shape, expand, lanes, normalize_axis, permute_index
from .shapes import size_of, unlanes
from .tensor_base import Tensor, TensorOp, as_tensor, leaf, make


def _reduced(shape, axis, keepdims):
    if keepdims:
        return shape[:axis] + (1,) + shape[axis + 1:]
    return shape[:axis] + shape[axis + 1:]


def _gather(data, idx):
    if not idx:
        return []
    if len(idx) == 1:
        return [data[idx[0]]]
    return list(itemgetter(*idx)(data))


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
        if x.size == 0:
            raise ShapeError(f"max: empty tensor of shape {x.shape} (a maximum of nothing is "
                             "undefined)")
        if axis is None:
            where = [_argmax(x.data)]
            out, shape = [x.data[where[0]]], (1,) * x.ndim if keepdims else ()
        else:
            ls = lanes(x.data, x.shape, axis)
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
    """The largest entry over ``axis`` (None or an int)."""
    if axis is not None:
        if isinstance(axis, (tuple, list)):
            raise ShapeError(f"max: one axis at a time (got {axis!r}); reduce the axes in turn")
        axis = normalize_axis(axis, x.ndim, "max")
    return MAX(x, axis, keepdims)


def argmax(x, axis=-1):
    """Index of the (first) largest entry along ``axis`` as plain ints (no gradient): a list
    over the other axes, or one int for ``axis=None`` or a 1-d tensor."""
    if x.size == 0:
        raise ShapeError(f"argmax: empty tensor of shape {x.shape}")
    if axis is None or x.ndim <= 1:
        return _argmax(x.data)
    axis = normalize_axis(axis, x.ndim, "argmax")
    return [_argmax(lane) for lane in lanes(x.data, x.shape, axis)]


# ---- shape ----------------------------------------------------------------------------------------

class Reshape(TensorOp):
    """The same data with a new shape: the gradient is reshaped back."""

    name, symbol, expr, derivs = "reshape", "reshape", "reshape(x)", ("reshape(G)",)

    def __call__(self, x, shape):
        return make(x.data, shape, self, (x,))

    def backward(self, node, g):
        return (g,)

    def vjp(self, node, g):
        return (g.reshape(node._inputs[0].shape),)


class Transpose(TensorOp):
    """The axes permuted: the gradient is permuted back by the inverse permutation."""

    name, symbol, expr, derivs = "transpose", "ᵀ", "xᵀ", ("Gᵀ",)

    def __call__(self, x, axes):
        shape = tuple(x.shape[a] for a in axes)
        if x.ndim == 2 and axes == (1, 0):
            out = K.transpose(x.data, *x.shape) if x.size else []
        else:
            out = _gather(x.data, permute_index(x.shape, axes))
        return make(out, shape, self, (x,), axes)

    def backward(self, node, g):
        axes = node._ctx
        inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        if len(axes) == 2 and axes == (1, 0):
            return (K.transpose(g, *node.shape) if g else [],)
        return (_gather(g, permute_index(node.shape, inverse)),)

    def vjp(self, node, g):
        axes = node._ctx
        return (g.transpose(tuple(sorted(range(len(axes)), key=axes.__getitem__))),)


class TakeRows(TensorOp):
    """Rows ``idx`` along axis 0: each taken row's gradient is added back into the row it came
    from (a scatter-add; in Tensor ops, a product with the one-hot matrix of ``idx``)."""

    name, symbol, expr, derivs = "take_rows", "[·]", "x[idx]", ("scatter-add of G",)

    def __call__(self, x, idx):
        step = size_of(x.shape[1:])
        d = x.data
        out = [v for i in idx for v in d[i * step:(i + 1) * step]]
        return make(out, (len(idx),) + x.shape[1:], self, (x,), idx)

    def backward(self, node, g):
        (x,) = node._inputs
        step = size_of(x.shape[1:])
        out = [0.0] * x.size
        for r, i in enumerate(node._ctx):
            lo = i * step
            out[lo:lo + step] = K.add_same(out[lo:lo + step], g[r * step:(r + 1) * step])
        return (out,)

    def vjp(self, node, g):
        (x,) = node._inputs
        idx, n = node._ctx, x.shape[0]
        onehot = [0.0] * (n * len(idx))          # n × len(idx): column r has a 1 in row idx[r]
        for r, i in enumerate(idx):
            onehot[i * len(idx) + r] = 1.0
        rows = g.reshape(len(idx), size_of(x.shape[1:]))
        return ((leaf(onehot, (n, len(idx))) @ rows).reshape(x.shape),)


RESHAPE, TRANSPOSE, TAKE_ROWS = Reshape(), Transpose(), TakeRows()


def reshape(x, *shape):
    """The same data with a new shape (one size may be -1: inferred)."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    if shape.count(-1) == 1:
        rest = size_of(tuple(s for s in shape if s != -1))
        if rest == 0 or x.size % rest:
            raise ShapeError(f"reshape: cannot infer -1 in {shape} for {x.size} values")
        shape = tuple(x.size // rest if s == -1 else s for s in shape)
    shape = check_shape(shape, "reshape")
    if size_of(shape) != x.size:
        raise ShapeError(f"reshape: cannot reshape {x.shape} ({x.size} values) into "
                         f"{shape} ({size_of(shape)} values)")
    return RESHAPE(x, shape)


def transpose(x, *axes):
    """Permute the axes (default: reverse them)."""
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(x.ndim)))
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise ShapeError(f"transpose: axes must be ints (a permutation of "
                         f"{tuple(range(x.ndim))}), got {axes!r}")
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of "
                         f"{tuple(range(x.ndim))}")
    return TRANSPOSE(x, tuple(a % x.ndim for a in axes))


def take_rows(x, indices):
    """Rows ``indices`` (a list of ints, repeats allowed) along axis 0."""
    if not x.shape:
        raise ShapeError("take_rows: a 0-d tensor has no rows")
    if not isinstance(indices, (list, tuple, range)):
        raise OperandError(f"take_rows: indices must be a list of ints, got {indices!r} of "
                           f"type {type(indices).__name__} (for one row write x[i] or "
                           "take_rows([i]))")
    n = x.shape[0]
    idx = []
    for i in indices:
        if not isinstance(i, int) or isinstance(i, bool):
            raise OperandError(f"take_rows: row indices must be ints, got {i!r}")
        if not -n <= i < n:
            raise ShapeError(f"take_rows: row {i} is out of range for {n} rows")
        idx.append(i % n)
    return TAKE_ROWS(x, idx)


def getitem(x, key):
    """``x[[3, 1, 4]]`` (rows by a list), ``x[2]`` (one row), ``x[1:3]`` (a slice of rows)."""
    if isinstance(key, int) and not isinstance(key, bool):
        return take_rows(x, [key]).reshape(x.shape[1:])
    if isinstance(key, slice):
        return take_rows(x, list(range(*key.indices(len(x)))))
    if isinstance(key, list):
        return take_rows(x, key)
    if isinstance(key, tuple):
        # NumPy reads x[0, 1] as one element; gathering rows 0 and 1 would be silently wrong
        raise OperandError(f"Tensor indexing: x[{', '.join(map(repr, key))}] (a tuple index "
                           f"{key!r}) is not supported; use x[i][j] for one element or "
                           "x[[i, j]] for rows i and j")
    raise OperandError(f"Tensor indexing takes an int, a slice or a list of ints, got {key!r}")


# ---- softmax and the loss -------------------------------------------------------------------------

class _Lanewise(TensorOp):
    """A row-wise kernel applied to every lane along one axis."""

    kernel = None

    def __call__(self, x, axis):
        axis = normalize_axis(axis, x.ndim, self.name)
        if x.size == 0:                          # lanes of nothing: an empty result
            return make([], x.shape, self, (x,), axis)
        check_lanes(x.shape, axis, self.name)
        n = x.shape[axis]
        if axis == x.ndim - 1:
            out = self.kernel(x.data, n)
        else:
            out = unlanes([self.kernel(lane, n) for lane in lanes(x.data, x.shape, axis)],
                          x.shape, axis)
        return make(out, x.shape, self, (x,), axis)


class LogSoftmax(_Lanewise):
    """y = log softmax(x) = x − log Σ exp(x): ∂L/∂x = G − softmax(x) · Σ G (per lane)."""

    name, symbol, expr, derivs = "log_softmax", "log softmax", "log softmax(x)", (
        "G − softmax(x)·ΣG",)
    kernel = staticmethod(K.log_softmax_rows)

    def backward(self, node, g):
        (x,) = node._inputs
        axis = node._ctx
        if not g:
            return ([],)
        out = []
        for s, gl in zip(lanes(list(map(math.exp, node.data)), x.shape, axis),
                         lanes(g, x.shape, axis)):
            t = sum(gl)
            out.append([gi - si * t for gi, si in zip(gl, s)])
        return (unlanes(out, x.shape, axis),)

    def vjp(self, node, g):
        return (g - node.exp() * g.sum(node._ctx, keepdims=True),)


class Softmax(_Lanewise):
    """s = softmax(x): ∂L/∂x = s · (G − Σ G·s) (per lane)."""

    name, symbol, expr, derivs = "softmax", "softmax", "softmax(x)", ("s·(G − Σ G·s)",)
    kernel = staticmethod(K.softmax_rows)

    def backward(self, node, g):
        (x,) = node._inputs
        axis = node._ctx
        if not g:
            return ([],)
        out = []
        for s, gl in zip(lanes(node.data, x.shape, axis), lanes(g, x.shape, axis)):
            t = sum(map(mul, gl, s))
            out.append([si * (gi - t) for gi, si in zip(gl, s)])
        return (unlanes(out, x.shape, axis),)

    def vjp(self, node, g):
        return (node * (g - (g * node).sum(node._ctx, keepdims=True)),)


class CrossEntropy(TensorOp):
    """Mean softmax cross-entropy of logits (N, C) and integer labels (N ints):
    L = (1/N) Σ_i [log Σ_j exp(x_ij) − x_i,y_i] (log-sum-exp shifted by the row max).
    ∂L/∂x = (softmax(x) − onehot(y)) · G / N."""

    name, symbol, expr, derivs = "cross_entropy", "CE", "CE(x, y)", ("(softmax(x) − onehot)/N",)

    def __call__(self, logits, labels):
        labels = _check_labels(logits, labels)
        n, c = logits.shape
        logp = K.log_softmax_rows(logits.data, c)
        loss = -sum(logp[i * c + y] for i, y in enumerate(labels)) / n
        return make([loss], (), self, (logits,), (labels, logp))

    def _onehot(self, node):
        (x,) = node._inputs
        labels = node._ctx[0]
        c = x.shape[1]
        out = [0.0] * x.size
        for i, y in enumerate(labels):
            out[i * c + y] = 1.0
        return out

    def backward(self, node, g):
        (x,) = node._inputs
        s = g[0] / x.shape[0]
        out = [math.exp(v) * s for v in node._ctx[1]]
        labels, c = node._ctx[0], x.shape[1]
        for i, y in enumerate(labels):
            out[i * c + y] -= s
        return (out,)

    def vjp(self, node, g):
        (x,) = node._inputs
        return ((x.softmax(-1) - leaf(self._onehot(node), x.shape)) * (g * (1.0 / x.shape[0])),)


def _check_labels(logits, labels):
    if not isinstance(logits, Tensor) or logits.ndim != 2:
        raise ShapeError("cross_entropy: logits must be a 2-d Tensor (N, C), got "
                         f"{getattr(logits, 'shape', type(logits).__name__)}")
    n, c = logits.shape
    if isinstance(labels, Tensor):
        labels = labels.data
    if not isinstance(labels, (list, tuple, range)):
        raise OperandError(f"cross_entropy: labels must be a list of ints (one per row of the "
                           f"{n} × {c} logits), got {labels!r} of type {type(labels).__name__}")
    labels = list(labels)
    if len(labels) != n:
        raise ShapeError(f"cross_entropy: {n} rows of logits but {len(labels)} labels")
    for i, y in enumerate(labels):
        if isinstance(y, float) and y.is_integer():
            y = labels[i] = int(y)
        if not isinstance(y, int) or isinstance(y, bool) or not 0 <= y < c:
            raise OperandError(f"cross_entropy: label {i} is {y!r}; labels must be ints in "
                               f"[0, {c})")
    if n == 0:
        raise ShapeError("cross_entropy: no rows (the mean of nothing is undefined)")
    return labels


LOG_SOFTMAX, SOFTMAX, CROSS_ENTROPY = LogSoftmax(), Softmax(), CrossEntropy()


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy of ``logits`` (N, C) and integer ``labels`` (N ints)."""
    return CROSS_ENTROPY(logits, labels)


# ---- the methods ------------------------------------------------------------------------------------

Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(as_tensor(other, "matmul"), self)
Tensor.sum = tensor_sum
Tensor.mean = tensor_mean
Tensor.max = tensor_max
Tensor.argmax = argmax
Tensor.reshape = reshape
Tensor.transpose = transpose
Tensor.take_rows = take_rows
Tensor.__getitem__ = getitem
Tensor.log_softmax = lambda self, axis=-1: LOG_SOFTMAX(self, axis)
Tensor.softmax = lambda self, axis=-1: SOFTMAX(self, axis)
Tensor.cross_entropy = cross_entropy
Tensor.log_softmax.__doc__ = LogSoftmax.__doc__
Tensor.softmax.__doc__ = Softmax.__doc__
