"""Property-test gradients: ``gradcheck``, metamorphic checks and hypothesis strategies.

Six lines to property-test your own function::

    from hypothesis import given
    from autograd.testing import gradcheck, values

    @given(values(-3, 3), values(0.5, 3))
    def test_my_loss(x, y):
        assert gradcheck(lambda x, y: (x * y).tanh() + y.log(), [x, y])

**gradcheck** compares reverse-mode gradients (``out.backward()``) with two numerical estimates:

* *central differences*: ∂f/∂x ≈ (f(x + h) − f(x − h)) / 2h with a step scaled to the input,
  h = eps · max(1, |x|), eps = 1e-6. The error is O(h²) (truncation) plus about
  2⁻⁵² · |f| / h (rounding); the rounding part is added to the tolerance automatically.
* the *complex step*: ∂f/∂x = Im f(x + i·h) / h with h = 1e-20. There is no subtraction, so it
  is exact to rounding (~1e-15). ``f`` is re-run on :class:`ComplexValue` proxies, which
  implement every op of :data:`autograd.ops.OPS` (the real part by the op table's own
  ``forward``, so domain errors are the engine's; the imaginary part by a ``cmath`` twin). The
  piecewise ops (relu, abs, max, min) choose their branch on the real part, which is exact away
  from the kink. When ``f`` does something the proxy cannot follow (``math.exp(x.data)``, an op
  without a twin, a Tensor input) gradcheck falls back to central differences and says so.

Tolerances: a partial passes when |analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|)
(+ the rounding estimate for central differences). Defaults: central rtol=1e-5, atol=1e-8;
complex step rtol=1e-9, atol=1e-11. Passing ``rtol``/``atol`` sets both.

Inputs are :class:`~autograd.Value` objects or tensor-likes: anything with a flat ``.data`` list,
a ``.shape`` tuple and a ``.grad`` (None or a flat list), perturbed element by element in place
and restored. ``f`` must return a scalar (a Value, or a one-element tensor-like with
``.backward()``). gradcheck leaves every input's ``.grad`` as it found it.

More checks: ``gradcheck(..., fast=True)`` (v·∇f along seeded random directions: two
evaluations of f per direction, for big Tensors), ``method="forward"`` (Dual numbers against
reverse mode), ``order=2`` (second derivatives); :func:`blame` (which op's rule is wrong);
:func:`taylor_test` (residual slopes 2 vs 1: a verdict without a tolerance); :func:`mutants`
(wrong rules to grade a test suite with; ``python -m autograd.testing.mutate -- pytest ...``).

The parts, one job per module: :mod:`~autograd.testing.check` (gradcheck),
:mod:`~autograd.testing.directional` (fast and forward modes),
:mod:`~autograd.testing.second_order`, :mod:`~autograd.testing.complex_step`,
:mod:`~autograd.testing.blame`, :mod:`~autograd.testing.taylor` (and ``taylor_plot``, its SVG),
:mod:`~autograd.testing.mutants`, :mod:`~autograd.testing.mutate` (the runner, not imported
here: it starts subprocesses), :mod:`~autograd.testing.laws` (metamorphic checks),
:mod:`~autograd.testing.strategies` (hypothesis, imported only when a strategy is built, so
``gradcheck`` and the laws work without it), :mod:`~autograd.testing.results` (the reports).
"""

from .blame import Finding, blame, check_rule, explain_blamed
from .check import DEFAULT_EPS, TOLERANCES, gradcheck
from .complex_step import COMPLEX_STEP, COMPLEX_TWINS, ComplexValue
from .laws import check_backward_twice, check_chain_rule, check_linearity, check_sum_reassociation
from .results import GradcheckError, GradcheckResult, Mismatch
from .mutants import Mutant, mutant, mutants
from .taylor import TaylorResult, taylor_test
from .strategies import (Expression, TensorData, apply_op, broadcastable_shapes, expressions,
                         floats_in, graphs, shapes, tensors, values)

__all__ = [
    "gradcheck", "blame", "Finding", "check_rule", "explain_blamed", "taylor_test", "TaylorResult",
    "mutants", "mutant", "Mutant", "GradcheckResult", "GradcheckError", "Mismatch", "ComplexValue",
    "COMPLEX_TWINS", "check_linearity", "check_chain_rule", "check_sum_reassociation",
    "check_backward_twice", "floats_in", "values", "expressions", "graphs", "Expression",
    "apply_op", "tensors", "shapes", "broadcastable_shapes", "TensorData", "DEFAULT_EPS",
    "TOLERANCES", "COMPLEX_STEP",
]
