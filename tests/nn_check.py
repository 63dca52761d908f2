"""Gradient checks for the nn tests, through the public toolkit ``autograd.testing``."""

from autograd import Value
from autograd.testing import gradcheck


def check_grads(f, xs, rtol=1e-5, atol=1e-7, eps=1e-6):
    """``f`` takes a list of Values and returns a Value: its backward() gradients at the floats
    ``xs`` must match central differences (``gradcheck`` raises with a report if not)."""
    gradcheck(lambda *vs: f(list(vs)), [Value(x, label=f"x{i}") for i, x in enumerate(xs)],
              eps=eps, rtol=rtol, atol=atol, raise_on_failure=True)


def grads_of(f, xs):
    """Gradient by backward(): ``f`` takes a list of Values and returns a Value."""
    vs = [Value(x) for x in xs]
    f(vs).backward()
    return [v.grad for v in vs]


def assert_close(a, b, rel=1e-5, abs_=1e-7):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert abs(x - y) <= abs_ + rel * max(abs(x), abs(y)), (i, x, y, a, b)
