"""Helpers for the Tensor tests: gradient checks through ``autograd.testing`` and hypothesis
strategies for shapes and tensors."""

import math

from hypothesis import strategies as st

from autograd import Tensor
from autograd.testing import gradcheck


def assert_grads_match(f, inputs, rel=1e-5, abs_=1e-6, h=1e-6):
    """Backward gradients of ``f(*inputs)`` (summed with fixed weights if not scalar) against
    central differences, through the public toolkit ``autograd.testing.gradcheck``."""
    def scalar(*xs):
        out = f(*xs)
        if out.size == 1:
            return out.sum()
        w = Tensor([math.sin(i + 1.0) for i in range(out.size)], shape=out.shape)
        return (out * w).sum()

    gradcheck(scalar, inputs, eps=h, rtol=rel, atol=abs_, raise_on_failure=True)


def shapes(min_dims=0, max_dims=3, max_side=3):
    return st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def broadcast_pair(draw, max_dims=3):
    """Two shapes that broadcast together: each drops some leading axes and sets some to 1."""
    out = draw(shapes(0, max_dims))

    def one():
        drop = draw(st.integers(0, len(out)))
        s = list(out[drop:])
        for i in range(len(s)):
            if draw(st.booleans()):
                s[i] = 1
        return tuple(s)

    return one(), one()


def tensor_of(draw, shape, lo=-2.0, hi=2.0, away_from=None):
    """A requires_grad tensor of ``shape`` with entries in [lo, hi] (optionally kept 0.1 away
    from the points in ``away_from``: kinks and poles)."""
    n = math.prod(shape)

    def ok(x):
        return away_from is None or all(abs(x - p) > 0.1 for p in away_from)

    vals = draw(st.lists(st.floats(lo, hi).filter(ok), min_size=n, max_size=n))
    return Tensor(vals, shape=shape, requires_grad=True)
