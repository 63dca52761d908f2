"""``Tensor``: a pure-Python n-dimensional array that records its computation graph.

>>> from autograd import Tensor
>>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> x = Tensor([[1.0, -1.0]])
>>> loss = (x @ W).tanh().sum()
>>> loss.backward()
>>> W.grad.shape
(2, 2)

Storage is a flat row-major Python list of floats (``.data``) plus a shape tuple; hot loops live
in :mod:`autograd.kernels`. The parts, one job per module:

* :mod:`autograd.tensor_base`: the class, its constructors and the backward walk;
* :mod:`autograd.tensor_elementwise`: every op of the op table, elementwise with broadcasting
  (the same rules as ``Value``, so a Tensor and a Value never disagree);
* :mod:`autograd.tensor_ops` (matmul, reductions), :mod:`autograd.tensor_layout` (reshape,
  transpose, rows), :mod:`autograd.tensor_softmax` (softmax and the loss):
  each a record with its forward next to its backward;
* :mod:`autograd.sparse`: constant batches of mostly-zero rows (``SparseRows @ W``).

This module puts them together; ``from autograd.tensor import Tensor`` gives the whole class.
"""

from . import tensor_elementwise, tensor_layout, tensor_ops  # noqa: F401  (they attach the ops)
from .sparse import SparseRows
from .tensor_base import Tensor
from .tensor_softmax import cross_entropy

Tensor.sparse_rows = staticmethod(SparseRows)
Tensor.sparse_rows.__doc__ = "A batch of sparse input rows (``[(indices, values), ...]``)."

zeros = Tensor.zeros
ones = Tensor.ones
randn = Tensor.randn
uniform = Tensor.uniform

__all__ = ["Tensor", "SparseRows", "cross_entropy", "zeros", "ones", "randn", "uniform"]
