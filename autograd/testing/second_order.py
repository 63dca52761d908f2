"""``gradcheck(..., order=2)``: second derivatives against central differences of the gradient.

The analytic side is :mod:`autograd.functional`: the gradient recorded as a graph and
back-propagated again (``hessian`` for Values entry by entry; ``hvp``, reverse over reverse,
along random directions with ``fast=True`` and for Tensors). The numerical side needs only
first derivatives, which ``backward`` gives:

    H[i][j]  ≈  (∂f/∂xᵢ (x + h·eⱼ) − ∂f/∂xᵢ (x − h·eⱼ)) / 2h
    H·v      ≈  (∇f(x + h·v) − ∇f(x − h·v)) / 2h

so a wrong *second* derivative (a rule whose own derivative is wrong, as when a rule drops out
of the graph) shows even when every first derivative is right.
"""

from .. import functional as _functional
from ..value import Value
from .directional import directions, entries, scaled
from .results import GradcheckResult, Mismatch, input_name, within

__all__ = ["second_order_check", "SECOND_ORDER_TOLERANCE"]

SECOND_ORDER_TOLERANCE = (1e-5, 1e-7)        # (rtol, atol)
_ROUNDING = 2.0 ** -52


def _is_tensor(x):
    return getattr(x, "__chainrule_array__", False)


def _fresh(inputs, flats):
    """New leaves holding ``flats``: Values, or Tensors that require a gradient."""
    out = []
    for x, flat in zip(inputs, flats):
        if _is_tensor(x):
            out.append(type(x)(list(flat), x.shape, requires_grad=True))
        else:
            out.append(Value(flat[0]))
    return out


def _gradient(f, inputs, flats):
    """∇f at ``flats`` (one flat list per input), as flat lists, by one backward pass."""
    leaves = _fresh(inputs, flats)
    gs = _functional.gradients(f(*leaves), leaves)
    return [list(g.data) if _is_tensor(g) else [g] for g in gs]


def _compare(what, analytic, up, down, h, rtol, atol, mismatches, name, index):
    numeric = (up - down) / (2 * h)
    noise = 8 * _ROUNDING * max(abs(up), abs(down)) / h
    if not within(analytic, numeric, rtol, atol, noise):
        mismatches.append(Mismatch(name, index, analytic, numeric, "central", what=what))


def second_order_check(f, inputs, *, fast, count, seed, eps, rtol, atol):
    """The second-order check (see the module docstring); a :class:`GradcheckResult`."""
    for i, x in enumerate(inputs):
        if not (isinstance(x, Value) or _is_tensor(x)):
            raise TypeError(f"gradcheck(order=2): inputs[{i}] is {type(x).__name__}; second "
                            "derivatives need autograd Values or Tensors")
    rtol = SECOND_ORDER_TOLERANCE[0] if rtol is None else rtol
    atol = SECOND_ORDER_TOLERANCE[1] if atol is None else atol
    start = [entries(x) for x in inputs]
    h = eps                     # each entry moves by h · max(1, |x_k|): its own scale
    names = [input_name(x, i) for i, x in enumerate(inputs)]
    mismatches, evaluations = [], 0
    if fast or any(map(_is_tensor, inputs)):
        vs = [scaled(v, start) for v in directions([len(p) for p in start], count, seed)]
        for j, v in enumerate(vs):
            primals = [x.data if isinstance(x, Value) else type(x)(list(p), x.shape)
                       for x, p in zip(inputs, start)]
            tangents = [vp[0] if isinstance(x, Value) else type(x)(vp, x.shape)
                        for x, vp in zip(inputs, v)]
            hv = _functional.hvp(f, primals, tangents)
            hv = [list(t.data) if _is_tensor(t) else [t] for t in hv]
            up = _gradient(f, inputs, [[a + h * b for a, b in zip(p, vp)]
                                       for p, vp in zip(start, v)])
            down = _gradient(f, inputs, [[a - h * b for a, b in zip(p, vp)]
                                         for p, vp in zip(start, v)])
            evaluations += 3
            for i, x in enumerate(inputs):
                for k, value in enumerate(hv[i]):
                    index = None if isinstance(x, Value) else k
                    where = names[i] if index is None else f"{names[i]}[{k}]"
                    _compare(f"(H·v{j + 1})[{where}] (direction {j + 1} of {count}, seed {seed})",
                             value, up[i][k], down[i][k], h, rtol, atol, mismatches, names[i],
                             None if index is None else (k,))
        checked = sum(map(len, start)) * count
        title = f"gradcheck (order 2, fast: {count} random direction(s), seed {seed})"
    else:
        H = _functional.hessian(f)(*(x.data for x in inputs))
        evaluations += 1
        for j in range(len(inputs)):
            hj = h * max(1.0, abs(start[j][0]))
            up = _gradient(f, inputs, [[p[0] + (hj if q == j else 0.0)] for q, p in
                                       enumerate(start)])
            down = _gradient(f, inputs, [[p[0] - (hj if q == j else 0.0)] for q, p in
                                         enumerate(start)])
            evaluations += 2
            for i in range(len(inputs)):
                _compare(f"∂²f/∂{names[i]}∂{names[j]}", H[i][j], up[i][0], down[i][0], hj,
                         rtol, atol, mismatches, names[i], None)
        checked = len(inputs) ** 2
        title = "gradcheck (order 2: hessian against differences of the gradient)"
    return GradcheckResult(title, checked, mismatches, evaluations=evaluations,
                           unit="second derivatives")
