"""``SparseRows``: a constant batch of mostly-zero input rows (MNIST images are ~81% zeros).

>>> from autograd.sparse import SparseRows
>>> from autograd import Tensor
>>> X = SparseRows([([0, 2], [1.0, 3.0]), ([], [])], ncols=3)    # [[1, 0, 3], [0, 0, 0]]
>>> W = Tensor([[1.0], [2.0], [3.0]], requires_grad=True)
>>> (X @ W).tolist()
[[10.0], [0.0]]

A row is stored as its nonzero ``(indices, values)`` — exactly what the dataset's
``sparse_rows(indices)`` returns — and ``X @ W`` only reads the weight rows of nonzero entries
(forward) and only computes the gradient rows of entries nonzero somewhere in the batch
(``∂L/∂W = Xᵀ·G``). The batch is an input, never a parameter: it gets no gradient.

When ``W`` is a parameter (a leaf), ``backward()`` leaves ``W.grad`` as a
:class:`RowGradTensor`: a Tensor whose numbers are computed from the factors ``Xᵀ`` and ``G``
the first time anything reads ``.data`` (printing it, ``.tolist()``, any op on it: the same
numbers, bit for bit, an eager backward gives). Until then plain SGD
(:meth:`nn.optim.SGD.step`) applies it with :meth:`RowGradTensor.sgd_step`: ``W − lr·Xᵀ·G``
computed row by row in one pass, touching only the rows of pixels that occur in the batch (the
others' gradient is exactly 0 and ``w − lr·0 = w``), without the full 784×H gradient list.

>>> y = (X @ W).sum()
>>> y.backward()
>>> type(W.grad).__name__, W.grad.tolist()        # read: materialized, as usual
('RowGradTensor', [[1.0], [0.0], [3.0]])
"""

import math
import numbers
from itertools import repeat
from operator import mul, sub

from . import kernels as K
from .errors import OperandError, ShapeError
from .tensor_base import Tensor, TensorOp, init, leaf, make

_new = object.__new__

_FLOAT = {float}
_INT = {int}


class SparseRows:
    """``n`` rows of width ``ncols``, each a pair ``(indices, values)`` of its nonzero entries."""

    __slots__ = ("rows", "ncols", "_dense")
    requires_grad = False

    def __init__(self, rows, ncols):
        if not isinstance(ncols, int) or ncols < 0:
            raise ShapeError(f"SparseRows: ncols must be a non-negative int, got {ncols!r}")
        checked = []
        for r, row in enumerate(rows):
            try:
                idx, vals = row
            except (TypeError, ValueError):
                raise OperandError(f"SparseRows: row {r} must be a pair (indices, values), "
                                   f"got {row!r}") from None
            idx, vals = list(idx), list(vals)
            if not set(map(type, vals)) <= _FLOAT:          # C-level type scan, then convert
                vals = [float(v) if isinstance(v, numbers.Real) else _bad(r, v) for v in vals]
            if len(idx) != len(vals):
                raise ShapeError(f"SparseRows: row {r} has {len(idx)} indices but "
                                 f"{len(vals)} values")
            if idx and (not set(map(type, idx)) <= _INT or min(idx) < 0 or max(idx) >= ncols):
                bad = next(i for i in idx if type(i) is not int or not 0 <= i < ncols)
                if type(bad) is not int:
                    raise OperandError(f"SparseRows: row {r} has index {bad!r} of type "
                                       f"{type(bad).__name__}; indices must be ints in "
                                       f"[0, {ncols})")
                raise ShapeError(f"SparseRows: row {r} has index {bad!r}, outside "
                                 f"[0, {ncols})")
            if len(set(idx)) != len(idx):
                # densify keeps the last value of a repeated index but the sparse product sums
                # them all: refuse rather than let forward and backward disagree
                seen = set()
                dup = next(i for i in idx if i in seen or seen.add(i))
                raise ShapeError(f"SparseRows: row {r} repeats index {dup}")
            checked.append((idx, vals))
        self.rows = checked
        self.ncols = ncols
        self._dense = None

    def dense_rows(self):
        """The rows as dense tuples (computed once, shared by forward and backward)."""
        if self._dense is None:
            self._dense = K.densify(self.rows, self.ncols)
        return self._dense

    @classmethod
    def from_dense(cls, rows):
        """Keep the nonzero entries of dense rows (lists of numbers)."""
        rows = [list(r) for r in rows]
        ncols = len(rows[0]) if rows else 0
        out = []
        for r, row in enumerate(rows):
            if len(row) != ncols:
                raise ShapeError(f"SparseRows.from_dense: row {r} has {len(row)} items, "
                                 f"expected {ncols}")
            idx = [i for i, v in enumerate(row) if v]
            out.append((idx, [row[i] for i in idx]))
        return cls(out, ncols)

    @property
    def shape(self):
        return (len(self.rows), self.ncols)

    def __len__(self):
        return len(self.rows)

    def density(self):
        """Share of entries that are nonzero."""
        n = len(self.rows) * self.ncols
        return sum(len(i) for i, _ in self.rows) / n if n else 0.0

    def to_dense(self):
        """The same batch as a dense constant :class:`~autograd.tensor.Tensor`."""
        flat = [v for row in self.dense_rows() for v in row]
        return leaf(flat, self.shape)

    def __matmul__(self, w):
        """``X @ W`` (n × ncols @ ncols × m) through :func:`autograd.kernels.sparse_matmul`."""
        if not isinstance(w, Tensor):
            raise OperandError(f"matmul: SparseRows @ {type(w).__name__}: the right operand must "
                               "be a Tensor")
        if w.ndim != 2 or w.shape[0] != self.ncols:
            inner = w.shape[0] if w.ndim == 2 else None
            why = (f"inner sizes {self.ncols} and {inner} differ" if inner is not None
                   else "the right operand must be 2-d")
            raise ShapeError(f"matmul: {self.shape} @ {w.shape}: {why}")
        return SPARSE_MATMUL(self, w)

    def __repr__(self):
        return f"SparseRows(shape={self.shape}, density={self.density():.3f})"


def _bad(r, v):
    raise OperandError(f"SparseRows: row {r} has value {v!r} of type {type(v).__name__}, "
                       "expected a real number")


class SparseMatMul(TensorOp):
    """Y = X @ W with a constant sparse batch X: ∂L/∂W = Xᵀ · G, touching only the weight rows
    of pixels that are nonzero somewhere in the batch. X gets no gradient (it is an input)."""

    name, symbol, expr, derivs = "sparse_matmul", "@", "X @ W", ("Xᵀ @ G",)

    def __call__(self, x, w):
        n, m = len(x.rows), w.shape[1]
        if not (n and m and x.ncols):            # an empty axis: nothing to multiply
            return make([0.0] * (n * m), (n, m), self, (w,), x)
        dense = x.dense_rows() if x.density() > K.SPARSE_DENSITY else None
        return make(K.sparse_matmul(x.rows, x.ncols, w.data, m, dense), (n, m), self, (w,), x)

    def backward(self, node, g):
        (w,) = node._inputs
        x = node._ctx
        if not (len(x.rows) and w.shape[1] and x.ncols):
            return ([0.0] * w.size,)
        if w._op is None:                  # a parameter: keep the factors (RowGradient)
            return (RowGradient(x.dense_rows(), g, w.shape),)
        return (K.sparse_t_matmul(x.dense_rows(), g, w.shape[1]),)

    def vjp(self, node, g):
        return (node._ctx.to_dense().T @ g,)


SPARSE_MATMUL = SparseMatMul()


class RowGradient:
    """``Xᵀ @ G`` (the gradient of ``X @ W`` for W of ``shape``) as its factors: the columns of
    X that are nonzero somewhere in the batch (``active``, their indices) and the columns of G,
    all tuples (nothing the caller keeps can change them). It is a flat sequence (``len``,
    ``iter``, indexing materialize it once, as :func:`autograd.kernels.sparse_t_matmul` gives
    it), so the engine's sums treat it as a list; :meth:`sgd` applies it without materializing.
    """

    __slots__ = ("shape", "active", "xcols", "gcols", "_flat")

    def __init__(self, dense, g, shape):
        xt = list(zip(*dense))
        self.shape = shape
        self.active = [i for i, col in enumerate(xt) if any(col)]
        self.xcols = [xt[i] for i in self.active]
        self.gcols = K.columns(g, shape[1])
        self._flat = None

    def flat(self):
        """The gradient as a flat list (computed once)."""
        if self._flat is None:
            nrows, m = self.shape
            out = [0.0] * (nrows * m)
            if self.xcols:
                block = K.products(self.xcols, self.gcols)
                for k, i in enumerate(self.active):
                    out[i * m:(i + 1) * m] = block[k * m:(k + 1) * m]
            self._flat = out
        return self._flat

    def __len__(self):
        return self.shape[0] * self.shape[1]

    def __iter__(self):
        return iter(self.flat())

    def __getitem__(self, i):
        return self.flat()[i]

    def as_grad(self, shape):
        """The ``.grad`` Tensor the engine stores on the parameter."""
        t = _new(RowGradTensor)
        init(t, None, shape, "", False)
        t._pending = self
        return t

    def sgd(self, w, lr):
        """``w ← w − lr·(Xᵀ @ G)`` in place on the active rows, bit for bit as
        ``axpy(w, -lr, self.flat())``: the rows of pixels absent from the batch have a
        gradient of exactly +0 and ``w − 0·lr = w`` for every float w (lr finite, ≥ 0)."""
        m = self.shape[1]
        offsets = [i * m for i in self.active]
        if not offsets:
            return
        if K.is_small(self.xcols, self.gcols):          # products' exact branch
            block = K.dot_rows_exact(self.xcols, self.gcols)
            rl = repeat(lr)
            for k, o in enumerate(offsets):
                w[o:o + m] = map(sub, w[o:o + m], map(mul, block[k * m:(k + 1) * m], rl))
        else:
            K.dot_rows(self.xcols, self.gcols, sgd=(w, offsets, lr))


_DATA = Tensor.data                       # the slot under RowGradTensor's data property


class RowGradTensor(Tensor):
    """``W.grad`` after a backward through ``SparseRows @ W``: a Tensor whose ``data`` is
    computed on first read (exactly the eager numbers), or applied by :meth:`sgd_step`
    without ever being built. Writing ``data`` replaces it, as for any Tensor."""

    __slots__ = ("_pending",)

    @property
    def data(self):
        pending = self._pending
        if pending is not None:
            _DATA.__set__(self, pending.flat())
            self._pending = None
        return _DATA.__get__(self)

    @data.setter
    def data(self, value):
        self._pending = None
        _DATA.__set__(self, value)

    @property
    def materialized(self):
        """Whether the numbers exist (read, written, or summed with another gradient)."""
        return self._pending is None

    def sgd_step(self, w, lr):
        """Plain SGD on the parameter data ``w`` (a flat list): ``w − lr·grad`` in place,
        rows of pixels absent from the batch untouched; True when done. False (nothing done:
        take the ordinary path) once the numbers were materialized, since a reader may have
        changed them, or when ``lr`` is not a finite number ≥ 0 (then ``w − lr·0`` need not
        be ``w``) or ``w`` is not a list of the gradient's size."""
        pending = self._pending
        if (pending is None or type(w) is not list or len(w) != len(pending)
                or not (isinstance(lr, (int, float)) and 0.0 <= lr < math.inf)):
            return False
        pending.sgd(w, float(lr))
        return True
