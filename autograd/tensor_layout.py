"""Layout ops of the Tensor: reshape, transpose, rows (``take_rows``, ``x[i]``), each one record
with its forward next to its backward and its vjp (see :mod:`autograd.tensor_ops`)."""


from . import kernels as K
from .errors import OperandError, ShapeError
from .shapes import check_shape, permute_index, size_of
from .tensor_base import Tensor, TensorOp, leaf, make


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
            out = K.gather(x.data, permute_index(x.shape, axes))
        return make(out, shape, self, (x,), axes)

    def backward(self, node, g):
        axes = node._ctx
        inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        if len(axes) == 2 and axes == (1, 0):
            return (K.transpose(g, *node.shape) if g else [],)
        return (K.gather(g, permute_index(node.shape, inverse)),)

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


Tensor.reshape = reshape
Tensor.transpose = transpose
Tensor.take_rows = take_rows
Tensor.__getitem__ = getitem
