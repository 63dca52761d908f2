"""The ``Tensor`` class itself: storage, constructors, introspection and the backward walk.

Storage is a flat row-major Python list of floats (``.data``) plus a shape tuple. Every
operation is a record that keeps its forward next to its backward: the elementwise ops of the
op table (:mod:`autograd.tensor_elementwise`) and the structural ops (:mod:`autograd.tensor_ops`:
matmul, reductions, reshape, softmax, ...) attach themselves to this class. A node stores that
record (``_op``), its input tensors and whatever its backward needs (``_ctx``) as plain data,
never a closure, so graphs have no reference cycles.

Each record has ``backward(node, g)`` (``g``: the node's gradient as a flat list; returns one
flat list, or None, per input; the fast kernels) and ``vjp(node, G)`` (the same chain rule
written with Tensor ops, so that ``gradients(..., create_graph=True)`` can differentiate it).

Only tensors with ``requires_grad=True`` (parameters) and the tensors computed from them get a
graph edge and a gradient: inputs such as a batch of images cost no gradient computation.
"""

from __future__ import annotations

import math
import numbers
import random as _random

from . import kernels as K
from .engine import STATE, backward_order
from .errors import AnomalyError, OperandError, ShapeError
from .shapes import check_shape, flatten, nest, size_of

_new = object.__new__


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

    def __init__(self, data, shape: tuple[int, ...] | None = None, label: str = "",
                 requires_grad: bool = False) -> None:
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
        init(self, flat, shape, label, bool(requires_grad))

    # ---- constructors ---------------------------------------------------------------------------

    @classmethod
    def zeros(cls, shape, requires_grad: bool = False, label: str = "") -> Tensor:
        """All zeros."""
        shape = check_shape(shape, "zeros")
        return leaf([0.0] * size_of(shape), shape, requires_grad, label)

    @classmethod
    def ones(cls, shape, requires_grad: bool = False, label: str = "") -> Tensor:
        """All ones."""
        shape = check_shape(shape, "ones")
        return leaf([1.0] * size_of(shape), shape, requires_grad, label)

    @classmethod
    def randn(cls, shape, std: float = 1.0, seed: int | None = None, requires_grad: bool = False,
              label: str = "") -> Tensor:
        """Normal samples N(0, std²); ``seed`` is an int or a ``random.Random``."""
        shape = check_shape(shape, "randn")
        g = _rng(seed).gauss
        return leaf([g(0.0, std) for _ in range(size_of(shape))], shape, requires_grad, label)

    @classmethod
    def uniform(cls, shape, low: float = 0.0, high: float = 1.0, seed: int | None = None,
                requires_grad: bool = False, label: str = "") -> Tensor:
        """Uniform samples on [low, high); ``seed`` is an int or a ``random.Random``."""
        shape = check_shape(shape, "uniform")
        u = _rng(seed).uniform
        return leaf([u(low, high) for _ in range(size_of(shape))], shape, requires_grad, label)

    @classmethod
    def constant(cls, x):
        """A number as a 0-d constant tensor (a tensor as it is)."""
        return as_tensor(x, "Tensor.constant")

    # ---- introspection --------------------------------------------------------------------------

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return len(self.data)

    @property
    def op(self):
        """The op that made this tensor (an ``autograd.ops.Op`` for elementwise ops, a
        :class:`TensorOp` for matmul, sum, ...; its ``name`` is "tanh", "matmul") or None."""
        record = self._op
        return None if record is None else record.op

    @property
    def T(self):
        """The transpose (axes reversed)."""
        return self.transpose()

    def is_leaf(self) -> bool:
        return self._op is None

    def tolist(self) -> list | float:
        """The data as nested lists (a float for a 0-d tensor)."""
        return nest(self.data, self.shape)

    def item(self) -> float:
        """The single number of a one-element tensor."""
        if len(self.data) != 1:
            raise ShapeError(f"item(): needs a one-element tensor, got shape {self.shape}")
        return self.data[0]

    def detach(self) -> Tensor:
        """The same data with no graph and no gradient."""
        return leaf(self.data, self.shape, False, self.label)

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

    def __float__(self):
        raise OperandError(f"float() of a Tensor of shape {self.shape} would drop its gradient "
                           "silently: use its methods (t.exp(), t.sum(), ...) to stay in the "
                           "graph, or t.item() / t.tolist() for the numbers")

    __hash__ = object.__hash__

    # ---- back-propagation -----------------------------------------------------------------------

    def backward(self, grad=None) -> None:
        """Fill ``.grad`` of every tensor this one depends on with ∂self/∂tensor (times ``grad``).

        With no argument the tensor must have one element (a loss) and is seeded with 1;
        otherwise pass a Tensor of the same shape. Leaf gradients *accumulate* across calls
        (twice = exactly doubled; reset with ``t.grad = None``); interior tensors hold the
        gradient of the latest pass.
        """
        seed = seed_of(self, grad, "backward")
        anomaly = STATE.anomaly
        for node in backward_order(self):          # self first, then every input it reaches
            g = seed if node is self else node._g
            node._g = None
            if node._op is None:
                if node.grad is None:
                    lazy = getattr(g, "as_grad", None)     # autograd.sparse.RowGradient
                    node.grad = (leaf(list(g), node.shape, False, "") if lazy is None
                                 else lazy(node.shape))
                else:
                    node.grad = leaf(K.add_same(node.grad.data, g), node.shape, False, "")
                continue
            node.grad = leaf(g, node.shape, False, "")
            grads = node._op.backward(node, g)
            for parent, pg in zip(node._inputs, grads):
                if pg is None or not parent.requires_grad:
                    continue
                if anomaly and not all(map(math.isfinite, pg)):
                    raise AnomalyError(f"anomaly: backward of {node._op.name} gave a NaN/inf "
                                       f"gradient for an input of shape {parent.shape}")
                parent._g = pg if parent._g is None else K.add_same(parent._g, pg)


class TensorOp:
    """A structural Tensor op (matmul, sum, reshape, ...): its forward next to its backward.

    Subclasses define ``__call__`` (the forward: computes the data and returns
    :func:`make`'s node), ``backward(node, g)`` (flat lists, the fast kernels) and
    ``vjp(node, G)`` (the same in Tensor ops, for create_graph=True). ``expr`` and ``derivs``
    say the math as a learner writes it (``"A @ B"``; ``("G @ Bᵀ", "Aᵀ @ G")``).
    """

    name = symbol = expr = ""
    derivs = ()

    @property
    def op(self):
        return self

    def backward(self, node, g):
        raise NotImplementedError

    def vjp(self, node, g):
        raise OperandError(f"gradients(create_graph=True): the backward of {self.name} is not "
                           "written in Tensor ops yet, so it cannot be differentiated again")

    def __str__(self):
        return self.symbol or self.name

    def __repr__(self):
        return f"TensorOp({self.name!r}: {self.expr})"


# ---- construction helpers (used by the op modules) ----------------------------------------------

def init(t, data, shape, label, requires_grad):
    t.data = data
    t.shape = shape
    t.grad = None
    t.label = label
    t.requires_grad = requires_grad
    t._op = t._ctx = None
    t._inputs = t._prev = ()
    t._g = None
    t._n = 0


def leaf(data, shape, requires_grad=False, label=""):
    """A tensor with no graph behind it."""
    t = _new(Tensor)
    init(t, data, shape, label, requires_grad)
    return t


def _rng(seed):
    return seed if isinstance(seed, _random.Random) else _random.Random(seed)


def make(data, shape, record, inputs, ctx=None):
    """The output of ``record`` (an op record): a graph node when recording and some input
    needs a gradient, else a plain tensor."""
    t = _new(Tensor)
    init(t, data, shape, "", False)
    if STATE.anomaly and not all(map(math.isfinite, data)):
        raise AnomalyError(f"anomaly: {record.name} produced NaN or infinity in the forward "
                           "pass")
    if STATE.enabled:
        prev = tuple(x for x in inputs if x.requires_grad)
        if prev:
            t.requires_grad = True
            t._op = record
            t._inputs = inputs
            t._prev = prev
            t._ctx = ctx
    return t


def as_tensor(x, what):
    """``x`` as a Tensor: a tensor as it is, a plain number as a 0-d constant."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Real) and not hasattr(x, "_op"):
        return leaf([float(x)], (), False, "")
    raise OperandError(f"{what}: unsupported operand {x!r} of type {type(x).__name__}; "
                       "use a number or a Tensor" + ("" if not hasattr(x, "_op") else
                                                     " (for a Value, pass value.data)"))


def seed_of(t, grad, what):
    """The flat seed gradient of ``t`` for ``backward(grad)``/``gradients(..., grad)``."""
    if not t.requires_grad:
        raise OperandError(f"{what}(): this tensor does not depend on any tensor with "
                           "requires_grad=True; create parameters with "
                           "Tensor(..., requires_grad=True)")
    if grad is None:
        if len(t.data) != 1:
            raise ShapeError(f"{what}(): a tensor of shape {t.shape} needs an explicit "
                             "gradient: backward(Tensor of the same shape)")
        return [1.0]
    if not isinstance(grad, Tensor):
        grad = Tensor(grad)
    if grad.shape != t.shape and not (grad.size == 1 == t.size):
        raise ShapeError(f"{what}(grad): grad has shape {grad.shape}, expected {t.shape}")
    return list(grad.data)
