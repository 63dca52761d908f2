"""Two interleaving half circles ("two moons"), a small 2-D binary classification set.

Like scikit-learn's ``make_moons``: ``n // 2`` points on the upper half circle of radius 1
centred at (0, 0) (class 0), and the other points on the lower half circle centred at
(1, 0.5) (class 1)::

    outer:  (cos t,      sin t)           t evenly spaced in [0, pi]
    inner:  (1 - cos t,  0.5 - sin t)

each coordinate plus Gaussian noise of standard deviation ``noise``; then the points are
shuffled. No straight line separates the classes, so a network needs a hidden layer.
"""

import math
import random

__all__ = ["make_moons"]


def _linspace(a, b, n):
    if n == 1:
        return [a]
    return [a + (b - a) * k / (n - 1) for k in range(n)]


def make_moons(n=100, noise=0.1, seed=0, labels="01", shuffle=True):
    """Return ``(X, y)``: ``X`` a list of ``n`` points ``[x1, x2]``, ``y`` their labels.

    ``labels="01"`` (default, as scikit-learn; for cross-entropy): outer moon 0, inner 1.
    ``labels="pm1"`` (for a hinge loss / ``tanh`` output): outer moon -1, inner +1.
    Deterministic: the same ``(n, noise, seed)`` always gives the same points
    (``random.Random(seed)`` only, no global random state).
    """
    if labels not in ("01", "pm1"):
        raise ValueError(f"make_moons: labels must be '01' or 'pm1', got {labels!r}")
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"make_moons: n must be an int >= 2 (one point per moon), got {n!r}")
    if noise < 0:
        raise ValueError(f"make_moons: noise is a standard deviation, must be >= 0, got {noise!r}")
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    lo, hi = (0, 1) if labels == "01" else (-1, 1)
    points = [([math.cos(t), math.sin(t)], lo) for t in _linspace(0.0, math.pi, n_outer)]
    points += [([1.0 - math.cos(t), 0.5 - math.sin(t)], hi)
               for t in _linspace(0.0, math.pi, n_inner)]
    if shuffle:
        rng.shuffle(points)
    if noise:
        for p, _ in points:
            p[0] += rng.gauss(0.0, noise)
            p[1] += rng.gauss(0.0, noise)
    return [p for p, _ in points], [label for _, label in points]
