"""``gradients`` for Tensors: the backward walk with its sums in a local dict.

The same walk as :meth:`Tensor.backward` (reverse topological order, fan-out summed), asking
each node's record for the gradients of the inputs some requested input depends on: its
``backward`` (flat lists, the fast kernels) for numbers, its ``vjp`` (Tensor ops) with
``create_graph=True``, so the result is a graph that can be differentiated again. A record whose
backward is not written in Tensor ops raises a clear error naming it, never a wrong number.
"""

from . import kernels as K
from .engine import enable_grad, no_grad, topological_order
from .errors import OperandError
from .tensor_base import Tensor, leaf, seed_of


def tensor_gradients(output, inputs, create_graph=False, grad=None):
    """∂output/∂input for each input Tensor (see :func:`autograd.gradients`)."""
    if not isinstance(output, Tensor):
        raise OperandError(f"gradients: output must be a Tensor when the inputs are Tensors, "
                           f"got {output!r}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise OperandError(f"gradients: inputs[{i}] must be a Tensor, got {x!r} of type "
                               f"{type(x).__name__}")
    if grad == 1.0:
        grad = None
    if not output.requires_grad:                 # a constant: every gradient is zero
        return [Tensor.zeros(x.shape) for x in inputs]
    seed = seed_of(output, grad, "gradients")
    if create_graph:
        seed = grad if isinstance(grad, Tensor) else leaf(seed, output.shape)
    order = topological_order(output)
    wanted = set(inputs)
    needed = set()
    for v in order:
        if v in wanted or any(c in needed for c in v._prev):
            needed.add(v)
    totals = {output: seed}
    with enable_grad() if create_graph else no_grad():
        for node in reversed(order):
            if node._op is None or node not in needed or node not in totals:
                continue
            g = totals[node]
            parts = node._op.vjp(node, g) if create_graph else node._op.backward(node, g)
            for parent, pg in zip(node._inputs, parts):
                if pg is None or parent not in needed:
                    continue
                before = totals.get(parent)
                if before is None:
                    totals[parent] = pg
                else:
                    totals[parent] = before + pg if create_graph else K.add_same(before, pg)
    results = []
    for x in inputs:
        g = totals.get(x)
        if g is None:
            results.append(Tensor.zeros(x.shape))
        elif create_graph:
            results.append(g)
        else:
            results.append(leaf(list(g), x.shape))
    return results
