"""``gradcheck``: reverse-mode gradients against central differences, the complex step or
forward mode; entry by entry, or along random directions (``fast=True``)."""

import math

from ..engine import no_grad
from ..value import Value
from .complex_step import complex_partial
from .directional import (FORWARD_TOLERANCE, directional_mismatches, entries,
                          forward_mismatches)
from .results import GradcheckResult, Mismatch, input_name, within

__all__ = ["gradcheck", "backward_gradients", "DEFAULT_EPS", "TOLERANCES"]

DEFAULT_EPS = 1e-6          # central differences: h = eps * max(1, |x|)
TOLERANCES = {"central": (1e-5, 1e-8), "complex": (1e-9, 1e-11),      # (rtol, atol)
              "forward": FORWARD_TOLERANCE}
METHODS = ("central", "complex", "both", "forward")
_ROUNDING = 2.0 ** -52


def _is_value(x):
    return isinstance(x, Value)


def _multi_index(flat, shape):
    index = []
    for side in reversed(shape):
        flat, r = divmod(flat, side)
        index.append(r)
    return tuple(reversed(index))


def _set(x, k, v):
    if _is_value(x):
        x.data = v
    else:
        x.data[k] = v


def _scalar(out, what="f"):
    if _is_value(out):
        return out.data
    data = getattr(out, "data", None)
    if isinstance(data, list) and len(data) == 1:
        return data[0]
    raise TypeError(f"{what} must return a scalar (a Value or a one-element tensor), got {out!r}")


def _read_grad(x):
    """A flat list of partials: a Value's float, or a tensor-like's ``.grad`` (None = zeros; a
    tensor whose flat ``.data`` holds the partials, like ``autograd.Tensor``; or a flat list)."""
    if _is_value(x):
        return [x.grad]
    g = x.grad
    if g is None:
        return [0.0] * len(x.data)
    return list(g.data) if isinstance(getattr(g, "data", None), list) else list(g)


def backward_gradients(f, inputs):
    """Reverse-mode gradients of f at inputs: ([f value], [per input: flat list of partials]).
    Inputs' ``.grad`` are zeroed for the pass and restored afterwards."""
    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            if _is_value(x):
                x.grad = 0.0
            else:
                x.grad = None            # a tensor-like's "no gradient yet"
        out = f(*inputs)
        value = _scalar(out)
        out.backward()
        return value, [_read_grad(x) for x in inputs]
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g


def _central(f, inputs, i, k, eps):
    """(f(x + h) − f(x − h)) / 2h for element k of input i, and the rounding-error estimate."""
    x = inputs[i]
    x0 = entries(x)[k]
    h = eps * max(1.0, abs(x0))
    try:
        with no_grad():
            _set(x, k, x0 + h)
            up = _scalar(f(*inputs))
            _set(x, k, x0 - h)
            down = _scalar(f(*inputs))
    finally:
        _set(x, k, x0)
    noise = 8 * _ROUNDING * max(abs(up), abs(down)) / h
    return (up - down) / (2 * h), noise


def _check_inputs(inputs):
    """``inputs`` as a list, each a Value or a tensor-like; clear errors for anything else."""
    if _is_value(inputs) or hasattr(inputs, "shape"):
        return [inputs]
    try:
        inputs = list(inputs)
    except TypeError:
        raise TypeError(
            f"gradcheck: inputs must be a Value, a tensor-like or a sequence of them, got "
            f"{type(inputs).__name__} {inputs!r}") from None
    if not inputs:
        raise ValueError("gradcheck: no inputs given, so there is no gradient to check")
    for i, x in enumerate(inputs):
        if not (_is_value(x) or all(hasattr(x, a) for a in ("data", "shape", "grad"))):
            raise TypeError(
                f"gradcheck: inputs[{i}] is {type(x).__name__} {x!r}, neither a Value nor a "
                "tensor-like with .data, .shape and .grad (wrap plain numbers in Value)")
    return inputs


def gradcheck(f, inputs, *, eps=None, rtol=None, atol=None, method="central", fast=False,
              directions=3, seed=0, order=1, blame=True, raise_on_failure=False):
    """Compare the gradients ``backward()`` gives for ``f(*inputs)`` with independent ones.

    ``inputs``: a Value, or a sequence of Values / tensor-likes (see the module docstring).
    ``method``: ``"central"`` (any f), ``"complex"`` (smooth f over the op table's ops: exact to
    ~1e-15; falls back to central when f cannot run on complex numbers), ``"both"``, or
    ``"forward"`` (Dual numbers through the same f: no finite differences, exact up to rounding;
    Value inputs).
    ``fast=True``: compare v·∇f along ``directions`` random unit directions v (seeded by
    ``seed``) instead of every entry: two evaluations of f per direction whatever the size of
    the inputs (:mod:`autograd.testing.directional`). Central differences or forward mode.
    ``order=2``: check the second derivatives instead (:mod:`autograd.testing.second_order`).
    ``eps``: relative central-difference step, h = eps · max(1, |x|) (default 1e-6).
    ``rtol``/``atol``: tolerances (defaults per method, see :data:`TOLERANCES`). A fixed atol
    cannot judge gradients far below it (a wrong rule in ``1e-9 · sin(x)`` passes): scale f, or
    use :func:`~autograd.testing.taylor_test`, which needs no tolerance. ``method="forward"``
    reads the same op table as ``backward()``: it finds engine bugs, not wrong rules.
    The same ``seed`` gives the same directions on every call: vary it to widen a search.
    ``blame``: on a failure with Value inputs, check every node's local derivatives
    (:func:`autograd.testing.blame`) and put the findings in ``result.findings`` and the report.

    Returns a :class:`GradcheckResult` (truthy when all agree; ``.evaluations`` counts the
    evaluations of f); with ``raise_on_failure=True`` a failure raises :class:`GradcheckError`
    (an ``AssertionError``) carrying the report.
    """
    if method not in METHODS:
        raise ValueError(f"gradcheck: method must be one of {', '.join(map(repr, METHODS))}, "
                         f"got {method!r}")
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    if not (isinstance(directions, int) and not isinstance(directions, bool)
            and directions >= 1):
        raise ValueError(f"gradcheck: directions must be a positive int, got {directions!r}")
    if eps is not None and not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck: eps must be a positive finite number, got {eps!r}")
    if order == 2 and method != "central":
        raise ValueError(f"gradcheck(order=2) compares with central differences of the "
                         f"gradient; method={method!r} is not available there")
    inputs = _check_inputs(inputs)
    eps = DEFAULT_EPS if eps is None else eps
    if order == 2:
        from .second_order import second_order_check
        result = second_order_check(f, inputs, fast=fast, count=directions, seed=seed, eps=eps,
                                    rtol=rtol, atol=atol)
    elif fast or method == "forward":
        result = _check_along(f, inputs, method, fast, directions, seed, eps, rtol, atol)
    else:
        result = _check_entries(f, inputs, method, eps, rtol, atol)
    if not result and blame and order == 1 and all(_is_value(x) for x in inputs):
        from .blame import blame as blame_graph
        result.add_findings(blame_graph(f(*inputs)))
    return result.raise_if_failed() if raise_on_failure else result


def _tolerance(method, rtol, atol):
    rtol_m, atol_m = TOLERANCES[method]
    return (rtol_m if rtol is None else rtol), (atol_m if atol is None else atol)


def _check_along(f, inputs, method, fast, count, seed, eps, rtol, atol):
    """Fast mode (directions) and forward mode."""
    _, grads = backward_gradients(f, inputs)
    if method == "forward":
        r, a = _tolerance("forward", rtol, atol)
        names = [input_name(x, i) for i, x in enumerate(inputs)]
        mismatches, checked, passes = forward_mismatches(
            f, inputs, grads, names, fast=fast, count=count, seed=seed, rtol=r, atol=a)
        return GradcheckResult("gradcheck (forward mode vs reverse mode)", checked, mismatches,
                               evaluations=1 + passes,
                               unit="directional derivatives" if fast else "partial derivatives")
    notes = []
    if method != "central":
        notes.append(f"fast mode compares directional derivatives by central differences "
                     f"(method={method!r} was asked)")
    r, a = _tolerance("central", rtol, atol)
    mismatches, evaluations = directional_mismatches(
        f, inputs, grads, _scalar, count=count, seed=seed, eps=eps, rtol=r, atol=a)
    return GradcheckResult(f"gradcheck (fast: {count} random direction(s), seed {seed})",
                           count, mismatches, notes, evaluations=1 + evaluations,
                           unit="directional derivatives")


def _check_entries(f, inputs, method, eps, rtol, atol):
    """The elementwise mode: every partial derivative on its own."""
    _, grads = backward_gradients(f, inputs)
    methods = ["central", "complex"] if method == "both" else [method]
    notes, mismatches, checked, evaluations = [], [], 0, 1

    if "complex" in methods:
        if not all(_is_value(x) for x in inputs):
            notes.append("complex step needs Value inputs; used central differences")
            methods = ["central"]
        else:
            try:
                complex_grads = [complex_partial(f, inputs, i) for i in range(len(inputs))]
                evaluations += len(inputs)
            except (TypeError, AttributeError, ValueError, ArithmeticError) as e:
                notes.append(f"complex step not possible ({type(e).__name__}: {e}); "
                             "used central differences")
                methods = ["central"]

    for m in methods:
        rtol_m, atol_m = _tolerance(m, rtol, atol)
        for i, x in enumerate(inputs):
            shape = None if _is_value(x) else tuple(x.shape)
            for k, analytic in enumerate(grads[i]):
                checked += 1
                if m == "complex":
                    numeric, noise = complex_grads[i], 0.0
                else:
                    numeric, noise = _central(f, inputs, i, k, eps)
                    evaluations += 2
                if not within(analytic, numeric, rtol_m, atol_m, noise):   # NaN, inf too
                    index = None if shape is None else _multi_index(k, shape)
                    mismatches.append(Mismatch(input_name(x, i), index, analytic, numeric, m))
    return GradcheckResult("gradcheck", checked, mismatches, notes, evaluations=evaluations)
