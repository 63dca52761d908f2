"""``Tensor``: a pure-Python n-dimensional array that records its computation graph.

>>> from autograd import Tensor
>>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> x = Tensor([[1.0, -1.0]])
>>> loss = (x @ W).tanh().sum()
>>> loss.backward()
>>> W.grad.shape
(2, 2)

Storage is a flat row-major Python list of floats (``.data``) plus a shape tuple. Elementwise
operators take their math from :mod:`autograd.ops` (``forward`` for values, ``local`` for the
derivative), so a Tensor and a Value can never disagree; hot loops live in
:mod:`autograd.kernels`.

A node stores its op name, its input tensors and whatever its backward needs (``_ctx``) as
plain data, never a closure, so graphs have no reference cycles. ``backward()`` walks the graph
with :func:`autograd.engine.backward_order` (iterative Kahn order) and dispatches on the op name
to the functions in ``_BACKWARD`` below, each of which states its math.

Only tensors with ``requires_grad=True`` (parameters) and the tensors computed from them get a
graph edge and a gradient: inputs such as a batch of images cost no gradient computation.
"""

import math
import numbers
import random as _random
from itertools import repeat
from operator import itemgetter, mul, neg

from . import install as _install
from . import kernels as K
from . import ops as _ops
from .engine import STATE, backward_order
from .errors import AnomalyError, ChainruleError, FloatOverflow, OperandError, ShapeError
from .shapes import (broadcast_shape, check_lanes, check_shape, expand, flatten, lanes, nest,
                     normalize_axis, permute_index, reduce_to, size_of, unlanes)

_new = object.__new__
_first = itemgetter(0)
_second = itemgetter(1)


class Tensor:
    """An n-dimensional array of floats with reverse-mode autodiff.

    ``Tensor(data, shape=None, label="", requires_grad=False)``: ``data`` is a number, a nested
    list (its shape is inferred) or a flat list with an explicit ``shape``.
    """

    __slots__ = ("data", "shape", "grad", "label", "requires_grad",
                 "_op", "_inputs", "_prev", "_ctx", "_g", "_n", "__weakref__")
    __chainrule_tensor__ = True
    __chainrule_defer__ = True       # Value ⊕ Tensor: the Tensor's reflected operator handles it
    __chainrule_array__ = True       # ops.step/sign/split give constant arrays for arrays

    def __init__(self, data, shape=None, label="", requires_grad=False):
        if isinstance(data, Tensor):
            data, shape = list(data.data), data.shape if shape is None else shape
        if shape is None:
            flat, shape = flatten(data)
        else:
            shape = check_shape(shape)
            if not isinstance(data, (list, tuple)):
                data = [data]
            flat, _ = flatten(list(data))
            if len(flat) != size_of(shape):
                raise ShapeError(f"Tensor(): {len(flat)} values do not fill shape {shape} "
                                 f"({size_of(shape)} values)")
        if not isinstance(label, str):
            raise OperandError(f"Tensor(label=...) takes a string, got {label!r}")
        _init(self, flat, shape, label, bool(requires_grad))

    # ---- constructors ---------------------------------------------------------------------------

    @classmethod
    def zeros(cls, shape, requires_grad=False, label=""):
        """All zeros."""
        shape = check_shape(shape, "zeros")
        return _leaf([0.0] * size_of(shape), shape, requires_grad, label)

    @classmethod
    def ones(cls, shape, requires_grad=False, label=""):
        """All ones."""
        shape = check_shape(shape, "ones")
        return _leaf([1.0] * size_of(shape), shape, requires_grad, label)

    @classmethod
    def randn(cls, shape, std=1.0, seed=None, requires_grad=False, label=""):
        """Normal samples N(0, std²); ``seed`` is an int or a ``random.Random``."""
        shape = check_shape(shape, "randn")
        g = _rng(seed).gauss
        return _leaf([g(0.0, std) for _ in range(size_of(shape))], shape, requires_grad, label)

    @classmethod
    def uniform(cls, shape, low=0.0, high=1.0, seed=None, requires_grad=False, label=""):
        """Uniform samples on [low, high); ``seed`` is an int or a ``random.Random``."""
        shape = check_shape(shape, "uniform")
        u = _rng(seed).uniform
        return _leaf([u(low, high) for _ in range(size_of(shape))], shape, requires_grad, label)

    @staticmethod
    def sparse_rows(rows, ncols):
        """A batch of sparse input rows (``[(indices, values), ...]``) as :class:`SparseRows`."""
        from .sparse import SparseRows
        return SparseRows(rows, ncols)

    # ---- introspection --------------------------------------------------------------------------

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return len(self.data)

    @property
    def op(self):
        """The name of the op that made this tensor ("matmul", "tanh", ...) or None for a leaf."""
        return self._op

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return self.transpose()

    def is_leaf(self):
        return self._op is None

    def tolist(self):
        """The data as nested lists (a float for a 0-d tensor)."""
        return nest(self.data, self.shape)

    def item(self):
        """The single number of a one-element tensor."""
        if len(self.data) != 1:
            raise ShapeError(f"item(): needs a one-element tensor, got shape {self.shape}")
        return self.data[0]

    def detach(self):
        """The same data with no graph and no gradient."""
        return _leaf(self.data, self.shape, False, self.label)

    def __len__(self):
        if not self.shape:
            raise ShapeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        """The rows along axis 0 (each a tensor in the graph, like ``x[i]``)."""
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        if self.size > 20:
            shown = f"[{', '.join(f'{v:.4g}' for v in self.data[:6])}, ...]"
        else:
            shown = repr(self.tolist())
        return f"Tensor({shown}, shape={self.shape}{grad}{label})"

    __hash__ = object.__hash__

    # ---- back-propagation -----------------------------------------------------------------------

    def backward(self, grad=None):
        """Fill ``.grad`` of every tensor this one depends on with ∂self/∂tensor (times ``grad``).

        With no argument the tensor must have one element (a loss) and is seeded with 1;
        otherwise pass a Tensor of the same shape. Leaf gradients *accumulate* across calls
        (twice = exactly doubled; reset with ``t.grad = None``); interior tensors hold the
        gradient of the latest pass.
        """
        if not self.requires_grad:
            raise OperandError("backward(): this tensor does not depend on any tensor with "
                               "requires_grad=True; create parameters with "
                               "Tensor(..., requires_grad=True)")
        if grad is None:
            if len(self.data) != 1:
                raise ShapeError(f"backward(): a tensor of shape {self.shape} needs an explicit "
                                 "gradient: backward(Tensor of the same shape)")
            seed = [1.0]
        else:
            if not isinstance(grad, Tensor):
                grad = Tensor(grad)
            if grad.shape != self.shape and not (grad.size == 1 == self.size):
                raise ShapeError(f"backward(grad): grad has shape {grad.shape}, "
                                 f"expected {self.shape}")
            seed = list(grad.data)
        anomaly = STATE.anomaly
        for node in backward_order(self):          # self first, then every input it reaches
            g = seed if node is self else node._g
            node._g = None
            if node._op is None:
                if node.grad is None:
                    node.grad = _leaf(list(g), node.shape, False, "")
                else:
                    node.grad = _leaf(K.add_same(node.grad.data, g), node.shape, False, "")
                continue
            node.grad = _leaf(g, node.shape, False, "")
            grads = _backward_for(node._op)(node, g)
            for parent, pg in zip(node._inputs, grads):
                if pg is None or not parent.requires_grad:
                    continue
                if anomaly and not all(map(math.isfinite, pg)):
                    raise AnomalyError(f"anomaly: backward of {node._op} gave a NaN/inf "
                                       f"gradient for an input of shape {parent.shape}")
                parent._g = pg if parent._g is None else K.add_same(parent._g, pg)

    # ---- elementwise arithmetic -----------------------------------------------------------------

    # Every elementwise op of the table (operators, relu/tanh/..., maximum/minimum, ops added
    # later with register_op) is attached below by autograd.install, from _binary_method,
    # _unary_method and _power.

    @classmethod
    def constant(cls, x):
        """A number as a 0-d constant tensor."""
        return _as_tensor(x, "Tensor.constant")

    @classmethod
    def piecewise(cls, f, *args):
        """``f`` applied element by element to the broadcast values of ``args`` (tensors or
        numbers), as a constant tensor: how ``ops.step``/``sign``/``split`` run on arrays."""
        ts = [_as_tensor(x, "piecewise") for x in args]
        shape = ts[0].shape
        for t in ts[1:]:
            shape = broadcast_shape(shape, t.shape, "piecewise")
        return _leaf(list(map(f, *(expand(t.data, t.shape, shape) for t in ts))), shape,
                     False, "")

    # ---- matrix product -------------------------------------------------------------------------

    def __matmul__(self, other):
        """``A @ B`` for 2-d A (n × k) and B (k × m), or a stack (..., n, k) @ (k, m).
        ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G."""
        other = _as_tensor(other, "matmul")
        if self.ndim >= 2 and other.ndim == 2 and 0 in (self.shape[-1], other.shape[1]):
            raise ShapeError(f"matmul: {self.shape} @ {other.shape}: an inner or output size of "
                             "0 is not supported (the operands have an empty axis)")
        if self.ndim > 2 and other.ndim == 2 and self.shape[-1] == other.shape[0]:
            # batched (..., n, k) @ (k, m): one 2-d product over the stacked rows
            rows = self.reshape(-1, self.shape[-1]) @ other
            return rows.reshape(self.shape[:-1] + (other.shape[1],))
        if self.ndim < 2 or other.ndim != 2:
            raise ShapeError(f"matmul: {self.shape} @ {other.shape}: the operands must be 2-d, "
                             "or (..., n, k) @ (k, m) (reshape a vector to (1, k) or (k, 1))")
        (n, k), (k2, m) = self.shape[-2:], other.shape
        if k != k2:
            raise ShapeError(f"matmul: {self.shape} @ {other.shape}: inner sizes {k} and {k2} "
                             "differ")
        return _make(K.matmul(self.data, n, k, other.data, m), (n, m), "matmul", (self, other))

    def __rmatmul__(self, other):
        return _as_tensor(other, "matmul").__matmul__(self)

    # ---- reductions -----------------------------------------------------------------------------

    def sum(self, axis=None, keepdims=False):
        """Σ over ``axis`` (or all). ∂/∂x = 1 for every summed x: the gradient is broadcast back."""
        if axis is None:
            out, shape = [sum(self.data)], ((1,) * self.ndim if keepdims else ())
        else:
            axis = normalize_axis(axis, self.ndim, "sum")
            check_lanes(self.shape, axis, "sum")
            out = list(map(sum, lanes(self.data, self.shape, axis)))
            shape = _reduced(self.shape, axis, keepdims)
        return _make(out, shape, "sum", (self,), axis)

    def mean(self, axis=None, keepdims=False):
        """Σ / count over ``axis`` (or all)."""
        count = self.size if axis is None else self.shape[normalize_axis(axis, self.ndim, "mean")]
        if count == 0:
            raise ShapeError(f"mean: no elements to average in shape {self.shape}")
        return self.sum(axis, keepdims) * (1.0 / count)

    def max(self, axis=None, keepdims=False):
        """Largest entry over ``axis`` (or all); the gradient goes to the first largest entry."""
        if self.size == 0:
            raise ShapeError(f"max: empty tensor of shape {self.shape}")
        if axis is None:
            m = max(self.data)
            out, shape, where = [m], ((1,) * self.ndim if keepdims else ()), [self.data.index(m)]
        else:
            axis = normalize_axis(axis, self.ndim, "max")
            ls = lanes(self.data, self.shape, axis)
            out = list(map(max, ls))
            where = [lane.index(m) for lane, m in zip(ls, out)]
            shape = _reduced(self.shape, axis, keepdims)
        return _make(out, shape, "amax", (self,), (axis, where))

    def argmax(self, axis=-1):
        """Index of the (first) largest entry along ``axis`` as plain ints (no gradient):
        a list over the other axes, or one int for ``axis=None`` or a 1-d tensor."""
        if self.size == 0:
            raise ShapeError(f"argmax: empty tensor of shape {self.shape}")
        if axis is None or self.ndim <= 1:
            return self.data.index(max(self.data))
        axis = normalize_axis(axis, self.ndim, "argmax")
        return [lane.index(max(lane)) for lane in lanes(self.data, self.shape, axis)]

    # (relu, tanh, exp, log, sigmoid, sqrt, sin, cos, softplus: attached below from ops.UNARY)

    # ---- shape ----------------------------------------------------------------------------------

    def reshape(self, *shape):
        """The same data with a new shape (one size may be -1: inferred)."""
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        if shape.count(-1) == 1:
            rest = size_of(tuple(s for s in shape if s != -1))
            if rest == 0 or self.size % rest:
                raise ShapeError(f"reshape: cannot infer -1 in {shape} for {self.size} values")
            shape = tuple(self.size // rest if s == -1 else s for s in shape)
        shape = check_shape(shape, "reshape")
        if size_of(shape) != self.size:
            raise ShapeError(f"reshape: cannot reshape {self.shape} ({self.size} values) into "
                             f"{shape} ({size_of(shape)} values)")
        return _make(self.data, shape, "reshape", (self,))

    def transpose(self, *axes):
        """Permute the axes (default: reverse them). ∂: the inverse permutation of the gradient."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ShapeError(f"transpose: axes must be ints (a permutation of "
                             f"{tuple(range(self.ndim))}), got {axes!r}")
        if sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of "
                             f"{tuple(range(self.ndim))}")
        axes = tuple(a % self.ndim for a in axes)
        shape = tuple(self.shape[a] for a in axes)
        if self.ndim == 2 and axes == (1, 0):
            out = K.transpose(self.data, *self.shape)
        else:
            out = _gather(self.data, permute_index(self.shape, axes))
        return _make(out, shape, "transpose", (self,), axes)

    def take_rows(self, indices):
        """Rows ``indices`` (a list of ints, repeats allowed) along axis 0.
        ∂: each row's gradient is added back into the row it came from."""
        if not self.shape:
            raise ShapeError("take_rows: a 0-d tensor has no rows")
        if not isinstance(indices, (list, tuple, range)):
            raise OperandError(f"take_rows: indices must be a list of ints, got {indices!r} of "
                               f"type {type(indices).__name__} (for one row write x[i] or "
                               "take_rows([i]))")
        n = self.shape[0]
        idx = []
        for i in indices:
            if not isinstance(i, int) or isinstance(i, bool):
                raise OperandError(f"take_rows: row indices must be ints, got {i!r}")
            if not -n <= i < n:
                raise ShapeError(f"take_rows: row {i} is out of range for {n} rows")
            idx.append(i % n)
        step = size_of(self.shape[1:])
        d = self.data
        out = [v for i in idx for v in d[i * step:(i + 1) * step]]
        return _make(out, (len(idx),) + self.shape[1:], "take_rows", (self,), idx)

    def __getitem__(self, key):
        """``x[[3, 1, 4]]`` (rows by a list), ``x[2]`` (one row), ``x[1:3]`` (a slice of rows)."""
        if isinstance(key, int) and not isinstance(key, bool):
            return self.take_rows([key]).reshape(self.shape[1:])
        if isinstance(key, slice):
            return self.take_rows(list(range(*key.indices(len(self)))))
        if isinstance(key, list):
            return self.take_rows(key)
        if isinstance(key, tuple):
            # NumPy reads x[0, 1] as one element; gathering rows 0 and 1 would be silently wrong
            raise OperandError(f"Tensor indexing: x[{', '.join(map(repr, key))}] (a tuple index "
                               f"{key!r}) is not supported; use x[i][j] for one element or "
                               "x[[i, j]] for rows i and j")
        raise OperandError(f"Tensor indexing takes an int, a slice or a list of ints, got {key!r}")

    # ---- softmax and the loss -------------------------------------------------------------------

    def log_softmax(self, axis=-1):
        """log softmax(x)_i = x_i − log Σ_j exp(x_j), computed as x − max − log Σ exp(x − max).
        ∂: g − softmax · Σ g (per lane)."""
        return _along_axis(self, axis, "log_softmax", K.log_softmax_rows)

    def softmax(self, axis=-1):
        """softmax(x)_i = exp(x_i) / Σ_j exp(x_j) (shifted by the max: no overflow).
        ∂: s · (g − Σ g·s) (per lane)."""
        return _along_axis(self, axis, "softmax", K.softmax_rows)

    def cross_entropy(self, labels):
        """Mean softmax cross-entropy of logits (N, C) against integer labels (N of them):
        L = (1/N) Σ_i [log Σ_j exp(x_ij) − x_i,label_i]. ∂L/∂x = (softmax(x) − onehot) / N."""
        return cross_entropy(self, labels)


# ---- construction helpers -----------------------------------------------------------------------

def _init(t, data, shape, label, requires_grad):
    t.data = data
    t.shape = shape
    t.grad = None
    t.label = label
    t.requires_grad = requires_grad
    t._op = t._ctx = None
    t._inputs = t._prev = ()
    t._g = None
    t._n = 0


def _leaf(data, shape, requires_grad, label):
    t = _new(Tensor)
    _init(t, data, shape, label, requires_grad)
    return t


def _rng(seed):
    return seed if isinstance(seed, _random.Random) else _random.Random(seed)


def _make(data, shape, op, inputs, ctx=None):
    """The output of ``op``: a graph node when recording and some input needs a gradient."""
    t = _new(Tensor)
    _init(t, data, shape, "", False)
    if STATE.anomaly and not all(map(math.isfinite, data)):
        raise AnomalyError(f"anomaly: {op} produced NaN or infinity in the forward pass")
    if STATE.enabled:
        prev = tuple(x for x in inputs if x.requires_grad)
        if prev:
            t.requires_grad = True
            t._op = op
            t._inputs = inputs
            t._prev = prev
            t._ctx = ctx
    return t


def _as_tensor(x, what):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Real) and not hasattr(x, "_op"):
        return _leaf([float(x)], (), False, "")
    raise OperandError(f"{what}: unsupported operand {x!r} of type {type(x).__name__}; "
                       "use a number or a Tensor" + ("" if not hasattr(x, "_op") else
                                                     " (for a Value, pass value.data)"))


def _along_axis(x, axis, name, row_kernel):
    """Apply a row-wise kernel to every lane of ``x`` along ``axis`` (a graph node ``name``)."""
    axis = normalize_axis(axis, x.ndim, name)
    check_lanes(x.shape, axis, name)
    n = x.shape[axis]
    if axis == x.ndim - 1:
        out = row_kernel(x.data, n)
    else:
        out = unlanes([row_kernel(lane, n) for lane in lanes(x.data, x.shape, axis)],
                      x.shape, axis)
    return _make(out, x.shape, name, (x,), axis)


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


def _apply(op, xs, ks):
    """``op.forward`` over paired lists; a domain error names the first offending index."""
    try:
        return list(map(op.forward, xs, ks))
    except (ChainruleError, OverflowError) as e:
        for i, (x, k) in enumerate(zip(xs, ks)):
            try:
                op.forward(x, k)
            except (ChainruleError, OverflowError):
                args = f"{x!r}" if op.arity == 1 and k is None else f"{x!r}, {k!r}"
                if isinstance(e, ChainruleError):
                    e.args = (f"{e.args[0]} at flat index {i}",) + e.args[1:]
                    raise e from None
                raise FloatOverflow(op.name, x, f"{op.name}({args}) at flat index {i} is too "
                                                "large for a float") from None
        raise


# ---- elementwise ops ----------------------------------------------------------------------------

def _binary(name, a, b):
    """Elementwise ``a <name> b`` with NumPy broadcasting; values from ``OPS[name].forward``."""
    a, b = _as_tensor(a, name), _as_tensor(b, name)
    shape = a.shape if a.shape == b.shape else broadcast_shape(a.shape, b.shape, name)
    ea, eb = expand(a.data, a.shape, shape), expand(b.data, b.shape, shape)
    if name == "add":
        out = K.add_same(ea, eb)
    elif name == "sub":
        out = K.sub_same(ea, eb)
    elif name == "mul":
        out = K.mul_same(ea, eb)
    else:
        out = _apply(_ops.OPS[name], ea, eb)
    return _make(out, shape, name, (a, b))


def _unary(op, x, k=None):
    """Elementwise ``op(x)`` (``k``: the op's constant, e.g. the exponent of ``powc``)."""
    if op.name == "tanh":
        out = K.tanh_forward(x.data)
    elif op.name == "relu":
        out = K.relu_forward(x.data)
    elif op.name == "neg":
        out = list(map(neg, x.data))
    else:
        out = _apply(op, x.data, repeat(k))
    return _make(out, x.shape, op.name, (x,), k)


def _backward_binary(node, g):
    """Chain rule per element: ∂L/∂a = g · ∂out/∂a (from ``op.local``), then summed back over
    broadcast axes to a's shape; the same for b."""
    a, b = node._inputs
    shape, name = node.shape, node._op
    if name == "add":
        ga, gb = g, g
    elif name == "sub":
        ga, gb = g, (list(map(neg, g)) if b.requires_grad else None)
    elif name == "mul":
        ga = K.mul_same(g, expand(b.data, b.shape, shape)) if a.requires_grad else None
        gb = K.mul_same(g, expand(a.data, a.shape, shape)) if b.requires_grad else None
    else:
        op = _ops.OPS[name]
        ea, eb = expand(a.data, a.shape, shape), expand(b.data, b.shape, shape)
        try:
            locs = list(map(op.local, node.data, ea, eb))
            da, db = map(_first, locs), map(_second, locs)
        except ChainruleError:     # ask only for the inputs that need it (0.0 ** y: not ∂/∂a)
            da = map(op.partial, repeat(0), node.data, ea, eb) if a.requires_grad else None
            db = map(op.partial, repeat(1), node.data, ea, eb) if b.requires_grad else None
        ga = list(map(mul, g, da)) if a.requires_grad else None
        gb = list(map(mul, g, db)) if b.requires_grad else None
    return (None if ga is None else reduce_to(ga, shape, a.shape),
            None if gb is None else reduce_to(gb, shape, b.shape))


def _backward_unary(node, g):
    """∂L/∂x = g · ∂out/∂x, the local derivative read from the op table."""
    (x,) = node._inputs
    name = node._op
    if name == "tanh":
        return (K.tanh_backward(node.data, g),)
    if name == "relu":
        return (K.relu_backward(x.data, g),)
    if name == "neg":
        return (list(map(neg, g)),)
    if name == "exp":
        return (K.mul_same(g, node.data),)
    local = _ops.OPS[name].local
    return (list(map(mul, g, map(_first, map(local, node.data, x.data, repeat(node._ctx))))),)


# ---- backward of the structural ops -------------------------------------------------------------

def _backward_matmul(node, g):
    """C = A @ B: ∂L/∂A = G · Bᵀ (n × k), ∂L/∂B = Aᵀ · G (k × m)."""
    a, b = node._inputs
    (n, k), m = a.shape, b.shape[1]
    ga = K.products(K.tuple_rows(g, m), K.tuple_rows(b.data, m)) if a.requires_grad else None
    gb = K.products(K.columns(a.data, k), K.columns(g, m)) if b.requires_grad else None
    if gb is not None and n == 0:           # no rows: Aᵀ·G is a k × m matrix of zeros
        gb = [0.0] * (k * m)
    return ga, gb


def _backward_sum(node, g):
    """Every summed entry gets the gradient of its sum (broadcast back)."""
    (x,) = node._inputs
    axis = node._ctx
    if axis is None:
        return ([g[0]] * x.size,)
    return (expand(g, _reduced(x.shape, axis, True), x.shape),)


def _backward_max(node, g):
    """The gradient flows to the (first) largest entry of each lane; the others get 0."""
    (x,) = node._inputs
    axis, where = node._ctx
    if axis is None:
        out = [0.0] * x.size
        out[where[0]] = g[0]
        return (out,)
    n = x.shape[axis]
    ls = []
    for w, gi in zip(where, g):
        lane = [0.0] * n
        lane[w] = gi
        ls.append(lane)
    return (unlanes(ls, x.shape, axis),)


def _backward_reshape(node, g):
    return (g,)


def _backward_transpose(node, g):
    """The gradient is transposed back by the inverse permutation."""
    axes = node._ctx
    inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
    if len(axes) == 2 and axes == (1, 0):
        return (K.transpose(g, *node.shape),)
    return (_gather(g, permute_index(node.shape, inverse)),)


def _backward_take_rows(node, g):
    """Scatter-add each taken row's gradient into the row it came from."""
    (x,) = node._inputs
    step = size_of(x.shape[1:])
    out = [0.0] * x.size
    for r, i in enumerate(node._ctx):
        lo = i * step
        out[lo:lo + step] = K.add_same(out[lo:lo + step], g[r * step:(r + 1) * step])
    return (out,)


def _softmax_lanes(node):
    (x,) = node._inputs
    axis = node._ctx
    data = node.data if node._op == "softmax" else list(map(math.exp, node.data))
    return x, axis, lanes(data, x.shape, axis)


def _backward_log_softmax(node, g):
    """y = log softmax(x): ∂L/∂x = g − softmax(x) · Σ g, lane by lane."""
    x, axis, s_lanes = _softmax_lanes(node)
    out = []
    for s, gl in zip(s_lanes, lanes(g, x.shape, axis)):
        t = sum(gl)
        out.append([gi - si * t for gi, si in zip(gl, s)])
    return (unlanes(out, x.shape, axis),)


def _backward_softmax(node, g):
    """s = softmax(x): ∂L/∂x = s · (g − Σ g·s), lane by lane."""
    x, axis, s_lanes = _softmax_lanes(node)
    out = []
    for s, gl in zip(s_lanes, lanes(g, x.shape, axis)):
        t = sum(map(mul, gl, s))
        out.append([si * (gi - t) for gi, si in zip(gl, s)])
    return (unlanes(out, x.shape, axis),)


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy of ``logits`` (N, C) and integer ``labels`` (N ints):
    L = (1/N) Σ_i [log Σ_j exp(x_ij) − x_i,y_i] (log-sum-exp shifted by the row max).
    ∂L/∂x = (softmax(x) − onehot(y)) / N."""
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
        raise ShapeError("cross_entropy: no rows")
    logp = K.log_softmax_rows(logits.data, c)
    loss = -sum(logp[i * c + y] for i, y in enumerate(labels)) / n
    return _make([loss], (), "cross_entropy", (logits,), (labels, logp))


def _backward_cross_entropy(node, g):
    """(softmax − onehot) · g / N."""
    (x,) = node._inputs
    labels, logp = node._ctx
    n, c = x.shape
    s = g[0] / n
    out = [math.exp(v) * s for v in logp]
    for i, y in enumerate(labels):
        out[i * c + y] -= s
    return (out,)


def _backward_sparse_matmul(node, g):
    """Y = X @ W with constant sparse X: ∂L/∂W = Xᵀ · G, touching only nonzero pixels."""
    (w,) = node._inputs
    x = node._ctx
    return (K.sparse_t_matmul(x.dense_rows(), g, w.shape[1]),)


_BACKWARD = {
    "matmul": _backward_matmul,
    "sparse_matmul": _backward_sparse_matmul,
    "sum": _backward_sum,
    "amax": _backward_max,
    "reshape": _backward_reshape,
    "transpose": _backward_transpose,
    "take_rows": _backward_take_rows,
    "log_softmax": _backward_log_softmax,
    "softmax": _backward_softmax,
    "cross_entropy": _backward_cross_entropy,
}


def _backward_for(name):
    """The backward function of op ``name``: a structural op above, or any elementwise op of the
    table (read at call time, so an op registered later works on tensors too)."""
    fn = _BACKWARD.get(name)
    if fn is None:
        fn = _backward_binary if _ops.OPS[name].arity == 2 else _backward_unary
    return fn


def _unary_method(op):
    def method(self):
        return _unary(op, self)

    method.__doc__ = f"Elementwise {op.expr}; {op.formula()}"
    return method


def _binary_method(op, reflected=False):
    """``a <op> b`` as a method (``reflected``: ``self`` is the right operand, as in 2 - x)."""
    name = op.name
    if reflected:
        def method(self, other):
            return _binary(name, other, self)
        where = "other, b = self"
    else:
        def method(self, other):
            return _binary(name, self, other)
        where = "self, b = other"
    method.__doc__ = (f"Elementwise {op.expr} with NumPy broadcasting (a = {where}); "
                      f"{op.formula(0)}, {op.formula(1)}")
    return method


def _power(pow_op, powc_op):
    def __pow__(self, other):
        """``x ** k`` for a number k (op ``powc``) or ``x ** y`` for a tensor y (op ``pow``)."""
        if isinstance(other, numbers.Real) and not isinstance(other, Tensor):
            return _unary(powc_op, self, float(other))
        return _binary(pow_op.name, self, other)
    return __pow__


_install.add_kind(Tensor, binary=_binary_method, unary=_unary_method, power=_power, array=True)

zeros = Tensor.zeros
ones = Tensor.ones
randn = Tensor.randn
uniform = Tensor.uniform
