"""Softmax, log-softmax and the mean cross-entropy loss of the Tensor, each one record with its
forward next to its backward and its vjp (see :mod:`autograd.tensor_ops`). The row kernels
(shifted by the row max: nothing overflows) are in :mod:`autograd.kernels`."""

import math
from operator import mul

from . import kernels as K
from .errors import OperandError, ShapeError
from .shapes import check_lanes, lanes, normalize_axis, unlanes
from .tensor_base import Tensor, TensorOp, leaf, make


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


Tensor.log_softmax = lambda self, axis=-1: LOG_SOFTMAX(self, axis)
Tensor.softmax = lambda self, axis=-1: SOFTMAX(self, axis)
Tensor.cross_entropy = cross_entropy
Tensor.log_softmax.__doc__ = LogSoftmax.__doc__
Tensor.softmax.__doc__ = Softmax.__doc__
