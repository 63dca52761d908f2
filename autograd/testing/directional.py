"""Checks along directions: the fast mode of ``gradcheck`` and forward mode against reverse mode.

**Fast (directional) mode.** Instead of one central difference per entry (2·n evaluations of
``f`` for n entries: 200,704 for a 784×128 weight), draw a random unit direction v over all the
entries of all the inputs and compare two numbers:

    v·∇f  (from the one backward pass)    with    (f(x + h·v) − f(x − h·v)) / 2h

Two evaluations of ``f`` per direction, whatever n is (PyTorch's ``fast_mode``, which made its
own gradient tests about 20× faster). The directions are Gaussian, v = z / |z| with
z ~ N(0, I), drawn from ``random.Random(seed)``: deterministic for a seed. A wrong gradient g' ≠ g
passes one direction only when v·(g' − g) is within the tolerance; v·(g' − g) is
|g' − g|·cos θ with θ uniform on the sphere, so this happens with probability about
tol·√n / |g' − g| per direction, and each further direction multiplies that.
Each entry of the unit direction is then multiplied by max(1, |x_k|) (:func:`scaled`), so every
entry moves by h relative to its own size, as in the elementwise mode: one large input (a bias
of 1e6) must not set the step of all the others (with one global step, sin(x) + 0.5·y at
x = 0.3, y = 1e6 failed a right gradient).
One number per direction also means one tolerance per direction: an error in a small partial
beside a huge one (0.045 in ∂f/∂x beside v·∇f ≈ 5e5) hides in it. The elementwise mode, which
checks each partial against its own size, stays for small inputs, for mixed scales and for
pinpointing the entry.

**Forward mode.** ``method="forward"``: the same derivative by :class:`~autograd.Dual` numbers
(one forward pass per input, or per direction in fast mode) against ``backward()``. No finite
differences: both are exact up to rounding, so the tolerance is tight (see ``TOLERANCES``).
"""

import math
import random

from ..engine import no_grad
from ..forward import jvp
from ..value import Value
from .results import Mismatch, within

__all__ = ["directions", "entries", "put_entries", "directional_mismatches", "forward_mismatches",
           "FORWARD_TOLERANCE"]

FORWARD_TOLERANCE = (1e-9, 1e-12)     # (rtol, atol): reverse vs forward, both exact to rounding
_ROUNDING = 2.0 ** -52


def _is_value(x):
    return isinstance(x, Value)


def entries(x):
    """An input's numbers as one flat list: [x.data] for a Value, a copy of a Tensor's data."""
    return [x.data] if _is_value(x) else list(x.data)


def put_entries(x, values):
    """Set an input's numbers from a flat list (the inverse of :func:`entries`)."""
    if _is_value(x):
        x.data = values[0]
    else:
        x.data[:] = values


def directions(sizes, count, seed):
    """``count`` random unit directions over inputs of the given element counts: each a list
    with one flat list per input. Gaussian, normalised over all entries together."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        z = [[rng.gauss(0.0, 1.0) for _ in range(n)] for n in sizes]
        norm = math.sqrt(math.fsum(t * t for part in z for t in part)) or 1.0
        out.append([[t / norm for t in part] for part in z])
    return out


def scaled(v, start):
    """The direction v with each entry times max(1, |x_k|) (x = ``start``, flat per input):
    a step h along it moves every entry by h relative to its own size, so one large entry
    (a bias of 1e6) does not set the step of all the others."""
    return [[max(1.0, abs(a)) * b for a, b in zip(p, vp)] for p, vp in zip(start, v)]


def _dot(v, grads):
    """v·∇f, summed exactly (math.fsum): the rounding left is that of the partials."""
    return math.fsum(a * b for vp, gp in zip(v, grads) for a, b in zip(vp, gp))


def directional_mismatches(f, inputs, grads, scalar, *, count, seed, eps, rtol, atol):
    """Compare v·∇f with the central difference of f along v for ``count`` directions.

    Returns (mismatches, evaluations of f). ``scalar`` turns f's output into a float."""
    start = [entries(x) for x in inputs]
    h = eps
    mismatches = []
    evaluations = 0
    for j, unit in enumerate(directions([len(p) for p in start], count, seed)):
        v = scaled(unit, start)
        analytic = _dot(v, grads)
        try:
            with no_grad():
                for x, p, vp in zip(inputs, start, v):
                    put_entries(x, [a + h * b for a, b in zip(p, vp)])
                up = scalar(f(*inputs))
                for x, p, vp in zip(inputs, start, v):
                    put_entries(x, [a - h * b for a, b in zip(p, vp)])
                down = scalar(f(*inputs))
                evaluations += 2
        finally:
            for x, p in zip(inputs, start):
                put_entries(x, p)
        numeric = (up - down) / (2 * h)
        noise = 8 * _ROUNDING * max(abs(up), abs(down)) / h
        if not within(analytic, numeric, rtol, atol, noise):
            mismatches.append(Mismatch(f"v{j + 1}", None, analytic, numeric, "central",
                                       what=f"v{j + 1}·∇f (direction {j + 1} of {count}, "
                                            f"seed {seed})"))
    return mismatches, evaluations


def _forward_derivative(f, inputs, tangents):
    """∇f·t by one forward pass of Dual numbers (f called with Duals in place of the Values)."""
    primals = [x.data for x in inputs]
    _, tangent = jvp(f, primals, tangents)
    return tangent if tangent.__class__ is float else float(getattr(tangent, "data", tangent))


def forward_mismatches(f, inputs, grads, names, *, fast, count, seed, rtol, atol):
    """Reverse-mode partials against forward mode (Dual numbers) on the same f.

    Elementwise: one forward pass per input with tangent e_i. ``fast``: ``count`` random
    directions, v·∇f from both. Returns (mismatches, number of partials or directions checked,
    forward passes)."""
    if not all(_is_value(x) for x in inputs):
        raise TypeError("gradcheck(method='forward') needs Value inputs: Dual numbers carry "
                        "scalars, not Tensors; use method='central' (fast=True) for Tensors")
    flat = [g[0] for g in grads]
    scale = max([1.0] + [abs(g) for g in flat])
    mismatches = []
    if fast:
        tangents = [[part[0] for part in v] for v in directions([1] * len(inputs), count, seed)]
        cases = [(f"v{j + 1}", t, math.fsum(a * b for a, b in zip(t, flat)),
                  f"v{j + 1}·∇f (direction {j + 1} of {count}, seed {seed})")
                 for j, t in enumerate(tangents)]
    else:
        cases = []
        for i in range(len(inputs)):
            e = [0.0] * len(inputs)
            e[i] = 1.0
            cases.append((names[i], e, flat[i], None))
    for name, tangent, analytic, what in cases:
        numeric = _forward_derivative(f, inputs, tangent)
        if not within(analytic, numeric, rtol, atol * scale):
            mismatches.append(Mismatch(name, None, analytic, numeric, "forward", what=what))
    return mismatches, len(cases), len(cases)
