"""The complex step: ∂f/∂x = Im f(x + i·h) / h, exact to rounding (no subtraction).

``f`` is re-run on :class:`ComplexValue` proxies, which :mod:`autograd.install` gives every op of
the op table: the real part is computed with the op's ``forward`` (so domain errors are the
engine's), the imaginary part with the op's complex twin (``Op.complex``; an op without one uses
its ``forward``, which works on complex numbers when it is plain arithmetic). Piecewise ops
branch on the real part, which is exact away from the kink.
"""

from collections.abc import Mapping

from .. import install as _install
from .. import ops as _ops
from ..value import Value

__all__ = ["COMPLEX_STEP", "COMPLEX_TWINS", "ComplexValue", "apply_complex", "complex_partial"]

COMPLEX_STEP = 1e-20        # h: no cancellation, so it can be tiny


class _Twins(Mapping):
    """``{op name: cmath twin of its forward}``, read live from the op table (``Op.complex``;
    an op without one uses its own ``forward``, which works when it is plain arithmetic)."""

    def __getitem__(self, name):
        op = _ops.OPS[name]
        return op.complex or op.forward

    def __iter__(self):
        return iter(_ops.OPS)

    def __len__(self):
        return len(_ops.OPS)


#: The ``cmath`` twins of the op table's forwards, for the complex step (``Op.complex``).
#: Piecewise ops branch on the real part.
COMPLEX_TWINS = _Twins()


class ComplexValue:
    """A stand-in for :class:`~autograd.Value` carrying a complex number ``z``, for the complex
    step. Same operators and methods as Value (``autograd.install`` gives it every op of the
    table); each computes the real part with the op's ``forward`` (so domain errors are the
    engine's) and the imaginary part with the op's complex twin."""

    __slots__ = ("z",)
    __chainrule_defer__ = True       # makes Value's operators return NotImplemented: Value ⊕ this

    def __init__(self, z):
        self.z = complex(z.data if isinstance(z, Value) else z)

    @classmethod
    def constant(cls, x):
        return cls(x)

    @property
    def data(self):
        return self.z

    def item(self):
        return self.z.real

    def __repr__(self):
        return f"ComplexValue({self.z!r})"


def _z(x, op):
    if isinstance(x, ComplexValue):
        return x.z
    if isinstance(x, Value):
        return complex(x.data)
    if isinstance(x, (int, float)):
        return complex(x)
    raise TypeError(f"{op.name}: the complex step cannot follow an operand of type "
                    f"{type(x).__name__}")


def apply_complex(op, a, b):
    """``op`` on complex ``a`` (and ``b``): the real part by ``op.forward`` (the engine's domain
    checks), the imaginary part by the op's complex twin."""
    twin = op.complex or op.forward
    real = op.forward(a.real, b.real if isinstance(b, complex) else b)   # domain checks
    return ComplexValue(complex(real, complex(twin(a, b)).imag))


def _complex_binary(op, reflected=False):
    def method(self, other):
        a, b = self.z, _z(other, op)
        return apply_complex(op, b, a) if reflected else apply_complex(op, a, b)
    return method


def _complex_unary(op):
    return lambda self: apply_complex(op, self.z, None)


def _complex_power(pow_op, powc_op):
    def __pow__(self, other):
        if isinstance(other, (int, float)):
            return apply_complex(powc_op, self.z, other)
        return apply_complex(pow_op, self.z, _z(other, pow_op))
    return __pow__


_install.add_kind(ComplexValue, binary=_complex_binary, unary=_complex_unary,
                  power=_complex_power)


def complex_partial(f, inputs, i):
    """Im f(x + ih) / h for Value input ``i``, ``f`` re-run on ComplexValue proxies."""
    args = [ComplexValue(complex(x.data, COMPLEX_STEP if j == i else 0.0))
            for j, x in enumerate(inputs)]
    out = f(*args)
    if not isinstance(out, ComplexValue):
        out = ComplexValue(out)
    return out.z.imag / COMPLEX_STEP
