"""The Taylor test: a gradient check whose verdict needs no tolerance.

Taylor's theorem along a direction v says

    f(x + h·v) = f(x) + h·∇f(x)·v + O(h²)

so the residual r(h) = |f(x + h·v) − f(x) − h·g·v| falls like h² when g is the true gradient,
and only like h when it is not (the first-order term h·(∇f − g)·v is left over). Halve h and
r(h) falls by 4 (slope log₂(r(h)/r(h/2)) = 2) or by 2 (slope 1): the *slope* is the verdict,
whatever the scale of f, with no rtol or atol to choose. (Dolfin-adjoint's
``taylor_test`` is the classic; this is the same idea for chainrule's Values and Tensors.)

Two things bend the line, and a plot of log r against log h shows both: for large h the O(h³)
terms (or a domain edge), for tiny h rounding: f is only known to about 2⁻⁵²·|f|, so once r(h)
sinks to that level it stops falling. That level is estimated from the graph itself
(Σ |∂f/∂node · node| · 2⁻⁵², so values that cancel inside f count too). The slopes are
therefore read where the residual is well above that floor. The reading (``slope``) is the
median of the last three; the verdict is FAILED when all three stay below 1.5. (Where f's
curvature along v is zero, as for tanh at 0, the residual falls like h³: slope 3, also a right
gradient. Near such a point the h² and h³ terms can have opposite signs: the residual then
crosses zero at one h and dips for a halving or two — slopes like 4.6, 1.3, 1.2, 1.7 for a
right gradient of tanh at −3e-6 — so one slope of three above 1.5 is enough.)
Each entry of the direction is multiplied by max(1, |x_k|), so each moves by h relative to its
own size (one input of 1e8 beside one of 0.3 must not set the other's step).
A gradient that is not finite where f is (∇f·v = inf or NaN) fails outright.
:meth:`TaylorResult.svg` draws the log-log plot (standard library only).
"""

import math
import statistics

from ..engine import no_grad, topological_order
from ..value import Value
from .directional import directions, entries, put_entries, scaled

__all__ = ["taylor_test", "TaylorResult"]

_ROUNDING = 2.0 ** -52
_CLEAN = 1e2        # a residual counts when it is this many times above the rounding floor


def _scalar(out):
    return out.data if isinstance(out, Value) else out.data[0]


class TaylorResult:
    """What the Taylor test measured.

    ``hs``: the steps; ``residuals``: r(h) for each (None where f failed there); ``floor``: the
    rounding level of each residual; ``slopes``: log₂ r(h)/r(h/2) between consecutive clean
    residuals, largest h first (``slope_at``: the h of each, between h and h/2); ``slope``:
    the median of the last three (None when the residual never rises above rounding: f is
    linear along v and the gradient agrees); ``ok``: one of the last three slopes above 1.5
    (True with the residual at rounding level, False when ∇f·v is not finite);
    ``resolution``: the smallest error in ∇f·v this run could have seen (below).

    **What the test can see.** A gradient off by δ along v adds h·δ to the residual, beside
    the curvature's ≈ h²·|vᵀHv|/2 and the rounding floor; it shows as slope 1 only at an h
    where h·δ stands well above both. So an error smaller than
    ``resolution = 8 · min over h of (r(h) + 100 · floor(h)) / h`` (r read from a right
    gradient's run) can pass unseen: where f curves strongly and the error is tiny (a wrong
    sign on tanh'(7.5) ≈ 3.7e-6 beside sin(3x)'s curvature), no h separates the two. Above it,
    the verdict is slope 1: at that h the residual is ≥ 8× both, and every smaller clean h
    leaves the first-order term more dominant."""

    def __init__(self, hs, residuals, floor, slopes, derivative):
        self.hs, self.residuals, self.floor = hs, residuals, floor
        self.slopes = slopes
        self.derivative = derivative            # g·v from backward()
        self.resolution = min((8 * (r + _CLEAN * fl) / h for h, r, fl in
                               zip(hs, residuals, floor) if r is not None), default=math.inf)
        self.slope = statistics.median(slopes[-3:]) if slopes else None
        self.finite = math.isfinite(derivative)
        self.ok = self.finite and (not slopes or max(slopes[-3:]) > 1.5)

    def __bool__(self):
        return self.ok

    def __str__(self):
        if not self.finite:
            return (f"taylor_test: FAILED, backward() gives ∇f·v = {self.derivative!r} where f "
                    "is finite")
        if self.slope is None:
            return ("taylor_test: ok, the residual stays at rounding level (f is linear along "
                    "v and backward() agrees)")
        verdict = ("ok: the residual falls like h² (or faster), the gradient is right"
                   if self.ok else "FAILED: the residual falls like h, the gradient is wrong")
        if self.ok and self.slope <= 1.5:
            verdict += (f" (the last slopes reach {max(self.slopes[-3:]):.2f}: a residual that "
                        "crosses zero dips for a halving or two)")
        shown = ", ".join(f"{s:.2f}" for s in self.slopes)
        return f"taylor_test: slope {self.slope:.2f}, {verdict} (slopes {shown})"

    __repr__ = __str__

    def svg(self, title="Taylor test"):
        """The log-log plot of r(h) against h, with slope-1 and slope-2 guides and the rounding
        floor, as a complete SVG document (a string)."""
        from .taylor_plot import taylor_svg
        return taylor_svg(self, title)


def _gradient_and_scale(f, inputs):
    """f(x), ∇f(x) from one ``backward()`` (inputs' ``.grad`` restored), and the rounding scale
    Σ |∂f/∂node · node| over the graph: each node is rounded by about 2⁻⁵² of itself, and
    reaches f multiplied by ∂f/∂node (running error analysis). It sees what |f| alone does not:
    large intermediate values that cancel (cos(x) − cos(x), x ≈ 1)."""
    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            x.grad = 0.0 if isinstance(x, Value) else None
        out = f(*inputs)
        f0 = _scalar(out)
        out.backward()
        grads = [[x.grad] if isinstance(x, Value) else
                 (list(x.grad.data) if x.grad is not None else [0.0] * len(x.data))
                 for x in inputs]
        scale = 0.0
        for node in topological_order(out):
            g = node.grad
            if isinstance(node, Value):
                scale += abs(g * node.data)
            elif g is not None:
                scale += math.fsum(abs(a * b) for a, b in zip(g.data, node.data))
        return f0, grads, scale
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g


def taylor_test(f, inputs, *, direction=None, seed=0, h0=1e-2, halvings=16):
    """Residual slopes of f at ``inputs`` (Values or Tensors) along a direction.

    ``direction``: one flat list per input, used as given (default: a random unit direction
    drawn with ``seed``, each entry times max(1, |x_k|)); h runs from ``h0`` through
    ``halvings`` halvings. ``f`` is evaluated once with ``backward()`` for g and once per h; the
    inputs are restored. Returns a :class:`TaylorResult` (truthy when the slopes say the
    gradient is right).
    """
    inputs = _checked_inputs(inputs)
    if not (isinstance(h0, (int, float)) and math.isfinite(h0) and h0 > 0):
        raise ValueError(f"taylor_test: h0 must be a positive finite number, got {h0!r}")
    if not isinstance(halvings, int) or isinstance(halvings, bool) or halvings < 3:
        raise ValueError(f"taylor_test: halvings must be an integer >= 3 (three slopes make "
                         f"the verdict), got {halvings!r}")
    start = [entries(x) for x in inputs]
    if direction is None:
        v = scaled(directions([len(p) for p in start], 1, seed)[0], start)
    else:
        v = [list(map(float, part)) for part in direction]
        if [len(p) for p in v] != [len(p) for p in start]:
            raise ValueError(f"taylor_test: the direction has parts of sizes "
                             f"{[len(p) for p in v]}, the inputs {[len(p) for p in start]}")
        if not any(t for part in v for t in part):
            raise ValueError("taylor_test: the direction is zero: f would not move, and "
                             "nothing would be tested")
    f0, grads, scale_f = _gradient_and_scale(f, inputs)
    derivative = math.fsum(a * b for vp, gp in zip(v, grads) for a, b in zip(vp, gp))
    # the perturbed inputs x + h·v are rounded too: by 2⁻⁵²·|x|, moving f by about g·that
    moved = math.fsum(abs(a * b) for gp, p in zip(grads, start) for a, b in zip(gp, p))
    hs = [h0 / 2 ** k for k in range(halvings + 1)]
    residuals, floor = [], []
    try:
        with no_grad():
            for h in hs:
                for x, p, vp in zip(inputs, start, v):
                    put_entries(x, [a + h * b for a, b in zip(p, vp)])
                try:
                    fh = _scalar(f(*inputs))
                except (ArithmeticError, ValueError):
                    residuals.append(None)                  # outside f's domain at this h
                    floor.append(None)
                    continue
                residuals.append(abs(fh - f0 - h * derivative))
                floor.append(4 * _ROUNDING * (abs(fh) + abs(f0) + abs(h * derivative) + moved
                                              + scale_f))
    finally:
        for x, p in zip(inputs, start):
            put_entries(x, p)
    slopes, at = [], []
    for k in range(halvings):
        r1, r2 = residuals[k], residuals[k + 1]
        if None in (r1, r2) or r2 <= _CLEAN * floor[k + 1] or r1 <= _CLEAN * floor[k]:
            continue
        slopes.append(math.log2(r1 / r2))
        at.append(hs[k])
    if not any(r1 is not None and r2 is not None for r1, r2 in zip(residuals, residuals[1:])):
        raise ValueError(f"taylor_test: f could not be evaluated at two consecutive steps "
                         f"x + h·v (h from {h0!r} down to {hs[-1]:.3g}): outside its domain; "
                         "try a smaller h0 or another direction")
    result = TaylorResult(hs, residuals, floor, slopes, derivative)
    result.slope_at = at
    return result


def _checked_inputs(inputs):
    """``inputs`` as a non-empty list of Values and Tensors, or a clear error."""
    if isinstance(inputs, Value) or hasattr(inputs, "shape"):
        return [inputs]
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError(f"taylor_test: inputs must be a Value, a Tensor or a non-empty list "
                        f"of them, got {inputs!r}")
    for i, x in enumerate(inputs):
        if not (isinstance(x, Value) or hasattr(x, "shape")):
            raise TypeError(f"taylor_test: inputs[{i}] is {type(x).__name__} ({x!r}); pass "
                            "autograd Values or Tensors (the leaves f takes)")
    return list(inputs)
