"""A gradient check for Tensor functions with any output shape, through the public toolkit
(``autograd.testing.gradcheck``), and a requires-grad tensor drawn by the public strategies."""

import math

from autograd import Tensor
from autograd.testing import floats_in, gradcheck, tensors


def assert_grads_match(f, inputs, rel=1e-5, abs_=1e-6, h=1e-6):
    """Backward gradients of ``f(*inputs)`` (summed with fixed weights if not scalar) against
    central differences."""
    def scalar(*xs):
        out = f(*xs)
        if out.size == 1:
            return out.sum()
        w = Tensor([math.sin(i + 1.0) for i in range(out.size)], shape=out.shape)
        return (out * w).sum()

    gradcheck(scalar, inputs, eps=h, rtol=rel, atol=abs_, raise_on_failure=True)


def tensor_of(draw, shape, lo=-2.0, hi=2.0, away_from=None):
    """A requires_grad tensor of ``shape`` with entries in [lo, hi] (optionally kept 0.1 away
    from the points in ``away_from``: kinks and poles), from ``autograd.testing.tensors``."""
    elements = floats_in(lo, hi, margin=0.0)
    if away_from:
        elements = elements.filter(lambda x: all(abs(x - p) > 0.1 for p in away_from))
    data = draw(tensors(shape, elements=elements))
    return Tensor(data.data, shape=data.shape, requires_grad=True)
